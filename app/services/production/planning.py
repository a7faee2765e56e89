"""Planning: shortage reports and the work order creation queue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, type_coerce

from app.models import (
    ACTIVE,
    BomRevision,
    Item,
    ItemType,
    Location,
    StockBalance,
    WorkOrder,
    WorkOrderLine,
    WOStatus,
)
from app.models.figures import need_of
from app.models.quantity import ZERO, Fixed, parse_quantity, round_quantity
from app.services.catalog.boms import Explosion, explode_item
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.ledger import StockBook
from app.services.engine.lookup import item_by_sku, item_ref_by_sku, location_ref
from app.services.engine.paging import Listing, Page, PageRequest
from app.services.engine.permissions import Permission
from app.services.engine.uow import Transaction, posting, query
from app.services.production.records import WorkOrderBook
from app.services.production.work_orders import (
    WorkOrderInfo,
    active_bom,
    create_in_transaction,
    work_order_info,
)

_ACTIVE = [s.value for s in ACTIVE]


@dataclass(frozen=True)
class ShortageLine:
    sku: str
    name: str
    location: str
    required: Decimal  # still to be consumed
    available: Decimal  # committed to the work order(s) + uncommitted on hand
    short: Decimal
    work_orders: int


@dataclass(frozen=True)
class Suggestion:
    sku: str
    name: str
    quantity: Decimal
    available: Decimal
    on_order: Decimal
    build_point: Decimal
    preferred_stock: Decimal | None


@query()
def shortages_for_work_order(tx: Transaction, number: str) -> list[ShortageLine]:
    """Components this work order cannot get: what it still needs against what it has
    committed plus what is uncommitted at its location. Planned orders count too, so a
    shortage shows before anyone starts."""
    wo = WorkOrderBook.of(tx).load(number)
    if wo.state not in ACTIVE:
        return []
    bals = StockBook.of(tx).lock(ln.pair for ln in wo.lines)
    out = []
    for ln in wo.lines:
        if ln.need <= 0:
            continue
        available = ln.committed + max(ZERO, bals[ln.pair].available)
        if ln.need > available:
            out.append(
                ShortageLine(
                    sku=ln.component.sku,
                    name=ln.component.name,
                    location=wo.location_code,
                    required=ln.need,
                    available=available,
                    short=ln.need - available,
                    work_orders=1,
                )
            )
    return out


def _shortage_rows() -> Any:
    """Per component and location: what the active work orders still need, what they have
    committed plus what is uncommitted there, and the difference."""
    wol = WorkOrderLine
    demand = (
        select(
            wol.component_id.label("item_id"),
            WorkOrder.location_id.label("location_id"),
            type_coerce(func.sum(need_of(wol.required, wol.issued)), Fixed).label("need"),
            type_coerce(func.sum(wol.committed), Fixed).label("committed"),
            func.count(func.distinct(WorkOrder.id)).label("orders"),
        )
        .join(WorkOrder, WorkOrder.id == wol.work_order_id)
        .where(WorkOrder.status.in_(_ACTIVE), wol.required > wol.issued)
        .group_by(wol.component_id, WorkOrder.location_id)
        .subquery()
    )
    free = case(
        (
            func.coalesce(StockBalance.on_hand, 0) > func.coalesce(StockBalance.committed, 0),
            func.coalesce(StockBalance.on_hand, 0) - func.coalesce(StockBalance.committed, 0),
        ),
        else_=0,
    )
    available: ColumnElement[Decimal] = type_coerce(demand.c.committed + free, Fixed)
    short: ColumnElement[Decimal] = type_coerce(demand.c.need - available, Fixed)
    stmt = (
        select(
            Item.sku,
            Item.name,
            Location.code,
            demand.c.need,
            available.label("available"),
            short.label("short"),
            demand.c.orders,
        )
        .select_from(demand)
        .join(Item, Item.id == demand.c.item_id)
        .join(Location, Location.id == demand.c.location_id)
        .outerjoin(
            StockBalance,
            (StockBalance.item_id == demand.c.item_id)
            & (StockBalance.location_id == demand.c.location_id),
        )
        .where(demand.c.need > available)
    )
    return stmt, short


_STMT, _SHORT = _shortage_rows()
_SHORTAGES = Listing(
    sorts={"sku": Item.sku, "short": _SHORT, "location": Location.code},
    default="sku",
    tiebreak=Location.code,
)


def shortage_page(tx: Transaction, page: PageRequest | None = None) -> Page[ShortageLine]:
    return _SHORTAGES.fetch(
        tx.session,
        _STMT,
        page or PageRequest(limit=None),
        lambda r: ShortageLine(
            sku=r.sku,
            name=r.name,
            location=r.code,
            required=r.need,
            available=r.available,
            short=r.short,
            work_orders=r.orders,
        ),
    )


@query()
def shortages_all(tx: Transaction, page: PageRequest | None = None) -> Page[ShortageLine]:
    """Every component the active work orders together still need beyond what they have
    committed plus what is uncommitted, per location."""
    return shortage_page(tx, page)


# --- the creation queue ---------------------------------------------------------------------


def _queue_statement() -> Any:
    """Assemblies whose available + on order falls below the build point, with the quantity
    that brings them back to the preferred stock level (or to the build point)."""
    totals = (
        select(
            StockBalance.item_id,
            type_coerce(func.sum(StockBalance.available), Fixed).label("available"),
            type_coerce(func.sum(StockBalance.on_order), Fixed).label("on_order"),
        )
        .group_by(StockBalance.item_id)
        .subquery()
    )
    has_bom = select(BomRevision.id).where(
        BomRevision.assembly_id == Item.id, BomRevision.active.is_(True)
    )
    available = type_coerce(func.coalesce(totals.c.available, 0), Fixed)
    on_order = type_coerce(func.coalesce(totals.c.on_order, 0), Fixed)
    position = available + on_order
    target = type_coerce(func.coalesce(Item.preferred_stock, Item.build_point), Fixed)
    top = case((target > Item.build_point, target), else_=Item.build_point)
    quantity: ColumnElement[Decimal] = type_coerce(top - position, Fixed)
    stmt = (
        select(
            Item.sku,
            Item.name,
            quantity.label("quantity"),
            available.label("available"),
            on_order.label("on_order"),
            Item.build_point,
            Item.preferred_stock,
        )
        .outerjoin(totals, totals.c.item_id == Item.id)
        .where(
            Item.item_type == ItemType.ASSEMBLY.value,
            Item.active.is_(True),
            Item.build_point.is_not(None),
            has_bom.exists(),
            position < Item.build_point,
            quantity > 0,
        )
    )
    return stmt, quantity


_QUEUE_STMT, _QUEUE_QTY = _queue_statement()
_QUEUE = Listing(sorts={"sku": Item.sku, "quantity": _QUEUE_QTY}, default="sku", tiebreak=Item.id)


def _suggestion(r: Any) -> Suggestion:
    return Suggestion(
        sku=r.sku,
        name=r.name,
        quantity=r.quantity,
        available=r.available,
        on_order=r.on_order,
        build_point=r.build_point,
        preferred_stock=r.preferred_stock,
    )


def queue_page(
    tx: Transaction, page: PageRequest | None = None, skus: Iterable[str] | None = None
) -> Page[Suggestion]:
    stmt = _QUEUE_STMT if skus is None else _QUEUE_STMT.where(Item.sku.in_(list(skus)))
    return _QUEUE.fetch(tx.session, stmt, page or PageRequest(limit=None), _suggestion)


@query()
def creation_queue(tx: Transaction, page: PageRequest | None = None) -> Page[Suggestion]:
    return queue_page(tx, page)


@dataclass(frozen=True)
class Accepted:
    created: list[WorkOrderInfo]
    changes: Changes = field(default=NO_CHANGES)


@posting("queue.accept", Permission.PLAN)
def accept_suggestions(tx: Transaction, skus: Iterable[str] | None = None) -> Accepted:
    """Create production work orders (no created-from) for the queue's suggestions, in the
    default work order status, at the default location. One posting for all of them."""
    wanted = None if skus is None else [s.strip() for s in skus]
    if wanted is not None:
        for sku in wanted:
            item_ref_by_sku(tx.session, sku)  # unknown skus are refused, not skipped
    suggestions = queue_page(tx, skus=wanted).rows
    status = WOStatus(tx.prefs.default_work_order_status)
    loc = location_ref(tx.session, None)
    plans = []
    for s in suggestions:
        item = item_ref_by_sku(tx.session, s.sku)
        plans.append((item, s.quantity, active_bom(tx, item)))
    # Every balance the new orders touch, locked at once.
    StockBook.of(tx).lock(
        pair
        for item, _q, bom in plans
        for pair in [(item.id, loc.id), *((c.id, loc.id) for _n, c, _p, _b in bom.lines)]
    )
    created = [
        create_in_transaction(
            tx, item, qty, status=status, location=loc, memo="creation queue", bom=bom
        )
        for item, qty, bom in plans
    ]
    tx.note(created=[wo.number for wo in created])
    tx.set_document(", ".join(wo.number for wo in created)[:120] or "none")
    return Accepted([work_order_info(wo) for wo in created])


# --- before a work order exists ------------------------------------------------------------


@dataclass(frozen=True)
class PreviewLine:
    """A component line a new work order would get, against what it could have now."""

    sku: str
    name: str
    uom: str
    quantity_per: Decimal
    required: Decimal
    available: Decimal  # uncommitted on hand at the location
    short: Decimal  # zero when there is enough


@dataclass(frozen=True)
class ShortagePreview:
    """A work order not yet created: its lines, the multi-level explosion and the shortage
    check, exactly as the order would get them if it were saved now."""

    sku: str
    name: str
    quantity: Decimal
    location: str
    bom_revision: str
    lines: list[PreviewLine]
    explosion: Explosion

    @property
    def short_lines(self) -> list[PreviewLine]:
        return [ln for ln in self.lines if ln.short > 0]


@query()
def shortage_preview(
    tx: Transaction, sku: str, quantity: object, location: str | None = None
) -> ShortagePreview:
    """What a new work order of `quantity` `sku` at `location` would need per component and
    how much of it is short right now (a new order has nothing committed yet: it can count
    only on uncommitted stock), with the BOM explosion through every level."""
    qty = parse_quantity(quantity)
    item = item_ref_by_sku(tx.session, sku)
    bom = active_bom(tx, item)
    loc = location_ref(tx.session, location)
    bals = StockBook.of(tx).lock((component.id, loc.id) for _n, component, _p, _b in bom.lines)
    lines = []
    for _line_no, component, per, _backflush in bom.lines:
        required = round_quantity(per * qty)
        free = max(ZERO, bals[(component.id, loc.id)].available)
        lines.append(
            PreviewLine(
                sku=component.sku,
                name=component.name,
                uom=component.uom,
                quantity_per=per,
                required=required,
                available=free,
                short=max(ZERO, required - free),
            )
        )
    explosion = explode_item(tx.session, item_by_sku(tx.session, item.sku), qty)
    return ShortagePreview(
        sku=item.sku,
        name=item.name,
        quantity=qty,
        location=loc.code,
        bom_revision=bom.revision,
        lines=lines,
        explosion=explosion,
    )
