"""The one page template: company block, document title, page "n of N", printed-at stamp.

Documents hand `build_pdf` their flowables; the page chrome is drawn when the PDF is saved,
once every page of every document is known, so a batch of documents in one PDF numbers each
document's pages on its own. The shared building blocks live here too: `Grid`, a light
table flowable (cells of text, barcodes and write-in boxes, drawn straight onto the canvas)
whose header row repeats on every page it runs onto, and the facts grid, panels, section
headings and sign-off lines every document uses.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Literal, TypeAlias

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageBreakIfNotEmpty, PageTemplate

from app.errors import ValidationError
from app.models.quantity import fmt
from app.printing import styles
from app.printing.barcodes import (
    MIN_MODULE,
    QUIET_MODULES,
    draw_code128,
    fit_module,
    symbol_width,
    text_band,
)
from app.printing.styles import (
    ASCENT,
    DESCENT,
    INK,
    MUTED,
    RULE,
    SANS,
    SANS_BOLD,
    GridStyle,
    HAlign,
    Pen,
    TextStyle,
    pen,
    string_width,
    wrap_text,
)

PageSize = Literal["letter", "a4"]
PAGE_SIZES: dict[str, tuple[float, float]] = {"letter": LETTER, "a4": A4}

INCH: float = inch
MARGIN = 0.5 * INCH
HEADER_HEIGHT = 1.0 * INCH
FOOTER_HEIGHT = 0.42 * INCH
LOGO_BOX = (1.5 * INCH, 0.62 * INCH)
ADDRESS_LINES = 4
ITEM_PAD = 2.0
FIT_MINIMUM = 5.0
# Longest a text may run before it is cut with an ellipsis: keeps every row within a page.
NAME_LINES = 6
NOTE_LINES = 3
FACT_LINES = 3
PANEL_LINES = 10
HEADLINE_LINES = 3
# Narrowest a lines table's description column is made to be to give a barcode room.
DESCRIPTION_MIN = 160.0
LINE_MODULE = 1.1
BARCODE_INSET = ITEM_PAD + QUIET_MODULES * LINE_MODULE


@dataclass(frozen=True)
class Company:
    """Who the documents come from: printed at the top of every page."""

    name: str
    address: str
    logo: Path | None = None


@dataclass(frozen=True)
class PageSetup:
    """Paper and letterhead for every document printed at this site."""

    page_size: PageSize
    company: Company


@dataclass(frozen=True)
class Heading:
    """What the page chrome says about one document: its title, its number, when printed."""

    title: str
    reference: str
    printed_at: datetime


def page_size(setup: PageSetup) -> tuple[float, float]:
    """Width and height in points of the configured paper."""
    try:
        return PAGE_SIZES[setup.page_size]
    except KeyError:
        raise ValidationError(
            f"unknown page size {setup.page_size!r}; use 'letter' or 'a4'"
        ) from None


def content_width(setup: PageSetup) -> float:
    """Width of the body frame between the side margins."""
    return page_size(setup)[0] - 2 * MARGIN


def stamp(moment: datetime) -> str:
    """Printed-at time as the floor reads it: 2026-03-14 09:30."""
    return moment.strftime("%Y-%m-%d %H:%M")


def day(value: date | None) -> str:
    """A date as printed on every document (ISO, so both sides of an ocean read it alike)."""
    return value.isoformat() if value is not None else "—"


# Cell content ------------------------------------------------------------------------------


@dataclass(slots=True)
class Text:
    """Plain text that wraps to its cell's width (line breaks in the value are kept).

    With `fit` the text stays on one line and shrinks instead, as numbers must; with
    `max_lines` it stops there with an ellipsis, so no single cell outgrows a page.
    """

    value: str
    style: TextStyle = styles.CELL
    indent: float = 0.0
    fit: bool = False
    max_lines: int | None = None
    _wrapped: tuple[float, tuple[str, ...], float] | None = field(
        default=None, repr=False, compare=False
    )

    def _layout(self, width: float) -> tuple[tuple[str, ...], float]:
        wrapped = self._wrapped
        if wrapped is not None and wrapped[0] == width:
            return wrapped[1], wrapped[2]
        s = self.style
        room = max(1.0, width - self.indent)
        size = s.size
        if self.fit:
            natural = string_width(self.value, s.font, s.size)
            if natural > room:
                size = max(FIT_MINIMUM, s.size * room / natural * 0.999)
            if string_width(self.value, s.font, size) <= room:
                self._wrapped = (width, (self.value,), size)
                return (self.value,), size
        lines = wrap_text(self.value, s.font, size, room)
        if self.max_lines is not None and len(lines) > self.max_lines:
            lines = (
                *lines[: self.max_lines - 1],
                ellipsize(lines[self.max_lines - 1], s.font, size, room),
            )
        self._wrapped = (width, lines, size)
        return lines, size

    def lines(self, width: float) -> tuple[str, ...]:
        return self._layout(width)[0]

    def measure(self, width: float) -> float:
        return len(self._layout(width)[0]) * self.style.leading

    def paint(self, p: Pen, x: float, top: float, width: float) -> None:
        s = self.style
        lines, size = self._layout(width)
        first = top - (s.leading - (ASCENT + DESCENT) * size) / 2 - ASCENT * size
        if s.align == "right":
            anchor = x + width
        elif s.align == "center":
            anchor = x + self.indent + (width - self.indent) / 2
        else:
            anchor = x + self.indent
        for n, line in enumerate(lines):
            p.text(anchor, first - n * s.leading, line, s.font, size, s.colour, s.align)


@dataclass(slots=True)
class Bars:
    """A Code 128 barcode with its text, as wide as `module` allows, narrower if it must."""

    code: str
    module: float = LINE_MODULE
    bar_height: float = 22.0
    font_size: float = 7.5
    align: HAlign = "left"
    minimum: float = MIN_MODULE

    def measure(self, width: float) -> float:
        return self.bar_height + text_band(self.font_size)

    def paint(self, p: Pen, x: float, top: float, width: float) -> None:
        module = fit_module(self.code, width, preferred=self.module, minimum=self.minimum)
        symbol = symbol_width(self.code, module)
        if self.align == "right":
            x += width - symbol
        elif self.align == "center":
            x += (width - symbol) / 2
        draw_code128(
            p.canvas,
            self.code,
            x,
            top - self.measure(width),
            module=module,
            bar_height=self.bar_height,
            font_size=self.font_size,
        )


@dataclass(slots=True)
class Box:
    """An empty box to write a quantity or a tick in."""

    width: float = 32.0
    height: float = 16.0
    align: HAlign = "center"

    def measure(self, width: float) -> float:
        return self.height

    def paint(self, p: Pen, x: float, top: float, width: float) -> None:
        if self.align == "center":
            x += (width - self.width) / 2
        elif self.align == "right":
            x += width - self.width
        p.frame(x, top - self.height, self.width, self.height, MUTED, 0.6)


@dataclass(slots=True)
class Gap:
    """Vertical space."""

    height: float

    def measure(self, width: float) -> float:
        return self.height

    def paint(self, p: Pen, x: float, top: float, width: float) -> None:
        return None


@dataclass(slots=True)
class Line:
    """A rule across the cell, e.g. to sign on."""

    colour: Color = INK
    weight: float = 0.6

    def measure(self, width: float) -> float:
        return self.weight

    def paint(self, p: Pen, x: float, top: float, width: float) -> None:
        p.line(x, top - self.weight / 2, x + width, top - self.weight / 2, self.colour, self.weight)


Item: TypeAlias = "Text | Bars | Box | Gap | Line | Grid"


@dataclass(slots=True)
class Cell:
    """One cell: its items top to bottom, and how it differs from its grid's style."""

    items: tuple[Item, ...] = ()
    background: Color | None = None
    outline: Color | None = None
    pad_left: float | None = None
    pad_right: float | None = None
    pad_top: float | None = None
    pad_bottom: float | None = None
    valign: styles.VAlign | None = None
    _sizes: tuple[float, list[float]] | None = field(default=None, repr=False, compare=False)

    def sizes(self, inner: float) -> list[float]:
        """Heights of the items at this inner width (kept for the paint that follows)."""
        known = self._sizes
        if known is not None and known[0] == inner:
            return known[1]
        sizes = [item.measure(inner) for item in self.items]
        self._sizes = (inner, sizes)
        return sizes

    def pads(self, style: GridStyle) -> tuple[float, float, float, float]:
        """Left, right, top and bottom padding: the cell's own, else its grid's."""
        return (
            style.pad_left if self.pad_left is None else self.pad_left,
            style.pad_right if self.pad_right is None else self.pad_right,
            style.pad_top if self.pad_top is None else self.pad_top,
            style.pad_bottom if self.pad_bottom is None else self.pad_bottom,
        )


