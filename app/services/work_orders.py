"""Work orders: create, release, issue components, complete, build, close, cancel.

Each use case is one transaction with one audit event. The quantities on a line:
  required  = quantity per x work order quantity (copied from the BOM revision at creation)
  issued    = everything consumed for the line, by hand or by backflush
  committed = on-hand stock reserved for the line and not yet consumed
Backflush brings a line's consumption up to quantity per x total completed, net of what was
already issued; it never consumes the same quantity twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.errors import (
    CommitmentLimit,
    IllegalTransition,
    InsufficientStock,
    NotFound,
    OverageNotAllowed,
    ValidationError,
)
from app.models import (
    BomLine,
    BomRevision,
    Counter,
    Item,
    ItemType,
    LedgerReason,
    Location,
    WOAction,
    WorkOrder,
    WOStatus,
    utcnow,
)
from app.models.quantity import (
    MAX_STORED,
    QUANTUM,
    ZERO,
    fmt,
    parse_quantity,
    round_quantity,
)
from app.models.work_order import ACTIVE, INITIAL, OPEN_DEMAND
from app.services import commitment
from app.services.lookup import (
    ITEM_COLUMNS,
    ItemRef,
    LocationRef,
    item_ref,
    item_ref_by_sku,
    location_ref,
)
from app.services.permissions import Permission
from app.services.stock import Balance
from app.services.uow import Transaction, UnitOfWork
from app.services.wo_records import LineState, VarianceRecord, WorkOrderRecord

_REV = cast(Table, BomRevision.__table__)
_BOM_LINE = cast(Table, BomLine.__table__)
_ITEM = cast(Table, Item.__table__)
_ACTIVE_BOM_LINES = (
    select(
        _REV.c.id,
        _REV.c.revision,
        _BOM_LINE.c.line_no,
        _BOM_LINE.c.quantity_per,
        _BOM_LINE.c.backflush,
        *ITEM_COLUMNS,
    )
    .join(_BOM_LINE, _BOM_LINE.c.revision_id == _REV.c.id)
    .join(_ITEM, _ITEM.c.id == _BOM_LINE.c.component_id)
    .where(_REV.c.assembly_id == bindparam("assembly"), _REV.c.active)
    .order_by(_BOM_LINE.c.line_no)
)

WO_PREFIX = "WO-"
MAX_PRIORITY = 999


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


@dataclass(frozen=True)
class VarianceInfo:
    sku: str
    name: str
    expected: Decimal
    actual: Decimal
    variance: Decimal
    unit_cost: Decimal
    cost_variance: Decimal


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
    created_from: str | None
    bom_revision: str
    memo: str | None
    created_at: datetime
    created_by: str
    lines: list[WorkOrderLineInfo]
    variance: list[VarianceInfo]
    variance_total: Decimal | None
    actions: list[str]


@dataclass(frozen=True)
class WorkOrderSummary:
    number: str
    item: str
    item_name: str
    quantity: Decimal
    built: Decimal
    status: str
    due: date | None
    priority: int
    location: str
    created_from: str | None


def work_order_info(wo: WorkOrderRecord) -> WorkOrderInfo:
    open_demand = wo.state in OPEN_DEMAND
    lines = [
        WorkOrderLineInfo(
            line_no=ln.line_no,
            sku=ln.item.sku,
            name=ln.item.name,
            uom=ln.item.uom,
            quantity_per=ln.quantity_per,
            required=ln.required,
            committed=ln.committed,
            issued=ln.issued,
            backordered=ln.uncommitted_need if open_demand else ZERO,
            backflush=ln.backflush,
        )
        for ln in wo.lines
    ]
    variance = [
        VarianceInfo(
            sku=v.component.sku,
            name=v.component.name,
            expected=v.expected,
            actual=v.actual,
            variance=v.variance,
            unit_cost=v.unit_cost,
            cost_variance=v.cost_variance,
        )
        for v in [*wo.variances, *wo.new_variances]
    ]
    return WorkOrderInfo(
        number=wo.number,
        item=wo.item.sku,
        item_name=wo.item.name,
        quantity=wo.quantity,
        built=wo.built,
        status=wo.status,
        status_label=wo.state.label,
        due=wo.due_date,
        priority=wo.priority,
        location=wo.location_code,
        created_from=wo.created_from,
        bom_revision=wo.bom_revision,
        memo=wo.memo,
        created_at=wo.created_at,
        created_by=wo.created_by,
        lines=lines,
        variance=variance,
        variance_total=sum((v.cost_variance for v in variance), ZERO) if variance else None,
        actions=[a.value for a in WOAction if wo.can(a)],
    )


# --- input parsing ------------------------------------------------------------------------


def parse_due(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(f"due date {value!r} is not a date (YYYY-MM-DD)") from None


def parse_priority(value: object) -> int:
    if value is None or value == "":
        return 5
    try:
        prio = int(str(value).strip())
    except ValueError:
        raise ValidationError(f"priority {value!r} is not a whole number") from None
    if not 1 <= prio <= MAX_PRIORITY:
        raise ValidationError(
            f"priority must be a whole number from 1 (most urgent) to {MAX_PRIORITY}, got {prio}"
        )
    return prio


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
            raise ValidationError(f"component {key!r} is given twice")
        seen.add(key)
        out.append((key, parse_quantity(qty, f"quantity of {key!r}")))
    return out


# --- numbering ----------------------------------------------------------------------------


_COUNTER = cast(Table, Counter.__table__)


def _next_value(insert: Any) -> Any:
    return (
        insert(_COUNTER)
        .values(name=bindparam("name"), value=1)
        .on_conflict_do_update(index_elements=["name"], set_={"value": _COUNTER.c.value + 1})
        .returning(_COUNTER.c.value)
    )


_NEXT_VALUE = {"sqlite": _next_value(sqlite_insert), "postgresql": _next_value(pg_insert)}


def next_number(tx: Transaction, name: str = "work_order") -> int:
    """The next value of a document sequence, inside the posting's transaction."""
    stmt = _NEXT_VALUE["postgresql" if tx.is_postgresql else "sqlite"]
    return int(tx.session.execute(stmt, {"name": name}).scalar_one())


