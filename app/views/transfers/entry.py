"""A new transfer order: where from and where to, then lines (item by type-ahead, quantity,
an optional transfer price), each showing the item's on hand, committed and available stock
at the source as you type. Nothing is decided here: the service checks every value when the
order is saved and refuses in words."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from app.services.orders.screens import EntryChoices, transfer_entry_choices
from app.services.transfers import transfer_orders
from app.services.transfers.transfer_orders import TransferLineEntry
from app.views.common.document_entry import (
    NEW_STATUSES,
    DocumentEntryDialog,
    EntryLine,
    LineColumn,
)
from app.views.common.runner import AppContext, run_op

# The line editor's columns, its heading row's too.
COLUMNS = (
    LineColumn("line", "#", 40),
    LineColumn("sku", "Item", 230),
    LineColumn("quantity", "Quantity", 100, right=True),
    LineColumn("price", "Transfer price", 140, right=True),
    LineColumn("on_hand", "On hand", 100, right=True),
    LineColumn("committed", "Committed", 110, right=True),
    LineColumn("available", "Available", 160, right=True),
)


class TransferLineEditor(EntryLine):
    """One line being entered, with the item's stock at the source."""

    columns = COLUMNS
    name_prefix = "to_line"
    short_words = (
        "{short} more than is available at the source now; the rest waits there as backorder "
        "until stock comes"
    )

    def fields(self) -> tuple[QWidget, ...]:
        self.price = self.edit("line_price", "item cost", right=True)
        self.price.setToolTip("The transfer price per unit (default: the item's standard cost)")
        return (self.price,)

    def entry(self) -> TransferLineEntry | None:
        """The line as typed (None: left empty)."""
        sku = self.sku.text().strip()
        if not sku:
            return None
        return TransferLineEntry(sku, self.quantity.text().strip(), self.price.text().strip())


class TransferOrderDialog(DocumentEntryDialog[TransferLineEditor]):
    """Enter a transfer order."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            ctx,
            parent,
            name="new_transfer_order_dialog",
            heading="New transfer order",
            size=QSize(1140, 700),
            prefix="to",
        )
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

        self.finish_layout(
            [("&From", self.source), ("&To", self.target), ("&Memo", self.memo)],
            [
                ("&Ship date", self.ship_date),
                ("R&eceipt date", self.receipt_date),
                ("P&riority", self.priority),
                ("S&tatus", self.status),
            ],
            stretch=(1, 1),
            columns=COLUMNS,
            caption="On hand, committed and available: the item's stock at the location it "
            "ships from, now. An approved transfer reserves what it can there.",
            save_text="&Enter transfer order",
        )
        self.add_line()
        self.source.currentIndexChanged.connect(lambda _i: self.where_changed())
        run_op(self, transfer_entry_choices).success(self._fill).run()

    def new_line(self, number: int) -> TransferLineEditor:
        return TransferLineEditor(number, self.skus)

    def taken_from(self) -> str:
        """The location the transfer ships from."""
        return self.source.currentData() or ""

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
        self.where_changed()

    def submit(self) -> None:
        entries = [e for e in (ln.entry() for ln in self.lines) if e is not None]
        self.post(
            transfer_orders.create_transfer_order,
            self.source.currentData(),
            self.target.currentData(),
            entries,
            ship_date=self.ship_date.text().strip() or None,
            receipt_date=self.receipt_date.text().strip() or None,
            priority=self.priority.text().strip() or None,
            memo=self.memo.text().strip() or None,
            status=self.status.currentData(),
            progress="Entering the transfer…",
            done=lambda i: (
                f"Entered {i.number}, {i.from_location} → {i.to_location}: {len(entries)} line"
                f"{'s' if len(entries) != 1 else ''}, {i.status_label}"
            ),
        )
