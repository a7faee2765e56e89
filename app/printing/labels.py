"""Item and finished-goods labels: on a common label sheet or one per thermal label.

Sheet geometry (from the stock makers' templates; positions count across, then down):

- Letter: Avery 5160 / 8160, 3 x 10 labels of 2 5/8 x 1 in, top margin 1/2 in, left margin
  3/16 in, column pitch 2 3/4 in, row pitch 1 in.
- A4: Avery L7159, 3 x 8 labels of 63.5 x 33.9 mm, top margin 12.9 mm, left margin 7.2 mm,
  column pitch 66.0 mm, row pitch 33.9 mm.

Thermal layouts are one label per page of the label's own size: 4 x 6 in (portrait) or
2 x 1 in (landscape). Text shrinks and wraps to fit its label, and is cut with an ellipsis
only when even the smallest size will not hold it; barcodes narrow to fit, and a code too
long for the narrowest bar that scans is refused rather than printed unreadable.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import inch, mm
from reportlab.pdfgen.canvas import Canvas

from app.errors import ValidationError
from app.models.gs1 import AI_FIELDS, ElementString
from app.models.quantity import fmt
from app.printing.barcodes import (
    MIN_MODULE,
    QUIET_MODULES,
    BarcodeTooWide,
    check_text,
    draw_code128,
    fit_module,
    gs1_text,
    modules,
    text_band,
)
from app.printing.styles import INK, MUTED, RULE, SANS, SANS_BOLD, wrap_text
from app.printing.templates import PageSetup, day, ellipsize, page_size

LabelLayout = Literal["sheet", "thermal_4x6", "thermal_2x1"]
LAYOUTS: tuple[LabelLayout, ...] = ("sheet", "thermal_4x6", "thermal_2x1")
# Two dots of a 203 dpi thermal head: the narrowest bar a 2 x 1 in label may use.
MIN_THERMAL_MODULE = 2 * 72 / 203


@dataclass(frozen=True)
class Symbol:
    """One barcode of a label: the text it carries and the line printed under it."""

    text: str
    caption: str


@dataclass(frozen=True)
class ItemLabel:
    """A label for an item or its bin: sku barcode, name, bin; a tracked item's carries its
    GS1 element string (GTIN, lot, expiry, serial) in GS1-128 instead."""

    sku: str
    name: str
    bin: str | None
    gs1: ElementString | None = None


@dataclass(frozen=True)
class FinishedGoodsLabel:
    """A label for built assemblies: what, from which work order, when, how many."""

    assembly_sku: str
    assembly_name: str
    work_order: str
    build_date: date
    quantity: Decimal
    uom: str
    gs1: ElementString | None = None


Label = ItemLabel | FinishedGoodsLabel


def item_symbols(label: Label, fits: Callable[[str], bool] | None = None) -> list[Symbol]:
    """The item's barcodes on a label: its sku in Code 128, or its GS1 element string in
    GS1-128: one symbol, or, where one does not `fit`, its fields packed in order into as
    few symbols as fit (each scans as GS1; the lot comes after the item)."""
    sku = label.sku if isinstance(label, ItemLabel) else label.assembly_sku
    gs1 = label.gs1
    if gs1 is None:
        return [Symbol(sku, sku)]
    whole = Symbol(gs1_text(gs1.data()), gs1.text)
    if fits is None or fits(whole.text):
        return [whole]
    groups: list[list[str]] = []
    for ai, _data in gs1.fields():
        if groups and fits(gs1_text(_part(gs1, [*groups[-1], ai]).data())):
            groups[-1].append(ai)
        else:
            groups.append([ai])
    return [Symbol(gs1_text(p.data()), p.text) for p in (_part(gs1, g) for g in groups)]


def _part(gs1: ElementString, ais: list[str]) -> ElementString:
    """The fields of `gs1` with these AIs."""
    kept = {AI_FIELDS[ai] for ai in ais}
    return ElementString(
        **{name: getattr(gs1, name) for name in AI_FIELDS.values() if name in kept}
    )


@dataclass(frozen=True)
class SheetGeometry:
    """Where the labels sit on one sheet of label stock."""

    name: str
    page: tuple[float, float]
    columns: int
    rows: int
    width: float
    height: float
    left: float
    top: float
    pitch_x: float
    pitch_y: float

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    def origin(self, position: int) -> tuple[float, float]:
        """Lower-left corner of the label at `position` (0-based, across then down)."""
        row, column = divmod(position, self.columns)
        x = self.left + column * self.pitch_x
        y = self.page[1] - self.top - row * self.pitch_y - self.height
        return x, y


AVERY_5160 = SheetGeometry(
    "Avery 5160 (Letter, 3 x 10)",
    LETTER,
    3,
    10,
    2.625 * inch,
    1.0 * inch,
    0.1875 * inch,
    0.5 * inch,
    2.75 * inch,
    1.0 * inch,
)
AVERY_L7159 = SheetGeometry(
    "Avery L7159 (A4, 3 x 8)",
    A4,
    3,
    8,
    63.5 * mm,
    33.9 * mm,
    7.2 * mm,
    12.9 * mm,
    66.0 * mm,
    33.9 * mm,
)
THERMAL_SIZES: dict[str, tuple[float, float]] = {
    "thermal_4x6": (4 * inch, 6 * inch),
    "thermal_2x1": (2 * inch, 1 * inch),
}


@dataclass(frozen=True)
class LabelBox:
    """Where one label is drawn: its page (0-based) and its rectangle in points."""

    page: int
    x: float
    y: float
    width: float
    height: float


def sheet_geometry(setup: PageSetup) -> SheetGeometry:
    """The label sheet for the configured paper."""
    page_size(setup)
    return AVERY_5160 if setup.page_size == "letter" else AVERY_L7159


def label_boxes(
    count: int, layout: LabelLayout, setup: PageSetup, start: int = 1
) -> tuple[tuple[float, float], list[LabelBox]]:
    """The page size and the box of each of `count` labels, from position `start` on."""
    if layout == "sheet":
        geometry = sheet_geometry(setup)
        if not 1 <= start <= geometry.per_sheet:
            raise ValidationError(
                f"start position {start} is not on a {geometry.name} sheet "
                f"(1 to {geometry.per_sheet})"
            )
        boxes = []
        for index in range(count):
            page, position = divmod(start - 1 + index, geometry.per_sheet)
            x, y = geometry.origin(position)
            boxes.append(LabelBox(page, x, y, geometry.width, geometry.height))
        return geometry.page, boxes
    if layout in THERMAL_SIZES:
        if start != 1:
            raise ValidationError("thermal labels print one per label; the start position is 1")
        w, h = THERMAL_SIZES[layout]
        return (w, h), [LabelBox(i, 0.0, 0.0, w, h) for i in range(count)]
    raise ValidationError(f"unknown label layout {layout!r}; use one of {', '.join(LAYOUTS)}")


def wrap_fit(
    value: str, font: str, size: float, minimum: float, width: float, max_lines: int
) -> tuple[float, list[str]]:
    """The largest size from `size` down to `minimum` at which `value` wraps into `max_lines`.

    At `minimum` the text is cut with an ellipsis after `max_lines` lines.
    """
    while True:
        lines = list(wrap_text(value, font, size, width))
        if len(lines) <= max_lines or size <= minimum:
            break
        size = max(minimum, size - 0.5)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], ellipsize(lines[max_lines - 1], font, size, width)]
    return size, lines


class _Painter:
    """Draws one label's content inside its box, top to bottom, never past its edges."""

    def __init__(self, canvas: Canvas, box: LabelBox, pad: float) -> None:
        self.c = canvas
        self.box = box
        self.pad = pad
        self.left = box.x + pad
        self.width = box.width - 2 * pad
        self.top = box.y + box.height - pad
        self.bottom = box.y + pad

    def text(
        self,
        value: str,
        font: str,
        size: float,
        minimum: float,
        max_lines: int = 1,
        colour: Color = INK,
        align: Literal["left", "center"] = "left",
        gap: float = 1.5,
    ) -> None:
        """Lines of text from the current top down."""
        size, lines = wrap_fit(value, font, size, minimum, self.width, max_lines)
        self.c.setFont(font, size)
        self.c.setFillColor(colour)
        leading = size * 1.18
        for line in lines:
            self.top -= size * 0.93
            if align == "center":
                self.c.drawCentredString(self.left + self.width / 2, self.top, line)
            else:
                self.c.drawString(self.left, self.top, line)
            self.top -= leading - size * 0.93
        self.top -= gap

    def bottom_line(
        self, value: str, font: str, size: float, minimum: float, colour: Color = INK
    ) -> None:
        """One line at the bottom edge; the space above it stays for what comes next."""
        size, lines = wrap_fit(value, font, size, minimum, self.width, 1)
        self.c.setFont(font, size)
        self.c.setFillColor(colour)
        self.c.drawString(self.left, self.bottom + size * 0.25, lines[0])
        self.bottom += size * 1.25

    def fits(self, code: str, minimum: float) -> bool:
        """Whether a barcode of `code` fits across the box at a bar that still scans."""
        try:
            fit_module(
                code, self.box.width, preferred=minimum, minimum=minimum, bars_width=self.width
            )
        except BarcodeTooWide:
            return False
        return True

    def barcode(
        self,
        code: str,
        *,
        preferred: float,
        bar_height: float,
        font_size: float,
        minimum: float,
        height: float | None = None,
        caption: str | None = None,
    ) -> None:
        """A barcode centred across the box, as tall as `bar_height` or the room left."""
        bars = len(modules(code))
        shown = caption if caption is not None else code
        try:
            module = fit_module(
                code, self.box.width, preferred=preferred, minimum=minimum, bars_width=self.width
            )
        except BarcodeTooWide:
            raise BarcodeTooWide(
                f"{shown!r} is too long for a {self.box.width / inch:.3g} in wide label: its bars "
                f"need {bars * minimum:.0f} pt at the narrowest bar that scans"
            ) from None
        room = (self.top - self.bottom) if height is None else height
        bars_h = max(6.0, min(bar_height, room - text_band(font_size)))
        symbol_w = (bars + 2 * QUIET_MODULES) * module
        x = self.box.x + (self.box.width - symbol_w) / 2
        y = self.top - bars_h - text_band(font_size)
        draw_code128(
            self.c,
            code,
            x,
            y,
            module=module,
            bar_height=bars_h,
            font_size=font_size,
            caption=caption,
        )
        self.top = y - 2

    def rule(self, gap: float = 4.0) -> None:
        """A hairline across the label."""
        self.top -= gap / 2
        self.c.setStrokeColor(RULE)
        self.c.setLineWidth(0.6)
        self.c.line(self.left, self.top, self.left + self.width, self.top)
        self.top -= gap / 2


