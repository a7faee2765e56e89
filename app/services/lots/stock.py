"""Lots on hand as the screens, the command line and the dashboard read them: each lot's stock
per location with its expiry, flagged when it has expired or expires within
`expiry_warning_days`; and the lots to take for a line, as the documents and the scan screens
suggest them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, select

from app.models import Item, Location, Lot, LotBalance, Tracking
from app.services.engine.lookup import item_ref_by_sku, location_ref
from app.services.engine.lots import LotBook, LotUse
from app.services.engine.paging import Listing, Page, PageRequest
from app.services.engine.uow import Transaction, query


@dataclass(frozen=True)
class LotOnHand:
    """One lot of an item on hand at one location."""

    sku: str
    lot: str
    location: str
    on_hand: Decimal
    reserved: Decimal  # picked for shipments that have not left
    expires: date | None
    expired: bool  # past its expiry date
    expiring: bool  # expires within expiry_warning_days (not yet expired)
    serial: bool


def expiry_flags(expires: date | None, today: date, warning_days: int) -> tuple[bool, bool]:
    """(expired, expiring soon) of a lot: expired after its expiry date; expiring when it
    expires within the warning days."""
    if expires is None:
        return False, False
    expired = expires < today
    return expired, not expired and expires <= today + timedelta(days=warning_days)


@dataclass(frozen=True)
class SuggestedLot:
    """A lot (or serial) the consumption order would take for a line now: how much of it, its
    expiry, and whether it has expired (taken only where the plant allows it) or expires
    within `expiry_warning_days`."""

    lot: str
    quantity: Decimal
    expires: date | None
    expired: bool
    expiring: bool


def suggested_lots(
    tx: Transaction, sku: str, location: str, quantity: Decimal, use: LotUse
) -> tuple[SuggestedLot, ...]:
    """The lots the consumption order would take for a line now, at its location, in the
    order it takes them (as far as there are), from what is not picked for others and, as
    the posting would, expired ones passed over unless allowed; none for an untracked item
    or nothing to take."""
    item = item_ref_by_sku(tx.session, sku)
    if not Tracking(item.tracking).tracked or quantity <= 0:
        return ()
    place = location_ref(tx.session, location)
    book = LotBook.of(tx)
    days = tx.prefs.expiry_warning_days
    out = []
    for stock, taken in book.suggest(item, place.id, quantity, use):
        expired, expiring = expiry_flags(stock.lot.expires, book.today, days)
        out.append(SuggestedLot(stock.lot.number, taken, stock.lot.expires, expired, expiring))
    return tuple(out)


@query()
def lots_to_take(
    tx: Transaction,
    lines: Mapping[str, tuple[str, Decimal]],
    location: str,
    use: LotUse,
) -> dict[str, tuple[SuggestedLot, ...]]:
    """The lots to take for each line of a screen (line key -> (sku, quantity left)), read
    in one transaction; lines of untracked items are left out."""
    out = {}
    for key, (sku, quantity) in lines.items():
        lots = suggested_lots(tx, sku, location, quantity, use)
        if lots:
            out[key] = lots
    return out


_COLUMNS = (
    Item.sku,
    Lot.number,
    Location.code,
    LotBalance.on_hand,
    LotBalance.reserved,
    Lot.expires,
    Lot.serial,
)


def _select(*conditions: ColumnElement[bool]) -> Any:
    return (
        select(*_COLUMNS)
        .select_from(LotBalance)
        .join(Lot, Lot.id == LotBalance.lot_id)
        .join(Item, Item.id == LotBalance.item_id)
        .join(Location, Location.id == LotBalance.location_id)
        .where(LotBalance.on_hand > 0, *conditions)
    )


def _row(tx: Transaction, today: date) -> Any:
    days = tx.prefs.expiry_warning_days

    def make(r: Any) -> LotOnHand:
        expired, expiring = expiry_flags(r.expires, today, days)
        return LotOnHand(
            r.sku, r.number, r.code, r.on_hand, r.reserved, r.expires, expired, expiring, r.serial
        )

    return make


def lots_on_hand(
    tx: Transaction, item_id: int, location_id: int | None = None, today: date | None = None
) -> list[LotOnHand]:
    """An item's lots on hand (at one location, or everywhere), first to expire first."""
    conditions = [LotBalance.item_id == item_id]
    if location_id is not None:
        conditions.append(LotBalance.location_id == location_id)
    stmt = _select(*conditions).order_by(
        Lot.expires.is_(None), Lot.expires, Lot.number, Location.code
    )
    make = _row(tx, today or date.today())
    return [make(r) for r in tx.session.execute(stmt)]


_EXPIRING = Listing(
    sorts={"expires": Lot.expires, "sku": Item.sku, "lot": Lot.number},
    default="expires",
    # One row per lot and location: unique while a plant has fewer than 100,000 locations.
    tiebreak=LotBalance.lot_id * 100_000 + LotBalance.location_id,
)


@query()
def expiring_lots(
    tx: Transaction, today: date | None = None, page: PageRequest | None = None
) -> Page[LotOnHand]:
    """Lots on hand that have expired or expire within `expiry_warning_days`, first to
    expire first (the dashboard's figure is its total)."""
    day = today or date.today()
    limit = day + timedelta(days=tx.prefs.expiry_warning_days)
    stmt = _select(Lot.expires.is_not(None), Lot.expires <= limit)
    return _EXPIRING.fetch(
        tx.session,
        stmt,
        page or PageRequest(limit=None),
        _row(tx, day),
    )
