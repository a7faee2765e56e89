"""Printed documents from real data: the demo plant and small plants built through the
services, on SQLite and PostgreSQL. Every document is rendered, every barcode on every page is
read back at 150 dpi to its exact text, and the text pypdf extracts proves what each
printed-forms preference includes or leaves out, for every value of each.

Small plant (tests/orders_plant.py): BOTTLE, CAP, LABEL, RACK (drop-shipped by Rack Supply
Co), SERVICE (a service), CASE-12 (an assembly of 12 bottles and caps) and the kit GIFT-BOX
(one CASE-12 and two LABELs); bins LABEL A-1, CAP B-2, BOTTLE B-10, CASE-12 C-1.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.config import resource_path
from app.errors import NotFound, ValidationError
from app.printing import labels as label_pages
from app.printing import output
from app.printing.labels import FinishedGoodsLabel, ItemLabel
from app.printing.packing_slip import REMAINING_HEADER, PackingSlip
from app.printing.picking_ticket import PickingTicket
from app.printing.templates import MARGIN, PAGE_SIZES
from app.printing.traveler import COMMANDS, Traveler
from app.services import documents, setup, shelf
from app.services.catalog import boms, imports, items
from app.services.catalog.boms import BomLineSpec
from app.services.documents import NothingToPrint, RenderedDocument
from app.services.engine.uow import UnitOfWork
from app.services.orders import fulfillment, purchasing, sales
from app.services.production import work_orders
from tests.cups import QUEUE, CupsServer
from tests.orders_plant import OrderPlant
from tests.printing import pdfcheck

PRINTED = datetime(2026, 3, 14, 9, 30)
COMMAND_CODES = [code for code, _ in COMMANDS]
FORM_PREFERENCES = {
    "show_uncommitted_items_on_picking_tickets": "false",
    "always_print_kit_items_on_picking_tickets": "true",
    "show_non_inventory_items_on_printed_forms": "false",
    "show_additional_items_on_packing_slips": "none",
    "show_drop_ship_items_on_packing_slips": "false",
}
BINS = {"LABEL": "A-1", "CAP": "B-2", "BOTTLE": "B-10", "CASE-12": "C-1"}


# --- reading documents back ---------------------------------------------------------------


def flat(texts: Sequence[str]) -> str:
    """All pages' text as one line of single-spaced words."""
    return " ".join(" ".join(texts).split())


def traveler_codes(doc: Traveler, texts: list[str]) -> list[Counter[str]]:
    """What a scanner must find on each page of one traveler."""
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


def ticket_codes(doc: PickingTicket, texts: list[str]) -> list[Counter[str]]:
    """The order number at the top and at the foot; a barcode for each line that has stock."""
    skus = [ln.sku for ln in doc.lines if not ln.heading and ln.scan]
    out = []
    for n, text in enumerate(texts):
        want = Counter({s: c for s, c in Counter(skus).items() if s in pdfcheck.words(text)})
        if n == 0:
            want[doc.order_number] += 1
        if n == len(texts) - 1:
            want[doc.order_number] += 1
        out.append(want)
    return out


def slip_codes(doc: PackingSlip, texts: list[str]) -> list[Counter[str]]:
    """The fulfillment and order numbers on the first page, nothing else."""
    first = Counter({doc.fulfillment_number: 1, doc.order_number: 1})
    return [first, *[Counter() for _ in texts[1:]]]


def pages_of(texts: list[str], title: str, references: Sequence[str]) -> list[list[int]]:
    """The page indexes of each document of a batch, by the footer naming it."""
    out: list[list[int]] = []
    for ref in references:
        mine = [n for n, text in enumerate(texts) if f"{title} {ref}" in " ".join(text.split())]
        assert mine, f"no page of {ref}"
        out.append(mine)
    assert sorted(n for pages in out for n in pages) == list(range(len(texts)))
    return out


def assert_batch_scans(
    rendered: RenderedDocument,
    docs: Sequence[Any],
    title: str,
    reference: Callable[[Any], str],
    codes: Callable[[Any, list[str]], list[Counter[str]]],
) -> list[str]:
    """Every page of a batch scans to exactly what its own document carries; each document
    numbers its pages from 1."""
    texts = pdfcheck.texts(rendered.pdf)
    assert rendered.pages == len(texts) == pdfcheck.page_count(rendered.pdf)
    assert rendered.documents == len(docs)
    scans = pdfcheck.scan_pages(rendered.pdf)
    for doc, pages in zip(docs, pages_of(texts, title, [reference(d) for d in docs]), strict=True):
        mine = [texts[n] for n in pages]
        assert [scans[n] for n in pages] == codes(doc, mine), reference(doc)
        for k, text in enumerate(mine, start=1):
            assert f"Page {k} of {len(mine)}" in text
    return texts


def scan_one(
    rendered: RenderedDocument, codes: Callable[[Any, list[str]], list[Counter[str]]], doc: Any
) -> str:
    texts = pdfcheck.texts(rendered.pdf)
    assert rendered.pages == len(texts)
    assert pdfcheck.scan_pages(rendered.pdf) == codes(doc, texts)
    pdfcheck.assert_fonts_embedded_dejavu(rendered.pdf)
    return flat(texts)