def _symbols(painter: _Painter, label: Label, minimum: float) -> list[Symbol]:
    """The label's item barcodes: as few symbols as fit across it."""
    return item_symbols(label, lambda text: painter.fits(text, minimum))


def _item_barcodes(
    painter: _Painter,
    symbols: list[Symbol],
    *,
    preferred: float,
    bar_height: float,
    font_size: float,
    minimum: float,
    height: float | None = None,
) -> None:
    """The item's barcodes one under the other, sharing the height one would have."""
    room = (painter.top - painter.bottom) if height is None else height
    share = room / len(symbols)
    for symbol in symbols:
        painter.barcode(
            symbol.text,
            preferred=preferred,
            bar_height=bar_height,
            font_size=font_size,
            minimum=minimum,
            height=share - (2 if len(symbols) > 1 else 0),
            caption=symbol.caption,
        )


def _small(painter: _Painter, label: Label, minimum: float) -> None:
    """A sheet or 2 x 1 in label: name, barcode, one line of facts."""
    compact = painter.box.height < 80
    name_size = 8.0 if compact else 9.0
    symbols = _symbols(painter, label, minimum)
    lines = 2 if len(symbols) == 1 else 1
    if isinstance(label, ItemLabel):
        painter.text(label.name, SANS_BOLD, name_size, 5.5, max_lines=lines, gap=1.0)
        if label.bin:
            painter.bottom_line(f"BIN  {label.bin}", SANS_BOLD, 7.5, 5.0)
    else:
        painter.text(label.assembly_name, SANS_BOLD, name_size, 5.5, max_lines=lines, gap=1.0)
        painter.bottom_line(
            f"{label.work_order} · built {day(label.build_date)} · "
            f"{fmt(label.quantity)} {label.uom}",
            SANS,
            7.0,
            4.5,
        )
    painter.bottom += 2.0
    font_size = 7.0 if len(symbols) == 1 else 5.5
    _item_barcodes(
        painter, symbols, preferred=1.2, bar_height=26, font_size=font_size, minimum=minimum
    )


