"""Transfer orders: enter, approve, ship, receive, close, cancel, and read.

An approved transfer order's lines are demand at the source in the same commitment engine as
work orders and sales orders (ranked by `item_commitment_ordering` with its expected ship
date, priority and order date), and what it has not delivered is on order at the
destination. A shipment takes the stock out of the source into the in-transit location and
consumes the lines' commitment as a fulfillment does; a receipt takes it out of transit into
the destination, where commit-after-entry hands it to waiting orders. The ledger's total
never changes by a transfer, and what is in transit per line is a ledger sum.

How much may ship follows `fulfill_based_on_commitment`, as for a fulfillment: only what is
committed to the line; also stock nobody has committed; or any stock on hand, taking it from
less urgent orders. A transfer ships at most its quantity and receives at most what has
shipped (seed 001: "you cannot receive more than you have fulfilled").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, or_, select, type_coerce

from app.errors import (
    CommitmentLimit,
    IllegalTransition,
    InsufficientStock,
    OverageNotAllowed,
    ValidationError,
)
from app.models import LedgerEntry, Location, utcnow
from app.models.lots import Tracking
from app.models.quantity import ZERO, Fixed, fmt, parse_decimal, parse_quantity
from app.models.transfer import (
    TO_INITIAL,
    TO_OPEN_DEMAND,
    TO_OPEN_SUPPLY,
    TRANSFER_ORDER,
    TRANSFER_RECEIPT,
    TRANSFER_SHIPMENT,
    TOAction,
    TOStatus,
    TransferOrder,
    TransferReason,
    TransferReceipt,
    TransferShipment,
    TransferSourceKind,
)
from app.services.engine import commitment
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.demand import DemandBook
from app.services.engine.ledger import Source, StockBook, require_stocked
from app.services.engine.lookup import LocationRef, item_ref_by_sku, location_ref
from app.services.engine.lots import LotBook, LotRecord
from app.services.engine.numbering import next_number
from app.services.engine.paging import Listing, Page, PageRequest, text_search
from app.services.engine.parsing import parse_date, parse_text
from app.services.engine.permissions import Permission
from app.services.engine.uow import Transaction, posting, query
from app.services.production.work_orders import parse_priority
from app.services.transfers.lead_times import expected_receipt
from app.services.transfers.records import (
    NewTransferLine,
    TransferLine,
    TransferMovementBook,
    TransferOrderBook,
    TransferOrderRecord,
    find_transit_location,
    transit_location,
)

MEMO_LENGTH = 200
__all__ = ["TRANSFER_ORDER", "TRANSFER_RECEIPT", "TRANSFER_SHIPMENT"]


# --- entering ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TransferLineEntry:
    """A line as typed: the item's sku, the quantity and optionally the transfer price (the
    item's standard cost when none is given)."""

    sku: str
    quantity: object
    price: object = None


def _lines(tx: Transaction, entries: Sequence[TransferLineEntry]) -> list[NewTransferLine]:
    if not entries:
        raise ValidationError("a transfer order needs at least one line")
    out: list[NewTransferLine] = []
    seen: set[int] = set()
    for n, entry in enumerate(entries, start=1):
        item = item_ref_by_sku(tx.session, entry.sku)
        require_stocked(item)
        if item.id in seen:
            raise ValidationError(
                f"{item.sku} is on the order twice; a transfer order lists each item once"
            )
        seen.add(item.id)
        qty = parse_quantity(entry.quantity, f"quantity of {item.sku}")
        price = (
            item.standard_cost
            if entry.price is None or entry.price == ""
            else parse_decimal(
                entry.price, field=f"transfer price of {item.sku}", non_negative=True
            )
        )
        out.append(NewTransferLine(n, item, qty, price))
    return out


def _places(tx: Transaction, source: str | None, target: str | None) -> tuple[LocationRef, ...]:
    if not source or not str(source).strip() or not target or not str(target).strip():
        raise ValidationError("a transfer order needs a location to ship from and one to ship to")
    from_loc = location_ref(tx.session, source)
    to_loc = location_ref(tx.session, target)
    if from_loc.id == to_loc.id:
        raise ValidationError(
            f"a transfer goes from one location to another, not from {from_loc.code} to itself"
        )
    return from_loc, to_loc


