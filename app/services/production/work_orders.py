"""Work orders: create, release, issue components, complete, build, close, cancel, and read.

Each use case is one transaction with one audit event. The quantities on a line:
  required  = quantity per x work order quantity (copied from the BOM revision at creation)
  issued    = everything consumed for the line, by hand or by backflush
  committed = on-hand stock reserved for the line and not yet consumed
Backflush brings a line's consumption up to quantity per x total completed, net of what was
already issued; it never consumes the same quantity twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, select

from app.errors import (
    CommitmentLimit,
    IllegalTransition,
    InsufficientStock,
    NotFound,
    OverageNotAllowed,
    ValidationError,
)
from app.models import (
    Item,
    ItemType,
    LedgerEntry,
    LedgerReason,
    Location,
    Moment,
    SalesOrder,
    SourceKind,
    StockBalance,
    Tracking,
    WOAction,
    WorkOrder,
    WorkOrderLine,
    WOStatus,
    utcnow,
)
from app.models.figures import need_of
from app.models.quantity import (
    MAX_STORED,
    QUANTUM,
    ZERO,
    fmt,
    parse_quantity,
    round_quantity,
)
from app.models.work_order import ACTIVE, INITIAL, NOT_BUILT, OPEN_DEMAND
from app.models.work_order import WORK_ORDER as WORK_ORDER
from app.services.catalog.boms import read_active_bom
from app.services.engine import commitment
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.ledger import Balance, Source, StockBook
from app.services.engine.lookup import (
    SKU_LENGTH,
    ItemRef,
    LocationRef,
    item_ref_by_sku,
    location_ref,
)
from app.services.engine.lots import LotBook, LotRecord, LotUse
from app.services.engine.numbering import next_number, normalize_number
from app.services.engine.paging import Listing, Page, PageRequest, text_search
from app.services.engine.parsing import lookup_key, parse_date, parse_int, parse_text, shown
from app.services.engine.permissions import Permission
from app.services.engine.uow import Transaction, posting, query
from app.services.finance import FinanceBook, MomentLine, Told
from app.services.inventory import LedgerRow, ledger_page
from app.services.lots.genealogy import link_made_lots
from app.services.lots.incoming import NOTHING, LotGiven, incoming, lot_given, named_parts
from app.services.production.records import (
    ComponentLine,
    NewLine,
    VarianceRecord,
    WorkOrderBook,
    WorkOrderRecord,
)

MAX_PRIORITY = 999
DEFAULT_PRIORITY = 5
NOT_TRACKED = Tracking.NONE.value


# --- read models --------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkOrderLineInfo:
    line_no: int
    sku: str
    name: str
    uom: str
    quantity_per: Decimal
    required: Decimal
    committed: Decimal
    issued: Decimal
    backordered: Decimal
    backflush: bool
    returned: Decimal = ZERO  # taken back to stock by returns
    scrapped: Decimal = ZERO  # scrapped on the work order

    @property
    def left_to_issue(self) -> Decimal:
        """What the line still needs issued: required - issued, never below zero."""
        return max(ZERO, self.required - self.issued)


@dataclass(frozen=True)
class VarianceInfo:
    sku: str
    name: str
    expected: Decimal
    actual: Decimal
    variance: Decimal
    unit_cost: Decimal
    cost_variance: Decimal
    scrapped: Decimal = ZERO  # the part of the variance that was scrapped

    @property
    def scrap_cost(self) -> Decimal:
        return round_quantity(self.scrapped * self.unit_cost)


@dataclass(frozen=True)
class HoldInfo:
    """Who put a work order on hold, why and when."""

    by: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class WorkOrderInfo:
    number: str
    item: str
    item_name: str
    quantity: Decimal
    built: Decimal
    status: str
    status_label: str
    due: date | None
    priority: int
    location: str
    created_from: str | None  # the sales order it was created from (for a line, or because of it)
    sales_order_line: str | None  # the line of that order a special order builds for
    customer_po: str | None  # the customer's PO number of that sales order
    bom_revision: str
    memo: str | None
    created_at: datetime
    created_by: str
    released_at: datetime | None
    closed_at: datetime | None
    lines: list[WorkOrderLineInfo]
    variance: list[VarianceInfo]
    variance_total: Decimal | None
    actions: list[str]  # what its status allows now, in WOAction order
    unbuilt: Decimal = ZERO  # finished goods taken apart again (built is net of them)
    scrapped: Decimal = ZERO  # finished goods scrapped
    held: HoldInfo | None = None
    changed_at: datetime | None = None  # its last change (quantity, dates, priority ...)
    changed_by: str | None = None
    scrap_total: Decimal | None = None  # the variance's scrap at cost, told apart
    changes: Changes = NO_CHANGES

    @property
    def left_to_build(self) -> Decimal:
        """What is still to be built: quantity - built, never below zero."""
        return max(ZERO, self.quantity - self.built)


# The header fields the read model shares with the record, by name and meaning (the record
# holds the item and the variances as records; the read model as names and rows).
_SHARED = tuple(
    f.name
    for f in fields(WorkOrderInfo)
    if f.name in {g.name for g in fields(WorkOrderRecord)} and f.name not in ("item", "lines")
)


def work_order_info(wo: WorkOrderRecord) -> WorkOrderInfo:
    open_demand = wo.state in OPEN_DEMAND
    lines = [
        WorkOrderLineInfo(
            line_no=ln.line_no,
            sku=ln.component.sku,
            name=ln.component.name,
            uom=ln.component.uom,
            quantity_per=ln.quantity_per,
            required=ln.required,
            committed=ln.committed,
            issued=ln.issued,
            backordered=ln.uncommitted_need if open_demand and not wo.hold_released else ZERO,
            backflush=ln.backflush,
            returned=ln.returned,
            scrapped=ln.scrapped,
        )
        for ln in wo.lines
    ]
    variance = [variance_info(v) for v in [*wo.variances, *wo.new_variances]]
    return WorkOrderInfo(
        **{name: getattr(wo, name) for name in _SHARED},
        item=wo.item.sku,
        item_name=wo.item.name,
        status_label=wo.state.label,
        due=wo.due_date,
        location=wo.location_code,
        lines=lines,
        variance=variance,
        variance_total=sum((v.cost_variance for v in variance), ZERO) if variance else None,
        scrap_total=sum((v.scrap_cost for v in variance), ZERO) if variance else None,
        actions=[a.value for a in WOAction if wo.can(a)],
        held=(
            HoldInfo(wo.held_by or "", wo.hold_reason or "", wo.held_at)
            if wo.held_at is not None
            else None
        ),
    )


def variance_info(v: VarianceRecord) -> VarianceInfo:
    return VarianceInfo(
        sku=v.component.sku,
        name=v.component.name,
        expected=v.expected,
        actual=v.actual,
        variance=v.variance,
        unit_cost=v.unit_cost,
        cost_variance=v.cost_variance,
        scrapped=v.scrapped,
    )


# --- input parsing ------------------------------------------------------------------------


def parse_due(value: object) -> date | None:
    return parse_date(value, field="due date")


def parse_priority(value: object) -> int:
    if value is None or value == "":
        return DEFAULT_PRIORITY
    return parse_int(
        value,
        field="priority",
        minimum=1,
        maximum=MAX_PRIORITY,
        bounds=f"from 1 (most urgent) to {MAX_PRIORITY}",
    )


def parse_status(value: object | None, default: str) -> WOStatus:
    text = default if value is None or value == "" else str(value).strip().lower()
    try:
        status = WOStatus(text)
    except ValueError:
        status = None
    if status not in INITIAL:
        allowed = " | ".join(s.value for s in WOStatus if s in INITIAL)
        raise ValidationError(f"a new work order is {allowed}, not {value!r}")
    return status


def parse_components(
    components: Mapping[str, object] | Iterable[tuple[str, object]],
) -> list[tuple[str, Decimal]]:
    pairs = list(components.items()) if isinstance(components, Mapping) else list(components)
    if not pairs:
        raise ValidationError("no components given")
    out: list[tuple[str, Decimal]] = []
    seen: set[str] = set()
    for sku, qty in pairs:
        key = (sku or "").strip()
        if key in seen:
            raise ValidationError(f"component {shown(key)} is given twice")
        seen.add(key)
        quantity = parse_quantity(qty, f"quantity of {shown(key)}")
        out.append((lookup_key(key, noun="component", max_length=SKU_LENGTH), quantity))
    return out


# --- creation and status changes ----------------------------------------------------------


@dataclass(frozen=True)
class BomForOrder:
    """An assembly's active BOM revision as a new work order copies it."""

    revision_id: int
    revision: str
    lines: list[tuple[int, ItemRef, Decimal, bool]]  # line no, component, quantity per, backflush


