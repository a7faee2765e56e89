"""The scanner sessions of the picking bench and the receiving dock, without a window: each
scan turns into service calls and an answer in words; refusals and garbage change nothing;
a command scanned twice posts once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.services import admin
from app.services.auth import signed_in
from app.services.catalog import items
from app.services.engine.uow import Actor, UnitOfWork
from app.services.orders import fulfillment, purchasing, sales
from app.services.scanning.picking import PickSession
from app.services.scanning.receiving import ReceiveSession
from tests.orders_plant import OrderPlant
from tests.plant import Plant


@pytest.fixture
def shop(plant: Plant) -> OrderPlant:
    shop = OrderPlant(plant.uow).setup()
    shop.stock("CASE-12", 10)
    shop.stock("LABEL", 50)
    shop.stock("BOTTLE", 100)
    items.set_bin(shop.uow, "CASE-12", "B-10")
    items.set_bin(shop.uow, "LABEL", "B-2")
    return shop


def scans(session: PickSession | ReceiveSession, uow: UnitOfWork, *codes: str) -> list[str]:
    """Scan each code; the answers' levels and messages."""
    out = []
    for code in codes:
        answer = session.scan(uow, code)
        out.append(f"{answer.level}: {answer.message}")
    return out


def D(text: str) -> Decimal:
    return Decimal(text)


def test_scan_the_order_each_item_a_quantity_and_ship(shop: OrderPlant) -> None:
    so = shop.so("Harbor Cycles", ("CASE-12", 4), ("GIFT-BOX", 1), ("SERVICE", 1))
    session = PickSession()
    first = session.scan(shop.uow, so.number.lower())  # a scanner may send lower case
    assert first.level == "info" and "3 lines to pick" in first.message
    # Walking order: by bin (B-2 before B-10), lines without a bin last; kit members listed.
    assert [(ln.line, ln.sku, ln.bin) for ln in first.state.detail.lines] == [
        ("2.2", "LABEL", "B-2"),
        ("1", "CASE-12", "B-10"),
        ("2.1", "CASE-12", "B-10"),
    ]
    answers = scans(session, shop.uow, "CASE-12", "3", "CASE-12", "2", "LABEL", "CASE-12")
    assert answers[0] == "info: +1 CASE-12 on line 1: 1 of 4"
    assert answers[1] == "info: Quantity 3: scan an item"
    assert answers[2] == "info: +3 CASE-12 on line 1: 4 of 4"
    assert answers[4] == "info: +2 LABEL on line 2.2: 2 of 2"
    assert answers[5] == "info: +1 CASE-12 on line 2.1: 1 of 1"  # line 1 is full: the kit's
    assert shop.so_line(so.number, "1").picked == 0  # nothing posted while scanning

    shipped = session.scan(shop.uow, "#SHIP")
    assert shipped.level == "done", shipped.message
    assert shipped.message == ("Shipped IF-000001 for SO-000001: 4 CASE-12, 1 CASE-12, 2 LABEL")
    assert shipped.state.detail.kind == "fulfillment" and shipped.state.detail.status == "shipped"
    assert shop.show_so(so.number).status == "fulfilled"
    assert shop.on_hand("CASE-12") == D("5") and shop.on_hand("LABEL") == D("48")

    again = session.scan(shop.uow, "#SHIP")  # the scanner's double read
    assert again.level == "refused" and "IF-000001 is Shipped already; nothing was posted" in (
        again.message
    )
    assert fulfillment.list_fulfillments(shop.uow).total == 1
    assert shop.on_hand("CASE-12") == D("5")


def test_pick_then_pack_then_ship_a_scanned_fulfillment(shop: OrderPlant) -> None:
    so = shop.so("Harbor Cycles", ("CASE-12", 6))
    session = PickSession()
    scans(session, shop.uow, so.number, "5", "CASE-12")
    picked = session.scan(shop.uow, "#PICK")
    assert picked.message == "Picked IF-000001 for SO-000001: 5 CASE-12"
    assert shop.so_line(so.number, "1").picked == D("5")
    assert "picked already" in session.scan(shop.uow, "#PICK").message

    # At the packing bench, another scanner reads the fulfillment off its packing slip.
    bench = PickSession()
    loaded = bench.scan(shop.uow, "IF-000001")
    assert loaded.level == "info" and loaded.message.endswith("is Picked; #PACK or #SHIP")
    assert [(ln.sku, ln.quantity) for ln in loaded.state.detail.shipment] == [("CASE-12", D("5"))]
    assert "is not Picked" not in bench.scan(shop.uow, "#PACK").message
    assert fulfillment.get_fulfillment(shop.uow, "IF-000001").status == "packed"
    assert bench.scan(shop.uow, "#PACK").level == "refused"  # packed already: not again
    assert bench.scan(shop.uow, "#SHIP").message == "Shipped IF-000001 for SO-000001"
    assert shop.show_so(so.number).status == "partially_fulfilled"

    # The rest of the order: scanning it again lists only what is left.
    rest = bench.scan(shop.uow, so.number)
    assert [(ln.line, ln.still_to_pick) for ln in rest.state.detail.lines] == [("1", D("1"))]


