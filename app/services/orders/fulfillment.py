"""Item fulfillments: pick, pack and ship what a sales order has committed.

A fulfillment is created from an order as Picked: its quantities become firm commitments of
their lines (nothing takes them away) but stay on hand. Packing changes nothing in stock.
Shipping takes the stock out of the ledger (the goods leave the building; until then they
are still ours and still in it), consumes the lines' commitments, and tells finance what to
bill. The names of the three statuses are preferences.

How much may be picked follows `fulfill_based_on_commitment`: only what is committed to the
line (limit_to_committed); also stock nobody has committed (allow_uncommitted); or any stock
on hand, taking it from less urgent orders (ignore_commitment). More than the line still
needs only with `allow_overage_on_item_fulfillments`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sqlalchemy import Table, bindparam, func, insert, select, update

from app.errors import (
    CommitmentLimit,
    InsufficientStock,
    NotFound,
    OverageNotAllowed,
    ValidationError,
)
from app.models import (
    FULFILLMENT_OPEN,
    Customer,
    Fulfillment,
    FulfillmentAction,
    FulfillmentLine,
    FulfillmentStatus,
    Item,
    LedgerEntry,
    LedgerReason,
    LinePath,
    Lot,
    Moment,
    SalesOrder,
    SalesOrderLine,
    SOAction,
    SourceKind,
    Tracking,
    utcnow,
)
from app.models.quantity import ZERO, fmt, parse_quantity, round_quantity
from app.models.sales import FULFILLMENT as FULFILLMENT
from app.models.sales import FulfillmentRules
from app.services.engine import commitment
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.demand import DemandBook
from app.services.engine.ledger import Pair, Source, StockBook
from app.services.engine.lots import (
    LotBook,
    LotHolder,
    LotRecord,
    LotUse,
    register_lot_holder,
)
from app.services.engine.numbering import next_number, normalize_number
from app.services.engine.paging import Listing, Page, PageRequest
from app.services.engine.parsing import parse_text
from app.services.engine.permissions import Permission
from app.services.engine.preferences import Preferences
from app.services.engine.uow import posting, query
from app.services.finance import FinanceBook, MomentLine, Told
from app.services.lots.incoming import named_parts
from app.services.orders.records import OrderLine, SalesOrderBook, SalesOrderRecord

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

_F = cast(Table, Fulfillment.__table__)
_FL = cast(Table, FulfillmentLine.__table__)
_SO = cast(Table, SalesOrder.__table__)
_OPEN = [s.value for s in FULFILLMENT_OPEN]
# A picked line of a tracked item holds its lots until it ships or is put back.
PICKED_LOTS = register_lot_holder(
    LotHolder(
        SourceKind.FULFILLMENT.value,
        "fulfillment lines",
        select(
            _FL.c.id.label("line_id"),
            SalesOrderLine.item_id,
            _SO.c.location_id,
            _FL.c.quantity,
        )
        .join(_F, _F.c.id == _FL.c.fulfillment_id)
        .join(SalesOrderLine, SalesOrderLine.id == _FL.c.sales_order_line_id)
        .join(_SO, _SO.c.id == _F.c.sales_order_id)
        .join(Item, Item.id == SalesOrderLine.item_id)
        .where(_F.c.status.in_(_OPEN), Item.tracking != Tracking.NONE.value),
    )
)


# --- records ------------------------------------------------------------------------------


@dataclass(eq=False)
class ShipmentLine:
    id: int
    sales_order_line_id: int
    quantity: Decimal


@dataclass(eq=False, kw_only=True)
class FulfillmentRecord(FulfillmentRules):
    id: int
    number: str
    sales_order_id: int
    status: str
    drop_ship: bool
    customer_po: str | None
    memo: str | None
    transaction_date: date
    created_at: datetime
    created_by: str
    packed_at: datetime | None
    shipped_at: datetime | None
    cancelled_at: datetime | None
    order_number: str
    lines: list[ShipmentLine] = field(default_factory=list)
    saved: tuple[Any, ...] | None = field(default=None, repr=False)

    CHANGING: ClassVar[tuple[str, ...]] = (
        "status",
        "transaction_date",
        "packed_at",
        "shipped_at",
        "cancelled_at",
    )

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, n) for n in self.CHANGING)

    def moved_on(self, prefs: Preferences) -> None:
        """Its status has just changed: with
        `update_transaction_date_upon_fulfillment_status_change` it now counts in the books
        on today's date (picked in one period, shipped in the next)."""
        if prefs.update_transaction_date_upon_fulfillment_status_change:
            self.transaction_date = date.today()


