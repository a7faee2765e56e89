"""Transfer orders as the postings see them: the line as a kind of demand at the source, the
open order as a kind of supply at the destination, the in-transit location, and the book of
the orders one posting loads or creates.

A transfer order's lines are read through the demand book like every other kind of demand;
they are open demand while the order is approved and not yet fully shipped. What they have
not delivered (quantity - received) is on order at the destination while the order is
approved and not yet fully received; what has shipped and not arrived (shipped - received)
is stock at the in-transit location.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.errors import NotFound, ValidationError
from app.models import Item, Location, utcnow
from app.models.kinds import DocumentKind
from app.models.quantity import ZERO, millionths
from app.models.transfer import (
    TO_OPEN_DEMAND,
    TO_OPEN_SUPPLY,
    TRANSFER_ORDER,
    TRANSFER_RECEIPT,
    TRANSFER_SHIPMENT,
    TOStatus,
    TransferOrder,
    TransferOrderLine,
    TransferOrderRules,
    TransferReceipt,
    TransferReceiptLine,
    TransferShipment,
    TransferShipmentLine,
)
from app.services.engine import changes
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
from app.services.engine.lookup import ItemRef, LocationRef, item_columns, item_ref
from app.services.engine.numbering import next_number, normalize_number

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

_TO = cast(Table, TransferOrder.__table__)
_TOL = cast(Table, TransferOrderLine.__table__)
_ITEM = cast(Table, Item.__table__)
_LOC = cast(Table, Location.__table__)
_LINE_ITEM = _ITEM.alias("line_item")
_FROM = _LOC.alias("from_location")
_TO_LOC = _LOC.alias("to_location")

TRANSIT_CODE = "IN-TRANSIT"
TRANSIT_NAME = "In transit"


# --- the lines: a kind of demand at the source ---------------------------------------------


@dataclass(eq=False, kw_only=True)
class TransferLine(DemandLine):
    """A transfer order line: `required` is its quantity, `consumed` what has shipped from
    the source; `received` what has arrived at the destination."""

    line_no: int
    item: ItemRef
    transfer_price: Decimal
    received: Decimal

    @property
    def sku(self) -> str:
        return self.item.sku

    @property
    def quantity(self) -> Decimal:
        return self.required

    @property
    def shipped(self) -> Decimal:
        return self.consumed

    @property
    def in_transit(self) -> Decimal:
        """Shipped and not received yet: at the in-transit location."""
        return self.consumed - self.received

    @property
    def undelivered(self) -> Decimal:
        """Not received yet: what the order still brings to the destination."""
        return max(ZERO, self.required - self.received)


def _make_line(source: DemandSource, row: DemandRow) -> DemandLine:
    return TransferLine(
        **source.line_fields(row),
        line_no=row.line_no,
        item=item_ref(row, "line_item"),
        transfer_price=row.transfer_price,
        received=row.received,
    )


_TABLES = _TOL.join(_TO, _TO.c.id == _TOL.c.transfer_order_id)
TRANSFER_ORDER_DEMAND = register_source(
    DemandSource(
        kind=TRANSFER_ORDER.key,
        label="transfer order lines",
        rank=3,
        lines=_TOL,
        tables=_TABLES,
        record_tables=_TABLES.join(_LINE_ITEM, _LINE_ITEM.c.id == _TOL.c.item_id),
        line_id=_TOL.c.id,
        document_id=_TO.c.id,
        document_number=_TO.c.number,
        line_number=_TOL.c.line_no,
        item_id=_TOL.c.item_id,
        location_id=_TO.c.from_location_id,
        required=_TOL.c.quantity,
        consumed=_TOL.c.shipped,
        committed=_TOL.c.committed,
        firm=None,
        ship_date=_TO.c.ship_date,
        priority=_TO.c.priority,
        transaction_date=_TO.c.order_date,
        created_at=_TO.c.created_at,
        is_open=_TO.c.status.in_([s.value for s in TO_OPEN_DEMAND]),
        make=_make_line,
        extra=(
            _TOL.c.line_no,
            _TOL.c.transfer_price,
            _TOL.c.received,
            *item_columns("line_item", _LINE_ITEM),
        ),
        line_order=(_TOL.c.line_no,),
    )
)

# --- the open order: a kind of supply at the destination -----------------------------------

_UNDELIVERED = millionths(_TOL.c.quantity) - millionths(_TOL.c.received)
_IN_TRANSIT = millionths(_TOL.c.shipped) - millionths(_TOL.c.received)
TRANSFER_ORDER_SUPPLY = register_supply(
    SupplySource(
        kind=TRANSFER_ORDER.key,
        wording="the open transfer orders have {} to deliver",
        scheduled=select(
            _TOL.c.item_id,
            _TO.c.to_location_id.label("location_id"),
            _TO.c.receipt_date.label("due"),
            _UNDELIVERED.label("quantity"),
        )
        .select_from(_TABLES)
        .where(_TO.c.status.in_([s.value for s in TO_OPEN_SUPPLY]), _UNDELIVERED > 0),
        in_transit=select(
            _TOL.c.item_id,
            _TO.c.to_location_id.label("location_id"),
            _IN_TRANSIT.label("quantity"),
        )
        .select_from(_TABLES)
        .where(_IN_TRANSIT > 0),
    )
)


# --- the in-transit location ---------------------------------------------------------------

_TRANSIT = select(_LOC.c.id, _LOC.c.code).where(_LOC.c.transit)


def find_transit_location(tx: Transaction) -> LocationRef | None:
    """The in-transit location, if a transfer has shipped yet."""
    row = tx.session.execute(_TRANSIT).first()
    return None if row is None else LocationRef(id=row.id, code=row.code)


def transit_location(tx: Transaction) -> LocationRef:
    """The in-transit location, made (as IN-TRANSIT) the first time a transfer needs it; two
    workstations making it at once make one."""
    found = find_transit_location(tx)
    if found is not None:
        return found
    insert_row = (pg_insert if tx.is_postgresql else sqlite_insert)(_LOC).values(
        code=TRANSIT_CODE, name=TRANSIT_NAME, is_default=False, transit=True
    )
    tx.session.execute(insert_row.on_conflict_do_nothing())
    found = find_transit_location(tx)
    if found is None:
        raise ValidationError(
            f"location {TRANSIT_CODE} is an ordinary location, so the in-transit location "
            "cannot be made; ask for help moving its stock to another location"
        )
    tx.changed.add(changes.LOCATION, found.code)
    return found


# --- the header ----------------------------------------------------------------------------


@dataclass(eq=False, kw_only=True)
class TransferOrderRecord(TransferOrderRules):
    """A transfer order as one posting sees and changes it."""

    id: int
    number: str
    status: str
    from_location_id: int
    from_code: str
    to_location_id: int
    to_code: str
    order_date: date
    ship_date: date | None
    receipt_date: date | None
    priority: int
    item_cost: bool
    memo: str | None
    created_at: datetime
    created_by: str
    approved_at: datetime | None
    closed_at: datetime | None
    lines: list[TransferLine] = field(default_factory=list)
    saved: tuple[Any, ...] | None = field(default=None, repr=False)

    # What a posting may change on the header.
    CHANGING: ClassVar[tuple[str, ...]] = ("status", "approved_at", "closed_at")

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.CHANGING)

    @property
    def urgency(self) -> Urgency:
        return Urgency(
            self.ship_date,
            self.priority,
            self.order_date,
            self.created_at,
            TRANSFER_ORDER_DEMAND.rank,
            self.id,
        )

    def line(self, key: str) -> TransferLine:
        """A line by its number or its item's sku."""
        text = str(key).strip()
        for ln in self.lines:
            if ln.sku == text or str(ln.line_no) == text:
                return ln
        raise NotFound(f"{text!r} is not on {self.number}")

    def pairs(self, transit: LocationRef | None = None) -> list[Pair]:
        """The balances the order touches: its items at the source and the destination, and
        in transit."""
        places = [self.from_location_id, self.to_location_id]
        if transit is not None:
            places.append(transit.id)
        return [(ln.item_id, place) for ln in self.lines for place in places]

    def status_after_moving(self) -> TOStatus:
        """Received once everything has arrived; pending receipt once everything has
        shipped; partially fulfilled once anything has; pending fulfillment before."""
        if all(ln.received >= ln.required for ln in self.lines):
            return TOStatus.RECEIVED
        if all(ln.shipped >= ln.required for ln in self.lines):
            return TOStatus.PENDING_RECEIPT
        if any(ln.shipped > 0 for ln in self.lines):
            return TOStatus.PARTIALLY_FULFILLED
        return TOStatus.PENDING_FULFILLMENT


