"""GS1-128 labels: a tracked item's label, cut out of its page, scans as GS1 content (`]C1`)
whose fields are exactly the label's GTIN, lot, expiry and serial; `shopfloor print labels
--item SKU --lot L --count N` prints N such labels; untracked items keep plain Code 128."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from app.models.gs1 import ElementString, element_string, parse_element_string
from app.printing.barcodes import BarcodeTooWide
from app.printing.labels import (
    FinishedGoodsLabel,
    ItemLabel,
    Label,
    LabelLayout,
    label_boxes,
    render_labels,
)
from app.printing.templates import PageSetup
from tests.cli_helpers import Shopfloor, write_csv
from tests.printing import pdfcheck, samples

GTIN = "09506000134352"
RESIN = element_string(gtin=GTIN, lot="L123", expires=date(2031, 8, 15))
METER = element_string(gtin="00000096385074", serial="SN000123")
NO_GTIN = element_string(lot="R-A-0815", expires=date(2027, 1, 31))
LABELS: list[Label] = [
    ItemLabel("RESIN", "Resin, ABS natural, 25 kg bag", "R-01", RESIN),
    ItemLabel("METER", "Flow meter", "S-1", METER),
    ItemLabel("RESIN", "Resin", "R-01", NO_GTIN),
    ItemLabel("RESIN", "Resin", None, element_string(gtin=GTIN)),
    FinishedGoodsLabel(
        "GADGET",
        "Gadget",
        "WO-000001",
        date(2026, 3, 1),
        Decimal(5),
        "ea",
        element_string(gtin=GTIN, lot="G-0301-1", expires=date(2027, 3, 1)),
    ),
]


def cells(
    pdf: bytes, count: int, layout: LabelLayout, setup: PageSetup, dpi: int
) -> list[Image.Image]:
    """Each label cut out of its page, as a reader given one label sees it."""
    (_, height), boxes = label_boxes(count, layout, setup)
    pages = pdfcheck.images(pdf, dpi)
    assert len(pages) == boxes[-1].page + 1
    k = dpi / 72
    return [
        pages[box.page].crop(
            (
                int(box.x * k),
                int((height - box.y - box.height) * k),
                int((box.x + box.width) * k) + 1,
                int((height - box.y) * k) + 1,
            )
        )
        for box in boxes
    ]


def read_gs1(image: Image.Image) -> tuple[ElementString, list[str], list[str]]:
    """The GS1 symbols on one label put together (each field once), their texts, and the
    plain Code 128 texts beside them."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
    gs1 = [r for r in found if r.content_type == zxingcpp.ContentType.GS1]
    assert all(r.symbology_identifier == "]C1" for r in gs1)
    fields: dict[str, object] = {}
    for r in gs1:
        parsed = parse_element_string(r.text)
        for name in ("gtin", "lot", "expires", "serial"):
            value = getattr(parsed, name)
            if value is not None:
                assert name not in fields, f"{name} twice on one label"
                fields[name] = value
    plain = [r.text for r in found if r.content_type != zxingcpp.ContentType.GS1]
    return ElementString(**fields), sorted(r.text for r in gs1), plain  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("layout", "paper", "dpi"),
    [
        ("sheet", "letter", pdfcheck.SCAN_DPI),
        ("sheet", "a4", pdfcheck.SCAN_DPI),
        ("thermal_4x6", "letter", pdfcheck.SCAN_DPI),
        ("thermal_2x1", "letter", 203),  # a 2 x 1 in label's bars are two dots of its printer
    ],
)
def test_every_gs1_label_scans_to_its_element_string(
    layout: LabelLayout, paper: str, dpi: int
) -> None:
    setup = samples.setup(paper)
    pdf = render_labels(LABELS, layout, setup)
    assert pdfcheck.image_count(pdf) == 0  # vector bars
    for n, (label, image) in enumerate(
        zip(LABELS, cells(pdf, len(LABELS), layout, setup, dpi), strict=True)
    ):
        carried, _texts, plain = read_gs1(image)
        assert carried == label.gs1, f"label {n + 1}"
        work_order = isinstance(label, FinishedGoodsLabel) and layout == "thermal_4x6"
        assert plain == (["WO-000001"] if work_order else []), f"label {n + 1}"
    text = " ".join(pdfcheck.texts(pdf))
    assert "(10)L123" in text and "(21)SN000123" in text  # the human-readable line


