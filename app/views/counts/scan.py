"""Counting by scan: scan the count, then walk the shelves: a bin label (optional), each item
(one scan per unit, or the quantity first; 0 for an empty shelf; a tracked item then its lot,
or both in one GS1 code), then #COUNT records what was scanned as the lines' counts. The codes
and what they do are in `app.services.scanning.counting`."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from app.services.scanning.counting import COUNT, CountScanDetail, CountScanLine, CountSession
from app.services.scanning.session import CLEAR, ScanState
from app.views.common.runner import AppContext
from app.views.common.status import OK, Chip, font
from app.views.common.table_model import Column, RowTableModel, qty_column
from app.views.common.widgets import fitted_table
from app.views.orders.scan_page import ScanPage

COLUMNS: list[Column[CountScanLine]] = [
    Column(
        "Line",
        lambda r: r.line_no if r.line_no is not None else "found",
        tooltip=lambda r: "" if r.line_no else "a lot found: #COUNT adds it to the count",
        width=52,
    ),
    Column("Bin", lambda r: r.bin or "", width=90),
    Column("Item", lambda r: r.sku, width=140, tooltip=lambda r: r.name),
    Column("Lot / serial", lambda r: r.lot or "", width=110),
    Column("Name", lambda r: r.name, width=180, tooltip=lambda r: r.name),
    qty_column("Counted", lambda r: r.counted, width=96),
    qty_column("Scanned", lambda r: r.scanned, width=96),
    Column("Unit", lambda r: r.uom, width=56),
]


def _style(row: CountScanLine) -> Chip | None:
    return OK if row.scanned is not None else None


class CountScanPage(ScanPage):
    title = "Count by scan"
    heading = "Counting by scan"
    prompt = "Scan a cycle count (CC-…)"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.session = CountSession(user=ctx.user)
        self.state: ScanState[CountScanDetail] = self.session.state()
        self.where = QLabel()
        self.where.setObjectName("count_scan_where")
        self.where.setFont(font(14))
        self.lines = RowTableModel(COLUMNS, self, row_style=_style)
        self.table = fitted_table(self.lines, "count_scan_lines", 3)
        body = self.build_document(
            "count_scan",
            self.where,
            (self.table,),
            "Scan the count, then on each shelf its bin and each item there: one scan per "
            "unit, or the quantity first (0 for an empty shelf). #COUNT records them.",
        )
        self.build(body, self.session)

    def show_state(self, state: ScanState[CountScanDetail]) -> None:
        self.state = state
        d = state.detail
        self.show_document(d.number, d.status, d.status_label, None, state.pending_quantity)
        where = d.location or ""
        if d.number:
            where += f" · {d.counted} counted, {d.uncounted} to count"
        if d.bin:
            where += f" · bin {d.bin}"
        self.where.setText(where)
        self.lines.set_rows(list(d.lines))
        scanned = sum(1 for _key, _q in state.staged)
        if scanned:
            self.summary.setText(
                f"{scanned} item{'s' if scanned != 1 else ''} scanned, not recorded yet: "
                f"{COUNT.code} records them, {CLEAR.code} drops them"
            )
        elif state.posted:
            self.summary.setText(f"{state.posted}. Scan the next shelf.")
