"""Two workstations on one PostgreSQL database: postings take their balance locks once, in
one global order, so crossing work orders never deadlock; a deadlock or serialization failure
that does reach a posting re-runs it from the start instead of reaching the user."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.errors import ValidationError
from app.models import AuditEvent
from app.services.check import check_database
from app.services.engine.database import Database
from app.services.engine.permissions import Permission
from app.services.engine.uow import UnitOfWork, posting
from app.services.production import work_orders
from tests.concurrency_worker import BARRIER
from tests.plant import D, Plant

ROOT = Path(__file__).resolve().parent.parent
ORDERS = 60


def _dsn(database: Database) -> str:
    url = database.url
    return f"host={url.host} port={url.port} user={url.username} dbname={url.database}"


@pytest.mark.slow
def test_two_workstations_close_and_build_crossing_work_orders(pg_database: Database) -> None:
    """Closing an X order locks X and its component C; building a Y order locks Y, X and C.
    X sorts before C, so a close that locked its components first and its finished good
    second would meet the build in the opposite order; now both lock in one go, in order."""
    uow = UnitOfWork(pg_database)
    plant = Plant(uow)
    plant.item("X", "assembly")  # created first: the lower id, locked first
    plant.item("C")
    plant.item("Y", "assembly")
    plant.bom("X", {"C": 1})
    plant.bom("Y", {"X": 1, "C": 1})
    plant.stock("C", 1000)
    plant.stock("X", 1000)
    closing = []
    for _ in range(ORDERS):
        number = plant.wo("X", 2)
        work_orders.post_assembly_build(uow, number, "1")  # in process: ready to close
        closing.append(number)
    building = [plant.wo("Y", 1) for _ in range(ORDERS)]
    dsn = _dsn(pg_database)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    url = pg_database.url.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as barrier:
        barrier.execute("SELECT pg_advisory_lock(%s)", (BARRIER,))
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.concurrency_worker", url, dsn, action, *numbers],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for action, numbers in (("close", closing), ("build", building))
        ]
        # Both are waiting at the barrier once each holds a pending lock request.
        for _ in range(600):
            waiting = barrier.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            ).fetchone()
            if waiting and waiting[0] >= len(workers):
                break
            barrier.execute("SELECT pg_sleep(0.05)")
        barrier.execute("SELECT pg_advisory_unlock(%s)", (BARRIER,))
        results = []
        for w in workers:
            out, err = w.communicate(timeout=300)
            assert w.returncode == 0, err
            assert "internal error" not in err and "Traceback" not in err, err
            results.append(json.loads(out.strip().splitlines()[-1]))
    assert {r["action"]: (r["done"], r["refused"]) for r in results} == {
        "close": (ORDERS, 0),
        "build": (ORDERS, 0),
    }
    report = check_database(uow)
    assert report.ok, report.problems
    assert plant.on_hand("Y") == D(ORDERS)
    assert all(work_orders.get_work_order(uow, n).status == "closed" for n in closing)


class _Deadlock(Exception):
    sqlstate = "40P01"


def test_a_deadlock_re_runs_the_whole_posting(database: Database) -> None:
    uow = UnitOfWork(database)
    plant = Plant(uow)
    plant.item("NUT")
    calls: list[int] = []

    @posting("test.flaky", Permission.ADJUST_STOCK)
    def flaky(tx, times: int) -> int:  # type: ignore[no-untyped-def]
        calls.append(1)
        tx.note(attempt=len(calls))
        if len(calls) <= times:
            raise OperationalError("SELECT 1", {}, _Deadlock())
        return len(calls)

    def events() -> int:
        with uow.query() as tx:
            return int(tx.session.scalar(select(func.count()).select_from(AuditEvent)) or 0)

    before = events()
    assert flaky(uow, 2) == 3
    assert uow.attempts == 3
    assert events() == before + 1  # the failed attempts left nothing behind
    calls.clear()
    with pytest.raises(OperationalError):
        flaky(uow, uow.max_attempts)  # bounded: the last failure reaches the caller
    assert events() == before + 1


def test_a_refusal_is_not_re_run(database: Database) -> None:
    uow = UnitOfWork(database)
    calls: list[int] = []

    @posting("test.refused", Permission.ADJUST_STOCK)
    def refused(tx) -> None:  # type: ignore[no-untyped-def]
        calls.append(1)
        raise ValidationError("no")

    with pytest.raises(ValidationError):
        refused(uow)
    assert calls == [1]
