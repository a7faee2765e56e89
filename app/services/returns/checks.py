"""The invariants of customer returns for `shopfloor check`: each RMA line against the ledger
(what it received, restocked and scrapped, a reversed receipt included), its credit against
what finance was told, and no sales order line taken back beyond what it shipped."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from app.models import FinanceEvent, FinanceLine, LedgerEntry, LinePath, SalesOrderLine
from app.models.quantity import SCALE, fmt, millionths
from app.models.returns import (
    RMA_CREDITED_IN_ADVANCE,
    ReturnAuthorization,
    ReturnLine,
    ReturnMoment,
    ReturnReason,
    ReturnSource,
    RMAStatus,
    returned_by_line,
)
from app.models.sales import whole_kits
from app.models.vendor_return import VendorReturnLine
from app.services.engine.checks import CheckReport, Facts, amount, invariant

_KIND = ReturnSource.RETURN_AUTHORIZATION.value
_IN = ReturnReason.CUSTOMER_RETURN.value
_SCRAP = ReturnReason.RETURN_SCRAP.value


def _dec(millionths_value: int) -> Decimal:
    return Decimal(millionths_value).scaleb(-SCALE)


def _label(line_no: int, member_no: int) -> str:
    return f"{line_no}.{member_no}" if member_no else str(line_no)


@invariant("a return's lines are the ledger")
def return_lines_are_the_ledger(f: Facts, report: CheckReport) -> None:
    """A line that carries stock received what its `customer_return` rows brought in and
    scrapped what its `return_scrap` rows took out (a reversed receipt's rows counted with
    the rows they reverse); it restocked the rest. A drop-shipped line received what its
    vendor returns sent back to the vendor, and moved no stock. A kit's heading counts the
    whole kits its members brought back. Every return row names a line of the RMA it names."""
    le, line, rma, sol = LedgerEntry, ReturnLine, ReturnAuthorization, SalesOrderLine
    report.checked["return_lines"] = int(
        f.session.scalar(select(func.count()).select_from(line)) or 0
    )
    original = aliased(LedgerEntry)
    reason = func.coalesce(original.reason, le.reason)
    posted: dict[int, dict[str, int]] = defaultdict(dict)
    for moved in f.session.execute(
        select(
            le.source_line_id,
            reason.label("reason"),
            func.sum(millionths(le.quantity)).label("q"),
        )
        .outerjoin(original, original.id == le.reverses_id)
        .where(le.source_kind == _KIND)
        .group_by(le.source_line_id, reason)
    ):
        posted[moved.source_line_id][moved.reason] = int(moved.q)
    vl = VendorReturnLine
    to_vendor = {
        r.line_id: int(r.q)
        for r in f.session.execute(
            select(vl.return_line_id.label("line_id"), func.sum(millionths(vl.shipped)).label("q"))
            .where(vl.return_line_id.is_not(None))
            .group_by(vl.return_line_id)
        )
    }
    rows = f.session.execute(
        select(
            rma.number,
            line.id,
            line.sales_order_line_id,
            sol.line_no,
            sol.member_no,
            sol.parent_id,
            sol.path,
            millionths(line.quantity).label("quantity"),
            millionths(line.received).label("received"),
            millionths(line.restocked).label("restocked"),
            millionths(line.scrapped).label("scrapped"),
        )
        .join(rma, rma.id == line.return_authorization_id)
        .join(sol, sol.id == line.sales_order_line_id)
        .order_by(rma.number, sol.line_no, sol.member_no)
    ).all()
    members: dict[tuple[str, int], list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for r in rows:
        if r.parent_id is not None:
            members[(r.number, r.parent_id)].append((_dec(r.received), _dec(r.quantity)))
    for r in rows:
        where = f"{r.number} line {_label(r.line_no, r.member_no)}"
        if r.path == LinePath.KIT.value:
            kits = whole_kits(_dec(r.quantity), members[(r.number, r.sales_order_line_id)])
            if _dec(r.received) != kits or posted.get(r.id):
                report.problem(
                    f"{where}: a kit that received {amount(r.received)} but its members "
                    f"brought back {fmt(kits)} whole kits"
                )
            continue
        if r.path == LinePath.DROP_SHIP.value:
            sent = to_vendor.get(r.id, 0)
            if (r.received, r.restocked, r.scrapped) != (sent, 0, 0) or posted.get(r.id):
                report.problem(
                    f"{where}: goes back to the vendor and received {amount(r.received)} but "
                    f"its vendor returns sent back {amount(sent)}"
                )
            continue
        ledger = posted.get(r.id, {})
        came, gone = ledger.get(_IN, 0), -ledger.get(_SCRAP, 0)
        if (r.received, r.scrapped, r.restocked) != (came, gone, came - gone):
            report.problem(
                f"{where}: received {amount(r.received)}, restocked {amount(r.restocked)}, "
                f"scrapped {amount(r.scrapped)} but the ledger brought in {amount(came)} and "
                f"scrapped {amount(gone)}"
            )
    strays = f.session.execute(
        select(le.id, le.source_ref)
        .outerjoin(
            line, and_(line.id == le.source_line_id, line.return_authorization_id == le.source_id)
        )
        .where(le.source_kind == _KIND, line.id.is_(None))
        .order_by(le.id)
    )
    for s in strays:
        report.problem(f"ledger row {s.id} ({s.source_ref}) names no line of a return")
    nothing_yet = f.session.execute(
        select(rma.number)
        .join(line, line.return_authorization_id == rma.id)
        .where(
            rma.status.in_(
                [
                    RMAStatus.PENDING_APPROVAL.value,
                    RMAStatus.PENDING_RECEIPT.value,
                    RMAStatus.CANCELLED.value,
                ]
            ),
            line.received != 0,
        )
        .distinct()
    )
    for n in nothing_yet:
        report.problem(f"{n.number}: received goods in a status that has received none")


@invariant("a return's credit is what finance was told")
def return_credit_is_told(f: Facts, report: CheckReport) -> None:
    """Each billed line (not a kit's member) has credited what is due: everything authorized
    while an RMA refunded in advance is approved and not finished, else what came back; and
    finance was told exactly that, at the line's rate."""
    line, rma, sol, fe, fl = (
        ReturnLine,
        ReturnAuthorization,
        SalesOrderLine,
        FinanceEvent,
        FinanceLine,
    )
    told = (
        select(
            fe.document.label("number"),
            fl.sales_order_line_id.label("line_id"),
            func.sum(millionths(fl.quantity)).label("q"),
        )
        .join(fl, fl.finance_event_id == fe.id)
        .where(fe.moment == ReturnMoment.CUSTOMER_CREDIT.value)
        .group_by(fe.document, fl.sales_order_line_id)
        .subquery()
    )
    advance = rma.credit_in_advance & rma.status.in_([s.value for s in RMA_CREDITED_IN_ADVANCE])
    due = case((advance, millionths(line.quantity)), else_=millionths(line.received))
    by_finance = func.coalesce(told.c.q, 0)
    for r in f.session.execute(
        select(
            rma.number,
            sol.line_no,
            sol.member_no,
            millionths(line.credited).label("credited"),
            due.label("due"),
            by_finance.label("told"),
        )
        .join(rma, rma.id == line.return_authorization_id)
        .join(sol, sol.id == line.sales_order_line_id)
        .outerjoin(
            told,
            (told.c.number == rma.number) & (told.c.line_id == line.sales_order_line_id),
        )
        .where(
            ((sol.member_no == 0) & ((millionths(line.credited) != due) | (by_finance != due)))
            | ((sol.member_no != 0) & ((line.credited != 0) | (by_finance != 0)))
        )
        .order_by(rma.number, sol.line_no, sol.member_no)
    ):
        report.problem(
            f"{r.number} line {_label(r.line_no, r.member_no)}: credits {amount(r.credited)}, "
            f"{amount(r.due if not r.member_no else 0)} is due and finance was told "
            f"{amount(r.told)}"
        )


@invariant("no order line comes back beyond what it shipped")
def returns_within_shipments(f: Facts, report: CheckReport) -> None:
    """What RMAs take back of a line that carries stock is at most what it shipped (a kit's
    heading is held to it through its members)."""
    sol = SalesOrderLine
    taken = returned_by_line().subquery()
    for r in f.session.execute(
        select(
            sol.id,
            sol.line_no,
            sol.member_no,
            millionths(sol.fulfilled).label("fulfilled"),
            millionths(taken.c.returned).label("returned"),
        )
        .join(taken, taken.c.line_id == sol.id)
        .where(
            sol.path != LinePath.KIT.value, millionths(taken.c.returned) > millionths(sol.fulfilled)
        )
    ):
        report.problem(
            f"sales order line {r.id} ({_label(r.line_no, r.member_no)}): returns take back "
            f"{amount(r.returned)} of the {amount(r.fulfilled)} it shipped"
        )