def format_wo_number(n: int) -> str:
    return f"{WO_PREFIX}{n:06d}"


# --- creation and status changes ----------------------------------------------------------


def create_in_transaction(
    tx: Transaction,
    item: ItemRef,
    quantity: Decimal,
    *,
    status: WOStatus,
    location: LocationRef,
    due: date | None = None,
    priority: int = 5,
    created_from: str | None = None,
    memo: str | None = None,
) -> WorkOrderRecord:
    """Create a work order inside an open posting (also used by the creation queue)."""
    if item.type != ItemType.ASSEMBLY:
        raise ValidationError(
            f"{item.sku} is a {item.item_type} item; work orders build assembly items"
        )
    if not item.active:
        raise ValidationError(f"{item.sku} is inactive")
    bom = tx.session.execute(_ACTIVE_BOM_LINES, {"assembly": item.id}).all()
    if not bom:
        raise NotFound(f"{item.sku} has no active BOM")
    rev_id, rev_name = bom[0][0], bom[0][1]
    lines = []
    for _rev_id, _rev, line_no, per, backflush, *component_row in bom:
        component = item_ref(component_row)
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
        lines.append((line_no, component, per, required, backflush))
    released = status == WOStatus.RELEASED
    wo = tx.orders.create(
        number=format_wo_number(next_number(tx)),
        item=item,
        quantity=quantity,
        status=status.value,
        location_id=location.id,
        location_code=location.code,
        bom_revision_id=rev_id,
        bom_revision=rev_name,
        due=due,
        priority=priority,
        created_from=(created_from or "").strip() or None,
        memo=(memo or "").strip() or None,
        lines=lines,
        released=released,
    )
    bals = tx.stock.balances([(item.id, location.id), *commitment.component_pairs(wo)])
    bals[(item.id, location.id)].on_order += quantity
    if released:
        commitment.open_demand(tx, wo)
        commitment.commit_lines(tx, wo)
    tx.orders.insert_lines(wo)
    return wo