_FIELDS = tuple(f.name for f in fields(FulfillmentRecord) if f.name in _F.c)
_SELECT = select(*(_F.c[n] for n in _FIELDS), _SO.c.number.label("order_number")).join(
    _SO, _SO.c.id == _F.c.sales_order_id
)
_SELECT_BY_NUMBER = _SELECT.where(_F.c.number == bindparam("number"))
_SELECT_FOR_UPDATE = _SELECT_BY_NUMBER.with_for_update(of=_F)
_SELECT_LINES = (
    select(_FL.c.id, _FL.c.sales_order_line_id, _FL.c.quantity)
    .where(_FL.c.fulfillment_id == bindparam("f_id"))
    .order_by(_FL.c.id)
)
_UPDATE = (
    update(_F)
    .where(_F.c.id == bindparam("b_id"))
    .values({n: bindparam(f"b_{n}", type_=_F.c[n].type) for n in FulfillmentRecord.CHANGING})
)
_INSERT = insert(_F).returning(_F.c.id)
_INSERT_LINES = insert(_FL).returning(_FL.c.id, sort_by_parameter_order=True)


class FulfillmentBook:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.records: dict[int, FulfillmentRecord] = {}

    @classmethod
    def of(cls, tx: Transaction) -> FulfillmentBook:
        return tx.book(cls)

    def load(self, number: str) -> FulfillmentRecord:
        text = normalize_number(number)
        stmt = _SELECT_FOR_UPDATE if self.tx.write else _SELECT_BY_NUMBER
        row = self.tx.session.execute(stmt, {"number": text}).first()
        if row is None:
            raise NotFound(f"unknown fulfillment {text!r}")
        m = row._mapping
        f = FulfillmentRecord(**{n: m[n] for n in _FIELDS}, order_number=m["order_number"])
        f.lines = [
            ShipmentLine(r.id, r.sales_order_line_id, r.quantity)
            for r in self.tx.session.execute(_SELECT_LINES, {"f_id": f.id})
        ]
        f.saved = f.values()
        self.records[f.id] = f
        return f

    def create(
        self,
        so: SalesOrderRecord,
        quantities: list[tuple[OrderLine, Decimal]],
        *,
        status: FulfillmentStatus,
        drop_ship: bool = False,
        memo: str | None = None,
    ) -> FulfillmentRecord:
        now = utcnow()
        values: dict[str, Any] = {
            "number": next_number(self.tx, FULFILLMENT),
            "sales_order_id": so.id,
            "status": status.value,
            "drop_ship": drop_ship,
            "customer_po": so.customer_po,
            "memo": memo,
            "transaction_date": date.today(),
            "created_at": now,
            "created_by": self.tx.actor.user,
            "packed_at": None,
            "shipped_at": now if status == FulfillmentStatus.SHIPPED else None,
            "cancelled_at": None,
        }
        f_id = self.tx.session.execute(_INSERT, values).scalar_one()
        f = FulfillmentRecord(id=f_id, **values, order_number=so.number)
        if quantities:
            ids = self.tx.session.execute(
                _INSERT_LINES,
                [
                    {"fulfillment_id": f_id, "sales_order_line_id": line.id, "quantity": qty}
                    for line, qty in quantities
                ],
            ).scalars()
            f.lines = [
                ShipmentLine(line_id, line.id, qty)
                for line_id, (line, qty) in zip(ids, quantities, strict=True)
            ]
        f.saved = f.values()
        self.records[f.id] = f
        self.tx.changed.add(FULFILLMENT, f.number)
        return f

    def write(self, event_id: int) -> None:
        changed = [f for f in self.records.values() if f.values() != f.saved]
        if not changed:
            return
        self.tx.session.execute(
            _UPDATE,
            [{"b_id": f.id, **{f"b_{n}": getattr(f, n) for n in f.CHANGING}} for f in changed],
        )
        for f in changed:
            f.saved = f.values()
        self.tx.changed.add_all(FULFILLMENT, (f.number for f in changed))


