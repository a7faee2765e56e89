"""Test fixtures: real databases (a SQLite file and a PostgreSQL server), migrated once per
session and copied per test; every service test ends with `shopfloor check` passing."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Windows open offscreen on two screens (data/screens.json): a floor PC's 1366 x 768, the
# primary, and a larger office screen to its right; a plain offscreen platform (as CI sets it)
# gets the same screens.
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = (
        f"offscreen:configfile={Path(__file__).with_name('data') / 'screens.json'}"
    )

from app.services.check import check_database
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from tests import pgserver
from tests.cups import cups_server  # noqa: F401  (the session's private CUPS scheduler)
from tests.plant import Plant

REQUIRE_PG = os.environ.get("SHOPFLOOR_REQUIRE_PG") == "1"
_counter = itertools.count()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PgServer | None]:
    try:
        server = pgserver.start()
    except Exception as exc:  # a broken installation is a failure when PG is required
        if REQUIRE_PG:
            raise
        print(f"PostgreSQL could not start: {exc}")
        server = None
    if server is None and REQUIRE_PG:
        pytest.fail("SHOPFLOOR_REQUIRE_PG=1 but no PostgreSQL server could be started")
    yield server
    if server is not None:
        server.stop()


def _pg_admin(server: pgserver.PgServer, sql: str) -> None:
    import psycopg

    with psycopg.connect(
        host=server.host, port=server.port, user=server.user, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def pg_template(pg_server: pgserver.PgServer | None) -> str | None:
    if pg_server is None:
        return None
    name = f"shopfloor_template_{os.getpid()}"
    _pg_admin(pg_server, f"DROP DATABASE IF EXISTS {name}")
    _pg_admin(pg_server, f"CREATE DATABASE {name}")
    db = Database(pg_server.url(name))
    db.upgrade()
    db.dispose()
    return name


def make_sqlite_database(template: Path, directory: Path, name: str = "shopfloor.db") -> Database:
    path = directory / name
    shutil.copyfile(template, path)
    return Database(f"sqlite:///{path}")


@pytest.fixture
def sqlite_database(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    db = make_sqlite_database(sqlite_template, tmp_path)
    yield db
    db.dispose()


@pytest.fixture
def pg_database(pg_server: pgserver.PgServer | None, pg_template: str | None) -> Iterator[Database]:
    if pg_server is None or pg_template is None:
        pytest.skip("PostgreSQL is not installed here (CI installs it)")
    name = f"sf_test_{os.getpid()}_{next(_counter)}"
    _pg_admin(pg_server, f"CREATE DATABASE {name} TEMPLATE {pg_template}")
    db = Database(pg_server.url(name))
    yield db
    db.dispose()
    _pg_admin(pg_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests using `database` run on SQLite and PostgreSQL; `@pytest.mark.sqlite_only` is for
    refusals decided before the database is written, where a second run proves nothing new."""
    if "database" in metafunc.fixturenames:
        backends = ["sqlite"]
        if metafunc.definition.get_closest_marker("sqlite_only") is None:
            backends.append("postgresql")
        metafunc.parametrize("database", backends, indirect=True)


@pytest.fixture
def database(request: pytest.FixtureRequest) -> Database:
    """The same test on a SQLite file and on a PostgreSQL server."""
    name = "sqlite_database" if request.param == "sqlite" else "pg_database"
    db: Database = request.getfixturevalue(name)
    return db


@pytest.fixture
def actor() -> Actor:
    return Actor(user="tester", workstation="test-bench")


@pytest.fixture
def uow(database: Database, actor: Actor) -> Iterator[UnitOfWork]:
    """A unit of work; after the test the whole database must still pass `shopfloor check`."""
    unit = UnitOfWork(database, actor)
    yield unit
    report = check_database(unit)
    assert report.ok, report.problems


@pytest.fixture
def plant(uow: UnitOfWork) -> Plant:
    return Plant(uow)
