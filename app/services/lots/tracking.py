"""How an item is tracked: by lot, by serial or not at all, changed only while it has no
stock; with a shelf life that dates its new lots, and a GS1 trade item number (GTIN)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.errors import AlreadyExists, ValidationError
from app.models import Item, ItemType, Location, StockBalance, Tracking
from app.models.quantity import fmt
from app.services.engine import changes
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.ledger import StockBook
from app.services.engine.lookup import item_by_sku
from app.services.engine.parsing import parse_gtin, parse_int, shown
from app.services.engine.permissions import Permission
from app.services.engine.uow import Transaction, posting

MAX_SHELF_LIFE_DAYS = 36_500
_CLEAR = ("none", "-")


@dataclass(frozen=True)
class TrackingInfo:
    sku: str
    tracking: str
    shelf_life_days: int | None
    gtin: str | None
    changes: Changes = NO_CHANGES


def parse_tracking(value: object) -> Tracking:
    text = "" if value is None else str(value).strip().lower()
    try:
        return Tracking(text)
    except ValueError:
        raise ValidationError(
            f"tracking {shown(value)} is not one of {', '.join(t.value for t in Tracking)}"
        ) from None


def parse_shelf_life(value: object) -> int | None:
    """Days a new lot keeps (None: "none", no shelf life)."""
    if isinstance(value, str) and value.strip().lower() in _CLEAR:
        return None
    return parse_int(
        value,
        field="shelf life",
        minimum=1,
        maximum=MAX_SHELF_LIFE_DAYS,
        bounds=f"of days from 1 to {MAX_SHELF_LIFE_DAYS:,}",
    )


def parse_item_gtin(value: object) -> str | None:
    """A GTIN (stored as GTIN-14), or None for "none"."""
    if isinstance(value, str) and value.strip().lower() in _CLEAR:
        return None
    return parse_gtin(value)


def check_tracking_change(tx: Transaction, item: Item, new: Tracking) -> None:
    """An item's tracking changes only while it has no stock anywhere (its ledger then
    starts naming lots, or stops, from nothing); only stocked items are tracked."""
    if new.value == item.tracking:
        return
    if new.tracked and not ItemType(item.item_type).stocked:
        raise ValidationError(f"{item.sku} is a {item.item_type} item and carries no stock")
    # A posting moving its stock now holds its balance: wait for it, then read.
    StockBook.of(tx).lock(
        (item.id, loc)
        for loc in tx.session.scalars(
            select(StockBalance.location_id).where(StockBalance.item_id == item.id)
        )
    )
    held = tx.session.execute(
        select(Location.code, StockBalance.on_hand)
        .join(Location, Location.id == StockBalance.location_id)
        .where(StockBalance.item_id == item.id, StockBalance.on_hand != 0)
        .order_by(Location.code)
    ).all()
    if held:
        where = ", ".join(f"{fmt(r.on_hand)} at {r.code}" for r in held)
        raise ValidationError(
            f"{item.sku}: tracking cannot change from {item.tracking} to {new.value} while it "
            f"has stock ({where}); bring it to zero first"
        )


def check_gtin(tx: Transaction, item: Item | None, gtin: str | None) -> None:
    """A GTIN names one item (`item`: the one getting it; None for a new item)."""
    if gtin is None or (item is not None and gtin == item.gtin):
        return
    stmt = select(Item.sku).where(Item.gtin == gtin)
    if item is not None and item.id is not None:
        stmt = stmt.where(Item.id != item.id)
    other = tx.session.scalar(stmt)
    if other is not None:
        raise AlreadyExists(f"GTIN {gtin} is already {other}'s")


@posting("item.tracking", Permission.EDIT_ITEMS)
def set_item_tracking(
    tx: Transaction,
    sku: str,
    tracking: object,
    *,
    shelf_life: object = None,
    gtin: object = None,
) -> TrackingInfo:
    """Track an item by lot, by serial or not at all (while it has no stock); a shelf life
    or a GTIN given is set too ("none" clears it), one not given is kept."""
    item = item_by_sku(tx.session, sku)
    tx.set_document(item.sku)
    new = parse_tracking(tracking)
    days = item.shelf_life_days if shelf_life is None else parse_shelf_life(shelf_life)
    number = item.gtin if gtin is None else parse_item_gtin(gtin)
    check_tracking_change(tx, item, new)
    check_gtin(tx, item, number)
    item.tracking = new.value
    item.shelf_life_days = days
    item.gtin = number
    tx.note(tracking=new.value, shelf_life_days=days, gtin=number)
    tx.changed.add(changes.ITEM, item.sku)
    return TrackingInfo(item.sku, item.tracking, days, number)
