"""A posting cut off from a plant's PostgreSQL server is whole or absent, and the workstation
is told which; the server restarted under load (fast and immediate shutdown) leaves every
workstation reconnected and going on, and `shopfloor check` clean.

A connection cut at the moment of a commit is made real by a proxy between the workstation and
the server (tests/pgproxy.py); the restarts are of a server of this module's own, so that the
other tests' server never goes away under them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select

from app.errors import PostingNotSaved
from app.models import AuditEvent, LedgerEntry
from app.services import inventory
from app.services.check import check_database
from app.services.engine.database import Database
from app.services.engine.feed import open_feed
from app.services.engine.uow import Actor, Transaction, UnitOfWork
from app.services.production import work_orders
from tests import pgserver
from tests.pgproxy import PgProxy
from tests.plant import Plant

REQUIRE_PG = os.environ.get("SHOPFLOOR_REQUIRE_PG") == "1"
ACTOR = Actor("anna", "desk")
ROOT = Path(__file__).resolve().parent.parent
WAIT_S = 120.0  # for conditions that take a second or two; generous on a busy machine
WORKERS = 3


def admin(server: pgserver.PgServer, sql: str) -> None:
    with psycopg.connect(
        host=server.host, port=server.port, user=server.user, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(sql)


def new_plant(server: pgserver.PgServer, name: str) -> Database:
    admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin(server, f"CREATE DATABASE {name}")
    database = Database(server.url(name))
    database.upgrade()
    return database


def small_plant(uow: UnitOfWork) -> Plant:
    plant = Plant(uow)
    plant.item("SPOKE-SS")
    plant.item("WHEEL", "assembly")
    plant.bom("WHEEL", {"SPOKE-SS": 1})
    plant.stock("SPOKE-SS", 10_000)
    return plant


def ledger_rows(database: Database, memo: str) -> int:
    with database.session() as session:
        found = session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.memo == memo)
        )
    return int(found or 0)


@pytest.fixture
def proxied(
    pg_database: Database, pg_server: pgserver.PgServer
) -> Iterator[tuple[Database, PgProxy]]:
    """The test's database reached through the cutting proxy."""
    proxy = PgProxy(pg_server.host, pg_server.port)
    url = pg_database.url.set(host="127.0.0.1", port=proxy.listen_port)
    database = Database(url)
    small_plant(UnitOfWork(database, ACTOR))
    yield database, proxy
    database.dispose()
    proxy.close()
    report = check_database(UnitOfWork(pg_database, ACTOR))
    assert report.ok, report.problems


def test_a_posting_whose_commit_answer_is_lost_was_saved_and_says_so(
    proxied: tuple[Database, PgProxy],
) -> None:
    database, proxy = proxied
    uow = UnitOfWork(database, ACTOR)
    proxy.cut_at_commit("after")
    posted = inventory.adjust_stock(uow, "SPOKE-SS", "2", memo="cut after commit")
    assert proxy.cuts == 1  # the connection was really cut at that commit
    assert posted.position.on_hand == 10_002  # what was saved, read back from the posting
    assert posted.changes.event_id is not None
    assert ledger_rows(database, "cut after commit") == 1
    assert inventory.stock_position(uow, "SPOKE-SS").on_hand == 10_002


def test_a_posting_whose_commit_never_reached_the_server_was_not_saved_and_says_so(
    proxied: tuple[Database, PgProxy],
) -> None:
    database, proxy = proxied
    uow = UnitOfWork(database, ACTOR)
    with database.session() as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    proxy.cut_at_commit("before")
    with pytest.raises(
        PostingNotSaved,
        match=r"lost while saving stock\.adjust of SPOKE-SS: it was not saved; try again",
    ):
        inventory.adjust_stock(uow, "SPOKE-SS", "2", memo="cut before commit")
    assert proxy.cuts == 1
    assert ledger_rows(database, "cut before commit") == 0
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events
    again = inventory.adjust_stock(uow, "SPOKE-SS", "2", memo="cut before commit")
    assert again.position.on_hand == 10_002  # trying again works on a new connection


def test_a_posting_cut_off_before_its_commit_is_run_again_once(
    proxied: tuple[Database, PgProxy],
) -> None:
    """The server ends the posting's session half-way (as a restart does): nothing was
    written, so the posting runs again from the start on a new connection."""
    database, _proxy = proxied
    uow = UnitOfWork(database, ACTOR)
    ended: list[int] = []

    def body(tx: Transaction) -> Any:
        raw = tx.session.connection().connection.driver_connection
        assert raw is not None
        if not ended:
            ended.append(raw.info.backend_pid)
            with psycopg.connect(
                database.url.set(drivername="postgresql").render_as_string(hide_password=False),
                autocommit=True,
            ) as other:
                other.execute("SELECT pg_terminate_backend(%s)", (ended[0],))
        return inventory.adjust_stock.within(tx, "SPOKE-SS", "1", memo="ended half-way")

    uow.post("stock.adjust", body)
    assert uow.attempts == 2
    assert ledger_rows(database, "ended half-way") == 1


