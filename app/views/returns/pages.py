"""Customer returns: the list (filters in the database), one return authorization with its
lines, what came back on each receipt and the actions its status allows (approve, receive
with restock or scrap per line, close, cancel, reverse a receipt), and a new return from a
sales order's shipped lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QGridLayout, QHeaderView, QLabel, QLineEdit, QWidget

from app.errors import ShopfloorError
from app.services import inventory, reasons
from app.services.catalog import items
from app.services.catalog.items import LocationInfo
from app.services.engine.changes import Changes
from app.services.engine.paging import PageRequest
from app.services.engine.uow import UnitOfWork
from app.services.kinds import document_kind
from app.services.reasons import ReasonCodeInfo
from app.services.returns import returns
from app.services.returns.returns import (
    ReturnableOrder,
    ReturnInfo,
    ReturnLineInfo,
    ReturnReceipt,
    ReturnSummary,
)
from app.views.common import format as fmt
from app.views.common.dialogs import ConfirmDialog, PostingDialog, ask_before
from app.views.common.page import DocumentPage, ListPage
from app.views.common.runner import AppContext, run_op
from app.views.common.status import MUTED, OK, Chip
from app.views.common.table_model import Column, RowTableModel, money_column
from app.views.common.table_model import qty_column as quantity
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
from app.views.orders.common import LinkLabel, fields_grid, links_html

RETURN_AUTHORIZATION = document_kind("return_authorization")

COLUMNS: list[Column[ReturnSummary]] = [
    Column("Return", lambda r: r.number, sort="number", width=120),
    Column("Status", lambda r: r.status_label, sort="status", status=lambda r: r.status, width=170),
    Column("Order", lambda r: r.sales_order, sort="order", width=110),
    Column("Customer", lambda r: r.customer, sort="customer", width=180),
    Column("Customer PO", lambda r: r.customer_po or "", width=135),
    Column("Lines", lambda r: r.lines, width=70),
    Column("Reason", lambda r: r.reason_code or "", width=125),
    Column("Entered", lambda r: fmt.when(r.created_at), sort="created", width=160),
    Column("Memo", lambda r: r.memo or "", tooltip=lambda r: r.memo or "", width=200),
]


def back_to_html(info: ReturnInfo) -> str:
    """Where the goods come back: the location, and for drop-shipped lines the vendor
    returns that send them back to the vendor (links)."""
    if not any(ln.to_vendor for ln in info.lines):
        return info.location
    on = links_html(info.vendor_returns) if info.vendor_returns else "a vendor return once approved"
    return f"{info.location}; drop-shipped lines to the vendor on {on}"


def item_cell(row: ReturnLineInfo) -> str:
    return f"  └ {row.sku}" if row.kit_member else row.sku


LINE_COLUMNS: list[Column[ReturnLineInfo]] = [
    Column("Line", lambda r: r.line, width=52),
    Column("Item", item_cell, width=175, tooltip=lambda r: r.name),
    Column("Name", lambda r: r.name, width=190, tooltip=lambda r: r.name),
    quantity("Authorized", lambda r: r.quantity, width=110),
    quantity("Received", lambda r: r.received, width=96),
    quantity("Restocked", lambda r: None if r.path == "kit" else r.restocked, width=104),
    quantity("Scrapped", lambda r: None if r.path == "kit" else r.scrapped, width=96),
    Column(
        "To receive",
        lambda r: "to vendor" if r.to_vendor else fmt.qty(r.to_receive) if r.to_receive else "",
        align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
        tooltip=lambda r: (
            f"{r.sku} was drop-shipped: the customer sends it back to the vendor"
            if r.to_vendor
            else ""
        ),
        width=104,
    ),
    Column(
        "Credit",
        lambda r: "" if r.kit_member else fmt.money(r.credited * r.rate),
        align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
        tooltip=lambda r: (
            f"{r.sku} comes back with its kit"
            if r.kit_member
            else f"{fmt.qty(r.credited)} credited at {fmt.money(r.rate)}"
        ),
        width=100,
    ),
    money_column("Cost", lambda r: None if r.path == "kit" else r.unit_cost),
]
RECEIPT_COLUMNS: list[Column[ReturnReceipt]] = [
    Column("Event", lambda r: r.event_id, width=70),
    Column("Received", lambda r: fmt.when(r.posted_at), width=160),
    Column("By", lambda r: r.posted_by, width=90),
    Column("At", lambda r: r.location, width=70),
    quantity("Restocked", lambda r: r.restocked, width=104),
    quantity("Scrapped", lambda r: r.scrapped, width=96),
    Column(
        "Reversed",
        lambda r: f"by event {r.reversed_by}" if r.reversed_by else "",
        width=140,
    ),
]
ACTION_TEXT = {
    "approve": ("&Approve", "Ctrl+Shift+A"),
    "receive": ("&Receive…", "Ctrl+R"),
    "close": ("C&lose…", None),
    "cancel": ("Cancel return…", None),
}


def complete(row: ReturnLineInfo) -> Chip | None:
    return OK if row.quantity > 0 and row.received >= row.quantity else None


class ReturnListPage(ListPage):
    title = "Customer returns"
    noun = "return"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = page_layout(self)
        self.scan_button = button(
            "Receive by &scan", self.receive_by_scan, name="returns_receive_by_scan"
        )
        layout.addLayout(hbox(title_label("Customer returns"), self.count, None, self.scan_button))
        self.text = search_box(
            "rma_filter_text", "Search return, order, customer, customer PO (Ctrl+F)", 380
        )
        self.status = choice_box(
            "rma_filter_status", [(None, "Any status"), *returns.return_statuses()]
        )
        layout.addLayout(hbox(self.text, self.status, None))
        self.documents_table(
            layout,
            COLUMNS,
            name="return_table",
            settings_key="returns",
            opens="return_authorization",
        )
        layout.addWidget(
            caption_label(
                "A return is entered from its sales order (Return… on the order's page): what "
                "shipped and is not returned yet may come back."
            )
        )
        self.watch_filters(self.text, self.status)
        self.user_changed()

    def current_filters(self) -> dict[str, Any]:
        status = self.status.currentData()
        return {"status": [status] if status else None, "text": self.text.text().strip() or None}

    def fetch(self, uow: UnitOfWork, page: PageRequest) -> Any:
        return returns.list_returns(uow, **self.filters, page=page)

    def open_target(self, **target: Any) -> None:
        """`status=key`, `text=...`."""
        with self.setting_filters(self.status, self.text):
            status = target.get("status")
            self.status.setCurrentIndex(max(0, self.status.findData(status)) if status else 0)
            self.text.setText(str(target.get("text") or ""))

    def affected_by(self, changes: Changes) -> bool:
        return changes.touches(RETURN_AUTHORIZATION)

    def user_changed(self) -> None:
        self.scan_button.setEnabled(self.ctx.may("rma.receive"))

    def receive_by_scan(self) -> None:
        if self.scan_button.isEnabled():
            self.ctx.navigate.emit("return_receiving", {})


class ReturnPage(DocumentPage):
    title = "Customer return"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.info: ReturnInfo | None = None
        self.receipts: list[ReturnReceipt] = []
        layout = self.header("◀ Customer returns", "return_authorizations", "rma")
        self.order = LinkLabel(ctx)
        self.order.setObjectName("rma_order")
        # Where the goods come back: our location, and the vendor returns a drop-shipped
        # line goes back on.
        self.back_to = LinkLabel(ctx)
        self.back_to.setObjectName("rma_back_to")
        grid, self.fields = fields_grid(
            [
                ("order", "From order"),
                ("customer_po", "Customer PO"),
                ("reason", "Reason"),
                ("credit", "Credit"),
                ("location", "Comes back to"),
                ("created", "Entered"),
                ("approved", "Approved"),
                ("memo", "Memo"),
            ],
            4,
            bold=("customer_po", "credit"),
            widgets={"order": self.order, "location": self.back_to},
        )
        layout.addLayout(grid)
        self.scan_button = button("Receive by &scan", self.receive_by_scan, name="rma_scan")
        layout.addLayout(
            self.action_row(ACTION_TEXT, ("approve", "receive"), "rma_action_", self.scan_button)
        )
        self.lines = RowTableModel(LINE_COLUMNS, self, row_style=complete)
        self.lines_table = fitted_table(self.lines, "rma_lines", 2)
        # A kit's members are indented under it: the item column keeps room for that.
        items_column = self.lines_table.horizontalHeader()
        items_column.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.lines_table.setColumnWidth(1, LINE_COLUMNS[1].width or 175)
        self.lines_table.activated_row.connect(self.open_line)
        layout.addWidget(section("Lines", self.lines_table), 2)
        self.reverse_button = button(
            "Re&verse receipt…", self.reverse_receipt, name="rma_reverse_receipt"
        )
        self.receipt_rows = RowTableModel(RECEIPT_COLUMNS, self)
        self.receipt_table = fitted_table(self.receipt_rows, "rma_receipts", 6)
        layout.addWidget(section("Receipts", self.receipt_table, self.reverse_button), 1)
        self._enable()

    def forget(self) -> None:
        self.info = None
        self.receipts = []
        self.lines.set_rows([])
        self.receipt_rows.set_rows([])

    def refresh(self) -> None:
        if self.number:
            run_op(self, _read_return, self.number).success(self.show_return).run()

    def affected_by(self, changes: Changes) -> bool:
        return bool(self.number) and self.number in changes.of(RETURN_AUTHORIZATION)

    def show_return(self, read: tuple[ReturnInfo, list[ReturnReceipt]]) -> None:
        info, receipts = read
        self.info = info
        self.receipts = receipts
        self.show_heading(info, info.customer)
        f = self.fields
        self.order.set_numbers([info.sales_order])
        f["customer_po"].setText(info.customer_po or "—")
        f["reason"].setText(info.reason_code or "—")
        f["credit"].setText(credit_words(info))
        self.back_to.setText(back_to_html(info))
        f["created"].setText(f"{fmt.when(info.created_at)} by {info.created_by}")
        f["approved"].setText(
            f"{fmt.when(info.approved_at)} by {info.approved_by}" if info.approved_by else "—"
        )
        f["memo"].setText(info.memo or "—")
        self.lines.set_rows(info.lines)
        self.receipt_rows.set_rows(receipts)
        self._enable()

    def _enable(self) -> None:
        allowed = set(self.info.actions) if self.info else set()
        for action, b in self.action_buttons.items():
            b.setEnabled(action in allowed and self.ctx.may(RETURN_AUTHORIZATION.use_case(action)))
        self.scan_button.setEnabled("receive" in allowed and self.ctx.may("rma.receive"))
        self.reverse_button.setEnabled(
            any(r.reversed_by is None for r in self.receipts) and self.ctx.may("stock.reverse")
        )

    def open_line(self, row: ReturnLineInfo) -> None:
        if row.path != "kit":
            where = self.info.location if self.info else None
            self.ctx.navigate.emit("stock_item", {"sku": row.sku, "location": where})

    def receive_by_scan(self) -> None:
        if self.info is not None and self.scan_button.isEnabled():
            self.ctx.navigate.emit("return_receiving", {"scan": self.info.number})

    def act(self, action: str) -> None:
        if self.info is None or not self.action_buttons[action].isEnabled():
            return
        info = self.info
        if action == "approve":
            run_op(self, returns.approve_return, info.number).progress(
                f"Approving {info.number}…"
            ).done(approved_words).success(lambda _i: self.refresh()).run()
        elif action == "receive":
            self._dialog(ReceiveReturnDialog(self.ctx, info, self))
        elif action == "close":
            self._dialog(
                ask_before(
                    "close",
                    self.ctx,
                    info.number,
                    f"Nothing more comes back on {info.number}: its order's lines may be "
                    "returned again for what did not come, and a credit told in advance for it "
                    "is withdrawn.",
                    returns.close_return,
                    name="close_return_dialog",
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
                    f"Nothing came back on {info.number} and nothing will; a credit told in "
                    "advance is withdrawn. A cancelled return cannot be reopened.",
                    returns.cancel_return,
                    name="cancel_return_dialog",
                    confirm="Cancel return",
                    parent=self,
                )
            )

    def reverse_receipt(self) -> None:
        if self.info is None or not self.reverse_button.isEnabled():
            return
        row = self.receipt_table.current_row()
        chosen = row if isinstance(row, ReturnReceipt) else None
        chosen = chosen or next((r for r in reversed(self.receipts) if r.reversed_by is None), None)
        if chosen is None or chosen.reversed_by is not None:
            self.ctx.show_message("pick a receipt that is not reversed yet", "error")
            return
        self._dialog(
            ConfirmDialog(
                self.ctx,
                f"Reverse the receipt of event {chosen.event_id}?",
                f"What it brought back to {chosen.location} ({fmt.qty(chosen.restocked)} "
                f"restocked, {fmt.qty(chosen.scrapped)} scrapped) is taken out again by a new "
                f"posting naming it, {self.info.number} expects it again, and the credit told "
                "for it is withdrawn. The restocked goods must still be here.",
                inventory.reverse_posting,
                chosen.event_id,
                name="reverse_receipt_dialog",
                keep="Keep it",
                confirm="Re&verse receipt",
                progress="Reversing…",
                done=lambda r: f"Reversed event {r.reversed_event} (new event {r.event_id})",
                parent=self,
            )
        )


def _read_return(uow: UnitOfWork, number: str) -> tuple[ReturnInfo, list[ReturnReceipt]]:
    """The return and its receipts (two reads, one operation)."""
    return returns.get_return(uow, number), returns.return_receipts(uow, number)


def credit_words(info: ReturnInfo) -> str:
    when = "at approval (refund in advance)" if info.credit_in_advance else "as it comes back"
    if info.approved_at is None:
        return "— (once approved)"
    return f"{fmt.money(info.credit)} · {when}"


def approved_words(info: ReturnInfo) -> str:
    told = f"; credited {fmt.money(info.credit)} in advance" if info.credit_in_advance else ""
    return f"Approved {info.number}: the goods may come back{told}"


def received_words(info: ReturnInfo) -> str:
    done = [ln for ln in info.lines if ln.path != "kit"]
    restocked = sum((ln.restocked for ln in done), Decimal(0))
    scrapped = sum((ln.scrapped for ln in done), Decimal(0))
    return (
        f"Received on {info.number}: {fmt.qty(restocked)} restocked, {fmt.qty(scrapped)} "
        f"scrapped in all; {info.status_label}"
    )


class ReceiveReturnDialog(PostingDialog):
    """What came back, line by line, each restocked or scrapped, at a location. All blank:
    everything still to come back."""

    def __init__(self, ctx: AppContext, info: ReturnInfo, parent: QWidget | None = None):
        super().__init__(ctx, f"Receive {info.number}", parent)
        self.info = info
        self.setObjectName("receive_return_dialog")
        self.setMinimumWidth(760)
        self.body.addWidget(
            caption_label(
                f"What came back from {info.customer}, at the cost it shipped at. Restocked "
                "goods go back on the shelf; scrapped ones are written off as they arrive. "
                "Leave every quantity blank to receive everything still to come back."
            )
        )
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        for column, caption in enumerate(("Line", "Item", "Came back", "")):
            grid.addWidget(caption_label(caption), 0, column)
        self.quantities: dict[str, QLineEdit] = {}
        self.keep: dict[str, QComboBox] = {}
        restock = info.restock_by_default
        row = 1
        for ln in info.lines:
            if ln.kit_member or (ln.path != "kit" and ln.to_receive <= 0):
                continue
            label = QLabel(ln.line)
            name = QLabel(f"{ln.sku}  ·  {ln.name}")
            name.setMinimumWidth(260)
            edit = QLineEdit()
            edit.setObjectName(f"receive_{ln.line}")
            edit.setFixedWidth(190)
            edit.setPlaceholderText(
                f"kits: {fmt.qty(ln.quantity - ln.received)} to come"
                if ln.path == "kit"
                else f"{fmt.qty(ln.to_receive)} {ln.uom} to come"
            )
            keep = choice_box(
                f"disposition_{ln.line}", [("restock", "Restock"), ("scrap", "Scrap")]
            )
            keep.setCurrentIndex(0 if restock else 1)
            self.quantities[ln.line] = edit
            self.keep[ln.line] = keep
            for column, widget in enumerate((label, name, edit, keep)):
                grid.addWidget(widget, row, column)
            row += 1
        self.body.addLayout(grid)
        self.location = choice_box("receive_location", [(info.location, info.location)])
        self.memo = QLineEdit()
        self.memo.setObjectName("receive_memo")
        self.memo.setPlaceholderText("memo (optional)")
        self.body.addLayout(
            hbox(caption_label("Came back to", wrap=False), self.location, self.memo)
        )
        note = caption_label("A kit's line brings its members back in proportion.")
        note.setStyleSheet(f"color: {MUTED}")
        self.body.addWidget(note)
        run_op(self, items.list_locations).success(self._locations).run()
        self.finish_layout("&Receive")

    def _locations(self, found: list[LocationInfo]) -> None:
        for loc in found:
            if loc.code != self.info.location:
                self.location.addItem(loc.code, loc.code)

    def submit(self) -> None:
        wanted = {
            label: e.text().strip() for label, e in self.quantities.items() if e.text().strip()
        }
        chosen = wanted or {label: "" for label in self.quantities}
        self.post(
            returns.receive_return,
            self.info.number,
            wanted or None,
            location=self.location.currentData(),
            dispositions={label: self.keep[label].currentData() for label in chosen},
            memo=self.memo.text().strip() or None,
            progress="Receiving…",
            done=received_words,
        )


class NewReturnDialog(PostingDialog):
    """A return of some of a sales order's shipped lines: a quantity per line that may come
    back (a kit in whole kits), a reason, where it comes back."""

    def __init__(self, ctx: AppContext, number: str, parent: QWidget | None = None):
        super().__init__(ctx, f"Return from {number}", parent)
        self.number = number
        self.setObjectName("new_return_dialog")
        self.setMinimumWidth(900)
        self.intro = caption_label(
            "What the customer sends back: never more than shipped and not returned yet. A kit "
            "comes back as its members, in whole kits."
        )
        self.body.addWidget(self.intro)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(8)
        self.body.addLayout(self.grid)
        self.quantities: dict[str, QLineEdit] = {}
        self.reason = choice_box("return_reason", [(None, "No reason given")])
        self.reason.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.memo = QLineEdit()
        self.memo.setObjectName("return_memo")
        self.memo.setPlaceholderText("memo (optional)")
        self.body.addLayout(hbox(caption_label("Reason", wrap=False), self.reason, self.memo))
        self.order: ReturnableOrder | None = None
        self.finish_layout("&Authorize return")
        self.ok.setEnabled(False)
        run_op(self, returns.returnable_lines, number).success(self._lines).run()
        run_op(self, reasons.list_reason_codes, "return", active_only=True).success(
            self._reasons
        ).run()

    def _reasons(self, found: list[ReasonCodeInfo]) -> None:
        for r in found:
            self.reason.addItem(f"{r.code} — {r.description}" if r.description else r.code, r.code)

    def _lines(self, order: ReturnableOrder) -> None:
        self.order = order
        self.intro.setText(
            f"{order.customer}"
            + (f", customer PO {order.customer_po}" if order.customer_po else "")
            + f": what they send back comes to {order.location}. Never more than shipped and "
            "not returned yet; a kit comes back as its members, in whole kits."
        )
        for column, caption in enumerate(("Line", "Item", "Shipped", "Returned", "Comes back")):
            self.grid.addWidget(caption_label(caption), 0, column)
        row = 1
        for ln in order.lines:
            if ln.kit_member:
                continue
            name = QLabel(f"<b>{ln.sku}</b><br>{ln.name}")
            name.setMinimumWidth(280)
            name.setMinimumHeight(name.sizeHint().height())  # both lines, never squeezed
            if ln.why_not or ln.returnable <= 0:
                # The first words say why; the whole reason is the tooltip.
                cell: QWidget = caption_label(
                    ln.why_not.split(":")[0].capitalize() if ln.why_not else "All returned",
                    wrap=False,
                )
                cell.setToolTip(ln.why_not or "everything shipped is on returns already")
            else:
                edit = QLineEdit()
                edit.setObjectName(f"return_{ln.line}")
                edit.setFixedWidth(200)
                edit.setPlaceholderText(
                    f"up to {fmt.qty(ln.returnable)}" + (" kits" if ln.path == "kit" else "")
                )
                self.quantities[ln.line] = edit
                cell = edit
            cells = (
                QLabel(ln.line),
                name,
                QLabel(fmt.qty(ln.shipped)),
                QLabel(fmt.qty(ln.returned)),
                cell,
            )
            for column, widget in enumerate(cells):
                self.grid.addWidget(widget, row, column)
            row += 1
        self.grid.setColumnStretch(1, 1)
        self.ok.setEnabled(bool(self.quantities))
        self.adjustSize()  # the lines arrive after the dialog is laid out

    def submit(self) -> None:
        wanted = {
            label: e.text().strip() for label, e in self.quantities.items() if e.text().strip()
        }
        if not wanted:
            self.refused(ShopfloorError("write how many come back on at least one line"))
            return
        self.ok.setEnabled(False)
        run_op(
            self,
            returns.create_return,
            self.number,
            wanted,
            reason=self.reason.currentData(),
            memo=self.memo.text().strip() or None,
        ).progress("Authorizing the return…").done(created_words).success(self._created).failure(
            self.refused
        ).run()

    def _created(self, info: ReturnInfo) -> None:
        self.accept()
        self.ctx.navigate.emit("return_authorization", {"number": info.number})


def created_words(info: ReturnInfo) -> str:
    listed = ", ".join(f"{fmt.qty(ln.quantity)} {ln.sku}" for ln in info.lines if not ln.kit_member)
    return f"{info.number} for {info.sales_order}: {listed}; {info.status_label}"
