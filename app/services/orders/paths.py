"""A sales order line's path changed while nothing has moved on it: build -> stock when the
finished goods are on the shelf already, stock -> drop ship when the vendor is to ship it,
and every other way between stock, build and drop ship.

Nothing has moved when nothing of the line is picked or shipped, its work order (if any) has
issued and built nothing, and its purchase order line (if any) has received and shipped
nothing. The work order or purchase order line the line no longer needs is cancelled and
reads "not needed" on the order; on an approved order the new path starts at once: a stock
line commits what is available, a build line gets its special-order work order, a drop-ship
line its purchase order. Each change is recorded (`sales_order_path_change`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, insert, select

from app.errors import IllegalTransition, ValidationError
from app.models import (
    SO_OPEN_DEMAND,
    Item,
    ItemType,
    LinePath,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrderPathChange,
    WorkOrder,
    WorkOrderLine,
    WOStatus,
    utcnow,
)
from app.models.quantity import ZERO, fmt
from app.services.engine import commitment
from app.services.engine.demand import DemandBook
from app.services.engine.ledger import Pair, StockBook
from app.services.engine.lookup import LocationRef
from app.services.orders import drop_ship, purchasing
from app.services.orders.records import SALES_ORDER_DEMAND, OrderLine, SalesOrderRecord
from app.services.production.work_orders import (
    BomForOrder,
    active_bom,
    cancel_work_order,
    create_in_transaction,
)

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

_CHANGES = cast(Table, SalesOrderPathChange.__table__)
_CHANGEABLE = (LinePath.STOCK, LinePath.BUILD, LinePath.DROP_SHIP)
_LIVE_WO = frozenset({WOStatus.FIRM_PLANNED, WOStatus.OPEN_PLANNED, WOStatus.RELEASED})


def special_order(
    tx: Transaction, so: SalesOrderRecord, line: OrderLine, bom: BomForOrder | None = None
) -> str:
    """The special-order work order of an approved order's build line, created from it and
    carrying its customer's PO number (its balances are locked already)."""
    wo = create_in_transaction(
        tx,
        line.item,
        line.quantity,
        status=WOStatus(tx.prefs.default_work_order_status),
        location=LocationRef(id=so.location_id, code=so.location_code),
        due=so.ship_date,
        priority=so.priority,
        created_from=so.number,
        customer_po=so.customer_po,
        memo=f"for {so.customer}, {so.number} line {line.label}",
        bom=bom,
        for_line=(line.id, line.label),
    )
    return wo.number


@dataclass
class PathChange:
    """One line's change of path, checked, with what it touches."""

    line: OrderLine
    to: LinePath
    work_order: str | None = None  # the live special order it cancels
    purchase_order: str | None = None  # the purchase order its drop-ship line is bought on
    bom: BomForOrder | None = None  # for a new special order

    @property
    def came_from(self) -> LinePath:
        return LinePath(self.line.path)


def plan(tx: Transaction, so: SalesOrderRecord, label: str, to: LinePath) -> PathChange:
    """A line's change of path, refused unless nothing has moved on it (nothing changes
    here: the caller locks what `pairs` names, then `apply`)."""
    line = so.line(label)
    came = LinePath(line.path)
    if line.member_no or came == LinePath.KIT:
        raise ValidationError(f"line {line.label} is a kit or a kit's member: it ships from stock")
    if came not in _CHANGEABLE:
        raise ValidationError(
            f"line {line.label} ({line.sku}) carries no stock; its path cannot change"
        )
    if came == to:
        raise ValidationError(f"line {line.label} is a {_WORDS[to]} line already")
    if line.fulfilled > 0 or line.firm > 0:
        raise IllegalTransition(
            f"cannot change line {line.label}'s path: {fmt(line.fulfilled + line.firm)} "
            f"{line.sku} is picked or shipped"
        )
    change = PathChange(line, to)
    if came == LinePath.BUILD:
        row = tx.session.execute(
            select(WorkOrder.number, WorkOrder.status, WorkOrder.built)
            .where(
                WorkOrder.sales_order_line_id == line.id,
                WorkOrder.status.not_in([WOStatus.CANCELLED.value, WOStatus.CLOSED.value]),
            )
            .order_by(WorkOrder.id.desc())
            .limit(1)
        ).first()
        if row is not None:
            issued = tx.session.scalar(
                select(WorkOrderLine.id)
                .join(WorkOrder, WorkOrder.id == WorkOrderLine.work_order_id)
                .where(WorkOrder.number == row.number, WorkOrderLine.issued > 0)
                .limit(1)
            )
            if WOStatus(row.status) not in _LIVE_WO or row.built > 0 or issued is not None:
                raise IllegalTransition(
                    f"cannot change line {line.label}'s path: {row.number} has moved stock "
                    f"({WOStatus(row.status).label})"
                )
            change.work_order = row.number
    if came == LinePath.DROP_SHIP:
        bought = tx.session.execute(
            select(PurchaseOrder.number, PurchaseOrderLine.received)
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
            .where(
                PurchaseOrderLine.sales_order_line_id == line.id,
                ~PurchaseOrderLine.cancelled,
                PurchaseOrder.status != "cancelled",
            )
            .order_by(PurchaseOrder.id.desc())
            .limit(1)
        ).first()
        if bought is not None:
            if bought.received > 0:
                raise IllegalTransition(
                    f"cannot change line {line.label}'s path: {fmt(bought.received)} "
                    f"{line.sku} came on {bought.number}"
                )
            change.purchase_order = bought.number
    if to == LinePath.DROP_SHIP:
        purchasing.require_purchasable(tx, line.item)
        if (
            tx.session.scalar(select(Item.preferred_vendor_id).where(Item.id == line.item.id))
            is None
        ):
            raise ValidationError(
                f"{line.sku} has no preferred vendor to drop ship from; name one first"
            )
    if to == LinePath.BUILD:
        if line.item.type != ItemType.ASSEMBLY:
            raise ValidationError(
                f"{line.sku} is an {line.item.item_type} item: it cannot be built to order"
            )
        bom = active_bom(tx, line.item)  # it must be buildable
        change.bom = bom if so.state in SO_OPEN_DEMAND else None
    return change