def test_a_whole_element_string_is_one_symbol_where_it_fits() -> None:
    setup = samples.setup("letter")
    pdf = render_labels(LABELS[:1], "thermal_4x6", setup)
    _carried, texts, _plain = read_gs1(cells(pdf, 1, "thermal_4x6", setup, 150)[0])
    assert texts == ["(01)09506000134352(17)310815(10)L123"]


def test_a_lot_too_long_for_a_small_label_is_refused_in_words() -> None:
    label = ItemLabel("RESIN", "Resin", None, element_string(lot="RESIN-A-2026-0815-XL"))
    with pytest.raises(BarcodeTooWide, match=r"'\(10\)RESIN-A-2026-0815-XL' is too long"):
        render_labels([label], "sheet", samples.setup("letter"))


# --- through the command line --------------------------------------------------------------

LATER = date.today() + timedelta(days=200)


@pytest.fixture
def sf(tmp_path: Path) -> Shopfloor:
    shop = Shopfloor(tmp_path, tmp_path / "plant.db")
    shop.ok("init")
    items = write_csv(
        tmp_path / "items.csv",
        "sku,name,type,tracking",
        "RESIN,Resin,inventory,lot",
        "METER,Meter,inventory,serial",
        "SCREW,Screw,inventory,",
    )
    shop.ok("import", "items", str(items))
    shop.ok("item", "tracking", "RESIN", "lot", "--gtin", GTIN)
    shop.ok("vendor", "add", "Resin Co")
    po = shop.ok("po", "create", "--vendor", "Resin Co", "--line", "RESIN:20", "--line", "METER:2")
    number = po["number"]
    shop.ok("po", "receive", number, "--line", "RESIN=12", "--lot", "R-A", "--expires", str(LATER))
    shop.ok("po", "receive", number, "--line", "METER=2", "--serial", "M-1,M-2")
    return shop


def test_print_labels_of_a_lot_prints_that_many_gs1_labels(sf: Shopfloor, tmp_path: Path) -> None:
    out = tmp_path / "labels.pdf"
    sf.ok("print", "labels", "--item", "RESIN", "--lot", "R-A", "--count", "4", "--out", str(out))
    setup = samples.setup("letter")
    images = cells(out.read_bytes(), 5, "sheet", setup, pdfcheck.SCAN_DPI)
    want = ElementString(gtin=GTIN, lot="R-A", expires=LATER)
    assert [read_gs1(image)[0] for image in images] == [want] * 4 + [ElementString()]
    serial = tmp_path / "serial.pdf"
    sf.ok("print", "labels", "--item", "METER", "--lot", "M-2", "--out", str(serial))
    carried, _texts, _plain = read_gs1(cells(serial.read_bytes(), 1, "sheet", setup, 150)[0])
    assert carried == ElementString(serial="M-2")


def test_untracked_items_keep_plain_code_128(sf: Shopfloor, tmp_path: Path) -> None:
    out = tmp_path / "labels.pdf"
    sf.ok("print", "labels", "--item", "SCREW", "--count", "2", "--out", str(out))
    images = cells(out.read_bytes(), 2, "sheet", samples.setup("letter"), pdfcheck.SCAN_DPI)
    assert [read_gs1(image) for image in images] == [(ElementString(), [], ["SCREW"])] * 2


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--item", "RESIN", "--lot", "R-Z"), "RESIN has no lot R-Z"),
        (("--item", "SCREW", "--lot", "R-A"), "SCREW is not tracked by lot or serial"),
        (("--lot", "R-A"), "--lot goes with --item SKU"),
    ],
)
def test_a_label_of_a_lot_that_is_not_there_is_refused(
    sf: Shopfloor, tmp_path: Path, args: tuple[str, ...], words: str
) -> None:
    out = tmp_path / "labels.pdf"
    refused = sf.refused("print", "labels", *args, "--out", str(out))
    assert words in refused
    assert not out.exists()
