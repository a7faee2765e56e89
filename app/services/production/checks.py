"""The invariants of work orders for `shopfloor check` (declared in app/services/check.py):
what each work order consumed, returned, scrapped, built and unbuilt against its own ledger
rows, the rows that undo others against what they undo, its status against what has moved,
and its hold."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import aliased

from app.models import (
    LedgerEntry,
    LedgerReason,
    SourceKind,
    WorkOrder,
    WorkOrderLine,
    WorkOrderReason,
    WOStatus,
)
from app.models.quantity import millionths
from app.models.work_order import OPEN_DEMAND
from app.services.engine.checks import CheckReport, Facts, amount, invariant

_WO_KIND = SourceKind.WORK_ORDER.value
# A line holds what its issues and backflush consumed, less what returns and unbuilds gave
# back to stock.
_HELD_BY_LINE = (
    LedgerReason.ISSUE.value,
    LedgerReason.BACKFLUSH.value,
    WorkOrderReason.COMPONENT_RETURN.value,
    WorkOrderReason.UNBUILD.value,
)


def _sum_of(reasons: tuple[str, ...], sign: int = 1) -> ColumnElement[Any]:
    """The ledger rows' quantity for some reasons (`sign` -1: what left stock)."""
    q = millionths(LedgerEntry.quantity)
    return func.coalesce(func.sum(case((LedgerEntry.reason.in_(reasons), q), else_=0)), 0) * sign


@invariant("work order lines issued, returned and scrapped what the ledger says")
def lines_are_the_ledger(f: Facts, report: CheckReport) -> None:
    """A line's issued is what its ledger rows consumed net of what went back (returns,
    unbuilds); its returned what returns took back; its scrapped what scraps took away."""
    le, wol, wo = LedgerEntry, WorkOrderLine, WorkOrder
    sums = (
        select(
            le.source_line_id.label("line_id"),
            _sum_of(_HELD_BY_LINE, -1).label("issued"),
            _sum_of((WorkOrderReason.COMPONENT_RETURN.value,)).label("returned"),
            _sum_of((WorkOrderReason.SCRAP.value,), -1).label("scrapped"),
        )
        .where(le.source_kind == _WO_KIND, le.source_line_id.is_not(None))
        .group_by(le.source_line_id)
        .subquery()
    )
    figures = {
        "issued": (millionths(wol.issued), "issued", "consumed"),
        "returned": (millionths(wol.returned), "returned", "took back"),
        "scrapped": (millionths(wol.scrapped), "scrapped", "scrapped"),
    }
    by_ledger = {name: func.coalesce(sums.c[name], 0) for name in figures}
    rows = f.session.execute(
        select(
            wo.number,
            wol.component_id,
            *(column.label(name) for name, (column, _w, _l) in figures.items()),
            *(by_ledger[name].label(f"ledger_{name}") for name in figures),
        )
        .join(wo, wo.id == wol.work_order_id)
        .outerjoin(sums, sums.c.line_id == wol.id)
        .where(
            (by_ledger["issued"] != figures["issued"][0])
            | (by_ledger["returned"] != figures["returned"][0])
            | (by_ledger["scrapped"] != figures["scrapped"][0])
        )
        .order_by(wo.number)
    )
    for r in rows:
        m = r._mapping
        for name, (_column, words, ledger_words) in figures.items():
            if m[name] != m[f"ledger_{name}"]:
                report.problem(
                    f"{r.number} {f.skus[r.component_id]}: {words} {amount(m[name])} but the "
                    f"ledger {ledger_words} {amount(m[f'ledger_{name}'])}"
                )


