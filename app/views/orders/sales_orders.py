"""The sales order list: late and ready-to-pick orders marked, filters and sorting in the
database, text search on the number, the customer and the customer's PO number."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QLabel, QWidget

from app.services.engine.changes import Changes
from app.services.engine.paging import PageRequest
from app.services.engine.uow import UnitOfWork
from app.services.orders import queries, sales
from app.services.orders.fulfillment import FULFILLMENT
from app.services.orders.sales import SALES_ORDER, SalesOrderSummary
from app.views.common import format as fmt
from app.views.common.page import ListPage
from app.views.common.runner import AppContext
from app.views.common.status import LATE, OK, Chip
from app.views.common.table_model import Column
from app.views.common.widgets import (
    button,
    choice_box,
    hbox,
    page_layout,
    search_box,
    title_label,
)


def flags(row: SalesOrderSummary) -> str:
    marks = (("LATE", row.late), ("READY TO PICK", row.ready_to_pick))
    return " · ".join(word for word, on in marks if on)


def row_style(row: SalesOrderSummary) -> Chip | None:
    if row.late:
        return LATE
    if row.ready_to_pick:
        return OK
    return None


COLUMNS: list[Column[SalesOrderSummary]] = [
    Column("Order", lambda r: r.number, sort="number", width=120),
    Column("Customer", lambda r: r.customer, sort="customer", width=220),
    Column("Customer PO", lambda r: r.customer_po or "", width=140),
    Column("Status", lambda r: r.status_label, sort="status", status=lambda r: r.status, width=200),
    Column("Ship date", lambda r: fmt.day(r.ship_date), sort="ship_date", width=115),
    Column("Prio", lambda r: r.priority, sort="priority", width=60),
    Column("Ordered", lambda r: fmt.day(r.order_date), sort="order_date", width=115),
    Column("At", lambda r: r.location, width=70),
    Column("Flags", flags),
]

LEGEND = (
    f"<span style='background:{LATE.background}; color:{LATE.foreground}'>"
    "&nbsp;LATE: ship date passed, not all shipped&nbsp;</span>&nbsp;&nbsp;"
    f"<span style='background:{OK.background}; color:{OK.foreground}'>"
    "&nbsp;READY TO PICK: committed stock waits to be picked&nbsp;</span>"
)


class SalesOrderListPage(ListPage):
    title = "Sales orders"
    noun = "sales order"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = page_layout(self)
        self.new_button = button(
            "&New sales order",
            self.new_order,
            shortcut="Ctrl+Shift+N",
            primary=True,
            name="new_sales_order",
        )
        layout.addLayout(hbox(title_label("Sales orders"), self.count, None, self.new_button))

        self.text = search_box(
            "so_filter_text", "Search order, customer, customer PO (Ctrl+F)", 360
        )
        self.status = choice_box(
            "so_filter_status", [(None, "Any status"), *queries.sales_order_statuses()]
        )
        self.late = QCheckBox("&Late only")
        self.late.setObjectName("so_filter_late")
        self.ready = QCheckBox("&Ready to pick only")
        self.ready.setObjectName("so_filter_ready")
        layout.addLayout(hbox(self.text, self.status, self.late, self.ready, None))

        self.documents_table(
            layout,
            COLUMNS,
            name="sales_order_table",
            settings_key="sales_orders",
            opens=self.open_order,
            row_style=row_style,
        )
        layout.addWidget(QLabel(LEGEND))

        self.watch_filters(self.text, self.status, self.late, self.ready)
        self.dialog: Any = None
        self.user_changed()

    def current_filters(self) -> dict[str, Any]:
        status = self.status.currentData()
        return {
            "status": [status] if status else None,
            "text": self.text.text().strip() or None,
            "late": self.late.isChecked(),
            "ready_to_pick": self.ready.isChecked(),
        }

    def fetch(self, uow: UnitOfWork, page: PageRequest) -> Any:
        return sales.list_sales_orders(uow, **self.filters, page=page)

    def open_target(self, **target: Any) -> None:
        """`status=key`, `late=True`, `ready_to_pick=True`, `text=...`."""
        with self.setting_filters(self.status, self.late, self.ready, self.text):
            status = target.get("status")
            self.status.setCurrentIndex(max(0, self.status.findData(status)) if status else 0)
            self.late.setChecked(bool(target.get("late")))
            self.ready.setChecked(bool(target.get("ready_to_pick")))
            self.text.setText(str(target.get("text") or ""))

    def affected_by(self, changes: Changes) -> bool:
        return changes.touches(SALES_ORDER, FULFILLMENT) or bool(changes.balances)

    def user_changed(self) -> None:
        self.new_button.setEnabled(self.ctx.may("so.create"))

    def open_order(self, row: SalesOrderSummary) -> None:
        self.ctx.navigate.emit("sales_order", {"number": row.number})

    def new_order(self) -> None:
        from app.views.orders.order_entry import SalesOrderDialog

        if not self.ctx.may("so.create"):
            self.ctx.show_message("your role may not enter sales orders", "error")
            return
        self.dialog = SalesOrderDialog(self.ctx, self)
        self.dialog.saved.connect(
            lambda info: self.ctx.navigate.emit("sales_order", {"number": info.number})
        )
        self.dialog.open()
