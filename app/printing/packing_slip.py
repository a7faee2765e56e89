"""Packing slip: what went into one shipment, and what is still to come."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from reportlab.platypus import Flowable, Spacer

from app.models.quantity import fmt
from app.printing import styles
from app.printing.barcodes import symbol_width
from app.printing.templates import (
    HEADLINE_LINES,
    NAME_LINES,
    NOTE_LINES,
    Bars,
    CellSpec,
    Gap,
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
)

TITLE = "Packing Slip"
REMAINING_HEADER = "Back Ordered"


@dataclass(frozen=True)
class PackLine:
    """One order line as the customer sees it in this shipment."""

    line: str
    sku: str
    name: str
    ordered: Decimal
    shipped: Decimal  # in this shipment, at its status: picked, packed or shipped
    remaining: Decimal | None
    uom: str
    note: str | None


@dataclass(frozen=True)
class PackingSlip:
    """Everything printed on one fulfillment's packing slip."""

    fulfillment_number: str
    order_number: str
    customer_po: str | None
    customer: str
    ship_to: str
    bill_to: str | None
    ship_date: date | None
    status_label: str
    printed_at: datetime
    show_remaining: bool
    lines: Sequence[PackLine]


def _split(lines: Sequence[PackLine]) -> tuple[list[PackLine], list[PackLine]]:
    """The lines in this shipment and the order's other lines; a kit stays with its members
    (one group per line number) where any of them ships now."""
    groups: dict[str, list[PackLine]] = {}
    for line in lines:
        groups.setdefault(line.line.split(".")[0], []).append(line)
    here: list[PackLine] = []
    other: list[PackLine] = []
    for group in groups.values():
        (here if any(ln.shipped > 0 for ln in group) else other).extend(group)
    return here, other


def _lines_table(doc: PackingSlip, lines: Sequence[PackLine], width: float, empty: str) -> Grid:
    no_w, sku_w, num_w, uom_w = 30.0, 104.0, 58.0, 34.0
    numbers = 3 if doc.show_remaining else 2
    desc_w = width - no_w - sku_w - uom_w - numbers * num_w
    header = [
        header_cell("Line"),
        header_cell("Item"),
        header_cell("Description"),
        header_cell("Ordered", styles.HEADER_CELL_RIGHT),
        # What the quantity is so far: picked or packed is not shipped yet.
        header_cell(doc.status_label, styles.HEADER_CELL_RIGHT),
    ]
    if doc.show_remaining:
        header.append(header_cell(REMAINING_HEADER, styles.HEADER_CELL_RIGHT))
    header.append(header_cell("UoM"))
    rows: list[list[CellSpec]] = []
    for line in lines:
        description = [Text(line.name, max_lines=NAME_LINES)]
        if line.note:
            description.append(Text(line.note, styles.CELL_NOTE, max_lines=NOTE_LINES))
        row: list[CellSpec] = [
            Text(line.line, styles.CELL_NOTE, fit=True),
            Text(line.sku, styles.CELL_BOLD),
            description,
            Text(fmt(line.ordered), styles.CELL_RIGHT, fit=True),
            Text(fmt(line.shipped), styles.CELL_RIGHT_BOLD, fit=True),
        ]
        if doc.show_remaining:
            row.append(Text(fmt(line.remaining) or "—", styles.CELL_RIGHT, fit=True))
        row.append(Text(line.uom, fit=True))
        rows.append(row)
    if not rows:
        rows.append([None, None, Text(empty, styles.CELL_NOTE)])
    widths = [no_w, sku_w, desc_w, *[num_w] * numbers, uom_w]
    return Grid(widths, rows, header=header, style=styles.LINES_ZEBRA)


def _codes(doc: PackingSlip, width: float) -> Grid:
    """Fulfillment and order numbers as barcodes, each captioned."""
    module = 1.1
    code_w = max(
        symbol_width(doc.fulfillment_number, module), symbol_width(doc.order_number, module)
    )
    code_w = min(code_w, width - 60)
    rows: list[list[CellSpec]] = []
    for caption, code in (("Fulfillment", doc.fulfillment_number), ("Order", doc.order_number)):
        rows.append(
            [
                cell(Text(caption.upper(), styles.CAPTION_RIGHT), valign="middle", pad_right=4),
                Bars(code, module=module, bar_height=26, font_size=8.5, align="right"),
            ]
        )
    return Grid([width - code_w, code_w], rows, style=styles.CODES)


def story(doc: PackingSlip, setup: PageSetup) -> list[Flowable]:
    """The slip's flowables, page chrome excluded."""
    width = content_width(setup)
    left_w = width * 0.56
    right_w = width - left_w
    facts = facts_grid(
        [
            fact("Order", doc.order_number, styles.FIELD_VALUE_BOLD),
            fact("Customer PO", doc.customer_po or "—", styles.FIELD_VALUE_BOLD),
            fact("Ship date", day(doc.ship_date)),
            fact("Status", doc.status_label),
        ],
        left_w,
        2,
    )
    top = Grid(
        [left_w, right_w],
        [
            [
                cell(Text(doc.customer, styles.HEADLINE, max_lines=HEADLINE_LINES), Gap(6), facts),
                _codes(doc, right_w),
            ]
        ],
    )
    addresses = panels(
        [panel("Ship to", doc.ship_to), panel("Bill to", doc.bill_to or doc.ship_to)], width
    )
    here, other = _split(doc.lines)
    flow: list[Flowable] = [
        top,
        Spacer(1, 8),
        addresses,
        section("Items in this shipment"),
        _lines_table(doc, here, width, "No lines in this shipment."),
    ]
    if other:
        flow += [
            section("Other items on this order"),
            _lines_table(doc, other, width, ""),
        ]
    return flow


def heading(doc: PackingSlip) -> Heading:
    """The page chrome's title and number for this slip."""
    return Heading(TITLE, doc.fulfillment_number, doc.printed_at)


def render(doc: PackingSlip, setup: PageSetup) -> bytes:
    """One fulfillment's packing slip as a PDF."""
    return build_pdf(
        setup, [(heading(doc), story(doc, setup))], title=f"{TITLE} {doc.fulfillment_number}"
    )
