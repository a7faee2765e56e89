"""A new sales order, or changes to one: the customer by type-ahead, then lines (item by
type-ahead, quantity, path, rate), each showing the item's on hand, committed and available
stock at the order's location as you type. Nothing is decided here: the service checks
every value when the order is saved and refuses in words."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, QStringListModel, Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QLineEdit, QWidget

from app.services.orders import sales, screens
from app.services.orders.partners import CustomerInfo
from app.services.orders.sales import LineEntry, SalesOrderInfo, SalesOrderLineInfo
from app.services.orders.screens import EntryChoices
from app.views.common import format as fmt
from app.views.common.document_entry import (
    NEW_STATUSES,
    DocumentEntryDialog,
    EntryLine,
    LineColumn,
)
from app.views.common.runner import AppContext, run_op
from app.views.common.widgets import caption_label

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
# The line editor's columns, its heading row's too.
COLUMNS = (
    LineColumn("line", "#", 44),
    LineColumn("sku", "Item", 230),
    LineColumn("quantity", "Quantity", 100, right=True),
    LineColumn("path", "Path", 180),
    LineColumn("rate", "Rate", 100, right=True),
    LineColumn("on_hand", "On hand", 100, right=True),
    LineColumn("committed", "Committed", 110, right=True),
    LineColumn("available", "Available", 150, right=True),
)


class LineEditor(EntryLine):
    """One line: new (everything editable) or existing (its quantity may change)."""

    columns = COLUMNS
    name_prefix = "so_line"
    short_words = (
        "{short} more than is available now; the rest waits as backorder (or is built or bought)"
    )

    def __init__(
        self,
        number: int,
        skus: QStringListModel,
        existing: SalesOrderLineInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(number, skus, existing.line if existing else None, parent)
        self.existing = existing
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

    def fields(self) -> tuple[QWidget, ...]:
        self.path = QComboBox()
        self.path.setObjectName("line_path")
        self.path.setFixedWidth(self.widths["path"])
        for key, words in PATHS:
            self.path.addItem(words, key)
        self.rate = self.edit("line_rate", "rate", right=True)
        return (self.path, self.rate)

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


class SalesOrderDialog(DocumentEntryDialog[LineEditor]):
    """Enter a sales order, or (with `info`) change one."""

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, info: SalesOrderInfo | None = None
    ) -> None:
        editing = info is not None
        super().__init__(
            ctx,
            parent,
            name="edit_sales_order_dialog" if editing else "new_sales_order_dialog",
            heading=f"Change {info.number}" if info is not None else "New sales order",
            size=QSize(1240, 780),
            prefix="so",
        )
        self.info = info

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

        self.finish_layout(
            [
                ("&Customer", self.customer),
                ("", self.ship_to),
                ("Customer &PO", self.customer_po),
                ("&Memo", self.memo),
            ],
            [
                ("&Ship date", self.ship_date),
                ("P&riority", self.priority),
                ("&Location", self.location),
                ("S&tatus", self.status),
            ],
            stretch=(3, 2),
            columns=COLUMNS,
            caption="On hand, committed and available: the item's stock at the order's location "
            "now. The order commits what it can when it is approved.",
            save_text="&Save changes" if editing else "&Enter sales order",
        )

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
        self.location.currentIndexChanged.connect(lambda _i: self.where_changed())
        self.choices: EntryChoices | None = None
        run_op(self, screens.order_entry_choices).success(self._fill).run()

    def new_line(self, number: int) -> LineEditor:
        return LineEditor(number, self.skus)

    def taken_from(self) -> str:
        """The order's location."""
        return self.location.currentData() or ""

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

    # --- saving --------------------------------------------------------------------------

    def submit(self) -> None:
        if self.info is None:
            entries = [e for e in (ln.entry() for ln in self.lines) if e is not None]
            self.post(
                sales.create_sales_order,
                self.customer.text().strip(),
                entries,
                customer_po=self.customer_po.text().strip() or None,
                ship_date=self.ship_date.text().strip() or None,
                priority=self.priority.text().strip() or None,
                location=self.location.currentData() or None,
                memo=self.memo.text().strip() or None,
                status=self.status.currentData(),
                progress="Entering the order…",
                done=lambda i: (
                    f"Entered {i.number} for {i.customer}: {len(entries)} line"
                    f"{'s' if len(entries) != 1 else ''}, {i.status_label}"
                ),
            )
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
        self.post(
            sales.update_sales_order,
            self.info.number,
            **kwargs,
            progress="Saving the order…",
            done=lambda i: f"Changed {i.number} ({i.status_label})",
        )
