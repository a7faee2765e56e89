"""Backups and restore: a consistent copy of the whole plant while others post, automatic
rotating backups of a SQLite plant, and putting a backup back.

A SQLite plant is copied with SQLite's online backup (one read transaction: whatever commits
meanwhile is in the next backup, never half in this one); a PostgreSQL plant with `pg_dump`
in its custom format (one snapshot). Backups, like the database, are readable by their owner
only. Automatic backups of a SQLite plant go into `<file>.backups/` beside it, named by the
time they were taken (UTC), and only the newest `backups_to_keep` are kept.

Restoring refuses a file that is not a Shopfloor database or that a newer Shopfloor wrote,
keeps a copy of the database it replaces, and writes the backup into the database in place
(under SQLite's locks), so nothing is ever half restored.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.errors import ForeignDatabaseError, SchemaError, ShopfloorError, ValidationError
from app.models import utcnow
from app.services.engine.database import (
    SCHEMA_REVISIONS,
    Database,
    NameCache,
    backup_sqlite,
    copy_sqlite,
    create_private_file,
)
from app.services.engine.permissions import Permission
from app.services.engine.uow import Transaction, UnitOfWork, posting, query

SQLITE_HEADER = b"SQLite format 3\x00"
PG_ARCHIVE_HEADER = b"PGDMP"
STAMP = "%Y%m%d-%H%M%S"
_AUTOMATIC = re.compile(r"(\d{8}-\d{6})Z(?:-\d+)?\.db")
_BESIDE = re.compile(r"\.(before-restore|\d{4})\.(\d{8}-\d{6})\.bak")
DAY = timedelta(days=1)


@dataclass(frozen=True)
class BackupFile:
    """One backup: where it is, when it was taken, how big it is and what made it
    ("automatic", "upgrade" for the copy an upgrade keeps, "before restore")."""

    path: str
    taken_at: datetime
    bytes: int
    kind: str


@dataclass(frozen=True)
class BackupTaken:
    file: str
    bytes: int
    schema: str
    taken_at: datetime
    removed: list[str] = field(default_factory=list)  # older automatic backups rotated out


@dataclass(frozen=True)
class Restored:
    database: str
    file: str
    schema: str
    replaced_copy: str | None  # the copy of what the restore replaced (None: nothing was there)


# --- where backups go ---------------------------------------------------------------------


def backup_folder(database: Database) -> Path:
    """The folder of a SQLite plant's automatic backups: `<file>.backups` beside it."""
    path = database.sqlite_path
    if path is None:
        raise ValidationError(
            f"{database.describe()} is not a SQLite file: back it up with --out FILE "
            "(pg_dump's custom format)"
        )
    return path.with_name(f"{path.name}.backups")


def _new_private_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def _automatic_target(folder: Path, at: datetime) -> Path:
    """A new file in the folder named by the time (UTC); a second one in the same second gets
    a number."""
    stamp = at.astimezone(UTC).strftime(STAMP)
    target = folder / f"{stamp}Z.db"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{stamp}Z-{n}.db"
    return target


def _taken_at(stamp: str) -> datetime:
    return datetime.strptime(stamp, STAMP).replace(tzinfo=UTC)


def automatic_backups(database: Database) -> list[BackupFile]:
    """The automatic backups of a SQLite plant, newest first."""
    folder = backup_folder(database)
    if not folder.is_dir():
        return []
    found = []
    for p in folder.iterdir():
        m = _AUTOMATIC.fullmatch(p.name)
        if m and p.is_file():
            found.append(BackupFile(str(p), _taken_at(m[1]), p.stat().st_size, "automatic"))
    return sorted(found, key=lambda b: (b.taken_at, b.path), reverse=True)


def _copies_beside(database: Database) -> list[BackupFile]:
    """The copies an upgrade or a restore kept beside a SQLite plant (`<file>.0008.<time>.bak`,
    `<file>.before-restore.<time>.bak`); their times are local, as written."""
    path = database.sqlite_path
    if path is None or not path.parent.is_dir():
        return []
    found = []
    for p in path.parent.iterdir():
        if not p.name.startswith(path.name + "."):
            continue
        m = _BESIDE.fullmatch(p.name[len(path.name) :])
        if m and p.is_file():
            taken = datetime.strptime(m[2], STAMP).astimezone(UTC)
            kind = "before restore" if m[1] == "before-restore" else f"upgrade from {m[1]}"
            found.append(BackupFile(str(p), taken, p.stat().st_size, kind))
    return found


@query(Permission.BACKUP)
def list_backups(tx: Transaction) -> list[BackupFile]:
    """Every backup of a SQLite plant this program keeps beside it: the automatic ones and
    the copies upgrades and restores kept, newest first."""
    database = tx.uow.database
    if database.sqlite_path is None:
        return []
    every = automatic_backups(database) + _copies_beside(database)
    return sorted(every, key=lambda b: (b.taken_at, b.path), reverse=True)


# --- taking a backup ----------------------------------------------------------------------