def _open(tx: Transaction, to: TransferOrderRecord) -> None:
    """The order starts to count: its lines become demand at the source and commit what is
    available there; what it brings is on order at the destination. Its balances are locked
    already."""
    commitment.open_demand(tx, to.lines)
    commitment.commit_available(tx, to.lines)
    stock = StockBook.of(tx)
    for ln in to.lines:
        stock.know(ln.item)
        stock.balance(ln.item_id, to.to_location_id).on_order += ln.undelivered


def _approve(tx: Transaction, to: TransferOrderRecord) -> None:
    to.move_to(TOStatus.PENDING_FULFILLMENT)
    to.approved_at = utcnow()
    _open(tx, to)


def _close(tx: Transaction, to: TransferOrderRecord) -> None:
    """The order stops counting: its lines give back what they commit at the source, and
    what it will not deliver is no longer on order at the destination."""
    if to.state in TO_OPEN_DEMAND:
        commitment.close_demand(tx, to.lines)
    if to.state in TO_OPEN_SUPPLY:
        stock = StockBook.of(tx)
        for ln in to.lines:
            stock.balance(ln.item_id, to.to_location_id).on_order -= ln.undelivered


def parse_status(value: str | None, default: str) -> TOStatus:
    text = default if value is None or not value.strip() else value.strip().lower()
    status = next((s for s in TO_INITIAL if s.value == text), None)
    if status is None:
        raise ValidationError(
            f"a new transfer order is pending_approval or pending_fulfillment, not {value!r}"
        )
    return status


def enter_transfer_order(
    tx: Transaction,
    from_location: str | None,
    to_location: str | None,
    lines: Sequence[TransferLineEntry],
    *,
    ship_date: object = None,
    receipt_date: object = None,
    priority: object = None,
    memo: str | None = None,
    status: TOStatus,
) -> TransferOrderRecord:
    """A new transfer order inside an open posting: its ship date defaults to today and its
    receipt date to the ship date plus the lead time between the two locations."""
    from_loc, to_loc = _places(tx, from_location, to_location)
    entered = _lines(tx, lines)
    today = date.today()
    ship = parse_date(ship_date, field="ship date") or today
    receipt = parse_date(receipt_date, field="receipt date") or expected_receipt(
        tx, ship, from_loc.id, to_loc.id
    )
    if receipt is not None and receipt < ship:
        raise ValidationError(f"the receipt date {receipt} is before the ship date {ship}")
    to = TransferOrderBook.of(tx).create(
        TransferOrderRecord(
            id=0,
            number=next_number(tx, TRANSFER_ORDER),
            status=TOStatus.PENDING_APPROVAL.value,
            from_location_id=from_loc.id,
            from_code=from_loc.code,
            to_location_id=to_loc.id,
            to_code=to_loc.code,
            order_date=today,
            ship_date=ship,
            receipt_date=receipt,
            priority=parse_priority(priority),
            item_cost=tx.prefs.use_item_cost_as_transfer_cost,
            memo=parse_text(memo, field="memo", max_length=MEMO_LENGTH) or None,
            created_at=utcnow(),
            created_by=tx.actor.user,
            approved_at=None,
            closed_at=None,
        ),
        entered,
    )
    if status == TOStatus.PENDING_FULFILLMENT:
        _approve(tx, to)
    return to


@posting("transfer.create", Permission.TRANSFER)
def create_transfer_order(
    tx: Transaction,
    from_location: str | None,
    to_location: str | None,
    lines: Sequence[TransferLineEntry],
    *,
    ship_date: object = None,
    receipt_date: object = None,
    priority: object = None,
    memo: str | None = None,
    status: str | None = None,
) -> TransferOrderInfo:
    """Enter a transfer order; in pending fulfillment (the default status preference) it is
    approved at once."""
    st = parse_status(status, tx.prefs.default_transfer_order_status)
    to = enter_transfer_order(
        tx,
        from_location,
        to_location,
        lines,
        ship_date=ship_date,
        receipt_date=receipt_date,
        priority=priority,
        memo=memo,
        status=st,
    )
    tx.set_document(to.number)
    tx.note(source=to.from_code, destination=to.to_code, lines=len(to.lines), status=to.status)
    return transfer_order_info(tx, to)


@posting("transfer.approve", Permission.TRANSFER)
def approve_transfer_order(tx: Transaction, number: str) -> TransferOrderInfo:
    """Approve: the lines reserve stock at the source and are on order at the destination."""
    to = TransferOrderBook.of(tx).load(number)
    to.require(TOAction.APPROVE)
    _approve(tx, to)
    return transfer_order_info(tx, to)