def active_bom(tx: Transaction, item: ItemRef) -> BomForOrder:
    """The BOM a new work order of `item` copies; refuses items that cannot be built."""
    if item.type != ItemType.ASSEMBLY:
        raise ValidationError(
            f"{item.sku} is a {item.item_type} item; work orders build assembly items"
        )
    if not item.active:
        raise ValidationError(f"{item.sku} is inactive")
    bom = read_active_bom(tx.session, item.id)
    if bom is None:
        raise NotFound(f"{item.sku} has no active BOM")
    return BomForOrder(
        revision_id=bom.revision_id,
        revision=bom.revision,
        lines=[(ln.line_no, ln.component, ln.quantity_per, ln.backflush) for ln in bom.lines],
    )


def create_in_transaction(
    tx: Transaction,
    item: ItemRef,
    quantity: Decimal,
    *,
    status: WOStatus,
    location: LocationRef,
    due: date | None = None,
    priority: int = DEFAULT_PRIORITY,
    created_from: str | None = None,
    customer_po: str | None = None,
    memo: str | None = None,
    bom: BomForOrder | None = None,
    for_line: tuple[int, str] | None = None,  # a special order: the line's id and number
) -> WorkOrderRecord:
    """Create a work order inside an open posting (also used by the creation queue)."""
    bom = bom or active_bom(tx, item)
    lines = new_lines(bom, quantity)
    released = status == WOStatus.RELEASED
    now = utcnow()
    wo = WorkOrderBook.of(tx).create(
        WorkOrderRecord(
            id=0,
            number=next_number(tx, WORK_ORDER),
            status=status.value,
            quantity=quantity,
            built=ZERO,
            item=item,
            location_id=location.id,
            location_code=location.code,
            bom_revision_id=bom.revision_id,
            bom_revision=bom.revision,
            due_date=due,
            priority=priority,
            created_at=now,
            created_by=tx.actor.user,
            created_from=parse_text(created_from, field="created from", max_length=64) or None,
            sales_order_line_id=for_line[0] if for_line else None,
            sales_order_line=for_line[1] if for_line else None,
            customer_po=customer_po,
            memo=parse_text(memo, field="memo", max_length=200) or None,
            released_at=now if released else None,
            closed_at=None,
        ),
        lines,
    )
    StockBook.of(tx).balance(item.id, location.id).on_order += quantity
    if released:
        commitment.open_demand(tx, wo.lines)
        commitment.commit_available(tx, wo.lines)
    WorkOrderBook.of(tx).insert_lines(wo)
    return wo


