"""Sales orders: enter, approve, edit, close, cancel, and read.

A line's path follows its item unless given: an inventory item ships from stock; an assembly
ships from stock or is built on a special-order work order created from the line (`build`);
a drop-ship item (or a line marked `drop_ship`) is shipped by the item's preferred vendor on a
purchase order created from the line; a kit's members ship from stock (the kit is a heading
with its members as lines 3.1, 3.2, ...); non-inventory and service lines carry no stock.

When an order is approved (or entered as pending fulfillment) its stocked lines become demand
and commit what is available, and the work orders and drop-ship purchase orders of its build
and drop-ship lines are created, each carrying the customer's PO number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, exists, func, select

from app.errors import (
    IllegalTransition,
    InsufficientStock,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from app.models import (
    SO_OPEN_DEMAND,
    Customer,
    Fulfillment,
    FulfillmentLine,
    ItemType,
    LinePath,
    Location,
    POStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    SalesOrderPathChange,
    SOAction,
    SOStatus,
    WorkOrder,
    WOStatus,
    utcnow,
)
from app.models.quantity import ZERO, fmt, parse_decimal, parse_quantity, round_quantity
from app.models.returns import ReturnAuthorization, ReturnLine, returned_by_line
from app.models.sales import FULFILLMENT_OPEN, SO_INITIAL, STOCKED_PATHS
from app.models.sales import SALES_ORDER as SALES_ORDER
from app.services.catalog.boms import read_active_bom
from app.services.engine import commitment
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.ledger import Pair, StockBook
from app.services.engine.lookup import (
    ItemRef,
    LocationRef,
    item_refs_by_sku,
    location_ref,
)
from app.services.engine.numbering import next_number
from app.services.engine.paging import Listing, Page, PageRequest, text_search
from app.services.engine.parsing import parse_date, parse_text
from app.services.engine.permissions import Permission
from app.services.engine.uow import Transaction, posting, query
from app.services.orders import drop_ship, purchasing, special_orders
from app.services.orders import paths as line_paths
from app.services.orders.partners import customer_ref
from app.services.orders.records import (
    NewOrderLine,
    OrderLine,
    SalesOrderBook,
    SalesOrderRecord,
)
from app.services.production.work_orders import (
    active_bom,
    parse_priority,
)

CUSTOMER_PO_LENGTH = 64
ORDER_REF_LENGTH = 64
MEMO_LENGTH = 200


# --- entering lines -----------------------------------------------------------------------


@dataclass(frozen=True)
class LineEntry:
    """A line as typed or imported: sku, quantity, and optionally its path and rate."""

    sku: str
    quantity: object
    path: str | None = None
    rate: object = None


def parse_path(value: str | None) -> LinePath | None:
    if value is None or not value.strip():
        return None
    text = value.strip().lower().replace("-", "_")
    aliases = {"dropship": "drop_ship", "ship": "drop_ship", "make": "build"}
    try:
        return LinePath(aliases.get(text, text))
    except ValueError:
        raise ValidationError(
            f"line path {value!r} is not one of stock, build, drop_ship"
        ) from None


def resolve_path(item: ItemRef, drop_ship_item: bool, given: LinePath | None) -> LinePath:
    """The path a line takes: the one given, if the item allows it, else the item's own."""
    kind = item.type
    if kind == ItemType.KIT:
        if given not in (None, LinePath.KIT):
            raise ValidationError(f"{item.sku} is a kit: its members ship from stock")
        return LinePath.KIT
    if not kind.stocked:
        if given not in (None, LinePath.NONE):
            raise ValidationError(f"{item.sku} is a {item.item_type} item and carries no stock")
        return LinePath.NONE
    if given is None:
        return LinePath.DROP_SHIP if drop_ship_item else LinePath.STOCK
    if given == LinePath.BUILD and kind != ItemType.ASSEMBLY:
        raise ValidationError(f"{item.sku} is an inventory item: it cannot be built to order")
    if given in (LinePath.KIT, LinePath.NONE):
        raise ValidationError(
            f"{item.sku} is a {item.item_type} item; its path is stock, build or drop_ship"
        )
    return given


def _member_quantity(exact: Decimal, kits: Decimal, kit_sku: str, member_sku: str) -> Decimal:
    """A kit member's quantity for `kits` kits (`exact` before rounding); refused when it
    rounds to nothing, at entry and at a resize alike."""
    qty = round_quantity(exact)
    if qty <= 0:
        raise ValidationError(f"{fmt(kits)} {kit_sku} is too small to hold any {member_sku}")
    return qty


