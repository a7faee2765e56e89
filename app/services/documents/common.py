"""What every printed document shares: the refusal of a document with nothing to print, the
printing preferences as one value, a finished PDF and its file name, one or many documents
in one PDF, reading a document with the settings in one transaction, and sending a PDF to a
printer."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, TypeVar, cast

from app.config import resource_path
from app.errors import ValidationError
from app.printing import output
from app.printing.labels import LAYOUTS, LabelLayout
from app.printing.templates import Company, LotToTake, PageSetup, PageSize
from app.services.engine.lots import LotUse
from app.services.engine.preferences import Preferences
from app.services.engine.uow import Transaction, UnitOfWork, query
from app.services.lots.stock import suggested_lots

LOGO = "logo.png"  # under app/resources/: printed at the top left of every document
MAX_LABEL_COPIES = 1000  # copies of one label in one request
MAX_LABELS = 5000  # labels in one request: about 170 sheets
_PAGE_COUNT = re.compile(rb"/Count (\d+) /Kids \[[^\]]*\] /Type /Pages")
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")

T = TypeVar("T")


class NothingToPrint(ValidationError):
    """The document would list nothing, or its record is in no state to be printed."""

    code = "nothing_to_print"


def print_time() -> datetime:
    """When a document is printed, to the second (in the plant's time)."""
    return datetime.now().replace(microsecond=0)


def local_day(moment: datetime) -> date:
    return moment.astimezone().date() if moment.tzinfo is not None else moment.date()


def by_date(when: date | None, priority: int, number: str) -> tuple[int, date, int, str]:
    """Earliest date first (none last), then priority, then number: the order a batch prints
    in."""
    return (when is None, when or date.min, priority, number)


@dataclass(frozen=True)
class PrintSettings:
    """The printing preferences as one value: paper and letterhead, label layout, printer."""

    setup: PageSetup
    label_layout: LabelLayout
    default_printer: str | None


def setup_from(prefs: Preferences) -> PageSetup:
    """Paper and letterhead from preferences (`\\n` in the address starts a new line); the
    logo is app/resources/logo.png when there is one."""
    address = prefs.company_address.replace("\\n", "\n")
    logo = resource_path(LOGO)
    return PageSetup(
        cast(PageSize, prefs.page_size),
        Company(prefs.company_name, address, logo if logo.is_file() else None),
    )


def settings_from(prefs: Preferences) -> PrintSettings:
    layout: LabelLayout = "sheet"
    for known in LAYOUTS:
        if prefs.label_layout == known:
            layout = known
    return PrintSettings(
        setup=setup_from(prefs),
        label_layout=layout,
        default_printer=prefs.default_printer.strip() or None,
    )


@query()
def page_setup(tx: Transaction) -> PageSetup:
    """Paper size, company name, address and logo for every document."""
    return setup_from(tx.prefs)


@query()
def print_settings(tx: Transaction) -> PrintSettings:
    """Everything the printing preferences say, read once."""
    return settings_from(tx.prefs)


@dataclass(frozen=True)
class RenderedDocument:
    """A finished PDF: its title (the print job's name), a file name to save it under, its
    pages, and how many documents it holds (a batch holds many)."""

    title: str
    filename: str
    pdf: bytes
    pages: int
    documents: int = 1


def page_count(pdf: bytes) -> int:
    """Pages in a PDF this program made (its one page tree says how many)."""
    found = _PAGE_COUNT.search(pdf)
    if found is None:
        raise ValueError("not a PDF made by app.printing")
    return int(found.group(1))


def file_part(text: str) -> str:
    return _UNSAFE_IN_NAME.sub("_", text).strip("_") or "document"


class _Dated(Protocol):
    @property
    def printed_at(self) -> datetime: ...


D = TypeVar("D", bound=_Dated)


def one_or_many(
    docs: Sequence[D],
    kind: str,
    one: Callable[[D, PageSetup], bytes],
    many: Callable[[Iterable[D], PageSetup], bytes],
    setup: PageSetup,
    reference: Callable[[D], str],
    title: str,
) -> RenderedDocument:
    """One document under its own number, or a batch named by when it was printed."""
    if not docs:
        raise NothingToPrint(f"no {kind.replace('-', ' ')}s to print")
    if len(docs) == 1:
        ref = reference(docs[0])
        pdf = one(docs[0], setup)
        return RenderedDocument(
            f"{title} {ref}", f"{kind}-{file_part(ref)}.pdf", pdf, page_count(pdf)
        )
    pdf = many(docs, setup)
    return RenderedDocument(
        f"{title}s ({len(docs)})",
        f"{kind}s-{docs[0].printed_at:%Y%m%d-%H%M}.pdf",
        pdf,
        page_count(pdf),
        len(docs),
    )


@query()
def read_with_settings(
    tx: Transaction, read: Callable[[Transaction], T]
) -> tuple[T, PrintSettings]:
    return read(tx), settings_from(tx.prefs)


def print_document(
    target: UnitOfWork | Preferences | PrintSettings,
    rendered: RenderedDocument,
    printer: str | None = None,
    *,
    copies: int = 1,
) -> str:
    """Queue a rendered document on `printer`, else on the `default_printer` preference;
    returns the CUPS job id."""
    if isinstance(target, UnitOfWork):
        settings = print_settings(target)
    elif isinstance(target, Preferences):
        settings = settings_from(target)
    else:
        settings = target
    name = (printer or "").strip() or settings.default_printer
    if not name:
        raise output.PrinterNotFound(
            "no printer named, and no default printer is set (preference default_printer)"
        )
    return output.send_to_printer(rendered.pdf, name, title=rendered.title, copies=copies)


def lots_to_take(
    tx: Transaction, sku: str, location: str, quantity: Decimal, use: LotUse
) -> tuple[LotToTake, ...]:
    """The lots a line's paper names to take: the consumption order's suggestion, each
    flagged when it has expired (where the plant allows expired lots) or expires within
    `expiry_warning_days`."""
    return tuple(
        LotToTake(lot.lot, lot.quantity, lot.expires, lot.expiring, lot.expired)
        for lot in suggested_lots(tx, sku, location, quantity, use)
    )
