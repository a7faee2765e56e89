"""Vendor returns: received goods sent back to the vendor from a purchase order's receipts,
never more than came in less what other returns hold, out of stock at the receipt's location
and cost, with finance told of the credit at approval or at shipment."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.errors import IllegalTransition, InsufficientStock, NotFound, ValidationError
from app.services import finance, inventory, reasons
from app.services.catalog import items
from app.services.lots import tracking
from app.services.lots.incoming import lot_given
from app.services.orders import purchasing, trace
from app.services.orders.purchase_changes import edit_purchase_order
from app.services.vendor_returns.returns import (
    approve_vendor_return,
    cancel_vendor_return,
    close_vendor_return,
    get_vendor_return,
    list_vendor_returns,
    return_to_vendor,
    ship_vendor_return,
)
from tests.orders_plant import OrderPlant
from tests.plant import D, Plant


@pytest.fixture
def shop(plant: Plant) -> OrderPlant:
    shop = OrderPlant(plant.uow).setup()
    reasons.add_reason_code(shop.uow, "DAMAGED", "return", "arrived damaged")
    return shop


def credits(shop: OrderPlant) -> list[tuple[str, list[tuple[str, Decimal]], Decimal]]:
    """The vendor credit events, oldest first: document, (sku, quantity) lines, amount."""
    events = finance.list_events(shop.uow, moment="vendor_credit").rows
    return [
        (e.document, [(ln.sku, ln.quantity) for ln in e.lines], e.amount) for e in reversed(events)
    ]


def received(shop: OrderPlant, ordered: int, came: int, location: str | None = None) -> str:
    po = purchasing.create_purchase_order(
        shop.uow,
        "Glass Works",
        [purchasing.OrderedLine("BOTTLE", str(ordered))],
        location=location,
    )
    purchasing.receive_purchase_order(shop.uow, po.number, {"BOTTLE": str(came)})
    return po.number


def test_a_vendor_return_of_a_partial_receipt(shop: OrderPlant) -> None:
    """Ten bottles ordered, six came, two were broken: they go back for a credit."""
    po = received(shop, 10, 6)
    vra = return_to_vendor(shop.uow, po, {"BOTTLE": "2"}, reason="damaged", memo="cracked")
    assert vra.number.startswith("VRA-")
    assert (vra.status, vra.purchase_order, vra.vendor, vra.reason_code, vra.memo) == (
        "pending_approval",
        po,
        "Glass Works",
        "DAMAGED",
        "cracked",
    )
    (line,) = vra.lines
    (receipt,) = purchasing.get_purchase_order(shop.uow, po).receipts
    assert (line.sku, line.quantity, line.unit_cost, line.receipt) == (
        "BOTTLE",
        D(2),
        D("0.4"),
        receipt,
    )
    assert vra.actions == ["approve", "cancel"]
    with pytest.raises(IllegalTransition, match=r"cannot ship .*: it is Pending Approval; approve"):
        ship_vendor_return(shop.uow, vra.number)
    assert approve_vendor_return(shop.uow, vra.number).status == "pending_return"
    assert credits(shop) == []  # not in advance: finance hears as the goods leave
    shipped = ship_vendor_return(shop.uow, vra.number)
    assert (shipped.status, shipped.lines[0].shipped, shipped.lines[0].remaining) == (
        "returned",
        D(2),
        D(0),
    )
    assert (shop.on_hand("BOTTLE"), shop.position("BOTTLE").on_order) == (D(4), D(4))
    (row,) = [
        r for r in inventory.ledger_history(shop.uow, "BOTTLE") if r.reason == "vendor_return"
    ]
    assert (row.quantity, row.unit_cost, row.source, row.source_kind) == (
        D(-2),
        D("0.4"),
        vra.number,
        "vendor_return",
    )
    assert credits(shop) == [(vra.number, [("BOTTLE", D(2))], D("0.8"))]
    order = purchasing.get_purchase_order(shop.uow, po)
    assert (order.status, order.lines[0].received, order.lines[0].returned) == (
        "partially_received",
        D(6),
        D(2),
    )
    assert order.vendor_returns == [vra.number]
    # Trace finds the return from its purchase order and from the receipt it returns.
    for start in (po, receipt, vra.number):
        found = {r.number: r for r in trace.trace(shop.uow, start).records}
        assert vra.number in found and po in found
    assert found[vra.number].created_from == po
    assert vra.number in found[po].spawned


@pytest.mark.parametrize("in_advance", [True, False], ids=["credit-in-advance", "as-it-ships"])
def test_the_credit_is_told_at_approval_or_at_shipment(shop: OrderPlant, in_advance: bool) -> None:
    shop.pref("credit_in_advance_of_vendor_return", "true" if in_advance else "false")
    po = received(shop, 10, 10)
    vra = return_to_vendor(shop.uow, po, {"1": "5"})
    approve_vendor_return(shop.uow, vra.number)
    told_at_approval = [(vra.number, [("BOTTLE", D(5))], D(2))] if in_advance else []
    assert credits(shop) == told_at_approval
    assert get_vendor_return(shop.uow, vra.number).credit_in_advance is in_advance
    ship_vendor_return(shop.uow, vra.number, {"BOTTLE": "3"})
    after_shipment = [
        *told_at_approval,
        *([] if in_advance else [(vra.number, [("BOTTLE", D(3))], D("1.2"))]),
    ]
    assert credits(shop) == after_shipment
    with pytest.raises(IllegalTransition, match="part of it has gone back; close it instead"):
        cancel_vendor_return(shop.uow, vra.number)
    closed = close_vendor_return(shop.uow, vra.number)
    assert (closed.status, closed.lines[0].remaining) == ("closed", D(0))
    # Closed short: a credit told in advance for what never went back is taken back.
    taken_back = [(vra.number, [("BOTTLE", D(-2))], D("-0.8"))] if in_advance else []
    assert credits(shop) == [*after_shipment, *taken_back]
    assert shop.on_hand("BOTTLE") == D(7)
    # What did not go back may go back on another return.
    again = return_to_vendor(shop.uow, po, {"BOTTLE": "7"})
    assert again.lines[0].quantity == D(7)


def test_a_credit_told_in_advance_is_taken_back_when_the_return_is_cancelled(
    shop: OrderPlant,
) -> None:
    shop.pref("credit_in_advance_of_vendor_return", "true")
    shop.pref("default_vendor_return_authorization_status", "pending_return")
    po = received(shop, 4, 4)
    vra = return_to_vendor(shop.uow, po, {"BOTTLE": "4"})
    assert vra.status == "pending_return"  # approved at once
    cancelled = cancel_vendor_return(shop.uow, vra.number)
    assert cancelled.status == "cancelled"
    assert credits(shop) == [
        (vra.number, [("BOTTLE", D(4))], D("1.6")),
        (vra.number, [("BOTTLE", D(-4))], D("-1.6")),
    ]
    assert shop.on_hand("BOTTLE") == D(4)


def test_never_more_than_came_in_less_what_returns_hold(shop: OrderPlant) -> None:
    po = received(shop, 10, 6)
    first = return_to_vendor(shop.uow, po, {"BOTTLE": "4"})
    with pytest.raises(ValidationError, match="6 came in and 4 of it is on vendor returns"):
        return_to_vendor(shop.uow, po, {"BOTTLE": "3"})
    second = return_to_vendor(shop.uow, po, {"BOTTLE": "2"})
    cancel_vendor_return(shop.uow, first.number)
    third = return_to_vendor(shop.uow, po, {"BOTTLE": "4"})
    assert [v.number for v in list_vendor_returns(shop.uow, status="pending approval")] == [
        second.number,
        third.number,
    ]
    assert [v.number for v in list_vendor_returns(shop.uow, status="cancelled")] == [first.number]
    with pytest.raises(ValidationError, match="at most 0 can"):
        return_to_vendor(shop.uow, po, {"BOTTLE": "1"})


def test_a_return_takes_the_newest_receipt_first_each_at_its_own_cost(shop: OrderPlant) -> None:
    po = received(shop, 10, 3)
    edit_purchase_order(shop.uow, po, prices={"BOTTLE": "0.5"})
    purchasing.receive_purchase_order(shop.uow, po, {"BOTTLE": "2"})
    older, newer = purchasing.get_purchase_order(shop.uow, po).receipts
    vra = return_to_vendor(shop.uow, po, {"BOTTLE": "4"})
    assert [(ln.receipt, ln.quantity, ln.unit_cost) for ln in vra.lines] == [
        (newer, D(2), D("0.5")),
        (older, D(2), D("0.4")),
    ]
    assert vra.total == D("1.8")
    assert vra.receipts == sorted([older, newer])
    approve_vendor_return(shop.uow, vra.number)
    with pytest.raises(ValidationError, match="BOTTLE is on lines 1, 2 of"):
        ship_vendor_return(shop.uow, vra.number, {"BOTTLE": "1"})
    partly = ship_vendor_return(shop.uow, vra.number, {"2": "1"})
    assert (partly.status, [ln.shipped for ln in partly.lines]) == (
        "partially_returned",
        [D(0), D(1)],
    )
    rows = [r for r in inventory.ledger_history(shop.uow, "BOTTLE") if r.reason == "vendor_return"]
    assert [(r.quantity, r.unit_cost) for r in rows] == [(D(-1), D("0.4"))]
    # Only the named receipt, when one is named.
    with pytest.raises(
        ValidationError, match=f"3 came in on {older} and 2 of it is on vendor returns"
    ):
        return_to_vendor(shop.uow, po, {"BOTTLE": "2"}, receipt=older)
    assert return_to_vendor(shop.uow, po, {"BOTTLE": "1"}, receipt=older).lines[0].receipt == older
    with pytest.raises(NotFound, match="IR-999999 is not a receipt of"):
        return_to_vendor(shop.uow, po, {"BOTTLE": "1"}, receipt="IR-999999")


def test_goods_leave_from_the_receipts_location_and_commitments_give_way(
    shop: OrderPlant,
) -> None:
    items.add_location(shop.uow, "EAST", "East store")
    shop.stock("BOTTLE", 5)  # at MAIN: the return does not touch it
    po = received(shop, 6, 6, location="EAST")
    shop.stock("CAP", 12, location="EAST")
    shop.item("CRATE", "assembly")
    shop.bom("CRATE", {"BOTTLE": 6})
    wo = shop.wo("CRATE", 1, location="EAST")
    assert shop.line(wo, "BOTTLE").committed == D(6)
    vra = return_to_vendor(shop.uow, po, {"BOTTLE": "2"})
    approve_vendor_return(shop.uow, vra.number)
    ship_vendor_return(shop.uow, vra.number)
    assert (shop.on_hand("BOTTLE", "EAST"), shop.on_hand("BOTTLE", "MAIN")) == (D(4), D(5))
    assert shop.line(wo, "BOTTLE").committed == D(4)  # the write-off rule: it gave way
    # Picked stock waiting to ship does not.
    po2 = received(shop, 1, 1)
    so = shop.so("Lakeside Foods", ("BOTTLE", 6))
    shop.pick(so.number)
    back = return_to_vendor(shop.uow, po2, {"BOTTLE": "1"})
    approve_vendor_return(shop.uow, back.number)
    with pytest.raises(InsufficientStock, match="picked for orders waiting to ship"):
        ship_vendor_return(shop.uow, back.number)
    assert get_vendor_return(shop.uow, back.number).lines[0].shipped == 0


def test_what_may_not_go_back_is_refused_in_words(shop: OrderPlant) -> None:
    po = shop.po("Glass Works", ("BOTTLE", 5))
    with pytest.raises(IllegalTransition, match="nothing has been received on it"):
        return_to_vendor(shop.uow, po.number, {"BOTTLE": "1"})
    purchasing.receive_purchase_order(shop.uow, po.number, {"BOTTLE": "5"})
    with pytest.raises(ValidationError, match="say what goes back to Glass Works"):
        return_to_vendor(shop.uow, po.number, {})
    with pytest.raises(NotFound, match="unknown return reason 'LOST'"):
        return_to_vendor(shop.uow, po.number, {"BOTTLE": "1"}, reason="lost")
    reasons.set_reason_code_active(shop.uow, "DAMAGED", "return", False)
    with pytest.raises(ValidationError, match="return reason DAMAGED is retired"):
        return_to_vendor(shop.uow, po.number, {"BOTTLE": "1"}, reason="damaged")
    vra = return_to_vendor(shop.uow, po.number, {"BOTTLE": "1"})
    with pytest.raises(IllegalTransition, match="nothing has gone back; cancel it instead"):
        close_vendor_return(shop.uow, vra.number)
    approve_vendor_return(shop.uow, vra.number)
    with pytest.raises(ValidationError, match="more than the 1 still to go back"):
        ship_vendor_return(shop.uow, vra.number, {"BOTTLE": "2"})
    shipped = ship_vendor_return(shop.uow, vra.number)
    event = next(
        r.event_id
        for r in inventory.ledger_history(shop.uow, "BOTTLE")
        if r.reason == "vendor_return"
    )
    with pytest.raises(
        ValidationError,
        match=f"event {event} is a shipment to the vendor on {vra.number}: the goods are with "
        "the vendor",
    ):
        inventory.reverse_posting(shop.uow, event)
    with pytest.raises(IllegalTransition, match=r"cannot ship .*: it is Returned"):
        ship_vendor_return(shop.uow, shipped.number)
    # A closed purchase order's goods can still go back.
    purchasing.close_purchase_order(shop.uow, po.number)
    assert return_to_vendor(shop.uow, po.number, {"BOTTLE": "4"}).status == "pending_approval"


def test_a_tracked_item_goes_back_from_the_lots_its_receipt_brought_in(shop: OrderPlant) -> None:
    """Valves tracked by lot: a return of the second receipt takes its lot B, not the older
    lot A the consumption order would take; once lot A is mostly used, a return of the first
    receipt is refused naming lot A though lot C could cover it, and one valve goes back."""
    items.save_item(shop.uow, items.item_spec(sku="VALVE", name="Valve", item_type="inventory"))
    tracking.set_item_tracking(shop.uow, "VALVE", "lot")
    po = purchasing.create_purchase_order(
        shop.uow, "Glass Works", [purchasing.OrderedLine("VALVE", "5", "3.00")]
    ).number
    purchasing.receive_purchase_order(shop.uow, po, {"VALVE": "3"}, lots={"VALVE": lot_given("A")})
    purchasing.receive_purchase_order(shop.uow, po, {"VALVE": "2"}, lots={"VALVE": lot_given("B")})
    vra = return_to_vendor(shop.uow, po, {"VALVE": "2"})  # the newest receipt first
    approve_vendor_return(shop.uow, vra.number)
    assert ship_vendor_return(shop.uow, vra.number).status == "returned"
    lots = inventory.stock_position(shop.uow, "VALVE").lots
    assert [(x.lot, x.on_hand) for x in lots] == [("A", 3)]
    inventory.adjust_stock(shop.uow, "VALVE", "5", lot="C")
    inventory.adjust_stock(shop.uow, "VALVE", "-2")  # from lot A, first in
    back = return_to_vendor(shop.uow, po, {"VALVE": "2"})
    approve_vendor_return(shop.uow, back.number)
    with pytest.raises(InsufficientStock, match="lot A of VALVE: 2 needed but only 1"):
        ship_vendor_return(shop.uow, back.number)
    assert ship_vendor_return(shop.uow, back.number, {"VALVE": "1"}).status == (
        "partially_returned"
    )
    lots = inventory.stock_position(shop.uow, "VALVE").lots
    assert [(x.lot, x.on_hand) for x in lots] == [("C", 5)]


def test_a_receipt_sent_back_is_not_reversed_and_a_reversed_one_sends_nothing_back(
    shop: OrderPlant,
) -> None:
    """A receipt a vendor return takes goods from stays (reversing it would leave the return
    sending back what never came in); a reversed receipt brought nothing to send back."""
    po = shop.po("Glass Works", ("BOTTLE", 5))
    first = purchasing.receive_purchase_order(shop.uow, po.number, {"BOTTLE": "2"})
    second = purchasing.receive_purchase_order(shop.uow, po.number, {"BOTTLE": "3"})

    def event_of(receipt: str) -> int:
        return next(
            r.event_id
            for r in inventory.ledger_history(shop.uow, "BOTTLE")
            if r.reason == "receipt" and r.source == receipt
        )

    vra = return_to_vendor(shop.uow, po.number, {"BOTTLE": "1"})  # from the newest receipt
    with pytest.raises(ValidationError, match=f"cannot reverse receipt {second.number}: "):
        inventory.reverse_posting(shop.uow, event_of(second.number))
    inventory.reverse_posting(shop.uow, event_of(first.number))
    with pytest.raises(ValidationError, match="at most 2 can"):
        return_to_vendor(shop.uow, po.number, {"BOTTLE": "3"})
    cancel_vendor_return(shop.uow, vra.number)
    inventory.reverse_posting(shop.uow, event_of(second.number))  # nothing holds it now
    assert inventory.stock_position(shop.uow, "BOTTLE").on_hand == 0
