"""The invariants of cycle counts for `shopfloor check`: what each count line posted against
the ledger (a posted count's adjustments are its differences, in the line's lot, anything else
posted nothing), and one open count per item and location."""

from __future__ import annotations

from sqlalchemy import case, func, select

from app.models import LedgerEntry
from app.models.cycle_count import (
    COUNT_OPEN,
    CountReason,
    CountSource,
    CountStatus,
    CycleCount,
    CycleCountLine,
)
from app.models.quantity import millionths
from app.services.engine.checks import CheckReport, Facts, amount, invariant

_KIND = CountSource.CYCLE_COUNT.value


@invariant("a posted count's adjustments are its differences")
def adjustments_are_the_differences(f: Facts, report: CheckReport) -> None:
    """Each line of a posted count posted counted - on hand when counted (nothing when it
    was not counted; a reversal of those adjustments is proved with every other reversal);
    lines of counts not posted posted nothing; every count row in the ledger belongs to a
    line of the count it names."""
    le, line, count = LedgerEntry, CycleCountLine, CycleCount
    report.checked["cycle_counts"] = int(
        f.session.scalar(select(func.count()).select_from(count)) or 0
    )
    posted = (
        select(
            le.source_line_id.label("line_id"),
            le.source_id.label("count_id"),
            func.sum(millionths(le.quantity)).label("q"),
        )
        .where(le.source_kind == _KIND, le.reason == CountReason.COUNT.value)
        .group_by(le.source_line_id, le.source_id)
        .subquery()
    )
    by_ledger = func.coalesce(posted.c.q, 0)
    expected = case(
        (
            (count.status == CountStatus.POSTED.value) & line.counted.is_not(None),
            millionths(line.counted) - millionths(line.on_hand_at_count),
        ),
        else_=0,
    )
    rows = f.session.execute(
        select(
            count.number,
            line.line_no,
            line.item_id,
            expected.label("expected"),
            by_ledger.label("ledger"),
        )
        .join(count, count.id == line.cycle_count_id)
        .outerjoin(
            posted, (posted.c.line_id == line.id) & (posted.c.count_id == line.cycle_count_id)
        )
        .where(by_ledger != expected)
        .order_by(count.number, line.line_no)
    )
    for r in rows:
        report.problem(
            f"{r.number} line {r.line_no} {f.skus.get(r.item_id, r.item_id)}: should have "
            f"posted {amount(r.expected)} but the ledger has {amount(r.ledger)}"
        )
    strays = f.session.execute(
        select(le.id, le.source_ref)
        .outerjoin(line, (line.id == le.source_line_id) & (line.cycle_count_id == le.source_id))
        .where(le.source_kind == _KIND, line.id.is_(None))
        .order_by(le.id)
    )
    for r in strays:
        report.problem(f"ledger row {r.id} ({r.source_ref}) names no line of a cycle count")
    other_lots = f.session.execute(
        select(le.id, le.source_ref, line.line_no)
        .join(line, (line.id == le.source_line_id) & (line.cycle_count_id == le.source_id))
        .where(
            le.source_kind == _KIND,
            le.reason == CountReason.COUNT.value,
            line.lot_id.is_not(None),
            le.lot_id.is_distinct_from(line.lot_id),
        )
        .order_by(le.id)
    )
    for r in other_lots:
        report.problem(
            f"ledger row {r.id} ({r.source_ref}) is not in the lot its count line {r.line_no} "
            "counted"
        )


@invariant("an item is on one open count at a location")
def one_open_count_per_item(f: Facts, report: CheckReport) -> None:
    """Two open counts of one item at one location would post its difference twice (one
    count may have a line per lot of it)."""
    line, count = CycleCountLine, CycleCount
    rows = f.session.execute(
        select(
            line.item_id,
            count.location_id,
            func.count(func.distinct(count.id)).label("counts"),
        )
        .join(count, count.id == line.cycle_count_id)
        .where(count.status.in_([s.value for s in COUNT_OPEN]))
        .group_by(line.item_id, count.location_id)
        .having(func.count(func.distinct(count.id)) > 1)
    )
    for r in rows:
        report.problem(
            f"{f.name((r.item_id, r.location_id))}: on {r.counts} open cycle counts at once"
        )
