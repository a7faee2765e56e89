"""A new sales order, or changes to one: the customer by type-ahead, then lines (item by
type-ahead, quantity, path, rate), each showing the item's on hand, committed and available
stock at the order's location as you type. Nothing is decided here: the service checks
every value when the order is saved and refuses in words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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
from app.services.orders import queries, sales, screens
from app.services.orders.partners import CustomerInfo
from app.services.orders.queries import LineAvailability
from app.services.orders.sales import LineEntry, SalesOrderInfo, SalesOrderLineInfo
from app.services.orders.screens import EntryChoices
from app.views.common import format as fmt
from app.views.common.geometry import size_dialog
from app.views.common.runner import AppContext, run_op
from app.views.common.status import MESSAGE_COLOURS, MUTED, SHORT, chip_style, font
from app.views.common.widgets import button, caption_label, hbox, title_label

PATHS = [
    ("", "Item's default"),
    ("stock", "From stock"),
    ("build", "Build to order"),
    ("drop_ship", "Drop ship"),
]
PATH_WORDS = {
    "stock": "from stock",
    "build": "build to order",
    "drop_ship": "drop ship",
    "kit": "kit",
    "none": "no stock",
}
# Column widths of the line editor, shared by its heading row.
WIDTHS = {
    "line": 44,
    "sku": 230,
    "quantity": 100,
    "path": 180,
    "rate": 100,
    "on_hand": 100,
    "committed": 110,
    "available": 150,
    "remove": 40,
}
AVAILABILITY_DELAY_MS = 300
NEW_STATUSES = [
    (None, "The default (preference)"),
    ("pending_approval", "Pending approval"),
    ("pending_fulfillment", "Pending fulfillment (approved)"),
]


def _figure(name: str) -> QLabel:
    label = QLabel("")
    label.setObjectName(name)
    label.setFixedWidth(WIDTHS[name])
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    label.setFont(font(13))
    return label


class LineEditor(QWidget):
    """One line: new (everything editable) or existing (its quantity may change)."""

    changed = Signal()  # the item (or the location) changed: read its availability again
    removed = Signal(object)

    def __init__(
        self,
        number: int,
        skus: QStringListModel,
        existing: SalesOrderLineInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.existing = existing
        self.setObjectName(f"so_line_{number}")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        self.number = QLabel(existing.line if existing else str(number))
        self.number.setFixedWidth(WIDTHS["line"])
        self.number.setStyleSheet(f"color: {MUTED};")
        self.sku = QLineEdit()
        self.sku.setObjectName("line_sku")
        self.sku.setPlaceholderText("item sku")
        self.sku.setFixedWidth(WIDTHS["sku"])
        completer = QCompleter(skus, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.sku.setCompleter(completer)
        self.quantity = QLineEdit()
        self.quantity.setObjectName("line_quantity")
        self.quantity.setPlaceholderText("qty")
        self.quantity.setFixedWidth(WIDTHS["quantity"])
        self.quantity.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.path = QComboBox()
        self.path.setObjectName("line_path")
        self.path.setFixedWidth(WIDTHS["path"])
        for key, words in PATHS:
            self.path.addItem(words, key)
        self.rate = QLineEdit()
        self.rate.setObjectName("line_rate")
        self.rate.setPlaceholderText("rate")
        self.rate.setFixedWidth(WIDTHS["rate"])
        self.rate.setAlignment(Qt.AlignmentFlag.AlignRight)
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
        for w in (self.number, self.sku, self.quantity, self.path, self.rate):
            row.addWidget(w)
        row.addWidget(self.on_hand)
        row.addWidget(self.committed)
        row.addWidget(self.available)
        row.addWidget(self.note)
        row.addWidget(self.remove)
        row.addStretch(1)
        if existing is not None:
            self.sku.setText(existing.sku)
            self.sku.setReadOnly(True)
            self.sku.setToolTip(existing.name)
            self.quantity.setText(fmt.qty(existing.quantity))
            self.path.clear()
            self.path.addItem(PATH_WORDS.get(existing.path, existing.path), existing.path)
            self.path.setEnabled(False)
            self.rate.setText(fmt.money(existing.rate))
            self.rate.setReadOnly(True)
            self.remove.setEnabled(False)
            self.remove.setToolTip("A saved line stays; change its quantity")
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

    @property
    def is_new(self) -> bool:
        return self.existing is None

    def entry(self) -> LineEntry | None:
        """The line as typed (None: left empty)."""
        sku = self.sku.text().strip()
        if not sku:
            return None
        return LineEntry(
            sku,
            self.quantity.text().strip(),
            self.path.currentData() or None,
            self.rate.text().strip(),
        )

    def changed_quantity(self) -> str | None:
        """For a saved line: the quantity typed, when it is not the one saved."""
        if self.existing is None:
            return None
        text = self.quantity.text().strip()
        return None if text == fmt.qty(self.existing.quantity) else text

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
                f"{fmt.qty(found.short)} more than is available now; the rest waits as "
                "backorder (or is built or bought)"
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


class SalesOrderDialog(QDialog):
    """Enter a sales order, or (with `info`) change one."""

    saved = Signal(object)  # SalesOrderInfo

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, info: SalesOrderInfo | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.info = info
        editing = info is not None
        self.setObjectName("edit_sales_order_dialog" if editing else "new_sales_order_dialog")
        heading = f"Change {info.number}" if info is not None else "New sales order"
        self.setWindowTitle(heading)
        self.setModal(True)
        size_dialog(self, QSize(1240, 780))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 20)
        outer.setSpacing(12)
        outer.addWidget(title_label(heading))

        self.customers: dict[str, CustomerInfo] = {}
        self.customer = QLineEdit()
        self.customer.setObjectName("so_customer")
        self.customer.setPlaceholderText("type the customer's name")
        self.customer_names = QStringListModel(self)
        completer = QCompleter(self.customer_names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.customer.setCompleter(completer)
        self.ship_to = caption_label()
        self.ship_to.setObjectName("so_ship_to")
        self.customer_po = QLineEdit()
        self.customer_po.setObjectName("so_customer_po")
        self.customer_po.setPlaceholderText("the customer's own order number")
        self.ship_date = QLineEdit()
        self.ship_date.setObjectName("so_ship_date")
        self.ship_date.setPlaceholderText("YYYY-MM-DD")
        self.priority = QLineEdit()
        self.priority.setObjectName("so_priority")
        self.priority.setPlaceholderText("1 most urgent … 999 (the customer's default)")
        self.location = QComboBox()
        self.location.setObjectName("so_location")
        self.status = QComboBox()
        self.status.setObjectName("so_status")
        for key, words in NEW_STATUSES:
            self.status.addItem(words, key)
        self.memo = QLineEdit()
        self.memo.setObjectName("so_memo")
        self.memo.setPlaceholderText("optional: delivery note")

        left = QFormLayout()
        left.setVerticalSpacing(8)
        left.addRow("&Customer", self.customer)
        left.addRow("", self.ship_to)
        left.addRow("Customer &PO", self.customer_po)
        left.addRow("&Memo", self.memo)
        right = QFormLayout()
        right.setVerticalSpacing(8)
        right.addRow("&Ship date", self.ship_date)
        right.addRow("P&riority", self.priority)
        right.addRow("&Location", self.location)
        right.addRow("S&tatus", self.status)
        header = QHBoxLayout()
        header.setSpacing(32)
        header.addLayout(left, 3)
        header.addLayout(right, 2)
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
        self.add_button = button("&Add line", self.add_line, name="so_add_line")
        outer.addLayout(
            hbox(
                self.add_button,
                caption_label(
                    "On hand, committed and available: the item's stock at the order's location "
                    "now. The order commits what it can when it is approved.",
                    wrap=False,
                ),
                None,
            )
        )
        self.lines: list[LineEditor] = []

        self.error = QLabel()
        self.error.setObjectName("so_error")
        self.error.setWordWrap(True)
        self.error.setFont(font(12, bold=True))
        self.error.setStyleSheet(chip_style(MESSAGE_COLOURS["error"], padding="8px 12px"))
        self.error.hide()
        outer.addWidget(self.error)
        self.save_button = button(
            "&Save changes" if editing else "&Enter sales order",
            self.submit,
            primary=True,
            name="so_save",
            shortcut="Ctrl+Return",
        )
        outer.addLayout(hbox(None, button("Cancel", self.reject), self.save_button))

        if info is not None:
            self.customer.setText(info.customer)
            self.customer.setReadOnly(True)
            self.ship_to.setText(info.ship_to.replace("\n", ", "))
            self.customer_po.setText(info.customer_po or "")
            self.ship_date.setText(fmt.day(info.ship_date))
            self.priority.setText(str(info.priority))
            self.memo.setText(info.memo or "")
            self.location.addItem(info.location, info.location)
            self.location.setEnabled(False)
            self.status.clear()
            self.status.addItem(info.status_label, info.status)
            self.status.setEnabled(False)
            for line in info.lines:
                if not line.kit_member:
                    self._add(LineEditor(len(self.lines) + 1, self.skus, line))
        else:
            self.add_line()
        self.customer.textChanged.connect(lambda _t: self._customer_typed())
        self.location.currentIndexChanged.connect(lambda _i: self._location_changed())
        self.choices: EntryChoices | None = None
        run_op(self, screens.order_entry_choices).success(self._fill).run()

    def _heading_row(self) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        for key, text in (
            ("line", "#"),
            ("sku", "Item"),
            ("quantity", "Quantity"),
            ("path", "Path"),
            ("rate", "Rate"),
            ("on_hand", "On hand"),
            ("committed", "Committed"),
            ("available", "Available"),
        ):
            label = QLabel(text)
            label.setFont(font(12, bold=True))
            label.setFixedWidth(WIDTHS[key])
            if key in ("quantity", "rate", "on_hand", "committed", "available"):
                label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            layout.addWidget(label)
        layout.addStretch(1)
        return row

    def _fill(self, choices: EntryChoices) -> None:
        self.choices = choices
        self.customers = {c.name: c for c in choices.customers}
        self.customer_names.setStringList(sorted(self.customers))
        self.skus.setStringList(choices.skus)
        if self.info is None:
            self.location.blockSignals(True)
            self.location.clear()
            for code in choices.locations:
                self.location.addItem(code, code)
            if choices.default_location:
                self.location.setCurrentIndex(self.location.findData(choices.default_location))
            self.location.blockSignals(False)
        for line in self.lines:
            self.check_line(line)

    def _customer_typed(self) -> None:
        found = self.customers.get(self.customer.text().strip())
        if found is None:
            self.ship_to.setText("")
            return
        self.ship_to.setText("Ships to " + found.ship_to.replace("\n", ", "))
        self.priority.setPlaceholderText(f"{found.default_priority}, the customer's default")

    def _location_changed(self) -> None:
        for line in self.lines:
            line.asked = None
            self.check_line(line)

    # --- lines ---------------------------------------------------------------------------

    def add_line(self) -> LineEditor:
        line = self._add(LineEditor(len(self.lines) + 1, self.skus))
        line.sku.setFocus()
        return line

    def _add(self, line: LineEditor) -> LineEditor:
        self.lines.append(line)
        self.lines_layout.insertWidget(self.lines_layout.count() - 1, line)
        line.changed.connect(lambda: self.check_line(line))
        line.removed.connect(self._remove)
        line.quantity.returnPressed.connect(self._next_line)
        if line.existing is not None:
            self.check_line(line)
        return line

    def _remove(self, line: LineEditor) -> None:
        if line in self.lines and line.is_new:
            self.lines.remove(line)
            line.hide()
            line.deleteLater()
            for n, other in enumerate(self.lines, start=1):
                if other.is_new:
                    other.number.setText(str(n))

    def _next_line(self) -> None:
        if self.lines and self.lines[-1].sku.text().strip():
            self.add_line()

    def check_line(self, line: LineEditor) -> None:
        """Ask the service for the item's stock at the order's location, and what the
        quantity typed lacks (nothing saved)."""
        sku = line.sku.text().strip()
        qty = line.quantity.text().strip()
        where = self.location.currentData() or ""
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

    def _current(self, line: LineEditor, asked: tuple[str, str, str]) -> bool:
        return line in self.lines and line.asked == asked

    def _position(
        self, line: LineEditor, asked: tuple[str, str, str], found: LineAvailability
    ) -> None:
        if self._current(line, asked):
            line.show_position(found)

    def _no_position(
        self, line: LineEditor, asked: tuple[str, str, str], e: ShopfloorError
    ) -> None:
        if self._current(line, asked):
            line.show_note(e.message)

    # --- saving --------------------------------------------------------------------------

    def submit(self) -> None:
        self.save_button.setEnabled(False)
        self.error.hide()
        if self.info is None:
            entries = [e for e in (ln.entry() for ln in self.lines) if e is not None]
            run_op(
                self,
                sales.create_sales_order,
                self.customer.text().strip(),
                entries,
                customer_po=self.customer_po.text().strip() or None,
                ship_date=self.ship_date.text().strip() or None,
                priority=self.priority.text().strip() or None,
                location=self.location.currentData() or None,
                memo=self.memo.text().strip() or None,
                status=self.status.currentData(),
            ).progress("Entering the order…").done(
                lambda i: (
                    f"Entered {i.number} for {i.customer}: {len(entries)} line"
                    f"{'s' if len(entries) != 1 else ''}, {i.status_label}"
                )
            ).success(self._saved).failure(self._refused).run()
            return
        quantities = {
            ln.existing.line: q
            for ln in self.lines
            if ln.existing is not None and (q := ln.changed_quantity()) is not None
        }
        added = [e for e in (ln.entry() for ln in self.lines if ln.is_new) if e is not None]
        kwargs: dict[str, Any] = {
            "customer_po": self.customer_po.text().strip(),
            "memo": self.memo.text().strip(),
            "quantities": quantities,
            "add": added,
        }
        if self.ship_date.text().strip():
            kwargs["ship_date"] = self.ship_date.text().strip()
        if self.priority.text().strip():
            kwargs["priority"] = self.priority.text().strip()
        run_op(self, sales.update_sales_order, self.info.number, **kwargs).progress(
            "Saving the order…"
        ).done(lambda i: f"Changed {i.number} ({i.status_label})").success(self._saved).failure(
            self._refused
        ).run()

    def _saved(self, info: SalesOrderInfo) -> None:
        self.saved.emit(info)
        self.accept()

    def _refused(self, exc: ShopfloorError) -> None:
        self.save_button.setEnabled(True)
        self.error.setText(exc.message)
        self.error.show()