# --- what a fulfillment lists ---------------------------------------------------------------


def _pick_quantities(
    tx: Transaction, so: SalesOrderRecord, wanted: Mapping[str, object] | None
) -> list[tuple[OrderLine, Decimal]]:
    """The lines and quantities to pick: as given (a kit's line picks its members in
    proportion), or by default everything the order may pick now."""
    mode = tx.prefs.fulfill_based_on_commitment
    if wanted is None:
        if tx.prefs.default_items_to_zero_received_fulfilled:
            raise ValidationError(
                f"say what was picked for {so.number} (fulfillments start at zero): "
                "give each line and quantity"
            )
        out = []
        # Beyond its own commitment a line may take what the mode allows: free stock
        # (allow_uncommitted), and what less urgent orders commit (ignore_commitment); lines
        # of one item share it.
        extra: dict[Pair, Decimal] = {}
        for ln in so.stocked_lines():
            room = ln.releasable
            if mode != "limit_to_committed":
                if ln.pair not in extra:
                    extra[ln.pair] = _takeable(tx, so, ln, mode)
                room += extra[ln.pair]
            qty = min(ln.to_pick, room)
            if qty > 0:
                out.append((ln, qty))
                if mode != "limit_to_committed":
                    extra[ln.pair] -= max(ZERO, qty - ln.releasable)
        if not out:
            raise InsufficientStock(f"{so.number}: nothing is committed and waiting to be picked")
        return out
    out = []
    seen: set[int] = set()
    for label, value in wanted.items():
        line = so.line(str(label))
        qty = parse_quantity(value, f"quantity of line {line.label}")
        if line.path == LinePath.KIT.value:
            parts = [
                (m, round_quantity(m.required * qty / line.required))
                for m in so.members(line)
                if LinePath(m.path).stocked
            ]
        else:
            parts = [(line, qty)]
        for ln, q in parts:
            if ln.path == LinePath.DROP_SHIP.value:
                raise ValidationError(
                    f"line {ln.label} ships from the vendor: mark its purchase order shipped"
                )
            if not LinePath(ln.path).stocked:
                raise ValidationError(f"line {ln.label} ({ln.sku}) carries no stock to pick")
            if ln.id in seen:
                raise ValidationError(f"line {ln.label} is given twice")
            seen.add(ln.id)
            if q > 0:
                out.append((ln, q))
    if not out:
        raise ValidationError("no quantities to pick")
    return out


def _takeable(tx: Transaction, so: SalesOrderRecord, line: OrderLine, mode: str) -> Decimal:
    """Stock of the line's item and location an order may pick beyond its own commitment:
    what nobody has committed, and under ignore_commitment also what other orders commit
    and could give up (neither picked nor held for a special order)."""
    free = max(ZERO, StockBook.of(tx).balance(*line.pair).available)
    if mode != "ignore_commitment":
        return free
    others = DemandBook.of(tx).open_lines([line.pair]).get(line.pair, [])
    return free + sum(
        (
            o.releasable
            for o in others
            if not o.pegged and not (o.kind == line.kind and o.document_id == so.id)
        ),
        ZERO,
    )


