"""Backups: the backups kept beside a SQLite plant with their times, a backup now, and
Restore… of the one chosen; and the schedule of automatic backups while the window runs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.services import backups
from app.services.backups import BackupFile, BackupTaken, Restored
from app.services.engine.changes import Changes
from app.services.engine.uow import UnitOfWork
from app.views.common import format as fmt
from app.views.common.dialogs import ConfirmDialog
from app.views.common.page import Page
from app.views.common.runner import AppContext, run_job, run_op
from app.views.common.table_model import Column, RowTableModel
from app.views.common.widgets import DataTable, button, caption_label, hbox, title_label

CHECK_EVERY_MS = 15 * 60 * 1000  # how often the window looks whether a backup is due


def size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n / 1000:.0f} kB"


COLUMNS: list[Column[BackupFile]] = [
    Column("Taken", lambda r: fmt.when(r.taken_at), width=160),
    Column("Kind", lambda r: r.kind, width=160),
    Column("Size", lambda r: size(r.bytes), width=90),
    Column("File", lambda r: r.path, tooltip=lambda r: r.path),
]


def restore_backup(uow: UnitOfWork, file: str) -> Restored:
    """Put a backup in place of the window's database (as the signed-in user)."""
    return backups.restore(uow.database, file, uow)


class BackupsPage(Page):
    title = "Backups"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.backup_button = button("&Back up now", self.back_up, primary=True, name="backup_now")
        self.restore_button = button("&Restore…", self.restore, name="backup_restore")
        layout.addLayout(
            hbox(title_label("Backups"), None, self.backup_button, self.restore_button)
        )
        sqlite = ctx.database.sqlite_path is not None
        self.note = caption_label(
            "Automatic backups are taken while the window runs, every backup_every_hours "
            "(and on the first start of a day), keeping the newest backups_to_keep. Restoring "
            "keeps a copy of the database it replaces; everyone signs in again afterwards."
            if sqlite
            else "A PostgreSQL plant is backed up with `shopfloor backup --out FILE` (pg_dump) "
            "and restored with `shopfloor restore FILE`."
        )
        layout.addWidget(self.note)
        self.model = RowTableModel(COLUMNS, self)
        self.table = DataTable(self.model, settings_key="backups", stretch=3)
        self.table.setObjectName("backups_table")
        self.table.activated_row.connect(lambda _row: self.restore())
        layout.addWidget(self.table, 1)
        self.backup_button.setEnabled(sqlite)
        self.restore_button.setEnabled(sqlite)
        self.dialog: ConfirmDialog | None = None

    def refresh(self) -> None:
        run_op(self, backups.list_backups).success(self._show).run()

    def _show(self, found: list[BackupFile]) -> None:
        self.model.set_rows(found)
        self.table.select_first()

    def affected_by(self, changes: Changes) -> bool:
        return changes.action in ("db.backup", "db.restore")

    def selected(self) -> BackupFile | None:
        row = self.table.currentIndex().row()
        return self.model.row_at(row) if 0 <= row < len(self.model.rows) else None

    def back_up(self) -> None:
        run_op(self, backups.back_up).progress("Backing up…").done(
            lambda taken: f"Backed up to {taken.file}"
        ).success(lambda _taken: self.refresh()).run()

    def restore(self) -> None:
        chosen = self.selected()
        if chosen is None or not self.restore_button.isEnabled():
            self.ctx.show_message("pick the backup to restore first", "error")
            return
        self.dialog = ConfirmDialog(
            self.ctx,
            f"Restore the backup of {fmt.when(chosen.taken_at)}?",
            f"{self.ctx.database.describe()} becomes what it was then; a copy of it as it is "
            "now is kept beside it. Everyone signs in again afterwards.",
            restore_backup,
            chosen.path,
            name="restore_dialog",
            keep="Keep the database as it is",
            confirm="Restore",
            progress="Restoring…",
            done=lambda r: f"Restored the backup {Path(r.file).name}",
            parent=self,
        )
        self.dialog.accepted.connect(self._restored)
        self.dialog.open()

    def _restored(self) -> None:
        """What was on screen is gone, and so may be who works here: they sign in again to
        the restored database (at once, as admin, when it has no users)."""
        self.ctx.set_user(None)
        start = getattr(self.window(), "start_session", None)
        if callable(start):
            start()
        self.refresh()


class BackupSchedule(QObject):
    """The window's automatic backups of a SQLite plant: one at start when due (the first
    start of a day), then a look every quarter of an hour whether another is due."""

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(lambda: self.check())
        self.taken: list[BackupTaken] = []

    def start(self) -> None:
        if self.ctx.database.sqlite_path is None:
            return
        self.check(starting=True)
        self.timer.start()

    def check(self, *, starting: bool = False, now: datetime | None = None) -> None:
        """Take a backup in the background if one is due."""
        run_job(
            None, backups.automatic_backup, self.ctx.database, now=now, starting=starting
        ).success(self._taken).run()

    def _taken(self, taken: BackupTaken | None) -> None:
        if taken is not None:
            self.taken.append(taken)
