"""The plant overview for the dashboard and `shopfloor overview`, read in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.models import Item, LedgerEntry, LedgerReason, SourceKind
from app.models.quantity import ZERO
from app.services.engine.paging import Page, PageRequest
from app.services.engine.uow import Transaction, query
from app.services.lots.stock import LotOnHand, expiring_lots
from app.services.production import planning, work_orders
from app.services.production.planning import ShortageLine, Suggestion
from app.services.production.work_orders import ExceptionCounts, WorkOrderSummary

CHART_DAYS = 28


@dataclass(frozen=True)
class RecentBuild:
    posted_at: datetime
    work_order: str
    sku: str
    quantity: Decimal
    posted_by: str


@dataclass(frozen=True)
class DayTotal:
    day: date
    quantity: Decimal


@dataclass(frozen=True)
class Overview:
    database: str
    today: date
    work_orders: dict[str, int]  # by status
    late: Page[WorkOrderSummary]  # the first few, with the total count
    shortages: Page[ShortageLine]
    suggestions: Page[Suggestion]
    recent_builds: list[RecentBuild]
    completed_per_day: list[DayTotal]  # the last CHART_DAYS days, oldest first, zeros included
    # Lots on hand expired or expiring within expiry_warning_days: the first few, the count.
    expiring_lots: Page[LotOnHand]
    exceptions: ExceptionCounts | None = None  # work orders on hold, and changed


@query()
def overview(tx: Transaction, today: date | None = None, *, first: int = 10) -> Overview:
    """Work orders by status, late work orders, shortages across open work orders, the
    creation queue, recent builds, the completed quantity per day for four weeks, and the
    work orders on hold or changed."""
    day = today or date.today()
    head = PageRequest(limit=first)
    start = datetime.combine(day - timedelta(days=CHART_DAYS - 1), time.min, tzinfo=UTC)
    le = LedgerEntry
    completions = tx.session.execute(
        select(le.posted_at, le.source_ref, Item.sku, le.quantity, le.posted_by)
        .join(Item, Item.id == le.item_id)
        .where(
            le.reason == LedgerReason.COMPLETION.value,
            le.source_kind == SourceKind.WORK_ORDER.value,
            le.posted_at >= start,
        )
        .order_by(le.id.desc())
    ).all()
    per_day = {day - timedelta(days=n): ZERO for n in range(CHART_DAYS)}
    for r in completions:
        posted = r.posted_at.astimezone().date()  # the plant's own calendar day
        if posted in per_day:
            per_day[posted] += r.quantity
    recent = [
        RecentBuild(r.posted_at, r.source_ref, r.sku, r.quantity, r.posted_by)
        for r in completions[:first]
    ]
    if len(recent) < first:  # quiet weeks: still show the last builds before them
        older = tx.session.execute(
            select(le.posted_at, le.source_ref, Item.sku, le.quantity, le.posted_by)
            .join(Item, Item.id == le.item_id)
            .where(
                le.reason == LedgerReason.COMPLETION.value,
                le.source_kind == SourceKind.WORK_ORDER.value,
                le.posted_at < start,
            )
            .order_by(le.id.desc())
            .limit(first - len(recent))
        )
        recent += [
            RecentBuild(r.posted_at, r.source_ref, r.sku, r.quantity, r.posted_by) for r in older
        ]
    return Overview(
        database=tx.uow.database.describe(),
        today=day,
        work_orders=work_orders.counts_by_status(tx),
        late=work_orders.list_work_orders.within(
            tx, late=True, today=day, page=PageRequest(limit=first, sort="due")
        ),
        shortages=planning.shortage_page(
            tx, PageRequest(limit=first, sort="short", descending=True)
        ),
        suggestions=planning.queue_page(tx, head),
        recent_builds=recent,
        completed_per_day=[DayTotal(d, q) for d, q in sorted(per_day.items())],
        expiring_lots=expiring_lots.within(tx, day, head),
        exceptions=work_orders.exception_counts(tx),
    )