def overage(
    tx: Transaction, so: SalesOrderRecord, line: OrderLine, qty: Decimal, *, verb: str = "pick"
) -> Decimal:
    """The part of `qty` beyond what the line still wants, which only
    `allow_overage_on_item_fulfillments` lets the customer's line take: one rule for a pick
    from stock and for what a vendor ships on a drop-ship line."""
    over = qty - min(qty, line.to_pick)
    if over > 0 and not tx.prefs.allow_overage_on_item_fulfillments:
        raise OverageNotAllowed(
            f"{so.number} line {line.label}: {fmt(qty)} {line.sku} is more than the "
            f"{fmt(line.to_pick)} still to {verb}; overage on item fulfillments is not allowed"
        )
    return over


def _reserve(tx: Transaction, so: SalesOrderRecord, line: OrderLine, qty: Decimal) -> None:
    """Make a picked quantity firm, as far as the line still needs it, under the
    preferences; the rest is an overage, picked from free stock when it ships."""
    mode = tx.prefs.fulfill_based_on_commitment
    over = overage(tx, so, line, qty)
    within = qty - over
    if mode == "limit_to_committed" and qty > line.releasable:
        raise CommitmentLimit(
            f"{so.number} line {line.label}: {fmt(qty)} {line.sku} asked but only "
            f"{fmt(line.releasable)} is committed and not yet picked (fulfillment is "
            "limited to committed stock)"
        )
    try:
        commitment.firm_up(tx, line, within, take=mode == "ignore_commitment")
    except InsufficientStock as exc:
        raise InsufficientStock(
            f"{so.number} line {line.label} ({line.sku}): {exc.message}"
        ) from None
    if over > 0:
        bal = StockBook.of(tx).balance(*line.pair)
        free = (
            bal.on_hand - bal.committed
            if mode != "ignore_commitment"
            else bal.on_hand - line.committed
        )
        if over > max(ZERO, free):
            raise InsufficientStock(
                f"{so.number} line {line.label}: {fmt(over)} {line.sku} over the order is not "
                "in stock"
            )


def _pick_lots(
    tx: Transaction,
    so: SalesOrderRecord,
    f: FulfillmentRecord,
    lots: Mapping[str, Sequence[tuple[object, object]]] | None,
) -> None:
    """Each picked line of a tracked item holds its lots: those named for it, the rest by the
    consumption order; an expired lot only with `allow_expired_lots_in_sales`."""
    named = {so.line(str(label)).label: parts for label, parts in (lots or {}).items()}
    by_id = {ln.id: ln for ln in so.lines}
    book = LotBook.of(tx)
    for fl in f.lines:
        line = by_id[fl.sales_order_line_id]
        given = named.pop(line.label, None) or ()
        if line.item.tracking == Tracking.NONE and not given:
            continue
        parts = named_parts(tx, line.item, fl.quantity, given, what=f"line {line.label}")
        book.reserve(
            PICKED_LOTS.kind,
            fl.id,
            line.item,
            so.location_id,
            fl.quantity,
            named=[(lot, q) for lot, q in parts if lot is not None],
            use=LotUse.SALE,
        )
    if named:
        raise ValidationError(f"line {next(iter(named))} of {so.number} is not picked here")


@posting("fulfillment.pick", Permission.FULFILL)
def fulfill(
    tx: Transaction,
    number: str,
    lines: Mapping[str, object] | None = None,
    *,
    memo: str | None = None,
    lots: Mapping[str, Sequence[tuple[object, object]]] | None = None,
) -> FulfillmentInfo:
    """A new fulfillment of a sales order, Picked: every line's quantity is firmly reserved,
    and a tracked item's lots with it (`lots`: by line, the lots named and their quantities;
    the rest by the consumption order)."""
    so = SalesOrderBook.of(tx).load(number)
    tx.set_document(so.number)
    so.require(SOAction.FULFILL)
    quantities = _pick_quantities(tx, so, lines)
    for line, qty in quantities:
        _reserve(tx, so, line, qty)
    note = parse_text(memo, field="memo", max_length=200) or None
    f = FulfillmentBook.of(tx).create(so, quantities, status=FulfillmentStatus.PICKED, memo=note)
    _pick_lots(tx, so, f, lots)
    tx.set_document(f.number)
    tx.note(order=so.number, picked={ln.label: q for ln, q in quantities})
    return fulfillment_info(tx, f, so)


