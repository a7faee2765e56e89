"""The two queues of the picking bench: orders ready to pick (committed stock waits on the
shelf), and fulfillments waiting for their packing slip (in the status the preference
`limit_status_on_packing_slip_queue` names)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from app.services.engine import changes as kinds
from app.services.engine.changes import Changes
from app.services.engine.paging import PageRequest
from app.services.engine.uow import UnitOfWork
from app.services.orders import fulfillment, sales
from app.services.orders.fulfillment import FULFILLMENT, FulfillmentSummary
from app.services.orders.sales import SALES_ORDER, SalesOrderSummary
from app.views.common import format as fmt
from app.views.common.page import ListPage
from app.views.common.runner import AppContext, run_op
from app.views.common.status import LATE
from app.views.common.table_model import Column, PagedTableModel, status_column
from app.views.common.widgets import (
    DataTable,
    button,
    caption_label,
    hbox,
    page_layout,
    title_label,
)

PICK_COLUMNS: list[Column[SalesOrderSummary]] = [
    Column("Order", lambda r: r.number, sort="number", width=120),
    Column("Customer", lambda r: r.customer, sort="customer", width=230),
    Column("Customer PO", lambda r: r.customer_po or "", width=150),
    Column("Status", lambda r: r.status_label, sort="status", status=lambda r: r.status, width=200),
    Column("Ship date", lambda r: fmt.day(r.ship_date), sort="ship_date", width=115),
    Column("Prio", lambda r: r.priority, sort="priority", width=60),
    Column("At", lambda r: r.location, width=70),
    Column("Flags", lambda r: "LATE" if r.late else ""),
]
PACK_COLUMNS: list[Column[FulfillmentSummary]] = [
    Column("Fulfillment", lambda r: r.number, sort="number", width=130),
    Column("Order", lambda r: r.created_from, sort="order", width=120),
    Column("Customer", lambda r: r.customer, width=230),
    Column("Customer PO", lambda r: r.customer_po or "", width=150),
    status_column("Status", lambda r: r.status, lambda r: r.status_label),
    Column("Ship date", lambda r: fmt.day(r.ship_date), width=115),
    Column("Picked", lambda r: fmt.when(r.created_at), sort="created", width=170),
]


class PickingQueuePage(ListPage):
    """Orders ready to pick, most urgent ship date first."""

    title = "Picking queue"
    noun = "order"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = page_layout(self)
        self.batch_button = button(
            "Picking tickets for &every order ready to pick…",
            self.print_all,
            name="pick_batch_tickets",
        )
        self.ticket_button = button("Picking &ticket…", self.print_one, name="pick_ticket")
        self.scan_button = button(
            "Pick by &scan", self.pick_by_scan, primary=True, name="pick_by_scan"
        )
        layout.addLayout(
            hbox(
                title_label("Ready to pick"),
                self.count,
                None,
                self.batch_button,
                self.ticket_button,
                self.scan_button,
            )
        )
        layout.addWidget(
            caption_label(
                "Approved orders with committed stock not picked yet. Open one (Enter) to see its "
                "lines, or pick it by scan: scan the order, each item, then #SHIP."
            )
        )
        self.model = PagedTableModel(
            PICK_COLUMNS,
            self.fetch,
            self,
            sort="ship_date",
            row_style=lambda r: LATE if r.late else None,
            context=ctx,
            autoload=False,
        )
        self.model.loaded.connect(self._loaded)
        self.table = DataTable(self.model, settings_key="picking_queue", stretch=1)
        self.table.setObjectName("picking_queue_table")
        self.table.activated_row.connect(
            lambda r: self.ctx.navigate.emit("sales_order", {"number": r.number})
        )
        layout.addWidget(self.table, 1)
        self.preview: Any = None
        self.user_changed()

    def fetch(self, uow: UnitOfWork, page: PageRequest) -> Any:
        return sales.list_sales_orders(uow, ready_to_pick=True, page=page)

    def affected_by(self, changes: Changes) -> bool:
        return changes.touches(SALES_ORDER, FULFILLMENT) or bool(changes.balances)

    def _loaded(self, pages: int) -> None:
        self.batch_button.setEnabled(self.model.total > 0)
        super()._loaded(pages)

    def user_changed(self) -> None:
        self.scan_button.setEnabled(self.ctx.may("fulfillment.pick"))

    def selected(self) -> SalesOrderSummary | None:
        row = self.table.current_row()
        return row if isinstance(row, SalesOrderSummary) else None

    def pick_by_scan(self) -> None:
        row = self.selected()
        self.ctx.navigate.emit("pick_station", {"scan": row.number} if row else {})

    def print_one(self) -> None:
        from app.views.printing.actions import preview_picking_ticket

        row = self.selected()
        if row is None:
            self.ctx.show_message("pick an order in the list first", "error")
            return
        self.preview = preview_picking_ticket(self, self.ctx, row.number)

    def print_all(self) -> None:
        from app.views.printing.actions import preview_picking_tickets_ready

        self.preview = preview_picking_tickets_ready(self, self.ctx)


class PackingQueuePage(ListPage):
    """Fulfillments waiting for their packing slip; pack or ship them from here."""

    title = "Packing queue"
    noun = "fulfillment"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = page_layout(self)
        self.slip_button = button("Packing &slip…", self.packing_slip, name="pack_slip")
        self.pack_button = button("&Pack", lambda: self.advance("pack"), name="pack_pack")
        self.ship_button = button(
            "S&hip", lambda: self.advance("ship"), primary=True, name="pack_ship"
        )
        layout.addLayout(
            hbox(
                title_label("Packing queue"),
                self.count,
                None,
                self.slip_button,
                self.pack_button,
                self.ship_button,
            )
        )
        self.explain = QLabel()
        self.explain.setObjectName("packing_queue_explain")
        self.explain.setWordWrap(True)
        self.explain.setStyleSheet("color: #5F6B73;")
        layout.addWidget(self.explain)
        self.model = PagedTableModel(
            PACK_COLUMNS, self.fetch, self, sort="created", context=ctx, autoload=False
        )
        self.model.loaded.connect(self._loaded)
        self.table = DataTable(self.model, settings_key="packing_queue", stretch=2)
        self.table.setObjectName("packing_queue_table")
        self.table.activated_row.connect(
            lambda r: self.ctx.navigate.emit("fulfillment", {"number": r.number})
        )
        layout.addWidget(self.table, 1)
        self.preview: Any = None
        self.user_changed()

    def fetch(self, uow: UnitOfWork, page: PageRequest) -> Any:
        return fulfillment.list_fulfillments(uow, packing_queue=True, page=page)

    def affected_by(self, changes: Changes) -> bool:
        return changes.touches(FULFILLMENT, kinds.PREFERENCE)

    def _loaded(self, pages: int) -> None:
        status = self.model.row_at(0).status_label if self.model.rowCount() else None
        self.explain.setText(
            "Fulfillments waiting for their packing slip"
            + (f" (all {status})" if status else "")
            + ". Which status this queue lists is the preference "
            "limit_status_on_packing_slip_queue."
        )
        super()._loaded(pages)

    def user_changed(self) -> None:
        self.pack_button.setEnabled(self.ctx.may("fulfillment.pack"))
        self.ship_button.setEnabled(self.ctx.may("fulfillment.ship"))

    def selected(self) -> FulfillmentSummary | None:
        row = self.table.current_row()
        return row if isinstance(row, FulfillmentSummary) else None

    def advance(self, action: str) -> None:
        row = self.selected()
        if row is None:
            self.ctx.show_message("pick a fulfillment in the list first", "error")
            return
        fn = fulfillment.pack_fulfillment if action == "pack" else fulfillment.ship_fulfillment
        verb = "Packing" if action == "pack" else "Shipping"
        run_op(self, fn, row.number).progress(f"{verb} {row.number}…").done(
            lambda i: f"{i.status_label} {i.number} for {i.created_from}"
        ).run()

    def packing_slip(self) -> None:
        from app.views.printing.actions import preview_packing_slip

        row = self.selected()
        if row is None:
            self.ctx.show_message("pick a fulfillment in the list first", "error")
            return
        self.preview = preview_packing_slip(self, self.ctx, row.number)
