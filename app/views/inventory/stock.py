"""Every stocked item with on hand, committed, available, on order and backordered, at one
location or over all of them; sorting and filtering in the database."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QVBoxLayout, QWidget

from app.services import inventory
from app.services.catalog import items
from app.services.catalog.items import LocationInfo
from app.services.engine import changes as kinds
from app.services.engine.changes import Changes
from app.services.engine.paging import PageRequest
from app.services.engine.uow import UnitOfWork
from app.services.inventory import StockPosition
from app.views.common.page import Page
from app.views.common.runner import AppContext, run_op
from app.views.common.status import SHORT, Chip
from app.views.common.table_model import Column, PagedTableModel, qty_column
from app.views.common.widgets import DataTable, caption_label, hbox, shortcut, title_label


def row_style(row: StockPosition) -> Chip | None:
    return SHORT if row.backordered > 0 else None


COLUMNS: list[Column[StockPosition]] = [
    Column("Item", lambda r: r.sku, sort="sku", width=170),
    Column("Name", lambda r: r.name, sort="name", width=260),
    Column("Unit", lambda r: r.uom, width=60),
    qty_column("On hand", lambda r: r.on_hand, sort="on_hand", width=115),
    qty_column("Committed", lambda r: r.committed, sort="committed", width=120),
    qty_column("Available", lambda r: r.available, sort="available", width=115),
    qty_column("On order", lambda r: r.on_order, sort="on_order", width=110),
    qty_column("Backordered", lambda r: r.backordered, sort="backordered", width=130),
    Column("", lambda r: ""),
]


class InventoryPage(Page):
    title = "Inventory"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.count = caption_label()
        layout.addLayout(hbox(title_label("Inventory"), self.count, None))
        self.location = QComboBox()
        self.location.setObjectName("stock_location")
        self.location.addItem("All locations", None)
        self.text = QLineEdit()
        self.text.setObjectName("stock_text")
        self.text.setPlaceholderText("Search sku or name (Ctrl+F)")
        self.text.setClearButtonEnabled(True)
        self.text.setMinimumWidth(340)
        self.short = QCheckBox("&Backordered only")
        layout.addLayout(hbox(self.text, self.location, self.short, None))
        self.filters: dict[str, Any] = {}
        self.model = PagedTableModel(
            COLUMNS, self._fetch, self, row_style=row_style, context=ctx, autoload=False
        )
        self.model.loaded.connect(
            lambda _n: self.count.setText(f"{self.model.total:,} stocked items")
        )
        self.table = DataTable(self.model, settings_key="inventory", stretch=len(COLUMNS) - 1)
        self.table.setObjectName("stock_table")
        self.table.activated_row.connect(self.open_item)
        layout.addWidget(self.table, 1)
        layout.addWidget(
            caption_label(
                "Available = on hand minus committed. Backordered = what open orders still need "
                "beyond what is committed to them (marked orange). Enter opens an item's ledger "
                "and who holds its stock."
            )
        )
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filters)
        self.text.textEdited.connect(lambda _t: self._debounce.start())
        self.text.returnPressed.connect(self.apply_filters)
        self.location.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.short.toggled.connect(lambda _on: self.apply_filters())
        shortcut(self, "Ctrl+F", self.text.setFocus)
        run_op(self, items.list_locations).success(self._locations).run()

    def _locations(self, found: list[LocationInfo]) -> None:
        self.location.blockSignals(True)
        for loc in found:
            self.location.addItem(f"{loc.code} — {loc.name}", loc.code)
        self.location.blockSignals(False)

    def current_filters(self) -> dict[str, Any]:
        return {
            "location": self.location.currentData(),
            "text": self.text.text().strip() or None,
            "short_only": self.short.isChecked(),
        }

    def _fetch(self, uow: UnitOfWork, page: PageRequest) -> Any:
        return inventory.stock_summary(uow, **self.filters, page=page)

    def apply_filters(self) -> None:
        self._debounce.stop()
        self.filters = self.current_filters()
        self.model.reload()

    def refresh(self) -> None:
        wanted = self.current_filters()
        if wanted != self.filters or not self.model.pages_fetched:
            self.filters = wanted
            self.model.reload()
        else:
            self.model.refresh()

    def affected_by(self, changes: Changes) -> bool:
        return bool(changes.balances) or changes.touches(kinds.ITEM, kinds.LOCATION)

    def open_target(self, **target: Any) -> None:
        if "text" in target:
            self.text.setText(str(target["text"] or ""))
        self.stale = True

    def open_item(self, row: StockPosition) -> None:
        self.ctx.navigate.emit(
            "stock_item", {"sku": row.sku, "location": self.filters.get("location")}
        )