def _load(tx: Transaction, number: str) -> tuple[FulfillmentRecord, SalesOrderRecord]:
    f = FulfillmentBook.of(tx).load(number)
    tx.set_document(f.number)
    so = SalesOrderBook.of(tx).load(f.order_number)
    return f, so


@posting("fulfillment.pack", Permission.FULFILL)
def pack_fulfillment(tx: Transaction, number: str) -> FulfillmentInfo:
    f, so = _load(tx, number)
    f.require(FulfillmentAction.PACK, tx.prefs.status_name(f.status))
    f.move_to(FulfillmentStatus.PACKED)
    f.packed_at = utcnow()
    f.moved_on(tx.prefs)
    return fulfillment_info(tx, f, so)


def _open_picks(tx: Transaction, line_ids: list[int], besides: int) -> dict[int, Decimal]:
    """What other open fulfillments have picked of each of these lines (absent: nothing)."""
    rows = tx.session.execute(
        select(FulfillmentLine.sales_order_line_id, func.sum(FulfillmentLine.quantity))
        .join(Fulfillment, Fulfillment.id == FulfillmentLine.fulfillment_id)
        .where(
            FulfillmentLine.sales_order_line_id.in_(line_ids),
            Fulfillment.status.in_(_OPEN),
            Fulfillment.id != besides,
        )
        .group_by(FulfillmentLine.sales_order_line_id)
    )
    return {line_id: total for line_id, total in rows}


@posting("fulfillment.cancel", Permission.FULFILL)
def cancel_fulfillment(tx: Transaction, number: str) -> FulfillmentInfo:
    """Put a picked or packed fulfillment back: its lines' commitments are ordinary again."""
    f, so = _load(tx, number)
    f.require(FulfillmentAction.CANCEL, tx.prefs.status_name(f.status))
    by_id = {ln.id: ln for ln in so.lines}
    others = _open_picks(tx, [fl.sales_order_line_id for fl in f.lines], f.id)
    for fl in f.lines:
        line = by_id[fl.sales_order_line_id]
        line.firm = min(line.need, others.get(line.id, ZERO))
    LotBook.of(tx).release(PICKED_LOTS.kind, [fl.id for fl in f.lines])
    f.move_to(FulfillmentStatus.CANCELLED)
    f.cancelled_at = utcnow()
    return fulfillment_info(tx, f, so)


