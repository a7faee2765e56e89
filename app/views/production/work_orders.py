"""The work order list: filters and sorting run in the database, pages load as you scroll."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QWidget

from app.services.engine.changes import Changes
from app.services.engine.paging import PageRequest
from app.services.engine.uow import UnitOfWork
from app.services.production import work_orders
from app.services.production.work_orders import WORK_ORDER, WorkOrderSummary, work_order_statuses
from app.views.common import format as fmt
from app.views.common.page import ListPage
from app.views.common.runner import AppContext
from app.views.common.status import HELD, LATE, SHORT, Chip
from app.views.common.table_model import Column, PagedTableModel, qty_column, status_column
from app.views.common.widgets import (
    DataTable,
    button,
    choice_box,
    hbox,
    page_layout,
    search_box,
    shortcut,
    title_label,
)


def flags(row: WorkOrderSummary) -> str:
    marks = (("HELD", row.held), ("LATE", row.late), ("SHORT", row.short), ("CHANGED", row.changed))
    return " · ".join(word for word, on in marks if on)


def flag_tip(row: WorkOrderSummary) -> str:
    """Who held a work order and why."""
    return f"On hold: {row.hold_reason} (held by {row.held_by})" if row.held else ""


def row_style(row: WorkOrderSummary) -> Chip | None:
    if row.held:
        return HELD
    if row.late:
        return LATE
    if row.short:
        return SHORT
    return None


COLUMNS: list[Column[WorkOrderSummary]] = [
    Column("Work order", lambda r: r.number, sort="number", width=122),
    Column("Item", lambda r: r.item, sort="item", width=150),
    Column("Name", lambda r: r.item_name, width=200),
    qty_column("Qty", lambda r: r.quantity, sort="quantity", width=70),
    qty_column("Built", lambda r: r.built, sort="built", width=72),
    status_column("Status", lambda r: r.status, lambda r: r.status_label, sort="status"),
    Column("Due", lambda r: fmt.day(r.due), sort="due", width=115),
    Column("Prio", lambda r: r.priority, sort="priority", width=60),
    Column("At", lambda r: r.location, sort="location", width=72),
    Column("Flags", flags, tooltip=flag_tip, width=130),
    Column("Created from", lambda r: r.created_from or "", width=140),
]


class WorkOrderListPage(ListPage):
    title = "Work orders"
    noun = "work order"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = page_layout(self)
        self.new_button = button(
            "&New work order",
            self.new_work_order,
            shortcut="Ctrl+N",
            primary=True,
            name="new_work_order",
        )
        self.travelers_button = button(
            "&Travelers for every released work order…",
            self.print_travelers,
            name="wo_batch_travelers",
        )
        self.preview: Any = None
        # The exceptions to look at first: work orders on hold, and changed ones.
        self.held = QCheckBox("On &hold")
        self.held.setObjectName("filter_held")
        self.changed = QCheckBox("C&hanged")
        self.changed.setObjectName("filter_changed")
        layout.addLayout(
            hbox(
                title_label("Work orders"),
                self.count,
                None,
                self.held,
                self.changed,
                self.travelers_button,
                self.new_button,
            )
        )

        self.status = choice_box("filter_status", [(None, "Any status"), *work_order_statuses()])
        self.item = search_box("filter_item", "Item sku")
        self.due_from = QLineEdit()
        self.due_from.setObjectName("filter_due_from")
        self.due_from.setPlaceholderText("Due from")
        self.due_from.setToolTip("Due on or after this day (YYYY-MM-DD)")
        self.due_to = QLineEdit()
        self.due_to.setObjectName("filter_due_to")
        self.due_to.setPlaceholderText("Due to")
        self.due_to.setToolTip("Due on or before this day (YYYY-MM-DD)")
        self.text = search_box("filter_text", "Search number, item, reference, memo (Ctrl+F)")
        self.late = QCheckBox("&Late only")
        self.short = QCheckBox("&Short only")
        for w in (self.item, self.due_from, self.due_to):
            w.setMaximumWidth(150)
        self.text.setMinimumWidth(320)
        layout.addLayout(
            hbox(
                self.text,
                self.status,
                self.item,
                self.due_from,
                self.due_to,
                self.late,
                self.short,
                None,
            )
        )
        self.legend = QLabel(
            f"<span style='background:{HELD.background}; color:{HELD.foreground}'>"
            "&nbsp;HELD: on hold, nothing posts on it&nbsp;</span>&nbsp;&nbsp;"
            f"<span style='background:{LATE.background}; color:{LATE.foreground}; padding:2px 8px'>"
            "&nbsp;LATE: due date passed, not built&nbsp;</span>&nbsp;&nbsp;"
            f"<span style='background:{SHORT.background}; color:{SHORT.foreground}'>"
            "&nbsp;SHORT: a component cannot get what it still needs&nbsp;</span>"
        )

        self.model = PagedTableModel(
            COLUMNS, self.fetch, self, row_style=row_style, context=ctx, autoload=False
        )
        self.model.loaded.connect(self._loaded)
        self.table = DataTable(self.model, settings_key="work_orders", stretch=2)
        self.table.setObjectName("work_order_table")
        self.table.activated_row.connect(self.open_work_order)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.legend)

        self.watch(
            self.item,
            self.due_from,
            self.due_to,
            self.text,
            self.status,
            self.late,
            self.short,
            self.held,
            self.changed,
        )
        shortcut(self, "Ctrl+F", self.text.setFocus)
        self.user_changed()

    # --- filters -------------------------------------------------------------------------

    def current_filters(self) -> dict[str, Any]:
        status = self.status.currentData()
        return {
            "status": [status] if status else None,
            "item": self.item.text().strip() or None,
            "due_from": self.due_from.text().strip() or None,
            "due_to": self.due_to.text().strip() or None,
            "text": self.text.text().strip() or None,
            "late": self.late.isChecked(),
            "short": self.short.isChecked(),
            "held": self.held.isChecked(),
            "changed": self.changed.isChecked(),
        }

    def fetch(self, uow: UnitOfWork, page: PageRequest) -> Any:
        return work_orders.list_work_orders(uow, **self.filters, page=page)

    def open_target(self, **target: Any) -> None:
        """From the dashboard: `status=[key]`, `late=True`, `short=True`, `held=True`,
        `changed=True`, `text=...`."""
        with self.setting_filters(
            self.status, self.late, self.short, self.held, self.changed, self.text, self.item
        ):
            statuses = target.get("status") or []
            self.status.setCurrentIndex(
                max(0, self.status.findData(statuses[0])) if statuses else 0
            )
            self.late.setChecked(bool(target.get("late")))
            self.short.setChecked(bool(target.get("short")))
            self.held.setChecked(bool(target.get("held")))
            self.changed.setChecked(bool(target.get("changed")))
            self.text.setText(str(target.get("text") or ""))
            self.item.setText(str(target.get("item") or ""))

    def affected_by(self, changes: Changes) -> bool:
        return bool(changes.of(WORK_ORDER) or changes.balances)

    def user_changed(self) -> None:
        self.new_button.setEnabled(self.ctx.may("wo.create"))

    # --- actions -------------------------------------------------------------------------

    def open_work_order(self, row: WorkOrderSummary) -> None:
        self.ctx.navigate.emit("work_order", {"number": row.number})

    def print_travelers(self) -> None:
        from app.views.printing.actions import preview_travelers_released

        self.preview = preview_travelers_released(self, self.ctx)

    def new_work_order(self) -> None:
        from app.views.production.new_order import NewWorkOrderDialog

        if not self.ctx.may("wo.create"):
            self.ctx.show_message("your role may not create work orders", "error")
            return
        dialog = NewWorkOrderDialog(self.ctx, self)
        dialog.created.connect(
            lambda info: self.ctx.navigate.emit("work_order", {"number": info.number})
        )
        dialog.open()
        self.new_dialog = dialog
