"""Shortages across all open work orders, and the creation queue with its accept action."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from app.services.engine import changes as kinds
from app.services.engine.changes import Changes
from app.services.production import planning
from app.services.production.planning import ShortageLine, Suggestion
from app.services.production.work_orders import WORK_ORDER
from app.views.common import format as fmt
from app.views.common.page import Page
from app.views.common.runner import AppContext, run_op
from app.views.common.status import SHORT, Chip
from app.views.common.table_model import Column, PagedTableModel, qty_column
from app.views.common.widgets import DataTable, button, caption_label, hbox, title_label

SHORTAGE_COLUMNS: list[Column[ShortageLine]] = [
    Column("Component", lambda r: r.sku, sort="sku", width=140),
    Column("Name", lambda r: r.name, width=150),
    Column("At", lambda r: r.location, sort="location", width=50),
    qty_column("Needed", lambda r: r.required, width=95),
    qty_column("Can have", lambda r: r.available, width=105),
    qty_column("Short", lambda r: r.short, sort="short", width=80),
    Column("Orders", lambda r: r.work_orders, width=85),
    qty_column("On order", lambda r: r.on_order, width=102),
    Column("Next due", lambda r: fmt.day(r.next_due), width=110),
    qty_column("Still short", lambda r: r.still_short, width=112),
]


def _still_short(row: ShortageLine) -> Chip | None:
    """Orange while the supply due in time does not cover it."""
    return SHORT if row.still_short > 0 else None


QUEUE_COLUMNS: list[Column[Suggestion]] = [
    Column("Assembly", lambda r: r.sku, sort="sku", width=170),
    Column("Name", lambda r: r.name, width=240),
    qty_column("Suggested", lambda r: r.quantity, sort="quantity", width=120),
    qty_column("Available", lambda r: r.available, width=110),
    qty_column("On order", lambda r: r.on_order, width=110),
    qty_column("Build point", lambda r: r.build_point, width=120),
    qty_column("Preferred", lambda r: r.preferred_stock),
]


class PlanningPage(Page):
    title = "Shortages and queue"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(
            hbox(
                title_label("Shortages and creation queue"),
                None,
                button("Refresh", self.refresh, shortcut="F5"),
            )
        )
        self.tabs = QTabWidget()
        self.tabs.setObjectName("planning_tabs")

        short_box = QWidget()
        short_layout = QVBoxLayout(short_box)
        short_layout.addWidget(
            caption_label(
                "Every component the active work orders (planned ones too) still need beyond what "
                "is committed to them plus what is uncommitted at their location; on order is "
                "what open work orders and purchase orders bring there, and still short what "
                "the supply due by each order's due date does not cover."
            )
        )
        self.shortages = PagedTableModel(
            SHORTAGE_COLUMNS,
            lambda uow, page: planning.shortages_all(uow, page=page),
            self,
            sort="short",
            descending=True,
            row_style=_still_short,
            context=ctx,
            autoload=False,
        )
        self.shortage_table = DataTable(
            self.shortages, settings_key="shortages_with_supply", stretch=1
        )
        self.shortage_table.setObjectName("shortage_table")
        self.shortage_table.activated_row.connect(
            lambda r: self.ctx.navigate.emit("stock_item", {"sku": r.sku, "location": r.location})
        )
        short_layout.addWidget(self.shortage_table)
        self.tabs.addTab(short_box, "Shortages")

        queue_box = QWidget()
        queue_layout = QVBoxLayout(queue_box)
        self.accept_selected = button(
            "Accept &selected", self.accept_one, name="queue_accept_selected"
        )
        self.accept_all = button(
            "&Accept all", self.accept_every, primary=True, name="queue_accept_all"
        )
        queue_layout.addLayout(
            hbox(
                caption_label(
                    "Assemblies whose available plus on-order quantity is below their build point, "
                    "with the quantity that brings them back to the preferred stock level. "
                    "Accepting creates production work orders in the default status."
                ),
                self.accept_selected,
                self.accept_all,
            )
        )
        self.queue = PagedTableModel(
            QUEUE_COLUMNS,
            lambda uow, page: planning.creation_queue(uow, page=page),
            self,
            sort="sku",
            context=ctx,
            autoload=False,
        )
        self.queue_table = DataTable(self.queue, settings_key="queue", stretch=6)
        self.queue_table.setObjectName("queue_table")
        queue_layout.addWidget(self.queue_table)
        self.tabs.addTab(queue_box, "Creation queue")
        layout.addWidget(self.tabs, 1)
        self.queue.loaded.connect(lambda _n: self._counts())
        self.shortages.loaded.connect(lambda _n: self._counts())
        self.user_changed()

    def _counts(self) -> None:
        self.tabs.setTabText(0, f"Shortages ({self.shortages.total:,})")
        self.tabs.setTabText(1, f"Creation queue ({self.queue.total:,})")
        enabled = self.ctx.may("queue.accept") and self.queue.total > 0
        self.accept_all.setEnabled(enabled)
        self.accept_selected.setEnabled(enabled)

    def open_target(self, **target: Any) -> None:
        self.tabs.setCurrentIndex(1 if target.get("tab") == "queue" else 0)

    def refresh(self) -> None:
        self.shortages.reload()
        self.queue.reload()

    def affected_by(self, changes: Changes) -> bool:
        return bool(
            changes.of(WORK_ORDER) or changes.balances or changes.touches(kinds.ITEM, kinds.BOM)
        )

    def user_changed(self) -> None:
        self._counts()

    def accept_one(self) -> None:
        row = self.queue_table.current_row()
        if isinstance(row, Suggestion):
            self._accept([row.sku])
        else:
            self.ctx.show_message("pick a suggestion first", "error")

    def accept_every(self) -> None:
        self._accept(None)

    def _accept(self, skus: list[str] | None) -> None:
        run_op(self, planning.accept_suggestions, skus).progress("Creating work orders…").done(
            lambda a: (
                "Created "
                + (
                    ", ".join(f"{w.number} ({fmt.qty(w.quantity)} {w.item})" for w in a.created)
                    or "nothing"
                )
            )
        ).success(lambda _a: None).run()