def prefs(uow: UnitOfWork, **values: str) -> None:
    """The printed-forms preferences at their defaults, but for `values`."""
    from app.services import admin

    for key, value in {**FORM_PREFERENCES, **values}.items():
        admin.set_preference(uow, key, value)


def settings(uow: UnitOfWork) -> documents.PrintSettings:
    return documents.print_settings(uow)


def render_ticket(uow: UnitOfWork, number: str) -> tuple[PickingTicket, str]:
    doc = documents.picking_ticket(uow, number, printed_at=PRINTED)
    text = scan_one(documents.render_picking_tickets([doc], settings(uow)), ticket_codes, doc)
    return doc, text


def render_slip(uow: UnitOfWork, number: str) -> tuple[PackingSlip, str]:
    doc = documents.packing_slip(uow, number, printed_at=PRINTED)
    text = scan_one(documents.render_packing_slip(doc, settings(uow)), slip_codes, doc)
    return doc, text


def render_traveler(uow: UnitOfWork, number: str) -> tuple[Traveler, str]:
    doc = documents.traveler(uow, number, printed_at=PRINTED)
    text = scan_one(documents.render_travelers([doc], settings(uow)), traveler_codes, doc)
    return doc, text


def pick_row(line: str, sku: str, name: str, quantity: str, note: str | None = None) -> str:
    """A picking ticket row as pypdf reads it: line, bin and location, sku, name, note,
    quantity, unit."""
    tail = f"{re.escape(note)} " if note else ""
    head = rf"(?:^| ){re.escape(line)} (?:\S+ )*?"
    return rf"{head}{re.escape(sku)} {re.escape(name)} {tail}{quantity} ea"


def kinds(doc: PickingTicket) -> list[tuple[str, str, str, bool, bool]]:
    """(line, sku, quantity, heading, scan) of every line, in printed order."""
    return [
        (ln.line, ln.sku, str(ln.quantity.normalize()), ln.heading, ln.scan) for ln in doc.lines
    ]


# --- plants -------------------------------------------------------------------------------


def demo(uow: UnitOfWork) -> UnitOfWork:
    setup.load_demo(uow)
    return uow


def bottling(uow: UnitOfWork) -> OrderPlant:
    plant = OrderPlant(uow).setup()
    for sku, where in BINS.items():
        items.set_bin(uow, sku, where)
    return plant


# --- travelers ----------------------------------------------------------------------------


def test_demo_travelers_list_what_is_left_to_issue_by_bin(uow: UnitOfWork) -> None:
    demo(uow)
    listed = work_orders.list_work_orders(uow)
    printable = [r.number for r in listed.rows if r.status not in ("closed", "cancelled")]
    assert len(printable) == 7
    for number in printable:
        info = work_orders.get_work_order(uow, number)
        doc, text = render_traveler(uow, number)
        left = {ln.sku: ln.required - ln.issued for ln in info.lines if ln.required > ln.issued}
        assert {ln.sku: ln.quantity for ln in doc.lines} == left
        bins = [shelf.bin_order(ln.bin) for ln in doc.lines]
        assert bins == sorted(bins), number
        assert doc.status_label in text and info.item in text
        for ln in doc.lines:
            assert ln.sku in text
            if ln.bin:
                assert re.search(rf"{re.escape(ln.bin)} MAIN {ln.quantity.normalize():f} ", text)
    # The late drivetrain batch has issued its chains and grease by hand: those lines are done.
    drivetrain = documents.traveler(uow, "WO-000008")
    assert [ln.sku for ln in drivetrain.lines] == ["DERAILLEUR-R8", "SHIFTER-8S", "CRANKSET-38"]


def test_demo_traveler_header(uow: UnitOfWork) -> None:
    demo(uow)
    doc, text = render_traveler(uow, "WO-000007")
    assert (doc.assembly_sku, doc.quantity, doc.priority) == ("HUB-R-ASSY", Decimal(10), 1)
    assert doc.location == "Main warehouse (MAIN)"
    assert [ln.bin for ln in doc.lines] == ["B-02-1", "B-02-2", "B-02-3"]
    for fact in (
        "Rear hub assembly",
        "Main warehouse (MAIN)",
        "Stock replenishment",
        "Printed 2026-03-14 09:30",
        "Backflushed at completion",
    ):
        assert fact in text, fact


def test_traveler_of_a_special_order_names_the_order_and_the_customer_po(uow: UnitOfWork) -> None:
    plant = bottling(uow)
    plant.stock("BOTTLE", 30)
    plant.pref("default_work_order_status", "released")
    so = plant.so("Harbor Cycles", ("CASE-12", 2, "build"), customer_po="HC-7781")
    [wo] = so.work_orders
    doc, text = render_traveler(uow, wo)
    assert (doc.created_from, doc.customer_po) == (so.number, "HC-7781")
    assert f"CREATED FROM {so.number}" in text and "CUSTOMER PO HC-7781" in text
    # Bins in a picker's order: B-2 before B-10.
    assert [(ln.sku, ln.bin, ln.quantity) for ln in doc.lines] == [
        ("CAP", "B-2", Decimal(24)),
        ("BOTTLE", "B-10", Decimal(24)),
    ]