def _entries_to_lines(
    tx: Transaction, entries: Sequence[LineEntry], first_line_no: int
) -> list[tuple[NewOrderLine, list[NewOrderLine]]]:
    """Validated lines (each with its kit members) numbered from `first_line_no`."""
    if not entries:
        raise ValidationError("a sales order needs at least one line")
    out = []
    refs = item_refs_by_sku(tx.session, [e.sku for e in entries])
    for n, entry in enumerate(entries, start=first_line_no):
        item = refs[entry.sku]
        if not item.active:
            raise ValidationError(f"{item.sku} is inactive")
        qty = parse_quantity(entry.quantity, f"quantity of {item.sku}")
        rate = (
            ZERO
            if entry.rate is None or entry.rate == ""
            else parse_decimal(entry.rate, field=f"rate of {item.sku}", non_negative=True)
        )
        path = resolve_path(item, item.drop_ship, parse_path(entry.path))
        if path == LinePath.BUILD:
            active_bom(tx, item)  # refuse now: it must be buildable
        elif path == LinePath.DROP_SHIP:
            purchasing.require_purchasable(tx, item)  # refuse now: it must be bought
        line = NewOrderLine(n, 0, item, qty, rate, path)
        members: list[NewOrderLine] = []
        if path == LinePath.KIT:
            kit = read_active_bom(tx.session, item.id)
            if kit is None:
                raise NotFound(f"kit {item.sku} has no active list of members")
            for m, part in enumerate(kit.lines, start=1):
                member = part.component
                member_qty = _member_quantity(part.quantity_per * qty, qty, item.sku, member.sku)
                members.append(
                    NewOrderLine(
                        n,
                        m,
                        member,
                        member_qty,
                        ZERO,
                        LinePath.STOCK if member.type.stocked else LinePath.NONE,
                    )
                )
        out.append((line, members))
    return out


def _add_lines(
    tx: Transaction, so: SalesOrderRecord, lines: list[tuple[NewOrderLine, list[NewOrderLine]]]
) -> list[OrderLine]:
    return SalesOrderBook.of(tx).add_lines(so, lines)


# --- opening an order: demand, special-order work orders, drop-ship purchase orders -------


def _existing_work_orders(tx: Transaction, line_ids: list[int]) -> dict[int, str]:
    """The work orders (not cancelled) made for these lines, by line."""
    if not line_ids:
        return {}
    rows = tx.session.execute(
        select(WorkOrder.sales_order_line_id, WorkOrder.number).where(
            WorkOrder.sales_order_line_id.in_(line_ids),
            WorkOrder.status != WOStatus.CANCELLED.value,
        )
    )
    return {line_id: number for line_id, number in rows if line_id is not None}


def _existing_purchase_lines(tx: Transaction, line_ids: list[int]) -> set[int]:
    """The lines bought on a purchase order line that is not cancelled."""
    if not line_ids:
        return set()
    return set(
        tx.session.scalars(
            select(PurchaseOrderLine.sales_order_line_id)
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
            .where(
                PurchaseOrderLine.sales_order_line_id.in_(line_ids),
                ~PurchaseOrderLine.cancelled,
                PurchaseOrder.status != POStatus.CANCELLED.value,
            )
        )
    )


def open_lines(tx: Transaction, so: SalesOrderRecord, lines: Sequence[OrderLine]) -> None:
    """The lines of an approved order start to count: stocked lines become demand and commit
    what is available; build lines get their work order and drop-ship lines their purchase
    order (once). Every balance this touches is locked first, in one go."""
    stocked = [ln for ln in lines if LinePath(ln.path).stocked]
    build = [ln for ln in lines if ln.path == LinePath.BUILD.value]
    drop = [ln for ln in lines if ln.path == LinePath.DROP_SHIP.value]
    have_wo = _existing_work_orders(tx, [ln.id for ln in build])
    to_build = [(ln, active_bom(tx, ln.item)) for ln in build if ln.id not in have_wo]
    pairs: list[Pair] = [ln.pair for ln in stocked]
    for _ln, bom in to_build:
        pairs += [(c.id, so.location_id) for _n, c, _p, _b in bom.lines]
    StockBook.of(tx).lock(pairs)
    commitment.open_demand(tx, stocked)
    commitment.commit_available(tx, stocked)
    created = [line_paths.special_order(tx, so, ln, bom) for ln, bom in to_build]
    have_po = _existing_purchase_lines(tx, [ln.id for ln in drop])
    pos = purchasing.create_drop_ship_orders(tx, so, [ln for ln in drop if ln.id not in have_po])
    if created or pos:
        tx.note(created=[*created, *pos])


def close_lines(tx: Transaction, so: SalesOrderRecord) -> None:
    """The order stops counting as demand: its stocked lines give back what they commit."""
    commitment.close_demand(tx, so.stocked_lines())


def _approve(tx: Transaction, so: SalesOrderRecord) -> None:
    so.move_to(SOStatus.PENDING_FULFILLMENT)
    so.approved_at = utcnow()
    open_lines(tx, so, so.lines)