def test_garbage_and_unknown_codes_change_nothing(shop: OrderPlant) -> None:
    so = shop.so("Harbor Cycles", ("CASE-12", 2))
    session = PickSession()
    assert scans(session, shop.uow, "CASE-12") == [
        "refused: CASE-12 is an item: scan a sales order (SO-...) or a fulfillment (IF-...) first"
    ]
    scans(session, shop.uow, so.number, "CASE-12")
    before = session.state()
    answers = scans(
        session, shop.uow, "%%garbage%%", "#SHIPP", "WO-000001", "SO-999999", "", "1e3", "0"
    )
    assert answers == [
        "refused: Unknown code %%garbage%%: not a GS1 code, a badge, a command, an item, "
        "a document number, a bin or a quantity. Nothing changed",
        "refused: #SHIPP is not a command here; the codes are #PICK, #PACK, #SHIP, #CLEAR",
        "refused: WO-000001 is a work order; this screen picks, packs and ships sales orders: "
        "scan a sales order (SO-...) or a fulfillment (IF-...)",
        "refused: 1 CASE-12 staged for SO-000001: post it with #PICK, #PACK or #SHIP, or drop "
        "it with #CLEAR first",
        "info: Nothing was scanned",
        "refused: scanned quantity '1e3' is not a number: exponents are not allowed "
        "(write the digits out)",
        "refused: scanned quantity must be greater than zero, got 0",
    ]
    assert session.state() == before  # still SO-000001 with one CASE-12 scanned
    scans(session, shop.uow, "#CLEAR")
    assert scans(session, shop.uow, "SO-999999") == ["refused: unknown sales order 'SO-999999'"]
    assert session.state().document == so.number
    assert fulfillment.list_fulfillments(shop.uow).total == 0


def test_clear_drops_what_is_staged_and_a_waiting_quantity(shop: OrderPlant) -> None:
    so = shop.so("Harbor Cycles", ("CASE-12", 4))
    other = shop.so("Lakeside Foods", ("CASE-12", 1))
    session = PickSession()
    scans(session, shop.uow, so.number, "CASE-12", "CASE-12")
    refused = session.scan(shop.uow, other.number)
    assert refused.level == "refused" and "2 CASE-12 staged for SO-000001" in refused.message
    assert session.scan(shop.uow, "3").level == "info"
    waiting = session.scan(shop.uow, "#SHIP")
    assert waiting.message == "Quantity 3 is waiting for an item: scan it, or #CLEAR"
    assert session.scan(shop.uow, "#CLEAR").message == "Dropped 2 CASE-12, quantity 3"
    assert session.scan(shop.uow, "#CLEAR").message == "Nothing to clear"
    assert session.scan(shop.uow, "#SHIP").message == (
        "Nothing is staged on SO-000001: scan the items first"
    )
    switched = session.scan(shop.uow, other.number)
    assert switched.level == "info" and switched.state.document == other.number
    assert fulfillment.list_fulfillments(shop.uow).total == 0


