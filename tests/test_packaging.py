"""The package carries its own files: the wheel holds every resource and migration the program
reads, they are found through importlib.resources (no path climbs from a module's file to the
checkout), and an `init --demo` that fails leaves no half-made database behind.

The whole installed form (a fresh virtualenv outside the checkout holding only the wheel:
the demo, every document printed and decoded, the self-test) is `scripts/check-installed.sh`,
which CI runs."""

from __future__ import annotations

import ast
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text

from app import config
from app.errors import ShopfloorError
from app.services import setup
from app.services.check import check_database
from app.services.engine.database import Database
from app.services.engine.uow import UnitOfWork
from tests import pgserver

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("shopfloor-*.whl")
    return zipfile.ZipFile(built)


def package_files(folder: Path) -> set[str]:
    return {
        p.relative_to(ROOT).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_the_wheel_carries_every_resource_and_migration(wheel: zipfile.ZipFile) -> None:
    inside = set(wheel.namelist())
    wanted = package_files(APP / "resources") | package_files(APP / "migrations")
    assert wanted, "no resources found in the checkout"
    assert wanted - inside == set()
    for name in ("fonts/DejaVuSans.ttf", "demo/items.csv", "icons/shopfloor.png", "logo.png"):
        assert f"app/resources/{name}" in inside


def test_resources_are_found_through_the_package() -> None:
    for parts in (("fonts", "DejaVuSans.ttf"), ("demo", "items.csv"), ("logo.png",)):
        path = config.resource_path(*parts)
        assert path.is_file()
        assert path.is_relative_to(APP / "resources")
    assert (config.package_path("app", "migrations") / "env.py").is_file()


def _climbs_from_file(node: ast.AST) -> bool:
    """`Path(__file__)....parent.parent` or `.parents[n]`: a path computed upwards from a
    module's own file."""
    text = ast.unparse(node)
    return "__file__" in text and (".parent.parent" in text or ".parents[" in text)


def test_no_module_computes_a_path_from_its_own_file_upwards() -> None:
    found = []
    for path in APP.rglob("*.py"):
        if "versions" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute | ast.Subscript) and _climbs_from_file(node):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                break
    assert found == []


def dump(path: Path) -> list[str]:
    """A SQLite database's schema and rows as SQL text."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def missing_demo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The demo plant's files are not where the program looks (as in a wheel without them):
    the load fails at its first import."""
    empty = tmp_path / "no-resources"
    empty.mkdir()
    monkeypatch.setattr(setup, "resource_path", lambda *parts: empty.joinpath(*parts))
    return empty


def test_a_failed_demo_leaves_no_sqlite_file(missing_demo: Path, tmp_path: Path) -> None:
    path = tmp_path / "plant.db"
    database = Database(f"sqlite:///{path}")
    with pytest.raises(ShopfloorError, match=r"items\.csv"):
        setup.init_database(database, demo=True)
    database.dispose()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["no-resources"]


def test_a_failed_demo_leaves_an_initialised_sqlite_file_as_it_was(
    missing_demo: Path, tmp_path: Path
) -> None:
    path = tmp_path / "plant.db"
    database = Database(f"sqlite:///{path}")
    setup.init_database(database)
    database.dispose()
    before = dump(path)
    with pytest.raises(ShopfloorError, match=r"items\.csv"):
        setup.init_database(database, demo=True)
    database.dispose()
    assert dump(path) == before
    assert not list(tmp_path.glob(".plant.db*"))


def test_the_demo_replaces_an_initialised_empty_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "plant.db"
    database = Database(f"sqlite:///{path}")
    setup.init_database(database)
    result = setup.init_database(database, demo=True)
    assert result.demo
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plant.db"]
    assert Database(f"sqlite:///{path}").schema_state().up_to_date
    report = check_database(UnitOfWork(Database(f"sqlite:///{path}")))
    assert report.ok, report.problems
    assert report.checked["work_orders"] > 0


def test_a_failed_demo_drops_what_it_created_on_postgresql(
    missing_demo: Path, pg_server: pgserver.PgServer | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if pg_server is None:
        pytest.skip("PostgreSQL is not available")
    import psycopg

    name = "shopfloor_failed_demo"
    with psycopg.connect(
        host=pg_server.host,
        port=pg_server.port,
        user=pg_server.user,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    database = Database(pg_server.url(name))
    try:
        with pytest.raises(ShopfloorError, match=r"items\.csv"):
            setup.init_database(database, demo=True)
        state = database.schema_state()
        assert not state.has_tables and state.current is None
        with database.engine.connect() as conn:
            functions = conn.execute(
                text("SELECT count(*) FROM pg_proc WHERE proname LIKE '%append_only'")
            ).scalar()
        assert functions == 0
        # Nothing is left in the way: with its files found, the demo goes in.
        monkeypatch.setattr(setup, "resource_path", config.resource_path)
        assert setup.init_database(database, demo=True).demo
        assert check_database(UnitOfWork(database)).ok
    finally:
        database.dispose()