def _copy(database: Database, target: Path) -> None:
    """A consistent copy of the whole database into `target`, a file that does not exist
    yet, readable by its owner only; nothing is left behind when it fails."""
    try:
        if database.sqlite_path is not None:
            copy_sqlite(database.sqlite_path, target)
        else:
            _pg_dump(database, target)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _rotate(database: Database, keep: int) -> list[str]:
    """Remove the oldest automatic backups beyond the newest `keep` (0: keep every one)."""
    if keep <= 0:
        return []
    removed = []
    for old in automatic_backups(database)[keep:]:
        Path(old.path).unlink(missing_ok=True)
        removed.append(old.path)
    return removed


def _fresh_target(out: str | Path) -> Path:
    target = Path(out).expanduser()
    if target.exists() or target.is_symlink():
        raise ValidationError(f"{target} exists already; back up into a new file")
    if not target.parent.is_dir():
        raise ValidationError(f"{target.parent} is not a folder")
    return target


@posting("db.backup", Permission.BACKUP)
def back_up(tx: Transaction, out: str | Path | None = None) -> BackupTaken:
    """A backup of the whole database into the new file `out`, or (a SQLite plant) among its
    automatic backups, which then rotate. Audited as a posting of its own; the backup holds
    everything committed before it."""
    database = tx.uow.database
    at = utcnow()
    removed: list[str] = []
    if out is None:
        folder = backup_folder(database)
        _new_private_folder(folder)
        target = _automatic_target(folder, at)
    else:
        target = _fresh_target(out)
    _copy(database, target)
    if out is None:
        removed = _rotate(database, tx.prefs.backups_to_keep)
    schema = backup_schema(target)
    tx.set_document(target.name)
    tx.note(file=str(target), bytes=target.stat().st_size, schema=schema, removed=len(removed))
    return BackupTaken(str(target), target.stat().st_size, schema, at, removed)


def automatic_backup(
    database: Database, *, now: datetime | None = None, starting: bool = False
) -> BackupTaken | None:
    """The window's automatic backup of a SQLite plant, when one is due: the newest automatic
    backup is `backup_every_hours` old (at the first start of a day, once it is a day old if
    that comes sooner). None when none is due, automatic backups are off (0 hours) or the
    plant is not a SQLite file. The program makes it, not a user: it is not audited."""
    if database.sqlite_path is None:
        return None
    prefs = UnitOfWork(database).read(lambda tx: tx.prefs)
    if prefs.backup_every_hours <= 0:
        return None
    at = now or utcnow()
    every = timedelta(hours=prefs.backup_every_hours)
    if starting:
        every = min(every, DAY)
    newest = automatic_backups(database)
    if newest and at - newest[0].taken_at < every:
        return None
    folder = backup_folder(database)
    _new_private_folder(folder)
    target = _automatic_target(folder, at)
    _copy(database, target)
    removed = _rotate(database, prefs.backups_to_keep)
    return BackupTaken(str(target), target.stat().st_size, backup_schema(target), at, removed)


# --- what a backup file is ----------------------------------------------------------------


