"""Property-based tests of the engine: work orders and sales orders competing for stock.

A hypothesis state machine drives random sequences of work order postings (and the floor's
exceptions: changes of quantity and urgency, holds, unrelease, returns, unbuilds, scrap),
sales orders and their fulfillments (pick, pack, ship, cancel), purchase orders and
receipts, drop-ship orders (approved into a purchase order its vendor ships straight to the
customer, in part or in full), transfer orders between the two locations (approve, ship into
transit, receive, close, cancel), stock adjustments, cycle counts (start, count, approve, post,
cancel), customer returns (authorize, approve, receive restocked or scrapped, close, cancel; a
drop-shipped line goes back to its vendor on a vendor return made at approval, counted as
received when that return ships, and is never received here),
reversals of any posting (taken back, or refused in words), commitment re-runs and
preference changes against a real SQLite file, and after every step proves the database
against the ledger and against an independent model of on hand (in transit too), issued,
returned, scrapped, built, unbuilt, picked, shipped, received, status and the commitment of
every line of every kind of demand. Two items are tracked by lot (a component and a
subassembly): they come in as lots (opening stock, adjustments, receipts, builds), go out by
lot (issues naming one, the rest and every backflush and scrap first in first out), come
back in the lots they left in (returns of components, unbuilds, customer returns: the lots
shipped last first), reversals move the lots their rows moved, and picks reserve their lots
until they ship or are put back; the model follows every lot at every location. Refused
requests are legal outcomes, but the model predicts which requests are refused and why, and
a refused request must leave everything as it was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from app.errors import (
    CommitmentLimit,
    IllegalTransition,
    InsufficientStock,
    InvalidQuantity,
    NotFound,
    OnHold,
    OverageNotAllowed,
    ShopfloorError,
    ValidationError,
)
from app.models import (
    AuditEvent,
    Counter,
    Fulfillment,
    Item,
    LedgerEntry,
    Location,
    Lot,
    LotBalance,
    Preference,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    StockBalance,
    WorkOrder,
    WorkOrderLine,
)
from app.models.quantity import round_quantity
from app.models.returns import ReturnAuthorization, ReturnLine
from app.models.transfer import TransferOrder, TransferOrderLine
from app.models.vendor_return import VendorReturn, VendorReturnLine
from app.models.work_order import ACTION_FROM, ACTIVE, LEGAL_EDGES, OPEN_DEMAND, PLANNED
from app.models.work_order import WOAction as Act
from app.models.work_order import WOStatus as S
from app.services import admin, inventory, reasons
from app.services.catalog import items
from app.services.check import check_database
from app.services.counts import counts
from app.services.counts.counts import CountKey
from app.services.engine import commitment
from app.services.engine.uow import UnitOfWork
from app.services.lots import tracking
from app.services.lots.incoming import lot_given
from app.services.orders import fulfillment, partners, purchasing, sales
from app.services.orders.purchase_changes import edit_purchase_order
from app.services.production import corrections, editing, work_orders
from app.services.returns import returns
from app.services.transfers import transfer_orders
from app.services.vendor_returns import returns as vendor_returns
from tests.plant import Plant
from tests.properties_support import (
    ACTOR,
    ORDERINGS,
    PROFILE,
    D,
    build_template,
    copied_database,
    fresh_plant,
    hand_out,
    order_key,
)

ZERO = Decimal(0)
T = TypeVar("T")
Pair = tuple[str, str]  # (sku, location code)
LineKey = tuple[str, str]  # (work order number, component sku)
TRANSIT = "IN-TRANSIT"  # where shipped transfers wait to be received

LOCATIONS = ("MAIN", "EAST")
COMPONENTS = ("C1", "C2", "C3")
# assembly -> [(component, quantity per, backflush flag)]; S is a subassembly of A.
BOMS: dict[str, list[tuple[str, Decimal, bool]]] = {
    "S": [("C1", D("0.5"), True), ("C2", D("2"), True)],
    "A": [("S", D("1"), True), ("C3", D("2.5"), False), ("C1", D("1"), True)],
    "B": [("C2", D("1.5"), True), ("C3", D("0.5"), True)],
}
ASSEMBLIES = ("S", "A", "B")
STOCKED = COMPONENTS + ASSEMBLIES
TRACKED = ("C2", "S")  # by lot (no expiry: the consumption order is first in, first out)
LOTS = ("L1", "L2", "L3")
LotKey = tuple[str, str, str]  # (sku, location code, lot)
PostedRow = tuple[Pair, Decimal, str | None]  # a ledger row: pair, quantity, lot (tracked)

ORDERING = "item_commitment_ordering"
COMMIT_AFTER = "perform_item_commitment_after_transaction_entry"
ISSUE_MODE = "manufacturing_issue_based_on_commitment"
BUILD_OVERAGE = "allow_overage_on_assembly_builds"
WO_OVERAGE = "allow_overage_on_work_order_transactions"
DEFAULT_STATUS = "default_work_order_status"
SO_STATUS = "default_sales_order_status"
FULFILL_MODE = "fulfill_based_on_commitment"
FULFILL_OVERAGE = "allow_overage_on_item_fulfillments"
RECEIPT_OVERAGE = "allow_overage_on_item_receipts"
BUY_ASSEMBLIES = "allow_purchase_of_assembly_items"
VRA_STATUS = "default_vendor_return_authorization_status"
CREDIT_IN_ADVANCE = "credit_in_advance_of_vendor_return"
RELEASE_ON_HOLD = "release_commitment_on_hold"
TO_STATUS = "default_transfer_order_status"
PREF_CHOICES: dict[str, tuple[str, ...]] = {
    ORDERING: ORDERINGS,
    COMMIT_AFTER: ("true", "false"),
    ISSUE_MODE: ("limit_to_committed", "allow_uncommitted", "ignore_commitment"),
    BUILD_OVERAGE: ("true", "false"),
    WO_OVERAGE: ("true", "false"),
    DEFAULT_STATUS: ("firm_planned", "open_planned", "released"),
    SO_STATUS: ("pending_approval", "pending_fulfillment"),
    FULFILL_MODE: ("limit_to_committed", "allow_uncommitted", "ignore_commitment"),
    FULFILL_OVERAGE: ("true", "false"),
    RECEIPT_OVERAGE: ("true", "false"),
    BUY_ASSEMBLIES: ("true", "false"),
    VRA_STATUS: ("pending_approval", "pending_return"),
    CREDIT_IN_ADVANCE: ("true", "false"),
    RELEASE_ON_HOLD: ("true", "false"),
    TO_STATUS: ("pending_approval", "pending_fulfillment"),
}
PREF_DEFAULTS = {
    ORDERING: "expected_ship_date",
    COMMIT_AFTER: "false",
    ISSUE_MODE: "allow_uncommitted",
    BUILD_OVERAGE: "false",
    WO_OVERAGE: "false",
    DEFAULT_STATUS: "firm_planned",
    SO_STATUS: "pending_fulfillment",
    FULFILL_MODE: "limit_to_committed",
    FULFILL_OVERAGE: "false",
    RECEIPT_OVERAGE: "false",
    BUY_ASSEMBLIES: "false",
    VRA_STATUS: "pending_approval",
    CREDIT_IN_ADVANCE: "false",
    RELEASE_ON_HOLD: "false",
    TO_STATUS: "pending_fulfillment",
}
CUSTOMER, VENDOR = "Customer A", "Vendor A"
# A rack the vendor ships straight to the customer: never stocked here, so no balance of it
# ever moves (and its order lines, demand that never commits, hold nothing).
DROP = "R"
SCRAP_REASON = "LOST"
# The statuses a vendor return's approve, cancel and close start from.
VRA_FROM = {
    "approve": frozenset({"pending_approval"}),
    "cancel": frozenset({"pending_approval", "pending_return"}),
    "close": frozenset({"partially_returned"}),
}
SO_OPEN = frozenset({"pending_fulfillment", "partially_fulfilled"})
# Transfer orders: demand at the source while approved and not all shipped.
TO_OPEN = frozenset({"pending_fulfillment", "partially_fulfilled"})
TO_RECEIVABLE = frozenset({"partially_fulfilled", "pending_receipt"})
TO_CLOSABLE = frozenset({"pending_fulfillment", "partially_fulfilled", "received"})
TO_CANCELLABLE = frozenset({"pending_approval", "pending_fulfillment"})

# --- cycle counts: the approval threshold is a preference like the others ---------------------
COUNT_THRESHOLD = "count_approval_threshold"
PREF_CHOICES[COUNT_THRESHOLD] = ("0", "5")
PREF_DEFAULTS[COUNT_THRESHOLD] = "0"
COUNT_OPEN = frozenset({"open", "approved"})
COSTS = {"C1": D(1), "C2": D(2), "C3": D(3), "S": D(10), "A": D(10), "B": D(10)}
count_amounts = st.sampled_from(["0", "1", "2.5", "same", "one more", "one less"])

# --- customer returns: their status, refund and restock are preferences like the others -----
RMA_STATUS = "default_return_authorization_status"
REFUND_IN_ADVANCE = "refund_in_advance_of_return"
RESTOCK = "restock_returned_items"
PREF_CHOICES[RMA_STATUS] = ("pending_approval", "pending_receipt")
PREF_CHOICES[REFUND_IN_ADVANCE] = ("true", "false")
PREF_CHOICES[RESTOCK] = ("true", "false")
PREF_DEFAULTS[RMA_STATUS] = "pending_approval"
PREF_DEFAULTS[REFUND_IN_ADVANCE] = "false"
PREF_DEFAULTS[RESTOCK] = "true"
RMA_EXPECTING = frozenset({"pending_receipt", "partially_received"})


def quantities(*values: str) -> st.SearchStrategy[Decimal]:
    return st.sampled_from([D(v) for v in values])


wo_quantities = quantities("0.5", "1", "2", "3")
# Issues and completions: a fixed amount, or what is left (REST), or a little more (OVER).
REST, OVER = "rest", "over"
issue_amounts = st.sampled_from(["0.1", "0.5", "2.5", REST, REST, OVER])
produce_amounts = st.sampled_from(["0.5", "1", REST, REST, OVER])
return_amounts = st.sampled_from(["1", REST, REST, OVER])
opening_stock = quantities("10", "0", "2.5", "40")
lot_names = st.sampled_from(LOTS)
named_lots = st.sampled_from([None, None, *LOTS])  # an issue naming the tracked component's lot
adjustments = quantities("0.5", "2.5", "4", "10", "-0.5", "-1", "-2.5")
due_dates = st.one_of(st.none(), st.sampled_from([date(2031, 3, d) for d in (1, 2, 3)]))
priorities = st.integers(1, 3)
Pick = tuple[int, bool]
picks = st.tuples(st.integers(0, 7), st.sampled_from([False, False, False, True]))
pref_changes = st.sampled_from([(k, v) for k, choices in PREF_CHOICES.items() for v in choices])
so_quantities = quantities("1", "2", "4")
so_lines = st.lists(
    st.tuples(st.sampled_from(STOCKED), so_quantities),
    min_size=1,
    max_size=3,
    unique_by=lambda x: x[0],
)
pick_amounts = st.sampled_from(["1", REST, REST, OVER])
# Mostly untracked items (a tracked one refuses the whole transfer order).
to_lines = st.lists(
    st.tuples(st.sampled_from(STOCKED), quantities("1", "2.5", "4")),
    min_size=1,
    max_size=2,
    unique_by=lambda x: x[0],
)
move_plans = st.one_of(
    st.none(),
    st.lists(
        st.tuples(st.integers(0, 1), st.sampled_from(["1", REST, REST, OVER])),
        min_size=1,
        max_size=2,
        unique_by=lambda x: x[0],
    ),
)
pick_plans = st.one_of(
    st.none(),
    st.lists(
        st.tuples(st.integers(0, 2), pick_amounts), min_size=1, max_size=2, unique_by=lambda x: x[0]
    ),
)


def populate(plant: Plant) -> None:
    reasons.add_reason_code(plant.uow, SCRAP_REASON, "scrap")
    partners.add_customer(plant.uow, CUSTOMER)
    partners.add_vendor(plant.uow, VENDOR)
    items.add_location(plant.uow, "EAST", "East store")
    for n, sku in enumerate(COMPONENTS, start=1):
        plant.item(sku, cost=str(n))
    for sku in ("S", "B", "A"):
        plant.item(sku, "assembly", cost="10")
        plant.bom(
            sku,
            {c: str(q) for c, q, _ in BOMS[sku]},
            no_backflush=tuple(c for c, _, flag in BOMS[sku] if not flag),
        )
    for sku in TRACKED:
        tracking.set_item_tracking(plant.uow, sku, "lot")
    plant.item(DROP, cost="40")
    partners.set_purchasing(plant.uow, DROP, vendor=VENDOR, price="25")


@pytest.fixture(scope="module")
def plant_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("plant") / "plant.db"
    return build_template(sqlite_template, target, populate)


# --- snapshots of the database --------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    on_hand: Decimal
    committed: Decimal
    demand: Decimal
    on_order: Decimal


@dataclass(frozen=True)
class LineSnap:
    sku: str
    quantity_per: Decimal
    required: Decimal
    committed: Decimal
    issued: Decimal
    backflush: bool
    returned: Decimal = ZERO
    scrapped: Decimal = ZERO

    @property
    def need(self) -> Decimal:
        return max(ZERO, self.required - self.issued)

    @property
    def firm(self) -> Decimal:
        return ZERO  # a work order line is never picked


@dataclass(frozen=True)
class SOLineSnap:
    sku: str
    quantity: Decimal
    fulfilled: Decimal
    committed: Decimal
    picked: Decimal

    @property
    def need(self) -> Decimal:
        return max(ZERO, self.quantity - self.fulfilled)

    @property
    def firm(self) -> Decimal:
        return self.picked


@dataclass(frozen=True)
class SOSnap:
    status: str
    location: str
    lines: dict[str, SOLineSnap]  # by line number


@dataclass(frozen=True)
class TOLineSnap:
    sku: str
    quantity: Decimal
    committed: Decimal
    shipped: Decimal
    received: Decimal

    @property
    def need(self) -> Decimal:
        return max(ZERO, self.quantity - self.shipped)

    @property
    def firm(self) -> Decimal:
        return ZERO  # a transfer line is never picked


@dataclass(frozen=True)
class TOSnap:
    status: str
    source: str
    lines: dict[str, TOLineSnap]  # by sku


@dataclass(frozen=True)
class WOSnap:
    status: S
    item: str
    quantity: Decimal
    built: Decimal
    location: str
    lines: tuple[LineSnap, ...]
    unbuilt: Decimal = ZERO
    scrapped: Decimal = ZERO
    held: bool = False
    hold_released: bool = False

    @property
    def is_demand(self) -> bool:
        """Its lines are open demand: released and later, unless a hold gave them back."""
        return self.status in OPEN_DEMAND and not self.hold_released

    def line(self, sku: str) -> LineSnap:
        return next(ln for ln in self.lines if ln.sku == sku)


@dataclass(frozen=True)
class Snapshot:
    ledger_rows: int
    audit_events: int
    counters: dict[str, int]
    prefs: dict[str, str]
    balances: dict[Pair, Balance]
    work_orders: dict[str, WOSnap]
    sales_orders: dict[str, SOSnap]
    fulfillments: dict[str, str]  # number -> status
    # status, and per line number: (sku, quantity, received, cancelled)
    purchase_orders: dict[str, tuple[str, dict[int, tuple[str, Decimal, Decimal, bool]]]]
    vendor_returns: dict[str, tuple[str, list[tuple[int, Decimal, Decimal]]]]  # status, lines
    lots: dict[LotKey, tuple[Decimal, Decimal]]  # on hand and reserved, where either is not 0
    lot_rows: int
    # number -> status, and per sku (received, restocked, scrapped, credited)
    returns: dict[str, tuple[str, dict[str, tuple[Decimal, ...]]]]
    transfer_orders: dict[str, TOSnap]

    def balance(self, pair: Pair) -> Balance:
        return self.balances.get(pair, Balance(ZERO, ZERO, ZERO, ZERO))

    def open_lines(self) -> dict[LineKey, tuple[Pair, LineSnap | SOLineSnap | TOLineSnap]]:
        """The open demand lines of every kind: (work order, sku), (sales order, line) and
        (transfer order, sku) at its source."""
        found: dict[LineKey, tuple[Pair, LineSnap | SOLineSnap | TOLineSnap]] = {
            (number, ln.sku): ((ln.sku, wo.location), ln)
            for number, wo in self.work_orders.items()
            if wo.is_demand
            for ln in wo.lines
        }
        for number, so in self.sales_orders.items():
            if so.status in SO_OPEN:
                for label, sl in so.lines.items():
                    found[(number, label)] = ((sl.sku, so.location), sl)
        for number, to in self.transfer_orders.items():
            if to.status in TO_OPEN:
                for sku, tl in to.lines.items():
                    found[(number, sku)] = ((sku, to.source), tl)
        return found

    def committed_of(self, key: LineKey) -> Decimal:
        number, line = key
        if number in self.work_orders:
            return self.work_orders[number].line(line).committed
        if number in self.transfer_orders:
            return self.transfer_orders[number].lines[line].committed
        return self.sales_orders[number].lines[line].committed


def take_snapshot(uow: UnitOfWork) -> Snapshot:
    with uow.query() as tx:
        s = tx.session
        skus = {i: sku for i, sku in s.execute(select(Item.id, Item.sku))}
        locs = {i: code for i, code in s.execute(select(Location.id, Location.code))}
        balances = {
            (skus[b.item_id], locs[b.location_id]): Balance(
                b.on_hand, b.committed, b.demand, b.on_order
            )
            for b in s.scalars(select(StockBalance))
        }
        lines: dict[int, list[LineSnap]] = defaultdict(list)
        for ln in s.scalars(select(WorkOrderLine).order_by(WorkOrderLine.line_no)):
            lines[ln.work_order_id].append(
                LineSnap(
                    skus[ln.component_id],
                    ln.quantity_per,
                    ln.required,
                    ln.committed,
                    ln.issued,
                    ln.backflush,
                    ln.returned,
                    ln.scrapped,
                )
            )
        wos = {
            wo.number: WOSnap(
                S(wo.status),
                skus[wo.item_id],
                wo.quantity,
                wo.built,
                locs[wo.location_id],
                tuple(lines[wo.id]),
                wo.unbuilt,
                wo.scrapped,
                wo.held_at is not None,
                wo.hold_released,
            )
            for wo in s.scalars(select(WorkOrder))
        }
        so_lines: dict[int, dict[str, SOLineSnap]] = defaultdict(dict)
        for ln in s.scalars(select(SalesOrderLine).order_by(SalesOrderLine.line_no)):
            so_lines[ln.sales_order_id][str(ln.line_no)] = SOLineSnap(
                skus[ln.item_id], ln.quantity, ln.fulfilled, ln.committed, ln.picked
            )
        sales_orders = {
            so.number: SOSnap(so.status, locs[so.location_id], so_lines[so.id])
            for so in s.scalars(select(SalesOrder))
        }
        to_lines: dict[int, dict[str, TOLineSnap]] = defaultdict(dict)
        for tl in s.scalars(select(TransferOrderLine)):
            to_lines[tl.transfer_order_id][skus[tl.item_id]] = TOLineSnap(
                skus[tl.item_id], tl.quantity, tl.committed, tl.shipped, tl.received
            )
        po_lines: dict[int, dict[int, tuple[str, Decimal, Decimal, bool]]] = defaultdict(dict)
        for pl in s.scalars(select(PurchaseOrderLine)):
            po_lines[pl.purchase_order_id][pl.line_no] = (
                skus[pl.item_id],
                pl.quantity,
                pl.received,
                pl.cancelled,
            )
        vra_lines: dict[int, list[tuple[int, Decimal, Decimal]]] = defaultdict(list)
        for vl in s.scalars(select(VendorReturnLine).order_by(VendorReturnLine.line_no)):
            vra_lines[vl.vendor_return_id].append(
                (vl.purchase_order_line_id, vl.quantity, vl.shipped)
            )
        came_back: dict[int, dict[str, tuple[Decimal, ...]]] = defaultdict(dict)
        for rl in s.scalars(select(ReturnLine)):
            came_back[rl.return_authorization_id][skus[rl.item_id]] = (
                rl.received,
                rl.restocked,
                rl.scrapped,
                rl.credited,
            )
        lots = {
            (skus[r.item_id], locs[r.location_id], r.number): (r.on_hand, r.reserved)
            for r in s.execute(
                select(
                    LotBalance.item_id,
                    LotBalance.location_id,
                    Lot.number,
                    LotBalance.on_hand,
                    LotBalance.reserved,
                )
                .join(Lot, Lot.id == LotBalance.lot_id)
                .where((LotBalance.on_hand != 0) | (LotBalance.reserved != 0))
            )
        }
        return Snapshot(
            ledger_rows=s.scalar(select(func.count()).select_from(LedgerEntry)) or 0,
            audit_events=s.scalar(select(func.count()).select_from(AuditEvent)) or 0,
            counters={n: v for n, v in s.execute(select(Counter.name, Counter.value))},
            prefs={k: v for k, v in s.execute(select(Preference.key, Preference.value))},
            balances=balances,
            work_orders=wos,
            sales_orders=sales_orders,
            fulfillments={f.number: f.status for f in s.scalars(select(Fulfillment))},
            purchase_orders={
                po.number: (po.status, po_lines[po.id]) for po in s.scalars(select(PurchaseOrder))
            },
            vendor_returns={
                v.number: (v.status, vra_lines[v.id]) for v in s.scalars(select(VendorReturn))
            },
            returns={
                r.number: (r.status, came_back[r.id])
                for r in s.scalars(select(ReturnAuthorization))
            },
            transfer_orders={
                to.number: TOSnap(to.status, locs[to.from_location_id], to_lines[to.id])
                for to in s.scalars(select(TransferOrder))
            },
            lots=lots,
            lot_rows=s.scalar(select(func.count()).select_from(Lot)) or 0,
        )


# --- the independent model ------------------------------------------------------------------


@dataclass
class ModelLine:
    sku: str
    quantity_per: Decimal
    required: Decimal
    backflush: bool
    issued: Decimal = ZERO  # net of what went back to stock
    overage_allowed: bool = False
    returned: Decimal = ZERO
    scrapped: Decimal = ZERO

    @property
    def need(self) -> Decimal:
        return max(ZERO, self.required - self.issued)


@dataclass
class ModelRow:
    """What one posting consumed for a line (`sku`) or received of the finished good
    (`sku` None), and how much of it returns and unbuilds have undone."""

    event: int
    sku: str | None
    quantity: Decimal
    backflush: bool = False
    lot: str | None = None  # a tracked item's lot
    undone: Decimal = ZERO

    @property
    def open(self) -> Decimal:
        return self.quantity - self.undone


@dataclass
class ModelWO:
    number: str
    item: str
    quantity: Decimal
    location: str
    due: date | None
    priority: int
    seq: int
    status: S
    built: Decimal = ZERO
    lines: list[ModelLine] = field(default_factory=list)
    unbuilt: Decimal = ZERO
    scrapped: Decimal = ZERO
    held: bool = False
    hold_released: bool = False
    rows: list[ModelRow] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, self.quantity - self.built)

    @property
    def is_demand(self) -> bool:
        return self.status in OPEN_DEMAND and not self.hold_released

    def line(self, sku: str) -> ModelLine:
        return next(ln for ln in self.lines if ln.sku == sku)


@dataclass
class ModelSOLine:
    label: str
    sku: str
    quantity: Decimal
    fulfilled: Decimal = ZERO
    picked: Decimal = ZERO  # the firm part of its commitment

    @property
    def need(self) -> Decimal:
        return max(ZERO, self.quantity - self.fulfilled)

    @property
    def to_pick(self) -> Decimal:
        return max(ZERO, self.need - self.picked)


@dataclass
class ModelSO:
    number: str
    location: str
    ship: date | None
    priority: int
    seq: int
    status: str
    lines: list[ModelSOLine] = field(default_factory=list)

    def line(self, label: str) -> ModelSOLine:
        return next(ln for ln in self.lines if ln.label == label)


@dataclass
class ModelShipment:
    number: str
    order: str
    lines: list[tuple[str, Decimal]]  # (line, quantity)
    status: str = "picked"
    lots: list[tuple[str, str, Decimal]] = field(default_factory=list)  # (line, lot, quantity)


@dataclass(eq=False)
class ModelReceipt:
    """What one receipt brought in on one purchase order line (a tracked item: in one lot)."""

    quantity: Decimal
    lot: str | None = None
    reversed: bool = False  # taken back: nothing of it can go back to the vendor


@dataclass
class ModelPOLine:
    line_no: int
    sku: str
    quantity: Decimal
    received: Decimal = ZERO
    cancelled: bool = False
    receipts: list[ModelReceipt] = field(default_factory=list)  # oldest first

    @property
    def remaining(self) -> Decimal:
        return ZERO if self.cancelled else max(ZERO, self.quantity - self.received)

    @property
    def complete(self) -> bool:
        return self.cancelled or self.received >= self.quantity


@dataclass
class ModelPO:
    number: str
    location: str
    lines: list[ModelPOLine]
    status: str = "open"

    def line(self, line_no: int) -> ModelPOLine:
        return next(ln for ln in self.lines if ln.line_no == line_no)

    def settle_status(self) -> None:
        """Received once something came and nothing more is expected; partially received
        once anything came; open before."""
        came = any(ln.received > 0 for ln in self.lines)
        if came and all(ln.complete for ln in self.lines):
            self.status = "received"
        elif came:
            self.status = "partially_received"
        else:
            self.status = "open"


@dataclass
class ModelPart:
    """A vendor return's line: what goes back of one receipt."""

    receipt: ModelReceipt
    quantity: Decimal
    shipped: Decimal = ZERO


