"""The other views through their widgets: dashboard figures, inventory with an adjustment
and its reversal, the import preview, preferences, users, and start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt

from app.services import admin, inventory, overview
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.production import work_orders
from app.views.app import StartupDialog, database_state
from app.views.common.status import SHORT
from tests.views.conftest import idle


def test_the_dashboard_shows_the_overview_and_opens_the_lists(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = window.pages["dashboard"]
    expected = overview.overview(ctx.uow)
    for status, count in expected.work_orders.items():
        assert page.status_cards[status].value.text() == str(count)
    assert page.late_card.value.text() == "2" and page.short_card.value.text() == "6"
    assert page.queue_card.value.text() == str(expected.suggestions.total)
    assert [r.number for r in page.late_model.rows] == ["WO-000007", "WO-000008"]
    assert page.builds_model.rowCount() == 3
    bars = page.chart.chart().series()[0].barSets()[0]
    assert bars.count() == 28 and bars.at(27) == 17.0  # today's completions: 6 + 3 + 8

    qtbot.mouseClick(page.late_card, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    wo_list = window.pages["work_orders"]
    assert window.stack.currentWidget() is wo_list and wo_list.late.isChecked()
    assert [wo_list.model.row_at(i).number for i in range(wo_list.model.rowCount())] == [
        "WO-000007",
        "WO-000008",
    ]
    window.show_page("dashboard")
    qtbot.mouseClick(page.status_cards["in_process"], Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    assert {wo_list.model.row_at(i).status for i in range(wo_list.model.rowCount())} == {
        "in_process"
    }
    window.show_page("dashboard")
    qtbot.mouseClick(page.short_card, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    planning = window.pages["planning"]
    assert planning.tabs.currentIndex() == 0 and planning.shortages.total == 6


def test_the_shortages_show_the_supply_on_its_way(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("planning")
    idle(qtbot, ctx)
    model = page.shortages
    titles = [
        model.headerData(i, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        for i in range(model.columnCount())
    ]
    assert titles[-5:] == ["Short", "Orders", "On order", "Next due", "Still short"]

    def shown(sku: str) -> tuple[list[str], object]:
        row = next(i for i in range(model.rowCount()) if model.row_at(i).sku == sku)
        cells = [model.data(model.index(row, c)) for c in range(model.columnCount())]
        return cells[-5:], model.data(model.index(row, 0), Qt.ItemDataRole.BackgroundRole)

    kits_due = work_orders.get_work_order(ctx.uow, "WO-000001").due
    late_due = work_orders.get_work_order(ctx.uow, "WO-000008").due
    # The released brake kit order is due before the bicycles: the 6 short are covered.
    kits, covered = shown("BRAKE-KIT")
    assert kits == ["6", "1", "10", kits_due.isoformat(), "0"]
    assert covered is None
    # Only the late drivetrains come in time; the planned ones are due after the bicycles.
    drivetrains, still_short = shown("DRIVETRAIN-8S")
    assert drivetrains == ["14", "1", "8", late_due.isoformat(), "11"]
    assert still_short is not None and still_short.color().name().upper() == SHORT.background
    # Nothing is on its way for the calipers.
    assert shown("BRAKE-CALIPER")[0] == ["4", "1", "0", "", "4"]


def test_the_creation_queue_is_accepted(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("planning", tab="queue")
    idle(qtbot, ctx)
    suggested = page.queue.total
    assert suggested > 0
    qtbot.mouseClick(page.accept_all, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    assert page.queue.total == 0 and "Created WO-000010" in window.message_bar.text


def test_stock_adjustment_with_a_reason_and_its_reversal(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    stock = window.show_page("inventory")
    idle(qtbot, ctx)
    qtbot.keyClicks(stock.text, "BRAKE-KIT")
    stock.apply_filters()
    idle(qtbot, ctx)
    assert stock.model.rowCount() == 1
    stock.table.selectRow(0)
    qtbot.keyClick(stock.table, Qt.Key.Key_Return)
    idle(qtbot, ctx)
    item = window.pages["stock_item"]
    assert window.stack.currentWidget() is item and item.cards["on_hand"].value.text() == "14"
    assert item.where.currentData() == "MAIN"

    qtbot.mouseClick(item.adjust_button, Qt.MouseButton.LeftButton)
    dialog = item.dialog
    qtbot.keyClicks(dialog.quantity, "-3")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert "give the reason" in dialog.error.text()  # a reason is asked for
    qtbot.keyClicks(dialog.reason, "damaged in the rack")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    assert not dialog.isVisible() and item.cards["on_hand"].value.text() == "11"
    assert "Adjusted BRAKE-KIT by -3" in window.message_bar.text
    newest = item.ledger.row_at(0)
    assert newest.reason == "adjustment" and newest.memo == "damaged in the rack"

    item.ledger_table.selectRow(0)
    qtbot.mouseClick(item.reverse_button, Qt.MouseButton.LeftButton)
    reverse = item.dialog
    assert str(newest.event_id) in reverse.windowTitle()
    qtbot.mouseClick(reverse.ok, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    assert item.cards["on_hand"].value.text() == "14"
    assert item.ledger.row_at(0).reason == "reversal"


def test_who_holds_the_stock(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    item = window.show_page("stock_item", sku="BRAKE-CALIPER")
    idle(qtbot, ctx)
    holders = inventory.commitment_holders(ctx.uow, "BRAKE-CALIPER")
    assert [(h.document, h.committed) for h in item.holders.rows] == [
        (h.document, h.committed) for h in holders
    ]
    assert item.holders.rowCount() >= 1


def test_an_import_shows_every_row_and_its_error_before_writing(
    ctx, window, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("imports")
    page.kind.setCurrentIndex(page.kind.findData("stock"))
    bad = tmp_path / "count.csv"
    bad.write_text("sku,location,quantity\nBRAKE-KIT,,5\nNOPE,,3\nBRAKE-KIT,,-100\n")
    page.path.setText(str(bad))
    qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    rows = page.model.rows
    assert [r.error is None for r in rows] == [True, False, False]
    assert "unknown sku 'NOPE'" in rows[1].error and "below zero" in rows[2].error
    assert "2 of 3 rows" in page.verdict.text() and not page.import_button.isEnabled()
    assert inventory.stock_position(ctx.uow, "BRAKE-KIT").on_hand == 14  # nothing written

    good = tmp_path / "good.csv"
    good.write_text("sku,location,quantity\nBRAKE-KIT,,5\n")
    page.path.setText(str(good))
    qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    assert page.import_button.isEnabled()
    qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    assert inventory.stock_position(ctx.uow, "BRAKE-KIT").on_hand == 19
    assert "Imported 1 rows of good.csv" in window.message_bar.text


def test_preferences_are_grouped_explained_and_saved(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("preferences")
    idle(qtbot, ctx)
    assert set(page.editors) == set(admin.show_preferences(ctx.uow))
    box = page.editors["allow_overage_on_assembly_builds"]
    box.setChecked(True)
    idle(qtbot, ctx)
    assert admin.show_preferences(ctx.uow)["allow_overage_on_assembly_builds"] == "true"
    idle_minutes = page.editors["sign_out_after_idle_minutes"]
    idle_minutes.setText("abc")
    idle_minutes.editingFinished.emit()
    idle(qtbot, ctx)
    assert "whole number" in window.message_bar.text
    assert idle_minutes.text() == "0"


def test_users_are_added_and_managed(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("users")
    idle(qtbot, ctx)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    qtbot.keyClicks(dialog.name, "anna")
    qtbot.keyClicks(dialog.pin, "4711")
    qtbot.keyClicks(dialog.again, "4711")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    assert [u.username for u in page.model.rows] == ["anna"]
    assert "Added anna as admin" in window.message_bar.text
    anna = UnitOfWork(ctx.database, Actor("anna", "bench"))
    admin.add_user(anna, "olga", "operator", secret="2222")
    from app.services import auth

    ctx.set_user(auth.sign_in(anna, "anna", "4711"))
    idle(qtbot, ctx)
    page = window.show_page("users")
    idle(qtbot, ctx)
    page.table.selectRow(page.model.find(lambda u: u.username == "olga"))
    qtbot.mouseClick(page.active_button, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    olga = next(u for u in page.model.rows if u.username == "olga")
    assert not olga.active and "olga is deactivated" in window.message_bar.text


def test_what_each_role_sees(team, ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    team()
    from app.services import auth

    ctx.set_user(auth.sign_in(ctx.uow, "olga", "2222"))
    idle(qtbot, ctx)
    titles = [window.nav.item(n).text() for n in range(window.nav.count())]
    assert "Users" not in titles and "Preferences" not in titles and "Import" not in titles
    assert "Administration" not in titles  # none of its pages is an operator's
    window.show_page("users")
    assert "may not open Users" in window.message_bar.text
    ctx.set_user(auth.sign_in(ctx.uow, "anna", "4711"))
    idle(qtbot, ctx)
    from app.views.pages import PAGES

    assert window.nav.count() == sum(1 for spec in PAGES if spec.in_navigation)  # every page


def test_a_detail_page_shows_its_section_in_the_navigation(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.views.pages import PAGES

    listed = {spec.key for spec in PAGES if spec.in_navigation}
    details = [spec for spec in PAGES if not spec.in_navigation]
    assert details and all(spec.section in listed for spec in details)

    def current() -> str:
        return str(window.nav.currentItem().data(Qt.ItemDataRole.UserRole))

    window.show_page("sales_order", number="SO-000001")
    idle(qtbot, ctx)
    assert current() == "sales_orders"
    window.show_page("work_order", number="WO-000001")
    idle(qtbot, ctx)
    assert current() == "work_orders"
    window.show_page("stock_item", sku="BRAKE-KIT")
    idle(qtbot, ctx)
    assert current() == "inventory"


def test_administration_offers_the_pages_a_role_keeps(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    hub = window.show_page("administration")
    idle(qtbot, ctx)
    assert list(hub.buttons) == ["imports", "preferences", "users", "audit", "backups"]
    qtbot.mouseClick(hub.buttons["users"], Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    assert window.current_key() == "users"
    assert window.nav.currentItem().data(Qt.ItemDataRole.UserRole) == "administration"
    window.show_page("preferences")  # its shortcut's way, from anywhere
    assert window.nav.currentItem().data(Qt.ItemDataRole.UserRole) == "administration"


def test_start_up_says_what_is_wrong_with_a_database(demo_db, tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert database_state(demo_db).kind == "ready"
    new = Database(f"sqlite:///{tmp_path / 'new.db'}")
    state = database_state(new)
    assert state.kind == "new"
    dialog = StartupDialog(new, state)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.buttons["empty"], Qt.MouseButton.LeftButton)
    assert database_state(new).kind == "ready"
    new.dispose()

    junk = tmp_path / "notes.db"
    junk.write_text("shopping list")
    assert database_state(Database(f"sqlite:///{junk}")).kind == "foreign"
    with demo_db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0002'")
    state = database_state(demo_db)
    assert state.kind == "upgrade" and "backup" in state.message
    dialog = StartupDialog(demo_db, state)
    qtbot.addWidget(dialog)
    assert "upgrade" in dialog.buttons
    with demo_db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff9999'")
    state = database_state(demo_db)
    assert state.kind == "newer" and "newer Shopfloor" in state.message
    with demo_db.engine.begin() as conn:
        conn.exec_driver_sql(
            f"UPDATE alembic_version SET version_num = '{demo_db.head_revision()}'"
        )


def test_no_display_is_said_in_one_line(demo_template: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")
    }
    proc = subprocess.run(
        [sys.executable, "-m", "app", "--db", str(demo_template)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "shopfloor: no display: run Shopfloor on a desktop session, or set "
        "QT_QPA_PLATFORM=offscreen / use xvfb-run"
    ]
    assert (
        "PySide6"
        not in subprocess.run(
            [sys.executable, "-c", "import sys, app.cli; print(sorted(sys.modules))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