def _header(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(16)
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from None


def backup_schema(path: Path) -> str:
    """The schema revision of a backup (a SQLite file or a pg_dump archive); refuses a file
    that is not a Shopfloor database, or one a newer Shopfloor wrote."""
    if not path.is_file():
        raise ValidationError(f"{path} is not a file")
    head = _header(path)
    if head.startswith(SQLITE_HEADER):
        revision = _sqlite_revision(path)
    elif head.startswith(PG_ARCHIVE_HEADER):
        revision = _archive_revision(path)
    else:
        raise ForeignDatabaseError(f"{path} is not a Shopfloor backup")
    if revision not in SCHEMA_REVISIONS:
        raise SchemaError(
            f"{path} was written by a newer Shopfloor (schema {revision}); update this program "
            "to restore it"
        )
    return revision


def _sqlite_revision(path: Path) -> str:
    """The schema revision of a SQLite backup, read as immutable (nothing is written beside
    it), so a write-ahead log beside it, which that read would not see, is refused."""
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise ValidationError(
            f"{path} has a write-ahead log beside it that is not folded in; close what has it "
            "open, or open it once with sqlite3"
        )
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?immutable=1", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        row = None
    if row is None:
        raise ForeignDatabaseError(f"{path} is not a Shopfloor database")
    return str(row["version_num"])


# --- restoring ----------------------------------------------------------------------------


@query(Permission.BACKUP)
def _may_restore(tx: Transaction) -> None:
    """Restoring replaces everything: only those who may back up and restore."""


def restore(database: Database, file: str | Path, uow: UnitOfWork) -> Restored:
    """Put the backup `file` in place of the database. Refused, with nothing changed, when the
    file is not a Shopfloor backup, comes from a newer Shopfloor or from the other kind of
    database, or when the database in place cannot be told to be a Shopfloor plant of this
    version. Once users are registered there, `uow`'s user must be one who may restore (the
    caller has signed them in). A copy of what is replaced is kept (a SQLite plant: beside
    it; PostgreSQL: beside the file restored), and the restore is an audit event of the
    restored database."""
    source = Path(file).expanduser()
    schema = backup_schema(source)
    is_sqlite_file = _header(source).startswith(SQLITE_HEADER)
    if is_sqlite_file != database.is_sqlite:
        kind = "a SQLite file" if is_sqlite_file else "a PostgreSQL archive"
        raise ValidationError(
            f"{source} is {kind}; {database.describe()} is "
            f"{'a SQLite file' if database.is_sqlite else 'on PostgreSQL'}"
        )
    state = database.schema_state()
    if state.current is None and state.has_tables:
        raise ForeignDatabaseError(
            f"{database.describe()} is not a Shopfloor database; nothing is restored over it"
        )
    if state.current is not None and not state.up_to_date:
        raise SchemaError(
            f"{database.describe()} has schema {state.current}, not this Shopfloor's "
            f"{state.head}: upgrade it with `shopfloor init` first, or restore into a new file"
        )
    if state.current is not None:
        _may_restore(uow)
    if database.sqlite_path is not None:
        copy = _restore_sqlite(database, source, database.sqlite_path, state.current is not None)
    else:
        copy = _restore_postgresql(database, source, schema, state.current is not None)
    database.dispose()
    database.names = NameCache()  # ids may name other records now
    result = Restored(database.describe(), str(source), schema, str(copy) if copy else None)
    if schema == database.head_revision():
        _record_restore(uow, result)
    return result


def _restore_sqlite(database: Database, source: Path, path: Path, existing: bool) -> Path | None:
    copy = backup_sqlite(path, tag="before-restore") if existing else None
    database.dispose()
    path.parent.mkdir(parents=True, exist_ok=True)
    copy_sqlite(source, path, source_is_backup=True)
    return copy


def _record_restore(uow: UnitOfWork, done: Restored) -> None:
    def body(tx: Transaction) -> None:
        tx.set_document(Path(done.file).name)
        tx.note(file=done.file, schema=done.schema, replaced_copy=done.replaced_copy)

    uow.post("db.restore", body)


# --- PostgreSQL: pg_dump and pg_restore ---------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ShopfloorError(f"{name} is not installed here; install postgresql-client")
    return found


def _pg_connection(database: Database) -> tuple[list[str], dict[str, str]]:
    """The connection options of PostgreSQL's tools for the database, and their environment
    (the password goes there, never on a command line)."""
    url = database.url
    args = ["--dbname", url.database or ""]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run_pg(argv: Sequence[str], env: dict[str, str], what: str) -> str:
    """Run one of PostgreSQL's tools; what it printed, or its last words as a refusal."""
    proc = subprocess.run(list(argv), env=env, capture_output=True, check=False)
    if proc.returncode != 0:
        said = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ShopfloorError(f"{what} failed: {said[-1] if said else f'exit {proc.returncode}'}")
    return proc.stdout.decode("utf-8", "replace")


def _pg_dump(database: Database, target: Path) -> None:
    """pg_dump's custom format (one consistent snapshot) into a new private file."""
    args, env = _pg_connection(database)
    create_private_file(target)
    with target.open("wb") as out:
        proc = subprocess.run(
            [_pg_tool("pg_dump"), "--format=custom", "--no-owner", *args],
            env=env,
            stdout=out,
            stderr=subprocess.PIPE,
            check=False,
        )
    if proc.returncode != 0:
        said = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ShopfloorError(f"pg_dump failed: {said[-1] if said else proc.returncode}")


def _archive_revision(path: Path) -> str:
    """The schema revision in a pg_dump archive: its alembic_version row."""
    text = _run_pg(
        [
            _pg_tool("pg_restore"),
            "--data-only",
            "--table=alembic_version",
            "--file=-",
            str(path),
        ],
        dict(os.environ),
        f"reading {path}",
    )
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and n + 1 < len(lines):
            value = lines[n + 1].strip()
            if value and value != "\\.":
                return value
    raise ForeignDatabaseError(f"{path} is not a Shopfloor backup")


def _restore_postgresql(
    database: Database, source: Path, schema: str, existing: bool
) -> Path | None:
    """pg_restore in one transaction. Over a plant, only a backup of its own schema (the
    archive replaces each of its tables); an older one goes into a new, empty database and
    is upgraded there."""
    copy = None
    if existing:
        if schema != database.head_revision():
            raise SchemaError(
                f"{source} has schema {schema}; restore it into a new, empty PostgreSQL "
                "database and upgrade that with `shopfloor init`"
            )
        stamp = datetime.now().strftime(STAMP)
        copy = source.with_name(f"{database.url.database}.before-restore.{stamp}.dump")
        _copy(database, copy)
    args, env = _pg_connection(database)
    database.dispose()
    _run_pg(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(source),
        ],
        env,
        f"restoring {source}",
    )
    return copy
