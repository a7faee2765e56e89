"""Work order travelers: every barcode scans, every line prints once, pages number right."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from decimal import Decimal

import pytest

from app.printing import traveler
from app.printing.templates import MARGIN, PageSetup, page_size
from app.printing.traveler import COMMANDS, Traveler, TravelerLine
from tests.printing import pdfcheck, samples

COMMAND_CODES = [code for code, _ in COMMANDS]


def long_traveler(lines: int, number: str = "WO-000777") -> Traveler:
    names = [
        "Bolt M6 x 20",
        "Spoke, stainless, 2.0 mm, 292 mm, with brass nipple and washer, silver finish",
        "Bearing 6001-2RS",
        "Cable housing, brake, 5 mm, black, sold by the metre, cut to length at the bench",
    ]
    return replace(
        samples.traveler(),
        number=number,
        lines=[
            TravelerLine(
                f"CMP-{n:04d}",
                names[n % len(names)],
                "Main Plant",
                f"R-{n // 40:02d}-{n % 40:02d}" if n % 7 else None,
                Decimal(n % 9 + 1) / (2 if n % 5 == 0 else 1),
                "ea",
                n % 11 == 0,
            )
            for n in range(1, lines + 1)
        ],
    )


def expected_codes(doc: Traveler, texts: list[str]) -> list[Counter[str]]:
    skus = [line.sku for line in doc.lines]
    out = []
    for n, text in enumerate(texts):
        want = pdfcheck.present(skus, text)
        if n == 0:
            want[doc.number] += 1
        if "Scan station commands" in text:
            want.update(COMMAND_CODES)
        out.append(want)
    return out


def test_sample_traveler_scans_and_reads(setup: PageSetup) -> None:
    doc = samples.traveler()
    pdf = traveler.render(doc, setup)
    texts = pdfcheck.texts(pdf)
    assert pdfcheck.scan_pages(pdf) == expected_codes(doc, texts)
    everything = " ".join(" ".join(texts).split())
    for fact in (
        "WO-000123",
        "BIKE-CITY-M",
        "2026-03-20",
        "Released",
        "SO-004211",
        "72622",
        "Main Plant",
        "Fit the reflective saddle bag kit",
        "Backflushed at completion",
        "ISSUED BY",
        "BUILT BY",
        "CHECKED BY",
        "Northgate Bicycle Works",
        "Portland, OR 97210",
        "Printed 2026-03-14 09:30",
    ):
        assert fact in everything, fact
    for sku in (line.sku for line in doc.lines):
        assert pdfcheck.words(everything).count(sku) == 1, sku
    assert "0.5" in pdfcheck.words(everything)
    pdfcheck.assert_fonts_embedded_dejavu(pdf)
    assert pdfcheck.image_count(pdf) == 1, "only the logo is an image"
    pdfcheck.assert_inside_margins(pdf, page_size(setup), MARGIN)


def test_300_lines_paginate_with_the_header_on_every_page(setup: PageSetup) -> None:
    doc = long_traveler(300)
    pdf = traveler.render(doc, setup)
    texts = pdfcheck.texts(pdf)
    pages = len(texts)
    assert pages > 10
    everything = [w for text in texts for w in pdfcheck.words(text)]
    for line in doc.lines:
        assert everything.count(line.sku) == 1, line.sku
    for n, text in enumerate(texts, start=1):
        assert f"Page {n} of {pages}" in text
        assert "WO-000777" in text
        if n < pages:
            assert re.search(r"#\s+Component\s+Description\s+Bin\s+To issue\s+UoM\s+Issued", text)
    assert pdfcheck.scan_pages(pdf) == expected_codes(doc, texts)
    skus = [line.sku for line in doc.lines]
    assert [w for w in everything if w in set(skus)] == skus, "lines print in the order given"
    pdfcheck.assert_inside_margins(pdf, page_size(setup), MARGIN)


def test_batch_numbers_each_traveler_on_its_own(setup: PageSetup) -> None:
    docs = [long_traveler(40, "WO-000201"), samples.traveler(), long_traveler(3, "WO-000203")]
    pdf = traveler.render_many(docs, setup)
    texts = pdfcheck.texts(pdf)
    scans = pdfcheck.scan_pages(pdf)
    owners = [next(d.number for d in docs if d.number in t) for t in texts]
    assert owners == sorted(owners, key=[d.number for d in docs].index)
    for doc in docs:
        mine = [n for n, owner in enumerate(owners) if owner == doc.number]
        assert mine == list(range(mine[0], mine[0] + len(mine)))
        for k, n in enumerate(mine, start=1):
            assert f"Page {k} of {len(mine)}" in texts[n]
        assert scans[mine[0]][doc.number] == 1
        assert [scans[n] for n in mine] == expected_codes(doc, [texts[n] for n in mine])


def test_long_names_and_codes_wrap_inside_the_page(setup: PageSetup) -> None:
    name = "Frame, aluminium 6061, " * 20
    doc = replace(
        samples.traveler(),
        assembly_name="City Bike " * 30,
        memo="Check the torque on every bolt. " * 30,
        lines=[
            TravelerLine(
                "FRAME-AL-M-2026-XL",
                name,
                "Main Plant, East Mezzanine, Rack 14",
                "A-01-1-TOP-SHELF-LEFT",
                Decimal("123456.25"),
                "ea",
                False,
            ),
            TravelerLine("X", "Short", "Main Plant", None, Decimal("1"), "ea", True),
        ],
    )
    pdf = traveler.render(doc, setup)
    pdfcheck.assert_inside_margins(pdf, page_size(setup), MARGIN)
    texts = pdfcheck.texts(pdf)
    assert pdfcheck.scan_pages(pdf) == expected_codes(doc, texts)
    assert "123456.25" in "".join(texts)


def test_no_lines_still_prints() -> None:
    doc = replace(samples.traveler(), lines=[], memo=None, created_from=None, customer_po=None)
    pdf = traveler.render(doc, samples.setup("letter"))
    text = "\n".join(pdfcheck.texts(pdf))
    assert "No components to issue." in text
    assert "Stock replenishment" in text
    assert pdfcheck.image_count(pdf) == 0


def test_refuses_a_work_order_number_code_128_cannot_carry() -> None:
    with pytest.raises(ValueError, match="Code 128 cannot encode"):
        traveler.render(replace(samples.traveler(), number="WO-Ø1"), samples.setup("a4"))
