"""What the work order screens show, each in one read: one transaction, so the figures on a
screen agree with each other."""

from __future__ import annotations

from dataclasses import dataclass

from app.services import reasons
from app.services.catalog import boms, items
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


# --- the floor's exceptions ---------------------------------------------------------------


@dataclass(frozen=True)
class ExceptionChoices:
    """What the dialogs of a work order's exceptions offer: the locations and its item's
    BOM revisions (active first) to change to, and the reasons to scrap."""

    info: WorkOrderInfo
    locations: list[str]
    revisions: list[str]
    scrap_reasons: list[tuple[str, str]]  # (code, description)


@query()
def exception_choices(tx: Transaction, number: str) -> ExceptionChoices:
    info = work_orders.get_work_order.within(tx, number)
    revisions = boms.list_revisions.within(tx, info.item)
    return ExceptionChoices(
        info,
        [loc.code for loc in items.list_locations.within(tx)],
        [r.revision for r in sorted(revisions, key=lambda r: not r.active)],
        [
            (r.code, r.description)
            for r in reasons.list_reason_codes.within(tx, "scrap", active_only=True)
        ],
    )
