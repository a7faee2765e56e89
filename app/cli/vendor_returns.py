"""Commands for vendor returns: show, approve, ship, close, cancel and list them (a return is
made from its purchase order: `shopfloor po return`)."""

from __future__ import annotations

from app.cli.base import (
    Commands,
    Context,
    Result,
    add_paging,
    add_status_filter,
    page_request,
    quantities,
)
from app.cli.output import cell, paged_note, table
from app.models.quantity import fmt
from app.services.vendor_returns import returns


def vra_text(info: returns.VendorReturnInfo) -> str:
    head = (
        f"{info.number}  {info.vendor}  [{info.status_label}]  from {info.purchase_order}"
        + (f"  reason {info.reason_code}" if info.reason_code else "")
        + f"\nlocation {info.location}, credit {fmt(info.total)}"
        + (" (told to finance in advance)" if info.credit_in_advance else "")
        + (f"\nmemo: {info.memo}" if info.memo else "")
        + (
            f"\nthe customer sends back to the vendor what {info.return_authorization} returns"
            if info.return_authorization
            else ""
        )
    )
    return (
        head
        + "\n"
        + table(
            ["line", "sku", "quantity", "shipped", "remaining", "unit cost", "receipt"],
            [
                (
                    ln.line_no,
                    ln.sku,
                    ln.quantity,
                    ln.shipped,
                    ln.remaining,
                    ln.unit_cost,
                    ln.receipt or info.return_authorization,
                )
                for ln in info.lines
            ],
        )
    )


def cmd_vra_show(ctx: Context) -> Result:
    info = returns.get_vendor_return(ctx.uow, ctx.args.vra)
    return info, vra_text(info)


def cmd_vra_approve(ctx: Context) -> Result:
    info = returns.approve_vendor_return(ctx.uow, ctx.args.vra)
    return info, vra_text(info)


def cmd_vra_ship(ctx: Context) -> Result:
    info = returns.ship_vendor_return(ctx.uow, ctx.args.vra, quantities(ctx.args.line))
    return info, vra_text(info)


def cmd_vra_close(ctx: Context) -> Result:
    info = returns.close_vendor_return(ctx.uow, ctx.args.vra)
    return info, vra_text(info)


def cmd_vra_cancel(ctx: Context) -> Result:
    info = returns.cancel_vendor_return(ctx.uow, ctx.args.vra)
    return info, vra_text(info)


def cmd_vra_list(ctx: Context) -> Result:
    a = ctx.args
    page = returns.list_vendor_returns(
        ctx.uow,
        status=a.status,
        purchase_order=a.po,
        open_only=a.open,
        text=a.search,
        page=page_request(a),
    )
    text = table(
        ["number", "status", "purchase order", "vendor", "reason", "created"],
        [
            (r.number, r.status_label, r.purchase_order, r.vendor, r.reason_code, cell(r.created))
            for r in page
        ],
    )
    return {"vendor_returns": page.rows, "total": page.total}, text + paged_note(
        page.total, len(page)
    )


def register(cmd: Commands) -> None:
    g = cmd.group("vra", "vendor returns (made with: shopfloor po return PO --line SKU=QTY)")
    for name, handler, text in (
        ("show", cmd_vra_show, "a vendor return and its lines"),
        ("approve", cmd_vra_approve, "approve: the goods may go back"),
        ("close", cmd_vra_close, "close: nothing more goes back"),
        ("cancel", cmd_vra_cancel, "cancel a return nothing has gone back on"),
    ):
        cmd.add(name, handler, text, g).add_argument("vra")
    sp = cmd.add("ship", cmd_vra_ship, "the goods leave for the vendor: stock out", g)
    sp.add_argument("vra")
    sp.add_argument(
        "--line", action="append", metavar="SKU=QTY", help="only this much (default: all left)"
    )
    sp = cmd.add("list", cmd_vra_list, "list vendor returns", g)
    add_status_filter(sp)
    sp.add_argument("--po", help="only those of this purchase order")
    sp.add_argument("--open", action="store_true", help="only those still to go back")
    sp.add_argument("--search", help="number, purchase order, vendor, reason or memo contains this")
    add_paging(sp, returns.VENDOR_RETURN_SORTS)
