"""Labels: every layout and start position scans, nothing reaches past its label's edges."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from app.errors import ValidationError
from app.printing import labels
from app.printing.barcodes import BarcodeTextError, BarcodeTooWide
from app.printing.labels import (
    AVERY_5160,
    AVERY_L7159,
    FinishedGoodsLabel,
    ItemLabel,
    Label,
    LabelLayout,
    label_boxes,
    render_labels,
)
from app.printing.templates import PageSetup
from tests.printing import pdfcheck, samples

SHORT = [  # codes short enough to print at a 150 dpi-readable bar on a 2 x 1 in label
    ItemLabel("BRAKE-KIT", "Brake kit, mechanical disc, front and rear", "C-01-1"),
    ItemLabel("CHAIN-8S", "Chain, 8-speed, 116 links", "B-04-2"),
    ItemLabel("SO-00421", "A very long name " * 12, "A-VERY-LONG-BIN-NAME-01"),
    ItemLabel("HUB-R8", "Rear hub, 8-speed", None),
    FinishedGoodsLabel(
        "BIKE-CM",
        "City Bike, Medium Frame (54 cm), 8-speed hub, Harbor Blue",
        "WO-000123",
        date(2026, 3, 19),
        Decimal("20"),
        "ea",
    ),
    FinishedGoodsLabel(
        "BIKE-XL", "Bike " * 30, "WO-001234", date(2026, 3, 20), Decimal("1234.5"), "ea"
    ),
]
FULL = [*samples.item_labels(), samples.finished_goods_label(), *SHORT]


def codes(label: Label, layout: LabelLayout) -> list[str]:
    if isinstance(label, ItemLabel):
        return [label.sku]
    if layout == "thermal_4x6":
        return [label.assembly_sku, label.work_order]
    return [label.assembly_sku]


def check(
    pdf: bytes,
    items: list[Label],
    layout: LabelLayout,
    setup: PageSetup,
    start: int,
    dpi: int = pdfcheck.SCAN_DPI,
) -> None:
    (_, height), boxes = label_boxes(len(items), layout, setup, start)
    pages = pdfcheck.images(pdf, dpi)
    assert len(pages) == boxes[-1].page + 1
    for n, image in enumerate(pages):
        mine = [(lb, box) for lb, box in zip(items, boxes, strict=True) if box.page == n]
        want = Counter(code for lb, _ in mine for code in codes(lb, layout))
        assert pdfcheck.scan(image) == want, f"page {n + 1}"
        rects = [(b.x, b.y, b.width, b.height) for _, b in mine]
        assert pdfcheck.ink_outside(image, rects, dpi, height, slack=0.5) == 0, f"page {n + 1}"


CASES = [
    ("sheet", "letter", 1),
    ("sheet", "letter", 14),
    ("sheet", "a4", 1),
    ("sheet", "a4", 11),
    ("thermal_4x6", "letter", 1),
    ("thermal_4x6", "a4", 1),
    ("thermal_2x1", "letter", 1),
    ("thermal_2x1", "a4", 1),
]


@pytest.mark.parametrize(("layout", "paper", "start"), CASES)
def test_every_label_scans_and_stays_on_its_label(
    layout: LabelLayout, paper: str, start: int
) -> None:
    setup = samples.setup(paper)
    items = list(SHORT if layout == "thermal_2x1" else FULL)
    if layout == "sheet":
        items = items * 3  # runs onto a second sheet
    pdf = render_labels(items, layout, setup, start)
    check(pdf, items, layout, setup, start)
    pdfcheck.assert_fonts_embedded_dejavu(pdf)
    assert pdfcheck.image_count(pdf) == 0
    text = " ".join(" ".join(pdfcheck.texts(pdf)).split())
    for label in items:
        if isinstance(label, ItemLabel) and label.bin and len(label.bin) < 10:
            assert label.bin in text


@pytest.mark.parametrize(("layout", "paper"), [(c[0], c[1]) for c in CASES if c[2] == 1])
def test_each_label_alone_stays_inside_its_own_box(layout: LabelLayout, paper: str) -> None:
    setup = samples.setup(paper)
    for n, label in enumerate(SHORT if layout == "thermal_2x1" else FULL):
        start = n + 1 if layout == "sheet" else 1
        pdf = render_labels([label], layout, setup, start)
        check(pdf, [label], layout, setup, start)


def test_sheet_starts_at_the_given_position_of_a_used_sheet() -> None:
    setup = samples.setup("letter")
    _, boxes = label_boxes(35, "sheet", setup, start=29)
    assert [(b.page, b.x, b.y) for b in boxes[:3]] == [
        (0, 211.5, 36.0),
        (0, 409.5, 36.0),
        (1, 13.5, 684.0),
    ]
    assert sum(1 for b in boxes if b.page == 1) == 30
    assert boxes[-1].page == 2


@pytest.mark.parametrize("geometry", [AVERY_5160, AVERY_L7159])
def test_sheet_geometry_fits_its_paper_without_overlap(geometry: labels.SheetGeometry) -> None:
    w, h = geometry.page
    rects = [geometry.origin(p) for p in range(geometry.per_sheet)]
    for x, y in rects:
        assert x >= 0 and x + geometry.width <= w + 0.01
        assert y >= 0 and y + geometry.height <= h + 0.01
    for i, (x1, y1) in enumerate(rects):
        for x2, y2 in rects[i + 1 :]:
            apart_x = abs(x1 - x2) >= geometry.width - 0.01
            apart_y = abs(y1 - y2) >= geometry.height - 0.01
            assert apart_x or apart_y
    assert (geometry.columns, geometry.rows) in ((3, 10), (3, 8))


def test_long_codes_on_a_2x1_label_scan_at_the_printers_resolution() -> None:
    items: list[Label] = [
        ItemLabel("FRAME-AL-M", "Frame", "A-01-1"),
        ItemLabel("BIKE-CITY-M", "City bike", "FG-01"),
        replace(samples.finished_goods_label(), assembly_sku="WHEEL-700C-R8"),
    ]
    setup = samples.setup()
    pdf = render_labels(items, "thermal_2x1", setup)
    check(pdf, items, "thermal_2x1", setup, 1, dpi=203)


def test_refusals() -> None:
    setup = samples.setup("letter")
    item = ItemLabel("BRAKE-KIT", "Brake kit", "C-01-1")
    for start in (0, 31):
        with pytest.raises(ValidationError, match="start position"):
            render_labels([item], "sheet", setup, start)
    with pytest.raises(ValidationError, match="start position"):
        render_labels([item], "sheet", samples.setup("a4"), 25)
    render_labels([item], "sheet", samples.setup("a4"), 24)
    with pytest.raises(ValidationError, match="thermal"):
        render_labels([item], "thermal_4x6", setup, 2)
    with pytest.raises(ValidationError, match="no labels"):
        render_labels([], "sheet", setup)
    with pytest.raises(ValidationError, match="layout"):
        render_labels([item], "roll", setup)  # type: ignore[arg-type]
    with pytest.raises(BarcodeTextError):
        render_labels([ItemLabel("BRÄKE", "x", None)], "sheet", setup)
    with pytest.raises(BarcodeTooWide, match="too long"):
        render_labels([ItemLabel("W" * 30, "x", None)], "thermal_2x1", setup)
