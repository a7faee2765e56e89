"""A new transfer order: where from and where to, then lines (item by type-ahead, quantity,
an optional transfer price), each showing the item's on hand, committed and available stock
at the source as you type. Nothing is decided here: the service checks every value when the
order is saved and refuses in words."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QSize, QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import ShopfloorError
from app.services.catalog import items
from app.services.engine.uow import UnitOfWork
from app.services.orders import queries
from app.services.orders.queries import LineAvailability
from app.services.transfers import transfer_orders
from app.services.transfers.transfer_orders import TransferLineEntry, TransferOrderInfo
from app.views.common import format as fmt
from app.views.common.geometry import size_dialog
from app.views.common.runner import AppContext, run_op
from app.views.common.status import MESSAGE_COLOURS, MUTED, SHORT, chip_style, font
from app.views.common.widgets import button, caption_label, hbox, title_label

# Column widths of the line editor, shared by its heading row.
WIDTHS = {
    "line": 40,
    "sku": 230,
    "quantity": 100,
    "price": 140,
    "on_hand": 100,
    "committed": 110,
    "available": 160,
    "remove": 40,
}
AVAILABILITY_DELAY_MS = 300
NEW_STATUSES = [
    (None, "The default (preference)"),
    ("pending_approval", "Pending approval"),
    ("pending_fulfillment", "Pending fulfillment (approved)"),
]


@dataclass(frozen=True)
class EntryChoices:
    skus: list[str]
    locations: list[str]
    default_location: str | None


def entry_choices(uow: UnitOfWork) -> EntryChoices:
    known = items.list_locations(uow)
    return EntryChoices(
        [i.sku for i in items.list_items(uow, active=True).rows],
        [loc.code for loc in known],
        next((loc.code for loc in known if loc.is_default), None),
    )


def _figure(name: str) -> QLabel:
    label = QLabel("")
    label.setObjectName(name)
    label.setFixedWidth(WIDTHS[name])
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    label.setFont(font(13))
    return label


def _edit(name: str, placeholder: str, *, right: bool = False) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    edit.setFixedWidth(WIDTHS[name.removeprefix("line_")])
    if right:
        edit.setAlignment(Qt.AlignmentFlag.AlignRight)
    return edit


class TransferLineEditor(QWidget):
    """One line being entered, with the item's stock at the source."""

    changed = Signal()  # the item or quantity changed: read its availability again
    removed = Signal(object)

    def __init__(self, number: int, skus: QStringListModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(f"to_line_{number}")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        self.number = QLabel(str(number))
        self.number.setFixedWidth(WIDTHS["line"])
        self.number.setStyleSheet(f"color: {MUTED};")
        self.sku = _edit("line_sku", "item sku")
        completer = QCompleter(skus, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.sku.setCompleter(completer)
        self.quantity = _edit("line_quantity", "qty", right=True)
        self.price = _edit("line_price", "item cost", right=True)
        self.price.setToolTip("The transfer price per unit (default: the item's standard cost)")
        self.on_hand = _figure("on_hand")
        self.committed = _figure("committed")
        self.available = _figure("available")
        self.note = QLabel("")
        self.note.setObjectName("line_note")
        self.note.setStyleSheet(f"color: {MUTED};")
        self.note.setFixedWidth(WIDTHS["on_hand"] + WIDTHS["committed"] + WIDTHS["available"] + 16)
        self.note.setWordWrap(True)
        self.note.hide()
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setToolTip("Remove this line")
        self.remove.setFixedWidth(WIDTHS["remove"])
        self.remove.clicked.connect(lambda: self.removed.emit(self))
        for w in (
            self.number,
            self.sku,
            self.quantity,
            self.price,
            self.on_hand,
            self.committed,
            self.available,
            self.note,
            self.remove,
        ):
            row.addWidget(w)
        row.addStretch(1)
        self.asked: tuple[str, str, str] | None = None
        self.short = Decimal(0)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AVAILABILITY_DELAY_MS)
        self._timer.timeout.connect(self._item_changed)
        self.sku.textEdited.connect(lambda _t: self._timer.start())
        self.quantity.textEdited.connect(lambda _t: self._timer.start())
        self.sku.editingFinished.connect(self._item_changed)
        completer.activated.connect(lambda _t: self._item_changed())

    def _item_changed(self) -> None:
        if self.isVisible():  # not once the dialog has closed
            self.changed.emit()

    def entry(self) -> TransferLineEntry | None:
        """The line as typed (None: left empty)."""
        sku = self.sku.text().strip()
        if not sku:
            return None
        return TransferLineEntry(sku, self.quantity.text().strip(), self.price.text().strip())

    def show_position(self, found: LineAvailability) -> None:
        position = found.position
        self.note.hide()
        for label, value in (
            (self.on_hand, position.on_hand),
            (self.committed, position.committed),
            (self.available, position.available),
        ):
            label.setText(fmt.qty(value))
            label.setStyleSheet("")
            label.show()
        self.sku.setToolTip(f"{position.sku} — {position.name}")
        self.short = found.short
        if found.short > 0:
            self.available.setText(f"{fmt.qty(position.available)} · {fmt.qty(found.short)} short")
            self.available.setStyleSheet(chip_style(SHORT, padding="2px 8px"))
            self.available.setToolTip(
                f"{fmt.qty(found.short)} more than is available at the source now; the rest "
                "waits there as backorder until stock comes"
            )
        else:
            self.available.setToolTip("")

    def show_note(self, text: str) -> None:
        for label in (self.on_hand, self.committed, self.available):
            label.setText("")
            label.hide()
        self.note.setText(text)
        self.note.setToolTip(text)
        self.note.setVisible(bool(text))


class TransferOrderDialog(QDialog):
    """Enter a transfer order."""

    saved = Signal(object)  # TransferOrderInfo

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("new_transfer_order_dialog")
        self.setWindowTitle("New transfer order")
        self.setModal(True)
        size_dialog(self, QSize(1140, 700))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 20)
        outer.setSpacing(12)
        outer.addWidget(title_label("New transfer order"))

        self.source = QComboBox()
        self.source.setObjectName("to_from")
        self.target = QComboBox()
        self.target.setObjectName("to_to")
        self.ship_date = QLineEdit()
        self.ship_date.setObjectName("to_ship_date")
        self.ship_date.setPlaceholderText("YYYY-MM-DD (today)")
        self.receipt_date = QLineEdit()
        self.receipt_date.setObjectName("to_receipt_date")
        self.receipt_date.setPlaceholderText("YYYY-MM-DD (ship date + the lead time)")
        self.priority = QLineEdit()
        self.priority.setObjectName("to_priority")
        self.priority.setPlaceholderText("1 most urgent … 999 (5)")
        self.status = QComboBox()
        self.status.setObjectName("to_status")
        for key, words in NEW_STATUSES:
            self.status.addItem(words, key)
        self.memo = QLineEdit()
        self.memo.setObjectName("to_memo")
        self.memo.setPlaceholderText("optional: why it moves")

        left = QFormLayout()
        left.setVerticalSpacing(8)
        left.addRow("&From", self.source)
        left.addRow("&To", self.target)
        left.addRow("&Memo", self.memo)
        right = QFormLayout()
        right.setVerticalSpacing(8)
        right.addRow("&Ship date", self.ship_date)
        right.addRow("R&eceipt date", self.receipt_date)
        right.addRow("P&riority", self.priority)
        right.addRow("S&tatus", self.status)
        header = QHBoxLayout()
        header.setSpacing(32)
        header.addLayout(left, 1)
        header.addLayout(right, 1)
        outer.addLayout(header)

        self.skus = QStringListModel(self)
        outer.addWidget(title_label("Lines", 14))
        outer.addWidget(self._heading_row())
        self.lines_box = QWidget()
        self.lines_layout = QVBoxLayout(self.lines_box)
        self.lines_layout.setContentsMargins(0, 0, 0, 0)
        self.lines_layout.setSpacing(6)
        self.lines_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.lines_box)
        outer.addWidget(scroll, 1)
        self.add_button = button("&Add line", self.add_line, name="to_add_line")
        outer.addLayout(
            hbox(
                self.add_button,
                caption_label(
                    "On hand, committed and available: the item's stock at the location it "
                    "ships from, now. An approved transfer reserves what it can there.",
                    wrap=False,
                ),
                None,
            )
        )
        self.lines: list[TransferLineEditor] = []

        self.error = QLabel()
        self.error.setObjectName("to_error")
        self.error.setWordWrap(True)
        self.error.setFont(font(12, bold=True))
        self.error.setStyleSheet(chip_style(MESSAGE_COLOURS["error"], padding="8px 12px"))
        self.error.hide()
        outer.addWidget(self.error)
        self.save_button = button(
            "&Enter transfer order",
            self.submit,
            primary=True,
            name="to_save",
            shortcut="Ctrl+Return",
        )
        outer.addLayout(hbox(None, button("Cancel", self.reject), self.save_button))
        self.add_line()
        self.source.currentIndexChanged.connect(lambda _i: self._source_changed())
        run_op(self, entry_choices).success(self._fill).run()

    def _heading_row(self) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        for key, text in (
            ("line", "#"),
            ("sku", "Item"),
            ("quantity", "Quantity"),
            ("price", "Transfer price"),
            ("on_hand", "On hand"),
            ("committed", "Committed"),
            ("available", "Available"),
        ):
            label = QLabel(text)
            label.setFont(font(12, bold=True))
            label.setFixedWidth(WIDTHS[key])
            if key not in ("line", "sku"):
                label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            layout.addWidget(label)
        layout.addStretch(1)
        return row

    def _fill(self, choices: EntryChoices) -> None:
        self.skus.setStringList(choices.skus)
        for box in (self.source, self.target):
            box.blockSignals(True)
            box.clear()
            for code in choices.locations:
                box.addItem(code, code)
        if choices.default_location:
            self.source.setCurrentIndex(self.source.findData(choices.default_location))
        other = next((c for c in choices.locations if c != choices.default_location), None)
        if other is not None:
            self.target.setCurrentIndex(self.target.findData(other))
        for box in (self.source, self.target):
            box.blockSignals(False)
        self._source_changed()

    def _source_changed(self) -> None:
        for line in self.lines:
            line.asked = None
            self.check_line(line)

    # --- lines ---------------------------------------------------------------------------

    def add_line(self) -> TransferLineEditor:
        line = TransferLineEditor(len(self.lines) + 1, self.skus)
        self.lines.append(line)
        self.lines_layout.insertWidget(self.lines_layout.count() - 1, line)
        line.changed.connect(lambda: self.check_line(line))
        line.removed.connect(self._remove)
        line.quantity.returnPressed.connect(self._next_line)
        line.sku.setFocus()
        return line

    def _remove(self, line: TransferLineEditor) -> None:
        if line in self.lines:
            self.lines.remove(line)
            line.hide()
            line.deleteLater()
            for n, other in enumerate(self.lines, start=1):
                other.number.setText(str(n))

    def _next_line(self) -> None:
        if self.lines and self.lines[-1].sku.text().strip():
            self.add_line()

    def check_line(self, line: TransferLineEditor) -> None:
        """Ask the service for the item's stock at the source, and what the quantity typed
        lacks there (nothing saved)."""
        sku = line.sku.text().strip()
        qty = line.quantity.text().strip()
        where = self.source.currentData() or ""
        if not sku:
            line.asked = None
            line.show_note("")
            return
        asked = (sku, qty, where)
        if asked == line.asked:
            return
        line.asked = asked
        run_op(self, queries.line_availability, sku, qty, where or None).success(
            lambda found: self._position(line, asked, found)
        ).failure(lambda e: self._no_position(line, asked, e)).run()

    def _current(self, line: TransferLineEditor, asked: tuple[str, str, str]) -> bool:
        return line in self.lines and line.asked == asked

    def _position(
        self, line: TransferLineEditor, asked: tuple[str, str, str], found: LineAvailability
    ) -> None:
        if self._current(line, asked):
            line.show_position(found)

    def _no_position(
        self, line: TransferLineEditor, asked: tuple[str, str, str], e: ShopfloorError
    ) -> None:
        if self._current(line, asked):
            line.show_note(e.message)

    # --- saving --------------------------------------------------------------------------

    def submit(self) -> None:
        self.save_button.setEnabled(False)
        self.error.hide()
        entries = [e for e in (ln.entry() for ln in self.lines) if e is not None]
        run_op(
            self,
            transfer_orders.create_transfer_order,
            self.source.currentData(),
            self.target.currentData(),
            entries,
            ship_date=self.ship_date.text().strip() or None,
            receipt_date=self.receipt_date.text().strip() or None,
            priority=self.priority.text().strip() or None,
            memo=self.memo.text().strip() or None,
            status=self.status.currentData(),
        ).progress("Entering the transfer…").done(
            lambda i: (
                f"Entered {i.number}, {i.from_location} → {i.to_location}: {len(entries)} line"
                f"{'s' if len(entries) != 1 else ''}, {i.status_label}"
            )
        ).success(self._saved).failure(self._refused).run()

    def _saved(self, info: TransferOrderInfo) -> None:
        self.saved.emit(info)
        self.accept()

    def _refused(self, exc: ShopfloorError) -> None:
        self.save_button.setEnabled(True)
        self.error.setText(exc.message)
        self.error.show()
