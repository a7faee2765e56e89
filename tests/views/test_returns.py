"""Customer returns through the real widgets on the demo plant: City Commuter Co-op sends back
locks shipped on SO-000003 (Return… on the order's page), the return approved, received with
one line restocked and the rest scrapped, the receipt reversed from the return's page, and
the same return received by scan."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from app.services import auth, inventory
from app.services.engine.uow import Actor, UnitOfWork
from app.services.returns import returns
from tests.views.conftest import idle


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    assert widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def service(ctx) -> UnitOfWork:  # type: ignore[no-untyped-def]
    return UnitOfWork(ctx.database, Actor("tester", "bench"))


def scan(qtbot, ctx, widget, *codes: str) -> None:  # type: ignore[no-untyped-def]
    for code in codes:
        qtbot.keyClicks(widget, code)
        qtbot.keyClick(widget, Qt.Key.Key_Return)
        idle(qtbot, ctx)


def return_from_the_order(ctx, window, qtbot, quantity: str):  # type: ignore[no-untyped-def]
    """Return… on SO-000003: `quantity` locks come back; the return's page opens."""
    order = window.show_page("sales_order", number="SO-000003")
    idle(qtbot, ctx)
    assert order.return_button.isEnabled()
    click(qtbot, order.return_button)
    dialog = order.dialog
    idle(qtbot, ctx)
    assert set(dialog.quantities) == {"1"}  # the lights never shipped
    assert dialog.quantities["1"].placeholderText() == "up to 8"
    qtbot.keyClicks(dialog.quantities["1"], "9")
    click(qtbot, dialog.ok)
    idle(qtbot, ctx)
    assert dialog.isVisible() and "9 is more than the 8 shipped" in dialog.error.text()
    dialog.quantities["1"].clear()
    qtbot.keyClicks(dialog.quantities["1"], quantity)
    dialog.reason.setCurrentIndex(dialog.reason.findData("DAMAGED"))
    qtbot.keyClicks(dialog.memo, "shackles bent")
    click(qtbot, dialog.ok)
    idle(qtbot, ctx)
    page = window.pages["return_authorization"]
    assert window.stack.currentWidget() is page
    qtbot.waitUntil(lambda: page.info is not None and page.info.number == "RMA-000001")
    return order, page


def test_a_return_entered_on_the_order_received_restocked_and_scrapped(  # type: ignore[no-untyped-def]
    ctx, window, qtbot
) -> None:
    order, page = return_from_the_order(ctx, window, qtbot, "3")
    assert "RMA-000001 for SO-000003: 3 LOCK-U; Pending Approval" in window.message_bar.text
    assert page.chip.text() == "Pending Approval"
    assert page.fields["customer_po"].text() == "CC-2026-118"
    assert page.fields["reason"].text() == "DAMAGED"
    assert not page.action_buttons["receive"].isEnabled()
    click(qtbot, page.action_buttons["approve"])
    idle(qtbot, ctx)
    qtbot.waitUntil(lambda: page.info is not None and page.info.status == "pending_receipt")
    assert page.action_buttons["receive"].isEnabled()
    locks = inventory.stock_position(service(ctx), "LOCK-U").on_hand

    click(qtbot, page.action_buttons["receive"])
    dialog = page.dialog
    idle(qtbot, ctx)
    assert dialog.keep["1"].currentData() == "restock"  # restock_returned_items
    qtbot.keyClicks(dialog.quantities["1"], "2")
    click(qtbot, dialog.ok)
    idle(qtbot, ctx)
    assert not dialog.isVisible()
    assert "Received on RMA-000001: 2 restocked, 0 scrapped" in window.message_bar.text
    click(qtbot, page.action_buttons["receive"])
    dialog = page.dialog
    idle(qtbot, ctx)
    dialog.keep["1"].setCurrentIndex(dialog.keep["1"].findData("scrap"))
    click(qtbot, dialog.ok)  # blank: everything still to come back
    idle(qtbot, ctx)
    qtbot.waitUntil(lambda: page.info is not None and page.info.status == "received")
    (row,) = page.lines.rows
    assert (row.received, row.restocked, row.scrapped) == (Decimal(3), Decimal(2), Decimal(1))
    assert page.fields["credit"].text().startswith("72.00")
    assert [(r.restocked, r.scrapped) for r in page.receipt_rows.rows] == [
        (Decimal(2), Decimal(0)),
        (Decimal(0), Decimal(1)),
    ]
    assert inventory.stock_position(service(ctx), "LOCK-U").on_hand == locks + 2

    # The order shows what came back and links to the return.
    window.show_page("sales_order", number="SO-000003")
    idle(qtbot, ctx)
    assert order.lines.rows[0].returned == Decimal(3)
    assert order.returns.numbers == ["RMA-000001"]

    # The first receipt is reversed from the return's page.
    window.show_page("return_authorization", number="RMA-000001")
    idle(qtbot, ctx)
    page.receipt_table.selectRow(0)
    click(qtbot, page.reverse_button)
    confirm = page.dialog
    click(qtbot, confirm.ok)
    idle(qtbot, ctx)
    qtbot.waitUntil(lambda: page.info is not None and page.info.status == "partially_received")
    assert page.receipt_rows.rows[0].reversed_by is not None
    assert inventory.stock_position(service(ctx), "LOCK-U").on_hand == locks
    click(qtbot, page.action_buttons["close"])
    click(qtbot, page.dialog.ok)
    idle(qtbot, ctx)
    qtbot.waitUntil(lambda: page.info is not None and page.info.status == "closed")
    assert not any(b.isEnabled() for b in page.action_buttons.values())


