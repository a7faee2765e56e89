"""Commands for stock: positions, adjustments, reversals and the ledger."""

from __future__ import annotations

from typing import Any

from app.cli.base import (
    Commands,
    Context,
    Result,
    add_lot_options,
    add_paging,
    event_id,
    memo,
    page_request,
)
from app.cli.output import jsonable, paged_note, table
from app.models.quantity import fmt
from app.services import inventory

_STOCK_HEAD = ["sku", "on hand", "committed", "available", "on order", "backordered", "in transit"]
_STOCK_SORTS = (
    "sku",
    "name",
    "on_hand",
    "committed",
    "available",
    "on_order",
    "backordered",
    "in_transit",
)


def _stock_row(p: inventory.StockPosition) -> tuple[Any, ...]:
    return (p.sku, p.on_hand, p.committed, p.available, p.on_order, p.backordered, p.in_transit)


def _lots_text(pos: inventory.StockPosition) -> str:
    if not pos.lots:
        return ""
    rows = [
        (
            lot.lot,
            lot.location,
            lot.on_hand,
            lot.reserved,
            lot.expires,
            "expired" if lot.expired else "expiring" if lot.expiring else "",
        )
        for lot in pos.lots
    ]
    return "\n\n" + table(["lot", "location", "on hand", "picked", "expires", ""], rows)


def cmd_stock(ctx: Context) -> Result:
    if ctx.args.sku:
        pos = inventory.stock_position(ctx.uow, ctx.args.sku, ctx.args.location)
        payload = jsonable(pos)
        if pos.location is None:
            payload.pop("location")
        return payload, table(_STOCK_HEAD, [_stock_row(pos)]) + _lots_text(pos)
    page = inventory.stock_summary(
        ctx.uow,
        ctx.args.location,
        text=ctx.args.search,
        short_only=ctx.args.short,
        page=page_request(ctx.args),
    )
    text = table(_STOCK_HEAD, [_stock_row(p) for p in page.rows])
    return {"items": page.rows, "total": page.total}, text + paged_note(page.total, len(page))


def cmd_adjust(ctx: Context) -> Result:
    res = inventory.adjust_stock(
        ctx.uow,
        ctx.args.sku,
        ctx.args.quantity,
        location=ctx.args.location,
        unit_cost=ctx.args.cost,
        memo=ctx.args.memo,
        lot=ctx.args.lot,
        serials=ctx.args.serial,
        expires=ctx.args.expires,
    )
    payload = {"event_id": res.event_id, "position": jsonable(res.position)}
    return payload, (
        f"adjusted {res.position.sku} by {ctx.args.quantity} (event {res.event_id}); "
        f"on hand {fmt(res.position.on_hand)}, available {fmt(res.position.available)}"
    )


def cmd_reverse(ctx: Context) -> Result:
    res = inventory.reverse_adjustment(ctx.uow, ctx.args.event, memo=ctx.args.memo)
    return {"reversed": res.reversed_event, "event_id": res.event_id}, (
        f"event {res.reversed_event} reversed by event {res.event_id}"
    )


def cmd_ledger(ctx: Context) -> Result:
    page = inventory.ledger_history(
        ctx.uow,
        ctx.args.sku,
        location=ctx.args.location,
        page=page_request(ctx.args, descending=ctx.args.sort is None),
    )
    text = table(
        ["id", "posted", "location", "quantity", "lot", "reason", "source", "by"],
        [
            (
                r.id,
                r.posted_at.strftime("%Y-%m-%d %H:%M"),
                r.location,
                r.quantity,
                r.lot,
                r.reason,
                r.source,
                r.posted_by,
            )
            for r in page.rows
        ],
    )
    return {"entries": page.rows, "total": page.total}, text + paged_note(page.total, len(page))


def register(cmd: Commands) -> None:
    sp = cmd.add("stock", cmd_stock, "stock position of one item, or of all items")
    sp.add_argument("sku", nargs="?")
    sp.add_argument("--location", help="one location (IN-TRANSIT: what is in transit)")
    sp.add_argument("--search", help="all items: only those whose sku or name contains this")
    sp.add_argument("--short", action="store_true", help="all items: only backordered ones")
    add_paging(sp, _STOCK_SORTS)

    sp = cmd.add("adjust", cmd_adjust, "post an inventory adjustment (negative: write-off)")
    sp.add_argument("sku")
    sp.add_argument("quantity")
    sp.add_argument("--location")
    sp.add_argument("--cost", help="unit cost (default: the item's standard cost)")
    sp.add_argument("--memo", type=memo)
    add_lot_options(sp)

    sp = cmd.add("reverse", cmd_reverse, "reverse an adjustment posting by its event id")
    sp.add_argument("event", type=event_id)
    sp.add_argument("--memo", type=memo)

    sp = cmd.add("ledger", cmd_ledger, "ledger rows of an item, newest first")
    sp.add_argument("sku")
    sp.add_argument("--location")
    add_paging(sp, ("posted", "quantity", "reason"), default_limit=50)
