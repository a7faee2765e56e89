"""Recall report: a root lot, every lot reached from it level by level with its quantities
reconciled, and the customers who received any of them, with ship-to and quantities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from reportlab.platypus import Flowable, Spacer

from app.models.quantity import fmt
from app.printing import styles
from app.printing.templates import (
    HEADLINE_LINES,
    NAME_LINES,
    NOTE_LINES,
    CellSpec,
    Grid,
    Heading,
    PageSetup,
    Text,
    build_pdf,
    cell,
    content_width,
    day,
    fact,
    facts_grid,
    header_cell,
    panel,
    panels,
    section,
    top_block,
)

TITLE = "Recall Report"
HOW_TO_READ = (
    "Each lot is reconciled: made = on hand + shipped + consumed + scrapped + returned to "
    "vendor - returned by customers; made is net of reversed receipts. "
    "Level 0 is the lot recalled; forward lots were made from it, backward lots went into it."
)


@dataclass(frozen=True)
class RecallReportLot:
    """One lot of the tree, as printed."""

    direction: str
    level: int
    sku: str
    lot: str
    expires: date | None
    origin: str  # the document it came in by, and its vendor
    reached_from: str  # the lots it was reached from
    made: Decimal
    on_hand: Decimal
    shipped: Decimal
    consumed: Decimal
    scrapped: Decimal
    to_vendor: Decimal  # returned to the vendor
    returned: Decimal  # by customers
    reconciled: bool


@dataclass(frozen=True)
class RecallReportCustomer:
    customer: str
    ship_to: str
    fulfillment: str
    shipped_on: date | None
    sku: str
    lot: str
    quantity: Decimal


@dataclass(frozen=True)
class RecallReport:
    """Everything printed on one recall report."""

    sku: str
    lot: str
    direction: str
    reconciled: bool
    printed_at: datetime
    lots: Sequence[RecallReportLot]
    customers: Sequence[RecallReportCustomer]

    @property
    def number(self) -> str:
        return f"{self.sku} {self.lot}"


def _lots_table(doc: RecallReport, width: float) -> Grid:
    level_w, from_w, qty_w, ok_w = 30.0, 84.0, 38.0, 28.0
    lot_w = width - level_w - from_w - 7 * qty_w - ok_w
    header = [
        header_cell("Level"),
        header_cell("Lot, and how it came in"),
        header_cell("Reached from"),
        *(
            header_cell(h, styles.HEADER_CELL_RIGHT)
            for h in (
                "Made",
                "On hand",
                "Shipped",
                "Consumed",
                "Scrapped",
                "To vendor",
                "Returned",
            )
        ),
        header_cell("OK", styles.HEADER_CELL_CENTER),
    ]
    rows: list[list[CellSpec]] = []
    for n in doc.lots:
        way = {"forward": "+", "backward": "-"}.get(n.direction, "")
        rows.append(
            [
                Text(f"{way}{n.level}", styles.CELL_NOTE, fit=True),
                cell(
                    Text(f"{n.sku} {n.lot}", styles.CELL_BOLD, max_lines=NOTE_LINES),
                    Text(n.origin, styles.CELL_NOTE, max_lines=NOTE_LINES),
                ),
                Text(n.reached_from, styles.CELL_NOTE, max_lines=NAME_LINES),
                *(
                    Text(fmt(q), styles.CELL_RIGHT, fit=True)
                    for q in (
                        n.made,
                        n.on_hand,
                        n.shipped,
                        n.consumed,
                        n.scrapped,
                        n.to_vendor,
                        n.returned,
                    )
                ),
                Text("yes" if n.reconciled else "NO", styles.CELL_BOLD, fit=True),
            ]
        )
    return Grid(
        [level_w, lot_w, from_w, *([qty_w] * 7), ok_w],
        rows,
        header=header,
        style=styles.LINES_ZEBRA,
    )


def _customers_table(doc: RecallReport, width: float) -> Grid:
    fixed = 70.0 + 64.0 + 120.0 + 52.0
    name_w = (width - fixed) * 0.4
    to_w = width - fixed - name_w
    header = [
        header_cell("Customer"),
        header_cell("Ship to"),
        header_cell("Fulfillment"),
        header_cell("Shipped"),
        header_cell("Lot"),
        header_cell("Quantity", styles.HEADER_CELL_RIGHT),
    ]
    rows: list[list[CellSpec]] = [
        [
            Text(c.customer, styles.CELL_BOLD, max_lines=NOTE_LINES),
            Text(c.ship_to, max_lines=NOTE_LINES),
            Text(c.fulfillment, fit=True),
            Text(day(c.shipped_on), fit=True),
            Text(f"{c.sku} {c.lot}", max_lines=NOTE_LINES),
            Text(fmt(c.quantity), styles.CELL_RIGHT, fit=True),
        ]
        for c in doc.customers
    ]
    if not rows:
        rows.append([None, Text("No customer received any of these lots.", styles.CELL_NOTE)])
    return Grid([name_w, to_w, 70.0, 64.0, 120.0, 52.0], rows, header=header, style=styles.LINES)


def story(doc: RecallReport, setup: PageSetup) -> list[Flowable]:
    """The report's flowables, page chrome excluded."""
    width = content_width(setup)
    headline = [
        Text(f"Recall of {doc.sku} lot {doc.lot}", styles.HEADLINE, max_lines=HEADLINE_LINES),
        Text(f"{doc.direction}: {len(doc.lots)} lots", styles.SUBHEAD),
    ]
    facts = facts_grid(
        [
            fact("Item", doc.sku, styles.FIELD_VALUE_BOLD),
            fact("Lot", doc.lot, styles.FIELD_VALUE_BOLD),
            fact("Customers", str(len({c.customer for c in doc.customers}))),
            fact("Reconciled", "yes" if doc.reconciled else "NO", styles.FIELD_VALUE_BOLD),
        ],
        width,
        4,
    )
    flow: list[Flowable] = [top_block(headline, doc.lot, width), Spacer(1, 10), facts]
    flow += [Spacer(1, 2), panels([panel("How to read it", HOW_TO_READ, styles.MEMO)], width)]
    flow += [section("Lots"), _lots_table(doc, width)]
    flow += [section("Customers who received them"), _customers_table(doc, width)]
    return flow


def heading(doc: RecallReport) -> Heading:
    """The page chrome's title and number for this report."""
    return Heading(TITLE, doc.number, doc.printed_at)


def render(doc: RecallReport, setup: PageSetup) -> bytes:
    """One recall report as a PDF."""
    return build_pdf(setup, [(heading(doc), story(doc, setup))], title=f"{TITLE} {doc.number}")
