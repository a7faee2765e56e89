"""The audit trail: every posting, sign-in, refused sign-in and lockout, newest first, read a
page at a time; searched anywhere, or by user and action; exported as CSV."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFileDialog, QWidget

from app.services import audit
from app.services.audit import AuditEntry
from app.services.engine.changes import Changes
from app.services.engine.paging import PageRequest
from app.services.engine.uow import UnitOfWork
from app.views.common import format as fmt
from app.views.common.page import ListPage
from app.views.common.runner import AppContext, run_op
from app.views.common.status import LATE, Chip
from app.views.common.table_model import Column, PagedTableModel
from app.views.common.widgets import (
    DataTable,
    button,
    hbox,
    page_layout,
    search_box,
    shortcut,
    title_label,
)

COLUMNS: list[Column[AuditEntry]] = [
    Column("When", lambda r: fmt.when(r.at), sort="at", width=150),
    Column("User", lambda r: r.username, sort="user", width=110),
    Column("Role", lambda r: r.role or "", width=95),
    Column("Workstation", lambda r: r.workstation, width=120),
    Column("Action", lambda r: r.action_words, sort="action", width=140),
    Column("Document", lambda r: r.document or "", sort="document", width=120),
    Column("What", lambda r: r.what, tooltip=lambda r: r.what, width=260),
    Column("Stock before → after", lambda r: r.quantities, tooltip=lambda r: r.quantities),
]


def row_style(entry: AuditEntry) -> Chip | None:
    """Refused sign-ins and lockouts stand out."""
    return LATE if entry.action == "auth.refused" else None


def export_trail(uow: UnitOfWork, path: str, filters: dict[str, Any]) -> int:
    """Every event the filters match, as CSV at `path`."""
    found = audit.list_audit(uow, **filters, page=PageRequest(limit=None, descending=True))
    return audit.export_csv(found.rows, path)


class AuditPage(ListPage):
    title = "Audit trail"
    noun = "event"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = page_layout(self)
        self.export_button = button("&Export CSV…", self.export, name="audit_export")
        layout.addLayout(hbox(title_label("Audit trail"), self.count, None, self.export_button))
        self.text = search_box(
            "audit_filter_text", "Search user, action, document, what (Ctrl+F)", 340
        )
        self.user = search_box("audit_filter_user", "User", 140)
        self.action = search_box("audit_filter_action", "Action (wo, so.approve, auth)", 220)
        layout.addLayout(hbox(self.text, self.user, self.action, None))
        self.model = PagedTableModel(
            COLUMNS,
            self.fetch,
            self,
            sort="at",
            descending=True,
            row_style=row_style,
            context=ctx,
            autoload=False,
        )
        self.model.loaded.connect(self._loaded)
        self.table = DataTable(self.model, settings_key="audit", stretch=len(COLUMNS) - 1)
        self.table.setObjectName("audit_table")
        layout.addWidget(self.table, 1)
        self.watch(self.text, self.user, self.action)
        shortcut(self, "Ctrl+F", self.text.setFocus)
        self.export_path_asked: str | None = None

    def current_filters(self) -> dict[str, Any]:
        return {
            "text": self.text.text().strip() or None,
            "user": self.user.text().strip() or None,
            "action": self.action.text().strip() or None,
        }

    def fetch(self, uow: UnitOfWork, page: PageRequest) -> Any:
        return audit.list_audit(uow, **self.filters, page=page)

    def affected_by(self, changes: Changes) -> bool:
        return True  # every posting is an event of the trail

    def choose_export_path(self) -> str:
        """Where to write the CSV (the save dialog; tests answer it themselves)."""
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export the audit trail", "audit-trail.csv", "CSV files (*.csv)"
        )
        return path

    def export(self) -> None:
        path = self.choose_export_path()
        if not path:
            return
        if not path.lower().endswith(".csv"):
            path += ".csv"
        self.export_path_asked = path
        run_op(self, export_trail, path, self.current_filters()).progress("Exporting…").done(
            lambda n: f"Exported {n} event{'s' if n != 1 else ''} of the audit trail to {path}"
        ).run()
