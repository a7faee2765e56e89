"""Pick, pack and ship with a scanner: scan the order, each item (a quantity first for more
than one), then #SHIP; or scan a fulfillment from the packing queue and #PACK or #SHIP it.
The keystrokes are read whichever widget has the focus. The codes and what they do are in
`app.services.scanning.picking`."""

from __future__ import annotations

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHeaderView, QLabel, QWidget

from app.services.scanning.picking import (
    PACK,
    PICK,
    SHIP,
    PickDetail,
    PickLine,
    PickSession,
    ShipmentLine,
)
from app.services.scanning.session import CLEAR, ScanState
from app.views.common import format as fmt
from app.views.common.lots import lots_column
from app.views.common.runner import AppContext
from app.views.common.status import MESSAGE_COLOURS, OK, Chip, font
from app.views.common.table_model import Column, RowTableModel, qty_column
from app.views.common.widgets import fitted_table
from app.views.orders.scan_page import ScanPage

PART = MESSAGE_COLOURS["info"]
NAME_COLUMN = 3
LOT_COLUMN = 4
NARROW_PAGE = 1150  # pixels: below it the lines leave the name out (the item's tooltip has it)
PICK_COLUMNS: list[Column[PickLine]] = [
    Column("Line", lambda r: r.line, width=52),
    Column("Bin", lambda r: r.bin or "", width=86),
    Column("Item", lambda r: r.sku, width=150, tooltip=lambda r: r.name),
    Column("Name", lambda r: r.name, width=200, tooltip=lambda r: r.name),
    lots_column("Lot to take, expiry", lambda r: r.lots, width=220),
    qty_column("To pick", lambda r: r.still_to_pick, width=88),
    qty_column("Committed", lambda r: r.ready_to_pick, width=110),
    qty_column("Scanned", lambda r: r.staged or None, width=96),
    Column("Unit", lambda r: r.uom, width=50),
]
FULFILLMENT_COLUMNS: list[Column[ShipmentLine]] = [
    Column("Line", lambda r: r.line, width=52),
    Column("Bin", lambda r: r.bin or "", width=86),
    Column("Item", lambda r: r.sku, width=150, tooltip=lambda r: r.name),
    Column("Name", lambda r: r.name, width=200, tooltip=lambda r: r.name),
    qty_column("Ordered", lambda r: r.ordered, width=92),
    qty_column("On this fulfillment", lambda r: r.quantity, width=180),
    Column("Unit", lambda r: r.uom, width=50),
]


def scanned_style(row: PickLine) -> Chip | None:
    """Green once a line has all it still needs scanned, blue while part of it is."""
    if row.staged <= 0:
        return None
    return OK if row.staged >= row.still_to_pick else PART


class PickStationPage(ScanPage):
    title = "Pick, pack and ship"
    heading = "Pick, pack and ship by scan"
    prompt = "Scan an order (SO-…) or a fulfillment (IF-…)"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.session = PickSession(user=ctx.user)
        self.state: ScanState[PickDetail] = self.session.state()
        self.customer = QLabel()
        self.customer.setObjectName("pick_customer")
        self.customer.setFont(font(14))
        self.lines = RowTableModel(PICK_COLUMNS, self, row_style=scanned_style)
        self.table = fitted_table(self.lines, "pick_lines", NAME_COLUMN)
        self.fulfillment_lines = RowTableModel(FULFILLMENT_COLUMNS, self)
        self.fulfillment_table = fitted_table(self.fulfillment_lines, "pick_fulfillment_lines", 3)
        self.fulfillment_table.hide()
        body = self.build_document(
            "pick",
            self.customer,
            (self.table, self.fulfillment_table),
            "Scan the order from its picking ticket, then each item as it goes in the tote; "
            "for several of one item scan the quantity first. #SHIP posts it all at once.",
        )
        self.build(body, self.session)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """The lot to take shows while a line is tracked; on a floor PC's screen it matters
        more than the name, and takes its room."""
        lots = any(ln.lots for ln in self.lines.rows)
        narrow = lots and self.width() < NARROW_PAGE
        self.table.setColumnHidden(LOT_COLUMN, not lots)
        self.table.setColumnHidden(NAME_COLUMN, narrow)
        fill = QHeaderView.ResizeMode.Stretch if narrow else QHeaderView.ResizeMode.ResizeToContents
        self.table.horizontalHeader().setSectionResizeMode(LOT_COLUMN, fill)

    def show_state(self, state: ScanState[PickDetail]) -> None:
        self.state = state
        d = state.detail
        on_fulfillment = d.kind == "fulfillment"
        self.show_document(
            d.number,
            d.status,
            d.status_label,
            d.order if on_fulfillment else None,
            state.pending_quantity,
            state.lot_wanted,
        )
        who = d.customer or ""
        if d.customer_po:
            who += f" · customer PO {d.customer_po}"
        self.customer.setText(who)
        self.table.setVisible(not on_fulfillment)
        self.fulfillment_table.setVisible(on_fulfillment)
        self.lines.set_rows(list(d.lines))
        self._fit_columns()
        self.fulfillment_lines.set_rows(list(d.shipment))
        staged = state.staged_total
        if d.kind == "sales_order":
            self.summary.setText(
                f"{fmt.qty(staged)} scanned, not posted yet: {PICK.code}, {PACK.code} or "
                f"{SHIP.code} posts it, {CLEAR.code} drops it"
                if staged > 0
                else "Scan each item as it goes in the tote; for several of one item scan the "
                "quantity first."
            )
        elif on_fulfillment:
            steps = [c.code for c, a in ((PACK, "pack"), (SHIP, "ship")) if a in d.actions]
            self.summary.setText(
                f"{d.number} is {d.status_label}" + (f": {' or '.join(steps)}" if steps else "")
            )
