"""The order side through the real widgets on the demo plant: entering an order with the
availability shown as you type, approving, editing, the list's filters, purchase orders and
drop ship, replenishment, the finance queue with its export, and trace by customer PO."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt

from app.services import admin, auth, finance, inventory
from app.services.engine.uow import Actor, UnitOfWork
from app.services.orders import purchasing, sales
from app.views.common.runner import run_op
from tests.views.conftest import idle


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    assert widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def service(ctx) -> UnitOfWork:  # type: ignore[no-untyped-def]
    return UnitOfWork(ctx.database, Actor("tester", "bench"))


def figures(line) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    return (line.on_hand.text(), line.committed.text(), line.available.text())


def test_enter_an_order_with_availability_as_you_type_then_approve(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("sales_orders")
    idle(qtbot, ctx)
    assert page.model.total == 4
    click(qtbot, page.new_button)
    dialog = page.dialog
    idle(qtbot, ctx)
    qtbot.keyClicks(dialog.customer, "Harbor Cycles")
    assert "1200 Harbor Way" in dialog.ship_to.text()
    first = dialog.lines[0]
    qtbot.keyClicks(first.sku, "LOCK")  # as you type: nothing known yet is shown in words
    qtbot.waitUntil(lambda: first.note.isVisible())
    assert "LOCK" in first.note.text()
    qtbot.keyClicks(first.sku, "-U")
    lock = inventory.stock_position(service(ctx), "LOCK-U", "MAIN")
    qtbot.waitUntil(lambda: first.available.text() != "" and first.available.isVisible())
    assert (
        figures(first)
        == ("12", "8", "4")
        == (
            str(lock.on_hand.normalize()),
            str(lock.committed.normalize()),
            str(lock.available.normalize()),
        )
    )
    qtbot.keyClicks(first.quantity, "6")  # more than the 4 available: said as you type
    qtbot.waitUntil(lambda: first.available.text() == "4 · 2 short")
    first.quantity.clear()
    qtbot.keyClicks(first.quantity, "3")
    qtbot.waitUntil(lambda: first.available.text() == "4")
    qtbot.keyClicks(first.rate, "24.00")
    click(qtbot, dialog.add_button)
    second = dialog.lines[1]
    qtbot.keyClicks(second.sku, "GIFT-SET")
    qtbot.waitUntil(lambda: second.note.isVisible())
    assert second.note.text() == "GIFT-SET is a kit item and carries no stock"
    qtbot.keyClicks(second.quantity, "1")
    dialog.status.setCurrentIndex(dialog.status.findData("pending_approval"))
    qtbot.keyClicks(dialog.customer_po, "HC-9001")
    qtbot.keyClicks(dialog.ship_date, "2030-01-15")
    assert sales.list_sales_orders(service(ctx)).total == 4  # nothing saved while typing

    click(qtbot, dialog.save_button)
    idle(qtbot, ctx)
    detail = window.pages["sales_order"]
    assert window.stack.currentWidget() is detail
    qtbot.waitUntil(lambda: detail.info is not None and detail.info.number == "SO-000005")
    assert detail.chip.text() == "Pending Approval"
    assert "Entered SO-000005 for Harbor Cycles: 2 lines, Pending Approval" in (
        window.message_bar.text
    )
    assert detail.fields["customer_po"].text() == "HC-9001"
    assert [r.line for r in detail.lines.rows] == ["1", "2", "2.1", "2.2", "2.3"]
    assert detail.lines.data(detail.lines.index(2, 1)) == "  └ HELMET-M"  # kit members
    assert not detail.action_buttons["fulfill"].isEnabled()  # approve first
    assert not detail.action_buttons["close"].isEnabled()

    click(qtbot, detail.action_buttons["approve"])
    idle(qtbot, ctx)
    assert detail.info.status == "pending_fulfillment"
    assert "Approved SO-000005: committed LOCK-U 3 of 3" in window.message_bar.text
    lines = {r.line: r for r in detail.lines.rows}
    assert lines["1"].committed == Decimal("3") and lines["2.2"].committed == Decimal("1")
    assert detail.action_buttons["fulfill"].isEnabled()
    assert not detail.action_buttons["approve"].isEnabled()


def test_an_order_refused_in_words_stays_in_the_dialog(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("sales_orders")
    idle(qtbot, ctx)
    page.new_order()
    dialog = page.dialog
    idle(qtbot, ctx)
    qtbot.keyClicks(dialog.customer, "Harbor Cycles")
    qtbot.keyClicks(dialog.lines[0].sku, "LOCK-U")
    qtbot.keyClicks(dialog.lines[0].quantity, "1e3")
    click(qtbot, dialog.save_button)
    idle(qtbot, ctx)
    assert dialog.isVisible() and "exponents are not allowed" in dialog.error.text()
    dialog.lines[0].quantity.clear()
    qtbot.keyClicks(dialog.lines[0].quantity, "2")
    dialog.customer.clear()
    qtbot.keyClicks(dialog.customer, "Nobody Ltd")
    click(qtbot, dialog.save_button)
    idle(qtbot, ctx)
    assert "unknown customer 'Nobody Ltd'" in dialog.error.text()
    assert sales.list_sales_orders(service(ctx)).total == 4
    dialog.reject()


def test_edit_an_order_and_the_list_filters(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    detail = window.show_page("sales_order", number="SO-000003")
    idle(qtbot, ctx)
    assert detail.chip.text() == "Partially Fulfilled"
    assert detail.fulfillments.numbers == ["IF-000002"]
    click(qtbot, detail.action_buttons["edit"])
    dialog = detail.dialog
    idle(qtbot, ctx)
    assert [ln.sku.text() for ln in dialog.lines] == ["LOCK-U", "LIGHT-SET"]
    assert dialog.lines[0].sku.isReadOnly()
    dialog.lines[1].quantity.clear()
    qtbot.keyClicks(dialog.lines[1].quantity, "3")
    click(qtbot, dialog.save_button)
    idle(qtbot, ctx)
    assert not dialog.isVisible()
    assert {r.line: r.quantity for r in detail.lines.rows}["2"] == Decimal("3")
    assert "Changed SO-000003" in window.message_bar.text

    # A linked record opens its page.
    detail.fulfillments.linkActivated.emit("IF-000002")
    idle(qtbot, ctx)
    shipped = window.pages["fulfillment"]
    assert window.stack.currentWidget() is shipped and shipped.chip.text() == "Shipped"
    assert not any(b.isEnabled() for b in shipped.action_buttons.values())

    page = window.show_page("sales_orders")
    idle(qtbot, ctx)
    click(qtbot, page.late)
    idle(qtbot, ctx)
    assert [page.model.row_at(i).number for i in range(page.model.rowCount())] == ["SO-000003"]
    click(qtbot, page.late)
    click(qtbot, page.ready)
    idle(qtbot, ctx)
    ready = {page.model.row_at(i).number for i in range(page.model.rowCount())}
    assert ready == {"SO-000001", "SO-000003"}
    click(qtbot, page.ready)
    qtbot.keyClicks(page.text, "lb-44")  # the customer's PO number, any case
    page.apply_filters()
    idle(qtbot, ctx)
    assert [page.model.row_at(i).number for i in range(page.model.rowCount())] == ["SO-000002"]


def test_illegal_actions_and_roles_are_refused_in_words(team, ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    detail = window.show_page("sales_order", number="SO-000004")
    idle(qtbot, ctx)
    assert (
        detail.chip.text() == "Pending Approval" and not detail.action_buttons["close"].isEnabled()
    )
    run_op(window, sales.close_sales_order, "SO-000004").run()
    idle(qtbot, ctx)
    assert window.message_bar.kind == "error"
    assert "cannot close SO-000004: it is Pending Approval; nothing was approved; cancel it" in (
        window.message_bar.text
    )
    team()
    uow = UnitOfWork(ctx.database, Actor("anna", "office"))
    admin.add_user(uow, "vic", "viewer", secret="3333")
    ctx.set_user(auth.sign_in(uow, "vic", "3333"))
    detail = window.show_page("sales_order", number="SO-000001")
    idle(qtbot, ctx)
    assert not any(b.isEnabled() for b in detail.action_buttons.values())
    assert not window.page("sales_orders").new_button.isEnabled()
    run_op(window, sales.approve_sales_order, "SO-000004").run()
    idle(qtbot, ctx)
    assert (
        "vic (viewer) may not approve sales orders, customer returns and vendor returns"
        in window.message_bar.text
    )
    assert sales.get_sales_order(uow, "SO-000004").status == "pending_approval"


def test_a_cancelled_special_order_says_its_line_ships_from_stock(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    so = sales.create_sales_order(
        service(ctx), "Lakeside Bikes", [sales.LineEntry("BIKE-CITY-L", "1", "build")]
    )
    (wo,) = so.work_orders
    detail = window.show_page("work_order", number=wo)
    idle(qtbot, ctx)
    assert detail.fields["created_from"].text() == f"{so.number} line 1"
    click(qtbot, detail.action_buttons["cancel"])
    click(qtbot, detail.dialog.ok)
    idle(qtbot, ctx)
    assert window.message_bar.kind == "success"
    assert window.message_bar.text.endswith(
        f"Cancelled {wo}; {so.number} line 1 now ships from stock"
    )
    order = window.show_page("sales_order", number=so.number)
    idle(qtbot, ctx)
    qtbot.waitUntil(lambda: order.info is not None and order.info.number == so.number)
    (line,) = order.lines.rows
    assert line.path == "stock" and line.created == [wo]
    assert order.lines.data(order.lines.index(0, 3)) == "stock"


def test_a_drop_ship_order_is_marked_shipped(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    racks = inventory.stock_position(service(ctx), "RACK-REAR").on_hand
    order = window.show_page("sales_order", number="SO-000001")
    idle(qtbot, ctx)
    assert order.purchase_orders.numbers == ["PO-000001"]
    order.purchase_orders.linkActivated.emit("PO-000001")
    idle(qtbot, ctx)
    page = window.pages["purchase_order"]
    assert window.stack.currentWidget() is page and page.info.drop_ship
    assert page.created_from.numbers == ["SO-000001"]
    assert not page.action_buttons["receive"].isVisible()
    click(qtbot, page.action_buttons["mark_shipped"])
    dialog = page.dialog
    click(qtbot, dialog.ok)  # all blank: everything the vendor still has to ship
    idle(qtbot, ctx)
    assert not dialog.isVisible() and page.chip.text() == "Shipped by Vendor"
    assert "Marked PO-000001 shipped: SO-000001 is fulfilled by the vendor" in (
        window.message_bar.text
    )
    listing = window.show_page("purchase_orders")
    idle(qtbot, ctx)
    labels = {
        listing.model.row_at(n).number: listing.model.data(listing.model.index(n, 2))
        for n in range(listing.model.rowCount())
    }
    assert labels == {"PO-000001": "Shipped by Vendor", "PO-000002": "Partially Received"}
    traced = window.show_page("trace")
    traced.reference.clear()
    qtbot.keyClicks(traced.reference, "72622")
    qtbot.keyClick(traced.reference, Qt.Key.Key_Return)
    idle(qtbot, ctx)
    assert [traced.model.data(traced.model.index(n, 2)) for n in range(2)] == [
        "Partially Fulfilled",
        "Shipped by Vendor",
    ]
    line = next(
        ln for ln in sales.get_sales_order(service(ctx), "SO-000001").lines if ln.line == "3"
    )
    assert line.fulfilled == Decimal("2")
    assert inventory.stock_position(service(ctx), "RACK-REAR").on_hand == racks  # not ours

    fin = window.show_page("finance")
    idle(qtbot, ctx)
    assert fin.drop_ship.rowCount() == 1
    row = fin.drop_ship.row_at(0)
    assert (row.sales_order, row.sku, row.quantity) == ("SO-000001", "RACK-REAR", Decimal("2"))
    assert (row.cost, row.revenue) == (Decimal("32"), Decimal("78"))


def test_receive_by_hand_close_and_replenish(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    listing = window.show_page("purchase_orders")
    idle(qtbot, ctx)
    assert listing.model.total == 2
    listing.table.selectRow(1)
    qtbot.keyClick(listing.table, Qt.Key.Key_Return)
    idle(qtbot, ctx)
    page = window.pages["purchase_order"]
    assert page.info.number == "PO-000002" and page.chip.text() == "Partially Received"
    click(qtbot, page.action_buttons["receive"])
    dialog = page.dialog
    qtbot.keyClicks(dialog.quantities["2"], "4")
    click(qtbot, dialog.ok)
    idle(qtbot, ctx)
    assert "Received IR-000002 on PO-000002: 4 HELMET-M" in window.message_bar.text
    assert [r.received for r in page.lines.rows] == [Decimal("10"), Decimal("4")]
    click(qtbot, page.action_buttons["close"])
    click(qtbot, page.dialog.ok)
    idle(qtbot, ctx)
    assert page.chip.text() == "Closed" and not page.action_buttons["receive"].isEnabled()

    # LIGHT-SET's 10 still on order are dropped: it falls below its build point.
    suggest = window.show_page("replenishment")
    idle(qtbot, ctx)
    assert [r.sku for r in suggest.model.rows] == ["LIGHT-SET"]
    wanted = suggest.model.row_at(0).quantity
    click(qtbot, suggest.accept_all)
    idle(qtbot, ctx)
    assert "Created PO-000003 (Velo Parts GmbH)" in window.message_bar.text
    assert suggest.model.rowCount() == 0 and suggest.empty.isVisible()
    created = purchasing.get_purchase_order(service(ctx), "PO-000003")
    assert [(ln.sku, ln.quantity) for ln in created.lines] == [("LIGHT-SET", wanted)]


def test_finance_review_and_export(ctx, window, qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("finance")
    idle(qtbot, ctx)
    assert page.events.total == 3 and page.tabs.tabText(2) == "Ready to invoice (1)"
    assert [page.events.row_at(i).id for i in range(3)] == [3, 2, 1]  # newest first
    page.events_table.selectRow(1)
    assert [r.sku for r in page.lines.rows] == ["LOCK-U"]
    ready = page.invoice.row_at(0)
    assert (ready.sales_order, ready.sku, ready.quantity) == ("SO-000003", "LOCK-U", Decimal("8"))

    page.events_table.selectAll()
    click(qtbot, page.review_button)
    idle(qtbot, ctx)
    assert "Marked events 1, 2, 3 reviewed" in window.message_bar.text
    qtbot.waitUntil(lambda: page.events.total == 0)  # the list shows what is not reviewed
    assert page.invoice.rowCount() == 0  # billed: nothing is ready to invoice any more
    assert finance.list_events(service(ctx), reviewed=False).total == 0

    page.reviewed.setCurrentIndex(page.reviewed.findData(None))
    idle(qtbot, ctx)
    assert page.events.total == 3
    target = tmp_path / "finance"
    monkeypatch.setattr(page, "choose_export_path", lambda: str(target))
    click(qtbot, page.export_button)
    idle(qtbot, ctx)
    assert "Exported 5 lines of finance events" in window.message_bar.text
    with (tmp_path / "finance.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["document"] for r in rows] == ["IR-000001", "IF-000002", *["WO-000004"] * 3]
    assert rows[1]["amount"] == "192" and all(r["reviewed_at"] for r in rows)


def test_trace_by_customer_po_opens_each_record(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("trace")
    idle(qtbot, ctx)
    qtbot.keyClicks(page.reference, "CC-2026-118")
    qtbot.keyClick(page.reference, Qt.Key.Key_Return)
    idle(qtbot, ctx)
    assert [(r.kind, r.number) for r in page.model.rows] == [
        ("sales_order", "SO-000003"),
        ("fulfillment", "IF-000002"),
    ]
    assert "2 records linked to CC-2026-118; finance was told 1 time (events 2)" in (
        page.summary.text()
    )
    page.table.selectRow(1)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    idle(qtbot, ctx)
    assert window.stack.currentWidget() is window.pages["fulfillment"]
    assert window.pages["fulfillment"].info.number == "IF-000002"

    window.show_page("trace")
    page.reference.clear()
    qtbot.keyClicks(page.reference, "72622")
    click(qtbot, page.search_button)
    idle(qtbot, ctx)
    assert [r.number for r in page.model.rows] == ["SO-000001", "PO-000001"]
    page.table.selectRow(1)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    idle(qtbot, ctx)
    assert window.pages["purchase_order"].info.number == "PO-000001"

    window.show_page("trace")
    page.reference.clear()
    qtbot.keyClicks(page.reference, "NOPE-1")
    qtbot.keyClick(page.reference, Qt.Key.Key_Return)
    idle(qtbot, ctx)
    assert page.model.rowCount() == 0 and "Nothing carries 'NOPE-1'" in page.summary.text()


def test_return_in_a_quantity_goes_to_the_next_line_and_saves_nothing(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Keyboard first: Return after a line's quantity opens the next line; only the save
    button (or its Ctrl+Return) enters the order."""
    page = window.show_page("sales_orders")
    idle(qtbot, ctx)
    before = sales.list_sales_orders(service(ctx)).total
    click(qtbot, page.new_button)
    dialog = page.dialog
    idle(qtbot, ctx)
    qtbot.keyClicks(dialog.customer, "Harbor Cycles")
    first = dialog.lines[0]
    qtbot.keyClicks(first.sku, "LOCK-U")
    qtbot.keyClicks(first.quantity, "1")
    qtbot.keyClicks(first.rate, "24.00")
    first.quantity.setFocus()
    qtbot.keyClick(first.quantity, Qt.Key.Key_Return)
    idle(qtbot, ctx)
    assert dialog.isVisible() and len(dialog.lines) == 2
    assert dialog.lines[1].sku.hasFocus()
    assert sales.list_sales_orders(service(ctx)).total == before
    click(qtbot, dialog.save_button)
    idle(qtbot, ctx)
    assert not dialog.isVisible()
    assert sales.list_sales_orders(service(ctx)).total == before + 1
