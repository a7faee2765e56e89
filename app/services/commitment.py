"""Commitment: reserving on-hand stock for released work order lines.

Rules kept here and nowhere else:
- only open demand commits (released, in process, built until closed); planned never does;
- a line never commits more than it still needs, and a location never commits more than it
  has on hand;
- a full re-run hands scarce stock out in the order of `item_commitment_ordering`;
- commit-after-entry hands only *new* supply to waiting lines, in the same order;
- when stock leaves without its commitment (a write-off, or consumption that ignores
  commitment), the lines last in that order give theirs up first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, select, update

from app.models import OPEN_DEMAND, StockBalance, WorkOrder, WorkOrderLine
from app.models.quantity import SCALE, ZERO, millionths
from app.services.permissions import Permission
from app.services.uow import UnitOfWork
from app.services.wo_records import LineState, WorkOrderRecord

if TYPE_CHECKING:
    from app.services.uow import Transaction

Pair = tuple[int, int]
_FAR_DATE = date.max
_OPEN = [s.value for s in OPEN_DEMAND]


def ordering_key(
    ordering: str,
) -> Callable[[date | None, int, datetime, int], tuple[Any, ...]]:
    """Sort key for demand under `item_commitment_ordering`: earliest expected ship (due)
    date, most urgent priority (1 first), or oldest transaction first; ties by age."""

    if ordering == "expected_ship_date":
        return lambda due, prio, created, ident: (due or _FAR_DATE, prio, created, ident)
    if ordering == "order_priority":
        return lambda due, prio, created, ident: (prio, due or _FAR_DATE, created, ident)
    if ordering == "transaction_date":
        return lambda due, prio, created, ident: (created, ident)
    raise ValueError(f"unknown commitment ordering {ordering!r}")


def _line_key(ordering: str) -> Callable[[LineState], tuple[Any, ...]]:
    key = ordering_key(ordering)
    return lambda line: key(*line.sort)


def allocate(pool: Decimal, needs: Sequence[Decimal]) -> list[Decimal]:
    """Hand `pool` out to `needs` in order, each getting at most what it needs."""
    out = []
    for need in needs:
        take = min(need, pool) if pool > 0 else ZERO
        out.append(take)
        pool -= take
    return out


def component_pairs(wo: WorkOrderRecord) -> list[Pair]:
    """(component, location) of every line: the balances a work order touches."""
    return [(ln.component_id, wo.location_id) for ln in wo.lines]


def commit_lines(tx: Transaction, wo: WorkOrderRecord) -> None:
    """At release: commit what is available to each line, up to what it needs."""
    bals = tx.stock.balances(component_pairs(wo))
    for line in wo.lines:
        bal = bals[(line.component_id, wo.location_id)]
        take = min(line.uncommitted_need, max(ZERO, bal.available))
        if take > 0:
            line.committed += take
            bal.committed += take


def open_demand(tx: Transaction, wo: WorkOrderRecord) -> None:
    """A work order becomes open demand: its lines' needs count in the balances."""
    bals = tx.stock.balances(component_pairs(wo))
    for line in wo.lines:
        bals[(line.component_id, wo.location_id)].demand += line.need


def close_demand(tx: Transaction, wo: WorkOrderRecord) -> None:
    """Closing or cancelling: release what is still committed and drop the remaining need."""
    bals = tx.stock.balances(component_pairs(wo))
    for line in wo.lines:
        bal = bals[(line.component_id, wo.location_id)]
        if line.committed > 0:
            bal.committed -= line.committed
            line.committed = ZERO
            tx.stock.freed(line.component_id, wo.location_id)
        bal.demand -= line.need


def commit_new_supply(tx: Transaction, pairs: Sequence[Pair]) -> None:
    """Commit-after-entry: available stock goes to waiting lines in preference order."""
    key = _line_key(tx.prefs.item_commitment_ordering)
    bals = tx.stock.balances(pairs)
    lines_by_pair = tx.orders.open_lines(p for p in pairs if bals[p].available > 0)
    committed = 0
    for pair, lines in lines_by_pair.items():
        bal = bals[pair]
        waiting = sorted((ln for ln in lines if ln.uncommitted_need > 0), key=key)
        for line, take in zip(
            waiting, allocate(bal.available, [ln.uncommitted_need for ln in waiting]), strict=True
        ):
            if take > 0:
                line.committed += take
                bal.committed += take
                committed += 1
    if committed:
        tx.note(auto_committed_lines=committed)


