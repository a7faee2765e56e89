"""A build line's special-order work order follows the line's quantity.

A special order's line is fed only by its own work order, so a change of the line's quantity
is a change of the work order's, made as an edit of the work order makes it
(app/services/production/editing.py `resize`): never below what it has built, every
component line required anew from its BOM revision, demand, commitment and on order
following. Either both change or the posting is refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, select

from app.errors import IllegalTransition
from app.models import WorkOrder, WorkOrderLine, WOStatus, utcnow
from app.models.quantity import fmt
from app.services.engine.ledger import Pair
from app.services.production.editing import resize
from app.services.production.records import WorkOrderBook

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

_WO = cast(Table, WorkOrder.__table__)
_LINE = cast(Table, WorkOrderLine.__table__)
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
    """The special order `number` takes its line's new quantity (its balances are locked),
    changed as an edit of the work order changes it."""
    wo = WorkOrderBook.of(tx).load(number)
    if quantity == wo.quantity:
        return
    if wo.state not in _CHANGING:
        raise IllegalTransition(
            f"cannot make {wo.number} {fmt(quantity)}: it is {wo.state.label}; the line it "
            "builds for changes with it only while it still builds"
        )
    resize(tx, wo, quantity)
    wo.changed_at = utcnow()
    wo.changed_by = tx.actor.user
    tx.note(special_order={wo.number: quantity})