_HEADER_FIELDS = tuple(f.name for f in fields(TransferOrderRecord) if f.name in _TO.c)
_SELECT_TO = (
    select(
        *(_TO.c[name] for name in _HEADER_FIELDS),
        _FROM.c.code.label("from_code"),
        _TO_LOC.c.code.label("to_code"),
    )
    .join(_FROM, _FROM.c.id == _TO.c.from_location_id)
    .join(_TO_LOC, _TO_LOC.c.id == _TO.c.to_location_id)
)
_SELECT_TO_BY_NUMBER = _SELECT_TO.where(_TO.c.number == bindparam("number"))
# A posting's read: the header locked, a row per line's item (the items never change), so
# that the balances can be locked before the lines are read.
_SELECT_TO_FOR_UPDATE = (
    _SELECT_TO_BY_NUMBER.add_columns(_TOL.c.item_id)
    .outerjoin(_TOL, _TOL.c.transfer_order_id == _TO.c.id)
    .with_for_update(of=_TO)
)
_UPDATE_TO = (
    update(_TO)
    .where(_TO.c.id == bindparam("b_id"))
    .values(
        {
            name: bindparam(f"b_{name}", type_=_TO.c[name].type)
            for name in TransferOrderRecord.CHANGING
        }
    )
)
_UPDATE_RECEIVED = (
    update(_TOL)
    .where(_TOL.c.id == bindparam("b_id"))
    .values(received=bindparam("b_received", type_=_TOL.c.received.type))
)
_INSERT_TO = insert(_TO).returning(_TO.c.id)
_INSERT_LINES = insert(_TOL)
_SELECT_LINE_IDS = select(_TOL.c.line_no, _TOL.c.id).where(
    _TOL.c.transfer_order_id == bindparam("to_id")
)


