"""The transfers supply planning suggests, shown on the replenishment page: stock another
location can spare for orders waiting at this one; accepting makes one transfer order per
pair of locations."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.services.engine.changes import Changes
from app.services.transfers import planning
from app.services.transfers.planning import TransfersMade, TransferSuggestion
from app.services.transfers.transfer_orders import TRANSFER_ORDER
from app.views.common.runner import AppContext, run_op
from app.views.common.table_model import Column, RowTableModel, qty_column
from app.views.common.widgets import (
    button,
    caption_label,
    fitted_table,
    hbox,
    title_label,
)

COLUMNS: list[Column[TransferSuggestion]] = [
    Column("Item", lambda r: r.sku, width=170),
    Column("Name", lambda r: r.name, width=230),
    Column("From", lambda r: r.from_location, width=110),
    Column("To", lambda r: r.to_location, width=110),
    qty_column("Suggested", lambda r: r.quantity, width=120),
    qty_column("Short at To", lambda r: r.short, width=120),
    qty_column("Spare at From", lambda r: r.spare, width=135),
]


def made_words(result: TransfersMade) -> str:
    if not result.created:
        return "no transfer order made"
    return "Created " + ", ".join(
        f"{t.number} ({t.from_location} → {t.to_location}, {t.status_label})"
        for t in result.created
    )


class TransferSuggestions(QWidget):
    """The suggested transfers with a button to accept them; the page around it refreshes
    it (`refresh`) and says when the user changed (`user_changed`)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.accept_button = button(
            "Accept &transfers", self.accept_all, name="accept_transfer_suggestions"
        )
        layout.addLayout(
            hbox(title_label("Transfers between locations", 14), None, self.accept_button)
        )
        layout.addWidget(
            caption_label(
                "Where orders wait for stock that another location has spare: accepting makes "
                "one transfer order per pair of locations, in the status the preference "
                "generate_transfer_orders_in_supply_planning names."
            )
        )
        self.model = RowTableModel(COLUMNS, self)
        self.table = fitted_table(self.model, "transfer_suggestion_table", 1)
        self.table.activated_row.connect(
            lambda r: self.ctx.navigate.emit(
                "stock_item", {"sku": r.sku, "location": r.to_location}
            )
        )
        layout.addWidget(self.table, 1)
        self.empty = caption_label(
            "No transfer to suggest: no location waits for stock another has."
        )
        self.empty.setObjectName("no_transfer_suggestions")
        layout.addWidget(self.empty)
        self.user_changed()

    def refresh(self) -> None:
        run_op(self, planning.transfer_suggestions).success(self._show).run()

    def _show(self, rows: list[TransferSuggestion]) -> None:
        self.model.set_rows(rows)
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self.user_changed()

    @staticmethod
    def affected_by(changes: Changes) -> bool:
        return bool(changes.balances) or changes.touches(TRANSFER_ORDER)

    def user_changed(self) -> None:
        self.accept_button.setEnabled(
            self.ctx.may("transfer.suggest.accept") and self.model.rowCount() > 0
        )

    def accept_all(self) -> None:
        run_op(self, planning.accept_transfer_suggestions).progress("Making transfers…").done(
            made_words
        ).success(lambda _r: self.refresh()).run()
