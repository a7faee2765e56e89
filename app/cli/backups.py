"""Backups and restore: `shopfloor backup [--out FILE | --list]` and `shopfloor restore FILE`."""

from __future__ import annotations

from pathlib import Path

from app.cli import credentials
from app.cli.base import Commands, Context, Result, file_path
from app.cli.output import table
from app.services import backups


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n / 1000:.0f} kB"


def cmd_backup(ctx: Context) -> Result:
    a = ctx.args
    if a.list:
        found = backups.list_backups(ctx.uow)
        rows = [
            (b.taken_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), b.kind, _size(b.bytes), b.path)
            for b in found
        ]
        return {"backups": found}, table(["taken", "kind", "size", "file"], rows)
    taken = backups.back_up(ctx.uow, a.out)
    text = f"backed up {ctx.database.describe()} (schema {taken.schema}) to {taken.file}"
    if taken.removed:
        text += f"; {len(taken.removed)} older automatic backup(s) removed"
    return taken, text


def cmd_restore(ctx: Context) -> Result:
    source = Path(ctx.args.file).expanduser()
    backups.backup_schema(source)  # a foreign or newer file is refused before anyone signs in
    uow = ctx.uow
    if ctx.database.schema_state().up_to_date:
        uow = credentials.signed_in(uow)
    done = backups.restore(ctx.database, source, uow)
    text = f"restored {done.database} from {done.file} (schema {done.schema})"
    if done.replaced_copy:
        text += f"; what it replaced is kept in {done.replaced_copy}"
    if done.schema != ctx.database.head_revision():
        text += "; run `shopfloor init` to upgrade it"
    return done, text


def register(cmd: Commands) -> None:
    sp = cmd.add(
        "backup",
        cmd_backup,
        "a consistent copy of the whole database, taken while others post",
    )
    what = sp.add_mutually_exclusive_group()
    what.add_argument(
        "--out",
        metavar="FILE",
        type=file_path,
        help="a new file (PostgreSQL: pg_dump's custom format); without it, a SQLite plant's "
        "backups folder, which rotates",
    )
    what.add_argument("--list", action="store_true", help="the backups kept beside the plant")
    sp = cmd.add(
        "restore",
        cmd_restore,
        "put a backup in place of the database (a copy of what it replaces is kept)",
    )
    sp.add_argument("file", type=file_path, help="a backup made by `shopfloor backup`")
    sp.set_defaults(needs_schema=False)