@dataclass(frozen=True)
class NewTransferLine:
    """A line of a transfer order being entered."""

    line_no: int
    item: ItemRef
    quantity: Decimal
    transfer_price: Decimal


class TransferOrderBook:
    """The transfer orders one transaction has loaded or created, and what it changed."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.orders: dict[int, TransferOrderRecord] = {}
        self._received: dict[int, Decimal] = {}  # line id -> received as loaded

    @classmethod
    def of(cls, tx: Transaction) -> TransferOrderBook:
        return tx.book(cls)

    def load(self, number: str, *, transit: LocationRef | None = None) -> TransferOrderRecord:
        """A transfer order with its lines. In a write transaction its row is locked, then
        the balances of its items at the source and the destination (and in transit, when
        given), in one go, and only then are its lines read."""
        text = normalize_number(number)
        for to in self.orders.values():
            if to.number == text:
                return to
        stmt = _SELECT_TO_FOR_UPDATE if self.tx.write else _SELECT_TO_BY_NUMBER
        rows = self.tx.session.execute(stmt, {"number": text}).all()
        if not rows:
            raise NotFound(f"unknown transfer order {text!r}")
        m = rows[0]._mapping
        to = TransferOrderRecord(
            **{name: m[name] for name in _HEADER_FIELDS},
            from_code=m["from_code"],
            to_code=m["to_code"],
        )
        to.saved = to.values()
        if self.tx.write:
            places = [to.from_location_id, to.to_location_id]
            if transit is not None:
                places.append(transit.id)
            StockBook.of(self.tx).lock(
                (r.item_id, place) for r in rows if r.item_id is not None for place in places
            )
            self.tx.set_document(to.number)
            self.tx.changed.add(TRANSFER_ORDER, to.number)
        demand = DemandBook.of(self.tx)
        demand.name_document(TRANSFER_ORDER_DEMAND.kind, to.id, to.number)
        to.lines = cast(list[TransferLine], demand.lines_of(TRANSFER_ORDER_DEMAND, to.id))
        for ln in to.lines:
            self._received[ln.id] = ln.received
        self.orders[to.id] = to
        return to

    def create(
        self, header: TransferOrderRecord, lines: list[NewTransferLine]
    ) -> TransferOrderRecord:
        """Insert a new transfer order and its lines (nothing committed yet); the balances of
        its items at both locations are locked first."""
        values = {name: getattr(header, name) for name in _HEADER_FIELDS if name != "id"}
        StockBook.of(self.tx).lock(
            (ln.item.id, place)
            for ln in lines
            for place in (header.from_location_id, header.to_location_id)
        )
        session = self.tx.session
        header.id = session.execute(_INSERT_TO, values).scalar_one()
        header.saved = header.values()
        session.execute(
            _INSERT_LINES,
            [
                {
                    "transfer_order_id": header.id,
                    "line_no": ln.line_no,
                    "item_id": ln.item.id,
                    "quantity": ln.quantity,
                    "transfer_price": ln.transfer_price,
                    "committed": ZERO,
                    "shipped": ZERO,
                    "received": ZERO,
                }
                for ln in lines
            ],
        )
        ids = dict(session.execute(_SELECT_LINE_IDS, {"to_id": header.id}).all())
        demand = DemandBook.of(self.tx)
        demand.name_document(TRANSFER_ORDER_DEMAND.kind, header.id, header.number)
        urgency = header.urgency
        for ln in lines:
            made = TransferLine(
                kind=TRANSFER_ORDER_DEMAND.kind,
                id=ids[ln.line_no],
                document_id=header.id,
                item_id=ln.item.id,
                location_id=header.from_location_id,
                required=ln.quantity,
                consumed=ZERO,
                committed=ZERO,
                urgency=urgency,
                line_no=ln.line_no,
                item=ln.item,
                transfer_price=ln.transfer_price,
                received=ZERO,
            )
            demand.add_new(made)
            self._received[made.id] = ZERO
            header.lines.append(made)
        self.orders[header.id] = header
        self.tx.changed.add(TRANSFER_ORDER, header.number)
        return header

    def write(self, event_id: int) -> None:
        session = self.tx.session
        changed = [to for to in self.orders.values() if to.values() != to.saved]
        if changed:
            session.execute(
                _UPDATE_TO,
                [
                    {
                        "b_id": to.id,
                        **{f"b_{n}": getattr(to, n) for n in TransferOrderRecord.CHANGING},
                    }
                    for to in changed
                ],
            )
            for to in changed:
                to.saved = to.values()
        arrived = [
            ln
            for to in self.orders.values()
            for ln in to.lines
            if self._received.get(ln.id) != ln.received
        ]
        if arrived:
            session.execute(
                _UPDATE_RECEIVED, [{"b_id": ln.id, "b_received": ln.received} for ln in arrived]
            )
            for ln in arrived:
                self._received[ln.id] = ln.received
        self.tx.changed.add_all(TRANSFER_ORDER, (to.number for to in changed))


# --- shipments and receipts -------------------------------------------------------------------


@dataclass(frozen=True)
class _Movements:
    """Where one kind of movement (a shipment or a receipt) is kept: its kind, its table and
    its lines' table with the column pointing at the movement."""

    kind: DocumentKind
    header: Table
    lines: Table
    parent: str


