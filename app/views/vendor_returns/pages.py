"""Vendor returns: the list (filters in the database), and one return with its lines, the
receipts they came in on, and the actions its status allows: approve, ship (all or part),
close, cancel."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLineEdit, QWidget

from app.services.engine.changes import Changes
from app.services.engine.paging import PageRequest
from app.services.engine.uow import UnitOfWork
from app.services.kinds import document_kind
from app.services.vendor_returns import returns
from app.services.vendor_returns.returns import (
    VendorReturnInfo,
    VendorReturnLineInfo,
    VendorReturnSummary,
)
from app.views.common import format as fmt
from app.views.common.dialogs import PostingDialog, ask_before
from app.views.common.page import DocumentPage, ListPage
from app.views.common.runner import AppContext, run_op
from app.views.common.table_model import (
    Column,
    RowTableModel,
    money_column,
    qty_column,
)
from app.views.common.widgets import (
    caption_label,
    choice_box,
    fitted_table,
    hbox,
    page_layout,
    search_box,
    section,
    title_label,
)
from app.views.orders.common import LinkLabel, fields_grid, open_record

VENDOR_RETURN = document_kind("vendor_return")

COLUMNS: list[Column[VendorReturnSummary]] = [
    Column("Vendor return", lambda r: r.number, sort="number", width=150),
    Column("Status", lambda r: r.status_label, sort="status", status=lambda r: r.status, width=190),
    Column("Purchase order", lambda r: r.purchase_order, sort="purchase_order", width=165),
    Column("Vendor", lambda r: r.vendor, sort="vendor", width=200),
    Column("Reason", lambda r: r.reason_code or "", width=110),
    Column("Made", lambda r: fmt.day(r.created), sort="created", width=115),
    Column("Memo", lambda r: r.memo or ""),
]
LINE_COLUMNS: list[Column[VendorReturnLineInfo]] = [
    Column("Line", lambda r: r.line_no, width=60),
    Column("Item", lambda r: r.sku, width=160),
    Column("Name", lambda r: r.name, width=220),
    qty_column("To return", lambda r: r.quantity, width=110),
    qty_column("Shipped", lambda r: r.shipped, width=100),
    qty_column("Remaining", lambda r: r.remaining, width=115),
    money_column("Unit cost", lambda r: r.unit_cost),
    money_column("Credit", lambda r: r.amount),
    Column("Receipt", lambda r: r.receipt or "sent by the customer"),
]
ACTION_TEXT = {
    "approve": ("&Approve", "Ctrl+Shift+A"),
    "ship": ("&Ship to vendor…", None),
    "close": ("C&lose…", None),
    "cancel": ("Cancel return…", None),
}


class VendorReturnListPage(ListPage):
    title = "Vendor returns"
    noun = "vendor return"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = page_layout(self)
        layout.addLayout(hbox(title_label("Vendor returns"), self.count, None))
        self.text = search_box(
            "vra_filter_text", "Search number, purchase order, vendor, reason, memo (Ctrl+F)", 420
        )
        self.status = choice_box(
            "vra_filter_status", [(None, "Any status"), *returns.vendor_return_statuses()]
        )
        self.open_only = QCheckBox("&Still to go back")
        self.open_only.setObjectName("vra_filter_open")
        layout.addLayout(hbox(self.text, self.status, self.open_only, None))
        self.documents_table(
            layout,
            COLUMNS,
            name="vendor_return_table",
            settings_key="vendor_returns",
            opens="vendor_return",
        )
        self.watch_filters(self.text, self.status, self.open_only)

    def current_filters(self) -> dict[str, Any]:
        return {
            "status": self.status.currentData(),
            "text": self.text.text().strip() or None,
            "open_only": self.open_only.isChecked(),
        }

    def fetch(self, uow: UnitOfWork, page: PageRequest) -> Any:
        return returns.list_vendor_returns(uow, **self.filters, page=page)

    def affected_by(self, changes: Changes) -> bool:
        return changes.touches(VENDOR_RETURN)


class VendorReturnPage(DocumentPage):
    title = "Vendor return"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.info: VendorReturnInfo | None = None
        layout = self.header("◀ Vendor returns", "vendor_returns", "vra")
        self.purchase_order = LinkLabel(ctx)
        self.purchase_order.setObjectName("vra_purchase_order")
        self.receipts = LinkLabel(ctx)
        self.receipts.setObjectName("vra_receipts")
        self.receipts.linkActivated.disconnect()  # a receipt is shown on its order's page
        self.receipts.linkActivated.connect(self._open_receipt)
        grid, self.fields = fields_grid(
            [
                ("purchase_order", "Purchase order"),
                ("receipts", "Returns what came on"),
                ("location", "Ships from"),
                ("total", "Credit expected"),
                ("credit", "Finance told"),
                ("reason", "Reason"),
                ("memo", "Memo"),
                ("created", "Made"),
                ("approved", "Approved"),
                ("closed", "Closed"),
            ],
            5,
            bold=("total",),
            widgets={"purchase_order": self.purchase_order, "receipts": self.receipts},
        )
        layout.addLayout(grid)
        layout.addLayout(self.action_row(ACTION_TEXT, ("approve", "ship"), "vra_action_"))
        self.lines = RowTableModel(LINE_COLUMNS, self)
        self.lines_table = fitted_table(self.lines, "vra_lines", 2)
        self.lines_table.activated_row.connect(
            lambda r: self.ctx.navigate.emit(
                "stock_item", {"sku": r.sku, "location": self.info.location if self.info else None}
            )
        )
        layout.addWidget(section("Lines", self.lines_table), 1)
        self._enable()

    def _open_receipt(self, number: str) -> None:
        """A receipt opens on its order's page; a customer return on its own."""
        if self.info is None:
            return
        if number == self.info.return_authorization:
            open_record(self.ctx, None, number)
        else:
            open_record(self.ctx, "receipt", number, self.info.purchase_order)

    def forget(self) -> None:
        self.info = None
        self.lines.set_rows([])

    def refresh(self) -> None:
        if self.number:
            run_op(self, returns.get_vendor_return, self.number).success(self.show_return).run()

    def affected_by(self, changes: Changes) -> bool:
        return bool(self.number) and self.number in changes.of(VENDOR_RETURN)

    def show_return(self, info: VendorReturnInfo) -> None:
        self.info = info
        self.show_heading(info, info.vendor)
        f = self.fields
        self.purchase_order.set_numbers([info.purchase_order])
        self.receipts.set_numbers(
            [info.return_authorization] if info.return_authorization else info.receipts
        )
        f["location"].setText("the customer" if info.return_authorization else info.location)
        f["total"].setText(fmt.money(info.total))
        f["credit"].setText(
            "in advance, at approval" if info.credit_in_advance else "as the goods go back"
        )
        f["reason"].setText(info.reason_code or "—")
        f["memo"].setText(info.memo or "—")
        f["created"].setText(f"{fmt.when(info.created_at)} by {info.created_by}")
        f["approved"].setText(fmt.when(info.approved_at) or "—")
        f["closed"].setText(fmt.when(info.closed_at) or "—")
        self.lines.set_rows(info.lines)
        self._enable()

    def _enable(self) -> None:
        allowed = set(self.info.actions) if self.info else set()
        for action, b in self.action_buttons.items():
            b.setEnabled(action in allowed and self.ctx.may(VENDOR_RETURN.use_case(action)))

    def act(self, action: str) -> None:
        if self.info is None or not self.action_buttons[action].isEnabled():
            return
        info = self.info
        if action == "approve":
            run_op(self, returns.approve_vendor_return, info.number).progress(
                f"Approving {info.number}…"
            ).done(approved_words).success(self.show_return).run()
        elif action == "ship":
            self._dialog(ShipDialog(self.ctx, info, self))
        elif action == "close":
            self._dialog(
                ask_before(
                    "close",
                    self.ctx,
                    info.number,
                    f"Nothing more goes back to {info.vendor} on {info.number}: what was not "
                    "shipped may go back on another return."
                    + (
                        " The credit finance was told in advance for it is taken back."
                        if info.credit_in_advance
                        else ""
                    ),
                    returns.close_vendor_return,
                    name="close_vra_dialog",
                    confirm="C&lose return",
                    parent=self,
                )
            )
        elif action == "cancel":
            self._dialog(
                ask_before(
                    "cancel",
                    self.ctx,
                    info.number,
                    f"Nothing goes back to {info.vendor} on {info.number}."
                    + (
                        " The credit finance was told in advance is taken back."
                        if info.credit_in_advance
                        else ""
                    ),
                    returns.cancel_vendor_return,
                    name="cancel_vra_dialog",
                    confirm="Cancel return",
                    parent=self,
                )
            )


