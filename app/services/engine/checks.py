"""The engine's invariants for `shopfloor check`, what every invariant works with (the report,
the facts read once, amounts in words), and the registry every module declares its
invariants in (`@invariant("...")`).

Stock: on hand is the ledger. Demand: a balance's committed and demand are its open demand
lines' of every kind, and no line commits past its need. Supply: on order is the open supply
of every kind. Every comparison over lines runs in the database and returns only the rows at
fault (a plant has millions of lines).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.models import Item, LedgerEntry, LedgerReason, Location, StockBalance
from app.models.figures import need_of
from app.models.kinds import LEDGER_REASONS, SOURCE_KINDS
from app.models.quantity import SCALE, fmt, millionths
from app.services.engine.demand import sources, supply_sources
from app.services.engine.uow import Transaction

Pair = tuple[int, int]
_ZERO4 = (0, 0, 0, 0)


@dataclass
class CheckReport:
    ok: bool = True
    problems: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    def problem(self, text: str) -> None:
        self.ok = False
        self.problems.append(text)


def amount(millionths_value: int) -> str:
    """A stored integer quantity in words."""
    return fmt(Decimal(millionths_value).scaleb(-SCALE))


class Facts:
    """What several invariants read: names by id and the stored balances (as integers)."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.session = tx.session
        self.skus: dict[int, str] = dict(self.session.execute(select(Item.id, Item.sku)).all())
        self.codes: dict[int, str] = dict(
            self.session.execute(select(Location.id, Location.code)).all()
        )
        self.balances: dict[Pair, tuple[int, int, int, int]] = {
            (r.item_id, r.location_id): (r.on_hand, r.committed, r.demand, r.on_order)
            for r in self.session.execute(
                select(
                    StockBalance.item_id,
                    StockBalance.location_id,
                    millionths(StockBalance.on_hand).label("on_hand"),
                    millionths(StockBalance.committed).label("committed"),
                    millionths(StockBalance.demand).label("demand"),
                    millionths(StockBalance.on_order).label("on_order"),
                )
            )
        }

    def name(self, pair: Pair) -> str:
        return f"{self.skus.get(pair[0], pair[0])}@{self.codes.get(pair[1], pair[1])}"

    def balance(self, pair: Pair) -> tuple[int, int, int, int]:
        return self.balances.get(pair, _ZERO4)


Invariant = Callable[[Facts, CheckReport], None]
_INVARIANTS: list[tuple[str, Invariant]] = []


def invariant(name: str) -> Callable[[Invariant], Invariant]:
    """Declare a function as one of `shopfloor check`'s invariants, in the module of the
    records it is about; `check` runs them all, in the order they were declared."""

    def register(fn: Invariant) -> Invariant:
        if any(existing == name for existing, _ in _INVARIANTS):
            raise ValueError(f"invariant {name!r} is declared twice")
        _INVARIANTS.append((name, fn))
        return fn

    return register


def invariants() -> list[tuple[str, Invariant]]:
    return list(_INVARIANTS)


# --- stock ---------------------------------------------------------------------------------


@invariant("on hand is the sum of the ledger")
def on_hand_is_the_ledger(f: Facts, report: CheckReport) -> None:
    """On hand is the sum of the ledger; never negative; never below what is committed."""
    report.checked["balances"] = len(f.balances)
    ledger = {
        (r.item_id, r.location_id): int(r.quantity)
        for r in f.session.execute(
            select(
                LedgerEntry.item_id,
                LedgerEntry.location_id,
                func.sum(millionths(LedgerEntry.quantity)).label("quantity"),
            ).group_by(LedgerEntry.item_id, LedgerEntry.location_id)
        )
    }
    report.checked["ledger_rows"] = int(
        f.session.scalar(select(func.count()).select_from(LedgerEntry)) or 0
    )
    for pair in sorted(set(ledger) | set(f.balances)):
        on_hand, committed, _dm, _oo = f.balance(pair)
        if ledger.get(pair, 0) != on_hand:
            report.problem(
                f"{f.name(pair)}: on hand {amount(on_hand)} but the ledger sums to "
                f"{amount(ledger.get(pair, 0))}"
            )
        if on_hand < 0:
            report.problem(f"{f.name(pair)}: negative on hand {amount(on_hand)}")
        if committed > on_hand:
            report.problem(
                f"{f.name(pair)}: committed {amount(committed)} exceeds on hand {amount(on_hand)}"
            )


