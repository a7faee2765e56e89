"""What a customer return's progress means for it: its status after goods came back (or a
receipt was taken back) and the customer's credit for finance. One rule for a receipt, a
reversed receipt, approval, closing, cancelling, and goods a customer sent straight back to
the vendor who drop-shipped them (told by that vendor return)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.models import utcnow
from app.models.returns import RETURN_AUTHORIZATION, ReturnMoment, RMAStatus
from app.services.finance import FinanceBook, MomentLine, Told
from app.services.returns.records import ReturnRecord

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction


def settle_credit(tx: Transaction, rma: ReturnRecord) -> None:
    """Tell finance what the customer's credit has become since it was last told, line by
    line at the order line's rate (a kit as the kit)."""
    told = []
    for ln in rma.lines:
        if not ln.billed:
            continue
        due = rma.credit_due(ln)
        if due != ln.credited:
            told.append(MomentLine(ln.sku, due - ln.credited, ln.rate, ln.sales_order_line_id))
            ln.credited = due
    if not told:
        return
    FinanceBook.of(tx).tell(
        Told(
            ReturnMoment.CUSTOMER_CREDIT,
            RETURN_AUTHORIZATION.key,
            rma.number,
            rma.sales_order,
            rma.customer_po,
            rma.customer,
            told,
        )
    )
    if rma.credited_at is None:
        rma.credited_at = utcnow()


def came_back(tx: Transaction, rma: ReturnRecord) -> None:
    """What its lines received changed: a kit's heading counts the whole kits its members
    brought back, the status follows (a closed RMA stays closed), and so does the credit."""
    for ln in rma.lines:
        if ln.is_kit:
            ln.received = rma.kits_received(ln)
    if rma.state != RMAStatus.CLOSED:
        rma.move_to(rma.status_after_receipt())
    settle_credit(tx, rma)
