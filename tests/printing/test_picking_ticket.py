"""Picking tickets: every line's barcode scans, kit headings carry none, the packer's code at
the foot, pages numbered per ticket in a batch."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from decimal import Decimal

from app.printing import picking_ticket
from app.printing.picking_ticket import PickingTicket, PickLine
from app.printing.templates import MARGIN, PageSetup, page_size
from tests.printing import pdfcheck, samples

HEADER = r"Line\s+Bin\s+Item\s+Description\s+To pick\s+UoM\s+Picked"


def expected_codes(doc: PickingTicket, texts: list[str]) -> list[Counter[str]]:
    skus = [ln.sku for ln in doc.lines if not ln.heading]
    out = []
    for n, text in enumerate(texts):
        want = pdfcheck.present(skus, text)
        if n == 0:
            want[doc.order_number] += 1
        if n == len(texts) - 1:
            want[doc.order_number] += 1
        out.append(want)
    return out


def long_ticket(lines: int, number: str = "SO-009001") -> PickingTicket:
    return replace(
        samples.picking_ticket(),
        order_number=number,
        lines=[
            PickLine(
                str(n),
                f"PRT-{n:04d}",
                f"Part number {n}, " + "long name " * (n % 4),
                "Main Plant",
                f"B-{n:03d}",
                Decimal(n),
                "ea",
                False,
                "not committed: 1 backordered" if n % 9 == 0 else None,
            )
            for n in range(1, lines + 1)
        ],
    )


def test_sample_ticket_scans_and_reads(setup: PageSetup) -> None:
    doc = samples.picking_ticket()
    pdf = picking_ticket.render(doc, setup)
    texts = pdfcheck.texts(pdf)
    scans = pdfcheck.scan_pages(pdf)
    assert scans == expected_codes(doc, texts)
    assert "SERVICE-KIT" not in sum(scans, Counter()), "a kit heading has no barcode"
    everything = " ".join(" ".join(texts).split())
    for fact in (
        "Harbor Cycles",
        "72622",
        "2026-03-21",
        "Attn: Receiving",
        "Sausalito, CA 94965",
        "Deliver to the rear dock.",
        "not committed: 4 backordered",
        "Kit: pick the members below",
        "3.1",
        "3.2",
        "3.3",
        "For the packer",
        "PICKED BY",
        "CHECKED BY",
        "Page 1 of 1",
    ):
        assert fact in everything, fact
    assert re.search(HEADER, texts[0])
    pdfcheck.assert_fonts_embedded_dejavu(pdf)
    pdfcheck.assert_inside_margins(pdf, page_size(setup), MARGIN)


def test_long_ticket_repeats_its_header_and_keeps_every_line(setup: PageSetup) -> None:
    doc = long_ticket(70)
    pdf = picking_ticket.render(doc, setup)
    texts = pdfcheck.texts(pdf)
    assert len(texts) >= 3
    words = [w for t in texts for w in pdfcheck.words(t)]
    skus = [ln.sku for ln in doc.lines]
    assert [w for w in words if w in set(skus)] == skus
    for n, text in enumerate(texts, start=1):
        assert f"Page {n} of {len(texts)}" in text
        if any(sku in pdfcheck.words(text) for sku in skus):
            assert re.search(HEADER, text), f"header missing on page {n}"
    assert pdfcheck.scan_pages(pdf) == expected_codes(doc, texts)


def test_batch_starts_each_ticket_on_a_new_page_with_its_own_count(setup: PageSetup) -> None:
    docs = [
        samples.picking_ticket(),
        long_ticket(45, "SO-009002"),
        replace(samples.picking_ticket(), order_number="SO-009003", memo=None),
    ]
    pdf = picking_ticket.render_many(docs, setup)
    texts = pdfcheck.texts(pdf)
    scans = pdfcheck.scan_pages(pdf)
    start = 0
    for doc in docs:
        mine = [n for n, t in enumerate(texts) if doc.order_number in pdfcheck.words(t)]
        assert mine[0] == start and mine == list(range(start, start + len(mine)))
        for k, n in enumerate(mine, start=1):
            assert f"Page {k} of {len(mine)}" in texts[n]
        assert [scans[n] for n in mine] == expected_codes(doc, [texts[n] for n in mine])
        start += len(mine)
    assert start == len(texts)


def test_long_text_wraps_and_big_quantities_stay_whole(setup: PageSetup) -> None:
    doc = replace(
        samples.picking_ticket(),
        customer="Harbor Cycles and Outdoor Recreation Cooperative of Northern California " * 2,
        ship_to="\n".join(["A very long address line that goes on and on"] * 6),
        memo="Call ahead. " * 40,
        lines=[
            PickLine(
                "1",
                "FRAME-AL-M-2026-XL",
                "Frame " * 60,
                "Main Plant",
                "A-01-1-TOP-SHELF",
                Decimal("1234567.125"),
                "each",
                False,
                "note " * 40,
            ),
        ],
    )
    pdf = picking_ticket.render(doc, setup)
    pdfcheck.assert_inside_margins(pdf, page_size(setup), MARGIN)
    texts = pdfcheck.texts(pdf)
    assert "1234567.125" in pdfcheck.words(" ".join(texts))
    assert pdfcheck.scan_pages(pdf) == expected_codes(doc, texts)


def test_empty_ticket_prints_its_foot() -> None:
    doc = replace(samples.picking_ticket(), lines=[], customer_po=None)
    pdf = picking_ticket.render(doc, samples.setup("a4"))
    texts = pdfcheck.texts(pdf)
    assert "Nothing to pick." in texts[0]
    assert pdfcheck.scan_pages(pdf) == [Counter({doc.order_number: 2})]
