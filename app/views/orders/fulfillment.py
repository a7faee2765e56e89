"""One fulfillment: what was picked for which order, its status (in the plant's own words),
pack, ship or put back, and its packing slip."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.services.engine import changes as kinds
from app.services.engine.changes import Changes
from app.services.engine.permissions import Permission
from app.services.orders import fulfillment
from app.services.orders.fulfillment import FulfillmentInfo, FulfillmentLineInfo
from app.views.common import format as fmt
from app.views.common.page import Page
from app.views.common.runner import AppContext, run_op
from app.views.common.status import StatusChip, font
from app.views.common.table_model import Column, RowTableModel, qty_column
from app.views.common.widgets import (
    DataTable,
    button,
    caption_label,
    fit_columns,
    hbox,
    section,
    title_label,
)
from app.views.orders.common import LinkLabel, fields_grid
from app.views.orders.order_entry import PATH_WORDS
from app.views.production.detail import PostingDialog

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


class FulfillmentPage(Page):
    title = "Fulfillment"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.number = ""
        self.info: FulfillmentInfo | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        back = button(
            "◀ Packing queue",
            lambda: self.ctx.navigate.emit("packing_queue", {}),
            shortcut="Alt+Left",
        )
        self.heading = title_label("Fulfillment")
        self.heading.setObjectName("if_heading")
        self.chip = StatusChip()
        self.chip.setObjectName("if_status")
        self.chip.setFont(font(13, bold=True))
        self.customer_heading = title_label("", 16)
        layout.addLayout(hbox(back, self.heading, self.chip, self.customer_heading, None))

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
        ship_box = QVBoxLayout()
        ship_box.setSpacing(4)
        ship_box.addWidget(caption_label("Ships to"))
        self.ship_to = caption_label()
        self.ship_to.setObjectName("if_ship_to")
        self.ship_to.setStyleSheet("")
        self.ship_to.setFont(font(13))
        ship_box.addWidget(self.ship_to)
        ship_box.addStretch(1)
        top = hbox()
        top.setSpacing(28)
        top.addLayout(grid, 3)
        top.addLayout(ship_box, 1)
        layout.addLayout(top)

        self.action_buttons: dict[str, Any] = {}
        row: list[QWidget] = []
        for action, (text, keys) in ACTION_TEXT.items():
            b = button(
                text,
                partial(self.act, action),
                shortcut=keys,
                name=f"if_action_{action}",
                primary=action == "ship",
            )
            self.action_buttons[action] = b
            row.append(b)
        self.slip_button = button("Packing &slip…", self.packing_slip, name="if_packing_slip")
        layout.addLayout(hbox(*row, None, self.slip_button))

        self.lines = RowTableModel(LINE_COLUMNS, self)
        self.lines_table = DataTable(self.lines, settings_key="if_lines", stretch=2)
        self.lines_table.setObjectName("if_lines")
        fit_columns(self.lines_table, 2)
        layout.addWidget(section("Lines", self.lines_table), 1)
        self.dialog: Any = None
        self.preview: Any = None
        self._enable()

    def open_target(self, **target: Any) -> None:
        number = str(target.get("number") or "")
        if number and number != self.number:
            self.number = number
            self.info = None
            self.heading.setText(number)
            self.lines.set_rows([])
            self._enable()
        self.stale = True

    def refresh(self) -> None:
        if self.number:
            run_op(self, fulfillment.get_fulfillment, self.number).success(
                self.show_fulfillment
            ).run()

    def affected_by(self, changes: Changes) -> bool:
        return bool(self.number) and self.number in changes.of(kinds.FULFILLMENT)

    def show_fulfillment(self, info: FulfillmentInfo) -> None:
        self.info = info
        self.number = info.number
        self.heading.setText(info.number)
        self.chip.set_status(info.status, info.status_label)
        self.customer_heading.setText(info.customer)
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

    def user_changed(self) -> None:
        self._enable()

    def _enable(self) -> None:
        allowed = set(self.info.actions) if self.info else set()
        permitted = self.ctx.can(Permission.FULFILL)
        for action, b in self.action_buttons.items():
            b.setEnabled(action in allowed and permitted)
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
            self.dialog = PutBackDialog(self.ctx, self.info, self)
            self.dialog.accepted.connect(self.refresh)
            self.dialog.open()

    def packing_slip(self) -> None:
        from app.views.printing.actions import preview_packing_slip

        if self.info is not None:
            self.preview = preview_packing_slip(self, self.ctx, self.info.number)


class PutBackDialog(PostingDialog):
    def __init__(self, ctx: AppContext, info: FulfillmentInfo, parent: QWidget | None = None):
        super().__init__(ctx, f"Put {info.number} back?", parent)
        self.info = info
        self.setObjectName("put_back_dialog")
        self.body.addWidget(
            caption_label(
                f"{info.number} is cancelled and its goods go back on the shelf: what it "
                f"picked stays committed to {info.created_from}, ready to be picked again."
            )
        )
        self.cancel.setText("Keep it")
        self.finish_layout("Put back")

    def submit(self) -> None:
        self.post(
            fulfillment.cancel_fulfillment,
            self.info.number,
            progress="Putting back…",
            done=lambda i: f"Put back {i.number}; {i.created_from} can be picked again",
        )
