"""Lots on hand as the screens, the command line and the dashboard read them: each lot's stock
per location with its expiry, flagged when it has expired or expires within
`expiry_warning_days`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, select

from app.models import Item, Location, Lot, LotBalance
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
