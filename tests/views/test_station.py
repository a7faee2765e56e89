"""The scan station through its real widgets: keys typed into whatever has focus, Enter
ends a scan, the answer in coloured words; no mouse anywhere."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import func, select

from app.models import AuditEvent
from app.services.engine.uow import Actor, UnitOfWork
from app.services.production import work_orders
from app.views.common.status import MESSAGE_COLOURS
from app.views.station import StationWindow
from app.views.station.window import SETTINGS_LOCATION
from tests.views.conftest import idle


def focused(window: StationWindow) -> QWidget:
    """Where the keyboard goes: the focus widget, whatever it is."""
    widget = QApplication.focusWidget()
    return widget if widget is not None else window


def scan(qtbot, window: StationWindow, code: str):  # type: ignore[no-untyped-def]
    """Type a code as a scanner does (its characters, then Enter) and wait for the answer."""
    qtbot.keyClicks(focused(window), code)
    with qtbot.waitSignal(window.answered, timeout=20_000) as blocker:
        qtbot.keyClick(focused(window), Qt.Key.Key_Return)
    return blocker.args[0]


def audit_count(ctx, action: str) -> int:  # type: ignore[no-untyped-def]
    """Postings of `action` in the audit trail."""
    uow = UnitOfWork(ctx.database, Actor("tester", "bench"))
    return uow.read(
        lambda tx: tx.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )
    )


def answer_colour(window: StationWindow) -> str:
    return window.answer.styleSheet()


@pytest.fixture
def station(ctx, qtbot):  # type: ignore[no-untyped-def]
    QSettings().remove(SETTINGS_LOCATION)
    window = StationWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    with qtbot.waitSignal(window.answered, timeout=20_000):
        window.show()
    qtbot.waitUntil(lambda: not window.busy)
    yield window
    idle(qtbot, ctx)
    window.close()


def test_sign_in_by_badge_and_pin(team, ctx, qtbot) -> None:  # type: ignore[no-untyped-def]
    team()
    window = StationWindow(ctx)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.answered, timeout=20_000):
        window.show()
    assert "sign in" in window.answer.text() and window.user_label.text() == "Nobody signed in"
    refused = scan(qtbot, window, "WO-000001")
    assert refused.level == "refused" and "Scan your badge" in window.answer.text()

    asked = scan(qtbot, window, "#U:olga")
    assert asked.level == "ask" and "PIN for olga" in window.prompt.text()
    qtbot.keyClicks(focused(window), "2222")
    assert window.typed_label.text().startswith("••••") and "2222" not in window.typed_label.text()
    with qtbot.waitSignal(window.answered, timeout=20_000):
        qtbot.keyClick(focused(window), Qt.Key.Key_Return)
    assert "Signed in: olga (operator)" in window.answer.text()
    assert ctx.user is not None and ctx.user.username == "olga"
    assert window.user_label.text() == "olga (operator)"
    recent = [window.recent.item(n).text() for n in range(window.recent.count())]
    assert not any("2222" in line for line in recent) and "••••" in recent[0]


def test_an_idle_station_signs_the_operator_out(team, ctx, qtbot) -> None:  # type: ignore[no-untyped-def]
    team()
    from app.services import admin

    admin.set_preference(
        UnitOfWork(ctx.database, Actor("anna", "x")), "sign_out_after_idle_minutes", "2"
    )
    window = StationWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    with qtbot.waitSignal(window.answered, timeout=20_000):
        window.show()
    scan(qtbot, window, "#U:olga")
    qtbot.keyClicks(focused(window), "2222")
    with qtbot.waitSignal(window.answered, timeout=20_000):
        qtbot.keyClick(focused(window), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.idle_watch.minutes == 2)
    scan(qtbot, window, "WO-000001")
    staged = scan(qtbot, window, "BRAKE-LEVER")
    assert staged.level == "info" and station_has_staged(window)

    start = window.idle_watch.last_input
    assert not window.idle_watch.check(now=start + 119)
    assert ctx.user is not None
    assert window.idle_watch.check(now=start + 121)
    assert ctx.user is None and window.user_label.text() == "Nobody signed in"
    assert "signed out after 2 idle minutes" in window.answer.text()
    assert window.session.current is None and not station_has_staged(window)
    refused = scan(qtbot, window, "#ISSUE")
    assert refused.level == "refused" and "Scan your badge" in window.answer.text()
    idle(qtbot, ctx)
    window.close()


def station_has_staged(window: StationWindow) -> bool:
    return bool(window.session.state().staged)


def test_scan_components_then_issue_posts_one_issue(ctx, station, qtbot) -> None:  # type: ignore[no-untyped-def]
    before = audit_count(ctx, "wo.issue")
    scan(qtbot, station, "WO-000001")
    assert station.order_label.text().startswith("WO-000001")
    assert station.chip.text() == "Released"
    assert station.pick.rowCount() == 4  # calipers, levers, cables, bolts
    headers = [
        station.pick.headerData(c, Qt.Orientation.Horizontal)
        for c in range(station.pick.columnCount())
    ]
    assert station.pick_table.isColumnHidden(headers.index("Lot to take, expiry"))  # untracked
    scan(qtbot, station, "BRAKE-CALIPER")
    scan(qtbot, station, "BRAKE-CALIPER")
    out = scan(qtbot, station, "BRAKE-LEVER")
    assert out.level == "info" and "+1 BRAKE-LEVER" in station.answer.text()
    staged = {r.sku: r.staged for r in station.pick.rows if r.staged}
    assert staged == {"BRAKE-CALIPER": 2, "BRAKE-LEVER": 1}
    issued = scan(qtbot, station, "#ISSUE")
    assert issued.level == "done"
    assert "Issued 2 BRAKE-CALIPER, 1 BRAKE-LEVER to WO-000001" in station.answer.text()
    assert MESSAGE_COLOURS["success"].foreground in answer_colour(station)
    assert audit_count(ctx, "wo.issue") == before + 1
    assert all(r.staged == 0 for r in station.pick.rows)
    assert station.chip.text() == "In Process"
    info = work_orders.get_work_order(ctx.uow, "WO-000001")
    issued = {ln.sku: ln.issued for ln in info.lines if ln.issued}
    assert issued == {"BRAKE-CALIPER": 2, "BRAKE-LEVER": 1}


def test_a_routine_build_in_three_scans_with_no_mouse(ctx, station, qtbot) -> None:  # type: ignore[no-untyped-def]
    scan(qtbot, station, "WO-000007")
    asked = scan(qtbot, station, "#BUILD")
    assert asked.level == "ask" and "How many HUB-R-ASSY" in station.answer.text()
    assert MESSAGE_COLOURS["warning"].foreground in answer_colour(station)
    assert station.prompt.text() == "Scan the quantity to build"
    built = scan(qtbot, station, "1")
    assert built.level == "done" and built.posted.action == "build"
    assert "Built 1 HUB-R-ASSY on WO-000007 (1 of 10 built)" in station.answer.text()
    assert "1 of 10 built" in station.order_detail.text()
    assert work_orders.get_work_order(ctx.uow, "WO-000007").built == 1


def test_a_garbage_scan_says_so_and_changes_nothing(ctx, station, qtbot) -> None:  # type: ignore[no-untyped-def]
    scan(qtbot, station, "WO-000001")
    scan(qtbot, station, "BRAKE-LEVER")
    rows = station.pick.rows
    for code in ("#$%&garbage", "WO-99999999", "12abc", "abc12"):
        out = scan(qtbot, station, code)
        assert out.level == "refused"
        assert MESSAGE_COLOURS["error"].foreground in answer_colour(station)
        assert station.pick.rows == rows
    assert "Unknown code abc12" in station.answer.text()
    assert station.recent.item(0).text().splitlines()[0].endswith("abc12")
    assert "12abc' is not a number" in station.recent.item(1).text()
    assert station.recent.item(0).data(Qt.ItemDataRole.UserRole) == "refused"
    info = work_orders.get_work_order(ctx.uow, "WO-000001")
    assert all(ln.issued == 0 for ln in info.lines)


def test_repeated_issue_and_build_do_not_post_twice(ctx, station, qtbot) -> None:  # type: ignore[no-untyped-def]
    issues, builds = audit_count(ctx, "wo.issue"), audit_count(ctx, "wo.build")
    scan(qtbot, station, "WO-000007")
    scan(qtbot, station, "AXLE-R")
    assert scan(qtbot, station, "#ISSUE").level == "done"
    again = scan(qtbot, station, "#ISSUE")
    assert again.level == "refused" and "Nothing is staged on" in station.answer.text()
    assert audit_count(ctx, "wo.issue") == issues + 1

    scan(qtbot, station, "2")
    assert scan(qtbot, station, "#BUILD").level == "done"
    repeat = scan(qtbot, station, "#BUILD")
    assert repeat.level == "ask"
    qtbot.keyClick(focused(station), Qt.Key.Key_Escape)  # Escape drops the pending command
    qtbot.waitUntil(lambda: not station.busy)
    assert "Dropped #BUILD" in station.answer.text()
    assert audit_count(ctx, "wo.build") == builds + 1
    assert work_orders.get_work_order(ctx.uow, "WO-000007").built == 2


def test_a_refused_build_shows_the_services_reason_in_red(ctx, station, qtbot) -> None:  # type: ignore[no-untyped-def]
    scan(qtbot, station, "WO-000001")  # 10 brake kits; only 16 calipers for 20
    scan(qtbot, station, "#BUILD")
    out = scan(qtbot, station, "10")
    assert out.level == "refused"
    text = station.answer.text()
    assert "BRAKE-CALIPER needs 20 but only 16 on hand" in text
    assert text.startswith("✖")
    assert MESSAGE_COLOURS["error"].foreground in answer_colour(station)
    assert work_orders.get_work_order(ctx.uow, "WO-000001").built == 0


def test_a_scan_while_one_is_answered_is_refused(ctx, station, qtbot) -> None:  # type: ignore[no-untyped-def]
    release = threading.Event()
    answer = station.session.scan

    def slow(uow, text):  # type: ignore[no-untyped-def]
        release.wait(10)
        return answer(uow, text)

    station.session.scan = slow  # type: ignore[method-assign]
    qtbot.keyClicks(focused(station), "WO-000007")
    qtbot.keyClick(focused(station), Qt.Key.Key_Return)
    assert station.busy
    qtbot.keyClicks(focused(station), "#BUILD")
    qtbot.keyClick(focused(station), Qt.Key.Key_Return)
    assert "Not read: still answering" in station.recent.item(0).text()
    with qtbot.waitSignal(station.answered, timeout=20_000):
        release.set()
    assert station.session.state().pending_command is None
    assert station.order_label.text().startswith("WO-000007")


def test_keys_reach_the_station_whatever_has_focus(ctx, station, qtbot) -> None:  # type: ignore[no-untyped-def]
    station.pick_table.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    station.pick_table.setFocus()
    qtbot.keyClicks(station.pick_table, "WO-00000")
    qtbot.keyClick(station.pick_table, Qt.Key.Key_Backspace)
    qtbot.keyClicks(station.recent, "07")
    assert station.typed_label.text().startswith("WO-000007")
    with qtbot.waitSignal(station.answered, timeout=20_000):
        qtbot.keyClick(station.answer, Qt.Key.Key_Enter)
    assert station.order_label.text().startswith("WO-000007")


def test_the_station_remembers_its_location(ctx, qtbot) -> None:  # type: ignore[no-untyped-def]
    first = StationWindow(ctx, location="STAGING")
    qtbot.addWidget(first)
    with qtbot.waitSignal(first.answered, timeout=20_000):
        first.show()
    assert first.title.text() == "Scan station · STAGING"
    first.close()
    idle(qtbot, ctx)
    again = StationWindow(ctx)
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.answered, timeout=20_000):
        again.show()
    assert again.session.location == "STAGING"
    out = scan(qtbot, again, "WO-000001")
    assert "this station is at STAGING" in again.answer.text() and out.level == "refused"
    again.close()
    QSettings().remove(SETTINGS_LOCATION)


def test_a_posting_elsewhere_refreshes_the_pick_list(ctx, station, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.views.common.runner import run_op

    scan(qtbot, station, "WO-000001")
    run_op(None, work_orders.issue_components, "WO-000001", {"BRAKE-LEVER": "3"}).run()
    qtbot.waitUntil(
        lambda: {r.sku: r.issued for r in station.pick.rows}.get("BRAKE-LEVER") == 3,
        timeout=20_000,
    )


def test_f9_opens_the_station_beside_the_main_window(window, ctx, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window, Qt.Key.Key_F9)
    station = window.station_window
    assert isinstance(station, StationWindow)
    qtbot.waitUntil(lambda: station.isVisible() and not station.busy)
    assert not station.isFullScreen()
    assert station.user_label.text().startswith(ctx.user.username)
    built = scan(qtbot, station, "WO-000007")
    assert built.level == "info"
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert window.station_window is station  # a second F9 brings the same one forward
    idle(qtbot, ctx)
    window.close()
    assert not station.isVisible()


def news_of_another_station(ctx, qtbot, number: str, sku: str) -> None:  # type: ignore[no-untyped-def]
    """Another station issues one `sku` to `number`; its change set reaches this window's hub
    as the live feed hands it on."""
    other = UnitOfWork(ctx.database, Actor("olga", "station-2"))
    heard: list[object] = []
    other.listen(heard.append)
    work_orders.issue_components(other, number, {sku: "1"})
    with qtbot.waitSignal(ctx.hub.changed, timeout=20_000):
        ctx.hub.post(heard[0])


def test_news_that_comes_while_a_scan_is_answered_is_read_after_it(ctx, station, qtbot) -> None:  # type: ignore[no-untyped-def]
    scan(qtbot, station, "WO-000001")
    calipers = next(r.left_to_issue for r in station.pick.rows if r.sku == "BRAKE-CALIPER")
    with station.session._lock:  # the scan waits for the session: the station stays busy
        qtbot.keyClicks(focused(station), "BRAKE-LEVER")
        qtbot.keyClick(focused(station), Qt.Key.Key_Return)
        assert station.busy
        news_of_another_station(ctx, qtbot, "WO-000001", "BRAKE-CALIPER")
    qtbot.waitUntil(
        lambda: (
            next(r.left_to_issue for r in station.pick.rows if r.sku == "BRAKE-CALIPER")
            == calipers - 1
        ),
        timeout=20_000,
    )
    staged = {r.sku: r.staged for r in station.pick.rows if r.staged}
    assert staged == {"BRAKE-LEVER": 1}  # what this station staged is kept


def test_a_scan_that_comes_while_the_order_is_read_again_is_answered(ctx, station, qtbot) -> None:  # type: ignore[no-untyped-def]
    scan(qtbot, station, "WO-000001")
    with station.session._lock:  # the order is being read again, waiting for the session
        news_of_another_station(ctx, qtbot, "WO-000001", "BRAKE-CALIPER")
        qtbot.keyClicks(focused(station), "BRAKE-LEVER")
        qtbot.keyClick(focused(station), Qt.Key.Key_Return)
    with qtbot.waitSignal(station.answered, timeout=20_000) as blocker:
        pass
    assert blocker.args[0].level == "info" and "+1 BRAKE-LEVER" in station.answer.text()
