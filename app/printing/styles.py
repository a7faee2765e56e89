"""The one styles module: embedded DejaVu fonts, colours, text and table styles, text metrics."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal
from weakref import WeakKeyDictionary

from reportlab import rl_config
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.rl_accel import escapePDF
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from app.config import resource_path

SANS = "DejaVuSans"
SANS_BOLD = "DejaVuSans-Bold"
MONO = "DejaVuSansMono"

_FONT_FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    MONO: "DejaVuSansMono.ttf",
}
# DejaVu's ascender and descender as fractions of the font size.
ASCENT = 0.928
DESCENT = 0.236

INK = HexColor("#1F2933")
MUTED = HexColor("#5F6B7A")
RULE = HexColor("#C5CDD6")
BAND = HexColor("#E3E9F0")
ZEBRA = HexColor("#F4F6F9")
ACCENT = HexColor("#1F4E79")
PAPER = white
BAR = Color(0, 0, 0)

HAlign = Literal["left", "center", "right"]
VAlign = Literal["top", "middle", "bottom"]


def register_fonts() -> None:
    """Register the bundled TrueType fonts once, so every PDF embeds the same glyphs."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in _FONT_FILES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", filename))))


register_fonts()
# Streams stay binary (Flate only): ASCII85 serves 7-bit channels and would double build time.
rl_config.useA85 = 0


@lru_cache(maxsize=65536)
def _unit_width(text: str, font: str) -> float:
    return float(pdfmetrics.stringWidth(text, font, 1000.0))


def string_width(text: str, font: str, size: float) -> float:
    """Width of `text` in points when set in one of the registered fonts."""
    return _unit_width(text, font) * size / 1000.0


@lru_cache(maxsize=32768)
def wrap_text(value: str, font: str, size: float, width: float) -> tuple[str, ...]:
    """Greedy word wrap into lines no wider than `width`; words too long are broken."""
    lines: list[str] = []
    space = string_width(" ", font, size)
    for paragraph in value.splitlines() or [""]:
        current = ""
        current_w = 0.0
        for word in paragraph.split():
            word_w = string_width(word, font, size)
            while word_w > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and string_width(word[:cut], font, size) > width:
                    cut -= 1
                if current:
                    lines.append(current)
                    current, current_w = "", 0.0
                lines.append(word[:cut])
                word = word[cut:]
                word_w = string_width(word, font, size)
            if not current:
                current, current_w = word, word_w
            elif current_w + space + word_w <= width:
                current += " " + word
                current_w += space + word_w
            else:
                lines.append(current)
                current, current_w = word, word_w
        lines.append(current)
    return tuple(lines)