_WORDS = {LinePath.STOCK: "stock", LinePath.BUILD: "build", LinePath.DROP_SHIP: "drop-ship"}


def pairs(tx: Transaction, so: SalesOrderRecord, change: PathChange) -> list[Pair]:
    """The balances a change touches, to be locked with the order's own in one go: the line's
    item, a cancelled work order's components, a new one's."""
    out: list[Pair] = [change.line.pair]
    if change.work_order is not None:
        out += [
            (component, so.location_id)
            for component in tx.session.scalars(
                select(WorkOrderLine.component_id)
                .join(WorkOrder, WorkOrder.id == WorkOrderLine.work_order_id)
                .where(WorkOrder.number == change.work_order)
            )
        ]
    if change.bom is not None:
        out += [(c.id, so.location_id) for _n, c, _p, _b in change.bom.lines]
    return out


def apply(tx: Transaction, so: SalesOrderRecord, change: PathChange) -> None:
    """Make the change (its balances are locked): what the line no longer needs is
    cancelled, and on an approved order the new path starts."""
    line = change.line
    came = change.came_from
    is_open = so.state in SO_OPEN_DEMAND
    not_needed: str | None = None
    if change.work_order is not None:
        cancel_work_order.within(tx, change.work_order)  # the line ships from stock now
        tx.set_document(so.number)
        not_needed = change.work_order
    if change.purchase_order is not None:
        _cancel_purchase(tx, change.purchase_order, line.id)
        not_needed = change.purchase_order
    was_stocked = LinePath(line.path).stocked  # after a cancelled special order: stock
    if is_open and was_stocked and not change.to.stocked:
        commitment.close_demand(tx, [line])
    elif is_open and not was_stocked and change.to.stocked:
        commitment.open_demand(tx, [line])
    if is_open and change.to == LinePath.BUILD and line.committed > 0:
        # A special order's line is fed by its own build only: its stock goes back.
        bal = StockBook.of(tx).balance(*line.pair)
        bal.committed -= line.committed
        line.committed = ZERO
        StockBook.of(tx).freed(*line.pair)
    line.path = change.to.value
    line.pegged = change.to == LinePath.BUILD
    made: str | None = None
    if is_open:
        if change.to == LinePath.STOCK:
            commitment.commit_available(tx, [line])
        elif change.to == LinePath.BUILD:
            made = special_order(tx, so, line, change.bom)
        else:
            (made,) = purchasing.create_drop_ship_orders(tx, so, [line])
    DemandBook.of(tx).name_document(SALES_ORDER_DEMAND.kind, so.id, so.number)
    PathChangeBook.of(tx).add(so, line, came, change.to, not_needed, made)


def _cancel_purchase(tx: Transaction, number: str, so_line_id: int) -> None:
    """The drop-ship purchase order line is not needed: the order is cancelled when it is
    its only line left, else the line alone."""
    found = drop_ship.bought_on(tx, so_line_id)
    assert found is not None and found[0].number == number
    po, line = found
    if sum(1 for ln in po.lines if not ln.cancelled) == 1:
        purchasing.cancel_purchase_order.within(tx, po.number)
    else:
        line.cancelled = True
        po.move_to(po.status_after_receipt())


class PathChangeBook:
    """The path changes one posting makes: each is inserted when it is made, so the order
    read back in the same posting shows it."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    @classmethod
    def of(cls, tx: Transaction) -> PathChangeBook:
        return tx.book(cls)

    def add(
        self,
        so: SalesOrderRecord,
        line: OrderLine,
        came: LinePath,
        to: LinePath,
        not_needed: str | None,
        made: str | None,
    ) -> None:
        self.tx.session.execute(
            insert(_CHANGES),
            {
                "sales_order_id": so.id,
                "sales_order_line_id": line.id,
                "from_path": came.value,
                "to_path": to.value,
                "not_needed": not_needed,
                "made": made,
                "changed_at": utcnow(),
                "changed_by": self.tx.actor.user,
            },
        )

    def write(self, event_id: int) -> None:
        """Nothing is left to write: a change is inserted when it is made."""
