"""Work orders as the postings see them: plain in-memory records, loaded with a couple of
queries, changed by the rules in work_orders.py and commitment.py, and written back in a
few executemany statements when the posting commits.

A transaction's WorkOrderBook is its identity map: a line loaded twice (as part of its work
order, or as someone else's demand during commitment) is the same object, so every change
is seen everywhere and written once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, insert, select, update

from app.errors import NotFound
from app.models import (
    OPEN_DEMAND,
    BomRevision,
    Item,
    Location,
    WorkOrder,
    WorkOrderLine,
    WorkOrderVariance,
    utcnow,
)
from app.models.quantity import ZERO
from app.models.work_order import WorkOrderRules
from app.services.lookup import ITEM_COLUMNS as _ITEM_COLUMNS
from app.services.lookup import ItemRef, item_ref, normalize_wo_number
from app.services.stock import by_location

if TYPE_CHECKING:
    from app.services.uow import Transaction

Pair = tuple[int, int]
SortFields = tuple[date | None, int, datetime, int]  # due, priority, created, work order id

_WO = cast(Table, WorkOrder.__table__)
_LINE = cast(Table, WorkOrderLine.__table__)
_VARIANCE = cast(Table, WorkOrderVariance.__table__)
_ITEM = cast(Table, Item.__table__)
_LOC = cast(Table, Location.__table__)
_REV = cast(Table, BomRevision.__table__)
_OPEN = [s.value for s in OPEN_DEMAND]

_SELECT_WO = (
    select(
        _WO.c.id,
        _WO.c.number,
        _WO.c.status,
        _WO.c.quantity,
        _WO.c.built,
        _WO.c.location_id,
        _LOC.c.code,
        _WO.c.due_date,
        _WO.c.priority,
        _WO.c.created_at,
        _WO.c.created_by,
        _WO.c.created_from,
        _WO.c.memo,
        _WO.c.released_at,
        _WO.c.closed_at,
        _REV.c.revision,
        *_ITEM_COLUMNS,
    )
    .join(_ITEM, _ITEM.c.id == _WO.c.item_id)
    .join(_LOC, _LOC.c.id == _WO.c.location_id)
    .join(_REV, _REV.c.id == _WO.c.bom_revision_id)
)
_SELECT_WO_BY_NUMBER = _SELECT_WO.where(_WO.c.number == bindparam("number"))
_SELECT_WO_FOR_UPDATE = _SELECT_WO_BY_NUMBER.with_for_update(of=_WO)
_SELECT_LINES = (
    select(
        _LINE.c.id,
        _LINE.c.line_no,
        _LINE.c.quantity_per,
        _LINE.c.required,
        _LINE.c.committed,
        _LINE.c.issued,
        _LINE.c.backflush,
        *_ITEM_COLUMNS,
    )
    .join(_ITEM, _ITEM.c.id == _LINE.c.component_id)
    .where(_LINE.c.work_order_id == bindparam("wo_id"))
    .order_by(_LINE.c.line_no)
)
_SELECT_VARIANCES = (
    select(
        _VARIANCE.c.expected,
        _VARIANCE.c.actual,
        _VARIANCE.c.variance,
        _VARIANCE.c.unit_cost,
        _VARIANCE.c.cost_variance,
        *_ITEM_COLUMNS,
    )
    .join(_ITEM, _ITEM.c.id == _VARIANCE.c.component_id)
    .where(_VARIANCE.c.work_order_id == bindparam("wo_id"))
    .order_by(_VARIANCE.c.id)
)
_SELECT_OPEN_LINES_OF = select(
    _LINE.c.id,
    _LINE.c.work_order_id,
    _LINE.c.line_no,
    _LINE.c.component_id,
    _WO.c.location_id,
    _LINE.c.quantity_per,
    _LINE.c.required,
    _LINE.c.committed,
    _LINE.c.issued,
    _LINE.c.backflush,
    _WO.c.due_date,
    _WO.c.priority,
    _WO.c.created_at,
).join(_WO, _WO.c.id == _LINE.c.work_order_id)
_SELECT_OPEN_LINES = _SELECT_OPEN_LINES_OF.where(
    _LINE.c.component_id.in_(bindparam("items", expanding=True)),
    _WO.c.location_id == bindparam("location"),
    _WO.c.status.in_(_OPEN),
)
_UPDATE_LINE = (
    update(_LINE)
    .where(_LINE.c.id == bindparam("b_id"))
    .values(
        committed=bindparam("b_committed", type_=_LINE.c.committed.type),
        issued=bindparam("b_issued", type_=_LINE.c.issued.type),
    )
)
_UPDATE_WO = (
    update(_WO)
    .where(_WO.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        built=bindparam("b_built", type_=_WO.c.built.type),
        released_at=bindparam("b_released_at", type_=_WO.c.released_at.type),
        closed_at=bindparam("b_closed_at", type_=_WO.c.closed_at.type),
    )
)
_INSERT_LINES = insert(_LINE)
_INSERT_WO = insert(_WO).returning(_WO.c.id)
_SELECT_LINE_IDS = select(_LINE.c.line_no, _LINE.c.id).where(
    _LINE.c.work_order_id == bindparam("wo_id")
)
_INSERT_VARIANCES = insert(_VARIANCE)


@dataclass(eq=False)
class LineState:
    """A work order line: `issued` is everything consumed for it, `committed` is stock
    reserved for it and not yet consumed."""

    id: int
    work_order_id: int
    line_no: int
    component_id: int
    location_id: int
    quantity_per: Decimal
    required: Decimal
    committed: Decimal
    issued: Decimal
    backflush: bool
    sort: SortFields
    component: ItemRef | None = None  # known for lines of a loaded work order
    saved: tuple[Decimal, Decimal] | None = field(default=None, repr=False)

    @property
    def need(self) -> Decimal:
        """What the line still has to consume to reach its requirement."""
        return max(ZERO, self.required - self.issued)

    @property
    def uncommitted_need(self) -> Decimal:
        return max(ZERO, self.need - self.committed)

    @property
    def sku(self) -> str:
        assert self.component is not None
        return self.component.sku

    @property
    def item(self) -> ItemRef:
        assert self.component is not None
        return self.component


@dataclass(frozen=True)
class VarianceRecord:
    component: ItemRef
    expected: Decimal
    actual: Decimal
    variance: Decimal
    unit_cost: Decimal
    cost_variance: Decimal


@dataclass(eq=False)
class WorkOrderRecord(WorkOrderRules):
    id: int
    number: str
    status: str
    quantity: Decimal
    built: Decimal
    item: ItemRef
    location_id: int
    location_code: str
    due_date: date | None
    priority: int
    created_at: datetime
    created_by: str
    created_from: str | None
    memo: str | None
    released_at: datetime | None
    closed_at: datetime | None
    bom_revision: str
    lines: list[LineState] = field(default_factory=list)
    variances: list[VarianceRecord] = field(default_factory=list)
    new_variances: list[VarianceRecord] = field(default_factory=list, repr=False)
    saved: tuple[Any, ...] | None = field(default=None, repr=False)

    def values(self) -> tuple[Any, ...]:
        return (self.status, self.built, self.released_at, self.closed_at)

    @property
    def sort(self) -> SortFields:
        return (self.due_date, self.priority, self.created_at, self.id)


def _item(row: Any, offset: int) -> ItemRef:
    return item_ref(row, offset)


class WorkOrderBook:
    """The work orders and lines one transaction has loaded, and what it changed."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.orders: dict[int, WorkOrderRecord] = {}
        self.lines: dict[int, LineState] = {}

    # --- loading -----------------------------------------------------------------------

    def load(self, number: str, *, lock: bool = False, variances: bool = False) -> WorkOrderRecord:
        text = normalize_wo_number(number)
        for wo in self.orders.values():
            if wo.number == text:
                return wo
        stmt = _SELECT_WO_FOR_UPDATE if lock else _SELECT_WO_BY_NUMBER
        row = self.tx.session.execute(stmt, {"number": text}).first()
        if row is None:
            raise NotFound(f"unknown work order {text!r}")
        wo = WorkOrderRecord(
            id=row[0],
            number=row[1],
            status=row[2],
            quantity=row[3],
            built=row[4],
            location_id=row[5],
            location_code=row[6],
            due_date=row[7],
            priority=row[8],
            created_at=row[9],
            created_by=row[10],
            created_from=row[11],
            memo=row[12],
            released_at=row[13],
            closed_at=row[14],
            bom_revision=row[15],
            item=_item(row, 16),
        )
        wo.saved = wo.values()
        for r in self.tx.session.execute(_SELECT_LINES, {"wo_id": wo.id}):
            known = self.lines.get(r[0])
            if known is not None:  # loaded earlier as someone's demand: keep its changes
                known.component = _item(r, 7)
                wo.lines.append(known)
                continue
            line = LineState(
                id=r[0],
                work_order_id=wo.id,
                line_no=r[1],
                component_id=r[7],
                location_id=wo.location_id,
                quantity_per=r[2],
                required=r[3],
                committed=r[4],
                issued=r[5],
                backflush=r[6],
                sort=wo.sort,
                component=_item(r, 7),
                saved=(r[4], r[5]),
            )
            self.lines[line.id] = line
            wo.lines.append(line)
        if variances:
            wo.variances = [
                VarianceRecord(
                    component=_item(r, 5),
                    expected=r[0],
                    actual=r[1],
                    variance=r[2],
                    unit_cost=r[3],
                    cost_variance=r[4],
                )
                for r in self.tx.session.execute(_SELECT_VARIANCES, {"wo_id": wo.id})
            ]
        self.orders[wo.id] = wo
        return wo

    def open_lines(self, pairs: Iterable[Pair]) -> dict[Pair, list[LineState]]:
        """Open-demand lines (released, in process, built) per (component, location)."""
        found: dict[Pair, list[LineState]] = defaultdict(list)
        wanted = set(pairs)
        for location_id, item_ids in by_location(wanted):
            params = {"items": item_ids, "location": location_id}
            for r in self.tx.session.execute(_SELECT_OPEN_LINES, params):
                line = self.lines.get(r[0])
                if line is None:
                    line = LineState(
                        id=r[0],
                        work_order_id=r[1],
                        line_no=r[2],
                        component_id=r[3],
                        location_id=r[4],
                        quantity_per=r[5],
                        required=r[6],
                        committed=r[7],
                        issued=r[8],
                        backflush=r[9],
                        sort=(r[10], r[11], r[12], r[1]),
                        saved=(r[7], r[8]),
                    )
                    self.lines[line.id] = line
                found[(line.component_id, line.location_id)].append(line)
        # Work orders this transaction has released, closed or cancelled: their status in
        # the database is not written yet, so the one in memory decides.
        for wo in self.orders.values():
            is_open = wo.state in OPEN_DEMAND
            for line in wo.lines:
                pair = (line.component_id, line.location_id)
                if pair not in wanted:
                    continue
                listed = found[pair]
                present = any(x is line for x in listed)
                if is_open and not present:
                    listed.append(line)
                elif not is_open and present:
                    listed.remove(line)
        return found

    # --- creating ----------------------------------------------------------------------

    def create(
        self,
        *,
        number: str,
        item: ItemRef,
        quantity: Decimal,
        status: str,
        location_id: int,
        location_code: str,
        bom_revision_id: int,
        bom_revision: str,
        due: date | None,
        priority: int,
        created_from: str | None,
        memo: str | None,
        lines: list[tuple[int, ItemRef, Decimal, Decimal, bool]],  # no, item, per, req, flush
        released: bool,
    ) -> WorkOrderRecord:
        """Insert a work order and its lines (commitment is set before they are written)."""
        now = utcnow()
        released_at = now if released else None
        values = {
            "number": number,
            "item_id": item.id,
            "quantity": quantity,
            "built": ZERO,
            "status": status,
            "bom_revision_id": bom_revision_id,
            "location_id": location_id,
            "due_date": due,
            "priority": priority,
            "created_from": created_from,
            "memo": memo,
            "created_at": now,
            "created_by": self.tx.actor.user,
            "released_at": released_at,
            "closed_at": None,
        }
        session = self.tx.session
        wo_id = session.execute(_INSERT_WO, values).scalar_one()
        wo = WorkOrderRecord(
            id=wo_id,
            number=number,
            status=status,
            quantity=quantity,
            built=ZERO,
            item=item,
            location_id=location_id,
            location_code=location_code,
            due_date=due,
            priority=priority,
            created_at=now,
            created_by=self.tx.actor.user,
            created_from=created_from,
            memo=memo,
            released_at=released_at,
            closed_at=None,
            bom_revision=bom_revision,
        )
        wo.saved = wo.values()
        for line_no, component, per, required, backflush in lines:
            wo.lines.append(
                LineState(
                    id=0,
                    work_order_id=wo_id,
                    line_no=line_no,
                    component_id=component.id,
                    location_id=location_id,
                    quantity_per=per,
                    required=required,
                    committed=ZERO,
                    issued=ZERO,
                    backflush=backflush,
                    sort=wo.sort,
                    component=component,
                )
            )
        self.orders[wo_id] = wo
        return wo

    def insert_lines(self, wo: WorkOrderRecord) -> None:
        """Write a new work order's lines (with whatever commitment they got) and learn
        their ids."""
        session = self.tx.session
        session.execute(
            _INSERT_LINES,
            [
                {
                    "work_order_id": wo.id,
                    "line_no": ln.line_no,
                    "component_id": ln.component_id,
                    "quantity_per": ln.quantity_per,
                    "required": ln.required,
                    "committed": ln.committed,
                    "issued": ln.issued,
                    "backflush": ln.backflush,
                }
                for ln in wo.lines
            ],
        )
        ids = dict(session.execute(_SELECT_LINE_IDS, {"wo_id": wo.id}).all())
        for ln in wo.lines:
            ln.id = ids[ln.line_no]
            ln.saved = (ln.committed, ln.issued)
            self.lines[ln.id] = ln

    # --- writing -----------------------------------------------------------------------

    def write(self) -> None:
        session = self.tx.session
        lines = [
            {"b_id": ln.id, "b_committed": ln.committed, "b_issued": ln.issued}
            for ln in self.lines.values()
            if (ln.committed, ln.issued) != ln.saved
        ]
        if lines:
            session.execute(_UPDATE_LINE, lines)
            for ln in self.lines.values():
                ln.saved = (ln.committed, ln.issued)
        orders = [
            {
                "b_id": wo.id,
                "b_status": wo.status,
                "b_built": wo.built,
                "b_released_at": wo.released_at,
                "b_closed_at": wo.closed_at,
            }
            for wo in self.orders.values()
            if wo.values() != wo.saved
        ]
        if orders:
            session.execute(_UPDATE_WO, orders)
            for wo in self.orders.values():
                wo.saved = wo.values()
        variances = [
            {
                "work_order_id": wo.id,
                "component_id": v.component.id,
                "expected": v.expected,
                "actual": v.actual,
                "variance": v.variance,
                "unit_cost": v.unit_cost,
                "cost_variance": v.cost_variance,
            }
            for wo in self.orders.values()
            for v in wo.new_variances
        ]
        if variances:
            session.execute(_INSERT_VARIANCES, variances)
            for wo in self.orders.values():
                wo.variances.extend(wo.new_variances)
                wo.new_variances = []
