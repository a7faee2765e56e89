"""The print preview: a document's PDF pages drawn with QtPdf, and the ways out of it —
the system print dialog (QPrinter), the printer named in preferences (through the documents
service and CUPS), or a PDF file.

Pages are rendered when they come into view and painted onto white (QtPdf renders with a
transparent background); printing through QPrinter renders each page at up to 300 dpi in a
worker thread, so a long batch never freezes the window.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.errors import ShopfloorError
from app.services import documents
from app.services.documents import PrintSettings, RenderedDocument
from app.views.common.geometry import size_dialog
from app.views.common.runner import AppContext, run_job, run_op
from app.views.common.status import MESSAGE_COLOURS, chip_style, font
from app.views.common.widgets import button, caption_label, hbox, shortcut, title_label

PRINT_DPI = 300  # pages go to a printer as images at most this fine (barcodes scan at 150)
PAGE_GAP = 18
PAGE_MARGIN = 24
CACHE_PAGES = 12
BACKDROP = "#5F6B73"


class PdfPages:
    """A PDF held in memory and read with QtPdf: page count, page sizes, pages as images on
    white."""

    def __init__(self, pdf: bytes) -> None:
        self.data = QByteArray(pdf)
        self.buffer = QBuffer()
        self.buffer.setData(self.data)
        self.buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument()
        self.document.load(self.buffer)
        if self.document.status() != QPdfDocument.Status.Ready:
            raise ShopfloorError(f"the document could not be read ({self.document.error().name})")

    @property
    def count(self) -> int:
        return int(self.document.pageCount())

    def points(self, page: int) -> tuple[float, float]:
        size = self.document.pagePointSize(page)
        return size.width(), size.height()

    def render(self, page: int, width: int) -> QImage:
        """Page `page` (from 0), `width` pixels wide, on white."""
        w_pt, h_pt = self.points(page)
        height = max(1, round(width * h_pt / w_pt))
        drawn = self.document.render(page, QSize(width, height))
        image = QImage(width, height, QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.drawImage(0, 0, drawn)
        painter.end()
        return image

    def close(self) -> None:
        self.document.close()
        self.buffer.close()


def print_pdf(pdf: bytes, printer: QPrinter) -> int:
    """Every page of `pdf` onto `printer` (as set up by the print dialog), each scaled to
    the printable area; returns the pages printed. Runs in a worker (`run_job`)."""
    pages = PdfPages(pdf)
    try:
        first, last = 1, pages.count
        if printer.printRange() == QPrinter.PrintRange.PageRange:
            first = max(1, printer.fromPage() or 1)
            last = min(pages.count, printer.toPage() or pages.count)
        painter = QPainter()
        if not painter.begin(printer):
            raise ShopfloorError(
                f"the printer {printer.printerName() or 'chosen'} cannot be opened"
            )
        dpi = min(printer.resolution(), PRINT_DPI)
        printed = 0
        try:
            for n in range(first - 1, last):
                if printed:
                    printer.newPage()
                w_pt, _h_pt = pages.points(n)
                image = pages.render(n, max(1, round(w_pt / 72 * dpi)))
                area = printer.pageRect(QPrinter.Unit.DevicePixel).toRect()
                target = QSize(image.width(), image.height()).scaled(
                    area.size(), Qt.AspectRatioMode.KeepAspectRatio
                )
                painter.drawImage(QRect(0, 0, target.width(), target.height()), image, image.rect())
                printed += 1
        finally:
            painter.end()
        return printed
    finally:
        pages.close()


def save_pdf(pdf: bytes, path: str) -> str:
    """Write the document's PDF, exactly as made, to `path`."""
    try:
        Path(path).write_bytes(pdf)
    except OSError as exc:
        raise ShopfloorError(f"could not save {path}: {exc.strerror or exc}") from None
    return path