def _large(painter: _Painter, label: Label, company: str) -> None:
    """A 4 x 6 in label: company, name, big barcode and the facts a dock reads from afar."""
    painter.text(company, SANS_BOLD, 9, 6, colour=MUTED)
    painter.rule(8)
    if isinstance(label, ItemLabel):
        painter.text(label.name, SANS_BOLD, 20, 11, max_lines=3, gap=14)
        symbols = _symbols(painter, label, MIN_MODULE)
        size = 13 if len(symbols) == 1 else 11
        _item_barcodes(
            painter,
            symbols,
            preferred=1.9,
            bar_height=120,
            font_size=size,
            minimum=MIN_MODULE,
            height=120 + text_band(13),
        )
        painter.top -= 22
        painter.text("BIN", SANS, 9, 7, colour=MUTED, gap=2)
        painter.text(label.bin or "—", SANS_BOLD, 44, 16)
        return
    painter.text("FINISHED GOODS", SANS, 9, 7, colour=MUTED, gap=3)
    painter.text(label.assembly_name, SANS_BOLD, 18, 10, max_lines=3, gap=12)
    symbols = _symbols(painter, label, MIN_MODULE)
    _item_barcodes(
        painter,
        symbols,
        preferred=1.9,
        bar_height=80,
        font_size=12 if len(symbols) == 1 else 10,
        minimum=MIN_MODULE,
        height=80 + text_band(12),
    )
    painter.top -= 18
    half = painter.width / 2
    top = painter.top
    _fact(painter, "QUANTITY", f"{fmt(label.quantity)} {label.uom}", painter.left, top, half, 30)
    _fact(painter, "BUILT", day(label.build_date), painter.left + half, top, half, 18)
    painter.top = top - 58
    painter.text("WORK ORDER", SANS, 9, 7, colour=MUTED, gap=4)
    painter.barcode(
        label.work_order,
        preferred=1.6,
        bar_height=48,
        font_size=11,
        minimum=MIN_MODULE,
        height=48 + text_band(11),
    )


