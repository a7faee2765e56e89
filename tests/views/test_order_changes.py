"""Changing orders and sending goods back through the real widgets on the demo plant: a
purchase order edited, goods returned to its vendor and the return approved and shipped from
its own page, a drop-ship change that goes ahead with a warning, and a sales order line's
path changed with what it no longer needs shown as not needed."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from app.services import admin, inventory
from app.services.engine.uow import Actor, UnitOfWork
from app.services.orders import purchasing
from tests.views.conftest import idle


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    assert widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def service(ctx) -> UnitOfWork:  # type: ignore[no-untyped-def]
    return UnitOfWork(ctx.database, Actor("tester", "bench"))


def open_po(window, qtbot, ctx, number: str):  # type: ignore[no-untyped-def]
    page = window.show_page("purchase_order", number=number)
    idle(qtbot, ctx)
    qtbot.waitUntil(lambda: page.info is not None and page.info.number == number)
    return page


def test_edit_a_purchase_order_line_by_line(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = open_po(window, qtbot, ctx, "PO-000002")
    click(qtbot, page.action_buttons["edit"])
    dialog = page.dialog
    assert not dialog.cancel_lines["1"].isEnabled()  # 10 came in on it: cut, not cancelled
    qtbot.keyClicks(dialog.quantities["1"], "9")
    click(qtbot, dialog.ok)
    idle(qtbot, ctx)
    assert dialog.isVisible()
    assert dialog.error.text() == "PO-000002 line 1: 9 LIGHT-SET is less than the 10 that came in"
    dialog.quantities["1"].clear()
    qtbot.keyClicks(dialog.quantities["1"], "12")
    qtbot.keyClicks(dialog.prices["2"], "11.5")
    qtbot.keyClicks(dialog.expected, "2031-01-15")
    qtbot.keyClicks(dialog.add_sku, "LOCK-U")
    qtbot.keyClicks(dialog.add_qty, "3")
    click(qtbot, dialog.ok)
    idle(qtbot, ctx)
    assert not dialog.isVisible()
    assert window.message_bar.kind == "success"
    assert "Changed PO-000002: total 229.6" in window.message_bar.text
    assert [(r.sku, r.quantity, r.remaining) for r in page.lines.rows] == [
        ("LIGHT-SET", Decimal(12), Decimal(2)),
        ("HELMET-M", Decimal(10), Decimal(10)),
        ("LOCK-U", Decimal(3), Decimal(3)),
    ]
    assert page.fields["expected"].text() == "2031-01-15"
    click(qtbot, page.action_buttons["edit"])
    click(qtbot, page.dialog.cancel_lines["3"])
    click(qtbot, page.dialog.ok)
    idle(qtbot, ctx)
    assert page.lines.data(page.lines.index(2, 5)) == "cancelled"
    assert inventory.stock_position(service(ctx), "LOCK-U").on_order == 0


def test_return_goods_to_the_vendor_then_approve_and_ship(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    admin.set_preference(service(ctx), "credit_in_advance_of_vendor_return", "true")
    on_hand = inventory.stock_position(service(ctx), "LIGHT-SET").on_hand
    page = open_po(window, qtbot, ctx, "PO-000002")
    click(qtbot, page.action_buttons["return"])
    dialog = page.dialog
    qtbot.waitUntil(lambda: dialog.reason.count() > 1)  # the plant's return reasons
    qtbot.keyClicks(dialog.quantities["1"], "11")
    click(qtbot, dialog.ok)
    idle(qtbot, ctx)
    assert "at most 10 can" in dialog.error.text()
    dialog.quantities["1"].clear()
    qtbot.keyClicks(dialog.quantities["1"], "2")
    dialog.reason.setCurrentIndex(1)
    qtbot.keyClicks(dialog.memo, "scratched lenses")
    click(qtbot, dialog.ok)
    idle(qtbot, ctx)
    vra = window.pages["vendor_return"]
    assert window.stack.currentWidget() is vra
    qtbot.waitUntil(lambda: vra.info is not None)
    assert f"Made {vra.info.number} (Pending Approval)" in window.message_bar.text
    assert (vra.chip.text(), vra.info.memo, vra.info.reason_code) == (
        "Pending Approval",
        "scratched lenses",
        dialog.reason.itemData(1),
    )
    assert vra.receipts.numbers == ["IR-000001"]
    assert not vra.action_buttons["ship"].isEnabled()
    click(qtbot, vra.action_buttons["approve"])
    idle(qtbot, ctx)
    assert vra.chip.text() == "Pending Return"
    assert vra.fields["credit"].text() == "in advance, at approval"
    click(qtbot, vra.action_buttons["ship"])
    qtbot.keyClicks(vra.dialog.quantities["1"], "1")
    click(qtbot, vra.dialog.ok)
    idle(qtbot, ctx)
    assert vra.chip.text() == "Partially Returned"
    assert inventory.stock_position(service(ctx), "LIGHT-SET").on_hand == on_hand - 1
    number = vra.info.number
    listing = window.show_page("vendor_returns")
    idle(qtbot, ctx)
    assert [listing.model.row_at(n).number for n in range(listing.model.rowCount())] == [number]
    click(qtbot, listing.open_only)
    idle(qtbot, ctx)
    assert listing.model.rowCount() == 1
    po = open_po(window, qtbot, ctx, "PO-000002")
    assert po.vendor_returns.numbers == [number]
    assert po.lines.rows[0].returned == 1


def test_a_drop_ship_change_goes_ahead_with_a_warning(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = open_po(window, qtbot, ctx, "PO-000001")
    click(qtbot, page.action_buttons["edit"])
    dialog = page.dialog
    assert not dialog.add_sku.isEnabled() and not dialog.cancel_lines["1"].isEnabled()
    qtbot.keyClicks(dialog.quantities["1"], "1")
    click(qtbot, dialog.ok)
    idle(qtbot, ctx)
    assert window.message_bar.kind == "warning"
    assert window.message_bar.text.endswith(
        "Warning: SO-000001 line 3 orders 2 RACK-REAR but PO-000001 line 1 buys 1; the "
        "vendor's shipment of it will be warned about"
    )


def test_change_a_line_path_and_see_what_is_not_needed(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    order = window.show_page("sales_order", number="SO-000001")
    idle(qtbot, ctx)
    qtbot.waitUntil(lambda: order.info is not None)
    assert not order.path_changes.isVisible()
    click(qtbot, order.path_button)
    dialog = order.dialog
    dialog.line.setCurrentIndex(dialog.line.findData("3"))
    dialog.path.setCurrentIndex(dialog.path.findData("stock"))
    click(qtbot, dialog.ok)
    idle(qtbot, ctx)
    assert window.message_bar.text.endswith(
        "SO-000001 line 3: drop ship → stock; PO-000001 is not needed"
    )
    line = next(ln for ln in order.lines.rows if ln.line == "3")
    row = order.lines.rows.index(line)
    assert line.path == "stock"
    assert order.lines.data(order.lines.index(row, 10)) == "PO-000001 (not needed)"
    assert order.path_changes.isVisible()
    assert order.path_changes.text().startswith(
        "Changed: line 3: drop ship → stock, PO-000001 not needed (tester, "
    )
    assert purchasing.get_purchase_order(service(ctx), "PO-000001").status == "cancelled"
