"""Supply planning between locations: where orders wait for stock that another location has
spare, a transfer order brings it over (the transfer twin of replenishment).

At a location, an item is short by what its open orders still need beyond what is committed
to them, what is free there (a re-run would commit it), what is on order there already and
what transfers awaiting approval bring. Another location can spare what is free there beyond
its own orders' backorder and what transfers awaiting approval take from it. The short
locations are served item by item, each from the locations with the most to spare first.
Accepting makes one transfer order per pair of locations, in the status of
`generate_transfer_orders_in_supply_planning`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.models import Item, ItemType, Location, StockBalance
from app.models.quantity import ZERO
from app.models.transfer import TOStatus, TransferOrder, TransferOrderLine
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.ledger import StockBook
from app.services.engine.lookup import item_ref_by_sku, location_ref
from app.services.engine.permissions import Permission
from app.services.engine.uow import posting, query
from app.services.transfers.transfer_orders import (
    TransferLineEntry,
    TransferOrderInfo,
    enter_transfer_order,
    transfer_order_info,
)

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

_STOCKED = [t.value for t in ItemType if t.stocked]


@dataclass(frozen=True)
class TransferSuggestion:
    """Move `quantity` of an item from a location that can spare it to one where orders wait
    for it."""

    sku: str
    name: str
    from_location: str
    to_location: str
    quantity: Decimal
    short: Decimal  # what the orders at the destination still lack
    spare: Decimal  # what the source has free beyond its own orders


def _suggestions(tx: Transaction, skus: Iterable[str] | None = None) -> list[TransferSuggestion]:
    stmt = (
        select(
            Item.sku,
            Item.name,
            Location.code,
            StockBalance.on_hand,
            StockBalance.committed,
            StockBalance.demand,
            StockBalance.on_order,
        )
        .join(Item, Item.id == StockBalance.item_id)
        .join(Location, Location.id == StockBalance.location_id)
        .where(
            ~Location.transit,
            Item.active.is_(True),
            Item.item_type.in_(_STOCKED),
        )
        .order_by(Item.sku, Location.code)
    )
    if skus is not None:
        stmt = stmt.where(Item.sku.in_(list(skus)))
    coming, going = _awaiting_approval(tx)
    short: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    spare: dict[str, dict[str, Decimal]] = defaultdict(dict)
    names: dict[str, str] = {}
    for r in tx.session.execute(stmt):
        names[r.sku] = r.name
        free = max(ZERO, r.on_hand - r.committed)
        backordered = max(ZERO, r.demand - r.committed)
        lacking = backordered - free - r.on_order - coming[(r.sku, r.code)]
        spared = free - backordered - going[(r.sku, r.code)]
        if lacking > 0:
            short[r.sku].append((r.code, lacking))
        elif spared > 0:
            spare[r.sku][r.code] = spared
    out = []
    for sku, wanting in short.items():
        left = spare.get(sku, {})
        for code, lacking in wanting:
            for donor in sorted(left, key=lambda c: (-left[c], c)):
                if lacking <= 0:
                    break
                take = min(lacking, left[donor])
                if take <= 0:
                    continue
                out.append(
                    TransferSuggestion(sku, names[sku], donor, code, take, lacking, left[donor])
                )
                left[donor] -= take
                lacking -= take
    return out


def _awaiting_approval(
    tx: Transaction,
) -> tuple[defaultdict[tuple[str, str], Decimal], defaultdict[tuple[str, str], Decimal]]:
    """What transfer orders not approved yet will bring to (sku, location), and take from
    it: not on order or committed until approved, but planned already, so planning does not
    suggest them twice."""
    source, target = Location.__table__.alias("source"), Location.__table__.alias("target")
    coming: defaultdict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    going: defaultdict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    rows = tx.session.execute(
        select(
            Item.sku,
            source.c.code.label("source"),
            target.c.code.label("target"),
            TransferOrderLine.quantity,
        )
        .join(TransferOrder, TransferOrder.id == TransferOrderLine.transfer_order_id)
        .join(Item, Item.id == TransferOrderLine.item_id)
        .join(source, source.c.id == TransferOrder.from_location_id)
        .join(target, target.c.id == TransferOrder.to_location_id)
        .where(TransferOrder.status == TOStatus.PENDING_APPROVAL.value)
    )
    for r in rows:
        coming[(r.sku, r.target)] += r.quantity
        going[(r.sku, r.source)] += r.quantity
    return coming, going


@query()
def transfer_suggestions(tx: Transaction) -> list[TransferSuggestion]:
    """Stock another location can spare for orders waiting at this one."""
    return _suggestions(tx)


@dataclass(frozen=True)
class TransfersMade:
    created: list[TransferOrderInfo]
    changes: Changes = field(default=NO_CHANGES)


@posting("transfer.suggest.accept", Permission.TRANSFER)
def accept_transfer_suggestions(
    tx: Transaction, skus: Iterable[str] | None = None
) -> TransfersMade:
    """One transfer order per pair of locations for the suggestions (of these items), in the
    status `generate_transfer_orders_in_supply_planning` names."""
    wanted = None if skus is None else [s.strip() for s in skus]
    if wanted is not None:
        for sku in wanted:
            item_ref_by_sku(tx.session, sku)  # unknown skus are refused, not skipped
    by_pair: dict[tuple[str, str], list[TransferSuggestion]] = defaultdict(list)
    for s in _suggestions(tx, wanted):
        by_pair[(s.from_location, s.to_location)].append(s)
    status = TOStatus(tx.prefs.generate_transfer_orders_in_supply_planning)
    # Every balance the new orders touch, locked at once.
    places = {code: location_ref(tx.session, code).id for pair in by_pair for code in pair}
    StockBook.of(tx).lock(
        (item_ref_by_sku(tx.session, s.sku).id, places[code])
        for group in by_pair.values()
        for s in group
        for code in (s.from_location, s.to_location)
    )
    created = []
    for (source, target), group in sorted(by_pair.items()):
        to = enter_transfer_order(
            tx,
            source,
            target,
            [TransferLineEntry(s.sku, s.quantity) for s in group],
            memo="supply planning",
            status=status,
        )
        created.append(transfer_order_info(tx, to))
    tx.note(created=[t.number for t in created])
    tx.set_document(", ".join(t.number for t in created)[:120] or "none")
    return TransfersMade(created)