@dataclass(slots=True)
class Row:
    """One row of cells, with an optional background across the whole row."""

    cells: tuple[Cell, ...]
    background: Color | None = None


CellSpec: TypeAlias = "Cell | Item | Sequence[Item] | str | None"


def cell(*items: Item, **options: object) -> Cell:
    """A cell holding `items`, with any Cell option (background, outline, pad_left, ...)."""
    return Cell(tuple(items), **options)  # type: ignore[arg-type]


def _as_cell(spec: CellSpec) -> Cell:
    """A cell spec (a Cell, one item, a sequence of items, text or nothing) as a Cell."""
    kind = type(spec)
    if kind is Cell:
        return spec  # type: ignore[return-value]
    if kind in _ITEM_TYPES:
        return Cell((spec,))  # type: ignore[arg-type]
    if spec is None or kind is str:
        return Cell((Text(spec),) if spec else ())  # type: ignore[arg-type]
    return Cell(tuple(spec))  # type: ignore[arg-type]


def _as_row(spec: Row | Sequence[CellSpec]) -> Row:
    """A row spec as a Row of Cells."""
    if isinstance(spec, Row):
        return spec
    return Row(tuple(_as_cell(c) for c in spec))


@dataclass
class _Measured:
    heights: list[float] = field(default_factory=list)
    header: float = 0.0


