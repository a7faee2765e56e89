"""The scanner screens through the real window: keystrokes typed into whatever widget has the
focus, ending with Enter, as a USB scanner sends them. Pick by scan (order, items, a
quantity, #SHIP), pick then pack then ship from the packing queue, the refusals in words,
and receiving by scan."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from app.services import admin, auth, inventory
from app.services.engine.uow import Actor, UnitOfWork
from app.services.orders import fulfillment, purchasing, sales
from tests.views.conftest import idle


def scan(qtbot, ctx, widget, *codes: str) -> None:  # type: ignore[no-untyped-def]
    """Type each code into `widget` and press Enter, waiting for each answer."""
    for code in codes:
        qtbot.keyClicks(widget, code)
        qtbot.keyClick(widget, Qt.Key.Key_Return)
        idle(qtbot, ctx)


def service(ctx) -> UnitOfWork:  # type: ignore[no-untyped-def]
    return UnitOfWork(ctx.database, Actor("tester", "bench"))


def answer(page) -> str:  # type: ignore[no-untyped-def]
    return f"{page.answer_level}: {page.answer.text()[3:]}"


def test_pick_by_scan_order_items_quantity_and_ship(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    queue = window.show_page("picking_queue")
    idle(qtbot, ctx)
    assert [queue.model.row_at(i).number for i in range(queue.model.rowCount())] == [
        "SO-000003",
        "SO-000001",
    ]  # the most urgent ship date first
    qtbot.mouseClick(queue.scan_button, Qt.MouseButton.LeftButton)  # SO-000003 is selected
    idle(qtbot, ctx)
    page = window.pages["pick_station"]
    assert window.stack.currentWidget() is page
    assert page.document.text() == "SO-000003" and page.chip.text() == "Partially Fulfilled"
    assert [(r.line, r.bin, r.sku, r.still_to_pick) for r in page.lines.rows] == [
        ("1", "F-01-2", "LOCK-U", Decimal("4")),
        ("2", "F-02-2", "LIGHT-SET", Decimal("4")),
    ]  # by bin, as the shelves are walked
    # Nothing on the order is tracked by lot: no lot column, the names keep their room.
    headers = [
        page.lines.headerData(c, Qt.Orientation.Horizontal) for c in range(page.lines.columnCount())
    ]
    assert page.table.isColumnHidden(headers.index("Lot to take, expiry"))
    assert not page.table.isColumnHidden(headers.index("Name"))
    on_hand = inventory.stock_position(service(ctx), "LOCK-U").on_hand

    # The scanner types into whatever has the focus: here the lines table.
    focus = page.table
    scan(qtbot, ctx, focus, "LOCK-U")
    assert answer(page) == "info: +1 LOCK-U on line 1: 1 of 4"
    scan(qtbot, ctx, focus, "3", "LOCK-U")
    assert answer(page) == "info: +3 LOCK-U on line 1: 4 of 4"
    scan(qtbot, ctx, page.history, "4")
    assert page.waiting.isVisible() and page.waiting.text() == "Quantity 4: scan the item"
    scan(qtbot, ctx, window.nav, "LIGHT-SET")
    assert {r.sku: r.staged for r in page.lines.rows} == {
        "LIGHT-SET": Decimal("4"),
        "LOCK-U": Decimal("4"),
    }
    assert fulfillment.list_fulfillments(service(ctx)).total == 2  # nothing posted yet

    scan(qtbot, ctx, focus, "#SHIP")
    assert page.answer_level == "done"
    assert answer(page) == "done: Shipped IF-000003 for SO-000003: 4 LOCK-U, 4 LIGHT-SET"
    assert page.document.text() == "IF-000003" and page.chip.text() == "Shipped"
    assert sales.get_sales_order(service(ctx), "SO-000003").status == "fulfilled"
    assert inventory.stock_position(service(ctx), "LOCK-U").on_hand == on_hand - 4

    scan(qtbot, ctx, focus, "#SHIP")  # the same code again: posts nothing
    assert answer(page) == "refused: IF-000003 is Shipped already; nothing was posted"
    assert fulfillment.list_fulfillments(service(ctx)).total == 3
    assert inventory.stock_position(service(ctx), "LOCK-U").on_hand == on_hand - 4
    assert page.history.count() == 8  # every scan answered, newest first


def test_pick_then_pack_and_ship_from_the_packing_queue(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("pick_station")
    idle(qtbot, ctx)
    scan(qtbot, ctx, page, "SO-000001", "4", "HELMET-M", "4", "LOCK-U", "4", "BELL")
    scan(qtbot, ctx, page, "2", "LIGHT-SET", "#PICK")
    assert answer(page) == (
        "done: Picked IF-000003 for SO-000001: 4 HELMET-M, 4 LOCK-U, 4 BELL, 2 LIGHT-SET"
    )
    packing = window.show_page("packing_queue")
    idle(qtbot, ctx)
    assert [packing.model.row_at(i).number for i in range(packing.model.rowCount())] == [
        "IF-000003"
    ]  # the queue lists picked fulfillments (limit_status_on_packing_slip_queue)
    qtbot.mouseClick(packing.pack_button, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    assert "Packed IF-000003 for SO-000001" in window.message_bar.text
    assert packing.model.rowCount() == 0  # packed: no longer waiting for its slip

    detail = window.show_page("fulfillment", number="IF-000003")
    idle(qtbot, ctx)
    assert detail.chip.text() == "Packed" and not detail.action_buttons["pack"].isEnabled()
    qtbot.mouseClick(detail.action_buttons["ship"], Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    assert detail.chip.text() == "Shipped"
    assert "Shipped IF-000003 for SO-000001: 4 HELMET-M, 4 LOCK-U, 4 BELL, 2 LIGHT-SET" in (
        window.message_bar.text
    )
    order = sales.get_sales_order(service(ctx), "SO-000001")
    assert {ln.line: ln.fulfilled for ln in order.lines}["2"] == Decimal("2")
    assert order.status == "partially_fulfilled"


def test_scans_refused_in_words_change_nothing(team, ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    # Ten light sets, six of them committed: limit_to_committed allows no more than six.
    order = sales.create_sales_order(
        service(ctx), "Harbor Cycles", [sales.LineEntry("LIGHT-SET", "10")]
    )
    line = order.lines[0]
    assert line.committed < line.quantity
    page = window.show_page("pick_station")
    idle(qtbot, ctx)
    scan(qtbot, ctx, page.table, order.number, "%%not-a-code%%")
    assert answer(page) == (
        "refused: Unknown code %%not-a-code%%: not a GS1 code, a badge, a command, an item, "
        "a document number, a bin or a quantity. Nothing changed"
    )
    scan(qtbot, ctx, page.table, "#PACKED")
    assert answer(page) == (
        "refused: #PACKED is not a command here; the codes are #PICK, #PACK, #SHIP, #CLEAR"
    )
    assert page.state.staged_total == 0 and page.document.text() == order.number
    committed = line.committed
    scan(qtbot, ctx, page.table, str(committed + 2), "LIGHT-SET", "#SHIP")
    assert page.answer_level == "refused"
    assert f"only {committed.normalize()} is committed and not yet picked" in page.answer.text()
    assert page.state.staged_total == committed + 2  # still staged: the refusal changed nothing
    scan(qtbot, ctx, page.table, "#CLEAR")
    assert answer(page) == f"info: Dropped {(committed + 2).normalize()} LIGHT-SET"
    assert fulfillment.list_fulfillments(service(ctx), order=order.number).total == 0

    # A viewer scans the same order: looking is allowed, shipping is not.
    team()
    uow = UnitOfWork(ctx.database, Actor("anna", "office"))
    admin.add_user(uow, "vic", "viewer", secret="3333")
    ctx.set_user(auth.sign_in(uow, "vic", "3333"))
    idle(qtbot, ctx)
    page = window.show_page("pick_station")
    scan(qtbot, ctx, page.table, "SO-000001", "LIGHT-SET", "#SHIP")
    assert page.answer_level == "refused"
    assert "vic (viewer) may not pick, pack or ship orders" in page.answer.text()
    assert fulfillment.list_fulfillments(uow, order="SO-000001").total == 0
    # The code buttons send the same codes as the scanner.
    qtbot.mouseClick(page.code_buttons["#CLEAR"], Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    assert answer(page) == "info: Dropped 1 LIGHT-SET"


def test_scanner_keys_in_a_dialog_are_not_scans(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("pick_station")
    idle(qtbot, ctx)
    qtbot.keyClicks(page.table, "SO-0")
    assert page.scan_line.text() == "SO-0"  # collected, shown as it is typed
    qtbot.keyClick(page.table, Qt.Key.Key_Backspace)
    assert page.scanner.buffer == "SO-"
    qtbot.keyClick(page.table, Qt.Key.Key_Escape)
    assert page.scanner.buffer == "" and "Scan an order" in page.scan_line.text()
    qtbot.keyClicks(page.table, "SO-000001")
    qtbot.keyClick(page.table, Qt.Key.Key_Tab)  # some scanners end a code with Tab
    idle(qtbot, ctx)
    assert page.document.text() == "SO-000001" and page.scanner.buffer == ""
    window.show_page("sales_orders")
    idle(qtbot, ctx)
    other = window.pages["sales_orders"]
    qtbot.keyClicks(other.text, "SO-000002")  # another page: the keys are the search box's
    assert other.text.text() == "SO-000002" and page.scanner.buffer == ""


def test_receive_by_scan(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    before = inventory.stock_position(service(ctx), "LIGHT-SET").on_hand
    listing = window.show_page("purchase_order", number="PO-000002")
    idle(qtbot, ctx)
    qtbot.mouseClick(listing.scan_button, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    page = window.pages["receiving"]
    assert window.stack.currentWidget() is page
    assert page.document.text() == "PO-000002" and page.chip.text() == "Partially Received"
    assert answer(page) == (
        "info: PO-000002 (Velo Parts GmbH): 2 lines to receive; scan each item, then #RECEIVE"
    )
    scan(qtbot, ctx, page.table, "6", "LIGHT-SET", "LIGHT-SET", "HELMET-M", "#RECEIVE")
    assert answer(page) == "done: Received IR-000002 on PO-000002: 7 LIGHT-SET, 1 HELMET-M"
    assert inventory.stock_position(service(ctx), "LIGHT-SET").on_hand == before + 7
    assert [(r.sku, r.received) for r in page.lines.rows] == [
        ("LIGHT-SET", Decimal("17")),
        ("HELMET-M", Decimal("1")),
    ]
    scan(qtbot, ctx, page.table, "#RECEIVE")
    assert answer(page) == (
        "refused: Nothing is staged on PO-000002 (IR-000002 was posted): scan the items first"
    )
    info = purchasing.get_purchase_order(service(ctx), "PO-000002")
    assert info.receipts == ["IR-000001", "IR-000002"]
    scan(qtbot, ctx, page.table, "SO-000001")
    assert answer(page) == (
        "refused: SO-000001 is a sales order; this screen receives purchase orders: scan a "
        "purchase order (PO-...)"
    )


def test_a_badge_at_the_pick_bench_signs_in_the_window(team, ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    team()
    page = window.show_page("pick_station")
    idle(qtbot, ctx)
    scan(qtbot, ctx, page.table, "#U:olga")
    assert answer(page) == "ask: Badge olga: type your PIN and Enter"
    qtbot.keyClicks(page.table, "2222")
    assert page.scan_line.text() == "••••"  # the PIN is not shown
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    idle(qtbot, ctx)
    assert answer(page) == "done: Signed in: olga (operator)"
    assert ctx.user is not None and ctx.user.username == "olga"
    assert not any("2222" in page.history.item(n).text() for n in range(page.history.count()))
    scan(qtbot, ctx, page.table, "SO-000001", "LIGHT-SET", "#PICK")
    assert page.answer_level == "refused"
    assert "olga (operator) may not pick, pack or ship orders" in page.answer.text()