def test_travelers_refused_for_closed_and_cancelled_orders(uow: UnitOfWork) -> None:
    demo(uow)
    for number in ("WO-000004", "WO-000009"):
        with pytest.raises(NothingToPrint, match=number):
            documents.traveler(uow, number)
    with pytest.raises(NotFound):
        documents.traveler(uow, "WO-999999")


def test_travelers_for_every_released_work_order(uow: UnitOfWork) -> None:
    demo(uow)
    docs = documents.travelers_for_released(uow, printed_at=PRINTED)
    released = [r for r in work_orders.list_work_orders(uow).rows if r.status == "released"]
    assert sorted(d.number for d in docs) == sorted(r.number for r in released)
    assert [d.due for d in docs] == sorted(d.due for d in docs if d.due)
    rendered = documents.render_travelers(docs, settings(uow))
    assert rendered.title == f"Work Order Travelers ({len(docs)})"
    assert rendered.filename == "travelers-20260314-0930.pdf"
    assert_batch_scans(rendered, docs, "Work Order Traveler", lambda d: d.number, traveler_codes)
    one = documents.traveler_pdf(uow, docs[0].number)
    assert (one.title, one.filename, one.documents) == (
        f"Work Order Traveler {docs[0].number}",
        f"traveler-{docs[0].number}.pdf",
        1,
    )


def _big_assembly(uow: UnitOfWork, tmp_path: Path, lines: int) -> str:
    """An assembly of `lines` components, a third of them binned (out of line order), made
    through the import and BOM services, and a released work order for 4 of it."""
    path = tmp_path / "items.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["sku", "name", "type", "uom", "cost"])
        w.writerow(["BIG-ASSY", "Control cabinet, fully wired", "assembly", "ea", "0"])
        for n in range(1, lines + 1):
            name = f"Component {n}" + (", with a long description that wraps" if n % 9 == 0 else "")
            w.writerow([f"CMP-{n:03d}", name, "inventory", "ea", "1"])
    imports.import_items(uow, path)
    boms.save_bom(
        uow,
        "BIG-ASSY",
        [BomLineSpec(f"CMP-{n:03d}", Decimal(n % 4 + 1), n % 5 != 0) for n in range(1, lines + 1)],
    )
    for n in range(3, lines + 1, 3):
        items.set_bin(uow, f"CMP-{n:03d}", f"R-{(lines - n) % 17 + 1}-{n % 4 + 1}")
    return work_orders.create_work_order(uow, "BIG-ASSY", "4", status="released").number


def test_a_300_line_traveler_paginates_with_its_header_and_loses_no_line(
    uow: UnitOfWork, tmp_path: Path
) -> None:
    number = _big_assembly(uow, tmp_path, 300)
    doc = documents.traveler(uow, number, printed_at=PRINTED)
    assert len(doc.lines) == 300
    binned = [ln for ln in doc.lines if ln.bin]
    assert len(binned) == 100 and doc.lines[:100] == binned
    assert [shelf.bin_order(ln.bin) for ln in binned] == sorted(
        shelf.bin_order(ln.bin) for ln in binned
    )
    unbinned = [int(ln.sku[4:]) for ln in doc.lines[100:]]
    assert unbinned == sorted(unbinned)
    rendered = documents.render_travelers([doc], settings(uow))
    texts = pdfcheck.texts(rendered.pdf)
    assert rendered.pages == len(texts) >= 6
    header = r"#\s+Component\s+Description\s+Bin\s+To issue\s+UoM\s+Issued"
    scans = pdfcheck.scan_pages(rendered.pdf)
    assert scans == traveler_codes(doc, texts)
    for n, text in enumerate(texts, start=1):
        assert f"Page {n} of {len(texts)}" in text
        assert f"Work Order Traveler {number}" in " ".join(text.split())
        if n < len(texts) or re.search(r"CMP-\d{3}", text):
            assert re.search(header, text), f"page {n} has no table header"
    printed = [w for text in texts for w in pdfcheck.words(text) if re.fullmatch(r"CMP-\d{3}", w)]
    assert printed == [ln.sku for ln in doc.lines]
    decoded = sum(scans, Counter())
    assert all(decoded[ln.sku] == 1 for ln in doc.lines)
    pdfcheck.assert_inside_margins(rendered.pdf, PAGE_SIZES["letter"], MARGIN)


# --- picking tickets ----------------------------------------------------------------------


def test_demo_picking_tickets_and_the_kit(uow: UnitOfWork) -> None:
    demo(uow)
    prefs(uow)
    doc, text = render_ticket(uow, "SO-000001")
    assert kinds(doc) == [
        ("1", "GIFT-SET", "4", True, True),
        ("1.1", "HELMET-M", "4", False, True),
        ("1.2", "LOCK-U", "4", False, True),
        ("1.3", "BELL", "4", False, True),
        ("2", "LIGHT-SET", "6", False, True),
    ]
    assert (doc.customer, doc.customer_po, doc.memo) == (
        "Harbor Cycles",
        "72622",
        "Deliver to the service entrance",
    )
    assert "1200 Harbor Way, Building C" in text and "Kit: pick the members below" in text
    assert re.search(pick_row("1.1", "HELMET-M", "Commuter helmet, medium", "4"), text)
    assert "RACK-REAR" not in text, "a drop-ship line has nothing to pick"
    assert "WARRANTY-3Y" not in text
    # The late order: 8 locks shipped, 4 more committed, and its lights.
    late, text = render_ticket(uow, "SO-000003")
    assert kinds(late) == [("1", "LOCK-U", "4", False, True), ("2", "LIGHT-SET", "4", False, True)]