@posting("fulfillment.ship", Permission.FULFILL)
def ship_fulfillment(tx: Transaction, number: str) -> FulfillmentInfo:
    """Ship: the stock leaves the ledger, the lines' commitments are consumed, the order's
    status follows, and finance is told what was shipped at the order's rate."""
    f, so = _load(tx, number)
    f.require(FulfillmentAction.SHIP, tx.prefs.status_name(f.status))
    so.require(SOAction.FULFILL)
    mode = tx.prefs.fulfill_based_on_commitment
    stock = StockBook.of(tx)
    by_id = {ln.id: ln for ln in so.lines}
    kits = {ln.id: ln for ln in so.lines if ln.path == LinePath.KIT.value}
    kits_before = {k: so.kits_shipped(kit) for k, kit in kits.items()}
    for fl in f.lines:
        line = by_id[fl.sales_order_line_id]
        beyond = fl.quantity - line.committed
        if beyond > 0 and mode != "ignore_commitment":
            free = stock.balance(*line.pair).available
            if beyond > max(ZERO, free):
                raise InsufficientStock(
                    f"{f.number} line {line.label}: {fmt(beyond)} {line.sku} beyond what is "
                    f"committed to the order but only {fmt(max(ZERO, free))} is free"
                )
    picked = LotBook.of(tx).release(PICKED_LOTS.kind, [fl.id for fl in f.lines])
    for fl in f.lines:
        line = by_id[fl.sales_order_line_id]
        commitment.consume(tx, line, fl.quantity, line.item)
        parts: list[tuple[LotRecord | None, Decimal]] = [(None, fl.quantity)]
        for lot, qty in picked.get(fl.id) or parts:
            stock.post(
                line.item,
                so.location_id,
                -qty,
                LedgerReason.SHIPMENT,
                Source(SourceKind.FULFILLMENT, f.number, f.id, fl.id),
                lot=lot,
                use=LotUse.SALE,
            )
    f.move_to(FulfillmentStatus.SHIPPED)
    f.shipped_at = utcnow()
    f.moved_on(tx.prefs)
    so.move_to(so.status_after_shipping())
    told = []
    for fl in f.lines:
        line = by_id[fl.sales_order_line_id]
        if not line.member_no:  # a kit's members are billed as the kit, below
            told.append(MomentLine(line.sku, fl.quantity, line.rate, line.id))
    for k, kit in kits.items():
        shipped = so.kits_shipped(kit) - kits_before[k]
        if shipped > 0:
            told.append(MomentLine(kit.sku, shipped, kit.rate, kit.id))
    FinanceBook.of(tx).tell(
        Told(
            Moment.SHIPPED,
            "fulfillment",
            f.number,
            so.number,
            so.customer_po,
            so.customer,
            told,
            transaction_date=f.transaction_date,
        )
    )
    tx.note(
        order=so.number,
        shipped={by_id[fl.sales_order_line_id].label: fl.quantity for fl in f.lines},
    )
    return fulfillment_info(tx, f, so)


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FulfillmentLineInfo:
    line: str  # the sales order line: "3" or "3.1"
    sku: str
    name: str
    uom: str
    quantity: Decimal
    ordered: Decimal
    path: str
    lots: tuple[tuple[str, Decimal], ...] = ()  # a tracked item's lots: picked, or shipped


@dataclass(frozen=True)
class FulfillmentInfo:
    number: str
    status: str
    status_label: str  # the plant's own name for the status
    created_from: str  # the sales order
    customer: str
    customer_po: str | None
    ship_to: str
    drop_ship: bool
    memo: str | None
    created_at: datetime
    created_by: str
    shipped_at: datetime | None
    transaction_date: date  # the day it counts on in the books
    lines: list[FulfillmentLineInfo]
    actions: list[str]
    changes: Changes = NO_CHANGES


def _lots_of(
    tx: Transaction, f: FulfillmentRecord, so: SalesOrderRecord
) -> dict[int, tuple[tuple[str, Decimal], ...]]:
    """The lots of each line of a fulfillment of tracked items: what it holds while picked
    or packed, what left with it once shipped."""
    by_id = {ln.id: ln for ln in so.lines}
    if all(by_id[fl.sales_order_line_id].item.tracking == Tracking.NONE for fl in f.lines):
        return {}
    book = LotBook.of(tx)
    ids = [fl.id for fl in f.lines]
    if f.status != FulfillmentStatus.SHIPPED:
        held = book.held(PICKED_LOTS.kind, ids)
        return {i: tuple((lot.number, q) for lot, q in parts) for i, parts in held.items()}
    shipped_now = book.released_here(PICKED_LOTS.kind, ids)  # its ledger rows are not written yet
    if shipped_now:
        return {i: tuple((lot.number, q) for lot, q in parts) for i, parts in shipped_now.items()}
    out: dict[int, list[tuple[str, Decimal]]] = {}
    rows = tx.session.execute(
        select(LedgerEntry.source_line_id, Lot.number, -func.sum(LedgerEntry.quantity))
        .join(Lot, Lot.id == LedgerEntry.lot_id)
        .where(
            LedgerEntry.source_kind == SourceKind.FULFILLMENT.value,
            LedgerEntry.source_id == f.id,
        )
        .group_by(LedgerEntry.source_line_id, Lot.number)
        .order_by(LedgerEntry.source_line_id, Lot.number)
    )
    for line_id, number, qty in rows:
        if line_id is not None:
            out.setdefault(line_id, []).append((number, qty))
    return {i: tuple(parts) for i, parts in out.items()}


