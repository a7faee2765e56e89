"""The catalog's invariants for `shopfloor check`: one active revision per BOM, no cycles."""

from __future__ import annotations

from sqlalchemy import case, func, select

from app.models import BomRevision
from app.services.catalog.boms import find_cycle
from app.services.engine.checks import CheckReport, Facts, invariant


@invariant("one active revision per BOM")
def one_active_revision_per_bom(f: Facts, report: CheckReport) -> None:
    rows = f.session.execute(
        select(
            BomRevision.assembly_id,
            func.sum(case((BomRevision.active, 1), else_=0)).label("active"),
        ).group_by(BomRevision.assembly_id)
    )
    for r in rows:
        if r.active != 1:
            report.problem(
                f"{f.skus[r.assembly_id]}: {r.active} active BOM revisions (should be 1)"
            )


@invariant("no BOM cycles")
def no_bom_cycles(f: Facts, report: CheckReport) -> None:
    cycle = find_cycle(f.session, {}, everywhere=True)
    if cycle:
        report.problem("BOM cycle: " + " → ".join(f.skus[i] for i in cycle))
