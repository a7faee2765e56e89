"""Stock positions, adjustments, reversals and the ledger history of an item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from app.errors import NotFound, ValidationError
from app.models import Item, LedgerEntry, LedgerReason, StockBalance
from app.models.quantity import ZERO, parse_decimal
from app.services import commitment
from app.services.lookup import (
    ItemRef,
    LocationRef,
    item_ref_by_sku,
    location_ref,
)
from app.services.permissions import Permission
from app.services.stock import StockItem, require_stocked
from app.services.uow import Transaction, UnitOfWork


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
    posted_by: str
    event_id: int
    reverses_id: int | None
    memo: str | None


@dataclass(frozen=True)
class AdjustmentResult:
    event_id: int
    position: StockPosition


def _position(
    item: tuple[str, str, str],
    location: str | None,
    sums: tuple[Decimal, Decimal, Decimal, Decimal] | None,
) -> StockPosition:
    """A position from (sku, name, uom) and the summed balances (None: never had stock)."""
    on_hand, committed, demand, on_order = sums or (ZERO, ZERO, ZERO, ZERO)
    return StockPosition(
        sku=item[0],
        name=item[1],
        uom=item[2],
        location=location,
        on_hand=on_hand,
        committed=committed,
        available=on_hand - committed,
        on_order=on_order,
        backordered=demand - committed,
    )


_SUMS = (
    func.sum(StockBalance.on_hand),
    func.sum(StockBalance.committed),
    func.sum(StockBalance.demand),
    func.sum(StockBalance.on_order),
)


def position_in(tx: Transaction, item: ItemRef, location: LocationRef | None) -> StockPosition:
    stmt = select(*_SUMS).where(StockBalance.item_id == item.id)
    if location is not None:
        stmt = stmt.where(StockBalance.location_id == location.id)
    row = tx.session.execute(stmt).one()
    sums = None if row[0] is None else (row[0], row[1], row[2], row[3])
    return _position((item.sku, item.name, item.uom), location.code if location else None, sums)


def stock_position(uow: UnitOfWork, sku: str, location: str | None = None) -> StockPosition:
    """On hand, committed, available, on order and backordered for one item."""
    with uow.query() as tx:
        tx.authorize(Permission.READ)
        item = item_ref_by_sku(tx.session, sku)
        require_stocked(item)
        loc = location_ref(tx.session, location) if location else None
        return position_in(tx, item, loc)


def stock_summary(uow: UnitOfWork, location: str | None = None) -> list[StockPosition]:
    """The position of every stocked item, by sku."""
    with uow.query() as tx:
        tx.authorize(Permission.READ)
        loc = location_ref(tx.session, location) if location else None
        sums = select(StockBalance.item_id, *_SUMS).group_by(StockBalance.item_id)
        if loc is not None:
            sums = sums.where(StockBalance.location_id == loc.id)
        sub = sums.subquery()
        rows = tx.session.execute(
            select(Item.sku, Item.name, Item.uom, *list(sub.c)[1:])
            .outerjoin(sub, sub.c.item_id == Item.id)
            .where(Item.item_type.in_(("inventory", "assembly")))
            .order_by(Item.sku)
        )
        code = loc.code if loc else None
        return [
            _position(
                (sku, name, uom),
                code,
                None if on_hand is None else (on_hand, committed, demand, on_order),
            )
            for sku, name, uom, on_hand, committed, demand, on_order in rows
        ]


def adjust_in_transaction(
    tx: Transaction,
    item: StockItem,
    location_id: int,
    quantity: Decimal,
    *,
    unit_cost: Decimal | None,
    source: str,
    memo: str | None = None,
) -> None:
    """Post an inventory adjustment inside an open posting. A write-off may not take on hand
    below zero; commitments it eats into are given up, least urgent order first."""
    require_stocked(item)
    if quantity < 0:
        commitment.make_room(tx, item.id, location_id, -quantity)
    tx.stock.post(
        item,
        location_id,
        quantity,
        LedgerReason.ADJUSTMENT,
        source,
        unit_cost=unit_cost,
        memo=memo,
    )


def adjust_stock(
    uow: UnitOfWork,
    sku: str,
    quantity: object,
    *,
    location: str | None = None,
    unit_cost: object = None,
    memo: str | None = None,
) -> AdjustmentResult:
    qty = parse_decimal(quantity, non_zero=True)
    cost = (
        None
        if unit_cost is None or unit_cost == ""
        else parse_decimal(unit_cost, field="unit cost", non_negative=True)
    )
    with uow.transaction("stock.adjust", sku) as tx:
        tx.authorize(Permission.ADJUST_STOCK)
        item = item_ref_by_sku(tx.session, sku)
        loc = location_ref(tx.session, location)
        tx.set_document(item.sku)
        adjust_in_transaction(tx, item, loc.id, qty, unit_cost=cost, source="adjustment", memo=memo)
        tx.note(location=loc.code, quantity=qty)
        tx.commit()
        assert tx.event_id is not None
        event_id, sku_text, loc_code = tx.event_id, item.sku, loc.code
    return AdjustmentResult(event_id, stock_position(uow, sku_text, loc_code))


def reverse_adjustment(uow: UnitOfWork, event_id: int, memo: str | None = None) -> int:
    """Correct an adjustment posting by appending its exact opposite; returns the new
    event id. Work order postings are corrected through the work order, not here."""
    with uow.transaction("stock.reverse", f"event {event_id}") as tx:
        tx.authorize(Permission.ADJUST_STOCK)
        entries = tx.session.scalars(
            select(LedgerEntry).where(LedgerEntry.event_id == event_id).order_by(LedgerEntry.id)
        ).all()
        if not entries:
            raise NotFound(f"no stock posting with event id {event_id}")
        if any(e.reason != LedgerReason.ADJUSTMENT.value for e in entries):
            raise ValidationError(
                f"event {event_id} is not an adjustment; correct work order postings on the "
                "work order"
            )
        ids = [e.id for e in entries]
        if tx.session.scalar(select(func.count()).where(LedgerEntry.reverses_id.in_(ids))):
            raise ValidationError(f"event {event_id} has already been reversed")
        for e in entries:
            qty = -e.quantity
            if qty < 0:
                commitment.make_room(tx, e.item_id, e.location_id, -qty)
            tx.stock.post(
                e.item,
                e.location_id,
                qty,
                LedgerReason.REVERSAL,
                f"reversal of event {event_id}",
                unit_cost=e.unit_cost,
                reverses_id=e.id,
                memo=memo,
            )
        tx.note(reverses=event_id, rows=len(entries))
        tx.commit()
        assert tx.event_id is not None
        return tx.event_id


def ledger_history(
    uow: UnitOfWork, sku: str, *, location: str | None = None, limit: int = 100
) -> list[LedgerRow]:
    """The latest ledger rows of an item, newest first."""
    with uow.query() as tx:
        tx.authorize(Permission.READ)
        item = item_ref_by_sku(tx.session, sku)
        stmt = (
            select(LedgerEntry)
            .where(LedgerEntry.item_id == item.id)
            .order_by(LedgerEntry.id.desc())
            .limit(limit)
        )
        if location:
            stmt = stmt.where(LedgerEntry.location_id == location_ref(tx.session, location).id)
        return [
            LedgerRow(
                id=e.id,
                posted_at=e.posted_at,
                sku=e.item.sku,
                location=e.location.code,
                quantity=e.quantity,
                unit_cost=e.unit_cost,
                reason=e.reason,
                source=e.source_ref,
                posted_by=e.posted_by,
                event_id=e.event_id,
                reverses_id=e.reverses_id,
                memo=e.memo,
            )
            for e in tx.session.scalars(stmt)
        ]