# --- separation of duties: who approves an order --------------------------------------------


def require_approver(tx: Transaction, number: str, author: str) -> None:
    """Approving is a permission of its own (`approve_orders`), so a role may enter orders
    without approving them; with `approver_must_differ_from_author` nobody approves an order
    they entered."""
    tx.authorize(Permission.APPROVE_ORDERS)
    if tx.prefs.approver_must_differ_from_author and author == tx.actor.user:
        raise PermissionDenied(
            f"{number} was entered by {author}; someone else approves it "
            "(approver_must_differ_from_author)"
        )


def require_entry_approval(tx: Transaction, status: SOStatus) -> None:
    """An order entered straight as pending fulfillment while orders wait for approval (the
    default status) is approved by its author as it is entered: the author must be one who
    may approve orders, and not when approver and author must differ."""
    waits = tx.prefs.default_sales_order_status == SOStatus.PENDING_APPROVAL.value
    if status != SOStatus.PENDING_FULFILLMENT or not waits:
        return
    instead = "enter it as pending_approval for someone who may approve it"
    try:
        tx.authorize(Permission.APPROVE_ORDERS)
    except PermissionDenied as exc:
        raise PermissionDenied(f"{exc.message}; {instead}") from None
    if tx.prefs.approver_must_differ_from_author:
        raise PermissionDenied(
            "orders are approved by someone other than who entered them "
            f"(approver_must_differ_from_author); {instead}"
        )


# --- use cases ------------------------------------------------------------------------------


def imported_orders(tx: Transaction, references: Iterable[str]) -> dict[str, str]:
    """The orders already imported under these references, by reference: every order but a
    cancelled one holds its reference, so a file imported twice makes no order twice."""
    wanted = sorted({ref for ref in references if ref})
    if not wanted:
        return {}
    rows = tx.session.execute(
        select(SalesOrder.order_ref, SalesOrder.number).where(
            SalesOrder.order_ref.in_(wanted), SalesOrder.status != SOStatus.CANCELLED.value
        )
    )
    return {ref: number for ref, number in rows if ref is not None}


def already_imported(reference: str, number: str) -> str:
    return f"order {reference} is already imported as {number}"


def sales_location(tx: Transaction, location: str | None) -> LocationRef:
    """Where a sales order ships from: the location given, else
    `default_location_for_sales_orders`, else the plant's default location."""
    return location_ref(tx.session, location or tx.prefs.default_location_for_sales_orders)


def parse_order_ref(value: object) -> str | None:
    return parse_text(value, field="order_ref", max_length=ORDER_REF_LENGTH) or None


def parse_status(value: str | None, default: str) -> SOStatus:
    text = default if value is None or not value.strip() else value.strip().lower()
    try:
        status = SOStatus(text)
    except ValueError:
        status = None
    if status not in SO_INITIAL:
        raise ValidationError(
            f"a new sales order is pending_approval or pending_fulfillment, not {value!r}"
        )
    return status


@posting("so.create", Permission.SELL)
def create_sales_order(
    tx: Transaction,
    customer: str,
    lines: Sequence[LineEntry],
    *,
    customer_po: str | None = None,
    order_date: object = None,
    ship_date: object = None,
    priority: object = None,
    location: str | None = None,
    memo: str | None = None,
    status: str | None = None,
    order_ref: str | None = None,
) -> SalesOrderInfo:
    """Enter a sales order; in pending fulfillment (the default status preference) it is
    approved at once. An imported order keeps its reference (`order_ref`), which no other
    order may hold."""
    reference = parse_order_ref(order_ref)
    if reference is not None:
        taken = imported_orders(tx, [reference])
        if taken:
            raise ValidationError(already_imported(reference, taken[reference]))
    cust = customer_ref(tx, customer)
    if not cust.active:
        raise ValidationError(f"customer {cust.name!r} is inactive")
    st = parse_status(status, tx.prefs.default_sales_order_status)
    require_entry_approval(tx, st)
    loc = sales_location(tx, location)
    prio = cust.default_priority if priority is None or priority == "" else parse_priority(priority)
    entered = _entries_to_lines(tx, lines, 1)
    so = SalesOrderBook.of(tx).create(
        SalesOrderRecord(
            id=0,
            number=next_number(tx, SALES_ORDER),
            status=SOStatus.PENDING_APPROVAL.value,
            customer_id=cust.id,
            customer=cust.name,
            customer_po=parse_text(customer_po, field="customer PO", max_length=CUSTOMER_PO_LENGTH)
            or None,
            order_ref=reference,
            order_date=parse_date(order_date, field="order date") or date.today(),
            ship_date=parse_date(ship_date, field="ship date"),
            priority=prio,
            location_id=loc.id,
            location_code=loc.code,
            ship_to=cust.ship_to,
            memo=parse_text(memo, field="memo", max_length=MEMO_LENGTH) or None,
            created_at=utcnow(),
            created_by=tx.actor.user,
            approved_at=None,
            closed_at=None,
        )
    )
    _add_lines(tx, so, entered)
    if st == SOStatus.PENDING_FULFILLMENT:
        _approve(tx, so)
    tx.set_document(so.number)
    tx.note(customer=cust.name, lines=len(entered), status=so.status)
    return sales_order_info(tx, so)


