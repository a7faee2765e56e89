"""Small reads the order screens need besides the documents themselves: the statuses to
filter by and an order line's stock as it is typed. Where each item sits (its bin) is read
in app/services/shelf.py."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.errors import InvalidQuantity
from app.models import Fulfillment, PurchaseOrder, SalesOrder
from app.models.quantity import ZERO
from app.services import inventory
from app.services.engine.parsing import parse_quantity
from app.services.engine.uow import Transaction, query
from app.services.inventory import StockPosition


def sales_order_statuses() -> list[tuple[str, str]]:
    """Every sales order status as (key, label), in life-cycle order."""
    return SalesOrder.lifecycle.choices()


def purchase_order_statuses() -> list[tuple[str, str]]:
    return PurchaseOrder.lifecycle.choices()


@query()
def fulfillment_statuses(tx: Transaction) -> list[tuple[str, str]]:
    """Every fulfillment status with the plant's own name for it (a preference)."""
    return Fulfillment.lifecycle.choices(tx.prefs.status_names())


@dataclass(frozen=True)
class LineAvailability:
    """An item's stock at the order's location, and how much of the quantity typed it lacks
    (zero while the quantity is not a valid one yet: saving refuses it in words)."""

    position: StockPosition
    short: Decimal


@query()
def line_availability(
    tx: Transaction, sku: str, quantity: str, location: str | None
) -> LineAvailability:
    position = inventory.stock_position.within(tx, sku, location)
    try:
        wanted = parse_quantity(quantity) if quantity.strip() else ZERO
    except InvalidQuantity:
        wanted = ZERO
    return LineAvailability(position, max(ZERO, wanted - position.available))
