"""Reading printed PDFs back: pages as images, barcodes as a scanner sees them, text, fonts."""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

SCAN_DPI = 150


def images(pdf: bytes, dpi: int = SCAN_DPI) -> list[Image.Image]:
    """Every page rendered to a greyscale image at `dpi`."""
    doc = pdfium.PdfDocument(pdf)
    try:
        return [doc[i].render(scale=dpi / 72).to_pil().convert("L") for i in range(len(doc))]
    finally:
        doc.close()


def scan(image: Image.Image) -> Counter[str]:
    """The Code 128 symbols a reader finds on one page image, with how often each occurs."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
    return Counter(result.text for result in found)


def scan_pages(pdf: bytes, dpi: int = SCAN_DPI) -> list[Counter[str]]:
    """Barcodes found on each page, page by page."""
    return [scan(image) for image in images(pdf, dpi)]


def texts(pdf: bytes) -> list[str]:
    """The text of each page as pypdf extracts it."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def words(text: str) -> list[str]:
    return text.split()


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _fonts(resources: Any, seen: set[int], out: list[DictionaryObject]) -> None:
    if isinstance(resources, IndirectObject):
        resources = resources.get_object()
    if not isinstance(resources, DictionaryObject):
        return
    fonts = resources.get("/Font")
    if fonts is not None:
        for ref in fonts.get_object().values():
            font = ref.get_object()
            if id(font) not in seen:
                seen.add(id(font))
                out.append(font)
    xobjects = resources.get("/XObject")
    if xobjects is not None:
        for ref in xobjects.get_object().values():
            xobject = ref.get_object()
            if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
                _fonts(xobject["/Resources"], seen, out)


def fonts(pdf: bytes) -> list[DictionaryObject]:
    """Every font dictionary any page (or form on it) uses."""
    found: list[DictionaryObject] = []
    seen: set[int] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        _fonts(page.get("/Resources"), seen, found)
    return found


def assert_fonts_embedded_dejavu(pdf: bytes) -> None:
    """Every font is a DejaVu TrueType embedded in the file: no base-14 font anywhere."""
    used = fonts(pdf)
    assert used, "no fonts at all"
    for font in used:
        name = str(font["/BaseFont"])
        assert re.fullmatch(r"/([A-Z]{6}\+)?DejaVuSans(-Bold|Mono)?", name), name
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{name} is not embedded"
    declared = set(re.findall(rb"/BaseFont\s*/([^\s/<>\[\]]+)", pdf))
    assert all(b"DejaVu" in name for name in declared), declared


def image_count(pdf: bytes) -> int:
    """Raster images in the file (barcodes must add none)."""
    return len(re.findall(rb"/Subtype\s*/Image", pdf))


def ink_outside(
    image: Image.Image,
    boxes: list[tuple[float, float, float, float]],
    dpi: int,
    page_height: float,
    slack: float = 1.0,
) -> int:
    """Dark pixels outside the given boxes (x, y, w, h in PDF points, origin bottom-left)."""
    pixels = np.asarray(image) < 200
    mask = np.ones_like(pixels, dtype=bool)
    scale = dpi / 72
    for x, y, w, h in boxes:
        left = max(0, int((x - slack) * scale))
        right = int((x + w + slack) * scale) + 1
        top = max(0, int((page_height - y - h - slack) * scale))
        bottom = int((page_height - y + slack) * scale) + 1
        mask[top:bottom, left:right] = False
    return int((pixels & mask).sum())


def ink_inside(
    image: Image.Image, box: tuple[float, float, float, float], dpi: int, page_height: float
) -> int:
    """Dark pixels inside one box (x, y, w, h in PDF points)."""
    pixels = np.asarray(image) < 200
    scale = dpi / 72
    x, y, w, h = box
    left, right = int(x * scale), int((x + w) * scale)
    top, bottom = int((page_height - y - h) * scale), int((page_height - y) * scale)
    return int(pixels[top:bottom, left:right].sum())


def present(codes: list[str], text: str) -> Counter[str]:
    """The codes whose text appears as a word of `text`, once each."""
    found = set(words(text))
    return Counter({code: 1 for code in codes if code in found})


def assert_inside_margins(pdf: bytes, page: tuple[float, float], margin: float) -> None:
    """No ink on any page outside the printable area inside the margins."""
    width, height = page
    box = (margin, margin, width - 2 * margin, height - 2 * margin)
    for n, image in enumerate(images(pdf, dpi=100), start=1):
        assert ink_outside(image, [box], 100, height) == 0, f"ink in the margin on page {n}"
