"""Print preview and printing from the window: the preview shows a real document's pages
(QtPdf, on white); Print… goes through QPrinter to a PDF file and to the CUPS queue the tests
start; the preferred printer gets the document straight from the documents service; Save as
PDF writes the document itself. The printed PDFs are read back and their barcodes decoded.
Batches render in the background."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from app.services import admin, documents
from app.services.engine.uow import Actor, UnitOfWork
from app.services.production import work_orders
from app.views.printing.preview import PrintPreviewDialog
from tests.cups import CupsServer
from tests.printing import pdfcheck
from tests.views.conftest import idle

TICKET_CODES = {"SO-000001", "HELMET-M", "LOCK-U", "BELL", "LIGHT-SET"}


def service(ctx) -> UnitOfWork:  # type: ignore[no-untyped-def]
    return UnitOfWork(ctx.database, Actor("tester", "bench"))


def ink(image: QImage) -> float:
    """The share of a page image's pixels that are not white."""
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = gray.width(), gray.height(), gray.bytesPerLine()
    pixels = np.frombuffer(gray.constBits(), np.uint8, stride * height).reshape(height, stride)
    return float((pixels[:, :width] < 200).mean())


def open_preview(qtbot, ctx, previewer) -> PrintPreviewDialog:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: previewer.dialog is not None or not previewer.running)
    idle(qtbot, ctx)
    assert previewer.dialog is not None, "no preview opened"
    dialog: PrintPreviewDialog = previewer.dialog
    qtbot.addWidget(dialog)
    return dialog


def codes(pdf: bytes) -> set[str]:
    return {code for page in pdfcheck.scan_pages(pdf) for code in page}


def ticket(ctx, title: str) -> documents.RenderedDocument:  # type: ignore[no-untyped-def]
    rendered = documents.picking_ticket_pdf(service(ctx), "SO-000001")
    return dataclasses.replace(rendered, title=title)


# The CUPS tests come first: libcups reads $CUPS_SERVER once, on the first printer lookup.


def test_print_through_qprinter_to_the_cups_queue(
    cups_server: CupsServer,
    ctx,
    qtbot,
) -> None:  # type: ignore[no-untyped-def]
    names = [p.printerName() for p in QPrinterInfo.availablePrinters()]
    assert cups_server.queue in names, f"QPrinter lists {names}"
    title = cups_server.new_title("qprinter")
    dialog = PrintPreviewDialog(ctx, ticket(ctx, title))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.printer.setPrinterName(cups_server.queue)
    assert dialog.printer.outputFormat() == QPrinter.OutputFormat.NativeFormat
    dialog.print_now()  # what the print dialog's OK does
    idle(qtbot, ctx)
    assert "Printed 1 page of" in dialog.status.text(), dialog.status.text()
    printed = cups_server.wait_for_pdf(title).read_bytes()
    assert pdfcheck.page_count(printed) == 1
    assert codes(printed) >= TICKET_CODES