def fulfillment_info(
    tx: Transaction, f: FulfillmentRecord, so: SalesOrderRecord
) -> FulfillmentInfo:
    by_id = {ln.id: ln for ln in so.lines}
    lots = _lots_of(tx, f, so)
    return FulfillmentInfo(
        number=f.number,
        status=f.status,
        status_label=tx.prefs.status_name(f.status),
        created_from=so.number,
        customer=so.customer,
        customer_po=f.customer_po,
        ship_to=so.ship_to,
        drop_ship=f.drop_ship,
        memo=f.memo,
        created_at=f.created_at,
        created_by=f.created_by,
        shipped_at=f.shipped_at,
        transaction_date=f.transaction_date,
        lines=[
            FulfillmentLineInfo(
                line=by_id[fl.sales_order_line_id].label,
                sku=by_id[fl.sales_order_line_id].sku,
                name=by_id[fl.sales_order_line_id].item.name,
                uom=by_id[fl.sales_order_line_id].item.uom,
                quantity=fl.quantity,
                ordered=by_id[fl.sales_order_line_id].required,
                path=by_id[fl.sales_order_line_id].path,
                lots=lots.get(fl.id, ()),
            )
            for fl in f.lines
        ],
        actions=[a.value for a in FulfillmentAction if f.can(a)],
    )


@query()
def get_fulfillment(tx: Transaction, number: str) -> FulfillmentInfo:
    f = FulfillmentBook.of(tx).load(number)
    so = SalesOrderBook.of(tx).load(f.order_number)
    return fulfillment_info(tx, f, so)


@dataclass(frozen=True)
class FulfillmentSummary:
    number: str
    status: str
    status_label: str
    created_from: str
    customer: str
    customer_po: str | None
    ship_date: date | None
    drop_ship: bool
    created_at: datetime


_LISTING = Listing(
    sorts={"number": Fulfillment.number, "order": SalesOrder.number, "created": Fulfillment.id},
    default="number",
    tiebreak=Fulfillment.id,
)


@query()
def list_fulfillments(
    tx: Transaction,
    *,
    status: str | Iterable[str] | None = None,
    order: str | None = None,
    packing_queue: bool = False,
    page: PageRequest | None = None,
) -> Page[FulfillmentSummary]:
    """Fulfillments by status or order; `packing_queue` lists those in the status of
    `limit_status_on_packing_slip_queue` (the ones waiting for their packing slip)."""
    stmt = (
        select(
            Fulfillment.number,
            Fulfillment.status,
            SalesOrder.number.label("order"),
            Customer.name.label("customer"),
            Fulfillment.customer_po,
            SalesOrder.ship_date,
            Fulfillment.drop_ship,
            Fulfillment.created_at,
        )
        .join(SalesOrder, SalesOrder.id == Fulfillment.sales_order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
    )
    if packing_queue:
        stmt = stmt.where(Fulfillment.status == tx.prefs.limit_status_on_packing_slip_queue)
    statuses = Fulfillment.lifecycle.statuses_named(status, tx.prefs.status_names())
    if statuses:
        stmt = stmt.where(Fulfillment.status.in_(statuses))
    if order:
        stmt = stmt.where(SalesOrder.number == normalize_number(order))
    return _LISTING.fetch(
        tx.session,
        stmt,
        page or PageRequest(limit=None),
        lambda r: FulfillmentSummary(
            number=r.number,
            status=r.status,
            status_label=tx.prefs.status_name(r.status),
            created_from=r.order,
            customer=r.customer,
            customer_po=r.customer_po,
            ship_date=r.ship_date,
            drop_ship=r.drop_ship,
            created_at=r.created_at,
        ),
    )
