"""Transfer orders on both databases: stock moves from one location to another through the
in-transit location, the lines are demand at the source and supply at the destination in
the same engines as every other order, and `check` proves it all against the ledger."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from app.errors import (
    CommitmentLimit,
    IllegalTransition,
    InsufficientStock,
    NotFound,
    OverageNotAllowed,
    PermissionDenied,
    ValidationError,
)
from app.models import LedgerEntry
from app.services import admin, inventory
from app.services.catalog import items
from app.services.check import check_database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.orders import partners, purchasing, sales, trace
from app.services.production import planning, work_orders
from app.services.transfers import lead_times
from app.services.transfers import planning as transfer_planning
from app.services.transfers.transfer_orders import (
    TransferLineEntry,
    TransferLineInfo,
    TransferOrderInfo,
    approve_transfer_order,
    cancel_transfer_order,
    close_transfer_order,
    create_transfer_order,
    get_transfer_order,
    list_transfer_orders,
    receive_transfer_order,
    ship_transfer_order,
)
from tests.orders_plant import OrderPlant
from tests.plant import D, Plant

TODAY = date.today()


class Yard(Plant):
    """A plant with two warehouses: MAIN and EAST."""

    def setup(self) -> Yard:
        items.add_location(self.uow, "EAST", "East warehouse")
        self.item("BOLT", cost="2")
        self.item("NUT", cost="0.5")
        return self

    def transfer(
        self, *lines: tuple[str, object], source: str = "MAIN", target: str = "EAST", **kw: object
    ) -> TransferOrderInfo:
        entries = [TransferLineEntry(sku, str(q)) for sku, q in lines]
        return create_transfer_order(self.uow, source, target, entries, **kw)  # type: ignore[arg-type]

    def tline(self, number: str, sku: str = "BOLT") -> TransferLineInfo:
        return next(ln for ln in get_transfer_order(self.uow, number).lines if ln.sku == sku)

    def at(self, sku: str, location: str | None) -> tuple[Decimal, ...]:
        p = inventory.stock_position(self.uow, sku, location)
        return (p.on_hand, p.committed, p.on_order, p.in_transit)


@pytest.fixture
def yard(uow: UnitOfWork) -> Yard:
    return Yard(uow).setup()


def ledger_total(uow: UnitOfWork, sku: str) -> Decimal:
    return sum((r.quantity for r in inventory.ledger_history(uow, sku)), Decimal(0))


# --- the life of a transfer ------------------------------------------------------------------


def test_a_transfer_ships_into_transit_and_is_received_at_the_destination(yard: Yard) -> None:
    yard.stock("BOLT", 10)
    to = yard.transfer(("BOLT", 6), memo="line-side stock")
    assert (to.number, to.status, to.from_location, to.to_location) == (
        "TO-000001",
        "pending_fulfillment",
        "MAIN",
        "EAST",
    )
    # Approved at once (the default status): demand at the source, supply at the destination.
    assert yard.at("BOLT", "MAIN") == (10, 6, 0, 0)
    assert yard.at("BOLT", "EAST") == (0, 0, 6, 0)

    shipped = ship_transfer_order(yard.uow, to.number, {"BOLT": "4"})
    assert shipped.number == "TS-000001"
    assert [(m.sku, m.quantity, m.unit_cost) for m in shipped.lines] == [("BOLT", 4, 2)]
    assert shipped.order.status == "partially_fulfilled"
    assert yard.at("BOLT", "MAIN") == (6, 2, 0, 0)  # the commitment is consumed
    assert yard.at("BOLT", "EAST") == (0, 0, 6, 4)  # 4 of the 6 on order are on their way
    assert yard.at("BOLT", "IN-TRANSIT") == (4, 0, 0, 0)
    everywhere = inventory.stock_position(yard.uow, "BOLT")
    assert (everywhere.on_hand, everywhere.in_transit) == (6, 4)  # the shelves, and transit
    assert ledger_total(yard.uow, "BOLT") == 10  # a transfer never changes the total

    received = receive_transfer_order(yard.uow, to.number)  # everything in transit
    assert received.number == "TR-000001"
    assert [(m.sku, m.quantity) for m in received.lines] == [("BOLT", 4)]
    assert received.order.status == "partially_fulfilled"
    assert yard.at("BOLT", "EAST") == (4, 0, 2, 0)
    assert yard.at("BOLT", "IN-TRANSIT") == (0, 0, 0, 0)

    last = ship_transfer_order(yard.uow, to.number)  # the rest that may ship
    assert last.order.status == "pending_receipt"
    assert yard.at("BOLT", "MAIN") == (4, 0, 0, 0)
    done = receive_transfer_order(yard.uow, to.number, {"1": "2"})
    assert done.order.status == "received"
    assert [(ln.shipped, ln.received, ln.in_transit, ln.to_ship) for ln in done.order.lines] == [
        (6, 6, 0, 0)
    ]
    assert done.order.shipments == ["TS-000001", "TS-000002"]
    assert done.order.receipts == ["TR-000001", "TR-000002"]
    assert yard.at("BOLT", "EAST") == (6, 0, 0, 0)
    assert ledger_total(yard.uow, "BOLT") == 10
    closed = close_transfer_order(yard.uow, to.number)
    assert (closed.status, closed.actions) == ("closed", [])


def test_the_ledger_rows_of_a_transfer_name_its_line_and_move_at_cost(yard: Yard) -> None:
    yard.stock("BOLT", 3)
    to = yard.transfer(("BOLT", 3))
    ship_transfer_order(yard.uow, to.number)
    receive_transfer_order(yard.uow, to.number)
    with yard.uow.query() as tx:
        rows = tx.session.execute(
            select(
                LedgerEntry.reason,
                LedgerEntry.quantity,
                LedgerEntry.unit_cost,
                LedgerEntry.source_kind,
                LedgerEntry.source_ref,
            )
            .where(LedgerEntry.source_kind == "transfer_order")
            .order_by(LedgerEntry.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("transfer_out", -3, 2, "transfer_order", "TS-000001"),
        ("transfer_out", 3, 2, "transfer_order", "TS-000001"),
        ("transfer_in", -3, 2, "transfer_order", "TR-000001"),
        ("transfer_in", 3, 2, "transfer_order", "TR-000001"),
    ]


@pytest.mark.parametrize("item_cost", [True, False])
def test_the_receipt_is_valued_at_item_cost_or_at_the_transfer_price(
    yard: Yard, item_cost: bool
) -> None:
    yard.pref("use_item_cost_as_transfer_cost", "true" if item_cost else "false")
    yard.stock("BOLT", 2)
    entries = [TransferLineEntry("BOLT", "2", "3.25")]
    to = create_transfer_order(yard.uow, "MAIN", "EAST", entries)
    assert (to.item_cost, to.lines[0].transfer_price, to.total) == (item_cost, D("3.25"), D("6.5"))
    yard.pref("use_item_cost_as_transfer_cost", "false" if item_cost else "true")  # fixed at entry
    ship_transfer_order(yard.uow, to.number)
    got = receive_transfer_order(yard.uow, to.number)
    assert got.lines[0].unit_cost == (D(2) if item_cost else D("3.25"))


def test_pending_approval_reserves_nothing_until_approved(yard: Yard) -> None:
    yard.pref("default_transfer_order_status", "pending_approval")
    yard.stock("BOLT", 5)
    to = yard.transfer(("BOLT", 5))
    assert (to.status, to.actions) == ("pending_approval", ["approve", "cancel"])
    assert yard.at("BOLT", "MAIN") == (5, 0, 0, 0)
    assert yard.at("BOLT", "EAST") == (0, 0, 0, 0)
    with pytest.raises(IllegalTransition, match="cannot ship TO-000001: it is Pending Approval"):
        ship_transfer_order(yard.uow, to.number)
    approved = approve_transfer_order(yard.uow, to.number)
    assert approved.status == "pending_fulfillment"
    assert yard.at("BOLT", "MAIN") == (5, 5, 0, 0)
    assert yard.at("BOLT", "EAST") == (0, 0, 5, 0)
    with pytest.raises(IllegalTransition, match="it is Pending Fulfillment"):
        approve_transfer_order(yard.uow, to.number)


def test_close_and_cancel_give_back_commitment_and_on_order(yard: Yard) -> None:
    yard.stock("BOLT", 10)
    kept = yard.transfer(("BOLT", 4), ("NUT", 2))
    cancelled = cancel_transfer_order(yard.uow, kept.number)
    assert cancelled.status == "cancelled"
    assert yard.at("BOLT", "MAIN") == (10, 0, 0, 0)
    assert yard.at("BOLT", "EAST") == (0, 0, 0, 0)
    to = yard.transfer(("BOLT", 6))
    ship_transfer_order(yard.uow, to.number, {"BOLT": "2"})
    with pytest.raises(IllegalTransition, match="part of it has shipped; close it instead"):
        cancel_transfer_order(yard.uow, to.number)
    with pytest.raises(IllegalTransition, match="2 BOLT in transit; receive it first"):
        close_transfer_order(yard.uow, to.number)
    receive_transfer_order(yard.uow, to.number)
    closed = close_transfer_order(yard.uow, to.number)
    assert (closed.status, closed.lines[0].to_ship) == ("closed", 0)
    assert yard.at("BOLT", "MAIN") == (8, 0, 0, 0)  # the 4 not shipped are free again
    assert yard.at("BOLT", "EAST") == (2, 0, 0, 0)  # and no longer on order


# --- what may ship, what may be received ----------------------------------------------------


def test_shipping_follows_fulfill_based_on_commitment(yard: Yard) -> None:
    yard.stock("BOLT", 3)
    to = yard.transfer(("BOLT", 5))
    assert yard.tline(to.number).committed == 3
    yard.pref("fulfill_based_on_commitment", "limit_to_committed")
    with pytest.raises(CommitmentLimit, match="4 BOLT asked but only 3 is committed at MAIN"):
        ship_transfer_order(yard.uow, to.number, {"BOLT": "4"})
    yard.stock("BOLT", 1)  # free stock nobody has committed (commit-after-entry is off)
    yard.pref("fulfill_based_on_commitment", "allow_uncommitted")
    with pytest.raises(InsufficientStock, match="only 3 is committed and 1 free at MAIN"):
        ship_transfer_order(yard.uow, to.number, {"BOLT": "5"})
    with pytest.raises(OverageNotAllowed, match="more than the 5 still to ship"):
        ship_transfer_order(yard.uow, to.number, {"BOLT": "6"})
    shipped = ship_transfer_order(yard.uow, to.number)  # by default: all that may ship
    assert [m.quantity for m in shipped.lines] == [4]
    with pytest.raises(InsufficientStock, match="nothing at MAIN can ship now"):
        ship_transfer_order(yard.uow, to.number)


def test_ignoring_commitment_a_transfer_takes_from_less_urgent_orders(uow: UnitOfWork) -> None:
    shop = OrderPlant(uow).setup()
    items.add_location(uow, "EAST", "East warehouse")
    shop.stock("BOTTLE", 10)
    later = shop.so("Lakeside Foods", ("BOTTLE", 10), ship_date=TODAY + timedelta(days=9))
    to = create_transfer_order(
        uow,
        "MAIN",
        "EAST",
        [TransferLineEntry("BOTTLE", "6")],
        ship_date=TODAY + timedelta(days=1),
    )
    assert (shop.committed(later.number), to.lines[0].committed) == (10, 0)
    shop.pref("fulfill_based_on_commitment", "ignore_commitment")
    shipped = ship_transfer_order(uow, to.number)
    assert [m.quantity for m in shipped.lines] == [6]
    assert shop.committed(later.number) == 4  # the less urgent order gave up what it had to


def test_picked_stock_stays_with_its_sales_order(uow: UnitOfWork) -> None:
    shop = OrderPlant(uow).setup()
    items.add_location(uow, "EAST", "East warehouse")
    shop.stock("BOTTLE", 4)
    so = shop.so("Lakeside Foods", ("BOTTLE", 4))
    shop.pick(so.number)
    to = create_transfer_order(uow, "MAIN", "EAST", [TransferLineEntry("BOTTLE", "2")])
    shop.pref("fulfill_based_on_commitment", "ignore_commitment")
    with pytest.raises(InsufficientStock, match="picked for orders waiting to ship"):
        ship_transfer_order(uow, to.number, {"BOTTLE": "2"})
    assert inventory.stock_position(uow, "BOTTLE", "MAIN").on_hand == 4


def test_receiving_takes_no_more_than_is_in_transit(yard: Yard) -> None:
    yard.stock("BOLT", 4)
    to = yard.transfer(("BOLT", 4), ("NUT", 1))
    with pytest.raises(IllegalTransition, match="Pending Fulfillment; nothing has shipped yet"):
        receive_transfer_order(yard.uow, to.number)
    ship_transfer_order(yard.uow, to.number, {"BOLT": "3"})
    with pytest.raises(InsufficientStock, match="only 3 is in transit"):
        receive_transfer_order(yard.uow, to.number, {"BOLT": "4"})
    with pytest.raises(NotFound, match="'CHAIN' is not on TO-000001"):
        receive_transfer_order(yard.uow, to.number, {"CHAIN": "1"})
    with pytest.raises(ValidationError, match="line 1 of TO-000001 is given twice"):
        receive_transfer_order(yard.uow, to.number, {"BOLT": "1", "1": "1"})
    receive_transfer_order(yard.uow, to.number, {"BOLT": "3"})
    with pytest.raises(ValidationError, match="nothing of TO-000001 is in transit"):
        receive_transfer_order(yard.uow, to.number)


@pytest.mark.parametrize("zero", [True, False])
def test_default_items_to_zero_asks_what_moved(yard: Yard, zero: bool) -> None:
    yard.pref("default_items_to_zero_received_fulfilled", "true" if zero else "false")
    yard.stock("BOLT", 2)
    to = yard.transfer(("BOLT", 2))
    if zero:
        with pytest.raises(ValidationError, match="shipments start at zero"):
            ship_transfer_order(yard.uow, to.number)
        ship_transfer_order(yard.uow, to.number, {"BOLT": "2"})
        with pytest.raises(ValidationError, match="receipts start at zero"):
            receive_transfer_order(yard.uow, to.number)
    else:
        ship_transfer_order(yard.uow, to.number)
        assert receive_transfer_order(yard.uow, to.number).order.status == "received"


def test_bad_orders_are_refused_in_words_and_change_nothing(yard: Yard) -> None:
    yard.item("MANUAL", "service")
    yard.stock("BOLT", 5)
    ship_transfer_order(yard.uow, yard.transfer(("BOLT", 1)).number)  # makes the transit location
    cases: list[tuple[type[Exception], str, dict[str, object]]] = [
        (ValidationError, "not from MAIN to itself", {"target": "MAIN"}),
        (NotFound, "unknown location 'WEST'", {"target": "WEST"}),
        (ValidationError, "IN-TRANSIT is the in-transit location", {"source": "IN-TRANSIT"}),
        (ValidationError, "IN-TRANSIT is the in-transit location", {"target": "IN-TRANSIT"}),
        (ValidationError, "needs a location to ship from", {"source": ""}),
        (NotFound, "unknown sku 'CHAIN'", {"lines": [("CHAIN", 1)]}),
        (ValidationError, "MANUAL is a service item", {"lines": [("MANUAL", 1)]}),
        (ValidationError, "BOLT is on the order twice", {"lines": [("BOLT", 1), ("BOLT", 2)]}),
        (ValidationError, "at least one line", {"lines": []}),
        (ValidationError, "quantity of BOLT", {"lines": [("BOLT", "0")]}),
        (ValidationError, "is before the ship date", {"receipt_date": "2000-01-01"}),
        (ValidationError, "priority must be a whole number", {"priority": "0"}),
        (ValidationError, "pending_approval or pending_fulfillment", {"status": "received"}),
    ]
    before = list_transfer_orders(yard.uow).total
    for error, words, change in cases:
        args: dict[str, object] = {"source": "MAIN", "target": "EAST", "lines": [("BOLT", 1)]}
        args.update(change)
        lines = [TransferLineEntry(s, str(q)) for s, q in args.pop("lines")]  # type: ignore[attr-defined]
        with pytest.raises(error, match=words):
            create_transfer_order(yard.uow, args.pop("source"), args.pop("target"), lines, **args)  # type: ignore[arg-type]
    assert list_transfer_orders(yard.uow).total == before
    assert yard.at("BOLT", "MAIN") == (4, 0, 0, 0)


def test_the_in_transit_location_is_no_ordinary_location(yard: Yard) -> None:
    yard.stock("BOLT", 2)
    assert items.list_locations(yard.uow)[-1].code == "MAIN"
    ship_transfer_order(yard.uow, yard.transfer(("BOLT", 2)).number)
    assert [loc.code for loc in items.list_locations(yard.uow)] == ["EAST", "MAIN"]
    assert [
        (loc.code, loc.name, loc.transit) for loc in items.list_locations(yard.uow, transit=True)
    ] == [
        ("EAST", "East warehouse", False),
        ("IN-TRANSIT", "In transit", True),
        ("MAIN", "Main warehouse", False),
    ]
    refused = "IN-TRANSIT is the in-transit location: stock there moves only by shipping"
    with pytest.raises(ValidationError, match=refused):
        inventory.adjust_stock(yard.uow, "BOLT", "-1", location="IN-TRANSIT")
    with pytest.raises(ValidationError, match=refused):
        items.set_bin(yard.uow, "BOLT", "A-1", "IN-TRANSIT")
    yard.item("KIT", "assembly")
    yard.bom("KIT", {"BOLT": 1})
    with pytest.raises(ValidationError, match=refused):
        work_orders.create_work_order(yard.uow, "KIT", "1", location="IN-TRANSIT")
    partners.add_customer(yard.uow, "Acme")
    with pytest.raises(ValidationError, match=refused):
        sales.create_sales_order(
            yard.uow, "Acme", [sales.LineEntry("BOLT", "1")], location="IN-TRANSIT"
        )
    partners.add_vendor(yard.uow, "Steel Co")
    with pytest.raises(ValidationError, match=refused):
        purchasing.create_purchase_order(
            yard.uow, "Steel Co", [purchasing.OrderedLine("BOLT", "1")], location="IN-TRANSIT"
        )
    # Its stock is read like any other, and nothing commits it.
    assert yard.at("BOLT", "IN-TRANSIT") == (2, 0, 0, 0)
    assert [
        r.location for r in inventory.ledger_history(yard.uow, "BOLT", location="IN-TRANSIT")
    ] == ["IN-TRANSIT"]
    assert inventory.commitment_holders(yard.uow, "BOLT", "MAIN") == []


def test_the_in_transit_code_taken_by_an_ordinary_location_is_said_in_words(yard: Yard) -> None:
    items.add_location(yard.uow, "IN-TRANSIT", "A shelf someone named so")
    yard.stock("BOLT", 1)
    to = yard.transfer(("BOLT", 1))
    with pytest.raises(ValidationError, match="IN-TRANSIT is an ordinary location"):
        ship_transfer_order(yard.uow, to.number)
    assert yard.at("BOLT", "MAIN") == (1, 1, 0, 0)


# --- one engine: commitment, commit-after-entry, supply --------------------------------------


@pytest.mark.parametrize(
    ("ordering", "winner"),
    [("expected_ship_date", "transfer"), ("order_priority", "sale"), ("transaction_date", "sale")],
)
def test_a_transfer_and_a_sales_order_compete_by_the_same_rule(
    uow: UnitOfWork, ordering: str, winner: str
) -> None:
    shop = OrderPlant(uow).setup()
    items.add_location(uow, "EAST", "East warehouse")
    shop.pref("item_commitment_ordering", ordering)
    so = shop.so("Harbor Cycles", ("BOTTLE", 5), ship_date=TODAY + timedelta(days=8), priority="1")
    to = create_transfer_order(
        uow,
        "MAIN",
        "EAST",
        [TransferLineEntry("BOTTLE", "5")],
        ship_date=TODAY + timedelta(days=2),
        priority="4",
    )
    shop.stock("BOTTLE", 5)
    from app.services.engine import commitment

    commitment.rerun(uow)
    transfer_line = get_transfer_order(uow, to.number).lines[0]
    got = {"transfer": transfer_line.committed, "sale": shop.committed(so.number)}
    assert got[winner] == 5
    assert sum(got.values()) == 5


def test_a_receipt_is_committed_to_orders_waiting_at_the_destination(yard: Yard) -> None:
    yard.pref("perform_item_commitment_after_transaction_entry", "true")
    yard.item("KIT", "assembly")
    yard.bom("KIT", {"BOLT": 2})
    wo = yard.wo("KIT", "3", location="EAST")
    assert yard.line(wo, "BOLT").committed == 0
    yard.stock("BOLT", 6)
    to = yard.transfer(("BOLT", 6))
    ship_transfer_order(yard.uow, to.number)
    assert work_orders.get_work_order(yard.uow, wo).lines[0].committed == 0  # not in transit
    receive_transfer_order(yard.uow, to.number)
    assert work_orders.get_work_order(yard.uow, wo).lines[0].committed == 6


def test_the_shortage_report_counts_a_transfer_as_supply_due_on_its_receipt_date(
    yard: Yard,
) -> None:
    yard.item("KIT", "assembly")
    yard.bom("KIT", {"BOLT": 2})
    wo = yard.wo("KIT", "3", location="EAST", due=TODAY + timedelta(days=10))
    yard.stock("BOLT", 6)
    yard.transfer(("BOLT", 6), receipt_date=TODAY + timedelta(days=4))
    short = next(s for s in planning.shortages_for_work_order(yard.uow, wo) if s.sku == "BOLT")
    assert (short.short, short.on_order, short.next_due, short.still_short) == (
        6,
        6,
        TODAY + timedelta(days=4),
        0,
    )


def test_goods_in_transit_count_once_in_replenishment_and_the_creation_queue(
    uow: UnitOfWork,
) -> None:
    shop = OrderPlant(uow).setup()
    items.add_location(uow, "EAST", "East warehouse")
    shop.item("GLUE", cost="3", build_point="15", preferred_stock="20")
    partners.set_purchasing(uow, "GLUE", vendor="Glass Works", price="2")
    shop.item("CRATE", "assembly", cost="9", build_point="15", preferred_stock="20")
    shop.bom("CRATE", {"GLUE": 1})
    for sku in ("GLUE", "CRATE"):
        shop.stock(sku, 12)
        to = create_transfer_order(uow, "MAIN", "EAST", [TransferLineEntry(sku, "12")])
        ship_transfer_order(uow, to.number)
    # 12 of each, all of it on its way to EAST: 8 short of the preferred 20, not 24 on hand.
    bought = {
        s.sku: (s.quantity, s.available, s.on_order)
        for s in purchasing.replenishment_suggestions(uow)
    }
    assert bought["GLUE"] == (8, 0, 12)
    built = {s.sku: s.quantity for s in planning.creation_queue(uow)}
    assert built["CRATE"] == 8


def test_expected_receipt_dates_follow_the_lead_time_between_locations(yard: Yard) -> None:
    ship = date(2031, 5, 1)
    assert yard.transfer(("BOLT", 1), ship_date=ship).receipt_date == ship
    yard.pref("default_lead_time_between_locations", "2")
    assert yard.transfer(("BOLT", 1), ship_date=ship).receipt_date == date(2031, 5, 3)
    assert lead_times.set_lead_time(yard.uow, "MAIN", "EAST", "5") == lead_times.LeadTime(
        "MAIN", "EAST", 5
    )
    assert yard.transfer(("BOLT", 1), ship_date=ship).receipt_date == date(2031, 5, 6)
    back = yard.transfer(("BOLT", 1), ship_date=ship, source="EAST", target="MAIN")
    assert back.receipt_date == date(2031, 5, 3)  # each direction has its own
    explicit = yard.transfer(("BOLT", 1), ship_date=ship, receipt_date="2031-05-09")
    assert explicit.receipt_date == date(2031, 5, 9)
    assert yard.transfer(("BOLT", 1)).ship_date == TODAY
    assert lead_times.set_lead_time(yard.uow, "MAIN", "EAST", "") is None
    assert lead_times.lead_times(yard.uow) == []
    with pytest.raises(ValidationError, match="lead time must be a whole number of days"):
        lead_times.set_lead_time(yard.uow, "MAIN", "EAST", "366")
    with pytest.raises(ValidationError, match="not MAIN and itself"):
        lead_times.set_lead_time(yard.uow, "MAIN", "MAIN", "1")


def test_a_new_location_with_its_lead_times_is_one_posting(yard: Yard) -> None:
    made = lead_times.add_location(yard.uow, "WEST", "West", lead_times_from={"MAIN": "4"})
    assert made.code == "WEST"
    assert lead_times.lead_times(yard.uow) == [lead_times.LeadTime("MAIN", "WEST", 4)]
    with pytest.raises(NotFound, match="unknown location 'NOWHERE'"):
        lead_times.add_location(yard.uow, "SOUTH", "", lead_times_from={"NOWHERE": "1"})
    assert [loc.code for loc in items.list_locations(yard.uow)] == ["EAST", "MAIN", "WEST"]


# --- planning between locations ----------------------------------------------------------------


def test_supply_planning_suggests_stock_another_location_can_spare(uow: UnitOfWork) -> None:
    shop = OrderPlant(uow).setup()
    items.add_location(uow, "EAST", "East warehouse")
    items.add_location(uow, "WEST", "West warehouse")
    shop.stock("BOTTLE", 3, "EAST")
    shop.stock("BOTTLE", 5, "WEST")
    so = shop.so("Harbor Cycles", ("BOTTLE", 10))  # at MAIN, with nothing there
    assert shop.committed(so.number) == 0
    found = transfer_planning.transfer_suggestions(uow)
    assert [(s.sku, s.from_location, s.to_location, s.quantity, s.short) for s in found] == [
        ("BOTTLE", "WEST", "MAIN", 5, 10),
        ("BOTTLE", "EAST", "MAIN", 3, 5),
    ]
    made = transfer_planning.accept_transfer_suggestions(uow, ["BOTTLE"])
    assert [(t.from_location, t.to_location, t.status, t.memo) for t in made.created] == [
        ("EAST", "MAIN", "pending_approval", "supply planning"),
        ("WEST", "MAIN", "pending_approval", "supply planning"),
    ]
    # Not on order until approved, but planned already: not suggested a second time.
    assert inventory.stock_position(uow, "BOTTLE", "MAIN").on_order == 0
    assert transfer_planning.transfer_suggestions(uow) == []
    for t in made.created:
        approve_transfer_order(uow, t.number)
    assert inventory.stock_position(uow, "BOTTLE", "MAIN").on_order == 8
    assert transfer_planning.transfer_suggestions(uow) == []  # 2 still short, nobody can spare
    shop.stock("BOTTLE", 2, "WEST")
    shop.pref("generate_transfer_orders_in_supply_planning", "pending_fulfillment")
    again = transfer_planning.accept_transfer_suggestions(uow)
    assert [(t.from_location, t.status, t.lines[0].quantity) for t in again.created] == [
        ("WEST", "pending_fulfillment", 2)
    ]
    with pytest.raises(NotFound, match="unknown sku 'NOPE'"):
        transfer_planning.accept_transfer_suggestions(uow, ["NOPE"])


# --- reading, trace, check, roles ------------------------------------------------------------


def test_the_list_filters_and_trace_finds_the_shipments_and_receipts(yard: Yard) -> None:
    yard.stock("BOLT", 5)
    first = yard.transfer(("BOLT", 2), memo="for the east line")
    second = yard.transfer(("BOLT", 1), source="MAIN", target="EAST", status="pending_approval")
    ship_transfer_order(yard.uow, first.number)
    receive_transfer_order(yard.uow, first.number)
    assert [t.number for t in list_transfer_orders(yard.uow, status="received")] == [first.number]
    assert [t.number for t in list_transfer_orders(yard.uow, status="Pending Approval")] == [
        second.number
    ]
    assert [t.number for t in list_transfer_orders(yard.uow, text="east line")] == [first.number]
    assert [t.number for t in list_transfer_orders(yard.uow, open_only=True)] == [second.number]
    assert list_transfer_orders(yard.uow, location="EAST").total == 2
    with pytest.raises(ValidationError, match="unknown status 'shipped'"):
        list_transfer_orders(yard.uow, status="shipped")
    found = trace.trace(yard.uow, "TS-000001")
    assert [(r.kind, r.number, r.created_from) for r in found.records] == [
        ("transfer_order", first.number, None),
        ("transfer_shipment", "TS-000001", first.number),
        ("transfer_receipt", "TR-000001", first.number),
    ]
    assert found.records[0].spawned == ["TR-000001", "TS-000001"]


def test_check_finds_stock_in_transit_that_no_transfer_explains(yard: Yard) -> None:
    yard.stock("BOLT", 2)
    to = yard.transfer(("BOLT", 2))
    ship_transfer_order(yard.uow, to.number)
    with yard.uow.database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_entry (event_id, item_id, location_id, quantity, unit_cost, "
                "reason, source_kind, source_id, source_line_id, source_ref, posted_by, "
                "posted_at) SELECT event_id, item_id, location_id, quantity, unit_cost, reason, "
                "source_kind, source_id, source_line_id, source_ref, posted_by, posted_at "
                "FROM ledger_entry WHERE quantity > 0 AND source_kind = 'transfer_order'"
            )
        )
        conn.execute(
            text(
                "UPDATE stock_balance SET on_hand = on_hand + 2000000 WHERE location_id = "
                "(SELECT id FROM location WHERE transit)"
            )
        )
    report = check_database(yard.uow)
    assert not report.ok
    assert report.problems == [
        "TO-000001 line 1: transfer out at the transit is 4 in the ledger, not 2",
        "BOLT: 4 at the in-transit location but 2 is in transit",
    ]
    with yard.uow.database.engine.begin() as conn:  # a compensating row puts it right
        conn.execute(
            text(
                "INSERT INTO ledger_entry (event_id, item_id, location_id, quantity, unit_cost, "
                "reason, source_kind, source_id, source_line_id, source_ref, posted_by, "
                "posted_at) SELECT event_id, item_id, location_id, -quantity, unit_cost, "
                "reason, source_kind, source_id, source_line_id, source_ref, posted_by, "
                "posted_at FROM ledger_entry WHERE quantity > 0 AND source_kind = "
                "'transfer_order' ORDER BY id LIMIT 1"
            )
        )
        conn.execute(
            text(
                "UPDATE stock_balance SET on_hand = on_hand - 2000000 WHERE location_id = "
                "(SELECT id FROM location WHERE transit)"
            )
        )
    assert check_database(yard.uow).ok


def test_roles_decide_who_enters_ships_and_receives(yard: Yard) -> None:
    yard.stock("BOLT", 2)
    admin.add_user(yard.uow, "tester", "admin")
    admin.add_user(yard.uow, "pete", "picker")
    admin.add_user(yard.uow, "olga", "operator")
    pete = UnitOfWork(yard.uow.database, Actor("pete", "dock"))
    olga = UnitOfWork(yard.uow.database, Actor("olga", "line"))
    with pytest.raises(PermissionDenied, match="may not enter, approve, close or cancel transfer"):
        create_transfer_order(pete, "MAIN", "EAST", [TransferLineEntry("BOLT", "2")])
    to = yard.transfer(("BOLT", 2))
    with pytest.raises(PermissionDenied, match="may not pick, pack or ship orders"):
        ship_transfer_order(olga, to.number)
    ship_transfer_order(pete, to.number)
    with pytest.raises(PermissionDenied, match="may not receive purchase orders or transfers"):
        receive_transfer_order(olga, to.number)
    receive_transfer_order(pete, to.number)


def test_a_transfer_posting_is_not_reversed_and_the_refusal_says_what_it_is(yard: Yard) -> None:
    yard.stock("BOLT", 2)
    to = yard.transfer(("BOLT", 2))
    shipped = ship_transfer_order(yard.uow, to.number)
    assert shipped.changes.event_id is not None
    with pytest.raises(
        ValidationError,
        match=(
            f"event {shipped.changes.event_id} is a transfer out of TS-000001: only "
            "adjustments are reversed; correct the stock with an adjustment"
        ),
    ):
        inventory.reverse_adjustment(yard.uow, shipped.changes.event_id)
