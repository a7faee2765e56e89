"""Count sheets: every barcode scans at 150 dpi, the lines run in the order a counter walks the
shelves, every page repeats the header, and nothing on the sheet says what the ledger
expects (a blind count) - from plain data and from counts started through the services."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from app.printing import count_sheet
from app.printing.count_sheet import CountSheet, CountSheetLine
from app.printing.templates import MARGIN, PageSetup, page_size
from app.services import inventory
from app.services.catalog import items
from app.services.counts import counts, sheet
from app.services.documents import NothingToPrint
from app.services.engine.uow import UnitOfWork
from app.services.lots import tracking
from app.services.shelf import walk_order
from tests.plant import Plant
from tests.printing import pdfcheck, samples

PRINTED = datetime(2026, 3, 14, 9, 30)


def sample(lines: int = 9, number: str = "CC-000042") -> CountSheet:
    names = [
        "Chain 8-speed",
        "Spoke, stainless, 2.0 mm, 292 mm, with brass nipple and washer, silver finish",
        "Sealed bearing 6001",
    ]
    return CountSheet(
        number=number,
        location="Main warehouse (MAIN)",
        selection="bins B-0…",
        memo="Aisle B after the spill on Tuesday",
        created_by="sam",
        created_at=datetime(2026, 3, 13, 16, 5),
        printed_at=PRINTED,
        lines=[
            CountSheetLine(
                n,
                f"PART-{n:04d}",
                names[n % len(names)],
                f"B-{n // 20:02d}-{n % 20}" if n % 9 else None,
                "ea" if n % 4 else "m",
            )
            for n in range(1, lines + 1)
        ],
    )


def expected_codes(doc: CountSheet, texts: list[str]) -> list[Counter[str]]:
    skus = [ln.sku for ln in doc.lines]
    out = []
    for n, text in enumerate(texts):
        want = pdfcheck.present(skus, text)
        if n == 0:
            want[doc.number] += 1
        out.append(want)
    return out


def test_a_sample_sheet_scans_and_reads(setup: PageSetup) -> None:
    doc = sample()
    pdf = count_sheet.render(doc, setup)
    texts = pdfcheck.texts(pdf)
    assert pdfcheck.scan_pages(pdf) == expected_codes(doc, texts)
    everything = " ".join(" ".join(texts).split())
    for fact in (
        "Count Sheet",
        "Count of Main warehouse (MAIN)",
        "bins B-0…",
        "Aisle B after the spill on Tuesday",
        "2026-03-13 16:05",
        "Write 0 for an empty shelf",
        "COUNTED BY",
        "CHECKED BY",
        "ENTERED BY",
        "no bin",
        "Printed 2026-03-14 09:30",
    ):
        assert fact in everything, fact
    pdfcheck.assert_fonts_embedded_dejavu(pdf)
    assert pdfcheck.image_count(pdf) == 1, "only the logo is an image"
    pdfcheck.assert_inside_margins(pdf, page_size(setup), MARGIN)


def test_300_lines_paginate_with_the_header_on_every_page_and_lose_none(
    setup: PageSetup,
) -> None:
    doc = sample(300)
    pdf = count_sheet.render(doc, setup)
    texts = pdfcheck.texts(pdf)
    pages = len(texts)
    assert pages > 8
    words = [w for text in texts for w in pdfcheck.words(text)]
    skus = [ln.sku for ln in doc.lines]
    assert [w for w in words if w in set(skus)] == skus, "every line once, in the order given"
    for n, text in enumerate(texts, start=1):
        assert f"Page {n} of {pages}" in text and doc.number in text
        if n < pages:
            assert re.search(
                r"Line\s+Bin\s+Item\s+Description\s+Lot / serial\s+UoM\s+Counted", text
            )
    assert pdfcheck.scan_pages(pdf) == expected_codes(doc, texts)
    pdfcheck.assert_inside_margins(pdf, page_size(setup), MARGIN)


def test_a_sheet_without_lines_still_prints() -> None:
    pdf = count_sheet.render(replace(sample(), lines=[], memo=None), samples.setup("a4"))
    assert "Nothing to count." in "\n".join(pdfcheck.texts(pdf))


# --- from the services --------------------------------------------------------------------

# On hand chosen so that no other figure on a sheet could be mistaken for it.
STOCK = {"GEAR": "137.25", "BOLT": "4242", "NUT": "919", "OIL": "73.5", "CHAIN": "6061"}
BINS = {"BOLT": "A-10", "NUT": "A-2", "GEAR": "B-1", "CHAIN": "a-3"}
LOCATION = "Main warehouse (MAIN)"


@pytest.fixture
def stocked(plant: Plant) -> Plant:
    for sku in STOCK:
        plant.item(sku)
    for sku, where in BINS.items():
        items.set_bin(plant.uow, sku, where)
    for sku, qty in STOCK.items():
        plant.stock(sku, qty)
    return plant


def test_a_count_prints_by_bin_in_walk_order_and_blind(stocked: Plant) -> None:
    uow: UnitOfWork = stocked.uow
    number = counts.start_count(uow, None, items=list(STOCK)).count.number
    counts.enter_counts(uow, number, {"NUT": "918"})  # a count entered is not printed either
    items.set_bin(uow, "OIL", "A-1")  # a bin set after the count started: the sheet has it
    doc = sheet.count_sheet(uow, number)
    assert [ln.sku for ln in doc.lines] == ["OIL", "NUT", "CHAIN", "BOLT", "GEAR"]
    assert [ln.bin for ln in doc.lines] == ["A-1", "A-2", "a-3", "A-10", "B-1"]
    keys = [walk_order(ln.bin, ln.line) for ln in doc.lines]
    assert keys == sorted(keys)
    assert doc.location == LOCATION
    rendered = sheet.count_sheet_pdf(uow, number)
    assert (rendered.title, rendered.filename, rendered.pages) == (
        f"Count Sheet {number}",
        f"count-sheet-{number}.pdf",
        1,
    )
    texts = pdfcheck.texts(rendered.pdf)
    assert pdfcheck.scan_pages(rendered.pdf) == [Counter([number, *STOCK])]
    words = pdfcheck.words(" ".join(texts))
    table = words[words.index("Counted") :]  # the lines, after the selection in the headline
    assert [w for w in table if w in STOCK] == ["OIL", "NUT", "CHAIN", "BOLT", "GEAR"]
    for figure in (*STOCK.values(), "918", "137.25", "73.50"):
        assert figure not in words, f"{figure} is printed"
    assert not any(re.fullmatch(r"\d+\.\d+", w) for w in words), "no quantity is printed"


def test_a_posted_or_cancelled_count_has_no_sheet(stocked: Plant) -> None:
    uow = stocked.uow
    number = counts.start_count(uow, None, items=["GEAR"]).count.number
    counts.cancel_count(uow, number)
    with pytest.raises(NothingToPrint, match=f"{number} is Cancelled: nothing is left to count"):
        sheet.count_sheet_pdf(uow, number)


def test_a_tracked_item_prints_a_row_per_lot_and_a_blank_row_for_one_found(
    stocked: Plant, tmp_path: Path
) -> None:
    """RESIN in two lots: a row per lot with its number and expiry, in the consumption order,
    then a blank row to write a lot found; still no quantity of the ledger's."""
    uow = stocked.uow
    stocked.item("RESIN")
    tracking.set_item_tracking(uow, "RESIN", "lot")
    items.set_bin(uow, "RESIN", "A-5")
    inventory.adjust_stock(uow, "RESIN", "31.5", lot="R-LATE", expires="2031-09-30")
    inventory.adjust_stock(uow, "RESIN", "12.25", lot="R-SOON", expires="2030-01-15")
    number = counts.start_count(uow, None, items=["NUT", "RESIN", "BOLT"]).count.number
    doc = sheet.count_sheet(uow, number)
    assert [(ln.sku, ln.lot, ln.expires) for ln in doc.lines] == [
        ("NUT", None, None),
        ("RESIN", "R-SOON", date(2030, 1, 15)),
        ("RESIN", "R-LATE", date(2031, 9, 30)),
        ("BOLT", None, None),
    ]
    rendered = sheet.count_sheet_pdf(uow, number)
    assert set(pdfcheck.scan_pages(rendered.pdf)[0]) == {number, "NUT", "RESIN", "BOLT"}
    words = pdfcheck.words(" ".join(pdfcheck.texts(rendered.pdf)))
    table = words[words.index("Counted") :]
    lots = [w for w in table if w.startswith(("R-", "exp.")) or re.fullmatch(r"20\d\d-.*", w)]
    # The lots and their expiry, then only the day the sheet was printed, in its footer.
    assert lots[:6] == ["R-SOON", "exp.", "2030-01-15", "R-LATE", "exp.", "2031-09-30"]
    assert not [w for w in lots[6:] if not w.startswith(str(date.today().year))]
    found = " ".join(table[table.index("2031-09-30") :])
    assert "lot found, not listed: its number and expiry" in found
    assert found.index("lot found") < found.index("BOLT")  # right under RESIN's lots
    for figure in ("31.5", "31.50", "12.25", "43.75", "919"):
        assert figure not in words, f"{figure} is printed"
    pdfcheck.images(rendered.pdf, dpi=100)[0].save(tmp_path / "count-sheet-lots.png")
