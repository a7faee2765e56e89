"""Count sheet: the shelves of one cycle count in the order a counter walks them, a box to
write each count in, and no expected quantity anywhere (a blind count). An item tracked by
lot or serial has a row per lot with its number and expiry, and a blank row after them to
write a lot found on the shelf."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from reportlab.platypus import Flowable, KeepTogether, Spacer

from app.printing import styles
from app.printing.templates import (
    DESCRIPTION_MIN,
    HEADLINE_LINES,
    NAME_LINES,
    NOTE_LINES,
    Box,
    CellSpec,
    Grid,
    Heading,
    PageSetup,
    Text,
    barcode_cell,
    barcode_column_width,
    build_pdf,
    content_width,
    fact,
    facts_grid,
    header_cell,
    panel,
    panels,
    section,
    signoff,
    stamp,
    top_block,
)

TITLE = "Count Sheet"
ITEM_HEADER = "Item"
HOW_TO = (
    "Count what is on the shelf and write it in the box, in the item's unit. Write 0 for an "
    "empty shelf; leave a box empty only for an item you did not count. Count a tracked item "
    "lot by lot (a serial is 1 or 0); write a lot found that is not listed, with its expiry, "
    "on the blank row under the item."
)


@dataclass(frozen=True)
class CountSheetLine:
    """One item (or one lot of it) to count, where it sits: its barcode is the sku a count
    scan reads."""

    line: int
    sku: str
    name: str
    bin: str | None
    uom: str
    tracking: str = "none"  # lot or serial: a blank row follows its lines for one found
    lot: str | None = None
    expires: date | None = None

    @property
    def tracked(self) -> bool:
        return self.tracking != "none"


@dataclass(frozen=True)
class CountSheet:
    """Everything printed on one count's sheet (the caller sorts the lines by bin)."""

    number: str
    location: str  # the location in words: "Main warehouse (MAIN)"
    selection: str
    memo: str | None
    created_by: str
    created_at: datetime
    printed_at: datetime
    lines: Sequence[CountSheetLine]


def _bin(ln: CountSheetLine) -> Text:
    if ln.bin:
        return Text(ln.bin, styles.CELL_BOLD, max_lines=NOTE_LINES)
    return Text("no bin", styles.CELL_NOTE)


def _lot(ln: CountSheetLine) -> list[Text] | None:
    """The lot and its expiry; a tracked item with none on hand says so."""
    if ln.lot is None:
        return [Text(f"no {_noun(ln)} on hand", styles.CELL_NOTE)] if ln.tracked else None
    cells = [Text(ln.lot, styles.CELL_BOLD, max_lines=NOTE_LINES)]
    if ln.expires is not None:
        cells.append(Text(f"exp. {ln.expires.isoformat()}", styles.CELL_NOTE, fit=True))
    return cells


def _noun(ln: CountSheetLine) -> str:
    return "serial" if ln.tracking == "serial" else "lot"


def _row(ln: CountSheetLine) -> list[CellSpec]:
    return [
        Text(str(ln.line), styles.CELL_NOTE, fit=True),
        _bin(ln),
        barcode_cell(ln.sku),
        Text(ln.name, max_lines=NAME_LINES),
        _lot(ln),
        Text(ln.uom, fit=True),
        Box(60, 22),
    ]


def _found_row(ln: CountSheetLine) -> list[CellSpec]:
    """A blank row under a tracked item's lots, to write a lot found on the shelf."""
    noun = _noun(ln)
    return [
        None,
        _bin(ln),
        Text(ln.sku, styles.CELL_NOTE, max_lines=NOTE_LINES),
        Text(f"{noun} found, not listed: its number and expiry", styles.CELL_NOTE),
        [Text(f"{noun}:", styles.CELL_NOTE, fit=True), Box(72, 16, "left")],
        Text(ln.uom, fit=True),
        Box(60, 22),
    ]


def _lines_table(doc: CountSheet, width: float) -> Grid:
    no_w, loc_w, lot_w, uom_w, count_w = 30.0, 72.0, 92.0, 34.0, 74.0
    fixed = no_w + loc_w + lot_w + uom_w + count_w
    item_w = barcode_column_width([ln.sku for ln in doc.lines], width - fixed - DESCRIPTION_MIN)
    desc_w = width - item_w - fixed
    header = [
        header_cell("Line"),
        header_cell("Bin"),
        header_cell(ITEM_HEADER, over_bars=True),
        header_cell("Description"),
        header_cell("Lot / serial"),
        header_cell("UoM"),
        header_cell("Counted", styles.HEADER_CELL_CENTER),
    ]
    rows: list[list[CellSpec]] = []
    for k, ln in enumerate(doc.lines):
        rows.append(_row(ln))
        following = doc.lines[k + 1] if k + 1 < len(doc.lines) else None
        if ln.tracked and (following is None or following.sku != ln.sku):
            rows.append(_found_row(ln))
    if not rows:
        rows.append([None, None, None, Text("Nothing to count.", styles.CELL_NOTE)])
    return Grid(
        [no_w, loc_w, item_w, desc_w, lot_w, uom_w, count_w],
        rows,
        header=header,
        style=styles.LINES,
    )


def story(doc: CountSheet, setup: PageSetup) -> list[Flowable]:
    """The sheet's flowables, page chrome excluded."""
    width = content_width(setup)
    headline = [
        Text(f"Count of {doc.location}", styles.HEADLINE, max_lines=HEADLINE_LINES),
        Text(doc.selection, styles.SUBHEAD, max_lines=HEADLINE_LINES),
    ]
    facts = facts_grid(
        [
            fact("Count", doc.number, styles.FIELD_VALUE_BOLD),
            fact("Lines", str(len(doc.lines)), styles.FIELD_VALUE_BOLD),
            fact("Started", stamp(doc.created_at)),
            fact("Started by", doc.created_by),
        ],
        width,
        4,
    )
    flow: list[Flowable] = [top_block(headline, doc.number, width), Spacer(1, 10), facts]
    notes = [panel("How to count", HOW_TO, styles.MEMO)]
    if doc.memo:
        notes.append(panel("Memo", doc.memo, styles.MEMO))
    flow += [Spacer(1, 2), panels(notes, width)]
    flow += [section("Shelves to count"), _lines_table(doc, width)]
    flow.append(
        KeepTogether(
            [section("Sign-off"), signoff(["Counted by", "Checked by", "Entered by"], width)]
        )
    )
    return flow


def heading(doc: CountSheet) -> Heading:
    """The page chrome's title and number for this sheet."""
    return Heading(TITLE, doc.number, doc.printed_at)


def render(doc: CountSheet, setup: PageSetup) -> bytes:
    """One count's sheet as a PDF."""
    return build_pdf(setup, [(heading(doc), story(doc, setup))], title=f"{TITLE} {doc.number}")