# --- a server restarted under load -------------------------------------------------------


@pytest.fixture(scope="module")
def own_server() -> Iterator[pgserver.PgServer]:
    """A PostgreSQL server of this module's own, restarted by its tests."""
    if os.environ.get("SHOPFLOOR_TEST_PG_URL"):
        pytest.skip("restarting needs a server the tests start themselves")
    try:
        server = pgserver.start(durable=True)
    except Exception:
        if REQUIRE_PG:
            raise
        server = None
    if server is None:
        if REQUIRE_PG:
            pytest.fail("SHOPFLOOR_REQUIRE_PG=1 but no PostgreSQL server could be started")
        pytest.skip("PostgreSQL is not installed here (CI installs it)")
    yield server
    server.stop()


class Workstation:
    """A worker process and the answers it has printed so far."""

    def __init__(self, url: str, stop: Path, name: str, number: str, seen: threading.Condition):
        self.name = name
        self.seen = seen
        self.lines: list[dict[str, Any]] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.restart_worker", url, str(stop), name, number],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.seen:
                self.lines.append(json.loads(line))
                self.seen.notify_all()
        with self.seen:
            self.seen.notify_all()

    def saved(self) -> int:
        return sum(1 for line in self.lines if line["outcome"] == "saved")


def test_a_server_restarted_under_load_loses_no_posting_and_gains_none(
    own_server: pgserver.PgServer, tmp_path: Path
) -> None:
    database = new_plant(own_server, "plant_under_load")
    uow = UnitOfWork(database, ACTOR)
    plant = small_plant(uow)
    numbers = [plant.wo("WHEEL", 5_000) for _ in range(WORKERS)]
    stop = tmp_path / "stop"
    seen = threading.Condition()
    stations = [
        Workstation(database.url.render_as_string(False), stop, f"station-{i}", numbers[i], seen)
        for i in range(WORKERS)
    ]

    def each_saved_more(than: list[int], by: int) -> None:
        with seen:
            done = seen.wait_for(
                lambda: (
                    all(s.saved() >= t + by for s, t in zip(stations, than, strict=True))
                    or any(s.process.poll() not in (None, 0) for s in stations)
                ),
                timeout=WAIT_S,
            )
        assert done, [len(s.lines) for s in stations]
        assert all(s.process.poll() in (None, 0) for s in stations), stations[0].process.stderr

    try:
        each_saved_more([0] * WORKERS, 5)
        for mode in ("fast", "immediate"):
            before = [s.saved() for s in stations]
            own_server.restart(mode)
            each_saved_more(before, 5)  # every workstation reconnected and goes on
    finally:
        stop.touch()
        for s in stations:
            s.process.wait(WAIT_S)
            s.reader.join(WAIT_S)
    for s in stations:
        errors = s.process.stderr.read() if s.process.stderr else ""
        assert s.process.returncode == 0, errors
    database.dispose()
    database = Database(database.url)
    uow = UnitOfWork(database, ACTOR)
    for s, number in zip(stations, numbers, strict=True):
        outcomes = {line["outcome"] for line in s.lines}
        assert outcomes <= {"saved", "not_saved"}, s.lines  # nobody left not knowing
        for line in s.lines:
            if not line["build"]:
                expected = 1 if line["outcome"] == "saved" else 0
                assert ledger_rows(database, line["what"]) == expected, line
        builds = sum(1 for line in s.lines if line["build"] and line["outcome"] == "saved")
        assert work_orders.get_work_order(uow, number).built == builds
    report = check_database(uow)
    assert report.ok, report.problems
    database.dispose()


def test_a_window_listening_through_a_restart_hears_it_missed_news_and_goes_on(
    own_server: pgserver.PgServer,
) -> None:
    database = new_plant(own_server, "plant_listening")
    desk = UnitOfWork(database, ACTOR)
    small_plant(desk)
    station = UnitOfWork(database, Actor("olga", "station-1"))
    feed = open_feed(database, own=desk.source)
    try:
        own_server.restart("fast")
        missed = inventory.adjust_stock(station, "SPOKE-SS", "1")  # reconnects by itself
        (back,) = feed.read(WAIT_S)  # listening again: what it missed is not known
        posted = inventory.adjust_stock(station, "SPOKE-SS", "1")
        (news,) = feed.read(WAIT_S)
    finally:
        feed.close()
        database.dispose()
    assert back.everything and missed.changes.event_id is not None
    assert news.event_id == posted.changes.event_id and not news.everything
