"""What the sales and transfer order entry screens offer, each in one read (one transaction)."""

from __future__ import annotations

from dataclasses import dataclass

from app.services.catalog import items
from app.services.engine.uow import Transaction, query
from app.services.orders import partners
from app.services.orders.partners import CustomerInfo


@dataclass(frozen=True)
class EntryChoices:
    """Active customers (none for a transfer) and items, the locations, and the default
    location."""

    customers: list[CustomerInfo]
    skus: list[str]
    locations: list[str]
    default_location: str | None


def _choices(tx: Transaction, customers: list[CustomerInfo]) -> EntryChoices:
    known = items.list_locations.within(tx)
    return EntryChoices(
        customers,
        [i.sku for i in items.list_items.within(tx, active=True).rows],
        [loc.code for loc in known],
        next((loc.code for loc in known if loc.is_default), None),
    )


@query()
def order_entry_choices(tx: Transaction) -> EntryChoices:
    return _choices(tx, [c for c in partners.list_customers.within(tx).rows if c.active])


@query()
def transfer_entry_choices(tx: Transaction) -> EntryChoices:
    return _choices(tx, [])