@invariant("only stocked items move")
def only_stocked_items_move(f: Facts, report: CheckReport) -> None:
    """Only inventory and assembly items have ledger rows."""
    rows = f.session.scalars(
        select(Item.sku)
        .join(LedgerEntry, LedgerEntry.item_id == Item.id)
        .where(Item.item_type.not_in(("inventory", "assembly")))
        .distinct()
    )
    for sku in rows:
        report.problem(f"{sku}: ledger rows for an item that carries no stock")


@invariant("every ledger row's reason and source are registered")
def reasons_are_registered(f: Facts, report: CheckReport) -> None:
    """A ledger row's reason and source kind are codes some kind of posting registered."""
    for column, vocabulary in (
        (LedgerEntry.reason, LEDGER_REASONS),
        (LedgerEntry.source_kind, SOURCE_KINDS),
    ):
        for row in f.session.execute(
            select(column.label("code"), func.count().label("rows")).group_by(column)
        ):
            if row.code not in vocabulary.words:
                report.problem(
                    f"{row.rows} ledger rows have the unknown {vocabulary.what} {row.code!r}"
                )


@invariant("a reversal is the exact opposite of a whole posting")
def reversals_are_exact(f: Facts, report: CheckReport) -> None:
    """A row of the reason `reversal` is the exact opposite of the row it names (item,
    location, quantity, unit cost, source document and lot); a row is reversed at most once,
    and a posting is reversed whole, by one event. (A work order's corrections also name the
    rows they undo, in part: their own checks prove them.)"""
    le = LedgerEntry
    original = aliased(LedgerEntry)
    reversal = le.reason == LedgerReason.REVERSAL.value
    wrong = f.session.execute(
        select(le.id, le.reverses_id)
        .join(original, original.id == le.reverses_id)
        .where(
            reversal,
            (le.item_id != original.item_id)
            | (le.location_id != original.location_id)
            | (millionths(le.quantity) != -millionths(original.quantity))
            | (le.unit_cost != original.unit_cost)
            | (le.source_kind != original.source_kind)
            | (func.coalesce(le.source_id, 0) != func.coalesce(original.source_id, 0))
            | (func.coalesce(le.source_line_id, 0) != func.coalesce(original.source_line_id, 0))
            | (func.coalesce(le.lot_id, 0) != func.coalesce(original.lot_id, 0)),
        )
        .order_by(le.id)
    )
    for r in wrong:
        report.problem(f"ledger row {r.id} is not the exact opposite of row {r.reverses_id}")
    for twice in f.session.execute(
        select(le.reverses_id, func.count().label("times"))
        .where(reversal, le.reverses_id.is_not(None))
        .group_by(le.reverses_id)
        .having(func.count() > 1)
    ):
        report.problem(f"ledger row {twice.reverses_id} is reversed {twice.times} times")
    reversed_rows = (
        select(
            original.event_id.label("event_id"),
            func.count().label("rows"),
            func.count(func.distinct(le.event_id)).label("by"),
        )
        .join(le, le.reverses_id == original.id)
        .where(reversal)
        .group_by(original.event_id)
        .subquery()
    )
    posted = (
        select(le.event_id.label("event_id"), func.count().label("rows"))
        .where(le.event_id.in_(select(reversed_rows.c.event_id)))
        .group_by(le.event_id)
        .subquery()
    )
    for part in f.session.execute(
        select(reversed_rows.c.event_id, reversed_rows.c.rows, posted.c.rows.label("of"))
        .join(posted, posted.c.event_id == reversed_rows.c.event_id)
        .where((reversed_rows.c.rows != posted.c.rows) | (reversed_rows.c.by != 1))
        .order_by(reversed_rows.c.event_id)
    ):
        report.problem(
            f"event {part.event_id}: {part.rows} of its {part.of} ledger rows are reversed, not "
            "all of them by one event"
        )


# --- demand and supply ---------------------------------------------------------------------