def line_required(component: ItemRef, per: Decimal, quantity: Decimal) -> Decimal:
    """A line's required quantity for a work order quantity: quantity per x quantity (6
    places, half-up), refused when it rounds to nothing or is too large to store."""
    required = round_quantity(per * quantity)
    if required >= MAX_STORED:
        raise ValidationError(
            f"quantity {fmt(quantity)} is too large: {component.sku} would need {fmt(required)}"
        )
    if required <= 0:
        raise ValidationError(
            f"quantity {fmt(quantity)} is too small: {component.sku} would need "
            f"{fmt(per * quantity)}, below {QUANTUM}"
        )
    return required


def new_lines(bom: BomForOrder, quantity: Decimal) -> list[NewLine]:
    """The lines a work order of `quantity` copies from a BOM revision."""
    return [
        NewLine(line_no, component, per, line_required(component, per, quantity), backflush)
        for line_no, component, per, backflush in bom.lines
    ]


@posting("wo.create", Permission.PLAN)
def create_work_order(
    tx: Transaction,
    item_sku: str,
    quantity: object,
    *,
    status: str | None = None,
    due: object = None,
    priority: object = None,
    location: str | None = None,
    created_from: str | None = None,
    memo: str | None = None,
) -> WorkOrderInfo:
    """A new work order. One created from a sales order (`created_from`) records that order
    and its customer's PO number, so each is traced from the other, but builds for none of
    its lines: what it makes goes to stock (a special order builds for a line)."""
    qty = parse_quantity(quantity)
    due_date = parse_due(due)
    prio = parse_priority(priority)
    item = item_ref_by_sku(tx.session, item_sku)
    st = parse_status(status, tx.prefs.default_work_order_status)
    loc = location_ref(tx.session, location)
    origin, customer_po = _sales_order(tx, created_from)
    wo = create_in_transaction(
        tx,
        item,
        qty,
        status=st,
        location=loc,
        due=due_date,
        priority=prio,
        created_from=origin,
        customer_po=customer_po,
        memo=memo,
    )
    tx.set_document(wo.number)
    tx.note(item=item.sku, quantity=qty, status=st.value)
    return work_order_info(wo)


