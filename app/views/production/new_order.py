"""A new work order: the assembly by type-ahead, quantity, due date, priority and status;
the BOM explosion and the shortage check are shown before anything is saved."""

from __future__ import annotations

from PySide6.QtCore import QSize, QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import ShopfloorError
from app.services.production import planning, screens, work_orders
from app.services.production.planning import PreviewLine, ShortagePreview
from app.services.production.screens import NewWorkOrderChoices
from app.services.production.work_orders import WorkOrderInfo, work_order_statuses
from app.views.common import format as fmt
from app.views.common.geometry import size_dialog
from app.views.common.runner import AppContext, run_op
from app.views.common.status import MESSAGE_COLOURS, OK, SHORT, chip_style, font
from app.views.common.table_model import Column, RowTableModel, qty_column
from app.views.common.widgets import DataTable, button, caption_label, hbox, title_label

NEW_STATUSES = ("firm_planned", "open_planned", "released")
PREVIEW_COLUMNS: list[Column[PreviewLine]] = [
    Column("Component", lambda r: r.sku, width=150),
    Column("Name", lambda r: r.name, width=190),
    qty_column("Per", lambda r: r.quantity_per, width=60),
    qty_column("Required", lambda r: r.required, width=115),
    qty_column("Available", lambda r: r.available, width=115),
    qty_column("Short", lambda r: r.short if r.short else None, width=90),
]


