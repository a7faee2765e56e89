"""Packing slips: both numbers scan, the Remaining/Back Ordered column follows the preference."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from decimal import Decimal

import pytest

from app.printing import packing_slip
from app.printing.packing_slip import REMAINING_HEADER, PackLine
from app.printing.templates import MARGIN, PageSetup, page_size
from tests.printing import pdfcheck, samples


def test_sample_slip_scans_and_reads(setup: PageSetup) -> None:
    doc = samples.packing_slip()
    pdf = packing_slip.render(doc, setup)
    texts = pdfcheck.texts(pdf)
    assert pdfcheck.scan_pages(pdf) == [Counter({"IF-000045": 1, "SO-004211": 1})]
    everything = " ".join(" ".join(texts).split())
    for fact in (
        "Harbor Cycles",
        "72622",
        "Shipped",
        "2026-03-21",
        "Accounts Payable",
        "PO Box 2210",
        "Attn: Receiving",
        "drop ship",
        "RACK-REAR-AL",
        "Page 1 of 1",
    ):
        assert fact in everything, fact
    assert re.search(r"Ordered\s+Shipped\s+Back\s*Ordered\s+UoM", texts[0])
    assert re.search(
        r"HELMET-M\s+Helmet, commuter, medium, matte black\s+12\s+8\s+4\s+ea", everything
    )
    pdfcheck.assert_fonts_embedded_dejavu(pdf)
    pdfcheck.assert_inside_margins(pdf, page_size(setup), MARGIN)


@pytest.mark.parametrize("show", [True, False])
def test_remaining_column_only_when_asked(show: bool) -> None:
    doc = replace(samples.packing_slip(), show_remaining=show)
    text = " ".join(" ".join(pdfcheck.texts(packing_slip.render(doc, samples.setup()))).split())
    assert ("Back Ordered" in text) is show
    assert REMAINING_HEADER == "Back Ordered"
    line = re.search(r"HELMET-M\s+Helmet, commuter, medium, matte black\s+([\d\s]+)ea", text)
    assert line is not None
    assert line.group(1).split() == (["12", "8", "4"] if show else ["12", "8"])


def test_long_slip_repeats_its_header_and_scans_on_page_one(setup: PageSetup) -> None:
    doc = replace(
        samples.packing_slip(),
        lines=[
            PackLine(
                str(n),
                f"ITM-{n:03d}",
                "Item " * (n % 12 + 1),
                Decimal(n),
                Decimal(n),
                Decimal(0),
                "ea",
                "drop ship" if n % 10 == 0 else None,
            )
            for n in range(1, 91)
        ],
    )
    pdf = packing_slip.render(doc, setup)
    texts = pdfcheck.texts(pdf)
    scans = pdfcheck.scan_pages(pdf)
    assert len(texts) >= 3
    assert scans[0] == Counter({"IF-000045": 1, "SO-004211": 1})
    assert all(not s for s in scans[1:])
    words = [w for t in texts for w in pdfcheck.words(t)]
    skus = [ln.sku for ln in doc.lines]
    assert [w for w in words if w in set(skus)] == skus
    for n, text in enumerate(texts, start=1):
        assert f"Page {n} of {len(texts)}" in text
        assert re.search(r"Line\s+Item\s+Description\s+Ordered\s+Shipped", text)
    pdfcheck.assert_inside_margins(pdf, page_size(setup), MARGIN)


def test_no_bill_to_prints_the_ship_to_twice_and_missing_numbers_as_dashes() -> None:
    doc = replace(
        samples.packing_slip(),
        bill_to=None,
        customer_po=None,
        ship_date=None,
        lines=[PackLine("1", "X-1", "Thing", Decimal(1), Decimal(1), None, "ea", None)],
    )
    text = " ".join(pdfcheck.texts(packing_slip.render(doc, samples.setup("a4"))))
    assert text.count("Attn: Receiving") == 2
    assert "—" in text