def _load(tx: Transaction, number: str, *, lock_stock: bool = True) -> SalesOrderRecord:
    so = SalesOrderBook.of(tx).load(number, lock_stock=lock_stock)
    if tx.write:
        tx.set_document(so.number)
    return so


def _lines_pairs(
    so: SalesOrderRecord, entered: list[tuple[NewOrderLine, list[NewOrderLine]]]
) -> list[Pair]:
    """The balances lines being added will touch."""
    pairs = []
    for line, members in entered:
        for ln in (line, *members):
            if ln.path.stocked:
                pairs.append((ln.item.id, so.location_id))
    return pairs


@posting("so.approve", Permission.APPROVE_ORDERS)
def approve_sales_order(tx: Transaction, number: str) -> SalesOrderInfo:
    so = _load(tx, number, lock_stock=False)  # approving locks what it touches, in one go
    so.require(SOAction.APPROVE)
    require_approver(tx, so.number, so.created_by)
    _approve(tx, so)
    return sales_order_info(tx, so)


def _waiting_words(tx: Transaction, waiting: list[tuple[str, str]]) -> str:
    """The fulfillments still picked or packed, each with its status as the plant names it."""
    said = [f"{number} is {tx.prefs.status_name(status)}" for number, status in waiting]
    return said[0] if len(said) == 1 else f"{', '.join(said[:-1])} and {said[-1]}"


def _open_fulfillments(tx: Transaction, so: SalesOrderRecord) -> list[tuple[str, str]]:
    """The order's fulfillments still picked or packed: (number, status), oldest first."""
    rows = tx.session.execute(
        select(Fulfillment.number, Fulfillment.status)
        .where(
            Fulfillment.sales_order_id == so.id,
            Fulfillment.status.in_([s.value for s in FULFILLMENT_OPEN]),
        )
        .order_by(Fulfillment.id)
    )
    return [(r.number, r.status) for r in rows]


@posting("so.close", Permission.SELL)
def close_sales_order(tx: Transaction, number: str) -> SalesOrderInfo:
    """Close an order: what it still commits is released, nothing more ships."""
    so = _load(tx, number)
    so.require(SOAction.CLOSE)
    waiting = _open_fulfillments(tx, so)
    if waiting:
        raise IllegalTransition(
            f"cannot close {so.number}: {_waiting_words(tx, waiting)}; ship or cancel "
            f"{'it' if len(waiting) == 1 else 'them'} first"
        )
    if so.state in SO_OPEN_DEMAND:
        close_lines(tx, so)
    so.move_to(SOStatus.CLOSED)
    so.closed_at = utcnow()
    return sales_order_info(tx, so)


@posting("so.cancel", Permission.SELL)
def cancel_sales_order(tx: Transaction, number: str) -> SalesOrderInfo:
    """Cancel an order nothing has been picked or shipped for, whose work orders and
    purchase orders are cancelled (or were never made)."""
    so = _load(tx, number)
    so.require(SOAction.CANCEL)
    if any(ln.fulfilled > 0 for ln in so.lines) or _open_fulfillments(tx, so):
        raise IllegalTransition(f"cannot cancel {so.number}: part of it is picked or shipped")
    ids = [ln.id for ln in so.lines]
    spawned = list(
        tx.session.scalars(
            select(WorkOrder.number).where(
                WorkOrder.sales_order_line_id.in_(ids),
                WorkOrder.status != WOStatus.CANCELLED.value,
            )
        )
    ) + list(
        tx.session.scalars(
            select(PurchaseOrder.number)
            .join(PurchaseOrderLine, PurchaseOrderLine.purchase_order_id == PurchaseOrder.id)
            .where(
                PurchaseOrderLine.sales_order_line_id.in_(ids),
                PurchaseOrder.status != "cancelled",
            )
            .distinct()
        )
    )
    if spawned:
        raise IllegalTransition(
            f"cannot cancel {so.number}: cancel {', '.join(sorted(spawned))} first"
        )
    if so.state in SO_OPEN_DEMAND:
        close_lines(tx, so)
    so.move_to(SOStatus.CANCELLED)
    so.closed_at = utcnow()
    return sales_order_info(tx, so)


