"""Schema: migrations match the models, the database enforces what it can, versions are
checked before any command runs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.errors import SchemaError
from app.models import Base
from app.services.engine import database as database_module
from app.services.engine.database import SCHEMA_REVISIONS, Database, backup_sqlite
from tests.plant import Plant


def test_migrations_produce_exactly_the_models(database: Database) -> None:
    with database.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_the_revision_list_is_the_migration_scripts(database: Database) -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(database.alembic_config())
    oldest_first = [rev.revision for rev in script.walk_revisions()][::-1]
    assert tuple(oldest_first) == SCHEMA_REVISIONS
    assert script.get_current_head() == database.head_revision()


def test_schema_is_current_after_upgrade(database: Database) -> None:
    state = database.schema_state()
    assert state.up_to_date and state.current == database.head_revision()
    database.require_current_schema()
    assert database.upgrade() is None  # nothing to do, no backup


def test_ledger_is_append_only_in_the_database(plant: Plant) -> None:
    plant.item("NUT")
    plant.stock("NUT", 5)
    engine = plant.uow.database.engine
    for sql in ("UPDATE ledger_entry SET quantity = 1", "DELETE FROM ledger_entry"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM ledger_entry")).scalar() == 1


def test_audit_events_are_written_once(plant: Plant) -> None:
    plant.item("NUT")
    engine = plant.uow.database.engine
    for sql in (
        "UPDATE audit_event SET details = '{}'",
        "UPDATE audit_event SET username = 'someone else'",
        "DELETE FROM audit_event",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql))


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE stock_balance SET on_hand = -1",
        "UPDATE stock_balance SET committed = on_hand + 1000000",
        "UPDATE item SET item_type = 'gadget'",
        "UPDATE work_order SET status = 'finished'",
        "UPDATE work_order SET unbuilt = -1000000",
        "UPDATE work_order_line SET returned = -1000000",
        "UPDATE work_order_line SET scrapped = -1000000",
    ],
)
def test_check_constraints_guard_the_tables(plant: Plant, sql: str) -> None:
    plant.item("NUT")
    plant.item("BOX", "assembly")
    plant.bom("BOX", {"NUT": 1})
    plant.stock("NUT", 5)
    plant.wo("BOX", 1, status="firm_planned")
    with pytest.raises(IntegrityError), plant.uow.database.engine.begin() as conn:
        conn.execute(text(sql))


def test_sqlite_connection_settings(sqlite_database: Database) -> None:
    with sqlite_database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_a_sqlite_too_old_for_the_postings_is_refused_in_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SQLite without RETURNING, or without the JSON functions a posting reads lots
    through, is named when the database is opened, not deep in a posting."""
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.34.1")
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    with pytest.raises(SchemaError, match=r"SQLite is 3\.34\.1; Shopfloor needs 3\.35\.0"):
        db.upgrade()
    monkeypatch.undo()

    class NoJson:
        def execute(self, sql: str) -> None:
            raise sqlite3.OperationalError("no such function: json_valid")

    with pytest.raises(SchemaError, match="has no JSON functions"):
        database_module._require_sqlite_features(NoJson())
    with sqlite3.connect(tmp_path / "new.db") as conn:  # this machine's SQLite has both
        database_module._require_sqlite_features(conn.cursor())


def test_missing_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "none.db"
    db = Database(f"sqlite:///{path}")
    with pytest.raises(SchemaError, match="not initialised: run `shopfloor init`"):
        db.require_current_schema()
    assert not path.exists()


def test_empty_and_foreign_databases_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with pytest.raises(SchemaError, match="not initialised"):
        Database(f"sqlite:///{empty}").require_current_schema()
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE accounts (id INTEGER)")
    db = Database(f"sqlite:///{foreign}")
    with pytest.raises(SchemaError, match="not a Shopfloor database"):
        db.require_current_schema()
    with pytest.raises(SchemaError, match="not a Shopfloor database"):
        db.upgrade()


def test_older_and_newer_schemas_are_named(
    sqlite_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sqlite_database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    with pytest.raises(SchemaError, match="newer Shopfloor \\(schema ffff\\)"):
        sqlite_database.require_current_schema()
    with pytest.raises(SchemaError, match="newer Shopfloor"):
        sqlite_database.upgrade()
    with sqlite_database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    monkeypatch.setattr(Database, "head_revision", lambda self: "0002")
    with pytest.raises(SchemaError, match="has schema 0001 but this Shopfloor needs 0002"):
        sqlite_database.require_current_schema()


def test_upgrade_from_nothing_and_back(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert db.upgrade() is None
    db.require_current_schema()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT code FROM location WHERE is_default")).scalar() == "MAIN"
    db.dispose()


def test_backup_copies_a_live_database(sqlite_database: Database, tmp_path: Path) -> None:
    with sqlite_database.engine.begin() as conn:
        conn.execute(text("INSERT INTO location (code, name, is_default) VALUES ('X', 'X', 0)"))
    path = sqlite_database.sqlite_path
    assert path is not None
    copy = backup_sqlite(path, tag="0001")
    assert copy.name.startswith("shopfloor.db.0001.")
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT count(*) FROM location").fetchone() == (2,)