def approved_words(info: VendorReturnInfo) -> str:
    told = "; finance is told of the credit" if info.credit_in_advance else ""
    return f"Approved {info.number}: the goods may go back to {info.vendor}{told}"


def shipped_words(info: VendorReturnInfo) -> str:
    listed = ", ".join(f"{fmt.qty(ln.shipped)} {ln.sku}" for ln in info.lines if ln.shipped > 0)
    return f"{info.number} is {info.status_label}: {listed} gone back to {info.vendor}"


class ShipDialog(PostingDialog):
    """The goods leave for the vendor: a quantity per line (all blank: everything still to
    go back)."""

    def __init__(self, ctx: AppContext, info: VendorReturnInfo, parent: QWidget | None = None):
        super().__init__(ctx, f"Ship {info.number} to {info.vendor}", parent)
        self.info = info
        self.setObjectName("ship_vra_dialog")
        self.setMinimumWidth(640)
        self.body.addWidget(
            caption_label(
                f"The goods leave stock at {info.location} at the cost they came in at"
                + ("." if info.credit_in_advance else ", and finance is told of the credit.")
                + " Leave every quantity blank to ship everything still to go back."
            )
        )
        form = QFormLayout()
        form.setVerticalSpacing(8)
        self.quantities: dict[str, QLineEdit] = {}
        for ln in info.lines:
            edit = QLineEdit()
            edit.setObjectName(f"ship_{ln.line_no}")
            edit.setMinimumWidth(280)
            edit.setPlaceholderText(f"remaining {fmt.qty(ln.remaining)} (from {ln.receipt})")
            edit.setEnabled(ln.remaining > 0)
            self.quantities[str(ln.line_no)] = edit
            form.addRow(f"{ln.line_no}  {ln.sku}", edit)
        self.body.addLayout(form)
        self.finish_layout("&Ship")

    def submit(self) -> None:
        wanted = {k: e.text().strip() for k, e in self.quantities.items() if e.text().strip()}
        self.post(
            returns.ship_vendor_return,
            self.info.number,
            wanted or None,
            progress="Shipping…",
            done=shipped_words,
        )
