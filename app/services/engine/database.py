"""Engine, sessions and schema versions for SQLite (one workstation) and PostgreSQL (a plant).

SQLite runs in WAL mode with foreign keys on and a busy timeout; write transactions start
with BEGIN IMMEDIATE so two writers never deadlock on a lock upgrade. The schema is created
and upgraded only by Alembic migrations; every other command checks the version first.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.config import package_path
from app.errors import ForeignDatabaseError, SchemaError

if TYPE_CHECKING:
    from alembic.config import Config

SQLITE_BUSY_TIMEOUT_MS = 15_000
PRIVATE_MODE = 0o600  # a database file and its backups: readable by their owner only
SQLITE_CACHE_KIB = 64 * 1024  # page cache per connection (the default is 2 MiB)


def _shipped_revisions() -> tuple[str, ...]:
    """The migrations this program ships, oldest first, read from the names of their scripts
    (`0005_ledger_reasons_are_data.py` is revision 0005), so that opening a database reads
    one row instead of loading Alembic; a test proves the names match the scripts."""
    folder = package_path("app", "migrations", "versions")
    return tuple(sorted(m[1] for p in folder.iterdir() if (m := _SCRIPT.fullmatch(p.name))))


_SCRIPT = re.compile(r"([0-9]{4})_\w+\.py")
SCHEMA_REVISIONS = _shipped_revisions()
SCHEMA_HEAD = SCHEMA_REVISIONS[-1]


@dataclass
class NameCache:
    """Item skus and location codes by id. Neither is ever renamed, so once seen in a
    committed row a name stays true for the life of the database."""

    skus: dict[int, str] = field(default_factory=dict)
    codes: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str
    has_tables: bool

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def newer(self) -> bool:
        """Written by a later Shopfloor: a revision this program does not know."""
        return self.current is not None and self.current not in SCHEMA_REVISIONS


class Database:
    """One database: where it is, its engine and its session factory."""

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        try:
            self.url = make_url(url)
        except ArgumentError:
            raise SchemaError(f"{str(url)[:80]!r} is not a database file or URL") from None
        backend = self.url.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise SchemaError(
                f"{backend!r} databases are not supported: use a SQLite file or a "
                "postgresql+psycopg:// URL"
            )
        self.is_sqlite = backend == "sqlite"
        self.engine: Engine = create_engine(self.url, echo=echo)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self.session_factory = sessionmaker(self.engine, autoflush=False, expire_on_commit=False)
        self.names = NameCache()

    def __repr__(self) -> str:
        return f"Database({self.describe()!r})"

    def describe(self) -> str:
        """Where the database is, in words, without a password."""
        if self.is_sqlite:
            return str(self.sqlite_path)
        return self.url.render_as_string(hide_password=True)

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite or not self.url.database or self.url.database == ":memory:":
            return None
        return Path(self.url.database)

    def session(self, *, write: bool = False) -> Session:
        session = self.session_factory()
        if write and self.is_sqlite:
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        return session

    def dispose(self) -> None:
        self.engine.dispose()

    # --- schema -------------------------------------------------------------------------

    def alembic_config(self, connection: Connection | None = None) -> Config:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(package_path("app", "migrations")))
        cfg.attributes["connection"] = connection
        return cfg

    def head_revision(self) -> str:
        return SCHEMA_HEAD

    def schema_state(self) -> SchemaState:
        head = self.head_revision()
        path = self.sqlite_path
        if path is not None:
            # Look before connecting: connecting would turn an empty file into a WAL database.
            if not path.exists() or (path.is_file() and path.stat().st_size == 0):
                return SchemaState(current=None, head=head, has_tables=False)
            if not path.is_file():
                raise ForeignDatabaseError(f"{path} is not a Shopfloor database (not a file)")
            if not _looks_like_sqlite(path):
                raise ForeignDatabaseError(
                    f"{path} is not a Shopfloor database (not a SQLite file)"
                )
        try:
            with self.engine.connect() as conn:
                has_tables = bool(inspect(conn).get_table_names())
                current = None
                if has_tables and inspect(conn).has_table("alembic_version"):
                    current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except OperationalError as exc:
            raise SchemaError(f"cannot open {self.describe()}: {exc.orig}") from None
        except DatabaseError as exc:
            raise ForeignDatabaseError(
                f"{self.describe()} is not a Shopfloor database ({exc.orig})"
            ) from None
        return SchemaState(current=current, head=head, has_tables=has_tables)

    def require_current_schema(self) -> None:
        """Refuse to work on a database that is missing, uninitialised, older or newer."""
        state = self.schema_state()
        if state.up_to_date:
            return
        where = self.describe()
        if state.current is None:
            if state.has_tables:
                raise ForeignDatabaseError(f"{where} is not a Shopfloor database")
            raise SchemaError(f"{where} is not initialised: run `shopfloor init` first")
        if state.newer:
            raise SchemaError(
                f"{where} was written by a newer Shopfloor (schema {state.current}); "
                "update this program"
            )
        raise SchemaError(
            f"{where} has schema {state.current} but this Shopfloor needs {state.head}: "
            "run `shopfloor init` to upgrade it (a backup copy is made first)"
        )

    def upgrade(self) -> Path | None:
        """Create or upgrade the schema to head. An existing SQLite file is copied first;
        returns the backup path (None when nothing needed backing up)."""
        state = self.schema_state()
        if state.current is None and state.has_tables:
            raise ForeignDatabaseError(f"{self.describe()} is not a Shopfloor database")
        if state.newer:
            raise SchemaError(
                f"{self.describe()} was written by a newer Shopfloor (schema {state.current})"
            )
        if state.up_to_date:
            return None
        from alembic import command

        backup = None
        path = self.sqlite_path
        if path is not None and state.current is not None:
            backup = backup_sqlite(path, tag=state.current)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                create_private_file(path)
        if not self.is_sqlite:
            with self.engine.begin() as conn:
                command.upgrade(self.alembic_config(conn), "head")
            return backup
        with self.engine.connect() as conn:
            # SQLite changes a table by copying it; with foreign keys enforced, dropping the
            # old copy of a table others refer to fails. They are switched off for the
            # migration (outside its transaction, where SQLite honours it), proven intact
            # before it commits, and switched on again.
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys = OFF")
            try:
                with conn.begin():
                    command.upgrade(self.alembic_config(conn), "head")
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise SchemaError(
                            f"{self.describe()}: the upgrade would break {len(broken)} "
                            "reference(s); nothing was changed"
                        )
            finally:
                raw.execute("PRAGMA foreign_keys = ON")
        return backup

    def drop_schema(self) -> None:
        """Drop every table, and the functions of the append-only triggers, of a PostgreSQL
        database whose schema this program has just created (an `init --demo` that failed)."""
        if self.is_sqlite:
            raise SchemaError("a SQLite database is removed as a file, not dropped")
        with self.engine.begin() as conn:
            tables = inspect(conn).get_table_names()
            for table in tables:
                conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}" CASCADE')
            functions = conn.exec_driver_sql(
                "SELECT p.oid::regprocedure::text FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = current_schema() AND right(p.proname, 12) = '_append_only'"
            ).scalars()
            for function in list(functions):
                conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}")


def _looks_like_sqlite(path: Path) -> bool:
    if path.is_dir():
        return False
    with path.open("rb") as fh:
        return fh.read(16) == b"SQLite format 3\x00"


def backup_sqlite(path: Path, tag: str) -> Path:
    """A consistent copy of a live SQLite database (WAL included) beside the original."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{tag}.{stamp}.bak")
    copy_sqlite(path, target)
    return target


