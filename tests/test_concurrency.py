"""Workstations on one PostgreSQL database: postings take their balance locks once, in one
global order, so crossing work orders never deadlock; a deadlock or serialization failure
that does reach a posting re-runs it from the start instead of reaching the user; and what a
posting takes from another order's line it reads under the lock that serialises it, so the
balances still match the lines however the workstations interleave."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.errors import ValidationError
from app.models import AuditEvent
from app.services.check import check_database
from app.services.engine import commitment
from app.services.engine.database import Database
from app.services.engine.permissions import Permission
from app.services.engine.uow import Actor, Transaction, UnitOfWork, posting
from app.services.orders import fulfillment
from app.services.production import work_orders
from tests.concurrency_worker import BARRIER, ROUNDS
from tests.orders_plant import OrderPlant
from tests.plant import D, Plant

ROOT = Path(__file__).resolve().parent.parent
ORDERS = 60


def _dsn(database: Database) -> str:
    url = database.url
    return f"host={url.host} port={url.port} user={url.username} dbname={url.database}"


def _start(database: Database, action: str, numbers: list[str]) -> subprocess.Popen[str]:
    """One workstation: an OS process of its own on the same database."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.concurrency_worker",
            database.url.render_as_string(hide_password=False),
            _dsn(database),
            action,
            *numbers,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _await_barrier(
    barrier: psycopg.Connection[tuple[object, ...]],
    key: int,
    workers: list[subprocess.Popen[str]],
) -> None:
    """Wait until every workstation waits at the barrier `key` (one that stopped instead
    fails the test with what it said)."""
    for _ in range(1200):
        row = barrier.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND objid::bigint = %s",
            (key,),
        ).fetchone()
        if row and row[0] >= len(workers):
            return
        stopped = [w for w in workers if w.poll() is not None]
        if stopped:
            _out, err = stopped[0].communicate()
            pytest.fail(f"a workstation stopped before the barrier: {err}")
        barrier.execute("SELECT pg_sleep(0.05)")
    pytest.fail(f"the workstations did not all reach barrier {key}")


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
    with psycopg.connect(_dsn(pg_database), autocommit=True) as barrier:
        barrier.execute("SELECT pg_advisory_lock(%s)", (BARRIER,))
        workers = [
            _start(pg_database, action, numbers)
            for action, numbers in (("close", closing), ("build", building))
        ]
        # Both are waiting at the barrier once each holds a pending lock request.
        _await_barrier(barrier, BARRIER, workers)
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


STATIONS = 6
BUILDS = 10  # the stock is for ten gadgets
PER_ORDER = 3  # six orders of three want eighteen
BUILD_ROUNDS = 15
REFUSALS = {"insufficient_stock", "overage_not_allowed"}


@pytest.mark.slow
def test_six_workstations_build_the_last_stock_ignoring_commitment(
    pg_database: Database,
) -> None:
    """Six workstations build gadgets one at a time, each on its own released order, until
    refused. The stock is for ten; the first orders committed it at release, so the others
    take it from them (`ignore_commitment`), changing their lines while they build too.
    Round after round: ten built, nothing over-drawn, every workstation stopped by a
    refusal, and `check` finds the balances equal to the lines."""
    uow = UnitOfWork(pg_database)
    plant = Plant(uow)
    plant.pref("manufacturing_issue_based_on_commitment", "ignore_commitment")
    orders: list[list[str]] = []  # per round, one order per workstation
    for r in range(BUILD_ROUNDS):
        screw, case = plant.item(f"SCREW-{r}"), plant.item(f"CASE-{r}")
        gadget = plant.item(f"GADGET-{r}", "assembly")
        plant.bom(gadget, {screw: 2, case: 1})
        plant.stock(screw, 2 * BUILDS)
        plant.stock(case, BUILDS)
        orders.append([plant.wo(gadget, PER_ORDER) for _ in range(STATIONS)])
    assert plant.line(orders[0][3], "SCREW-0").committed == D(2)  # 6 + 6 + 6 + 2 of 20
    failures: list[str] = []
    seen: set[str] = set()

    def round_done(r: int) -> None:
        report = check_database(uow)
        new = [p for p in report.problems if p not in seen]
        seen.update(new)
        stock = {sku: plant.on_hand(f"{sku}-{r}") for sku in ("GADGET", "SCREW", "CASE")}
        if new or stock != {"GADGET": D(BUILDS), "SCREW": D(0), "CASE": D(0)}:
            failures.append(f"round {r}: {new} {stock}")

    with psycopg.connect(_dsn(pg_database), autocommit=True) as barrier:
        for r in range(BUILD_ROUNDS):
            barrier.execute("SELECT pg_advisory_lock(%s)", (ROUNDS + r,))
        workers = [
            _start(pg_database, "rounds", [orders[r][i] for r in range(BUILD_ROUNDS)])
            for i in range(STATIONS)
        ]
        try:
            for r in range(BUILD_ROUNDS):
                _await_barrier(barrier, ROUNDS + r, workers)  # round r - 1 is over
                if r:
                    round_done(r - 1)
                barrier.execute("SELECT pg_advisory_unlock(%s)", (ROUNDS + r,))
            outcomes = []
            for w in workers:
                out, err = w.communicate(timeout=300)
                assert w.returncode == 0, err
                assert "Traceback" not in err, err
                outcomes.append(json.loads(out.strip().splitlines()[-1])["rounds"])
        finally:
            for w in workers:
                if w.poll() is None:
                    w.kill()
                    w.wait()
    round_done(BUILD_ROUNDS - 1)
    for r in range(BUILD_ROUNDS):
        mine = [station[r] for station in outcomes]
        if sum(m["built"] for m in mine) != BUILDS:
            failures.append(f"round {r}: built {[m['built'] for m in mine]}")
        crashed = [m for m in mine if m["refusal"] not in REFUSALS]
        if crashed:
            failures.append(f"round {r}: stopped by something else than a refusal: {crashed}")
    assert not failures, f"{len(failures)} failures in {BUILD_ROUNDS} rounds:\n" + "\n".join(
        failures
    )


