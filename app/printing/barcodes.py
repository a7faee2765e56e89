"""Code 128 and GS1-128 barcodes drawn as vector bars on the ReportLab canvas; the only
python-barcode user.

A GS1-128 symbol is Code 128 whose text starts with FNC1 (`gs1_text(data)`); FNC1 inside
the text ends a variable-length field. Its human-readable line is the element string as
people read it, given as the caption ("(01)09506000134352(10)L123").

A symbol is its bars, a quiet zone of `QUIET_MODULES` modules each side and its text underneath.
Bars are cached per text as PDF path operators in module units, so a page of barcodes costs a
few string joins rather than thousands of rectangle calls.

Every pattern is read back before it is drawn: python-barcode 0.16 drops a leading "99" (it
takes the digit pair for a code-set switch), so such texts are encoded again without that step.

Module widths come from `MODULES`: widths that decoded every one of 1,000 random codes (4 to
36 characters, random sub-point positions) rendered at 150 dpi with pypdfium2 and read with
zxing-cpp. Others alias against the pixel grid into misreads: 0.96-1.0 pt failed up to one
code in five; 1.06, 1.14-1.16, 1.25, 1.35, 1.4, 1.7, 2.0 and 2.2 pt one in twenty to one in
four hundred.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import groupby

import barcode
import barcode.codex
from barcode.charsets import code128
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from app.errors import ValidationError
from app.printing.styles import BAR, MONO, pen, string_width

QUIET_MODULES = 10
MODULES: tuple[float, ...] = (1.9, 1.8, 1.6, 1.5, 1.45, 1.3, 1.2, 1.1, 1.03, 0.94, 0.93, 0.92)
MIN_MODULE = MODULES[-1]
TEXT_GAP = 1.5
FIRST_PRINTABLE = 0x20
LAST_PRINTABLE = 0x7E
FNC1 = "\xf1"  # python-barcode's FNC1: first, a GS1-128 symbol; later, a field's end
FNC1_VALUE = 102


class BarcodeTextError(ValidationError, ValueError):
    """Text that Code 128 cannot carry as printed here (empty, or not printable ASCII)."""

    code = "barcode_text"


class BarcodeTooWide(ValidationError, ValueError):
    """A code too long for the room it has at the narrowest bar that still scans."""

    code = "barcode_too_wide"


def gs1_text(data: str) -> str:
    """The text of a GS1-128 symbol carrying `data` (fields, a group separator (GS) after a
    variable-length one): FNC1 first and in place of every GS."""
    return FNC1 + data.replace("\x1d", FNC1)


def check_text(text: str) -> None:
    """Refuse text that Code 128 cannot encode: empty, or anything outside printable ASCII
    (FNC1 aside, in a GS1-128 symbol's text)."""
    if not text or text == FNC1:
        raise BarcodeTextError("Code 128 cannot encode an empty text")
    gs1 = text.startswith(FNC1)
    for position, char in enumerate(text, start=1):
        if gs1 and char == FNC1:
            continue
        if not FIRST_PRINTABLE <= ord(char) <= LAST_PRINTABLE:
            raise BarcodeTextError(
                f"Code 128 cannot encode {text!r}: character {char!r} (U+{ord(char):04X}) at "
                f"position {position} is not printable ASCII (space to '~')"
            )


class _Code128(barcode.codex.Code128):  # type: ignore[misc]
    """python-barcode's Code 128, starting in the right code set without dropping a "99"."""

    def _try_to_optimize(self, encoded: list[int]) -> list[int]:
        if encoded[1] in (_TO_A, _TO_B):
            encoded[:2] = [code128.TO[encoded[1]]]
        return encoded


_TO_A = code128.C["TO_A"]
_TO_B = code128.C["TO_B"]
_VALUES = {pattern: value for value, pattern in enumerate(code128.CODES)}
_STARTS = {value: name for name, value in code128.START_CODES.items()}


def read_back(pattern: str) -> str:
    """The text a Code 128 module pattern carries (printable ASCII and FNC1), checksum
    verified."""
    body = pattern[: -(len(code128.STOP) + 2)]
    if len(body) % 11 or len(body) < 22:
        raise BarcodeTextError("not a Code 128 pattern")
    values = [_VALUES[body[i : i + 11]] for i in range(0, len(body), 11)]
    start, *data, check = values
    if (start + sum(i * v for i, v in enumerate(data, start=1))) % 103 != check:
        raise BarcodeTextError("Code 128 checksum does not match")
    mode = _STARTS[start]
    out: list[str] = []
    for value in data:
        if value == FNC1_VALUE:
            out.append(FNC1)
            continue
        if mode == "C":
            if value < 100:
                out.append(f"{value:02d}")
                continue
            mode = {100: "B", 101: "A"}.get(value, "?")
        elif value < 64 or (mode == "B" and value < 96):
            out.append(chr(value + 32))
            continue
        elif mode == "A" and value < 96:
            out.append(chr(value - 64))
            continue
        else:
            mode = {
                99: "C",
                100: "B" if mode == "A" else "?",
                101: "A" if mode == "B" else "?",
            }.get(value, "?")
        if mode == "?":
            raise BarcodeTextError(f"Code 128 value {value} is not used for plain text")
    return "".join(out)


@lru_cache(maxsize=8192)
def modules(text: str) -> str:
    """The symbol as a string of '1' (bar) and '0' (space) modules, quiet zones excluded."""
    check_text(text)
    pattern: str
    if text.startswith(FNC1):
        pattern = barcode.Gs1_128(text[1:]).build()[0]
    else:
        pattern = barcode.get("code128", text).build()[0]
        if read_back(pattern) != text:
            pattern = _Code128(text).build()[0]
    if read_back(pattern) != text:
        raise BarcodeTextError(f"could not encode {text!r} as Code 128")
    return pattern


@lru_cache(maxsize=8192)
def _bar_path(text: str) -> str:
    """PDF operators filling every bar of `text`, one unit per module, one unit high."""
    rects: list[str] = []
    start = 0
    for bit, run in groupby(modules(text)):
        length = sum(1 for _ in run)
        if bit == "1":
            rects.append(f"{start} 0 {length} 1 re")
        start += length
    return " ".join(rects)


def module_count(text: str) -> int:
    """Modules in the whole symbol, quiet zones included."""
    return len(modules(text)) + 2 * QUIET_MODULES


def symbol_width(text: str, module: float) -> float:
    """Width in points of the symbol with its quiet zones at this module width."""
    return module_count(text) * module


def fit_module(
    text: str,
    width: float,
    *,
    preferred: float,
    minimum: float = MIN_MODULE,
    bars_width: float | None = None,
) -> float:
    """The widest module in `MODULES`, up to `preferred`, at which the symbol fits `width`
    (and its bars alone fit `bars_width`, where the quiet zones may reach past an edge).

    Below the ladder (only when `minimum` allows it) the module is whatever fits; below
    `minimum` the code is refused.
    """
    count = module_count(text)
    bars = len(modules(text))
    room = min(width / count, (bars_width if bars_width is not None else width) / bars)
    for module in MODULES:
        if minimum <= module <= preferred + 1e-9 and module <= room + 1e-9:
            return module
    module = min(preferred, room)
    if minimum <= module < MIN_MODULE:
        return module
    raise BarcodeTooWide(
        f"{text!r} is too long for a barcode {width:.0f} pt wide: it needs "
        f"{count * max(minimum, 0.01):.0f} pt at the narrowest bar that scans"
    )


def text_band(font_size: float) -> float:
    """Height of the human-readable line under the bars."""
    return TEXT_GAP + font_size * 1.2 if font_size > 0 else 0.0


def draw_code128(
    canvas: Canvas,
    text: str,
    x: float,
    y: float,
    *,
    module: float,
    bar_height: float,
    font_size: float = 8.0,
    caption: str | None = None,
) -> tuple[float, float]:
    """Draw the symbol with its lower-left quiet-zone corner at (x, y); returns (width, height).

    The human-readable line is `caption` (a GS1-128 symbol's element string), else the text;
    `font_size` 0 leaves it out.
    """
    shown = caption if caption is not None else text
    bars = _bar_path(text)
    width = symbol_width(text, module)
    band = text_band(font_size)
    height = bar_height + band
    canvas.addLiteral(
        f"q 1 g {x:.3f} {y:.3f} {width:.3f} {height:.3f} re f "
        f"0 g {module:.4f} 0 0 {bar_height:.3f} "
        f"{x + QUIET_MODULES * module:.3f} {y + band:.3f} cm {bars} f Q"
    )
    if font_size > 0:
        size = font_size
        room = width - 2 * module
        while size > 5 and string_width(shown, MONO, size) > room:
            size -= 0.25
        pen(canvas).text(x + width / 2, y + font_size * 0.22, shown, MONO, size, BAR, "center")
    return width, height


class Code128(Flowable):  # type: ignore[misc]
    """A Code 128 symbol for platypus: as wide as `preferred` modules allow, narrower if it must."""

    def __init__(
        self,
        text: str,
        *,
        module: float = 1.1,
        bar_height: float = 24.0,
        font_size: float = 8.0,
        minimum: float = MIN_MODULE,
        align: str = "LEFT",
    ) -> None:
        super().__init__()
        check_text(text)
        self.text = text
        self.preferred = module
        self.module = module
        self.bar_height = bar_height
        self.font_size = font_size
        self.minimum = minimum
        self.hAlign = align

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.module = fit_module(
            self.text, availWidth, preferred=self.preferred, minimum=self.minimum
        )
        self.width = symbol_width(self.text, self.module)
        self.height = self.bar_height + text_band(self.font_size)
        return self.width, self.height

    def draw(self) -> None:
        draw_code128(
            self.canv,
            self.text,
            0,
            0,
            module=self.module,
            bar_height=self.bar_height,
            font_size=self.font_size,
        )

    def __repr__(self) -> str:
        return f"Code128({self.text!r})"