class Grid(Flowable):  # type: ignore[misc]
    """A table drawn straight onto the canvas; with a header it splits between rows and
    repeats the header on every page it continues onto."""

    def __init__(
        self,
        widths: Sequence[float] | None,
        rows: Sequence[Row | Sequence[CellSpec]],
        *,
        style: GridStyle = styles.LAYOUT,
        header: Sequence[CellSpec] | None = None,
        space_before: float = 0.0,
        space_after: float = 0.0,
        first_index: int = 0,
    ) -> None:
        super().__init__()
        self.widths = tuple(widths) if widths is not None else None
        self.rows = [_as_row(r) for r in rows]
        self.style = style
        self.header = _as_row(header) if header is not None else None
        self.spaceBefore = space_before
        self.spaceAfter = space_after
        self.first_index = first_index
        self._measured: tuple[float, _Measured] | None = None

    def _widths(self, available: float) -> tuple[float, ...]:
        return self.widths if self.widths is not None else (available,)

    def _cell_height(self, c: Cell, width: float) -> float:
        left, right, top, bottom = c.pads(self.style)
        return sum(c.sizes(width - left - right)) + top + bottom

    def _row_height(self, row: Row, widths: tuple[float, ...]) -> float:
        return max(
            (self._cell_height(c, w) for c, w in zip(row.cells, widths, strict=False)),
            default=0.0,
        )

    def _measure(self, available: float) -> _Measured:
        if self._measured is not None and self._measured[0] == available:
            return self._measured[1]
        widths = self._widths(available)
        m = _Measured(
            heights=[self._row_height(r, widths) for r in self.rows],
            header=self._row_height(self.header, widths) if self.header else 0.0,
        )
        self._measured = (available, m)
        return m

    def measure(self, width: float) -> float:
        m = self._measure(width)
        return m.header + sum(m.heights)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._avail = availWidth
        self.width = sum(self._widths(availWidth))
        self.height = self.measure(availWidth)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        if self.header is None or len(self.rows) < 2:
            return []
        m = self._measure(availWidth)
        room = availHeight - m.header
        fits = 0
        for h in m.heights:
            if room < h:
                break
            room -= h
            fits += 1
        if fits == 0 or fits == len(self.rows):
            return []
        return [self._part(0, fits, m, availWidth), self._part(fits, len(self.rows), m, availWidth)]

    def _part(self, start: int, stop: int, m: _Measured, available: float) -> Grid:
        part = Grid(
            self.widths,
            self.rows[start:stop],
            style=self.style,
            header=self.header.cells if self.header else None,
            space_after=self.spaceAfter if stop == len(self.rows) else 0.0,
            space_before=self.spaceBefore if start == 0 else 0.0,
            first_index=self.first_index + start,
        )
        part._measured = (available, _Measured(m.heights[start:stop], m.header))
        return part

    def draw(self) -> None:
        self.paint(pen(self.canv), 0.0, self.height, self._avail)

    def paint(self, p: Pen, x: float, top: float, width: float) -> None:
        """Draw the grid with its top-left corner at (x, top)."""
        m = self._measure(width)
        widths = self._widths(width)
        st = self.style
        total = sum(widths)
        y = top
        if self.header is not None:
            if st.band is not None:
                p.fill(x, y - m.header, total, m.header, st.band)
            self._paint_row(p, self.header, widths, x, y, m.header)
            if st.accent is not None:
                p.line(x, y, x + total, y, st.accent, 0.8)
            y -= m.header
            if st.rule is not None:
                p.line(x, y, x + total, y, st.rule, 0.6)
        for n, (row, h) in enumerate(zip(self.rows, m.heights, strict=True)):
            background = row.background
            if background is None and st.zebra is not None and (self.first_index + n) % 2:
                background = st.zebra
            if background is not None:
                p.fill(x, y - h, total, h, background)
            self._paint_row(p, row, widths, x, y, h)
            y -= h
            last = n == len(self.rows) - 1
            if last and st.accent is not None and self.header is not None:
                p.line(x, y, x + total, y, st.accent, 0.8)
            elif st.rule is not None:
                p.line(x, y, x + total, y, st.rule, 0.35)

    def _paint_row(
        self, p: Pen, row: Row, widths: tuple[float, ...], x: float, top: float, height: float
    ) -> None:
        st = self.style
        for c, w in zip(row.cells, widths, strict=False):
            if c.background is not None:
                p.fill(x, top - height, w, height, c.background)
            if c.outline is not None:
                p.frame(x, top - height, w, height, c.outline, 0.6)
            left, right, pad_top, pad_bottom = c.pads(st)
            inner = w - left - right
            sizes = c.sizes(inner)
            content = sum(sizes)
            valign = c.valign or st.valign
            room = height - pad_top - pad_bottom
            y = top - pad_top
            if valign == "middle":
                y -= (room - content) / 2
            elif valign == "bottom":
                y -= room - content
            for item, size in zip(c.items, sizes, strict=True):
                item.paint(p, x + left, y, inner)
                y -= size
            x += w


