"""The desktop application on a large plant: launch, the work order list, a scan-station build.

    .venv/bin/python -m bench.gui                  # generate the 100,000-order plant, measure
    .venv/bin/python -m bench.gui --db plant.db    # measure on a plant generated before
    .venv/bin/python -m bench.gui --keep           # keep the generated plant (its path is printed)

Figures (offscreen, `QT_QPA_PLATFORM=offscreen`):
- launch: `shopfloor --db PLANT` in a fresh process, from just before the process is spawned
  to the main window's first paint (target <= 1.0 s), and on to the dashboard's figures loaded;
- the work order list: opening it (the first page and the total) and re-sorting it, in ms,
  with the pages fetched, from the page model's `loaded` signal;
- a scan-station build: three scans (the order, #BUILD, 1) typed into the station window,
  from the `scan_started` signal of the last Enter to the `answered` signal (the view shows
  the answer and the new pick list) and to the answer's next paint.

The plant is bench/plant.py's generator at scale 1 (10,000 items, 100,000 work orders, 1.67
million lines, 1,000,000 ledger rows). Results go to stdout and `OUT/gui.json`. The `app`
package is compiled to bytecode before the launches, as an installed program is.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

LAUNCH_TARGET_S = 1.0
TIMEOUT_S = 120.0


# --- the launch, in a child process ------------------------------------------------------


def child_launch(db: str) -> int:
    """Run `shopfloor --db DB` as the command does, printing when the main window first
    paints and when the dashboard has its figures, then quit."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from app.cli import main
    from app.views import app as views_app

    print(f"IMPORTED {time.perf_counter():.6f} {time.process_time():.6f}", flush=True)

    opened = views_app.open_main_window

    def open_and_watch(ctx, note=""):  # type: ignore[no-untyped-def]
        window = opened(ctx, note)
        marks: dict[str, float] = {}

        class FirstPaint(QObject):
            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.Paint and "paint" not in marks:
                    marks["paint"] = time.perf_counter()
                    print(f"PAINT {marks['paint']:.6f} {time.process_time():.6f}", flush=True)
                return False

        watcher = FirstPaint(window)
        window.installEventFilter(watcher)

        def settled() -> None:
            ready = "paint" in marks and ctx.pending == 0 and "ready" not in marks
            if ready and window.current_key() == "dashboard":
                marks["ready"] = time.perf_counter()
                print(f"READY {marks['ready']:.6f}", flush=True)
                QTimer.singleShot(0, QApplication.quit)

        ctx.op_finished.connect(settled)
        QTimer.singleShot(int(TIMEOUT_S * 1000), QApplication.quit)
        return window

    views_app.open_main_window = open_and_watch
    return main(["--db", db])


