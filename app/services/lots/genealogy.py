"""Genealogy: which component lots a made lot was made from.

A completion or build that makes a lot links it to every component lot its work order had
consumed by then, by hand issue or by backflush, its own consumption included, with what the
work order had consumed of each. A component issued to the work order before the lot was made
may be in it, and a recall must not miss it; one issued after is in a later lot. "Made from"
and "used in" are then one indexed query each way over `lot_link` (app/models/lots.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import bindparam, func, select

from app.models import LedgerEntry, LedgerReason, SourceKind
from app.models.quantity import ZERO
from app.services.engine.ledger import Source
from app.services.engine.lots import LotBook, LotRecord
from app.services.engine.uow import Transaction

_CONSUMED = (
    select(LedgerEntry.lot_id, func.sum(LedgerEntry.quantity).label("quantity"))
    .where(
        LedgerEntry.source_kind == SourceKind.WORK_ORDER.value,
        LedgerEntry.source_id == bindparam("wo"),
        LedgerEntry.reason.in_((LedgerReason.ISSUE.value, LedgerReason.BACKFLUSH.value)),
        LedgerEntry.lot_id.is_not(None),
    )
    .group_by(LedgerEntry.lot_id)
)


def link_made_lots(
    tx: Transaction,
    source: Source,
    made: Iterable[LotRecord],
    consumed_now: Iterable[tuple[LotRecord | None, Decimal]],
) -> None:
    """Link the lots a completion or build made on a work order (`source`) to the component
    lots the work order has consumed, this posting's consumption (`consumed_now`, negative
    quantities as posted) included."""
    made = list(made)
    if not made:
        return
    used: dict[int, Decimal] = {}
    for row in tx.session.execute(_CONSUMED, {"wo": source.id}):
        used[row.lot_id] = used.get(row.lot_id, ZERO) - row.quantity
    for lot, qty in consumed_now:
        if lot is not None:
            used[lot.id] = used.get(lot.id, ZERO) - qty
    used = {lot_id: qty for lot_id, qty in used.items() if qty > 0}
    book = LotBook.of(tx)
    for lot in made:
        book.link(lot, used, source)
