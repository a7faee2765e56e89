"""`shopfloor print`: travelers, picking tickets, packing slips, labels, count sheets and recall
reports, as a PDF file (`--out FILE.pdf`) or straight to a CUPS printer (`--printer NAME`;
`--printer` alone uses the `default_printer` preference). What each document lists is decided
in app/services/documents/ (a count sheet in app/services/counts/sheet.py, a recall report in
app/services/lots/report.py); the rendering
libraries are loaded only when a document is made.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.base import Commands, Context, Result, UsageError
from app.errors import ShopfloorError, ValidationError
from app.services.engine.parsing import parse_int

if TYPE_CHECKING:
    from app.services.documents import RenderedDocument

MAX_COPIES = 1000
MAX_START = 30  # positions on the largest label sheet (Letter, 3 x 10)


class OutputError(ShopfloorError):
    """The PDF could not be written where it was asked for."""

    code = "output"


def _whole(field: str, minimum: int, maximum: int) -> Any:
    def convert(text: str) -> int:
        try:
            return parse_int(text, field=field, minimum=minimum, maximum=maximum)
        except ValidationError as exc:
            raise argparse.ArgumentTypeError(exc.message) from None

    convert.__name__ = field
    return convert


def _write(rendered: RenderedDocument, out: str) -> str:
    """Write the PDF next to nothing else: the directory must exist; a file is replaced
    whole (written beside it first), so a reader never sees half a PDF."""
    path = Path(out).expanduser()
    if path.is_dir():
        raise OutputError(f"{out!r} is a directory; give a file name such as {rendered.filename}")
    if not path.parent.is_dir():
        raise OutputError(f"there is no directory {str(path.parent)!r} to write {path.name!r} in")
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(rendered.pdf)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise OutputError(f"could not write {out!r}: {exc.strerror or exc}") from None
    return str(path)


def _deliver(ctx: Context, rendered: RenderedDocument, what: str) -> Result:
    """Write the document to --out, or queue it on --printer; the payload says where."""
    from app.services import documents

    a = ctx.args
    pages = f"{rendered.pages} page{'s' if rendered.pages != 1 else ''}"
    if a.printer is not None:
        job = documents.print_document(ctx.uow, rendered, a.printer or None)
        printer = a.printer or documents.print_settings(ctx.uow).default_printer
        payload = {
            "printer": printer,
            "pages": rendered.pages,
            "documents": rendered.documents,
            "job": job,
        }
        return payload, f"{what} sent to {printer} as job {job} ({pages})"
    path = _write(rendered, a.out)
    payload = {"file": path, "pages": rendered.pages, "documents": rendered.documents, "job": None}
    return payload, f"{what} written to {path} ({pages})"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def cmd_traveler(ctx: Context) -> Result:
    from app.services import documents

    rendered = documents.traveler_pdf(ctx.uow, ctx.args.wo)
    return _deliver(ctx, rendered, f"traveler for {ctx.args.wo.strip().upper()}")


def cmd_travelers(ctx: Context) -> Result:
    from app.services import documents

    rendered = documents.travelers_pdf(ctx.uow)
    what = _plural(rendered.documents, "traveler", "travelers") + " (every released work order)"
    return _deliver(ctx, rendered, what)


def cmd_picking_ticket(ctx: Context) -> Result:
    from app.services import documents

    rendered = documents.picking_ticket_pdf(ctx.uow, ctx.args.so)
    return _deliver(ctx, rendered, f"picking ticket for {ctx.args.so.strip().upper()}")


def cmd_picking_tickets(ctx: Context) -> Result:
    from app.services import documents

    rendered = documents.picking_tickets_pdf(ctx.uow)
    what = _plural(rendered.documents, "picking ticket", "picking tickets")
    return _deliver(ctx, rendered, f"{what} (every order ready to pick)")


def cmd_packing_slip(ctx: Context) -> Result:
    from app.services import documents

    rendered = documents.packing_slip_pdf(ctx.uow, ctx.args.fulfillment)
    return _deliver(ctx, rendered, f"packing slip for {ctx.args.fulfillment.strip().upper()}")


def cmd_count_sheet(ctx: Context) -> Result:
    from app.services.counts import sheet

    rendered = sheet.count_sheet_pdf(ctx.uow, ctx.args.count)
    return _deliver(ctx, rendered, f"count sheet for {ctx.args.count.strip().upper()}")


def cmd_recall_report(ctx: Context) -> Result:
    from app.services.lots import report

    a = ctx.args
    rendered = report.recall_report_pdf(ctx.uow, a.sku, a.lot, a.direction)
    return _deliver(ctx, rendered, f"recall report for {a.sku.strip()} {a.lot.strip()}")


def cmd_labels(ctx: Context) -> Result:
    from app.services import documents

    a = ctx.args
    if a.item and a.wo:
        raise UsageError("shopfloor print labels: give --item SKU ... or --wo WO, not both")
    if a.lot is not None and not a.item:
        raise UsageError("shopfloor print labels: --lot goes with --item SKU")
    if a.item:
        rendered = documents.item_labels_pdf(
            ctx.uow, a.item, count=a.count or 1, start=a.start, lot=a.lot
        )
    elif a.wo:
        rendered = documents.finished_goods_labels_pdf(ctx.uow, a.wo, count=a.count, start=a.start)
    else:
        raise UsageError("shopfloor print labels: give --item SKU ... or --wo WO")
    return _deliver(ctx, rendered, _plural(rendered.documents, "label", "labels"))


def _destination(sp: Any) -> None:
    where = sp.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", metavar="FILE.pdf", help="write the PDF to this file")
    where.add_argument(
        "--printer",
        nargs="?",
        const="",
        metavar="NAME",
        help="send it to this CUPS printer (alone: the default_printer preference)",
    )


def register(cmd: Commands) -> None:
    g = cmd.group(
        "print",
        "print travelers, picking tickets, packing slips, labels, count sheets and recall reports",
    )
    sp = cmd.add("traveler", cmd_traveler, "a work order's traveler", g)
    sp.add_argument("wo", metavar="WO")
    _destination(sp)
    sp = cmd.add("travelers", cmd_travelers, "travelers for many work orders", g)
    sp.add_argument(
        "--all-released",
        dest="all_released",
        action="store_true",
        required=True,
        help="every released work order, earliest due first",
    )
    _destination(sp)
    sp = cmd.add("picking-ticket", cmd_picking_ticket, "a sales order's picking ticket", g)
    sp.add_argument("so", metavar="SO")
    _destination(sp)
    sp = cmd.add("picking-tickets", cmd_picking_tickets, "picking tickets for many orders", g)
    sp.add_argument(
        "--ready-to-pick",
        dest="ready_to_pick",
        action="store_true",
        required=True,
        help="every order with committed stock waiting to be picked, earliest ship date first",
    )
    _destination(sp)
    sp = cmd.add("packing-slip", cmd_packing_slip, "a fulfillment's packing slip", g)
    sp.add_argument("fulfillment", metavar="FULFILLMENT")
    _destination(sp)
    sp = cmd.add("count-sheet", cmd_count_sheet, "a cycle count's sheet, by bin, blind", g)
    sp.add_argument("count", metavar="CC")
    _destination(sp)
    sp = cmd.add("recall", cmd_recall_report, "a lot's recall report", g)
    sp.add_argument("sku")
    sp.add_argument("lot")
    sp.add_argument("--direction", choices=("forward", "backward", "both"), default="forward")
    _destination(sp)
    sp = cmd.add("labels", cmd_labels, "item labels or finished-goods labels", g)
    sp.add_argument(
        "--item",
        action="extend",
        nargs="+",
        metavar="SKU",
        help="labels for these items (sku barcode, name, bin)",
    )
    sp.add_argument(
        "--lot",
        metavar="LOT",
        help="the lot or serial of the items to label (GS1-128: GTIN, lot, expiry)",
    )
    sp.add_argument("--wo", metavar="WO", help="finished-goods labels for what it has built")
    sp.add_argument(
        "--count",
        type=_whole("--count", 1, MAX_COPIES),
        help="labels of each item; with --wo, labels sharing the built quantity (default: one)",
    )
    sp.add_argument(
        "--start",
        type=_whole("--start", 1, MAX_START),
        default=1,
        help="first free position on a part-used sheet (1 = top left, across then down)",
    )
    _destination(sp)
