"""Measurements on the generated plant, each through the real service functions.

Every posting is its own service call and so its own transaction; reads use the same read
use cases the command line and the desktop views use.
"""

from __future__ import annotations

import csv
import random
import statistics
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.models import Item
from app.services import boms, commitment, imports, inventory, items, planning, work_orders
from app.services.check import check_database
from app.services.database import Database
from app.services.uow import Actor, UnitOfWork
from bench.plant import peak_rss_mb
from bench.stats import repeat, time_calls

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
    """`shopfloor check` over the whole database, timed, in a process of its own."""
    database, uow = open_uow(path)
    try:
        start = time.perf_counter()
        report = check_database(uow)
        seconds = time.perf_counter() - start
    finally:
        database.dispose()
    return {
        "ok": report.ok,
        "problems": len(report.problems),
        "first_problems": report.problems[:20],
        "checked": report.checked,
        "seconds": round(seconds, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def _stock_up(uow: UnitOfWork, workdir: Path, needs: dict[str, Decimal]) -> None:
    """One stock import giving every component the bench work orders use what they need,
    so releases commit fully and builds are never refused for lack of stock."""
    path = workdir / "bench-stock.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["sku", "location", "quantity"])
        for sku, qty in sorted(needs.items()):
            writer.writerow([sku, "", str(qty)])
    imports.import_stock(uow, path)


def measure_plant(
    path: str, manifest: dict[str, Any], repeats: Repeats, workdir: str
) -> dict[str, Any]:
    """Time every use case the benchmark names; returns samples in milliseconds."""
    rng = random.Random(7)
    database, uow = open_uow(path)
    samples: dict[str, list[float]] = {}
    info: dict[str, Any] = {}
    try:
        with database.engine.connect() as conn:
            all_skus = list(conn.execute(select(Item.sku)).scalars())

        # --- reads --------------------------------------------------------------------
        picks = [rng.choice(all_skus) for _ in range(repeats.stock_query + repeats.warmup)]
        time_calls([lambda s=s: inventory.stock_position(uow, s) for s in picks[: repeats.warmup]])
        samples["stock_position"] = time_calls(
            [lambda s=s: inventory.stock_position(uow, s) for s in picks[repeats.warmup :]]
        )

        summary_rows: list[int] = []

        def summary() -> None:
            summary_rows.append(len(inventory.stock_summary(uow)))

        samples["stock_summary"] = repeat(summary, repeats.summary, repeats.warmup)
        info["stock_summary_rows"] = summary_rows[-1]

        tops: list[str] = manifest["top_level_assemblies"]
        explosion_rows: list[int] = []
        explosion_levels: list[int] = []

        def explode(sku: str) -> None:
            result = boms.explode(uow, sku, "1")
            explosion_rows.append(len(result.components))
            explosion_levels.append(max(r.level for r in result.components))

        time_calls([lambda s=s: explode(s) for s in tops[: repeats.warmup]])
        explosion_rows.clear()
        explosion_levels.clear()
        samples["explode"] = time_calls(
            [lambda s=tops[i % len(tops)]: explode(s) for i in range(repeats.explosion)]
        )
        info["explosion_rows"] = {
            "min": min(explosion_rows),
            "median": statistics.median(explosion_rows),
            "max": max(explosion_rows),
        }
        info["explosion_levels"] = max(explosion_levels)

        shortage_lines: list[int] = []

        def shortages() -> None:
            shortage_lines.append(len(planning.shortages_all(uow)))

        samples["shortages_all"] = repeat(shortages, repeats.heavy, warmup=0)
        info["shortage_lines"] = shortage_lines[-1]

        reruns: list[dict[str, int]] = []

        def rerun() -> None:
            reruns.append(asdict(commitment.rerun(uow)))

        samples["commitment_rerun"] = repeat(rerun, repeats.heavy, warmup=0)
        info["rerun_first"] = reruns[0]
        info["rerun_last"] = reruns[-1]

        # --- postings on 50-line work orders ------------------------------------------
        wide = [sku for level in ("2", "3", "4") for sku in manifest["wide_assemblies"][level]]
        if not wide:
            raise RuntimeError("the plant has no 50-line assemblies")
        bom_of = {sku: items.show_item(uow, sku).bom for sku in wide}
        line_counts = {sku: len(b.lines) for sku, b in bom_of.items() if b is not None}
        info["bench_bom_lines"] = sorted(set(line_counts.values()))
        n = repeats.postings + repeats.warmup
        release_skus = [wide[i % len(wide)] for i in range(n)]
        build_skus = [wide[(i + 1) % len(wide)] for i in range(n)]
        needs: dict[str, Decimal] = {}
        for sku in release_skus + build_skus:
            bom = bom_of[sku]
            assert bom is not None
            for ln in bom.lines:
                needs[ln.sku] = needs.get(ln.sku, Decimal(0)) + ln.quantity_per * (
                    BENCH_WO_QUANTITY + 1
                )
        _stock_up(uow, Path(workdir), needs)

        def create(sku: str, status: str, out: list[str]) -> None:
            out.append(
                work_orders.create_work_order(uow, sku, BENCH_WO_QUANTITY, status=status).number
            )

        planned: list[str] = []
        samples["create_planned"] = time_calls(
            [lambda s=s: create(s, "firm_planned", planned) for s in release_skus]
        )[repeats.warmup :]
        samples["release"] = time_calls(
            [lambda w=w: work_orders.release_work_order(uow, w) for w in planned]
        )[repeats.warmup :]

        def issue_one(number: str) -> None:
            wo = work_orders.get_work_order(uow, number)
            line = wo.lines[len(wo.lines) // 2]
            start = time.perf_counter()
            work_orders.issue_components(uow, number, {line.sku: line.quantity_per})
            issue_ms.append((time.perf_counter() - start) * 1000)

        issue_ms: list[float] = []
        for number in planned:
            issue_one(number)
        samples["issue_one_line"] = issue_ms[repeats.warmup :]

        released: list[str] = []
        samples["create_released"] = time_calls(
            [lambda s=s: create(s, "released", released) for s in build_skus]
        )[repeats.warmup :]
        samples["build"] = time_calls(
            [
                lambda w=w: work_orders.post_assembly_build(uow, w, BENCH_WO_QUANTITY)
                for w in released
            ]
        )[repeats.warmup :]
        samples["close"] = time_calls(
            [lambda w=w: work_orders.close_work_order(uow, w) for w in released]
        )[repeats.warmup :]
    finally:
        database.dispose()
    return {"samples": samples, "info": info, "peak_rss_mb": round(peak_rss_mb(), 1)}
