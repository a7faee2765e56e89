"""Commands for customer returns: authorize a return of a sales order's shipped lines (an
RMA), approve, receive (restocked or scrapped), close, cancel, show and list."""

from __future__ import annotations

from app.cli.base import (
    Commands,
    Context,
    Result,
    UsageError,
    add_paging,
    add_status_filter,
    memo,
    page_request,
    quantities,
)
from app.cli.output import cell, jsonable, paged_note, table
from app.models.quantity import fmt
from app.services.returns import returns
from app.services.returns.returns import ReturnInfo, ReturnReceipt


def return_text(info: ReturnInfo, receipts: list[ReturnReceipt] | None = None) -> str:
    head = (
        f"{info.number}  {info.customer}  [{info.status_label}]  from {info.sales_order}"
        + (f"  customer PO {info.customer_po}" if info.customer_po else "")
        + f"\nentered {cell(info.created_at.astimezone().date())} by {info.created_by}, back to "
        f"{info.location}"
        + (f", reason {info.reason_code}" if info.reason_code else "")
        + f"; credit {fmt(info.credit)}"
        + (" (refunded in advance)" if info.credit_in_advance else "")
    )
    if info.approved_by:
        head += f"; approved by {info.approved_by}"
    if info.closed_by:
        head += f"; {info.status_label.lower()} by {info.closed_by}"
    if info.memo:
        head += f"\nmemo: {info.memo}"
    lines = table(
        [
            "line",
            "sku",
            "authorized",
            "received",
            "restocked",
            "scrapped",
            "to receive",
            "rate",
            "credited",
        ],
        [
            (
                ("  " if ln.kit_member else "") + ln.line,
                ln.sku,
                ln.quantity,
                ln.received,
                ln.restocked,
                ln.scrapped,
                ln.to_receive,
                None if ln.kit_member else ln.rate,
                None if ln.kit_member else ln.credited,
            )
            for ln in info.lines
        ],
    )
    posted = "".join(
        f"\nreceipt event {r.event_id} at {r.location} by {r.posted_by}: restocked "
        f"{fmt(r.restocked)}, scrapped {fmt(r.scrapped)}"
        + (f" (reversed by event {r.reversed_by})" if r.reversed_by else "")
        for r in receipts or ()
    )
    to_vendor = ", ".join(ln.line for ln in info.lines if ln.to_vendor)
    sent = (
        f"\nline {to_vendor} goes back to the vendor who drop-shipped it"
        + (f", on {', '.join(info.vendor_returns)}" if info.vendor_returns else " once approved")
        if to_vendor
        else ""
    )
    return head + "\n" + lines + posted + sent


def cmd_rma_create(ctx: Context) -> Result:
    a = ctx.args
    wanted = quantities(a.line)
    if wanted is None:
        raise UsageError("shopfloor rma create: give --line N=QTY for each line that comes back")
    info = returns.create_return(
        ctx.uow, a.so, wanted, reason=a.reason, location=a.location, memo=a.memo
    )
    return info, return_text(info)


def cmd_rma_show(ctx: Context) -> Result:
    info = returns.get_return(ctx.uow, ctx.args.rma)
    receipts = returns.return_receipts(ctx.uow, info.number)
    return {**jsonable(info), "receipts": receipts}, return_text(info, receipts)


def cmd_rma_approve(ctx: Context) -> Result:
    info = returns.approve_return(ctx.uow, ctx.args.rma)
    return info, return_text(info)


def cmd_rma_receive(ctx: Context) -> Result:
    a = ctx.args
    info = returns.receive_return(
        ctx.uow,
        a.rma,
        quantities(a.line),
        location=a.location,
        restock=a.restock,
        memo=a.memo,
    )
    return info, return_text(info)


def cmd_rma_close(ctx: Context) -> Result:
    info = returns.close_return(ctx.uow, ctx.args.rma)
    return info, return_text(info)


def cmd_rma_cancel(ctx: Context) -> Result:
    info = returns.cancel_return(ctx.uow, ctx.args.rma)
    return info, return_text(info)


def cmd_rma_list(ctx: Context) -> Result:
    a = ctx.args
    page = returns.list_returns(
        ctx.uow, status=a.status, sales_order=a.so, text=a.search, page=page_request(a)
    )
    text = table(
        ["number", "status", "order", "customer", "customer PO", "lines", "reason", "entered"],
        [
            (
                r.number,
                r.status,
                r.sales_order,
                r.customer,
                r.customer_po,
                r.lines,
                r.reason_code,
                r.created_at.astimezone().date(),
            )
            for r in page
        ],
    )
    return {"returns": page.rows, "total": page.total}, text + paged_note(page.total, len(page))


def register(cmd: Commands) -> None:
    g = cmd.group("rma", "customer returns: authorize, receive (restock or scrap), credit")
    sp = cmd.add("create", cmd_rma_create, "authorize a return of a sales order's shipped lines", g)
    sp.add_argument("so", metavar="SO")
    sp.add_argument(
        "--line",
        action="append",
        metavar="N=QTY",
        help="a line of the order (its number: 1, or a kit's 3) and how many come back",
    )
    sp.add_argument("--reason", metavar="CODE", help="a return reason (shopfloor reason list)")
    sp.add_argument("--location", help="where the goods come back (default: the order's)")
    sp.add_argument("--memo", type=memo)
    for name, handler, text in (
        ("show", cmd_rma_show, "a return and its lines"),
        ("approve", cmd_rma_approve, "the goods may come back (a refund in advance is told)"),
        ("close", cmd_rma_close, "nothing more comes back"),
        ("cancel", cmd_rma_cancel, "drop a return nothing came back on"),
    ):
        cmd.add(name, handler, text, g).add_argument("rma", metavar="RMA")
    sp = cmd.add("receive", cmd_rma_receive, "what came back, restocked or scrapped", g)
    sp.add_argument("rma", metavar="RMA")
    sp.add_argument(
        "--line",
        action="append",
        metavar="N=QTY",
        help="a line (its number or sku) and how many came back (default: all still due)",
    )
    keep = sp.add_mutually_exclusive_group()
    keep.add_argument(
        "--restock",
        dest="restock",
        action="store_true",
        default=None,
        help="back into stock (default: restock_returned_items)",
    )
    keep.add_argument("--scrap", dest="restock", action="store_false", help="scrap it")
    sp.add_argument("--location", help="where it came back (default: the return's)")
    sp.add_argument("--memo", type=memo)
    sp = cmd.add("list", cmd_rma_list, "list customer returns", g)
    add_status_filter(sp)
    sp.add_argument("--so", metavar="SO", help="the returns of one sales order")
    sp.add_argument("--search", help="number, order, customer, customer PO or memo contains this")
    add_paging(sp, returns.RETURN_SORTS)
