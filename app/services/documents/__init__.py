"""Printed documents from the database: what each one lists, under seed 001's printed-forms
preferences, read in one transaction and handed to `app.printing` as plain data; rendering with
the page setup and label layout from preferences; sending the PDF to a CUPS printer. One module
per document (travelers, picking tickets, packing slips, labels; a count sheet is its kind's:
app/services/counts/sheet.py), and what they share (common.py).

Queries (one read-only transaction each) return the printing dataclasses:

    traveler(uow, "WO-000001") -> Traveler
    picking_ticket(uow, "SO-000001") -> PickingTicket
    packing_slip(uow, "IF-000001") -> PackingSlip
    item_labels(uow, ["HELMET-M"], count=3) -> list[ItemLabel]
    finished_goods_labels(uow, "WO-000003") -> list[FinishedGoodsLabel]
    travelers_for_released(uow), picking_tickets_ready(uow) -> lists of the above
    page_setup(uow) -> PageSetup; print_settings(uow) -> PrintSettings

`render_*` turn them into a `RenderedDocument` without touching the database (a window can
run them in the background); the `*_pdf` functions read and render in one call;
`print_document` queues a rendered document on the named or the default printer. Label
counts and start positions may be given as typed (text or int); they are read by `parse_int`.

What each document lists, and why, is in docs/rules.md ("Printed documents").
"""

from app.services.documents.common import (
    LOGO,
    MAX_LABEL_COPIES,
    MAX_LABELS,
    NothingToPrint,
    PrintSettings,
    RenderedDocument,
    page_count,
    page_setup,
    print_document,
    print_settings,
    settings_from,
    setup_from,
)
from app.services.documents.labels import (
    finished_goods_labels,
    finished_goods_labels_pdf,
    item_labels,
    item_labels_pdf,
    render_labels,
)
from app.services.documents.packing_slips import (
    packing_slip,
    packing_slip_pdf,
    render_packing_slip,
)
from app.services.documents.picking_tickets import (
    picking_ticket,
    picking_ticket_pdf,
    picking_tickets_pdf,
    picking_tickets_ready,
    render_picking_tickets,
)
from app.services.documents.travelers import (
    render_travelers,
    traveler,
    traveler_pdf,
    travelers_for_released,
    travelers_pdf,
)

__all__ = [
    "LOGO",
    "MAX_LABELS",
    "MAX_LABEL_COPIES",
    "NothingToPrint",
    "PrintSettings",
    "RenderedDocument",
    "finished_goods_labels",
    "finished_goods_labels_pdf",
    "item_labels",
    "item_labels_pdf",
    "packing_slip",
    "packing_slip_pdf",
    "page_count",
    "page_setup",
    "picking_ticket",
    "picking_ticket_pdf",
    "picking_tickets_pdf",
    "picking_tickets_ready",
    "print_document",
    "print_settings",
    "render_labels",
    "render_packing_slip",
    "render_picking_tickets",
    "render_travelers",
    "settings_from",
    "setup_from",
    "traveler",
    "traveler_pdf",
    "travelers_for_released",
    "travelers_pdf",
]
