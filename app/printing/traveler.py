"""Work order traveler: the pick list, scan sheet and sign-off that travel with a build."""

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
    DESCRIPTION_MIN,
    HEADLINE_LINES,
    NAME_LINES,
    Bars,
    Box,
    CellSpec,
    Grid,
    Heading,
    LotToTake,
    PageSetup,
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
    panels,
    section,
    signoff,
    top_block,
)

TITLE = "Work Order Traveler"
COMMANDS: tuple[tuple[str, str], ...] = (
    ("#ISSUE", "Issue the components scanned next"),
    ("#BUILD", "Report assemblies built"),
    ("#COMPLETE", "Complete the work order"),
    ("#CLEAR", "Clear the scan and start over"),
)
COMPONENT_HEADER = "Component"


@dataclass(frozen=True)
class TravelerLine:
    """One component to issue, in the order it is picked (the caller sorts by location, bin)."""

    sku: str
    name: str
    location: str
    bin: str | None
    quantity: Decimal
    uom: str
    backflush: bool
    lots: tuple[LotToTake, ...] = ()  # suggested by the consumption order


@dataclass(frozen=True)
class Traveler:
    """Everything printed on one work order's traveler."""

    number: str
    assembly_sku: str
    assembly_name: str
    quantity: Decimal
    uom: str
    due: date | None
    priority: int
    status_label: str
    location: str
    created_from: str | None
    customer_po: str | None
    memo: str | None
    printed_at: datetime
    lines: Sequence[TravelerLine]


def _lines_table(doc: Traveler, width: float) -> Grid:
    no_w, loc_w, qty_w, uom_w, done_w = 24.0, 64.0, 48.0, 30.0, 42.0
    fixed = no_w + loc_w + qty_w + uom_w + done_w
    item_w = barcode_column_width([line.sku for line in doc.lines], width - fixed - DESCRIPTION_MIN)
    desc_w = width - item_w - fixed
    header = [
        header_cell("#"),
        header_cell(COMPONENT_HEADER, over_bars=True),
        header_cell("Description"),
        header_cell("Bin"),
        header_cell("To issue", styles.HEADER_CELL_RIGHT),
        header_cell("UoM"),
        header_cell("Issued", styles.HEADER_CELL_CENTER),
    ]
    rows: list[list[CellSpec]] = []
    for number, line in enumerate(doc.lines, start=1):
        description = [Text(line.name, max_lines=NAME_LINES)]
        if line.backflush:
            description.append(Text("Backflushed at completion; do not issue", styles.CELL_NOTE))
        description += lot_notes(line.lots, line.uom)
        rows.append(
            [
                Text(str(number), styles.CELL_NOTE, fit=True),
                barcode_cell(line.sku),
                description,
                location_cell(line.location, line.bin),
                Text(fmt(line.quantity), styles.CELL_RIGHT_BOLD, fit=True),
                Text(line.uom, fit=True),
                Text("auto", styles.CAPTION) if line.backflush else Box(34, 17),
            ]
        )
    if not rows:
        rows.append([None, None, Text("No components to issue.", styles.CELL_NOTE)])
    return Grid(
        [no_w, item_w, desc_w, loc_w, qty_w, uom_w, done_w],
        rows,
        header=header,
        style=styles.LINES,
    )


def _commands(width: float) -> Grid:
    """The scan station's command codes, two by two, each with what it does."""
    code_w = max(symbol_width(code, 1.1) for code, _ in COMMANDS) + 4
    half = width / 2
    rows: list[list[CellSpec]] = []
    for start in range(0, len(COMMANDS), 2):
        row: list[CellSpec] = []
        for code, caption in COMMANDS[start : start + 2]:
            row += [
                cell(Bars(code, module=1.1, bar_height=30, font_size=8), valign="middle"),
                cell(
                    Text(code.lstrip("#").capitalize(), styles.CELL_BOLD),
                    Text(caption, styles.CAPTION_LEFT),
                    valign="middle",
                    pad_left=6,
                ),
            ]
        rows.append(row)
    return Grid(
        [code_w, half - code_w] * 2,
        rows,
        style=styles.COMMANDS,
    )


def story(doc: Traveler, setup: PageSetup) -> list[Flowable]:
    """The traveler's flowables, page chrome excluded."""
    width = content_width(setup)
    headline = [
        Text(doc.assembly_name, styles.HEADLINE, max_lines=HEADLINE_LINES),
        Text(f"{doc.assembly_sku}  ·  build {fmt(doc.quantity)} {doc.uom}", styles.SUBHEAD),
    ]
    facts = facts_grid(
        [
            fact("Quantity", f"{fmt(doc.quantity)} {doc.uom}", styles.FIELD_VALUE_BOLD),
            fact("Due", day(doc.due), styles.FIELD_VALUE_BOLD),
            fact("Priority", str(doc.priority)),
            fact("Status", doc.status_label),
            fact("Build location", doc.location),
            fact("Created from", doc.created_from or "Stock replenishment"),
            fact("Customer PO", doc.customer_po or "—"),
            fact("Components", str(len(doc.lines))),
        ],
        width,
        4,
    )
    flow: list[Flowable] = [top_block(headline, doc.number, width), Spacer(1, 10), facts]
    if doc.memo:
        flow += [Spacer(1, 2), panels([panel("Memo", doc.memo, styles.MEMO)], width)]
    flow += [section("Components to issue"), _lines_table(doc, width)]
    flow.append(KeepTogether([section("Scan station commands"), _commands(width)]))
    flow.append(
        KeepTogether([section("Sign-off"), signoff(["Issued by", "Built by", "Checked by"], width)])
    )
    return flow


def heading(doc: Traveler) -> Heading:
    """The page chrome's title and number for this traveler."""
    return Heading(TITLE, doc.number, doc.printed_at)


def render(doc: Traveler, setup: PageSetup) -> bytes:
    """One work order's traveler as a PDF."""
    return build_pdf(setup, [(heading(doc), story(doc, setup))], title=f"{TITLE} {doc.number}")


def render_many(docs: Iterable[Traveler], setup: PageSetup) -> bytes:
    """Travelers for many work orders in one PDF, each on its own pages with its own count."""
    return build_pdf(setup, ((heading(d), story(d, setup)) for d in docs), title=f"{TITLE}s")
