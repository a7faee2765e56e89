"""The real print path: a private CUPS scheduler with a CUPS-PDF queue, and the typed errors
when CUPS or the printer is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import ShopfloorError
from app.printing import labels, output, picking_ticket, traveler
from app.printing.output import CupsUnavailable, PrinterNotFound, PrintJobFailed
from tests.cups import QUEUE, CupsServer
from tests.printing import pdfcheck, samples


def test_printing_a_traveler_produces_a_pdf_whose_barcodes_scan(
    cups_server: CupsServer, logo: Path
) -> None:
    setup = samples.setup("letter", logo)
    pdf = traveler.render(samples.traveler(), setup)
    title = cups_server.new_title("traveler")
    job = output.send_to_printer(pdf, QUEUE, title=title)
    assert job.startswith(f"{QUEUE}-")
    printed = cups_server.wait_for_pdf(title).read_bytes()
    assert pdfcheck.scan_pages(printed) == pdfcheck.scan_pages(pdf)
    assert "WO-000123" in " ".join(pdfcheck.texts(printed))


def test_a4_batch_prints_every_page(cups_server: CupsServer) -> None:
    docs = [samples.picking_ticket(), samples.picking_ticket()]
    pdf = picking_ticket.render_many(docs, samples.setup("a4"))
    title = cups_server.new_title("tickets")
    output.send_to_printer(pdf, QUEUE, title=title, copies=1)
    printed = cups_server.wait_for_pdf(title).read_bytes()
    assert pdfcheck.page_count(printed) == pdfcheck.page_count(pdf)
    assert pdfcheck.scan_pages(printed) == pdfcheck.scan_pages(pdf)


def test_labels_print_on_their_own_paper_size(cups_server: CupsServer) -> None:
    pdf = labels.render_labels(
        [samples.finished_goods_label(), *samples.item_labels()[:2]],
        "thermal_4x6",
        samples.setup(),
    )
    title = cups_server.new_title("labels")
    output.send_to_printer(pdf, QUEUE, title=title)
    printed = cups_server.wait_for_pdf(title).read_bytes()
    assert output.media_of(printed) == "Custom.4x6in"
    assert pdfcheck.scan_pages(printed) == pdfcheck.scan_pages(pdf)


def test_media_follows_the_document() -> None:
    assert output.media_of(traveler.render(samples.traveler(), samples.setup("letter"))) == "Letter"
    assert output.media_of(traveler.render(samples.traveler(), samples.setup("a4"))) == "A4"
    label = [samples.item_labels()[0]]
    assert output.media_of(labels.render_labels(label, "thermal_2x1", samples.setup())) == (
        "Custom.2x1in"
    )
    assert output.media_of(b"%PDF-1.4 nothing") is None


def test_lists_the_queue(cups_server: CupsServer) -> None:
    assert QUEUE in output.list_printers()
    assert output.scheduler_running()
    assert output.default_printer() in (None, QUEUE)


def test_unknown_printer_is_a_typed_error(cups_server: CupsServer) -> None:
    pdf = traveler.render(samples.traveler(), samples.setup())
    with pytest.raises(PrinterNotFound, match="NO-SUCH-PRINTER") as refused:
        output.send_to_printer(pdf, "NO-SUCH-PRINTER")
    assert QUEUE in str(refused.value)
    assert isinstance(refused.value, ShopfloorError)


def test_no_scheduler_is_a_typed_error(tmp_path: Path) -> None:
    server = str(tmp_path / "no-cups.sock")
    with pytest.raises(CupsUnavailable):
        output.list_printers(server=server)
    with pytest.raises(CupsUnavailable):
        output.send_to_printer(b"%PDF-1.4 x", "PDF", server=server)


def test_cups_not_installed_is_a_typed_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "LPSTAT", "/nonexistent/lpstat")
    monkeypatch.setattr(output, "LP", "/nonexistent/lp")
    with pytest.raises(CupsUnavailable, match="not installed"):
        output.list_printers()
    with pytest.raises(CupsUnavailable, match="not installed"):
        output.send_to_printer(b"%PDF-1.4 x", "PDF")


@pytest.mark.parametrize(
    ("pdf", "printer", "copies"),
    [(b"hello", "PDF", 1), (b"%PDF-1.4", "", 1), (b"%PDF-1.4", "-o x", 1), (b"%PDF-1.4", "PDF", 0)],
)
def test_refuses_bad_requests_before_calling_cups(pdf: bytes, printer: str, copies: int) -> None:
    with pytest.raises((PrintJobFailed, PrinterNotFound)):
        output.send_to_printer(pdf, printer, copies=copies, server="/nonexistent.sock")
