"""Receiving with a scanner: scan the purchase order, each item as it comes off the pallet
(a quantity first for more than one), then #RECEIVE posts one item receipt. A drop-ship
order records what the vendor shipped to the customer with #SHIP. The codes and what they
do are in `app.services.scanning.receiving`."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from app.services.scanning.receiving import (
    RECEIVE,
    SHIP,
    ReceiveDetail,
    ReceiveLine,
    ReceiveSession,
)
from app.services.scanning.session import CLEAR, ScanState
from app.views.common import format as fmt
from app.views.common.runner import AppContext
from app.views.common.status import OK, font
from app.views.common.table_model import Column, RowTableModel, qty_column
from app.views.common.widgets import fitted_table
from app.views.orders.scan_page import ScanPage

COLUMNS: list[Column[ReceiveLine]] = [
    Column("Line", lambda r: r.line_no, width=52),
    Column("Bin", lambda r: r.bin or "", width=86),
    Column("Item", lambda r: r.sku, width=140, tooltip=lambda r: r.name),
    Column("Name", lambda r: r.name, width=160, tooltip=lambda r: r.name),
    qty_column("Ordered", lambda r: r.ordered, width=90),
    qty_column("Received", lambda r: r.received, width=98),
    qty_column("Remaining", lambda r: r.remaining, width=110),
    qty_column("Scanned", lambda r: r.staged or None, width=96),
]


class ReceivingPage(ScanPage):
    title = "Receiving"
    heading = "Receiving by scan"
    prompt = "Scan a purchase order (PO-…)"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.session = ReceiveSession(user=ctx.user)
        self.state: ScanState[ReceiveDetail] = self.session.state()
        self.vendor = QLabel()
        self.vendor.setObjectName("receive_vendor")
        self.vendor.setFont(font(14))
        self.lines = RowTableModel(COLUMNS, self, row_style=lambda r: OK if r.staged > 0 else None)
        self.table = fitted_table(self.lines, "receive_lines", 3)
        body = self.build_document(
            "receive",
            self.vendor,
            (self.table,),
            "Scan the purchase order, then each item as it comes off the pallet; for several "
            "of one item scan the quantity first. #RECEIVE posts them as one receipt.",
        )
        self.build(body, self.session)

    def show_state(self, state: ScanState[ReceiveDetail]) -> None:
        self.state = state
        d = state.detail
        self.show_document(
            d.number,
            d.status,
            d.status_label,
            d.created_from,
            state.pending_quantity,
            state.lot_wanted,
        )
        vendor = d.vendor or ""
        if d.drop_ship:
            vendor += " · drop ship"
        self.vendor.setText(vendor)
        self.lines.set_rows(list(d.lines))
        staged = state.staged_total
        post = SHIP.code if d.drop_ship else RECEIVE.code
        if staged > 0:
            self.summary.setText(
                f"{fmt.qty(staged)} scanned, not posted yet: {post} posts it, {CLEAR.code} drops it"
            )
        elif state.posted:
            self.summary.setText(f"{state.posted}. Scan the next purchase order.")
