"""Replenishment: bought items whose available plus on-order quantity fell below their
build point, with what brings them back; accepting makes one purchase order per vendor. Below
them, the transfers supply planning suggests between locations."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.services.engine import changes as kinds
from app.services.engine.changes import Changes
from app.services.orders import purchasing
from app.services.orders.purchasing import PURCHASE_ORDER, Replenished, Replenishment
from app.views.common.page import Page
from app.views.common.runner import AppContext, run_op
from app.views.common.status import SHORT
from app.views.common.table_model import Column, RowTableModel, money_column, qty_column
from app.views.common.widgets import (
    DataTable,
    button,
    caption_label,
    fit_columns,
    hbox,
    title_label,
)
from app.views.transfers.suggestions import TransferSuggestions

COLUMNS: list[Column[Replenishment]] = [
    Column("Item", lambda r: r.sku, width=170),
    Column("Name", lambda r: r.name, width=250),
    Column("Vendor", lambda r: r.vendor or "no preferred vendor", width=200),
    qty_column("Suggested", lambda r: r.quantity, width=120),
    qty_column("Available", lambda r: r.available, width=110),
    qty_column("On order", lambda r: r.on_order, width=110),
    qty_column("Build point", lambda r: r.build_point, width=120),
    qty_column("Preferred", lambda r: r.preferred_stock, width=110),
    money_column("Unit cost", lambda r: r.unit_cost),
]


def accepted_words(result: Replenished) -> str:
    if not result.created:
        made = "no purchase order made"
    else:
        made = "Created " + ", ".join(f"{p.number} ({p.vendor})" for p in result.created)
    if result.skipped:
        made += f"; {', '.join(result.skipped)} have no preferred vendor"
    return made


class ReplenishmentPage(Page):
    title = "Replenishment"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.accept_selected = button(
            "Accept &selected", self.accept_one, name="replenish_selected"
        )
        self.accept_all = button(
            "&Accept all", self.accept_every, primary=True, name="replenish_all"
        )
        layout.addLayout(
            hbox(
                title_label("Replenishment suggestions"),
                None,
                button("Refresh", self.refresh),
                self.accept_selected,
                self.accept_all,
            )
        )
        layout.addWidget(
            caption_label(
                "Bought items whose available plus on-order quantity is below their build "
                "point, with the quantity that brings them back to the preferred stock level. "
                "Accepting creates one purchase order per preferred vendor."
            )
        )
        self.model = RowTableModel(
            COLUMNS, self, row_style=lambda r: SHORT if r.vendor is None else None
        )
        self.table = DataTable(self.model, settings_key="replenishment", stretch=1)
        self.table.setObjectName("replenishment_table")
        fit_columns(self.table, 1)
        self.table.activated_row.connect(
            lambda r: self.ctx.navigate.emit("stock_item", {"sku": r.sku})
        )
        layout.addWidget(self.table, 1)
        self.empty = caption_label("Nothing to order: every bought item is above its build point.")
        self.empty.hide()
        layout.addWidget(self.empty)
        self.transfers = TransferSuggestions(ctx, self)
        layout.addWidget(self.transfers, 1)
        self.user_changed()

    def refresh(self) -> None:
        run_op(self, purchasing.replenishment_suggestions).success(self._show).run()
        self.transfers.refresh()

    def _show(self, rows: list[Replenishment]) -> None:
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)
        self.user_changed()
        self.table.select_first()

    def affected_by(self, changes: Changes) -> bool:
        return (
            bool(changes.balances)
            or changes.touches(PURCHASE_ORDER, kinds.ITEM)
            or self.transfers.affected_by(changes)
        )

    def user_changed(self) -> None:
        self.transfers.user_changed()
        permitted = self.ctx.may("po.suggest.accept")
        some = self.model.rowCount() > 0
        self.accept_all.setEnabled(permitted and some)
        self.accept_selected.setEnabled(permitted and some)

    def accept_every(self) -> None:
        run_op(self, purchasing.accept_replenishment).progress("Ordering…").done(
            accepted_words
        ).run()

    def accept_one(self) -> None:
        row = self.table.current_row()
        if not isinstance(row, Replenishment):
            self.ctx.show_message("pick a suggestion first", "error")
            return
        run_op(self, purchasing.accept_replenishment, [row.sku]).progress("Ordering…").done(
            accepted_words
        ).run()
