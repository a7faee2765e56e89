"""Generate a large plant straight into a fresh database with SQLAlchemy Core bulk inserts.

The plant is a simulated history: items and multi-level BOMs, then work orders in time order,
each with the stock movements its status implies (hand issues, assembly builds, completions
with backflush, closes with variance), purchase receipts whenever stock runs out, and at the
end a cycle count and shipments that leave a realistic mix of plentiful and short items. The
balances and commitments written last are computed from the same simulation, so
`shopfloor check` finds nothing to report.

A tenth of the items are tracked by lot (the widest top-level assemblies and all their
components among them): every receipt of one arrives as a few lots, every completion makes a
lot linked to the component lots its work order consumed, and every outflow takes lots first
in first out, one ledger row per lot; each lot's balance is written at the end. With
`tracked_share=0` the plant is the untracked one, row for row.

Quantities are handled as integer millionths throughout (the stored form of `Fixed`). The bulk
tables are written with Core `insert()` constructs over column-only `table()` views, compiled
once and executed with executemany on plain tuples, so no per-value conversion runs.
"""

from __future__ import annotations

import math
import random
import resource
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, TableClause, bindparam, column, insert, select, table, update
from sqlalchemy.dialects import sqlite

from app.models import Base, Location
from app.services.engine.database import Database

UNIT = 10**6  # millionths in one unit
LEVELS = 4
LEVEL_SHARE = (0.45, 0.30, 0.17, 0.08)  # assemblies per BOM level
WO_LEVEL_WEIGHT = (0.60, 0.25, 0.10, 0.05)  # how often each level is built
WO_QUANTITY = ((5, 100), (2, 50), (1, 20), (1, 10))
ACTIVE_WINDOW = 0.10  # the most recent share of work orders, where the active ones are
ACTIVE_IN_WINDOW = 0.70
# How the active work orders split by status (weights).
ACTIVE_STATUSES = ("firm_planned", "open_planned", "released", "in_process", "built")
ACTIVE_WEIGHTS = (12, 12, 38, 22, 16)
OPEN_DEMAND = ("released", "in_process", "built")
ACTIVE = ("firm_planned", "open_planned", *OPEN_DEMAND)
CONSUMPTION_SHARE = 0.85  # of the ledger: work order movements; the rest is receipts etc.
SHORT_SHARE = 0.15  # items with open demand that end up short
QTY_PER = (
    ("1", 30),
    ("2", 20),
    ("3", 8),
    ("4", 8),
    ("5", 4),
    ("6", 4),
    ("8", 3),
    ("10", 3),
    ("12", 2),
    ("0.5", 5),
    ("0.25", 4),
    ("1.5", 3),
    ("2.5", 2),
    ("0.125", 2),
)
NOUNS = (
    "Bolt",
    "Nut",
    "Washer",
    "Bracket",
    "Bearing",
    "Spring",
    "Gasket",
    "Seal",
    "Clip",
    "Panel",
    "Cable",
    "Connector",
    "Housing",
    "Shaft",
    "Sleeve",
    "Pin",
    "Resistor",
    "Capacitor",
    "Label",
    "Tube",
)
PRIORITY_WEIGHTS = (3, 6, 10, 14, 30, 14, 10, 8, 5)  # priority 1 (most urgent) to 9
PLANNERS = ("planner1", "planner2", "supervisor")
OPERATORS = ("op01", "op02", "op03", "op04", "op05", "op06")
STATIONS = ("office", "line-1", "line-2", "line-3", "dock")


@dataclass(frozen=True)
class PlantSpec:
    items: int = 10_000
    assemblies: int = 1_000
    work_orders: int = 100_000
    ledger_rows: int = 1_000_000
    min_lines: int = 10
    max_lines: int = 50
    seed: int = 20261121
    chunk_orders: int = 2_500
    history_days: int = 730
    tracked_share: float = 0.1  # items tracked by lot
    lots_per_tracked_item: int = 100  # about this many lots over the history, on average
    shelf_life_days: int = 730  # of a tracked raw item's lots

    def scaled(self, factor: float) -> PlantSpec:
        if factor == 1:
            return self
        return PlantSpec(
            items=max(120, round(self.items * factor)),
            assemblies=max(12, round(self.assemblies * factor)),
            work_orders=max(200, round(self.work_orders * factor)),
            ledger_rows=max(5_000, round(self.ledger_rows * factor)),
            min_lines=self.min_lines,
            max_lines=self.max_lines,
            seed=self.seed,
            chunk_orders=self.chunk_orders,
            history_days=self.history_days,
            tracked_share=self.tracked_share,
            lots_per_tracked_item=self.lots_per_tracked_item,
            shelf_life_days=self.shelf_life_days,
        )


@dataclass
class Rev:
    id: int
    assembly: int
    name: str
    active: bool
    created: datetime
    # (component item id, quantity per in millionths, backflush)
    lines: list[tuple[int, int, bool]]


@dataclass
class Assembly:
    item: int
    level: int
    active: Rev
    old: Rev | None = None  # the previous revision, used by work orders created before `active`

    def revision_at(self, when: datetime) -> Rev:
        if self.old is not None and when < self.active.created:
            return self.old
        return self.active


@dataclass(slots=True)
class PlannedOrder:
    id: int
    assembly: Assembly
    rev: Rev
    quantity: int  # whole units
    status: str
    built: int  # whole units
    template: str  # "build", "issue_complete" or "issue_only"
    created: datetime
    rows: int  # ledger rows its movements take


