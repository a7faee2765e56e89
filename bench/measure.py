"""Measurements on the generated plant, each through the real service functions.

Every posting is its own service call and so its own transaction; reads use the same read
use cases the command line and the desktop views use.
"""

from __future__ import annotations

import csv
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.models import Item, Lot, LotLink
from app.services import inventory, reasons
from app.services.catalog import boms, imports, items
from app.services.check import check_database
from app.services.engine import commitment
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.lots import recall
from app.services.production import corrections, editing, planning, work_orders
from bench.plant import peak_rss_mb
from bench.profiling import profiled
from bench.returns import measure_returns

T = TypeVar("T")
R = TypeVar("R")
ACTOR = Actor(user="bench", workstation="bench")
BENCH_WO_QUANTITY = Decimal(2)


@dataclass(frozen=True)
class Repeats:
    postings: int = 30
    stock_query: int = 300
    summary: int = 10
    explosion: int = 50
    heavy: int = 5
    warmup: int = 2

    @classmethod
    def quick(cls) -> Repeats:
        return cls(postings=5, stock_query=30, summary=3, explosion=10, heavy=2, warmup=1)


def open_uow(path: str) -> tuple[Database, UnitOfWork]:
    database = Database(f"sqlite:///{path}")
    database.require_current_schema()
    return database, UnitOfWork(database, ACTOR)


def run_check(path: str) -> dict[str, Any]:
    """`shopfloor check` over the whole database, timed, in a process of its own; then
    SQLite's own proof that every foreign key (ledger row -> audit event, ...) resolves."""
    database, uow = open_uow(path)
    try:
        start = time.perf_counter()
        report = check_database(uow)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        with database.engine.connect() as conn:
            violations = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        fk_seconds = time.perf_counter() - start
    finally:
        database.dispose()
    return {
        "ok": report.ok and not violations,
        "problems": len(report.problems) + len(violations),
        "first_problems": report.problems[:20]
        + [f"foreign key: {tuple(v)}" for v in violations[:20]],
        "checked": report.checked,
        "seconds": round(seconds, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "foreign_key_violations": len(violations),
        "foreign_key_check_seconds": round(fk_seconds, 3),
    }


def _stock_up(uow: UnitOfWork, workdir: Path, needs: dict[str, Decimal]) -> None:
    """One stock import giving every component the bench work orders use what they need,
    so releases commit fully and builds are never refused for lack of stock (a tracked
    component in a lot of its own)."""
    with uow.query() as tx:
        tracked = set(
            tx.session.scalars(select(Item.sku).where(Item.sku.in_(needs), Item.tracking != "none"))
        )
    path = workdir / "bench-stock.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["sku", "location", "quantity", "lot"])
        for sku, qty in sorted(needs.items()):
            writer.writerow([sku, "", str(qty), "BENCH-1" if sku in tracked else ""])
    imports.import_stock(uow, path)


class Sampler:
    """Runs calls one after another, recording wall and CPU milliseconds per call (after
    the warm-up calls), optionally under the profiler."""

    def __init__(self, warmup: int, profile_dir: str | None) -> None:
        self.warmup = warmup
        self.profile_dir = profile_dir
        self.wall: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}
        self.peak_rss_after: dict[str, float] = {}

    def run(
        self,
        key: str,
        calls: Sequence[Callable[[], T]],
        keep: Callable[[T], R],
        warmup: int | None = None,
    ) -> list[R]:
        """Returns `keep(result)` of every call; the results themselves are dropped at once,
        so the process's peak memory is the application's, not the samples'."""
        skip = self.warmup if warmup is None else warmup
        kept = [keep(call()) for call in calls[:skip]]
        wall = self.wall.setdefault(key, [])
        cpu = self.cpu.setdefault(key, [])
        with profiled(self.profile_dir, key):
            for call in calls[skip:]:
                w0, c0 = time.perf_counter(), time.process_time()
                result = call()
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
                kept.append(keep(result))
                del result
        self.peak_rss_after[key] = round(peak_rss_mb(), 1)
        return kept


def _none(_result: object) -> None:
    return None


