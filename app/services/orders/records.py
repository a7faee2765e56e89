"""Sales orders as the postings see them, the sales order line as a kind of demand, and the
open purchase order lines as a kind of supply.

A sales order's lines are all read through the demand book (one identity map with every other
kind of demand); only the stocked lines (from stock, or built to order) of an approved order
are open demand. `picked` is the firm part of a line's commitment: picked on a fulfillment
that has not shipped, so no re-run or write-off takes it away.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sqlalchemy import Table, and_, bindparam, insert, select, update

from app.errors import NotFound
from app.models import (
    PO_OPEN,
    SO_OPEN_DEMAND,
    Customer,
    Item,
    LinePath,
    Location,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    SOStatus,
)
from app.models.quantity import ZERO, millionths
from app.models.sales import SALES_ORDER, STOCKED_PATHS, SalesOrderRules, whole_kits
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

_SO = cast(Table, SalesOrder.__table__)
_SOL = cast(Table, SalesOrderLine.__table__)
_CUSTOMER = cast(Table, Customer.__table__)
_ITEM = cast(Table, Item.__table__)
_LOC = cast(Table, Location.__table__)
_PO = cast(Table, PurchaseOrder.__table__)
_POL = cast(Table, PurchaseOrderLine.__table__)
_LINE_ITEM = _ITEM.alias("line_item")
_OPEN = [s.value for s in SO_OPEN_DEMAND]
# The lines that ship something (a kit ships as its members; non-inventory lines never do).
SHIPPING_PATHS = (*STOCKED_PATHS, LinePath.DROP_SHIP.value)


# --- the lines: a kind of demand ----------------------------------------------------------


@dataclass(eq=False, kw_only=True)
class OrderLine(DemandLine):
    """A sales order line: `required` is its quantity, `consumed` what has shipped, `firm`
    what is picked and waiting to ship."""

    line_no: int
    member_no: int  # 0 for a line, 1.. for a kit's members
    parent_id: int | None
    path: str
    rate: Decimal
    item: ItemRef

    @property
    def label(self) -> str:
        """The line's number as people see it: "3", or "3.1" for a kit's first member."""
        return f"{self.line_no}.{self.member_no}" if self.member_no else str(self.line_no)

    @property
    def sku(self) -> str:
        return self.item.sku

    @property
    def kind_of_path(self) -> LinePath:
        return LinePath(self.path)

    @property
    def fulfilled(self) -> Decimal:
        return self.consumed

    @property
    def quantity(self) -> Decimal:
        return self.required

    @property
    def to_pick(self) -> Decimal:
        """Still to be picked: what it needs beyond what is already picked."""
        return max(ZERO, self.need - self.firm)


def _make_line(source: DemandSource, row: DemandRow) -> DemandLine:
    return OrderLine(
        **source.line_fields(row),
        line_no=row.line_no,
        member_no=row.member_no,
        parent_id=row.parent_id,
        path=row.path,
        rate=row.rate,
        item=item_ref(row, "line_item"),
    )


SALES_ORDER_DEMAND = register_source(
    DemandSource(
        kind="sales_order",
        label="sales order lines",
        rank=2,
        lines=_SOL,
        tables=_SOL.join(_SO, _SO.c.id == _SOL.c.sales_order_id),
        record_tables=_SOL.join(_SO, _SO.c.id == _SOL.c.sales_order_id).join(
            _LINE_ITEM, _LINE_ITEM.c.id == _SOL.c.item_id
        ),
        line_id=_SOL.c.id,
        document_id=_SO.c.id,
        document_number=_SO.c.number,
        line_number=_SOL.c.line_no,
        item_id=_SOL.c.item_id,
        location_id=_SO.c.location_id,
        required=_SOL.c.quantity,
        consumed=_SOL.c.fulfilled,
        committed=_SOL.c.committed,
        firm=_SOL.c.picked,
        ship_date=_SO.c.ship_date,
        priority=_SO.c.priority,
        transaction_date=_SO.c.order_date,
        created_at=_SO.c.created_at,
        is_open=and_(_SO.c.status.in_(_OPEN), _SOL.c.path.in_(STOCKED_PATHS)),
        make=_make_line,
        extra=(
            _SOL.c.line_no,
            _SOL.c.member_no,
            _SOL.c.parent_id,
            _SOL.c.path,
            _SOL.c.rate,
            *item_columns("line_item", _LINE_ITEM),
        ),
        line_order=(_SOL.c.line_no, _SOL.c.member_no),
        pegged=_SOL.c.path == LinePath.BUILD.value,
        unpegged=(_SOL.c.path, LinePath.STOCK.value),
    )
)

# Open purchase orders bring in what they have not received yet (a drop-ship order brings
# nothing to the plant, nor does a cancelled line).
_TO_RECEIVE = millionths(_POL.c.quantity) - millionths(_POL.c.received)
PURCHASE_ORDER_SUPPLY = register_supply(
    SupplySource(
        kind="purchase_order",
        wording="the open purchase orders have {} to receive",
        scheduled=select(
            _POL.c.item_id,
            _PO.c.location_id,
            _PO.c.expected_date.label("due"),
            _TO_RECEIVE.label("quantity"),
        )
        .join(_PO, _PO.c.id == _POL.c.purchase_order_id)
        .where(
            _PO.c.status.in_([s.value for s in PO_OPEN]),
            ~_PO.c.drop_ship,
            ~_POL.c.cancelled,
            _TO_RECEIVE > 0,
        ),
    )
)


# --- the header ---------------------------------------------------------------------------


@dataclass(eq=False, kw_only=True)
class SalesOrderRecord(SalesOrderRules):
    """A sales order as one posting sees and changes it."""

    id: int
    number: str
    status: str
    customer_id: int
    customer: str
    customer_po: str | None
    order_ref: str | None  # the reference it was imported under
    order_date: date
    ship_date: date | None
    priority: int
    location_id: int
    location_code: str
    ship_to: str
    memo: str | None
    created_at: datetime
    created_by: str
    approved_at: datetime | None
    closed_at: datetime | None
    lines: list[OrderLine] = field(default_factory=list)
    saved: tuple[Any, ...] | None = field(default=None, repr=False)

    # What a posting may change on the header.
    CHANGING: ClassVar[tuple[str, ...]] = (
        "status",
        "customer_po",
        "ship_date",
        "priority",
        "memo",
        "approved_at",
        "closed_at",
    )

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.CHANGING)

    @property
    def urgency(self) -> Urgency:
        return Urgency(
            self.ship_date,
            self.priority,
            self.order_date,
            self.created_at,
            SALES_ORDER_DEMAND.rank,
            self.id,
        )

    def line(self, label: str) -> OrderLine:
        """A line by the number people see ("3", "3.1")."""
        text = label.strip()
        for ln in self.lines:
            if ln.label == text:
                return ln
        raise NotFound(f"{self.number} has no line {text!r}")

    def members(self, kit: OrderLine) -> list[OrderLine]:
        return [ln for ln in self.lines if ln.parent_id == kit.id]

    def kits_shipped(self, kit: OrderLine) -> Decimal:
        """How many whole kits of a kit line have shipped."""
        return whole_kits(
            kit.required,
            ((m.fulfilled, m.required) for m in self.members(kit) if LinePath(m.path).stocked),
        )

    def stocked_lines(self) -> list[OrderLine]:
        return [ln for ln in self.lines if LinePath(ln.path).stocked]

    def pairs(self) -> list[Pair]:
        return [ln.pair for ln in self.stocked_lines()]

    def status_after_shipping(self) -> SOStatus:
        """Fulfilled when every line that ships has shipped its quantity; partially fulfilled
        once anything has; pending fulfillment before."""
        shipping = [ln for ln in self.lines if ln.path in SHIPPING_PATHS]
        if shipping and all(ln.fulfilled >= ln.required for ln in shipping):
            return SOStatus.FULFILLED
        if any(ln.fulfilled > 0 for ln in shipping):
            return SOStatus.PARTIALLY_FULFILLED
        return SOStatus.PENDING_FULFILLMENT


_HEADER_FIELDS = tuple(f.name for f in fields(SalesOrderRecord) if f.name in _SO.c)
_SELECT_SO = (
    select(
        *(_SO.c[name] for name in _HEADER_FIELDS),
        _CUSTOMER.c.name.label("customer"),
        _LOC.c.code.label("location_code"),
    )
    .join(_CUSTOMER, _CUSTOMER.c.id == _SO.c.customer_id)
    .join(_LOC, _LOC.c.id == _SO.c.location_id)
)
_SELECT_SO_BY_NUMBER = _SELECT_SO.where(_SO.c.number == bindparam("number"))
_SELECT_SO_FOR_UPDATE = _SELECT_SO_BY_NUMBER.with_for_update(of=_SO)
_UPDATE_SO = (
    update(_SO)
    .where(_SO.c.id == bindparam("b_id"))
    .values(
        {name: bindparam(f"b_{name}", type_=_SO.c[name].type) for name in SalesOrderRecord.CHANGING}
    )
)
_UPDATE_LINE_QUANTITY = (
    update(_SOL)
    .where(_SOL.c.id == bindparam("b_id"))
    .values(quantity=bindparam("b_quantity", type_=_SOL.c.quantity.type))
)
_UPDATE_LINE_PATH = (
    update(_SOL).where(_SOL.c.id == bindparam("b_id")).values(path=bindparam("b_path"))
)
_INSERT_SO = insert(_SO).returning(_SO.c.id)
_INSERT_LINES = insert(_SOL)
_SELECT_LINE_IDS = select(_SOL.c.id, _SOL.c.line_no, _SOL.c.member_no).where(
    _SOL.c.sales_order_id == bindparam("so_id")
)


@dataclass(frozen=True)
class NewOrderLine:
    """A line being added to an order (a kit's members follow it with `member_no` 1..)."""

    line_no: int
    member_no: int
    item: ItemRef
    quantity: Decimal
    rate: Decimal
    path: LinePath


class SalesOrderBook:
    """The sales orders one transaction has loaded or created, and what it changed."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.orders: dict[int, SalesOrderRecord] = {}
        self._quantities: dict[int, Decimal] = {}  # line id -> quantity as loaded
        self._paths: dict[int, str] = {}  # line id -> path as loaded

    @classmethod
    def of(cls, tx: Transaction) -> SalesOrderBook:
        return tx.book(cls)

    def load(self, number: str, *, lock_stock: bool = True) -> SalesOrderRecord:
        """A sales order with its lines. In a write transaction its row is locked and, unless
        told otherwise, the balances of its stocked lines too, in one go."""
        text = normalize_number(number)
        for so in self.orders.values():
            if so.number == text:
                return so
        stmt = _SELECT_SO_FOR_UPDATE if self.tx.write else _SELECT_SO_BY_NUMBER
        row = self.tx.session.execute(stmt, {"number": text}).first()
        if row is None:
            raise NotFound(f"unknown sales order {text!r}")
        m = row._mapping
        so = SalesOrderRecord(
            **{name: m[name] for name in _HEADER_FIELDS},
            customer=m["customer"],
            location_code=m["location_code"],
        )
        so.saved = so.values()
        demand = DemandBook.of(self.tx)
        demand.name_document(SALES_ORDER_DEMAND.kind, so.id, so.number)
        so.lines = cast(
            list[OrderLine],
            demand.lines_of(SALES_ORDER_DEMAND, so.id),
        )
        for ln in so.lines:
            self._quantities[ln.id] = ln.required
            self._paths[ln.id] = ln.path
        self.orders[so.id] = so
        if self.tx.write and lock_stock:
            StockBook.of(self.tx).lock(so.pairs())
        return so

    def create(self, header: SalesOrderRecord) -> SalesOrderRecord:
        values = {name: getattr(header, name) for name in _HEADER_FIELDS if name != "id"}
        header.id = self.tx.session.execute(_INSERT_SO, values).scalar_one()
        header.saved = header.values()
        DemandBook.of(self.tx).name_document(SALES_ORDER_DEMAND.kind, header.id, header.number)
        self.orders[header.id] = header
        self.tx.changed.add(SALES_ORDER, header.number)
        return header

    def add_lines(
        self, so: SalesOrderRecord, lines: list[tuple[NewOrderLine, list[NewOrderLine]]]
    ) -> list[OrderLine]:
        """Insert lines (a kit's members after it, pointing at it) and track them as
        demand: one statement for the lines, one for the members."""
        parents = self._insert(so, [(ln, None) for ln, _members in lines])
        members = self._insert(
            so, [(m, parent) for (_ln, ms), parent in zip(lines, parents, strict=True) for m in ms]
        )
        by_line: dict[int, list[OrderLine]] = {}
        for m in members:
            by_line.setdefault(m.line_no, []).append(m)
        added = []
        for parent in parents:
            added += [parent, *by_line.get(parent.line_no, [])]
        return added

    def _insert(
        self, so: SalesOrderRecord, lines: list[tuple[NewOrderLine, OrderLine | None]]
    ) -> list[OrderLine]:
        if not lines:
            return []
        session = self.tx.session
        session.execute(
            _INSERT_LINES,
            [
                {
                    "sales_order_id": so.id,
                    "line_no": new.line_no,
                    "member_no": new.member_no,
                    "parent_id": parent.id if parent is not None else None,
                    "item_id": new.item.id,
                    "quantity": new.quantity,
                    "rate": new.rate,
                    "path": new.path.value,
                    "committed": ZERO,
                    "picked": ZERO,
                    "fulfilled": ZERO,
                }
                for new, parent in lines
            ],
        )
        ids = {
            (r.line_no, r.member_no): r.id
            for r in session.execute(_SELECT_LINE_IDS, {"so_id": so.id})
        }
        demand = DemandBook.of(self.tx)
        out = []
        for new, parent in lines:
            line = OrderLine(
                kind=SALES_ORDER_DEMAND.kind,
                id=ids[(new.line_no, new.member_no)],
                document_id=so.id,
                item_id=new.item.id,
                location_id=so.location_id,
                required=new.quantity,
                consumed=ZERO,
                committed=ZERO,
                pegged=new.path == LinePath.BUILD,
                urgency=so.urgency,
                line_no=new.line_no,
                member_no=new.member_no,
                parent_id=parent.id if parent is not None else None,
                path=new.path.value,
                rate=new.rate,
                item=new.item,
            )
            demand.add_new(line)
            self._quantities[line.id] = line.required
            self._paths[line.id] = line.path
            so.lines.append(line)
            out.append(line)
        so.lines.sort(key=lambda ln: (ln.line_no, ln.member_no))
        return out

    def write(self, event_id: int) -> None:
        session = self.tx.session
        changed = [so for so in self.orders.values() if so.values() != so.saved]
        if changed:
            session.execute(
                _UPDATE_SO,
                [
                    {"b_id": so.id, **{f"b_{n}": getattr(so, n) for n in SalesOrderRecord.CHANGING}}
                    for so in changed
                ],
            )
            for so in changed:
                so.saved = so.values()
        resized = [
            ln
            for so in self.orders.values()
            for ln in so.lines
            if self._quantities.get(ln.id) != ln.required
        ]
        if resized:
            session.execute(
                _UPDATE_LINE_QUANTITY,
                [{"b_id": ln.id, "b_quantity": ln.required} for ln in resized],
            )
            for ln in resized:
                self._quantities[ln.id] = ln.required
        repathed = [
            ln
            for so in self.orders.values()
            for ln in so.lines
            if self._paths.get(ln.id) != ln.path
        ]
        if repathed:
            session.execute(
                _UPDATE_LINE_PATH, [{"b_id": ln.id, "b_path": ln.path} for ln in repathed]
            )
            for ln in repathed:
                self._paths[ln.id] = ln.path
        touched = {so.number for so in changed}
        ids = {ln.id for ln in [*resized, *repathed]}
        touched |= {
            so.number for so in self.orders.values() if any(ln.id in ids for ln in so.lines)
        }
        self.tx.changed.add_all(SALES_ORDER, touched)