def _sales_order(tx: Transaction, created_from: str | None) -> tuple[str | None, str | None]:
    """The sales order a work order is created from, and its customer's PO number (both
    None when there is none); an order that does not exist is refused."""
    text = parse_text(created_from, field="created from", max_length=64)
    if not text:
        return None, None
    number = normalize_number(text)
    row = tx.session.execute(
        select(SalesOrder.number, SalesOrder.customer_po).where(SalesOrder.number == number)
    ).first()
    if row is None:
        raise NotFound(f"unknown sales order {number!r}")
    return row.number, row.customer_po


def _load(tx: Transaction, number: str, *, variances: bool = False) -> WorkOrderRecord:
    wo = WorkOrderBook.of(tx).load(number, variances=variances)
    if tx.write:
        tx.set_document(wo.number)
    return wo


@posting("wo.release", Permission.PLAN)
def release_work_order(tx: Transaction, number: str) -> WorkOrderInfo:
    """Planned -> released: the lines become demand and commit what is available."""
    wo = _load(tx, number)
    wo.require(WOAction.RELEASE)
    wo.move_to(WOStatus.RELEASED)
    wo.released_at = utcnow()
    commitment.open_demand(tx, wo.lines)
    commitment.commit_available(tx, wo.lines)
    tx.note(committed={ln.sku: ln.committed for ln in wo.lines})
    return work_order_info(wo)


@posting("wo.cancel", Permission.PLAN)
def cancel_work_order(tx: Transaction, number: str) -> WorkOrderInfo:
    """Cancel before any stock has moved; what was committed is released. A special order's
    sales order line no longer waits for it: it ships from stock like any other line."""
    wo = _load(tx, number)
    wo.require(WOAction.CANCEL)
    if wo.built > 0 or any(ln.issued > 0 for ln in wo.lines):
        raise IllegalTransition(f"cannot cancel {wo.number}: stock has already moved")
    if wo.state in OPEN_DEMAND:
        commitment.close_demand(tx, wo.lines)
    StockBook.of(tx).balance(wo.item.id, wo.location_id).on_order -= wo.remaining
    wo.move_to(WOStatus.CANCELLED)
    wo.closed_at = utcnow()
    if wo.sales_order_line_id is not None:
        commitment.unpeg(tx, "sales_order", wo.sales_order_line_id)
    return work_order_info(wo)


@posting("wo.close", Permission.PLAN)
def close_work_order(tx: Transaction, number: str) -> WorkOrderInfo:
    """Freeze the work order, record the variance per component, release commitments."""
    wo = _load(tx, number)
    wo.require(WOAction.CLOSE)
    wo.new_variances = close_variances(wo)
    total = sum((v.cost_variance for v in wo.new_variances), ZERO)
    commitment.close_demand(tx, wo.lines)
    StockBook.of(tx).balance(wo.item.id, wo.location_id).on_order -= wo.remaining
    wo.move_to(WOStatus.CLOSED)
    wo.closed_at = utcnow()
    scrap = sum((round_quantity(v.scrapped * v.unit_cost) for v in wo.new_variances), ZERO)
    tx.note(built=wo.built, quantity=wo.quantity, cost_variance=total, scrap=scrap)
    # Finance heard of each scrap when it was posted: the close tells the rest.
    FinanceBook.of(tx).tell(
        Told(
            Moment.CLOSED,
            "work_order",
            wo.number,
            wo.created_from,
            wo.customer_po,
            None,
            [
                MomentLine(v.component.sku, v.variance - v.scrapped, v.unit_cost)
                for v in wo.new_variances
                if v.variance != v.scrapped
            ],
        )
    )
    return work_order_info(wo)


def close_variances(wo: WorkOrderRecord) -> list[VarianceRecord]:
    """Per line: expected = quantity per x built; actual = everything consumed plus what
    was scrapped on the line; the variance in quantity and at the component's standard cost
    of today, its scrapped part told apart. Finished goods scrapped are a row of their own
    (nothing of them was expected to be lost)."""
    out = []
    for ln in wo.lines:
        expected = round_quantity(ln.quantity_per * wo.built)
        actual = ln.issued + ln.scrapped
        out.append(_variance(ln.component, expected, actual, ln.scrapped))
    if wo.scrapped > 0:
        out.append(_variance(wo.item, ZERO, wo.scrapped, wo.scrapped))
    return out


