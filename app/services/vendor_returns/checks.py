"""Vendor returns' invariants for `shopfloor check`: what each line shipped back is its ledger
rows; no receipt line gives back more than it brought in; each line returns the item of its
receipt; a line sending back what a customer returned is that return's line and moves no
stock; each return's status agrees with what went back."""

from __future__ import annotations

from sqlalchemy import case, func, select

from app.models import LedgerEntry, PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine
from app.models.quantity import millionths
from app.models.returns import ReturnLine
from app.models.vendor_return import (
    VRA_OPEN,
    VendorReturn,
    VendorReturnLine,
    VendorReturnReason,
    VendorReturnSource,
    VRAStatus,
)
from app.services.engine.checks import CheckReport, Facts, amount, invariant

_OPEN = [s.value for s in VRA_OPEN]


@invariant("vendor returns are the ledger")
def vendor_returns_are_the_ledger(f: Facts, report: CheckReport) -> None:
    """A vendor return line's shipped is the stock its ledger rows took out, at its location,
    at its cost; no vendor return row names a line that does not exist."""
    vl, le = VendorReturnLine, LedgerEntry
    report.checked["vendor_return_lines"] = int(
        f.session.scalar(select(func.count()).select_from(vl)) or 0
    )
    posted = (
        select(
            le.source_line_id.label("line_id"),
            (-func.sum(millionths(le.quantity))).label("q"),
            func.count().label("rows"),
            func.min(le.location_id).label("low"),
            func.max(le.location_id).label("high"),
            func.min(le.unit_cost).label("cheap"),
            func.max(le.unit_cost).label("dear"),
        )
        .where(
            le.source_kind == VendorReturnSource.VENDOR_RETURN.value,
            le.reason == VendorReturnReason.VENDOR_RETURN.value,
        )
        .group_by(le.source_line_id)
        .subquery()
    )
    by_ledger = func.coalesce(posted.c.q, 0)
    for r in f.session.execute(
        select(
            VendorReturn.number,
            VendorReturn.location_id,
            vl.line_no,
            vl.unit_cost,
            millionths(vl.shipped).label("shipped"),
            by_ledger.label("ledger"),
            posted.c.rows,
            posted.c.low,
            posted.c.high,
            posted.c.cheap,
            posted.c.dear,
        )
        .join(VendorReturn, VendorReturn.id == vl.vendor_return_id)
        .outerjoin(posted, posted.c.line_id == vl.id)
        .where(vl.receipt_line_id.is_not(None))
        .where(
            (by_ledger != millionths(vl.shipped))
            | (posted.c.low != VendorReturn.location_id)
            | (posted.c.high != VendorReturn.location_id)
            | (posted.c.cheap != vl.unit_cost)
            | (posted.c.dear != vl.unit_cost)
        )
        .order_by(VendorReturn.number, vl.line_no)
    ):
        where = f"{r.number} line {r.line_no}"
        if r.ledger != r.shipped:
            report.problem(
                f"{where}: shipped back {amount(r.shipped)} but its ledger rows took out "
                f"{amount(r.ledger)}"
            )
        else:
            report.problem(f"{where}: its ledger rows are not at its location and cost")
    strays = f.session.scalar(
        select(func.count())
        .select_from(le)
        .outerjoin(vl, vl.id == le.source_line_id)
        .where(le.source_kind == VendorReturnSource.VENDOR_RETURN.value, vl.id.is_(None))
    )
    if strays:
        report.problem(f"{strays} vendor return ledger rows name no vendor return line")


@invariant("vendor returns stay within their receipts")
def vendor_returns_stay_within_their_receipts(f: Facts, report: CheckReport) -> None:
    """No receipt line has more on vendor returns (an open return's quantity, a finished
    one's shipped) than it brought in, and each return line is its receipt line's item and
    purchase order line."""
    vl, rl = VendorReturnLine, ReceiptLine
    held = case(
        (VendorReturn.status.in_(_OPEN), millionths(vl.quantity)), else_=millionths(vl.shipped)
    )
    claimed = (
        select(vl.receipt_line_id.label("line_id"), func.sum(held).label("q"))
        .join(VendorReturn, VendorReturn.id == vl.vendor_return_id)
        .where(VendorReturn.status != VRAStatus.CANCELLED.value)
        .group_by(vl.receipt_line_id)
        .subquery()
    )
    for r in f.session.execute(
        select(Receipt.number, millionths(rl.quantity).label("came"), claimed.c.q)
        .join(claimed, claimed.c.line_id == rl.id)
        .join(Receipt, Receipt.id == rl.receipt_id)
        .where(claimed.c.q > millionths(rl.quantity))
        .order_by(Receipt.number)
    ):
        report.problem(
            f"{r.number}: a line that brought in {amount(r.came)} has {amount(r.q)} on vendor "
            "returns"
        )
    for r in f.session.execute(
        select(VendorReturn.number, vl.line_no)
        .join(VendorReturn, VendorReturn.id == vl.vendor_return_id)
        .join(rl, rl.id == vl.receipt_line_id)
        .join(PurchaseOrderLine, PurchaseOrderLine.id == rl.purchase_order_line_id)
        .where(
            (rl.purchase_order_line_id != vl.purchase_order_line_id)
            | (PurchaseOrderLine.item_id != vl.item_id)
            | (PurchaseOrderLine.purchase_order_id != VendorReturn.purchase_order_id)
        )
        .order_by(VendorReturn.number, vl.line_no)
    ):
        report.problem(
            f"{r.number} line {r.line_no}: not the item and order line of the receipt it returns"
        )