@posting("so.edit", Permission.SELL)
def update_sales_order(
    tx: Transaction,
    number: str,
    *,
    customer_po: str | None = None,
    ship_date: object = None,
    priority: object = None,
    memo: str | None = None,
    quantities: Mapping[str, object] | None = None,
    add: Sequence[LineEntry] = (),
    paths: Mapping[str, str] | None = None,
) -> SalesOrderInfo:
    """Change an order: its customer PO, ship date, priority or memo, the quantity of a line,
    a line's path, or more lines. With `require_re_approval_on_edit_of_sales_order` an
    approved order goes back to pending approval (its commitments are released), unless part
    of it has shipped. A line's quantity never goes below what is picked or shipped; a build
    line's work order changes with it, a drop-ship line's purchase order as
    app/services/orders/drop_ship.py says. A line's path changes only while nothing has
    moved on it (app/services/orders/paths.py)."""
    so = _load(tx, number, lock_stock=False)
    so.require(SOAction.EDIT)
    entered = (
        _entries_to_lines(tx, add, max((ln.line_no for ln in so.lines), default=0) + 1)
        if add
        else []
    )
    was_open = so.state in SO_OPEN_DEMAND
    repath = [
        line_paths.plan(tx, so, label, _path_given(value)) for label, value in (paths or {}).items()
    ]
    pairs = [*so.pairs(), *_lines_pairs(so, entered)]
    for new_line, _members in entered:
        if new_line.path == LinePath.BUILD and was_open:
            pairs += [
                (c.id, so.location_id) for _n, c, _p, _b in active_bom(tx, new_line.item).lines
            ]
    for change in repath:
        pairs += line_paths.pairs(tx, so, change)
    resized = [
        (so.line(label), parse_quantity(qty, f"quantity of line {label}"))
        for label, qty in (quantities or {}).items()
    ]
    repathed = {change.line.id for change in repath}
    special = {
        line_id: wo
        for line_id, wo in _existing_work_orders(
            tx, [ln.id for ln, _q in resized if ln.path == LinePath.BUILD.value]
        ).items()
        if line_id not in repathed
    }
    for wo_number in special.values():
        pairs += special_orders.pairs(tx, wo_number)
    StockBook.of(tx).lock(pairs)
    reapprove = (
        was_open
        and tx.prefs.require_re_approval_on_edit_of_sales_order
        and so.state == SOStatus.PENDING_FULFILLMENT
    )
    if customer_po is not None:
        so.customer_po = (
            parse_text(customer_po, field="customer PO", max_length=CUSTOMER_PO_LENGTH) or None
        )
    if ship_date is not None:
        so.ship_date = parse_date(ship_date, field="ship date")
    if priority is not None and priority != "":
        so.priority = parse_priority(priority)
    if memo is not None:
        so.memo = parse_text(memo, field="memo", max_length=MEMO_LENGTH) or None
    for line, _qty in resized:
        if line.member_no:
            raise ValidationError(f"line {line.label} is a kit member; change the kit's line")
    # Every new quantity, a kit's members in the kit's proportion, checked before anything
    # changes.
    new_quantities: list[tuple[OrderLine, Decimal]] = []
    for line, qty in resized:
        for ln in [line, *so.members(line)]:
            new_qty = (
                qty
                if ln is line
                else _member_quantity(ln.required * qty / line.required, qty, line.sku, ln.sku)
            )
            floor = ln.fulfilled + ln.firm
            if new_qty < floor:
                raise ValidationError(
                    f"line {ln.label}: {fmt(new_qty)} is less than what is picked or "
                    f"shipped ({fmt(floor)})"
                )
            new_quantities.append((ln, new_qty))
    if reapprove:
        waiting = _open_fulfillments(tx, so)
        if waiting:
            raise IllegalTransition(
                f"cannot change {so.number}: {_waiting_words(tx, waiting)}, and a change sends "
                "the order back for approval; ship or put back first"
            )
        close_lines(tx, so)
        so.move_to(SOStatus.PENDING_APPROVAL)
        so.approved_at = None
    stock = StockBook.of(tx)
    is_open = so.state in SO_OPEN_DEMAND
    for ln, new_qty in new_quantities:
        if not (is_open and LinePath(ln.path).stocked):
            ln.required = new_qty
            continue
        bal = stock.balance(*ln.pair)
        need_before = ln.need
        ln.required = new_qty
        bal.demand += ln.need - need_before
        excess = ln.committed - ln.need
        if excess > 0:
            ln.committed -= excess
            bal.committed -= excess
            stock.freed(*ln.pair)
    if is_open:
        _firm_open_picks(tx, so, [ln for ln, _q in new_quantities if LinePath(ln.path).stocked])
    warnings: list[str] = []
    for ln, _qty in resized:
        if ln.id in special:
            special_orders.follow_the_line(tx, special[ln.id], ln.required)
        elif ln.path == LinePath.DROP_SHIP.value and ln.id not in repathed:
            warnings += _follow_on_the_purchase_order(tx, so, ln)
    for change in repath:
        line_paths.apply(tx, so, change)
    tx.set_document(so.number)
    added = _add_lines(tx, so, entered) if entered else []
    if added and is_open:
        open_lines(tx, so, added)
    if so.state in (SOStatus.PARTIALLY_FULFILLED, SOStatus.PENDING_FULFILLMENT):
        so.move_to(so.status_after_shipping())
    if is_open and resized:
        commitment.commit_available(tx, so.stocked_lines())
    tx.note(
        resized={ln.label: q for ln, q in resized},
        paths={c.line.label: c.to.value for c in repath},
        added=len(added),
        reapprove=reapprove,
    )
    if warnings:
        tx.note(warnings=warnings)
    return sales_order_info(tx, so, warnings)


