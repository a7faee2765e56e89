"""Transfer orders through the real widgets on the demo plant: entering one with the stock at
the source shown as you type, shipping and receiving it by hand with what is in transit shown
on the stock pages, the roles, and the transfers supply planning suggests on the
replenishment page."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from app.services import admin, auth, inventory
from app.services.catalog import items
from app.services.engine.uow import Actor, UnitOfWork
from app.services.orders import sales
from app.services.transfers import transfer_orders
from app.views.common.runner import run_op
from tests.views.conftest import idle


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    assert widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def service(ctx) -> UnitOfWork:  # type: ignore[no-untyped-def]
    return UnitOfWork(ctx.database, Actor("tester", "bench"))


def figures(line) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    return (line.on_hand.text(), line.committed.text(), line.available.text())


def test_enter_a_transfer_with_the_stock_at_the_source_as_you_type(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("transfer_orders")
    idle(qtbot, ctx)
    assert page.model.total == 0
    click(qtbot, page.new_button)
    dialog = page.dialog
    idle(qtbot, ctx)
    assert (dialog.source.currentData(), dialog.target.currentData()) == ("MAIN", "STAGING")
    first = dialog.lines[0]
    qtbot.keyClicks(first.sku, "LOCK-U")
    qtbot.waitUntil(lambda: first.available.text() != "" and first.available.isVisible())
    assert figures(first) == ("12", "8", "4")
    qtbot.keyClicks(first.quantity, "6")  # more than the 4 available at MAIN: said as you type
    qtbot.waitUntil(lambda: first.available.text() == "4 · 2 short")
    first.quantity.clear()
    qtbot.keyClicks(first.quantity, "3")
    qtbot.waitUntil(lambda: first.available.text() == "4")
    click(qtbot, dialog.add_button)
    second = dialog.lines[1]
    qtbot.keyClicks(second.sku, "GIFT-SET")
    qtbot.waitUntil(lambda: second.note.isVisible())
    assert second.note.text() == "GIFT-SET is a kit item and carries no stock"
    dialog.target.setCurrentIndex(dialog.target.findData("MAIN"))
    second.sku.clear()
    qtbot.keyClicks(second.sku, "BELL")
    qtbot.keyClicks(second.quantity, "2")
    qtbot.keyClicks(dialog.memo, "line-side locks")
    click(qtbot, dialog.save_button)  # from MAIN to MAIN: refused in the dialog
    idle(qtbot, ctx)
    assert dialog.isVisible() and "not from MAIN to itself" in dialog.error.text()
    assert transfer_orders.list_transfer_orders(service(ctx)).total == 0

    dialog.target.setCurrentIndex(dialog.target.findData("STAGING"))
    click(qtbot, dialog.save_button)
    idle(qtbot, ctx)
    detail = window.pages["transfer_order"]
    assert window.stack.currentWidget() is detail
    qtbot.waitUntil(lambda: detail.info is not None and detail.info.number == "TO-000001")
    assert (detail.chip.text(), detail.party_heading.text()) == (
        "Pending Fulfillment",
        "MAIN → STAGING",
    )
    assert [(r.sku, r.quantity, r.committed) for r in detail.lines.rows] == [
        ("LOCK-U", Decimal(3), Decimal(3)),
        ("BELL", Decimal(2), Decimal(2)),
    ]
    assert "Entered TO-000001, MAIN → STAGING: 2 lines" in window.message_bar.text


def test_ship_and_receive_by_hand_with_the_stock_in_transit_shown(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    entered = transfer_orders.create_transfer_order(
        service(ctx),
        "MAIN",
        "STAGING",
        [transfer_orders.TransferLineEntry("SADDLE-CMF", "6")],
    )
    detail = window.show_page("transfer_order", number=entered.number)
    idle(qtbot, ctx)
    assert not detail.action_buttons["receive"].isEnabled()
    click(qtbot, detail.action_buttons["ship"])
    dialog = detail.dialog
    qtbot.keyClicks(dialog.quantities["1"], "4")
    click(qtbot, dialog.ok)
    idle(qtbot, ctx)
    assert "Shipped TS-000001 on TO-000001: 4 SADDLE-CMF" in window.message_bar.text
    assert detail.chip.text() == "Partially Fulfilled"
    row = detail.lines.row_at(0)
    assert (row.shipped, row.in_transit, row.to_ship) == (Decimal(4), Decimal(4), Decimal(2))
    assert detail.fields["shipments"].text() == "TS-000001"

    stock = window.show_page("inventory")
    idle(qtbot, ctx)
    stock.text.setText("SADDLE")
    stock.apply_filters()
    idle(qtbot, ctx)
    saddle = stock.model.row_at(0)
    assert (saddle.on_hand, saddle.in_transit) == (Decimal(22), Decimal(4))
    assert stock.location.findData("IN-TRANSIT") > 0

    item = window.show_page("stock_item", sku="SADDLE-CMF", location="STAGING")
    idle(qtbot, ctx)
    assert item.cards["in_transit"].value.text() == "4"
    assert item.cards["on_order"].value.text() == "6"
    item.where.setCurrentIndex(item.where.findData("IN-TRANSIT"))
    idle(qtbot, ctx)
    assert item.where.currentText() == "In transit"
    assert item.cards["on_hand"].value.text() == "4"

    detail = window.show_page("transfer_order", number=entered.number)
    idle(qtbot, ctx)
    click(qtbot, detail.action_buttons["receive"])
    click(qtbot, detail.dialog.ok)  # all blank: everything in transit
    idle(qtbot, ctx)
    assert "Received TR-000001 on TO-000001: 4 SADDLE-CMF" in window.message_bar.text
    assert detail.fields["receipts"].text() == "TR-000001"
    click(qtbot, detail.action_buttons["close"])
    click(qtbot, detail.dialog.ok)
    idle(qtbot, ctx)
    assert detail.chip.text() == "Closed"
    assert not any(b.isEnabled() for b in detail.action_buttons.values())
    assert inventory.stock_position(service(ctx), "SADDLE-CMF", "STAGING").on_hand == 4


def test_a_picker_ships_and_receives_but_does_not_enter_or_close(team, ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    entered = transfer_orders.create_transfer_order(
        service(ctx), "MAIN", "STAGING", [transfer_orders.TransferLineEntry("BELL", "2")]
    )
    team()
    anna = UnitOfWork(ctx.database, Actor("anna", "office"))
    admin.add_user(anna, "pete", "picker", secret="5555")
    ctx.set_user(auth.sign_in(anna, "pete", "5555"))
    idle(qtbot, ctx)
    listing = window.show_page("transfer_orders")
    idle(qtbot, ctx)
    assert not listing.new_button.isEnabled()
    detail = window.show_page("transfer_order", number=entered.number)
    idle(qtbot, ctx)
    enabled = {a for a, b in detail.action_buttons.items() if b.isEnabled()}
    assert enabled == {"ship"}
    run_op(window, transfer_orders.close_transfer_order, entered.number).run()
    idle(qtbot, ctx)
    assert "pete (picker) may not enter, approve, close or cancel transfer orders" in (
        window.message_bar.text
    )


def test_the_replenishment_page_suggests_a_transfer(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    uow = service(ctx)
    sales.create_sales_order(
        uow, "Harbor Cycles", [sales.LineEntry("SADDLE-CMF", "3", None, "30")], location="STAGING"
    )
    page = window.show_page("replenishment")
    idle(qtbot, ctx)
    found = page.transfers.model.rows
    assert [(r.sku, r.from_location, r.to_location, r.quantity) for r in found] == [
        ("SADDLE-CMF", "MAIN", "STAGING", Decimal(3))
    ]
    click(qtbot, page.transfers.accept_button)
    idle(qtbot, ctx)
    assert "Created TO-000001 (MAIN → STAGING, Pending Approval)" in window.message_bar.text
    assert page.transfers.model.rowCount() == 0 and page.transfers.empty.isVisible()
    assert [loc.code for loc in items.list_locations(uow)] == ["MAIN", "STAGING"]
