"""Code 128 as vector bars: every printable-ASCII text round-trips through a real reader."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from reportlab.pdfgen.canvas import Canvas

from app.errors import ShopfloorError
from app.printing import barcodes
from app.printing.barcodes import (
    MIN_MODULE,
    MODULES,
    QUIET_MODULES,
    BarcodeTextError,
    BarcodeTooWide,
    Code128,
    check_text,
    draw_code128,
    fit_module,
    modules,
    read_back,
    symbol_width,
)
from app.printing.styles import SANS
from tests.printing import pdfcheck

PRINTING = Path(__file__).resolve().parents[2] / "app" / "printing"
TEXTS = [
    "WO-000123",
    "#COMPLETE",
    "FRAME-AL-M",
    "7",
    "12",
    "123",
    "00420",
    "A1234567B",
    "lower case sku",
    " ~!\"$%&'()*+,./:;<=>?@[\\]^_`{|}",
    "SO-004211/3",
    "995-PV1",
    "99",
    "9999",
]


def one_barcode_pdf(text: str, module: float, font_size: float = 8.0) -> tuple[bytes, float]:
    buffer = io.BytesIO()
    page_w = symbol_width(text, module) + 40
    canvas = Canvas(buffer, pagesize=(page_w, 90), initialFontName=SANS)
    width, _ = draw_code128(
        canvas, text, 20.37, 20.11, module=module, bar_height=30, font_size=font_size
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue(), width


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("module", MODULES)
def test_every_printable_text_decodes_to_itself(text: str, module: float) -> None:
    pdf, _ = one_barcode_pdf(text, module)
    assert pdfcheck.scan_pages(pdf) == [{text: 1}]
    assert pdfcheck.image_count(pdf) == 0


@pytest.mark.parametrize("text", ["99", "995-PV1", "99A", "9999", "990", "99-1"])
def test_leading_99_is_kept(text: str) -> None:
    assert read_back(modules(text)) == text


@pytest.mark.parametrize(
    "text", ["", "Ä-100", "A\tB", "line\nbreak", "\x7f", "€5", "naïve", "\x00"]
)
def test_refuses_what_code_128_cannot_encode(text: str) -> None:
    with pytest.raises(BarcodeTextError, match="Code 128 cannot encode") as refused:
        check_text(text)
    assert isinstance(refused.value, ValueError)
    assert isinstance(refused.value, ShopfloorError)
    with pytest.raises(ValueError):
        modules(text)
    with pytest.raises(ValueError):
        Code128(text)


def test_refusal_names_the_character_and_its_position() -> None:
    with pytest.raises(BarcodeTextError) as refused:
        check_text("BIKE-Ü")
    assert "'Ü'" in str(refused.value)
    assert "position 6" in str(refused.value)


def test_quiet_zone_of_ten_modules_each_side_is_blank() -> None:
    module = 1.5
    pdf, width = one_barcode_pdf("WO-000123", module, font_size=0)
    image = pdfcheck.images(pdf, dpi=300)[0]
    dpi = 300
    x0 = 20.37
    quiet = QUIET_MODULES * module
    assert width == pytest.approx((len(modules("WO-000123")) + 2 * QUIET_MODULES) * module)
    band = (x0, 20.11, quiet - 0.5, 30)
    assert pdfcheck.ink_inside(image, band, dpi, 90) == 0
    right = (x0 + width - quiet + 0.5, 20.11, quiet - 0.5, 30)
    assert pdfcheck.ink_inside(image, right, dpi, 90) == 0
    bars = (x0 + quiet, 20.11, width - 2 * quiet, 30)
    assert pdfcheck.ink_inside(image, bars, dpi, 90) > 0


def test_flowable_narrows_to_fit_and_refuses_below_the_narrowest_bar() -> None:
    code = Code128("FRAME-AL-M", module=1.5)
    full = symbol_width("FRAME-AL-M", 1.5)
    assert code.wrap(1000, 100)[0] == pytest.approx(full)
    narrow = symbol_width("FRAME-AL-M", 1.1)
    assert code.wrap(narrow + 5, 100)[0] == pytest.approx(narrow)
    assert code.module == 1.1
    with pytest.raises(BarcodeTooWide):
        code.wrap(symbol_width("FRAME-AL-M", MIN_MODULE) - 1, 100)
    assert fit_module("FRAME-AL-M", 10_000, preferred=1.2) == 1.2
    assert fit_module("FRAME-AL-M", 10_000, preferred=1.0) == 0.94
    assert all(m in MODULES for m in (fit_module("X", w, preferred=2.2) for w in range(62, 140)))


def test_only_barcodes_module_knows_python_barcode() -> None:
    users = set()
    for path in PRINTING.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "barcode" or n.startswith("barcode.") for n in names):
                users.add(path.name)
    assert users == {"barcodes.py"}
    assert barcodes.__name__ == "app.printing.barcodes"


ALLOWED = (
    "reportlab",
    "barcode",
    "app.printing",
    "app.errors",
    "app.config",
    "app.models.quantity",
    "app.models.gs1",
)


def test_printing_imports_no_database_services_or_qt() -> None:
    import sys

    stdlib = sys.stdlib_module_names
    for path in PRINTING.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                ok = top in stdlib or top == "__future__" or name.startswith(ALLOWED)
                assert ok, f"{path.name} imports {name}"