def measure_launch(db: str, config: Path) -> dict[str, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(config)}
    start = time.perf_counter()  # CLOCK_MONOTONIC: the child's clock is the same clock
    done = subprocess.run(
        [sys.executable, "-m", "bench.gui", "--child-launch", db],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    marks: dict[str, list[float]] = {}
    for line in done.stdout.splitlines():
        word, *values = line.split()
        if word in ("IMPORTED", "PAINT", "READY"):
            marks[word.lower()] = [float(v) for v in values]
    if "paint" not in marks or "imported" not in marks:
        raise SystemExit(f"the window never painted:\n{done.stdout}\n{done.stderr}")
    return {
        "first_paint_s": marks["paint"][0] - start,
        "first_paint_cpu_s": marks["paint"][1],
        "imports_s": marks["imported"][0] - start,
        "imports_cpu_s": marks["imported"][1],
        "dashboard_s": marks.get("ready", [float("nan")])[0] - start,
    }


# --- in this process: the list and the station -------------------------------------------


def wait(done: Any, what: str) -> None:
    from PySide6.QtTest import QTest

    deadline = time.perf_counter() + TIMEOUT_S
    while not done():
        if time.perf_counter() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        QTest.qWait(1)


def measure_list(db: str) -> dict[str, Any]:
    from PySide6.QtCore import Qt

    from app.services.engine.database import Database
    from app.services.engine.uow import Actor
    from app.views.common.runner import AppContext
    from app.views.main_window import MainWindow

    database = Database(f"sqlite:///{db}")
    ctx = AppContext(database, Actor("bench", "bench"))
    window = MainWindow(ctx)
    window.resize(1440, 900)
    window.show()
    window.start_session()
    wait(lambda: ctx.user is not None and ctx.pending == 0, "the dashboard")
    results: dict[str, Any] = {}
    loaded: list[float] = []

    start = time.perf_counter()
    page = window.show_page("work_orders")
    model = page.model
    model.loaded.connect(lambda _n: loaded.append(time.perf_counter()))
    wait(lambda: bool(loaded) and ctx.pending == 0, "the first page")
    results["open"] = {
        "ms": (loaded[0] - start) * 1000,
        "pages_fetched": model.pages_fetched,
        "rows_shown": model.rowCount(),
        "total": model.total,
    }
    sorts = []
    for sort, order in (
        ("item", Qt.SortOrder.DescendingOrder),
        ("due", Qt.SortOrder.AscendingOrder),
        ("status", Qt.SortOrder.AscendingOrder),
        ("number", Qt.SortOrder.DescendingOrder),
    ):
        column = next(i for i, c in enumerate(model.columns) if c.sort == sort)
        before, pages = len(loaded), model.pages_fetched
        start = time.perf_counter()
        page.table.sortByColumn(column, order)
        wait(lambda before=before: len(loaded) > before and ctx.pending == 0, f"sort by {sort}")
        sorts.append(
            {
                "sort": f"{sort} {'desc' if order == Qt.SortOrder.DescendingOrder else 'asc'}",
                "ms": (loaded[before] - start) * 1000,
                "pages_fetched": model.pages_fetched - pages,
                "first": model.row_at(0).number,
            }
        )
    results["sorts"] = sorts
    window.close()
    ctx.pool.waitForDone(30_000)
    database.dispose()
    return results


def measure_station(db: str, builds: int) -> dict[str, Any]:
    from PySide6.QtCore import QEvent, QObject, Qt
    from PySide6.QtTest import QTest

    from app.services.engine.database import Database
    from app.services.engine.paging import PageRequest
    from app.services.engine.uow import Actor, UnitOfWork
    from app.services.production import work_orders
    from app.views.common.runner import AppContext
    from app.views.station import StationWindow

    database = Database(f"sqlite:///{db}")
    ctx = AppContext(database, Actor("bench", "bench"))
    uow = UnitOfWork(database, Actor("bench", "bench"))
    candidates = [
        r.number
        for r in work_orders.list_work_orders(
            uow, status=["released", "in_process"], page=PageRequest(limit=400)
        ).rows
    ]
    station = StationWindow(ctx)
    station.resize(1920, 1080)
    station.show()
    wait(lambda: not station.busy and ctx.pending == 0, "the station")
    marks: dict[str, float] = {}
    answers: list[Any] = []
    station.scan_started.connect(lambda _t: marks.__setitem__("enter", time.perf_counter()))

    def answered(outcome: Any) -> None:
        marks["answered"] = time.perf_counter()
        answers.append(outcome)

    station.answered.connect(answered)

    class Painted(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and "answered" in marks:
                marks.setdefault("painted", time.perf_counter())
            return False

    painter = Painted(station)
    station.answer.installEventFilter(painter)

    def scan(code: str) -> Any:
        count = len(answers)
        marks.clear()
        QTest.keyClicks(station, code)
        QTest.keyClick(station, Qt.Key.Key_Return)
        wait(lambda: len(answers) > count and "painted" in marks, f"the answer to {code}")
        return answers[-1]

    samples: list[dict[str, float]] = []
    refused = 0
    for number in candidates:
        if len(samples) >= builds:
            break
        scan(number)
        scan("#BUILD")
        outcome = scan("1")
        if outcome is None or outcome.level != "done":
            refused += 1
            continue
        samples.append(
            {
                "answered_ms": (marks["answered"] - marks["enter"]) * 1000,
                "painted_ms": (marks["painted"] - marks["enter"]) * 1000,
                "lines": len(outcome.state.detail.lines),
            }
        )
    station.close()
    ctx.pool.waitForDone(30_000)
    database.dispose()
    return {"builds": samples, "refused_by_the_service": refused}


def measure_in_process(db: str, builds: int, config: Path) -> dict[str, Any]:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QSettings

    from app.views.app import make_application

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(config))
    make_application(["bench-gui"])
    return {"list": measure_list(db), "station": measure_station(db, builds)}


# --- the run -------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(results: dict[str, Any]) -> str:
    launch = results["launch"]
    paint = [r["first_paint_s"] for r in launch]
    ready = [r["dashboard_s"] for r in launch]
    verdict = "pass" if median(paint) <= LAUNCH_TARGET_S else "MISSED"
    lst = results["list"]
    rows = [
        f"plant: {results['plant']}",
        "",
        "| figure | result |",
        "|---|---|",
        f"| launch to the main window's first paint (median of {len(paint)}, min-max) | "
        f"{median(paint):.2f} s ({min(paint):.2f}-{max(paint):.2f}); target <= "
        f"{LAUNCH_TARGET_S} s: {verdict} |",
        f"| of which: process start and imports (CPU) | "
        f"{median([r['imports_s'] for r in launch]):.2f} s "
        f"({median([r['imports_cpu_s'] for r in launch]):.2f} s) |",
        f"| first paint, CPU time of the process | "
        f"{median([r['first_paint_cpu_s'] for r in launch]):.2f} s |",
        f"| launch to the dashboard's figures loaded | {median(ready):.2f} s |",
        f"| work order list, first page of {lst['open']['total']:,} | "
        f"{lst['open']['ms']:.0f} ms, {lst['open']['pages_fetched']} page "
        f"({lst['open']['rows_shown']} rows) |",
    ]
    for s in lst["sorts"]:
        rows.append(f"| re-sort by {s['sort']} | {s['ms']:.0f} ms, {s['pages_fetched']} page |")
    st = results["station"]
    answered = [b["answered_ms"] for b in st["builds"]]
    painted = [b["painted_ms"] for b in st["builds"]]
    if answered:
        rows.append(
            f"| scan-station build, last Enter to the refreshed view (median of "
            f"{len(answered)}, max) | {median(answered):.0f} ms ({max(answered):.0f}); to the "
            f"answer painted {median(painted):.0f} ms ({max(painted):.0f}) |"
        )
    if st["refused_by_the_service"]:
        rows.append(
            f"| builds the service refused (short stock; skipped) | "
            f"{st['refused_by_the_service']} |"
        )
    return "\n".join(rows)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.gui", description=__doc__.splitlines()[0])
    p.add_argument("--db", help="a plant generated before (a SQLite file)")
    p.add_argument("--scale", type=float, default=1.0, help="plant size factor (1 = 100,000 WOs)")
    p.add_argument("--keep", action="store_true", help="keep the generated plant")
    p.add_argument("--launches", type=int, default=5, help="fresh processes launched")
    p.add_argument("--builds", type=int, default=10, help="station builds measured")
    p.add_argument("--out", default="bench/out", help="where gui.json goes")
    p.add_argument("--child-launch", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_launch:
        return child_launch(args.child_launch)
    workdir = Path(tempfile.mkdtemp(prefix="shopfloor-bench-gui-"))
    if args.db:
        db = str(Path(args.db).resolve())
        plant = f"{db} (given)"
    else:
        from bench.plant import PlantSpec, generate

        db = str(workdir / "plant.db")
        spec = PlantSpec().scaled(args.scale)
        started = time.perf_counter()
        generate(db, spec)
        plant = (
            f"bench/plant.py at scale {args.scale:g}: {spec.work_orders:,} work orders, "
            f"{spec.items:,} items, {spec.ledger_rows:,} ledger rows "
            f"(generated in {time.perf_counter() - started:.0f} s)"
        )
        print(plant, flush=True)
    config = workdir / "config"
    config.mkdir(exist_ok=True)
    results: dict[str, Any] = {"plant": plant}
    # An installed program starts from compiled bytecode (the bundle holds it); compile the
    # package first, so that a PYTHONDONTWRITEBYTECODE environment does not time the compiler.
    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "app"), quiet=1)
    measure_launch(db, config)  # untimed: the first run also warms the file cache
    results["launch"] = [measure_launch(db, config) for _ in range(args.launches)]
    # The list and the station run in a child too, so this process never holds Qt.
    done = subprocess.run(
        [sys.executable, "-c", _IN_PROCESS, db, str(args.builds), str(config)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S * 10,
    )
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
        return 1
    results.update(json.loads(done.stdout.strip().splitlines()[-1]))
    results["load_average"] = os.getloadavg()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "gui.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(report(results))
    if args.keep or args.db:
        print(f"plant kept at {db}" if not args.db else "")
    else:
        for leftover in workdir.glob("plant.db*"):
            leftover.unlink()
    return 0


_IN_PROCESS = (
    "import json, sys; from bench.gui import measure_in_process; "
    "print(json.dumps(measure_in_process(sys.argv[1], int(sys.argv[2]), "
    "__import__('pathlib').Path(sys.argv[3]))))"
)


if __name__ == "__main__":
    sys.exit(main())