def _variance(
    item: ItemRef, expected: Decimal, actual: Decimal, scrapped: Decimal
) -> VarianceRecord:
    variance = actual - expected
    cost = item.standard_cost
    return VarianceRecord(
        component=item,
        expected=expected,
        actual=actual,
        variance=variance,
        unit_cost=cost,
        cost_variance=round_quantity(variance * cost),
        scrapped=scrapped,
    )


@query()
def preview_close(tx: Transaction, number: str) -> list[VarianceInfo]:
    """The variance closing the work order now would record (nothing is written)."""
    wo = _load(tx, number)
    wo.require(WOAction.CLOSE)
    return [variance_info(v) for v in close_variances(wo)]


# --- consumption --------------------------------------------------------------------------


def _check_consumption(
    tx: Transaction, wo: WorkOrderRecord, line: ComponentLine, qty: Decimal, bal: Balance
) -> None:
    """Refuse consumption the stock or `manufacturing_issue_based_on_commitment` forbids."""
    sku = line.sku
    mode = tx.prefs.manufacturing_issue_based_on_commitment
    if qty > bal.on_hand:
        raise InsufficientStock(
            f"{wo.number}: {sku} needs {fmt(qty)} but only {fmt(bal.on_hand)} on hand "
            f"at {wo.location_code}"
        )
    if mode == "limit_to_committed" and qty > line.committed:
        raise CommitmentLimit(
            f"{wo.number}: {sku} needs {fmt(qty)} but only {fmt(line.committed)} is committed "
            "to it (manufacturing issue is limited to committed stock)"
        )
    if mode == "allow_uncommitted":
        usable = line.committed + max(ZERO, bal.available)
        if qty > usable:
            raise InsufficientStock(
                f"{wo.number}: {sku} needs {fmt(qty)} but only {fmt(line.committed)} is "
                f"committed to it and {fmt(max(ZERO, bal.available))} is uncommitted; the rest "
                "is committed to other orders"
            )


def _consume_all(
    tx: Transaction,
    wo: WorkOrderRecord,
    plan: list[tuple[ComponentLine, Decimal]],
    reason: LedgerReason,
    lots: Mapping[int, list[tuple[LotRecord | None, Decimal]]] | None = None,
) -> list[tuple[LotRecord | None, Decimal]]:
    """Check every line of the plan first, then consume: a refusal changes nothing. A tracked
    component leaves from the lots named for its line (`lots`, by line id), the rest by the
    consumption order; returns the lots consumed (quantities as posted)."""
    stock = StockBook.of(tx)
    for line, qty in plan:
        _check_consumption(tx, wo, line, qty, stock.balance(*line.pair))
    LotBook.of(tx).prefetch(ln.pair for ln, _q in plan if ln.component.tracking != NOT_TRACKED)
    consumed: list[tuple[LotRecord | None, Decimal]] = []
    for line, qty in plan:
        commitment.consume(tx, line, qty, line.component)
        for lot, part in (lots or {}).get(line.id) or [(None, qty)]:
            consumed += stock.post(
                line.component,
                wo.location_id,
                -part,
                reason,
                Source(SourceKind.WORK_ORDER, wo.number, wo.id, line.id),
                lot=lot,
                use=LotUse.BUILD,
            )
    return consumed


@posting("wo.issue", Permission.PRODUCE)
def issue_components(
    tx: Transaction,
    number: str,
    components: Mapping[str, object] | Iterable[tuple[str, object]],
    *,
    lots: Mapping[str, Sequence[tuple[object, object]]] | None = None,
) -> WorkOrderInfo:
    """Issue given quantities of given components to a work order (moves it in process). A
    tracked component's lots may be named with their quantities (`lots`, by sku); what is
    not named is taken by the consumption order."""
    wanted = parse_components(components)
    wo = _load(tx, number)
    wo.require(WOAction.ISSUE)
    by_sku = {ln.sku: ln for ln in wo.lines}
    plan: list[tuple[ComponentLine, Decimal]] = []
    for sku, qty in wanted:
        line = by_sku.get(sku)
        if line is None:
            raise NotFound(f"{sku!r} is not a component of {wo.number}")
        if line.issued + qty > line.required and not (
            tx.prefs.allow_overage_on_work_order_transactions
        ):
            raise OverageNotAllowed(
                f"{wo.number}: issuing {fmt(qty)} {sku} would make {fmt(line.issued + qty)} "
                f"of {fmt(line.required)} required; overage on work order transactions "
                "is not allowed"
            )
        plan.append((line, qty))
    unissued = sorted(set(lots or {}) - {line.sku for line, _q in plan})
    if unissued:
        raise ValidationError(f"lots are named for {unissued[0]}, which is not issued here")
    named = {
        line.id: named_parts(tx, line.component, qty, (lots or {})[line.sku], what=line.sku)
        for line, qty in plan
        if (lots or {}).get(line.sku)
    }
    _consume_all(tx, wo, plan, LedgerReason.ISSUE, named)
    if wo.state == WOStatus.RELEASED:
        wo.move_to(WOStatus.IN_PROCESS)
    tx.note(issued={ln.sku: q for ln, q in plan})
    return work_order_info(wo)


