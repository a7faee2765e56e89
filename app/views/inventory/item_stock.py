"""One item's stock: its position, who holds its committed quantity (in commitment order, so
"why is available zero?" has an answer on one screen), its ledger, adjustments and their
reversal."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.services import inventory
from app.services.engine.changes import Changes
from app.services.engine.paging import PageRequest
from app.services.engine.uow import UnitOfWork
from app.services.inventory import Holder, ItemStock, LedgerRow
from app.services.lots.stock import LotOnHand
from app.views.common import format as fmt
from app.views.common.dialogs import PostingDialog
from app.views.common.lots import expiry_style
from app.views.common.page import Page
from app.views.common.runner import AppContext, run_op
from app.views.common.status import SHORT, Chip
from app.views.common.table_model import (
    Column,
    PagedTableModel,
    RowTableModel,
    money_column,
    qty_column,
)
from app.views.common.widgets import (
    DataTable,
    FigureCard,
    button,
    caption_label,
    hbox,
    section,
    title_label,
)
from app.views.orders.common import open_record

HOLDER_COLUMNS: list[Column[Holder]] = [
    Column("Document", lambda r: r.document, width=130),
    Column("Kind", lambda r: r.label, width=150),
    Column("Line", lambda r: r.line, width=55),
    qty_column("Committed", lambda r: r.committed),
    qty_column("Still needs", lambda r: r.need),
    qty_column("Backordered", lambda r: r.backordered, width=120),
    Column("Ship/due", lambda r: fmt.day(r.ship_date), width=110),
    Column("Prio", lambda r: r.priority),
]
LOT_COLUMNS: list[Column[LotOnHand]] = [
    Column("Lot or serial", lambda r: r.lot, width=180),
    qty_column("On hand", lambda r: r.on_hand),
    qty_column("Picked", lambda r: r.reserved),
    Column("Expires", lambda r: fmt.day(r.expires), width=120),
    Column(
        "",
        lambda r: "expired" if r.expired else ("expires soon" if r.expiring else ""),
        width=130,
    ),
]


def lot_style(row: LotOnHand) -> Chip | None:
    """An expired lot in red, one expiring within expiry_warning_days in amber."""
    return expiry_style(row.expired, row.expiring)


LEDGER_COLUMNS: list[Column[LedgerRow]] = [
    Column("When", lambda r: fmt.when(r.posted_at), sort="posted", width=160),
    Column("Reason", lambda r: fmt.words(r.reason), sort="reason", width=120),
    qty_column("Quantity", lambda r: r.quantity, sort="quantity"),
    Column("At", lambda r: r.location, width=80),
    Column("Document", lambda r: r.source, width=200),
    money_column("Unit cost", lambda r: r.unit_cost),
    Column("By", lambda r: r.posted_by, width=100),
    Column("Event", lambda r: r.event_id, width=70),
    Column("Memo", lambda r: r.memo or ""),
]


class ItemStockPage(Page):
    title = "Item stock"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.sku = ""
        self.location: str | None = None
        self.data: ItemStock | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        back = button(
            "◀ Inventory", lambda: self.ctx.navigate.emit("inventory", {}), shortcut="Alt+Left"
        )
        self.heading = title_label("Item")
        self.heading.setObjectName("stock_heading")
        self.where = QComboBox()
        self.where.setObjectName("stock_item_location")
        self.where.currentIndexChanged.connect(self._location_picked)
        self.adjust_button = button(
            "&Adjust stock…", self.adjust, shortcut="Ctrl+J", name="adjust_stock"
        )
        self.reverse_button = button("&Reverse posting…", self.reverse, name="reverse_adjustment")
        self.labels_button = button("Print item &labels…", self.print_labels, name="item_labels")
        self.item_name = caption_label()
        self.item_name.setWordWrap(False)
        # A long name is cut short rather than widening the page past a small screen.
        self.item_name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addLayout(
            hbox(
                back,
                self.heading,
                self.item_name,
                QLabel("Location"),
                self.where,
                self.adjust_button,
            )
        )

        self.cards: dict[str, FigureCard] = {}
        row = []
        for key, caption in (
            ("on_hand", "on hand"),
            ("committed", "committed"),
            ("available", "available"),
            ("on_order", "on order"),
            ("backordered", "backordered"),
            ("in_transit", "in transit to it"),
        ):
            card = FigureCard(caption)
            card.setMinimumHeight(96)
            card.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.cards[key] = card
            row.append(card)
        layout.addLayout(hbox(*row))

        self.holders = RowTableModel(
            HOLDER_COLUMNS, self, row_style=lambda r: SHORT if r.backordered > 0 else None
        )
        self.holder_table = DataTable(self.holders, settings_key="holders", fill=True)
        self.holder_table.setObjectName("holder_table")
        self.holder_table.activated_row.connect(self._open_holder)
        self.ledger = PagedTableModel(
            LEDGER_COLUMNS,
            self._fetch_ledger,
            self,
            sort="posted",
            descending=True,
            context=ctx,
            autoload=False,
        )
        self.ledger_table = DataTable(self.ledger, settings_key="ledger", stretch=8)
        self.ledger_table.setObjectName("ledger_table")
        split = self.split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(
            section(
                "Who holds it and who waits, in commitment order",
                self.holder_table,
                self.labels_button,
            )
        )
        self.lots = RowTableModel(LOT_COLUMNS, self, row_style=lot_style)
        self.lot_table = DataTable(self.lots, settings_key="item_lots", fill=True)
        self.lot_table.setObjectName("lot_table")
        self.lot_section = section("Lots on hand here", self.lot_table)
        split.addWidget(self.lot_section)
        split.addWidget(section("Ledger, newest first", self.ledger_table, self.reverse_button))
        split.setSizes([260, 160, 420])
        layout.addWidget(split, 1)
        self.dialog: Any = None
        self.user_changed()

    # --- data ----------------------------------------------------------------------------

    def open_target(self, **target: Any) -> None:
        sku = str(target.get("sku") or "")
        if sku:
            self.sku = sku
            self.location = target.get("location") or None
            self.heading.setText(sku)
            self.holders.set_rows([])
        self.stale = True

    def _fetch_ledger(self, uow: UnitOfWork, page: PageRequest) -> Any:
        return inventory.ledger_history(uow, self.sku, location=self.location, page=page)

    def refresh(self) -> None:
        if not self.sku:
            return
        run_op(self, inventory.item_stock, self.sku, self.location).success(self.show_stock).run()
        self.ledger.reload()

    def affected_by(self, changes: Changes) -> bool:
        return bool(self.sku) and self.sku in changes.items

    def show_stock(self, data: ItemStock) -> None:
        self.data = data
        p = data.position
        self.heading.setText(p.sku)
        self.item_name.setText(p.name)
        for key, card in self.cards.items():
            card.set_value(fmt.qty(getattr(p, key)))
        self.cards["backordered"].set_tone(SHORT if p.backordered > 0 else None)
        self.holders.set_rows(data.holders)
        self.lots.set_rows(list(p.lots))
        if self.lot_section.isHidden() == bool(p.lots):  # an untracked item has no lots
            self.lot_section.setVisible(bool(p.lots))
            total = sum(self.split.sizes())
            share = (3, 3, 4) if p.lots else (2, 0, 3)
            self.split.setSizes([total * n // sum(share) for n in share])
        self.location = p.location
        self.where.blockSignals(True)
        self.where.clear()
        for code in data.locations:
            self.where.addItem(code, code)
        if data.transit is not None:
            self.where.addItem("In transit", data.transit)
        self.where.setCurrentIndex(max(0, self.where.findData(p.location)))
        self.where.blockSignals(False)

    def _location_picked(self, _index: int) -> None:
        self.location = self.where.currentData()
        self.refresh()

    def _open_holder(self, row: Holder) -> None:
        open_record(self.ctx, row.kind, row.document)

    def user_changed(self) -> None:
        self.adjust_button.setEnabled(self.ctx.may("stock.adjust"))
        self.reverse_button.setEnabled(self.ctx.may("stock.reverse"))

    def print_labels(self) -> None:
        from app.views.printing.actions import ask_item_labels

        if self.sku:
            self.dialog = ask_item_labels(self, self.ctx, self.sku, self.location)

    # --- adjustments ---------------------------------------------------------------------

    def adjust(self) -> None:
        if not self.sku or not self.adjust_button.isEnabled():
            return
        locations = self.data.locations if self.data else []
        self.dialog = AdjustDialog(self.ctx, self.sku, self.location, locations, self)
        self.dialog.open()

    def reverse(self) -> None:
        if not self.reverse_button.isEnabled():
            return
        row = self.ledger_table.current_row()
        if not isinstance(row, LedgerRow):
            self.ctx.show_message("pick the posting to reverse in the ledger first", "error")
            return
        self.dialog = ReverseDialog(self.ctx, row, self)
        self.dialog.open()


class AdjustDialog(PostingDialog):
    """An inventory adjustment (a count correction, a write-off) with its reason."""

    def __init__(
        self,
        ctx: AppContext,
        sku: str,
        location: str | None,
        locations: list[str],
        parent: QWidget | None = None,
    ):
        super().__init__(ctx, f"Adjust stock of {sku}", parent)
        self.sku = sku
        self.setObjectName("adjust_dialog")
        self.body.addWidget(
            caption_label(
                "A positive quantity adds stock, a negative one writes it off (never below zero "
                "on hand). The adjustment is a new ledger row; a mistake is corrected by "
                "reversing it."
            )
        )
        form = QFormLayout()
        self.quantity = QLineEdit()
        self.quantity.setObjectName("adjust_quantity")
        self.quantity.setPlaceholderText("e.g. 12 or -3")
        self.where = QComboBox()
        self.where.setObjectName("adjust_location")
        for code in locations:
            self.where.addItem(code, code)
        if location:
            self.where.setCurrentIndex(max(0, self.where.findData(location)))
        self.cost = QLineEdit()
        self.cost.setObjectName("adjust_cost")
        self.cost.setPlaceholderText("optional; the standard cost otherwise")
        self.reason = QLineEdit()
        self.reason.setObjectName("adjust_reason")
        self.reason.setPlaceholderText("why: cycle count, damaged, found …")
        form.addRow("&Quantity", self.quantity)
        form.addRow("&Location", self.where)
        form.addRow("Unit &cost", self.cost)
        form.addRow("&Reason", self.reason)
        self.body.addLayout(form)
        self.finish_layout("&Adjust")

    def submit(self) -> None:
        reason = self.reason.text().strip()
        if not reason:
            self.error.setText("give the reason for the adjustment")
            self.error.show()
            self.reason.setFocus()
            return
        qty = self.quantity.text().strip()
        self.post(
            inventory.adjust_stock,
            self.sku,
            qty,
            location=self.where.currentData(),
            unit_cost=self.cost.text().strip() or None,
            memo=reason,
            progress="Adjusting…",
            done=lambda r: (
                f"Adjusted {self.sku} by {qty} at {r.position.location} (event {r.event_id}); "
                f"on hand {fmt.qty(r.position.on_hand)}, available {fmt.qty(r.position.available)}"
            ),
        )


class ReverseDialog(PostingDialog):
    def __init__(self, ctx: AppContext, row: LedgerRow, parent: QWidget | None = None):
        super().__init__(ctx, f"Reverse event {row.event_id}?", parent)
        self.row = row
        self.setObjectName("reverse_dialog")
        self.body.addWidget(
            caption_label(
                f"{fmt.words(row.reason).capitalize()} of {fmt.qty(row.quantity)} {row.sku} at "
                f"{row.location}, {fmt.when(row.posted_at)} by {row.posted_by}. Reversing appends "
                f"the exact opposite of the whole posting (event {row.event_id}) to the ledger "
                "and puts back what it did to its document; nothing is deleted. A posting "
                "that is not reversed says what to do instead."
            )
        )
        self.memo = QLineEdit()
        self.memo.setObjectName("reverse_memo")
        self.memo.setPlaceholderText("why it is reversed (optional)")
        self.body.addWidget(self.memo)
        self.finish_layout("&Reverse")

    def submit(self) -> None:
        self.post(
            inventory.reverse_posting,
            self.row.event_id,
            self.memo.text().strip() or None,
            progress="Reversing…",
            done=lambda r: f"Reversed event {r.reversed_event} (new event {r.event_id})",
        )