class PageCanvas(QWidget):
    """The pages one under another on a grey backdrop, drawn as they come into view."""

    def __init__(self, pages: PdfPages, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pages = pages
        self.page_width = 800
        self._cache: OrderedDict[tuple[int, int], QImage] = OrderedDict()
        self.setAutoFillBackground(False)
        self._relayout()

    def set_page_width(self, width: int) -> None:
        width = max(200, width)
        if width != self.page_width:
            self.page_width = width
            self._relayout()
            self.update()

    def page_height(self, page: int) -> int:
        w_pt, h_pt = self.pages.points(page)
        return max(1, round(self.page_width * h_pt / w_pt))

    def page_rect(self, page: int) -> QRect:
        top = PAGE_MARGIN + sum(self.page_height(n) + PAGE_GAP for n in range(page))
        left = max(PAGE_MARGIN, (self.width() - self.page_width) // 2)
        return QRect(left, top, self.page_width, self.page_height(page))

    def page_at(self, y: int) -> int:
        """The page showing at height `y` (from 0)."""
        top = PAGE_MARGIN
        for n in range(self.pages.count):
            top += self.page_height(n) + PAGE_GAP
            if y < top:
                return n
        return max(0, self.pages.count - 1)

    def _relayout(self) -> None:
        total = PAGE_MARGIN * 2 + sum(
            self.page_height(n) + PAGE_GAP for n in range(self.pages.count)
        )
        self.setMinimumSize(self.page_width + PAGE_MARGIN * 2, total)

    def image(self, page: int) -> QImage:
        key = (page, self.page_width)
        found = self._cache.get(key)
        if found is None:
            found = self.pages.render(page, self.page_width)
            self._cache[key] = found
            while len(self._cache) > CACHE_PAGES:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return found

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(event.rect(), QColor(BACKDROP))
        for n in range(self.pages.count):
            rect = self.page_rect(n)
            if not rect.intersects(event.rect()):
                continue
            painter.fillRect(rect.translated(3, 3), QColor(0, 0, 0, 70))
            painter.drawImage(rect.topLeft(), self.image(n))
        painter.end()


class PrintPreviewDialog(QDialog):
    """A rendered document: its pages, Print… (system dialog), Print to the preferred
    printer, Save as PDF…"""

    printed = Signal(str)  # what was done, in words

    def __init__(
        self, ctx: AppContext, rendered: RenderedDocument, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rendered = rendered
        self.setObjectName("print_preview")
        self.setWindowTitle(f"Preview — {rendered.title}")
        size_dialog(self, QSize(1080, 900))
        self.pages = PdfPages(rendered.pdf)
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)  # kept: the dialog uses it
        self.printer.setDocName(rendered.title)
        self.print_dialog: QPrintDialog | None = None
        self.settings: PrintSettings | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 16)
        outer.setSpacing(10)
        self.heading = title_label(rendered.title, 17)
        self.heading.setObjectName("preview_title")
        counts = f"{self.pages.count} page{'s' if self.pages.count != 1 else ''}"
        if rendered.documents > 1:
            counts = f"{rendered.documents} documents, {counts}"
        self.page_label = caption_label(counts, wrap=False)
        self.page_label.setObjectName("preview_pages")
        self.counts = counts
        self.zoom_out = button("−", lambda: self.zoom(0.8), name="preview_zoom_out")  # noqa: RUF001
        self.zoom_out.setToolTip("Smaller (Ctrl+-)")
        self.zoom_fit = button("Fit width", self.fit_width, name="preview_fit")
        self.zoom_in = button("+", lambda: self.zoom(1.25), name="preview_zoom_in")
        self.zoom_in.setToolTip("Larger (Ctrl++)")
        for b in (self.zoom_out, self.zoom_in):
            b.setFixedWidth(48)
        outer.addLayout(
            hbox(self.heading, self.page_label, None, self.zoom_out, self.zoom_fit, self.zoom_in)
        )

        self.canvas = PageCanvas(self.pages)
        self.canvas.setObjectName("preview_canvas")
        self.scroller = QScrollArea()
        self.scroller.setObjectName("preview_scroll")
        self.scroller.setWidget(self.canvas)
        self.scroller.setWidgetResizable(True)
        self.scroller.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroller.setStyleSheet(f"QScrollArea {{ background: {BACKDROP}; border: none; }}")
        self.scroller.verticalScrollBar().valueChanged.connect(lambda _v: self._where())
        outer.addWidget(self.scroller, 1)

        self.status = QLabel()
        self.status.setObjectName("preview_status")
        self.status.setWordWrap(True)
        self.status.hide()
        outer.addWidget(self.status)
        self.print_button = button(
            "&Print…", self.print_with_dialog, primary=True, name="preview_print"
        )
        self.print_button.setToolTip("Choose a printer and its settings (Ctrl+P)")
        self.default_button = button(
            "Print to the preferred printer", self.print_to_default, name="preview_print_default"
        )
        self.default_button.setEnabled(False)
        self.save_button = button("&Save as PDF…", self.save_as, name="preview_save")
        self.close_button = button("Close", self.reject, name="preview_close")
        outer.addLayout(
            hbox(
                self.save_button,
                None,
                self.close_button,
                self.default_button,
                self.print_button,
            )
        )
        shortcut(self, "Ctrl+P", self.print_with_dialog)
        shortcut(self, "Ctrl+S", self.save_as)
        shortcut(self, "Ctrl++", lambda: self.zoom(1.25))
        shortcut(self, "Ctrl+=", lambda: self.zoom(1.25))
        shortcut(self, "Ctrl+-", lambda: self.zoom(0.8))
        self.fitted = True
        self.finished.connect(lambda _r: self.pages.close())
        run_op(self, documents.print_settings).success(self._settings).failure(
            lambda _e: None
        ).run()

    # --- showing -------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.fitted:
            self.fit_width()

    def fit_width(self) -> None:
        self.fitted = True
        bar = self.scroller.verticalScrollBar().sizeHint().width()
        self.canvas.set_page_width(self.scroller.viewport().width() - 2 * PAGE_MARGIN - bar)
        self._where()

    def zoom(self, factor: float) -> None:
        self.fitted = False
        self.canvas.set_page_width(min(4000, round(self.canvas.page_width * factor)))
        self._where()

    def _where(self) -> None:
        if self.pages.count > 1:
            page = self.canvas.page_at(self.scroller.verticalScrollBar().value() + 40) + 1
            self.page_label.setText(f"{self.counts} — page {page} of {self.pages.count}")

    def page_image(self, page: int, width: int = 600) -> QImage:
        """Page `page` (from 0) as the preview draws it (on white)."""
        return self.pages.render(page, width)

    def _settings(self, settings: PrintSettings) -> None:
        self.settings = settings
        name = settings.default_printer
        if name:
            self.default_button.setText(f"Print to {name}")
            self.default_button.setToolTip(
                f"Send it to {name} now, without a dialog (preference default_printer)"
            )
            self.default_button.setEnabled(True)
        else:
            self.default_button.setToolTip(
                "No preferred printer is set (preference default_printer)"
            )

    def say(self, text: str, kind: str = "success") -> None:
        self.status.setText(text)
        self.status.setStyleSheet(chip_style(MESSAGE_COLOURS[kind], padding="8px 12px"))
        self.status.setFont(font(12, bold=True))
        self.status.show()

    def _busy(self, busy: bool) -> None:
        for b in (self.print_button, self.default_button, self.save_button):
            b.setEnabled(not busy)
        if not busy:
            self.default_button.setEnabled(bool(self.settings and self.settings.default_printer))

    def _refused(self, exc: ShopfloorError) -> None:
        self._busy(False)
        self.say(exc.message, "error")

    # --- printing and saving -------------------------------------------------------------

    def print_with_dialog(self) -> None:
        """The system print dialog on this dialog's QPrinter; printing follows its OK."""
        if not self.print_button.isEnabled():
            return
        self.printer.setFromTo(1, self.pages.count)
        self.print_dialog = QPrintDialog(self.printer, self)
        self.print_dialog.setObjectName("print_dialog")
        self.print_dialog.setMinMax(1, self.pages.count)
        self.print_dialog.accepted.connect(self.print_now)
        self.print_dialog.setModal(True)
        self.print_dialog.show()

    def print_now(self) -> None:
        """Print on `self.printer` as it is set up now (the print dialog's OK)."""
        self._busy(True)
        where = self.printer.printerName() or self.printer.outputFileName() or "the printer"
        if self.printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
            where = self.printer.outputFileName() or "a PDF file"
        run_job(self, print_pdf, self.rendered.pdf, self.printer).progress(
            f"Printing {self.rendered.title}…"
        ).success(
            lambda n: self._done(
                f"Printed {n} page{'s' if n != 1 else ''} of {self.rendered.title} to {where}"
            )
        ).failure(self._refused).run()

    def print_to_default(self) -> None:
        if not self.default_button.isEnabled():
            return
        self._busy(True)
        run_op(self, documents.print_document, self.rendered).progress(
            f"Sending {self.rendered.title} to the printer…"
        ).success(
            lambda job: self._done(
                f"Sent {self.rendered.title} to "
                f"{self.settings.default_printer if self.settings else 'the printer'} "
                f"(job {job})"
            )
        ).failure(self._refused).run()

    def choose_save_path(self) -> str:
        """Where to save the PDF (the file dialog; tests answer it themselves)."""
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save as PDF", self.rendered.filename, "PDF files (*.pdf)"
        )
        return path

    def save_as(self) -> None:
        if not self.save_button.isEnabled():
            return
        path = self.choose_save_path()
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        self._busy(True)
        run_job(self, save_pdf, self.rendered.pdf, path).progress("Saving…").success(
            lambda p: self._done(f"Saved {self.rendered.title} as {p}")
        ).failure(self._refused).run()

    def _done(self, text: str) -> None:
        self._busy(False)
        self.say(text)
        self.ctx.show_message(text, "success")
        self.printed.emit(text)


def open_preview(ctx: AppContext, rendered: RenderedDocument, parent: QWidget | None) -> Any:
    dialog = PrintPreviewDialog(ctx, rendered, parent)
    dialog.open()
    return dialog
