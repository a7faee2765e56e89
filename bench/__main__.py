"""Run the Shopfloor benchmark.

    .venv/bin/python -m bench                 # everything: the large plant, then the order workload
    .venv/bin/python -m bench --quick         # a small smoke run of both
    .venv/bin/python -m bench plant           # only the large plant
    .venv/bin/python -m bench orders --orders 100 1000
    .venv/bin/python -m bench exceptions      # only the floor's exceptions on the large plant

Each part runs in a fresh process so that its peak memory is its own. Results are printed as a
table and written to OUT/results.json; a failed consistency check exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bench.measure import Repeats, measure_exceptions, measure_plant, run_check
from bench.orders import PHASES, WorkloadSpec, run_workload
from bench.plant import PlantSpec, generate
from bench.sales import SALES_PHASES, SalesSpec, run_sales
from bench.stats import Figure, render_table, timing_figure

T = TypeVar("T")

POSTING_MS = 15.0
MEMORY_MB = 300.0
FLAT_RATIO = 1.25

# (sample key, figure name, target in ms)
PLANT_TIMINGS: tuple[tuple[str, str, float | None], ...] = (
    ("release", "release a 50-line WO", POSTING_MS),
    ("build", "assembly build of a 50-line WO (backflush)", POSTING_MS),
    ("build_tracked", "assembly build of a 50-line WO tracked by lot, every line too", 20.0),
    ("issue_one_line", "component issue, one line", POSTING_MS),
    ("create_planned", "create a planned 50-line WO", POSTING_MS),
    ("create_released", "create a released 50-line WO", POSTING_MS),
    ("close", "close a built 50-line WO", POSTING_MS),
    ("rma_receive", "RMA receipt of a 50-line order, restocked", POSTING_MS),
    ("stock_position", "stock query, one item", 2.0),
    ("stock_summary", "stock summary, all items", 300.0),
    ("explode", "explosion of a 4-level BOM", 20.0),
    ("recall_forward", "forward recall of a raw lot through 4 levels", 100.0),
    ("recall_backward", "backward recall of a top-level lot", None),
    ("shortages_all", "shortage report, all open WOs", 2000.0),
    ("commitment_rerun", "full commitment re-run", 2000.0),
    # The floor's exceptions: each at most a 50-line build; a rush's re-run at most the full.
    ("edit_quantity", "change of quantity, 50-line WO", POSTING_MS),
    ("return_one_line", "return of components, one line", POSTING_MS),
    ("unbuild", "unbuild of a 50-line WO", POSTING_MS),
    ("scrap_built", "scrap of finished goods", POSTING_MS),
    ("rush_rerun", "priority change: re-run at its lines", 2000.0),
)
# What `python -m bench exceptions` measures: the exceptions and what they are held against.
EXCEPTION_KEYS = frozenset(
    {
        "build",
        "commitment_rerun",
        "edit_quantity",
        "return_one_line",
        "unbuild",
        "scrap_built",
        "rush_rerun",
    }
)
EXCEPTION_TIMINGS = tuple(t for t in PLANT_TIMINGS if t[0] in EXCEPTION_KEYS)


def in_child(fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(*args)` in a new process (its own peak memory, no shared caches)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(fn, *args).result()


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


class ConsistencyError(RuntimeError):
    pass


def run_exceptions_part(
    args: argparse.Namespace, workdir: Path, figures: list[Figure]
) -> dict[str, Any]:
    """The large plant, and on it only the exceptions' measurements (and the build and full
    re-run they are held against); no consistency check (the tests prove the postings)."""
    spec = PlantSpec().scaled(args.scale)
    path = str(workdir / "plant.db")
    say(f"generating the plant: {spec.work_orders:,} work orders -> {path}")
    manifest = in_child(generate, path, spec, args.tracemalloc)
    repeats = Repeats.quick() if args.quick else Repeats()
    say("measuring the exceptions")
    measured = in_child(measure_exceptions, path, manifest, repeats, str(workdir), args.profile)
    info = measured["info"]
    notes = {
        "commitment_rerun": f"{info['rerun_first']['lines']:,} open lines",
        "rush_rerun": f"{info['rushed_lines']} lines' items and locations",
    }
    for key, name, target in EXCEPTION_TIMINGS:
        figures.append(
            timing_figure(
                name,
                measured["samples"][key],
                target,
                notes.get(key, ""),
                measured["cpu_samples"][key],
            )
        )
    return {"manifest": manifest, "measurements": measured}


def run_plant_part(
    args: argparse.Namespace, workdir: Path, figures: list[Figure]
) -> dict[str, Any]:
    spec = replace(PlantSpec(), tracked_share=args.tracked_share).scaled(args.scale)
    path = str(workdir / "plant.db")
    say(
        f"generating the plant: {spec.items:,} items, {spec.assemblies:,} assemblies, "
        f"{spec.work_orders:,} work orders, {spec.ledger_rows:,} ledger rows -> {path}"
    )
    manifest = in_child(generate, path, spec, args.tracemalloc)
    counts = manifest["counts"]
    say(
        f"generated in {manifest['generation_seconds']:.1f} s "
        f"(CPU {manifest['generation_cpu_seconds']:.1f} s), peak {manifest['peak_rss_mb']} MB"
    )
    figures.append(
        Figure(
            "plant generation",
            "s",
            manifest["generation_seconds"],
            target=90.0,
            note=f"CPU {manifest['generation_cpu_seconds']:.1f} s; "
            f"{counts['work_order_lines']:,} WO lines, {counts['ledger_rows']:,} ledger rows",
        )
    )
    figures.append(
        Figure("plant generation, peak RSS", "MB", manifest["peak_rss_mb"], target=MEMORY_MB)
    )
    if manifest.get("tracemalloc_peak_mb") is not None:
        figures.append(
            Figure(
                "plant generation, peak traced heap",
                "MB",
                manifest["tracemalloc_peak_mb"],
                target=MEMORY_MB,
                note="tracemalloc on: the generation time above includes its overhead",
            )
        )

    say("running shopfloor check on the plant")
    check = in_child(run_check, path)
    figures.append(
        Figure(
            "shopfloor check on the plant",
            "s",
            check["seconds"],
            note="ok" if check["ok"] else f"{check['problems']} PROBLEMS",
        )
    )
    figures.append(
        Figure("shopfloor check, peak RSS", "MB", check["peak_rss_mb"], target=MEMORY_MB)
    )
    figures.append(
        Figure(
            "foreign key check on the plant",
            "s",
            check["foreign_key_check_seconds"],
            note=f"{check['foreign_key_violations']} violations",
        )
    )
    result: dict[str, Any] = {"manifest": manifest, "check": check}
    if not check["ok"]:
        for problem in check["first_problems"]:
            say(f"check: {problem}")
        raise ConsistencyError(f"the generated plant fails the check: {check['problems']} problems")

    repeats = Repeats.quick() if args.quick else Repeats()
    if args.repeats:
        repeats = Repeats(
            postings=args.repeats,
            stock_query=repeats.stock_query,
            summary=repeats.summary,
            explosion=repeats.explosion,
            heavy=repeats.heavy,
            warmup=repeats.warmup,
        )
    say(f"measuring the use cases ({asdict(repeats)})")
    measured = in_child(measure_plant, path, manifest, repeats, str(workdir), args.profile)
    info = measured["info"]
    notes = {
        "explode": f"{info['explosion_rows']['median']} rows (max "
        f"{info['explosion_rows']['max']}), {info['explosion_levels']} levels",
        "shortages_all": f"{info['shortage_lines']:,} short lines over "
        f"{counts['open_demand_lines'] + counts['planned_lines']:,} active lines",
        "commitment_rerun": f"{info['rerun_first']['lines']:,} open lines; first run changed "
        f"{info['rerun_first']['changed']:,}, last {info['rerun_last']['changed']:,}",
        "stock_summary": f"{info['stock_summary_rows']:,} items",
        "rma_receive": f"{info['rma_lines']} lines each; target: at most the 50-line build's",
    }
    notes["build_tracked"] = (
        f"{counts.get('lots', 0):,} lots of {counts.get('tracked_items', 0):,} tracked items, "
        f"{counts.get('lots_on_hand', 0):,} on hand"
    )
    for key in ("recall_forward", "recall_backward"):
        if key in info:
            reached = info[key]
            notes[key] = (
                f"{reached['roots']} roots, levels {reached['levels'][0]}-"
                f"{reached['levels'][1]}, lots {reached['lots_median']} (max "
                f"{reached['lots_max']}), up to {reached['customers_max']} customers"
            )
    for key, name, target in PLANT_TIMINGS:
        if key not in measured["samples"]:
            continue  # a plant without tracked items has no tracked build or recall to time
        figures.append(
            timing_figure(
                name,
                measured["samples"][key],
                target,
                notes.get(key, ""),
                measured["cpu_samples"][key],
            )
        )
    figures.append(
        Figure("measurement process, peak RSS", "MB", measured["peak_rss_mb"], target=MEMORY_MB)
    )
    result["measurements"] = measured
    return result


def run_orders_part(
    args: argparse.Namespace, workdir: Path, figures: list[Figure]
) -> list[dict[str, Any]]:
    results = []
    for n in args.orders:
        spec = WorkloadSpec(
            components=args.components,
            assemblies=args.assemblies,
            bom_lines=args.bom_lines,
            orders=n,
            qty=args.qty,
            warmup_orders=args.warmup_orders,
            commit_after_entry=args.commit_after_entry,
            tracked_share=args.tracked_share_orders,
        )
        path = str(workdir / f"orders-{n}.db")
        say(f"order workload, N = {n:,}")
        run_dir = workdir / f"orders-{n}"
        run_dir.mkdir(exist_ok=True)
        result = in_child(run_workload, path, spec, str(run_dir), args.profile)
        results.append(result)
        say(
            f"N = {n:,}: {result['end_to_end_orders_per_second']} orders/s end to end, "
            f"verified {result['verified']}, check ok {result['check_ok']}"
        )
        workload_figures(figures, "orders", n, result, PHASES, target=200.0 if n >= 1000 else None)
    flatness_figure(figures, "per-order cost", results, PHASES)
    return results


def workload_figures(
    figures: list[Figure],
    name: str,
    n: int,
    result: dict[str, Any],
    phases: Sequence[str],
    *,
    target: float | None = None,
) -> None:
    """A workload run's figures: each phase and end to end; stops the bench when its final
    stock or `check` is wrong."""
    for index, phase in enumerate(phases):
        figures.append(
            Figure(
                f"{name} N={n:,}: ({'abcd'[index]}) {phase.replace('_', ' ')}",
                "orders/s",
                result["orders_per_second"][phase],
                n=n,
                higher_is_better=True,
                note=f"{result['ms_per_order'][phase]} ms/order "
                f"(CPU {result['cpu_seconds'][phase] * 1000 / n:.2f})",
            )
        )
    figures.append(
        Figure(
            f"{name} N={n:,}: end to end",
            "orders/s",
            result["end_to_end_orders_per_second"],
            n=n,
            target=target,
            higher_is_better=True,
            note=f"{result['end_to_end_ms_per_order']} ms/order "
            f"(CPU {result['end_to_end_cpu_ms_per_order']}); "
            f"verified {'ok' if result['verified'] else 'FAILED'}, "
            f"check {'ok' if result['check_ok'] else 'FAILED'}",
        )
    )
    if not (result["verified"] and result["check_ok"]):
        for problem in result["verify_problems"] + result["check_problems"]:
            say(f"{name} N={n}: {problem}")
        raise ConsistencyError(f"the {name} workload with N = {n} ends inconsistent")


def flatness_figure(
    figures: list[Figure], label: str, results: list[dict[str, Any]], phases: Sequence[str]
) -> None:
    """The per-order cost of the posting phases (a-c) at the largest N against the smallest."""
    if len(results) < 2:
        return
    small, large = results[0], results[-1]

    def per_order(r: dict[str, Any]) -> float:
        return float(sum(r["ms_per_order"][p] for p in phases[:3]))

    figures.append(
        Figure(
            f"{label}, N={large['spec']['orders']:,} vs N={small['spec']['orders']:,}",
            "x",
            per_order(large) / per_order(small),
            target=FLAT_RATIO,
            note=f"phases a-c: {per_order(small):.2f} -> {per_order(large):.2f} ms/order",
        )
    )


def run_sales_part(
    args: argparse.Namespace, workdir: Path, figures: list[Figure]
) -> list[dict[str, Any]]:
    results = []
    for n in args.orders:
        spec = SalesSpec(orders=n, warmup_orders=args.warmup_orders)
        path = str(workdir / f"sales-{n}.db")
        say(f"sales workload, N = {n:,} orders of {spec.lines} lines")
        run_dir = workdir / f"sales-{n}"
        run_dir.mkdir(exist_ok=True)
        result = in_child(run_sales, path, spec, str(run_dir), args.profile)
        results.append(result)
        say(
            f"N = {n:,}: {result['end_to_end_orders_per_second']} sales orders/s end to end, "
            f"verified {result['verified']}, check ok {result['check_ok']}"
        )
        workload_figures(figures, "sales", n, result, SALES_PHASES)
    flatness_figure(figures, "sales per-order cost", results, SALES_PHASES)
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Shopfloor benchmark: a generated large plant, the work order workload and "
        "the sales workload.",
    )
    parser.add_argument(
        "what",
        nargs="?",
        choices=("all", "plant", "orders", "sales", "exceptions"),
        default="all",
    )
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--scale", type=float, help="plant size factor (default 1; quick 0.02)")
    parser.add_argument("--out", default="bench/out", help="where results.json goes")
    parser.add_argument("--keep", action="store_true", help="keep the database files")
    parser.add_argument("--repeats", type=int, help="timed repeats of each posting")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="trace the generator's Python heap (slower)"
    )
    parser.add_argument(
        "--tracked-share",
        dest="tracked_share",
        type=float,
        default=0.1,
        help="share of the plant's items tracked by lot (default 0.1; 0: none)",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="cProfile every measured step into DIR (timings are then inflated)",
    )
    orders = parser.add_argument_group("order workload")
    orders.add_argument("--components", type=int, default=200)
    orders.add_argument("--assemblies", type=int, default=20)
    orders.add_argument("--bom-lines", type=int, default=10)
    orders.add_argument(
        "--orders", type=int, nargs="+", help="order counts (default 100 1000; quick 20 100)"
    )
    orders.add_argument("--qty", default="2")
    orders.add_argument(
        "--warmup-orders",
        type=int,
        default=10,
        help="orders run through every phase before timing starts (default 10)",
    )
    orders.add_argument(
        "--orders-tracked-share",
        dest="tracked_share_orders",
        type=float,
        default=0.0,
        help="share of the workload's items tracked by lot (default 0: none)",
    )
    orders.add_argument(
        "--commit-after-entry",
        action="store_true",
        help="run the workload with perform_item_commitment_after_transaction_entry on",
    )
    args = parser.parse_args(argv)
    if args.scale is None:
        args.scale = 0.02 if args.quick else 1.0
    if args.orders is None:
        args.orders = [20, 100] if args.quick else [100, 1000]
    return args


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="shopfloor-bench-"))
    figures: list[Figure] = []
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "arguments": vars(args),
        "machine_at_start": machine(),
    }
    status = 0
    started = time.perf_counter()
    try:
        if args.what in ("all", "plant"):
            results["plant"] = run_plant_part(args, workdir, figures)
        if args.what == "exceptions":
            results["exceptions"] = run_exceptions_part(args, workdir, figures)
        if args.what in ("all", "orders"):
            results["orders"] = run_orders_part(args, workdir, figures)
        if args.what in ("all", "sales"):
            results["sales"] = run_sales_part(args, workdir, figures)
    except ConsistencyError as exc:
        say(f"FAILED: {exc}")
        results["failure"] = str(exc)
        status = 1
    finally:
        if args.keep:
            say(f"database files kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    results["machine_at_end"] = machine()
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["figures"] = [f.as_dict() for f in figures]
    title = (
        f"Shopfloor benchmark ({'quick, ' if args.quick else ''}"
        f"{'PROFILED, ' if args.profile else ''}scale {args.scale:g}; "
        f"{results['machine_at_start']['cpus']} CPUs, load average at start "
        f"{results['machine_at_start']['load_average'][0]}, at end "
        f"{results['machine_at_end']['load_average'][0]})"
    )
    print(render_table(figures, title))
    misses = [f.name for f in figures if f.passed is False]
    print(f"\n{len(misses)} target(s) missed" + (": " + "; ".join(misses) if misses else ""))
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"results written to {out / 'results.json'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
