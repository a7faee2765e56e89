"""The dashboard: the plant at a glance, every figure from one `overview()` read; each figure
opens the list behind it."""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from app.services import overview
from app.services.engine import changes as kinds
from app.services.engine.changes import Changes
from app.services.overview import Overview, RecentBuild
from app.services.production.planning import ShortageLine
from app.services.production.work_orders import WORK_ORDER, WorkOrderSummary, work_order_statuses
from app.views.common import format as fmt
from app.views.common.page import Page
from app.views.common.runner import AppContext, run_op
from app.views.common.status import ACCENT, HELD, LATE, OK, SHORT, chip, font
from app.views.common.table_model import Column, RowTableModel, qty_column, status_column
from app.views.common.widgets import (
    DataTable,
    FigureCard,
    button,
    caption_label,
    fit_columns,
    hbox,
    section,
    title_label,
)

LATE_COLUMNS: list[Column[WorkOrderSummary]] = [
    Column("Work order", lambda r: r.number, width=120),
    Column("Item", lambda r: r.item, width=140),
    qty_column("Qty", lambda r: r.quantity, width=55),
    Column("Due", lambda r: fmt.day(r.due), width=110),
    status_column("Status", lambda r: r.status, lambda r: r.status_label),
]
SHORTAGE_COLUMNS: list[Column[ShortageLine]] = [
    Column("Component", lambda r: r.sku, width=145),
    Column("At", lambda r: r.location, width=65),
    qty_column("Needed", lambda r: r.required, width=85),
    qty_column("Can have", lambda r: r.available, width=100),
    qty_column("Short", lambda r: r.short, width=70),
    Column("Orders", lambda r: r.work_orders),
]
BUILD_COLUMNS: list[Column[RecentBuild]] = [
    Column("When", lambda r: fmt.when(r.posted_at), width=150),
    Column("Work order", lambda r: r.work_order, width=120),
    Column("Item", lambda r: r.sku, width=140),
    qty_column("Built", lambda r: r.quantity, width=60),
    Column("By", lambda r: r.posted_by),
]