def _firm_open_picks(tx: Transaction, so: SalesOrderRecord, lines: Sequence[OrderLine]) -> None:
    """A line grown to take in what was picked beyond it (an overage waiting on a picked or
    packed fulfillment) holds that part of the pick firm again, as a pick within the line's
    need always is."""
    if not lines:
        return
    rows = tx.session.execute(
        select(FulfillmentLine.sales_order_line_id, func.sum(FulfillmentLine.quantity))
        .join(Fulfillment, Fulfillment.id == FulfillmentLine.fulfillment_id)
        .where(
            FulfillmentLine.sales_order_line_id.in_([ln.id for ln in lines]),
            Fulfillment.status.in_([s.value for s in FULFILLMENT_OPEN]),
        )
        .group_by(FulfillmentLine.sales_order_line_id)
    )
    picked = {line_id: total for line_id, total in rows}
    take = tx.prefs.fulfill_based_on_commitment == "ignore_commitment"
    for ln in lines:
        short = min(ln.need, picked.get(ln.id, ZERO)) - ln.firm
        if short <= 0:
            continue
        try:
            commitment.firm_up(tx, ln, short, take=take)
        except InsufficientStock:
            raise InsufficientStock(
                f"line {ln.label}: the {fmt(short)} {ln.sku} picked beyond the order is no "
                "longer free to hold for it; put that fulfillment back first"
            ) from None


def _path_given(value: str) -> LinePath:
    path = parse_path(value)
    if path not in (LinePath.STOCK, LinePath.BUILD, LinePath.DROP_SHIP):
        raise ValidationError(f"line path {value!r} is not one of stock, build, drop_ship")
    return path


def _follow_on_the_purchase_order(
    tx: Transaction, so: SalesOrderRecord, line: OrderLine
) -> list[str]:
    """A drop-ship line's new quantity reaches the purchase order line it is bought on when
    the two are in step; a pair left unequal is said."""
    found = drop_ship.bought_on(tx, line.id)
    if found is None:
        return []  # not bought yet: its purchase order will take its quantity
    po, po_line = found
    if drop_ship.in_step(tx, so, line, po, po_line):
        po_line.quantity = line.required
    return drop_ship.left_unequal(tx, so, line, po, po_line)


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SalesOrderLineInfo:
    line: str  # "3", or "3.1" for a kit member
    sku: str
    name: str
    uom: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    path: str
    committed: Decimal
    picked: Decimal
    fulfilled: Decimal
    remaining: Decimal  # still to ship
    backordered: Decimal  # still to ship and not committed (open stocked lines)
    kit_member: bool
    created: list[str]  # the work order or purchase order made for the line
    returned: Decimal  # taken back on customer returns (a kit: whole kits)
    not_needed: list[str] = field(default_factory=list)  # ... cancelled when its path changed

    @property
    def ready_to_pick(self) -> Decimal:
        """Committed to the line and not picked yet: what a picker can take now."""
        return max(ZERO, self.committed - self.picked)

    @property
    def still_to_pick(self) -> Decimal:
        """Neither shipped nor picked yet, committed or not."""
        return max(ZERO, self.remaining - self.picked)


@dataclass(frozen=True)
class PathChangeInfo:
    """A line's path changed: what it no longer needed (cancelled) and what was made."""

    line: str
    from_path: str
    to_path: str
    not_needed: str | None
    made: str | None
    changed_at: datetime
    changed_by: str


