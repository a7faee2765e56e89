"""Small reads the order screens need besides the documents themselves: the statuses to
filter by, and where each item sits (its bin), so a pick list on a screen walks the shelves
in the same order as the printed picking ticket."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app.models import FulfillmentStatus, Item, ItemBin, Location, POStatus, SOStatus
from app.services.engine.uow import Transaction, query


def sales_order_statuses() -> list[tuple[str, str]]:
    """Every sales order status as (key, label), in life-cycle order."""
    return [(s.value, s.label) for s in SOStatus]


def purchase_order_statuses() -> list[tuple[str, str]]:
    return [(s.value, s.label) for s in POStatus]


@query()
def fulfillment_statuses(tx: Transaction) -> list[tuple[str, str]]:
    """Every fulfillment status with the plant's own name for it (a preference)."""
    return [(s.value, tx.prefs.status_name(s.value)) for s in FulfillmentStatus]


@query()
def bins(tx: Transaction, skus: Iterable[str], location: str) -> dict[str, str]:
    """The bin of each of these items at a location (items without one are left out)."""
    wanted = sorted({s for s in skus if s})
    if not wanted:
        return {}
    rows = tx.session.execute(
        select(Item.sku, ItemBin.bin)
        .join(ItemBin, ItemBin.item_id == Item.id)
        .join(Location, Location.id == ItemBin.location_id)
        .where(Item.sku.in_(wanted), Location.code == location)
    )
    return {r.sku: r.bin for r in rows}