@dataclass
class ModelVRA:
    number: str
    sku: str
    location: str
    parts: list[ModelPart]
    status: str = "pending_approval"

    @property
    def is_open(self) -> bool:
        return self.status in ("pending_approval", "pending_return", "partially_returned")

    def held(self, part: ModelPart) -> Decimal:
        """What a line holds of its receipt: an open return its quantity, a finished one
        what went back, a cancelled one nothing."""
        if self.status == "cancelled":
            return ZERO
        return part.quantity if self.is_open else part.shipped


CountLine = tuple[str, str | None]  # a count's line: sku, and the lot a tracked item's counts


@dataclass
class ModelCount:
    """A cycle count: its items, its lines in line order (a tracked item's lot by lot, or
    one without a lot when it had none there), and per counted line (what was counted, on
    hand then)."""

    number: str
    location: str
    skus: list[str]
    lines: list[CountLine] = field(default_factory=list)
    counted: dict[CountLine, tuple[Decimal, Decimal]] = field(default_factory=dict)
    status: str = "open"

    def difference(self, line: CountLine) -> Decimal:
        counted, then = self.counted[line]
        return counted - then

    def over(self, threshold: Decimal) -> list[CountLine]:
        """The counted lines whose difference is worth more than the threshold (0: none)."""
        if threshold <= 0:
            return []
        return [ln for ln in self.counted if abs(self.difference(ln)) * COSTS[ln[0]] > threshold]


@dataclass
class ModelReturnLine:
    label: str  # the sales order line
    sku: str
    quantity: Decimal
    received: Decimal = ZERO
    restocked: Decimal = ZERO
    scrapped: Decimal = ZERO
    to_vendor: bool = False  # drop-shipped: it goes back to the vendor, never comes here

    @property
    def to_receive(self) -> Decimal:
        return self.quantity - self.received


@dataclass
class ModelReturn:
    number: str
    order: str
    location: str
    line: ModelReturnLine
    status: str
    in_advance: bool = False  # refunded in advance of the return (decided at approval)
    vras: list[str] = field(default_factory=list)  # its drop-shipped line goes back on these

    def status_after_receipt(self) -> str:
        if self.line.received >= self.line.quantity:
            return "received"
        return "partially_received" if self.line.received > 0 else "pending_receipt"

    @property
    def credited(self) -> Decimal:
        """What finance has credited: all authorized while refunded in advance and approved
        and not finished, else what came back."""
        if self.in_advance and self.status in RMA_EXPECTING | {"received"}:
            return self.line.quantity
        return self.line.received


@dataclass
class ModelDropReturn:
    """A vendor return made from a customer return: the RMA line's goods, which the customer
    sends straight to the vendor who drop-shipped them (one line, no receipt)."""

    number: str
    rma: str
    quantity: Decimal
    status: str
    shipped: Decimal = ZERO


@dataclass
class ModelPosting:
    """A posting as `reverse` sees it: its event, what kind it is, the ledger rows it wrote as
    (pair, quantity, lot of a tracked item), and what to put back on its document when it is
    reversed."""

    event_id: int | None
    kind: str  # adjustment, receipt, count, return, shipment, transfer, reversal
    rows: list[PostedRow]
    undo: Callable[[], None] = lambda: None
    reversed: bool = False
    # What its document refuses before any stock moves (a transfer already received) ...
    refuse: Callable[[], type[ShopfloorError] | None] = lambda: None
    # ... and, after `undo`, the commitment of its document's lines, from the snapshot taken
    # before the reversal (None: its lines keep theirs).
    acting: Callable[[Snapshot], dict[LineKey, Decimal]] | None = None


@dataclass
class ModelTOLine:
    sku: str
    quantity: Decimal
    shipped: Decimal = ZERO
    received: Decimal = ZERO
    # A tracked item's lots in transit on this line, in the order they first shipped.
    transit_lots: dict[str, Decimal] = field(default_factory=dict)

    @property
    def need(self) -> Decimal:
        return max(ZERO, self.quantity - self.shipped)

    @property
    def in_transit(self) -> Decimal:
        return self.shipped - self.received


@dataclass
class ModelTO:
    number: str
    source: str
    target: str
    ship: date
    priority: int
    seq: int
    status: str
    lines: list[ModelTOLine] = field(default_factory=list)

    def line(self, sku: str) -> ModelTOLine:
        return next(ln for ln in self.lines if ln.sku == sku)

    def status_after_moving(self) -> str:
        if all(ln.received >= ln.quantity for ln in self.lines):
            return "received"
        if all(ln.shipped >= ln.quantity for ln in self.lines):
            return "pending_receipt"
        return "partially_fulfilled"


Refusal = type[ShopfloorError] | None


def resolve(amount: str, left: Decimal) -> Decimal:
    """A quantity to request: fixed, what is left, or half a unit past it."""
    if amount == REST:
        return left if left > 0 else D("0.5")
    if amount == OVER:
        return max(left, ZERO) + D("0.5")
    return D(amount)