_ITEM_TYPES = frozenset((Text, Bars, Box, Gap, Line, Grid))


# Shared blocks -----------------------------------------------------------------------------


def fact(label: str, value: str, style: TextStyle = styles.FIELD_VALUE) -> Cell:
    """A caption over its value, for the facts grid."""
    return cell(
        Text(label.upper(), styles.FIELD_LABEL, max_lines=1),
        Text(value or "—", style, max_lines=FACT_LINES),
    )


def facts_grid(fields: Sequence[Cell], width: float, columns: int) -> Grid:
    """Key facts in a grid of `columns`, filled row by row."""
    rows: list[list[CellSpec]] = []
    for start in range(0, len(fields), columns):
        row: list[CellSpec] = list(fields[start : start + columns])
        row += [None] * (columns - len(row))
        rows.append(row)
    return Grid([width / columns] * columns, rows, style=styles.FACTS)


def panel(title: str, body: str, style: TextStyle = styles.FIELD_VALUE) -> Cell:
    """A framed cell with a caption, e.g. an address."""
    return cell(
        Text(title.upper(), styles.FIELD_LABEL, max_lines=1),
        Gap(2),
        Text(body or "—", style, max_lines=PANEL_LINES),
        outline=RULE,
        pad_left=7,
        pad_right=7,
        pad_top=5,
        pad_bottom=6,
    )


