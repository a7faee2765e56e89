"""Changing a work order, putting it on hold and taking its release back.

A change of quantity re-derives every line from its BOM revision (quantity per x the new
quantity) and moves demand, commitment and on order with it; it never goes below what is
built. Due date, priority and memo change while the order is active; a change of urgency
re-runs commitment at the items and locations its lines need, so a rush order gets the
stock it now comes first for. Location and BOM revision change only while nothing has moved
(planned or released). A special order's change of quantity reaches the sales order line it
builds for per `update_special_order_quantities_automatically_prior_to_shipment`.

Held is not a status: a held work order keeps its status and carries who held it, when and
why, and every posting on it is refused (where postings load it, in records.py) until it
resumes. With `release_commitment_on_hold` the hold gives back what its lines commit, and
they are no demand until it resumes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app.errors import IllegalTransition, NotFound, ValidationError
from app.models import SO_OPEN_DEMAND, Item, SOStatus, WOAction, WorkOrder, WOStatus, utcnow
from app.models.quantity import fmt, parse_quantity
from app.models.sales import SALES_ORDER, LinePath
from app.models.work_order import INITIAL, OPEN_DEMAND
from app.services.catalog.boms import read_bom_revision
from app.services.engine import commitment
from app.services.engine.ledger import Pair, StockBook
from app.services.engine.lookup import LocationRef, location_ref
from app.services.engine.numbering import normalize_number
from app.services.engine.parsing import parse_text
from app.services.engine.permissions import Permission
from app.services.engine.uow import Transaction, posting
from app.services.orders.records import SalesOrderBook
from app.services.production.records import WorkOrderBook, WorkOrderRecord
from app.services.production.work_orders import (
    BomForOrder,
    WorkOrderInfo,
    line_required,
    new_lines,
    parse_due,
    parse_priority,
    work_order_info,
)

MEMO_LENGTH = 200
REASON_LENGTH = 200
# What a special order's line may still follow: not once it is finished with.
_LINE_FINISHED = frozenset({SOStatus.FULFILLED, SOStatus.CLOSED, SOStatus.CANCELLED})


@dataclass(frozen=True)
class _Wanted:
    """An edit as asked, parsed before anything is read (None: left as it is)."""

    quantity: Decimal | None
    due: tuple[date | None] | None  # (the new due date, none to clear it)
    priority: int | None
    memo: tuple[str | None] | None  # (the new memo, none to clear it)
    location: str | None
    revision: str | None

    @classmethod
    def parse(
        cls,
        quantity: object,
        due: object,
        priority: object,
        memo: object,
        location: object,
        revision: object,
    ) -> _Wanted:
        memo_text = None if memo is None else parse_text(memo, field="memo", max_length=MEMO_LENGTH)
        wanted = cls(
            quantity=None if quantity is None else parse_quantity(quantity),
            due=None if due is None else (parse_due(due),),
            priority=None if priority is None or priority == "" else parse_priority(priority),
            memo=None if memo_text is None else (memo_text or None,),
            location=parse_text(location, field="location", max_length=64) or None,
            revision=parse_text(revision, field="BOM revision", max_length=64) or None,
        )
        if wanted == _NOTHING:
            raise ValidationError(
                "nothing to change: give a quantity, due date, priority, memo, location or "
                "BOM revision"
            )
        return wanted


_NOTHING = _Wanted(None, None, None, None, None, None)


@posting("wo.edit", Permission.PLAN)
def edit_work_order(
    tx: Transaction,
    number: str,
    *,
    quantity: object = None,
    due: object = None,
    priority: object = None,
    memo: object = None,
    location: object = None,
    bom_revision: object = None,
) -> WorkOrderInfo:
    """Change what is given, leaving the rest (None) as it is; an empty due date or memo
    clears it. Every value is checked before anything changes."""
    wanted = _Wanted.parse(quantity, due, priority, memo, location, bom_revision)
    item_id, sku = _item_of(tx, number)
    loc = location_ref(tx.session, wanted.location) if wanted.location else None
    bom = _revision(tx, item_id, sku, wanted.revision) if wanted.revision else None

    def moving_to(wo: WorkOrderRecord, components: list[int]) -> Iterable[Pair]:
        """The balances a change of location or BOM revision moves the order to."""
        at = loc.id if loc is not None else wo.location_id
        needed = [c.id for _n, c, _p, _b in bom.lines] if bom is not None else components
        return [(wo.item.id, at), *((c, at) for c in needed)]

    wo = WorkOrderBook.of(tx).load(number, also=moving_to)
    tx.set_document(wo.number)
    wo.require(WOAction.EDIT)
    before = _fields(wo)
    qty = wo.quantity if wanted.quantity is None else wanted.quantity
    moved = (loc is not None and loc.id != wo.location_id) or (
        bom is not None and bom.revision_id != wo.bom_revision_id
    )
    if moved:
        _move(tx, wo, loc, bom, qty)
    elif qty != wo.quantity:
        resize(tx, wo, qty)
    if wo.sales_order_line_id is not None and qty != before["quantity"]:
        _follow_on_the_line(tx, wo)
    if wanted.due is not None:
        wo.due_date = wanted.due[0]
    if wanted.priority is not None:
        wo.priority = wanted.priority
    if (wo.due_date, wo.priority) != (before["due"], before["priority"]):
        _urgency_changed(tx, wo)
    if wanted.memo is not None:
        wo.memo = wanted.memo[0]
    after = _fields(wo)
    changed = {k: [before[k], after[k]] for k in after if after[k] != before[k]}
    if changed:
        wo.changed_at = utcnow()
        wo.changed_by = tx.actor.user
    tx.note(changed=changed)
    return work_order_info(wo)


def _fields(wo: WorkOrderRecord) -> dict[str, Any]:
    """What an edit may change, as people read it."""
    return {
        "quantity": wo.quantity,
        "due": wo.due_date,
        "priority": wo.priority,
        "memo": wo.memo,
        "location": wo.location_code,
        "bom_revision": wo.bom_revision,
    }


def _item_of(tx: Transaction, number: str) -> tuple[int, str]:
    """The item a work order builds (it never changes, so it is read before the lock)."""
    text = normalize_number(number)
    row = tx.session.execute(
        select(WorkOrder.item_id, Item.sku)
        .join(Item, Item.id == WorkOrder.item_id)
        .where(WorkOrder.number == text)
    ).first()
    if row is None:
        raise NotFound(f"unknown work order {text!r}")
    return row.item_id, row.sku


def _revision(tx: Transaction, item_id: int, sku: str, revision: str) -> BomForOrder:
    found = read_bom_revision(tx.session, item_id, revision)
    if found is None:
        raise NotFound(f"{sku} has no BOM revision {revision!r}")
    return BomForOrder(
        revision_id=found.revision_id,
        revision=found.revision,
        lines=[(ln.line_no, ln.component, ln.quantity_per, ln.backflush) for ln in found.lines],
    )


def _move(
    tx: Transaction,
    wo: WorkOrderRecord,
    loc: LocationRef | None,
    bom: BomForOrder | None,
    quantity: Decimal,
) -> None:
    """A new location or BOM revision, while nothing has moved: the lines stop being demand
    where they were and start again where and as the change says."""
    what = f"move {wo.number} to {loc.code}" if loc is not None else ""
    if bom is not None:
        what = f"{what} and " if what else ""
        what += f"give {wo.number} BOM revision {bom.revision}"
    if wo.state not in INITIAL:
        raise IllegalTransition(
            f"cannot {what}: stock has already moved for it ({wo.state.label}); change its "
            "location or BOM revision only while it is planned or released"
        )
    if loc is not None and loc.id != wo.location_id and wo.sales_order_line_id is not None:
        raise ValidationError(
            f"cannot {what}: it builds for {wo.created_from} line {wo.sales_order_line}, "
            f"at that order's location {wo.location_code}"
        )
    # Every line's new quantity, refused before anything changes.
    lines = new_lines(bom, quantity) if bom is not None else None
    required = (
        [line_required(ln.component, ln.quantity_per, quantity) for ln in wo.lines]
        if lines is None
        else []
    )
    is_open = wo.state in OPEN_DEMAND
    stock = StockBook.of(tx)
    if is_open:
        commitment.close_demand(tx, wo.lines)
    stock.balance(wo.item.id, wo.location_id).on_order -= wo.remaining
    if loc is not None:
        wo.location_id, wo.location_code = loc.id, loc.code
    wo.quantity = quantity
    book = WorkOrderBook.of(tx)
    if bom is not None and lines is not None:
        book.replace_lines(wo, lines)
        wo.bom_revision_id, wo.bom_revision = bom.revision_id, bom.revision
        book.insert_lines(wo)
    else:
        for ln, req in zip(wo.lines, required, strict=True):
            ln.location_id = wo.location_id
            ln.required = req
    stock.balance(wo.item.id, wo.location_id).on_order += wo.remaining
    if is_open:
        commitment.open_demand(tx, wo.lines)
        commitment.commit_available(tx, wo.lines)


def resize(tx: Transaction, wo: WorkOrderRecord, quantity: Decimal) -> None:
    """A new quantity, never below what is built: every line required as the BOM revision
    says for it, demand and commitment following (what a smaller order no longer needs is
    released, a larger one commits what is available), and on order too."""
    if quantity < wo.built:
        raise ValidationError(
            f"cannot make {wo.number} {fmt(quantity)}: {fmt(wo.built)} is built already"
        )
    required = [line_required(ln.component, ln.quantity_per, quantity) for ln in wo.lines]
    is_open = wo.state in OPEN_DEMAND and not wo.hold_released
    remaining = wo.remaining
    for ln, req in zip(wo.lines, required, strict=True):
        commitment.resize(tx, ln, req, is_open=is_open)
    wo.quantity = quantity
    StockBook.of(tx).balance(wo.item.id, wo.location_id).on_order += wo.remaining - remaining
    if is_open:
        commitment.commit_available(tx, wo.lines)
    if wo.state in (WOStatus.IN_PROCESS, WOStatus.BUILT):
        wo.move_to(wo.status_after_production())


def _follow_on_the_line(tx: Transaction, wo: WorkOrderRecord) -> None:
    """A special order changed its quantity. With
    `update_special_order_quantities_automatically_prior_to_shipment`, while nothing of the
    line has shipped, the line takes the work order's quantity. Otherwise the work order
    changes alone: a line it can no longer fill in full is no longer a special order's line
    but ships from stock (what its work order builds still goes to it first), and the part
    of a larger order the line does not need goes to stock."""
    assert wo.sales_order_line_id is not None and wo.created_from is not None
    so = SalesOrderBook.of(tx).load(wo.created_from, lock_stock=False)
    if so.state in _LINE_FINISHED:
        return
    line = next(ln for ln in so.lines if ln.id == wo.sales_order_line_id)
    if line.required == wo.quantity:
        return
    if tx.prefs.update_special_order_quantities_automatically_prior_to_shipment and (
        line.fulfilled == 0
    ):
        if wo.quantity < line.firm:
            raise ValidationError(
                f"cannot make {wo.number} {fmt(wo.quantity)}: {so.number} line {line.label}, "
                f"which follows it, has {fmt(line.firm)} picked"
            )
        is_open = so.state in SO_OPEN_DEMAND and LinePath(line.path).stocked
        tx.note(sales_order_line={"line": f"{so.number} {line.label}", "quantity": wo.quantity})
        commitment.resize(tx, line, wo.quantity, is_open=is_open)
        tx.changed.add(SALES_ORDER, so.number)
    elif line.pegged and wo.quantity < line.required:
        commitment.unpeg(tx, "sales_order", line.id)
        tx.note(ships_from_stock=f"{so.number} {line.label}")
        tx.changed.add(SALES_ORDER, so.number)


def _urgency_changed(tx: Transaction, wo: WorkOrderRecord) -> None:
    """A new due date or priority: the lines rank anew, and commitment is re-run at the
    items and locations they need, by the ordering preference."""
    urgency = wo.urgency
    for ln in wo.lines:
        ln.urgency = urgency
    if wo.state in OPEN_DEMAND and not wo.hold_released:
        changed = commitment.rerun_at(tx, [ln.pair for ln in wo.lines])
        tx.note(recommitted_lines=changed)


# --- hold, resume, unrelease -------------------------------------------------------------


@posting("wo.hold", Permission.PLAN)
def hold_work_order(tx: Transaction, number: str, reason: object) -> WorkOrderInfo:
    """Put a work order on hold, saying why: nothing posts on it until it resumes. It keeps
    its commitments, or with `release_commitment_on_hold` gives them back and stops being
    demand until it resumes."""
    why = parse_text(reason, field="reason", max_length=REASON_LENGTH)
    if not why:
        raise ValidationError("say why the work order is held (--reason)")
    wo = WorkOrderBook.of(tx).load(number, held_ok=True)
    tx.set_document(wo.number)
    if wo.held:
        raise IllegalTransition(
            f"{wo.number} is already on hold: {wo.hold_reason} (held by {wo.held_by})"
        )
    wo.require(WOAction.HOLD)
    wo.held_at, wo.held_by, wo.hold_reason = utcnow(), tx.actor.user, why
    if tx.prefs.release_commitment_on_hold and wo.state in OPEN_DEMAND:
        commitment.close_demand(tx, wo.lines)
        wo.hold_released = True
    tx.note(reason=why, released_commitment=wo.hold_released)
    return work_order_info(wo)


@posting("wo.resume", Permission.PLAN)
def resume_work_order(tx: Transaction, number: str) -> WorkOrderInfo:
    """Take a work order off hold; if the hold gave its commitments back, its lines are
    demand again and commit what is available (as at release)."""
    wo = WorkOrderBook.of(tx).load(number, held_ok=True)
    tx.set_document(wo.number)
    wo.require(WOAction.RESUME)
    tx.note(held_by=wo.held_by, reason=wo.hold_reason)
    if wo.hold_released:
        wo.hold_released = False
        commitment.open_demand(tx, wo.lines)
        commitment.commit_available(tx, wo.lines)
    wo.held_at = wo.held_by = wo.hold_reason = None
    return work_order_info(wo)


@posting("wo.unrelease", Permission.PLAN)
def unrelease_work_order(tx: Transaction, number: str) -> WorkOrderInfo:
    """Released -> planned (firm), while nothing has moved: its lines stop being demand and
    give back what they commit."""
    wo = WorkOrderBook.of(tx).load(number)
    tx.set_document(wo.number)
    wo.require(WOAction.UNRELEASE)
    commitment.close_demand(tx, wo.lines)
    wo.move_to(WOStatus.FIRM_PLANNED)
    wo.released_at = None
    return work_order_info(wo)