class ShopfloorMachine(RuleBasedStateMachine):
    template: ClassVar[Path]

    def __init__(self) -> None:
        super().__init__()
        self.resources = ExitStack()
        self.uow = UnitOfWork(self.resources.enter_context(copied_database(self.template)), ACTOR)
        self.prefs: dict[str, str] = dict(PREF_DEFAULTS)
        self.on_hand: dict[Pair, Decimal] = defaultdict(lambda: ZERO)
        self.model: dict[str, ModelWO] = {}
        self.sales: dict[str, ModelSO] = {}
        self.shipments: dict[str, ModelShipment] = {}
        self.purchases: dict[str, ModelPO] = {}
        self.vendor_returns: dict[str, ModelVRA] = {}
        self.transfers: dict[str, ModelTO] = {}
        self.cycle_counts: dict[str, ModelCount] = {}
        self.returns: dict[str, ModelReturn] = {}
        # Drop-ship orders, the purchase orders they are bought on (-> their sales order),
        # and the vendor returns customer returns of them make.
        self.drop_sales: dict[str, ModelSO] = {}
        self.drop_pos: dict[str, ModelPO] = {}
        self.bought_for: dict[str, str] = {}
        self.drop_returns: dict[str, ModelDropReturn] = {}
        self.postings: list[ModelPosting] = []
        # Per sales order line (order, line): the lots it shipped in, in the order shipped,
        # and what came back of each lot on customer returns.
        self.shipped_lots: dict[tuple[str, str], list[tuple[str, Decimal]]] = defaultdict(list)
        self.lots_back: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(
            lambda: defaultdict(lambda: ZERO)
        )
        self.seq = 0  # documents of both kinds in the order they were entered
        self.events = 0  # work order postings, to tell a build's rows from another's
        self.seen_status: dict[str, S] = {}
        # Lots: on hand and reserved per (sku, location, lot); each item's lots in the order
        # they were made (the consumption order, since no lot here expires).
        self.lot_stock: dict[LotKey, Decimal] = defaultdict(lambda: ZERO)
        self.lot_held: dict[LotKey, Decimal] = defaultdict(lambda: ZERO)
        self.lot_order: dict[str, list[str]] = defaultdict(list)
        self.before = take_snapshot(self.uow)

    def teardown(self) -> None:
        self.resources.close()

    # --- helpers --------------------------------------------------------------------------

    def observe(self) -> None:
        self.before = take_snapshot(self.uow)

    def attempt(self, label: str, call: Callable[[], T], expected: Refusal) -> T | None:
        """Run a request; the model has predicted whether (and why) it is refused."""
        event(f"{label}: {'accepted' if expected is None else expected.__name__}")
        try:
            result = call()
        except ShopfloorError as exc:
            assert expected is not None, f"refused although the model accepts it: {exc}"
            assert type(exc) is expected, (
                f"refused with {type(exc).__name__} ({exc}), expected {expected.__name__}"
            )
            assert take_snapshot(self.uow) == self.before, f"refused ({exc}) but changed data"
            return None
        assert expected is None, f"accepted although the model expects {expected.__name__}"
        return result

    def pref_on(self, key: str) -> bool:
        return self.prefs[key] == "true"

    # --- lots -------------------------------------------------------------------------------

    def lots_out(
        self, sku: str, location: str, qty: Decimal, named: list[tuple[str, Decimal]] | None = None
    ) -> list[tuple[str, Decimal]] | None:
        """The lots an outflow of a tracked item takes: those named, then the rest first in
        first out, never what is reserved; None when they do not cover it."""
        taken: dict[str, Decimal] = defaultdict(lambda: ZERO)
        out = []

        def free(lot: str) -> Decimal:
            key = (sku, location, lot)
            return self.lot_stock[key] - self.lot_held[key] - taken[lot]

        for lot, part in named or []:
            if part > free(lot):
                return None
            out.append((lot, part))
            taken[lot] += part
        left = qty - sum((part for _lot, part in named or []), ZERO)
        for lot in self.lot_order[sku]:
            if left <= 0:
                break
            take = min(free(lot), left)
            if take > 0:
                out.append((lot, take))
                taken[lot] += take
                left -= take
        return out if left <= 0 else None

    def lots_in(self, sku: str, location: str, lot: str, qty: Decimal) -> None:
        if lot not in self.lot_order[sku]:
            self.lot_order[sku].append(lot)
        self.lot_stock[(sku, location, lot)] += qty

    def lots_gone(self, sku: str, location: str, parts: list[tuple[str, Decimal]]) -> None:
        for lot, part in parts:
            self.lot_stock[(sku, location, lot)] -= part

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def key_of(self, number: str) -> tuple[object, ...]:
        if number in self.sales or number in self.drop_sales:
            so = self.order_of(number)
            return order_key(self.prefs[ORDERING], so.ship, so.priority, so.seq)
        if number in self.transfers:
            to = self.transfers[number]
            return order_key(self.prefs[ORDERING], to.ship, to.priority, to.seq)
        wo = self.model[number]
        return order_key(self.prefs[ORDERING], wo.due, wo.priority, wo.seq)

    def available_before(self, pair: Pair) -> Decimal:
        bal = self.before.balance(pair)
        return bal.on_hand - bal.committed

    def consumption_refusal(
        self,
        wo: ModelWO,
        plan: list[tuple[ModelLine, Decimal]],
        named: dict[str, list[tuple[str, Decimal]]] | None = None,
    ) -> Refusal:
        """What `manufacturing_issue_based_on_commitment`, the stock on hand and, for a
        tracked component, its lots not reserved for shipments refuse."""
        mode = self.prefs[ISSUE_MODE]
        snap = self.before.work_orders[wo.number]
        for line, qty in plan:
            pair = (line.sku, wo.location)
            committed = snap.line(line.sku).committed
            if qty > self.on_hand[pair]:
                return InsufficientStock
            if mode == "limit_to_committed" and qty > committed:
                return CommitmentLimit
            if mode == "allow_uncommitted" and qty > committed + max(
                ZERO, self.available_before(pair)
            ):
                return InsufficientStock
        for line, qty in plan:  # what is picked and waiting to ship stays on the shelf
            pair = (line.sku, wo.location)
            firm = sum((ln.firm for p, ln in self.before.open_lines().values() if p == pair), ZERO)
            if firm > self.on_hand[pair] - qty:
                return InsufficientStock
        for line, qty in plan:
            lots = (named or {}).get(line.sku)
            if line.sku in TRACKED and self.lots_out(line.sku, wo.location, qty, lots) is None:
                return InsufficientStock
        return None

    def consume(
        self,
        wo: ModelWO,
        plan: list[tuple[ModelLine, Decimal]],
        overage: bool,
        event: int,
        backflush: bool = False,
        named: dict[str, list[tuple[str, Decimal]]] | None = None,
    ) -> None:
        for line, qty in plan:
            if line.sku in TRACKED:
                parts = self.lots_out(line.sku, wo.location, qty, (named or {}).get(line.sku))
                assert parts is not None
                self.lots_gone(line.sku, wo.location, parts)
                # One ledger row per lot, in the order they were taken.
                wo.rows.extend(ModelRow(event, line.sku, q, backflush, lot) for lot, q in parts)
            else:
                wo.rows.append(ModelRow(event, line.sku, qty, backflush))
            line.issued += qty
            self.on_hand[(line.sku, wo.location)] -= qty
            if line.issued > line.required:
                assert overage or line.overage_allowed, (
                    f"{wo.number} {line.sku}: over-issued without an overage pref"
                )
                line.overage_allowed = True

    def check_commitments(
        self,
        after: Snapshot,
        *,
        acting: dict[LineKey, Decimal] | None = None,
        consumed: frozenset[Pair] = frozenset(),
        supply: frozenset[Pair] = frozenset(),
        taken: dict[Pair, tuple[LineKey, Decimal]] | None = None,
    ) -> None:
        """Every open line's commitment after a posting, from the state before it, for work
        order lines and sales order lines alike.

        `acting` gives the commitment of the acting document's lines after the posting's own
        effect; other lines start from what they had. `taken` is commitment a pick took from
        others at a pair (least urgent first, never from the picking line). Stock leaving a
        pair (`consumed`) takes commitment from the lines last in preference order first, so
        that committed never exceeds on hand. Firm (picked) commitment is never taken. New
        supply (`supply`) goes to the waiting lines in preference order when
        commit-after-entry is on, and nowhere otherwise.
        """
        acting = acting or {}
        taken = taken or {}
        base: dict[LineKey, Decimal] = {}
        by_pair: dict[Pair, list[LineKey]] = defaultdict(list)
        lines = after.open_lines()
        for lk, (pair, _ln) in lines.items():
            if lk in acting:
                base[lk] = acting[lk]
            else:
                assert lk in self.before.open_lines(), f"{lk} was not open demand before"
                base[lk] = self.before.committed_of(lk)
            by_pair[pair].append(lk)
        expected = dict(base)
        for pair, keys in by_pair.items():
            keys.sort(key=lambda lk: self.key_of(lk[0]))
            on_hand = after.balance(pair).on_hand
            firm = {k: lines[k][1].firm for k in keys}
            if pair in taken:
                keep, amount = taken[pair]
                for k in reversed(keys):
                    if amount <= 0:
                        break
                    if k == keep:
                        continue
                    give = min(max(ZERO, expected[k] - firm[k]), amount)
                    expected[k] -= give
                    amount -= give
            if pair in consumed:
                excess = sum((expected[k] for k in keys), ZERO) - on_hand
                for k in reversed(keys):
                    if excess <= 0:
                        break
                    give = min(max(ZERO, expected[k] - firm[k]), excess)
                    expected[k] -= give
                    excess -= give
            if pair in supply and self.pref_on(COMMIT_AFTER):
                pool = on_hand - sum((expected[k] for k in keys), ZERO)
                waiting = [k for k in keys if lines[k][1].need > expected[k]]
                gifts = hand_out(pool, [lines[k][1].need - expected[k] for k in waiting])
                for k, gift in zip(waiting, gifts, strict=True):
                    expected[k] += gift
        actual = {lk: ln.committed for lk, (_pair, ln) in lines.items()}
        wrong = {lk: (expected[lk], actual[lk]) for lk in lines if expected[lk] != actual[lk]}
        assert not wrong, f"commitment (expected, actual) per line: {wrong}"

    def released_commitments(self, number: str) -> dict[LineKey, Decimal]:
        """At release each line commits what is available, up to what it needs."""
        wo = self.model[number]
        return {
            (number, ln.sku): min(
                ln.required, max(ZERO, self.available_before((ln.sku, wo.location)))
            )
            for ln in wo.lines
        }

    def has_orders(self) -> bool:
        return bool(self.model)

    def choose(self, pick: Pick, statuses: frozenset[S]) -> str:
        """A work order, mostly one whose status allows the action (any, to test refusals)."""
        index, any_status = pick
        numbers = list(self.model)
        allowed = [n for n in numbers if self.model[n].status in statuses]
        pool = numbers if any_status or not allowed else allowed
        return pool[index % len(pool)]

    # --- rules ----------------------------------------------------------------------------

    @initialize(
        prefs=st.fixed_dictionaries({k: st.sampled_from(v) for k, v in PREF_CHOICES.items()}),
        stock=st.fixed_dictionaries(
            {(sku, loc): opening_stock for sku in STOCKED for loc in LOCATIONS}
        ),
    )
    def start(self, prefs: dict[str, str], stock: dict[Pair, Decimal]) -> None:
        for key, value in prefs.items():
            if value != self.prefs[key]:
                self.set_pref(key, value)
        for (sku, loc), qty in stock.items():
            if qty:
                self.adjust(sku, loc, qty)

    @initialize(
        orders=st.lists(
            st.tuples(
                st.sampled_from(ASSEMBLIES),
                wo_quantities,
                st.sampled_from(LOCATIONS),
                due_dates,
                priorities,
            ),
            min_size=1,
            max_size=3,
        ),
    )
    def first_orders(self, orders: list[tuple[str, Decimal, str, date | None, int]]) -> None:
        for item, qty, location, due, priority in orders:
            self.create_order(item, qty, "released", location, due, priority)

    @rule(change=pref_changes)
    def change_pref(self, change: tuple[str, str]) -> None:
        self.set_pref(*change)

    def set_pref(self, key: str, value: str) -> None:
        self.observe()
        shown = self.attempt("pref", lambda: admin.set_preference(self.uow, key, value), None)
        self.prefs[key] = value
        assert {k: shown[k] for k in self.prefs} == self.prefs
        self.check_commitments(take_snapshot(self.uow))

    @rule(
        item=st.sampled_from(ASSEMBLIES),
        qty=wo_quantities,
        status=st.sampled_from([None, "firm_planned", "open_planned", "released", "released"]),
        location=st.sampled_from(LOCATIONS),
        due=due_dates,
        priority=priorities,
    )
    def create(
        self,
        item: str,
        qty: Decimal,
        status: str | None,
        location: str,
        due: date | None,
        priority: int,
    ) -> None:
        self.create_order(item, qty, status, location, due, priority)

    def create_order(
        self,
        item: str,
        qty: Decimal,
        status: str | None,
        location: str,
        due: date | None,
        priority: int,
    ) -> str:
        self.observe()
        info = self.attempt(
            "create",
            lambda: work_orders.create_work_order(
                self.uow,
                item,
                str(qty),
                status=status,
                due=due,
                priority=priority,
                location=location,
            ),
            None,
        )
        assert info is not None
        wo = ModelWO(
            number=info.number,
            item=item,
            quantity=qty,
            location=location,
            due=due,
            priority=priority,
            seq=self.next_seq(),
            status=S(status or self.prefs[DEFAULT_STATUS]),
            lines=[
                ModelLine(sku, per, round_quantity(per * qty), flag)
                for sku, per, flag in BOMS[item]
            ],
        )
        self.model[wo.number] = wo
        assert S(info.status) == wo.status
        assert [(ln.sku, ln.required, ln.issued) for ln in info.lines] == [
            (ln.sku, ln.required, ZERO) for ln in wo.lines
        ]
        acting = self.released_commitments(wo.number) if wo.status == S.RELEASED else {}
        self.check_commitments(take_snapshot(self.uow), acting=acting)
        return wo.number

    @precondition(has_orders)
    @rule(pick=picks)
    def release(self, pick: Pick) -> None:
        wo = self.choose(pick, ACTION_FROM[Act.RELEASE])
        self.observe()
        m = self.model[wo]
        ok = m.status in ACTION_FROM[Act.RELEASE]
        done = self.attempt(
            "release",
            lambda: work_orders.release_work_order(self.uow, wo),
            OnHold if m.held else None if ok else IllegalTransition,
        )
        if done is None:
            return
        m.status = S.RELEASED
        self.check_commitments(take_snapshot(self.uow), acting=self.released_commitments(wo))

    def finish(self, wo: str, action: Act, status: S) -> None:
        self.observe()
        m = self.model[wo]
        ok = m.status in ACTION_FROM[action]
        was_open = m.is_demand
        call = (
            work_orders.cancel_work_order
            if action == Act.CANCEL
            else (work_orders.close_work_order)
        )
        done = self.attempt(
            action.value,
            lambda: call(self.uow, wo),
            OnHold if m.held else None if ok else IllegalTransition,
        )
        if done is None:
            return
        m.status = status
        freed = frozenset(
            (ln.sku, m.location)
            for ln in self.before.work_orders[wo].lines
            if was_open and ln.committed > 0
        )
        self.check_commitments(take_snapshot(self.uow), supply=freed)
        if action == Act.CLOSE:
            variance = {
                v.sku: (v.expected, v.actual, v.variance, v.scrapped) for v in done.variance
            }
            expected = {}
            for ln in m.lines:
                exp = round_quantity(ln.quantity_per * m.built)
                actual = ln.issued + ln.scrapped
                expected[ln.sku] = (exp, actual, actual - exp, ln.scrapped)
            if m.scrapped > 0:  # finished goods scrapped: a row of their own
                expected[m.item] = (ZERO, m.scrapped, m.scrapped, m.scrapped)
            assert variance == expected

    @precondition(has_orders)
    @rule(pick=picks, close=st.booleans())
    def cancel_or_close(self, pick: Pick, close: bool) -> None:
        wo = self.choose(pick, ACTION_FROM[Act.CLOSE if close else Act.CANCEL])
        if close:
            self.finish(wo, Act.CLOSE, S.CLOSED)
        else:
            self.finish(wo, Act.CANCEL, S.CANCELLED)

    @precondition(has_orders)
    @rule(
        pick=picks,
        lines=st.lists(
            st.tuples(st.integers(0, 2), issue_amounts),
            min_size=1,
            max_size=2,
            unique_by=lambda p: p[0],
        ),
        lot=named_lots,
    )
    def issue(self, pick: Pick, lines: list[tuple[int, str]], lot: str | None) -> None:
        wo = self.choose(pick, ACTION_FROM[Act.ISSUE])
        self.observe()
        m = self.model[wo]
        wanted: dict[str, Decimal] = {}
        for index, amount in lines:
            line = m.lines[index % len(m.lines)]
            wanted.setdefault(line.sku, resolve(amount, line.required - line.issued))
        plan = [(m.line(sku), qty) for sku, qty in wanted.items()]
        # The tracked component's lot may be named, for at most what is issued of it.
        named = {
            sku: [(lot, min(qty, D(1)))] for sku, qty in wanted.items() if lot and sku in TRACKED
        }
        overage = self.pref_on(WO_OVERAGE)
        expected: Refusal = None
        if m.held:
            expected = OnHold
        elif m.status not in ACTION_FROM[Act.ISSUE]:
            expected = IllegalTransition
        elif any(ln.issued + qty > ln.required for ln, qty in plan) and not overage:
            expected = OverageNotAllowed
        elif any(n not in self.lot_order[sku] for sku, parts in named.items() for n, _q in parts):
            expected = NotFound
        else:
            expected = self.consumption_refusal(m, plan, named)
        done = self.attempt(
            "issue" + (" naming a lot" if named else ""),
            lambda: work_orders.issue_components(
                self.uow,
                wo,
                {s: str(q) for s, q in wanted.items()},
                lots={sku: [(n, str(q)) for n, q in parts] for sku, parts in named.items()},
            ),
            expected,
        )
        if done is None:
            return
        self.events += 1
        self.consume(m, plan, overage, self.events, named=named)
        if m.status == S.RELEASED:
            m.status = S.IN_PROCESS
        self.check_consumption(wo, plan, supply=frozenset())

    def check_consumption(
        self, wo: str, plan: list[tuple[ModelLine, Decimal]], supply: frozenset[Pair]
    ) -> None:
        m = self.model[wo]
        before = self.before.work_orders[wo]
        acting = {(wo, ln.sku): ln.committed for ln in before.lines}
        for line, qty in plan:
            c = before.line(line.sku).committed
            acting[(wo, line.sku)] = c - min(c, qty)
        consumed = frozenset((ln.sku, m.location) for ln, _ in plan)
        self.check_commitments(
            take_snapshot(self.uow), acting=acting, consumed=consumed, supply=supply
        )

    def produce(self, wo: str, qty: Decimal, action: Act, backflush: bool, lot: str = "L1") -> None:
        """A completion or build; a tracked assembly comes in as the lot given."""
        self.observe()
        m = self.model[wo]
        every_line = action == Act.BUILD
        pref = BUILD_OVERAGE if every_line else WO_OVERAGE
        overage = self.pref_on(pref)
        new_built = m.built + qty
        plan = [
            (ln, round_quantity(ln.quantity_per * new_built) - ln.issued)
            for ln in m.lines
            if every_line or (backflush and ln.backflush)
        ]
        plan = [(ln, take) for ln, take in plan if take > 0]
        expected: Refusal = None
        if m.held:
            expected = OnHold
        elif m.status not in ACTION_FROM[action]:
            expected = IllegalTransition
        elif qty > m.remaining and not overage:
            expected = OverageNotAllowed
        else:
            expected = self.consumption_refusal(m, plan)

        made = lot if m.item in TRACKED else None

        def call() -> work_orders.WorkOrderInfo:
            if every_line:
                return work_orders.post_assembly_build(self.uow, wo, str(qty), lot=made)
            return work_orders.complete_work_order(
                self.uow, wo, str(qty), backflush=backflush, lot=made
            )

        done = self.attempt(f"{action.value} backflush={backflush}", call, expected)
        if done is None:
            return
        issued_before = {ln.sku: ln.issued for ln in m.lines}
        self.events += 1
        self.consume(m, plan, overage, self.events, backflush=True)
        m.rows.append(ModelRow(self.events, None, qty, lot=made))
        self.on_hand[(m.item, m.location)] += qty
        if made is not None:
            self.lots_in(m.item, m.location, made, qty)
        m.built = new_built
        m.status = S.BUILT if m.built >= m.quantity else S.IN_PROCESS
        covered = {ln.sku for ln in m.lines if every_line or (backflush and ln.backflush)}
        for ln in m.lines:
            target = round_quantity(ln.quantity_per * m.built)
            if ln.sku in covered:
                # Brought up to quantity per x total built, never consumed twice.
                assert ln.issued == max(issued_before[ln.sku], target)
                if m.built == m.quantity and issued_before[ln.sku] <= ln.required:
                    assert ln.issued == ln.required
            else:
                assert ln.issued == issued_before[ln.sku]
        assert (done.built, S(done.status)) == (m.built, m.status)
        self.check_consumption(wo, plan, supply=frozenset({(m.item, m.location)}))

    @precondition(has_orders)
    @rule(
        pick=picks,
        amount=produce_amounts,
        how=st.sampled_from(["complete", "complete with backflush", "build"]),
        lot=lot_names,
    )
    def complete_or_build(self, pick: Pick, amount: str, how: str, lot: str) -> None:
        wo = self.choose(pick, ACTION_FROM[Act.BUILD if how == "build" else Act.COMPLETE])
        m = self.model[wo]
        qty = resolve(amount, m.quantity - m.built)
        if how == "build":
            self.produce(wo, qty, Act.BUILD, backflush=True, lot=lot)
        else:
            self.produce(wo, qty, Act.COMPLETE, backflush=how.endswith("backflush"), lot=lot)

    @rule(
        change=st.tuples(st.sampled_from(STOCKED), st.sampled_from(LOCATIONS), adjustments),
        lot=lot_names,
    )
    def adjust_stock(self, change: tuple[str, str, Decimal], lot: str) -> None:
        self.adjust(*change, lot=lot)

    def adjust(self, sku: str, location: str, qty: Decimal, lot: str = "L1") -> None:
        """An adjustment; a tracked item comes in as the lot given, and a write-off takes its
        lots first in first out."""
        self.observe()
        pair = (sku, location)
        tracked = sku in TRACKED
        # A write-off never takes stock below zero, nor stock picked for orders to ship.
        picked = sum((ln.firm for p, ln in self.before.open_lines().values() if p == pair), ZERO)
        expected = InsufficientStock if self.on_hand[pair] + qty < max(ZERO, picked) else None
        parts = None
        if tracked and qty < 0 and expected is None:
            parts = self.lots_out(sku, location, -qty)
            expected = InsufficientStock if parts is None else None
        done = self.attempt(
            ("adjust in" if qty > 0 else "adjust out") + (" by lot" if tracked else ""),
            lambda: inventory.adjust_stock(
                self.uow, sku, str(qty), location=location, lot=lot if tracked and qty > 0 else None
            ),
            expected,
        )
        if done is None:
            return
        if tracked and qty > 0:
            self.lots_in(sku, location, lot, qty)
        elif parts is not None:
            self.lots_gone(sku, location, parts)
        self.on_hand[pair] += qty
        assert done.position.on_hand == self.on_hand[pair]
        rows: list[PostedRow] = (
            [(pair, -part, lot) for lot, part in parts]
            if parts is not None
            else [(pair, qty, lot if tracked else None)]
        )
        self.postings.append(ModelPosting(done.event_id, "adjustment", rows))
        after = take_snapshot(self.uow)
        if qty > 0:
            self.check_commitments(after, supply=frozenset({pair}))
        else:
            self.check_commitments(after, consumed=frozenset({pair}))

    def has_open_demand(self) -> bool:
        return (
            any(wo.is_demand for wo in self.model.values())
            or any(so.status in SO_OPEN for so in self.sales.values())
            or any(to.status in TO_OPEN for to in self.transfers.values())
        )

    @precondition(has_open_demand)
    @rule(ordering=st.sampled_from([None, *ORDERINGS]))
    def rerun(self, ordering: str | None) -> None:
        if ordering is not None and ordering != self.prefs[ORDERING]:
            self.set_pref(ORDERING, ordering)
        self.observe()
        self.attempt("commit", lambda: commitment.rerun(self.uow), None)
        after = take_snapshot(self.uow)
        by_pair: dict[Pair, list[tuple[LineKey, LineSnap | SOLineSnap | TOLineSnap]]] = defaultdict(
            list
        )
        for lk, (pair, ln) in after.open_lines().items():
            by_pair[pair].append((lk, ln))
        for pair, entries in by_pair.items():
            entries.sort(key=lambda e: self.key_of(e[0][0]))
            # What is picked stays; the rest goes out in preference order.
            firm = sum((ln.firm for _, ln in entries), ZERO)
            extra = hand_out(
                after.balance(pair).on_hand - firm, [ln.need - ln.firm for _, ln in entries]
            )
            shares = [ln.firm + more for (_, ln), more in zip(entries, extra, strict=True)]
            got = [ln.committed for _, ln in entries]
            assert got == shares, f"{pair}: committed {got}, by {self.prefs[ORDERING]} {shares}"

    # --- sales orders and their fulfillments ---------------------------------------------

    def choose_from(self, pick: Pick, documents: dict[str, Any], statuses: frozenset[str]) -> str:
        """A document, mostly one whose status allows the action (any, to test refusals)."""
        index, any_status = pick
        numbers = list(documents)
        allowed = [n for n in numbers if documents[n].status in statuses]
        pool = numbers if any_status or not allowed else allowed
        return pool[index % len(pool)]

    def has_sales(self) -> bool:
        return bool(self.sales)

    def has_shipments(self) -> bool:
        return bool(self.shipments)

    def has_purchases(self) -> bool:
        return bool(self.purchases)

    def approval_commitments(self, so: ModelSO) -> dict[LineKey, Decimal]:
        """At approval each line commits what is available, up to what it needs."""
        free: dict[Pair, Decimal] = {}
        out: dict[LineKey, Decimal] = {}
        for ln in so.lines:
            pair = (ln.sku, so.location)
            if pair not in free:
                free[pair] = max(ZERO, self.available_before(pair))
            take = min(ln.need, free[pair])
            free[pair] -= take
            out[(so.number, ln.label)] = take
        return out

    @rule(
        lines=so_lines,
        location=st.sampled_from(LOCATIONS),
        ship=due_dates,
        priority=priorities,
        status=st.sampled_from([None, "pending_approval", "pending_fulfillment"]),
    )
    def enter_sales_order(
        self,
        lines: list[tuple[str, Decimal]],
        location: str,
        ship: date | None,
        priority: int,
        status: str | None,
    ) -> None:
        self.observe()
        info = self.attempt(
            "so create",
            lambda: sales.create_sales_order(
                self.uow,
                CUSTOMER,
                [sales.LineEntry(sku, str(q)) for sku, q in lines],
                ship_date=ship,
                priority=priority,
                location=location,
                status=status,
            ),
            None,
        )
        assert info is not None
        so = ModelSO(
            number=info.number,
            location=location,
            ship=ship,
            priority=priority,
            seq=self.next_seq(),
            status=status or self.prefs[SO_STATUS],
            lines=[ModelSOLine(str(n), sku, q) for n, (sku, q) in enumerate(lines, start=1)],
        )
        self.sales[so.number] = so
        assert info.status == so.status
        acting = self.approval_commitments(so) if so.status in SO_OPEN else {}
        self.check_commitments(take_snapshot(self.uow), acting=acting)

    @rule(
        sku=st.sampled_from(STOCKED),
        qty=so_quantities,
        location=st.sampled_from(LOCATIONS),
        plan=pick_plans,
    )
    def sell_from_stock(
        self, sku: str, qty: Decimal, location: str, plan: list[tuple[int, str]] | None
    ) -> None:
        """A walk-in order: stock arrives, the order is entered approved and picked at once."""
        self.adjust(sku, location, qty)
        self.enter_sales_order([(sku, qty)], location, None, 2, "pending_fulfillment")
        self.pick_order((len(self.sales) - 1, False), plan)

    @precondition(has_sales)
    @rule(pick=picks)
    def approve(self, pick: Pick) -> None:
        number = self.choose_from(pick, self.sales, frozenset({"pending_approval"}))
        so = self.sales[number]
        self.observe()
        ok = so.status == "pending_approval"
        done = self.attempt(
            "so approve",
            lambda: sales.approve_sales_order(self.uow, number),
            None if ok else IllegalTransition,
        )
        if done is None:
            return
        so.status = "pending_fulfillment"
        self.check_commitments(take_snapshot(self.uow), acting=self.approval_commitments(so))

    def others_releasable(self, pair: Pair, keep: LineKey, *, order: str | None = None) -> Decimal:
        """Commitment at a pair that is not firm and not the picking line's own (nor, given
        `order`, any line of that sales order)."""
        return sum(
            (
                max(ZERO, ln.committed - ln.firm)
                for lk, (p, ln) in self.before.open_lines().items()
                if p == pair and lk != keep and (order is None or lk[0] != order)
            ),
            ZERO,
        )

    def default_pick(self, so: ModelSO, mode: str) -> list[tuple[ModelSOLine, Decimal]]:
        """What a pick takes when nobody says: each line's commitment not yet picked, plus
        what the mode lets it take beyond (free stock; under ignore_commitment also what
        other orders could give up), shared by the order's lines of one item."""
        snap = self.before.sales_orders[so.number]
        plan = []
        extra: dict[Pair, Decimal] = {}
        for ln in so.lines:
            pair = (ln.sku, so.location)
            own = max(ZERO, snap.lines[ln.label].committed - ln.picked)
            room = own
            if mode != "limit_to_committed":
                if pair not in extra:
                    bal = self.before.balance(pair)
                    extra[pair] = max(ZERO, bal.on_hand - bal.committed)
                    if mode == "ignore_commitment":
                        extra[pair] += self.others_releasable(
                            pair, (so.number, ""), order=so.number
                        )
                room += extra[pair]
            qty = min(ln.to_pick, room)
            if qty > 0:
                plan.append((ln, qty))
                if pair in extra:
                    extra[pair] -= max(ZERO, qty - own)
        return plan

    def predict_pick(
        self, so: ModelSO, plan: list[tuple[ModelSOLine, Decimal]] | None
    ) -> tuple[Refusal, Any]:
        """Whether a pick is refused and why; else the picked lines, each line's commitment
        after it, and what it takes from less urgent orders."""
        if so.status not in SO_OPEN:
            return IllegalTransition, None
        mode = self.prefs[FULFILL_MODE]
        snap = self.before.sales_orders[so.number]
        if plan is None:
            plan = self.default_pick(so, mode)
            if not plan:
                return InsufficientStock, None
        acting: dict[LineKey, Decimal] = {}
        taken: dict[Pair, tuple[LineKey, Decimal]] = {}
        for ln, qty in plan:
            key = (so.number, ln.label)
            pair = (ln.sku, so.location)
            committed = snap.lines[ln.label].committed
            within = min(qty, ln.to_pick)
            over = qty - within
            if over > 0 and not self.pref_on(FULFILL_OVERAGE):
                return OverageNotAllowed, None
            if mode == "limit_to_committed" and qty > committed - ln.picked:
                return CommitmentLimit, None
            bal = self.before.balance(pair)
            short = ln.picked + within - committed
            released = ZERO
            if short > 0:
                free = max(ZERO, bal.on_hand - bal.committed)
                if short > free and mode == "ignore_commitment":
                    released = min(short - free, self.others_releasable(pair, key))
                    taken[pair] = (key, short - free)
                    free += released
                if short > free:
                    return InsufficientStock, None
            line_committed = committed + max(ZERO, short)
            if over > 0:
                if mode == "ignore_commitment":
                    spare = bal.on_hand - line_committed
                else:
                    spare = bal.on_hand - (bal.committed + max(ZERO, short))
                if over > max(ZERO, spare):
                    return InsufficientStock, None
            acting[key] = line_committed
        return None, (plan, acting, taken)

    @precondition(has_sales)
    @rule(pick=picks, amounts=pick_plans)
    def pick_order(self, pick: Pick, amounts: list[tuple[int, str]] | None) -> None:
        number = self.choose_from(pick, self.sales, SO_OPEN)
        so = self.sales[number]
        self.observe()
        plan: list[tuple[ModelSOLine, Decimal]] | None = None
        if amounts is not None:
            wanted: dict[str, Decimal] = {}
            for index, amount in amounts:
                ln = so.lines[index % len(so.lines)]
                wanted.setdefault(ln.label, resolve(amount, ln.to_pick))
            plan = [(so.line(label), q) for label, q in wanted.items()]
        expected, outcome = self.predict_pick(so, plan)
        # A tracked line holds lots for all it picks, first in first out, from what is free.
        held: list[tuple[str, str, Decimal]] = []
        if expected is None:
            for ln, qty in outcome[0]:
                if ln.sku in TRACKED:
                    parts = self.lots_out(ln.sku, so.location, qty)
                    if parts is None:
                        expected = InsufficientStock
                        break
                    held += [(ln.label, lot, part) for lot, part in parts]
        asked = None if plan is None else {ln.label: str(q) for ln, q in plan}
        done = self.attempt(
            "pick" + (" by lot" if held else ""),
            lambda: fulfillment.fulfill(self.uow, number, asked),
            expected,
        )
        if done is None:
            return
        picked, acting, taken = outcome
        assert [(x.line, x.quantity) for x in done.lines] == [(ln.label, q) for ln, q in picked]
        assert [(x.line, lot, q) for x in done.lines for lot, q in x.lots] == held
        for ln, qty in picked:
            ln.picked += min(qty, ln.to_pick)
        for label, lot, part in held:
            self.lot_held[(so.line(label).sku, so.location, lot)] += part
        self.shipments[done.number] = ModelShipment(
            done.number, number, [(ln.label, q) for ln, q in picked], lots=held
        )
        self.check_commitments(take_snapshot(self.uow), acting=acting, taken=taken)

    @precondition(has_shipments)
    @rule(pick=picks)
    def pack(self, pick: Pick) -> None:
        number = self.choose_from(pick, self.shipments, frozenset({"picked"}))
        f = self.shipments[number]
        self.observe()
        done = self.attempt(
            "pack",
            lambda: fulfillment.pack_fulfillment(self.uow, number),
            None if f.status == "picked" else IllegalTransition,
        )
        if done is not None:
            f.status = "packed"
            self.check_commitments(take_snapshot(self.uow))

    @precondition(has_shipments)
    @rule(pick=picks)
    def cancel_pick(self, pick: Pick) -> None:
        number = self.choose_from(pick, self.shipments, frozenset({"picked", "packed"}))
        f = self.shipments[number]
        self.observe()
        done = self.attempt(
            "cancel pick",
            lambda: fulfillment.cancel_fulfillment(self.uow, number),
            None if f.status in ("picked", "packed") else IllegalTransition,
        )
        if done is None:
            return
        f.status = "cancelled"
        so = self.sales[f.order]
        for label, lot, part in f.lots:  # put back: its lots are free again
            self.lot_held[(so.line(label).sku, so.location, lot)] -= part
        for label, _q in f.lines:
            ln = so.line(label)
            others = sum(
                (
                    q
                    for g in self.shipments.values()
                    if g.order == so.number and g.status in ("picked", "packed")
                    for lab, q in g.lines
                    if lab == label
                ),
                ZERO,
            )
            ln.picked = min(ln.need, others)
        self.check_commitments(take_snapshot(self.uow))

    def predict_ship(self, f: ModelShipment) -> Refusal:
        if f.status not in ("picked", "packed"):
            return IllegalTransition
        so = self.sales[f.order]
        if so.status not in SO_OPEN:  # another shipment fulfilled the order meanwhile
            return IllegalTransition
        snap = self.before.sales_orders[so.number]
        mode = self.prefs[FULFILL_MODE]
        for label, qty in f.lines:
            pair = (so.line(label).sku, so.location)
            bal = self.before.balance(pair)
            beyond = qty - snap.lines[label].committed
            if (
                beyond > 0
                and mode != "ignore_commitment"
                and beyond > max(ZERO, bal.on_hand - bal.committed)
            ):
                return InsufficientStock
        for label, qty in f.lines:
            ln = so.line(label)
            pair = (ln.sku, so.location)
            bal = self.before.balance(pair)
            if qty > bal.on_hand:
                return InsufficientStock
            firm_after = max(ZERO, ln.picked - qty) + sum(
                (
                    other.firm
                    for lk, (p, other) in self.before.open_lines().items()
                    if p == pair and lk != (so.number, label)
                ),
                ZERO,
            )
            if firm_after > bal.on_hand - qty:
                return InsufficientStock
        return None

    @precondition(has_shipments)
    @rule(pick=picks)
    def ship(self, pick: Pick) -> None:
        self.ship_shipment(self.choose_from(pick, self.shipments, frozenset({"picked", "packed"})))

    def ship_shipment(self, number: str) -> None:
        f = self.shipments[number]
        self.observe()
        done = self.attempt(
            "ship", lambda: fulfillment.ship_fulfillment(self.uow, number), self.predict_ship(f)
        )
        if done is None:
            return
        so = self.sales[f.order]
        snap = self.before.sales_orders[so.number]
        acting: dict[LineKey, Decimal] = {}
        consumed = set()
        for label, lot, part in f.lots:  # exactly the lots it picked leave
            key = (so.line(label).sku, so.location, lot)
            self.lot_held[key] -= part
            self.lot_stock[key] -= part
        for label, qty in f.lines:
            ln = so.line(label)
            committed = snap.lines[label].committed
            ln.fulfilled += qty
            ln.picked = max(ZERO, ln.picked - qty)
            self.on_hand[(ln.sku, so.location)] -= qty
            acting[(so.number, label)] = committed - min(committed, qty)
            consumed.add((ln.sku, so.location))
        f.status = "shipped"
        so.status = (
            "fulfilled"
            if all(ln.fulfilled >= ln.quantity for ln in so.lines)
            else "partially_fulfilled"
        )
        assert done.status == "shipped"
        for label, lot, part in f.lots:  # what a return of the line brings back in
            self.shipped_lots[(so.number, label)].append((lot, part))
        self.postings.append(
            ModelPosting(
                done.changes.event_id,
                "shipment",
                [((so.line(label).sku, so.location), -q, None) for label, q in f.lines],
            )
        )
        self.check_commitments(take_snapshot(self.uow), acting=acting, consumed=frozenset(consumed))

    @precondition(has_sales)
    @rule(pick=picks)
    def close_sales_order(self, pick: Pick) -> None:
        closable = frozenset({"pending_fulfillment", "partially_fulfilled", "fulfilled"})
        number = self.choose_from(pick, self.sales, closable)
        so = self.sales[number]
        self.observe()
        waiting = any(
            g.order == number and g.status in ("picked", "packed") for g in self.shipments.values()
        )
        ok = so.status in closable and not waiting
        done = self.attempt(
            "so close",
            lambda: sales.close_sales_order(self.uow, number),
            None if ok else IllegalTransition,
        )
        if done is None:
            return
        snap = self.before.sales_orders[number]
        freed = frozenset(
            (ln.sku, so.location)
            for ln in snap.lines.values()
            if so.status in SO_OPEN and ln.committed > 0
        )
        so.status = "closed"
        self.check_commitments(take_snapshot(self.uow), supply=freed)

    # --- purchase orders and receipts ---------------------------------------------------

    @rule(
        sku=st.sampled_from(STOCKED), qty=quantities("2", "5"), location=st.sampled_from(LOCATIONS)
    )
    def order_stock(self, sku: str, qty: Decimal, location: str) -> None:
        self.observe()
        buyable = sku not in ASSEMBLIES or self.pref_on(BUY_ASSEMBLIES)
        done = self.attempt(
            "po create",
            lambda: purchasing.create_purchase_order(
                self.uow, VENDOR, [purchasing.OrderedLine(sku, str(qty))], location=location
            ),
            None if buyable else ValidationError,
        )
        if done is None:
            return
        self.purchases[done.number] = ModelPO(done.number, location, [ModelPOLine(1, sku, qty)])
        self.check_commitments(take_snapshot(self.uow))

    @precondition(has_purchases)
    @rule(
        pick=picks,
        line=st.integers(0, 2),
        amount=st.sampled_from(["1", REST, REST, OVER]),
        lot=lot_names,
    )
    def receive(self, pick: Pick, line: int, amount: str, lot: str) -> None:
        number = self.choose_from(pick, self.purchases, frozenset({"open", "partially_received"}))
        self.receive_on(number, line, amount, lot)

    def receive_on(self, number: str, line: int, amount: str, lot: str = "L1") -> None:
        receivable = frozenset({"open", "partially_received"})
        po = self.purchases[number]
        ln = po.lines[line % len(po.lines)]
        qty = resolve(amount, ln.quantity - ln.received)
        self.observe()
        expected: Refusal = None
        if po.status not in receivable:
            expected = IllegalTransition
        elif ln.cancelled:
            expected = ValidationError
        elif qty > ln.quantity - ln.received and not self.pref_on(RECEIPT_OVERAGE):
            expected = OverageNotAllowed
        tracked = ln.sku in TRACKED
        done = self.attempt(
            "receive" + (" a lot" if tracked else ""),
            lambda: purchasing.receive_purchase_order(
                self.uow,
                number,
                {str(ln.line_no): str(qty)},
                lots={str(ln.line_no): lot_given(lot)} if tracked else None,
            ),
            expected,
        )
        if done is None:
            return
        if tracked:
            self.lots_in(ln.sku, po.location, lot, qty)
        ln.received += qty
        receipt = ModelReceipt(qty, lot if tracked else None)
        ln.receipts.append(receipt)
        po.settle_status()
        self.on_hand[(ln.sku, po.location)] += qty

        def undo(po: ModelPO = po, ln: ModelPOLine = ln, receipt: ModelReceipt = receipt) -> None:
            """A receipt taken back: the order expects it again (a closed one would not), and
            nothing of it can go back to the vendor any more."""
            ln.received -= receipt.quantity
            receipt.reversed = True
            if po.status in ("open", "partially_received", "received"):
                po.settle_status()

        def refuse(receipt: ModelReceipt = receipt) -> Refusal:
            """A receipt whose goods a vendor return sends back is not taken back."""
            return ValidationError if self.returns_hold(receipt) > 0 else None

        self.postings.append(
            ModelPosting(
                done.changes.event_id,
                "receipt",
                [((ln.sku, po.location), qty, lot if tracked else None)],
                undo,
                refuse=refuse,
            )
        )
        self.check_commitments(take_snapshot(self.uow), supply=frozenset({(ln.sku, po.location)}))

    # --- changing purchase orders ---------------------------------------------------------

    @precondition(has_purchases)
    @rule(
        pick=picks,
        line=st.integers(0, 2),
        change=st.sampled_from(["cut", "raise", "below", "cancel", "add"]),
        sku=st.sampled_from(STOCKED),
    )
    def edit_purchase(self, pick: Pick, line: int, change: str, sku: str) -> None:
        """A line cut (to what came in, or below it: refused), raised, cancelled (only while
        nothing came in on it and it is not the last), or a new line added."""
        editable = frozenset({"open", "partially_received", "received"})
        number = self.choose_from(pick, self.purchases, editable)
        po = self.purchases[number]
        ln = po.lines[line % len(po.lines)]
        live = [x for x in po.lines if not x.cancelled]
        kwargs: dict[str, Any] = {}
        expected: Refusal = None
        qty = ZERO
        if change in ("cut", "raise", "below"):
            qty = {
                "cut": max(ln.received, D("0.5")),
                "raise": ln.quantity + 1,
                "below": ln.received - D("0.5"),
            }[change]
            kwargs["quantities"] = {str(ln.line_no): str(qty)}
            if ln.cancelled or (qty > 0 and qty < ln.received):
                expected = ValidationError
            elif qty <= 0:
                expected = InvalidQuantity
        elif change == "cancel":
            kwargs["cancel"] = [str(ln.line_no)]
            if ln.cancelled or ln.received > 0 or len(live) == 1:
                expected = ValidationError
        else:
            kwargs["add"] = [purchasing.OrderedLine(sku, "2")]
            if sku in ASSEMBLIES and not self.pref_on(BUY_ASSEMBLIES):
                expected = ValidationError
        if po.status not in editable:
            expected = IllegalTransition
        self.observe()
        done = self.attempt(
            f"po edit {change}",
            lambda: edit_purchase_order(self.uow, number, **kwargs),
            expected,
        )
        if done is None:
            return
        if change in ("cut", "raise"):
            ln.quantity = qty
        elif change == "cancel":
            ln.cancelled = True
        else:
            po.lines.append(ModelPOLine(len(po.lines) + 1, sku, D(2)))
        po.settle_status()
        assert done.status == po.status
        self.check_commitments(take_snapshot(self.uow))

    # --- vendor returns ---------------------------------------------------------------------

    def has_vendor_returns(self) -> bool:
        return bool(self.vendor_returns)

    def returns_hold(self, receipt: ModelReceipt) -> Decimal:
        """What vendor returns hold of one receipt."""
        return sum(
            (
                v.held(part)
                for v in self.vendor_returns.values()
                for part in v.parts
                if part.receipt is receipt
            ),
            ZERO,
        )

    @precondition(has_purchases)
    @rule(pick=picks, line=st.integers(0, 2), amount=st.sampled_from(["1", REST, REST, OVER]))
    def return_to_vendor(self, pick: Pick, line: int, amount: str) -> None:
        """What came in on a line goes back, never more than came in less what returns
        hold; made pending approval, or approved at once, as the plant says."""
        returnable = frozenset({"partially_received", "received"})
        self.return_on(self.choose_from(pick, self.purchases, returnable), line, amount)

    def return_on(self, number: str, line: int, amount: str) -> None:
        returnable = frozenset({"partially_received", "received"})
        po = self.purchases[number]
        ln = po.lines[line % len(po.lines)]
        rooms = [
            (r, r.quantity - self.returns_hold(r)) for r in reversed(ln.receipts) if not r.reversed
        ]  # newest first
        room = sum((free for _r, free in rooms), ZERO)
        qty = resolve(amount, room)
        expected: Refusal = None
        if po.status not in returnable:
            expected = IllegalTransition
        elif qty > room:
            expected = ValidationError
        self.observe()
        done = self.attempt(
            "po return",
            lambda: vendor_returns.return_to_vendor(self.uow, number, {str(ln.line_no): str(qty)}),
            expected,
        )
        if done is None:
            return
        parts, left = [], qty
        for receipt, free in rooms:
            take = min(left, free)
            if take > 0:
                parts.append(ModelPart(receipt, take))
                left -= take
        vra = ModelVRA(done.number, ln.sku, po.location, parts, self.prefs[VRA_STATUS])
        self.vendor_returns[vra.number] = vra
        assert done.status == vra.status
        self.check_commitments(take_snapshot(self.uow))

    @precondition(has_vendor_returns)
    @rule(pick=picks, action=st.sampled_from(["approve", "cancel", "close"]))
    def settle_vendor_return(self, pick: Pick, action: str) -> None:
        allowed = VRA_FROM[action]
        self.settle_return(self.choose_from(pick, self.vendor_returns, allowed), action)

    def settle_return(self, number: str, action: str) -> None:
        allowed = VRA_FROM[action]
        vra = self.vendor_returns[number]
        call = {
            "approve": vendor_returns.approve_vendor_return,
            "cancel": vendor_returns.cancel_vendor_return,
            "close": vendor_returns.close_vendor_return,
        }[action]
        self.observe()
        done = self.attempt(
            f"vra {action}",
            lambda: call(self.uow, number),
            None if vra.status in allowed else IllegalTransition,
        )
        if done is None:
            return
        vra.status = {"approve": "pending_return", "cancel": "cancelled", "close": "closed"}[action]
        self.check_commitments(take_snapshot(self.uow))

    @precondition(has_vendor_returns)
    @rule(pick=picks, amount=st.sampled_from(["1", REST, REST, OVER]))
    def ship_vendor_return(self, pick: Pick, amount: str) -> None:
        """The goods leave: like a write-off, never below zero nor below what is picked for
        orders waiting to ship, and commitment gives way last in preference order first."""
        shippable = frozenset({"pending_return", "partially_returned"})
        self.ship_return(self.choose_from(pick, self.vendor_returns, shippable), amount)

    def ship_return(self, number: str, amount: str) -> None:
        shippable = frozenset({"pending_return", "partially_returned"})
        vra = self.vendor_returns[number]
        first = vra.parts[0]  # its line 1
        left = first.quantity - first.shipped
        qty = resolve(amount, left)
        pair = (vra.sku, vra.location)
        self.observe()
        picked = sum((ln.firm for p, ln in self.before.open_lines().values() if p == pair), ZERO)
        expected: Refusal = None
        if vra.status not in shippable:
            expected = IllegalTransition
        elif qty > left:
            expected = ValidationError
        elif self.on_hand[pair] - qty < max(ZERO, picked):
            expected = InsufficientStock
        # A tracked item goes back from the lot its receipt brought in, never what is reserved.
        lot = first.receipt.lot
        parts = None
        if lot is not None and expected is None:
            parts = self.lots_out(vra.sku, vra.location, qty, [(lot, qty)])
            expected = InsufficientStock if parts is None else None
        done = self.attempt(
            "vra ship" + (" a lot" if lot is not None else ""),
            lambda: vendor_returns.ship_vendor_return(self.uow, number, {"1": str(qty)}),
            expected,
        )
        if done is None:
            return
        if parts is not None:
            self.lots_gone(vra.sku, vra.location, parts)
        first.shipped += qty
        vra.status = (
            "returned" if all(p.shipped >= p.quantity for p in vra.parts) else "partially_returned"
        )
        self.on_hand[pair] -= qty
        assert done.status == vra.status
        self.check_commitments(take_snapshot(self.uow), consumed=frozenset({pair}))

    @rule(
        sku=st.sampled_from(COMPONENTS),
        location=st.sampled_from(LOCATIONS),
        amounts=st.tuples(
            st.sampled_from(["1", REST]), st.sampled_from(["1", REST, OVER]), st.booleans()
        ),
    )
    def buy_and_send_back(self, sku: str, location: str, amounts: tuple[str, str, bool]) -> None:
        """Goods bought, received and partly sent back again: the whole path of a vendor
        return in one step (received, returned, approved when it waits, shipped)."""
        back, shipped, twice = amounts
        before = set(self.purchases)
        self.order_stock(sku, D(5), location)
        (number,) = set(self.purchases) - before
        self.receive_on(number, 0, "2")
        if twice:
            self.receive_on(number, 0, "1")
        made = set(self.vendor_returns)
        self.return_on(number, 0, back)
        for vra in set(self.vendor_returns) - made:
            if self.vendor_returns[vra].status == "pending_approval":
                self.settle_return(vra, "approve")
            self.ship_return(vra, shipped)

    # --- drop ship: the vendor ships straight to the customer ---------------------------------

    def has_drop_ships(self) -> bool:
        return bool(self.drop_pos)

    def has_drop_sales(self) -> bool:
        return bool(self.drop_sales)

    def has_drop_shipped(self) -> bool:
        return any(so.lines[0].fulfilled > 0 for so in self.drop_sales.values())

    def has_drop_returns(self) -> bool:
        return bool(self.drop_returns)

    @rule(
        qty=so_quantities,
        location=st.sampled_from(LOCATIONS),
        ship=due_dates,
        status=st.sampled_from([None, "pending_approval", "pending_fulfillment"]),
    )
    def enter_drop_ship_order(
        self, qty: Decimal, location: str, ship: date | None, status: str | None
    ) -> None:
        self.drop_ship_order(qty, location, ship, status)

    def drop_ship_order(
        self, qty: Decimal, location: str, ship: date | None, status: str | None
    ) -> str:
        """An order of the rack on a drop-ship line: bought at approval (at once when entered
        approved), committing nothing."""
        self.observe()
        info = self.attempt(
            "so create drop ship",
            lambda: sales.create_sales_order(
                self.uow,
                CUSTOMER,
                [sales.LineEntry(DROP, str(qty), "drop_ship")],
                ship_date=ship,
                priority=2,
                location=location,
                status=status,
            ),
            None,
        )
        assert info is not None
        so = ModelSO(
            number=info.number,
            location=location,
            ship=ship,
            priority=2,
            seq=self.next_seq(),
            status=status or self.prefs[SO_STATUS],
            lines=[ModelSOLine("1", DROP, qty)],
        )
        self.drop_sales[so.number] = so
        assert info.status == so.status
        if so.status in SO_OPEN:
            self.bought(so)
        else:
            self.check_commitments(take_snapshot(self.uow))
        return so.number

    def bought(self, so: ModelSO) -> None:
        """Approval buys the drop-ship line on a purchase order of the item's preferred
        vendor at the order's location, for the line's quantity; the line commits nothing."""
        (line,) = sales.get_sales_order(self.uow, so.number).lines
        (number,) = line.created
        po = purchasing.get_purchase_order(self.uow, number)
        assert (po.drop_ship, po.vendor, po.location) == (True, VENDOR, so.location)
        self.drop_pos[number] = ModelPO(number, so.location, [ModelPOLine(1, DROP, line.quantity)])
        self.bought_for[number] = so.number
        self.check_commitments(take_snapshot(self.uow), acting={(so.number, "1"): ZERO})

    @precondition(has_drop_sales)
    @rule(pick=picks)
    def approve_drop_ship_order(self, pick: Pick) -> None:
        number = self.choose_from(pick, self.drop_sales, frozenset({"pending_approval"}))
        so = self.drop_sales[number]
        self.observe()
        ok = so.status == "pending_approval"
        done = self.attempt(
            "so approve drop ship",
            lambda: sales.approve_sales_order(self.uow, number),
            None if ok else IllegalTransition,
        )
        if done is None:
            return
        so.status = "pending_fulfillment"
        self.bought(so)

    @precondition(has_drop_ships)
    @rule(pick=picks, amount=st.sampled_from([None, "1", REST, OVER]))
    def vendor_ships(self, pick: Pick, amount: str | None) -> None:
        number = self.choose_from(pick, self.drop_pos, frozenset({"open", "partially_received"}))
        self.mark_shipped(number, amount)

    def mark_shipped(self, number: str, amount: str | None) -> None:
        """The vendor ships all that is left (None), or part, or more (both overage
        preferences on: the customer's and the vendor's) straight to the customer: a shipped
        fulfillment fulfills the order line, and nothing moves through our stock."""
        po = self.drop_pos[number]
        so = self.drop_sales[self.bought_for[number]]
        ln, sl = po.lines[0], so.lines[0]
        qty = ln.remaining if amount is None else resolve(amount, ln.remaining)
        expected: Refusal = None
        if po.status not in ("open", "partially_received"):
            expected = IllegalTransition
        elif qty > ln.remaining and not (
            self.pref_on(RECEIPT_OVERAGE) and self.pref_on(FULFILL_OVERAGE)
        ):
            expected = OverageNotAllowed
        self.observe()
        done = self.attempt(
            "drop ship shipped",
            lambda: purchasing.mark_drop_ship_shipped(
                self.uow, number, None if amount is None else {"1": str(qty)}
            ),
            expected,
        )
        if done is None:
            return
        ln.received += qty
        po.settle_status()
        sl.fulfilled += qty
        so.status = "fulfilled" if sl.fulfilled >= sl.quantity else "partially_fulfilled"
        assert done.status == po.status
        after = take_snapshot(self.uow)
        assert after.ledger_rows == self.before.ledger_rows  # no stock of ours moved
        (shipped,) = set(after.fulfillments) - set(self.before.fulfillments)
        self.shipments[shipped] = ModelShipment(shipped, so.number, [("1", qty)], "shipped")
        self.check_commitments(after)

    @precondition(has_drop_shipped)
    @rule(pick=picks, amount=return_amounts)
    def return_drop_shipped(self, pick: Pick, amount: str) -> None:
        """A customer sends back some of what a vendor drop-shipped to them."""
        shipped = [n for n, so in self.drop_sales.items() if so.lines[0].fulfilled > 0]
        self.authorize_return(shipped[pick[0] % len(shipped)], 0, amount)

    @precondition(has_drop_returns)
    @rule(pick=picks, action=st.sampled_from(["approve", "approve", "cancel", "close"]))
    def settle_drop_return(self, pick: Pick, action: str) -> None:
        number = self.choose_from(pick, self.drop_returns, VRA_FROM[action])
        self.settle_drop_returned(number, action)

    def settle_drop_returned(self, number: str, action: str) -> None:
        """A vendor return of a customer's goods is approved as any other; it is closed or
        cancelled with its RMA, never on its own."""
        vra = self.drop_returns[number]
        call = {
            "approve": vendor_returns.approve_vendor_return,
            "cancel": vendor_returns.cancel_vendor_return,
            "close": vendor_returns.close_vendor_return,
        }[action]
        ok = action == "approve" and vra.status == "pending_approval"
        self.observe()
        done = self.attempt(
            f"drop vra {action}",
            lambda: call(self.uow, number),
            None if ok else IllegalTransition,
        )
        if done is None:
            return
        vra.status = "pending_return"
        assert done.status == vra.status
        self.check_commitments(take_snapshot(self.uow))

    @precondition(has_drop_returns)
    @rule(pick=picks, amount=st.sampled_from([None, "1", REST, OVER]))
    def ship_drop_return(self, pick: Pick, amount: str | None) -> None:
        shippable = frozenset({"pending_return", "partially_returned"})
        self.ship_drop_returned(self.choose_from(pick, self.drop_returns, shippable), amount)

    def ship_drop_returned(self, number: str, amount: str | None) -> None:
        """The vendor has the customer's goods (all still to go, or part): nothing moves
        through our stock, and the RMA's line counts them as received, its status and the
        customer's credit following."""
        vra = self.drop_returns[number]
        rma = self.returns[vra.rma]
        left = vra.quantity - vra.shipped
        qty = left if amount is None else resolve(amount, left)
        expected: Refusal = None
        if vra.status not in ("pending_return", "partially_returned"):
            expected = IllegalTransition
        elif qty > left:
            expected = ValidationError
        self.observe()
        done = self.attempt(
            "drop vra ship",
            lambda: vendor_returns.ship_vendor_return(
                self.uow, number, None if amount is None else {"1": str(qty)}
            ),
            expected,
        )
        if done is None:
            return
        vra.shipped += qty
        vra.status = "returned" if vra.shipped >= vra.quantity else "partially_returned"
        assert done.status == vra.status
        rma.line.received += qty
        rma.status = rma.status_after_receipt()
        after = take_snapshot(self.uow)
        assert after.ledger_rows == self.before.ledger_rows  # no stock of ours moved
        self.check_commitments(after)

    @rule(
        qty=so_quantities,
        location=st.sampled_from(LOCATIONS),
        amounts=st.tuples(
            st.sampled_from([None, "1"]), return_amounts, st.sampled_from([None, "1", OVER])
        ),
        alone=st.sampled_from([None, "cancel", "close"]),
        finish=st.booleans(),
    )
    def drop_ship_and_take_back(
        self,
        qty: Decimal,
        location: str,
        amounts: tuple[str | None, str, str | None],
        alone: str | None,
        finish: bool,
    ) -> None:
        """The whole path in one step: a drop-ship order approved at once and shipped by its
        vendor (in full or in part), part of it sent back by the customer to that vendor
        (authorized, approved when it waits), its vendor return approved when it waits (and
        refused if cancelled or closed on its own) and shipped (in full or in part), and the
        return perhaps finished (closed or cancelled as it stands), finishing its vendor
        return."""
        shipped, back, sent = amounts
        order = self.drop_ship_order(qty, location, None, "pending_fulfillment")
        (po,) = [n for n, so in self.bought_for.items() if so == order]
        self.mark_shipped(po, shipped)
        number = self.authorize_return(order, 0, back)
        if number is None:
            return
        rma = self.returns[number]
        if rma.status == "pending_approval":
            self.approve_returned(number)
        for vra in rma.vras:
            if self.drop_returns[vra].status == "pending_approval":
                self.settle_drop_returned(vra, "approve")
            if alone is not None:
                self.settle_drop_returned(vra, alone)
            self.ship_drop_returned(vra, sent)
        if finish:
            self.finish_returned(number, rma.status in self.finishing(True))

    # --- changing sales order lines ---------------------------------------------------------

    @precondition(has_sales)
    @rule(pick=picks, line=st.integers(0, 2), qty=quantities("0.5", "1", "3", "6"))
    def resize_sales_line(self, pick: Pick, line: int, qty: Decimal) -> None:
        """A line's new quantity, never below what is picked or shipped: what it no longer
        needs is released (new supply for waiting lines); grown to take in what was picked
        beyond it, it holds that pick firm again (committing it from free stock, or, when
        fulfillment ignores commitment, from less urgent lines); then the order's lines
        commit what is available."""
        editable = frozenset({"pending_approval", "pending_fulfillment", "partially_fulfilled"})
        number = self.choose_from(pick, self.sales, editable)
        so = self.sales[number]
        ln = so.lines[line % len(so.lines)]
        key = (number, ln.label)
        pair = (ln.sku, so.location)
        was_open = so.status in SO_OPEN
        self.observe()
        expected: Refusal = None
        if so.status not in editable:
            expected = IllegalTransition
        elif qty < ln.fulfilled + ln.picked:
            expected = ValidationError
        # The pool at the line's pair as the posting sees it: its own release first.
        need = max(ZERO, qty - ln.fulfilled)
        extra = max(ZERO, min(need, self.open_picks(number, ln.label)) - ln.picked)
        committed = self.before.sales_orders[number].lines[ln.label].committed if was_open else ZERO
        kept = min(committed, need)
        bal = self.before.balance(pair)
        held = bal.committed - (committed - kept)  # what the pair holds after the release
        short = ln.picked + extra - kept  # what holding the pick firm must commit more
        taken: dict[Pair, tuple[LineKey, Decimal]] = {}
        if expected is None and was_open and extra > 0 and short > 0:
            free = max(ZERO, bal.on_hand - held)
            if short > free and self.prefs[FULFILL_MODE] == "ignore_commitment":
                given = min(short - free, self.others_releasable(pair, key))
                taken[pair] = (key, short - free)
                held -= given
                free += given
            if short > free:
                expected = InsufficientStock
        done = self.attempt(
            "so resize",
            lambda: sales.update_sales_order(self.uow, number, quantities={ln.label: str(qty)}),
            expected,
        )
        if done is None:
            return
        ln.quantity = qty
        if was_open:
            ln.picked += extra
            so.status = (
                "fulfilled"
                if all(x.fulfilled >= x.quantity for x in so.lines)
                else "partially_fulfilled"
                if any(x.fulfilled > 0 for x in so.lines)
                else "pending_fulfillment"
            )
        assert done.status == so.status
        acting: dict[LineKey, Decimal] = {}
        freed: set[Pair] = set()
        if was_open:
            snap = self.before.sales_orders[number]
            holding: dict[LineKey, Decimal] = {
                (number, x.label): snap.lines[x.label].committed for x in so.lines
            }
            holding[key] = kept + max(ZERO, short) if extra > 0 else kept
            if kept < committed:
                freed.add(pair)
            # Each pair's pool after the release and the firm pick; then the order's lines
            # commit what is available, in line order, taking from nobody.
            pools: dict[Pair, Decimal] = {}
            for x in so.lines:
                at = (x.sku, so.location)
                if at not in pools:
                    b = self.before.balance(at)
                    pools[at] = b.on_hand - (held if at == pair else b.committed)
            if extra > 0 and short > 0:
                pools[pair] -= short
            for x in so.lines:
                at = (x.sku, so.location)
                lk = (number, x.label)
                take = min(max(ZERO, x.need - holding[lk]), max(ZERO, pools[at]))
                pools[at] -= take
                acting[lk] = holding[lk] + take
        self.check_commitments(
            take_snapshot(self.uow), acting=acting, supply=frozenset(freed), taken=taken
        )

    def open_picks(self, number: str, label: str) -> Decimal:
        """What the order's picked and packed fulfillments carry of one line."""
        return sum(
            (
                q
                for f in self.shipments.values()
                if f.order == number and f.status in ("picked", "packed")
                for lab, q in f.lines
                if lab == label
            ),
            ZERO,
        )

    # --- the floor's exceptions on work orders -------------------------------------------

    def choose_where(self, pick: Pick, fits: Callable[[ModelWO], bool]) -> str:
        """A work order, mostly one that `fits` (any, to test refusals)."""
        index, any_status = pick
        numbers = list(self.model)
        fitting = [n for n in numbers if fits(self.model[n])]
        pool = numbers if any_status or not fitting else fitting
        return pool[index % len(pool)]

    def refused_on(self, m: ModelWO, action: Act) -> Refusal:
        """What a posting on a work order is refused for before anything else: its hold,
        then its status."""
        if m.held and action != Act.RESUME:
            return OnHold
        if m.status not in ACTION_FROM[action]:
            return IllegalTransition
        return None

    def recommitted(self, m: ModelWO, line: ModelLine, back: Decimal) -> Decimal:
        """A line's commitment once `back` of what it consumed is in stock again: what it
        gave back is its own again, as far as it needs it."""
        before = self.before.work_orders[m.number].line(line.sku).committed
        return before + min(back, max(ZERO, line.need - before))

    def picked_at(self, pair: Pair) -> Decimal:
        return sum((ln.firm for p, ln in self.before.open_lines().values() if p == pair), ZERO)

    def leaving_refusal(self, pair: Pair, qty: Decimal) -> Refusal:
        """Stock that leaves without being consumed: never more than on hand, never what is
        picked for orders waiting to ship."""
        if qty > self.on_hand[pair] or self.picked_at(pair) > self.on_hand[pair] - qty:
            return InsufficientStock
        return None

    @precondition(has_orders)
    @rule(pick=picks, amount=st.sampled_from(["0.5", "1", "2", "4", "built", "under"]))
    def change_quantity(self, pick: Pick, amount: str) -> None:
        wo = self.choose(pick, ACTION_FROM[Act.EDIT])
        m = self.model[wo]
        if amount == "built":
            qty = m.built
        elif amount == "under":
            qty = m.built - D("0.5")
        else:
            qty = D(amount)
        qty = max(qty, D("0.5"))
        self.observe()
        expected = self.refused_on(m, Act.EDIT)
        if expected is None and qty != m.quantity and qty < m.built:
            expected = ValidationError  # (an order built past its quantity may keep it)
        done = self.attempt(
            "wo edit quantity",
            lambda: editing.edit_work_order(self.uow, wo, quantity=str(qty)),
            expected,
        )
        if done is None:
            return
        if qty == m.quantity:  # nothing changes
            self.check_commitments(take_snapshot(self.uow))
            return
        snap = self.before.work_orders[wo]
        acting: dict[LineKey, Decimal] = {}
        freed = set()
        for ln in m.lines:
            ln.required = round_quantity(ln.quantity_per * qty)
            if ln.issued > ln.required:
                ln.overage_allowed = True
            if m.is_demand:
                before = snap.line(ln.sku).committed
                kept = min(before, ln.need)
                if kept < before:
                    freed.add((ln.sku, m.location))
                free = max(ZERO, self.available_before((ln.sku, m.location)))
                acting[(wo, ln.sku)] = kept + min(ln.need - kept, free)
        m.quantity = qty
        if m.status in (S.IN_PROCESS, S.BUILT):
            m.status = S.BUILT if m.built >= m.quantity else S.IN_PROCESS
        assert (done.quantity, S(done.status)) == (qty, m.status)
        self.check_commitments(take_snapshot(self.uow), acting=acting, supply=frozenset(freed))

    @precondition(has_orders)
    @rule(pick=picks, due=due_dates, priority=priorities)
    def rush(self, pick: Pick, due: date | None, priority: int) -> None:
        """A new due date and priority: commitment re-runs where the order's lines are."""
        wo = self.choose(pick, ACTION_FROM[Act.EDIT])
        m = self.model[wo]
        self.observe()
        done = self.attempt(
            "wo edit urgency",
            lambda: editing.edit_work_order(
                self.uow, wo, due="" if due is None else due, priority=priority
            ),
            self.refused_on(m, Act.EDIT),
        )
        if done is None:
            return
        changed = (m.due, m.priority) != (due, priority)
        m.due, m.priority = due, priority
        after = take_snapshot(self.uow)
        pairs = {(ln.sku, m.location) for ln in m.lines} if changed and m.is_demand else set()
        by_pair: dict[Pair, list[tuple[LineKey, LineSnap | SOLineSnap]]] = defaultdict(list)
        for lk, (pair, ln) in after.open_lines().items():
            by_pair[pair].append((lk, ln))
        for pair, entries in by_pair.items():
            if pair not in pairs:  # untouched: as it was
                got = {lk: ln.committed for lk, ln in entries}
                assert got == {lk: self.before.committed_of(lk) for lk, _ln in entries}, pair
                continue
            entries.sort(key=lambda e: self.key_of(e[0][0]))
            firm = sum((ln.firm for _, ln in entries), ZERO)
            extra = hand_out(
                after.balance(pair).on_hand - firm, [ln.need - ln.firm for _, ln in entries]
            )
            shares = [ln.firm + more for (_, ln), more in zip(entries, extra, strict=True)]
            assert [ln.committed for _, ln in entries] == shares, (pair, self.prefs[ORDERING])

    @precondition(has_orders)
    @rule(pick=picks)
    def hold_or_resume(self, pick: Pick) -> None:
        index, resume = pick
        wo = self.choose_where(
            (index, False), lambda w: w.status in ACTIVE and (w.held if resume else not w.held)
        )
        m = self.model[wo]
        self.observe()
        if m.held:
            done = self.attempt(
                "wo resume",
                lambda: editing.resume_work_order(self.uow, wo),
                self.refused_on(m, Act.RESUME),
            )
            if done is None:
                return
            m.held = False
            acting = {}
            if m.hold_released:
                m.hold_released = False
                acting = {
                    (wo, ln.sku): min(
                        ln.need, max(ZERO, self.available_before((ln.sku, m.location)))
                    )
                    for ln in m.lines
                }
            self.check_commitments(take_snapshot(self.uow), acting=acting)
            return
        expected = self.refused_on(m, Act.HOLD)
        done = self.attempt(
            "wo hold", lambda: editing.hold_work_order(self.uow, wo, "machine down"), expected
        )
        if done is None:
            return
        m.held = True
        freed: frozenset[Pair] = frozenset()
        if self.pref_on(RELEASE_ON_HOLD) and m.status in OPEN_DEMAND:
            m.hold_released = True
            snap = self.before.work_orders[wo]
            freed = frozenset((ln.sku, m.location) for ln in snap.lines if ln.committed > 0)
        self.check_commitments(take_snapshot(self.uow), supply=freed)

    @precondition(has_orders)
    @rule(pick=picks)
    def unrelease(self, pick: Pick) -> None:
        wo = self.choose(pick, ACTION_FROM[Act.UNRELEASE])
        m = self.model[wo]
        self.observe()
        done = self.attempt(
            "wo unrelease",
            lambda: editing.unrelease_work_order(self.uow, wo),
            self.refused_on(m, Act.UNRELEASE),
        )
        if done is None:
            return
        m.status = S.FIRM_PLANNED
        snap = self.before.work_orders[wo]
        freed = frozenset((ln.sku, m.location) for ln in snap.lines if ln.committed > 0)
        self.check_commitments(take_snapshot(self.uow), supply=freed)

    @precondition(has_orders)
    @rule(pick=picks, index=st.integers(0, 2), amount=st.sampled_from(["0.5", "1", REST, OVER]))
    def return_components(self, pick: Pick, index: int, amount: str) -> None:
        wo = self.choose_where(
            pick,
            lambda w: (
                not w.held
                and w.status in ACTION_FROM[Act.RETURN]
                and any(ln.issued > 0 for ln in w.lines)
            ),
        )
        m = self.model[wo]
        consumed = [ln for ln in m.lines if ln.issued > 0] or m.lines
        line = consumed[index % len(consumed)]
        qty = resolve(amount, line.issued)
        self.observe()
        expected = self.refused_on(m, Act.RETURN)
        if expected is None and qty > line.issued:
            expected = ValidationError
        done = self.attempt(
            "wo return",
            lambda: corrections.return_components(self.uow, wo, {line.sku: str(qty)}),
            expected,
        )
        if done is None:
            return
        left = qty
        for row in reversed([r for r in m.rows if r.sku == line.sku]):
            take = min(left, row.open)
            row.undone += take
            left -= take
            if take > 0 and row.lot is not None:  # back into the lot it left
                self.lots_in(line.sku, m.location, row.lot, take)
        assert left == 0
        line.issued -= qty
        line.returned += qty
        pair = (line.sku, m.location)
        self.on_hand[pair] += qty
        acting = {(wo, line.sku): self.recommitted(m, line, qty)}
        self.check_commitments(take_snapshot(self.uow), acting=acting, supply=frozenset({pair}))

    @precondition(has_orders)
    @rule(pick=picks, index=st.integers(0, 2), amount=issue_amounts, back=issue_amounts)
    def mis_scan(self, pick: Pick, index: int, amount: str, back: str) -> None:
        """The stock is there, an operator scans more than was meant and gives some of it
        back."""
        wo = self.choose_where(pick, lambda w: not w.held and w.status in ACTION_FROM[Act.ISSUE])
        m = self.model[wo]
        self.adjust(m.lines[index % len(m.lines)].sku, m.location, D("4"))
        this = (list(self.model).index(wo), True)  # this work order, whatever its status
        self.issue(this, [(index, amount)], None)  # no lot named: first in, first out
        self.return_components(this, index, back)

    @precondition(has_orders)
    @rule(pick=picks, amount=st.sampled_from(["0.5", "1", REST, OVER]))
    def unbuild(self, pick: Pick, amount: str) -> None:
        wo = self.choose_where(
            pick,
            lambda w: not w.held and w.status in ACTION_FROM[Act.UNBUILD] and w.built > w.scrapped,
        )
        m = self.model[wo]
        whole = m.built - m.scrapped
        qty = resolve(amount, whole)
        self.observe()
        expected = self.refused_on(m, Act.UNBUILD)
        if expected is None and qty > whole:
            expected = ValidationError
        if expected is None:
            expected = self.leaving_refusal((m.item, m.location), qty)
        if expected is None and m.item in TRACKED:
            # The finished goods leave from the lots their builds made, newest build first.
            wanted: dict[str, Decimal] = defaultdict(lambda: ZERO)
            left = qty
            for built in reversed([r for r in m.rows if r.sku is None]):
                take = min(left, built.open)
                if take > 0:
                    wanted[built.lot or ""] += take
                    left -= take
            for lot, q in wanted.items():
                key = (m.item, m.location, lot)
                if q > self.lot_stock[key] - self.lot_held[key]:
                    expected = InsufficientStock
        done = self.attempt(
            "wo unbuild", lambda: corrections.unbuild(self.uow, wo, str(qty)), expected
        )
        if done is None:
            return
        back: dict[str, Decimal] = defaultdict(lambda: ZERO)
        left = qty
        for built in reversed([r for r in m.rows if r.sku is None]):
            take = min(left, built.open)
            if take <= 0:
                continue
            built.undone += take
            left -= take
            if built.lot is not None:
                self.lots_gone(m.item, m.location, [(built.lot, take)])
            for row in (r for r in m.rows if r.event == built.event and r.backflush):
                share = (
                    row.quantity
                    if built.open == 0
                    else round_quantity(row.quantity * built.undone / built.quantity)
                )
                give = min(share - row.undone, row.open)
                if give > 0:
                    row.undone += give
                    back[row.sku or ""] += give
                    if row.lot is not None:
                        self.lots_in(row.sku or "", m.location, row.lot, give)
            if left == 0:
                break
        assert left == 0
        self.on_hand[(m.item, m.location)] -= qty
        acting = {}
        for sku, give in back.items():
            ln = m.line(sku)
            ln.issued -= give
            self.on_hand[(sku, m.location)] += give
            acting[(wo, sku)] = self.recommitted(m, ln, give)
        m.built -= qty
        m.unbuilt += qty
        if m.status == S.BUILT and m.built < m.quantity:
            m.status = S.IN_PROCESS
        assert {ln.sku: ln.issued for ln in done.lines} == {ln.sku: ln.issued for ln in m.lines}
        self.check_commitments(
            take_snapshot(self.uow),
            acting=acting,
            consumed=frozenset({(m.item, m.location)}),
            supply=frozenset((sku, m.location) for sku in back),
        )

    @precondition(has_orders)
    @rule(
        pick=picks,
        what=st.sampled_from([0, 1, 2, "built"]),
        amount=st.sampled_from(["0.5", "1", REST, OVER]),
    )
    def scrap(self, pick: Pick, what: int | str, amount: str) -> None:
        wo = self.choose_where(pick, lambda w: not w.held and w.status in ACTION_FROM[Act.SCRAP])
        m = self.model[wo]
        self.observe()
        expected = self.refused_on(m, Act.SCRAP)
        acting: dict[LineKey, Decimal] = {}
        if what == "built":
            whole = m.built - m.scrapped
            qty = resolve(amount, whole)
            pair = (m.item, m.location)
            if expected is None and qty > whole:
                expected = ValidationError
            if expected is None:
                expected = self.leaving_refusal(pair, qty)

            def call() -> work_orders.WorkOrderInfo:
                return corrections.scrap(self.uow, wo, built=str(qty), reason=SCRAP_REASON)

        else:
            line = m.lines[int(what) % len(m.lines)]
            pair = (line.sku, m.location)
            qty = resolve(amount, min(line.required - line.issued, self.on_hand[pair]))
            if expected is None:
                expected = self.leaving_refusal(pair, qty)

            def call() -> work_orders.WorkOrderInfo:
                return corrections.scrap(
                    self.uow, wo, components={line.sku: str(qty)}, reason=SCRAP_REASON
                )

        parts = None
        if pair[0] in TRACKED:  # a scrap names no lot: first in first out, never reserved
            parts = self.lots_out(pair[0], m.location, qty)
            if expected is None and parts is None:
                expected = InsufficientStock
        done = self.attempt(
            f"wo scrap {'built' if what == 'built' else 'component'}", call, expected
        )
        if done is None:
            return
        if parts is not None:
            self.lots_gone(pair[0], m.location, parts)
        if what == "built":
            m.scrapped += qty
        else:
            # The line's own commitment gives up what free stock cannot cover.
            bal = self.before.balance(pair)
            committed = self.before.work_orders[wo].line(line.sku).committed
            excess = max(ZERO, bal.committed - (bal.on_hand - qty))
            if m.is_demand:
                acting[(wo, line.sku)] = committed - min(committed, excess)
            line.scrapped += qty
        self.on_hand[pair] -= qty
        if m.status == S.RELEASED:
            m.status = S.IN_PROCESS
        self.check_commitments(take_snapshot(self.uow), acting=acting, consumed=frozenset({pair}))

    # --- cycle counts -------------------------------------------------------------------

    def has_counts(self) -> bool:
        return bool(self.cycle_counts)

    def count_state(self) -> dict[str, tuple[str, dict[CountLine, Decimal | None]]]:
        """Every count's status and what each of its lines counted, as the service reads it."""
        out = {}
        for number in self.cycle_counts:
            info = counts.get_count(self.uow, number)
            out[number] = (info.status, {(ln.sku, ln.lot): ln.counted for ln in info.lines})
        return out

    def count_lines(self, sku: str, location: str) -> list[CountLine]:
        """A count's lines of an item: a tracked one's lots on hand, first in first, or one
        line without a lot when it has none there."""
        if sku not in TRACKED:
            return [(sku, None)]
        lots = [n for n in self.lot_order[sku] if self.lot_stock[(sku, location, n)] > 0]
        return [(sku, n) for n in lots] or [(sku, None)]

    def attempt_count(self, label: str, call: Callable[[], T], expected: Refusal) -> T | None:
        """`attempt`, and a refused count posting leaves every count as it was too."""
        before = self.count_state()
        done = self.attempt(label, call, expected)
        if done is None:
            assert self.count_state() == before, f"{label} refused but changed a count"
        return done

    def held(self, location: str) -> dict[str, str]:
        """Items on open counts at a location: sku -> count."""
        return {
            sku: c.number
            for c in self.cycle_counts.values()
            if c.location == location and c.status in COUNT_OPEN
            for sku in c.skus
        }

    @rule(
        location=st.sampled_from(LOCATIONS),
        chosen=st.one_of(
            st.none(), st.lists(st.sampled_from(STOCKED), min_size=1, max_size=3, unique=True)
        ),
    )
    def start_count(self, location: str, chosen: list[str] | None) -> None:
        self.start_counting(location, chosen)

    def start_counting(self, location: str, chosen: list[str] | None) -> str | None:
        """A count of chosen items, or (none chosen) of every item with stock there."""
        self.observe()
        held = self.held(location)
        expected: Refusal = None
        if chosen is not None:
            skus = list(chosen)
            if any(s in held for s in skus):
                expected = ValidationError
        else:
            found = [s for s in STOCKED if self.on_hand[(s, location)] > 0]
            skus = [s for s in found if s not in held]
            if not skus:
                expected = ValidationError
        done = self.attempt_count(
            "count start",
            lambda: counts.start_count(
                self.uow,
                location,
                items=chosen,
                not_counted_for=None if chosen is not None else 0,
            ),
            expected,
        )
        if done is None:
            return None
        lines = [ln for s in skus for ln in self.count_lines(s, location)]
        got = sorted(done.count.lines, key=lambda ln: ln.line_no)
        assert sorted((ln.sku, ln.lot) for ln in got) == sorted(lines, key=str)
        for s in skus:  # a tracked item's lots in the consumption order
            assert [ln.lot for ln in got if ln.sku == s] == [n for _s, n in lines if _s == s]
        if chosen is None:
            assert done.left_out == {s: held[s] for s in found if s in held}
        self.cycle_counts[done.count.number] = ModelCount(
            done.count.number, location, skus, [(ln.sku, ln.lot) for ln in got]
        )
        self.check_commitments(take_snapshot(self.uow))
        return done.count.number

    @precondition(has_counts)
    @rule(
        pick=picks,
        line=st.integers(0, 5),
        amount=count_amounts,
        found=st.sampled_from(LOTS),
    )
    def enter_count(self, pick: Pick, line: int, amount: str, found: str) -> None:
        """A line of the count, an item not on it, a tracked item's lot found (or one it
        lists), or a tracked item without its lot."""
        number = self.choose_from(pick, self.cycle_counts, COUNT_OPEN)
        count = self.cycle_counts[number]
        tracked = [s for s in count.skus if s in TRACKED]
        targets: list[CountLine] = [*count.lines, ("C1", None)]
        if tracked:
            targets += [(tracked[0], found), (tracked[0], None)]
        self.enter_counted(number, targets[line % len(targets)], amount)

    @rule(
        location=st.sampled_from(LOCATIONS),
        chosen=st.lists(st.sampled_from(STOCKED), min_size=1, max_size=3, unique=True),
        amounts=st.lists(count_amounts, min_size=3, max_size=3),
    )
    def count_through(self, location: str, chosen: list[str], amounts: list[str]) -> None:
        """A whole count as the floor does it: started, every line counted, approved by a
        supervisor when a difference is worth it, then posted."""
        number = self.start_counting(location, chosen)
        if number is None:
            return
        count = self.cycle_counts[number]
        for k, line in enumerate(list(count.lines)):
            self.enter_counted(number, line, amounts[k % len(amounts)])
        if count.over(D(self.prefs[COUNT_THRESHOLD])):
            self.approve_counted(number)
        self.post_counted(number, skip=False)

    def enter_counted(self, number: str, line: CountLine, amount: str) -> None:
        count = self.cycle_counts[number]
        sku, lot = line
        pair = (sku, count.location)
        on_hand = self.on_hand[pair] if lot is None else self.lot_stock[(*pair, lot)]
        qty = {
            "same": on_hand,
            "one more": on_hand + 1,
            "one less": max(ZERO, on_hand - 1),
        }.get(amount, D(amount) if amount[0].isdigit() else ZERO)
        self.observe()
        listed = line in count.lines
        empty = (sku, None) in count.lines and (sku, None) not in count.counted
        expected: Refusal = None
        if count.status not in COUNT_OPEN:
            expected = IllegalTransition
        elif sku not in count.skus:
            expected = NotFound
        elif sku in TRACKED and lot is None and (not listed or qty != 0):
            expected = ValidationError  # say which lot: only an empty shelf counts without
        elif not listed and qty == 0:
            expected = ValidationError  # a lot found is found: more than 0
        key: CountKey = sku if lot is None else (sku, lot)
        done = self.attempt_count(
            "count enter",
            lambda: counts.enter_counts(self.uow, number, {key: str(qty)}),
            expected,
        )
        if done is None:
            return
        if not listed:  # a lot found: the empty shelf's line takes it, or a line of its own
            if lot not in self.lot_order[sku]:
                self.lot_order[sku].append(lot)  # made now: first in first out from here
            if empty:
                count.lines[count.lines.index((sku, None))] = line
            else:
                count.lines.append(line)
        count.counted[line] = (qty, on_hand)
        count.status = "open"  # counting again withdraws an approval
        got = next(ln for ln in done.lines if (ln.sku, ln.lot) == line)
        assert (got.counted, got.on_hand_when_counted) == (qty, on_hand)
        self.check_commitments(take_snapshot(self.uow))

    @precondition(has_counts)
    @rule(pick=picks)
    def approve_count(self, pick: Pick) -> None:
        self.approve_counted(self.choose_from(pick, self.cycle_counts, frozenset({"open"})))

    def approve_counted(self, number: str) -> None:
        count = self.cycle_counts[number]
        self.observe()
        expected: Refusal = None
        if count.status != "open":
            expected = IllegalTransition
        elif not count.over(D(self.prefs[COUNT_THRESHOLD])):
            expected = ValidationError
        done = self.attempt_count(
            "count approve", lambda: counts.approve_count(self.uow, number), expected
        )
        if done is not None:
            count.status = "approved"

    @precondition(has_counts)
    @rule(pick=picks, skip=st.booleans())
    def post_count(self, pick: Pick, skip: bool) -> None:
        self.post_counted(self.choose_from(pick, self.cycle_counts, COUNT_OPEN), skip)

    def post_counted(self, number: str, skip: bool) -> None:
        count = self.cycle_counts[number]
        self.observe()
        moving = [
            (ln, count.difference(ln))
            for ln in count.lines
            if ln in count.counted and count.difference(ln) != 0
        ]
        expected: Refusal = None
        if count.status not in COUNT_OPEN:
            expected = IllegalTransition
        elif not count.counted or (len(count.counted) < len(count.lines) and not skip):
            expected = ValidationError
        elif count.over(D(self.prefs[COUNT_THRESHOLD])) and count.status != "approved":
            expected = IllegalTransition
        rows: list[PostedRow] = []
        if expected is None:
            rows_or_none = self.count_rows(count.location, moving)
            if rows_or_none is None:
                expected = InsufficientStock  # below zero, or below what is picked to ship
            else:
                rows = rows_or_none
        done = self.attempt_count(
            "count post",
            lambda: counts.post_count(self.uow, number, skip_uncounted=skip),
            expected,
        )
        if done is None:
            return
        count.status = "posted"
        for pair, qty, lot in rows:
            self.on_hand[pair] += qty
            if lot is not None:
                self.lots_in(*pair, lot, qty)
        self.postings.append(ModelPosting(done.changes.event_id, "count", rows))
        after = take_snapshot(self.uow)
        assert after.ledger_rows == self.before.ledger_rows + len(rows)
        self.check_commitments(
            after,
            consumed=frozenset(p for p, q, _lot in rows if q < 0),
            supply=frozenset(p for p, q, _lot in rows if q > 0),
        )

    def count_rows(
        self, location: str, moving: list[tuple[CountLine, Decimal]]
    ) -> list[PostedRow] | None:
        """The ledger rows a count's differences post, line after line: a lot line's in its
        lot; a write-off never below zero, below what is picked to ship, or below its lot's
        free stock (without a lot: the lots first in first out). None: refused."""
        on_hand = {(ln[0], location): self.on_hand[(ln[0], location)] for ln, _d in moving}
        lots: dict[LotKey, Decimal] = defaultdict(lambda: ZERO)
        rows: list[PostedRow] = []
        for (sku, lot), d in moving:
            pair = (sku, location)
            picked = sum(
                (ln.firm for p, ln in self.before.open_lines().values() if p == pair), ZERO
            )
            on_hand[pair] += d
            if d < 0 and on_hand[pair] < max(ZERO, picked):
                return None
            if sku not in TRACKED:
                rows.append((pair, d, None))
                continue
            if lot is not None:
                key = (sku, location, lot)
                free = self.lot_stock[key] + lots[key] - self.lot_held[key]
                if d < 0 and -d > free:
                    return None
                lots[key] += d
                rows.append((pair, d, lot))
                continue
            parts = self.lots_out(sku, location, -d)  # an empty shelf the lots left since
            if parts is None:
                return None
            for n, part in parts:
                lots[(sku, location, n)] -= part
                rows.append((pair, -part, n))
        return rows

    @precondition(has_counts)
    @rule(pick=picks)
    def cancel_count(self, pick: Pick) -> None:
        number = self.choose_from(pick, self.cycle_counts, COUNT_OPEN)
        count = self.cycle_counts[number]
        self.observe()
        expected = None if count.status in COUNT_OPEN else IllegalTransition
        done = self.attempt_count(
            "count cancel", lambda: counts.cancel_count(self.uow, number), expected
        )
        if done is not None:
            count.status = "cancelled"

    @invariant()
    def counts_agree(self) -> None:
        """Every count's status and counted quantities are the model's."""
        assert self.count_state() == {
            number: (
                c.status,
                {ln: c.counted[ln][0] if ln in c.counted else None for ln in c.lines},
            )
            for number, c in self.cycle_counts.items()
        }

    # --- customer returns --------------------------------------------------------------

    def returned(self, number: str, label: str) -> Decimal:
        """What returns take back of a sales order line: what each one not cancelled
        authorized (a closed one: what it received)."""
        return sum(
            (
                r.line.received if r.status == "closed" else r.line.quantity
                for r in self.returns.values()
                if r.order == number and r.line.label == label and r.status != "cancelled"
            ),
            ZERO,
        )

    def lots_returned(self, key: tuple[str, str], qty: Decimal) -> list[tuple[str, Decimal]]:
        """The lots `qty` of a tracked sales order line comes back in: those it shipped in
        and that have not come back yet, the lot shipped last first."""
        shipped = self.shipped_lots[key]
        last = {lot: i for i, (lot, _q) in enumerate(shipped)}
        out, left = [], qty
        for lot in sorted(last, key=last.__getitem__, reverse=True):
            free = sum((q for x, q in shipped if x == lot), ZERO) - self.lots_back[key][lot]
            take = min(free, left)
            if take > 0:
                out.append((lot, take))
                left -= take
        assert left == 0, (key, qty, shipped)
        return out

    def has_shipped(self) -> bool:
        return any(ln.fulfilled > 0 for so in self.sales.values() for ln in so.lines)

    def has_customer_returns(self) -> bool:
        return bool(self.returns)

    def returns_state(self) -> dict[str, tuple[str, tuple[Decimal, ...], list[str]]]:
        """Every return's status, its line's figures (what finance credited too) and its
        vendor returns, as the service reads them."""
        out = {}
        for number in self.returns:
            info = returns.get_return(self.uow, number)
            (ln,) = info.lines
            out[number] = (
                info.status,
                (ln.quantity, ln.received, ln.restocked, ln.scrapped, ln.credited),
                info.vendor_returns,
            )
        return out

    def order_of(self, number: str) -> ModelSO:
        """A sales order shipped from stock or drop-shipped by its vendor."""
        return self.sales[number] if number in self.sales else self.drop_sales[number]

    @precondition(has_shipped)
    @rule(pick=picks, line=st.integers(0, 2), amount=return_amounts)
    def return_goods(self, pick: Pick, line: int, amount: str) -> None:
        """A customer sends back some of a shipped line."""
        shipped = [n for n, so in self.sales.items() if any(ln.fulfilled for ln in so.lines)]
        self.authorize_return(shipped[pick[0] % len(shipped)], line, amount)

    @rule(
        sku=st.sampled_from(STOCKED),
        qty=so_quantities,
        location=st.sampled_from(LOCATIONS),
        amounts=st.tuples(return_amounts, return_amounts),
        restock=st.sampled_from([None, True, False]),
    )
    def sell_and_take_back(
        self,
        sku: str,
        qty: Decimal,
        location: str,
        amounts: tuple[str, str],
        restock: bool | None,
    ) -> None:
        """A walk-in sale shipped at once, and part of it sent back: authorized, approved
        when it waits for approval, and received."""
        self.sell_from_stock(sku, qty, location, None)
        order = list(self.sales)[-1]
        picked = [n for n, f in self.shipments.items() if f.order == order]
        if not picked:
            return
        self.ship_shipment(picked[-1])
        number = self.authorize_return(order, 0, amounts[0])
        if number is None:
            return
        if self.returns[number].status == "pending_approval":
            self.approve_returned(number)
        self.receive_returned(number, amounts[1], restock)

    def authorize_return(self, number: str, line: int, amount: str) -> str | None:
        so = self.order_of(number)
        ln = so.lines[line % len(so.lines)]
        returnable = ln.fulfilled - self.returned(number, ln.label)
        qty = resolve(amount, returnable)
        self.observe()
        expected = OverageNotAllowed if qty > returnable else None
        done = self.attempt(
            "rma create",
            lambda: returns.create_return(self.uow, number, {ln.label: str(qty)}),
            expected,
        )
        if done is None:
            return None
        status = self.prefs[RMA_STATUS]
        assert (done.status, done.credit_in_advance) == (
            status,
            status == "pending_receipt" and self.pref_on(REFUND_IN_ADVANCE),
        )
        rma = ModelReturn(
            done.number,
            number,
            so.location,
            ModelReturnLine(ln.label, ln.sku, qty, to_vendor=number in self.drop_sales),
            status,
            in_advance=done.credit_in_advance,
        )
        self.returns[rma.number] = rma
        self.sent_back_on(rma, done.vendor_returns)
        self.check_commitments(take_snapshot(self.uow))
        return done.number

    def sent_back_on(self, rma: ModelReturn, made: list[str]) -> None:
        """An approved RMA of a drop-shipped line makes one vendor return (its order is bought
        on one drop-ship purchase order) of the line's quantity and no receipt, pending
        approval or approved at once as the plant says; any other RMA makes none."""
        if not rma.line.to_vendor or rma.status == "pending_approval":
            assert made == [], made
            return
        (number,) = made
        vra = ModelDropReturn(number, rma.number, rma.line.quantity, self.prefs[VRA_STATUS])
        self.drop_returns[number] = vra
        rma.vras.append(number)
        info = vendor_returns.get_vendor_return(self.uow, number)
        assert (info.purchase_order, info.return_authorization, info.status) == (
            next(po for po, so in self.bought_for.items() if so == rma.order),
            rma.number,
            vra.status,
        )
        assert [(ln.sku, ln.quantity, ln.receipt) for ln in info.lines] == [
            (DROP, vra.quantity, None)
        ]

    @precondition(has_customer_returns)
    @rule(pick=picks)
    def approve_return(self, pick: Pick) -> None:
        self.approve_returned(self.choose_from(pick, self.returns, frozenset({"pending_approval"})))

    def approve_returned(self, number: str) -> None:
        rma = self.returns[number]
        self.observe()
        ok = rma.status == "pending_approval"
        done = self.attempt(
            "rma approve",
            lambda: returns.approve_return(self.uow, number),
            None if ok else IllegalTransition,
        )
        if done is not None:
            rma.status = "pending_receipt"
            assert done.credit_in_advance == self.pref_on(REFUND_IN_ADVANCE)
            rma.in_advance = done.credit_in_advance
            self.sent_back_on(rma, done.vendor_returns)

    @precondition(has_customer_returns)
    @rule(
        pick=picks,
        amount=return_amounts,
        restock=st.sampled_from([None, True, False]),
    )
    def receive_return(self, pick: Pick, amount: str, restock: bool | None) -> None:
        self.receive_returned(self.choose_from(pick, self.returns, RMA_EXPECTING), amount, restock)

    def receive_returned(self, number: str, amount: str, restock: bool | None) -> None:
        rma = self.returns[number]
        ln = rma.line
        qty = resolve(amount, ln.to_receive)
        self.observe()
        expected: Refusal = None
        if rma.status not in RMA_EXPECTING:
            expected = IllegalTransition
        elif ln.to_vendor:  # it goes back to the vendor who drop-shipped it
            expected = ValidationError
        elif qty > ln.to_receive:
            expected = OverageNotAllowed
        done = self.attempt(
            "rma receive" + (" drop-shipped" if ln.to_vendor else ""),
            lambda: returns.receive_return(self.uow, number, {ln.label: str(qty)}, restock=restock),
            expected,
        )
        if done is None:
            return
        back = self.pref_on(RESTOCK) if restock is None else restock
        pair = (ln.sku, rma.location)
        ln.received += qty
        if back:
            ln.restocked += qty
            self.on_hand[pair] += qty
        else:
            ln.scrapped += qty
        rma.status = rma.status_after_receipt()
        # A tracked item comes back in the lots its line shipped in, newest shipment first.
        key = (rma.order, ln.label)
        parts: list[tuple[str | None, Decimal]] = (
            list(self.lots_returned(key, qty)) if ln.sku in TRACKED else [(None, qty)]
        )
        rows: list[PostedRow] = []
        for lot, part in parts:
            rows += [(pair, part, lot)] if back else [(pair, part, lot), (pair, -part, lot)]
            if lot is not None:
                self.lots_back[key][lot] += part
                if back:
                    self.lots_in(ln.sku, rma.location, lot, part)
        after = take_snapshot(self.uow)
        assert after.ledger_rows == self.before.ledger_rows + len(rows)

        def undo(rma: ModelReturn = rma, qty: Decimal = qty, back: bool = back) -> None:
            """A receipt taken back: the return expects the goods again (a closed one
            stays closed), and what came back of each lot is back no more."""
            rma.line.received -= qty
            if back:
                rma.line.restocked -= qty
            else:
                rma.line.scrapped -= qty
            if rma.status != "closed":
                rma.status = rma.status_after_receipt()
            for lot, part in parts:
                if lot is not None:
                    self.lots_back[key][lot] -= part

        self.postings.append(ModelPosting(done.changes.event_id, "return", rows, undo))
        self.check_commitments(after, supply=frozenset({pair}))

    @precondition(has_customer_returns)
    @rule(pick=picks, close=st.booleans())
    def finish_return(self, pick: Pick, close: bool) -> None:
        number = self.choose_from(pick, self.returns, self.finishing(close))
        self.finish_returned(number, close)

    def finishing(self, close: bool) -> frozenset[str]:
        """The statuses a return is closed from (something came back) or cancelled from."""
        if close:
            return frozenset({"partially_received", "received"})
        return frozenset({"pending_approval", "pending_receipt"})

    def finish_returned(self, number: str, close: bool) -> None:
        """Close a return something came back on, or cancel one nothing came back on; its
        vendor returns finish with it."""
        allowed = self.finishing(close)
        rma = self.returns[number]
        self.observe()
        call = returns.close_return if close else returns.cancel_return
        done = self.attempt(
            "rma close" if close else "rma cancel",
            lambda: call(self.uow, number),
            None if rma.status in allowed else IllegalTransition,
        )
        if done is None:
            return
        rma.status = "closed" if close else "cancelled"
        for vra_number in rma.vras:  # closed if part of it went back, else cancelled
            vra = self.drop_returns[vra_number]
            if vra.status == "partially_returned":
                vra.status = "closed"
            elif vra.status in ("pending_approval", "pending_return"):
                vra.status = "cancelled"
        self.check_commitments(take_snapshot(self.uow))

    @invariant()
    def returns_agree(self) -> None:
        """Every return's status, line, credit and vendor returns are the model's; a
        drop-shipped line received exactly what its vendor returns sent back."""
        assert self.returns_state() == {
            number: (
                r.status,
                (
                    r.line.quantity,
                    r.line.received,
                    r.line.restocked,
                    r.line.scrapped,
                    r.credited,
                ),
                r.vras,
            )
            for number, r in self.returns.items()
        }
        for r in self.returns.values():
            if r.line.to_vendor:
                went_back = sum(
                    (
                        ln.shipped
                        for number in r.vras
                        for ln in vendor_returns.get_vendor_return(self.uow, number).lines
                    ),
                    ZERO,
                )
                assert (r.line.received, r.line.restocked, r.line.scrapped) == (
                    went_back,
                    ZERO,
                    ZERO,
                ), r.number

    # --- reversing any posting --------------------------------------------------------------

    def has_postings(self) -> bool:
        return bool(self.postings)

    def predict_reversal(self, posting: ModelPosting) -> Refusal:
        if posting.kind in ("shipment", "reversal"):
            return ValidationError  # refused, saying what to do instead
        if not posting.rows:
            return NotFound  # a count that found no difference posted nothing
        if posting.reversed:
            return ValidationError
        refused = posting.refuse()
        if refused is not None:
            return refused
        leaving: dict[Pair, Decimal] = defaultdict(lambda: ZERO)
        from_lots: dict[LotKey, Decimal] = defaultdict(lambda: ZERO)
        for pair, qty, lot in posting.rows:
            leaving[pair] += qty
            if lot is not None:
                from_lots[(*pair, lot)] += qty
        for key, qty in from_lots.items():  # each lot's rows are taken back from that lot
            if qty > self.lot_stock[key] - self.lot_held[key]:
                return InsufficientStock
        for pair, qty in leaving.items():
            picked = sum(
                (ln.firm for p, ln in self.before.open_lines().values() if p == pair), ZERO
            )
            if qty > 0 and self.on_hand[pair] - qty < max(ZERO, picked):
                return InsufficientStock  # its goods are no longer all here
        return None

    @precondition(has_postings)
    @rule(index=st.integers(0, 40))
    def reverse(self, index: int) -> None:
        posting = self.postings[-1 - index % len(self.postings)]
        assert posting.event_id is not None
        self.observe()
        expected = self.predict_reversal(posting)
        before_returns = self.returns_state()
        done = self.attempt(
            f"reverse {posting.kind}",
            lambda: inventory.reverse_posting(self.uow, posting.event_id),
            expected,
        )
        if done is None:
            assert self.returns_state() == before_returns
            return
        posting.reversed = True
        posting.undo()
        moved: dict[Pair, Decimal] = defaultdict(lambda: ZERO)
        for pair, qty, lot in posting.rows:
            moved[pair] -= qty
            self.on_hand[pair] -= qty
            if lot is not None:
                self.lot_stock[(*pair, lot)] -= qty
        after = take_snapshot(self.uow)
        assert after.ledger_rows == self.before.ledger_rows + len(posting.rows)
        self.postings.append(
            ModelPosting(done.event_id, "reversal", [(p, -q, lot) for p, q, lot in posting.rows])
        )
        self.check_commitments(
            after,
            acting=posting.acting(self.before) if posting.acting is not None else None,
            consumed=frozenset(p for p, q, _lot in posting.rows if q > 0),
            supply=frozenset(p for p, q, _lot in posting.rows if q < 0),
        )

    # --- transfer orders ---------------------------------------------------------------

    def has_transfers(self) -> bool:
        return bool(self.transfers)

    def to_commitments(self, to: ModelTO) -> dict[LineKey, Decimal]:
        """At approval each line commits what is available at the source, up to its need
        (each item is on a transfer once)."""
        return {
            (to.number, ln.sku): min(ln.need, max(ZERO, self.available_before((ln.sku, to.source))))
            for ln in to.lines
        }

    @rule(
        lines=to_lines,
        eastward=st.booleans(),
        ship=due_dates,
        priority=priorities,
        status=st.sampled_from([None, "pending_approval", "pending_fulfillment"]),
    )
    def enter_transfer(
        self,
        lines: list[tuple[str, Decimal]],
        eastward: bool,
        ship: date | None,
        priority: int,
        status: str | None,
    ) -> None:
        source, target = LOCATIONS if eastward else LOCATIONS[::-1]
        self.observe()
        info = self.attempt(
            "to create",
            lambda: transfer_orders.create_transfer_order(
                self.uow,
                source,
                target,
                [transfer_orders.TransferLineEntry(sku, str(q)) for sku, q in lines],
                ship_date=ship,
                priority=priority,
                status=status,
            ),
            None,
        )
        assert info is not None
        to = ModelTO(
            number=info.number,
            source=source,
            target=target,
            ship=ship or date.today(),  # an order without a ship date ships today
            priority=priority,
            seq=self.next_seq(),
            status=status or self.prefs[TO_STATUS],
            lines=[ModelTOLine(sku, q) for sku, q in lines],
        )
        self.transfers[to.number] = to
        assert (info.status, info.ship_date) == (to.status, to.ship)
        acting = self.to_commitments(to) if to.status in TO_OPEN else {}
        self.check_commitments(take_snapshot(self.uow), acting=acting)

    @precondition(has_transfers)
    @rule(pick=picks)
    def approve_transfer(self, pick: Pick) -> None:
        number = self.choose_from(pick, self.transfers, frozenset({"pending_approval"}))
        to = self.transfers[number]
        self.observe()
        ok = to.status == "pending_approval"
        done = self.attempt(
            "to approve",
            lambda: transfer_orders.approve_transfer_order(self.uow, number),
            None if ok else IllegalTransition,
        )
        if done is None:
            return
        to.status = "pending_fulfillment"
        self.check_commitments(take_snapshot(self.uow), acting=self.to_commitments(to))

    def may_ship(self, to: ModelTO, ln: ModelTOLine, mode: str) -> Decimal:
        """What a line may ship under the commitment preference: its commitment; also free
        stock; also what other orders commit and could give up."""
        key, pair = (to.number, ln.sku), (ln.sku, to.source)
        committed = self.before.transfer_orders[to.number].lines[ln.sku].committed
        if mode == "limit_to_committed":
            return committed
        room = committed + max(ZERO, self.available_before(pair))
        if mode == "ignore_commitment":
            room += self.others_releasable(pair, key)
        return room

    def predict_transfer_ship(
        self, to: ModelTO, plan: list[tuple[ModelTOLine, Decimal]] | None
    ) -> tuple[Refusal, list[tuple[ModelTOLine, Decimal]]]:
        if to.status not in TO_OPEN:
            return IllegalTransition, []
        mode = self.prefs[FULFILL_MODE]
        if plan is None:
            plan = [(ln, min(ln.need, self.may_ship(to, ln, mode))) for ln in to.lines]
            plan = [(ln, q) for ln, q in plan if q > 0]
            return (InsufficientStock if not plan else None), plan
        snap = self.before.transfer_orders[to.number]
        for ln, qty in plan:
            if qty > ln.need:
                return OverageNotAllowed, plan
            committed = snap.lines[ln.sku].committed
            if mode == "limit_to_committed" and qty > committed:
                return CommitmentLimit, plan
            if mode == "allow_uncommitted" and qty > self.may_ship(to, ln, mode):
                return InsufficientStock, plan
        for ln, qty in plan:  # what is picked for sales orders stays on the shelf
            pair = (ln.sku, to.source)
            firm = sum((o.firm for p, o in self.before.open_lines().values() if p == pair), ZERO)
            if qty > self.on_hand[pair] or firm > self.on_hand[pair] - qty:
                return InsufficientStock, plan
        return None, plan

    def transfer_plan(
        self, to: ModelTO, amounts: list[tuple[int, str]] | None, shipping: bool
    ) -> list[tuple[ModelTOLine, Decimal]] | None:
        if amounts is None:
            return None
        wanted: dict[str, Decimal] = {}
        for index, amount in amounts:
            ln = to.lines[index % len(to.lines)]
            wanted.setdefault(ln.sku, resolve(amount, ln.need if shipping else ln.in_transit))
        return [(to.line(sku), q) for sku, q in wanted.items()]

    @rule(
        lines=to_lines,
        eastward=st.booleans(),
        amounts=move_plans,
        received=st.booleans(),
    )
    def ship_and_take_back(
        self,
        lines: list[tuple[str, Decimal]],
        eastward: bool,
        amounts: list[tuple[int, str]] | None,
        received: bool,
    ) -> None:
        """A transfer entered approved and shipped at once, part of it perhaps received, and
        the shipment taken back (refused once what it shipped has arrived)."""
        entered = len(self.transfers)
        self.enter_transfer(lines, eastward, None, 2, "pending_fulfillment")
        if len(self.transfers) == entered:
            return  # refused: a transfer carries no lots, so a tracked item is not moved
        number = list(self.transfers)[-1]
        shipped = len(self.postings)
        self.ship_transfer_order(number, amounts)
        if len(self.postings) == shipped:
            return
        if received:
            self.receive_transfer((list(self.transfers).index(number), False), None)
        self.reverse(len(self.postings) - 1 - shipped)

    @precondition(has_transfers)
    @rule(pick=picks, amounts=move_plans)
    def ship_transfer(self, pick: Pick, amounts: list[tuple[int, str]] | None) -> None:
        self.ship_transfer_order(self.choose_from(pick, self.transfers, TO_OPEN), amounts)

    def ship_transfer_order(self, number: str, amounts: list[tuple[int, str]] | None) -> None:
        to = self.transfers[number]
        self.observe()
        asked = self.transfer_plan(to, amounts, shipping=True)
        expected, plan = self.predict_transfer_ship(to, asked)
        # A tracked item leaves in its lots, first in first out, never what is picked.
        parts = {ln.sku: self.lots_out(ln.sku, to.source, q) for ln, q in plan if ln.sku in TRACKED}
        if expected is None and any(p is None for p in parts.values()):
            expected = InsufficientStock
        done = self.attempt(
            "to ship",
            lambda: transfer_orders.ship_transfer_order(
                self.uow, number, None if asked is None else {ln.sku: str(q) for ln, q in asked}
            ),
            expected,
        )
        if done is None:
            return
        assert [(m.sku, m.quantity) for m in done.lines] == [(ln.sku, q) for ln, q in plan]
        snap = self.before.transfer_orders[number]
        acting: dict[LineKey, Decimal] = {}
        consumed = set()
        for ln, qty in plan:
            ln.shipped += qty
            self.on_hand[(ln.sku, to.source)] -= qty
            self.on_hand[(ln.sku, TRANSIT)] += qty
            for lot, part in parts.get(ln.sku) or []:
                self.lots_gone(ln.sku, to.source, [(lot, part)])
                self.lots_in(ln.sku, TRANSIT, lot, part)
                ln.transit_lots[lot] = ln.transit_lots.get(lot, ZERO) + part
            committed = snap.lines[ln.sku].committed
            acting[(number, ln.sku)] = committed - min(committed, qty)
            consumed.add((ln.sku, to.source))
        to.status = to.status_after_moving()
        assert done.order.status == to.status
        self.postings.append(
            self.transfer_shipment(
                done.changes.event_id, to, plan, {k: v or [] for k, v in parts.items()}
            )
        )
        self.check_commitments(take_snapshot(self.uow), acting=acting, consumed=frozenset(consumed))

    def transfer_shipment(
        self,
        event_id: int | None,
        to: ModelTO,
        plan: list[tuple[ModelTOLine, Decimal]],
        lots: dict[str, list[tuple[str, Decimal]]] | None = None,
    ) -> ModelPosting:
        """A shipment as `reverse` sees it: taken back only while the order expects goods and
        each of its lines still has that much in transit; the goods return to the source
        and are committed to their lines again as far as they are free."""
        shipped = list(plan)

        def refuse() -> Refusal:
            if to.status not in TO_RECEIVABLE:
                return IllegalTransition
            if any(q > ln.in_transit for ln, q in shipped):
                return InsufficientStock
            return None

        def undo() -> None:
            for ln, q in shipped:
                ln.shipped -= q
                for lot, part in (lots or {}).get(ln.sku, []):
                    ln.transit_lots[lot] -= part
            started = any(ln.shipped > 0 for ln in to.lines)
            to.status = to.status_after_moving() if started else "pending_fulfillment"

        def acting(before: Snapshot) -> dict[LineKey, Decimal]:
            snap = before.transfer_orders[to.number]
            back = {ln.sku: q for ln, q in shipped}
            out = {}
            for ln in to.lines:
                committed = snap.lines[ln.sku].committed
                if ln.sku in back:
                    bal = before.balance((ln.sku, to.source))
                    free = max(ZERO, bal.on_hand + back[ln.sku] - bal.committed)
                    need = ln.quantity - ln.shipped
                    committed += min(back[ln.sku], need - committed, free)
                out[(to.number, ln.sku)] = committed
            return out

        rows: list[PostedRow] = [
            r
            for ln, q in plan
            for lot, part in ((lots or {}).get(ln.sku) or [(None, q)])
            for r in (((ln.sku, to.source), -part, lot), ((ln.sku, TRANSIT), part, lot))
        ]
        return ModelPosting(event_id, "transfer", rows, undo, refuse=refuse, acting=acting)

    @precondition(has_transfers)
    @rule(pick=picks, amounts=move_plans)
    def receive_transfer(self, pick: Pick, amounts: list[tuple[int, str]] | None) -> None:
        number = self.choose_from(pick, self.transfers, TO_RECEIVABLE)
        to = self.transfers[number]
        self.observe()
        asked = self.transfer_plan(to, amounts, shipping=False)
        plan = asked or [(ln, ln.in_transit) for ln in to.lines if ln.in_transit > 0]
        expected: Refusal = None
        if to.status not in TO_RECEIVABLE:
            expected = IllegalTransition
        elif not plan:
            expected = ValidationError
        elif any(q > ln.in_transit for ln, q in plan):
            expected = InsufficientStock
        done = self.attempt(
            "to receive",
            lambda: transfer_orders.receive_transfer_order(
                self.uow, number, None if asked is None else {ln.sku: str(q) for ln, q in asked}
            ),
            expected,
        )
        if done is None:
            return
        supply = set()
        for ln, qty in plan:
            ln.received += qty
            self.on_hand[(ln.sku, TRANSIT)] -= qty
            self.on_hand[(ln.sku, to.target)] += qty
            left = qty
            for lot, in_transit in ln.transit_lots.items():  # first shipped, first received
                take = min(left, in_transit)
                if take > 0:
                    ln.transit_lots[lot] -= take
                    self.lots_gone(ln.sku, TRANSIT, [(lot, take)])
                    self.lots_in(ln.sku, to.target, lot, take)
                    left -= take
            assert ln.sku not in TRACKED or left == 0
            supply.add((ln.sku, to.target))
        to.status = to.status_after_moving()
        assert done.order.status == to.status
        self.check_commitments(take_snapshot(self.uow), supply=frozenset(supply))

    @precondition(has_transfers)
    @rule(pick=picks, close=st.booleans())
    def close_or_cancel_transfer(self, pick: Pick, close: bool) -> None:
        allowed = TO_CLOSABLE if close else TO_CANCELLABLE
        number = self.choose_from(pick, self.transfers, allowed)
        to = self.transfers[number]
        self.observe()
        ok = to.status in allowed and not any(ln.in_transit > 0 for ln in to.lines)
        call = (
            transfer_orders.close_transfer_order if close else transfer_orders.cancel_transfer_order
        )
        done = self.attempt(
            "to close" if close else "to cancel",
            lambda: call(self.uow, number),
            None if ok else IllegalTransition,
        )
        if done is None:
            return
        snap = self.before.transfer_orders[number]
        freed = frozenset(
            (sku, to.source)
            for sku, ln in snap.lines.items()
            if to.status in TO_OPEN and ln.committed > 0
        )
        to.status = "closed" if close else "cancelled"
        self.check_commitments(take_snapshot(self.uow), supply=freed)

    # --- after every step -----------------------------------------------------------------

    @invariant()
    def consistent(self) -> None:
        report = check_database(self.uow)
        assert report.ok, report.problems
        snap = take_snapshot(self.uow)
        for pair in set(snap.balances) | set(self.on_hand):
            bal = snap.balance(pair)
            assert bal.on_hand == self.on_hand[pair], (pair, bal.on_hand, self.on_hand[pair])
            assert bal.on_hand >= 0, pair
            assert bal.committed <= bal.on_hand, pair
        for pos in inventory.stock_summary(self.uow):
            total = sum((q for (sku, _), q in self.on_hand.items() if sku == pos.sku), ZERO)
            assert pos.on_hand + pos.in_transit == total, pos
            assert pos.in_transit == self.on_hand[(pos.sku, TRANSIT)], pos
            assert ZERO <= pos.committed <= pos.on_hand, pos
            assert pos.available == pos.on_hand - pos.committed, pos
        assert set(snap.work_orders) == set(self.model)
        for number, m in self.model.items():
            wo = snap.work_orders[number]
            previous = self.seen_status.get(number)
            if previous is not None and previous != wo.status:
                assert (previous, wo.status) in LEGAL_EDGES, (number, previous, wo.status)
            self.seen_status[number] = wo.status
            assert (wo.status, wo.built) == (m.status, m.built), number
            assert (wo.unbuilt, wo.scrapped, wo.held, wo.hold_released) == (
                m.unbuilt,
                m.scrapped,
                m.held,
                m.hold_released,
            ), number
            if wo.status in PLANNED or wo.hold_released:
                assert all(ln.committed == 0 for ln in wo.lines), number
            for ln in wo.lines:
                ml = m.line(ln.sku)
                assert (ln.required, ln.issued, ln.returned, ln.scrapped) == (
                    ml.required,
                    ml.issued,
                    ml.returned,
                    ml.scrapped,
                ), (number, ln.sku)
                assert ZERO <= ln.committed <= ln.need, (number, ln)
                if not ml.overage_allowed:
                    assert ln.committed + ln.issued <= ln.required, (number, ln)
        assert set(snap.sales_orders) == set(self.sales) | set(self.drop_sales)
        for number, so in (self.sales | self.drop_sales).items():
            got = snap.sales_orders[number]
            assert got.status == so.status, number
            for ml in so.lines:
                sl = got.lines[ml.label]
                assert (sl.quantity, sl.fulfilled, sl.picked) == (
                    ml.quantity,
                    ml.fulfilled,
                    ml.picked,
                ), (number, ml.label)
                assert ZERO <= sl.picked <= sl.committed <= sl.need, (number, sl)
                if so.status not in SO_OPEN:
                    assert sl.committed == 0, (number, sl)
        assert snap.fulfillments == {n: f.status for n, f in self.shipments.items()}
        # Lots: as the model followed them, never negative, never more reserved than on hand,
        # and a tracked item's lots add up to its on hand at each location.
        modelled = {
            key: (self.lot_stock[key], self.lot_held[key])
            for key in set(self.lot_stock) | set(self.lot_held)
            if self.lot_stock[key] or self.lot_held[key]
        }
        assert snap.lots == modelled, (snap.lots, modelled)
        for (sku, location, lot), (on_hand, reserved) in snap.lots.items():
            assert ZERO <= reserved <= on_hand, (sku, location, lot)
        for sku in TRACKED:
            for location in LOCATIONS:
                in_lots = sum(
                    (
                        q
                        for (s, loc, _lot), (q, _r) in snap.lots.items()
                        if (s, loc) == (sku, location)
                    ),
                    ZERO,
                )
                assert in_lots == snap.balance((sku, location)).on_hand, (sku, location)
        assert snap.purchase_orders == {
            n: (
                po.status,
                {ln.line_no: (ln.sku, ln.quantity, ln.received, ln.cancelled) for ln in po.lines},
            )
            for n, po in (self.purchases | self.drop_pos).items()
        }
        assert {
            n: (status, [(q, shipped) for _line, q, shipped in lines])
            for n, (status, lines) in snap.vendor_returns.items()
        } == {
            n: (v.status, [(part.quantity, part.shipped) for part in v.parts])
            for n, v in self.vendor_returns.items()
        } | {n: (v.status, [(v.quantity, v.shipped)]) for n, v in self.drop_returns.items()}
        assert set(snap.transfer_orders) == set(self.transfers)
        for number, to in self.transfers.items():
            got = snap.transfer_orders[number]
            assert got.status == to.status, number
            for ml in to.lines:
                tl = got.lines[ml.sku]
                assert (tl.quantity, tl.shipped, tl.received) == (
                    ml.quantity,
                    ml.shipped,
                    ml.received,
                ), (number, ml.sku)
                assert ZERO <= tl.committed <= tl.need, (number, tl)
                if to.status not in TO_OPEN:
                    assert tl.committed == 0, (number, tl)