@dataclass
class PlantManifest:
    """What was generated, for the measurements and the report."""

    path: str
    spec: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)
    work_orders_by_status: dict[str, int] = field(default_factory=dict)
    wide_assemblies: dict[str, list[str]] = field(default_factory=dict)
    tracked_wide_assemblies: list[str] = field(default_factory=list)  # every line by lot
    top_level_assemblies: list[str] = field(default_factory=list)
    raw_skus_sample: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    generation_seconds: float = 0.0
    generation_cpu_seconds: float = 0.0
    peak_rss_mb: float = 0.0
    tracemalloc_peak_mb: float | None = None


def peak_rss_mb() -> float:
    """This process's peak resident set size (ru_maxrss is in KiB on Linux)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / 1024 / 1024


def _lite(name: str, columns: Sequence[str] | None = None) -> TableClause:
    """A column-only view of a mapped table: values go to the driver unconverted."""
    real = Base.metadata.tables[name]
    names = [c.name for c in real.columns] if columns is None else list(columns)
    unknown = set(names) - set(real.columns.keys())
    if unknown:
        raise ValueError(f"{name} has no columns {sorted(unknown)}")
    return table(name, *(column(c) for c in names))


def _ts(value: datetime) -> str:
    """SQLAlchemy's SQLite storage form of a naive-UTC timestamp."""
    text = value.isoformat(" ")
    return text if len(text) > 19 else text + ".000000"


def _millionths(text: str) -> int:
    return int(Decimal(text) * UNIT)