def test_print_to_the_preferred_printer(cups_server: CupsServer, ctx, qtbot) -> None:  # type: ignore[no-untyped-def]
    admin.set_preference(service(ctx), "default_printer", cups_server.queue)
    title = cups_server.new_title("preferred")
    dialog = PrintPreviewDialog(ctx, ticket(ctx, title))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.default_button.isEnabled())
    assert dialog.default_button.text() == f"Print to {cups_server.queue}"
    qtbot.mouseClick(dialog.default_button, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    assert f"Sent {title} to {cups_server.queue} (job" in dialog.status.text()
    printed = cups_server.wait_for_pdf(title).read_bytes()
    assert codes(printed) >= TICKET_CODES


def test_the_preferred_printer_is_offered_only_when_set(ctx, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = PrintPreviewDialog(ctx, ticket(ctx, "Picking Ticket SO-000001"))
    qtbot.addWidget(dialog)
    dialog.show()
    idle(qtbot, ctx)
    assert dialog.settings is not None and dialog.settings.default_printer is None
    assert not dialog.default_button.isEnabled()
    assert "No preferred printer is set" in dialog.default_button.toolTip()


def test_the_preview_shows_the_pages_of_a_real_document(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    detail = window.show_page("sales_order", number="SO-000001")
    idle(qtbot, ctx)
    qtbot.mouseClick(detail.ticket_button, Qt.MouseButton.LeftButton)
    dialog = open_preview(qtbot, ctx, detail.preview)
    expected = documents.picking_ticket_pdf(service(ctx), "SO-000001")
    assert dialog.rendered.title == "Picking Ticket SO-000001"
    assert dialog.pages.count == expected.pages == pdfcheck.page_count(dialog.rendered.pdf) == 1
    assert dialog.page_label.text() == "1 page"
    image = dialog.page_image(0, 900)
    assert image.pixelColor(3, 3).name() == "#ffffff"  # painted onto white, not transparent
    assert 0.01 < ink(image) < 0.5
    shown = dialog.canvas.grab().toImage()
    assert ink(shown) > 0.01  # the canvas itself draws the page
    dialog.zoom(1.25)
    assert dialog.canvas.page_width > 0 and not dialog.fitted
    dialog.fit_width()
    assert dialog.fitted


def test_print_through_qprinter_to_a_pdf_file(ctx, window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    detail = window.show_page("sales_order", number="SO-000001")
    idle(qtbot, ctx)
    detail.picking_ticket()
    dialog = open_preview(qtbot, ctx, detail.preview)
    # Print… opens the system dialog on the preview's own QPrinter (kept, not a temporary).
    dialog.print_with_dialog()
    system = dialog.print_dialog
    assert system is not None and system.printer() is dialog.printer
    qtbot.waitUntil(system.isVisible)
    assert (system.minPage(), system.maxPage()) == (1, 1)
    system.reject()
    assert dialog.status.isHidden()  # nothing printed

    # The dialog's OK prints on that QPrinter as it is set up: here to a PDF file.
    target = tmp_path / "printed.pdf"
    dialog.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    dialog.printer.setOutputFileName(str(target))
    dialog.print_now()
    idle(qtbot, ctx)
    assert f"Printed 1 page of Picking Ticket SO-000001 to {target}" in window.message_bar.text
    printed = target.read_bytes()
    assert pdfcheck.page_count(printed) == 1
    assert codes(printed) >= TICKET_CODES


def test_save_as_pdf_writes_the_document_itself(ctx, window, qtbot, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("fulfillment", number="IF-000001")
    idle(qtbot, ctx)
    qtbot.mouseClick(page.slip_button, Qt.MouseButton.LeftButton)
    dialog = open_preview(qtbot, ctx, page.preview)
    assert dialog.rendered.title == "Packing Slip IF-000001"
    monkeypatch.setattr(dialog, "choose_save_path", lambda: str(tmp_path / "slip"))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    saved = (tmp_path / "slip.pdf").read_bytes()
    assert saved == dialog.rendered.pdf
    assert {"IF-000001", "SO-000002"} <= codes(saved)
    assert f"Saved Packing Slip IF-000001 as {tmp_path / 'slip.pdf'}" in dialog.status.text()


def test_batches_render_in_the_background(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    queue = window.show_page("picking_queue")
    idle(qtbot, ctx)
    qtbot.mouseClick(queue.batch_button, Qt.MouseButton.LeftButton)
    previewer = queue.preview
    assert previewer.running and previewer.dialog is None  # the click came straight back
    assert ctx.pending >= 1
    dialog = open_preview(qtbot, ctx, previewer)
    assert dialog.rendered.documents == 2 and dialog.pages.count == 2
    assert dialog.page_label.text().startswith("2 documents, 2 pages")
    assert {"SO-000001", "SO-000003"} <= codes(dialog.rendered.pdf)
    dialog.reject()

    listing = window.show_page("work_orders")
    idle(qtbot, ctx)
    qtbot.mouseClick(listing.travelers_button, Qt.MouseButton.LeftButton)
    assert listing.preview.running
    dialog = open_preview(qtbot, ctx, listing.preview)
    released = work_orders.list_work_orders(service(ctx), status=["released"]).rows
    assert dialog.rendered.documents == len(released) == 2
    assert {r.number for r in released} <= codes(dialog.rendered.pdf)


def test_travelers_and_labels_from_the_work_order_and_the_item(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    detail = window.show_page("work_order", number="WO-000001")
    idle(qtbot, ctx)
    qtbot.mouseClick(detail.traveler_button, Qt.MouseButton.LeftButton)
    dialog = open_preview(qtbot, ctx, detail.preview)
    assert dialog.rendered.title == "Work Order Traveler WO-000001"
    assert {"WO-000001", "#ISSUE", "#BUILD"} <= codes(dialog.rendered.pdf)
    dialog.reject()

    # Nothing built yet: no finished-goods labels, said in words.
    qtbot.mouseClick(detail.labels_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(detail.dialog.ok, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    assert "WO-000001 has built nothing yet" in window.message_bar.text

    built = window.show_page("work_order", number="WO-000003")
    idle(qtbot, ctx)
    qtbot.mouseClick(built.labels_button, Qt.MouseButton.LeftButton)
    ask = built.dialog
    qtbot.keyClicks(ask.count, "3")
    qtbot.keyClicks(ask.start, "4")
    qtbot.mouseClick(ask.ok, Qt.MouseButton.LeftButton)
    dialog = open_preview(qtbot, ctx, ask.previewer)
    assert dialog.rendered.documents == 3 and dialog.pages.count == 1
    assert dialog.rendered.title == "Labels WO-000003"
    assert "WHEEL-R-700" in codes(dialog.rendered.pdf)  # the assembly, to scan
    dialog.reject()

    item = window.show_page("stock_item", sku="BRAKE-KIT")
    idle(qtbot, ctx)
    qtbot.mouseClick(item.labels_button, Qt.MouseButton.LeftButton)
    ask = item.dialog
    qtbot.keyClicks(ask.count, "x2")
    qtbot.mouseClick(ask.ok, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    assert ask.previewer.dialog is None and window.message_bar.kind == "error"
    assert "label count" in window.message_bar.text
    qtbot.mouseClick(item.labels_button, Qt.MouseButton.LeftButton)
    ask = item.dialog
    qtbot.keyClicks(ask.count, "2")
    qtbot.mouseClick(ask.ok, Qt.MouseButton.LeftButton)
    dialog = open_preview(qtbot, ctx, ask.previewer)
    assert dialog.rendered.documents == 2
    assert pdfcheck.scan_pages(dialog.rendered.pdf)[0]["BRAKE-KIT"] == 2
