"""The count sheet of a cycle count: its lines by bin in the order a counter walks them
(app/services/shelf.py), each with the sku's barcode a count scan reads, a tracked item's lot
by lot with their expiry, and nothing of what the ledger expects. Read in one transaction and
laid out by app/printing/count_sheet.py."""

from __future__ import annotations

from datetime import datetime

from app.models.cycle_count import COUNT_OPEN
from app.printing import count_sheet as count_sheets
from app.printing.count_sheet import CountSheet, CountSheetLine
from app.printing.templates import PageSetup
from app.services.counts.records import CycleCountBook
from app.services.documents import NothingToPrint, RenderedDocument, page_count, setup_from
from app.services.engine.uow import Transaction, UnitOfWork, query
from app.services.shelf import Shelves


@query()
def count_sheet(tx: Transaction, number: str, *, printed_at: datetime | None = None) -> CountSheet:
    """A count's sheet: every line, by bin at the count's location (lines without a bin
    last, then by line number; an item's lots together), with a box to write the count in.
    A count that is posted or cancelled has nothing left to count."""
    count = CycleCountBook.of(tx).load(number)
    if count.state not in COUNT_OPEN:
        raise NothingToPrint(f"{count.number} is {count.state.label}: nothing is left to count")
    shelves = Shelves.of(tx)
    place = shelves.place(count.location_code)
    bins = shelves.bins(count.location_code, (ln.sku for ln in count.lines))
    lines = count.walked(bins)
    return CountSheet(
        number=count.number,
        location=place.name if place.name == place.code else f"{place.name} ({place.code})",
        selection=count.selection,
        memo=count.memo,
        created_by=count.created_by,
        created_at=count.created_at.astimezone(),
        printed_at=printed_at or datetime.now().replace(microsecond=0),
        lines=[
            CountSheetLine(
                ln.line_no,
                ln.sku,
                ln.item.name,
                bins.get(ln.sku),
                ln.item.uom,
                tracking=ln.item.tracking,
                lot=ln.lot_number,
                expires=ln.lot.expires if ln.lot is not None else None,
            )
            for ln in lines
        ],
    )


@query()
def _sheet_and_setup(tx: Transaction, number: str) -> tuple[CountSheet, PageSetup]:
    return count_sheet.within(tx, number), setup_from(tx.prefs)


def render_count_sheet(doc: CountSheet, setup: PageSetup) -> RenderedDocument:
    pdf = count_sheets.render(doc, setup)
    return RenderedDocument(
        f"{count_sheets.TITLE} {doc.number}", f"count-sheet-{doc.number}.pdf", pdf, page_count(pdf)
    )


def count_sheet_pdf(uow: UnitOfWork, number: str) -> RenderedDocument:
    """A count's sheet, read and rendered with the plant's paper and letterhead."""
    doc, setup = _sheet_and_setup(uow, number)
    return render_count_sheet(doc, setup)
