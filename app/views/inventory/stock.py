"""Every stocked item with on hand, committed, available, on order and backordered, at one
location or over all of them; sorting and filtering in the database."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QWidget

from app.services import inventory
from app.services.catalog import items
from app.services.catalog.items import LocationInfo
from app.services.engine import changes as kinds
from app.services.engine.changes import Changes
from app.services.engine.paging import PageRequest
from app.services.engine.uow import UnitOfWork
from app.services.inventory import StockPosition
from app.views.common.page import ListPage
from app.views.common.runner import AppContext, run_op
from app.views.common.status import SHORT, Chip
from app.views.common.table_model import Column, PagedTableModel, qty_column
from app.views.common.widgets import (
    DataTable,
    caption_label,
    choice_box,
    hbox,
    page_layout,
    search_box,
    shortcut,
    title_label,
)


def row_style(row: StockPosition) -> Chip | None:
    return SHORT if row.backordered > 0 else None


COLUMNS: list[Column[StockPosition]] = [
    Column("Item", lambda r: r.sku, sort="sku", width=150),
    Column("Name", lambda r: r.name, sort="name", width=208),
    Column("Unit", lambda r: r.uom, width=56),
    qty_column("On hand", lambda r: r.on_hand, sort="on_hand", width=105),
    qty_column("Committed", lambda r: r.committed, sort="committed", width=115),
    qty_column("Available", lambda r: r.available, sort="available", width=105),
    qty_column("On order", lambda r: r.on_order, sort="on_order", width=100),
    qty_column("Backordered", lambda r: r.backordered, sort="backordered", width=132),
    qty_column("In transit", lambda r: r.in_transit, sort="in_transit", width=105),
    Column("", lambda r: ""),
]


class InventoryPage(ListPage):
    title = "Inventory"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = page_layout(self)
        layout.addLayout(hbox(title_label("Inventory"), self.count, None))
        self.location = choice_box("stock_location", [(None, "All locations")])
        self.text = search_box("stock_text", "Search sku or name (Ctrl+F)", 340)
        self.short = QCheckBox("&Backordered only")
        layout.addLayout(hbox(self.text, self.location, self.short, None))
        self.model = PagedTableModel(
            COLUMNS, self.fetch, self, row_style=row_style, context=ctx, autoload=False
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
                "beyond what is committed to them (marked orange). In transit = shipped on "
                "transfer orders, not received yet (over all locations it is not on hand "
                "anywhere). Enter opens an item's ledger and who holds its stock."
            )
        )
        self.watch(self.text, self.location, self.short)
        shortcut(self, "Ctrl+F", self.text.setFocus)
        run_op(self, items.list_locations, transit=True).success(self._locations).run()

    def _locations(self, found: list[LocationInfo]) -> None:
        self.location.blockSignals(True)
        for loc in found:
            self.location.addItem(loc.name if loc.transit else f"{loc.code} — {loc.name}", loc.code)
        self.location.blockSignals(False)

    def current_filters(self) -> dict[str, Any]:
        return {
            "location": self.location.currentData(),
            "text": self.text.text().strip() or None,
            "short_only": self.short.isChecked(),
        }

    def fetch(self, uow: UnitOfWork, page: PageRequest) -> Any:
        return inventory.stock_summary(uow, **self.filters, page=page)

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