class Backflush(StrEnum):
    NONE = "none"  # finished goods only
    FLAGGED = "flagged"  # completion with backflush: the backflush-flagged lines
    ALL = "all"  # assembly build: every line


def _overage_preference(tx: Transaction, action: WOAction) -> tuple[bool, str]:
    if action == WOAction.BUILD:
        return tx.prefs.allow_overage_on_assembly_builds, "overage on assembly builds"
    return (
        tx.prefs.allow_overage_on_work_order_transactions,
        "overage on work order transactions",
    )


def _produce(
    tx: Transaction,
    wo: WorkOrderRecord,
    qty: Decimal,
    action: WOAction,
    backflush: Backflush,
    lot: LotGiven = NOTHING,
) -> dict[str, Decimal]:
    """Report `qty` finished: consume components as asked, receive the assembly."""
    wo.require(action)
    remaining = wo.remaining
    overage_allowed, overage_pref = _overage_preference(tx, action)
    if qty > remaining and not overage_allowed:
        if remaining == 0:
            raise OverageNotAllowed(
                f"{wo.number} is already fully built ({wo.describe_progress()}); "
                f"{overage_pref} is off"
            )
        raise OverageNotAllowed(
            f"cannot {action.value} {fmt(qty)} on {wo.number}: only {fmt(remaining)} remain "
            f"({wo.describe_progress()}); {overage_pref} is off"
        )
    new_built = wo.built + qty
    plan: list[tuple[ComponentLine, Decimal]] = []
    for ln in wo.lines:
        if backflush == Backflush.ALL or (backflush == Backflush.FLAGGED and ln.backflush):
            # Bring the line up to quantity per x total completed, net of earlier issues.
            take = round_quantity(ln.quantity_per * new_built) - ln.issued
            if take > 0:
                plan.append((ln, take))
    consumed = _consume_all(tx, wo, plan, LedgerReason.BACKFLUSH)
    stock = StockBook.of(tx)
    source = Source(SourceKind.WORK_ORDER, wo.number, wo.id)
    made = incoming(tx, wo.item, qty, lot, source, pattern_for=wo.number)
    for made_lot, part in made:
        stock.post(wo.item, wo.location_id, part, LedgerReason.COMPLETION, source, lot=made_lot)
    link_made_lots(tx, source, (m for m, _q in made if m is not None), consumed)
    stock.balance(wo.item.id, wo.location_id).on_order -= min(qty, remaining)
    wo.built = new_built
    wo.move_to(wo.status_after_production())
    if wo.sales_order_line_id is not None:
        # A special order's build belongs to the order line it was made for.
        commitment.commit_to(tx, "sales_order", wo.sales_order_line_id, qty)
    return {ln.sku: take for ln, take in plan}


def _report_production(
    tx: Transaction,
    number: str,
    quantity: object,
    action: WOAction,
    backflush: Backflush,
    lot: LotGiven = NOTHING,
) -> WorkOrderInfo:
    qty = parse_quantity(quantity)
    wo = _load(tx, number)
    consumed = _produce(tx, wo, qty, action, backflush, lot)
    tx.note(quantity=qty, backflush=backflush.value, consumed=consumed)
    return work_order_info(wo)


@posting("wo.complete", Permission.PRODUCE)
def complete_work_order(
    tx: Transaction,
    number: str,
    quantity: object,
    *,
    backflush: bool = False,
    lot: object = None,
    serials: object = None,
    expires: object = None,
) -> WorkOrderInfo:
    """Report completed assemblies; with backflush also consume the backflush-flagged lines
    in work order proportion, net of what was issued by hand. A tracked assembly comes in as
    the lot or serials given, or numbered by the plant's pattern."""
    mode = Backflush.FLAGGED if backflush else Backflush.NONE
    given = lot_given(lot, serials, expires)
    return _report_production(tx, number, quantity, WOAction.COMPLETE, mode, given)


