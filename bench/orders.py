"""The fixed order workload: create + release, build with backflush, close, then read the
position of every item, for N orders, each posting its own transaction through the services.

The plant (components, single-level BOMs, opening stock) comes from a fixed seed and is set
up through the import services; the final stock is verified exactly against an independent
Decimal computation, and `shopfloor check` must pass. With `tracked_share` that share of the
items is tracked by lot (chosen by a seed of its own, so the plant is otherwise the same):
their opening stock comes in two lots, builds take lots first to expire first and make a lot
from the number pattern.
"""

from __future__ import annotations

import csv
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from app.services import admin, inventory
from app.services.catalog import imports
from app.services.check import check_database
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.production import work_orders
from bench.plant import peak_rss_mb
from bench.profiling import profiled

T = TypeVar("T")
R = TypeVar("R")
ACTOR = Actor(user="bench", workstation="bench")
QTY_PER = ("1", "1", "1", "2", "2", "3", "4", "0.5", "0.25", "1.5")
PHASES = ("create_release", "build", "close", "positions")


@dataclass(frozen=True)
class WorkloadSpec:
    components: int = 200
    assemblies: int = 20
    bom_lines: int = 10
    orders: int = 100
    qty: str = "2"
    warmup_orders: int = 10  # run through every phase first, untimed
    seed: int = 1121
    commit_after_entry: bool = False
    tracked_share: float = 0.0  # items tracked by lot


@dataclass(frozen=True)
class WorkloadPlant:
    components: list[str]
    assemblies: list[str]
    boms: dict[str, list[tuple[str, Decimal]]]
    orders: list[str]  # the assembly of each order, warm-up orders first
    opening: dict[str, Decimal]
    tracked: frozenset[str] = frozenset()  # items tracked by lot


def design(spec: WorkloadSpec) -> WorkloadPlant:
    """Components, random BOMs, the order sequence and the opening stock, from the seed."""
    if spec.bom_lines > spec.components:
        raise ValueError("a BOM cannot have more lines than there are components")
    rng = random.Random(spec.seed)
    components = [f"C-{n:04d}" for n in range(1, spec.components + 1)]
    assemblies = [f"A-{n:03d}" for n in range(1, spec.assemblies + 1)]
    boms = {
        a: [(c, Decimal(rng.choice(QTY_PER))) for c in rng.sample(components, spec.bom_lines)]
        for a in assemblies
    }
    orders = [rng.choice(assemblies) for _ in range(spec.warmup_orders + spec.orders)]
    qty = Decimal(spec.qty)
    needed = {c: Decimal(0) for c in components}
    for a in orders:
        for c, per in boms[a]:
            needed[c] += per * qty
    opening = {c: needed[c] + rng.randint(1, 50) for c in components}
    everything = components + assemblies
    tracked = frozenset(
        random.Random(spec.seed + 1).sample(everything, round(len(everything) * spec.tracked_share))
    )
    return WorkloadPlant(components, assemblies, boms, orders, opening, tracked)


def expected_on_hand(plant: WorkloadPlant, qty: Decimal) -> dict[str, Decimal]:
    """What every item must hold once every order is built in full and closed."""
    out = dict(plant.opening)
    for a in plant.assemblies:
        out[a] = Decimal(0)
    for a in plant.orders:
        out[a] += qty
        for c, per in plant.boms[a]:
            out[c] -= per * qty
    return out


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def set_up(uow: UnitOfWork, plant: WorkloadPlant, workdir: Path) -> None:
    rng = random.Random(len(plant.components))

    def tracking(sku: str) -> str:
        return "lot" if sku in plant.tracked else ""

    item_rows = [
        [c, f"Component {c}", "inventory", "ea", f"{rng.randint(10, 5000) / 100:.2f}", tracking(c)]
        for c in plant.components
    ] + [[a, f"Assembly {a}", "assembly", "ea", "0", tracking(a)] for a in plant.assemblies]
    imports.import_items(
        uow,
        write_csv(
            workdir / "items.csv", ["sku", "name", "type", "uom", "cost", "tracking"], item_rows
        ),
    )
    bom_rows = [[a, c, str(per)] for a, lines in plant.boms.items() for c, per in lines]
    imports.import_boms(
        uow, write_csv(workdir / "boms.csv", ["assembly", "component", "quantity"], bom_rows)
    )
    stock_rows = []
    for c, q in plant.opening.items():
        if c not in plant.tracked:
            stock_rows.append([c, "", str(q), ""])
            continue
        half = q // 2  # two lots, so that builds take from both
        if half > 0:
            stock_rows.append([c, "", str(half), "OPEN-1"])
        stock_rows.append([c, "", str(q - half), "OPEN-2"])
    imports.import_stock(
        uow, write_csv(workdir / "stock.csv", ["sku", "location", "quantity", "lot"], stock_rows)
    )


