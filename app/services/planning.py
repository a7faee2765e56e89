"""Planning: shortage reports and the work order creation queue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select, type_coerce

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
from app.models.quantity import ZERO, Fixed
from app.services.lookup import item_ref_by_sku, location_ref
from app.services.permissions import Permission
from app.services.uow import Transaction, UnitOfWork
from app.services.work_orders import WorkOrderInfo, create_in_transaction, work_order_info

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


def shortages_for_work_order(uow: UnitOfWork, number: str) -> list[ShortageLine]:
    """Components this work order cannot get: what it still needs against what it has
    committed plus what is uncommitted at its location. Planned orders count too, so a
    shortage shows before anyone starts."""
    with uow.query() as tx:
        tx.authorize(Permission.READ)
        wo = tx.orders.load(number)
        if wo.state not in ACTIVE:
            return []
        bals = tx.stock.balances([(ln.component_id, wo.location_id) for ln in wo.lines])
        out = []
        for ln in wo.lines:
            need = ln.need
            if need <= 0:
                continue
            free = max(ZERO, bals[(ln.component_id, wo.location_id)].available)
            available = ln.committed + free
            if need > available:
                out.append(
                    ShortageLine(
                        sku=ln.item.sku,
                        name=ln.item.name,
                        location=wo.location_code,
                        required=need,
                        available=available,
                        short=need - available,
                        work_orders=1,
                    )
                )
        return out


def shortages_all(uow: UnitOfWork) -> list[ShortageLine]:
    """Every component the active work orders together still need beyond what they have
    committed plus what is uncommitted, per location."""
    with uow.query() as tx:
        tx.authorize(Permission.READ)
        return _shortages_all(tx)


def _shortages_all(tx: Transaction) -> list[ShortageLine]:
    wol = WorkOrderLine
    need = case((wol.required > wol.issued, wol.required - wol.issued), else_=0)
    demand = (
        select(
            wol.component_id.label("item_id"),
            WorkOrder.location_id.label("location_id"),
            type_coerce(func.sum(need), Fixed).label("need"),
            type_coerce(func.sum(wol.committed), Fixed).label("committed"),
            func.count(func.distinct(WorkOrder.id)).label("orders"),
        )
        .join(WorkOrder, WorkOrder.id == wol.work_order_id)
        .where(WorkOrder.status.in_(_ACTIVE), wol.required > wol.issued)
        .group_by(wol.component_id, WorkOrder.location_id)
        .subquery()
    )
    rows = tx.session.execute(
        select(
            Item.sku,
            Item.name,
            Location.code,
            demand.c.need,
            demand.c.committed,
            demand.c.orders,
            StockBalance.on_hand,
            StockBalance.committed,
        )
        .select_from(demand)
        .join(Item, Item.id == demand.c.item_id)
        .join(Location, Location.id == demand.c.location_id)
        .outerjoin(
            StockBalance,
            (StockBalance.item_id == demand.c.item_id)
            & (StockBalance.location_id == demand.c.location_id),
        )
        .order_by(Item.sku, Location.code)
    )
    out = []
    for sku, name, loc, need_sum, committed_here, orders, on_hand, committed_all in rows:
        free = max(ZERO, (on_hand or ZERO) - (committed_all or ZERO))
        available = committed_here + free
        if need_sum > available:
            out.append(
                ShortageLine(
                    sku=sku,
                    name=name,
                    location=loc,
                    required=need_sum,
                    available=available,
                    short=need_sum - available,
                    work_orders=orders,
                )
            )
    return out


def _suggestions(tx: Transaction, skus: Iterable[str] | None = None) -> list[Suggestion]:
    """Assemblies whose available + on order falls below the build point, with the quantity
    that brings them back to the preferred stock level (or to the build point)."""
    totals = (
        select(
            StockBalance.item_id,
            type_coerce(func.sum(StockBalance.on_hand - StockBalance.committed), Fixed).label(
                "available"
            ),
            type_coerce(func.sum(StockBalance.on_order), Fixed).label("on_order"),
        )
        .group_by(StockBalance.item_id)
        .subquery()
    )
    has_bom = select(BomRevision.id).where(
        BomRevision.assembly_id == Item.id, BomRevision.active.is_(True)
    )
    stmt = (
        select(Item, totals.c.available, totals.c.on_order)
        .outerjoin(totals, totals.c.item_id == Item.id)
        .where(
            Item.item_type == ItemType.ASSEMBLY.value,
            Item.active.is_(True),
            Item.build_point.is_not(None),
            has_bom.exists(),
        )
        .order_by(Item.sku)
    )
    if skus is not None:
        stmt = stmt.where(Item.sku.in_(list(skus)))
    out = []
    for item, available, on_order in tx.session.execute(stmt):
        available = available or ZERO
        on_order = on_order or ZERO
        assert item.build_point is not None
        position = available + on_order
        if position >= item.build_point:
            continue
        target = item.preferred_stock if item.preferred_stock is not None else item.build_point
        quantity = max(target, item.build_point) - position
        if quantity > 0:
            out.append(
                Suggestion(
                    sku=item.sku,
                    name=item.name,
                    quantity=quantity,
                    available=available,
                    on_order=on_order,
                    build_point=item.build_point,
                    preferred_stock=item.preferred_stock,
                )
            )
    return out


def creation_queue(uow: UnitOfWork) -> list[Suggestion]:
    with uow.query() as tx:
        tx.authorize(Permission.READ)
        return _suggestions(tx)


def accept_suggestions(uow: UnitOfWork, skus: Iterable[str] | None = None) -> list[WorkOrderInfo]:
    """Create production work orders (no created-from) for the queue's suggestions, in the
    default work order status, at the default location. One posting for all of them."""
    wanted = None if skus is None else [s.strip() for s in skus]
    with uow.transaction("queue.accept") as tx:
        tx.authorize(Permission.PLAN)
        if wanted is not None:
            for sku in wanted:
                item_ref_by_sku(tx.session, sku)  # unknown skus are refused, not skipped
        suggestions = _suggestions(tx, wanted)
        status = WOStatus(tx.prefs.default_work_order_status)
        loc = location_ref(tx.session, None)
        created = []
        for s in suggestions:
            item = item_ref_by_sku(tx.session, s.sku)
            created.append(
                create_in_transaction(
                    tx, item, s.quantity, status=status, location=loc, memo="creation queue"
                )
            )
        tx.note(created=[wo.number for wo in created])
        tx.set_document(", ".join(wo.number for wo in created)[:120] or "none")
        tx.commit()
        return [work_order_info(wo) for wo in created]