class NewWorkOrderDialog(QDialog):
    created = Signal(object)  # WorkOrderInfo

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("new_work_order_dialog")
        self.setWindowTitle("New work order")
        self.setModal(True)
        size_dialog(self, QSize(1340, 840))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 20)
        outer.setSpacing(12)
        outer.addWidget(title_label("New work order"))
        columns = QHBoxLayout()
        columns.setSpacing(24)
        outer.addLayout(columns, 1)

        form = QFormLayout()
        form.setVerticalSpacing(10)
        self.item = QLineEdit()
        self.item.setObjectName("new_item")
        self.item.setPlaceholderText("type the assembly's sku")
        self.skus = QStringListModel(self)
        completer = QCompleter(self.skus, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.item.setCompleter(completer)
        self.quantity = QLineEdit()
        self.quantity.setObjectName("new_quantity")
        self.quantity.setPlaceholderText("how many to build")
        self.due = QLineEdit()
        self.due.setObjectName("new_due")
        self.due.setPlaceholderText("YYYY-MM-DD (optional)")
        self.priority = QLineEdit()
        self.priority.setObjectName("new_priority")
        self.priority.setPlaceholderText("1 most urgent … 999 (default 5)")
        self.status = QComboBox()
        self.status.setObjectName("new_status")
        self.status.addItem("The default (preference)", None)
        for key, label in work_order_statuses():
            if key in NEW_STATUSES:
                self.status.addItem(label, key)
        self.location = QComboBox()
        self.location.setObjectName("new_location")
        self.memo = QLineEdit()
        self.memo.setObjectName("new_memo")
        self.memo.setPlaceholderText("optional: customer order, reason")
        form.addRow("&Assembly", self.item)
        form.addRow("&Quantity", self.quantity)
        form.addRow("&Due", self.due)
        form.addRow("&Priority", self.priority)
        form.addRow("&Status", self.status)
        form.addRow("&Location", self.location)
        form.addRow("&Memo", self.memo)
        left = QWidget()
        left.setFixedWidth(420)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(form)
        self.verdict = QLabel()
        self.verdict.setObjectName("new_verdict")
        self.verdict.setWordWrap(True)
        self.verdict.setFont(font(13, bold=True))
        self.verdict.hide()
        left_layout.addWidget(self.verdict)
        left_layout.addStretch(1)
        columns.addWidget(left)

        right = QVBoxLayout()
        right.addWidget(title_label("Components and shortage check", 14))
        self.lines = RowTableModel(
            PREVIEW_COLUMNS, self, row_style=lambda r: SHORT if r.short > 0 else None
        )
        self.lines_table = DataTable(self.lines, settings_key="new_wo_lines", stretch=1)
        self.lines_table.setObjectName("new_preview_lines")
        right.addWidget(self.lines_table, 3)
        right.addWidget(title_label("BOM explosion, every level", 14))
        self.tree = QTreeWidget()
        self.tree.setObjectName("new_explosion")
        self.tree.setHeaderLabels(["Component", "Name", "Per", "Quantity", "Unit"])
        self.tree.setColumnWidth(0, 240)
        self.tree.setColumnWidth(1, 230)
        self.tree.setAlternatingRowColors(True)
        self.tree.setStyleSheet("QTreeView::item { height: 30px; }")
        right.addWidget(self.tree, 2)
        self.hint = caption_label("Type an assembly and a quantity to see what it needs.")
        right.addWidget(self.hint)
        columns.addLayout(right, 1)

        self.error = QLabel()
        self.error.setObjectName("new_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(chip_style(MESSAGE_COLOURS["error"], padding="8px 12px"))
        self.error.hide()
        outer.addWidget(self.error)
        self.save = button(
            "&Create work order", self.submit, primary=True, name="new_save", shortcut="Ctrl+Return"
        )
        outer.addLayout(hbox(None, button("Cancel", self.reject), self.save))

        self.preview: ShortagePreview | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.check)
        for edit in (self.item, self.quantity):
            edit.textEdited.connect(lambda _t: self._timer.start())
            edit.editingFinished.connect(self.check)
        self.location.currentIndexChanged.connect(lambda _i: self._timer.start())
        self._asked: tuple[str, str, str] | None = None
        run_op(self, screens.new_work_order_choices).success(self._fill).run()

    def _fill(self, found: NewWorkOrderChoices) -> None:
        self.skus.setStringList(found.assemblies)
        self.location.clear()
        for code in found.locations:
            self.location.addItem(code, code)

    def wanted(self) -> tuple[str, str, str]:
        return (
            self.item.text().strip(),
            self.quantity.text().strip(),
            self.location.currentData() or "",
        )

    def check(self) -> None:
        """Ask the service what this order would need and lack (nothing is saved)."""
        self._timer.stop()
        sku, qty, loc = self.wanted()
        if not sku or not qty or (sku, qty, loc) == self._asked:
            return
        self._asked = (sku, qty, loc)
        run_op(self, planning.shortage_preview, sku, qty, loc or None).success(
            lambda p: self._previewed((sku, qty, loc), p)
        ).failure(lambda e: self._preview_refused((sku, qty, loc), e)).run()

    def _previewed(self, asked: tuple[str, str, str], preview: ShortagePreview) -> None:
        if asked != self.wanted():
            return
        self.preview = preview
        self.error.hide()
        self.lines.set_rows(preview.lines)
        self.tree.clear()
        parents: list[QTreeWidgetItem] = []
        for row in preview.explosion.components:
            node = QTreeWidgetItem(
                [row.sku, row.name, fmt.qty(row.quantity_per), fmt.qty(row.quantity), row.uom]
            )
            del parents[row.level - 1 :]
            if parents:
                parents[-1].addChild(node)
            else:
                self.tree.addTopLevelItem(node)
            parents.append(node)
        self.tree.expandAll()
        short = preview.short_lines
        if short:
            text = "Short before starting: " + ", ".join(
                f"{fmt.qty(s.short)} {s.sku}" for s in short
            )
            self.verdict.setStyleSheet(chip_style(SHORT, padding="10px 12px"))
        else:
            text = (
                f"Every component of {fmt.qty(preview.quantity)} {preview.sku} is available "
                f"at {preview.location}"
            )
            self.verdict.setStyleSheet(chip_style(OK, padding="10px 12px"))
        self.verdict.setText(text)
        self.verdict.show()
        self.hint.setText(f"BOM revision {preview.bom_revision} of {preview.sku} — {preview.name}")

    def _preview_refused(self, asked: tuple[str, str, str], exc: ShopfloorError) -> None:
        if asked != self.wanted():
            return
        self.preview = None
        self.lines.set_rows([])
        self.tree.clear()
        self.verdict.hide()
        self.hint.setText(exc.message)

    def submit(self) -> None:
        sku, qty, loc = self.wanted()
        self.save.setEnabled(False)
        run_op(
            self,
            work_orders.create_work_order,
            sku,
            qty,
            status=self.status.currentData(),
            due=self.due.text().strip() or None,
            priority=self.priority.text().strip() or None,
            location=loc or None,
            memo=self.memo.text().strip() or None,
        ).progress("Creating…").done(
            lambda i: f"Created {i.number}: {fmt.qty(i.quantity)} {i.item}, {i.status_label}"
        ).success(self._created).failure(self._refused).run()

    def _created(self, info: WorkOrderInfo) -> None:
        self.created.emit(info)
        self.accept()

    def _refused(self, exc: ShopfloorError) -> None:
        self.save.setEnabled(True)
        self.error.setText(exc.message)
        self.error.show()
