"""`shopfloor check`: prove the stored balances and work order figures against their sources.

Every figure kept for speed is recomputed from what it summarises: on hand from the ledger,
committed and demand from the open work order lines, on order from the active work orders,
issued and built from the work order's ledger rows. Any difference is a problem.
"""

from __future__ import annotations

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
    # Every comparison over work order lines runs in the database and returns only the
    # lines at fault: a plant has millions of them.
    wol, wo = WorkOrderLine, WorkOrder
    required, issued, committed_col = (
        millionths(wol.required),
        millionths(wol.issued),
        millionths(wol.committed),
    )
    need = case((required > issued, required - issued), else_=0)
    open_values = [st.value for st in OPEN_DEMAND]
    report.checked["work_order_lines"] = int(s.scalar(select(func.count()).select_from(wol)) or 0)
    committed: dict[Pair, int] = {}
    demand: dict[Pair, int] = {}
    for comp_id, loc_id, sum_committed, sum_need in s.execute(
        select(wol.component_id, wo.location_id, func.sum(committed_col), func.sum(need))
        .join(wo, wo.id == wol.work_order_id)
        .where(wo.status.in_(open_values))
        .group_by(wol.component_id, wo.location_id)
    ):
        committed[(comp_id, loc_id)] = int(sum_committed)
        demand[(comp_id, loc_id)] = int(sum_need)
    for number, status, comp_id, line_committed, line_need in s.execute(
        select(wo.number, wo.status, wol.component_id, committed_col, need)
        .join(wo, wo.id == wol.work_order_id)
        .where(
            ((wo.status.in_(open_values)) & (committed_col > need))
            | ((wo.status.not_in(open_values)) & (committed_col != 0))
        )
        .order_by(wo.number)
    ):
        if status in open_values:
            report.problem(
                f"{number} {skus[comp_id]}: committed {_d(line_committed)} exceeds what the "
                f"line still needs ({_d(line_need)})"
            )
        else:
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
    remaining = millionths(wo.quantity) - millionths(wo.built)
    on_order = {
        (item_id, loc_id): int(total)
        for item_id, loc_id, total in s.execute(
            select(
                wo.item_id,
                wo.location_id,
                func.sum(case((remaining > 0, remaining), else_=0)),
            )
            .where(wo.status.in_([st.value for st in ACTIVE]))
            .group_by(wo.item_id, wo.location_id)
        )
    }
    for pair in sorted(set(on_order) | set(balances)):
        b_on_order = balances.get(pair, (0, 0, 0, 0))[3]
        if on_order.get(pair, 0) != b_on_order:
            report.problem(
                f"{name(pair)}: balance on order {_d(b_on_order)} but the active work orders "
                f"have {_d(on_order.get(pair, 0))} to build"
            )

    # Issued and built = the work order's own ledger rows.
    le = LedgerEntry
    consumed = (
        select(
            le.work_order_line_id.label("line_id"), (-func.sum(millionths(le.quantity))).label("q")
        )
        .where(
            le.work_order_line_id.is_not(None),
            le.reason.in_((LedgerReason.ISSUE.value, LedgerReason.BACKFLUSH.value)),
        )
        .group_by(le.work_order_line_id)
        .subquery()
    )
    ledger_consumed = func.coalesce(consumed.c.q, 0)
    for number, comp_id, line_issued, by_ledger in s.execute(
        select(wo.number, wol.component_id, issued, ledger_consumed)
        .join(wo, wo.id == wol.work_order_id)
        .outerjoin(consumed, consumed.c.line_id == wol.id)
        .where(ledger_consumed != issued)
        .order_by(wo.number)
    ):
        report.problem(
            f"{number} {skus[comp_id]}: issued {_d(line_issued)} but the ledger consumed "
            f"{_d(by_ledger)}"
        )
    received = (
        select(le.work_order_id.label("wo_id"), func.sum(millionths(le.quantity)).label("q"))
        .where(le.reason == LedgerReason.COMPLETION.value)
        .group_by(le.work_order_id)
        .subquery()
    )
    ledger_received = func.coalesce(received.c.q, 0)
    built = millionths(wo.built)
    for number, wo_built, by_ledger in s.execute(
        select(wo.number, built, ledger_received)
        .outerjoin(received, received.c.wo_id == wo.id)
        .where(ledger_received != built)
        .order_by(wo.number)
    ):
        report.problem(f"{number}: built {_d(wo_built)} but the ledger received {_d(by_ledger)}")

    report.checked["work_orders"] = int(s.scalar(select(func.count()).select_from(wo)) or 0)
    quantity = millionths(wo.quantity)
    issued_any = (
        select(wol.id).where(wol.work_order_id == wo.id, millionths(wol.issued) > 0).exists()
    )
    moved = (built > 0) | issued_any
    unmoved_statuses = [
        WOStatus.FIRM_PLANNED.value,
        WOStatus.OPEN_PLANNED.value,
        WOStatus.RELEASED.value,
        WOStatus.CANCELLED.value,
    ]
    for number, status, wo_quantity, wo_built in s.execute(
        select(wo.number, wo.status, quantity, built)
        .where(
            ((wo.status == WOStatus.BUILT.value) & (built < quantity))
            | ((wo.status == WOStatus.IN_PROCESS.value) & ((built >= quantity) | ~moved))
            | (wo.status.in_(unmoved_statuses) & moved)
        )
        .order_by(wo.number)
    ):
        st = WOStatus(status)
        if st == WOStatus.BUILT:
            report.problem(f"{number}: built status with only {_d(wo_built)} of {_d(wo_quantity)}")
        elif st == WOStatus.IN_PROCESS and wo_built >= wo_quantity:
            report.problem(
                f"{number}: in process although {_d(wo_built)} of {_d(wo_quantity)} built"
            )
        elif st == WOStatus.IN_PROCESS:
            report.problem(f"{number}: in process but nothing has moved")
        else:
            report.problem(f"{number}: {st.label} but stock has moved for it")

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