def make_room(tx: Transaction, item_id: int, location_id: int, leaving: Decimal) -> None:
    """Before `leaving` stock leaves a location, give up commitments so that committed never
    exceeds what will be on hand: last in preference order first."""
    bal = tx.stock.balance(item_id, location_id)
    excess = bal.committed - (bal.on_hand - leaving)
    if excess <= 0:
        return
    key = _line_key(tx.prefs.item_commitment_ordering)
    lines = tx.orders.open_lines([(item_id, location_id)]).get((item_id, location_id), [])
    for line in sorted((ln for ln in lines if ln.committed > 0), key=key, reverse=True):
        give = min(line.committed, excess)
        line.committed -= give
        bal.committed -= give
        excess -= give
        if excess <= 0:
            break
    tx.note(decommitted_for=f"{item_id}@{location_id}")


@dataclass(frozen=True)
class RerunResult:
    lines: int
    changed: int
    pairs: int


def rerun_commitment(tx: Transaction) -> RerunResult:
    """Re-run commitment for every open demand line, by the ordering preference.

    Works on integer millionths with Core statements: a plant has hundreds of thousands of
    open lines, and only the lines whose commitment changes are written.
    """
    key = ordering_key(tx.prefs.item_commitment_ordering)
    wol, wo = WorkOrderLine, WorkOrder
    session = tx.session

    balance_rows = session.execute(
        select(
            StockBalance.item_id,
            StockBalance.location_id,
            millionths(StockBalance.on_hand),
            millionths(StockBalance.committed),
        )
        .where((StockBalance.demand > 0) | (StockBalance.committed > 0))
        .with_for_update()
    ).all()
    on_hand: dict[Pair, int] = {}
    old_total: dict[Pair, int] = {}
    for item_id, loc_id, oh, cm in balance_rows:
        on_hand[(item_id, loc_id)] = oh
        old_total[(item_id, loc_id)] = cm

    demand: dict[Pair, list[tuple[tuple[Any, ...], int, int, int]]] = defaultdict(list)
    rows = session.execute(
        select(
            wol.id,
            wol.component_id,
            wo.location_id,
            millionths(wol.required),
            millionths(wol.issued),
            millionths(wol.committed),
            wo.due_date,
            wo.priority,
            wo.created_at,
            wo.id,
        )
        .join(wo, wo.id == wol.work_order_id)
        .where(wo.status.in_(_OPEN))
    )
    count = 0
    for line_id, item_id, loc_id, required, issued, committed, due, prio, created, wo_id in rows:
        need = required - issued
        if need > 0 or committed:
            demand[(item_id, loc_id)].append(
                (key(due, prio, created, wo_id), line_id, max(need, 0), committed)
            )
        count += 1

    changes: list[dict[str, Any]] = []
    new_total: dict[Pair, int] = {}
    for pair, lines in demand.items():
        lines.sort(key=lambda entry: entry[0])
        pool = on_hand.get(pair, 0)
        total = 0
        for _key, line_id, need, old in lines:
            take = min(need, pool) if pool > 0 else 0
            pool -= take
            total += take
            if take != old:
                changes.append({"b_id": line_id, "b_committed": _dec(take)})
        new_total[pair] = total

    if changes:
        lines_table = cast(Table, WorkOrderLine.__table__)
        session.execute(
            update(lines_table)
            .where(lines_table.c.id == bindparam("b_id"))
            .values(committed=bindparam("b_committed", type_=wol.committed.type)),
            changes,
        )
    balance_changes = [
        {"b_item": p[0], "b_loc": p[1], "b_committed": _dec(new_total.get(p, 0))}
        for p in set(old_total) | set(new_total)
        if new_total.get(p, 0) != old_total.get(p, 0)
    ]
    if balance_changes:
        balance_table = cast(Table, StockBalance.__table__)
        session.execute(
            update(balance_table)
            .where(
                balance_table.c.item_id == bindparam("b_item"),
                balance_table.c.location_id == bindparam("b_loc"),
            )
            .values(committed=bindparam("b_committed", type_=StockBalance.committed.type)),
            balance_changes,
        )
    tx.note(lines=count, changed=len(changes))
    return RerunResult(lines=count, changed=len(changes), pairs=len(demand))


def rerun(uow: UnitOfWork) -> RerunResult:
    """The `commit` use case: re-run commitment for all open demand in one posting."""
    with uow.transaction("commitment.rerun") as tx:
        tx.authorize(Permission.PLAN)
        result = rerun_commitment(tx)
        tx.commit()
        return result


def _dec(millionths: int) -> Decimal:
    return Decimal(millionths).scaleb(-SCALE)
