"""Import items, BOMs or stock from CSV or Excel: every row and its error are shown before
anything is written; Import is possible only when every row is fine."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.services.catalog import imports
from app.services.catalog.imports import ImportPreview, ImportResult, PreviewRow
from app.views.common.page import Page
from app.views.common.runner import AppContext, run_op
from app.views.common.status import LATE, MESSAGE_COLOURS, OK, chip_style, font
from app.views.common.table_model import Column, RowTableModel
from app.views.common.widgets import DataTable, button, caption_label, hbox, title_label

KINDS = {
    "items": "Items: sku, name, type, uom, cost, build_point, preferred_stock, drop_ship",
    "boms": "BOM lines: assembly, component, quantity, backflush (a new active revision each)",
    "stock": "Stock: sku, location, quantity, unit_cost (posted as adjustments)",
}


def cell(name: str, row: PreviewRow) -> str:
    return row.values.get(name, "")


class ImportPage(Page):
    title = "Import"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.preview: ImportPreview | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(hbox(title_label("Import from CSV or Excel"), None))
        self.kind = QComboBox()
        self.kind.setObjectName("import_kind")
        for key, text in KINDS.items():
            self.kind.addItem(text, key)
        self.kind.setMinimumWidth(560)
        self.path = QLineEdit()
        self.path.setObjectName("import_path")
        self.path.setPlaceholderText("a .csv or .xlsx file")
        self.path.returnPressed.connect(self.check)
        browse = button("&Choose file…", self.browse)
        self.check_button = button(
            "&Check file", self.check, name="import_check", shortcut="Ctrl+Return"
        )
        layout.addLayout(hbox(self.kind, None))
        layout.addLayout(hbox(self.path, browse, self.check_button))
        self.verdict = QLabel()
        self.verdict.setObjectName("import_verdict")
        self.verdict.setWordWrap(True)
        self.verdict.setFont(font(13, bold=True))
        self.verdict.hide()
        layout.addWidget(self.verdict)
        self.model = RowTableModel([], self, row_style=lambda r: LATE if r.error else None)
        self.table = DataTable(self.model)
        self.table.setObjectName("import_rows")
        layout.addWidget(self.table, 1)
        self.import_button = button("&Import", self.run_import, primary=True, name="import_run")
        self.import_button.setEnabled(False)
        layout.addLayout(
            hbox(
                caption_label(
                    "Nothing is written until Import; one bad row imports nothing.", wrap=False
                ),
                None,
                self.import_button,
            )
        )
        self.kind.currentIndexChanged.connect(lambda _i: self._clear())

    def browse(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, "Choose a file", "", "Spreadsheets (*.csv *.xlsx *.xlsm)"
        )
        if name:
            self.path.setText(name)
            self.check()

    def _clear(self) -> None:
        self.preview = None
        self.import_button.setEnabled(False)
        self.verdict.hide()
        self.model.set_rows([])

    def check(self) -> None:
        path = self.path.text().strip()
        if not path:
            return
        self._clear()
        run_op(self, imports.preview_import, self.kind.currentData(), path).progress(
            "Checking every row…"
        ).success(self.show_preview).run()

    def show_preview(self, preview: ImportPreview) -> None:
        self.preview = preview
        columns: list[Column[PreviewRow]] = [Column("Row", lambda r: r.row, width=60)]
        for name in preview.columns:
            columns.append(Column(name, partial(cell, name), width=130))
        columns.append(Column("Problem", lambda r: r.error or "ok"))
        self.model.columns = columns
        self.model.set_rows(preview.rows)
        self.table.horizontalHeader().setStretchLastSection(True)
        for n, col in enumerate(columns):
            if col.width:
                self.table.setColumnWidth(n, col.width)
        if preview.file_error:
            text, tone = (
                f"{preview.source} cannot be imported: {preview.file_error}",
                MESSAGE_COLOURS["error"],
            )
        elif preview.ok:
            text, tone = (
                f"All {len(preview.rows)} rows of {preview.source} are fine: ready to import",
                OK,
            )
        else:
            text = (
                f"{preview.bad_rows} of {len(preview.rows)} rows of {preview.source} would be "
                "refused (red); fix the file and check again"
            )
            tone = MESSAGE_COLOURS["error"]
        self.verdict.setText(text)
        self.verdict.setStyleSheet(chip_style(tone, padding="8px 12px"))
        self.verdict.show()
        self.import_button.setEnabled(
            preview.ok and self.ctx.may(f"import.{self.kind.currentData()}")
        )

    def run_import(self) -> None:
        if self.preview is None or not self.preview.ok:
            return
        kind = self.kind.currentData()
        fn: Any = {
            "items": imports.import_items,
            "boms": imports.import_boms,
            "stock": imports.import_stock,
        }[kind]
        self.import_button.setEnabled(False)
        run_op(self, fn, self.path.text().strip()).progress("Importing…").done(
            self._done_text
        ).success(lambda _r: self._clear()).run()

    @staticmethod
    def _done_text(result: ImportResult) -> str:
        extra = (
            f", {result.created} created, {result.updated} updated"
            if result.kind == "items"
            else ""
        )
        return f"Imported {result.rows} rows of {result.source} ({result.kind}{extra})"