@posting("wo.build", Permission.PRODUCE)
def post_assembly_build(
    tx: Transaction,
    number: str,
    quantity: object,
    *,
    lot: object = None,
    serials: object = None,
    expires: object = None,
) -> WorkOrderInfo:
    """Assembly build: finished goods in and every component line out, in one posting (a
    tracked assembly as the lot or serials given, or numbered by the plant's pattern)."""
    given = lot_given(lot, serials, expires)
    return _report_production(tx, number, quantity, WOAction.BUILD, Backflush.ALL, given)


# --- queries ------------------------------------------------------------------------------


@query()
def get_work_order(tx: Transaction, number: str) -> WorkOrderInfo:
    return work_order_info(_load(tx, number, variances=True))


@dataclass(frozen=True)
class WorkOrderSummary:
    """A row of the work order list."""

    number: str
    item: str
    item_name: str
    quantity: Decimal
    built: Decimal
    status: str
    status_label: str
    due: date | None
    priority: int
    location: str
    created_from: str | None
    late: bool  # due date passed and not built yet
    short: bool  # a component line cannot get what it still needs
    held: bool = False  # on hold: nothing posts on it until it resumes
    hold_reason: str | None = None  # why, and who held it
    held_by: str | None = None
    changed: bool = False  # changed since it was created (quantity, dates, priority ...)


_WO = WorkOrder
_LATE_STATUSES = [s.value for s in NOT_BUILT]
_ACTIVE_STATUSES = [s.value for s in ACTIVE]


def late_condition(today: date) -> ColumnElement[bool]:
    """A work order is late when its due date has passed and it is not built yet."""
    return and_(_WO.due_date < today, _WO.status.in_(_LATE_STATUSES))


def short_line_condition() -> ColumnElement[bool]:
    """A component line of an active work order is short when what it still needs exceeds
    what is committed to it plus what is uncommitted at its location (planned orders count
    too, so a shortage shows before anyone starts)."""
    free = case((StockBalance.on_hand > StockBalance.committed, StockBalance.available), else_=0)
    short: ColumnElement[bool] = need_of(WorkOrderLine.required, WorkOrderLine.issued) > (
        WorkOrderLine.committed + func.coalesce(free, 0)
    )
    return short


def _short_exists() -> ColumnElement[bool]:
    return (
        exists()
        .where(WorkOrderLine.work_order_id == _WO.id)
        .where(short_line_condition())
        .select_from(
            WorkOrderLine.__table__.outerjoin(
                StockBalance.__table__,
                (StockBalance.item_id == WorkOrderLine.component_id)
                & (StockBalance.location_id == _WO.location_id),
            )
        )
        .correlate(_WO)
    )


def changed_condition() -> ColumnElement[bool]:
    """An active work order changed since it was created (its quantity, dates, priority,
    memo, location or BOM revision)."""
    return and_(_WO.changed_at.is_not(None), _WO.status.in_(_ACTIVE_STATUSES))


def short_condition() -> ColumnElement[bool]:
    return and_(_WO.status.in_(_ACTIVE_STATUSES), _short_exists())


_LISTING = Listing(
    sorts={
        "number": _WO.number,
        "item": Item.sku,
        "quantity": _WO.quantity,
        "built": _WO.built,
        "status": _WO.status,
        "due": _WO.due_date,
        "priority": _WO.priority,
        "location": Location.code,
        "created": _WO.created_at,
    },
    default="number",
    tiebreak=_WO.id,
)
WORK_ORDER_SORTS = tuple(_LISTING.sorts)