def panels(cells: Sequence[Cell], width: float, gap: float = 12.0) -> Grid:
    """Framed panels side by side with a gap between them."""
    n = len(cells)
    each = (width - gap * (n - 1)) / n
    widths: list[float] = []
    row: list[CellSpec] = []
    for i, c in enumerate(cells):
        if i:
            widths.append(gap)
            row.append(None)
        widths.append(each)
        row.append(c)
    return Grid(widths, [row])


def rule(colour: Color = RULE, weight: float = 0.6) -> Grid:
    """A rule across the frame."""
    return Grid(None, [[Line(colour, weight)]])


def section(title: str) -> Grid:
    """A section heading above a table or block."""
    return Grid(None, [[Text(title, styles.SECTION)]], space_before=12, space_after=5)


def top_block(left: Sequence[Item], code: str, width: float) -> Grid:
    """The headline on the left and the document's big barcode on the right."""
    code_w = min(width * 0.5, symbol_width(code, 1.5))
    symbol = Bars(code, module=1.5, bar_height=44, font_size=10, align="right")
    return Grid(
        [width - code_w, code_w],
        [[cell(*left, valign="middle"), cell(symbol, valign="middle")]],
    )


def signoff(roles: Sequence[str], width: float, gap: float = 18.0) -> Grid:
    """Signature and date lines, one column per role."""
    n = len(roles)
    each = (width - gap * (n - 1)) / n
    widths: list[float] = []
    row: list[CellSpec] = []
    for i, role in enumerate(roles):
        if i:
            widths.append(gap)
            row.append(None)
        widths.append(each)
        row.append(
            cell(
                Gap(20),
                Line(),
                Gap(3),
                Text(role.upper(), styles.FIELD_LABEL),
                Gap(16),
                Line(),
                Gap(3),
                Text("DATE", styles.FIELD_LABEL),
            )
        )
    return Grid(widths, [row])


def location_cell(location: str, bin_: str | None) -> Cell:
    """A bin in bold over its location, or the location alone where stock has no bin."""
    if not bin_:
        return cell(Text(location, max_lines=NOTE_LINES))
    return cell(
        Text(bin_, styles.CELL_BOLD, max_lines=NOTE_LINES),
        Text(location, styles.CELL_NOTE, max_lines=NOTE_LINES),
    )


def barcode_column_width(
    codes: Iterable[str],
    room: float,
    *,
    module: float = LINE_MODULE,
    low: float = 110.0,
    high: float = 250.0,
) -> float:
    """A barcode column for these codes: wide enough for the widest at `module` when `room`
    allows, else narrower down to what the widest needs at the narrowest bar that scans."""
    found = list(codes)
    if not found:
        return low
    at_module = max(symbol_width(code, module) for code in found) + 2 * ITEM_PAD
    at_minimum = max(symbol_width(code, MIN_MODULE) for code in found) + 2 * ITEM_PAD
    return max(low, min(high, at_module, max(room, at_minimum)))


@dataclass(frozen=True)
class LotToTake:
    """A lot (or serial) suggested for a line by the consumption order: how much of it, its
    expiry, and whether it has expired (suggested only where the plant allows expired lots)
    or expires within the plant's warning days."""

    lot: str
    quantity: Decimal
    expires: date | None
    expiring: bool = False
    expired: bool = False


