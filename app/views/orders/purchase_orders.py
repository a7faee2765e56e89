"""Purchase orders: the list (filters in the database), and one order with its lines, its
receipts, and the actions its status allows: receive (or receive by scan), mark a drop-ship
order shipped, close, cancel."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGridLayout, QLabel, QLineEdit, QWidget

from app.services.engine.changes import Changes
from app.services.engine.paging import PageRequest
from app.services.engine.uow import UnitOfWork
from app.services.kinds import document_kind
from app.services.orders import purchasing, queries
from app.services.orders.purchase_changes import edit_purchase_order
from app.services.orders.purchasing import (
    PURCHASE_ORDER,
    RECEIPT,
    PurchaseOrderInfo,
    PurchaseOrderLineInfo,
    PurchaseOrderSummary,
    ReceiptInfo,
)
from app.views.common import format as fmt
from app.views.common.dialogs import PostingDialog, ask_before
from app.views.common.page import DocumentPage, ListPage
from app.views.common.runner import AppContext, run_op
from app.views.common.status import Chip
from app.views.common.table_model import (
    Column,
    RowTableModel,
    money_column,
    qty_column,
)
from app.views.common.widgets import (
    button,
    caption_label,
    choice_box,
    fitted_table,
    hbox,
    page_layout,
    search_box,
    section,
    title_label,
)
from app.views.orders.common import LinkLabel, fields_grid
from app.views.vendor_returns.dialogs import ReturnToVendorDialog

VENDOR_RETURN = document_kind("vendor_return")

COLUMNS: list[Column[PurchaseOrderSummary]] = [
    Column("Purchase order", lambda r: r.number, sort="number", width=165),
    Column("Vendor", lambda r: r.vendor, sort="vendor", width=210),
    Column("Status", lambda r: r.status_label, sort="status", status=lambda r: r.status, width=205),
    Column("Kind", lambda r: "drop ship" if r.drop_ship else "stock", width=100),
    Column("For order", lambda r: r.created_from or "", width=120),
    Column("Ordered", lambda r: fmt.day(r.order_date), width=115),
    Column("Expected", lambda r: fmt.day(r.expected_date), sort="expected", width=115),
    Column("Memo", lambda r: r.memo or ""),
]
LINE_COLUMNS: list[Column[PurchaseOrderLineInfo]] = [
    Column("Line", lambda r: r.line_no, width=60),
    Column("Item", lambda r: r.sku, width=180),
    Column("Name", lambda r: r.name, width=260),
    qty_column("Ordered", lambda r: r.quantity, width=100),
    qty_column("Received", lambda r: r.received, width=110),
    Column(
        "Remaining",
        lambda r: "cancelled" if r.cancelled else fmt.qty(r.remaining),
        align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
        width=115,
    ),
    qty_column("Returned", lambda r: r.returned, width=110),
    money_column("Unit cost", lambda r: r.unit_cost),
    Column("Unit", lambda r: r.uom, width=60),
    Column("For order line", lambda r: r.sales_order_line or ""),
]
CANCELLED = Chip("#F1F1F1", "#6E6E6E")  # a cancelled line, greyed
ACTION_TEXT = {
    "receive": ("&Receive…", None),
    "mark_shipped": ("&Mark shipped…", None),
    "edit": ("&Edit…", "Ctrl+E"),
    "return": ("Re&turn to vendor…", None),
    "close": ("C&lose…", None),
    "cancel": ("Cancel order…", None),
}


class PurchaseOrderListPage(ListPage):
    title = "Purchase orders"
    noun = "purchase order"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = page_layout(self)
        self.receive_button = button(
            "Receive by &scan", lambda: self.ctx.navigate.emit("receiving", {}), name="po_scan"
        )
        self.suggest_button = button(
            "Re&plenishment…",
            lambda: self.ctx.navigate.emit("replenishment", {}),
            name="po_replenishment",
        )
        layout.addLayout(
            hbox(
                title_label("Purchase orders"),
                self.count,
                None,
                self.suggest_button,
                self.receive_button,
            )
        )
        self.text = search_box(
            "po_filter_text", "Search number, vendor, memo or customer PO (Ctrl+F)", 380
        )
        self.status = choice_box(
            "po_filter_status", [(None, "Any status"), *queries.purchase_order_statuses()]
        )
        self.open_only = QCheckBox("&Open only")
        self.open_only.setObjectName("po_filter_open")
        layout.addLayout(hbox(self.text, self.status, self.open_only, None))
        self.documents_table(
            layout,
            COLUMNS,
            name="purchase_order_table",
            settings_key="purchase_orders",
            opens="purchase_order",
            stretch=7,
        )
        self.watch_filters(self.text, self.status, self.open_only)

    def current_filters(self) -> dict[str, Any]:
        return {
            "status": self.status.currentData(),
            "text": self.text.text().strip() or None,
            "open_only": self.open_only.isChecked(),
        }

    def fetch(self, uow: UnitOfWork, page: PageRequest) -> Any:
        return purchasing.list_purchase_orders(uow, **self.filters, page=page)

    def affected_by(self, changes: Changes) -> bool:
        return changes.touches(PURCHASE_ORDER, RECEIPT)


class PurchaseOrderPage(DocumentPage):
    title = "Purchase order"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.info: PurchaseOrderInfo | None = None
        layout = self.header("◀ Purchase orders", "purchase_orders", "po")
        self.created_from = LinkLabel(ctx)
        self.created_from.setObjectName("po_created_from")
        self.vendor_returns = LinkLabel(ctx)
        self.vendor_returns.setObjectName("po_vendor_returns")
        grid, self.fields = fields_grid(
            [
                ("kind", "Kind"),
                ("order_date", "Ordered"),
                ("expected", "Expected"),
                ("total", "Total"),
                ("location", "Receive at"),
                ("created_from", "Created from"),
                ("customer_po", "Customer PO"),
                ("receipts", "Receipts"),
                ("vendor_returns", "Vendor returns"),
                ("memo", "Memo"),
                ("created", "Entered"),
            ],
            6,
            bold=("expected", "total"),
            widgets={"created_from": self.created_from, "vendor_returns": self.vendor_returns},
        )
        layout.addLayout(grid)

        self.scan_button = button("Receive by &scan", self.receive_by_scan, name="po_by_scan")
        layout.addLayout(
            self.action_row(
                ACTION_TEXT, ("receive", "mark_shipped"), "po_action_", self.scan_button
            )
        )
        self.lines = RowTableModel(
            LINE_COLUMNS, self, row_style=lambda r: CANCELLED if r.cancelled else None
        )
        self.lines_table = fitted_table(self.lines, "po_lines", 2)
        self.lines_table.activated_row.connect(
            lambda r: self.ctx.navigate.emit(
                "stock_item", {"sku": r.sku, "location": self.info.location if self.info else None}
            )
        )
        layout.addWidget(section("Lines", self.lines_table), 1)
        self._enable()

    def forget(self) -> None:
        self.info = None
        self.lines.set_rows([])

    def refresh(self) -> None:
        if self.number:
            run_op(self, purchasing.get_purchase_order, self.number).success(self.show_order).run()

    def affected_by(self, changes: Changes) -> bool:
        if not self.number:
            return False
        mine = set(self.info.vendor_returns) if self.info else set()
        return self.number in changes.of(PURCHASE_ORDER) or bool(mine & changes.of(VENDOR_RETURN))

    def show_order(self, info: PurchaseOrderInfo) -> None:
        self.info = info
        self.show_heading(info, info.vendor)
        f = self.fields
        f["kind"].setText(
            "drop ship: the vendor ships to the customer" if info.drop_ship else "stock"
        )
        f["order_date"].setText(fmt.day(info.order_date))
        f["expected"].setText(fmt.day(info.expected_date) or "—")
        f["total"].setText(fmt.money(info.total))
        f["location"].setText(info.location)
        f["customer_po"].setText(info.customer_po or "—")
        f["receipts"].setText(
            ", ".join(
                f"{r} (reversed)" if r in info.reversed_receipts else r for r in info.receipts
            )
            or "—"
        )
        f["memo"].setText(info.memo or "—")
        f["created"].setText(fmt.when(info.created_at))
        self.created_from.set_numbers([info.created_from] if info.created_from else [])
        self.vendor_returns.set_numbers(info.vendor_returns)
        self.lines.set_rows(info.lines)
        self._enable()

    def _enable(self) -> None:
        allowed = set(self.info.actions) if self.info else set()
        for action, b in self.action_buttons.items():
            b.setEnabled(action in allowed and self.ctx.may(PURCHASE_ORDER.use_case(action)))
            b.setVisible(action != "mark_shipped" or bool(self.info and self.info.drop_ship))
        self.action_buttons["receive"].setVisible(not (self.info and self.info.drop_ship))
        scannable = bool(allowed & {"receive", "mark_shipped"})
        self.scan_button.setEnabled(scannable and self.ctx.may("po.receive"))

    def act(self, action: str) -> None:
        if self.info is None or not self.action_buttons[action].isEnabled():
            return
        info = self.info
        if action in ("receive", "mark_shipped"):
            self._dialog(ReceiveDialog(self.ctx, info, self))
        elif action == "edit":
            self._dialog(EditPurchaseOrderDialog(self.ctx, info, self))
        elif action == "return":
            dialog = ReturnToVendorDialog(self.ctx, info, self)
            dialog.accepted.connect(lambda: self._open_return(dialog))
            self._dialog(dialog)
        elif action == "close":
            self._dialog(
                ask_before(
                    "close",
                    self.ctx,
                    info.number,
                    f"Nothing more will come on {info.number} from {info.vendor}: what is still "
                    "on order is dropped.",
                    purchasing.close_purchase_order,
                    name="close_po_dialog",
                    confirm="C&lose purchase order",
                    parent=self,
                )
            )
        elif action == "cancel":
            self._dialog(
                ask_before(
                    "cancel",
                    self.ctx,
                    info.number,
                    f"{info.number} from {info.vendor} is cancelled; nothing is on order.",
                    purchasing.cancel_purchase_order,
                    name="cancel_po_dialog",
                    confirm="Cancel purchase order",
                    parent=self,
                )
            )

    def _open_return(self, dialog: ReturnToVendorDialog) -> None:
        if dialog.made is not None:
            self.ctx.navigate.emit("vendor_return", {"number": dialog.made.number})

    def receive_by_scan(self) -> None:
        if self.info is not None:
            self.ctx.navigate.emit("receiving", {"scan": self.info.number})


def received_words(receipt: ReceiptInfo) -> str:
    listed = ", ".join(f"{fmt.qty(q)} {sku}" for sku, q, _cost in receipt.lines)
    return f"Received {receipt.number} on {receipt.purchase_order}: {listed}"


class ReceiveDialog(PostingDialog):
    """Receive a purchase order (or, for a drop-ship order, record what the vendor shipped):
    a quantity per line; all blank receives everything remaining."""

    def __init__(self, ctx: AppContext, info: PurchaseOrderInfo, parent: QWidget | None = None):
        verb = "Mark shipped" if info.drop_ship else "Receive"
        super().__init__(ctx, f"{verb}: {info.number} from {info.vendor}", parent)
        self.info = info
        self.setObjectName("receive_dialog")
        self.setMinimumWidth(640)
        self.body.addWidget(
            caption_label(
                f"The vendor shipped it straight to the customer of {info.created_from}: this "
                "fulfills those order lines; nothing comes through our stock."
                if info.drop_ship
                else "The goods go into stock at the order's cost; waiting orders get them "
                "when commitment after entry is on. Leave every quantity blank to receive "
                "everything remaining."
            )
        )
        form = QFormLayout()
        form.setVerticalSpacing(8)
        self.quantities: dict[str, QLineEdit] = {}
        for ln in info.lines:
            edit = QLineEdit()
            edit.setObjectName(f"receive_{ln.line_no}")
            edit.setMinimumWidth(280)
            edit.setPlaceholderText(
                f"ordered {fmt.qty(ln.quantity)}, remaining {fmt.qty(ln.remaining)}"
            )
            self.quantities[str(ln.line_no)] = edit
            form.addRow(f"{ln.line_no}  {ln.sku}", edit)
        self.body.addLayout(form)
        self.finish_layout(f"&{verb}")

    def submit(self) -> None:
        wanted = {k: e.text().strip() for k, e in self.quantities.items() if e.text().strip()}
        if self.info.drop_ship:
            self.post(
                purchasing.mark_drop_ship_shipped,
                self.info.number,
                wanted or None,
                progress="Recording the shipment…",
                done=lambda i: (
                    f"Marked {i.number} shipped: {i.created_from} is fulfilled by the vendor"
                ),
            )
        else:
            self.post(
                purchasing.receive_purchase_order,
                self.info.number,
                wanted or None,
                progress="Receiving…",
                done=received_words,
            )


def edited_words(info: PurchaseOrderInfo) -> str:
    return f"Changed {info.number}: total {fmt.money(info.total)}, {info.status_label}"


class EditPurchaseOrderDialog(PostingDialog):
    """Change a purchase order: per line a new quantity (never below what came in), a new
    price, or cancel it (while nothing came in on it); the expected date; a new line (not on
    a drop-ship order). Blank leaves a value as it is."""

    def __init__(self, ctx: AppContext, info: PurchaseOrderInfo, parent: QWidget | None = None):
        super().__init__(ctx, f"Edit {info.number} from {info.vendor}", parent)
        self.info = info
        self.setObjectName("edit_po_dialog")
        self.setMinimumWidth(760)
        self.body.addWidget(
            caption_label(
                "What is still to come changes what is on order at once. A quantity never "
                "goes below what came in; a line nothing came in on can be cancelled."
                + (
                    f" A drop-ship line's change reaches {info.created_from} as the drop-ship "
                    "preferences say."
                    if info.drop_ship
                    else ""
                )
            )
        )
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        for column, caption in enumerate(("Line", "Ordered", "Came in", "Quantity", "Price", "")):
            grid.addWidget(caption_label(caption, wrap=False), 0, column)
        self.quantities: dict[str, QLineEdit] = {}
        self.prices: dict[str, QLineEdit] = {}
        self.cancel_lines: dict[str, QCheckBox] = {}
        live = [ln for ln in info.lines if not ln.cancelled]
        for row, ln in enumerate(live, start=1):
            key = str(ln.line_no)
            grid.addWidget(QLabel(f"{ln.line_no}  {ln.sku}"), row, 0)
            grid.addWidget(QLabel(fmt.qty(ln.quantity)), row, 1)
            grid.addWidget(QLabel(fmt.qty(ln.received)), row, 2)
            qty = QLineEdit()
            qty.setObjectName(f"edit_qty_{key}")
            qty.setPlaceholderText(fmt.qty(ln.quantity))
            price = QLineEdit()
            price.setObjectName(f"edit_price_{key}")
            price.setPlaceholderText(fmt.money(ln.unit_cost))
            cancel = QCheckBox("Cancel line")
            cancel.setObjectName(f"edit_cancel_{key}")
            cancel.setEnabled(ln.received == 0 and not info.drop_ship and len(live) > 1)
            self.quantities[key], self.prices[key], self.cancel_lines[key] = qty, price, cancel
            grid.addWidget(qty, row, 3)
            grid.addWidget(price, row, 4)
            grid.addWidget(cancel, row, 5)
        self.body.addLayout(grid)
        form = QFormLayout()
        form.setVerticalSpacing(8)
        self.expected = QLineEdit()
        self.expected.setObjectName("edit_expected")
        self.expected.setPlaceholderText(fmt.day(info.expected_date) or "YYYY-MM-DD")
        form.addRow("Expected", self.expected)
        self.add_sku = QLineEdit()
        self.add_sku.setObjectName("edit_add_sku")
        self.add_sku.setPlaceholderText("sku of a new line")
        self.add_qty = QLineEdit()
        self.add_qty.setObjectName("edit_add_qty")
        self.add_qty.setPlaceholderText("quantity")
        self.add_cost = QLineEdit()
        self.add_cost.setObjectName("edit_add_cost")
        self.add_cost.setPlaceholderText("unit cost (optional)")
        for w in (self.add_sku, self.add_qty, self.add_cost):
            w.setEnabled(not info.drop_ship)
        form.addRow("New line", hbox(self.add_sku, self.add_qty, self.add_cost))
        self.body.addLayout(form)
        self.finish_layout("&Save changes")

    def submit(self) -> None:
        def given(edits: dict[str, QLineEdit]) -> dict[str, str]:
            return {k: e.text().strip() for k, e in edits.items() if e.text().strip()}

        add = []
        if self.add_sku.text().strip() or self.add_qty.text().strip():
            add.append(
                purchasing.OrderedLine(
                    self.add_sku.text().strip(),
                    self.add_qty.text().strip(),
                    self.add_cost.text().strip() or None,
                )
            )
        self.post(
            edit_purchase_order,
            self.info.number,
            quantities=given(self.quantities),
            prices=given(self.prices),
            expected=self.expected.text().strip() or None,
            add=add,
            cancel=[k for k, box in self.cancel_lines.items() if box.isChecked()],
            progress="Saving…",
            done=edited_words,
        )