@posting("transfer.close", Permission.TRANSFER)
def close_transfer_order(tx: Transaction, number: str) -> TransferOrderInfo:
    """Nothing more ships: what is still committed at the source is released and what was
    not delivered is no longer on order. Refused while anything is in transit."""
    to = TransferOrderBook.of(tx).load(number)
    to.require(TOAction.CLOSE)
    moving = [ln for ln in to.lines if ln.in_transit > 0]
    if moving:
        listed = ", ".join(f"{fmt(ln.in_transit)} {ln.sku}" for ln in moving)
        raise IllegalTransition(f"cannot close {to.number}: {listed} in transit; receive it first")
    _close(tx, to)
    to.move_to(TOStatus.CLOSED)
    to.closed_at = utcnow()
    return transfer_order_info(tx, to)


@posting("transfer.cancel", Permission.TRANSFER)
def cancel_transfer_order(tx: Transaction, number: str) -> TransferOrderInfo:
    """Cancel an order nothing has shipped on: its commitment and its on order go."""
    to = TransferOrderBook.of(tx).load(number)
    to.require(TOAction.CANCEL)
    _close(tx, to)
    to.move_to(TOStatus.CANCELLED)
    to.closed_at = utcnow()
    return transfer_order_info(tx, to)


# --- shipping and receiving ----------------------------------------------------------------


@dataclass(frozen=True)
class MovedLine:
    line: int
    sku: str
    quantity: Decimal
    unit_cost: Decimal


@dataclass(frozen=True)
class TransferMovement:
    """A shipment (TS-…) or a receipt (TR-…) of a transfer order, and the order after it."""

    number: str
    transfer_order: str
    lines: list[MovedLine]
    order: TransferOrderInfo
    changes: Changes = NO_CHANGES


def _given(
    to: TransferOrderRecord, wanted: Mapping[str, object]
) -> list[tuple[TransferLine, Decimal]]:
    """The lines named (by sku or line number) and their quantities as typed."""
    out: list[tuple[TransferLine, Decimal]] = []
    for key, value in wanted.items():
        line = to.line(str(key))
        if any(ln is line for ln, _q in out):
            raise ValidationError(f"line {line.line_no} of {to.number} is given twice")
        out.append((line, parse_quantity(value, f"quantity of {line.sku}")))
    if not out:
        raise ValidationError("no quantities given")
    return out


def _may_ship(tx: Transaction, to: TransferOrderRecord, line: TransferLine, mode: str) -> Decimal:
    """How much of a line may ship now under `fulfill_based_on_commitment`: its commitment;
    also stock nobody has committed; or also what less urgent orders commit and could give
    up (never what is picked for a sales order, nor a special order's holding)."""
    if mode == "limit_to_committed":
        return line.committed
    bal = StockBook.of(tx).balance(*line.pair)
    room = line.committed + max(ZERO, bal.available)
    if mode == "ignore_commitment":
        others = DemandBook.of(tx).open_lines([line.pair]).get(line.pair, [])
        room += sum(
            (o.releasable for o in others if o is not line and not o.pegged),
            ZERO,
        )
    return room


def _shipping(
    tx: Transaction, to: TransferOrderRecord, wanted: Mapping[str, object] | None
) -> list[tuple[TransferLine, Decimal]]:
    """What to ship: as given, each within what is still to ship and what the commitment
    preference allows; or by default everything that may ship now."""
    mode = tx.prefs.fulfill_based_on_commitment
    if wanted is None:
        if tx.prefs.default_items_to_zero_received_fulfilled:
            raise ValidationError(
                f"say what was shipped on {to.number} (shipments start at zero): give each "
                "sku and quantity"
            )
        plan = [(ln, min(ln.need, _may_ship(tx, to, ln, mode))) for ln in to.lines]
        plan = [(ln, q) for ln, q in plan if q > 0]
        if not plan:
            raise InsufficientStock(
                f"{to.number}: nothing at {to.from_code} can ship now ({mode.replace('_', ' ')})"
            )
        return plan
    plan = _given(to, wanted)
    for line, qty in plan:
        if qty > line.need:
            raise OverageNotAllowed(
                f"{to.number}: {fmt(qty)} {line.sku} is more than the {fmt(line.need)} still "
                "to ship; a transfer ships at most its quantity"
            )
        if mode == "limit_to_committed" and qty > line.committed:
            raise CommitmentLimit(
                f"{to.number}: {fmt(qty)} {line.sku} asked but only {fmt(line.committed)} is "
                f"committed at {to.from_code} (shipping is limited to committed stock)"
            )
        if mode == "allow_uncommitted" and qty > _may_ship(tx, to, line, mode):
            free = max(ZERO, StockBook.of(tx).balance(*line.pair).available)
            raise InsufficientStock(
                f"{to.number}: {fmt(qty)} {line.sku} asked but only {fmt(line.committed)} is "
                f"committed and {fmt(free)} free at {to.from_code}"
            )
    return plan


