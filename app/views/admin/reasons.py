"""Reason codes: the plant's list of why stock is scrapped and why goods come back or go
back, by kind; add one, retire one (postings that named it keep it) or bring it back."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from app.services import reasons
from app.services.engine import changes as kinds
from app.services.engine.changes import Changes
from app.services.reasons import ReasonCodeInfo
from app.views.common import format as fmt
from app.views.common.dialogs import PostingDialog
from app.views.common.page import Page
from app.views.common.runner import AppContext, run_op
from app.views.common.status import Chip
from app.views.common.table_model import Column, RowTableModel
from app.views.common.widgets import (
    DataTable,
    button,
    caption_label,
    choice_box,
    hbox,
    title_label,
)

RETIRED = Chip("#F1F1F1", "#6E6E6E")

COLUMNS: list[Column[ReasonCodeInfo]] = [
    Column("Kind", lambda r: r.kind, width=100),
    Column("Code", lambda r: r.code, width=160),
    Column("Description", lambda r: r.description, width=320),
    Column("State", lambda r: "in use" if r.active else "retired", width=100),
    Column("Added", lambda r: f"{fmt.when(r.created_at)} by {r.created_by}"),
]


class ReasonCodesPage(Page):
    title = "Reason codes"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.kind = choice_box(
            "reason_kind_filter", [(None, "Every kind"), *reasons.reason_code_kinds()]
        )
        self.kind.currentIndexChanged.connect(lambda _i: self.refresh())
        self.add_button = button(
            "&Add reason…", self.add, primary=True, name="reason_add", shortcut="Ctrl+N"
        )
        self.active_button = button("&Retire", self.toggle_active, name="reason_active")
        layout.addLayout(
            hbox(title_label("Reason codes"), self.kind, None, self.add_button, self.active_button)
        )
        layout.addWidget(
            caption_label(
                "Scraps and returns name one of these. A retired reason is no longer offered; "
                "what was posted with it keeps it."
            )
        )
        self.model = RowTableModel(COLUMNS, self, row_style=lambda r: None if r.active else RETIRED)
        self.table = DataTable(self.model, settings_key="reason_codes", stretch=2)
        self.table.setObjectName("reason_table")
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._enable())
        layout.addWidget(self.table, 1)
        self.dialog: PostingDialog | None = None

    def refresh(self) -> None:
        run_op(self, reasons.list_reason_codes, self.kind.currentData()).success(self._show).run()

    def _show(self, rows: list[ReasonCodeInfo]) -> None:
        current = self.selected()
        self.model.set_rows(rows)
        at = self.model.find(
            lambda r: current is not None and (r.kind, r.code) == (current.kind, current.code)
        )
        self.table.selectRow(at if at >= 0 else 0)
        self._enable()

    def affected_by(self, changes: Changes) -> bool:
        return changes.touches(kinds.REASON_CODE)

    def selected(self) -> ReasonCodeInfo | None:
        row = self.table.current_row()
        return row if isinstance(row, ReasonCodeInfo) else None

    def user_changed(self) -> None:
        self._enable()

    def _enable(self) -> None:
        reason = self.selected()
        self.add_button.setEnabled(self.ctx.may("reason.add"))
        self.active_button.setEnabled(self.ctx.may("reason.update") and reason is not None)
        self.active_button.setText(
            "&Bring back" if reason is not None and not reason.active else "&Retire"
        )

    def add(self) -> None:
        self.dialog = ReasonDialog(self.ctx, self.kind.currentData(), self)
        self.dialog.open()

    def toggle_active(self) -> None:
        r = self.selected()
        if r is None:
            return
        run_op(self, reasons.set_reason_code_active, r.code, r.kind, not r.active).done(
            lambda i: f"{i.kind} reason {i.code} {'is in use again' if i.active else 'retired'}"
        ).run()


class ReasonDialog(PostingDialog):
    """A new reason: its kind, its code (kept in capitals) and what it means."""

    def __init__(self, ctx: AppContext, kind: str | None, parent: QWidget | None = None):
        super().__init__(ctx, "Add a reason code", parent)
        self.setObjectName("reason_dialog")
        form = QFormLayout()
        self.kind = QComboBox()
        self.kind.setObjectName("reason_kind")
        for key, words in reasons.reason_code_kinds():
            self.kind.addItem(f"{key}: {words}", key)
        self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))
        self.code = QLineEdit()
        self.code.setObjectName("reason_code")
        self.code.setPlaceholderText("DAMAGED")
        self.description = QLineEdit()
        self.description.setObjectName("reason_description")
        self.description.setPlaceholderText("what it means, for whoever picks it")
        form.addRow("&Kind", self.kind)
        form.addRow("&Code", self.code)
        form.addRow("&Description", self.description)
        self.body.addLayout(form)
        self.finish_layout("&Add")

    def submit(self) -> None:
        self.post(
            reasons.add_reason_code,
            self.code.text(),
            str(self.kind.currentData()),
            self.description.text(),
            progress="Adding…",
            done=lambda r: f"Added {r.kind} reason {r.code}",
        )
