"""Stock positions, adjustments, reversals and the ledger history of an item."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, false, func, literal, select, type_coerce, union_all

from app.errors import NotFound, ValidationError
from app.models import (
    Item,
    ItemType,
    LedgerEntry,
    LedgerReason,
    Location,
    Lot,
    SourceKind,
    StockBalance,
    Tracking,
    WorkOrderReason,
)
from app.models.figures import need_of
from app.models.kinds import LEDGER_REASONS
from app.models.quantity import ZERO, Fixed, parse_decimal
from app.services.engine import commitment
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.demand import sources, supply_sources
from app.services.engine.ledger import Source, StockBook, StockItem, require_stocked
from app.services.engine.lookup import (
    ItemRef,
    LocationRef,
    at_ordinary_locations,
    item_ref_by_sku,
    location_ref,
)
from app.services.engine.lots import LotBook
from app.services.engine.paging import Listing, Page, PageRequest, text_search
from app.services.engine.parsing import parse_id, parse_text
from app.services.engine.permissions import Permission
from app.services.engine.uow import Transaction, posting, query
from app.services.lots.incoming import NOTHING, LotGiven, incoming, lot_given, outgoing
from app.services.lots.stock import LotOnHand, lots_on_hand

_STOCKED = [t.value for t in ItemType if t.stocked]


@dataclass(frozen=True)
class StockPosition:
    sku: str
    name: str
    uom: str
    location: str | None  # None: all locations together
    on_hand: Decimal
    committed: Decimal
    available: Decimal
    on_order: Decimal
    backordered: Decimal
    # On its way to the location(s), shipped and not received yet (part of on order there);
    # over all locations: everything at the in-transit location, whose stock the other
    # figures leave out.
    in_transit: Decimal = ZERO
    # One item's position (not a summary row): its lots on hand, with their expiry flags.
    lots: tuple[LotOnHand, ...] = ()


@dataclass(frozen=True)
class LedgerRow:
    id: int
    posted_at: datetime
    sku: str
    location: str
    quantity: Decimal
    unit_cost: Decimal
    reason: str
    source: str
    source_kind: str
    posted_by: str
    event_id: int
    reverses_id: int | None
    memo: str | None
    lot: str | None = None  # the lot or serial the row moved


@dataclass(frozen=True)
class AdjustmentResult:
    position: StockPosition  # as the adjustment left it
    changes: Changes = NO_CHANGES

    @property
    def event_id(self) -> int:
        assert self.changes.event_id is not None
        return self.changes.event_id


@dataclass(frozen=True)
class ReversalResult:
    reversed_event: int
    changes: Changes = NO_CHANGES

    @property
    def event_id(self) -> int:
        assert self.changes.event_id is not None
        return self.changes.event_id


# Summed figures per item (over locations, or at one): the columns of a position.
_SUMS: tuple[ColumnElement[Any], ...] = tuple(
    type_coerce(func.coalesce(func.sum(col), 0), Fixed).label(name)
    for name, col in (
        ("on_hand", StockBalance.on_hand),
        ("committed", StockBalance.committed),
        ("available", StockBalance.available),
        ("on_order", StockBalance.on_order),
        ("backordered", StockBalance.backordered),
    )
)


def _position(
    sku: str,
    name: str,
    uom: str,
    location: str | None,
    row: Any,
    lots: tuple[LotOnHand, ...] = (),
) -> StockPosition:
    return StockPosition(
        sku=sku,
        name=name,
        uom=uom,
        location=location,
        on_hand=row.on_hand,
        committed=row.committed,
        available=row.available,
        on_order=row.on_order,
        backordered=row.backordered,
        in_transit=row.in_transit,
        lots=lots,
    )


def _where(location: LocationRef | None) -> ColumnElement[bool]:
    """The balances of a position: one location's, or every ordinary location's (the
    in-transit location's stock is shown as in transit)."""
    if location is not None:
        return StockBalance.location_id == location.id
    return at_ordinary_locations(StockBalance.location_id)


def _in_transit(location: LocationRef | None) -> Any:
    """(item_id, in_transit) per item: what every kind of supply has on its way to the
    location (to any location, without one)."""
    parts = [s.in_transit for s in supply_sources() if s.in_transit is not None]
    if not parts:
        return select(literal(0).label("item_id"), literal(0).label("in_transit")).where(false())
    rows = union_all(*parts).subquery()
    stmt = select(
        rows.c.item_id, type_coerce(func.sum(rows.c.quantity), Fixed).label("in_transit")
    ).group_by(rows.c.item_id)
    if location is not None:
        stmt = stmt.where(rows.c.location_id == location.id)
    return stmt


def position_in(tx: Transaction, item: ItemRef, location: LocationRef | None) -> StockPosition:
    moving = _in_transit(location).subquery()
    on_way = select(moving.c.in_transit).where(moving.c.item_id == item.id).scalar_subquery()
    stmt = select(*_SUMS, type_coerce(func.coalesce(on_way, 0), Fixed).label("in_transit")).where(
        StockBalance.item_id == item.id, _where(location)
    )
    row = tx.session.execute(stmt).one()
    lots: tuple[LotOnHand, ...] = ()
    if item.tracking != Tracking.NONE:
        lots = tuple(lots_on_hand(tx, item.id, location.id if location else None))
    return _position(item.sku, item.name, item.uom, location.code if location else None, row, lots)


@query()
def stock_position(tx: Transaction, sku: str, location: str | None = None) -> StockPosition:
    """On hand, committed, available, on order, backordered and in transit for one item (the
    in-transit location's too)."""
    item = item_ref_by_sku(tx.session, sku)
    require_stocked(item)
    loc = location_ref(tx.session, location, transit=True) if location else None
    return position_in(tx, item, loc)


def _summary_statement(location: LocationRef | None) -> tuple[Any, dict[str, Any]]:
    sums = select(StockBalance.item_id, *_SUMS).where(_where(location))
    sub = sums.group_by(StockBalance.item_id).subquery()
    moving = _in_transit(location).subquery()
    figures = {
        name: type_coerce(func.coalesce(sub.c[name], 0), Fixed).label(name)
        for name in ("on_hand", "committed", "available", "on_order", "backordered")
    }
    figures["in_transit"] = type_coerce(func.coalesce(moving.c.in_transit, 0), Fixed).label(
        "in_transit"
    )
    stmt = (
        select(Item.sku, Item.name, Item.uom, *figures.values())
        .outerjoin(sub, sub.c.item_id == Item.id)
        .outerjoin(moving, moving.c.item_id == Item.id)
        .where(Item.item_type.in_(_STOCKED))
    )
    return stmt, figures


@query()
def stock_summary(
    tx: Transaction,
    location: str | None = None,
    *,
    text: str | None = None,
    short_only: bool = False,
    page: PageRequest | None = None,
) -> Page[StockPosition]:
    """The position of every stocked item (at one location, or over all of them): sortable
    by sku, name or any figure; `text` matches sku or name; `short_only` keeps items with a
    backorder."""
    loc = location_ref(tx.session, location, transit=True) if location else None
    stmt, figures = _summary_statement(loc)
    stmt = stmt.where(*text_search(text, Item.sku, Item.name))
    if short_only:
        stmt = stmt.where(figures["backordered"] > 0)
    listing = Listing(
        sorts={"sku": Item.sku, "name": Item.name, **figures}, default="sku", tiebreak=Item.id
    )
    code = loc.code if loc else None
    return listing.fetch(
        tx.session,
        stmt,
        page or PageRequest(limit=None),
        lambda r: _position(r.sku, r.name, r.uom, code, r),
    )


def adjust_in_transaction(
    tx: Transaction,
    item: StockItem,
    location_id: int,
    quantity: Decimal,
    *,
    unit_cost: Decimal | None,
    source: str,
    memo: str | None = None,
    lot: LotGiven = NOTHING,
) -> None:
    """Post an inventory adjustment inside an open posting (whose balances are locked). A
    write-off may not take on hand below zero; commitments it eats into are given up, least
    urgent order first. A tracked item comes in as the lot (or serials) given, and goes out
    of the lot named or, with none named, by the consumption order."""
    require_stocked(item)
    origin = Source(SourceKind.ADJUSTMENT, source)
    if quantity < 0:
        commitment.make_room(tx, item, location_id, -quantity)
        parts = [(lot_part, -q) for lot_part, q in outgoing(tx, item, -quantity, lot)]
    else:
        parts = incoming(tx, item, quantity, lot, origin)
    stock = StockBook.of(tx)
    for lot_part, qty in parts:
        stock.post(
            item,
            location_id,
            qty,
            LedgerReason.ADJUSTMENT,
            origin,
            unit_cost=unit_cost,
            memo=memo,
            lot=lot_part,
        )


@posting("stock.adjust", Permission.ADJUST_STOCK)
def adjust_stock(
    tx: Transaction,
    sku: str,
    quantity: object,
    *,
    location: str | None = None,
    unit_cost: object = None,
    memo: str | None = None,
    lot: object = None,
    serials: object = None,
    expires: object = None,
) -> AdjustmentResult:
    """An inventory adjustment (negative: a write-off). A tracked item's adjustment names
    its lot (`lot`, with `expires` for a new one) or serials; a write-off that names none
    takes lots by the consumption order."""
    qty = parse_decimal(quantity, non_zero=True)
    given = lot_given(lot, serials, expires)
    cost = (
        None
        if unit_cost is None or unit_cost == ""
        else parse_decimal(unit_cost, field="unit cost", non_negative=True)
    )
    item = item_ref_by_sku(tx.session, sku)
    loc = location_ref(tx.session, location)
    tx.set_document(item.sku)
    StockBook.of(tx).lock([(item.id, loc.id)])
    note = parse_text(memo, field="memo", max_length=200) or None
    adjust_in_transaction(
        tx, item, loc.id, qty, unit_cost=cost, source="adjustment", memo=note, lot=given
    )
    tx.note(
        location=loc.code,
        quantity=qty,
        memo=note,
        **({"lot": list(given.numbers)} if given.numbers else {}),
    )
    tx.settle()  # commit-after-entry first: the position shows what it committed
    bal = StockBook.of(tx).balance(item.id, loc.id)
    position = StockPosition(
        sku=item.sku,
        name=item.name,
        uom=item.uom,
        location=loc.code,
        on_hand=bal.on_hand,
        committed=bal.committed,
        available=bal.available,
        on_order=bal.on_order,
        backordered=bal.backordered,
        in_transit=position_in(tx, item, loc).in_transit,
    )
    return AdjustmentResult(position=position)


@dataclass(frozen=True)
class Holder:
    """One open demand line for an item at a location: what it commits and still needs."""

    kind: str  # the kind of demand: "work_order", "sales_order", ...
    label: str  # in words: "work order lines"
    document: str
    line: int
    committed: Decimal
    firm: Decimal  # picked, waiting to ship: nothing takes it away
    need: Decimal
    backordered: Decimal
    ship_date: date | None
    priority: int


@query()
def commitment_holders(tx: Transaction, sku: str, location: str | None = None) -> list[Holder]:
    """Who holds an item's committed stock and who waits for it, in the order commitment
    hands stock out (so "why is available zero?" has an answer): every open demand line of
    every kind at the location (the default one unless named)."""
    item = item_ref_by_sku(tx.session, sku)
    require_stocked(item)
    loc = location_ref(tx.session, location)
    key = commitment.ordering_key(tx.prefs.item_commitment_ordering)
    found: list[tuple[Any, Holder]] = []
    for source in sources():
        stmt = (
            select(
                source.document_number.label("number"),
                source.line_number.label("line"),
                *source.standard_columns(),
            )
            .select_from(source.tables)
            .where(source.is_open, source.item_id == item.id, source.location_id == loc.id)
        )
        for r in tx.session.execute(stmt):
            need = need_of(r.required, r.consumed)
            if need <= 0 and r.committed <= 0:
                continue
            found.append(
                (
                    key(source.urgency(r)),
                    Holder(
                        kind=source.kind,
                        label=source.label,
                        document=r.number,
                        line=r.line,
                        committed=r.committed,
                        firm=r.firm,
                        need=need,
                        backordered=max(ZERO, need - r.committed),
                        ship_date=r.ship_date,
                        priority=r.priority,
                    ),
                )
            )
    return [holder for _key, holder in sorted(found, key=lambda pair: pair[0])]


_REVERSIBLE = (LedgerReason.ADJUSTMENT.value,)

# A posting that is not reversed here, in words: what it is (by the reason of its rows, the
# first that applies) and what to do instead; `{ref}` is its document.
_NOT_REVERSED: tuple[tuple[str, str, str], ...] = (
    # A work order's postings are undone by the posting that takes them back, named.
    (
        LedgerReason.COMPLETION,
        "a build on {ref}",
        "use unbuild (shopfloor wo unbuild {ref} --qty Q)",
    ),
    (
        LedgerReason.ISSUE,
        "an issue to {ref}",
        "return the components (shopfloor wo return {ref} --component SKU=QTY)",
    ),
    (
        LedgerReason.BACKFLUSH,
        "a backflush on {ref}",
        "use unbuild (shopfloor wo unbuild {ref} --qty Q)",
    ),
    (
        WorkOrderReason.COMPONENT_RETURN,
        "a return of components from {ref}",
        "issue them again (shopfloor wo issue {ref} --component SKU=QTY)",
    ),
    (
        WorkOrderReason.UNBUILD,
        "an unbuild on {ref}",
        "build again (shopfloor wo build {ref} --qty Q)",
    ),
    (
        WorkOrderReason.SCRAP,
        "a scrap on {ref}",
        "scrapped goods are written off; if they turn up, post an adjustment",
    ),
    (
        LedgerReason.RECEIPT,
        "receipt {ref}",
        "receipts are not reversed yet; correct the stock with an adjustment and tell "
        "finance, which was told of the receipt",
    ),
    (
        LedgerReason.SHIPMENT,
        "the shipment of {ref}",
        "shipments are not reversed yet; correct the stock with an adjustment and tell "
        "finance, which was told of the shipment",
    ),
    (LedgerReason.REVERSAL, "the {ref}", "a reversal is not reversed; post a new adjustment"),
)
assert {r for r, _what, _instead in _NOT_REVERSED} >= set(LedgerReason) - set(_REVERSIBLE)


def _not_reversed(event_id: int, entries: Sequence[Any]) -> str:
    """Why an event other than an adjustment is not reversed, naming the posting it is and
    what to do instead; a posting of a reason another kind of document registered (a count,
    a transfer ...) is named by that reason's words."""
    refs = {e.reason: e.source_ref for e in entries}
    found = next(
        (
            (what, instead, refs[reason])
            for reason, what, instead in _NOT_REVERSED
            if reason in refs
        ),
        None,
    )
    if found is None:
        reason, ref = next((r, s) for r, s in refs.items() if r not in _REVERSIBLE)
        return (
            f"event {event_id} is a {LEDGER_REASONS.words.get(reason, reason)} of {ref}: only "
            "adjustments are reversed; correct the stock with an adjustment"
        )
    what, instead, ref = found
    return f"event {event_id} is {what.format(ref=ref)}: {instead.format(ref=ref)}"


@posting("stock.reverse", Permission.ADJUST_STOCK)
def reverse_adjustment(
    tx: Transaction, event_id: object, memo: str | None = None
) -> ReversalResult:
    """Correct an adjustment posting by appending its exact opposite. Any other posting is
    refused, naming what it is and what to do instead."""
    event_id = parse_id(event_id, field="event id")
    memo = parse_text(memo, field="memo", max_length=200) or None
    tx.set_document(f"event {event_id}")
    le = LedgerEntry
    entries = tx.session.execute(
        select(
            le.id,
            le.item_id,
            le.location_id,
            le.quantity,
            le.unit_cost,
            le.reason,
            le.source_ref,
            le.lot_id,
            Item.sku,
            Item.item_type,
            Item.standard_cost,
            Item.tracking,
        )
        .join(Item, Item.id == le.item_id)
        .where(le.event_id == event_id)
        .order_by(le.id)
    ).all()
    if not entries:
        raise NotFound(f"no stock posting with event id {event_id}")
    if any(e.reason not in _REVERSIBLE for e in entries):
        raise ValidationError(_not_reversed(event_id, entries))
    ids = [e.id for e in entries]
    if tx.session.scalar(select(func.count()).where(LedgerEntry.reverses_id.in_(ids))):
        raise ValidationError(f"event {event_id} has already been reversed")
    stock = StockBook.of(tx)
    stock.lock((e.item_id, e.location_id) for e in entries)
    for e in entries:
        item = ItemRef(
            id=e.item_id,
            sku=e.sku,
            name="",
            uom="",
            item_type=e.item_type,
            standard_cost=e.standard_cost,
            active=True,
            tracking=e.tracking,
        )
        qty = -e.quantity
        if qty < 0:
            commitment.make_room(tx, item, e.location_id, -qty)
        stock.post(
            item,
            e.location_id,
            qty,
            LedgerReason.REVERSAL,
            Source(SourceKind.ADJUSTMENT, f"reversal of event {event_id}"),
            unit_cost=e.unit_cost,
            reverses_id=e.id,
            memo=memo,
            lot=LotBook.of(tx).lot(e.lot_id) if e.lot_id is not None else None,
        )
    tx.note(reverses=event_id, rows=len(entries))
    return ReversalResult(reversed_event=event_id)


_LEDGER = Listing(
    sorts={
        "posted": LedgerEntry.id,
        "quantity": LedgerEntry.quantity,
        "reason": LedgerEntry.reason,
        "sku": Item.sku,
    },
    default="posted",
    tiebreak=LedgerEntry.id,
)


def ledger_page(
    tx: Transaction, *conditions: ColumnElement[bool], page: PageRequest | None = None
) -> Page[LedgerRow]:
    """Ledger rows matching `conditions`, newest first unless another order is asked for:
    the one reader behind an item's history and the postings against a document."""
    le = LedgerEntry
    stmt = (
        select(
            le.id,
            le.posted_at,
            Item.sku,
            Location.code,
            le.quantity,
            le.unit_cost,
            le.reason,
            le.source_ref,
            le.source_kind,
            le.posted_by,
            le.event_id,
            le.reverses_id,
            le.memo,
            Lot.number.label("lot"),
        )
        .join(Item, Item.id == le.item_id)
        .join(Location, Location.id == le.location_id)
        .outerjoin(Lot, Lot.id == le.lot_id)
        .where(*conditions)
    )
    return _LEDGER.fetch(
        tx.session,
        stmt,
        page or PageRequest(limit=None, descending=True),
        lambda r: LedgerRow(
            id=r.id,
            posted_at=r.posted_at,
            sku=r.sku,
            location=r.code,
            quantity=r.quantity,
            unit_cost=r.unit_cost,
            reason=r.reason,
            source=r.source_ref,
            source_kind=r.source_kind,
            posted_by=r.posted_by,
            event_id=r.event_id,
            reverses_id=r.reverses_id,
            memo=r.memo,
            lot=r.lot,
        ),
    )


@query()
def ledger_history(
    tx: Transaction,
    sku: str,
    *,
    location: str | None = None,
    page: PageRequest | None = None,
) -> Page[LedgerRow]:
    """An item's ledger rows, newest first unless another order is asked for."""
    item = item_ref_by_sku(tx.session, sku)
    conditions = [LedgerEntry.item_id == item.id]
    if location:
        conditions.append(
            LedgerEntry.location_id == location_ref(tx.session, location, transit=True).id
        )
    return ledger_page(tx, *conditions, page=page)


@dataclass(frozen=True)
class ItemStock:
    """What the item stock screen shows, in one read: the item at one location (the default
    one unless named), who holds its committed stock there, the ordinary locations to choose
    (stock is adjusted there) and the in-transit location once a transfer has shipped."""

    position: StockPosition
    holders: list[Holder]
    locations: list[str]
    transit: str | None = None


@query()
def item_stock(tx: Transaction, sku: str, location: str | None = None) -> ItemStock:
    from app.services.catalog import items

    known = items.list_locations.within(tx, transit=True)
    code = location or next((loc.code for loc in known if loc.is_default), None)
    transit = next((loc.code for loc in known if loc.transit), None)
    return ItemStock(
        stock_position.within(tx, sku, code),
        [] if code == transit else commitment_holders.within(tx, sku, code),
        [loc.code for loc in known if not loc.transit],
        transit,
    )