@posting("transfer.ship", Permission.FULFILL)
def ship_transfer_order(
    tx: Transaction,
    number: str,
    lines: Mapping[str, object] | None = None,
    *,
    memo: str | None = None,
) -> TransferMovement:
    """Ship: the stock leaves the source for the in-transit location, the lines' commitment
    is consumed, and the order's status follows."""
    transit = transit_location(tx)
    to = TransferOrderBook.of(tx).load(number, transit=transit)
    to.require(TOAction.SHIP)
    plan = _shipping(tx, to, lines)
    shipment = TransferMovementBook.of(tx).create(
        TRANSFER_SHIPMENT, to, plan, parse_text(memo, field="memo", max_length=MEMO_LENGTH) or None
    )
    stock = StockBook.of(tx)
    moved = []
    for line, qty in plan:
        source = Source(TransferSourceKind.TRANSFER_ORDER, shipment, to.id, line.id)
        cost = line.item.standard_cost
        try:
            commitment.consume(tx, line, qty, line.item)
            parts = stock.post(
                line.item,
                to.from_location_id,
                -qty,
                TransferReason.TRANSFER_OUT,
                source,
                unit_cost=cost,
            )
        except InsufficientStock as exc:
            raise InsufficientStock(f"{to.number} from {to.from_code}: {exc.message}") from None
        for lot, part in parts:  # a tracked item travels in the lots it left in
            stock.post(
                line.item,
                transit.id,
                -part,
                TransferReason.TRANSFER_OUT,
                source,
                unit_cost=cost,
                lot=lot,
            )
        moved.append(MovedLine(line.line_no, line.sku, qty, cost))
    after = to.status_after_moving()
    if after not in TO_OPEN_DEMAND:
        commitment.close_demand(tx, to.lines)  # everything has shipped: nothing is left to need
    to.move_to(after)
    tx.set_document(shipment)
    tx.note(order=to.number, shipped={m.sku: m.quantity for m in moved})
    return TransferMovement(shipment, to.number, moved, transfer_order_info(tx, to))


def _receiving(
    tx: Transaction, to: TransferOrderRecord, wanted: Mapping[str, object] | None
) -> list[tuple[TransferLine, Decimal]]:
    """What to receive: as given, each within what is in transit; or by default everything
    in transit."""
    if wanted is None:
        if tx.prefs.default_items_to_zero_received_fulfilled:
            raise ValidationError(
                f"say what was received on {to.number} (receipts start at zero): give each "
                "sku and quantity"
            )
        plan = [(ln, ln.in_transit) for ln in to.lines if ln.in_transit > 0]
        if not plan:
            raise ValidationError(f"nothing of {to.number} is in transit")
        return plan
    plan = _given(to, wanted)
    for line, qty in plan:
        if qty > line.in_transit:
            raise InsufficientStock(
                f"{to.number}: {fmt(qty)} {line.sku} asked but only {fmt(line.in_transit)} is "
                "in transit; a transfer receives no more than has shipped"
            )
    return plan


def _arriving(
    tx: Transaction, to: TransferOrderRecord, line: TransferLine, transit_id: int, qty: Decimal
) -> list[tuple[LotRecord | None, Decimal]]:
    """The lots `qty` of a line arrives in: those its shipments put in transit and its
    receipts have not taken out yet, first shipped first (one part, no lot, for an untracked
    item)."""
    if line.item.tracking == Tracking.NONE.value:
        return [(None, qty)]
    rows = tx.session.execute(
        select(LedgerEntry.lot_id, type_coerce(func.sum(LedgerEntry.quantity), Fixed).label("left"))
        .where(
            LedgerEntry.source_kind == TransferSourceKind.TRANSFER_ORDER.value,
            LedgerEntry.source_id == to.id,
            LedgerEntry.source_line_id == line.id,
            LedgerEntry.location_id == transit_id,
        )
        .group_by(LedgerEntry.lot_id)
        .order_by(func.min(LedgerEntry.id))
    )
    lots = LotBook.of(tx)
    out: list[tuple[LotRecord | None, Decimal]] = []
    left = qty
    for r in rows:
        take = min(left, r.left)
        if take <= 0 or r.lot_id is None:
            continue
        out.append((lots.lot(r.lot_id), take))
        left -= take
        if left == 0:
            break
    assert left == 0, f"{to.number} {line.sku}: in transit is more than its lots"
    return out


