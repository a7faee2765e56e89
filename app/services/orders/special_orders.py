"""A build line's special-order work order follows the line's quantity.

A special order's line is fed only by its own work order, so a change of the line's quantity
is a change of the work order's: never below what it has built, every component line
required anew from its BOM revision (quantity per x the new quantity), demand and commitment
following (what a smaller order no longer needs is released, a larger one commits what is
available) and on order too. Either both change or the posting is refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, bindparam, select, update

from app.errors import IllegalTransition, ValidationError
from app.models import OPEN_DEMAND, WorkOrder, WorkOrderLine, WOStatus
from app.models.quantity import fmt, round_quantity
from app.models.work_order import WORK_ORDER
from app.services.engine import commitment
from app.services.engine.ledger import Pair, StockBook
from app.services.production.records import WorkOrderBook, WorkOrderRecord

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

_WO = cast(Table, WorkOrder.__table__)
_LINE = cast(Table, WorkOrderLine.__table__)
_UPDATE_QUANTITY = (
    update(_WO)
    .where(_WO.c.id == bindparam("b_id"))
    .values(quantity=bindparam("b_quantity", type_=_WO.c.quantity.type))
)
_UPDATE_REQUIRED = (
    update(_LINE)
    .where(_LINE.c.id == bindparam("b_id"))
    .values(required=bindparam("b_required", type_=_LINE.c.required.type))
)
# A special order that may still change its quantity: it has something left to build.
_CHANGING = frozenset(
    {WOStatus.FIRM_PLANNED, WOStatus.OPEN_PLANNED, WOStatus.RELEASED, WOStatus.IN_PROCESS}
)


def pairs(tx: Transaction, number: str) -> list[Pair]:
    """The balances a work order touches (its finished good and its components), to lock
    with the sales order's own in one go."""
    rows = tx.session.execute(
        select(_WO.c.item_id, _WO.c.location_id, _LINE.c.component_id)
        .outerjoin(_LINE, _LINE.c.work_order_id == _WO.c.id)
        .where(_WO.c.number == number)
    ).all()
    out: list[Pair] = []
    for r in rows:
        out.append((r.item_id, r.location_id))
        if r.component_id is not None:
            out.append((r.component_id, r.location_id))
    return out


def follow_the_line(tx: Transaction, number: str, quantity: Decimal) -> None:
    """The special order `number` takes its line's new quantity (its balances are locked)."""
    wo = WorkOrderBook.of(tx).load(number)
    if quantity == wo.quantity:
        return
    if wo.state not in _CHANGING:
        raise IllegalTransition(
            f"cannot make {wo.number} {fmt(quantity)}: it is {wo.state.label}; the line it "
            "builds for changes with it only while it still builds"
        )
    if quantity < wo.built:
        raise ValidationError(
            f"cannot make {wo.number} {fmt(quantity)}: {fmt(wo.built)} is built already"
        )
    required = [round_quantity(ln.quantity_per * quantity) for ln in wo.lines]
    for ln, req in zip(wo.lines, required, strict=True):
        if req <= 0:
            raise ValidationError(
                f"cannot make {wo.number} {fmt(quantity)}: {ln.sku} would need nothing"
            )
    stock = StockBook.of(tx)
    is_open = wo.state in OPEN_DEMAND
    for ln, req in zip(wo.lines, required, strict=True):
        if is_open:
            bal = stock.balance(*ln.pair)
            need_before = ln.need
            ln.required = req
            bal.demand += ln.need - need_before
            excess = ln.committed - ln.need
            if excess > 0:
                ln.committed -= excess
                bal.committed -= excess
                stock.freed(*ln.pair)
        else:
            ln.required = req
    remaining = wo.remaining
    wo.quantity = quantity
    stock.balance(wo.item.id, wo.location_id).on_order += wo.remaining - remaining
    if wo.state == WOStatus.IN_PROCESS and wo.built >= wo.quantity:
        wo.move_to(WOStatus.BUILT)
    if is_open:
        commitment.commit_available(tx, wo.lines)
    SpecialOrderSizes.of(tx).resized(wo)
    tx.note(special_order={wo.number: quantity})


class SpecialOrderSizes:
    """The special orders whose quantity a posting changed, written with it."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.orders: dict[int, WorkOrderRecord] = {}

    @classmethod
    def of(cls, tx: Transaction) -> SpecialOrderSizes:
        return tx.book(cls)

    def resized(self, wo: WorkOrderRecord) -> None:
        self.orders[wo.id] = wo

    def write(self, event_id: int) -> None:
        if not self.orders:
            return
        session = self.tx.session
        session.execute(
            _UPDATE_QUANTITY,
            [{"b_id": wo.id, "b_quantity": wo.quantity} for wo in self.orders.values()],
        )
        session.execute(
            _UPDATE_REQUIRED,
            [
                {"b_id": ln.id, "b_required": ln.required}
                for wo in self.orders.values()
                for ln in wo.lines
            ],
        )
        self.tx.changed.add_all(WORK_ORDER, (wo.number for wo in self.orders.values()))
        self.orders = {}
