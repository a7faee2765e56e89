"""One fulfillment: what was picked for which order, its status (in the plant's own words),
pack, ship or put back, and its packing slip."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from app.services.engine.changes import Changes
from app.services.orders import fulfillment
from app.services.orders.fulfillment import FULFILLMENT, FulfillmentInfo, FulfillmentLineInfo
from app.views.common import format as fmt
from app.views.common.dialogs import ConfirmDialog
from app.views.common.page import DocumentPage
from app.views.common.runner import AppContext, run_op
from app.views.common.table_model import Column, RowTableModel, qty_column
from app.views.common.widgets import button, fitted_table, section
from app.views.orders.common import LinkLabel, beside_ship_to, fields_grid
from app.views.orders.order_entry import PATH_WORDS

LINE_COLUMNS: list[Column[FulfillmentLineInfo]] = [
    Column("Order line", lambda r: r.line, width=110),
    Column("Item", lambda r: r.sku, width=190),
    Column("Name", lambda r: r.name, width=280),
    Column("Path", lambda r: PATH_WORDS.get(r.path, r.path), width=150),
    qty_column("Ordered", lambda r: r.ordered, width=110),
    qty_column("On this fulfillment", lambda r: r.quantity, width=190),
    Column("Unit", lambda r: r.uom),
]
ACTION_TEXT = {
    "pack": ("&Pack", "Ctrl+Shift+P"),
    "ship": ("&Ship", "Ctrl+Shift+S"),
    "cancel": ("Put &back…", None),
}


class FulfillmentPage(DocumentPage):
    title = "Fulfillment"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.info: FulfillmentInfo | None = None
        layout = self.header("◀ Packing queue", "packing_queue", "if")

        self.order = LinkLabel(ctx)
        self.order.setObjectName("if_order")
        grid, self.fields = fields_grid(
            [
                ("order", "Created from"),
                ("customer_po", "Customer PO"),
                ("kind", "Ships"),
                ("created", "Picked"),
                ("shipped", "Shipped"),
                ("memo", "Memo"),
            ],
            3,
            bold=("customer_po",),
            widgets={"order": self.order},
        )
        top, self.ship_to = beside_ship_to(grid, "if_ship_to")
        layout.addLayout(top)

        self.slip_button = button("Packing &slip…", self.packing_slip, name="if_packing_slip")
        layout.addLayout(self.action_row(ACTION_TEXT, ("ship",), "if_action_", self.slip_button))

        self.lines = RowTableModel(LINE_COLUMNS, self)
        self.lines_table = fitted_table(self.lines, "if_lines", 2)
        layout.addWidget(section("Lines", self.lines_table), 1)
        self.preview: Any = None
        self._enable()

    def forget(self) -> None:
        self.info = None
        self.lines.set_rows([])

    def refresh(self) -> None:
        if self.number:
            run_op(self, fulfillment.get_fulfillment, self.number).success(
                self.show_fulfillment
            ).run()

    def affected_by(self, changes: Changes) -> bool:
        return bool(self.number) and self.number in changes.of(FULFILLMENT)

    def show_fulfillment(self, info: FulfillmentInfo) -> None:
        self.info = info
        self.show_heading(info, info.customer)
        self.order.set_numbers([info.created_from])
        f = self.fields
        f["customer_po"].setText(info.customer_po or "—")
        f["kind"].setText("by the vendor (drop ship)" if info.drop_ship else "from our stock")
        f["created"].setText(f"{fmt.when(info.created_at)} by {info.created_by}")
        f["shipped"].setText(fmt.when(info.shipped_at) or "—")
        f["memo"].setText(info.memo or "—")
        self.ship_to.setText(info.ship_to or "—")
        self.lines.set_rows(info.lines)
        self._enable()

    def _enable(self) -> None:
        allowed = set(self.info.actions) if self.info else set()
        for action, b in self.action_buttons.items():
            b.setEnabled(action in allowed and self.ctx.may(FULFILLMENT.use_case(action)))
        self.slip_button.setEnabled(self.info is not None)

    def act(self, action: str) -> None:
        if self.info is None or not self.action_buttons[action].isEnabled():
            return
        number = self.info.number
        if action == "pack":
            run_op(self, fulfillment.pack_fulfillment, number).progress("Packing…").done(
                lambda i: f"{i.status_label} {i.number} for {i.created_from}"
            ).success(self.show_fulfillment).run()
        elif action == "ship":
            run_op(self, fulfillment.ship_fulfillment, number).progress("Shipping…").done(
                lambda i: (
                    f"{i.status_label} {i.number} for {i.created_from}: "
                    + ", ".join(f"{fmt.qty(ln.quantity)} {ln.sku}" for ln in i.lines)
                )
            ).success(self.show_fulfillment).run()
        elif action == "cancel":
            info = self.info
            self._dialog(
                ConfirmDialog(
                    self.ctx,
                    f"Put {number} back?",
                    f"{number} is cancelled and its goods go back on the shelf: what it picked "
                    f"stays committed to {info.created_from}, ready to be picked again.",
                    fulfillment.cancel_fulfillment,
                    number,
                    name="put_back_dialog",
                    keep="Keep it",
                    confirm="Put back",
                    progress="Putting back…",
                    done=lambda i: f"Put back {i.number}; {i.created_from} can be picked again",
                    parent=self,
                )
            )

    def packing_slip(self) -> None:
        from app.views.printing.actions import preview_packing_slip

        if self.info is not None:
            self.preview = preview_packing_slip(self, self.ctx, self.info.number)
