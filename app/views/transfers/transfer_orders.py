"""Transfer orders: the list (filters in the database), and one order with its lines, what is
committed at the source, shipped, in transit and received on each, its shipments and
receipts, and the actions its status allows: approve, ship, receive, close, cancel."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QLineEdit, QWidget

from app.services.catalog import items
from app.services.catalog.items import LocationInfo
from app.services.engine.changes import Changes
from app.services.engine.paging import PageRequest
from app.services.engine.uow import UnitOfWork
from app.services.transfers import transfer_orders
from app.services.transfers.transfer_orders import (
    TRANSFER_ORDER,
    TRANSFER_RECEIPT,
    TRANSFER_SHIPMENT,
    TransferLineInfo,
    TransferMovement,
    TransferOrderInfo,
    TransferOrderSummary,
)
from app.views.common import format as fmt
from app.views.common.dialogs import PostingDialog, ask_before
from app.views.common.page import DocumentPage, ListPage
from app.views.common.runner import AppContext, run_op
from app.views.common.status import LATE, SHORT, Chip
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
from app.views.orders.common import fields_grid


def row_style(row: TransferOrderSummary) -> Chip | None:
    return LATE if row.late else None


COLUMNS: list[Column[TransferOrderSummary]] = [
    Column("Transfer order", lambda r: r.number, sort="number", width=165),
    Column("From", lambda r: r.from_location, sort="from", width=110),
    Column("To", lambda r: r.to_location, sort="to", width=110),
    Column("Status", lambda r: r.status_label, sort="status", status=lambda r: r.status, width=200),
    Column("Ship date", lambda r: fmt.day(r.ship_date), sort="ship_date", width=115),
    Column("Receipt date", lambda r: fmt.day(r.receipt_date), sort="receipt_date", width=130),
    Column("Prio", lambda r: r.priority, sort="priority", width=60),
    Column("Late", lambda r: "LATE" if r.late else "", width=70),
    Column("Memo", lambda r: r.memo or ""),
]
LINE_COLUMNS: list[Column[TransferLineInfo]] = [
    Column("Line", lambda r: r.line, width=52),
    Column("Item", lambda r: r.sku, width=140, tooltip=lambda r: f"{r.name} ({r.uom})"),
    Column("Name", lambda r: r.name, width=200, tooltip=lambda r: r.name),
    qty_column("Quantity", lambda r: r.quantity, width=92),
    qty_column("Committed", lambda r: r.committed, width=108),
    qty_column("Shipped", lambda r: r.shipped, width=88),
    qty_column("In transit", lambda r: r.in_transit, width=100),
    qty_column("Received", lambda r: r.received, width=96),
    qty_column("To ship", lambda r: r.to_ship, width=84),
    money_column("Transfer price", lambda r: r.transfer_price),
]
ACTION_TEXT = {
    "approve": ("&Approve", "Ctrl+Shift+A"),
    "ship": ("S&hip…", "Ctrl+Shift+H"),
    "receive": ("&Receive…", None),
    "close": ("C&lose…", None),
    "cancel": ("Cancel order…", None),
}


def line_style(row: TransferLineInfo) -> Chip | None:
    return SHORT if row.backordered > 0 else None


class TransferOrderListPage(ListPage):
    title = "Transfer orders"
    noun = "transfer order"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = page_layout(self)
        self.new_button = button(
            "&New transfer order", self.new_transfer, primary=True, name="new_transfer_order"
        )
        self.suggest_button = button(
            "&Suggestions…",
            lambda: self.ctx.navigate.emit("replenishment", {}),
            name="transfer_suggestions",
        )
        layout.addLayout(
            hbox(
                title_label("Transfer orders"),
                self.count,
                None,
                self.suggest_button,
                self.new_button,
            )
        )
        self.text = search_box("to_filter_text", "Search number, location or memo (Ctrl+F)", 340)
        self.status = choice_box(
            "to_filter_status",
            [(None, "Any status"), *transfer_orders.transfer_order_statuses()],
        )
        self.location = choice_box("to_filter_location", [(None, "Any location")])
        self.open_only = QCheckBox("&Open only")
        self.open_only.setObjectName("to_filter_open")
        layout.addLayout(hbox(self.text, self.status, self.location, self.open_only, None))
        self.documents_table(
            layout,
            COLUMNS,
            name="transfer_order_table",
            settings_key="transfer_orders",
            opens="transfer_order",
            row_style=row_style,
        )
        layout.addWidget(
            caption_label(
                "Late (red): expected at its destination before today and not all received. "
                "Shipped stock waits at the in-transit location until it is received."
            )
        )
        self.watch_filters(self.text, self.status, self.location, self.open_only)
        self.dialog: Any = None
        run_op(self, items.list_locations).success(self._locations).run()
        self.user_changed()

    def _locations(self, found: list[LocationInfo]) -> None:
        self.location.blockSignals(True)
        for loc in found:
            self.location.addItem(f"{loc.code} — {loc.name}", loc.code)
        self.location.blockSignals(False)

    def current_filters(self) -> dict[str, Any]:
        return {
            "status": self.status.currentData(),
            "location": self.location.currentData(),
            "text": self.text.text().strip() or None,
            "open_only": self.open_only.isChecked(),
        }

    def fetch(self, uow: UnitOfWork, page: PageRequest) -> Any:
        return transfer_orders.list_transfer_orders(uow, **self.filters, page=page)

    def affected_by(self, changes: Changes) -> bool:
        return changes.touches(TRANSFER_ORDER, TRANSFER_SHIPMENT, TRANSFER_RECEIPT)

    def user_changed(self) -> None:
        self.new_button.setEnabled(self.ctx.may("transfer.create"))

    def new_transfer(self) -> None:
        from app.views.transfers.entry import TransferOrderDialog

        if not self.ctx.may("transfer.create"):
            self.ctx.show_message("your role may not enter transfer orders", "error")
            return
        self.dialog = TransferOrderDialog(self.ctx, self)
        self.dialog.saved.connect(
            lambda info: self.ctx.navigate.emit("transfer_order", {"number": info.number})
        )
        self.dialog.open()


class TransferOrderPage(DocumentPage):
    title = "Transfer order"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.info: TransferOrderInfo | None = None
        layout = self.header("◀ Transfer orders", "transfer_orders", "to")
        self.party_heading.setObjectName("to_route")
        grid, self.fields = fields_grid(
            [
                ("ship_date", "Ship date"),
                ("receipt_date", "Receipt date"),
                ("priority", "Priority"),
                ("value", "Declared value"),
                ("shipments", "Shipments"),
                ("order_date", "Ordered"),
                ("cost", "Received at"),
                ("created", "Entered"),
                ("memo", "Memo"),
                ("receipts", "Receipts"),
            ],
            5,
            bold=("ship_date", "receipt_date"),
        )
        layout.addLayout(grid)
        layout.addLayout(self.action_row(ACTION_TEXT, ("approve", "ship", "receive"), "to_action_"))
        self.lines = RowTableModel(LINE_COLUMNS, self, row_style=line_style)
        self.lines_table = fitted_table(self.lines, "to_lines", 2)
        self.lines_table.activated_row.connect(
            lambda r: self.ctx.navigate.emit(
                "stock_item",
                {"sku": r.sku, "location": self.info.from_location if self.info else None},
            )
        )
        layout.addWidget(section("Lines", self.lines_table), 1)
        self.note = caption_label(
            "Committed: reserved at the source. In transit: shipped, not received yet. "
            "Orange: still to ship with nothing committed for it. Enter opens the item's stock "
            "at the source."
        )
        layout.addWidget(self.note)
        self._enable()

    def forget(self) -> None:
        self.info = None
        self.lines.set_rows([])

    def refresh(self) -> None:
        if self.number:
            run_op(self, transfer_orders.get_transfer_order, self.number).success(
                self.show_order
            ).run()

    def affected_by(self, changes: Changes) -> bool:
        return bool(self.number) and (
            self.number in changes.of(TRANSFER_ORDER) or bool(changes.balances)
        )

    def show_order(self, info: TransferOrderInfo) -> None:
        self.info = info
        self.show_heading(info, f"{info.from_location} → {info.to_location}")
        f = self.fields
        f["ship_date"].setText(fmt.day(info.ship_date) or "—")
        f["receipt_date"].setText(fmt.day(info.receipt_date) or "—")
        f["priority"].setText(str(info.priority))
        f["value"].setText(fmt.money(info.total))
        f["order_date"].setText(fmt.day(info.order_date))
        f["cost"].setText("item cost" if info.item_cost else "transfer price")
        f["created"].setText(fmt.when(info.created_at))
        f["memo"].setText(info.memo or "—")
        f["shipments"].setText(", ".join(info.shipments) or "—")
        f["receipts"].setText(", ".join(info.receipts) or "—")
        self.lines.set_rows(info.lines)
        self._enable()

    def _enable(self) -> None:
        allowed = set(self.info.actions) if self.info else set()
        for action, b in self.action_buttons.items():
            b.setEnabled(action in allowed and self.ctx.may(TRANSFER_ORDER.use_case(action)))

    def act(self, action: str) -> None:
        if self.info is None or not self.action_buttons[action].isEnabled():
            return
        info = self.info
        if action == "approve":
            run_op(self, transfer_orders.approve_transfer_order, info.number).progress(
                "Approving…"
            ).done(
                lambda i: f"Approved {i.number}: its lines reserve stock at {i.from_location}"
            ).run()
        elif action in ("ship", "receive"):
            self._dialog(MoveDialog(self.ctx, info, action, self))
        elif action == "close":
            self._dialog(
                ask_before(
                    "close",
                    self.ctx,
                    info.number,
                    f"Nothing more ships on {info.number}: what is still committed at "
                    f"{info.from_location} is released and what was not delivered is no longer "
                    f"on order at {info.to_location}.",
                    transfer_orders.close_transfer_order,
                    name="close_to_dialog",
                    confirm="C&lose transfer order",
                    parent=self,
                )
            )
        elif action == "cancel":
            self._dialog(
                ask_before(
                    "cancel",
                    self.ctx,
                    info.number,
                    f"{info.number} is cancelled: nothing is reserved at {info.from_location} "
                    f"or on order at {info.to_location}.",
                    transfer_orders.cancel_transfer_order,
                    name="cancel_to_dialog",
                    confirm="Cancel transfer order",
                    parent=self,
                )
            )


def moved_words(done: TransferMovement, verb: str) -> str:
    listed = ", ".join(f"{fmt.qty(m.quantity)} {m.sku}" for m in done.lines)
    return f"{verb} {done.number} on {done.transfer_order}: {listed}"


class MoveDialog(PostingDialog):
    """Ship a transfer order (from the source into transit) or receive it (from transit into
    the destination): a quantity per line; all blank ships what may ship now, or receives
    everything in transit."""

    def __init__(
        self,
        ctx: AppContext,
        info: TransferOrderInfo,
        action: str,
        parent: QWidget | None = None,
    ) -> None:
        shipping = action == "ship"
        verb = "Ship" if shipping else "Receive"
        super().__init__(
            ctx, f"{verb}: {info.number}, {info.from_location} → {info.to_location}", parent
        )
        self.info = info
        self.shipping = shipping
        self.setObjectName(f"{action}_transfer_dialog")
        self.setMinimumWidth(640)
        self.body.addWidget(
            caption_label(
                f"The goods leave {info.from_location} for the in-transit location, using what "
                "is committed to each line first. Leave every quantity blank to ship what may "
                "ship now."
                if shipping
                else f"The goods leave the in-transit location for {info.to_location}, where "
                "waiting orders get them when commitment after entry is on. Leave every "
                "quantity blank to receive everything in transit."
            )
        )
        form = QFormLayout()
        form.setVerticalSpacing(8)
        self.quantities: dict[str, QLineEdit] = {}
        for ln in info.lines:
            room = ln.to_ship if shipping else ln.in_transit
            if room <= 0:
                continue
            edit = QLineEdit()
            edit.setObjectName(f"{action}_{ln.line}")
            edit.setMinimumWidth(300)
            edit.setPlaceholderText(
                f"to ship {fmt.qty(ln.to_ship)}, committed {fmt.qty(ln.committed)}"
                if shipping
                else f"in transit {fmt.qty(ln.in_transit)}"
            )
            self.quantities[str(ln.line)] = edit
            form.addRow(QLabel(f"{ln.line}  {ln.sku}"), edit)
        self.body.addLayout(form)
        self.finish_layout(f"&{verb}")

    def submit(self) -> None:
        wanted = {k: e.text().strip() for k, e in self.quantities.items() if e.text().strip()}
        if self.shipping:
            self.post(
                transfer_orders.ship_transfer_order,
                self.info.number,
                wanted or None,
                progress="Shipping…",
                done=lambda d: moved_words(d, "Shipped"),
            )
        else:
            self.post(
                transfer_orders.receive_transfer_order,
                self.info.number,
                wanted or None,
                progress="Receiving…",
                done=lambda d: moved_words(d, "Received"),
            )