@query()
def list_work_orders(
    tx: Transaction,
    *,
    status: str | Iterable[str] | None = None,
    item: str | None = None,
    due_from: object = None,
    due_to: object = None,
    text: str | None = None,
    late: bool = False,
    short: bool = False,
    held: bool = False,
    changed: bool = False,
    today: date | None = None,
    page: PageRequest | None = None,
) -> Page[WorkOrderSummary]:
    """Work orders by the filters, one page in the order asked, with the total count. `text`
    matches the number, the item's sku or name, the created-from reference or the memo;
    `held` keeps the ones on hold, `changed` the active ones changed since they were
    created."""
    statuses = WorkOrder.lifecycle.statuses_named(status)
    start, end = parse_due(due_from), parse_due(due_to)
    day = today or date.today()
    late_expr = late_condition(day)
    short_expr = short_condition()
    stmt = (
        select(
            _WO.id,
            _WO.number,
            Item.sku,
            Item.name,
            _WO.quantity,
            _WO.built,
            _WO.status,
            _WO.due_date,
            _WO.priority,
            Location.code,
            _WO.created_from,
            _WO.held_at,
            _WO.held_by,
            _WO.hold_reason,
            _WO.changed_at,
            late_expr.label("late"),
            short_expr.label("short"),
        )
        .join(Item, Item.id == _WO.item_id)
        .join(Location, Location.id == _WO.location_id)
    )
    keys = (
        select(_WO.id)
        .join(Item, Item.id == _WO.item_id)
        .join(Location, Location.id == _WO.location_id)
    )
    conditions: list[ColumnElement[bool]] = []
    if statuses:
        conditions.append(_WO.status.in_(statuses))
    if item:
        conditions.append(Item.sku == item.strip())
    if start is not None:
        conditions.append(_WO.due_date >= start)
    if end is not None:
        conditions.append(_WO.due_date <= end)
    conditions += text_search(text, _WO.number, Item.sku, Item.name, _WO.created_from, _WO.memo)
    if late:
        conditions.append(late_expr)
    if short:
        conditions.append(short_expr)
    if held:
        conditions.append(_WO.held_at.is_not(None))
    if changed:
        conditions.append(changed_condition())
    stmt = stmt.where(*conditions)
    keys = keys.where(*conditions)

    def row(r: Any) -> WorkOrderSummary:
        return WorkOrderSummary(
            number=r.number,
            item=r.sku,
            item_name=r.name,
            quantity=r.quantity,
            built=r.built,
            status=r.status,
            status_label=WOStatus(r.status).label,
            due=r.due_date,
            priority=r.priority,
            location=r.code,
            created_from=r.created_from,
            late=bool(r.late),
            short=bool(r.short),
            held=r.held_at is not None,
            hold_reason=r.hold_reason,
            held_by=r.held_by,
            changed=r.changed_at is not None and WOStatus(r.status) in ACTIVE,
        )

    request = page or PageRequest(limit=None)
    # The late and short flags are subqueries; a sort over the whole list computes them
    # only for the page's rows.
    return _LISTING.fetch_keyed(
        tx.session,
        keys,
        request,
        lambda ids: {r.id: row(r) for r in tx.session.execute(stmt.where(_WO.id.in_(ids)))},
        full=lambda: _LISTING.fetch(tx.session, stmt, request, row, count=keys),
    )


@query()
def late_work_orders(
    tx: Transaction, today: date | None = None, limit: int | None = None
) -> Page[WorkOrderSummary]:
    """Work orders past their due date and not built yet, most overdue first."""
    return list_work_orders.within(
        tx, late=True, today=today, page=PageRequest(limit=limit, sort="due")
    )


def counts_by_status(tx: Transaction) -> dict[str, int]:
    rows = tx.session.execute(select(_WO.status, func.count()).group_by(_WO.status))
    counts = dict(rows.all())
    return {s.value: counts.get(s.value, 0) for s in WOStatus}


@dataclass(frozen=True)
class ExceptionCounts:
    """The work orders a supervisor looks at first besides the late ones."""

    held: int  # on hold
    changed: int  # active and changed since created


def exception_counts(tx: Transaction) -> ExceptionCounts:
    held, changed = tx.session.execute(
        select(
            func.count().filter(_WO.held_at.is_not(None)),
            func.count().filter(changed_condition()),
        )
    ).one()
    return ExceptionCounts(held=int(held or 0), changed=int(changed or 0))


@query()
def count_by_status(tx: Transaction) -> dict[str, int]:
    return counts_by_status(tx)


def work_order_statuses() -> list[tuple[str, str]]:
    """Every work order status as (key, label), in life-cycle order (for filters)."""
    return WorkOrder.lifecycle.choices()


@query()
def work_order_postings(
    tx: Transaction, number: str, page: PageRequest | None = None
) -> Page[LedgerRow]:
    """The ledger rows posted against one work order (issues, backflush, completions),
    newest first unless another order is asked for."""
    wo = WorkOrderBook.of(tx).load(number)
    return ledger_page(
        tx,
        LedgerEntry.source_kind == SourceKind.WORK_ORDER.value,
        LedgerEntry.source_id == wo.id,
        page=page,
    )
