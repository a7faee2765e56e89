"""Commands for transfer orders: enter, approve, ship, receive, close, cancel, list; the lead
times between locations and the transfers supply planning suggests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
from app.services.transfers import lead_times, planning, transfer_orders
from app.services.transfers.transfer_orders import (
    TRANSFER_ORDER_SORTS,
    TransferLineEntry,
    TransferMovement,
    TransferOrderInfo,
)

_ENDS = ("sku", "from_location", "to_location")


def transfer_lines(values: Sequence[str]) -> list[TransferLineEntry]:
    """--line SKU:QTY[@PRICE]"""
    out = []
    for value in values:
        body, at, price = value.partition("@")
        sku, sep, qty = body.rpartition(":")
        if not sep or not sku.strip() or not qty.strip() or (at and not price.strip()):
            raise UsageError(f"--line takes SKU:QUANTITY[@TRANSFER_PRICE], not {value!r}")
        out.append(TransferLineEntry(sku.strip(), qty.strip(), price.strip() if at else None))
    return out


def lead_times_from(values: Sequence[str] | None) -> dict[str, str]:
    """--lead-time-from LOC=DAYS, each location once."""
    out: dict[str, str] = {}
    for value in values or ():
        code, sep, days = value.rpartition("=")
        if not sep or not code.strip() or not days.strip():
            raise UsageError(f"--lead-time-from takes LOCATION=DAYS, not {value!r}")
        if code.strip() in out:
            raise UsageError(f"--lead-time-from {code.strip()} is given twice")
        out[code.strip()] = days.strip()
    return out


def transfer_payload(info: TransferOrderInfo) -> dict[str, Any]:
    """The order as JSON, its two ends as `from` and `to`."""
    payload: dict[str, Any] = jsonable(info)
    ends = {"from": payload.pop("from_location"), "to": payload.pop("to_location")}
    return {"number": payload.pop("number"), "status": payload.pop("status"), **ends, **payload}


def transfer_text(info: TransferOrderInfo) -> str:
    head = (
        f"{info.number}  {info.from_location} -> {info.to_location}  [{info.status_label}]"
        f"\nordered {info.order_date}, ship {cell(info.ship_date) or '-'}, receipt "
        f"{cell(info.receipt_date) or '-'}, priority {info.priority}, valued at "
        f"{'item cost' if info.item_cost else 'transfer price'}"
        + (f"\nmemo: {info.memo}" if info.memo else "")
    )
    lines = table(
        ["line", "sku", "quantity", "committed", "shipped", "in transit", "received", "to ship"],
        [
            (
                ln.line,
                ln.sku,
                ln.quantity,
                ln.committed,
                ln.shipped,
                ln.in_transit,
                ln.received,
                ln.to_ship,
            )
            for ln in info.lines
        ],
    )
    tail = ""
    if info.shipments:
        tail += f"\nshipments: {', '.join(info.shipments)}"
    if info.receipts:
        tail += f"\nreceipts: {', '.join(info.receipts)}"
    return head + "\n" + lines + tail


def cmd_create(ctx: Context) -> Result:
    a = ctx.args
    info = transfer_orders.create_transfer_order(
        ctx.uow,
        a.source,
        a.target,
        transfer_lines(a.line),
        ship_date=a.ship_date,
        receipt_date=a.receipt_date,
        priority=a.priority,
        memo=a.memo,
        status=a.status,
    )
    return transfer_payload(info), transfer_text(info)


def cmd_show(ctx: Context) -> Result:
    info = transfer_orders.get_transfer_order(ctx.uow, ctx.args.transfer)
    return transfer_payload(info), transfer_text(info)


def cmd_approve(ctx: Context) -> Result:
    info = transfer_orders.approve_transfer_order(ctx.uow, ctx.args.transfer)
    return transfer_payload(info), transfer_text(info)


def cmd_close(ctx: Context) -> Result:
    info = transfer_orders.close_transfer_order(ctx.uow, ctx.args.transfer)
    return transfer_payload(info), transfer_text(info)


def cmd_cancel(ctx: Context) -> Result:
    info = transfer_orders.cancel_transfer_order(ctx.uow, ctx.args.transfer)
    return transfer_payload(info), transfer_text(info)


def _movement(done: TransferMovement, verb: str) -> Result:
    payload = {
        "number": done.number,
        "transfer_order": done.transfer_order,
        "lines": jsonable(done.lines),
        "order": transfer_payload(done.order),
    }
    text = f"{done.number}: {verb} on {done.transfer_order}\n" + table(
        ["line", "sku", "quantity", "unit cost"],
        [(m.line, m.sku, m.quantity, m.unit_cost) for m in done.lines],
    )
    return payload, text + "\n\n" + transfer_text(done.order)


def cmd_ship(ctx: Context) -> Result:
    done = transfer_orders.ship_transfer_order(
        ctx.uow, ctx.args.transfer, quantities(ctx.args.line), memo=ctx.args.memo
    )
    return _movement(done, "shipped")


def cmd_receive(ctx: Context) -> Result:
    done = transfer_orders.receive_transfer_order(
        ctx.uow, ctx.args.transfer, quantities(ctx.args.line), memo=ctx.args.memo
    )
    return _movement(done, "received")


def cmd_list(ctx: Context) -> Result:
    a = ctx.args
    page = transfer_orders.list_transfer_orders(
        ctx.uow,
        status=a.status,
        location=a.location,
        open_only=a.open,
        text=a.search,
        page=page_request(a),
    )
    text = table(
        ["number", "from", "to", "status", "ship", "receipt", "priority", "late"],
        [
            (
                r.number,
                r.from_location,
                r.to_location,
                r.status,
                r.ship_date,
                r.receipt_date,
                r.priority,
                r.late,
            )
            for r in page
        ],
    )
    rows = [
        {"number": r.number, "status": r.status, "from": r.from_location, "to": r.to_location}
        | {k: v for k, v in jsonable(r).items() if k not in ("from_location", "to_location")}
        for r in page
    ]
    return {"transfer_orders": rows, "total": page.total}, text + paged_note(page.total, len(page))


def cmd_lead_time(ctx: Context) -> Result:
    a = ctx.args
    if a.days is not None:
        lead_times.set_lead_time(ctx.uow, a.source, a.target, a.days)
    pairs = lead_times.lead_times(ctx.uow)
    text = table(["from", "to", "days"], [(p.from_location, p.to_location, p.days) for p in pairs])
    return {
        "lead_times": [
            {"from": p.from_location, "to": p.to_location, "days": p.days} for p in pairs
        ]
    }, text


def cmd_suggest(ctx: Context) -> Result:
    rows = planning.transfer_suggestions(ctx.uow)
    payload: dict[str, Any] = {
        "suggestions": [
            {"sku": r.sku, "from": r.from_location, "to": r.to_location}
            | {
                k: v
                for k, v in jsonable(r).items()
                if k not in ("sku", "from_location", "to_location")
            }
            for r in rows
        ]
    }
    text = table(
        ["sku", "from", "to", "quantity", "short there", "spare here"],
        [(r.sku, r.from_location, r.to_location, r.quantity, r.short, r.spare) for r in rows],
    )
    if ctx.args.accept:
        done = planning.accept_transfer_suggestions(ctx.uow, ctx.args.sku or None)
        payload["created"] = [transfer_payload(t) for t in done.created]
        text += "\n\ncreated " + (
            ", ".join(f"{t.number} ({t.from_location} -> {t.to_location})" for t in done.created)
            or "nothing"
        )
    return payload, text


def register(cmd: Commands) -> None:
    g = cmd.group("transfer", "transfer orders between locations")
    sp = cmd.add("create", cmd_create, "enter a transfer order", g)
    sp.add_argument("--from", dest="source", required=True, metavar="LOCATION")
    sp.add_argument("--to", dest="target", required=True, metavar="LOCATION")
    sp.add_argument(
        "--line",
        action="append",
        required=True,
        metavar="SKU:QTY[@PRICE]",
        help="an item to move; PRICE is its transfer price (default: its standard cost)",
    )
    sp.add_argument("--ship-date", dest="ship_date", help="expected ship date YYYY-MM-DD (today)")
    sp.add_argument(
        "--receipt-date",
        dest="receipt_date",
        help="expected receipt date YYYY-MM-DD (default: ship date + the lead time)",
    )
    sp.add_argument("--priority", help="1 = most urgent")
    sp.add_argument("--memo", type=memo)
    sp.add_argument("--status", choices=["pending_approval", "pending_fulfillment"])
    for name, handler, text in (
        ("show", cmd_show, "a transfer order with its lines, shipments and receipts"),
        ("approve", cmd_approve, "approve: its lines reserve stock at the source"),
        ("close", cmd_close, "close: nothing more ships; commitment and on order are released"),
        ("cancel", cmd_cancel, "cancel an order nothing has shipped on"),
    ):
        cmd.add(name, handler, text, g).add_argument("transfer")
    for name, handler, text in (
        ("ship", cmd_ship, "ship: the stock leaves the source for the in-transit location"),
        ("receive", cmd_receive, "receive: the stock leaves transit for the destination"),
    ):
        sp = cmd.add(name, handler, text, g)
        sp.add_argument("transfer")
        sp.add_argument(
            "--line", action="append", metavar="SKU=QTY", help="a line (sku or line number)"
        )
        sp.add_argument("--memo", type=memo)
    sp = cmd.add("list", cmd_list, "list transfer orders", g)
    add_status_filter(sp)
    sp.add_argument("--location", help="from or to this location")
    sp.add_argument("--open", action="store_true", help="only orders still to deliver")
    sp.add_argument("--search", help="number, location or memo contains this")
    add_paging(sp, TRANSFER_ORDER_SORTS)
    sp = cmd.add(
        "lead-time",
        cmd_lead_time,
        "the days goods take between two locations (no DAYS: the list; empty: the default)",
        g,
    )
    sp.add_argument("source", metavar="FROM")
    sp.add_argument("target", metavar="TO")
    sp.add_argument("days", nargs="?", metavar="DAYS")
    sp = cmd.add("suggest", cmd_suggest, "stock another location can spare for waiting orders", g)
    sp.add_argument("--accept", action="store_true", help="create the transfer orders")
    sp.add_argument("--sku", action="append", help="with --accept: only these items")