def lot_notes(lots: Sequence[LotToTake], uom: str, indent: float = 0.0) -> list[Text]:
    """A line's lots to take, one note each ("Lot R-A: 3 ea, expires 2026-04-01"); one
    expired ("EXPIRED 2026-03-01") or expiring soon in bold, saying so."""
    notes = []
    for lot in lots:
        expiry = f", expires {day(lot.expires)}" if lot.expires is not None else ""
        words = f"Lot {lot.lot}: {fmt(lot.quantity)} {uom}{expiry}"
        if lot.expired:
            words = f"Lot {lot.lot}: {fmt(lot.quantity)} {uom}, EXPIRED {day(lot.expires)}"
            notes.append(Text(words, styles.CELL_NOTE_BOLD, indent))
        elif lot.expiring:
            notes.append(Text(f"{words} (EXPIRING SOON)", styles.CELL_NOTE_BOLD, indent))
        else:
            notes.append(Text(words, styles.CELL_NOTE, indent))
    return notes


def barcode_cell(code: str) -> Cell:
    """A lines-table cell holding one line's barcode, tight to the cell's edges."""
    return cell(Bars(code), pad_left=ITEM_PAD, pad_right=ITEM_PAD)


def header_cell(
    label: str, style: TextStyle = styles.HEADER_CELL, *, over_bars: bool = False
) -> Cell:
    """A lines-table header cell; over a barcode column its text lines up with the bars."""
    return cell(
        Text(label, style, fit=" " not in label), pad_left=BARCODE_INSET if over_bars else None
    )


# Page chrome -------------------------------------------------------------------------------


def ellipsize(value: str, font: str, size: float, width: float) -> str:
    """`value` with an ellipsis after as much of it as fits `width`."""
    while value and string_width(value + "…", font, size) > width:
        value = value[:-1].rstrip()
    return value + "…"


def fit_string(
    p: Pen,
    value: str,
    x: float,
    y: float,
    width: float,
    font: str,
    size: float,
    minimum: float,
    colour: Color = INK,
    align: HAlign = "left",
) -> None:
    """One line of text, shrunk to fit `width` and cut with an ellipsis if it still will not."""
    while size > minimum and string_width(value, font, size) > width:
        size = max(minimum, size - 0.5)
    if string_width(value, font, size) > width:
        value = ellipsize(value, font, size, width)
    p.text(x, y, value, font, size, colour, align)


class _Chrome:
    """Draws the letterhead and footer of one page."""

    def __init__(self, setup: PageSetup) -> None:
        self.setup = setup
        self.width, self.height = page_size(setup)
        self.logo: str | None = None
        self.logo_size = (0.0, 0.0)
        logo = setup.company.logo
        if logo is not None:
            if not logo.is_file():
                raise ValidationError(f"company logo {str(logo)!r} does not exist")
            self.logo = str(logo)
            iw, ih = ImageReader(self.logo).getSize()
            scale = min(LOGO_BOX[0] / iw, LOGO_BOX[1] / ih)
            self.logo_size = (iw * scale, ih * scale)
        lines = [ln.strip() for ln in setup.company.address.splitlines() if ln.strip()]
        if len(lines) > ADDRESS_LINES:
            lines = [*lines[: ADDRESS_LINES - 1], ", ".join(lines[ADDRESS_LINES - 1 :])]
        self.address = lines

    def draw(self, canvas: Canvas, heading: Heading, page: int, pages: int) -> None:
        p = pen(canvas)
        self._letterhead(canvas, p, heading)
        self._footer(p, heading, page, pages)

    def _letterhead(self, canvas: Canvas, p: Pen, heading: Heading) -> None:
        top = self.height - MARGIN
        left = MARGIN
        right = self.width - MARGIN
        x = left
        if self.logo is not None:
            w, h = self.logo_size
            canvas.drawImage(self.logo, left, top - h, w, h, mask="auto")
            x = left + w + 10
        block = (right - left) * 0.55 - (x - left)
        title_room = (right - left) - (x - left) - block - 12
        fit_string(p, self.setup.company.name, x, top - 11, block, SANS_BOLD, 12, 8)
        y = top - 24
        for line in self.address:
            fit_string(p, line, x, y, block, SANS, 7.8, 5.5, MUTED)
            y -= 9.6
        fit_string(p, heading.title, right, top - 14, title_room, SANS_BOLD, 16, 9, INK, "right")
        fit_string(p, heading.reference, right, top - 30, title_room, SANS, 11, 7, MUTED, "right")
        rule = self.height - MARGIN - HEADER_HEIGHT + 10
        p.line(left, rule, right, rule, RULE, 0.8)

    def _footer(self, p: Pen, heading: Heading, page: int, pages: int) -> None:
        left = MARGIN
        right = self.width - MARGIN
        rule = MARGIN + FOOTER_HEIGHT - 10
        p.line(left, rule, right, rule, RULE, 0.6)
        baseline = rule - 12
        third = (right - left) / 3
        printed = f"Printed {stamp(heading.printed_at)}"
        fit_string(p, printed, left, baseline, third, SANS, 7.5, 5, MUTED)
        centre = left + (right - left) / 2
        name = f"{heading.title} {heading.reference}"
        fit_string(p, name, centre, baseline, third, SANS, 7.5, 5, MUTED, "center")
        fit_string(
            p, f"Page {page} of {pages}", right, baseline, third, SANS_BOLD, 8, 5, INK, "right"
        )