def test_demo_ticket_with_every_preference_value(uow: UnitOfWork) -> None:
    demo(uow)
    for kit_items in ("true", "false"):
        for non_inventory in ("true", "false"):
            prefs(
                uow,
                always_print_kit_items_on_picking_tickets=kit_items,
                show_non_inventory_items_on_printed_forms=non_inventory,
            )
            doc, text = render_ticket(uow, "SO-000001")
            skus = [ln.sku for ln in doc.lines]
            assert ("HELMET-M" in skus) is (kit_items == "true")
            assert ("WARRANTY-3Y" in text) is (non_inventory == "true")
            assert "RACK-REAR" not in text
            if kit_items == "false":
                kit = doc.lines[0]
                assert (kit.sku, kit.quantity, kit.heading, kit.scan) == (
                    "GIFT-SET",
                    Decimal(4),
                    False,
                    True,
                )
                assert (
                    kit.note == "Each kit: 1 HELMET-M (F-01-1), 1 LOCK-U (F-01-2), 1 BELL (F-02-1)"
                )
            if non_inventory == "true":
                service = doc.lines[-1]
                assert (service.sku, service.quantity, service.scan, service.bin) == (
                    "WARRANTY-3Y",
                    Decimal(2),
                    False,
                    None,
                )
                assert "Service: nothing to pick" in text


def _picking_order(plant: OrderPlant) -> str:
    """An order with a part-committed line, an uncommitted line, a kit with one member short,
    a service, a drop-ship line, a fully committed line and a build-to-order line."""
    plant.stock("LABEL", 10)
    plant.stock("BOTTLE", 5)
    plant.stock("CASE-12", 1)
    so = plant.so(
        "Harbor Cycles",
        ("BOTTLE", 8),
        ("CAP", 3),
        ("GIFT-BOX", 2),
        ("SERVICE", 1),
        ("RACK", 2, "drop_ship"),
        ("LABEL", 3),
        ("CASE-12", 2, "build"),
        customer_po="HC-1001",
        memo="Dock 4",
    )
    return so.number


def test_picking_ticket_under_every_combination_of_the_preferences(uow: UnitOfWork) -> None:
    plant = bottling(uow)
    number = _picking_order(plant)
    [wo] = plant.show_so(number).work_orders
    each_kit = "Each kit: 1 CASE-12 (C-1), 2 LABEL (A-1)"
    for uncommitted in (False, True):
        for kit_items in (False, True):
            for non_inventory in (False, True):
                case = f"uncommitted={uncommitted} kits={kit_items} non-inventory={non_inventory}"
                prefs(
                    plant.uow,
                    show_uncommitted_items_on_picking_tickets=str(uncommitted).lower(),
                    always_print_kit_items_on_picking_tickets=str(kit_items).lower(),
                    show_non_inventory_items_on_printed_forms=str(non_inventory).lower(),
                )
                doc, text = render_ticket(uow, number)
                want: list[tuple[str, str, str, bool, bool]] = []
                if kit_items:
                    want += [
                        ("3", "GIFT-BOX", "2", True, True),
                        ("3.2", "LABEL", "4", False, True),
                        ("3.1", "CASE-12", "2" if uncommitted else "1", False, True),
                    ]
                else:
                    want.append(("3", "GIFT-BOX", "2" if uncommitted else "1", False, True))
                want.append(("6", "LABEL", "3", False, True))
                if uncommitted:
                    want.append(("2", "CAP", "3", False, True))
                want.append(("1", "BOTTLE", "8" if uncommitted else "5", False, True))
                if uncommitted:
                    want.append(("7", "CASE-12", "2", False, True))
                if non_inventory:
                    want.append(("4", "SERVICE", "1", False, False))
                assert kinds(doc) == want, case
                assert "RACK" not in pdfcheck.words(text), case
                notes = {ln.line: ln.note for ln in doc.lines if ln.note}
                if uncommitted:
                    assert notes["1"] == "3 not committed" and notes["2"] == "3 not committed"
                    assert notes["7"] == f"2 not committed; built on {wo}"
                    assert "3 not committed" in text and f"built on {wo}" in text
                    assert re.search(
                        pick_row("1", "BOTTLE", "Bottle", "8", "3 not committed"), text
                    )
                else:
                    assert "not committed" not in text, case
                    assert re.search(pick_row("1", "BOTTLE", "Bottle", "5"), text), case
                if kit_items:
                    assert "Kit: pick the members below" in text
                    assert notes.get("3.1") == ("1 not committed" if uncommitted else None)
                else:
                    kit_note = f"{each_kit}; 1 not committed" if uncommitted else each_kit
                    assert notes["3"] == kit_note and kit_note in text
                assert ("Service: nothing to pick" in text) is non_inventory


