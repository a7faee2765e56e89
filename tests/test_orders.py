"""The order side: sales orders, pick / pack / ship, purchase orders and receipts, drop ship,
make-to-order, the finance handoff and traceability (seed 003's "system of three")."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.errors import (
    CommitmentLimit,
    IllegalTransition,
    InsufficientStock,
    NotFound,
    OverageNotAllowed,
    PermissionDenied,
    ValidationError,
)
from app.services import admin, finance, inventory
from app.services.catalog import items
from app.services.check import check_database
from app.services.engine import commitment
from app.services.engine.uow import Actor, UnitOfWork
from app.services.orders import fulfillment, purchasing, sales, trace
from app.services.production import work_orders
from tests.orders_plant import OrderPlant
from tests.plant import D, Plant


@pytest.fixture
def shop(plant: Plant) -> OrderPlant:
    return OrderPlant(plant.uow).setup()


def assert_clean(shop: OrderPlant) -> None:
    report = check_database(shop.uow)
    assert report.ok, report.problems


def figures(shop: OrderPlant, sku: str) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    p = shop.position(sku)
    return (p.on_hand, p.committed, p.on_order, p.backordered)


# --- the whole story ----------------------------------------------------------------------


def test_fifty_cases_thirty_from_stock_twenty_built_one_line_drop_shipped(
    shop: OrderPlant,
) -> None:
    """Seed 003: one order, three paths, every record carrying the customer's PO number,
    finance told at each moment, stock right at every step."""
    shop.pref("perform_item_commitment_after_transaction_entry", "true")
    shop.pref("default_work_order_status", "released")
    shop.stock("CASE-12", 30)
    shop.stock("BOTTLE", 240)
    shop.stock("CAP", 240)
    so = shop.so(
        "Harbor Cycles",
        ("CASE-12", "30", "stock", "20"),
        ("CASE-12", "20", "build", "20"),
        ("RACK", "1", "drop_ship", "60"),
        customer_po="72622",
        ship_date="2026-12-10",
    )
    assert (so.status, so.customer_po, so.priority) == ("pending_fulfillment", "72622", 3)
    stock_line, build_line, drop_line = so.lines
    assert (stock_line.committed, build_line.committed) == (D(30), D(0))
    # The work order and the purchase order were made from the order's lines.
    (wo_number,) = build_line.created
    (po_number,) = drop_line.created
    wo = work_orders.get_work_order(shop.uow, wo_number)
    assert (wo.created_from, wo.customer_po, wo.quantity, wo.status) == (
        so.number,
        "72622",
        D(20),
        "released",
    )
    po = purchasing.get_purchase_order(shop.uow, po_number)
    assert (po.created_from, po.customer_po, po.drop_ship, po.vendor) == (
        so.number,
        "72622",
        True,
        "Rack Supply Co",
    )
    assert figures(shop, "CASE-12") == (D(30), D(30), D(20), D(20))
    assert figures(shop, "RACK") == (D(0), D(0), D(0), D(0))  # drop ship: never in stock
    assert_clean(shop)

    # First shipment: the thirty from stock.
    first = shop.pick(so.number)
    assert (first.customer_po, first.created_from) == ("72622", so.number)
    assert [(ln.line, ln.quantity) for ln in first.lines] == [("1", D(30))]
    assert shop.so_line(so.number, "1").picked == D(30)
    assert shop.on_hand("CASE-12") == D(30)  # picked is still on hand
    shop.ship(first.number)
    assert figures(shop, "CASE-12") == (D(0), D(0), D(20), D(20))
    assert shop.show_so(so.number).status == "partially_fulfilled"
    assert_clean(shop)

    # The special order is built: the cases go to the line they were made for.
    work_orders.post_assembly_build(shop.uow, wo_number, "20")
    assert shop.so_line(so.number, "2").committed == D(20)
    assert figures(shop, "CASE-12") == (D(20), D(20), D(0), D(0))
    second = shop.pick(so.number)
    fulfillment.pack_fulfillment(shop.uow, second.number)
    shop.ship(second.number)
    assert figures(shop, "CASE-12") == (D(0), D(0), D(0), D(0))

    # The vendor ships the rack.
    purchasing.mark_drop_ship_shipped(shop.uow, po_number)
    done = shop.show_so(so.number)
    assert done.status == "fulfilled"
    assert [ln.fulfilled for ln in done.lines] == [D(30), D(20), D(1)]
    assert len(done.fulfillments) == 3
    work_orders.close_work_order(shop.uow, wo_number)
    assert_clean(shop)

    # Every record carries the customer's PO number and says where it came from.
    found = trace.trace(shop.uow, "72622")
    kinds = sorted((r.kind, r.number) for r in found.records)
    assert kinds == sorted(
        [
            ("sales_order", so.number),
            ("work_order", wo_number),
            ("purchase_order", po_number),
            *(("fulfillment", f) for f in done.fulfillments),
        ]
    )
    assert all(r.customer_po == "72622" for r in found.records)
    order = next(r for r in found.records if r.kind == "sales_order")
    assert set(order.spawned) == {wo_number, po_number, *done.fulfillments}

    # Finance: each shipment at the order's rate, the receipt at cost, the close with its
    # variance; the drop-ship line's two events shown as one line.
    events = finance.list_events(shop.uow).rows
    moments = sorted((e.moment, e.document, e.amount) for e in events)
    assert moments == sorted(
        [
            ("shipped", first.number, D(600)),
            ("shipped", second.number, D(400)),
            ("shipped", done.fulfillments[2], D(60)),
            ("received", po_number, D(25)),
            ("closed", wo_number, D(0)),
        ]
    )
    assert all(e.customer_po == "72622" for e in events)
    assert all(e.created_from == so.number for e in events if e.moment != "closed")
    (pair,) = finance.drop_ship_lines(shop.uow)
    assert (pair.sku, pair.quantity, pair.cost, pair.revenue) == ("RACK", D(1), D(25), D(60))
    ready = finance.invoice_ready(shop.uow)
    assert sorted((r.line, r.quantity, r.amount) for r in ready) == [
        (1, D(30), D(600)),
        (2, D(20), D(400)),
        (3, D(1), D(60)),
    ]


# --- sales orders -------------------------------------------------------------------------


def test_line_paths_follow_the_item_unless_given(shop: OrderPlant) -> None:
    shop.stock("CASE-12", 5)
    shop.stock("LABEL", 10)
    so = shop.so(
        "Lakeside Foods",
        ("CASE-12", 1),
        ("RACK", 1),
        ("SERVICE", 1),
        ("GIFT-BOX", 2),
    )
    paths = [(ln.line, ln.sku, ln.path, ln.quantity) for ln in so.lines]
    assert paths == [
        ("1", "CASE-12", "stock", D(1)),
        ("2", "RACK", "stock", D(1)),
        ("3", "SERVICE", "none", D(1)),
        ("4", "GIFT-BOX", "kit", D(2)),
        ("4.1", "CASE-12", "stock", D(2)),
        ("4.2", "LABEL", "stock", D(4)),
    ]
    with pytest.raises(ValidationError, match="cannot be built"):
        shop.so("Lakeside Foods", ("BOTTLE", 1, "build"))
    with pytest.raises(ValidationError, match="carries no stock"):
        shop.so("Lakeside Foods", ("SERVICE", 1, "drop_ship"))
    with pytest.raises(ValidationError, match="no preferred vendor"):
        shop.so("Lakeside Foods", ("LABEL", 1, "drop_ship"))
    with pytest.raises(NotFound, match="unknown customer"):
        shop.so("Nobody", ("CASE-12", 1))
    assert_clean(shop)


def test_the_same_sku_on_two_lines_with_different_paths(shop: OrderPlant) -> None:
    shop.stock("CASE-12", 30)
    so = shop.so("Lakeside Foods", ("CASE-12", 30, "stock"), ("CASE-12", 20, "build"))
    assert [(ln.path, ln.committed) for ln in so.lines] == [("stock", D(30)), ("build", D(0))]
    assert shop.position("CASE-12").backordered == D(20)


def test_kit_members_ship_and_the_kit_is_billed(shop: OrderPlant) -> None:
    shop.stock("CASE-12", 3)
    shop.stock("LABEL", 10)
    so = shop.so("Lakeside Foods", ("GIFT-BOX", 3, None, "50"))
    picked = shop.pick(so.number, {"1": "2"})
    assert sorted((ln.line, ln.quantity) for ln in picked.lines) == [("1.1", D(2)), ("1.2", D(4))]
    shop.ship(picked.number)
    info = shop.show_so(so.number)
    assert [(ln.line, ln.fulfilled, ln.remaining) for ln in info.lines] == [
        ("1", D(2), D(1)),
        ("1.1", D(2), D(1)),
        ("1.2", D(4), D(2)),
    ]
    (event,) = finance.list_events(shop.uow).rows
    assert [(ln.sku, ln.quantity, ln.amount) for ln in event.lines] == [("GIFT-BOX", D(2), D(100))]
    assert_clean(shop)


def test_pending_approval_commits_nothing_until_approved(shop: OrderPlant) -> None:
    shop.pref("default_sales_order_status", "pending_approval")
    shop.stock("CASE-12", 10)
    so = shop.so("Lakeside Foods", ("CASE-12", 4), ("CASE-12", 3, "build"))
    assert (so.status, so.lines[0].committed, so.lines[1].created) == (
        "pending_approval",
        D(0),
        [],
    )
    with pytest.raises(IllegalTransition, match="approve it first"):
        shop.pick(so.number)
    approved = sales.approve_sales_order(shop.uow, so.number)
    assert approved.status == "pending_fulfillment"
    assert approved.lines[0].committed == D(4)
    assert len(approved.lines[1].created) == 1
    with pytest.raises(IllegalTransition, match="cannot approve"):
        sales.approve_sales_order(shop.uow, so.number)


@pytest.mark.parametrize("re_approve", [True, False])
def test_editing_an_approved_order(shop: OrderPlant, re_approve: bool) -> None:
    shop.pref("require_re_approval_on_edit_of_sales_order", "true" if re_approve else "false")
    shop.stock("CASE-12", 10)
    so = shop.so("Lakeside Foods", ("CASE-12", 4))
    edited = sales.update_sales_order(shop.uow, so.number, quantities={"1": "6"})
    if re_approve:
        assert (edited.status, edited.lines[0].committed) == ("pending_approval", D(0))
        assert shop.position("CASE-12").committed == 0
        edited = sales.approve_sales_order(shop.uow, so.number)
    assert (edited.status, edited.lines[0].quantity, edited.lines[0].committed) == (
        "pending_fulfillment",
        D(6),
        D(6),
    )
    # Partly shipped: no re-approval, whatever the preference.
    shipped = shop.pick(so.number, {"1": "2"})
    shop.ship(shipped.number)
    later = sales.update_sales_order(
        shop.uow, so.number, ship_date="2027-01-15", add=[sales.LineEntry("LABEL", "5")]
    )
    assert later.status == "partially_fulfilled"
    assert (later.ship_date, [ln.sku for ln in later.lines]) == (
        date(2027, 1, 15),
        ["CASE-12", "LABEL"],
    )
    with pytest.raises(ValidationError, match="less than what is picked or shipped"):
        sales.update_sales_order(shop.uow, so.number, quantities={"1": "1"})
    assert_clean(shop)


def test_close_and_cancel(shop: OrderPlant) -> None:
    shop.stock("CASE-12", 10)
    a = shop.so("Lakeside Foods", ("CASE-12", 4))
    picked = shop.pick(a.number, {"1": "1"})
    with pytest.raises(IllegalTransition, match="ship or cancel it first"):
        sales.close_sales_order(shop.uow, a.number)
    fulfillment.cancel_fulfillment(shop.uow, picked.number)
    assert shop.so_line(a.number, "1").picked == 0
    closed = sales.close_sales_order(shop.uow, a.number)
    assert (closed.status, closed.lines[0].committed) == ("closed", D(0))
    assert shop.position("CASE-12").committed == 0
    b = shop.so("Lakeside Foods", ("CASE-12", 2, "build"))
    with pytest.raises(IllegalTransition, match="cancel WO-"):
        sales.cancel_sales_order(shop.uow, b.number)
    work_orders.cancel_work_order(shop.uow, b.lines[0].created[0])
    assert sales.cancel_sales_order(shop.uow, b.number).status == "cancelled"
    with pytest.raises(IllegalTransition, match="Cancelled"):
        sales.approve_sales_order(shop.uow, b.number)
    assert_clean(shop)


def test_a_refused_close_names_each_fulfillment_in_the_way_by_its_status(
    shop: OrderPlant,
) -> None:
    shop.pref("name_for_picked_status", "Pulled")
    shop.pref("name_for_packed_status", "Boxed")
    shop.stock("CASE-12", 4)
    so = shop.so("Lakeside Foods", ("CASE-12", 4))
    pulled = shop.pick(so.number, {"1": "1"})
    boxed = shop.pick(so.number, {"1": "1"})
    fulfillment.pack_fulfillment(shop.uow, boxed.number)
    with pytest.raises(IllegalTransition) as refused:
        sales.close_sales_order(shop.uow, so.number)
    assert refused.value.message == (
        f"cannot close {so.number}: {pulled.number} is Pulled and {boxed.number} is Boxed; "
        "ship or cancel them first"
    )
    fulfillment.cancel_fulfillment(shop.uow, pulled.number)
    with pytest.raises(IllegalTransition) as refused:
        sales.close_sales_order(shop.uow, so.number)
    assert refused.value.message == (
        f"cannot close {so.number}: {boxed.number} is Boxed; ship or cancel it first"
    )
    assert shop.show_so(so.number).status == "pending_fulfillment"


# --- commitment between orders ------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordering", "winner"),
    [
        ("expected_ship_date", "late_entered"),  # ships first
        ("order_priority", "early_entered"),  # more urgent
        ("transaction_date", "early_entered"),  # entered first
    ],
)
def test_two_orders_compete_for_scarce_stock(shop: OrderPlant, ordering: str, winner: str) -> None:
    shop.pref("item_commitment_ordering", ordering)
    early_entered = shop.so("Harbor Cycles", ("CASE-12", 5), ship_date="2027-02-01", priority="1")
    late_entered = shop.so("Lakeside Foods", ("CASE-12", 5), ship_date="2027-01-01", priority="9")
    shop.stock("CASE-12", 6)
    commitment.rerun(shop.uow)
    orders = {"early_entered": early_entered.number, "late_entered": late_entered.number}
    loser = "late_entered" if winner == "early_entered" else "early_entered"
    assert shop.committed(orders[winner]) == D(5)
    assert shop.committed(orders[loser]) == D(1)
    assert_clean(shop)


def test_a_sales_order_and_a_work_order_compete_by_the_same_rule(shop: OrderPlant) -> None:
    shop.pref("item_commitment_ordering", "expected_ship_date")
    shop.pref("perform_item_commitment_after_transaction_entry", "true")
    shop.item("PALLET", "assembly")
    shop.bom("PALLET", {"CASE-12": 4})
    wo = shop.wo("PALLET", 1, due="2027-03-01")
    so = shop.so("Lakeside Foods", ("CASE-12", 4), ship_date="2027-01-01")
    shop.stock("CASE-12", 6)  # new supply goes to the earliest ship date first
    assert shop.committed(so.number) == D(4)
    assert shop.line(wo, "CASE-12").committed == D(2)
    holders = inventory.commitment_holders(shop.uow, "CASE-12")
    assert [(h.kind, h.document, h.committed) for h in holders] == [
        ("sales_order", so.number, D(4)),
        ("work_order", wo, D(2)),
    ]


def test_picked_stock_is_never_taken_away(shop: OrderPlant) -> None:
    shop.pref("item_commitment_ordering", "expected_ship_date")
    shop.stock("CASE-12", 4)
    late = shop.so("Harbor Cycles", ("CASE-12", 4), ship_date="2027-06-01")
    picked = shop.pick(late.number)
    urgent = shop.so("Lakeside Foods", ("CASE-12", 4), ship_date="2027-01-01")
    commitment.rerun(shop.uow)  # the urgent order would win, but the stock is picked
    assert (shop.committed(late.number), shop.committed(urgent.number)) == (D(4), D(0))
    with pytest.raises(InsufficientStock, match="picked for orders waiting to ship"):
        shop.stock("CASE-12", -1)
    shop.ship(picked.number)
    assert_clean(shop)


# --- fulfillment preferences --------------------------------------------------------------


def test_limit_to_committed_picks_only_what_is_committed(shop: OrderPlant) -> None:
    shop.pref("fulfill_based_on_commitment", "limit_to_committed")
    shop.stock("CASE-12", 3)
    so = shop.so("Lakeside Foods", ("CASE-12", 5))
    assert [ln.quantity for ln in shop.pick(so.number).lines] == [D(3)]  # the default
    shop.stock("CASE-12", 5)  # commit-after-entry is off: nothing more is committed
    with pytest.raises(CommitmentLimit, match="limited to committed stock"):
        shop.pick(so.number, {"1": "1"})
    assert_clean(shop)


def test_allow_uncommitted_picks_free_stock_but_not_others(shop: OrderPlant) -> None:
    shop.pref("fulfill_based_on_commitment", "allow_uncommitted")
    first = shop.so("Harbor Cycles", ("CASE-12", 4))
    shop.stock("CASE-12", 6)  # uncommitted
    second = shop.so("Lakeside Foods", ("CASE-12", 4))  # commits 4 of the 6
    picked = shop.pick(first.number, {"1": "2"})
    assert shop.so_line(first.number, "1").committed == D(2)
    with pytest.raises(InsufficientStock):
        shop.pick(first.number, {"1": "1"})
    assert shop.committed(second.number) == D(4)
    shop.ship(picked.number)
    assert_clean(shop)


def test_ignore_commitment_takes_from_the_least_urgent(shop: OrderPlant) -> None:
    shop.pref("fulfill_based_on_commitment", "ignore_commitment")
    shop.pref("item_commitment_ordering", "order_priority")
    shop.stock("CASE-12", 4)
    other = shop.so("Lakeside Foods", ("CASE-12", 4), priority="9")
    mine = shop.so("Harbor Cycles", ("CASE-12", 3), priority="1")
    assert (shop.committed(other.number), shop.committed(mine.number)) == (D(4), D(0))
    picked = shop.pick(mine.number)
    assert [ln.quantity for ln in picked.lines] == [D(3)]
    assert (shop.committed(other.number), shop.committed(mine.number)) == (D(1), D(3))
    shop.ship(picked.number)
    assert_clean(shop)


@pytest.mark.parametrize("allowed", [True, False])
def test_overage_on_item_fulfillments(shop: OrderPlant, allowed: bool) -> None:
    shop.pref("fulfill_based_on_commitment", "allow_uncommitted")
    shop.pref("allow_overage_on_item_fulfillments", "true" if allowed else "false")
    shop.stock("CASE-12", 10)
    so = shop.so("Lakeside Foods", ("CASE-12", 4))
    if not allowed:
        with pytest.raises(OverageNotAllowed, match="overage on item fulfillments"):
            shop.pick(so.number, {"1": "5"})
        return
    picked = shop.pick(so.number, {"1": "5"})
    shop.ship(picked.number)
    line = shop.so_line(so.number, "1")
    assert (line.fulfilled, line.committed, line.remaining) == (D(5), D(0), D(0))
    assert shop.on_hand("CASE-12") == D(5)
    assert shop.show_so(so.number).status == "fulfilled"
    assert_clean(shop)


@pytest.mark.parametrize("zero", [True, False])
def test_default_items_to_zero(shop: OrderPlant, zero: bool) -> None:
    shop.pref("default_items_to_zero_received_fulfilled", "true" if zero else "false")
    shop.stock("CASE-12", 4)
    so = shop.so("Lakeside Foods", ("CASE-12", 4))
    po = shop.po("Glass Works", ("BOTTLE", 10))
    if zero:
        with pytest.raises(ValidationError, match="start at zero"):
            shop.pick(so.number)
        with pytest.raises(ValidationError, match="start at zero"):
            purchasing.receive_purchase_order(shop.uow, po.number)
        assert [ln.quantity for ln in shop.pick(so.number, {"1": "1"}).lines] == [D(1)]
        purchasing.receive_purchase_order(shop.uow, po.number, {"BOTTLE": "3"})
        assert shop.on_hand("BOTTLE") == D(3)
    else:
        assert [ln.quantity for ln in shop.pick(so.number).lines] == [D(4)]
        purchasing.receive_purchase_order(shop.uow, po.number)
        assert shop.on_hand("BOTTLE") == D(10)
    assert_clean(shop)


@pytest.mark.parametrize("status", ["picked", "packed"])
def test_the_packing_slip_queue_and_the_names_of_the_statuses(
    shop: OrderPlant, status: str
) -> None:
    shop.pref("limit_status_on_packing_slip_queue", status)
    shop.pref("name_for_picked_status", "Pulled")
    shop.pref("name_for_packed_status", "Boxed")
    shop.pref("name_for_shipped_status", "On the truck")
    shop.stock("CASE-12", 4)
    so = shop.so("Lakeside Foods", ("CASE-12", 2), ("CASE-12", 2))
    a = shop.pick(so.number, {"1": "2"})
    b = shop.pick(so.number, {"2": "2"})
    assert a.status_label == "Pulled"
    assert fulfillment.pack_fulfillment(shop.uow, b.number).status_label == "Boxed"
    queue = [f.number for f in fulfillment.list_fulfillments(shop.uow, packing_queue=True)]
    assert queue == ([a.number] if status == "picked" else [b.number])
    assert shop.ship(a.number).status_label == "On the truck"
    with pytest.raises(IllegalTransition, match="it is On the truck"):
        fulfillment.pack_fulfillment(shop.uow, a.number)


def test_every_list_filters_by_a_status_key_or_name_or_several(shop: OrderPlant) -> None:
    shop.pref("name_for_picked_status", "Pulled")
    shop.stock("CASE-12", 4)
    so = shop.so("Lakeside Foods", ("CASE-12", 2), ("CASE-12", 2))
    waiting = shop.so("Harbor Cycles", ("CASE-12", 1), status="pending_approval")
    pulled = shop.pick(so.number, {"1": "2"})
    packed = fulfillment.pack_fulfillment(shop.uow, shop.pick(so.number, {"2": "2"}).number)
    po = shop.po("Glass Works", ("BOTTLE", 10))
    wo = shop.wo("CASE-12", 1)
    planned = shop.wo("CASE-12", 1, status="firm_planned")

    def fulfillments(status: object) -> list[str]:
        return [f.number for f in fulfillment.list_fulfillments(shop.uow, status=status)]

    def orders(status: object) -> list[str]:
        return [o.number for o in sales.list_sales_orders(shop.uow, status=status)]

    assert fulfillments("Pulled") == fulfillments(" pulled ") == fulfillments("picked")
    assert fulfillments("PULLED") == [pulled.number]
    assert fulfillments("pulled,Packed") == fulfillments(["picked", "packed, picked"])
    assert fulfillments("Pulled, packed") == [pulled.number, packed.number]
    assert orders("Pending Approval") == orders("pending_approval") == [waiting.number]
    assert orders("pending approval,Pending_Fulfillment") == [so.number, waiting.number]
    assert [p.number for p in purchasing.list_purchase_orders(shop.uow, status="Open")] == [
        po.number
    ]
    assert [p.number for p in purchasing.list_purchase_orders(shop.uow, status="received")] == []
    both = work_orders.list_work_orders(shop.uow, status="released,Planned (Firm)")
    assert [w.number for w in both] == [wo, planned]
    assert [w.number for w in work_orders.list_work_orders(shop.uow, status="RELEASED")] == [wo]
    with pytest.raises(ValidationError) as refused:
        fulfillments("picked,Boxed")
    assert refused.value.message == (
        "unknown status 'Boxed'; one of picked (Pulled), packed, shipped, cancelled"
    )
    with pytest.raises(ValidationError, match="unknown status 'done'; one of open, partially_"):
        purchasing.list_purchase_orders(shop.uow, status="done")
    with pytest.raises(ValidationError, match="one of pending_approval, pending_fulfillment, "):
        orders("approved")


def test_refusals_change_nothing_and_roles_are_checked(shop: OrderPlant) -> None:
    shop.stock("CASE-12", 4)
    so = shop.so("Lakeside Foods", ("CASE-12", 4), ("RACK", 1, "drop_ship"))
    with pytest.raises(ValidationError, match="ships from the vendor"):
        shop.pick(so.number, {"2": "1"})
    with pytest.raises(NotFound, match="no line '7'"):
        shop.pick(so.number, {"7": "1"})
    admin.add_user(shop.uow, "tester", "admin")
    admin.add_user(shop.uow, "pia", "picker")
    admin.add_user(shop.uow, "otto", "operator")
    picker = UnitOfWork(shop.uow.database, Actor("pia", "dock"))
    operator = UnitOfWork(shop.uow.database, Actor("otto", "line 1"))
    picked = fulfillment.fulfill(picker, so.number)
    with pytest.raises(PermissionDenied, match="may not enter, change"):
        sales.create_sales_order(picker, "Lakeside Foods", [sales.LineEntry("CASE-12", "1")])
    with pytest.raises(PermissionDenied, match="may not pick, pack or ship"):
        fulfillment.ship_fulfillment(operator, picked.number)
    fulfillment.ship_fulfillment(picker, picked.number)
    assert_clean(shop)


# --- purchasing ---------------------------------------------------------------------------


def test_receipts_post_at_order_cost_and_feed_waiting_orders(shop: OrderPlant) -> None:
    shop.pref("perform_item_commitment_after_transaction_entry", "true")
    shop.item("CRATE", "assembly")
    shop.bom("CRATE", {"BOTTLE": 24})
    wo = shop.wo("CRATE", 1)
    po = shop.po("Glass Works", ("BOTTLE", 100))
    assert (po.lines[0].unit_cost, shop.position("BOTTLE").on_order) == (D("0.4"), D(100))
    receipt = purchasing.receive_purchase_order(shop.uow, po.number, {"BOTTLE": "30"})
    assert receipt.order.status == "partially_received"
    assert shop.line(wo, "BOTTLE").committed == D(24)
    assert figures(shop, "BOTTLE") == (D(30), D(24), D(70), D(0))
    (row,) = [r for r in inventory.ledger_history(shop.uow, "BOTTLE") if r.reason == "receipt"]
    assert (row.unit_cost, row.source, row.source_kind) == (D("0.4"), receipt.number, "receipt")
    with pytest.raises(OverageNotAllowed, match="overage on item receipts"):
        purchasing.receive_purchase_order(shop.uow, po.number, {"BOTTLE": "71"})
    shop.pref("allow_overage_on_item_receipts", "true")
    purchasing.receive_purchase_order(shop.uow, po.number, {"1": "71"})
    assert figures(shop, "BOTTLE")[0] == D(101)
    assert shop.position("BOTTLE").on_order == 0
    assert purchasing.get_purchase_order(shop.uow, po.number).status == "received"
    assert_clean(shop)


def test_only_adjustments_are_reversed_and_a_refusal_names_the_posting(shop: OrderPlant) -> None:
    shop.stock("BOTTLE", 12)
    shop.stock("CAP", 12)
    shop.stock("CASE-12", 1)
    wo = shop.wo("CASE-12", 1)
    work_orders.issue_components(shop.uow, wo, {"BOTTLE": "12"})
    work_orders.post_assembly_build(shop.uow, wo, "1")  # backflushes the caps
    po = shop.po("Glass Works", ("BOTTLE", 10))
    receipt = purchasing.receive_purchase_order(shop.uow, po.number, {"BOTTLE": "10"})
    so = shop.so("Lakeside Foods", ("CASE-12", 1))
    shipped = shop.ship(shop.pick(so.number).number)
    adjusted = inventory.adjust_stock(shop.uow, "LABEL", "5")
    inventory.reverse_adjustment(shop.uow, adjusted.event_id)

    def event(sku: str, reason: str) -> int:
        rows = inventory.ledger_history(shop.uow, sku)
        return next(r.event_id for r in rows if r.reason == reason)

    told = "correct the stock with an adjustment and tell finance, which was told of the"
    refusals = {
        event("BOTTLE", "issue"): (
            f"an issue to {wo}: return the components (shopfloor wo return {wo} "
            "--component SKU=QTY)"
        ),
        event("CASE-12", "completion"): (
            f"a build on {wo}: use unbuild (shopfloor wo unbuild {wo} --qty Q)"
        ),
        event("BOTTLE", "receipt"): (
            f"receipt {receipt.number}: receipts are not reversed yet; {told} receipt"
        ),
        event("CASE-12", "shipment"): (
            f"the shipment of {shipped.number}: shipments are not reversed yet; {told} shipment"
        ),
        event("LABEL", "reversal"): (
            f"the reversal of event {adjusted.event_id}: a reversal is not reversed; post a new "
            "adjustment"
        ),
    }
    before = [len(inventory.ledger_history(shop.uow, s)) for s in ("BOTTLE", "CAP", "CASE-12")]
    for event_id, words in refusals.items():
        with pytest.raises(ValidationError) as refused:
            inventory.reverse_adjustment(shop.uow, event_id)
        assert refused.value.message == f"event {event_id} is {words}"
    after = [len(inventory.ledger_history(shop.uow, s)) for s in ("BOTTLE", "CAP", "CASE-12")]
    assert after == before
    assert_clean(shop)


def test_closing_and_cancelling_purchase_orders(shop: OrderPlant) -> None:
    a = shop.po("Glass Works", ("BOTTLE", 10))
    purchasing.receive_purchase_order(shop.uow, a.number, {"BOTTLE": "4"})
    with pytest.raises(IllegalTransition, match="part of it is received"):
        purchasing.cancel_purchase_order(shop.uow, a.number)
    assert purchasing.close_purchase_order(shop.uow, a.number).status == "closed"
    b = shop.po("Glass Works", ("BOTTLE", 5))
    purchasing.cancel_purchase_order(shop.uow, b.number)
    assert shop.position("BOTTLE").on_order == 0
    with pytest.raises(IllegalTransition, match="cannot receive"):
        purchasing.receive_purchase_order(shop.uow, b.number)
    assert_clean(shop)


def test_replenishment_creates_orders_per_vendor(shop: OrderPlant) -> None:
    shop.item("GLUE", build_point="10", preferred_stock="50")
    items.save_item(
        shop.uow,
        items.item_spec(
            sku="BOTTLE",
            name="Bottle",
            item_type="inventory",
            standard_cost="0.5",
            build_point="100",
            preferred_stock="500",
        ),
    )
    shop.stock("BOTTLE", 40)
    suggested = {
        s.sku: (s.vendor, s.quantity) for s in purchasing.replenishment_suggestions(shop.uow)
    }
    assert suggested == {"BOTTLE": ("Glass Works", D(460)), "GLUE": (None, D(50))}
    done = purchasing.accept_replenishment(shop.uow)
    assert done.skipped == ["GLUE"]
    (po,) = done.created
    assert (po.vendor, [(ln.sku, ln.quantity, ln.unit_cost) for ln in po.lines]) == (
        "Glass Works",
        [("BOTTLE", D(460), D("0.4"))],
    )
    assert [s.sku for s in purchasing.replenishment_suggestions(shop.uow)] == ["GLUE"]
    assert_clean(shop)


# --- finance --------------------------------------------------------------------------------


def test_finance_reviews_and_exports(shop: OrderPlant, tmp_path: Path) -> None:
    shop.stock("CASE-12", 5)
    so = shop.so("Lakeside Foods", ("CASE-12", 5, "stock", "12.5"), customer_po="LF-9")
    shop.ship(shop.pick(so.number, {"1": "2"}).number)
    shop.ship(shop.pick(so.number, {"1": "3"}).number)
    ready = finance.invoice_ready(shop.uow)
    assert [(r.sales_order, r.quantity, r.amount, r.customer_po) for r in ready] == [
        (so.number, D(5), D("62.5"), "LF-9")
    ]
    events = finance.list_events(shop.uow, reviewed=False).rows
    finance.mark_reviewed(shop.uow, [events[-1].id])
    assert [r.quantity for r in finance.invoice_ready(shop.uow)] == [D(3)]
    with pytest.raises(NotFound, match="no finance event 999"):
        finance.mark_reviewed(shop.uow, ["999"])
    target = tmp_path / "finance.csv"
    assert finance.export_csv(finance.list_events(shop.uow).rows, target) == 2
    with target.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["document"], r["quantity"], r["amount"], r["customer_po"]) for r in rows} == {
        (events[0].document, "3", "37.5", "LF-9"),
        (events[1].document, "2", "25", "LF-9"),
    }


def test_every_part_of_the_finance_handoff_answers_the_same_filters(shop: OrderPlant) -> None:
    shop.stock("BOTTLE", 12)
    shop.stock("CAP", 12)
    shop.stock("CASE-12", 3)
    wo = shop.wo("CASE-12", 1)
    work_orders.post_assembly_build(shop.uow, wo, "1")
    work_orders.close_work_order(shop.uow, wo)
    so = shop.so(
        "Lakeside Foods",
        ("CASE-12", 2, "stock", "10"),
        ("RACK", 1, "drop_ship", "60"),
        customer_po="LF-9",
    )
    shop.ship(shop.pick(so.number).number)
    (po,) = so.lines[1].created
    purchasing.mark_drop_ship_shipped(shop.uow, po, {"RACK": "1"})
    other = shop.so("Harbor Cycles", ("CASE-12", 1, "stock", "10"))
    shop.ship(shop.pick(other.number).number)

    def parts(**chosen: Any) -> tuple[list[str], list[str], list[tuple[str, str]]]:
        """The moments of the events, the drop-ship lines, what is ready to invoice."""
        return (
            sorted(e.moment for e in finance.list_events(shop.uow, **chosen).rows),
            [d.sku for d in finance.drop_ship_lines(shop.uow, **chosen)],
            [(r.sales_order, r.sku) for r in finance.invoice_ready(shop.uow, **chosen)],
        )

    billed = [(so.number, "CASE-12"), (so.number, "RACK"), (other.number, "CASE-12")]
    assert parts() == (["closed", "received", "shipped", "shipped", "shipped"], ["RACK"], billed)
    assert parts(moment="closed") == (["closed"], [], [])
    assert parts(moment="received") == (["received"], ["RACK"], [])
    assert parts(moment=" Shipped") == (["shipped"] * 3, ["RACK"], billed)
    assert parts(reference="LF-9") == (["received", "shipped", "shipped"], ["RACK"], billed[:2])
    assert parts(reference=other.number) == (["shipped"], [], billed[2:])
    assert parts(reference=wo, moment="closed") == (["closed"], [], [])
    drop_shipped = [e for e in finance.list_events(shop.uow).rows if e.document.startswith("IF-")]
    sold = next(e.id for e in drop_shipped if e.lines[0].sku == "RACK")
    finance.mark_reviewed(shop.uow, [sold])
    assert parts(reviewed=False)[1:] == (["RACK"], billed[::2])  # its receipt is not reviewed
    assert parts(reviewed=True) == (["shipped"], ["RACK"], [])
    assert parts(reviewed=False, moment="shipped")[1] == []
    with pytest.raises(ValidationError, match="unknown moment 'billed'; one of shipped, "):
        finance.drop_ship_lines(shop.uow, moment="billed")
    assert_clean(shop)


# --- edits, special orders and kits: the rules that keep picked and built goods -----------


def test_an_edit_that_needs_re_approval_waits_for_what_is_picked(shop: OrderPlant) -> None:
    shop.pref("require_re_approval_on_edit_of_sales_order", "true")
    shop.stock("CASE-12", 10)
    so = shop.so("Lakeside Foods", ("CASE-12", 4))
    picked = shop.pick(so.number, {"1": "3"})
    for change in ({"quantities": {"1": "5"}}, {"memo": "call first"}):
        with pytest.raises(IllegalTransition, match=f"{picked.number} is Picked"):
            sales.update_sales_order(shop.uow, so.number, **change)  # type: ignore[arg-type]
    line = shop.so_line(so.number, "1")
    assert (shop.show_so(so.number).status, line.committed, line.picked) == (
        "pending_fulfillment",
        D(4),
        D(3),
    )
    shop.ship(picked.number)
    edited = sales.update_sales_order(shop.uow, so.number, quantities={"1": "5"})
    assert edited.status == "partially_fulfilled"  # shipped already: no re-approval
    assert_clean(shop)


def test_a_quantity_below_what_is_picked_is_refused_before_anything_changes(
    shop: OrderPlant,
) -> None:
    shop.pref("require_re_approval_on_edit_of_sales_order", "true")
    shop.stock("CASE-12", 10)
    so = shop.so("Lakeside Foods", ("CASE-12", 4))
    shop.pick(so.number, {"1": "3"})
    shop.pref("require_re_approval_on_edit_of_sales_order", "false")
    with pytest.raises(ValidationError, match=r"line 1: 1 is less than what is picked"):
        sales.update_sales_order(shop.uow, so.number, quantities={"1": "1"})
    line = shop.so_line(so.number, "1")
    assert (line.quantity, line.committed, line.picked) == (D(4), D(4), D(3))
    assert_clean(shop)


def test_resizing_a_kit_resizes_its_members_and_bills_whole_kits(shop: OrderPlant) -> None:
    shop.stock("CASE-12", 10)
    shop.stock("LABEL", 20)
    so = shop.so("Lakeside Foods", ("GIFT-BOX", 3, None, "50"))
    edited = sales.update_sales_order(shop.uow, so.number, quantities={"1": "5"})
    assert [(ln.line, ln.quantity, ln.committed) for ln in edited.lines] == [
        ("1", D(5), D(0)),
        ("1.1", D(5), D(5)),
        ("1.2", D(10), D(10)),
    ]
    shop.ship(shop.pick(so.number).number)
    billed = [
        (ln.sku, ln.quantity, ln.amount)
        for e in finance.list_events(shop.uow).rows
        for ln in e.lines
    ]
    assert billed == [("GIFT-BOX", D(5), D(250))]
    assert_clean(shop)


def test_kits_are_billed_in_whole_kits_as_their_members_ship(shop: OrderPlant) -> None:
    shop.stock("CASE-12", 10)
    shop.stock("LABEL", 3)  # one and a half kits' worth
    so = shop.so("Lakeside Foods", ("GIFT-BOX", 3, None, "50"))
    first = shop.ship(shop.pick(so.number).number)
    assert [(ln.line, ln.quantity) for ln in first.lines] == [("1.1", D(3)), ("1.2", D(3))]
    shop.stock("LABEL", 3)
    commitment.rerun(shop.uow)  # the new labels go to the order
    shop.ship(shop.pick(so.number).number)
    billed = [
        (ln.sku, ln.quantity, ln.amount)
        for e in sorted(finance.list_events(shop.uow).rows, key=lambda e: e.id)
        for ln in e.lines
    ]
    assert billed == [("GIFT-BOX", D(1), D(50)), ("GIFT-BOX", D(2), D(100))]
    assert shop.show_so(so.number).status == "fulfilled"
    assert_clean(shop)


def test_a_kit_too_small_to_hold_a_member_is_refused(shop: OrderPlant) -> None:
    shop.item("TAG-KIT", "kit", cost="0")
    shop.bom("TAG-KIT", {"LABEL": "0.4"})
    with pytest.raises(ValidationError, match="too small to hold any LABEL"):
        shop.so("Lakeside Foods", ("TAG-KIT", "0.000001"))
    so = shop.so("Lakeside Foods", ("TAG-KIT", "5"))
    with pytest.raises(ValidationError, match="too small to hold any LABEL"):
        sales.update_sales_order(shop.uow, so.number, quantities={"1": "0.000001"})
    assert [ln.quantity for ln in shop.show_so(so.number).lines] == [D(5), D(2)]


def test_a_special_order_line_is_fed_only_by_its_own_build(shop: OrderPlant) -> None:
    shop.pref("default_work_order_status", "released")
    shop.stock("CASE-12", 10)
    shop.stock("BOTTLE", 48)
    shop.stock("CAP", 48)
    special = shop.so("Lakeside Foods", ("CASE-12", 4, "build"), priority="9")
    (wo,) = special.lines[0].created
    assert special.lines[0].committed == 0  # the ten in stock are not its own

    shop.pref("perform_item_commitment_after_transaction_entry", "true")
    shop.stock("CASE-12", 2)  # new supply goes to waiting lines, never to a special order
    assert shop.committed(special.number) == 0
    work_orders.post_assembly_build(shop.uow, wo, "4")
    assert shop.committed(special.number) == D(4)

    urgent = shop.so("Harbor Cycles", ("CASE-12", 12), priority="1")
    assert shop.committed(urgent.number) == D(12)  # 16 on hand, 4 of them the special's
    commitment.rerun(shop.uow)
    assert (shop.committed(special.number), shop.committed(urgent.number)) == (D(4), D(12))
    inventory.adjust_stock(shop.uow, "CASE-12", "-5", memo="dropped a pallet")
    assert (shop.committed(special.number), shop.committed(urgent.number)) == (D(4), D(7))
    shop.ship(shop.pick(special.number).number)
    assert shop.show_so(special.number).status == "fulfilled"
    assert_clean(shop)


@pytest.mark.parametrize("approved", [True, False], ids=["approved", "pending-approval"])
def test_a_cancelled_special_order_leaves_an_ordinary_stock_line(
    shop: OrderPlant, approved: bool
) -> None:
    """Its line no longer waits for a build that will never come: it ships from stock, commits
    what is free (at once if the order is approved, else when it is), and gives it up to a
    more urgent order like any other line."""
    shop.stock("CASE-12", 3)
    special = shop.so("Lakeside Foods", ("CASE-12", 4, "build"), priority="5")
    (wo,) = special.lines[0].created
    assert shop.committed(special.number) == 0
    if not approved:
        shop.pref("require_re_approval_on_edit_of_sales_order", "true")
        sales.update_sales_order(shop.uow, special.number, memo="back for approval")
        assert shop.show_so(special.number).status == "pending_approval"
    cancelled = work_orders.cancel_work_order(shop.uow, wo)
    assert cancelled.status == "cancelled"
    line = shop.so_line(special.number, "1")
    assert (line.path, line.created) == ("stock", [wo])
    if not approved:
        assert line.committed == 0
        sales.approve_sales_order(shop.uow, special.number)
    assert shop.committed(special.number) == D(3)
    urgent = shop.so("Harbor Cycles", ("CASE-12", 2), priority="1")
    commitment.rerun(shop.uow)
    assert (shop.committed(urgent.number), shop.committed(special.number)) == (D(2), D(1))
    picked = shop.pick(special.number)
    assert [(ln.sku, ln.quantity) for ln in picked.lines] == [("CASE-12", D(1))]
    assert_clean(shop)


@pytest.mark.parametrize(
    ("mode", "picked"),
    [("limit_to_committed", 3), ("allow_uncommitted", 5), ("ignore_commitment", 7)],
)
def test_the_default_pick_takes_what_the_mode_allows(
    shop: OrderPlant, mode: str, picked: int
) -> None:
    shop.stock("CASE-12", 5)
    other = shop.so("Harbor Cycles", ("CASE-12", 2), priority="9")  # commits 2
    so = shop.so("Lakeside Foods", ("CASE-12", 2), ("CASE-12", 6))  # commits 2 and 1
    shop.stock("CASE-12", 2)  # free: nobody commits it (commit-after-entry is off)
    shop.pref("fulfill_based_on_commitment", mode)
    f = shop.pick(so.number)
    assert sum(ln.quantity for ln in f.lines) == D(picked)
    if mode == "ignore_commitment":
        assert shop.committed(other.number) == 0
    assert_clean(shop)
