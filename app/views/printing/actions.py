"""Preview and print actions for the other views: each reads and renders its document in
the background through the documents service (a batch too: the status bar shows it is
working and the window stays free), then opens the preview."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QFormLayout, QLineEdit, QWidget

from app.services import documents
from app.services.documents import RenderedDocument
from app.views.common.dialogs import PostingDialog
from app.views.common.runner import AppContext, run_op
from app.views.printing.preview import PrintPreviewDialog


class Previewer:
    """Renders a document in the background and opens its preview; `dialog` is the preview
    once it is open."""

    def __init__(self, parent: QWidget, ctx: AppContext, label: str) -> None:
        self.parent = parent
        self.ctx = ctx
        self.label = label
        self.dialog: PrintPreviewDialog | None = None
        self.running = False

    def run(self, fn: Callable[..., RenderedDocument], *args: Any, **kwargs: Any) -> Previewer:
        self.running = True
        run_op(self.parent, fn, *args, **kwargs).progress(f"Preparing {self.label}…").success(
            self._show
        ).failure(self._refused).run()
        return self

    def _show(self, rendered: RenderedDocument) -> None:
        self.running = False
        self.dialog = PrintPreviewDialog(self.ctx, rendered, self.parent)
        self.dialog.open()

    def _refused(self, exc: Any) -> None:
        self.running = False
        self.ctx.show_message(exc.message, "error")


def preview(
    parent: QWidget,
    ctx: AppContext,
    label: str,
    fn: Callable[..., RenderedDocument],
    *args: Any,
    **kwargs: Any,
) -> Previewer:
    return Previewer(parent, ctx, label).run(fn, *args, **kwargs)


def preview_picking_ticket(parent: QWidget, ctx: AppContext, number: str) -> Previewer:
    return preview(
        parent, ctx, f"the picking ticket of {number}", documents.picking_ticket_pdf, number
    )


def preview_picking_tickets_ready(parent: QWidget, ctx: AppContext) -> Previewer:
    return preview(
        parent,
        ctx,
        "picking tickets for every order ready to pick",
        documents.picking_tickets_pdf,
    )


def preview_packing_slip(parent: QWidget, ctx: AppContext, number: str) -> Previewer:
    return preview(parent, ctx, f"the packing slip of {number}", documents.packing_slip_pdf, number)


def preview_traveler(parent: QWidget, ctx: AppContext, number: str) -> Previewer:
    return preview(parent, ctx, f"the traveler of {number}", documents.traveler_pdf, number)


def preview_travelers_released(parent: QWidget, ctx: AppContext) -> Previewer:
    return preview(parent, ctx, "travelers for every released work order", documents.travelers_pdf)


def item_labels(
    uow: Any, sku: str, count: str, start: str, location: str | None
) -> RenderedDocument:
    """Labels of one item; the service reads the counts as typed and refuses them in words."""
    copies: Any = count or 1
    first: Any = start or 1
    return documents.item_labels_pdf(uow, [sku], count=copies, location=location, start=first)


def finished_goods_labels(uow: Any, number: str, count: str, start: str) -> RenderedDocument:
    copies: Any = count or None
    first: Any = start or 1
    return documents.finished_goods_labels_pdf(uow, number, count=copies, start=first)


class LabelsDialog(PostingDialog):
    """How many labels, and where on a part-used sheet to start; then their preview."""

    def __init__(
        self,
        ctx: AppContext,
        title: str,
        count_hint: str,
        make: Callable[[str, str], Previewer],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, title, parent)
        self.make = make
        self.setObjectName("labels_dialog")
        form = QFormLayout()
        self.count = QLineEdit()
        self.count.setObjectName("labels_count")
        self.count.setPlaceholderText(count_hint)
        self.start = QLineEdit()
        self.start.setObjectName("labels_start")
        self.start.setPlaceholderText("1 = the top left label of the sheet")
        form.addRow("&How many", self.count)
        form.addRow("&Start at label", self.start)
        self.body.addLayout(form)
        self.previewer: Previewer | None = None
        self.finish_layout("&Preview")

    def submit(self) -> None:
        self.previewer = self.make(self.count.text().strip(), self.start.text().strip())
        self.accept()


def ask_item_labels(
    parent: QWidget, ctx: AppContext, sku: str, location: str | None
) -> LabelsDialog:
    dialog = LabelsDialog(
        ctx,
        f"Labels for {sku}",
        "1 (labels of this item)",
        lambda count, start: preview(
            parent, ctx, f"labels for {sku}", item_labels, sku, count, start, location
        ),
        parent,
    )
    dialog.open()
    return dialog


def ask_finished_goods_labels(parent: QWidget, ctx: AppContext, number: str) -> LabelsDialog:
    dialog = LabelsDialog(
        ctx,
        f"Finished-goods labels for {number}",
        "1 label for all that was built, or N sharing it",
        lambda count, start: preview(
            parent,
            ctx,
            f"finished-goods labels for {number}",
            finished_goods_labels,
            number,
            count,
            start,
        ),
        parent,
    )
    dialog.open()
    return dialog