def create_work_order(
    uow: UnitOfWork,
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
    qty = parse_quantity(quantity)
    due_date = parse_due(due)
    prio = parse_priority(priority)
    with uow.transaction("wo.create") as tx:
        tx.authorize(Permission.PLAN)
        item = item_ref_by_sku(tx.session, item_sku)
        st = parse_status(status, tx.prefs.default_work_order_status)
        loc = location_ref(tx.session, location)
        wo = create_in_transaction(
            tx,
            item,
            qty,
            status=st,
            location=loc,
            due=due_date,
            priority=prio,
            created_from=created_from,
            memo=memo,
        )
        tx.set_document(wo.number)
        tx.note(item=item.sku, quantity=qty, status=st.value)
        tx.commit()
        return work_order_info(wo)


def _load(tx: Transaction, number: str, *, variances: bool = False) -> WorkOrderRecord:
    wo = tx.orders.load(number, lock=tx.write, variances=variances)
    if tx.write:
        tx.set_document(wo.number)
    return wo


def release_work_order(uow: UnitOfWork, number: str) -> WorkOrderInfo:
    """Planned -> released: the lines become demand and commit what is available."""
    with uow.transaction("wo.release") as tx:
        tx.authorize(Permission.PLAN)
        wo = _load(tx, number)
        wo.require(WOAction.RELEASE)
        wo.move_to(WOStatus.RELEASED)
        wo.released_at = utcnow()
        commitment.open_demand(tx, wo)
        commitment.commit_lines(tx, wo)
        tx.note(committed={ln.sku: ln.committed for ln in wo.lines})
        tx.commit()
        return work_order_info(wo)


def cancel_work_order(uow: UnitOfWork, number: str) -> WorkOrderInfo:
    """Cancel before any stock has moved; what was committed is released."""
    with uow.transaction("wo.cancel") as tx:
        tx.authorize(Permission.PLAN)
        wo = _load(tx, number)
        wo.require(WOAction.CANCEL)
        if wo.built > 0 or any(ln.issued > 0 for ln in wo.lines):
            raise IllegalTransition(f"cannot cancel {wo.number}: stock has already moved")
        if wo.state in OPEN_DEMAND:
            commitment.close_demand(tx, wo)
        fg = tx.stock.balance(wo.item.id, wo.location_id)
        fg.on_order -= wo.remaining
        wo.move_to(WOStatus.CANCELLED)
        wo.closed_at = utcnow()
        tx.commit()
        return work_order_info(wo)


def close_work_order(uow: UnitOfWork, number: str) -> WorkOrderInfo:
    """Freeze the work order, record the variance per component, release commitments."""
    with uow.transaction("wo.close") as tx:
        tx.authorize(Permission.PLAN)
        wo = _load(tx, number)
        wo.require(WOAction.CLOSE)
        total = ZERO
        for ln in wo.lines:
            expected = round_quantity(ln.quantity_per * wo.built)
            variance = ln.issued - expected
            cost = ln.item.standard_cost
            cost_variance = round_quantity(variance * cost)
            total += cost_variance
            wo.new_variances.append(
                VarianceRecord(
                    component=ln.item,
                    expected=expected,
                    actual=ln.issued,
                    variance=variance,
                    unit_cost=cost,
                    cost_variance=cost_variance,
                )
            )
        commitment.close_demand(tx, wo)
        fg = tx.stock.balance(wo.item.id, wo.location_id)
        fg.on_order -= wo.remaining
        wo.move_to(WOStatus.CLOSED)
        wo.closed_at = utcnow()
        tx.note(built=wo.built, quantity=wo.quantity, cost_variance=total)
        tx.commit()
        return work_order_info(wo)


# --- consumption --------------------------------------------------------------------------


def _check_consumption(
    tx: Transaction, wo: WorkOrderRecord, line: LineState, qty: Decimal, bal: Balance
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


def _consume(
    tx: Transaction,
    wo: WorkOrderRecord,
    line: LineState,
    qty: Decimal,
    reason: LedgerReason,
    bal: Balance,
) -> None:
    """Consume `qty` for a line: its own commitment first, then the ledger."""
    from_commitment = min(line.committed, qty)
    need_before = line.need
    line.committed -= from_commitment
    bal.committed -= from_commitment
    bal.demand -= min(qty, need_before)
    line.issued += qty
    # Consumption that ignores commitment may take stock committed to other orders.
    commitment.make_room(tx, line.component_id, wo.location_id, qty)
    tx.stock.post(
        line.item,
        wo.location_id,
        -qty,
        reason,
        wo.number,
        work_order_id=wo.id,
        line_id=line.id,
    )


def _consume_all(
    tx: Transaction,
    wo: WorkOrderRecord,
    plan: list[tuple[LineState, Decimal]],
    reason: LedgerReason,
) -> None:
    """Check every line of the plan first, then consume: a refusal changes nothing."""
    bals = tx.stock.balances([(ln.component_id, wo.location_id) for ln, _ in plan])
    for line, qty in plan:
        _check_consumption(tx, wo, line, qty, bals[(line.component_id, wo.location_id)])
    for line, qty in plan:
        _consume(tx, wo, line, qty, reason, bals[(line.component_id, wo.location_id)])


def issue_components(
    uow: UnitOfWork,
    number: str,
    components: Mapping[str, object] | Iterable[tuple[str, object]],
) -> WorkOrderInfo:
    """Issue given quantities of given components to a work order (moves it in process)."""
    wanted = parse_components(components)
    with uow.transaction("wo.issue") as tx:
        tx.authorize(Permission.PRODUCE)
        wo = _load(tx, number)
        wo.require(WOAction.ISSUE)
        by_sku = {ln.sku: ln for ln in wo.lines}
        plan: list[tuple[LineState, Decimal]] = []
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
        _consume_all(tx, wo, plan, LedgerReason.ISSUE)
        if wo.state == WOStatus.RELEASED:
            wo.move_to(WOStatus.IN_PROCESS)
        tx.note(issued={ln.sku: q for ln, q in plan})
        tx.commit()
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
    tx: Transaction, wo: WorkOrderRecord, qty: Decimal, action: WOAction, backflush: Backflush
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
    plan: list[tuple[LineState, Decimal]] = []
    for ln in wo.lines:
        if backflush == Backflush.ALL or (backflush == Backflush.FLAGGED and ln.backflush):
            # Bring the line up to quantity per x total completed, net of earlier issues.
            take = round_quantity(ln.quantity_per * new_built) - ln.issued
            if take > 0:
                plan.append((ln, take))
    fg = tx.stock.balances([(wo.item.id, wo.location_id), *commitment.component_pairs(wo)])[
        (wo.item.id, wo.location_id)
    ]
    _consume_all(tx, wo, plan, LedgerReason.BACKFLUSH)
    tx.stock.post(
        wo.item, wo.location_id, qty, LedgerReason.COMPLETION, wo.number, work_order_id=wo.id
    )
    fg.on_order -= min(qty, remaining)
    wo.built = new_built
    wo.move_to(wo.status_after_production())
    return {ln.sku: take for ln, take in plan}


def _report_production(
    uow: UnitOfWork, number: str, quantity: object, action: WOAction, backflush: Backflush
) -> WorkOrderInfo:
    qty = parse_quantity(quantity)
    with uow.transaction(f"wo.{action.value}") as tx:
        tx.authorize(Permission.PRODUCE)
        wo = _load(tx, number)
        consumed = _produce(tx, wo, qty, action, backflush)
        tx.note(quantity=qty, backflush=backflush.value, consumed=consumed)
        tx.commit()
        return work_order_info(wo)


def complete_work_order(
    uow: UnitOfWork, number: str, quantity: object, *, backflush: bool = False
) -> WorkOrderInfo:
    """Report completed assemblies; with backflush also consume the backflush-flagged lines
    in work order proportion, net of what was issued by hand."""
    mode = Backflush.FLAGGED if backflush else Backflush.NONE
    return _report_production(uow, number, quantity, WOAction.COMPLETE, mode)


def post_assembly_build(uow: UnitOfWork, number: str, quantity: object) -> WorkOrderInfo:
    """Assembly build: finished goods in and every component line out, in one posting."""
    return _report_production(uow, number, quantity, WOAction.BUILD, Backflush.ALL)


# --- queries ------------------------------------------------------------------------------


def get_work_order(uow: UnitOfWork, number: str) -> WorkOrderInfo:
    with uow.query() as tx:
        tx.authorize(Permission.READ)
        return work_order_info(_load(tx, number, variances=True))


def list_work_orders(
    uow: UnitOfWork,
    *,
    status: str | Iterable[str] | None = None,
    item: str | None = None,
    limit: int | None = None,
) -> list[WorkOrderSummary]:
    statuses: list[str] = []
    if status:
        for s in [status] if isinstance(status, str) else status:
            try:
                statuses.append(WOStatus(s.strip().lower()).value)
            except ValueError:
                raise ValidationError(
                    f"unknown status {s!r}; one of {', '.join(x.value for x in WOStatus)}"
                ) from None
    with uow.query() as tx:
        tx.authorize(Permission.READ)
        stmt = (
            select(
                WorkOrder.number,
                Item.sku,
                Item.name,
                WorkOrder.quantity,
                WorkOrder.built,
                WorkOrder.status,
                WorkOrder.due_date,
                WorkOrder.priority,
                Location.code,
                WorkOrder.created_from,
            )
            .join(Item, Item.id == WorkOrder.item_id)
            .join(Location, Location.id == WorkOrder.location_id)
            .order_by(WorkOrder.number)
        )
        if statuses:
            stmt = stmt.where(WorkOrder.status.in_(statuses))
        if item:
            stmt = stmt.where(Item.sku == item.strip())
        if limit:
            stmt = stmt.limit(limit)
        return [
            WorkOrderSummary(
                number=number,
                item=sku,
                item_name=name,
                quantity=quantity,
                built=built,
                status=st,
                due=due,
                priority=prio,
                location=loc,
                created_from=created_from,
            )
            for number, sku, name, quantity, built, st, due, prio, loc, created_from in (
                tx.session.execute(stmt)
            )
        ]


def late_work_orders(uow: UnitOfWork, today: date | None = None) -> list[WorkOrderSummary]:
    """Active work orders past their due date, most overdue first."""
    today = today or date.today()
    rows = list_work_orders(uow, status=[s.value for s in ACTIVE])
    late = [r for r in rows if r.due is not None and r.due < today]
    return sorted(late, key=lambda r: (r.due, r.priority, r.number))


def count_by_status(uow: UnitOfWork) -> dict[str, int]:
    with uow.query() as tx:
        tx.authorize(Permission.READ)
        rows = tx.session.execute(select(WorkOrder.status, func.count()).group_by(WorkOrder.status))
        counts = dict(rows.all())
        return {s.value: counts.get(s.value, 0) for s in WOStatus}
