"""Work orders as the postings see them: plain in-memory records, loaded with a couple of Core
queries, changed by the rules in work_orders.py and the commitment engine, and written back in
a few executemany statements when the posting commits.

The header's fields are declared once, on `WorkOrderRecord`; the statements that read and
write it are derived from those fields by name. The component lines are the work order's
demand (`WorkOrderLine`, a `DemandLine`); their commitment and consumption are written by the
demand book like every other kind of demand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sqlalchemy import Table, and_, bindparam, delete, insert, select, update

from app.errors import NotFound
from app.models import (
    ACTIVE,
    OPEN_DEMAND,
    BomRevision,
    Item,
    Location,
    SalesOrderLine,
    WorkOrder,
    WorkOrderLine,
    WorkOrderVariance,
)
from app.models.quantity import ZERO, millionths
from app.models.work_order import WORK_ORDER, WorkOrderRules
from app.services.engine.demand import (
    DemandBook,
    DemandLine,
    DemandRow,
    DemandSource,
    SupplySource,
    Urgency,
    register_source,
    register_supply,
)
from app.services.engine.ledger import Pair, StockBook
from app.services.engine.lookup import ItemRef, item_columns, item_ref
from app.services.engine.numbering import normalize_number

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

_WO = cast(Table, WorkOrder.__table__)
_LINE = cast(Table, WorkOrderLine.__table__)
_VARIANCE = cast(Table, WorkOrderVariance.__table__)
_ITEM = cast(Table, Item.__table__)
_LOC = cast(Table, Location.__table__)
_REV = cast(Table, BomRevision.__table__)
_SOL = cast(Table, SalesOrderLine.__table__)
_COMPONENT = _ITEM.alias("component")
_OPEN = [s.value for s in OPEN_DEMAND]


# --- the component lines: the work order's demand ----------------------------------------


@dataclass(eq=False, kw_only=True)
class ComponentLine(DemandLine):
    """A work order's component line: `consumed` is what it has issued (by hand or by
    backflush, net of what went back to stock), `committed` on-hand stock reserved for it
    and not yet consumed; `returned` is what returns took back from it and `scrapped` what
    was scrapped on it."""

    line_no: int
    quantity_per: Decimal
    backflush: bool
    component: ItemRef
    returned: Decimal = ZERO
    scrapped: Decimal = ZERO

    @property
    def issued(self) -> Decimal:
        return self.consumed

    @property
    def sku(self) -> str:
        return self.component.sku


def _make_line(source: DemandSource, row: DemandRow) -> DemandLine:
    return ComponentLine(
        **source.line_fields(row),
        line_no=row.line_no,
        quantity_per=row.quantity_per,
        backflush=row.backflush,
        component=item_ref(row, "component"),
        returned=row.returned,
        scrapped=row.scrapped,
    )


WORK_ORDER_DEMAND = register_source(
    DemandSource(
        kind="work_order",
        label="work order lines",
        rank=1,
        lines=_LINE,
        tables=_LINE.join(_WO, _WO.c.id == _LINE.c.work_order_id),
        record_tables=_LINE.join(_WO, _WO.c.id == _LINE.c.work_order_id).join(
            _COMPONENT, _COMPONENT.c.id == _LINE.c.component_id
        ),
        line_id=_LINE.c.id,
        document_id=_WO.c.id,
        document_number=_WO.c.number,
        line_number=_LINE.c.line_no,
        item_id=_LINE.c.component_id,
        location_id=_WO.c.location_id,
        required=_LINE.c.required,
        consumed=_LINE.c.issued,
        committed=_LINE.c.committed,
        firm=None,
        ship_date=_WO.c.due_date,
        priority=_WO.c.priority,
        transaction_date=None,
        created_at=_WO.c.created_at,
        # A hold that gave its commitments back takes its lines out of demand until resumed.
        is_open=and_(_WO.c.status.in_(_OPEN), ~_WO.c.hold_released),
        make=_make_line,
        extra=(
            _LINE.c.line_no,
            _LINE.c.quantity_per,
            _LINE.c.backflush,
            _LINE.c.returned,
            _LINE.c.scrapped,
            *item_columns("component", _COMPONENT),
        ),
        line_order=(_LINE.c.line_no,),
    )
)


_TO_BUILD = millionths(_WO.c.quantity) - millionths(_WO.c.built)
WORK_ORDER_SUPPLY = register_supply(
    SupplySource(
        kind="work_order",
        wording="the active work orders have {} to build",
        scheduled=select(
            _WO.c.item_id,
            _WO.c.location_id,
            _WO.c.due_date.label("due"),
            _TO_BUILD.label("quantity"),
        ).where(_WO.c.status.in_([s.value for s in ACTIVE]), _TO_BUILD > 0),
    )
)


# --- the header -------------------------------------------------------------------------


@dataclass(frozen=True)
class VarianceRecord:
    component: ItemRef
    expected: Decimal
    actual: Decimal
    variance: Decimal
    unit_cost: Decimal
    cost_variance: Decimal
    scrapped: Decimal = ZERO  # the part of the variance that was scrapped


@dataclass(eq=False, kw_only=True)
class WorkOrderRecord(WorkOrderRules):
    """A work order as one posting sees and changes it."""

    id: int
    number: str
    status: str
    quantity: Decimal
    built: Decimal
    item: ItemRef
    location_id: int
    location_code: str
    bom_revision_id: int
    bom_revision: str
    due_date: date | None
    priority: int
    created_at: datetime
    created_by: str
    created_from: str | None
    sales_order_line_id: int | None  # a special order: the sales order line it builds for
    sales_order_line: str | None = None  # ... and that line's number on its order
    customer_po: str | None
    memo: str | None
    released_at: datetime | None
    closed_at: datetime | None
    unbuilt: Decimal = ZERO  # finished goods taken apart again (built counts net of them)
    scrapped: Decimal = ZERO  # finished goods scrapped
    held_at: datetime | None = None
    held_by: str | None = None
    hold_reason: str | None = None
    hold_released: bool = False  # the hold gave its commitments back
    changed_at: datetime | None = None
    changed_by: str | None = None
    lines: list[ComponentLine] = field(default_factory=list)
    variances: list[VarianceRecord] = field(default_factory=list)
    new_variances: list[VarianceRecord] = field(default_factory=list, repr=False)
    saved: tuple[Any, ...] | None = field(default=None, repr=False)

    # What a posting may change on the header (the rest is fixed at creation).
    CHANGING: ClassVar[tuple[str, ...]] = (
        "status",
        "built",
        "released_at",
        "closed_at",
        # changed by an edit, a hold or an unbuild or scrap
        "quantity",
        "due_date",
        "priority",
        "memo",
        "location_id",
        "bom_revision_id",
        "unbuilt",
        "scrapped",
        "held_at",
        "held_by",
        "hold_reason",
        "hold_released",
        "changed_at",
        "changed_by",
    )

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.CHANGING)

    @property
    def urgency(self) -> Urgency:
        return Urgency(
            self.due_date,
            self.priority,
            self.created_at.astimezone().date(),
            self.created_at,
            WORK_ORDER_DEMAND.rank,
            self.id,
        )

    def pairs(self) -> list[Pair]:
        """Every balance the work order touches: its components and its finished good."""
        return [(self.item.id, self.location_id), *(ln.pair for ln in self.lines)]


# The header columns of work_order that the record holds, by the record's own field names.
_HEADER_FIELDS = tuple(f.name for f in fields(WorkOrderRecord) if f.name in _WO.c)
_SELECT_WO = (
    select(
        *(_WO.c[name] for name in _HEADER_FIELDS),
        _LOC.c.code.label("location_code"),
        _REV.c.revision.label("bom_revision"),
        _SOL.c.line_no.label("sales_order_line"),
        *item_columns("item"),
    )
    .join(_ITEM, _ITEM.c.id == _WO.c.item_id)
    .join(_LOC, _LOC.c.id == _WO.c.location_id)
    .join(_REV, _REV.c.id == _WO.c.bom_revision_id)
    .outerjoin(_SOL, _SOL.c.id == _WO.c.sales_order_line_id)
)
# What a posting may change on a line besides its demand figures (those the demand book
# writes): its required quantity (a change of quantity), what was returned and scrapped.
_LINE_CHANGING = ("required", "returned", "scrapped")
_UPDATE_LINE = (
    update(_LINE)
    .where(_LINE.c.id == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}", type_=_LINE.c[name].type) for name in _LINE_CHANGING})
)
_DELETE_LINES = delete(_LINE).where(_LINE.c.work_order_id == bindparam("wo_id"))
_SELECT_WO_BY_NUMBER = _SELECT_WO.where(_WO.c.number == bindparam("number"))
# A posting's read: the header locked, a row per component (the components never change), so
# that the balances can be locked before the lines are read.
_SELECT_WO_FOR_UPDATE = (
    _SELECT_WO_BY_NUMBER.add_columns(_LINE.c.component_id)
    .outerjoin(_LINE, _LINE.c.work_order_id == _WO.c.id)
    .with_for_update(of=_WO)
)
_UPDATE_WO = (
    update(_WO)
    .where(_WO.c.id == bindparam("b_id"))
    .values(
        {name: bindparam(f"b_{name}", type_=_WO.c[name].type) for name in WorkOrderRecord.CHANGING}
    )
)
_INSERT_WO = insert(_WO).returning(_WO.c.id)
_INSERT_LINES = insert(_LINE)
_SELECT_LINE_IDS = select(_LINE.c.line_no, _LINE.c.id).where(
    _LINE.c.work_order_id == bindparam("wo_id")
)
_SELECT_VARIANCES = (
    select(
        _VARIANCE.c.expected,
        _VARIANCE.c.actual,
        _VARIANCE.c.variance,
        _VARIANCE.c.unit_cost,
        _VARIANCE.c.cost_variance,
        _VARIANCE.c.scrapped,
        *item_columns("component"),
    )
    .join(_ITEM, _ITEM.c.id == _VARIANCE.c.component_id)
    .where(_VARIANCE.c.work_order_id == bindparam("wo_id"))
    .order_by(_VARIANCE.c.id)
)
_INSERT_VARIANCES = insert(_VARIANCE)


def _line_values(line: ComponentLine) -> tuple[Decimal, ...]:
    return tuple(getattr(line, name) for name in _LINE_CHANGING)


def _record(row: Any) -> WorkOrderRecord:
    m = row._mapping
    return WorkOrderRecord(
        **{name: m[name] for name in _HEADER_FIELDS},
        location_code=m["location_code"],
        bom_revision=m["bom_revision"],
        sales_order_line=None if m["sales_order_line"] is None else str(m["sales_order_line"]),
        item=item_ref(row, "item"),
    )


@dataclass(frozen=True)
class NewLine:
    """A component line of a work order being created (from its BOM revision)."""

    line_no: int
    component: ItemRef
    quantity_per: Decimal
    required: Decimal
    backflush: bool


class WorkOrderBook:
    """The work orders one transaction has loaded or created, and what it changed."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.orders: dict[int, WorkOrderRecord] = {}
        self._line_saved: dict[int, tuple[Decimal, ...]] = {}  # line id -> as written

    @classmethod
    def of(cls, tx: Transaction) -> WorkOrderBook:
        return tx.book(cls)

    def load(
        self,
        number: str,
        *,
        variances: bool = False,
        held_ok: bool = False,
        also: Callable[[WorkOrderRecord, list[int]], Iterable[Pair]] | None = None,
    ) -> WorkOrderRecord:
        """A work order with its lines. In a write transaction its row is locked, then the
        balances of everything it touches (and what `also` names from the locked header and
        its components: the balances a change moves it to), in one go, and only then are
        its lines read (what other postings take from them is serialised by those balance
        locks). A posting on a work order on hold is refused here, the one place postings
        load one for writing, unless the posting is about the hold itself (`held_ok`)."""
        text = normalize_number(number)
        for wo in self.orders.values():
            if wo.number == text:
                return wo
        stmt = _SELECT_WO_FOR_UPDATE if self.tx.write else _SELECT_WO_BY_NUMBER
        rows = self.tx.session.execute(stmt, {"number": text}).all()
        if not rows:
            raise NotFound(f"unknown work order {text!r}")
        wo = _record(rows[0])
        wo.saved = wo.values()
        if self.tx.write:
            if wo.held and not held_ok:
                wo.refuse_held()
            at = wo.location_id
            components = [r.component_id for r in rows if r.component_id is not None]
            moving = also(wo, components) if also is not None else ()
            StockBook.of(self.tx).lock([(wo.item.id, at), *((c, at) for c in components), *moving])
        demand = DemandBook.of(self.tx)
        demand.name_document(WORK_ORDER_DEMAND.kind, wo.id, wo.number)
        lines = demand.lines_of(WORK_ORDER_DEMAND, wo.id)
        wo.lines = cast(list[ComponentLine], lines)
        for ln in wo.lines:
            self._line_saved[ln.id] = _line_values(ln)
        if variances:
            wo.variances = [
                VarianceRecord(
                    component=item_ref(r, "component"),
                    expected=r.expected,
                    actual=r.actual,
                    variance=r.variance,
                    unit_cost=r.unit_cost,
                    cost_variance=r.cost_variance,
                    scrapped=r.scrapped,
                )
                for r in self.tx.session.execute(_SELECT_VARIANCES, {"wo_id": wo.id})
            ]
        self.orders[wo.id] = wo
        return wo

    def create(
        self, header: WorkOrderRecord, lines: list[NewLine], *, lock: bool = True
    ) -> WorkOrderRecord:
        """Insert a new work order (its `id` is assigned here); its lines are built but not
        written until `insert_lines`, once they have their commitment."""
        values = {name: getattr(header, name) for name in _HEADER_FIELDS if name != "id"}
        values["item_id"] = header.item.id
        header.id = self.tx.session.execute(_INSERT_WO, values).scalar_one()
        header.saved = header.values()
        DemandBook.of(self.tx).name_document(WORK_ORDER_DEMAND.kind, header.id, header.number)
        header.lines = self.new_lines(header, lines)
        self.orders[header.id] = header
        self.tx.changed.add(WORK_ORDER, header.number)
        if lock:
            StockBook.of(self.tx).lock(header.pairs())
        return header

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
                    "component_id": ln.item_id,
                    "quantity_per": ln.quantity_per,
                    "required": ln.required,
                    "committed": ln.committed,
                    "issued": ln.consumed,
                    "backflush": ln.backflush,
                    "returned": ln.returned,
                    "scrapped": ln.scrapped,
                }
                for ln in wo.lines
            ],
        )
        ids = dict(session.execute(_SELECT_LINE_IDS, {"wo_id": wo.id}).all())
        demand = DemandBook.of(self.tx)
        for ln in wo.lines:
            ln.id = ids[ln.line_no]
            demand.add_new(ln)
            self._line_saved[ln.id] = _line_values(ln)

    def new_lines(self, wo: WorkOrderRecord, lines: list[NewLine]) -> list[ComponentLine]:
        """Component lines for a work order (not written until `insert_lines`)."""
        urgency = wo.urgency
        return [
            ComponentLine(
                kind=WORK_ORDER_DEMAND.kind,
                id=0,
                document_id=wo.id,
                item_id=ln.component.id,
                location_id=wo.location_id,
                required=ln.required,
                consumed=ZERO,
                committed=ZERO,
                urgency=urgency,
                line_no=ln.line_no,
                quantity_per=ln.quantity_per,
                backflush=ln.backflush,
                component=ln.component,
            )
            for ln in lines
        ]

    def replace_lines(self, wo: WorkOrderRecord, lines: list[NewLine]) -> None:
        """A work order on which nothing has moved takes the lines of another BOM revision:
        its old lines are deleted (no ledger row names them) and the new ones built, to be
        written by `insert_lines` once they have their commitment. The caller has closed the
        old lines' demand."""
        DemandBook.of(self.tx).forget(wo.lines)
        for ln in wo.lines:
            self._line_saved.pop(ln.id, None)
        self.tx.session.execute(_DELETE_LINES, {"wo_id": wo.id})
        wo.lines = self.new_lines(wo, lines)

    def save_headers(self) -> None:
        """Write the changed headers now (a change of urgency, before a re-run reads it)."""
        changed = [wo for wo in self.orders.values() if wo.values() != wo.saved]
        if changed:
            self.tx.session.execute(
                _UPDATE_WO,
                [
                    {"b_id": wo.id, **{f"b_{n}": getattr(wo, n) for n in WorkOrderRecord.CHANGING}}
                    for wo in changed
                ],
            )
            for wo in changed:
                wo.saved = wo.values()
            self.tx.changed.add_all(WORK_ORDER, (wo.number for wo in changed))

    def write(self, event_id: int) -> None:
        session = self.tx.session
        lines = [
            ln
            for wo in self.orders.values()
            for ln in wo.lines
            if ln.id in self._line_saved and _line_values(ln) != self._line_saved[ln.id]
        ]
        if lines:
            session.execute(
                _UPDATE_LINE,
                [
                    {"b_id": ln.id, **{f"b_{n}": getattr(ln, n) for n in _LINE_CHANGING}}
                    for ln in lines
                ],
            )
            for ln in lines:
                self._line_saved[ln.id] = _line_values(ln)
            self.tx.changed.add_all(
                WORK_ORDER, {self.orders[ln.document_id].number for ln in lines}
            )
        self.save_headers()
        variances = [
            {
                "work_order_id": wo.id,
                "component_id": v.component.id,
                "expected": v.expected,
                "actual": v.actual,
                "variance": v.variance,
                "unit_cost": v.unit_cost,
                "cost_variance": v.cost_variance,
                "scrapped": v.scrapped,
            }
            for wo in self.orders.values()
            for v in wo.new_variances
        ]
        if variances:
            session.execute(_INSERT_VARIANCES, variances)
            for wo in self.orders.values():
                wo.variances.extend(wo.new_variances)
                wo.new_variances = []
