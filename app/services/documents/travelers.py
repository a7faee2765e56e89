"""Travelers: a work order's components still to issue, by bin, for the operator who builds it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from app.models import (
    Item,
    WOStatus,
)
from app.printing import traveler as travelers
from app.printing.traveler import Traveler, TravelerLine
from app.services.documents.common import (
    NothingToPrint,
    PrintSettings,
    RenderedDocument,
    by_date,
    lots_to_take,
    one_or_many,
    print_time,
    read_with_settings,
)
from app.services.engine.lots import LotUse
from app.services.engine.paging import PageRequest
from app.services.engine.uow import Transaction, UnitOfWork, query
from app.services.production.work_orders import WorkOrderInfo, get_work_order, list_work_orders
from app.services.shelf import Shelves, WalkKey, walk_order


def _traveler(tx: Transaction, wo: WorkOrderInfo, printed_at: datetime) -> Traveler:
    if wo.status in (WOStatus.CANCELLED.value, WOStatus.CLOSED.value):
        raise NothingToPrint(f"{wo.number} is {wo.status_label}: nothing is left to build")
    shelves = Shelves.of(tx)
    place = shelves.place(wo.location)
    where = shelves.shelves(wo.location, (ln.sku for ln in wo.lines))
    keyed: list[tuple[WalkKey, TravelerLine]] = []
    for ln in wo.lines:
        left = ln.left_to_issue
        if left <= 0:
            continue
        shelf = where.get(ln.sku)
        bin_ = shelf.bin if shelf is not None else None
        keyed.append(
            (
                walk_order(bin_, ln.line_no),
                TravelerLine(
                    sku=ln.sku,
                    name=ln.name,
                    location=wo.location,
                    bin=bin_,
                    quantity=left,
                    uom=ln.uom,
                    backflush=ln.backflush,
                    lots=lots_to_take(tx, ln.sku, wo.location, left, LotUse.BUILD),
                ),
            )
        )
    keyed.sort(key=lambda pair: pair[0])
    uom = tx.session.scalar(select(Item.uom).where(Item.sku == wo.item)) or "ea"
    return Traveler(
        number=wo.number,
        assembly_sku=wo.item,
        assembly_name=wo.item_name,
        quantity=wo.quantity,
        uom=uom,
        due=wo.due,
        priority=wo.priority,
        status_label=wo.status_label,
        location=place.name if place.name == place.code else f"{place.name} ({place.code})",
        created_from=wo.created_from,
        customer_po=wo.customer_po,
        memo=wo.memo,
        printed_at=printed_at,
        lines=[line for _key, line in keyed],
    )


@query()
def traveler(tx: Transaction, wo_number: str, *, printed_at: datetime | None = None) -> Traveler:
    """A work order's traveler: the components still to issue (required - issued), sorted by
    bin at the work order's location (lines without a bin last, then by line number)."""
    return _traveler(tx, get_work_order.within(tx, wo_number), printed_at or print_time())


@query()
def travelers_for_released(
    tx: Transaction, *, printed_at: datetime | None = None
) -> list[Traveler]:
    """A traveler for every released work order, earliest due first (then priority, number)."""
    moment = printed_at or print_time()
    released = list_work_orders.within(
        tx, status=WOStatus.RELEASED.value, page=PageRequest(limit=None)
    )
    rows = sorted(released.rows, key=lambda r: by_date(r.due, r.priority, r.number))
    return [_traveler(tx, get_work_order.within(tx, r.number), moment) for r in rows]


def render_travelers(docs: Sequence[Traveler], settings: PrintSettings) -> RenderedDocument:
    """One traveler, or many in one PDF (each with its own page count)."""
    return one_or_many(
        docs,
        "traveler",
        travelers.render,
        travelers.render_many,
        settings.setup,
        lambda d: d.number,
        travelers.TITLE,
    )


def traveler_pdf(uow: UnitOfWork, wo_number: str) -> RenderedDocument:
    docs, settings = read_with_settings(uow, lambda tx: [traveler.within(tx, wo_number)])
    return render_travelers(docs, settings)


def travelers_pdf(uow: UnitOfWork) -> RenderedDocument:
    """Travelers for every released work order, in one PDF."""
    docs, settings = read_with_settings(uow, travelers_for_released.within)
    if not docs:
        raise NothingToPrint("no work order is released: there are no travelers to print")
    return render_travelers(docs, settings)