def _round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, like ROUND_HALF_UP on Decimal."""
    sign = -1 if numerator < 0 else 1
    return sign * ((abs(numerator) * 2 + denominator) // (2 * denominator))


def _ceil_units(millionths: int) -> int:
    return -(-millionths // UNIT) * UNIT


# The bulk tables, in foreign-key order, with the columns each generated row tuple holds.
BULK_COLUMNS: dict[str, tuple[str, ...]] = {
    "audit_event": ("id", "at", "username", "workstation", "action", "document", "details"),
    "lot": (
        "id",
        "item_id",
        "number",
        "serial",
        "expires",
        "made_on",
        "vendor_lot",
        "origin_kind",
        "origin_id",
        "origin_ref",
        "created_at",
        "created_by",
    ),
    "work_order": (
        "id",
        "number",
        "item_id",
        "quantity",
        "built",
        "status",
        "bom_revision_id",
        "location_id",
        "due_date",
        "priority",
        "created_from",
        "memo",
        "created_at",
        "created_by",
        "released_at",
        "closed_at",
        "unbuilt",
        "scrapped",
        "hold_released",
    ),
    "work_order_line": (
        "id",
        "work_order_id",
        "line_no",
        "component_id",
        "quantity_per",
        "required",
        "committed",
        "issued",
        "backflush",
        "returned",
        "scrapped",
    ),
    "ledger_entry": (
        "id",
        "event_id",
        "item_id",
        "location_id",
        "quantity",
        "unit_cost",
        "reason",
        "source_ref",
        "source_kind",
        "source_id",
        "source_line_id",
        "reverses_id",
        "memo",
        "posted_by",
        "posted_at",
        "lot_id",
    ),
    "lot_link": (
        "made_lot_id",
        "used_lot_id",
        "event_id",
        "source_kind",
        "source_id",
        "source_ref",
        "quantity",
    ),
    "work_order_variance": (
        "work_order_id",
        "component_id",
        "expected",
        "actual",
        "variance",
        "unit_cost",
        "cost_variance",
        "scrapped",
    ),
}


class _Rows:
    """Row tuples waiting for the next chunk insert. Each table's Core insert is compiled
    once and executed with executemany on plain tuples."""

    def __init__(self) -> None:
        dialect = sqlite.dialect()
        self.sql = {
            name: str(insert(_lite(name, cols)).compile(dialect=dialect))
            for name, cols in BULK_COLUMNS.items()
        }
        self.pending: dict[str, list[tuple[Any, ...]]] = {name: [] for name in BULK_COLUMNS}
        self.inserted: dict[str, int] = dict.fromkeys(BULK_COLUMNS, 0)

    def flush(self, conn: Connection) -> None:
        for name, rows in self.pending.items():
            if rows:
                conn.exec_driver_sql(self.sql[name], rows)
                self.inserted[name] += len(rows)
                rows.clear()


class PlantGenerator:
    def __init__(self, spec: PlantSpec, database: Database) -> None:
        self.spec = spec
        self.db = database
        self.rng = random.Random(spec.seed)
        self.now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        self.start = self.now - timedelta(days=spec.history_days)
        self.location_id = 0
        n_raw = spec.items - spec.assemblies
        if n_raw < spec.max_lines:
            raise ValueError("too few raw items for the widest BOM")
        self.raw_ids = list(range(1, n_raw + 1))
        self.sku: dict[int, str] = {}
        self.cost: dict[int, int] = {}
        self.level_of: dict[int, int] = {}
        self.assemblies: dict[int, Assembly] = {}
        self.by_level: dict[int, list[Assembly]] = {lv: [] for lv in range(1, LEVELS + 1)}
        self.revs: list[Rev] = []
        self.on_hand: dict[int, int] = {}
        self.rows = _Rows()
        self.events = self.rows.pending["audit_event"]
        self.ledger = self.rows.pending["ledger_entry"]
        self.event_id = 0
        self.ledger_id = 0
        self.line_id = 0
        self.lot_factor = 8.0
        self.receipts = 0
        self.consumption_rows = 0
        # Open demand lines: (released at, wo id, line id, component, need)
        self.open_lines: list[tuple[datetime, int, int, int, int]] = []
        self.on_order: dict[int, int] = {}
        self.planned_lines = 0
        # Lots: the tracked items, each one's lots on hand oldest first [lot id, millionths],
        # how many lots a receipt of one brings, and the ledger rows splitting over lots
        # adds beyond the budget. Their own random numbers leave the rest of the plant as
        # it is without them.
        self.lot_rng = random.Random(spec.seed + 1)
        self.tracked: set[int] = set()
        self.lots: dict[int, deque[list[int]]] = {}
        self.lot_id = 0
        self.lots_of_item: dict[int, int] = {}
        self.lot_expiry: dict[int, str | None] = {}
        self.lot_split = 1.0
        self.extra_rows = 0

    # --- events and ledger rows -----------------------------------------------------------

    def _event(self, at: str, user: str, action: str, document: str, details: str) -> int:
        """An audit event at `at` (storage text); `details` is its JSON text."""
        self.event_id += 1
        self.events.append(
            (
                self.event_id,
                at,
                user,
                STATIONS[self.event_id % len(STATIONS)],
                action,
                document,
                details,
            )
        )
        return self.event_id

    def _ledger(
        self,
        event: int,
        at: str,
        user: str,
        item: int,
        quantity: int,
        reason: str,
        source: str,
        wo_id: int | None = None,
        line_id: int | None = None,
        memo: str | None = None,
        lot_id: int | None = None,
    ) -> None:
        self.ledger_id += 1
        self.on_hand[item] = self.on_hand.get(item, 0) + quantity
        self.ledger.append(
            (
                self.ledger_id,
                event,
                item,
                self.location_id,
                quantity,
                self.cost[item],
                reason,
                source,
                "adjustment" if wo_id is None else "work_order",
                wo_id,
                line_id,
                None,
                memo,
                user,
                at,
                lot_id,
            )
        )

    # --- lots -----------------------------------------------------------------------------

    def _new_lot(self, item: int, at: str, origin: tuple[str, int | None, str]) -> int:
        """A lot of a tracked item made or received at `at` (storage text)."""
        self.lot_id += 1
        n = self.lots_of_item[item] = self.lots_of_item.get(item, 0) + 1
        made = at[:10]
        expires = None
        if not self.level_of[item]:
            expiry = datetime.fromisoformat(made) + timedelta(days=self.spec.shelf_life_days)
            expires = expiry.date().isoformat()
        kind, origin_id, ref = origin
        self.lot_expiry[self.lot_id] = expires
        self.rows.pending["lot"].append(
            (
                self.lot_id,
                item,
                f"{self.sku[item]}-L{n:05d}",
                False,
                expires,
                made,
                ref if kind == "adjustment" else None,
                kind,
                origin_id,
                ref,
                at,
                "receiving" if kind == "adjustment" else "production",
            )
        )
        return self.lot_id

    def _move(
        self,
        event: int,
        at: str,
        user: str,
        item: int,
        quantity: int,
        reason: str,
        source: str,
        wo_id: int | None = None,
        line_id: int | None = None,
        memo: str | None = None,
        lots_in: int = 1,
    ) -> list[tuple[int, int]]:
        """Ledger rows moving an item: one row, or for a tracked item one row per lot: an
        inflow as `lots_in` new lots, an outflow from its oldest lots. Returns the (lot,
        quantity) of each row of a tracked item."""
        if item not in self.tracked:
            self._ledger(event, at, user, item, quantity, reason, source, wo_id, line_id, memo)
            return []
        parts: list[tuple[int, int]] = []
        queue = self.lots.setdefault(item, deque())
        if quantity > 0:
            units = quantity // UNIT
            count = max(1, min(lots_in, units))
            share = units // count * UNIT
            origin = (
                ("adjustment", None, source) if wo_id is None else ("work_order", wo_id, source)
            )
            for k in range(count):
                part = share if k < count - 1 else quantity - share * (count - 1)
                lot = self._new_lot(item, at, origin)
                queue.append([lot, part])
                parts.append((lot, part))
        else:
            left = -quantity
            while left > 0:
                head = queue[0]
                take = min(head[1], left)
                head[1] -= take
                left -= take
                parts.append((head[0], -take))
                if head[1] == 0:
                    queue.popleft()
        self.extra_rows += len(parts) - 1
        for lot, part in parts:
            self._ledger(
                event, at, user, item, part, reason, source, wo_id, line_id, memo, lot_id=lot
            )
        return parts

    def _choose_tracked(self) -> None:
        """A tenth of the items (tracked_share): the widest top-level assemblies with every
        component they use, and down from each a chain of subassemblies to the raw materials
        (so a raw lot's genealogy reaches the top level through every BOM level), first; then
        others at random."""
        want = round(self.spec.items * self.spec.tracked_share)
        if want <= 0:
            return
        for asm in self.by_level[LEVELS]:
            if len(asm.active.lines) == self.spec.max_lines:
                self.tracked.add(asm.item)
                self.tracked.update(c for c, _q, _b in asm.active.lines)
                self._track_chain(asm)
        others = sorted(set(self.sku) - self.tracked)
        self.lot_rng.shuffle(others)
        self.tracked.update(others[: max(0, want - len(self.tracked))])

    def _track_chain(self, top: Assembly) -> None:
        """Below a tracked assembly, its first subassembly one level down, that one's, and so
        on to level 1, whose components are tracked with it: lots at every level."""
        asm = top
        while asm.level > 1:
            below = [c for c, _q, _b in asm.active.lines if self.level_of[c] == asm.level - 1]
            if not below:
                return
            asm = self.assemblies[below[0]]
            self.tracked.add(asm.item)
        self.tracked.update(c for c, _q, _b in asm.active.lines)

    def _lot_split(self, plans: list[PlannedOrder], room: float) -> None:
        """How many lots a receipt of a tracked item brings on average, for about
        lots_per_tracked_item lots per tracked item over the history: receipts follow
        consumption; on the full plant the receipts of tracked items come to about 52 % of the
        room the consumption leaves in proportion to their lines (measured: 26,800 against
        51,200)."""
        if not self.tracked:
            return
        moving = [p for p in plans if p.rows]
        lines = sum(len(p.rev.lines) for p in moving) or 1
        tracked_lines = sum(1 for p in moving for c, _q, _b in p.rev.lines if c in self.tracked)
        made = sum(1 for p in moving if p.built and p.assembly.item in self.tracked)
        receipts = 0.52 * room * tracked_lines / lines
        target = self.spec.lots_per_tracked_item * len(self.tracked)
        self.lot_split = max(1.0, min(50.0, (target - made) / max(1.0, receipts)))

    def _lots_in(self) -> int:
        """The lots one receipt of a tracked item brings: the average split, rounded up or
        down at random in proportion."""
        whole = int(self.lot_split)
        return whole + (self.lot_rng.random() < self.lot_split - whole)

    def _receive_for(self, needs: Sequence[tuple[int, int]], at: datetime) -> None:
        """Purchase receipts (or transfers in, for subassemblies) ahead of a posting that
        would otherwise take stock below zero; lots cover several future uses."""
        wanted: dict[int, int] = {}
        for item, qty in needs:
            wanted[item] = wanted.get(item, 0) + qty
        for item, qty in wanted.items():
            have = self.on_hand.get(item, 0)
            if have >= qty:
                continue
            lot = qty * self.rng.uniform(0.5, 1.5) * self.lot_factor
            receipt = _ceil_units(qty - have + int(lot))
            source = f"PO-{self.rng.randrange(10**5, 10**6)}"
            when = _ts(at - timedelta(hours=self.rng.uniform(2, 72)))
            ev = self._event(
                when, "receiving", "stock.adjust", self.sku[item], f'{{"receipt": "{source}"}}'
            )
            self._move(
                ev, when, "receiving", item, receipt, "adjustment", source, lots_in=self._lots_in()
            )
            self.receipts += 1

    # --- items and BOMs -------------------------------------------------------------------

    def _make_items(self, conn: Connection) -> None:
        spec, rng = self.spec, self.rng
        rows: list[dict[str, Any]] = []
        created = _ts(self.start - timedelta(days=30))
        for item in self.raw_ids:
            self.sku[item] = f"RM-{item:05d}"
            cents = round(math.exp(rng.uniform(math.log(5), math.log(25_000))))
            self.cost[item] = cents * 10_000
            self.level_of[item] = 0
        counts = [max(1, round(spec.assemblies * share)) for share in LEVEL_SHARE]
        counts[0] += spec.assemblies - sum(counts)
        next_id = len(self.raw_ids) + 1
        for level, count in enumerate(counts, start=1):
            for n in range(1, count + 1):
                self.sku[next_id] = f"ASM{level}-{n:04d}"
                self.level_of[next_id] = level
                next_id += 1
        for item, sku in self.sku.items():
            level = self.level_of[item]
            noun = NOUNS[item % len(NOUNS)]
            build_point = preferred = None
            if level and rng.random() < 0.6:
                build_point = rng.randint(1, 20) * UNIT
                preferred = build_point * rng.randint(2, 4)
            rows.append(
                {
                    "id": item,
                    "sku": sku,
                    "name": f"{noun} {sku}" if not level else f"Level {level} assembly {sku}",
                    "item_type": "assembly" if level else "inventory",
                    "uom": "ea",
                    "standard_cost": self.cost.get(item, 0),
                    "build_point": build_point,
                    "preferred_stock": preferred,
                    "drop_ship": False,
                    "active": True,
                    "created_at": created,
                }
            )
        conn.execute(_lite("item").insert(), rows)

    def _line_range(self, level: int) -> tuple[int, int]:
        lo, hi = self.spec.min_lines, self.spec.max_lines
        span = hi - lo
        return {
            1: (lo, lo + span // 4),
            2: (lo, lo + span // 2),
            3: (lo + span // 8, hi - span // 8),
            4: (lo + span // 4, hi),
        }[level]

    def _make_boms(self, conn: Connection) -> None:
        rng = self.rng
        popularity = self.raw_ids[:]
        rng.shuffle(popularity)
        cum: list[float] = []
        total = 0.0
        for rank in range(len(popularity)):
            total += 1 / (rank + 20) ** 0.9
            cum.append(total)
        qty_values = [_millionths(q) for q, _w in QTY_PER]
        qty_weights = [w for _q, w in QTY_PER]

        def raw_components(n: int) -> list[int]:
            chosen: dict[int, None] = {}
            while len(chosen) < n:
                for item in rng.choices(popularity, cum_weights=cum, k=n - len(chosen)):
                    chosen[item] = None
            return list(chosen)

        assemblies_by_level: dict[int, list[int]] = {lv: [] for lv in range(1, LEVELS + 1)}
        for item, level in self.level_of.items():
            if level:
                assemblies_by_level[level].append(item)
        wide_per_level = max(1, self.spec.assemblies // 100)
        rev_id = 0
        for level in range(1, LEVELS + 1):
            members = assemblies_by_level[level]
            wide = set(members[:wide_per_level]) if level >= 2 else set()
            for item in members:
                lo, hi = self._line_range(level)
                n_lines = self.spec.max_lines if item in wide else round(rng.triangular(lo, hi, lo))
                subs: list[int] = []
                if level >= 2:
                    subs.append(rng.choice(assemblies_by_level[level - 1]))
                    if rng.random() < 0.5:
                        extra = rng.choice(assemblies_by_level[rng.randint(1, level - 1)])
                        if extra not in subs:
                            subs.append(extra)
                raws = raw_components(n_lines - len(subs))
                lines: list[tuple[int, int, bool]] = [
                    (c, rng.choices(qty_values, qty_weights)[0], rng.random() < 0.92) for c in raws
                ]
                for sub in subs:
                    lines.insert(
                        rng.randrange(len(lines) + 1), (sub, rng.randint(1, 4) * UNIT, True)
                    )
                rolled = sum(qp * self.cost[c] // UNIT for c, qp, _b in lines)
                labour = rng.randint(500, 20_000) * 10_000
                self.cost[item] = (rolled + labour) // 10_000 * 10_000
                old = None
                if rng.random() < 0.15:
                    rev_id += 1
                    old_lines = [
                        (c, qp + UNIT if i == 0 else qp, b) for i, (c, qp, b) in enumerate(lines)
                    ]
                    old = Rev(rev_id, item, "1", False, self.start - timedelta(days=20), old_lines)
                rev_id += 1
                switch = self.start + timedelta(days=self.spec.history_days * rng.uniform(0.2, 0.7))
                active = Rev(
                    rev_id,
                    item,
                    "2" if old else "1",
                    True,
                    switch if old else self.start - timedelta(days=20),
                    lines,
                )
                asm = Assembly(item, level, active, old)
                self.assemblies[item] = asm
                self.by_level[level].append(asm)
                self.revs.extend(r for r in (old, active) if r is not None)
        items = _lite("item")
        conn.execute(
            update(items)
            .where(items.c.id == bindparam("b_id"))
            .values(standard_cost=bindparam("b_cost")),
            [{"b_id": a, "b_cost": self.cost[a]} for a in self.assemblies],
        )
        conn.execute(
            _lite("bom_revision").insert(),
            [
                {
                    "id": r.id,
                    "assembly_id": r.assembly,
                    "revision": r.name,
                    "active": r.active,
                    "memo": None,
                    "created_at": _ts(r.created),
                    "created_by": "engineering",
                }
                for r in self.revs
            ],
        )
        conn.execute(
            _lite("bom_line").insert(),
            [
                {
                    "revision_id": r.id,
                    "line_no": n,
                    "component_id": c,
                    "quantity_per": qp,
                    "backflush": b,
                }
                for r in self.revs
                for n, (c, qp, b) in enumerate(r.lines, start=1)
            ],
        )

    def _track_items(self, conn: Connection) -> None:
        """The tracked items are tracked by lot; a raw one's lots keep shelf_life_days."""
        if not self.tracked:
            return
        items = _lite("item")
        conn.execute(
            update(items)
            .where(items.c.id == bindparam("b_id"))
            .values(tracking="lot", shelf_life_days=bindparam("b_days")),
            [
                {"b_id": i, "b_days": None if self.level_of[i] else self.spec.shelf_life_days}
                for i in sorted(self.tracked)
            ],
        )

    # --- work order plan ------------------------------------------------------------------

    def _plan(self) -> list[PlannedOrder]:
        """Assembly, quantity, status and movement template of every work order, sized so the
        movements and receipts fit the ledger budget."""
        spec, rng = self.spec, self.rng
        span = (self.now - timedelta(hours=6) - self.start).total_seconds()
        window_start = int(spec.work_orders * (1 - ACTIVE_WINDOW))
        plans: list[PlannedOrder] = []
        for n in range(spec.work_orders):
            level = rng.choices(range(1, LEVELS + 1), WO_LEVEL_WEIGHT)[0]
            asm = rng.choice(self.by_level[level])
            qlo, qhi = WO_QUANTITY[level - 1]
            quantity = rng.randint(qlo, qhi)
            created = self.start + timedelta(seconds=span * (n + rng.random()) / spec.work_orders)
            rev = asm.revision_at(created)
            status = "historical"
            if n >= window_start and rng.random() < ACTIVE_IN_WINDOW:
                status = rng.choices(ACTIVE_STATUSES, ACTIVE_WEIGHTS)[0]
            plan = PlannedOrder(n + 1, asm, rev, quantity, status, 0, "none", created, 0)
            self._shape(plan)
            plans.append(plan)
        # Historical orders: closed while the ledger budget allows, the rest cancelled.
        active_rows = sum(p.rows for p in plans if p.status != "historical")
        historical = [p for p in plans if p.status == "historical"]
        budget = CONSUMPTION_SHARE * spec.ledger_rows - active_rows - spec.items
        if_closed = {p.id: len(p.rev.lines) + 1 for p in historical}
        share = min(0.9, budget / max(1, sum(if_closed.values())))
        used = 0
        for p in historical:
            if rng.random() < share and used + if_closed[p.id] <= budget:
                p.status = "closed"
                self._shape(p)
                used += p.rows
            else:
                p.status = "cancelled"
                self._shape(p)
        self.consumption_rows = used + active_rows
        room = spec.ledger_rows - self.consumption_rows - spec.items
        # A receipt covers the shortfall plus a lot of about lot_factor uses.
        self.lot_factor = max(1.0, self.consumption_rows / max(1.0, 0.8 * room) - 1)
        self._lot_split(plans, room)
        return plans

    def _shape(self, plan: PlannedOrder) -> None:
        """Pick built quantity and movement template for the plan's status."""
        rng = self.rng
        q = plan.quantity
        n_lines = len(plan.rev.lines)
        has_manual = any(not b for _c, _q, b in plan.rev.lines)
        plan.built, plan.template, plan.rows = 0, "none", 0
        if plan.status in ("closed", "built"):
            plan.built = q
            if plan.status == "closed" and q > 1 and rng.random() < 0.10:
                plan.built = max(1, min(q - 1, int(q * rng.uniform(0.5, 0.95))))
            plan.template = "issue_complete" if has_manual and rng.random() < 0.2 else "build"
            plan.rows = n_lines + 1
        elif plan.status == "in_process":
            if q > 1 and rng.random() < 0.6:
                plan.built = max(1, min(q - 1, int(q * rng.uniform(0.1, 0.9))))
            if plan.built:
                plan.template = "issue_complete" if has_manual else "build"
                plan.rows = n_lines + 1
            else:
                plan.template = "issue_only"
                manual = sum(1 for _c, _q, b in plan.rev.lines if not b)
                plan.rows = manual if manual else min(3, n_lines)

    # --- history --------------------------------------------------------------------------

    def _write_orders(self, conn: Connection, plans: list[PlannedOrder]) -> None:
        chunk = self.spec.chunk_orders
        for start in range(0, len(plans), chunk):
            with conn.begin():
                for plan in plans[start : start + chunk]:
                    self._write_order(plan)
                self.rows.flush(conn)

    def _write_order(self, plan: PlannedOrder) -> None:
        rng = self.rng
        number = f"WO-{plan.id:06d}"
        planner = rng.choice(PLANNERS)
        operator = rng.choice(OPERATORS)
        q_m = plan.quantity * UNIT
        built_m = plan.built * UNIT
        t = plan.created
        due = (t + timedelta(days=rng.randint(5, 30))).date()
        priority = rng.choices(range(1, 10), PRIORITY_WEIGHTS)[0]
        created_from = f"SO-{rng.randrange(10**5, 10**6)}" if rng.random() < 0.3 else None
        status = plan.status
        released_at: datetime | None = None
        # Cancelled orders were mostly planned orders nobody released.
        was_released = status != "cancelled" or rng.random() < 0.2
        if status not in ("firm_planned", "open_planned") and was_released:
            released_at = t + timedelta(hours=rng.uniform(0, 30))
        created_at = _ts(t)
        self._event(
            created_at,
            planner,
            "wo.create",
            number,
            f'{{"item": "{self.sku[plan.assembly.item]}", "quantity": "{plan.quantity}"}}',
        )

        lines = plan.rev.lines
        first_line = self.line_id + 1
        self.line_id += len(lines)
        issued = [0] * len(lines)
        required = [qp * plan.quantity for _c, qp, _b in lines]
        moment = (released_at or t) + timedelta(hours=rng.uniform(2, 48))
        consumed: dict[int, int] = {}  # component lots the work order consumed, by lot

        def post(take: Sequence[tuple[int, int]], action: str, reason: str) -> tuple[int, str]:
            """One posting consuming `take` (line index, quantity); returns its event."""
            self._receive_for([(lines[i][0], q) for i, q in take], moment)
            at = _ts(moment)
            ev = self._event(at, operator, action, number, "{}")
            for i, q in take:
                issued[i] += q
                for lot, part in self._move(
                    ev, at, operator, lines[i][0], -q, reason, number, plan.id, first_line + i
                ):
                    consumed[lot] = consumed.get(lot, 0) - part
            return ev, at

        def produce(all_lines: bool) -> None:
            take = [
                (i, lines[i][1] * plan.built - issued[i])
                for i in range(len(lines))
                if (all_lines or lines[i][2]) and lines[i][1] * plan.built > issued[i]
            ]
            ev, at = post(take, "wo.build" if all_lines else "wo.complete", "backflush")
            made = self._move(
                ev, at, operator, plan.assembly.item, built_m, "completion", number, plan.id
            )
            self.rows.pending["lot_link"].extend(
                (lot, used, ev, "work_order", plan.id, number, qty)
                for lot, _q in made
                for used, qty in sorted(consumed.items())
            )

        manual = [(i, required[i]) for i in range(len(lines)) if not lines[i][2]]
        if plan.template == "build":
            produce(all_lines=True)
        elif plan.template == "issue_complete":
            if manual:
                post(manual, "wo.issue", "issue")
                moment += timedelta(hours=rng.uniform(1, 24))
            produce(all_lines=False)
        elif plan.template == "issue_only":
            if not manual:
                manual = [(i, max(1, required[i] // 2)) for i in range(min(3, len(lines)))]
            post(manual, "wo.issue", "issue")

        closed_at: str | None = None
        if status == "closed":
            closed_at = _ts(moment + timedelta(hours=rng.uniform(1, 48)))
            self._event(closed_at, planner, "wo.close", number, "{}")
            variances = self.rows.pending["work_order_variance"]
            for i, (comp, qp, _b) in enumerate(lines):
                expected = qp * plan.built
                variance = issued[i] - expected
                cost = self.cost[comp]
                variances.append(
                    (
                        plan.id,
                        comp,
                        expected,
                        issued[i],
                        variance,
                        cost,
                        _round_half_up(variance * cost, UNIT),
                        0,
                    )
                )
        elif status == "cancelled":
            closed_at = _ts((released_at or t) + timedelta(hours=rng.uniform(1, 96)))
            self._event(closed_at, planner, "wo.cancel", number, "{}")

        if status in ACTIVE and q_m > built_m:
            item = plan.assembly.item
            self.on_order[item] = self.on_order.get(item, 0) + q_m - built_m
        if status in ("firm_planned", "open_planned"):
            self.planned_lines += len(lines)
        if status in OPEN_DEMAND:
            assert released_at is not None
            for i, (comp, _qp, _b) in enumerate(lines):
                need = required[i] - issued[i]
                if need > 0:
                    self.open_lines.append((released_at, plan.id, first_line + i, comp, need))

        self.rows.pending["work_order"].append(
            (
                plan.id,
                number,
                plan.assembly.item,
                q_m,
                built_m,
                status,
                plan.rev.id,
                self.location_id,
                due.isoformat(),
                priority,
                created_from,
                None,
                created_at,
                planner,
                _ts(released_at) if released_at else None,
                closed_at,
                0,
                0,
                False,
            )
        )
        self.rows.pending["work_order_line"].extend(
            (first_line + i, plan.id, i + 1, comp, qp, required[i], 0, issued[i], backflush, 0, 0)
            for i, (comp, qp, backflush) in enumerate(lines)
        )

    # --- the end of history: receipts, cycle count, shipments, balances -------------------

    def _finish(self, conn: Connection) -> dict[str, int]:
        rng = self.rng
        demand: dict[int, int] = {}
        for _at, _wo, _line, comp, need in self.open_lines:
            demand[comp] = demand.get(comp, 0) + need
        targets: dict[int, int] = {}
        for item, need in demand.items():
            if rng.random() < SHORT_SHARE:
                targets[item] = int(need * rng.uniform(0.1, 0.9)) // UNIT * UNIT
            else:
                targets[item] = _ceil_units(int(need * rng.uniform(1.1, 3.0)))
                targets[item] += rng.randint(0, 20) * UNIT
        for item in self.assemblies:
            if item not in targets and self.on_hand.get(item, 0) > 0:
                targets[item] = int(self.on_hand[item] * rng.uniform(0.05, 0.4)) // UNIT * UNIT
        # The rows splitting over lots come on top of the budget.
        written = self.rows.inserted["ledger_entry"] + len(self.ledger) - self.extra_rows
        filler = self.spec.ledger_rows - written - len(targets)
        if filler < 0:
            raise RuntimeError(
                f"the ledger budget of {self.spec.ledger_rows} rows is exceeded by "
                f"{-filler}: fewer closed work orders or larger receipt lots are needed"
            )
        # Recent purchase receipts, then the cycle count and the shipments.
        raw = self.raw_ids
        recent = self.now - timedelta(days=30)
        with conn.begin():
            for n in range(filler):
                item = rng.choice(raw)
                when = recent + timedelta(seconds=n * 30 * 86_400 / max(1, filler))
                source = f"PO-{rng.randrange(10**5, 10**6)}"
                at = _ts(when)
                ev = self._event(
                    at, "receiving", "stock.adjust", self.sku[item], f'{{"receipt": "{source}"}}'
                )
                self._move(
                    ev,
                    at,
                    "receiving",
                    item,
                    rng.randint(1, 50) * UNIT,
                    "adjustment",
                    source,
                    lots_in=self._lots_in(),
                )
                if len(self.ledger) >= 50_000:
                    self.rows.flush(conn)
            count_time = self.now - timedelta(hours=3)
            count_at = _ts(count_time)
            count_event = self._event(
                count_at,
                "supervisor",
                "import.stock",
                "cycle-count.csv",
                f'{{"rows": {len(targets) - sum(1 for i in targets if i in self.assemblies)}}}',
            )
            shipments = 0
            for item, target in sorted(targets.items()):
                have = self.on_hand.get(item, 0)
                if target == have:
                    target += UNIT
                delta = target - have
                if item in self.assemblies and item not in demand:
                    shipped = _ts(count_time - timedelta(hours=rng.uniform(1, 48)))
                    source = f"SHIP-{rng.randrange(10**5, 10**6)}"
                    ev = self._event(
                        shipped,
                        "shipping",
                        "stock.adjust",
                        self.sku[item],
                        f'{{"shipment": "{source}"}}',
                    )
                    self._move(ev, shipped, "shipping", item, delta, "adjustment", source)
                    shipments += 1
                else:
                    self._move(
                        count_event,
                        count_at,
                        "supervisor",
                        item,
                        delta,
                        "adjustment",
                        "import cycle-count.csv",
                    )
            self.rows.flush(conn)

        # Commitment as handed out at release time, oldest release first.
        committed: dict[int, int] = {}
        pool = dict(self.on_hand)
        changes: list[dict[str, int]] = []
        for _at, _wo, line_id, comp, need in sorted(self.open_lines):
            take = min(need, pool.get(comp, 0))
            if take > 0:
                pool[comp] -= take
                committed[comp] = committed.get(comp, 0) + take
                changes.append({"b_id": line_id, "b_committed": take})
        lines = _lite("work_order_line")
        with conn.begin():
            if changes:
                conn.execute(
                    update(lines)
                    .where(lines.c.id == bindparam("b_id"))
                    .values(committed=bindparam("b_committed")),
                    changes,
                )
            conn.execute(
                _lite("stock_balance").insert(),
                [
                    {
                        "item_id": item,
                        "location_id": self.location_id,
                        "on_hand": self.on_hand.get(item, 0),
                        "committed": committed.get(item, 0),
                        "demand": demand.get(item, 0),
                        "on_order": self.on_order.get(item, 0),
                    }
                    for item in sorted(self.sku)
                ],
            )
            conn.execute(
                _lite("counter").insert(), [{"name": "work_order", "value": self.spec.work_orders}]
            )
            lot_balances = [
                {
                    "item_id": item,
                    "location_id": self.location_id,
                    "lot_id": lot,
                    "on_hand": qty,
                    "reserved": 0,
                    "expires": self.lot_expiry[lot],
                }
                for item, queue in sorted(self.lots.items())
                for lot, qty in queue
            ]
            if lot_balances:
                conn.execute(_lite("lot_balance").insert(), lot_balances)
        return {
            "lots_on_hand": len(lot_balances),
            "filler_receipts": filler,
            "cycle_count_rows": len(targets) - shipments,
            "shipments": shipments,
            "committed_lines": len(changes),
            "short_items": sum(1 for i, d in demand.items() if self.on_hand.get(i, 0) < d),
        }

    # --- driver ---------------------------------------------------------------------------

    def run(self) -> PlantManifest:
        started = time.perf_counter()
        cpu_started = time.process_time()
        manifest = PlantManifest(path=self.db.describe(), spec=asdict(self.spec))
        marks: dict[str, float] = {}

        def mark(name: str, since: float) -> float:
            now = time.perf_counter()
            marks[name] = round(now - since, 3)
            return now

        self.db.upgrade()
        t = mark("schema", started)
        with self.db.engine.connect() as conn:
            # Every reference is made by construction; the check afterwards proves them with
            # PRAGMA foreign_key_check instead of probing each one during the load.
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys = OFF")
            with conn.begin():
                loc = conn.execute(
                    select(Location.id).where(Location.is_default.is_(True))
                ).scalar_one()
                self.location_id = int(loc)
                self._make_items(conn)
                self._make_boms(conn)
                self._choose_tracked()
                self._track_items(conn)
            t = mark("items_and_boms", t)
            plans = self._plan()
            t = mark("plan", t)
            by_status: dict[str, int] = {}
            for p in plans:
                by_status[p.status] = by_status.get(p.status, 0) + 1
            self._write_orders(conn, plans)
            t = mark("work_orders_and_ledger", t)
            del plans
            finish = self._finish(conn)
            t = mark("finish", t)
            raw.execute("PRAGMA foreign_keys = ON")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            mark("checkpoint", t)
        manifest.generation_seconds = round(time.perf_counter() - started, 3)
        manifest.generation_cpu_seconds = round(time.process_time() - cpu_started, 3)
        manifest.timings = marks
        manifest.work_orders_by_status = dict(sorted(by_status.items()))
        manifest.counts = {
            "items": len(self.sku),
            "raw_items": len(self.raw_ids),
            "assemblies": len(self.assemblies),
            "bom_revisions": len(self.revs),
            "bom_lines": sum(len(r.lines) for r in self.revs),
            "work_orders": self.rows.inserted["work_order"],
            "work_order_lines": self.rows.inserted["work_order_line"],
            "open_demand_lines": len(self.open_lines),
            "planned_lines": self.planned_lines,
            "ledger_rows": self.rows.inserted["ledger_entry"],
            "audit_events": self.rows.inserted["audit_event"],
            "variance_rows": self.rows.inserted["work_order_variance"],
            "receipts_in_history": self.receipts,
            "tracked_items": len(self.tracked),
            "lots": self.rows.inserted["lot"],
            "lot_links": self.rows.inserted["lot_link"],
            "lots_per_tracked_receipt": round(self.lot_split, 2),
            "ledger_rows_splitting_over_lots": self.extra_rows,
            **finish,
        }
        for level in range(1, LEVELS + 1):
            manifest.counts[f"assemblies_level_{level}"] = len(self.by_level[level])
        manifest.wide_assemblies = {
            str(level): [
                self.sku[a.item]
                for a in self.by_level[level]
                if len(a.active.lines) == self.spec.max_lines
            ]
            for level in range(2, LEVELS + 1)
        }
        manifest.top_level_assemblies = [self.sku[a.item] for a in self.by_level[LEVELS]]
        manifest.tracked_wide_assemblies = [
            self.sku[a.item]
            for a in self.by_level[LEVELS]
            if len(a.active.lines) == self.spec.max_lines and a.item in self.tracked
        ]
        manifest.raw_skus_sample = [self.sku[i] for i in self.rng.sample(self.raw_ids, 50)]
        manifest.peak_rss_mb = round(peak_rss_mb(), 1)
        return manifest


def generate(path: str, spec: PlantSpec, trace_memory: bool = False) -> dict[str, Any]:
    """Generate the plant into a new SQLite file; returns the manifest as a dict."""
    if trace_memory:
        import tracemalloc

        tracemalloc.start()
    database = Database(f"sqlite:///{path}")
    try:
        manifest = PlantGenerator(spec, database).run()
    finally:
        database.dispose()
    if trace_memory:
        import tracemalloc

        manifest.tracemalloc_peak_mb = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    return asdict(manifest)