@dataclass(frozen=True)
class SalesOrderInfo:
    number: str
    status: str
    status_label: str
    customer: str
    customer_po: str | None
    order_ref: str | None  # the reference it was imported under
    order_date: date
    ship_date: date | None
    priority: int
    location: str
    ship_to: str
    memo: str | None
    created_at: datetime
    created_by: str
    total: Decimal
    lines: list[SalesOrderLineInfo]
    fulfillments: list[str]
    work_orders: list[str]
    purchase_orders: list[str]
    returns: list[str]  # the customer returns (RMAs) of its lines
    actions: list[str]
    path_changes: list[PathChangeInfo] = field(default_factory=list)
    warnings: tuple[str, ...] = ()  # what went ahead under a "warn only" preference
    changes: Changes = NO_CHANGES


_MADE_BY_WORK_ORDERS = (
    select(WorkOrder.sales_order_line_id.label("line_id"), WorkOrder.number)
    .join(SalesOrderLine, SalesOrderLine.id == WorkOrder.sales_order_line_id)
    .where(SalesOrderLine.sales_order_id == bindparam("so"))
    .order_by(WorkOrder.id)
)
_MADE_BY_PURCHASE_ORDERS = (
    select(PurchaseOrderLine.sales_order_line_id.label("line_id"), PurchaseOrder.number)
    .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
    .where(PurchaseOrder.sales_order_id == bindparam("so"))
    .order_by(PurchaseOrder.id)
)
# Work orders created from the order for none of its lines (production, because of it).
_CREATED_FROM = (
    select(WorkOrder.number)
    .where(WorkOrder.created_from == bindparam("number"), WorkOrder.sales_order_line_id.is_(None))
    .order_by(WorkOrder.id)
)
_FULFILLMENTS_OF = (
    select(Fulfillment.number)
    .where(Fulfillment.sales_order_id == bindparam("so"))
    .order_by(Fulfillment.id)
)
_RETURNS_OF = (
    select(ReturnAuthorization.number)
    .where(ReturnAuthorization.sales_order_id == bindparam("so"))
    .order_by(ReturnAuthorization.id)
)
_RETURNED = returned_by_line().where(
    ReturnLine.sales_order_line_id.in_(
        select(SalesOrderLine.id).where(SalesOrderLine.sales_order_id == bindparam("so"))
    )
)


_PATH_CHANGES = (
    select(
        SalesOrderPathChange.sales_order_line_id,
        SalesOrderPathChange.from_path,
        SalesOrderPathChange.to_path,
        SalesOrderPathChange.not_needed,
        SalesOrderPathChange.made,
        SalesOrderPathChange.changed_at,
        SalesOrderPathChange.changed_by,
    )
    .where(SalesOrderPathChange.sales_order_id == bindparam("so"))
    .order_by(SalesOrderPathChange.id)
)


def sales_order_info(
    tx: Transaction, so: SalesOrderRecord, warnings: Sequence[str] = ()
) -> SalesOrderInfo:
    created: dict[int, list[str]] = {}
    work_orders: list[str] = []
    purchase_orders: list[str] = []
    params = {"so": so.id}
    for r in tx.session.execute(_MADE_BY_WORK_ORDERS, params):
        created.setdefault(r.line_id, []).append(r.number)
        work_orders.append(r.number)
    work_orders += tx.session.scalars(_CREATED_FROM, {"number": so.number})
    for r in tx.session.execute(_MADE_BY_PURCHASE_ORDERS, params):
        created.setdefault(r.line_id, []).append(r.number)
        if r.number not in purchase_orders:
            purchase_orders.append(r.number)
    fulfillments = list(tx.session.scalars(_FULFILLMENTS_OF, params))
    returns = list(tx.session.scalars(_RETURNS_OF, params))
    returned = (
        {r.line_id: r.returned for r in tx.session.execute(_RETURNED, params)} if returns else {}
    )
    labels = {ln.id: ln.label for ln in so.lines}
    changed = [
        PathChangeInfo(
            labels.get(r.sales_order_line_id, "?"),
            r.from_path,
            r.to_path,
            r.not_needed,
            r.made,
            r.changed_at,
            r.changed_by,
        )
        for r in tx.session.execute(_PATH_CHANGES, params)
    ]
    not_needed: dict[str, list[str]] = {}
    for c in changed:
        if c.not_needed:
            not_needed.setdefault(c.line, []).append(c.not_needed)
    open_demand = so.state in SO_OPEN_DEMAND
    lines = []
    for ln in so.lines:
        fulfilled = so.kits_shipped(ln) if ln.path == LinePath.KIT.value else ln.fulfilled
        remaining = max(ZERO, ln.required - fulfilled)
        if so.state in (SOStatus.CLOSED, SOStatus.CANCELLED) or ln.path == LinePath.NONE.value:
            remaining = ZERO
        lines.append(
            SalesOrderLineInfo(
                line=ln.label,
                sku=ln.item.sku,
                name=ln.item.name,
                uom=ln.item.uom,
                quantity=ln.required,
                rate=ln.rate,
                amount=round_quantity(ln.required * ln.rate),
                path=ln.path,
                committed=ln.committed,
                picked=ln.firm,
                fulfilled=fulfilled,
                remaining=remaining,
                backordered=(
                    ln.uncommitted_need if open_demand and LinePath(ln.path).stocked else ZERO
                ),
                kit_member=bool(ln.member_no),
                created=created.get(ln.id, []),
                returned=returned.get(ln.id, ZERO),
                not_needed=not_needed.get(ln.label, []),
            )
        )
    return SalesOrderInfo(
        number=so.number,
        status=so.status,
        status_label=so.state.label,
        customer=so.customer,
        customer_po=so.customer_po,
        order_ref=so.order_ref,
        order_date=so.order_date,
        ship_date=so.ship_date,
        priority=so.priority,
        location=so.location_code,
        ship_to=so.ship_to,
        memo=so.memo,
        created_at=so.created_at,
        created_by=so.created_by,
        total=sum((x.amount for x in lines if not x.kit_member), ZERO),
        lines=lines,
        fulfillments=fulfillments,
        work_orders=work_orders,
        purchase_orders=purchase_orders,
        returns=returns,
        actions=[a.value for a in SOAction if so.can(a)],
        path_changes=changed,
        warnings=tuple(warnings),
    )