def test_the_list_and_who_may_do_what(ctx, window, qtbot, team) -> None:  # type: ignore[no-untyped-def]
    returns.create_return(service(ctx), "SO-000003", {"1": "1"}, memo="wrong colour")
    listed = window.show_page("return_authorizations")
    idle(qtbot, ctx)
    assert listed.model.total == 1 and "1 return" in listed.count.text()
    qtbot.keyClicks(listed.text, "colour")
    listed.apply_filters()
    idle(qtbot, ctx)
    assert listed.model.total == 1
    listed.status.setCurrentIndex(listed.status.findData("closed"))
    idle(qtbot, ctx)
    assert listed.model.total == 0
    team()
    ctx.set_user(auth.sign_in(service(ctx), "olga", "2222"))  # an operator
    idle(qtbot, ctx)
    assert not listed.scan_button.isEnabled()
    page = window.show_page("return_authorization", number="RMA-000001")
    idle(qtbot, ctx)
    assert not any(b.isEnabled() for b in page.action_buttons.values())
    order = window.show_page("sales_order", number="SO-000003")
    idle(qtbot, ctx)
    assert not order.return_button.isEnabled()


def test_a_return_received_by_scan(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    uow = service(ctx)
    number = returns.create_return(uow, "SO-000003", {"1": "4"}).number
    returns.approve_return(uow, number)
    locks = inventory.stock_position(uow, "LOCK-U").on_hand
    page = window.show_page("return_authorization", number=number)
    idle(qtbot, ctx)
    click(qtbot, page.scan_button)
    idle(qtbot, ctx)
    station = window.pages["return_receiving"]
    assert window.stack.currentWidget() is station
    assert station.document.text() == number and station.chip.text() == "Pending Receipt"
    focus = station.table
    scan(qtbot, ctx, focus, "LOCK-U", "2", "LOCK-U")
    assert station.answer.text()[3:] == "+2 LOCK-U on line 1: 3 of 4"
    scan(qtbot, ctx, focus, "#RESTOCK")
    assert station.answer_level == "done"
    assert station.answer.text()[3:] == f"Restocked on {number}: 3 LOCK-U; Partially Received"
    scan(qtbot, ctx, focus, "LOCK-U", "#SCRAP")
    assert station.answer.text()[3:] == f"Scrapped on {number}: 1 LOCK-U; Received"
    scan(qtbot, ctx, focus, "#SCRAP")
    assert station.answer_level == "refused"
    assert inventory.stock_position(uow, "LOCK-U").on_hand == locks + 3
    scan(qtbot, ctx, focus, "LIGHT-SET")
    assert station.answer_level == "refused" and "is not on" in station.answer.text()


def test_a_drop_shipped_line_goes_back_to_the_vendor(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Harbor Cycles returns a rear rack the vendor drop-shipped on SO-000001: the return's
    page says it goes to the vendor and links the vendor return, which names the return and
    is closed or cancelled only with it."""
    from app.services.orders import purchasing, sales
    from app.services.vendor_returns import returns as vendor_returns

    uow = service(ctx)
    line = next(ln for ln in sales.get_sales_order(uow, "SO-000001").lines if ln.line == "3")
    (po,) = line.created
    purchasing.mark_drop_ship_shipped(uow, po)
    number = returns.create_return(uow, "SO-000001", {"3": "1"}).number
    (vra,) = returns.approve_return(uow, number).vendor_returns
    page = window.show_page("return_authorization", number=number)
    idle(qtbot, ctx)
    qtbot.waitUntil(lambda: page.info is not None and page.info.number == number)
    assert "drop-shipped lines to the vendor on" in page.back_to.text()
    assert vra in page.back_to.text()
    assert page.lines.data(page.lines.index(0, 7)) == "to vendor"
    page.back_to.linkActivated.emit(vra)
    idle(qtbot, ctx)
    shown = window.pages["vendor_return"]
    assert window.stack.currentWidget() is shown
    qtbot.waitUntil(lambda: shown.info is not None and shown.info.number == vra)
    assert shown.receipts.numbers == [number]
    assert shown.lines.data(shown.lines.index(0, 8)) == "sent by the customer"
    assert shown.action_buttons["approve"].isEnabled()
    assert not shown.action_buttons["cancel"].isEnabled()
    vendor_returns.approve_vendor_return(uow, vra)
    vendor_returns.ship_vendor_return(uow, vra)
    window.show_page("return_authorization", number=number)
    idle(qtbot, ctx)
    qtbot.waitUntil(lambda: page.info is not None and page.info.status == "received")
