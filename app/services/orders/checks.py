"""The order side's invariants for `shopfloor check` (declared in app/services/check.py):
what each sales order line shipped and picked against its fulfillments, each shipment and
receipt against the ledger, each purchase order line against its receipts, and each sales
order's status against what it shipped."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import case, func, select

from app.models import (
    FULFILLMENT_OPEN,
    Fulfillment,
    FulfillmentLine,
    FulfillmentStatus,
    LedgerEntry,
    LedgerReason,
    PurchaseOrder,
    PurchaseOrderLine,
    ReceiptLine,
    SalesOrder,
    SalesOrderLine,
    SOStatus,
    SourceKind,
)
from app.models.figures import need_of
from app.models.quantity import millionths
from app.services.engine.checks import CheckReport, Facts, amount, invariant
from app.services.orders.records import SHIPPING_PATHS

_SHIPPED = FulfillmentStatus.SHIPPED.value
_OPEN = [s.value for s in FULFILLMENT_OPEN]


def _label(line_no: int, member_no: int) -> str:
    return f"{line_no}.{member_no}" if member_no else str(line_no)


@invariant("order lines match their fulfillments")
def order_lines_match_their_fulfillments(f: Facts, report: CheckReport) -> None:
    """A line's fulfilled is what its shipped fulfillments carry; its picked is what its open
    fulfillments carry, as far as the line still needs it."""
    sol, fl, ful = SalesOrderLine, FulfillmentLine, Fulfillment
    shipped: dict[int, int] = defaultdict(int)
    picked: dict[int, int] = defaultdict(int)
    for r in f.session.execute(
        select(fl.sales_order_line_id, ful.status, func.sum(millionths(fl.quantity)).label("q"))
        .join(ful, ful.id == fl.fulfillment_id)
        .group_by(fl.sales_order_line_id, ful.status)
    ):
        if r.status == _SHIPPED:
            shipped[r.sales_order_line_id] += int(r.q)
        elif r.status in _OPEN:
            picked[r.sales_order_line_id] += int(r.q)
    report.checked["sales_order_lines"] = int(
        f.session.scalar(select(func.count()).select_from(sol)) or 0
    )
    need = need_of(millionths(sol.quantity), millionths(sol.fulfilled))
    for r in f.session.execute(
        select(
            SalesOrder.number,
            sol.id,
            sol.line_no,
            sol.member_no,
            millionths(sol.fulfilled).label("fulfilled"),
            millionths(sol.picked).label("picked"),
            need.label("need"),
        )
        .join(SalesOrder, SalesOrder.id == sol.sales_order_id)
        .where((sol.fulfilled != 0) | (sol.picked != 0) | sol.id.in_([*shipped, *picked]))
        .order_by(SalesOrder.number, sol.line_no, sol.member_no)
    ):
        where = f"{r.number} line {_label(r.line_no, r.member_no)}"
        if r.fulfilled != shipped.get(r.id, 0):
            report.problem(
                f"{where}: fulfilled {amount(r.fulfilled)} but its shipped fulfillments carry "
                f"{amount(shipped.get(r.id, 0))}"
            )
        expected = min(int(r.need), picked.get(r.id, 0))
        if r.picked != expected:
            report.problem(
                f"{where}: picked {amount(r.picked)} but its open fulfillments hold "
                f"{amount(expected)} of what it still needs"
            )


@invariant("shipments are the ledger")
def shipments_are_the_ledger(f: Facts, report: CheckReport) -> None:
    """A shipped fulfillment's lines left stock as ledger rows of the same quantity (a
    drop-ship fulfillment and an unshipped one have none)."""
    fl, ful, le = FulfillmentLine, Fulfillment, LedgerEntry
    posted = (
        select(le.source_line_id.label("line_id"), (-func.sum(millionths(le.quantity))).label("q"))
        .where(
            le.source_kind == SourceKind.FULFILLMENT.value,
            le.reason == LedgerReason.SHIPMENT.value,
        )
        .group_by(le.source_line_id)
        .subquery()
    )
    by_ledger = func.coalesce(posted.c.q, 0)
    expected = func.coalesce(millionths(fl.quantity), 0)
    moved = (ful.status == _SHIPPED) & ~ful.drop_ship
    for r in f.session.execute(
        select(
            ful.number, fl.id, moved.label("moved"), expected.label("q"), by_ledger.label("ledger")
        )
        .join(ful, ful.id == fl.fulfillment_id)
        .outerjoin(posted, posted.c.line_id == fl.id)
        .where((moved & (by_ledger != expected)) | (~moved & (by_ledger != 0)))
        .order_by(ful.number)
    ):
        report.problem(
            f"{r.number}: a line of {amount(r.q) if r.moved else '0'} left "
            f"{amount(r.ledger)} through the ledger"
        )


@invariant("purchase lines match their receipts")
def purchase_lines_match_their_receipts(f: Facts, report: CheckReport) -> None:
    """A purchase order line's received is what its receipts brought in, less the receipts
    reversed since, and every receipt line is a ledger row of the same quantity."""
    pol, rl, le = PurchaseOrderLine, ReceiptLine, LedgerEntry
    taken_back = (
        select(le.source_line_id.label("line_id"), func.sum(millionths(le.quantity)).label("q"))
        .where(le.source_kind == SourceKind.RECEIPT.value, le.reason == LedgerReason.REVERSAL.value)
        .group_by(le.source_line_id)
        .subquery()
    )
    received = (
        select(
            rl.purchase_order_line_id.label("line_id"),
            func.sum(millionths(rl.quantity) + func.coalesce(taken_back.c.q, 0)).label("q"),
        )
        .outerjoin(taken_back, taken_back.c.line_id == rl.id)
        .group_by(rl.purchase_order_line_id)
        .subquery()
    )
    by_receipts = func.coalesce(received.c.q, 0)
    for r in f.session.execute(
        select(
            PurchaseOrder.number,
            pol.line_no,
            millionths(pol.received).label("received"),
            by_receipts.label("q"),
        )
        .join(PurchaseOrder, PurchaseOrder.id == pol.purchase_order_id)
        .outerjoin(received, received.c.line_id == pol.id)
        .where(~PurchaseOrder.drop_ship, by_receipts != millionths(pol.received))
        .order_by(PurchaseOrder.number, pol.line_no)
    ):
        report.problem(
            f"{r.number} line {r.line_no}: received {amount(r.received)} but its receipts "
            f"brought in {amount(r.q)} (less those reversed)"
        )
    posted = (
        select(le.source_line_id.label("line_id"), func.sum(millionths(le.quantity)).label("q"))
        .where(le.source_kind == SourceKind.RECEIPT.value, le.reason == LedgerReason.RECEIPT.value)
        .group_by(le.source_line_id)
        .subquery()
    )
    by_ledger = func.coalesce(posted.c.q, 0)
    report.checked["receipt_lines"] = int(
        f.session.scalar(select(func.count()).select_from(rl)) or 0
    )
    for r in f.session.execute(
        select(rl.id, millionths(rl.quantity).label("q"), by_ledger.label("ledger"))
        .outerjoin(posted, posted.c.line_id == rl.id)
        .where(by_ledger != millionths(rl.quantity))
    ):
        report.problem(
            f"receipt line {r.id}: {amount(r.q)} received but the ledger has {amount(r.ledger)}"
        )


@invariant("sales order statuses match what shipped")
def order_statuses_match_shipments(f: Facts, report: CheckReport) -> None:
    """Fulfilled means every shipping line has shipped; partially fulfilled means some has;
    pending means none has."""
    sol = SalesOrderLine
    rows = f.session.execute(
        select(
            SalesOrder.number,
            SalesOrder.status,
            func.count().label("lines"),
            func.sum(case((sol.fulfilled >= sol.quantity, 1), else_=0)).label("done"),
            func.sum(case((sol.fulfilled > 0, 1), else_=0)).label("started"),
        )
        .join(sol, sol.sales_order_id == SalesOrder.id)
        .where(
            sol.path.in_(SHIPPING_PATHS),
            SalesOrder.status.in_(
                [
                    SOStatus.PENDING_APPROVAL.value,
                    SOStatus.PENDING_FULFILLMENT.value,
                    SOStatus.PARTIALLY_FULFILLED.value,
                    SOStatus.FULFILLED.value,
                ]
            ),
        )
        .group_by(SalesOrder.number, SalesOrder.status)
        .order_by(SalesOrder.number)
    )
    for r in rows:
        done, started = int(r.done or 0), int(r.started or 0)
        if r.status == SOStatus.FULFILLED.value and done < r.lines:
            report.problem(f"{r.number}: fulfilled but {r.lines - done} line(s) still to ship")
        elif r.status == SOStatus.PARTIALLY_FULFILLED.value and (started == 0 or done == r.lines):
            report.problem(f"{r.number}: partially fulfilled but {done} of {r.lines} lines shipped")
        elif (
            r.status in (SOStatus.PENDING_FULFILLMENT.value, SOStatus.PENDING_APPROVAL.value)
            and started
        ):
            report.problem(f"{r.number}: {SOStatus(r.status).label} but lines have shipped")


@invariant("drop-ship lines match what the vendor shipped and what came in")
def drop_ship_lines_match(f: Facts, report: CheckReport) -> None:
    """A drop-ship purchase order line's received is what its vendor shipped to the customer
    (the sales order line's drop-ship fulfillments) plus what its receipts brought into
    stock: summed over the purchase order lines of each sales order line."""
    pol, rl, fl, ful = PurchaseOrderLine, ReceiptLine, FulfillmentLine, Fulfillment
    stocked = (
        select(
            rl.purchase_order_line_id.label("line_id"), func.sum(millionths(rl.quantity)).label("q")
        )
        .group_by(rl.purchase_order_line_id)
        .subquery()
    )
    by_vendor = (
        select(
            pol.sales_order_line_id.label("so_line"),
            func.sum(millionths(pol.received) - func.coalesce(stocked.c.q, 0)).label("q"),
        )
        .join(PurchaseOrder, PurchaseOrder.id == pol.purchase_order_id)
        .outerjoin(stocked, stocked.c.line_id == pol.id)
        .where(PurchaseOrder.drop_ship, pol.sales_order_line_id.is_not(None))
        .group_by(pol.sales_order_line_id)
        .subquery()
    )
    shipped = (
        select(
            fl.sales_order_line_id.label("so_line"), func.sum(millionths(fl.quantity)).label("q")
        )
        .join(ful, ful.id == fl.fulfillment_id)
        .where(ful.drop_ship, ful.status == _SHIPPED)
        .group_by(fl.sales_order_line_id)
        .subquery()
    )
    told = func.coalesce(shipped.c.q, 0)
    for r in f.session.execute(
        select(
            SalesOrder.number,
            SalesOrderLine.line_no,
            SalesOrderLine.member_no,
            by_vendor.c.q.label("by_orders"),
            told.label("shipped"),
        )
        .select_from(by_vendor)
        .join(SalesOrderLine, SalesOrderLine.id == by_vendor.c.so_line)
        .join(SalesOrder, SalesOrder.id == SalesOrderLine.sales_order_id)
        .outerjoin(shipped, shipped.c.so_line == by_vendor.c.so_line)
        .where(by_vendor.c.q != told)
        .order_by(SalesOrder.number, SalesOrderLine.line_no)
    ):
        report.problem(
            f"{r.number} line {_label(r.line_no, r.member_no)}: its purchase orders say the "
            f"vendor shipped {amount(r.by_orders)} but its drop-ship fulfillments carry "
            f"{amount(r.shipped)}"
        )
    for r in f.session.execute(
        select(
            PurchaseOrder.number,
            pol.line_no,
            millionths(pol.received).label("received"),
            stocked.c.q,
        )
        .join(PurchaseOrder, PurchaseOrder.id == pol.purchase_order_id)
        .join(stocked, stocked.c.line_id == pol.id)
        .where(PurchaseOrder.drop_ship, stocked.c.q > millionths(pol.received))
        .order_by(PurchaseOrder.number, pol.line_no)
    ):
        report.problem(
            f"{r.number} line {r.line_no}: received {amount(r.received)} but its receipts "
            f"brought in {amount(r.q)}"
        )