def _while_held(
    database: Database,
    holding: Callable[[Transaction], object],
    waiting: Callable[[UnitOfWork], object],
) -> None:
    """`holding` runs in one workstation's posting, which keeps its locks until `waiting`, a
    posting another workstation starts meanwhile, waits for one of them; then both finish.
    The waiting posting has read whatever it reads before that lock as it was before the
    holding one committed."""
    held, go = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    @posting("test.hold", Permission.PRODUCE)
    def hold(tx: Transaction) -> None:
        holding(tx)
        held.set()
        go.wait(60)

    def run(body: Callable[[], object]) -> None:
        try:
            body()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    first = threading.Thread(
        target=run, args=(lambda: hold(UnitOfWork(database, Actor("one", "station-1"))),)
    )
    second = threading.Thread(
        target=run, args=(lambda: waiting(UnitOfWork(database, Actor("two", "station-2"))),)
    )
    first.start()
    try:
        assert held.wait(60), errors
        second.start()
        with psycopg.connect(_dsn(database), autocommit=True) as conn:
            for _ in range(1200):
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                ).fetchone()
                if (row and row[0]) or errors or not second.is_alive():
                    break
                conn.execute("SELECT pg_sleep(0.05)")
            assert row and row[0], f"the second posting never waited for a lock: {errors}"
    finally:
        go.set()
        first.join(60)
        if second.ident is not None:
            second.join(60)
    assert not errors, errors


def _check(uow: UnitOfWork) -> None:
    report = check_database(uow)
    assert report.ok, report.problems


def test_a_build_sees_what_another_build_took_from_its_line(pg_database: Database) -> None:
    """A build on B takes the screws committed to A (ignore_commitment); a build on A that
    starts meanwhile waits for its locks and must then use what A's line commits now, not
    what it committed when the build began."""
    uow = UnitOfWork(pg_database)
    plant = Plant(uow)
    plant.pref("manufacturing_issue_based_on_commitment", "ignore_commitment")
    plant.item("SCREW")
    plant.item("GADGET", "assembly")
    plant.bom("GADGET", {"SCREW": 2})
    plant.stock("SCREW", 4)
    a = plant.wo("GADGET", 2)  # commits the 4
    b = plant.wo("GADGET", 1)  # commits nothing
    _while_held(
        pg_database,
        lambda tx: work_orders.post_assembly_build.within(tx, b, "1"),
        lambda other: work_orders.post_assembly_build(other, a, "1"),
    )
    assert plant.line(a, "SCREW").committed == D(0)  # 4, 2 taken by B, 2 consumed
    assert plant.on_hand("SCREW") == D(0)
    _check(uow)


def test_a_re_run_sees_what_a_build_consumed(pg_database: Database) -> None:
    """A re-run that starts while a build holds the screws hands out what is on hand after
    the build, to what each line needs after it."""
    uow = UnitOfWork(pg_database)
    plant = Plant(uow)
    plant.item("SCREW")
    plant.item("GADGET", "assembly")
    plant.bom("GADGET", {"SCREW": 2})
    plant.stock("SCREW", 6)
    a = plant.wo("GADGET", 2)  # commits 4
    b = plant.wo("GADGET", 1)  # commits 2
    _while_held(
        pg_database,
        lambda tx: work_orders.post_assembly_build.within(tx, a, "1"),
        lambda other: commitment.rerun(other),
    )
    assert plant.line(a, "SCREW").committed == D(2)  # needs 2 more, not 4
    assert plant.line(b, "SCREW").committed == D(2)
    _check(uow)


def test_a_pick_sees_what_a_build_took_from_its_order(pg_database: Database) -> None:
    """A build ignoring commitment takes a bottle committed to a sales order; a pick on that
    order that starts meanwhile waits, then firms up what the line commits now."""
    uow = UnitOfWork(pg_database)
    plant = OrderPlant(uow).setup()
    plant.pref("manufacturing_issue_based_on_commitment", "ignore_commitment")
    plant.stock("BOTTLE", 13)
    plant.stock("CAP", 12)
    order = plant.so("Lakeside Foods", ("BOTTLE", 2)).number  # commits 2
    case = plant.wo("CASE-12", 1)  # commits the other 11 bottles
    _while_held(
        pg_database,
        lambda tx: work_orders.post_assembly_build.within(tx, case, "1"),  # 11 + 1 taken
        lambda other: fulfillment.fulfill(other, order, {"1": "1"}),
    )
    line = plant.so_line(order, "1")
    assert (line.committed, line.picked) == (D(1), D(1))
    _check(uow)


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
