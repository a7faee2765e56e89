"""`shopfloor check`: prove the stored balances and work order figures against their sources.

Every figure kept for speed is recomputed from what it summarises: on hand from the ledger,
committed and demand from the open work order lines, on order from the active work orders,
issued and built from the work order's ledger rows. Any difference is a problem.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import case, func, select

from app.models import (
    ACTIVE,
    OPEN_DEMAND,
    BomRevision,
    Item,
    LedgerEntry,
    LedgerReason,
    Location,
    StockBalance,
    WorkOrder,
    WorkOrderLine,
    WOStatus,
)
from app.models.quantity import SCALE, fmt, millionths
from app.services.boms import find_cycle
from app.services.permissions import Permission
from app.services.uow import Transaction, UnitOfWork

Pair = tuple[int, int]


@dataclass
class CheckReport:
    ok: bool = True
    problems: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    def problem(self, text: str) -> None:
        self.ok = False
        self.problems.append(text)


def _d(millionths: int) -> str:
    return fmt(Decimal(millionths).scaleb(-SCALE))


def check_database(uow: UnitOfWork) -> CheckReport:
    with uow.query() as tx:
        tx.authorize(Permission.READ)
        return run_checks(tx)


def run_checks(tx: Transaction) -> CheckReport:
    report = CheckReport()
    s = tx.session
    skus = dict(s.execute(select(Item.id, Item.sku)).all())
    locs = dict(s.execute(select(Location.id, Location.code)).all())

    def name(pair: Pair) -> str:
        return f"{skus.get(pair[0], pair[0])}@{locs.get(pair[1], pair[1])}"

    balances: dict[Pair, tuple[int, int, int, int]] = {}
    for item_id, loc_id, oh, cm, dm, oo in s.execute(
        select(
            StockBalance.item_id,
            StockBalance.location_id,
            millionths(StockBalance.on_hand),
            millionths(StockBalance.committed),
            millionths(StockBalance.demand),
            millionths(StockBalance.on_order),
        )
    ):
        balances[(item_id, loc_id)] = (oh, cm, dm, oo)
    report.checked["balances"] = len(balances)

    # On hand = sum of the ledger.
    ledger = {
        (i, loc): q
        for i, loc, q in s.execute(
            select(
                LedgerEntry.item_id,
                LedgerEntry.location_id,
                func.sum(millionths(LedgerEntry.quantity)),
            ).group_by(LedgerEntry.item_id, LedgerEntry.location_id)
        )
    }
    report.checked["ledger_rows"] = int(
        s.scalar(select(func.count()).select_from(LedgerEntry)) or 0
    )
    for pair in sorted(set(ledger) | set(balances)):
        on_hand = balances.get(pair, (0, 0, 0, 0))[0]
        if ledger.get(pair, 0) != on_hand:
            report.problem(
                f"{name(pair)}: on hand {_d(on_hand)} but the ledger sums to "
                f"{_d(ledger.get(pair, 0))}"
            )
        if on_hand < 0:
            report.problem(f"{name(pair)}: negative on hand {_d(on_hand)}")
        if pair in balances and balances[pair][1] > on_hand:
            report.problem(
                f"{name(pair)}: committed {_d(balances[pair][1])} exceeds on hand {_d(on_hand)}"
            )

    non_stocked = s.scalars(
        select(Item.sku)
        .join(LedgerEntry, LedgerEntry.item_id == Item.id)
        .where(Item.item_type.not_in(("inventory", "assembly")))
        .distinct()
    ).all()
    for sku in non_stocked:
        report.problem(f"{sku}: ledger rows for an item that carries no stock")

    # Committed and demand = the open work order lines; lines never commit past their need.
    committed: dict[Pair, int] = defaultdict(int)
    demand: dict[Pair, int] = defaultdict(int)
    open_values = {st.value for st in OPEN_DEMAND}
    line_rows = s.execute(
        select(
            WorkOrder.number,
            WorkOrder.status,
            WorkOrder.location_id,
            WorkOrderLine.id,
            WorkOrderLine.component_id,
            millionths(WorkOrderLine.required),
            millionths(WorkOrderLine.issued),
            millionths(WorkOrderLine.committed),
        ).join(WorkOrder, WorkOrder.id == WorkOrderLine.work_order_id)
    ).all()
    report.checked["work_order_lines"] = len(line_rows)
    issued_by_line: dict[int, int] = {}
    for number, status, loc_id, line_id, comp_id, required, issued, line_committed in line_rows:
        issued_by_line[line_id] = issued
        pair = (comp_id, loc_id)
        need = max(0, required - issued)
        if status in open_values:
            committed[pair] += line_committed
            demand[pair] += need
            if line_committed > need:
                report.problem(
                    f"{number} {skus[comp_id]}: committed {_d(line_committed)} exceeds what the "
                    f"line still needs ({_d(need)})"
                )
        elif line_committed:
            report.problem(
                f"{number} ({status}) {skus[comp_id]}: still commits {_d(line_committed)}"
            )
    for pair in sorted(set(committed) | set(demand) | set(balances)):
        _oh, b_committed, b_demand, _oo = balances.get(pair, (0, 0, 0, 0))
        if committed.get(pair, 0) != b_committed:
            report.problem(
                f"{name(pair)}: balance commits {_d(b_committed)} but the open work order lines "
                f"commit {_d(committed.get(pair, 0))}"
            )
        if demand.get(pair, 0) != b_demand:
            report.problem(
                f"{name(pair)}: balance demand {_d(b_demand)} but the open work order lines "
                f"need {_d(demand.get(pair, 0))}"
            )

    # On order = what the active work orders still have to build.
    on_order: dict[Pair, int] = defaultdict(int)
    active_values = [st.value for st in ACTIVE]
    for item_id, loc_id, remaining in s.execute(
        select(
            WorkOrder.item_id,
            WorkOrder.location_id,
            millionths(WorkOrder.quantity) - millionths(WorkOrder.built),
        ).where(WorkOrder.status.in_(active_values))
    ):
        on_order[(item_id, loc_id)] += max(0, remaining)
    for pair in sorted(set(on_order) | set(balances)):
        b_on_order = balances.get(pair, (0, 0, 0, 0))[3]
        if on_order.get(pair, 0) != b_on_order:
            report.problem(
                f"{name(pair)}: balance on order {_d(b_on_order)} but the active work orders "
                f"have {_d(on_order.get(pair, 0))} to build"
            )

    # Issued and built = the work order's own ledger rows.
    consumed = dict(
        s.execute(
            select(LedgerEntry.work_order_line_id, -func.sum(millionths(LedgerEntry.quantity)))
            .where(
                LedgerEntry.work_order_line_id.is_not(None),
                LedgerEntry.reason.in_((LedgerReason.ISSUE.value, LedgerReason.BACKFLUSH.value)),
            )
            .group_by(LedgerEntry.work_order_line_id)
        ).all()
    )
    line_names = {row[3]: (row[0], skus[row[4]]) for row in line_rows}
    for line_id, issued in issued_by_line.items():
        if consumed.get(line_id, 0) != issued:
            number, sku = line_names[line_id]
            report.problem(
                f"{number} {sku}: issued {_d(issued)} but the ledger consumed "
                f"{_d(consumed.get(line_id, 0))}"
            )
    completed = dict(
        s.execute(
            select(LedgerEntry.work_order_id, func.sum(millionths(LedgerEntry.quantity)))
            .where(LedgerEntry.reason == LedgerReason.COMPLETION.value)
            .group_by(LedgerEntry.work_order_id)
        ).all()
    )
    moved: set[str] = {line_names[i][0] for i, v in issued_by_line.items() if v}
    wo_rows = s.execute(
        select(
            WorkOrder.id,
            WorkOrder.number,
            WorkOrder.status,
            millionths(WorkOrder.quantity),
            millionths(WorkOrder.built),
        )
    ).all()
    report.checked["work_orders"] = len(wo_rows)
    for wo_id, number, status, quantity, built in wo_rows:
        if completed.get(wo_id, 0) != built:
            report.problem(
                f"{number}: built {_d(built)} but the ledger received {_d(completed.get(wo_id, 0))}"
            )
        st = WOStatus(status)
        stock_moved = built > 0 or number in moved
        if st == WOStatus.BUILT and built < quantity:
            report.problem(f"{number}: built status with only {_d(built)} of {_d(quantity)}")
        if st == WOStatus.IN_PROCESS and built >= quantity:
            report.problem(f"{number}: in process although {_d(built)} of {_d(quantity)} built")
        if (
            st
            in (WOStatus.FIRM_PLANNED, WOStatus.OPEN_PLANNED, WOStatus.RELEASED, WOStatus.CANCELLED)
            and stock_moved
        ):
            report.problem(f"{number}: {st.label} but stock has moved for it")
        if st == WOStatus.IN_PROCESS and not stock_moved:
            report.problem(f"{number}: in process but nothing has moved")

    # BOMs: every assembly with revisions has exactly one active; no cycles.
    for assembly_id, active in s.execute(
        select(
            BomRevision.assembly_id,
            func.sum(case((BomRevision.active, 1), else_=0)),
        ).group_by(BomRevision.assembly_id)
    ):
        if active != 1:
            report.problem(f"{skus[assembly_id]}: {active} active BOM revisions (should be 1)")
    cycle = find_cycle(s, {}, everywhere=True)
    if cycle:
        report.problem("BOM cycle: " + " → ".join(skus[i] for i in cycle))
    return report