def test_picking_ticket_of_an_order_with_nothing_committed_lists_nothing(uow: UnitOfWork) -> None:
    plant = bottling(uow)
    so = plant.so("Lakeside Foods", ("CAP", 5))
    prefs(uow)
    doc, text = render_ticket(uow, so.number)
    assert doc.lines == [] and "Nothing to pick." in text
    prefs(uow, show_uncommitted_items_on_picking_tickets="true")
    doc, text = render_ticket(uow, so.number)
    assert kinds(doc) == [("1", "CAP", "5", False, True)] and "5 not committed" in text


def test_what_is_picked_is_not_picked_again(uow: UnitOfWork) -> None:
    demo(uow)
    prefs(uow, show_uncommitted_items_on_picking_tickets="true")
    fulfillment.fulfill(uow, "SO-000001", {"2": "2"})
    doc, _text = render_ticket(uow, "SO-000001")
    assert ("2", "LIGHT-SET", "4", False, True) in kinds(doc)
    packed, _ = render_ticket(uow, "SO-000003")
    assert ("1", "LOCK-U", "4", False, True) in kinds(packed)


def test_picking_tickets_refused_when_there_is_nothing_to_pick(uow: UnitOfWork) -> None:
    demo(uow)
    with pytest.raises(NothingToPrint, match="approve it"):
        documents.picking_ticket(uow, "SO-000004")
    sales.close_sales_order(uow, "SO-000003")
    with pytest.raises(NothingToPrint, match="Closed"):
        documents.picking_ticket(uow, "SO-000003")


def test_picking_tickets_for_every_order_ready_to_pick(uow: UnitOfWork) -> None:
    demo(uow)
    prefs(uow, show_non_inventory_items_on_printed_forms="true")
    docs = documents.picking_tickets_ready(uow, printed_at=PRINTED)
    ready = sales.list_sales_orders(uow, ready_to_pick=True).rows
    assert [d.order_number for d in docs] == ["SO-000003", "SO-000001"]
    assert sorted(d.order_number for d in docs) == sorted(r.number for r in ready)
    rendered = documents.render_picking_tickets(docs, settings(uow))
    assert rendered.filename == "picking-tickets-20260314-0930.pdf"
    assert_batch_scans(rendered, docs, "Picking Ticket", lambda d: d.order_number, ticket_codes)
    # Picked in full, an order is no longer ready; with none left there is nothing to print.
    fulfillment.fulfill(uow, "SO-000001")
    fulfillment.fulfill(uow, "SO-000003")
    assert documents.picking_tickets_ready(uow) == []
    with pytest.raises(NothingToPrint, match="ready to pick"):
        documents.picking_tickets_pdf(uow)


# --- packing slips ------------------------------------------------------------------------


def _second_shipment(plant: OrderPlant) -> tuple[str, str]:
    """An order whose first shipment sent every LABEL; the second, packed, carries 5 of 8
    BOTTLEs; CAP waits for stock; SERVICE is a service; RACK ships from its vendor."""
    plant.stock("LABEL", 10)
    plant.stock("BOTTLE", 5)
    so = plant.so(
        "Harbor Cycles",
        ("LABEL", 4),
        ("BOTTLE", 8),
        ("CAP", 3),
        ("SERVICE", 1),
        ("RACK", 2, "drop_ship"),
        customer_po="HC-2002",
    )
    first = plant.pick(so.number, {"1": "4"})
    plant.ship(first.number)
    second = plant.pick(so.number, {"2": "5"})
    fulfillment.pack_fulfillment(plant.uow, second.number)
    return so.number, second.number


SLIP_LISTS = {
    "none": ["BOTTLE"],
    "unfulfilled_items_on_order": ["BOTTLE", "CAP"],
    "all_items_on_order": ["LABEL", "BOTTLE", "CAP", "SERVICE"],
}


def test_packing_slip_under_every_combination_of_the_preferences(uow: UnitOfWork) -> None:
    plant = bottling(uow)
    order, number = _second_shipment(plant)
    for mode, listed in SLIP_LISTS.items():
        for drop_ship in (False, True):
            for non_inventory in (False, True):
                case = f"{mode} drop-ship={drop_ship} non-inventory={non_inventory}"
                prefs(
                    uow,
                    show_additional_items_on_packing_slips=mode,
                    show_drop_ship_items_on_packing_slips=str(drop_ship).lower(),
                    show_non_inventory_items_on_printed_forms=str(non_inventory).lower(),
                )
                doc, text = render_slip(uow, number)
                want = list(listed)
                if non_inventory and "SERVICE" not in want:
                    want.append("SERVICE")
                if drop_ship:
                    want.append("RACK")
                order_of = {"LABEL": 1, "BOTTLE": 2, "CAP": 3, "SERVICE": 4, "RACK": 5}
                want.sort(key=order_of.__getitem__)
                assert [ln.sku for ln in doc.lines] == want, case
                words = pdfcheck.words(text)
                for sku in order_of:
                    assert (sku in words) is (sku in want), f"{case}: {sku}"
                assert (REMAINING_HEADER in text) is (mode != "none"), case
                assert doc.show_remaining is (mode != "none")
                back = r" 3 ea" if mode != "none" else " ea"
                assert re.search(rf"BOTTLE Bottle 8 5{back}", text), case
                shipment, _, others = text.partition("Other items on this order")
                assert "BOTTLE" in shipment
                assert all(s in others for s in want if s != "BOTTLE"), case
                if "LABEL" in want:
                    assert re.search(r"LABEL Label 4 shipped earlier 4 0 0 ea", text), case
                if "CAP" in want:
                    assert re.search(r"CAP Cap 3 0 3 ea", text), case
                if "SERVICE" in want:
                    assert "Service: nothing to ship" in text
                    assert re.search(r"SERVICE Service Service: nothing to ship 1 0 (— )?ea", text)
                if "RACK" in want:
                    assert "Ships from the vendor" in text
    assert order in text and "HC-2002" in text