def create_private_file(path: Path) -> None:
    """An empty file that only its owner may read and write. SQLite gives the files it keeps
    beside a database (its write-ahead log, shared memory, rollback journal) the mode of the
    database file, so a database made in one keeps them private too."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    try:
        os.fchmod(fd, PRIVATE_MODE)  # whatever the umask left
    finally:
        os.close(fd)


def copy_sqlite(path: Path, target: Path, *, source_is_backup: bool = False) -> None:
    """Copy a live SQLite database (WAL included) with SQLite's online backup: consistent
    while others post. A new target is made private (`create_private_file`); an existing one
    (a database being restored) has its content replaced under SQLite's locks, so those who
    have it open see the new content. A backup file is read as immutable, so nothing is
    written beside it."""
    if not target.exists():
        create_private_file(target)
    timeout = SQLITE_BUSY_TIMEOUT_MS / 1000
    if source_is_backup:
        src = sqlite3.connect(f"{path.absolute().as_uri()}?immutable=1", uri=True)
    else:
        src = sqlite3.connect(path, timeout=timeout)
    try:
        dst = sqlite3.connect(target, timeout=timeout)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


_SIDE_FILES = ("-wal", "-shm", "-journal")


def remove_sqlite_file(path: Path) -> None:
    """Remove a SQLite file and the files SQLite keeps beside it (if they exist)."""
    for name in (path, *(path.with_name(path.name + s) for s in _SIDE_FILES)):
        name.unlink(missing_ok=True)


def replace_sqlite_file(made: Path, path: Path) -> None:
    """Move a finished SQLite database into place, whole: its write-ahead log is folded into
    the file first, and a log left beside the old file is removed so that SQLite never
    replays it into the new one. Nobody may have either file open."""
    for name in (made, path):
        if not name.exists():
            continue
        conn = sqlite3.connect(name)
        try:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.close()
        if busy:
            raise SchemaError(f"{name} is in use by another program; close it and try again")
    os.replace(made, path)
    for suffix in _SIDE_FILES:
        path.with_name(path.name + suffix).unlink(missing_ok=True)
        made.with_name(made.name + suffix).unlink(missing_ok=True)


# What the postings use of SQLite: RETURNING (3.35) and the JSON functions (built in since
# 3.38; a posting reads its items' first lots through json_each).
SQLITE_MINIMUM = (3, 35, 0)


def _require_sqlite_features(cur: Any) -> None:
    """Refuse in words a SQLite library too old for the postings, before anything posts."""
    have = sqlite3.sqlite_version
    if sqlite3.sqlite_version_info < SQLITE_MINIMUM:
        wanted = ".".join(map(str, SQLITE_MINIMUM))
        raise SchemaError(f"this Python's SQLite is {have}; Shopfloor needs {wanted} or newer")
    try:
        cur.execute("SELECT json_valid('[]')")
    except sqlite3.OperationalError:
        raise SchemaError(
            f"this Python's SQLite ({have}) has no JSON functions; Shopfloor needs them"
        ) from None


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (below); pysqlite's own transaction handling is off.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        try:
            _require_sqlite_features(cur)
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