def test_work_order_state_machine(plant_template: Path) -> None:
    class Machine(ShopfloorMachine):
        template = plant_template

    run_state_machine_as_test(Machine, settings=settings(PROFILE))


# --- decimal exactness ----------------------------------------------------------------------


@settings(PROFILE)
@given(
    step=st.sampled_from(["0.1", "0.01", "0.3", "0.000001", "0.333333", "2.5"]),
    times=st.integers(1, 12),
    backflush=st.booleans(),
)
def test_repeated_issues_are_exact(
    plant_template: Path, step: str, times: int, backflush: bool
) -> None:
    qty = D(step)
    total = qty * times
    with fresh_plant(plant_template) as plant:
        plant.pref(WO_OVERAGE, "true")
        plant.stock("C1", str(total + 1))
        inventory.adjust_stock(plant.uow, "C2", "100", lot="L1")  # tracked by lot
        number = plant.wo("S", "1")
        for _ in range(times):
            work_orders.issue_components(plant.uow, number, {"C1": step})
        assert plant.line(number, "C1").issued == total
        assert plant.on_hand("C1") == 1
        work_orders.complete_work_order(plant.uow, number, "1", backflush=backflush)
        line = plant.line(number, "C1")
        assert line.issued == (max(total, D("0.5")) if backflush else total)
        assert plant.on_hand("C1") == total + 1 - line.issued


def test_issuing_a_tenth_ten_times_is_exactly_one(plant_template: Path) -> None:
    with fresh_plant(plant_template) as plant:
        plant.stock("C1", "1")
        inventory.adjust_stock(plant.uow, "C2", "4", lot="L1")  # tracked by lot
        number = plant.wo("S", "2")
        for _ in range(10):
            work_orders.issue_components(plant.uow, number, {"C1": "0.1"})
        line = plant.line(number, "C1")
        assert (line.issued, line.required, line.committed) == (D(1), D(1), ZERO)
        assert plant.on_hand("C1") == 0
        assert sum((row.quantity for row in inventory.ledger_history(plant.uow, "C1")), ZERO) == 0