@invariant("committed and demand are the open demand lines'")
def committed_and_demand_are_the_open_lines(f: Facts, report: CheckReport) -> None:
    """A balance's committed and demand are the sums over the open lines of every kind."""
    committed: dict[Pair, dict[str, int]] = defaultdict(dict)
    demand: dict[Pair, dict[str, int]] = defaultdict(dict)
    for source in sources():
        report.checked[source.kind + "_lines"] = int(
            f.session.scalar(select(func.count()).select_from(source.lines)) or 0
        )
        rows = f.session.execute(
            select(
                source.item_id.label("item_id"),
                source.location_id.label("location_id"),
                func.sum(millionths(source.committed)).label("committed"),
                func.sum(need_of(millionths(source.required), millionths(source.consumed))).label(
                    "need"
                ),
            )
            .select_from(source.tables)
            .where(source.is_open)
            .group_by(source.item_id, source.location_id)
        )
        for r in rows:
            committed[(r.item_id, r.location_id)][source.label] = int(r.committed)
            demand[(r.item_id, r.location_id)][source.label] = int(r.need)

    for pair in sorted(set(committed) | set(demand) | set(f.balances)):
        _oh, b_committed, b_demand, _oo = f.balance(pair)
        lines_committed = sum(committed[pair].values()) if pair in committed else 0
        if lines_committed != b_committed:
            report.problem(
                f"{f.name(pair)}: balance commits {amount(b_committed)} but "
                f"{_by_kind(committed.get(pair, {}), 'commit')}"
            )
        lines_need = sum(demand[pair].values()) if pair in demand else 0
        if lines_need != b_demand:
            report.problem(
                f"{f.name(pair)}: balance demand {amount(b_demand)} but "
                f"{_by_kind(demand.get(pair, {}), 'need')}"
            )


def _by_kind(parts: dict[str, int], verb: str) -> str:
    """In words: the open work order lines commit 4; or the total, with its kinds."""
    shown = {label: v for label, v in parts.items() if v}
    if len(shown) == 1:
        label, value = next(iter(shown.items()))
        return f"the open {label} {verb} {amount(value)}"
    total = amount(sum(shown.values()))
    detail = ", ".join(f"{label} {amount(v)}" for label, v in shown.items())
    return f"the open demand lines {verb} {total}" + (f" ({detail})" if detail else "")


@invariant("no line commits past its need")
def no_line_commits_past_its_need(f: Facts, report: CheckReport) -> None:
    """An open line commits at most what it still needs (and at least what is firm); a line
    that is not open demand commits nothing."""
    for source in sources():
        committed = millionths(source.committed)
        firm = millionths(source.firm_value)
        need = need_of(millionths(source.required), millionths(source.consumed))
        rows = f.session.execute(
            select(
                source.document_number.label("number"),
                source.item_id.label("item_id"),
                source.is_open.label("open"),
                committed.label("committed"),
                firm.label("firm"),
                need.label("need"),
            )
            .select_from(source.tables)
            .where(
                (source.is_open & ((committed > need) | (firm > committed)))
                | (~source.is_open & ((committed != 0) | (firm != 0)))
            )
            .order_by(source.document_number)
        )
        for r in rows:
            sku = f.skus.get(r.item_id, r.item_id)
            if not r.open:
                report.problem(
                    f"{r.number} {sku}: not open demand but still commits {amount(r.committed)}"
                )
            elif r.committed > r.need:
                report.problem(
                    f"{r.number} {sku}: committed {amount(r.committed)} exceeds what the line "
                    f"still needs ({amount(r.need)})"
                )
            else:
                report.problem(
                    f"{r.number} {sku}: firm {amount(r.firm)} exceeds its commitment "
                    f"{amount(r.committed)}"
                )


@invariant("on order is the open supply")
def on_order_is_the_open_supply(f: Facts, report: CheckReport) -> None:
    """A balance's on order is what the open supply of every kind still has to deliver."""
    on_order: dict[Pair, dict[str, int]] = defaultdict(dict)
    for supply in supply_sources():
        for r in f.session.execute(supply.remaining):
            on_order[(r.item_id, r.location_id)][supply.kind] = int(r.quantity)
    wording = {s.kind: s.wording for s in supply_sources()}
    for pair in sorted(set(on_order) | set(f.balances)):
        b_on_order = f.balance(pair)[3]
        parts = on_order.get(pair, {})
        if sum(parts.values()) != b_on_order:
            shown = {k: v for k, v in parts.items() if v} or {supply_sources()[0].kind: 0}
            report.problem(
                f"{f.name(pair)}: balance on order {amount(b_on_order)} but "
                + "; ".join(wording[k].format(amount(v)) for k, v in shown.items())
            )