class PhaseTimer:
    """Times the phases of a workload: each phase's wall and CPU seconds and each call's
    milliseconds."""

    def __init__(self, profile_dir: str | None, label: str) -> None:
        self.profile_dir = profile_dir
        self.label = label
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self.per_call: dict[str, list[float]] = {}

    def phase(self, name: str, calls: list[Callable[[], T]], keep: Callable[[T], R]) -> list[R]:
        """Time the calls; only `keep(result)` of each is held on to, so the workload's
        memory (and the garbage collector's work) does not grow with the answers."""
        kept = []
        times = self.per_call.setdefault(name, [])
        with profiled(self.profile_dir, f"{self.label}-{name}"):
            start, cpu_start = time.perf_counter(), time.process_time()
            for call in calls:
                t = time.perf_counter()
                result = call()
                times.append((time.perf_counter() - t) * 1000)
                kept.append(keep(result))
                del result
            self.seconds[name] = time.perf_counter() - start
            self.cpu_seconds[name] = time.process_time() - cpu_start
        return kept

    def figures(self, n: int) -> dict[str, Any]:
        """Per phase and end to end: orders per second, ms per order, CPU ms per order."""
        total = sum(self.seconds.values())
        return {
            "seconds": {k: round(v, 4) for k, v in self.seconds.items()},
            "cpu_seconds": {k: round(v, 4) for k, v in self.cpu_seconds.items()},
            "orders_per_second": {k: round(n / v, 1) for k, v in self.seconds.items()},
            "ms_per_order": {k: round(v * 1000 / n, 3) for k, v in self.seconds.items()},
            "end_to_end_seconds": round(total, 4),
            "end_to_end_orders_per_second": round(n / total, 1),
            "end_to_end_ms_per_order": round(total * 1000 / n, 3),
            "end_to_end_cpu_ms_per_order": round(sum(self.cpu_seconds.values()) * 1000 / n, 3),
            "ms_per_order_first_last_tenth": {
                name: first_last_tenth(values) for name, values in self.per_call.items()
            },
        }


def run_workload(
    path: str, spec: WorkloadSpec, workdir: str, profile_dir: str | None = None
) -> dict[str, Any]:
    """Run the workload on a new database at `path`; returns timings and verification."""
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    uow = UnitOfWork(database, ACTOR)
    plant = design(spec)
    qty = Decimal(spec.qty)
    try:
        if spec.commit_after_entry:
            admin.set_preference(uow, "perform_item_commitment_after_transaction_entry", "true")
        set_up(uow, plant, Path(workdir))
        skus = plant.components + plant.assemblies
        warmup, timed = plant.orders[: spec.warmup_orders], plant.orders[spec.warmup_orders :]
        for a in warmup:
            number = work_orders.create_work_order(uow, a, qty, status="released").number
            work_orders.post_assembly_build(uow, number, qty)
            work_orders.close_work_order(uow, number)
        for s in skus[:10]:
            inventory.stock_position(uow, s)
        timer = PhaseTimer(profile_dir, f"orders-{spec.orders}")
        phase = timer.phase

        numbers = phase(
            "create_release",
            [partial(work_orders.create_work_order, uow, a, qty, status="released") for a in timed],
            _number,
        )
        phase(
            "build", [partial(work_orders.post_assembly_build, uow, w, qty) for w in numbers], _none
        )
        phase("close", [partial(work_orders.close_work_order, uow, w) for w in numbers], _none)
        positions = phase(
            "positions", [partial(inventory.stock_position, uow, s) for s in skus], _same
        )

        problems = verify(uow, plant, qty, positions)
        start = time.perf_counter()
        report = check_database(uow)
        check_seconds = time.perf_counter() - start
        counts = work_orders.count_by_status(uow)
    finally:
        database.dispose()
    return {
        "spec": asdict(spec),
        **timer.figures(spec.orders),
        "verified": not problems,
        "verify_problems": problems[:20],
        "check_ok": report.ok,
        "check_problems": report.problems[:20],
        "check_seconds": round(check_seconds, 3),
        "closed": counts.get("closed", 0),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def _number(info: work_orders.WorkOrderInfo) -> str:
    return info.number


def _none(_result: object) -> None:
    return None


def _same(position: inventory.StockPosition) -> inventory.StockPosition:
    return position


def first_last_tenth(values: list[float]) -> dict[str, float]:
    """Mean call time over the first and the last tenth of a phase: flat cost keeps them equal."""
    k = max(1, len(values) // 10)
    return {
        "first": round(sum(values[:k]) / k, 3),
        "last": round(sum(values[-k:]) / k, 3),
    }


def verify(
    uow: UnitOfWork,
    plant: WorkloadPlant,
    qty: Decimal,
    positions: list[inventory.StockPosition],
) -> list[str]:
    """Compare every item's position with the independent expectation (exact decimals)."""
    expected = expected_on_hand(plant, qty)
    problems: list[str] = []
    seen = set()
    for pos in positions:
        seen.add(pos.sku)
        want = expected[pos.sku]
        if pos.on_hand != want:
            problems.append(f"{pos.sku}: on hand {pos.on_hand}, expected {want}")
        if pos.committed != 0:
            problems.append(f"{pos.sku}: committed {pos.committed}, expected 0")
        if pos.available != want:
            problems.append(f"{pos.sku}: available {pos.available}, expected {want}")
        if pos.on_order != 0 or pos.backordered != 0:
            problems.append(f"{pos.sku}: on order {pos.on_order}, backordered {pos.backordered}")
    missing = set(expected) - seen
    problems.extend(f"{sku}: no position" for sku in sorted(missing))
    summary = {p.sku: p.on_hand for p in inventory.stock_summary(uow)}
    problems.extend(
        f"{sku}: stock summary says {summary.get(sku)}, expected {want}"
        for sku, want in expected.items()
        if summary.get(sku) != want
    )
    closed = work_orders.count_by_status(uow).get("closed", 0)
    if closed != len(plant.orders):
        problems.append(f"{closed} work orders closed, expected {len(plant.orders)}")
    return problems