class DashboardPage(Page):
    title = "Dashboard"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("dashboard")
        self.data: Overview | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        self.today = caption_label()
        self.today.setWordWrap(False)
        layout.addLayout(
            hbox(
                title_label("Dashboard"),
                self.today,
                None,
                button("Refresh", self.refresh, shortcut="F5"),
            )
        )

        # Work orders by status: one card per status, each opens the filtered list.
        self.status_cards: dict[str, FigureCard] = {}
        statuses = QHBoxLayout()
        statuses.setSpacing(10)
        for key, label in work_order_statuses():
            card = FigureCard(label, tone=chip(key))
            card.setObjectName("figure_card")
            card.setProperty("status", key)
            card.clicked.connect(lambda k=key: self.open_list(status=[k]))
            self.status_cards[key] = card
            statuses.addWidget(card)
        # Beside them, whatever their status: the ones held, and the ones changed.
        self.held_card = FigureCard("On hold", tone=HELD)
        self.held_card.clicked.connect(lambda: self.open_list(held=True))
        self.changed_card = FigureCard("Changed")
        self.changed_card.clicked.connect(lambda: self.open_list(changed=True))
        statuses.addWidget(self.held_card)
        statuses.addWidget(self.changed_card)
        layout.addLayout(statuses)

        # The three figures a supervisor acts on.
        self.late_card = FigureCard("late work orders (due date passed, not built)", tone=LATE)
        self.late_card.clicked.connect(lambda: self.open_list(late=True))
        self.short_card = FigureCard("components short across active work orders", tone=SHORT)
        self.short_card.clicked.connect(
            lambda: self.ctx.navigate.emit("planning", {"tab": "shortages"})
        )
        self.queue_card = FigureCard("production work orders suggested by the creation queue")
        self.queue_card.clicked.connect(
            lambda: self.ctx.navigate.emit("planning", {"tab": "queue"})
        )
        # Shown while lots on hand are expired or expire within expiry_warning_days.
        self.expiring_card = FigureCard("lots expired or expiring soon", tone=SHORT)
        self.expiring_card.setObjectName("expiring_card")
        self.expiring_card.clicked.connect(self.open_expiring)
        self.expiring_card.hide()
        self.first_expiring: str | None = None
        headline = QHBoxLayout()
        headline.setSpacing(10)
        for card in (self.late_card, self.short_card, self.queue_card, self.expiring_card):
            headline.addWidget(card)
        layout.addLayout(headline)

        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(12)
        self.late_model = RowTableModel(
            LATE_COLUMNS, self, row_style=lambda r: HELD if r.held else None
        )
        self.late_table = DataTable(self.late_model, settings_key="dashboard_late", fill=True)
        self.late_table.setObjectName("dashboard_late")
        self.late_table.activated_row.connect(self.open_work_order)
        self.shortage_model = RowTableModel(SHORTAGE_COLUMNS, self)
        self.shortage_table = DataTable(
            self.shortage_model, settings_key="dashboard_short", fill=True
        )
        self.shortage_table.activated_row.connect(
            lambda r: self.ctx.navigate.emit("stock_item", {"sku": r.sku, "location": r.location})
        )
        self.builds_model = RowTableModel(BUILD_COLUMNS, self)
        self.builds_table = DataTable(self.builds_model, settings_key="dashboard_builds", fill=True)
        self.builds_table.activated_row.connect(
            lambda r: self.ctx.navigate.emit("work_order", {"number": r.work_order})
        )
        # Small panels: each column as wide as its heading or widest cell, the item the rest.
        fit_columns(self.late_table, 1)
        fit_columns(self.shortage_table, 0)
        fit_columns(self.builds_table, 2)
        self.late_more = button("All late work orders", lambda: self.open_list(late=True))
        self.short_more = button(
            "Shortage report", lambda: self.ctx.navigate.emit("planning", {"tab": "shortages"})
        )
        grid.addWidget(section("Late work orders", self.late_table, self.late_more), 0, 0)
        grid.addWidget(
            section("Shortages, most short first", self.shortage_table, self.short_more), 1, 0
        )
        self.chart = self._make_chart()
        self.chart_caption = caption_label()
        chart_box = QWidget()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.addWidget(self.chart)
        grid.addWidget(
            section("Completed per day, last four weeks", chart_box, self.chart_caption), 0, 1
        )
        grid.addWidget(section("Recent builds", self.builds_table), 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid, 1)

    def _make_chart(self) -> QChartView:
        chart = QChart()
        chart.legend().hide()
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundRoundness(6)
        view = QChartView(chart)
        view.setObjectName("completed_chart")
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumHeight(140)
        return view

    # --- data ----------------------------------------------------------------------------

    def refresh(self) -> None:
        run_op(self, overview.overview).progress("Reading the plant…").success(
            self.show_overview
        ).run()

    def affected_by(self, changes: Changes) -> bool:
        return changes.touches(WORK_ORDER, kinds.ITEM, kinds.BOM, kinds.PREFERENCE)

    def show_overview(self, data: Overview) -> None:
        self.data = data
        self.today.setText(f"{data.today.strftime('%A %d %B %Y')}")
        for key, card in self.status_cards.items():
            card.set_value(f"{data.work_orders.get(key, 0):,}")
        self.late_card.set_value(f"{data.late.total:,}")
        self.late_card.set_tone(LATE if data.late.total else OK)
        self.short_card.set_value(f"{data.shortages.total:,}")
        self.short_card.set_tone(SHORT if data.shortages.total else OK)
        self.queue_card.set_value(f"{data.suggestions.total:,}")
        lots = data.expiring_lots
        self.expiring_card.setVisible(lots.total > 0)
        self.expiring_card.set_value(f"{lots.total:,}")
        self.expiring_card.set_tone(LATE if any(lot.expired for lot in lots.rows) else SHORT)
        self.expiring_card.setToolTip(
            "\n".join(
                f"{lot.sku} lot {lot.lot} at {lot.location}: "
                + ("expired " if lot.expired else "expires ")
                + fmt.day(lot.expires)
                for lot in lots.rows
            )
        )
        self.first_expiring = lots.rows[0].sku if lots.rows else None
        if data.exceptions is not None:
            self.held_card.set_value(f"{data.exceptions.held:,}")
            self.held_card.set_tone(HELD if data.exceptions.held else OK)
            self.changed_card.set_value(f"{data.exceptions.changed:,}")
        self.late_model.set_rows(data.late.rows)
        self.shortage_model.set_rows(data.shortages.rows)
        self.builds_model.set_rows(data.recent_builds)
        self.late_more.setText(
            f"All {data.late.total:,} late" if data.late.total else "Work orders"
        )
        self._fill_chart(data)

    def _fill_chart(self, data: Overview) -> None:
        chart = self.chart.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        bars = QBarSet("Completed")
        bars.setColor(QColor(ACCENT))
        days = data.completed_per_day
        categories = []
        for d in days:
            bars.append(float(d.quantity))  # only the bar's height: the figures stay Decimal
            categories.append(str(d.day.day))  # 28 days in a row never repeat a day
        series = QBarSeries()
        series.append(bars)
        series.setBarWidth(0.8)
        chart.addSeries(series)
        x = QBarCategoryAxis()
        x.append(categories)
        x.setLabelsFont(font(8))
        x.setTruncateLabels(False)
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x)
        y = QValueAxis()
        top = max((d.quantity for d in days), default=0)
        y.setRange(0, max(float(top) * 1.15, 1.0))
        y.setLabelFormat("%d")
        y.setLabelsFont(font(9))
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(y)
        first, last = (days[0].day, days[-1].day) if days else (data.today, data.today)
        self.chart_caption.setText(f"{first:%d %b} to {last:%d %b}")

    # --- navigation ----------------------------------------------------------------------

    def open_list(self, **target: object) -> None:
        self.ctx.navigate.emit("work_orders", dict(target))

    def open_expiring(self) -> None:
        """The stock of the item whose lot expires first, its lots listed."""
        if self.first_expiring is not None:
            self.ctx.navigate.emit("stock_item", {"sku": self.first_expiring})

    def open_work_order(self, row: WorkOrderSummary) -> None:
        self.ctx.navigate.emit("work_order", {"number": row.number})