def test_packing_slip_header_status_names_and_addresses(uow: UnitOfWork) -> None:
    demo(uow)
    prefs(uow)
    from app.services import admin

    admin.set_preference(uow, "name_for_packed_status", "Boxed")
    admin.set_preference(uow, "name_for_shipped_status", "On its way")
    admin.set_preference(uow, "name_for_picked_status", "Pulled")
    doc, text = render_slip(uow, "IF-000001")
    assert (doc.order_number, doc.customer_po, doc.status_label) == (
        "SO-000002",
        "LB-4471",
        "Boxed",
    )
    assert "STATUS Boxed" in text and "45 Shore Road" in text
    assert [ln.sku for ln in doc.lines] == ["HELMET-M", "BELL"]
    doc, text = render_slip(uow, "IF-000002")
    assert doc.status_label == "On its way" and "STATUS On its way" in text
    assert doc.bill_to == "City Commuter Co-op\n88 Market Street\nOakland, CA 94607"
    assert doc.ship_to.startswith("City Commuter Co-op, receiving")
    assert doc.ship_date == date.today()
    fulfillment.fulfill(uow, "SO-000001")
    doc, text = render_slip(uow, "IF-000003")
    assert doc.ship_date == sales.get_sales_order(uow, "SO-000001").ship_date
    assert doc.status_label == "Pulled" and "STATUS Pulled" in text


@pytest.mark.parametrize("names", [{}, {"picked": "Pulled", "packed": "Boxed"}], ids=str)
def test_packing_slip_quantity_column_is_named_for_the_fulfillments_status(
    uow: UnitOfWork, names: dict[str, str]
) -> None:
    """Picked or packed, nothing has shipped yet: the column says what its quantity is now."""
    demo(uow)
    prefs(uow, **{f"name_for_{status}_status": name for status, name in names.items()})
    picked = fulfillment.fulfill(uow, "SO-000001")
    steps = (
        ("picked", lambda: None),
        ("packed", lambda: fulfillment.pack_fulfillment(uow, picked.number)),
        ("shipped", lambda: fulfillment.ship_fulfillment(uow, picked.number)),
    )
    for status, step in steps:
        step()
        word = names.get(status, status.title())
        doc, text = render_slip(uow, picked.number)
        assert doc.status_label == word
        headers = re.findall(r"Description Ordered (\S+)(?: Back Ordered)? UoM", text)
        assert headers and set(headers) == {word}, f"{status}: {headers}"
        assert re.search(r"HELMET-M [^0-9]*4 4 ea", text), status


def test_packing_slip_of_a_kit_lists_the_kit_and_its_members(uow: UnitOfWork) -> None:
    demo(uow)
    prefs(uow)
    picked = fulfillment.fulfill(uow, "SO-000001", {"1": "3"})
    doc, text = render_slip(uow, picked.number)
    assert [(ln.line, ln.sku, ln.shipped) for ln in doc.lines] == [
        ("1", "GIFT-SET", Decimal(3)),
        ("1.1", "HELMET-M", Decimal(3)),
        ("1.2", "LOCK-U", Decimal(3)),
        ("1.3", "BELL", Decimal(3)),
    ]
    prefs(uow, show_additional_items_on_packing_slips="all_items_on_order")
    doc, text = render_slip(uow, picked.number)
    remaining = {ln.sku: ln.remaining for ln in doc.lines}
    assert remaining["GIFT-SET"] == 1 and remaining["HELMET-M"] == 1
    assert remaining["LIGHT-SET"] == 6 and remaining["WARRANTY-3Y"] is None
    assert "RACK-REAR" not in text
    assert re.search(r"GIFT-SET Commuter gift set \(helmet, lock, bell\) 4 3 1 ea", text)


def test_packing_slip_of_a_drop_shipment_lists_its_own_lines(uow: UnitOfWork) -> None:
    demo(uow)
    prefs(uow)
    [po] = sales.get_sales_order(uow, "SO-000001").purchase_orders
    purchasing.mark_drop_ship_shipped(uow, po)
    shipped = sales.get_sales_order(uow, "SO-000001").fulfillments[-1]
    doc, text = render_slip(uow, shipped)
    assert [(ln.sku, ln.shipped) for ln in doc.lines] == [("RACK-REAR", Decimal(2))]
    assert "Ships from the vendor" not in text
    # The plant's own shipment lists it only when drop-ship items are shown.
    picked = fulfillment.fulfill(uow, "SO-000001")
    _, text = render_slip(uow, picked.number)
    assert "RACK-REAR" not in text
    prefs(uow, show_drop_ship_items_on_packing_slips="true")
    doc, text = render_slip(uow, picked.number)
    rack = next(ln for ln in doc.lines if ln.sku == "RACK-REAR")
    assert rack.note == "Ships from the vendor; 2 shipped earlier" and rack.shipped == 0