@posting("transfer.receive", Permission.RECEIVE)
def receive_transfer_order(
    tx: Transaction,
    number: str,
    lines: Mapping[str, object] | None = None,
    *,
    memo: str | None = None,
) -> TransferMovement:
    """Receive: the stock leaves the in-transit location for the destination (at the item's
    standard cost, or at the transfer price when the order does not use the item's cost),
    on order there comes down, and commit-after-entry hands it to waiting orders."""
    transit = transit_location(tx)
    to = TransferOrderBook.of(tx).load(number, transit=transit)
    to.require(TOAction.RECEIVE)
    plan = _receiving(tx, to, lines)
    receipt = TransferMovementBook.of(tx).create(
        TRANSFER_RECEIPT, to, plan, parse_text(memo, field="memo", max_length=MEMO_LENGTH) or None
    )
    stock = StockBook.of(tx)
    moved = []
    for line, qty in plan:
        source = Source(TransferSourceKind.TRANSFER_ORDER, receipt, to.id, line.id)
        cost = line.item.standard_cost if to.item_cost else line.transfer_price
        for lot, part in _arriving(tx, to, line, transit.id, qty):
            stock.post(
                line.item,
                transit.id,
                -part,
                TransferReason.TRANSFER_IN,
                source,
                unit_cost=line.item.standard_cost,
                lot=lot,
            )
            stock.post(
                line.item,
                to.to_location_id,
                part,
                TransferReason.TRANSFER_IN,
                source,
                unit_cost=cost,
                lot=lot,
            )
        stock.balance(line.item_id, to.to_location_id).on_order -= qty
        line.received += qty
        moved.append(MovedLine(line.line_no, line.sku, qty, cost))
    to.move_to(to.status_after_moving())
    tx.set_document(receipt)
    tx.note(order=to.number, received={m.sku: m.quantity for m in moved})
    return TransferMovement(receipt, to.number, moved, transfer_order_info(tx, to))


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransferLineInfo:
    line: int
    sku: str
    name: str
    uom: str
    quantity: Decimal
    committed: Decimal  # reserved for it at the source
    shipped: Decimal
    in_transit: Decimal  # shipped, not received yet
    received: Decimal
    to_ship: Decimal  # still to ship (none once the order is closed or cancelled)
    backordered: Decimal  # still to ship and not committed
    transfer_price: Decimal


@dataclass(frozen=True)
class TransferOrderInfo:
    number: str
    status: str
    status_label: str
    from_location: str
    to_location: str
    order_date: date
    ship_date: date | None
    receipt_date: date | None
    priority: int
    item_cost: bool  # the receipt is valued at the item's cost (else at the transfer price)
    memo: str | None
    created_at: datetime
    created_by: str
    approved_at: datetime | None
    closed_at: datetime | None
    total: Decimal  # the declared value: quantity x transfer price
    lines: list[TransferLineInfo]
    shipments: list[str]
    receipts: list[str]
    actions: list[str]
    changes: Changes = NO_CHANGES


_SHIPMENTS_OF = (
    select(TransferShipment.number)
    .where(TransferShipment.transfer_order_id == bindparam("to"))
    .order_by(TransferShipment.id)
)
_RECEIPTS_OF = (
    select(TransferReceipt.number)
    .where(TransferReceipt.transfer_order_id == bindparam("to"))
    .order_by(TransferReceipt.id)
)


