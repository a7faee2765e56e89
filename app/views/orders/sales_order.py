"""One sales order: its header, its lines with their path and what is committed, picked,
shipped and backordered on each (kit members under their kit), the records it made (work
orders, purchase orders, fulfillments), and the actions its status allows (the service says
which, in `actions`)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLineEdit, QWidget

from app.services.engine.changes import Changes
from app.services.kinds import document_kind
from app.services.orders import fulfillment, sales
from app.services.orders.fulfillment import FULFILLMENT, FulfillmentInfo
from app.services.orders.purchasing import PURCHASE_ORDER
from app.services.orders.sales import SALES_ORDER, SalesOrderInfo, SalesOrderLineInfo
from app.services.production.work_orders import WORK_ORDER
from app.views.common import format as fmt
from app.views.common.dialogs import PostingDialog, ask_before
from app.views.common.page import DocumentPage
from app.views.common.runner import AppContext, run_op
from app.views.common.status import SHORT
from app.views.common.table_model import Column, RowTableModel, qty_column
from app.views.common.widgets import (
    button,
    caption_label,
    choice_box,
    fitted_table,
    hbox,
    section,
)
from app.views.orders.common import LinkLabel, beside_ship_to, fields_grid, open_record
from app.views.orders.order_entry import PATH_WORDS

ACTION_TEXT = {
    "approve": ("&Approve", "Ctrl+Shift+A"),
    "edit": ("&Edit…", "Ctrl+E"),
    "fulfill": ("&Fulfill…", "Ctrl+Shift+F"),
    "close": ("C&lose…", None),
    "cancel": ("Cancel order…", None),
}


RETURN_AUTHORIZATION = document_kind("return_authorization")
SHORT_PATHS = {"stock": "stock", "build": "build", "drop_ship": "drop ship", "none": "no stock"}


def item_cell(row: SalesOrderLineInfo) -> str:
    return f"  └ {row.sku}" if row.kit_member else row.sku


def rate_tip(row: SalesOrderLineInfo) -> str:
    if row.kit_member:
        return f"{row.sku} ships as part of its kit (line {row.line.split('.')[0]})"
    return f"{fmt.qty(row.quantity)} at {fmt.money(row.rate)} = {fmt.money(row.amount)}"


def shipped_cell(row: SalesOrderLineInfo) -> str:
    """What shipped, and what of it customer returns take back."""
    back = f" · {fmt.qty(row.returned)} back" if row.returned else ""
    return fmt.qty(row.fulfilled) + back


LINE_COLUMNS: list[Column[SalesOrderLineInfo]] = [
    Column("Line", lambda r: r.line, width=52),
    Column("Item", item_cell, width=150, tooltip=lambda r: r.name),
    Column("Name", lambda r: r.name, width=200, tooltip=lambda r: r.name),
    Column(
        "Path",
        lambda r: SHORT_PATHS.get(r.path, r.path),
        width=90,
        tooltip=lambda r: PATH_WORDS.get(r.path, r.path),
    ),
    qty_column("Ordered", lambda r: r.quantity, width=90),
    qty_column("Committed", lambda r: r.committed, width=112),
    qty_column("Picked", lambda r: r.picked, width=78),
    Column(
        "Shipped",
        shipped_cell,
        align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
        tooltip=lambda r: (
            f"{fmt.qty(r.fulfilled)} shipped; {fmt.qty(r.returned)} taken back on customer returns"
            if r.returned
            else ""
        ),
        width=88,
    ),
    qty_column("Backordered", lambda r: r.backordered, width=124),
    Column(
        "Amount",
        lambda r: "" if r.kit_member else fmt.money(r.amount),
        align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
        tooltip=rate_tip,
        width=100,
    ),
    Column(
        "Made",
        lambda r: ", ".join(f"{n} (not needed)" if n in r.not_needed else n for n in r.created),
        tooltip=lambda r: (
            f"not needed once the line's path changed: {', '.join(r.not_needed)}"
            if r.not_needed
            else ""
        ),
        width=104,
    ),
]


class SalesOrderPage(DocumentPage):
    title = "Sales order"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.info: SalesOrderInfo | None = None
        layout = self.header("◀ Sales orders", "sales_orders", "so")

        grid, self.fields = fields_grid(
            [
                ("customer_po", "Customer PO"),
                ("ship_date", "Ship date"),
                ("priority", "Priority"),
                ("total", "Total"),
                ("order_date", "Ordered"),
                ("location", "Location"),
                ("created", "Entered"),
                ("memo", "Memo"),
            ],
            4,
            bold=("customer_po", "ship_date", "total"),
        )
        columns, self.ship_to = beside_ship_to(grid, "so_ship_to")
        layout.addLayout(columns)

        self.work_orders = LinkLabel(ctx)
        self.work_orders.setObjectName("so_work_orders")
        self.purchase_orders = LinkLabel(ctx)
        self.purchase_orders.setObjectName("so_purchase_orders")
        self.fulfillments = LinkLabel(ctx)
        self.fulfillments.setObjectName("so_fulfillments")
        self.returns = LinkLabel(ctx)
        self.returns.setObjectName("so_returns")
        links = hbox(spacing=8)
        for caption, label in (
            ("Work orders made:", self.work_orders),
            ("Purchase orders made:", self.purchase_orders),
            ("Fulfillments:", self.fulfillments),
            ("Returns:", self.returns),
        ):
            label.setWordWrap(False)
            links.addWidget(caption_label(caption, wrap=False))
            links.addWidget(label)
            links.addSpacing(24)
        links.addStretch(1)
        layout.addLayout(links)

        self.scan_button = button("Pick by &scan", self.pick_by_scan, name="so_pick_by_scan")
        self.return_button = button("Re&turn…", self.customer_return, name="so_return")
        self.path_button = button("Change pat&h…", self.change_path, name="so_change_path")
        self.ticket_button = button(
            "&Picking ticket…", self.picking_ticket, name="so_picking_ticket"
        )
        layout.addLayout(
            self.action_row(
                ACTION_TEXT,
                ("approve", "fulfill"),
                "so_action_",
                self.scan_button,
                self.ticket_button,
            )
        )
        # What changes an order after it was entered, on a row of its own.
        layout.addLayout(hbox(self.path_button, self.return_button, None))

        self.lines = RowTableModel(
            LINE_COLUMNS, self, row_style=lambda r: SHORT if r.backordered > 0 else None
        )
        self.lines_table = fitted_table(self.lines, "so_lines", 2)
        self.lines_table.activated_row.connect(self.open_line)
        layout.addWidget(section("Lines", self.lines_table), 1)
        self.path_changes = caption_label()
        self.path_changes.setObjectName("so_path_changes")
        self.path_changes.hide()
        layout.addWidget(self.path_changes)
        self.preview: Any = None
        self._enable()

    # --- data ----------------------------------------------------------------------------

    def forget(self) -> None:
        self.info = None
        self.lines.set_rows([])

    def refresh(self) -> None:
        if self.number:
            run_op(self, sales.get_sales_order, self.number).success(self.show_order).run()

    def affected_by(self, changes: Changes) -> bool:
        if not self.number:
            return False
        if self.number in changes.of(SALES_ORDER):
            return True
        if self.info is None:
            return False
        mine = {*self.info.fulfillments, *self.info.work_orders, *self.info.purchase_orders}
        if changes.of(RETURN_AUTHORIZATION) & set(self.info.returns):
            return True
        touched = changes.of(FULFILLMENT) | changes.of(WORK_ORDER) | changes.of(PURCHASE_ORDER)
        skus = {ln.sku for ln in self.info.lines}
        return bool(mine & touched) or bool(skus & changes.items)

    def show_order(self, info: SalesOrderInfo) -> None:
        self.info = info
        self.show_heading(info, info.customer)
        f = self.fields
        f["customer_po"].setText(info.customer_po or "—")
        f["ship_date"].setText(fmt.day(info.ship_date) or "—")
        f["priority"].setText(str(info.priority))
        f["total"].setText(fmt.money(info.total))
        f["order_date"].setText(fmt.day(info.order_date))
        f["location"].setText(info.location)
        f["created"].setText(f"{fmt.when(info.created_at)} by {info.created_by}")
        f["memo"].setText(info.memo or "—")
        self.ship_to.setText(info.ship_to or "—")
        self.work_orders.set_numbers(info.work_orders)
        self.purchase_orders.set_numbers(info.purchase_orders)
        self.fulfillments.set_numbers(info.fulfillments)
        self.returns.set_numbers(info.returns)
        self.lines.set_rows(info.lines)
        self.path_changes.setText(changes_words(info))
        self.path_changes.setVisible(bool(info.path_changes))
        self._enable()

    def _enable(self) -> None:
        allowed = set(self.info.actions) if self.info else set()
        for action, b in self.action_buttons.items():
            b.setEnabled(action in allowed and self.ctx.may(SALES_ORDER.use_case(action)))
        self.path_button.setEnabled(
            "edit" in allowed
            and self.ctx.may(SALES_ORDER.use_case("edit"))
            and self.info is not None
            and any(ln.path in PATHS for ln in self.info.lines if not ln.kit_member)
        )
        can_pick = "fulfill" in allowed and self.ctx.may("fulfillment.pick")
        self.scan_button.setEnabled(can_pick)
        self.ticket_button.setEnabled(self.info is not None)
        self.return_button.setEnabled(
            self.info is not None
            and any(ln.fulfilled > ln.returned for ln in self.info.lines if not ln.kit_member)
            and self.ctx.may("rma.create")
        )

    def open_line(self, row: SalesOrderLineInfo) -> None:
        if row.created:
            open_record(self.ctx, None, row.created[0])
        elif row.path in ("stock", "build"):
            where = self.info.location if self.info else None
            self.ctx.navigate.emit("stock_item", {"sku": row.sku, "location": where})

    # --- actions -------------------------------------------------------------------------

    def act(self, action: str) -> None:
        if self.info is None or not self.action_buttons[action].isEnabled():
            return
        info = self.info
        if action == "approve":
            run_op(self, sales.approve_sales_order, info.number).progress(
                f"Approving {info.number}…"
            ).done(approved_words).success(self.show_order).run()
        elif action == "edit":
            from app.views.orders.order_entry import SalesOrderDialog

            self.dialog = SalesOrderDialog(self.ctx, self, info)
            self.dialog.saved.connect(self.show_order)
            self.dialog.open()
        elif action == "fulfill":
            self._dialog(FulfillDialog(self.ctx, info, self))
        elif action == "close":
            self._dialog(
                ask_before(
                    "close",
                    self.ctx,
                    info.number,
                    f"Nothing more ships on {info.number} for {info.customer}; what it still "
                    "commits is released for other orders.",
                    sales.close_sales_order,
                    name="close_order_dialog",
                    confirm="C&lose order",
                    parent=self,
                )
            )
        elif action == "cancel":
            self._dialog(
                ask_before(
                    "cancel",
                    self.ctx,
                    info.number,
                    f"{info.number} for {info.customer} will be cancelled and what it commits is "
                    "released. A cancelled order cannot be reopened.",
                    sales.cancel_sales_order,
                    name="cancel_order_dialog",
                    confirm="Cancel order",
                    parent=self,
                )
            )

    def change_path(self) -> None:
        if self.info is not None and self.path_button.isEnabled():
            self._dialog(PathDialog(self.ctx, self.info, self))

    def pick_by_scan(self) -> None:
        if self.info is not None and self.scan_button.isEnabled():
            self.ctx.navigate.emit("pick_station", {"scan": self.info.number})

    def customer_return(self) -> None:
        """What the customer sends back: a return authorization of shipped lines."""
        from app.views.returns.pages import NewReturnDialog

        if self.info is not None and self.return_button.isEnabled():
            self._dialog(NewReturnDialog(self.ctx, self.info.number, self))

    def picking_ticket(self) -> None:
        from app.views.printing.actions import preview_picking_ticket

        if self.info is not None:
            self.preview = preview_picking_ticket(self, self.ctx, self.info.number)


def approved_words(info: SalesOrderInfo) -> str:
    stocked = [ln for ln in info.lines if ln.path in ("stock", "build")]
    committed = ", ".join(
        f"{ln.sku} {fmt.qty(ln.committed)} of {fmt.qty(ln.quantity)}" for ln in stocked
    )
    made = [*info.work_orders, *info.purchase_orders]
    return (
        f"Approved {info.number}"
        + (f": committed {committed}" if committed else "")
        + (f"; made {', '.join(made)}" if made else "")
    )


class FulfillDialog(PostingDialog):
    """Pick an order: a quantity per line that takes stock (all blank: what the order may
    pick now, as the preferences say)."""

    def __init__(self, ctx: AppContext, info: SalesOrderInfo, parent: QWidget | None = None):
        super().__init__(ctx, f"Fulfill {info.number}", parent)
        self.info = info
        self.setObjectName("fulfill_dialog")
        self.setMinimumWidth(680)
        self.body.addWidget(
            caption_label(
                "The fulfillment is created as picked: its quantities stay on hand, firmly "
                "reserved for this order, until it ships. Leave every quantity blank to pick "
                "what is committed and waiting."
            )
        )
        form = QFormLayout()
        form.setVerticalSpacing(8)
        self.quantities: dict[str, QLineEdit] = {}
        for ln in info.lines:
            if ln.path not in ("stock", "build", "kit"):
                continue
            edit = QLineEdit()
            edit.setObjectName(f"fulfill_{ln.line}")
            edit.setMinimumWidth(300)
            edit.setPlaceholderText(
                f"ordered {fmt.qty(ln.quantity)}, committed {fmt.qty(ln.committed)}, "
                f"shipped {fmt.qty(ln.fulfilled)}"
            )
            if ln.kit_member:
                edit.setEnabled(False)
                edit.setPlaceholderText("picked with its kit")
            self.quantities[ln.line] = edit
            form.addRow(f"{ln.line}  {ln.sku}", edit)
        self.body.addLayout(form)
        self.finish_layout("&Pick")

    def submit(self) -> None:
        wanted = {
            label: e.text().strip() for label, e in self.quantities.items() if e.text().strip()
        }
        self.post(
            fulfillment.fulfill,
            self.info.number,
            wanted or None,
            progress="Picking…",
            done=picked_words,
        )


def picked_words(f: FulfillmentInfo) -> str:
    listed = ", ".join(f"{fmt.qty(ln.quantity)} {ln.sku}" for ln in f.lines)
    return f"{f.status_label} {f.number} for {f.created_from}: {listed}"


PATHS = ("stock", "build", "drop_ship")


def changes_words(info: SalesOrderInfo) -> str:
    """What changed on the order's lines, oldest first."""
    said = []
    for c in info.path_changes:
        words = f"line {c.line}: {SHORT_PATHS[c.from_path]} → {SHORT_PATHS[c.to_path]}"
        if c.not_needed:
            words += f", {c.not_needed} not needed"
        if c.made:
            words += f", made {c.made}"
        said.append(f"{words} ({c.changed_by}, {fmt.when(c.changed_at)})")
    return "Changed: " + "; ".join(said) if said else ""


