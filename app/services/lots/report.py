"""The recall report as a printed document: the recall (app/services/lots/recall.py) read in
one transaction and laid out by app/printing/recall_report.py."""

from __future__ import annotations

from datetime import datetime

from app.printing import recall_report as recall_reports
from app.printing.recall_report import RecallReport, RecallReportCustomer, RecallReportLot
from app.printing.templates import PageSetup
from app.services.documents import RenderedDocument, page_count, setup_from
from app.services.documents.common import file_part
from app.services.engine.uow import Transaction, UnitOfWork, query
from app.services.lots.recall import LotOrigin, Recall, recall


def _origin(origin: LotOrigin) -> str:
    text = f"{origin.document} on {origin.made_on.isoformat()}"
    if origin.vendor:
        text += f"\n{origin.vendor}"
        if origin.vendor_lot:
            text += f", their lot {origin.vendor_lot}"
    return text


def recall_document(report: Recall, *, printed_at: datetime | None = None) -> RecallReport:
    """The printed report of a recall: its lots in the order of the tree, its customers."""
    return RecallReport(
        sku=report.root.sku,
        lot=report.root.lot,
        direction=report.direction,
        reconciled=report.reconciled,
        printed_at=printed_at or datetime.now().replace(microsecond=0),
        lots=[
            RecallReportLot(
                n.direction,
                n.level,
                n.sku,
                n.lot,
                n.expires,
                _origin(n.origin),
                ", ".join(f"{r.sku} {r.lot}" for r in n.reached_from),
                n.figures.made,
                n.figures.on_hand,
                n.figures.shipped,
                n.figures.consumed,
                n.figures.scrapped,
                n.figures.returned_to_vendor,
                n.figures.returned,
                n.figures.reconciled,
            )
            for n in report.nodes
        ],
        customers=[
            RecallReportCustomer(
                c.customer, c.ship_to, c.fulfillment, c.shipped_on, c.sku, c.lot, c.quantity
            )
            for c in report.customers
        ],
    )


@query()
def _report_and_setup(
    tx: Transaction, sku: str, lot: str, direction: str
) -> tuple[RecallReport, PageSetup]:
    return recall_document(recall.within(tx, sku, lot, direction)), setup_from(tx.prefs)


def render_recall_report(doc: RecallReport, setup: PageSetup) -> RenderedDocument:
    pdf = recall_reports.render(doc, setup)
    name = f"recall-{file_part(doc.sku)}-{file_part(doc.lot)}.pdf"
    return RenderedDocument(f"{recall_reports.TITLE} {doc.number}", name, pdf, page_count(pdf))


def recall_report_pdf(
    uow: UnitOfWork, sku: str, lot: str, direction: str = "forward"
) -> RenderedDocument:
    """A lot's recall report, read and rendered with the plant's paper and letterhead."""
    doc, setup = _report_and_setup(uow, sku, lot, direction)
    return render_recall_report(doc, setup)