_MOVEMENTS = {
    TRANSFER_SHIPMENT.key: _Movements(
        TRANSFER_SHIPMENT,
        cast(Table, TransferShipment.__table__),
        cast(Table, TransferShipmentLine.__table__),
        "shipment_id",
    ),
    TRANSFER_RECEIPT.key: _Movements(
        TRANSFER_RECEIPT,
        cast(Table, TransferReceipt.__table__),
        cast(Table, TransferReceiptLine.__table__),
        "receipt_id",
    ),
}


class TransferMovementBook:
    """The shipments and receipts one transaction makes: each is inserted when it is made,
    numbered by its kind, with a line per transfer order line it moves."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    @classmethod
    def of(cls, tx: Transaction) -> TransferMovementBook:
        return tx.book(cls)

    def create(
        self,
        kind: DocumentKind,
        to: TransferOrderRecord,
        plan: list[tuple[TransferLine, Decimal]],
        memo: str | None,
    ) -> str:
        """A shipment or a receipt of `plan` (lines and quantities); returns its number."""
        where = _MOVEMENTS[kind.key]
        number = next_number(self.tx, kind)
        movement_id = self.tx.session.execute(
            insert(where.header).returning(where.header.c.id),
            {
                "number": number,
                "transfer_order_id": to.id,
                "memo": memo,
                "created_at": utcnow(),
                "created_by": self.tx.actor.user,
            },
        ).scalar_one()
        self.tx.session.execute(
            insert(where.lines),
            [
                {where.parent: movement_id, "transfer_order_line_id": line.id, "quantity": qty}
                for line, qty in plan
            ],
        )
        self.tx.changed.add(kind, number)
        return number

    def write(self, event_id: int) -> None:
        """Nothing is left to write: a movement is inserted when it is made."""
