"""The sales order list: late and ready-to-pick orders marked, filters and sorting in the
database, text search on the number, the customer and the customer's PO number."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.services.engine import changes as kinds
from app.services.engine.changes import Changes
from app.services.engine.paging import PageRequest
from app.services.engine.permissions import Permission
from app.services.engine.uow import UnitOfWork
from app.services.orders import queries, sales
from app.services.orders.sales import SalesOrderSummary
from app.views.common import format as fmt
from app.views.common.page import Page
from app.views.common.runner import AppContext
from app.views.common.status import LATE, OK, Chip
from app.views.common.table_model import Column, PagedTableModel
from app.views.common.widgets import DataTable, button, caption_label, hbox, shortcut, title_label


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


class SalesOrderListPage(Page):
    title = "Sales orders"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.filters: dict[str, Any] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.count = caption_label()
        self.new_button = button(
            "&New sales order",
            self.new_order,
            shortcut="Ctrl+Shift+N",
            primary=True,
            name="new_sales_order",
        )
        layout.addLayout(hbox(title_label("Sales orders"), self.count, None, self.new_button))

        self.text = QLineEdit()
        self.text.setObjectName("so_filter_text")
        self.text.setPlaceholderText("Search order, customer, customer PO (Ctrl+F)")
        self.text.setClearButtonEnabled(True)
        self.text.setMinimumWidth(360)
        self.status = QComboBox()
        self.status.setObjectName("so_filter_status")
        self.status.addItem("Any status", None)
        for key, label in queries.sales_order_statuses():
            self.status.addItem(label, key)
        self.late = QCheckBox("&Late only")
        self.late.setObjectName("so_filter_late")
        self.ready = QCheckBox("&Ready to pick only")
        self.ready.setObjectName("so_filter_ready")
        layout.addLayout(hbox(self.text, self.status, self.late, self.ready, None))

        self.model = PagedTableModel(
            COLUMNS,
            self._fetch,
            self,
            sort="number",
            row_style=row_style,
            context=ctx,
            autoload=False,
        )
        self.model.loaded.connect(self._loaded)
        self.table = DataTable(self.model, settings_key="sales_orders", stretch=len(COLUMNS) - 1)
        self.table.setObjectName("sales_order_table")
        self.table.activated_row.connect(self.open_order)
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel(LEGEND))

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filters)
        self.text.textEdited.connect(lambda _t: self._debounce.start())
        self.text.returnPressed.connect(self.apply_filters)
        self.status.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.late.toggled.connect(lambda _on: self.apply_filters())
        self.ready.toggled.connect(lambda _on: self.apply_filters())
        shortcut(self, "Ctrl+F", self.text.setFocus)
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

    def _fetch(self, uow: UnitOfWork, page: PageRequest) -> Any:
        return sales.list_sales_orders(uow, **self.filters, page=page)

    def apply_filters(self) -> None:
        self._debounce.stop()
        self.filters = self.current_filters()
        self.stale = False
        self.model.reload()

    def open_target(self, **target: Any) -> None:
        """`status=key`, `late=True`, `ready_to_pick=True`, `text=...`."""
        widgets = (self.status, self.late, self.ready, self.text)
        for w in widgets:
            w.blockSignals(True)
        status = target.get("status")
        self.status.setCurrentIndex(max(0, self.status.findData(status)) if status else 0)
        self.late.setChecked(bool(target.get("late")))
        self.ready.setChecked(bool(target.get("ready_to_pick")))
        self.text.setText(str(target.get("text") or ""))
        for w in widgets:
            w.blockSignals(False)
        self.stale = True

    def refresh(self) -> None:
        wanted = self.current_filters()
        if wanted != self.filters or not self.model.pages_fetched:
            self.filters = wanted
            self.model.reload()
        else:
            self.model.refresh()

    def affected_by(self, changes: Changes) -> bool:
        return changes.touches(kinds.SALES_ORDER, kinds.FULFILLMENT) or bool(changes.balances)

    def _loaded(self, _pages: int) -> None:
        total = self.model.total
        self.count.setText(f"{total:,} sales order{'s' if total != 1 else ''}")
        if self.table.currentIndex().row() < 0:
            self.table.select_first()

    def user_changed(self) -> None:
        self.new_button.setEnabled(self.ctx.can(Permission.SELL))

    def open_order(self, row: SalesOrderSummary) -> None:
        self.ctx.navigate.emit("sales_order", {"number": row.number})

    def new_order(self) -> None:
        from app.views.orders.order_entry import SalesOrderDialog

        if not self.ctx.can(Permission.SELL):
            self.ctx.show_message("your role may not enter sales orders", "error")
            return
        self.dialog = SalesOrderDialog(self.ctx, self)
        self.dialog.saved.connect(
            lambda info: self.ctx.navigate.emit("sales_order", {"number": info.number})
        )
        self.dialog.open()
