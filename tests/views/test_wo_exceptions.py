"""The floor's exceptions through the real widgets: the work order page's second row of
actions and their dialogs, a held order in red in the list and counted on the dashboard,
and the admin's reason codes page."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from app.services.engine.uow import Actor, UnitOfWork
from app.services.production import work_orders
from app.views.common.status import HELD
from tests.views.conftest import idle
from tests.views.test_workflow import click, sign_in

FRONT_WHEELS = "WO-000002"  # in process: 6 of 12 built
REAR_WHEELS = "WO-000003"  # built: 3 of 3
BRAKE_KITS = "WO-000001"  # released


def q(value: Decimal) -> str:
    return str(value.normalize())


def open_order(window, qtbot, number: str):  # type: ignore[no-untyped-def]
    page = window.show_page("work_order", number=number)
    idle(qtbot, window.ctx)
    qtbot.waitUntil(lambda: page.view is not None and page.view.info.number == number)
    return page


def test_hold_shows_who_and_why_in_red_everywhere_and_resume(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = open_order(window, qtbot, BRAKE_KITS)
    buttons = page.action_buttons
    assert buttons["hold"].isVisible() and not buttons["resume"].isVisible()
    assert buttons["unrelease"].isEnabled() and not buttons["unbuild"].isEnabled()
    click(qtbot, buttons["hold"])
    hold = page.dialog
    qtbot.keyClicks(hold.reason, "waiting for the new drawing")
    qtbot.keyClick(hold.reason, Qt.Key.Key_Return)
    idle(qtbot, ctx)
    assert not hold.isVisible()
    assert page.hold_note.isVisible()
    assert page.hold_note.text().startswith("On hold: waiting for the new drawing — held by tester")
    assert buttons["resume"].isVisible() and buttons["resume"].isEnabled()
    assert not buttons["hold"].isVisible()
    assert [a for a, b in buttons.items() if b.isEnabled()] == ["resume"]

    listing = window.show_page("work_orders")
    idle(qtbot, ctx)
    row = listing.model.find(lambda r: r.number == BRAKE_KITS)
    cell = listing.model.index(row, [c.title for c in listing.model.columns].index("Flags"))
    assert listing.model.data(cell).startswith("HELD")
    assert listing.model.data(cell, Qt.ItemDataRole.ToolTipRole) == (
        "On hold: waiting for the new drawing (held by tester)"
    )
    assert listing.model.data(cell, Qt.ItemDataRole.BackgroundRole).color().name().upper() == (
        HELD.background.upper()
    )
    dashboard = window.show_page("dashboard")
    idle(qtbot, ctx)
    assert dashboard.held_card.value.text() == "1"
    qtbot.mouseClick(dashboard.held_card, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    assert window.stack.currentWidget() is listing and listing.held.isChecked()
    qtbot.waitUntil(lambda: listing.model.total == 1)

    page = open_order(window, qtbot, BRAKE_KITS)
    click(qtbot, page.action_buttons["resume"])
    idle(qtbot, ctx)
    assert page.view.info.held is None and not page.hold_note.isVisible()
    assert "is off hold" in window.message_bar.text


def test_change_a_work_order_in_its_dialog(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = open_order(window, qtbot, BRAKE_KITS)
    click(qtbot, page.action_buttons["edit"])
    idle(qtbot, ctx)
    edit = page.dialog
    assert edit.location.isEnabled()  # nothing has moved on it
    edit.quantity.clear()
    qtbot.keyClicks(edit.quantity, "12")
    edit.priority.clear()
    qtbot.keyClicks(edit.priority, "1")
    click(qtbot, edit.ok)
    idle(qtbot, ctx)
    info = page.view.info
    assert (q(info.quantity), info.priority, info.changed_by) == ("12", 1, "tester")
    assert page.fields["changed"].text().endswith("by tester")
    assert f"Changed {BRAKE_KITS}" in window.message_bar.text

    wheels = open_order(window, qtbot, FRONT_WHEELS)
    click(qtbot, wheels.action_buttons["edit"])
    idle(qtbot, ctx)
    edit = wheels.dialog
    assert not edit.location.isEnabled()  # stock has moved: where and how stay
    edit.quantity.clear()
    qtbot.keyClicks(edit.quantity, "5")
    click(qtbot, edit.ok)
    idle(qtbot, ctx)
    assert edit.isVisible() and "6 is built already" in edit.error.text()


def test_return_unbuild_and_scrap_in_their_dialogs(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = open_order(window, qtbot, FRONT_WHEELS)
    click(qtbot, page.action_buttons["return"])
    idle(qtbot, ctx)
    back = page.dialog
    issued = {ln.sku: ln.issued for ln in page.view.info.lines}
    sku = next(s for s, n in issued.items() if n > 0)
    assert all(back.quantities[s].isEnabled() == (n > 0) for s, n in issued.items())
    qtbot.keyClicks(back.quantities[sku], "1")
    click(qtbot, back.ok)
    idle(qtbot, ctx)
    line = next(ln for ln in page.view.info.lines if ln.sku == sku)
    assert (line.issued, q(line.returned)) == (issued[sku] - 1, "1")
    assert page.lines.rowCount() == len(page.view.info.lines)

    click(qtbot, page.action_buttons["scrap"])
    idle(qtbot, ctx)
    scrap = page.dialog
    assert scrap.reason.count() == 3 and scrap.reason.currentData() == "DAMAGED"
    qtbot.keyClicks(scrap.quantities[sku], "1")
    click(qtbot, scrap.ok)
    idle(qtbot, ctx)
    line = next(ln for ln in page.view.info.lines if ln.sku == sku)
    assert q(line.scrapped) == "1"
    assert "Scrapped 1" in window.message_bar.text and "(DAMAGED)" in window.message_bar.text

    built = open_order(window, qtbot, REAR_WHEELS)
    click(qtbot, built.action_buttons["unbuild"])
    idle(qtbot, ctx)
    apart = built.dialog
    qtbot.keyClicks(apart.quantity, "1")
    qtbot.keyClick(apart.quantity, Qt.Key.Key_Return)
    idle(qtbot, ctx)
    assert built.view.info.status == "in_process"
    assert built.fields["built"].text() == "2 (1 unbuilt)"
    click(qtbot, built.action_buttons["scrap"])
    idle(qtbot, ctx)
    scrap = built.dialog
    click(qtbot, scrap.goods)
    assert scrap.built.isEnabled() and not any(e.isEnabled() for e in scrap.quantities.values())
    qtbot.keyClicks(scrap.built, "1")
    scrap.reason.setCurrentIndex(scrap.reason.findData("DEFECTIVE"))
    click(qtbot, scrap.ok)
    idle(qtbot, ctx)
    assert built.fields["built"].text() == "2 (1 unbuilt, 1 scrapped)"
    click(qtbot, built.action_buttons["close"])
    idle(qtbot, ctx)
    click(qtbot, built.dialog.ok)
    idle(qtbot, ctx)
    assert built.tabs.tabText(2).startswith("Variance (") and "; scrap " in built.tabs.tabText(2)


def test_an_operator_undoes_a_mis_scan_but_does_not_plan(team, ctx, qtbot) -> None:  # type: ignore[no-untyped-def]
    team()
    from app.views.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.start_session()
    idle(qtbot, ctx)
    sign_in(window, qtbot, "olga", "2222")
    page = open_order(window, qtbot, FRONT_WHEELS)
    buttons = page.action_buttons
    for planning in ("edit", "hold", "unrelease"):
        assert not buttons[planning].isVisible(), planning
    for producing in ("return", "unbuild", "scrap"):
        assert buttons[producing].isVisible(), producing
    assert buttons["return"].isEnabled() and buttons["scrap"].isEnabled()
    window.close()


def test_the_admin_keeps_the_reason_codes(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("reason_codes")
    idle(qtbot, ctx)
    assert page.model.rowCount() == 6  # the demo's
    page.kind.setCurrentIndex(page.kind.findData("scrap"))
    idle(qtbot, ctx)
    assert {r.code for r in page.model.rows} == {"DAMAGED", "DEFECTIVE", "SETUP"}
    click(qtbot, page.add_button)
    add = page.dialog
    assert add.kind.currentData() == "scrap"
    qtbot.keyClicks(add.code, "rust")
    qtbot.keyClicks(add.description, "rusted in the yard")
    click(qtbot, add.ok)
    idle(qtbot, ctx)
    assert "Added scrap reason RUST" in window.message_bar.text
    row = page.model.find(lambda r: r.code == "RUST")
    page.table.selectRow(row)
    assert page.active_button.text() == "&Retire"
    click(qtbot, page.active_button)
    idle(qtbot, ctx)
    rust = page.model.rows[page.model.find(lambda r: r.code == "RUST")]
    assert not rust.active and page.active_button.text() == "&Bring back"
    uow = UnitOfWork(ctx.database, Actor("tester", "bench"))
    assert work_orders.get_work_order(uow, FRONT_WHEELS).scrapped == 0
