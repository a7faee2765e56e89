"""Commands for the order side: customers, vendors, sales orders, fulfillments, purchase
orders and receipts, trace, and the finance handoff."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.cli.base import (
    Commands,
    Context,
    Result,
    UsageError,
    add_lot_options,
    add_paging,
    add_status_filter,
    lot_quantities,
    page_request,
    quantities,
)
from app.cli.output import cell, jsonable, paged_note, table
from app.cli.vendor_returns import vra_text
from app.models.quantity import fmt
from app.services import finance
from app.services.lots.incoming import lot_given
from app.services.orders import fulfillment, partners, purchasing, sales, trace
from app.services.orders.purchase_changes import edit_purchase_order
from app.services.vendor_returns.returns import return_to_vendor

PATHS = ("stock", "build", "drop_ship")


# --- customers and vendors ------------------------------------------------------------------


def cmd_customer_add(ctx: Context) -> Result:
    a = ctx.args
    c = partners.add_customer(
        ctx.uow, a.name, ship_to=a.ship_to or "", bill_to=a.bill_to or "", priority=a.priority
    )
    return c, f"customer {c.name} added (priority {c.default_priority})"


def cmd_customer_list(ctx: Context) -> Result:
    page = partners.list_customers(ctx.uow, text=ctx.args.search, page=page_request(ctx.args))
    text = table(
        ["customer", "priority", "ship to", "active"],
        [(c.name, c.default_priority, c.ship_to.replace("\n", ", "), c.active) for c in page],
    )
    return {"customers": page.rows, "total": page.total}, text + paged_note(page.total, len(page))


def cmd_vendor_add(ctx: Context) -> Result:
    v = partners.add_vendor(ctx.uow, ctx.args.name, address=ctx.args.address or "")
    return v, f"vendor {v.name} added"


def cmd_vendor_list(ctx: Context) -> Result:
    page = partners.list_vendors(ctx.uow, text=ctx.args.search, page=page_request(ctx.args))
    text = table(
        ["vendor", "address", "active"],
        [(v.name, v.address.replace("\n", ", "), v.active) for v in page],
    )
    return {"vendors": page.rows, "total": page.total}, text + paged_note(page.total, len(page))


# --- sales orders -----------------------------------------------------------------------------


def line_entries(values: Sequence[str]) -> list[sales.LineEntry]:
    """--line SKU:QTY[:PATH][@RATE]"""
    out = []
    for value in values:
        body, at, rate = value.partition("@")
        parts = body.split(":")
        path = None
        if len(parts) >= 3 and parts[-1].strip().lower() in (*PATHS, "drop-ship", "dropship"):
            path = parts.pop().strip()
        if len(parts) < 2 or not parts[0].strip() or not parts[-1].strip():
            raise UsageError(
                f"--line takes SKU:QUANTITY[:stock|build|drop_ship][@RATE], not {value!r}"
            )
        quantity = parts.pop()
        out.append(
            sales.LineEntry(":".join(parts).strip(), quantity.strip(), path, rate if at else None)
        )
    return out


def warnings_text(warnings: Sequence[str]) -> str:
    """What went ahead under a "warn only" preference, one line each (with --json: the
    payload's `warnings`)."""
    return "".join(f"\nwarning: {w}" for w in warnings)


def made_on(line: sales.SalesOrderLineInfo) -> str:
    """What was made for a line, those it no longer needs said so."""
    return ", ".join(f"{n} (not needed)" if n in line.not_needed else n for n in line.created)


def so_text(info: sales.SalesOrderInfo) -> str:
    head = (
        f"{info.number}  {info.customer}  [{info.status_label}]"
        + (f"  customer PO {info.customer_po}" if info.customer_po else "")
        + (f"  imported as {info.order_ref}" if info.order_ref else "")
        + f"\nordered {info.order_date}, ship {cell(info.ship_date) or '-'}, priority "
        f"{info.priority}, location {info.location}, total {fmt(info.total)}"
    )
    lines = table(
        [
            "line",
            "sku",
            "quantity",
            "path",
            "committed",
            "picked",
            "fulfilled",
            "backordered",
            "returned",
            "made on",
        ],
        [
            (
                ("  " if ln.kit_member else "") + ln.line,
                ln.sku,
                ln.quantity,
                ln.path,
                ln.committed,
                ln.picked,
                ln.fulfilled,
                ln.backordered,
                ln.returned,
                made_on(ln),
            )
            for ln in info.lines
        ],
    )
    tail = f"\nfulfillments: {', '.join(info.fulfillments)}" if info.fulfillments else ""
    if info.returns:
        tail += f"\nreturns: {', '.join(info.returns)}"
    for c in info.path_changes:
        tail += (
            f"\nline {c.line}: {c.from_path} -> {c.to_path}"
            + (f", {c.not_needed} not needed" if c.not_needed else "")
            + (f", made {c.made}" if c.made else "")
            + f" ({c.changed_by}, {c.changed_at:%Y-%m-%d %H:%M})"
        )
    return head + "\n" + lines + tail + warnings_text(info.warnings)


def cmd_so_create(ctx: Context) -> Result:
    a = ctx.args
    info = sales.create_sales_order(
        ctx.uow,
        a.customer,
        line_entries(a.line),
        customer_po=a.po,
        order_date=a.order_date,
        ship_date=a.ship_date,
        priority=a.priority,
        location=a.location,
        memo=a.memo,
        status=a.status,
    )
    return info, so_text(info)


def cmd_so_show(ctx: Context) -> Result:
    info = sales.get_sales_order(ctx.uow, ctx.args.so)
    return info, so_text(info)


def cmd_so_approve(ctx: Context) -> Result:
    info = sales.approve_sales_order(ctx.uow, ctx.args.so)
    return info, so_text(info)


def cmd_so_close(ctx: Context) -> Result:
    info = sales.close_sales_order(ctx.uow, ctx.args.so)
    return info, so_text(info)


def cmd_so_cancel(ctx: Context) -> Result:
    info = sales.cancel_sales_order(ctx.uow, ctx.args.so)
    return info, so_text(info)


def cmd_so_edit(ctx: Context) -> Result:
    a = ctx.args
    info = sales.update_sales_order(
        ctx.uow,
        a.so,
        customer_po=a.po,
        ship_date=a.ship_date,
        priority=a.priority,
        memo=a.memo,
        quantities=quantities(a.line),
        add=line_entries(a.add or []),
        paths=quantities(a.path, "--path", "PATH"),
    )
    return info, so_text(info)


def cmd_so_list(ctx: Context) -> Result:
    a = ctx.args
    page = sales.list_sales_orders(
        ctx.uow,
        status=a.status,
        customer=a.customer,
        text=a.search,
        ready_to_pick=a.ready_to_pick,
        late=a.late,
        page=page_request(a),
    )
    text = table(
        ["number", "customer", "customer PO", "status", "ship", "priority", "ready", "late"],
        [
            (
                r.number,
                r.customer,
                r.customer_po,
                r.status,
                r.ship_date,
                r.priority,
                r.ready_to_pick,
                r.late,
            )
            for r in page
        ],
    )
    return {"sales_orders": page.rows, "total": page.total}, text + paged_note(
        page.total, len(page)
    )


# --- fulfillments -----------------------------------------------------------------------------


def fulfillment_text(info: fulfillment.FulfillmentInfo) -> str:
    head = (
        f"{info.number}  [{info.status_label}]  from {info.created_from}  {info.customer}"
        + (f"  customer PO {info.customer_po}" if info.customer_po else "")
        + ("  (drop ship)" if info.drop_ship else "")
    )
    return (
        head
        + "\n"
        + table(
            ["line", "sku", "quantity", "ordered", "lots"],
            [
                (
                    ln.line,
                    ln.sku,
                    ln.quantity,
                    ln.ordered,
                    ", ".join(f"{lot} x {fmt(q)}" for lot, q in ln.lots),
                )
                for ln in info.lines
            ],
        )
    )


def cmd_fulfill(ctx: Context) -> Result:
    lines, lots = lot_quantities(ctx.args.line, "--line") if ctx.args.line else (None, None)
    info = fulfillment.fulfill(ctx.uow, ctx.args.so, lines, memo=ctx.args.memo, lots=lots)
    return info, fulfillment_text(info)


def cmd_fulfillment_show(ctx: Context) -> Result:
    info = fulfillment.get_fulfillment(ctx.uow, ctx.args.fulfillment)
    return info, fulfillment_text(info)


def cmd_fulfillment_pack(ctx: Context) -> Result:
    info = fulfillment.pack_fulfillment(ctx.uow, ctx.args.fulfillment)
    return info, fulfillment_text(info)


def cmd_fulfillment_ship(ctx: Context) -> Result:
    info = fulfillment.ship_fulfillment(ctx.uow, ctx.args.fulfillment)
    return info, fulfillment_text(info)


def cmd_fulfillment_cancel(ctx: Context) -> Result:
    info = fulfillment.cancel_fulfillment(ctx.uow, ctx.args.fulfillment)
    return info, fulfillment_text(info)


def cmd_fulfillment_list(ctx: Context) -> Result:
    page = fulfillment.list_fulfillments(
        ctx.uow,
        status=ctx.args.status,
        order=ctx.args.order,
        packing_queue=ctx.args.packing_queue,
        page=page_request(ctx.args),
    )
    text = table(
        ["number", "status", "order", "customer", "customer PO"],
        [(r.number, r.status_label, r.created_from, r.customer, r.customer_po) for r in page],
    )
    return {"fulfillments": page.rows, "total": page.total}, text + paged_note(
        page.total, len(page)
    )


# --- purchase orders --------------------------------------------------------------------------


def ordered_lines(values: Sequence[str], flag: str = "--line") -> list[purchasing.OrderedLine]:
    """--line SKU:QTY[:COST]"""
    out = []
    for value in values:
        parts = value.split(":")
        if len(parts) < 2:
            raise UsageError(f"{flag} takes SKU:QUANTITY[:COST], not {value!r}")
        if len(parts) >= 3:
            sku, qty, cost = ":".join(parts[:-2]), parts[-2], parts[-1]
        else:
            sku, qty, cost = parts[0], parts[1], ""
        if not sku.strip() or not qty.strip():
            raise UsageError(f"{flag} takes SKU:QUANTITY[:COST], not {value!r}")
        out.append(purchasing.OrderedLine(sku.strip(), qty.strip(), cost.strip() or None))
    return out


def po_text(info: purchasing.PurchaseOrderInfo) -> str:
    head = (
        f"{info.number}  {info.vendor}  [{info.status_label}]"
        + ("  drop ship" if info.drop_ship else "")
        + (f"  from {info.created_from}" if info.created_from else "")
        + (f"  customer PO {info.customer_po}" if info.customer_po else "")
        + f"\nexpected {cell(info.expected_date) or '-'}, location {info.location}, "
        f"total {fmt(info.total)}"
    )
    tail = f"\nvendor returns: {', '.join(info.vendor_returns)}" if info.vendor_returns else ""
    return (
        head
        + "\n"
        + table(
            ["line", "sku", "quantity", "unit cost", "received", "remaining", "returned", ""],
            [
                (
                    ln.line_no,
                    ln.sku,
                    ln.quantity,
                    ln.unit_cost,
                    ln.received,
                    ln.remaining,
                    ln.returned,
                    "cancelled" if ln.cancelled else "",
                )
                for ln in info.lines
            ],
        )
        + _receipts_text(info)
        + tail
        + warnings_text(info.warnings)
    )


def _receipts_text(info: purchasing.PurchaseOrderInfo) -> str:
    if not info.receipts:
        return ""
    shown = [
        f"{number} (reversed)" if number in info.reversed_receipts else number
        for number in info.receipts
    ]
    return f"\nreceipts: {', '.join(shown)}"


def cmd_po_create(ctx: Context) -> Result:
    a = ctx.args
    info = purchasing.create_purchase_order(
        ctx.uow,
        a.vendor,
        ordered_lines(a.line),
        location=a.location,
        expected=a.expected,
        memo=a.memo,
    )
    return info, po_text(info)


def cmd_po_show(ctx: Context) -> Result:
    info = purchasing.get_purchase_order(ctx.uow, ctx.args.po)
    return info, po_text(info)


def _received_lots(ctx: Context, lines: dict[str, str] | None, named: dict[str, Any]) -> Any:
    """The lots of a receipt: `SKU=QTY@LOT` per line, or --lot / --serial / --expires /
    --vendor-lot for the one line received."""
    a = ctx.args
    given = {key: lot_given(parts[0][0]) for key, parts in named.items()}
    for key, parts in named.items():
        if len(parts) > 1:
            raise UsageError(f"--line {key}: a receipt line comes in as one lot; receive it again")
    if a.lot or a.serial or a.expires or a.vendor_lot:
        if not lines or len(lines) != 1:
            raise UsageError("--lot, --serial, --expires and --vendor-lot need exactly one --line")
        key = next(iter(lines))
        if key in given and a.lot:
            raise UsageError(f"--line {key} names its lot already")
        lot = given[key].lot if key in given else a.lot
        given[key] = lot_given(lot, a.serial, a.expires, a.vendor_lot)
    return given or None


def cmd_po_receive(ctx: Context) -> Result:
    lines, named = lot_quantities(ctx.args.line, "--line") if ctx.args.line else (None, {})
    res = purchasing.receive_purchase_order(
        ctx.uow,
        ctx.args.po,
        lines,
        memo=ctx.args.memo,
        lots=_received_lots(ctx, lines, named),
    )
    payload = {
        "number": res.number,
        "purchase_order": res.purchase_order,
        "vendor": res.vendor,
        "lines": [{"sku": s, "quantity": fmt(q), "unit_cost": fmt(c)} for s, q, c in res.lines],
        "order": jsonable(res.order),
    }
    payload["warnings"] = list(res.warnings)
    text = f"{res.number}: received on {res.purchase_order}\n" + table(
        ["sku", "quantity", "unit cost"], res.lines
    )
    return payload, text + "\n\n" + po_text(res.order) + warnings_text(res.warnings)


def cmd_po_edit(ctx: Context) -> Result:
    a = ctx.args
    info = edit_purchase_order(
        ctx.uow,
        a.po,
        quantities=quantities(a.line),
        prices=quantities(a.price, "--price", "PRICE"),
        expected=a.expected,
        add=ordered_lines(a.add or [], "--add"),
        cancel=[c.strip() for c in a.cancel_line or []],
        memo=a.memo,
    )
    return info, po_text(info)


def cmd_po_return(ctx: Context) -> Result:
    a = ctx.args
    info = return_to_vendor(
        ctx.uow,
        a.po,
        quantities(a.line) or {},
        reason=a.reason,
        receipt=a.receipt,
        memo=a.memo,
    )
    return info, vra_text(info)


def cmd_po_mark_shipped(ctx: Context) -> Result:
    info = purchasing.mark_drop_ship_shipped(ctx.uow, ctx.args.po, quantities(ctx.args.line))
    return info, po_text(info)


def cmd_po_close(ctx: Context) -> Result:
    info = purchasing.close_purchase_order(ctx.uow, ctx.args.po)
    return info, po_text(info)


def cmd_po_cancel(ctx: Context) -> Result:
    info = purchasing.cancel_purchase_order(ctx.uow, ctx.args.po)
    return info, po_text(info)


def cmd_po_list(ctx: Context) -> Result:
    page = purchasing.list_purchase_orders(
        ctx.uow,
        status=ctx.args.status,
        vendor=ctx.args.vendor,
        open_only=ctx.args.open,
        text=ctx.args.search,
        page=page_request(ctx.args),
    )
    text = table(
        ["number", "vendor", "status", "drop ship", "from", "expected"],
        [
            (r.number, r.vendor, r.status_label, r.drop_ship, r.created_from, r.expected_date)
            for r in page
        ],
    )
    return {"purchase_orders": page.rows, "total": page.total}, text + paged_note(
        page.total, len(page)
    )


def cmd_po_suggest(ctx: Context) -> Result:
    rows = purchasing.replenishment_suggestions(ctx.uow)
    payload: dict[str, Any] = {"suggestions": jsonable(rows)}
    text = table(
        ["sku", "vendor", "suggested", "available", "on order", "build point", "preferred"],
        [
            (
                r.sku,
                r.vendor or "(none)",
                r.quantity,
                r.available,
                r.on_order,
                r.build_point,
                r.preferred_stock,
            )
            for r in rows
        ],
    )
    if ctx.args.accept:
        done = purchasing.accept_replenishment(ctx.uow, ctx.args.sku or None)
        payload["created"] = [
            {"number": p.number, "vendor": p.vendor, "lines": len(p.lines)} for p in done.created
        ]
        payload["skipped"] = done.skipped
        text += "\n\ncreated " + (", ".join(p.number for p in done.created) or "nothing")
        if done.skipped:
            text += f"\nno preferred vendor: {', '.join(done.skipped)}"
    return payload, text


# --- trace and finance ------------------------------------------------------------------------


def cmd_trace(ctx: Context) -> Result:
    found = trace.trace(ctx.uow, ctx.args.ref)
    text = table(
        ["kind", "number", "status", "from", "customer PO", "spawned"],
        [
            (
                r.kind.replace("_", " "),
                r.number,
                r.status_label,
                r.created_from,
                r.customer_po,
                ", ".join(r.spawned),
            )
            for r in found.records
        ],
    )
    if found.lots:
        text += "\n" + "; ".join(f"lot {lot.lot} of {lot.sku}" for lot in found.lots)
    if found.finance_events:
        text += f"\nfinance events: {', '.join(str(e) for e in found.finance_events)}"
    return found, text


def cmd_finance(ctx: Context) -> Result:
    a = ctx.args
    payload: dict[str, Any] = {}
    text = ""
    if a.reviewed:
        done = finance.mark_reviewed(ctx.uow, a.reviewed)
        payload["reviewed"] = done.ids
        text += f"marked reviewed: {', '.join(str(i) for i in done.ids)}\n\n"
    # One selection for every part of the output: the events, the drop-ship lines and what
    # is ready to invoice.
    chosen: dict[str, Any] = {
        "moment": a.moment,
        "reviewed": None if a.all else False,
        "reference": a.ref,
    }
    page = finance.list_events(ctx.uow, **chosen, page=page_request(a, descending=a.sort is None))
    payload["events"] = page.rows
    payload["total"] = page.total
    payload["drop_ship"] = finance.drop_ship_lines(ctx.uow, **chosen)
    payload["invoice_ready"] = finance.invoice_ready(ctx.uow, **chosen)
    if a.export:
        everything = finance.list_events(ctx.uow, **chosen)
        payload["exported"] = finance.export_csv(everything.rows, a.export)
    text += table(
        [
            "event",
            "moment",
            "document",
            "from",
            "customer PO",
            "party",
            "reason",
            "amount",
            "reviewed",
        ],
        [
            (
                e.id,
                e.moment_label,
                e.document,
                e.created_from,
                e.customer_po,
                e.party,
                e.reason,
                e.amount,
                e.reviewed_at is not None,
            )
            for e in page
        ],
    ) + paged_note(page.total, len(page))
    if payload["drop_ship"]:
        text += "\n\nDrop-ship lines (both sources)\n" + table(
            ["order", "customer PO", "sku", "quantity", "cost", "revenue", "events"],
            [
                (
                    d.sales_order,
                    d.customer_po,
                    d.sku,
                    d.quantity,
                    d.cost,
                    d.revenue,
                    f"{d.purchase_event}+{d.sales_event}",
                )
                for d in payload["drop_ship"]
            ],
        )
    if payload["invoice_ready"]:
        text += "\n\nInvoice-ready (shipped, not yet billed)\n" + table(
            ["order", "customer", "customer PO", "line", "sku", "quantity", "rate", "amount"],
            [
                (
                    r.sales_order,
                    r.customer,
                    r.customer_po,
                    r.line,
                    r.sku,
                    r.quantity,
                    r.rate,
                    r.amount,
                )
                for r in payload["invoice_ready"]
            ],
        )
    if a.export:
        text += f"\n\n{payload['exported']} line(s) written to {a.export}"
    return payload, text


# --- the parser -------------------------------------------------------------------------------


def register(cmd: Commands) -> None:
    g = cmd.group("customer", "customers")
    sp = cmd.add("add", cmd_customer_add, "add a customer", g)
    sp.add_argument("name")
    sp.add_argument("--ship-to", dest="ship_to", help="ship-to address (\\n for a new line)")
    sp.add_argument("--bill-to", dest="bill_to", help="bill-to address")
    sp.add_argument("--priority", help="default order priority, 1 = most urgent")
    sp = cmd.add("list", cmd_customer_list, "customers", g)
    sp.add_argument("--search")
    add_paging(sp, ("name", "priority"))

    g = cmd.group("vendor", "vendors")
    sp = cmd.add("add", cmd_vendor_add, "add a vendor", g)
    sp.add_argument("name")
    sp.add_argument("--address")
    sp = cmd.add("list", cmd_vendor_list, "vendors", g)
    sp.add_argument("--search")
    add_paging(sp, ("name",))

    g = cmd.group("so", "sales orders")
    sp = cmd.add("create", cmd_so_create, "enter a sales order", g)
    sp.add_argument("--customer", required=True)
    sp.add_argument("--po", help="the customer's PO number")
    sp.add_argument("--order-date", dest="order_date", help="YYYY-MM-DD (default today)")
    sp.add_argument("--ship-date", dest="ship_date", help="expected ship date YYYY-MM-DD")
    sp.add_argument("--priority", help="1 = most urgent (default: the customer's)")
    sp.add_argument("--location")
    sp.add_argument("--memo")
    sp.add_argument("--status", choices=["pending_approval", "pending_fulfillment"])
    sp.add_argument(
        "--line",
        action="append",
        required=True,
        metavar="SKU:QTY[:PATH][@RATE]",
        help="a line; PATH is stock, build or drop_ship (default: the item's)",
    )
    for name, handler, text in (
        ("show", cmd_so_show, "a sales order with its lines and what was made for it"),
        (
            "approve",
            cmd_so_approve,
            "approve: its lines commit stock, work and purchase orders are made",
        ),
        ("close", cmd_so_close, "close: nothing more ships; commitments are released"),
        ("cancel", cmd_so_cancel, "cancel an order nothing has been picked or shipped for"),
    ):
        cmd.add(name, handler, text, g).add_argument("so")
    sp = cmd.add("edit", cmd_so_edit, "change a sales order", g)
    sp.add_argument("so")
    sp.add_argument("--po")
    sp.add_argument("--ship-date", dest="ship_date")
    sp.add_argument("--priority")
    sp.add_argument("--memo")
    sp.add_argument("--line", action="append", metavar="LINE=QTY", help="a line's new quantity")
    sp.add_argument("--add", action="append", metavar="SKU:QTY[:PATH][@RATE]", help="a new line")
    sp.add_argument(
        "--path",
        action="append",
        metavar="LINE=PATH",
        help="a line's new path (stock, build or drop_ship), while nothing has moved on it",
    )
    sp = cmd.add("list", cmd_so_list, "list sales orders", g)
    add_status_filter(sp)
    sp.add_argument("--customer")
    sp.add_argument("--search", help="number, customer, customer PO or import ref contains this")
    sp.add_argument("--ready-to-pick", dest="ready_to_pick", action="store_true")
    sp.add_argument("--late", action="store_true")
    add_paging(sp, sales.SALES_ORDER_SORTS)

    sp = cmd.add("fulfill", cmd_fulfill, "pick a sales order: a new fulfillment")
    sp.add_argument("so")
    sp.add_argument(
        "--line",
        action="append",
        metavar="LINE=QTY[@LOT]",
        help="what was picked of a line (of a tracked item, from the lot named)",
    )
    sp.add_argument("--memo")
    g = cmd.group("fulfillment", "item fulfillments")
    for name, handler, text in (
        ("show", cmd_fulfillment_show, "a fulfillment"),
        ("pack", cmd_fulfillment_pack, "picked -> packed"),
        ("ship", cmd_fulfillment_ship, "ship: the stock leaves the ledger"),
        ("cancel", cmd_fulfillment_cancel, "put a picked or packed fulfillment back"),
    ):
        cmd.add(name, handler, text, g).add_argument("fulfillment")
    sp = cmd.add("list", cmd_fulfillment_list, "list fulfillments", g)
    add_status_filter(sp)
    sp.add_argument("--order")
    sp.add_argument(
        "--packing-queue",
        dest="packing_queue",
        action="store_true",
        help="those waiting for their packing slip (limit_status_on_packing_slip_queue)",
    )
    add_paging(sp, ("number", "order", "created"))

    g = cmd.group("po", "purchase orders")
    sp = cmd.add("create", cmd_po_create, "order from a vendor", g)
    sp.add_argument("--vendor", required=True)
    sp.add_argument("--line", action="append", required=True, metavar="SKU:QTY[:COST]")
    sp.add_argument("--location")
    sp.add_argument("--expected", help="expected date YYYY-MM-DD")
    sp.add_argument("--memo")
    for name, handler, text in (
        ("show", cmd_po_show, "a purchase order"),
        ("close", cmd_po_close, "close: nothing more comes"),
        ("cancel", cmd_po_cancel, "cancel an order nothing was received on"),
    ):
        cmd.add(name, handler, text, g).add_argument("po")
    sp = cmd.add("receive", cmd_po_receive, "an item receipt", g)
    sp.add_argument("po")
    sp.add_argument(
        "--line", action="append", metavar="SKU=QTY[@LOT]", help="what was received (in which lot)"
    )
    sp.add_argument("--memo")
    add_lot_options(sp, vendor_lot=True)
    sp = cmd.add("edit", cmd_po_edit, "change a purchase order", g)
    sp.add_argument("po")
    sp.add_argument("--line", action="append", metavar="SKU=QTY", help="a line's new quantity")
    sp.add_argument("--price", action="append", metavar="SKU=PRICE", help="a line's new price")
    sp.add_argument("--expected", help="the new expected date YYYY-MM-DD")
    sp.add_argument("--add", action="append", metavar="SKU:QTY[:COST]", help="a new line")
    sp.add_argument(
        "--cancel-line",
        dest="cancel_line",
        action="append",
        metavar="SKU",
        help="cancel a line nothing came in on (a sku or a line number)",
    )
    sp.add_argument("--memo")
    sp = cmd.add("return", cmd_po_return, "send received goods back: a vendor return", g)
    sp.add_argument("po")
    sp.add_argument("--line", action="append", required=True, metavar="SKU=QTY")
    sp.add_argument("--reason", help="a return reason code (shopfloor reason list --kind return)")
    sp.add_argument("--receipt", help="take them from this receipt (default: newest first)")
    sp.add_argument("--memo")
    sp = cmd.add("mark-shipped", cmd_po_mark_shipped, "the vendor shipped a drop-ship order", g)
    sp.add_argument("po")
    sp.add_argument("--line", action="append", metavar="SKU=QTY")
    sp = cmd.add("suggest", cmd_po_suggest, "bought items below their build point", g)
    sp.add_argument("--accept", action="store_true", help="create purchase orders per vendor")
    sp.add_argument("--sku", action="append", help="with --accept: only these items")
    sp = cmd.add("list", cmd_po_list, "list purchase orders", g)
    add_status_filter(sp)
    sp.add_argument("--vendor")
    sp.add_argument("--open", action="store_true", help="only orders still expecting goods")
    sp.add_argument("--search")
    add_paging(sp, ("number", "vendor", "expected", "status"))

    sp = cmd.add("trace", cmd_trace, "every record with this customer PO or document number")
    sp.add_argument("ref")

    sp = cmd.add("finance", cmd_finance, "the finance handoff: events, drop ship, invoice-ready")
    sp.add_argument("--export", metavar="FILE.csv", help="write the events as CSV")
    sp.add_argument("--reviewed", action="append", metavar="ID", help="mark an event reviewed")
    sp.add_argument("--all", action="store_true", help="reviewed events too")
    sp.add_argument("--moment", choices=[code for code, _words in finance.moments()])
    sp.add_argument("--ref", help="a document, order or customer PO number")
    add_paging(sp, ("posted", "amount", "document"))