@query()
def get_sales_order(tx: Transaction, number: str) -> SalesOrderInfo:
    return sales_order_info(tx, _load(tx, number))


@dataclass(frozen=True)
class SalesOrderSummary:
    number: str
    customer: str
    customer_po: str | None
    status: str
    status_label: str
    order_date: date
    ship_date: date | None
    priority: int
    location: str
    late: bool  # its ship date has passed and it has not all shipped
    ready_to_pick: bool  # committed stock waits to be picked


_SOL = SalesOrderLine
_SO = SalesOrder
_OPEN = [s.value for s in SO_OPEN_DEMAND]


def ready_to_pick_condition() -> ColumnElement[bool]:
    """An approved order with committed stock not picked yet."""
    return and_(
        _SO.status.in_(_OPEN),
        exists()
        .where(
            _SOL.sales_order_id == _SO.id,
            _SOL.path.in_(STOCKED_PATHS),
            _SOL.committed > _SOL.picked,
        )
        .correlate(_SO),
    )


_LISTING = Listing(
    sorts={
        "number": _SO.number,
        "customer": Customer.name,
        "ship_date": _SO.ship_date,
        "order_date": _SO.order_date,
        "priority": _SO.priority,
        "status": _SO.status,
    },
    default="number",
    tiebreak=_SO.id,
)
SALES_ORDER_SORTS = tuple(_LISTING.sorts)


@query()
def list_sales_orders(
    tx: Transaction,
    *,
    status: str | Iterable[str] | None = None,
    customer: str | None = None,
    text: str | None = None,
    ready_to_pick: bool = False,
    late: bool = False,
    today: date | None = None,
    page: PageRequest | None = None,
) -> Page[SalesOrderSummary]:
    """Sales orders by the filters, one page in the order asked. `text` matches the number,
    the customer's name, the customer's PO number or the reference it was imported under."""
    statuses = SalesOrder.lifecycle.statuses_named(status)
    day = today or date.today()
    late_expr = and_(_SO.ship_date < day, _SO.status.in_([*_OPEN, SOStatus.PENDING_APPROVAL.value]))
    ready = ready_to_pick_condition()
    stmt = (
        select(
            _SO.number,
            Customer.name.label("customer"),
            _SO.customer_po,
            _SO.status,
            _SO.order_date,
            _SO.ship_date,
            _SO.priority,
            Location.code,
            late_expr.label("late"),
            ready.label("ready"),
        )
        .join(Customer, Customer.id == _SO.customer_id)
        .join(Location, Location.id == _SO.location_id)
    )
    conditions: list[ColumnElement[bool]] = []
    if statuses:
        conditions.append(_SO.status.in_(statuses))
    if customer and customer.strip():
        conditions.append(Customer.name == " ".join(customer.split()))
    conditions += text_search(text, _SO.number, Customer.name, _SO.customer_po, _SO.order_ref)
    if ready_to_pick:
        conditions.append(ready)
    if late:
        conditions.append(late_expr)
    stmt = stmt.where(*conditions)

    def row(r: Any) -> SalesOrderSummary:
        return SalesOrderSummary(
            number=r.number,
            customer=r.customer,
            customer_po=r.customer_po,
            status=r.status,
            status_label=SOStatus(r.status).label,
            order_date=r.order_date,
            ship_date=r.ship_date,
            priority=r.priority,
            location=r.code,
            late=bool(r.late),
            ready_to_pick=bool(r.ready),
        )

    return _LISTING.fetch(tx.session, stmt, page or PageRequest(limit=None), row)