def test_cancelled_fulfillment_has_no_packing_slip(uow: UnitOfWork) -> None:
    demo(uow)
    fulfillment.cancel_fulfillment(uow, "IF-000001")
    with pytest.raises(NothingToPrint, match="cancelled"):
        documents.packing_slip(uow, "IF-000001")


# --- labels -------------------------------------------------------------------------------


def label_code(label: ItemLabel | FinishedGoodsLabel, layout: str) -> Counter[str]:
    """What one label carries: an item's sku; a finished-goods label's assembly sku, and on a
    4 x 6 in label its work order number too."""
    if isinstance(label, ItemLabel):
        return Counter([label.sku])
    if layout == "thermal_4x6":
        return Counter([label.assembly_sku, label.work_order])
    return Counter([label.assembly_sku])


def assert_labels_scan(
    uow: UnitOfWork,
    rendered: RenderedDocument,
    labels: Sequence[ItemLabel | FinishedGoodsLabel],
    layout: str,
    start: int = 1,
) -> None:
    """Every label, cut out of its page at 150 dpi, scans to exactly its own codes (a reader
    given a whole sheet of identical labels reports some of them once)."""
    page, boxes = label_pages.label_boxes(
        len(labels),
        layout,  # type: ignore[arg-type]
        documents.page_setup(uow),
        start,
    )
    images = pdfcheck.images(rendered.pdf)
    assert len(images) == rendered.pages == max(b.page for b in boxes) + 1
    k = pdfcheck.SCAN_DPI / 72
    height = page[1]
    for n, (label, box) in enumerate(zip(labels, boxes, strict=True)):
        crop = images[box.page].crop(
            (
                int(box.x * k),
                int((height - box.y - box.height) * k),
                int((box.x + box.width) * k) + 1,
                int((height - box.y) * k) + 1,
            )
        )
        assert pdfcheck.scan(crop) == label_code(label, layout), f"label {n + 1}"


def test_item_labels_with_bins_copies_and_a_start_position(uow: UnitOfWork) -> None:
    demo(uow)
    skus = ["HELMET-M", "BELL", "DECAL-SET", "SPOKE-SS"]
    labels = documents.item_labels(uow, skus, count=10)
    assert [(lb.sku, lb.bin) for lb in labels[::10]] == [
        ("HELMET-M", "F-01-1"),
        ("BELL", "F-02-1"),
        ("DECAL-SET", None),
        ("SPOKE-SS", "B-01-1"),
    ]
    staging = documents.item_labels(uow, ["SPOKE-SS"], location="STAGING")
    assert staging == [ItemLabel("SPOKE-SS", "Stainless spoke 2.0 mm", None)]
    rendered = documents.item_labels_pdf(uow, skus, count=10, start=25)
    assert (rendered.documents, rendered.pages) == (40, 3)
    assert rendered.filename == "labels-40.pdf"
    assert output.media_of(rendered.pdf) == "Letter"
    assert_labels_scan(uow, rendered, labels, "sheet", 25)
    text = flat(pdfcheck.texts(rendered.pdf))
    assert "BIN F-01-1" in text and "Commuter helmet, medium" in text
    with pytest.raises(NotFound, match="NO-SUCH"):
        documents.item_labels(uow, ["HELMET-M", "NO-SUCH"])
    with pytest.raises(ValidationError):
        documents.item_labels(uow, ["HELMET-M"], count=0)
    with pytest.raises(ValidationError, match="at least one"):
        documents.item_labels(uow, [])
    with pytest.raises(ValidationError, match="start position 31"):
        documents.item_labels_pdf(uow, ["BELL"], start=31)


@pytest.mark.parametrize(
    ("layout", "media", "per_page"),
    [
        ("sheet", "Letter", 30),
        ("thermal_4x6", "Custom.4x6in", 1),
        ("thermal_2x1", "Custom.2x1in", 1),
    ],
)
def test_finished_goods_labels_in_every_layout(
    uow: UnitOfWork, layout: str, media: str, per_page: int
) -> None:
    demo(uow)
    from app.services import admin

    admin.set_preference(uow, "label_layout", layout)
    [whole] = documents.finished_goods_labels(uow, "WO-000003")
    assert (whole.assembly_sku, whole.work_order, whole.quantity, whole.uom) == (
        "WHEEL-R-700",
        "WO-000003",
        Decimal(3),
        "ea",
    )
    assert whole.build_date == date.today()
    each = documents.finished_goods_labels(uow, "WO-000003", count=3)
    assert [lb.quantity for lb in each] == [Decimal(1)] * 3
    rendered = documents.finished_goods_labels_pdf(uow, "WO-000003", count=3)
    assert output.media_of(rendered.pdf) == media
    assert rendered.filename == "labels-WO-000003.pdf" and rendered.documents == 3
    assert_labels_scan(uow, rendered, each, layout)
    if per_page == 1:
        assert pdfcheck.scan_pages(rendered.pdf) == [label_code(lb, layout) for lb in each]
    text = flat(pdfcheck.texts(rendered.pdf))
    assert "Rear wheel 700c" in text and date.today().isoformat() in text
    with pytest.raises(ValidationError, match="fill at most 3 labels of whole units, not 7"):
        documents.finished_goods_labels(uow, "WO-000003", count=7)
    with pytest.raises(NothingToPrint, match="built nothing"):
        documents.finished_goods_labels(uow, "WO-000001")