def _bench_needs(
    boms_by_sku: dict[str, boms.BomInfo | None], skus: Sequence[str]
) -> dict[str, Decimal]:
    """Component stock for building each listed assembly once at the bench quantity, plus
    one more of each for the issues."""
    needs: dict[str, Decimal] = {}
    for sku in skus:
        bom = boms_by_sku[sku]
        assert bom is not None
        for ln in bom.lines:
            extra = ln.quantity_per * (BENCH_WO_QUANTITY + 1)
            needs[ln.sku] = needs.get(ln.sku, Decimal(0)) + extra
    return needs


def measure_plant(
    path: str,
    manifest: dict[str, Any],
    repeats: Repeats,
    workdir: str,
    profile_dir: str | None = None,
) -> dict[str, Any]:
    """Time every use case the benchmark names, each call through its service function."""
    rng = random.Random(7)
    database, uow = open_uow(path)
    sampler = Sampler(repeats.warmup, profile_dir)
    info: dict[str, Any] = {}
    try:
        with database.engine.connect() as conn:
            all_skus = list(conn.execute(select(Item.sku)).scalars())
            tracked = set(conn.execute(select(Item.sku).where(Item.tracking != "none")).scalars())
        warm = repeats.warmup

        # --- reads --------------------------------------------------------------------
        picks = [rng.choice(all_skus) for _ in range(warm + repeats.stock_query)]
        sampler.run(
            "stock_position", [partial(inventory.stock_position, uow, s) for s in picks], _none
        )

        summaries = sampler.run(
            "stock_summary", [partial(inventory.stock_summary, uow)] * (warm + repeats.summary), len
        )
        info["stock_summary_rows"] = summaries[-1]

        tops: list[str] = manifest["top_level_assemblies"]
        explode_skus = [tops[i % len(tops)] for i in range(warm + repeats.explosion)]
        explosions = sampler.run(
            "explode",
            [partial(boms.explode, uow, s) for s in explode_skus],
            lambda e: (len(e.components), max(r.level for r in e.components)),
        )
        sizes = [rows for rows, _levels in explosions[warm:]]
        info["explosion_rows"] = {
            "min": min(sizes),
            "median": statistics.median(sizes),
            "max": max(sizes),
        }
        info["explosion_levels"] = max(levels for _rows, levels in explosions)

        shortages = sampler.run(
            "shortages_all", [partial(planning.shortages_all, uow)] * repeats.heavy, len, warmup=0
        )
        info["shortage_lines"] = shortages[-1]

        reruns = sampler.run(
            "commitment_rerun", [partial(commitment.rerun, uow)] * repeats.heavy, asdict, warmup=0
        )
        info["rerun_first"] = reruns[0]
        info["rerun_last"] = reruns[-1]

        # --- postings on 50-line work orders ------------------------------------------
        wide = [sku for level in ("2", "3", "4") for sku in manifest["wide_assemblies"][level]]
        if not wide:
            raise RuntimeError("the plant has no 50-line assemblies")
        bom_of = {sku: items.show_item(uow, sku).bom for sku in wide}
        info["bench_bom_lines"] = sorted({len(b.lines) for b in bom_of.values() if b})
        n = warm + repeats.postings
        release_skus = [wide[i % len(wide)] for i in range(n)]
        build_skus = [wide[(i + 1) % len(wide)] for i in range(n)]
        # 50-line assemblies tracked by lot whose every component is tracked too.
        tracked_wide: list[str] = manifest.get("tracked_wide_assemblies", [])
        bom_of.update({sku: items.show_item(uow, sku).bom for sku in tracked_wide})
        tracked_skus = (
            [tracked_wide[i % len(tracked_wide)] for i in range(n)] if tracked_wide else []
        )
        info["tracked_items"] = len(tracked)
        _stock_up(
            uow,
            Path(workdir),
            _bench_needs(bom_of, release_skus + build_skus + tracked_skus),
        )

        def create(sku: str, status: str) -> str:
            return work_orders.create_work_order(uow, sku, BENCH_WO_QUANTITY, status=status).number

        planned = sampler.run(
            "create_planned", [partial(create, s, "firm_planned") for s in release_skus], str
        )
        sampler.run(
            "release", [partial(work_orders.release_work_order, uow, w) for w in planned], _none
        )

        issues = []
        for number in planned:
            lines = work_orders.get_work_order(uow, number).lines
            line = lines[len(lines) // 2]
            issues.append(
                partial(work_orders.issue_components, uow, number, {line.sku: line.quantity_per})
            )
        sampler.run("issue_one_line", issues, _none)

        released = sampler.run(
            "create_released", [partial(create, s, "released") for s in build_skus], str
        )
        sampler.run(
            "build",
            [partial(work_orders.post_assembly_build, uow, w, BENCH_WO_QUANTITY) for w in released],
            _none,
        )
        sampler.run(
            "close", [partial(work_orders.close_work_order, uow, w) for w in released], _none
        )

        # --- a customer return of a 50-line order, received ---------------------------
        info.update(measure_returns(uow, sampler.run, n, Path(workdir), rng))
        if tracked_skus:
            made = [create(s, "released") for s in tracked_skus]
            info["tracked_build_lines"] = sorted(
                {len(work_orders.get_work_order(uow, w).lines) for w in made}
            )
            sampler.run(
                "build_tracked",
                [partial(work_orders.post_assembly_build, uow, w, BENCH_WO_QUANTITY) for w in made],
                _none,
            )
        _measure_exceptions(uow, sampler, wide, bom_of, n, Path(workdir), info)
        _measure_recalls(database, uow, sampler, warm + repeats.explosion, rng, info)
    finally:
        database.dispose()
    return {
        "samples": sampler.wall,
        "cpu_samples": sampler.cpu,
        "info": info,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "peak_rss_mb_after": sampler.peak_rss_after,
    }


# --- recalls ---------------------------------------------------------------------------------

RECALL_LEVELS = 4


def _four_level_chains(database: Database) -> list[tuple[int, int]]:
    """(raw lot, top-level lot) of every chain of lots four builds long: a raw material's
    lot in a subassembly's lot, in one a level up, and so on to a top-level assembly's."""
    links = [aliased(LotLink) for _ in range(RECALL_LEVELS)]
    query = select(links[0].used_lot_id, links[-1].made_lot_id).select_from(links[0])
    for below, above in pairwise(links):
        query = query.join(above, above.used_lot_id == below.made_lot_id)
    query = query.distinct().order_by(links[0].used_lot_id, links[-1].made_lot_id)
    with database.engine.connect() as conn:
        return [(raw, top) for raw, top in conn.execute(query)]


def _lot_names(database: Database, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(Lot.id, Item.sku, Lot.number)
            .join(Item, Item.id == Lot.item_id)
            .where(Lot.id.in_(set(ids)))
        )
        return {lot_id: (sku, number) for lot_id, sku, number in rows}


def _reached(found: recall.Recall) -> tuple[int, int, int]:
    """The levels, lots and customers a recall reached."""
    return max(n.level for n in found.nodes), len(found.nodes), len(found.customers)


def _measure_recalls(
    database: Database,
    uow: UnitOfWork,
    sampler: Sampler,
    n: int,
    rng: random.Random,
    info: dict[str, Any],
) -> None:
    """The recall the command line and the window run (`recall.recall`): forward from raw
    lots whose lots reach the top level through four builds, backward from those top-level
    lots; each root in turn, as many calls as the explosion's."""
    chains = _four_level_chains(database)
    if not chains:
        return  # a plant without tracked items has no genealogy to recall
    raws = sorted({raw for raw, _top in chains})
    tops = sorted({top for _raw, top in chains})
    picked_raws = sorted(rng.sample(raws, min(n, len(raws))))
    picked_tops = sorted(rng.sample(tops, min(n, len(tops))))
    names = _lot_names(database, picked_raws + picked_tops)
    info["recall_chains"] = {"raw_lots": len(raws), "top_level_lots": len(tops)}
    for key, direction, lots in (
        ("recall_forward", "forward", picked_raws),
        ("recall_backward", "backward", picked_tops),
    ):
        roots = [names[lots[i % len(lots)]] for i in range(n)]
        reached = sampler.run(
            key, [partial(recall.recall, uow, sku, lot, direction) for sku, lot in roots], _reached
        )
        info[key] = {
            "roots": len(lots),
            "levels": [min(r[0] for r in reached), max(r[0] for r in reached)],
            "lots_median": statistics.median(r[1] for r in reached),
            "lots_max": max(r[1] for r in reached),
            "customers_max": max(r[2] for r in reached),
        }


# --- the floor's exceptions -------------------------------------------------------------------

SCRAP_REASON = "BENCH"


def _measure_exceptions(
    uow: UnitOfWork,
    sampler: Sampler,
    wide: Sequence[str],
    bom_of: dict[str, boms.BomInfo | None],
    n: int,
    workdir: Path,
    info: dict[str, Any],
) -> None:
    """A change of quantity, a return of one line, an unbuild and a scrap on 50-line work
    orders, and the re-run a change of priority makes at its lines' items (each against a
    50-line build and the full re-run of the same plant)."""
    built_skus = [wide[(i + 2) % len(wide)] for i in range(n)]
    returned_skus = [wide[(i + 3) % len(wide)] for i in range(n)]
    changed_skus = [wide[(i + 4) % len(wide)] for i in range(n)]
    reasons.add_reason_code(uow, SCRAP_REASON, "scrap", "measured by the bench")
    # Enough for each of them (one changed to 3 included), beside what the plant holds; the
    # rush's re-run hands out all stock at its pairs, so the rest comes after it.
    _stock_up(uow, workdir, _bench_needs(bom_of, changed_skus))

    def released(sku: str) -> str:
        return work_orders.create_work_order(uow, sku, BENCH_WO_QUANTITY, status="released").number

    changed = [released(s) for s in changed_skus]
    sampler.run(
        "edit_quantity",
        [partial(editing.edit_work_order, uow, w, quantity=BENCH_WO_QUANTITY + 1) for w in changed],
        _none,
    )
    rushed = sampler.run(
        "rush_rerun",
        [partial(editing.edit_work_order, uow, w, priority=1, due="2000-01-01") for w in changed],
        lambda i: i.number,
    )
    info["rushed_lines"] = len(work_orders.get_work_order(uow, rushed[-1]).lines)

    _stock_up(uow, workdir, _bench_needs(bom_of, built_skus + returned_skus))
    returns = []
    for sku in returned_skus:
        number = released(sku)
        lines = work_orders.get_work_order(uow, number).lines
        line = lines[len(lines) // 2]
        work_orders.issue_components(uow, number, {line.sku: line.quantity_per})
        returns.append(
            partial(corrections.return_components, uow, number, {line.sku: line.quantity_per})
        )
    sampler.run("return_one_line", returns, _none)

    built = []
    for sku in built_skus:
        number = released(sku)
        work_orders.post_assembly_build(uow, number, BENCH_WO_QUANTITY)
        built.append(number)
    sampler.run("unbuild", [partial(corrections.unbuild, uow, w, 1) for w in built], _none)
    sampler.run(
        "scrap_built",
        [partial(corrections.scrap, uow, w, built=1, reason=SCRAP_REASON) for w in built],
        _none,
    )


def measure_exceptions(
    path: str,
    manifest: dict[str, Any],
    repeats: Repeats,
    workdir: str,
    profile_dir: str | None = None,
) -> dict[str, Any]:
    """Only the exceptions' measurements, with what they are held against: a 50-line build
    and the full commitment re-run on the same plant."""
    database, uow = open_uow(path)
    sampler = Sampler(repeats.warmup, profile_dir)
    info: dict[str, Any] = {}
    try:
        reruns = sampler.run(
            "commitment_rerun", [partial(commitment.rerun, uow)] * repeats.heavy, asdict, warmup=0
        )
        info["rerun_first"] = reruns[0]
        info["rerun_last"] = reruns[-1]
        wide = [sku for level in ("2", "3", "4") for sku in manifest["wide_assemblies"][level]]
        bom_of = {sku: items.show_item(uow, sku).bom for sku in wide}
        n = repeats.warmup + repeats.postings
        build_skus = [wide[(i + 1) % len(wide)] for i in range(n)]
        _stock_up(uow, Path(workdir), _bench_needs(bom_of, build_skus))
        released = [
            work_orders.create_work_order(uow, s, BENCH_WO_QUANTITY, status="released").number
            for s in build_skus
        ]
        sampler.run(
            "build",
            [partial(work_orders.post_assembly_build, uow, w, BENCH_WO_QUANTITY) for w in released],
            _none,
        )
        _measure_exceptions(uow, sampler, wide, bom_of, n, Path(workdir), info)
    finally:
        database.dispose()
    return {
        "samples": sampler.wall,
        "cpu_samples": sampler.cpu,
        "info": info,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "peak_rss_mb_after": sampler.peak_rss_after,
    }
