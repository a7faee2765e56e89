"""Commands for the catalog: imports, items, locations and bills of materials."""

from __future__ import annotations

from typing import Any

from app.cli.base import Commands, Context, Result, add_paging, file_path, one_line, page_request
from app.cli.output import cell, jsonable, paged_note, table
from app.cli.transfers import lead_times_from
from app.models.quantity import fmt
from app.services.catalog import boms, imports, items
from app.services.lots import tracking
from app.services.orders import imports as order_imports
from app.services.orders import partners
from app.services.transfers import lead_times

_IMPORTS = {
    "items": imports.import_items,
    "boms": imports.import_boms,
    "stock": imports.import_stock,
    "customers": order_imports.import_customers,
    "vendors": order_imports.import_vendors,
    "orders": order_imports.import_orders,
}


def cmd_import(ctx: Context) -> Result:
    res = _IMPORTS[ctx.args.kind](ctx.uow, ctx.args.file)
    text = f"imported {res.rows} {res.kind} row(s) from {res.source}"
    if res.kind == "items":
        text += f": {res.created} new, {res.updated} updated"
    return {**jsonable(res), "event_id": res.event_id}, text


def _item_text(info: items.ItemInfo) -> list[str]:
    return [
        f"{info.sku}  {info.name}",
        f"type {info.type}, uom {info.uom}, standard cost {fmt(info.standard_cost)}",
        f"build point {cell(info.build_point) or '-'}, preferred stock "
        f"{cell(info.preferred_stock) or '-'}, drop ship {cell(info.drop_ship)}, "
        f"active {cell(info.active)}",
        f"tracking {info.tracking}, shelf life "
        + (f"{info.shelf_life_days} days" if info.shelf_life_days else "-")
        + f", GTIN {info.gtin or '-'}",
    ]


def bom_text(bom: boms.BomInfo) -> str:
    head = f"BOM revision {bom.revision}{' (active)' if bom.active else ''}"
    rows = [
        (ln.line_no, ln.sku, ln.name, ln.quantity_per, ln.uom, ln.backflush) for ln in bom.lines
    ]
    return head + "\n" + table(["#", "component", "name", "qty per", "uom", "backflush"], rows)


def cmd_item_show(ctx: Context) -> Result:
    detail = items.show_item(ctx.uow, ctx.args.sku)
    text = "\n".join(_item_text(detail.item))
    if detail.bom is not None:
        text += "\n\n" + bom_text(detail.bom)
    payload: dict[str, Any] = jsonable(detail.item)
    payload["bom"] = jsonable(detail.bom)
    return payload, text


_ITEM_SORTS = ("sku", "name", "type", "cost")


def cmd_item_list(ctx: Context) -> Result:
    page = items.list_items(
        ctx.uow, item_type=ctx.args.type, text=ctx.args.search, page=page_request(ctx.args)
    )
    text = table(
        ["sku", "name", "type", "uom", "cost"],
        [(i.sku, i.name, i.type, i.uom, i.standard_cost) for i in page.rows],
    )
    return {"items": page.rows, "total": page.total}, text + paged_note(page.total, len(page))


def cmd_item_purchasing(ctx: Context) -> Result:
    info = partners.set_purchasing(
        ctx.uow, ctx.args.sku, vendor=ctx.args.vendor, price=ctx.args.price
    )
    return info, (
        f"{info.sku}: preferred vendor {info.vendor or '-'}, purchase price "
        f"{fmt(info.purchase_price) if info.purchase_price is not None else '-'}"
    )


def cmd_item_tracking(ctx: Context) -> Result:
    info = tracking.set_item_tracking(
        ctx.uow, ctx.args.sku, ctx.args.tracking, shelf_life=ctx.args.shelf_life, gtin=ctx.args.gtin
    )
    days = f"{info.shelf_life_days} days" if info.shelf_life_days else "-"
    return info, (
        f"{info.sku}: tracked by {info.tracking}, shelf life {days}, GTIN {info.gtin or '-'}"
        if info.tracking != "none"
        else f"{info.sku}: not tracked, shelf life {days}, GTIN {info.gtin or '-'}"
    )


def cmd_item_bin(ctx: Context) -> Result:
    info = items.set_bin(ctx.uow, ctx.args.sku, ctx.args.bin, ctx.args.location)
    return info, f"{info.sku} at {info.location}: bin {info.bin or '-'}"


def cmd_location_list(ctx: Context) -> Result:
    rows = items.list_locations(ctx.uow, transit=True)
    text = table(["code", "name", "default"], [(r.code, r.name, r.is_default) for r in rows])
    return {"locations": rows}, text


def cmd_location_add(ctx: Context) -> Result:
    lead = lead_times_from(ctx.args.lead_time_from)
    if not lead:
        loc = items.add_location(ctx.uow, ctx.args.code, ctx.args.name or "")
        return loc, f"location {loc.code} added"
    loc = lead_times.add_location(ctx.uow, ctx.args.code, ctx.args.name or "", lead_times_from=lead)
    days = ", ".join(f"{d} days from {code}" for code, d in lead.items())
    return loc, f"location {loc.code} added; {days}"


