"""What the work order screens show, each in one read: one transaction, so the figures on a
screen agree with each other."""

from __future__ import annotations

from dataclasses import dataclass

from app.services.catalog import items
from app.services.engine.uow import Transaction, query
from app.services.inventory import LedgerRow
from app.services.production import planning, work_orders
from app.services.production.planning import ShortageLine
from app.services.production.work_orders import WorkOrderInfo


@dataclass(frozen=True)
class WorkOrderView:
    """A work order with its shortages and the ledger rows posted against it."""

    info: WorkOrderInfo
    shortages: list[ShortageLine]
    postings: list[LedgerRow]


@query()
def work_order_view(tx: Transaction, number: str) -> WorkOrderView:
    info = work_orders.get_work_order.within(tx, number)
    return WorkOrderView(
        info,
        planning.shortages_for_work_order.within(tx, info.number),
        work_orders.work_order_postings.within(tx, info.number).rows,
    )


@dataclass(frozen=True)
class NewWorkOrderChoices:
    """What a new work order may build, and where."""

    assemblies: list[str]
    locations: list[str]


@query()
def new_work_order_choices(tx: Transaction) -> NewWorkOrderChoices:
    assemblies = items.list_items.within(tx, item_type="assembly", active=True).rows
    return NewWorkOrderChoices(
        [a.sku for a in assemblies], [loc.code for loc in items.list_locations.within(tx)]
    )
