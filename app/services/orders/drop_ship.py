"""Drop-ship lines: a sales order line the vendor ships straight to the customer, bought on a
purchase order line created from it. Here are the rules of the pair, in one place: whether a
change of one's quantity changes the other's
(`update_drop_ship_order_quantities_automatically_prior_to_shipment`), what the vendor's
shipment does when the two differ (`drop_ship_fulfillment_quantity_validation`), and whether
one purchase order line may be both marked shipped and received into stock
(`allow_both_mark_shipped_fulfillments_and_receipts_on_a_drop_shipment_line`).

"Warn only" lets the posting go ahead and returns the warning in words with its result (the
command line prints it, the window shows it); "do not allow" refuses.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from app.errors import IllegalTransition, ValidationError
from app.models import POStatus, PurchaseOrder, PurchaseOrderLine, ReceiptLine, SOStatus
from app.models.quantity import ZERO, fmt
from app.services.orders.purchase_records import (
    PurchaseLine,
    PurchaseOrderBook,
    PurchaseOrderRecord,
)
from app.services.orders.records import OrderLine, SalesOrderRecord

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

# A sales order whose lines may still change.
_CHANGEABLE = frozenset(
    {SOStatus.PENDING_APPROVAL, SOStatus.PENDING_FULFILLMENT, SOStatus.PARTIALLY_FULFILLED}
)


def bought_on(tx: Transaction, so_line_id: int) -> tuple[PurchaseOrderRecord, PurchaseLine] | None:
    """The purchase order line a drop-ship sales order line is bought on (not cancelled),
    loaded through the book; None when it has none (not approved yet, or cancelled)."""
    number = tx.session.scalar(
        select(PurchaseOrder.number)
        .join(PurchaseOrderLine, PurchaseOrderLine.purchase_order_id == PurchaseOrder.id)
        .where(
            PurchaseOrderLine.sales_order_line_id == so_line_id,
            ~PurchaseOrderLine.cancelled,
            PurchaseOrder.status != POStatus.CANCELLED.value,
        )
        .order_by(PurchaseOrder.id.desc())
        .limit(1)
    )
    if number is None:
        return None
    po = PurchaseOrderBook.of(tx).load(number)
    line = next(ln for ln in po.lines if ln.sales_order_line_id == so_line_id and not ln.cancelled)
    return po, line


def in_step(
    tx: Transaction,
    so: SalesOrderRecord,
    so_line: OrderLine,
    po: PurchaseOrderRecord,
    line: PurchaseLine,
) -> bool:
    """Whether a change of one side's quantity changes the other's: the preference is on,
    nothing has shipped on the sales order line nor come on the purchase order line, and
    neither order is closed or cancelled (seed 001)."""
    return (
        tx.prefs.update_drop_ship_order_quantities_automatically_prior_to_shipment
        and so_line.fulfilled == 0
        and line.received == 0
        and not line.cancelled
        and po.is_open
        and so.state in _CHANGEABLE
    )


def unequal(
    so: SalesOrderRecord, so_line: OrderLine, po: PurchaseOrderRecord, line: PurchaseLine
) -> str | None:
    """The two quantities in words when they differ."""
    if line.cancelled or line.quantity == so_line.required:
        return None
    return (
        f"{so.number} line {so_line.label} orders {fmt(so_line.required)} {so_line.sku} but "
        f"{po.number} line {line.line_no} buys {fmt(line.quantity)}"
    )


def left_unequal(
    tx: Transaction,
    so: SalesOrderRecord,
    so_line: OrderLine,
    po: PurchaseOrderRecord,
    line: PurchaseLine,
) -> list[str]:
    """A warning for a change that leaves the pair unequal, unless unequal quantities are
    allowed (the vendor's shipment is where they are held to the preference)."""
    words = unequal(so, so_line, po, line)
    if words is None or tx.prefs.drop_ship_fulfillment_quantity_validation == "allow_unequal":
        return []
    return [f"{words}; the vendor's shipment of it will be {_WILL_BE[_mode(tx)]}"]


_WILL_BE = {"warn_only": "warned about", "do_not_allow": "refused until they match"}


def _mode(tx: Transaction) -> str:
    return tx.prefs.drop_ship_fulfillment_quantity_validation


def check_quantities(
    tx: Transaction,
    so: SalesOrderRecord,
    so_line: OrderLine,
    po: PurchaseOrderRecord,
    line: PurchaseLine,
) -> list[str]:
    """`drop_ship_fulfillment_quantity_validation`, as the vendor ships a drop-ship line or
    it is received: unequal quantities go ahead, go ahead with a warning, or are refused."""
    words = unequal(so, so_line, po, line)
    if words is None or _mode(tx) == "allow_unequal":
        return []
    if _mode(tx) == "do_not_allow":
        raise ValidationError(
            f"{words}: a drop-ship line's quantities must match "
            "(drop_ship_fulfillment_quantity_validation); change one of them first"
        )
    return [f"{words}: the quantities differ"]


def received_into_stock(tx: Transaction, po: PurchaseOrderRecord) -> dict[int, Decimal]:
    """What receipts brought into stock on each line of a purchase order (by line id)."""
    rows = tx.session.execute(
        select(ReceiptLine.purchase_order_line_id, func.sum(ReceiptLine.quantity))
        .where(ReceiptLine.purchase_order_line_id.in_([ln.id for ln in po.lines]))
        .group_by(ReceiptLine.purchase_order_line_id)
    )
    return {line_id: total for line_id, total in rows}


def _both(tx: Transaction, words: str) -> list[str]:
    """`allow_both_mark_shipped_fulfillments_and_receipts_on_a_drop_shipment_line`."""
    mode = tx.prefs.allow_both_mark_shipped_fulfillments_and_receipts_on_a_drop_shipment_line
    if mode == "do_not_allow":
        raise IllegalTransition(
            f"{words}; a drop-ship line is either shipped by the vendor or received, not both "
            "(allow_both_mark_shipped_fulfillments_and_receipts_on_a_drop_shipment_line)"
        )
    if mode == "warn_only":
        return [f"{words}: stock, commitments and the books are affected by both"]
    return []


def check_receipt(
    tx: Transaction, po: PurchaseOrderRecord, lines: Iterable[PurchaseLine]
) -> list[str]:
    """A receipt into stock on a drop-ship order: a line the vendor has already shipped to
    the customer is held to the preference."""
    if not po.drop_ship:
        return []
    stocked = received_into_stock(tx, po)
    warnings: list[str] = []
    for line in lines:
        shipped = line.received - stocked.get(line.id, ZERO)
        if shipped > 0:
            warnings += _both(
                tx,
                f"{po.number} line {line.line_no}: the vendor shipped {fmt(shipped)} "
                f"{line.sku} to the customer already",
            )
    return warnings


def check_mark_shipped(tx: Transaction, po: PurchaseOrderRecord) -> list[str]:
    """The vendor's shipment on a drop-ship order some of whose goods were received into
    stock is held to the preference."""
    stocked = {k: v for k, v in received_into_stock(tx, po).items() if v > 0}
    if not stocked:
        return []
    lines = ", ".join(f"{fmt(stocked[ln.id])} {ln.sku}" for ln in po.lines if ln.id in stocked)
    return _both(tx, f"{po.number} was received into stock ({lines})")
