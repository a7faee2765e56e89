"""Picking ticket: what to pick for one sales order, where from, and how many."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from reportlab.platypus import Flowable, KeepTogether, Spacer

from app.models.quantity import fmt
from app.printing import styles
from app.printing.barcodes import symbol_width
from app.printing.templates import (
    BARCODE_INSET,
    DESCRIPTION_MIN,
    HEADLINE_LINES,
    NAME_LINES,
    NOTE_LINES,
    Bars,
    Box,
    CellSpec,
    Grid,
    Heading,
    LotToTake,
    PageSetup,
    Row,
    Text,
    barcode_cell,
    barcode_column_width,
    build_pdf,
    cell,
    content_width,
    day,
    fact,
    facts_grid,
    header_cell,
    location_cell,
    lot_notes,
    panel,
    rule,
    section,
    signoff,
    top_block,
)

TITLE = "Picking Ticket"
ITEM_HEADER = "Item"


@dataclass(frozen=True)
class PickLine:
    """One line to pick; a kit heading (`heading`) is printed without a barcode or a tick box,
    and so is a line that carries no stock (`scan` false: a service, a non-inventory item)."""

    line: str
    sku: str
    name: str
    location: str
    bin: str | None
    quantity: Decimal
    uom: str
    kit_member: bool
    note: str | None
    heading: bool = False
    scan: bool = True
    lots: tuple[LotToTake, ...] = ()  # suggested by the consumption order


@dataclass(frozen=True)
class PickingTicket:
    """Everything printed on one sales order's picking ticket."""

    order_number: str
    customer: str
    ship_to: str
    ship_date: date | None
    customer_po: str | None
    priority: int
    memo: str | None
    printed_at: datetime
    lines: Sequence[PickLine]


def _lines_table(doc: PickingTicket, width: float) -> Grid:
    no_w, loc_w, qty_w, uom_w, done_w = 26.0, 64.0, 46.0, 30.0, 38.0
    fixed = no_w + loc_w + qty_w + uom_w + done_w
    item_w = barcode_column_width(
        [ln.sku for ln in doc.lines if not ln.heading and ln.scan], width - fixed - DESCRIPTION_MIN
    )
    desc_w = width - item_w - fixed
    header = [
        header_cell("Line"),
        header_cell("Bin"),
        header_cell(ITEM_HEADER, over_bars=True),
        header_cell("Description"),
        header_cell("To pick", styles.HEADER_CELL_RIGHT),
        header_cell("UoM"),
        header_cell("Picked", styles.HEADER_CELL_CENTER),
    ]
    rows: list[Row | list[CellSpec]] = []
    for line in doc.lines:
        indent = 10.0 if line.kit_member else 0.0
        description = [
            Text(
                line.name,
                styles.CELL_BOLD if line.heading else styles.CELL,
                indent,
                max_lines=NAME_LINES,
            )
        ]
        if line.heading:
            description.append(Text("Kit: pick the members below", styles.CELL_NOTE))
        if line.note:
            description.append(Text(line.note, styles.CELL_NOTE, indent, max_lines=NOTE_LINES))
        description += lot_notes(line.lots, line.uom, indent)
        number = Text(line.line, styles.CELL_NOTE, fit=True)
        quantity = Text(fmt(line.quantity), styles.CELL_RIGHT_BOLD, fit=True)
        if line.heading:
            rows.append(
                Row(
                    (
                        cell(number),
                        cell(),
                        cell(Text(line.sku, styles.CELL_BOLD), pad_left=BARCODE_INSET),
                        cell(*description),
                        cell(quantity),
                        cell(Text(line.uom, fit=True)),
                        cell(),
                    ),
                    background=styles.ZEBRA,
                )
            )
            continue
        if not line.scan:
            rows.append(
                [
                    number,
                    None,
                    cell(Text(line.sku, styles.CELL_BOLD), pad_left=BARCODE_INSET),
                    description,
                    quantity,
                    Text(line.uom, fit=True),
                    None,
                ]
            )
            continue
        rows.append(
            [
                number,
                location_cell(line.location, line.bin),
                barcode_cell(line.sku),
                description,
                quantity,
                Text(line.uom, fit=True),
                Box(30, 17),
            ]
        )
    if not rows:
        rows.append([None, None, None, Text("Nothing to pick.", styles.CELL_NOTE)])
    return Grid(
        [no_w, loc_w, item_w, desc_w, qty_w, uom_w, done_w],
        rows,
        header=header,
        style=styles.LINES,
    )


def story(doc: PickingTicket, setup: PageSetup) -> list[Flowable]:
    """The ticket's flowables, page chrome excluded."""
    width = content_width(setup)
    headline = [
        Text(doc.customer, styles.HEADLINE, max_lines=HEADLINE_LINES),
        Text(f"Order {doc.order_number}", styles.SUBHEAD),
    ]
    gap = 12.0
    facts_w = width * 0.34
    box_w = (width - facts_w - 2 * gap) / 2
    facts = facts_grid(
        [
            fact("Ship date", day(doc.ship_date), styles.FIELD_VALUE_BOLD),
            fact("Customer PO", doc.customer_po or "—", styles.FIELD_VALUE_BOLD),
            fact("Priority", str(doc.priority)),
            fact("Lines", str(sum(1 for ln in doc.lines if not ln.heading))),
        ],
        facts_w,
        2,
    )
    summary = Grid(
        [facts_w, gap, box_w, gap, box_w],
        [
            [
                facts,
                None,
                panel("Ship to", doc.ship_to),
                None,
                panel("Memo", doc.memo or "—", styles.MEMO),
            ]
        ],
    )
    return [
        top_block(headline, doc.order_number, width),
        Spacer(1, 10),
        summary,
        section("Lines to pick"),
        _lines_table(doc, width),
        Spacer(1, 14),
        KeepTogether([rule(), _packer(doc, width)]),
    ]


def _packer(doc: PickingTicket, width: float) -> Grid:
    """The foot: the order barcode again for the packer, and the pickers' sign-off."""
    code_w = min(symbol_width(doc.order_number, 1.1), width * 0.36)
    sign_w = width * 0.36
    text_w = width - code_w - sign_w
    reference = f"{doc.customer} · order {doc.order_number}"
    if doc.customer_po:
        reference += f" · PO {doc.customer_po}"
    return Grid(
        [code_w, text_w, sign_w],
        [
            [
                cell(
                    Bars(doc.order_number, module=1.1, bar_height=32, font_size=9), valign="bottom"
                ),
                cell(
                    Text("For the packer", styles.CELL_BOLD),
                    Text("Scan this code to start packing the order.", styles.CAPTION_LEFT),
                    Text(reference, styles.CAPTION_LEFT),
                    valign="middle",
                    pad_left=8,
                    pad_right=8,
                ),
                cell(signoff(["Picked by", "Checked by"], sign_w), valign="bottom"),
            ]
        ],
        style=styles.FOOT,
    )


def heading(doc: PickingTicket) -> Heading:
    """The page chrome's title and number for this ticket."""
    return Heading(TITLE, doc.order_number, doc.printed_at)


def render(doc: PickingTicket, setup: PageSetup) -> bytes:
    """One sales order's picking ticket as a PDF."""
    return build_pdf(
        setup, [(heading(doc), story(doc, setup))], title=f"{TITLE} {doc.order_number}"
    )


def render_many(docs: Iterable[PickingTicket], setup: PageSetup) -> bytes:
    """Picking tickets for many orders in one PDF, each on its own pages with its own count."""
    return build_pdf(setup, ((heading(d), story(d, setup)) for d in docs), title=f"{TITLE}s")
