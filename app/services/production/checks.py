"""The invariants of work orders for `shopfloor check` (declared in app/services/check.py):
what each work order consumed and received against its own ledger rows, and its status
against what has moved."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import LedgerEntry, LedgerReason, SourceKind, WorkOrder, WorkOrderLine, WOStatus
from app.models.quantity import millionths
from app.services.engine.checks import CheckReport, Facts, amount, invariant

_WO_KIND = SourceKind.WORK_ORDER.value


@invariant("work order lines issued what the ledger consumed")
def issued_is_the_ledger(f: Facts, report: CheckReport) -> None:
    """A line's issued is what its ledger rows (issues and backflush) consumed."""
    le, wol, wo = LedgerEntry, WorkOrderLine, WorkOrder
    consumed = (
        select(le.source_line_id.label("line_id"), (-func.sum(millionths(le.quantity))).label("q"))
        .where(
            le.source_kind == _WO_KIND,
            le.source_line_id.is_not(None),
            le.reason.in_((LedgerReason.ISSUE.value, LedgerReason.BACKFLUSH.value)),
        )
        .group_by(le.source_line_id)
        .subquery()
    )
    by_ledger = func.coalesce(consumed.c.q, 0)
    issued = millionths(wol.issued)
    rows = f.session.execute(
        select(
            wo.number,
            wol.component_id,
            issued.label("issued"),
            by_ledger.label("ledger"),
        )
        .join(wo, wo.id == wol.work_order_id)
        .outerjoin(consumed, consumed.c.line_id == wol.id)
        .where(by_ledger != issued)
        .order_by(wo.number)
    )
    for r in rows:
        report.problem(
            f"{r.number} {f.skus[r.component_id]}: issued {amount(r.issued)} but the ledger "
            f"consumed {amount(r.ledger)}"
        )


@invariant("work orders built what the ledger received")
def built_is_the_ledger(f: Facts, report: CheckReport) -> None:
    """A work order's built is what its completion rows received."""
    le, wo = LedgerEntry, WorkOrder
    received = (
        select(le.source_id.label("wo_id"), func.sum(millionths(le.quantity)).label("q"))
        .where(le.source_kind == _WO_KIND, le.reason == LedgerReason.COMPLETION.value)
        .group_by(le.source_id)
        .subquery()
    )
    by_ledger = func.coalesce(received.c.q, 0)
    built = millionths(wo.built)
    rows = f.session.execute(
        select(wo.number, built.label("built"), by_ledger.label("ledger"))
        .outerjoin(received, received.c.wo_id == wo.id)
        .where(by_ledger != built)
        .order_by(wo.number)
    )
    for r in rows:
        report.problem(
            f"{r.number}: built {amount(r.built)} but the ledger received {amount(r.ledger)}"
        )


@invariant("work order statuses match what has moved")
def statuses_match_movements(f: Facts, report: CheckReport) -> None:
    """Built means fully built; in process means something moved and not all is built;
    planned, released and cancelled mean nothing has moved."""
    wo, wol = WorkOrder, WorkOrderLine
    report.checked["work_orders"] = int(f.session.scalar(select(func.count()).select_from(wo)) or 0)
    quantity, built = millionths(wo.quantity), millionths(wo.built)
    issued_any = (
        select(wol.id).where(wol.work_order_id == wo.id, millionths(wol.issued) > 0).exists()
    )
    moved = (built > 0) | issued_any
    unmoved = [
        WOStatus.FIRM_PLANNED.value,
        WOStatus.OPEN_PLANNED.value,
        WOStatus.RELEASED.value,
        WOStatus.CANCELLED.value,
    ]
    rows = f.session.execute(
        select(wo.number, wo.status, quantity.label("quantity"), built.label("built"))
        .where(
            ((wo.status == WOStatus.BUILT.value) & (built < quantity))
            | ((wo.status == WOStatus.IN_PROCESS.value) & ((built >= quantity) | ~moved))
            | (wo.status.in_(unmoved) & moved)
        )
        .order_by(wo.number)
    )
    for r in rows:
        st = WOStatus(r.status)
        if st == WOStatus.BUILT:
            report.problem(
                f"{r.number}: built status with only {amount(r.built)} of {amount(r.quantity)}"
            )
        elif st == WOStatus.IN_PROCESS and r.built >= r.quantity:
            report.problem(
                f"{r.number}: in process although {amount(r.built)} of {amount(r.quantity)} built"
            )
        elif st == WOStatus.IN_PROCESS:
            report.problem(f"{r.number}: in process but nothing has moved")
        else:
            report.problem(f"{r.number}: {st.label} but stock has moved for it")