def test_finished_goods_labels_carry_whole_units_the_remainder_on_the_last(
    uow: UnitOfWork,
) -> None:
    demo(uow)  # WO-000003 built 3 WHEEL-R-700 ea
    pair = documents.finished_goods_labels(uow, "WO-000003", count=2)
    assert [(lb.quantity, lb.uom) for lb in pair] == [(Decimal(1), "ea"), (Decimal(2), "ea")]
    rendered = documents.finished_goods_labels_pdf(uow, "WO-000003", count=2)
    assert rendered.documents == 2
    assert_labels_scan(uow, rendered, pair, "sheet")
    printed = re.findall(r"(\S+) ea\b", flat(pdfcheck.texts(rendered.pdf)))
    assert sorted(printed) == ["1", "2"]
    with pytest.raises(ValidationError) as refused:
        documents.finished_goods_labels(uow, "WO-000003", count=4)
    assert refused.value.message == "3 ea built fill at most 3 labels of whole units, not 4"

    plant = OrderPlant(uow)
    plant.item("SYRUP", uom="kg")
    plant.item("BLEND", "assembly", uom="kg")
    plant.bom("BLEND", {"SYRUP": "1"})
    plant.stock("SYRUP", "10")
    blend = plant.wo("BLEND", "5.5")
    work_orders.post_assembly_build(uow, blend, "5.5")
    shares = documents.finished_goods_labels(uow, blend, count=4)
    assert [lb.quantity for lb in shares] == [Decimal(1), Decimal(1), Decimal(1), Decimal("2.5")]
    assert [lb.quantity for lb in documents.finished_goods_labels(uow, blend, count=5)] == [
        Decimal(1)
    ] * 4 + [Decimal("1.5")]
    with pytest.raises(ValidationError, match=r"5\.5 kg built fill at most 5 labels"):
        documents.finished_goods_labels(uow, blend, count=6)
    small = plant.wo("BLEND", "0.5")
    work_orders.post_assembly_build(uow, small, "0.5")
    [whole] = documents.finished_goods_labels(uow, small, count=1)
    assert whole.quantity == Decimal("0.5")
    with pytest.raises(ValidationError, match=r"0\.5 kg built fill at most 1 label of whole"):
        documents.finished_goods_labels(uow, small, count=2)


# --- page setup and printing --------------------------------------------------------------


def test_page_setup_follows_the_preferences(uow: UnitOfWork) -> None:
    from app.services import admin

    setup_ = documents.page_setup(uow)
    assert (setup_.page_size, setup_.company.name, setup_.company.address) == (
        "letter",
        "Shopfloor",
        "",
    )
    assert setup_.company.logo == resource_path("logo.png") and setup_.company.logo.is_file()
    admin.set_preference(uow, "page_size", "a4")
    admin.set_preference(uow, "company_name", "Northgate Bicycle Works")
    admin.set_preference(uow, "company_address", "1200 Harbor Way\\nPortland, OR 97210")
    setup_ = documents.page_setup(uow)
    assert setup_.company.address == "1200 Harbor Way\nPortland, OR 97210"
    demo(uow)
    rendered = documents.picking_ticket_pdf(uow, "SO-000001")
    assert output.media_of(rendered.pdf) == "A4"
    text = flat(pdfcheck.texts(rendered.pdf))
    assert "Northgate Bicycle Works 1200 Harbor Way Portland, OR 97210" in text
    assert pdfcheck.image_count(rendered.pdf) == 1, "the logo is the only image"
    settings_ = documents.print_settings(uow)
    assert (settings_.label_layout, settings_.default_printer) == ("sheet", None)


def test_printing_needs_a_printer(uow: UnitOfWork) -> None:
    demo(uow)
    rendered = documents.traveler_pdf(uow, "WO-000001")
    with pytest.raises(output.PrinterNotFound, match="default_printer"):
        documents.print_document(uow, rendered)


def test_print_to_the_default_printer(uow: UnitOfWork, cups_server: CupsServer) -> None:
    from app.services import admin

    demo(uow)
    admin.set_preference(uow, "default_printer", QUEUE)
    doc = documents.traveler(uow, "WO-000001")
    title = cups_server.new_title("default-printer")
    rendered = documents.render_travelers([doc], settings(uow))
    job = documents.print_document(uow, RenderedDocument(title, "x.pdf", rendered.pdf, 1))
    assert job.startswith(f"{QUEUE}-")
    printed = cups_server.wait_for_pdf(title).read_bytes()
    assert pdfcheck.scan_pages(printed) == pdfcheck.scan_pages(rendered.pdf)
