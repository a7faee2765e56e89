"""A plant of several workstations under load: postings per second sustained by 1, 2, 4 and 8
processes on SQLite and on PostgreSQL, the median and p95 time of a build under that load, and
the re-runs a deadlock or serialization failure took.

    .venv/bin/python -m bench.load                          # both backends, 1 2 4 8 processes
    .venv/bin/python -m bench.load --backend postgresql --processes 1 4 --postings 200

Each process is one workstation (tests/stress_worker.py): random postings of every common kind
(adjustments, work orders released, issued, built and closed, sales orders picked and shipped,
purchase orders received, transfers shipped and received, commitment re-runs) on a few
scarce items of one small plant, all processes started together. Postings per second count
every posting that was done (refusals, when stock runs short, are answered in far less time
and are left out of the rate). Targets: on PostgreSQL 4 processes sustain at least 1.5 times one
process's rate; under 8 processes the p95 of a build is at most 100 ms on both backends.

Without `--pg-url` a throwaway PostgreSQL cluster is started as the tests start theirs
(tests/pgserver.py); it is skipped where PostgreSQL is not installed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.stats import percentile

ROOT = Path(__file__).resolve().parent.parent
SCALING_TARGET = 1.5  # PostgreSQL, 4 processes against 1
BUILD_P95_MS = 100.0  # under 8 processes
TIMEOUT_S = 1800


def run_workers(url: str, processes: int, postings: int) -> dict[str, Any]:
    """`processes` workstations on one fresh plant, started together; what they did."""
    from app.services.engine.database import Database
    from tests.stress_worker import make_plant

    database = Database(url)
    database.upgrade()
    make_plant(database)
    database.dispose()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.stress_worker",
                url,
                f"ws{n}",
                str(100 + n),
                str(postings),
                "--wait",
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(processes)
    ]
    for worker in workers:  # every one has imported and connected
        assert worker.stdout is not None and worker.stdin is not None
        assert json.loads(worker.stdout.readline()) == {"ready": True}
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    summaries = []
    for worker in workers:
        out, err = worker.communicate(timeout=TIMEOUT_S)
        records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        errors = [r for r in records if "error" in r]
        if worker.returncode != 0 or errors:
            raise SystemExit(f"a workstation failed: {errors or err[-2000:]}")
        summaries.append(records[-1]["summary"])
    started = min(s["started"] for s in summaries)
    ended = max(s["ended"] for s in summaries)
    builds = [ms for s in summaries for ms in s["build_ms"]]
    done = sum(s["done"] for s in summaries)
    return {
        "processes": processes,
        "done": done,
        "refused": sum(sum(s["refused"].values()) for s in summaries),
        "seconds": round(ended - started, 3),
        "postings_per_s": round(done / (ended - started), 1),
        "build_median_ms": round(statistics.median(builds), 1) if builds else None,
        "build_p95_ms": round(percentile(builds, 95), 1) if builds else None,
        "builds": len(builds),
        "reruns": sum(s["reruns"] for s in summaries),
    }


def run_backend(name: str, url_for: Any, counts: list[int], postings: int) -> list[dict[str, Any]]:
    rows = []
    for n in counts:
        row = run_workers(url_for(n), n, postings)
        rows.append(row)
        print(
            f"{name:10} {n} process{'es' if n != 1 else '  '}: {row['postings_per_s']:7.1f} "
            f"postings/s, build median {row['build_median_ms']} ms, p95 "
            f"{row['build_p95_ms']} ms, {row['reruns']} re-runs, {row['refused']} refused",
            flush=True,
        )
    base = rows[0]["postings_per_s"] if rows and rows[0]["processes"] == 1 else None
    for row in rows:
        row["scaling"] = round(row["postings_per_s"] / base, 2) if base else None
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--postings", type=int, default=150, help="by each process")
    parser.add_argument("--backend", choices=("both", "sqlite", "postgresql"), default="both")
    parser.add_argument("--pg-url", help="a PostgreSQL server of yours (databases are made)")
    parser.add_argument("--out", default="bench/out", help="where load.json is written")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"load_average_at_start": os.getloadavg()}
    workdir = Path(tempfile.mkdtemp(prefix="shopfloor-load-"))
    server = None
    try:
        if args.backend in ("both", "sqlite"):
            results["sqlite"] = run_backend(
                "SQLite",
                lambda n: f"sqlite:///{workdir / f'plant-{n}.db'}",
                args.processes,
                args.postings,
            )
        if args.backend in ("both", "postgresql"):
            admin_url = args.pg_url
            if admin_url is None:
                from tests import pgserver

                server = pgserver.start()
                if server is None:
                    print("PostgreSQL: not installed here, skipped")
            if server is not None or admin_url is not None:
                import psycopg
                from sqlalchemy.engine import make_url

                base = make_url(admin_url) if admin_url else make_url(server.url("postgres"))

                def fresh(n: int) -> str:
                    name = f"bench_load_{n}"
                    with psycopg.connect(
                        host=base.host,
                        port=base.port,
                        user=base.username,
                        password=base.password,
                        dbname="postgres",
                        autocommit=True,
                    ) as conn:
                        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                        conn.execute(f"CREATE DATABASE {name}")
                    return base.set(database=name).render_as_string(hide_password=False)

                results["postgresql"] = run_backend(
                    "PostgreSQL", fresh, args.processes, args.postings
                )
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    results["load_average_at_end"] = os.getloadavg()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "load.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