@dataclass(frozen=True)
class TextStyle:
    """Font, size, line spacing, colour and alignment of a block of text."""

    font: str = SANS
    size: float = 9.0
    leading: float = 11.5
    colour: Color = INK
    align: HAlign = "left"

    def but(self, **changes: object) -> TextStyle:
        """This style with some properties changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class GridStyle:
    """How a grid of cells looks: padding, alignment, header band, rules, zebra rows."""

    pad_left: float = 4.0
    pad_right: float = 4.0
    pad_top: float = 3.5
    pad_bottom: float = 3.5
    valign: VAlign = "middle"
    band: Color | None = None
    accent: Color | None = None
    rule: Color | None = None
    zebra: Color | None = None


BODY = TextStyle()
SMALL = TextStyle(size=7.5, leading=9.5, colour=MUTED)
SECTION = TextStyle(font=SANS_BOLD, size=9.5, leading=12, colour=ACCENT)
FIELD_LABEL = TextStyle(size=6.8, leading=8.5, colour=MUTED)
FIELD_VALUE = TextStyle(size=9.5, leading=12)
FIELD_VALUE_BOLD = TextStyle(font=SANS_BOLD, size=9.5, leading=12)
HEADLINE = TextStyle(font=SANS_BOLD, size=14, leading=17)
SUBHEAD = TextStyle(size=9.5, leading=12, colour=MUTED)
MEMO = TextStyle(size=8.5, leading=11)

CELL = TextStyle(size=8.5, leading=10.5)
CELL_BOLD = CELL.but(font=SANS_BOLD)
CELL_NOTE = TextStyle(size=7.2, leading=9, colour=MUTED)
CELL_NOTE_BOLD = TextStyle(font=SANS_BOLD, size=7.2, leading=9)
CELL_RIGHT = CELL.but(align="right")
CELL_RIGHT_BOLD = TextStyle(font=SANS_BOLD, size=9.5, leading=11.5, align="right")
HEADER_CELL = TextStyle(font=SANS_BOLD, size=7.2, leading=9)
HEADER_CELL_RIGHT = HEADER_CELL.but(align="right")
HEADER_CELL_CENTER = HEADER_CELL.but(align="center")
CAPTION = TextStyle(size=7.5, leading=9.5, colour=MUTED, align="center")
CAPTION_LEFT = CAPTION.but(align="left")
CAPTION_RIGHT = TextStyle(size=6.8, leading=8.5, colour=MUTED, align="right")

LINES = GridStyle(band=BAND, accent=ACCENT, rule=RULE)
LINES_ZEBRA = GridStyle(band=BAND, accent=ACCENT, rule=RULE, zebra=ZEBRA)
FACTS = GridStyle(pad_left=0, pad_right=8, pad_top=0, pad_bottom=6, valign="top")
LAYOUT = GridStyle(pad_left=0, pad_right=0, pad_top=0, pad_bottom=0, valign="top")
FOOT = GridStyle(pad_left=0, pad_right=0, pad_top=8, pad_bottom=0, valign="bottom")
CODES = GridStyle(pad_left=0, pad_right=0, pad_top=0, pad_bottom=6, valign="middle")
COMMANDS = GridStyle(pad_left=0, pad_right=0, pad_top=0, pad_bottom=8, valign="middle")


def _rgb(colour: Color) -> tuple[float, float, float]:
    return (float(colour.red), float(colour.green), float(colour.blue))


@lru_cache(maxsize=256)
def _fill_op(rgb: tuple[float, float, float]) -> str:
    return "{:.3f} {:.3f} {:.3f} rg".format(*rgb)


@lru_cache(maxsize=256)
def _stroke_op(rgb: tuple[float, float, float]) -> str:
    return "{:.3f} {:.3f} {:.3f} RG".format(*rgb)


class Pen:
    """Sets text and rules straight into a canvas's content stream, in the embedded fonts.

    Each string is encoded into its font subset once per document (the documented way to
    write text in a ReportLab TrueType font), so a thousand tickets cost string joins, not
    thousands of text objects built afresh.
    """

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self._doc = canvas._doc
        self._shown: dict[tuple[str, str, float], str] = {}
        self._fills: dict[int, str] = {}

    def _show(self, value: str, font: str, size: float) -> str:
        key = (value, font, size)
        shown = self._shown.get(key)
        if shown is None:
            face = pdfmetrics.getFont(font)
            shown = " ".join(
                f"{face.getSubsetInternalName(subset, self._doc)} {size:g} Tf "
                f"({escapePDF(chunk)}) Tj"
                for subset, chunk in face.splitString(value, self._doc)
            )
            self._shown[key] = shown
        return shown

    def _fill(self, colour: Color) -> str:
        op = self._fills.get(id(colour))
        if op is None:
            op = self._fills[id(colour)] = _fill_op(_rgb(colour))
        return op

    def text(
        self,
        x: float,
        baseline: float,
        value: str,
        font: str,
        size: float,
        colour: Color = INK,
        align: HAlign = "left",
    ) -> None:
        """One line of text; `x` is its left edge, centre or right edge as `align` says."""
        if not value:
            return
        if align != "left":
            width = string_width(value, font, size)
            x -= width if align == "right" else width / 2
        self.canvas.addLiteral(
            f"q BT {self._fill(colour)} 1 0 0 1 {x:.2f} {baseline:.2f} Tm "
            f"{self._show(value, font, size)} ET Q"
        )

    def fill(self, x: float, y: float, width: float, height: float, colour: Color) -> None:
        """A filled rectangle."""
        self.canvas.addLiteral(
            f"q {self._fill(colour)} {x:.2f} {y:.2f} {width:.2f} {height:.2f} re f Q"
        )

    def frame(
        self, x: float, y: float, width: float, height: float, colour: Color, weight: float
    ) -> None:
        """A rectangle outline."""
        self.canvas.addLiteral(
            f"q {_stroke_op(_rgb(colour))} {weight:.2f} w "
            f"{x:.2f} {y:.2f} {width:.2f} {height:.2f} re S Q"
        )

    def line(
        self, x1: float, y1: float, x2: float, y2: float, colour: Color, weight: float
    ) -> None:
        """A straight rule."""
        self.canvas.addLiteral(
            f"q {_stroke_op(_rgb(colour))} {weight:.2f} w "
            f"{x1:.2f} {y1:.2f} m {x2:.2f} {y2:.2f} l S Q"
        )


_PENS: WeakKeyDictionary[Canvas, Pen] = WeakKeyDictionary()


def pen(canvas: Canvas) -> Pen:
    """The pen for this canvas (one per document, so its encodings stay valid)."""
    found = _PENS.get(canvas)
    if found is None or found._doc is not canvas._doc:
        found = _PENS[canvas] = Pen(canvas)
    return found