def test_the_services_refuse_in_their_own_words(shop: OrderPlant) -> None:
    shop.pref("fulfill_based_on_commitment", "limit_to_committed")
    shop.stock("CASE-12", -7)  # 3 left
    so = shop.so("Harbor Cycles", ("CASE-12", 5))
    assert shop.committed(so.number) == D("3")
    session = PickSession()
    scans(session, shop.uow, so.number, "4", "CASE-12")
    beyond = session.scan(shop.uow, "#SHIP")
    assert beyond.level == "refused"
    assert "only 3 is committed and not yet picked" in beyond.message
    assert "limited to committed stock" in beyond.message
    assert beyond.state.staged_total == D("4")  # the refusal changed nothing: still staged
    assert shop.so_line(so.number, "1").picked == 0

    # A viewer may look but not ship; an operator neither.
    admin.add_user(shop.uow, "tester", "admin")
    admin.add_user(shop.uow, "vera", "viewer")
    viewer = UnitOfWork(shop.uow.database, Actor("vera", "office"))
    watching = PickSession(user=signed_in("vera", "viewer"))
    scans(watching, viewer, so.number, "CASE-12")
    denied = watching.scan(viewer, "#SHIP")
    assert (
        denied.level == "refused" and "vera (viewer) may not pick, pack or ship" in denied.message
    )
    assert fulfillment.list_fulfillments(shop.uow).total == 0

    # Not approved: nothing to pick on it.
    waiting = shop.so("Lakeside Foods", ("CASE-12", 1), status="pending_approval")
    answer = PickSession(user=signed_in("tester", "admin")).scan(shop.uow, waiting.number)
    assert answer.level == "refused" and "Pending Approval" in answer.message


def test_a_ship_refused_after_the_pick_ships_alone_next_time(shop: OrderPlant) -> None:
    admin.add_user(shop.uow, "tester", "admin")
    so = shop.so("Harbor Cycles", ("CASE-12", 2))
    session = PickSession(user=signed_in("tester", "admin"))
    scans(session, shop.uow, so.number, "2", "CASE-12")
    picked = session.scan(shop.uow, "#PICK")
    assert picked.level == "done"
    # Someone cancels the fulfillment at the desk: shipping it now is refused in words.
    fulfillment.cancel_fulfillment(shop.uow, "IF-000001")
    refused = session.scan(shop.uow, "#SHIP")
    assert refused.level == "refused" and "Picked already" not in refused.message
    assert fulfillment.get_fulfillment(shop.uow, "IF-000001").status == "cancelled"
    assert fulfillment.list_fulfillments(shop.uow, status="shipped").total == 0


def test_receive_by_scan(shop: OrderPlant) -> None:
    po = shop.po("Glass Works", ("BOTTLE", 24), ("CAP", 10))
    session = ReceiveSession()
    loaded = session.scan(shop.uow, po.number)
    assert loaded.message == (
        "PO-000001 (Glass Works): 2 lines to receive; scan each item, then #RECEIVE"
    )
    answers = scans(session, shop.uow, "#RECEIVE", "12", "BOTTLE", "BOTTLE", "LABEL", "#RECEIVE")
    assert answers[0] == "refused: Nothing is staged on PO-000001: scan the items first"
    assert answers[2] == "info: +12 BOTTLE on line 1: 12 of 24"
    assert answers[4] == "refused: LABEL is not on PO-000001"
    assert answers[5] == "done: Received IR-000001 on PO-000001: 13 BOTTLE"
    assert shop.on_hand("BOTTLE") == D("113")
    again = session.scan(shop.uow, "#RECEIVE")
    assert again.level == "refused" and "(IR-000001 was posted)" in again.message
    assert shop.on_hand("BOTTLE") == D("113")
    info = purchasing.get_purchase_order(shop.uow, po.number)
    assert info.status == "partially_received" and info.receipts == ["IR-000001"]

    # More than remains is refused by the service (overage on receipts is off).
    scans(session, shop.uow, "20", "BOTTLE")
    over = session.scan(shop.uow, "#RECEIVE")
    assert over.level == "refused" and "overage on item receipts is not allowed" in over.message
    assert session.scan(shop.uow, "#CLEAR").message == "Dropped 20 BOTTLE"


def test_a_drop_ship_order_is_marked_shipped_by_scan(shop: OrderPlant) -> None:
    so = shop.so("Harbor Cycles", ("RACK", 2, "drop_ship"), customer_po="HC-77")
    po_number = sales.get_sales_order(shop.uow, so.number).purchase_orders[0]
    session = ReceiveSession()
    loaded = session.scan(shop.uow, po_number)
    assert "drop-shipped by Rack Supply Co for SO-000001" in loaded.message
    scans(session, shop.uow, "RACK")
    assert session.scan(shop.uow, "#RECEIVE").level == "refused"  # nothing comes in here
    shipped = session.scan(shop.uow, "#SHIP")
    assert shipped.level == "done", shipped.message
    assert shipped.message == "Marked PO-000001 shipped to the customer of SO-000001: 1 RACK"
    line = shop.so_line(so.number, "1")
    assert line.fulfilled == D("1") and shop.on_hand("RACK") == 0
    assert session.scan(shop.uow, "#SHIP").level == "refused"
    assert shop.so_line(so.number, "1").fulfilled == D("1")