def cmd_bom_show(ctx: Context) -> Result:
    bom = boms.get_revision(ctx.uow, ctx.args.sku, ctx.args.revision)
    return bom, bom_text(bom)


def cmd_bom_revisions(ctx: Context) -> Result:
    revs = boms.list_revisions(ctx.uow, ctx.args.sku)
    text = table(
        ["revision", "active", "lines", "created", "by", "memo"],
        [(r.revision, r.active, len(r.lines), r.created_at, r.created_by, r.memo) for r in revs],
    )
    return {"revisions": revs}, text


def cmd_bom_activate(ctx: Context) -> Result:
    bom = boms.activate_bom(ctx.uow, ctx.args.sku, ctx.args.revision)
    return bom, f"{bom.assembly}: revision {bom.revision} is now active"


def cmd_bom_explode(ctx: Context) -> Result:
    exp = boms.explode(ctx.uow, ctx.args.sku, ctx.args.qty)
    payload = {
        "sku": exp.sku,
        "quantity": fmt(exp.quantity),
        "components": jsonable(exp.components),
        "totals": [{"sku": s, "quantity": fmt(q)} for s, q in exp.totals],
    }
    rows = [
        ("  " * (r.level - 1) + r.sku, r.level, r.quantity_per, r.quantity, r.uom)
        for r in exp.components
    ]
    text = (
        f"{exp.sku} x {fmt(exp.quantity)}\n"
        + table(["component", "level", "qty per", "quantity", "uom"], rows)
        + "\n\nTotals of purchased parts\n"
        + table(["sku", "quantity"], exp.totals)
    )
    return payload, text


def cmd_bom_where_used(ctx: Context) -> Result:
    rows = boms.where_used(ctx.uow, ctx.args.sku)
    text = table(
        ["assembly", "name", "level", "via", "qty per"],
        [(r.sku, r.name, r.level, r.component, r.quantity_per) for r in rows],
    )
    return {"sku": ctx.args.sku, "used_in": rows}, text


def register(cmd: Commands) -> None:
    sp = cmd.add(
        "import", cmd_import, "import items, BOM lines, stock, customers, vendors or sales orders"
    )
    sp.add_argument("kind", choices=list(_IMPORTS))
    sp.add_argument("file", type=file_path)

    g = cmd.group("item", "items")
    cmd.add("show", cmd_item_show, "an item and its active BOM", g).add_argument("sku")
    sp = cmd.add("list", cmd_item_list, "items, by sku", g)
    sp.add_argument("--type")
    sp.add_argument("--search", help="only items whose sku or name contains this")
    add_paging(sp, _ITEM_SORTS)
    sp = cmd.add("purchasing", cmd_item_purchasing, "preferred vendor and purchase price", g)
    sp.add_argument("sku")
    sp.add_argument("--vendor", help="the preferred vendor (empty: none)")
    sp.add_argument("--price", help="the purchase price (empty: none)")
    sp = cmd.add("tracking", cmd_item_tracking, "track an item by lot, by serial or not at all", g)
    sp.add_argument("sku")
    sp.add_argument("tracking", choices=["lot", "serial", "none"])
    sp.add_argument(
        "--shelf-life",
        dest="shelf_life",
        metavar="DAYS",
        help="days a new lot keeps (none: no limit)",
    )
    sp.add_argument("--gtin", help="the GS1 trade item number, 8 to 14 digits (none: clear it)")
    sp = cmd.add("bin", cmd_item_bin, "the bin an item is kept in at a location", g)
    sp.add_argument("sku")
    sp.add_argument("bin", help="the bin (empty: none)")
    sp.add_argument("--location")

    g = cmd.group("location", "locations")
    cmd.add("list", cmd_location_list, "all locations", g)
    sp = cmd.add("add", cmd_location_add, "add a location", g)
    sp.add_argument("code")
    sp.add_argument("--name", type=one_line("name", 120))
    sp.add_argument(
        "--lead-time-from",
        dest="lead_time_from",
        action="append",
        metavar="LOC=DAYS",
        help="days a transfer from LOC takes to reach this location",
    )

    g = cmd.group("bom", "bills of materials")
    sp = cmd.add("show", cmd_bom_show, "a BOM revision (the active one by default)", g)
    sp.add_argument("sku")
    sp.add_argument("--revision")
    cmd.add("revisions", cmd_bom_revisions, "all revisions of a BOM", g).add_argument("sku")
    sp = cmd.add("activate", cmd_bom_activate, "make another revision active", g)
    sp.add_argument("sku")
    sp.add_argument("revision")
    sp = cmd.add("explode", cmd_bom_explode, "multi-level explosion", g)
    sp.add_argument("sku")
    sp.add_argument("--qty", default="1")
    cmd.add("where-used", cmd_bom_where_used, "assemblies that use an item", g).add_argument("sku")
