"""Live screens: how long another station's posting takes to reach a window.

    .venv/bin/python -m bench.live                     # SQLite and PostgreSQL, 100 postings each
    .venv/bin/python -m bench.live --postings 300 --backend sqlite
    .venv/bin/python -m bench.live --pg-url postgresql+psycopg://user@host/db   # a server of yours

Process B is this one: an offscreen window context gone live (`AppContext.go_live`) with the
inventory list shown. Process A is a second OS process (`--post`) that posts stock
adjustments one after another, a short random pause between them, and prints the moment each
committed (the unit of work's listener, called as the commit returns). For each posting B
notes when the change hub delivered it on the GUI thread and when the inventory list had read
its rows again. Both processes read CLOCK_MONOTONIC, one clock for the machine. Target: the
view refreshed within 2 s of the commit.

Without `--pg-url` a throwaway PostgreSQL cluster is started as the tests start theirs
(tests/pgserver.py); it is skipped where PostgreSQL is not installed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.stats import percentile

TARGET_S = 2.0
TIMEOUT_S = 120.0
PAUSE_S = (0.05, 0.25)  # between two postings of the other station
SKU = "BENCH-PART"


# --- process A: the other station --------------------------------------------------------


def post(url: str, postings: int) -> int:
    """Post `postings` adjustments, printing `COMMITTED event_id monotonic` after each."""
    from app.services import inventory
    from app.services.engine.database import Database
    from app.services.engine.uow import Actor, UnitOfWork

    database = Database(url)
    uow = UnitOfWork(database, Actor("bench", "station-a"))
    uow.listen(lambda changes: print(f"COMMITTED {changes.event_id} {time.monotonic():.6f}"))
    rng = random.Random(17)
    print("READY", flush=True)
    sys.stdin.readline()  # B listens: go
    for _ in range(postings):
        inventory.adjust_stock(uow, SKU, "1")
        sys.stdout.flush()
        time.sleep(rng.uniform(*PAUSE_S))
    database.dispose()
    return 0


# --- process B: the window ---------------------------------------------------------------


def prepare(url: str) -> None:
    from app.services.catalog import items
    from app.services.engine.database import Database
    from app.services.engine.uow import Actor, UnitOfWork

    database = Database(url)
    database.upgrade()
    uow = UnitOfWork(database, Actor("bench", "setup"))
    items.save_item(
        uow,
        items.item_spec(
            sku=SKU, name="Bench part", item_type="inventory", uom="ea", standard_cost="1"
        ),
    )
    database.dispose()


def measure(url: str, postings: int) -> dict[str, Any]:
    """The other station's postings, seen from a window of this process."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtTest import QTest

    from app.services.engine.database import Database
    from app.services.engine.uow import Actor
    from app.views.app import make_application
    from app.views.common.runner import AppContext
    from app.views.main_window import MainWindow

    make_application(["bench-live"])
    database = Database(url)
    ctx = AppContext(database, Actor("bench", "station-b"))
    ctx.go_live()
    window = MainWindow(ctx)
    window.resize(1440, 900)
    window.show()
    window.start_session()
    deadline = time.monotonic() + TIMEOUT_S
    while (ctx.user is None or ctx.pending) and time.monotonic() < deadline:
        QTest.qWait(5)
    page = window.show_page("inventory")
    signalled: dict[int, float] = {}
    refreshed: dict[int, float] = {}
    waiting: list[int] = []

    def heard(changes: Any) -> None:
        if changes.event_id is not None and ctx.hub.origin is None:
            signalled[changes.event_id] = time.monotonic()
            waiting.append(changes.event_id)

    def loaded(_pages: int) -> None:
        now = time.monotonic()
        while waiting:
            refreshed[waiting.pop()] = now

    ctx.hub.changed.connect(heard)
    page.model.loaded.connect(loaded)
    deadline = time.monotonic() + TIMEOUT_S
    while ctx.pending and time.monotonic() < deadline:
        QTest.qWait(5)

    other = subprocess.Popen(
        [sys.executable, "-m", "bench.live", "--post", url, str(postings)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdin is not None and other.stdout is not None
    if other.stdout.readline().strip() != "READY":
        raise SystemExit("the other station did not start")
    other.stdin.write("go\n")
    other.stdin.flush()
    committed: dict[int, float] = {}
    deadline = time.monotonic() + TIMEOUT_S
    while (len(refreshed) < postings or other.poll() is None) and time.monotonic() < deadline:
        QTest.qWait(5)
    for line in other.stdout:
        word, event, at = line.split()
        if word == "COMMITTED":
            committed[int(event)] = float(at)
    other.wait(TIMEOUT_S)
    ctx.close()
    window.close()
    database.dispose()
    to_hub = [signalled[e] - committed[e] for e in committed if e in signalled]
    to_view = [refreshed[e] - committed[e] for e in committed if e in refreshed]
    return {
        "postings": postings,
        "heard": len(to_hub),
        "refreshed": len(to_view),
        "to_hub_ms": [round(s * 1000, 2) for s in to_hub],
        "to_view_ms": [round(s * 1000, 2) for s in to_view],
    }


def summary(name: str, samples_ms: list[float]) -> str:
    if not samples_ms:
        return f"{name}: no samples"
    median = statistics.median(samples_ms)
    p95 = percentile(samples_ms, 95)
    verdict = "pass" if p95 <= TARGET_S * 1000 else "MISS"
    return (
        f"{name}: median {median:.0f} ms, p95 {p95:.0f} ms, max {max(samples_ms):.0f} ms "
        f"(n = {len(samples_ms)}; target p95 <= {TARGET_S * 1000:.0f} ms: {verdict})"
    )


def run_backend(backend: str, url: str, postings: int) -> dict[str, Any]:
    prepare(url)
    result = measure(url, postings)
    print(summary(f"{backend}, commit -> hub signal", result["to_hub_ms"]))
    print(summary(f"{backend}, commit -> inventory list read again", result["to_view_ms"]))
    if result["heard"] < postings:
        print(f"{backend}: {postings - result['heard']} posting(s) never heard")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.live", description=__doc__)
    parser.add_argument("--postings", type=int, default=100)
    parser.add_argument("--backend", choices=("both", "sqlite", "postgresql"), default="both")
    parser.add_argument("--pg-url", help="a PostgreSQL database of yours (it is upgraded)")
    parser.add_argument("--out", default="bench/out", help="where live.json is written")
    parser.add_argument("--post", nargs=2, metavar=("URL", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.post:
        return post(args.post[0], int(args.post[1]))
    results: dict[str, Any] = {"load_average_at_start": os.getloadavg()}
    workdir = Path(tempfile.mkdtemp(prefix="shopfloor-live-"))
    server = None
    try:
        if args.backend in ("both", "sqlite"):
            url = f"sqlite:///{workdir / 'plant.db'}"
            results["sqlite"] = run_backend("SQLite", url, args.postings)
        if args.backend in ("both", "postgresql"):
            url = args.pg_url
            if url is None:
                from tests import pgserver

                server = pgserver.start(durable=True)
                if server is None:
                    print("PostgreSQL: not installed here, skipped")
                else:
                    import psycopg

                    with psycopg.connect(
                        host=server.host,
                        port=server.port,
                        user=server.user,
                        dbname="postgres",
                        autocommit=True,
                    ) as conn:
                        conn.execute("CREATE DATABASE bench_live")
                    url = server.url("bench_live")
            if url is not None:
                results["postgresql"] = run_backend("PostgreSQL", url, args.postings)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    results["load_average_at_end"] = os.getloadavg()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "live.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