def path_words(info: SalesOrderInfo) -> str:
    last = info.path_changes[-1]
    words = (
        f"{info.number} line {last.line}: {SHORT_PATHS[last.from_path]} → "
        f"{SHORT_PATHS[last.to_path]}"
    )
    words += f"; {last.not_needed} is not needed" if last.not_needed else ""
    return words + (f"; made {last.made}" if last.made else "")


class PathDialog(PostingDialog):
    """Change a line's path (stock, build, drop ship) while nothing has moved on it: what it
    no longer needs is cancelled, and an approved order makes what the new path needs."""

    def __init__(self, ctx: AppContext, info: SalesOrderInfo, parent: QWidget | None = None):
        super().__init__(ctx, f"Change a line's path: {info.number}", parent)
        self.info = info
        self.setObjectName("path_dialog")
        self.setMinimumWidth(620)
        self.body.addWidget(
            caption_label(
                "Only while nothing is picked or shipped on the line, its work order has "
                "issued and built nothing and its purchase order has received nothing. The "
                "work order or purchase order it no longer needs is cancelled as not needed."
            )
        )
        form = QFormLayout()
        form.setVerticalSpacing(8)
        self.line = choice_box(
            "path_line",
            [
                (ln.line, f"{ln.line}  {ln.sku} ({SHORT_PATHS[ln.path]})")
                for ln in info.lines
                if ln.path in PATHS and not ln.kit_member
            ],
        )
        self.path = choice_box("path_to", [(p, SHORT_PATHS[p]) for p in PATHS])
        form.addRow("Line", self.line)
        form.addRow("New path", self.path)
        self.body.addLayout(form)
        self.finish_layout("&Change path")

    def submit(self) -> None:
        self.post(
            sales.update_sales_order,
            self.info.number,
            paths={self.line.currentData(): self.path.currentData()},
            progress="Changing the path…",
            done=path_words,
        )