@invariant("vendor returns send back what customers returned")
def vendor_returns_for_customers(f: Facts, report: CheckReport) -> None:
    """A line naming a customer return line is on the vendor return made from that RMA,
    returns its item through a drop-ship order line that shipped it, and posts no ledger
    rows; no drop-ship order line has more on such returns than its vendor shipped."""
    vl, rl, pol, le = VendorReturnLine, ReturnLine, PurchaseOrderLine, LedgerEntry
    moved = (
        select(le.id)
        .where(
            le.source_kind == VendorReturnSource.VENDOR_RETURN.value,
            le.source_line_id == vl.id,
        )
        .exists()
    )
    for r in f.session.execute(
        select(VendorReturn.number, vl.line_no)
        .join(VendorReturn, VendorReturn.id == vl.vendor_return_id)
        .join(rl, rl.id == vl.return_line_id)
        .join(pol, pol.id == vl.purchase_order_line_id)
        .join(PurchaseOrder, PurchaseOrder.id == pol.purchase_order_id)
        .where(
            (VendorReturn.return_authorization_id.is_(None))
            | (VendorReturn.return_authorization_id != rl.return_authorization_id)
            | (rl.item_id != vl.item_id)
            | (pol.item_id != vl.item_id)
            | (pol.sales_order_line_id != rl.sales_order_line_id)
            | (PurchaseOrder.drop_ship.is_not(True))
            | (PurchaseOrder.id != VendorReturn.purchase_order_id)
            | moved
        )
        .order_by(VendorReturn.number, vl.line_no)
    ):
        report.problem(
            f"{r.number} line {r.line_no}: not the customer return line and drop-ship order "
            "line it sends back, or it moved stock"
        )
    held = case(
        (VendorReturn.status.in_(_OPEN), millionths(vl.quantity)), else_=millionths(vl.shipped)
    )
    claimed = (
        select(vl.purchase_order_line_id.label("line_id"), func.sum(held).label("q"))
        .join(VendorReturn, VendorReturn.id == vl.vendor_return_id)
        .where(VendorReturn.status != VRAStatus.CANCELLED.value, vl.return_line_id.is_not(None))
        .group_by(vl.purchase_order_line_id)
        .subquery()
    )
    for r in f.session.execute(
        select(
            PurchaseOrder.number,
            pol.line_no,
            millionths(pol.received).label("shipped"),
            claimed.c.q,
        )
        .join(claimed, claimed.c.line_id == pol.id)
        .join(PurchaseOrder, PurchaseOrder.id == pol.purchase_order_id)
        .where(claimed.c.q > millionths(pol.received))
        .order_by(PurchaseOrder.number, pol.line_no)
    ):
        report.problem(
            f"{r.number} line {r.line_no}: the vendor shipped {amount(r.shipped)} to customers "
            f"but {amount(r.q)} of it is on vendor returns"
        )


@invariant("vendor return statuses match what went back")
def vendor_return_statuses_match(f: Facts, report: CheckReport) -> None:
    """Returned: every line went back in full; partially returned: some did, not all;
    pending or cancelled: nothing did."""
    vl = VendorReturnLine
    for r in f.session.execute(
        select(
            VendorReturn.number,
            VendorReturn.status,
            func.count().label("lines"),
            func.sum(case((vl.shipped >= vl.quantity, 1), else_=0)).label("done"),
            func.sum(case((vl.shipped > 0, 1), else_=0)).label("started"),
        )
        .join(vl, vl.vendor_return_id == VendorReturn.id)
        .group_by(VendorReturn.number, VendorReturn.status)
        .order_by(VendorReturn.number)
    ):
        done, started = int(r.done or 0), int(r.started or 0)
        status = VRAStatus(r.status)
        if status == VRAStatus.RETURNED and done < r.lines:
            report.problem(f"{r.number}: returned but {r.lines - done} line(s) still to go back")
        elif status == VRAStatus.PARTIALLY_RETURNED and (started == 0 or done == r.lines):
            report.problem(
                f"{r.number}: partially returned but {done} of {r.lines} lines went back"
            )
        elif status == VRAStatus.CLOSED and started == 0:
            report.problem(f"{r.number}: closed but nothing went back")
        elif (
            status
            in (
                VRAStatus.PENDING_APPROVAL,
                VRAStatus.PENDING_RETURN,
                VRAStatus.CANCELLED,
            )
            and started
        ):
            report.problem(f"{r.number}: {status.label} but goods went back")
