"""The finance queue: the events of the three moments (shipped, received, work order closed)
with their lines, drop-ship lines as one line with both sources, what is ready to invoice
(shipped, not billed), marking events reviewed, and the CSV export."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QLineEdit,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services import finance
from app.services.engine import changes as kinds
from app.services.engine.changes import Changes
from app.services.engine.paging import PageRequest
from app.services.engine.uow import UnitOfWork
from app.services.finance import (
    DropShipLine,
    FinanceEventInfo,
    FinanceLineInfo,
    FinanceSide,
    InvoiceReady,
)
from app.views.common import format as fmt
from app.views.common.page import Page
from app.views.common.runner import AppContext, run_op
from app.views.common.status import OK
from app.views.common.table_model import (
    Column,
    PagedTableModel,
    RowTableModel,
    money_column,
    qty_column,
)
from app.views.common.widgets import (
    DataTable,
    button,
    caption_label,
    fit_columns,
    hbox,
    section,
    title_label,
)

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
REVIEWED = [(False, "Not reviewed"), (None, "Reviewed or not"), (True, "Reviewed")]

EVENT_COLUMNS: list[Column[FinanceEventInfo]] = [
    Column("Event", lambda r: r.id, sort="posted", width=76),
    Column("Posted", lambda r: fmt.when(r.posted_at), width=158),
    Column("Moment", lambda r: r.moment_label, width=165),
    Column("Document", lambda r: r.document, sort="document", width=112),
    Column("From", lambda r: r.created_from or "", width=112),
    Column("Customer PO", lambda r: r.customer_po or "", width=132),
    Column("Party", lambda r: r.party or "", width=150, tooltip=lambda r: r.party or ""),
    Column("Reason", lambda r: r.reason or "", width=110),  # a scrap's reason code
    money_column("Amount", lambda r: r.amount, sort="amount"),
    Column(
        "Reviewed",
        lambda r: f"{fmt.when(r.reviewed_at)} {r.reviewed_by or ''}" if r.reviewed_at else "",
        width=190,
    ),
]
LINE_COLUMNS: list[Column[FinanceLineInfo]] = [
    Column("Line", lambda r: r.line_no, width=60),
    Column("Item", lambda r: r.sku, width=170),
    qty_column("Quantity", lambda r: r.quantity, width=110),
    Column("Unit amount", lambda r: fmt.money(r.unit_amount), align=RIGHT, width=135),
    Column("Amount", lambda r: fmt.money(r.amount), align=RIGHT, width=120),
    Column("Drop ship", lambda r: "yes" if r.drop_ship else "", width=110),
    Column("Other source", lambda r: r.paired_with or ""),
]
DROP_SHIP_COLUMNS: list[Column[DropShipLine]] = [
    Column("Sales order", lambda r: r.sales_order, width=130),
    Column("Customer PO", lambda r: r.customer_po or "", width=140),
    Column("Item", lambda r: r.sku, width=170),
    qty_column("Quantity", lambda r: r.quantity, width=110),
    Column("Cost (PO)", lambda r: fmt.money(r.cost), align=RIGHT, width=120),
    Column("Revenue (SO)", lambda r: fmt.money(r.revenue), align=RIGHT, width=140),
    Column("Purchase event", lambda r: r.purchase_event, width=140),
    Column("Sales event", lambda r: r.sales_event),
]
INVOICE_COLUMNS: list[Column[InvoiceReady]] = [
    Column("Sales order", lambda r: r.sales_order, width=130),
    Column("Customer", lambda r: r.customer, width=210),
    Column("Customer PO", lambda r: r.customer_po or "", width=140),
    Column("Line", lambda r: r.line, width=60),
    Column("Item", lambda r: r.sku, width=170),
    qty_column("Shipped", lambda r: r.quantity, width=110),
    money_column("Rate", lambda r: r.rate),
    money_column("To bill", lambda r: r.amount),
    Column("Events", lambda r: ", ".join(str(e) for e in r.events)),
]


def export_events(uow: UnitOfWork, path: str, filters: dict[str, Any]) -> int:
    """Every event the filters match, one row per line, as CSV at `path`."""
    events = finance.list_events(uow, **filters, page=PageRequest(limit=None, descending=True))
    return finance.export_csv(events.rows, path)


class FinancePage(Page):
    title = "Finance"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.filters: dict[str, Any] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.count = caption_label()
        self.review_button = button(
            "Mark &reviewed", self.mark_reviewed, primary=True, name="finance_review"
        )
        self.export_button = button("&Export CSV…", self.export, name="finance_export")
        layout.addLayout(
            hbox(title_label("Finance"), self.count, None, self.export_button, self.review_button)
        )
        self.tabs = QTabWidget()
        self.tabs.setObjectName("finance_tabs")

        events = QWidget()
        events_layout = QVBoxLayout(events)
        self.moment = QComboBox()
        self.moment.setObjectName("finance_moment")
        for key, words in [(None, "Every moment"), *finance.moments()]:
            self.moment.addItem(words, key)
        self.reviewed = QComboBox()
        self.reviewed.setObjectName("finance_reviewed")
        for flag, words in REVIEWED:
            self.reviewed.addItem(words, flag)
        self.reference = QLineEdit()
        self.reference.setObjectName("finance_reference")
        self.reference.setPlaceholderText("Document, order or customer PO")
        self.reference.setClearButtonEnabled(True)
        self.reference.setMinimumWidth(300)
        events_layout.addLayout(hbox(self.reference, self.moment, self.reviewed, None))
        self.events = PagedTableModel(
            EVENT_COLUMNS,
            self._fetch,
            self,
            sort="posted",
            descending=True,
            row_style=lambda r: OK if r.reviewed_at else None,
            context=ctx,
            autoload=False,
        )
        self.events.loaded.connect(self._loaded)
        self.events_table = DataTable(self.events, settings_key="finance_events", stretch=6)
        self.events_table.setWordWrap(False)
        fit_columns(self.events_table, 6)
        self.events_table.setObjectName("finance_events")
        self.events_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.lines = RowTableModel(LINE_COLUMNS, self)
        self.lines_table = DataTable(self.lines, settings_key="finance_lines", stretch=6)
        self.lines_table.setObjectName("finance_lines")
        fit_columns(self.lines_table, 6)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.events_table)
        split.addWidget(section("Lines of the event", self.lines_table))
        split.setSizes([420, 220])
        events_layout.addWidget(split, 1)
        self.events_table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._event_picked(current.row())
        )
        self.tabs.addTab(events, "Events")

        drop = QWidget()
        drop_layout = QVBoxLayout(drop)
        drop_layout.addWidget(
            caption_label(
                "A drop-ship line reaches two moments at once: the vendor's shipment is a "
                "receipt on the purchase order (its cost) and a shipment on the sales order "
                "(its revenue). Each line here is both events."
            )
        )
        self.drop_ship = RowTableModel(DROP_SHIP_COLUMNS, self)
        self.drop_table = DataTable(self.drop_ship, settings_key="finance_drop_ship", stretch=7)
        self.drop_table.setObjectName("finance_drop_ship")
        fit_columns(self.drop_table, 2)
        self.drop_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        drop_layout.addWidget(self.drop_table, 1)
        self.tabs.addTab(drop, "Drop-ship lines")

        invoice = QWidget()
        invoice_layout = QVBoxLayout(invoice)
        invoice_layout.addWidget(
            caption_label(
                "Bill what was shipped: shipped quantities whose events are not reviewed yet, "
                "per order line. Marking the events reviewed takes them off this list."
            )
        )
        self.invoice = RowTableModel(INVOICE_COLUMNS, self)
        self.invoice_table = DataTable(self.invoice, settings_key="finance_invoice", stretch=8)
        self.invoice_table.setObjectName("finance_invoice")
        fit_columns(self.invoice_table, 1)
        self.invoice_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        invoice_layout.addWidget(self.invoice_table, 1)
        self.tabs.addTab(invoice, "Ready to invoice")
        layout.addWidget(self.tabs, 1)

        self.moment.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.reviewed.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.reference.returnPressed.connect(self.apply_filters)
        self.reference.textEdited.connect(lambda t: self.apply_filters() if not t else None)
        self.export_path_asked: str | None = None
        self.user_changed()

    # --- data ----------------------------------------------------------------------------

    def current_filters(self) -> dict[str, Any]:
        return {
            "moment": self.moment.currentData(),
            "reviewed": self.reviewed.currentData(),
            "reference": self.reference.text().strip() or None,
        }

    def _fetch(self, uow: UnitOfWork, page: PageRequest) -> Any:
        return finance.list_events(uow, **self.filters, page=page)

    def apply_filters(self) -> None:
        self.filters = self.current_filters()
        self.stale = False
        self.events.reload()
        self._read_side()

    def refresh(self) -> None:
        wanted = self.current_filters()
        if wanted != self.filters or not self.events.pages_fetched:
            self.filters = wanted
            self.events.reload()
        else:
            self.events.refresh()
        self._read_side()

    def _read_side(self) -> None:
        """The drop-ship and ready-to-invoice panels, under the list's filters."""
        run_op(self, finance.finance_side, **self.filters).success(self._side).run()

    def _side(self, side: FinanceSide) -> None:
        self.drop_ship.set_rows(side.drop_ship)
        self.invoice.set_rows(side.invoice)
        self.tabs.setTabText(1, f"Drop-ship lines ({len(side.drop_ship)})")
        self.tabs.setTabText(2, f"Ready to invoice ({len(side.invoice)})")

    def affected_by(self, changes: Changes) -> bool:
        return changes.touches(kinds.FINANCE_EVENT)

    def _loaded(self, _pages: int) -> None:
        total = self.events.total
        self.count.setText(f"{total:,} event{'s' if total != 1 else ''}")
        if self.events_table.currentIndex().row() < 0:
            self.events_table.select_first()
        self._event_picked(self.events_table.currentIndex().row())

    def _event_picked(self, row: int) -> None:
        if 0 <= row < self.events.rowCount():
            self.lines.set_rows(self.events.row_at(row).lines)
        else:
            self.lines.set_rows([])

    def user_changed(self) -> None:
        self.review_button.setEnabled(self.ctx.may("finance.review"))

    # --- actions -------------------------------------------------------------------------

    def selected_events(self) -> list[FinanceEventInfo]:
        return self._picked(self.events_table)

    def _picked(self, table: DataTable) -> list[Any]:
        model = table.model()
        assert isinstance(model, RowTableModel)
        rows = {i.row() for i in table.selectionModel().selectedRows()}
        return [model.row_at(r) for r in sorted(rows) if r < model.rowCount()]

    def mark_reviewed(self) -> None:
        """The events picked in the list (on the other tabs: the events behind the lines)."""
        tab = self.tabs.currentIndex()
        if tab == 2:
            ids = sorted({e for r in self._picked(self.invoice_table) for e in r.events})
        elif tab == 1:
            ids = sorted(
                {
                    e
                    for r in self._picked(self.drop_table)
                    for e in (r.purchase_event, r.sales_event)
                }
            )
        else:
            ids = [e.id for e in self.selected_events()]
        if not ids:
            self.ctx.show_message("pick the events to mark reviewed first", "error")
            return
        run_op(self, finance.mark_reviewed, ids).progress("Marking reviewed…").done(
            lambda r: (
                f"Marked event{'s' if len(r.ids) != 1 else ''} "
                f"{', '.join(str(i) for i in r.ids)} reviewed"
            )
        ).run()

    def choose_export_path(self) -> str:
        """Where to write the CSV (the save dialog; tests answer it themselves)."""
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export finance events", "finance-events.csv", "CSV files (*.csv)"
        )
        return path

    def export(self) -> None:
        path = self.choose_export_path()
        if not path:
            return
        if not path.lower().endswith(".csv"):
            path += ".csv"
        self.export_path_asked = path
        filters = self.current_filters()
        run_op(self, export_events, path, filters).progress("Exporting…").done(
            lambda n: f"Exported {n} line{'s' if n != 1 else ''} of finance events to {path}"
        ).run()
