"""Where windows open: within the available area of the screen they open on.

The tests run on two offscreen screens (tests/data/screens.json): a floor PC's 1366 x 768 as
the primary (offscreen takes the screens in the order of their names) and a 1920 x 1200
office screen to its right. Offscreen windows have a 2-pixel frame.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMargins, QRect, QSettings, QSize
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QMainWindow

from app.views.common.geometry import fit_rect
from app.views.main_window import GEOMETRY_KEY, MainWindow
from app.views.pages import PAGES
from tests.views.conftest import idle

FLOOR = QRect(0, 0, 1366, 728)  # 1366 x 768 less a 40-pixel task bar
FRAME = QMargins(4, 30, 4, 4)  # a title bar and thin borders


# --- the rule, without a screen -------------------------------------------------------------


def test_a_default_size_too_large_is_fitted_and_centred_frame_and_all() -> None:
    fitted = fit_rect(FLOOR, QSize(1440, 900), FRAME)
    assert fitted == QRect(4, 30, 1358, 694)
    assert FLOOR.contains(fitted.marginsAdded(FRAME))


def test_a_default_size_that_fits_is_kept_and_centred() -> None:
    assert fit_rect(FLOOR, QSize(1000, 600)) == QRect(183, 64, 1000, 600)
    assert fit_rect(FLOOR, QSize(1000, 600), FRAME) == QRect(183, 77, 1000, 600)


def test_a_remembered_geometry_that_fits_is_restored_as_it_was() -> None:
    assert fit_rect(FLOOR, QRect(100, 80, 900, 500), FRAME) == QRect(100, 80, 900, 500)


def test_a_geometry_remembered_from_a_larger_screen_is_shrunk_and_moved_in() -> None:
    fitted = fit_rect(FLOOR, QRect(300, 200, 1800, 1100), FRAME)
    assert fitted == QRect(4, 30, 1358, 694)
    assert FLOOR.contains(fitted.marginsAdded(FRAME))


def test_a_window_sticking_out_is_moved_in_by_the_least() -> None:
    # Off the right and bottom edges: moved left and up just enough, its size kept.
    assert fit_rect(FLOOR, QRect(900, 500, 800, 400), FRAME) == QRect(562, 324, 800, 400)
    # Above and left of the area (a title bar out of reach): moved right and down.
    assert fit_rect(FLOOR, QRect(-50, -20, 800, 400), FRAME) == QRect(4, 30, 800, 400)
    # Too wide only: as wide as the area, its height and top kept.
    assert fit_rect(FLOOR, QRect(200, 100, 2000, 300)) == QRect(0, 100, 1366, 300)


def test_an_area_that_does_not_start_at_the_origin() -> None:
    office = QRect(1366, 0, 1920, 1200)
    assert fit_rect(office, QSize(1440, 900)) == QRect(1606, 150, 1440, 900)
    assert fit_rect(office, QRect(3000, 1000, 800, 600)) == QRect(2486, 600, 800, 600)


# --- the main window on the screens ---------------------------------------------------------


def screens() -> tuple[QScreen, QScreen]:
    """The floor PC (the primary screen) and the office screen."""
    named = {s.name(): s for s in QGuiApplication.screens()}
    if not {"floor-pc", "office"} <= set(named):
        pytest.fail(
            "the window tests expect tests/data/screens.json's screens; do not set "
            "QT_QPA_PLATFORM when running them"
        )
    assert QGuiApplication.primaryScreen() is named["floor-pc"]
    return named["floor-pc"], named["office"]


def remember(rect: QRect, *, maximised: bool = False) -> None:
    """What a window left at `rect` (or maximised) wrote into the settings."""
    left = QMainWindow()
    left.setGeometry(rect)
    left.show()
    if maximised:
        left.showMaximized()
    QSettings().setValue(GEOMETRY_KEY, left.saveGeometry())
    left.close()


def opened(ctx, qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    return window


def frame_fits(window: MainWindow, screen: QScreen) -> bool:
    return screen.availableGeometry().contains(window.frameGeometry())


def test_the_first_time_on_a_floor_pc_the_window_opens_within_the_screen(ctx, qtbot) -> None:  # type: ignore[no-untyped-def]
    floor, _office = screens()
    QSettings().remove(GEOMETRY_KEY)
    window = opened(ctx, qtbot)
    assert window.screen() is floor and frame_fits(window, floor)
    assert window.width() > 1300 and window.height() > 700  # the screen, not a postage stamp
    window.close()


def test_a_size_remembered_from_a_larger_screen_is_fitted_to_the_floor_pc(ctx, qtbot) -> None:  # type: ignore[no-untyped-def]
    floor, _office = screens()
    remember(QRect(40, 30, 1800, 1100))
    window = opened(ctx, qtbot)
    assert window.screen() is floor and frame_fits(window, floor)
    window.close()


def test_a_geometry_that_fits_its_screen_is_restored_as_it_was(ctx, qtbot) -> None:  # type: ignore[no-untyped-def]
    _floor, office = screens()
    remember(QRect(1500, 100, 1500, 950))
    window = opened(ctx, qtbot)
    assert window.screen() is office and window.geometry() == QRect(1500, 100, 1500, 950)
    window.close()


def test_a_window_left_maximised_opens_maximised(ctx, qtbot) -> None:  # type: ignore[no-untyped-def]
    floor, _office = screens()
    remember(QRect(100, 100, 1800, 1100), maximised=True)
    window = opened(ctx, qtbot)
    assert window.isMaximized() and frame_fits(window, floor)
    window.showNormal()
    assert frame_fits(window, floor)  # un-maximised, it still fits
    window.close()


# --- every page on a floor PC ---------------------------------------------------------------

# What a 1366 x 768 floor PC leaves a window: a 40-pixel task bar, then a title bar and borders.
FLOOR_PC_ROOM = QSize(1366 - 8 - 8, 768 - 40 - 31 - 8)
OPENED_WITH = {
    "work_order": {"number": "WO-000002"},
    "sales_order": {"number": "SO-000001"},
    "fulfillment": {"number": "IF-000002"},
    "purchase_order": {"number": "PO-000002"},
    "stock_item": {"sku": "BRAKE-CALIPER"},
}


def test_every_page_fits_a_floor_pc_with_a_task_bar(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The window can never be smaller than what its largest page needs: each page, with
    the demo plant's data and a message showing, must leave it room on a floor PC."""
    floor, _office = screens()
    window.message_bar.show_message("a refusal, in words, on the message line", "error")
    pages = {}
    for spec in PAGES:
        pages[spec.key] = window.show_page(spec.key, **OPENED_WITH.get(spec.key, {}))
        idle(qtbot, ctx)
        assert window.stack.currentWidget() is pages[spec.key]
    # The window around a page: the navigation, the message line, the status bar.
    around = window.minimumSizeHint() - window.stack.minimumSizeHint()
    too_big = {
        key: (need.width(), need.height())
        for key, page in pages.items()
        if not fits(need := page.minimumSizeHint() + around, FLOOR_PC_ROOM)
    }
    assert too_big == {}, f"no room on a floor PC ({FLOOR_PC_ROOM.toTuple()}) for {too_big}"
    assert fits(window.minimumSizeHint(), FLOOR_PC_ROOM) and frame_fits(window, floor)


def fits(size: QSize, room: QSize) -> bool:
    return size.width() <= room.width() and size.height() <= room.height()


def test_a_name_column_keeps_its_width_and_the_list_scrolls_sideways(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    floor, office = screens()
    page = window.show_page("work_orders")
    idle(qtbot, ctx)
    table = page.table
    name = next(n for n, c in enumerate(page.model.columns) if c.title == "Name")
    declared = page.model.columns[name].width
    assert window.screen() is floor
    assert table.columnWidth(name) >= declared  # not squeezed to a few letters
    assert table.horizontalScrollBar().maximum() > 0  # the columns after it are a scroll away
    window.setGeometry(QRect(1400, 40, 1850, 1100))  # on the office screen: room for all
    qtbot.waitUntil(lambda: window.screen() is office)
    assert table.columnWidth(name) > declared and table.horizontalScrollBar().maximum() == 0


def test_the_navigation_lists_every_page_without_scrolling_on_a_floor_pc(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.resize(FLOOR_PC_ROOM)
    qtbot.waitUntil(lambda: window.size() == FLOOR_PC_ROOM)
    assert window.nav.count() == len([s for s in PAGES if s.in_navigation])
    assert window.nav.verticalScrollBar().maximum() == 0
