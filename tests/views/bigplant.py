"""Many work orders at once, written with SQLAlchemy Core (no postings): enough rows to prove
that a list opens and sorts by fetching only a few pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert, select, update

from app.models import BomRevision, Counter, Item, Location, WorkOrder
from app.services.engine.database import Database

STATUSES = ("closed", "closed", "closed", "cancelled")


def add_work_orders(database: Database, count: int, *, first: int = 1000) -> None:
    """`count` work orders WO-<first>… of the assemblies that have an active BOM, without
    lines, closed or cancelled (history: they demand and supply nothing, so the books stay
    true)."""
    table = cast(Table, WorkOrder.__table__)
    with database.engine.begin() as conn:
        assemblies = conn.execute(
            select(Item.id, BomRevision.id.label("rev"))
            .join(BomRevision, BomRevision.assembly_id == Item.id)
            .where(BomRevision.active.is_(True))
            .order_by(Item.sku)
        ).all()
        location = conn.execute(select(Location.id).where(Location.is_default)).scalar_one()
        now = datetime(2025, 1, 1, tzinfo=UTC)
        rows: list[dict[str, Any]] = []
        for n in range(count):
            asm = assemblies[n % len(assemblies)]
            status = STATUSES[n % len(STATUSES)]
            rows.append(
                {
                    "number": f"WO-{first + n:06d}",
                    "item_id": asm.id,
                    "quantity": Decimal(1 + n % 50),
                    "built": Decimal(0),
                    "status": status,
                    "bom_revision_id": asm.rev,
                    "location_id": location,
                    "due_date": date(2025, 1, 1) + timedelta(days=n % 700),
                    "priority": 1 + n % 9,
                    "created_at": now + timedelta(minutes=n),
                    "created_by": "generator",
                    "closed_at": now + timedelta(minutes=n)
                    if status in ("closed", "cancelled")
                    else None,
                }
            )
        conn.execute(insert(table), rows)
        conn.execute(
            update(Counter).where(Counter.name == "work_order").values(value=first + count)
        )
