"""Planning: shortage reports and the work order creation queue."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, bindparam, case, func, select, type_coerce

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
from app.services.engine.demand import supply_sources
from app.services.engine.ledger import Pair, StockBook, by_location
from app.services.engine.lookup import (
    at_ordinary_locations,
    item_by_sku,
    item_ref_by_sku,
    location_ref,
)
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
    on_order: Decimal  # on its way there: work orders still to build, purchase orders to receive
    next_due: date | None  # the earliest date any of it is due (None: none of it has one)
    still_short: Decimal  # short even after the supply due by each order's due date


Dated = tuple[date | None, Decimal]  # a quantity and the day it is needed or due (None: no day)


def _day_order(entry: Dated) -> tuple[bool, date]:
    """Earliest first; no date last (as in the commitment ordering)."""
    return (entry[0] is None, entry[0] or date.min)


def still_short(available: Decimal, needs: Iterable[Dated], supply: Iterable[Dated]) -> Decimal:
    """What the stock and the supply due in time cannot cover. The needs are served earliest
    due date first (none last), each from the stock and the supply due on or before its day
    (every dated supply, for a need without a day); supply without a date counts for none.
    The answer is the largest shortfall on any day: what must still be found for every order
    to have its components by its due date."""
    arriving = sorted((day, qty) for day, qty in supply if day is not None)
    worst = needed = arrived = ZERO
    came = 0
    for day, qty in sorted(needs, key=_day_order):
        needed += qty
        while came < len(arriving) and (day is None or arriving[came][0] <= day):
            arrived += arriving[came][1]
            came += 1
        worst = max(worst, needed - available - arrived)
    return worst


def _supply_at(tx: Transaction, pairs: Iterable[Pair]) -> dict[Pair, list[Dated]]:
    """What every kind of open supply still brings to these items and locations, by due date."""
    found: dict[Pair, list[Dated]] = defaultdict(list)
    wanted = set(pairs)
    for source in supply_sources():
        rows = source.scheduled.subquery()
        stmt = select(
            rows.c.item_id,
            rows.c.location_id,
            rows.c.due,
            type_coerce(rows.c.quantity, Fixed).label("quantity"),
        ).where(
            rows.c.location_id == bindparam("location"),
            rows.c.item_id.in_(bindparam("items", expanding=True)),
        )
        for location_id, item_ids in by_location(wanted):
            params = {"location": location_id, "items": item_ids}
            for r in tx.session.execute(stmt, params):
                found[(r.item_id, r.location_id)].append((r.due, r.quantity))
    return found


def _shortage(
    *,
    sku: str,
    name: str,
    location: str,
    required: Decimal,
    available: Decimal,
    work_orders: int,
    needs: Iterable[Dated],
    supply: list[Dated],
) -> ShortageLine:
    """A component short at a location, with what is on its way there and what is still
    short after the supply due in time."""
    return ShortageLine(
        sku=sku,
        name=name,
        location=location,
        required=required,
        available=available,
        short=required - available,
        work_orders=work_orders,
        on_order=sum((qty for _day, qty in supply), ZERO),
        next_due=min((day for day, _qty in supply if day is not None), default=None),
        still_short=still_short(available, needs, supply),
    )


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
    can_have = {ln.id: ln.committed + max(ZERO, bals[ln.pair].available) for ln in wo.lines}
    short = [(ln, can_have[ln.id]) for ln in wo.lines if ln.need > can_have[ln.id]]
    supply = _supply_at(tx, (ln.pair for ln, _available in short))
    return [
        _shortage(
            sku=ln.component.sku,
            name=ln.component.name,
            location=wo.location_code,
            required=ln.need,
            available=available,
            work_orders=1,
            needs=[(wo.due_date, ln.need)],
            supply=supply[ln.pair],
        )
        for ln, available in short
    ]


_OPEN_NEED = (WorkOrder.status.in_(_ACTIVE), WorkOrderLine.required > WorkOrderLine.issued)
_NEED = type_coerce(func.sum(need_of(WorkOrderLine.required, WorkOrderLine.issued)), Fixed)

# What the active work orders still need of some components at one location, per due date.
# The components are matched as `component_id + 0`, which no index serves: the database then
# reads each active order's lines once and keeps the components asked for, instead of looking
# each component up in each active order (orders x components lookups: seconds for a whole
# shortage report on a large plant).
_NEEDS_BY_DAY = (
    select(
        WorkOrderLine.component_id.label("item_id"),
        WorkOrder.due_date,
        _NEED.label("need"),
    )
    .join(WorkOrder, WorkOrder.id == WorkOrderLine.work_order_id)
    .where(
        *_OPEN_NEED,
        WorkOrder.location_id == bindparam("location"),
        (WorkOrderLine.component_id + 0).in_(bindparam("items", expanding=True)),
    )
    .group_by(WorkOrderLine.component_id, WorkOrder.due_date)
)


def _needs_at(tx: Transaction, pairs: Iterable[Pair]) -> dict[Pair, list[Dated]]:
    """What the active work orders still need of these items at these locations, by due date."""
    found: dict[Pair, list[Dated]] = defaultdict(list)
    for location_id, item_ids in by_location(pairs):
        params = {"location": location_id, "items": item_ids}
        for r in tx.session.execute(_NEEDS_BY_DAY, params):
            found[(r.item_id, location_id)].append((r.due_date, r.need))
    return found


def _shortage_rows() -> Any:
    """Per component and location: what the active work orders still need, what they have
    committed plus what is uncommitted there, and the difference."""
    wol = WorkOrderLine
    demand = (
        select(
            wol.component_id.label("item_id"),
            WorkOrder.location_id.label("location_id"),
            _NEED.label("need"),
            type_coerce(func.sum(wol.committed), Fixed).label("committed"),
            func.count(func.distinct(WorkOrder.id)).label("orders"),
        )
        .join(WorkOrder, WorkOrder.id == wol.work_order_id)
        .where(*_OPEN_NEED)
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
            demand.c.item_id,
            demand.c.location_id,
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
    """One page of the shortages, each with the supply on its way (read for that page only)."""
    found = _SHORTAGES.fetch(tx.session, _STMT, page or PageRequest(limit=None), lambda r: r)
    pairs = [(r.item_id, r.location_id) for r in found.rows]
    needs, supply = _needs_at(tx, pairs), _supply_at(tx, pairs)
    lines = [
        _shortage(
            sku=r.sku,
            name=r.name,
            location=r.code,
            required=r.need,
            available=r.available,
            work_orders=r.orders,
            needs=needs[(r.item_id, r.location_id)],
            supply=supply[(r.item_id, r.location_id)],
        )
        for r in found.rows
    ]
    return replace(found, rows=lines)


@query()
def shortages_all(tx: Transaction, page: PageRequest | None = None) -> Page[ShortageLine]:
    """Every component the active work orders together still need beyond what they have
    committed plus what is uncommitted, per location, with what is on its way and what is
    still short after the supply due in time."""
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
        .where(at_ordinary_locations(StockBalance.location_id))  # transit counts as on order
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