def transfer_order_info(tx: Transaction, to: TransferOrderRecord) -> TransferOrderInfo:
    still = to.state in TO_OPEN_DEMAND
    lines = [
        TransferLineInfo(
            line=ln.line_no,
            sku=ln.sku,
            name=ln.item.name,
            uom=ln.item.uom,
            quantity=ln.required,
            committed=ln.committed,
            shipped=ln.shipped,
            in_transit=ln.in_transit,
            received=ln.received,
            to_ship=ln.need if still else ZERO,
            backordered=ln.uncommitted_need if still else ZERO,
            transfer_price=ln.transfer_price,
        )
        for ln in to.lines
    ]
    return TransferOrderInfo(
        number=to.number,
        status=to.status,
        status_label=to.state.label,
        from_location=to.from_code,
        to_location=to.to_code,
        order_date=to.order_date,
        ship_date=to.ship_date,
        receipt_date=to.receipt_date,
        priority=to.priority,
        item_cost=to.item_cost,
        memo=to.memo,
        created_at=to.created_at,
        created_by=to.created_by,
        approved_at=to.approved_at,
        closed_at=to.closed_at,
        total=sum((ln.quantity * ln.transfer_price for ln in lines), ZERO).quantize(
            Decimal("0.000001")
        ),
        lines=lines,
        shipments=list(tx.session.scalars(_SHIPMENTS_OF, {"to": to.id})),
        receipts=list(tx.session.scalars(_RECEIPTS_OF, {"to": to.id})),
        actions=[a.value for a in TOAction if to.can(a)],
    )


@query()
def get_transfer_order(tx: Transaction, number: str) -> TransferOrderInfo:
    return transfer_order_info(tx, TransferOrderBook.of(tx).load(number))


@query()
def in_transit_location(tx: Transaction) -> str | None:
    """The in-transit location's code, once a transfer has shipped."""
    found = find_transit_location(tx)
    return None if found is None else found.code


@dataclass(frozen=True)
class TransferOrderSummary:
    number: str
    status: str
    status_label: str
    from_location: str
    to_location: str
    order_date: date
    ship_date: date | None
    receipt_date: date | None
    priority: int
    memo: str | None
    late: bool  # expected at the destination before today and not received yet


_SOURCE = Location.__table__.alias("source")
_TARGET = Location.__table__.alias("target")
_T = TransferOrder
_LISTING = Listing(
    sorts={
        "number": _T.number,
        "from": _SOURCE.c.code,
        "to": _TARGET.c.code,
        "ship_date": _T.ship_date,
        "receipt_date": _T.receipt_date,
        "priority": _T.priority,
        "status": _T.status,
    },
    default="number",
    tiebreak=_T.id,
)
TRANSFER_ORDER_SORTS = tuple(_LISTING.sorts)
_OPEN = [s.value for s in TO_OPEN_SUPPLY]


@query()
def list_transfer_orders(
    tx: Transaction,
    *,
    status: str | Iterable[str] | None = None,
    location: str | None = None,
    open_only: bool = False,
    text: str | None = None,
    today: date | None = None,
    page: PageRequest | None = None,
) -> Page[TransferOrderSummary]:
    """Transfer orders by the filters, one page in the order asked: `location` is either
    end; `open_only` keeps those still to deliver (pending approval too); `text` matches
    the number, either location or the memo."""
    statuses = _T.lifecycle.statuses_named(status)
    day = today or date.today()
    late = (_T.receipt_date < day) & _T.status.in_([*_OPEN, TOStatus.PENDING_APPROVAL.value])
    stmt = (
        select(
            _T.number,
            _T.status,
            _SOURCE.c.code.label("source"),
            _TARGET.c.code.label("target"),
            _T.order_date,
            _T.ship_date,
            _T.receipt_date,
            _T.priority,
            _T.memo,
            late.label("late"),
        )
        .join(_SOURCE, _SOURCE.c.id == _T.from_location_id)
        .join(_TARGET, _TARGET.c.id == _T.to_location_id)
    )
    conditions: list[ColumnElement[bool]] = []
    if statuses:
        conditions.append(_T.status.in_(statuses))
    if location and location.strip():
        place = location_ref(tx.session, location)
        conditions.append(or_(_T.from_location_id == place.id, _T.to_location_id == place.id))
    if open_only:
        conditions.append(_T.status.in_([*_OPEN, TOStatus.PENDING_APPROVAL.value]))
    conditions += text_search(text, _T.number, _SOURCE.c.code, _TARGET.c.code, _T.memo)

    def row(r: Any) -> TransferOrderSummary:
        return TransferOrderSummary(
            number=r.number,
            status=r.status,
            status_label=TOStatus(r.status).label,
            from_location=r.source,
            to_location=r.target,
            order_date=r.order_date,
            ship_date=r.ship_date,
            receipt_date=r.receipt_date,
            priority=r.priority,
            memo=r.memo,
            late=bool(r.late),
        )

    return _LISTING.fetch(tx.session, stmt.where(*conditions), page or PageRequest(limit=None), row)


def transfer_order_statuses() -> list[tuple[str, str]]:
    """Every transfer order status as (key, label), in life-cycle order."""
    return _T.lifecycle.choices()