class _BeginDocument(Flowable):  # type: ignore[misc]
    """Zero-size marker: the pages from here on belong to the document with this heading."""

    def __init__(self, heading: Heading) -> None:
        super().__init__()
        self.heading = heading

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0.0, 0.0

    def draw(self) -> None:
        self.canv.begin_document(self.heading)


class _DocumentCanvas(Canvas):  # type: ignore[misc]
    """Holds finished pages until save, then draws each page's chrome with its document's count."""

    chrome: _Chrome

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[tuple[dict[str, object], Heading, int, list[int]]] = []
        self._heading: Heading | None = None
        self._group: list[int] = []

    def begin_document(self, heading: Heading) -> None:
        self._heading = heading
        self._group = []

    def showPage(self) -> None:
        if self._heading is None:
            raise RuntimeError("a page was finished before any document began")
        self._group.append(len(self._group) + 1)
        self._held.append((dict(self.__dict__), self._heading, len(self._group), self._group))
        self._startPage()

    def save(self) -> None:
        for state, heading, page, group in self._held:
            self.__dict__.update(state)
            self.chrome.draw(self, heading, page, len(group))
            Canvas.showPage(self)
        Canvas.save(self)


@contextmanager
def _no_gc_pauses() -> Iterator[None]:
    """Hold off cyclic garbage collection while a build allocates its many short-lived cells."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_pdf(
    setup: PageSetup,
    documents: Iterable[tuple[Heading, Sequence[Flowable]]],
    *,
    title: str,
) -> bytes:
    """One PDF of one or more documents, each starting on a new page with its own page count."""
    with _no_gc_pauses():
        return _build(setup, documents, title)


def _build(
    setup: PageSetup, documents: Iterable[tuple[Heading, Sequence[Flowable]]], title: str
) -> bytes:
    width, height = page_size(setup)
    chrome = _Chrome(setup)
    story: list[Flowable] = []
    for heading, flowables in documents:
        if story:
            story.append(PageBreakIfNotEmpty())
        story.append(_BeginDocument(heading))
        story.extend(flowables)
    if not story:
        raise ValidationError("nothing to print")
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=(width, height),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_HEIGHT,
        bottomMargin=MARGIN + FOOTER_HEIGHT,
        title=title,
        author=setup.company.name,
        creator="Shopfloor",
        invariant=1,
        pageCompression=1,
        initialFontName=SANS,
        initialFontSize=9,
        initialLeading=11,
    )
    frame = Frame(
        MARGIN,
        MARGIN + FOOTER_HEIGHT,
        width - 2 * MARGIN,
        height - 2 * MARGIN - HEADER_HEIGHT - FOOTER_HEIGHT,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc.addPageTemplates([PageTemplate(id="document", frames=[frame])])
    canvas_class = type("DocumentCanvas", (_DocumentCanvas,), {"chrome": chrome})
    doc.build(story, canvasmaker=canvas_class)
    return buffer.getvalue()
