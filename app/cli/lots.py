"""Commands for lots: a lot's history (`lot show`) and the recall report (`recall`)."""

from __future__ import annotations

from typing import Any

from app.cli.base import Commands, Context, Result
from app.cli.output import jsonable, table
from app.services.lots import recall


def _origin_text(origin: recall.LotOrigin) -> str:
    text = f"came in by {origin.kind.replace('_', ' ')} {origin.document} on {origin.made_on}"
    if origin.vendor:
        text += f" from {origin.vendor} ({origin.purchase_order})"
    if origin.vendor_lot:
        text += f", vendor lot {origin.vendor_lot}"
    return text


def _figures_text(f: recall.LotFigures) -> str:
    state = "reconciled" if f.reconciled else "NOT reconciled"
    return (
        f"made {jsonable(f.made)} = on hand {jsonable(f.on_hand)} + shipped {jsonable(f.shipped)}"
        f" + consumed {jsonable(f.consumed)} + scrapped {jsonable(f.scrapped)}"
        f" + returned to vendor {jsonable(f.returned_to_vendor)}"
        f" - returned {jsonable(f.returned)} ({state})"
    )


def _shipped_table(shipments: list[recall.LotShipment]) -> str:
    return table(
        ["customer", "ship to", "fulfillment", "order", "shipped", "sku", "lot", "quantity"],
        [
            (
                s.customer,
                " / ".join(s.ship_to.splitlines()),
                s.fulfillment,
                s.sales_order,
                s.shipped_on,
                s.sku,
                s.lot,
                s.quantity,
            )
            for s in shipments
        ],
    )


def cmd_lot_show(ctx: Context) -> Result:
    h = recall.lot_history(ctx.uow, ctx.args.sku, ctx.args.lot)
    payload = jsonable(h)
    parts = [
        f"{h.sku} {'serial' if h.serial else 'lot'} {h.lot}, expires {h.expires or 'never'}",
        _origin_text(h.origin),
        _figures_text(h.figures),
    ]
    if h.made_from:
        made = [(r.sku, r.lot, r.quantity) for r in h.made_from]
        parts.append("made from\n" + table(["sku", "lot", "quantity"], made))
    places = [(p.location, p.on_hand, p.reserved) for p in h.on_hand]
    parts.append("on hand\n" + table(["location", "on hand", "picked"], places))
    uses = [
        (u.work_order, u.quantity, ", ".join(f"{r.sku} {r.lot}" for r in u.made))
        for u in h.consumed_by
    ]
    parts.append("consumed by\n" + table(["work order", "quantity", "made"], uses))
    parts.append("shipped\n" + _shipped_table(h.shipped))
    moved = h.scrapped + h.returned + h.returned_to_vendor + h.reversed
    gone = [(m.document, m.reason, m.quantity, m.party, m.posted_on) for m in moved]
    if gone:
        parts.append(
            "scrapped, returned and reversed\n"
            + table(["document", "reason", "quantity", "vendor", "on"], gone)
        )
    return payload, "\n\n".join(parts)


def _node_row(n: recall.RecallNode) -> tuple[Any, ...]:
    f = n.figures
    indent = "  " * n.level
    return (
        n.direction,
        n.level,
        indent + n.sku,
        n.lot,
        n.origin.document,
        f.made,
        f.on_hand,
        f.shipped,
        f.consumed,
        f.scrapped,
        f.returned_to_vendor,
        f.returned,
        "yes" if f.reconciled else "NO",
    )


def cmd_recall(ctx: Context) -> Result:
    report = recall.recall(ctx.uow, ctx.args.sku, ctx.args.lot, ctx.args.direction)
    payload = jsonable(report)
    payload.pop("rows")
    text = table(
        [
            "way",
            "level",
            "sku",
            "lot",
            "from",
            "made",
            "on hand",
            "shipped",
            "consumed",
            "scrapped",
            "to vendor",
            "returned",
            "reconciled",
        ],
        [_node_row(n) for n in report.nodes],
    )
    text += "\n\ncustomers\n" + _shipped_table(report.customers)
    if ctx.args.export:
        written = recall.export_recall(report, ctx.args.export)
        payload["export"] = {"path": ctx.args.export, "rows": written}
        text += f"\n\n{written} rows written to {ctx.args.export}"
    return payload, text


def register(cmd: Commands) -> None:
    g = cmd.group("lot", "lots and serial numbers: where one came from and where it went")
    sp = cmd.add("show", cmd_lot_show, "a lot's origin, stock, uses, shipments and components", g)
    sp.add_argument("sku")
    sp.add_argument("lot")

    sp = cmd.add("recall", cmd_recall, "every lot made from a lot, or that went into it")
    sp.add_argument("sku")
    sp.add_argument("lot")
    sp.add_argument(
        "--direction",
        choices=recall.DIRECTIONS,
        default="forward",
        help="forward: what was made from it and who received it; backward: what went into it",
    )
    sp.add_argument(
        "--export", metavar="F.csv|F.xlsx", help="write one row per document and lot to a file"
    )
