"""Receiving customer returns by scan: scan the return (RMA-…), each item as it comes out of
the customer's box (a quantity first for more than one), then #RESTOCK, #SCRAP, or #RECEIVE
(as the plant's preference says) posts them as one receipt. The codes and what they do are in
`app.services.scanning.returns`."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from app.services.scanning.returns import (
    RECEIVE,
    RESTOCK,
    SCRAP,
    ReturnReceiveSession,
    ReturnScanDetail,
    ReturnScanLine,
)
from app.services.scanning.session import CLEAR, ScanState
from app.views.common import format as fmt
from app.views.common.runner import AppContext
from app.views.common.status import OK, font
from app.views.common.table_model import Column, RowTableModel, qty_column
from app.views.common.widgets import fitted_table
from app.views.orders.scan_page import ScanPage

COLUMNS: list[Column[ReturnScanLine]] = [
    Column("Line", lambda r: r.line, width=52),
    Column("Item", lambda r: r.sku, width=140, tooltip=lambda r: r.name),
    Column("Name", lambda r: r.name, width=180, tooltip=lambda r: r.name),
    qty_column("Authorized", lambda r: r.authorized, width=110),
    qty_column("Received", lambda r: r.received, width=98),
    qty_column("To come", lambda r: r.to_receive, width=96),
    qty_column("Scanned", lambda r: r.staged or None, width=96),
]


class ReturnReceivingPage(ScanPage):
    title = "Receive returns"
    heading = "Receiving returns by scan"
    prompt = "Scan a customer return (RMA-…)"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.session = ReturnReceiveSession(user=ctx.user)
        self.state: ScanState[ReturnScanDetail] = self.session.state()
        self.customer = QLabel()
        self.customer.setObjectName("return_scan_customer")
        self.customer.setFont(font(14))
        self.lines = RowTableModel(COLUMNS, self, row_style=lambda r: OK if r.staged > 0 else None)
        self.table = fitted_table(self.lines, "return_scan_lines", 2)
        body = self.build_document(
            "return_scan",
            self.customer,
            (self.table,),
            "Scan the return, then each item as it comes out of the box; for several of one "
            "item scan the quantity first. #RESTOCK puts them back on the shelf, #SCRAP writes "
            "them off, #RECEIVE does what the plant's preference says.",
        )
        self.build(body, self.session)

    def show_state(self, state: ScanState[ReturnScanDetail]) -> None:
        self.state = state
        d = state.detail
        self.show_document(
            d.number, d.status, d.status_label, d.sales_order, state.pending_quantity
        )
        self.customer.setText(d.customer or "")
        self.lines.set_rows(list(d.lines))
        staged = state.staged_total
        if staged > 0:
            default = RESTOCK.code if d.restock_by_default else SCRAP.code
            self.summary.setText(
                f"{fmt.qty(staged)} scanned, not posted yet: {RESTOCK.code} or {SCRAP.code} "
                f"posts it ({RECEIVE.code}: as {default}), {CLEAR.code} drops it"
            )
        elif state.posted:
            self.summary.setText(f"{state.posted}. Scan the next return.")
