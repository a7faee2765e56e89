"""Recall reports: the lot's barcode scans, every lot and customer is printed once with its
figures, long trees paginate with the header on every page, and a report made from a recall
through the services says what the recall says."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from app.printing import recall_report
from app.printing.recall_report import RecallReport, RecallReportCustomer, RecallReportLot
from app.printing.templates import MARGIN, PageSetup, page_size
from app.services.lots import report, tracking
from app.services.orders import fulfillment, partners
from app.services.production import work_orders
from tests.orders_plant import OrderPlant
from tests.plant import Plant
from tests.printing import pdfcheck, samples

PRINTED = datetime(2026, 3, 14, 9, 30)


def sample(lots: int = 6) -> RecallReport:
    """A resin lot, the gadget lots moulded from it, the kits packed from those."""
    nodes = [
        RecallReportLot(
            "root",
            0,
            "RESIN-PP",
            "R-2603-A",
            date(2027, 3, 1),
            "IR-000012 on 2026-03-01\nResin Co, their lot RC-77",
            "",
            Decimal(500),
            Decimal("37.5"),
            Decimal(0),
            Decimal("450.25"),
            Decimal(0),
            Decimal("12.25"),  # sent back to Resin Co
            Decimal(0),
            True,
        )
    ]
    for n in range(1, lots):
        level = 1 if n % 3 else 2
        sku, made = ("GADGET", 40 + n) if level == 1 else ("KIT-4", 10 + n)
        nodes.append(
            RecallReportLot(
                "forward",
                level,
                sku,
                f"L-{n:04d}",
                None,
                f"WO-{n:06d} on 2026-03-0{n % 9 + 1}",
                "RESIN-PP R-2603-A" if level == 1 else f"GADGET L-{n - 1:04d}",
                Decimal(made),
                Decimal(n % 4),
                Decimal(made - n % 4),
                Decimal(0),
                Decimal(0),
                Decimal(0),
                Decimal(0),
                True,
            )
        )
    customers = [
        RecallReportCustomer(
            "Harbor Cycles",
            "12 Pier St\nPortland, OR",
            "IF-000031",
            date(2026, 3, 9),
            "KIT-4",
            "L-0003",
            Decimal(6),
        ),
        RecallReportCustomer(
            "Northwind Labs",
            "7 North Way\nFargo, ND",
            "IF-000035",
            date(2026, 3, 11),
            "GADGET",
            "L-0001",
            Decimal(41),
        ),
    ]
    return RecallReport("RESIN-PP", "R-2603-A", "forward", True, PRINTED, nodes, customers)


def test_a_sample_report_scans_and_reads(setup: PageSetup) -> None:
    doc = sample()
    pdf = recall_report.render(doc, setup)
    texts = pdfcheck.texts(pdf)
    assert pdfcheck.scan_pages(pdf)[0][doc.lot] == 1
    everything = " ".join(" ".join(texts).split())
    for fact in (
        "Recall Report",
        "Recall of RESIN-PP lot R-2603-A",
        "Resin Co, their lot RC-77",
        "450.25",
        "To vendor",
        "12.25",
        "Harbor Cycles",
        "12 Pier St Portland, OR",
        "IF-000035",
        "2026-03-11",
        "made = on hand + shipped + consumed + scrapped + returned to vendor - returned by "
        "customers",
        "Printed 2026-03-14 09:30",
    ):
        assert fact in everything, fact
    for n in doc.lots[1:]:
        name = f"{n.sku} {n.lot}"  # its row, the rows reached from it, its customers
        mentions = sum(o.reached_from == name for o in doc.lots)
        mentions += sum(f"{c.sku} {c.lot}" == name for c in doc.customers)
        assert everything.count(name) == 1 + mentions, n.lot
    pdfcheck.assert_fonts_embedded_dejavu(pdf)
    pdfcheck.assert_inside_margins(pdf, page_size(setup), MARGIN)


def test_a_long_tree_paginates_and_loses_no_lot() -> None:
    doc = sample(120)
    pdf = recall_report.render(doc, samples.setup("a4"))
    texts = pdfcheck.texts(pdf)
    assert len(texts) > 2
    words = [w for text in texts for w in pdfcheck.words(text)]
    made_by = [n.origin.split()[0] for n in doc.lots[1:]]  # each lot's own work order
    assert [w for w in words if w in set(made_by)] == made_by, "every lot once, in order"
    for n, text in enumerate(texts, start=1):
        assert f"Page {n} of {len(texts)}" in text


def test_a_report_without_customers_says_so() -> None:
    pdf = recall_report.render(replace(sample(2), customers=[]), samples.setup("letter"))
    text = " ".join(" ".join(pdfcheck.texts(pdf)).split())
    assert "No customer received any of these lots." in text


def test_a_recall_prints_what_it_found(plant: Plant) -> None:
    shop = OrderPlant(plant.uow).setup()
    shop.item("RESIN")
    shop.item("GADGET", "assembly")
    shop.bom("GADGET", {"RESIN": 2})
    tracking.set_item_tracking(shop.uow, "RESIN", "lot")
    tracking.set_item_tracking(shop.uow, "GADGET", "lot")
    partners.add_vendor(shop.uow, "Resin Co")
    from app.services import inventory

    inventory.adjust_stock(shop.uow, "RESIN", "9", lot="R-7")
    wo = shop.wo("GADGET", 3)
    work_orders.post_assembly_build(shop.uow, wo, "3", lot="G-7")
    so = shop.so("Lakeside Foods", ("GADGET", 2))
    picked = fulfillment.fulfill(shop.uow, so.number, {"1": "2"})
    shop.ship(picked.number)
    rendered = report.recall_report_pdf(shop.uow, "RESIN", "R-7")
    assert rendered.filename == "recall-RESIN-R-7.pdf"
    text = " ".join(" ".join(pdfcheck.texts(rendered.pdf)).split())
    for fact in ("Recall of RESIN lot R-7", "GADGET G-7", wo, "Lakeside Foods", picked.number):
        assert fact in text, fact