@invariant("work orders built, unbuilt and scrapped what the ledger says")
def finished_goods_are_the_ledger(f: Facts, report: CheckReport) -> None:
    """A work order's built is what its completion rows received less what unbuilds took
    apart; its unbuilt and scrapped what unbuilds and scraps of finished goods took away."""
    le, wo = LedgerEntry, WorkOrder
    sums = (
        select(
            le.source_id.label("wo_id"),
            _sum_of((LedgerReason.COMPLETION.value, WorkOrderReason.UNBUILD.value)).label("built"),
            _sum_of((WorkOrderReason.UNBUILD.value,), -1).label("unbuilt"),
            _sum_of((WorkOrderReason.SCRAP.value,), -1).label("scrapped"),
        )
        .where(le.source_kind == _WO_KIND, le.source_line_id.is_(None))
        .group_by(le.source_id)
        .subquery()
    )
    figures = {
        "built": (millionths(wo.built), "received"),
        "unbuilt": (millionths(wo.unbuilt), "took apart"),
        "scrapped": (millionths(wo.scrapped), "scrapped"),
    }
    by_ledger = {name: func.coalesce(sums.c[name], 0) for name in figures}
    rows = f.session.execute(
        select(
            wo.number,
            *(column.label(name) for name, (column, _w) in figures.items()),
            *(by_ledger[name].label(f"ledger_{name}") for name in figures),
        )
        .outerjoin(sums, sums.c.wo_id == wo.id)
        .where(
            (by_ledger["built"] != figures["built"][0])
            | (by_ledger["unbuilt"] != figures["unbuilt"][0])
            | (by_ledger["scrapped"] != figures["scrapped"][0])
        )
        .order_by(wo.number)
    )
    for r in rows:
        m = r._mapping
        for name, (_column, words) in figures.items():
            if m[name] != m[f"ledger_{name}"]:
                report.problem(
                    f"{r.number}: {name} {amount(m[name])} but the ledger {words} "
                    f"{amount(m[f'ledger_{name}'])}"
                )


@invariant("what a work order undid was there to undo")
def undone_rows_were_there(f: Facts, report: CheckReport) -> None:
    """A return or an unbuild undoes rows of its own work order, in the other direction,
    never more of a row than it moved."""
    undo, original = LedgerEntry, aliased(LedgerEntry)
    moved = millionths(original.quantity)
    back = func.sum(millionths(undo.quantity))
    rows = f.session.execute(
        select(
            original.id,
            original.source_ref,
            original.item_id,
            moved.label("moved"),
            back.label("back"),
            func.count().filter(original.source_id != undo.source_id).label("foreign"),
        )
        .join(original, original.id == undo.reverses_id)
        .where(
            undo.source_kind == _WO_KIND,
            undo.reason.in_(
                (WorkOrderReason.COMPONENT_RETURN.value, WorkOrderReason.UNBUILD.value)
            ),
        )
        .group_by(original.id, original.source_ref, original.item_id, original.quantity)
        .having(
            (moved * back > 0)
            | (func.abs(back) > func.abs(moved))
            | (func.count().filter(original.source_id != undo.source_id) > 0)
        )
        .order_by(original.id)
    )
    for r in rows:
        what = f"ledger row {r.id} ({r.source_ref} {f.skus[r.item_id]} {amount(r.moved)})"
        if r.foreign:
            report.problem(f"{what} is undone by another work order's rows")
        else:
            report.problem(f"{what} is undone by {amount(r.back)}")


@invariant("work order statuses match what has moved")
def statuses_match_movements(f: Facts, report: CheckReport) -> None:
    """Built means fully built; in process means something moved (a ledger row names it)
    and not all is built; planned, released and cancelled mean nothing has moved."""
    wo, le = WorkOrder, LedgerEntry
    report.checked["work_orders"] = int(f.session.scalar(select(func.count()).select_from(wo)) or 0)
    quantity, built = millionths(wo.quantity), millionths(wo.built)
    moved = select(le.id).where(le.source_kind == _WO_KIND, le.source_id == wo.id).exists()
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


@invariant("a hold says who and why")
def holds_are_whole(f: Facts, report: CheckReport) -> None:
    """A held work order names who held it, when and why (and one that is not held, none
    of it); a hold that gave its commitments back is a hold of an order that was demand."""
    wo = WorkOrder
    unheld = wo.held_at.is_(None)
    missing = [case((column.is_(None), 1), else_=0) for column in (wo.held_by, wo.hold_reason)]
    open_demand = [s.value for s in OPEN_DEMAND]
    rows = f.session.execute(
        select(wo.number, wo.held_at, wo.hold_released, wo.status)
        .where(
            (case((unheld, 1), else_=0) != missing[0])
            | (case((unheld, 1), else_=0) != missing[1])
            | (wo.hold_released & (unheld | wo.status.not_in(open_demand)))
        )
        .order_by(wo.number)
    )
    for r in rows:
        if r.hold_released and (r.held_at is None or r.status not in open_demand):
            report.problem(f"{r.number}: a hold gave its commitments back but it is not held")
        else:
            report.problem(f"{r.number}: on hold without saying who held it, when and why")