def _fact(
    painter: _Painter,
    caption: str,
    value: str,
    x: float,
    top: float,
    width: float,
    size: float,
    baseline: float = 26.0,
) -> None:
    c = painter.c
    c.setFillColor(MUTED)
    c.setFont(SANS, 9)
    c.drawString(x, top - 9, caption)
    fitted, lines = wrap_fit(value, SANS_BOLD, size, 10, width - 6, 1)
    c.setFillColor(INK)
    c.setFont(SANS_BOLD, fitted)
    c.drawString(x, top - 14 - baseline, lines[0])


def render_labels(
    labels: Sequence[Label], layout: LabelLayout, setup: PageSetup, start: int = 1
) -> bytes:
    """Labels as a PDF: on sheets from position `start` of the first sheet, or one per page."""
    if not labels:
        raise ValidationError("no labels to print")
    for label in labels:
        for symbol in item_symbols(label):
            check_text(symbol.text)
        if isinstance(label, FinishedGoodsLabel):
            check_text(label.work_order)
    pagesize, boxes = label_boxes(len(labels), layout, setup, start)
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=pagesize,
        invariant=1,
        initialFontName=SANS,
        initialFontSize=9,
        initialLeading=11,
    )
    canvas.setTitle(f"Labels ({len(labels)})")
    canvas.setAuthor(setup.company.name)
    canvas.setCreator("Shopfloor")
    page = 0
    minimum = MIN_THERMAL_MODULE if layout == "thermal_2x1" else MIN_MODULE
    for label, box in zip(labels, boxes, strict=True):
        while page < box.page:
            canvas.showPage()
            page += 1
        canvas.saveState()
        if layout == "thermal_4x6":
            _large(_Painter(canvas, box, 18.0), label, setup.company.name)
        else:
            pad = 4.0 if layout == "thermal_2x1" else 6.0
            _small(_Painter(canvas, box, pad), label, minimum)
        canvas.restoreState()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


__all__ = [
    "AVERY_5160",
    "AVERY_L7159",
    "LAYOUTS",
    "FinishedGoodsLabel",
    "ItemLabel",
    "Label",
    "LabelBox",
    "LabelLayout",
    "SheetGeometry",
    "Symbol",
    "item_symbols",
    "label_boxes",
    "render_labels",
    "sheet_geometry",
]
