"""The `shopfloor` command: parses, calls the services, prints.

Exit status: 0 done; 2 refused (bad input, not found, illegal transition, permission, schema),
with a one-line reason on stderr and, with --json, {"error": {"code", "message"}} on stdout;
1 when `check` finds problems or something unexpected breaks. Nothing is changed unless the
command succeeds.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NoReturn

from app import __version__
from app.config import database_url
from app.errors import ShopfloorError, ValidationError
from app.models.quantity import fmt
from app.services import (
    admin,
    boms,
    check,
    commitment,
    imports,
    inventory,
    items,
    planning,
    setup,
    work_orders,
)
from app.services.database import Database
from app.services.uow import Actor, UnitOfWork


class UsageError(ValidationError):
    code = "usage"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


# --- output -------------------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """Plain JSON values; quantities and money as exact decimal strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain text table; numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))
    numeric = [
        all(isinstance(r[i], Decimal | int) and not isinstance(r[i], bool) for r in rows)
        and bool(rows)
        for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(widths[i]) if numeric[i] else v.ljust(widths[i]) for i, v in enumerate(values)
        ).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    if not rows:
        out.append("(none)")
    return "\n".join(out)


@dataclasses.dataclass
class Context:
    args: argparse.Namespace
    database: Database
    uow: UnitOfWork


Result = tuple[Any, str]  # (payload for --json, text for people)
Handler = Callable[[Context], Result]


# --- handlers -----------------------------------------------------------------------------


def cmd_init(ctx: Context) -> Result:
    res = setup.init_database(ctx.database, demo=ctx.args.demo, actor=ctx.uow.actor)
    lines = [f"database {res.database} is at schema {res.schema}"]
    if res.previous_schema and res.previous_schema != res.schema:
        lines.append(f"upgraded from {res.previous_schema}; backup at {res.backup}")
    if res.demo:
        lines.append("demo plant loaded")
    return res, "\n".join(lines)


def cmd_import(ctx: Context) -> Result:
    fn = {
        "items": imports.import_items,
        "boms": imports.import_boms,
        "stock": imports.import_stock,
    }[ctx.args.kind]
    res = fn(ctx.uow, ctx.args.file)
    text = f"imported {res.rows} {res.kind} row(s) from {res.source}"
    if res.kind == "items":
        text += f": {res.created} new, {res.updated} updated"
    return res, text


def _item_text(info: items.ItemInfo) -> list[str]:
    return [
        f"{info.sku}  {info.name}",
        f"type {info.type}, uom {info.uom}, standard cost {fmt(info.standard_cost)}",
        f"build point {_cell(info.build_point) or '-'}, preferred stock "
        f"{_cell(info.preferred_stock) or '-'}, drop ship {_cell(info.drop_ship)}, "
        f"active {_cell(info.active)}",
    ]


def _bom_text(bom: boms.BomInfo) -> str:
    head = f"BOM revision {bom.revision}{' (active)' if bom.active else ''}"
    rows = [
        (ln.line_no, ln.sku, ln.name, ln.quantity_per, ln.uom, ln.backflush) for ln in bom.lines
    ]
    return head + "\n" + table(["#", "component", "name", "qty per", "uom", "backflush"], rows)


def cmd_item_show(ctx: Context) -> Result:
    detail = items.show_item(ctx.uow, ctx.args.sku)
    text = "\n".join(_item_text(detail.item))
    if detail.bom is not None:
        text += "\n\n" + _bom_text(detail.bom)
    return detail_payload(detail), text


def detail_payload(detail: items.ItemDetail) -> dict[str, Any]:
    payload: dict[str, Any] = jsonable(detail.item)
    payload["bom"] = jsonable(detail.bom)
    return payload


def cmd_item_list(ctx: Context) -> Result:
    rows = items.list_items(ctx.uow, item_type=ctx.args.type)
    text = table(
        ["sku", "name", "type", "uom", "cost"],
        [(i.sku, i.name, i.type, i.uom, i.standard_cost) for i in rows],
    )
    return {"items": rows}, text


def cmd_location_list(ctx: Context) -> Result:
    rows = items.list_locations(ctx.uow)
    text = table(["code", "name", "default"], [(r.code, r.name, r.is_default) for r in rows])
    return {"locations": rows}, text


def cmd_location_add(ctx: Context) -> Result:
    loc = items.add_location(ctx.uow, ctx.args.code, ctx.args.name or "")
    return loc, f"location {loc.code} added"


def cmd_bom_show(ctx: Context) -> Result:
    revs = boms.list_revisions(ctx.uow, ctx.args.sku)
    if ctx.args.revision:
        chosen = [r for r in revs if r.revision == ctx.args.revision]
    else:
        chosen = [r for r in revs if r.active]
    if not chosen:
        raise ValidationError(f"{ctx.args.sku} has no such BOM revision")
    return chosen[0], _bom_text(chosen[0])


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


_STOCK_HEAD = ["sku", "on hand", "committed", "available", "on order", "backordered"]


def _stock_row(p: inventory.StockPosition) -> tuple[Any, ...]:
    return (p.sku, p.on_hand, p.committed, p.available, p.on_order, p.backordered)


def cmd_stock(ctx: Context) -> Result:
    if ctx.args.sku:
        pos = inventory.stock_position(ctx.uow, ctx.args.sku, ctx.args.location)
        payload = jsonable(pos)
        if pos.location is None:
            payload.pop("location")
        return payload, table(_STOCK_HEAD, [_stock_row(pos)])
    rows = inventory.stock_summary(ctx.uow, ctx.args.location)
    return {"items": rows}, table(_STOCK_HEAD, [_stock_row(p) for p in rows])


def cmd_adjust(ctx: Context) -> Result:
    res = inventory.adjust_stock(
        ctx.uow,
        ctx.args.sku,
        ctx.args.quantity,
        location=ctx.args.location,
        unit_cost=ctx.args.cost,
        memo=ctx.args.memo,
    )
    return res, (
        f"adjusted {res.position.sku} by {ctx.args.quantity} (event {res.event_id}); "
        f"on hand {fmt(res.position.on_hand)}, available {fmt(res.position.available)}"
    )


def cmd_reverse(ctx: Context) -> Result:
    event_id = inventory.reverse_adjustment(ctx.uow, ctx.args.event, memo=ctx.args.memo)
    return {"reversed": ctx.args.event, "event_id": event_id}, (
        f"event {ctx.args.event} reversed by event {event_id}"
    )


def cmd_ledger(ctx: Context) -> Result:
    rows = inventory.ledger_history(
        ctx.uow, ctx.args.sku, location=ctx.args.location, limit=ctx.args.limit
    )
    text = table(
        ["id", "posted", "location", "quantity", "reason", "source", "by"],
        [
            (
                r.id,
                r.posted_at.strftime("%Y-%m-%d %H:%M"),
                r.location,
                r.quantity,
                r.reason,
                r.source,
                r.posted_by,
            )
            for r in rows
        ],
    )
    return {"entries": rows}, text


def _wo_text(info: work_orders.WorkOrderInfo) -> str:
    head = (
        f"{info.number}  {info.item} x {fmt(info.quantity)}  [{info.status_label}]  "
        f"built {fmt(info.built)}\n"
        f"due {_cell(info.due) or '-'}, priority {info.priority}, location {info.location}, "
        f"BOM revision {info.bom_revision}"
        + (f", created from {info.created_from}" if info.created_from else "")
    )
    lines = table(
        ["component", "qty per", "required", "committed", "issued", "backordered"],
        [
            (ln.sku, ln.quantity_per, ln.required, ln.committed, ln.issued, ln.backordered)
            for ln in info.lines
        ],
    )
    text = head + "\n" + lines
    if info.variance:
        text += "\n\nVariance at close\n" + table(
            ["component", "expected", "actual", "variance", "cost variance"],
            [(v.sku, v.expected, v.actual, v.variance, v.cost_variance) for v in info.variance],
        )
        text += f"\ntotal cost variance {fmt(info.variance_total)}"
    return text


def _wo_result(info: work_orders.WorkOrderInfo) -> Result:
    return info, _wo_text(info)


def cmd_wo_create(ctx: Context) -> Result:
    a = ctx.args
    return _wo_result(
        work_orders.create_work_order(
            ctx.uow,
            a.item,
            a.qty,
            status=a.status,
            due=a.due,
            priority=a.priority,
            location=a.location,
            created_from=a.created_from,
            memo=a.memo,
        )
    )


def cmd_wo_show(ctx: Context) -> Result:
    return _wo_result(work_orders.get_work_order(ctx.uow, ctx.args.wo))


def cmd_wo_release(ctx: Context) -> Result:
    return _wo_result(work_orders.release_work_order(ctx.uow, ctx.args.wo))


def cmd_wo_cancel(ctx: Context) -> Result:
    return _wo_result(work_orders.cancel_work_order(ctx.uow, ctx.args.wo))


def cmd_wo_close(ctx: Context) -> Result:
    return _wo_result(work_orders.close_work_order(ctx.uow, ctx.args.wo))


def _component_args(values: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    for v in values:
        sku, sep, qty = v.rpartition("=")
        if not sep or not sku.strip():
            raise UsageError(f"--component takes SKU=QUANTITY, not {v!r}")
        out.append((sku.strip(), qty.strip()))
    return out


def cmd_wo_issue(ctx: Context) -> Result:
    components = _component_args(ctx.args.component)
    return _wo_result(work_orders.issue_components(ctx.uow, ctx.args.wo, components))


def cmd_wo_complete(ctx: Context) -> Result:
    return _wo_result(
        work_orders.complete_work_order(
            ctx.uow, ctx.args.wo, ctx.args.qty, backflush=ctx.args.backflush
        )
    )


def cmd_wo_build(ctx: Context) -> Result:
    return _wo_result(work_orders.post_assembly_build(ctx.uow, ctx.args.wo, ctx.args.qty))


def cmd_wo_list(ctx: Context) -> Result:
    rows = work_orders.list_work_orders(
        ctx.uow, status=ctx.args.status, item=ctx.args.item, limit=ctx.args.limit
    )
    text = table(
        ["number", "item", "quantity", "built", "status", "due", "priority"],
        [(r.number, r.item, r.quantity, r.built, r.status, r.due, r.priority) for r in rows],
    )
    return {"work_orders": rows}, text


def cmd_shortages(ctx: Context) -> Result:
    if ctx.args.wo:
        rows = planning.shortages_for_work_order(ctx.uow, ctx.args.wo)
    else:
        rows = planning.shortages_all(ctx.uow)
    text = table(
        ["sku", "location", "required", "available", "short", "work orders"],
        [(r.sku, r.location, r.required, r.available, r.short, r.work_orders) for r in rows],
    )
    return {"lines": rows}, text


def cmd_commit(ctx: Context) -> Result:
    res = commitment.rerun(ctx.uow)
    return res, f"commitment re-run over {res.lines} open line(s); {res.changed} changed"


def cmd_queue(ctx: Context) -> Result:
    suggestions = planning.creation_queue(ctx.uow)
    payload: dict[str, Any] = {"suggestions": jsonable(suggestions)}
    text = table(
        ["sku", "suggested", "available", "on order", "build point", "preferred"],
        [
            (s.sku, s.quantity, s.available, s.on_order, s.build_point, s.preferred_stock)
            for s in suggestions
        ],
    )
    if ctx.args.accept:
        created = planning.accept_suggestions(ctx.uow, ctx.args.sku or None)
        payload["created"] = [
            {"number": w.number, "item": w.item, "quantity": fmt(w.quantity), "status": w.status}
            for w in created
        ]
        text += "\n\ncreated " + (", ".join(w.number for w in created) or "nothing")
    return payload, text


def cmd_prefs_show(ctx: Context) -> Result:
    prefs = admin.show_preferences(ctx.uow)
    return prefs, table(["preference", "value"], list(prefs.items()))


def cmd_prefs_set(ctx: Context) -> Result:
    prefs = admin.set_preference(ctx.uow, ctx.args.key, ctx.args.value)
    key = ctx.args.key.strip().lower()
    return prefs, f"{key} = {prefs[key]}"


def cmd_check(ctx: Context) -> Result:
    report = check.check_database(ctx.uow)
    payload = {"ok": report.ok, "problems": report.problems, "checked": report.checked}
    counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in report.checked.items())
    if report.ok:
        return payload, f"ok: checked {counts}"
    return payload, "PROBLEMS:\n" + "\n".join(f"- {p}" for p in report.problems)


def cmd_user_list(ctx: Context) -> Result:
    rows = admin.list_users(ctx.uow)
    return {"users": rows}, table(
        ["user", "role", "active"], [(u.username, u.role, u.active) for u in rows]
    )


def cmd_user_add(ctx: Context) -> Result:
    u = admin.add_user(ctx.uow, ctx.args.name, ctx.args.role)
    return u, f"user {u.username} added as {u.role}"


def cmd_user_set(ctx: Context) -> Result:
    active = None if ctx.args.active is None else ctx.args.active == "yes"
    u = admin.update_user(ctx.uow, ctx.args.name, role=ctx.args.role, active=active)
    return u, f"user {u.username}: {u.role}, {'active' if u.active else 'deactivated'}"


def cmd_overview(ctx: Context) -> Result:
    counts = work_orders.count_by_status(ctx.uow)
    late = work_orders.late_work_orders(ctx.uow)
    shortages = planning.shortages_all(ctx.uow)
    queue = planning.creation_queue(ctx.uow)
    payload = {
        "database": ctx.database.describe(),
        "work_orders": counts,
        "late": [w.number for w in late],
        "shortages": len(shortages),
        "suggestions": len(queue),
    }
    text = [
        f"Shopfloor {__version__}: {ctx.database.describe()}",
        "",
        table(["status", "work orders"], [(k, v) for k, v in counts.items()]),
        "",
        f"late work orders: {', '.join(w.number for w in late) or 'none'}",
        f"components short across active work orders: {len(shortages)}",
        f"creation queue suggestions: {len(queue)}",
        "",
        "See `shopfloor --help` for every command.",
    ]
    return payload, "\n".join(text)


# --- parser -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help="database file or SQLAlchemy URL")
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON object"
    )
    common.add_argument("--user", default=argparse.SUPPRESS, help="act as this user")

    p = _Parser(
        prog="shopfloor",
        description="Shopfloor: work orders, BOMs and inventory for the shop floor.",
        parents=[common],
    )
    # The shared --db/--json/--user actions keep SUPPRESS as default so they can be given before
    # or after the sub-command; main() fills in the defaults after parsing.
    p.set_defaults(handler=cmd_overview, needs_schema=True)
    p.add_argument("--version", action="version", version=f"shopfloor {__version__}")
    sub: Any = p.add_subparsers(dest="command", parser_class=_Parser)

    def add(parent: Any, name: str, handler: Handler, help_text: str, **kw: Any) -> Any:
        sp = parent.add_parser(name, help=help_text, parents=[common], **kw)
        sp.set_defaults(handler=handler)
        return sp

    def group(name: str, help_text: str) -> Any:
        gp = sub.add_parser(name, help=help_text, parents=[common])
        return gp.add_subparsers(dest=f"{name}_command", required=True, parser_class=_Parser)

    sp = add(sub, "init", cmd_init, "create or upgrade the database")
    sp.add_argument("--demo", action="store_true", help="load the demo plant into a new database")
    sp.set_defaults(needs_schema=False)

    sp = add(sub, "import", cmd_import, "import items, BOM lines or stock from CSV or XLSX")
    sp.add_argument("kind", choices=["items", "boms", "stock"])
    sp.add_argument("file")

    g = group("item", "items")
    add(g, "show", cmd_item_show, "an item and its active BOM").add_argument("sku")
    add(g, "list", cmd_item_list, "all items").add_argument("--type")

    g = group("location", "locations")
    add(g, "list", cmd_location_list, "all locations")
    sp = add(g, "add", cmd_location_add, "add a location")
    sp.add_argument("code")
    sp.add_argument("--name")

    g = group("bom", "bills of materials")
    sp = add(g, "show", cmd_bom_show, "a BOM revision (the active one by default)")
    sp.add_argument("sku")
    sp.add_argument("--revision")
    add(g, "revisions", cmd_bom_revisions, "all revisions of a BOM").add_argument("sku")
    sp = add(g, "activate", cmd_bom_activate, "make another revision active")
    sp.add_argument("sku")
    sp.add_argument("revision")
    sp = add(g, "explode", cmd_bom_explode, "multi-level explosion")
    sp.add_argument("sku")
    sp.add_argument("--qty", default="1")
    add(g, "where-used", cmd_bom_where_used, "assemblies that use an item").add_argument("sku")

    sp = add(sub, "stock", cmd_stock, "stock position of one item, or of all items")
    sp.add_argument("sku", nargs="?")
    sp.add_argument("--location")

    sp = add(sub, "adjust", cmd_adjust, "post an inventory adjustment (negative: write-off)")
    sp.add_argument("sku")
    sp.add_argument("quantity")
    sp.add_argument("--location")
    sp.add_argument("--cost", help="unit cost (default: the item's standard cost)")
    sp.add_argument("--memo")

    sp = add(sub, "reverse", cmd_reverse, "reverse an adjustment posting by its event id")
    sp.add_argument("event", type=int)
    sp.add_argument("--memo")

    sp = add(sub, "ledger", cmd_ledger, "latest ledger rows of an item")
    sp.add_argument("sku")
    sp.add_argument("--location")
    sp.add_argument("--limit", type=int, default=50)

    g = group("wo", "work orders")
    sp = add(g, "create", cmd_wo_create, "create a work order")
    sp.add_argument("--item", required=True)
    sp.add_argument("--qty", required=True)
    sp.add_argument("--status", choices=["firm_planned", "open_planned", "released"])
    sp.add_argument("--due", help="due date YYYY-MM-DD")
    sp.add_argument("--priority", help="1 = most urgent")
    sp.add_argument("--location")
    sp.add_argument("--created-from", dest="created_from")
    sp.add_argument("--memo")
    for name, handler, text in (
        ("show", cmd_wo_show, "a work order with its lines and variance"),
        ("release", cmd_wo_release, "release a planned work order (commits components)"),
        ("cancel", cmd_wo_cancel, "cancel before any stock has moved"),
        ("close", cmd_wo_close, "close: freeze and record the variance"),
    ):
        add(g, name, handler, text).add_argument("wo")
    sp = add(g, "issue", cmd_wo_issue, "issue components to a work order")
    sp.add_argument("wo")
    sp.add_argument("--component", action="append", required=True, metavar="SKU=QTY")
    sp = add(g, "complete", cmd_wo_complete, "report completed assemblies")
    sp.add_argument("wo")
    sp.add_argument("--qty", required=True)
    sp.add_argument(
        "--backflush", action="store_true", help="also consume the backflush-flagged components"
    )
    sp = add(g, "build", cmd_wo_build, "assembly build: finished goods in, components out")
    sp.add_argument("wo")
    sp.add_argument("--qty", required=True)
    sp = add(g, "list", cmd_wo_list, "list work orders")
    sp.add_argument("--status")
    sp.add_argument("--item")
    sp.add_argument("--limit", type=int)

    sp = add(sub, "shortages", cmd_shortages, "component shortages")
    which = sp.add_mutually_exclusive_group(required=True)
    which.add_argument("--wo")
    which.add_argument("--all", action="store_true")

    add(sub, "commit", cmd_commit, "re-run commitment by the ordering preference")

    sp = add(sub, "queue", cmd_queue, "work order creation queue")
    sp.add_argument("--accept", action="store_true", help="create the suggested work orders")
    sp.add_argument("--sku", action="append", help="with --accept: only these items")

    g = group("prefs", "preferences")
    add(g, "show", cmd_prefs_show, "all preferences")
    sp = add(g, "set", cmd_prefs_set, "set a preference")
    sp.add_argument("key")
    sp.add_argument("value")

    add(sub, "check", cmd_check, "prove balances and work orders against the ledger")

    g = group("user", "users and roles")
    add(g, "list", cmd_user_list, "registered users")
    sp = add(g, "add", cmd_user_add, "register a user")
    sp.add_argument("name")
    sp.add_argument("--role", required=True)
    sp = add(g, "set", cmd_user_set, "change a user's role or deactivate them")
    sp.add_argument("name")
    sp.add_argument("--role")
    sp.add_argument("--active", choices=["yes", "no"])
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    want_json = "--json" in (argv if argv is not None else sys.argv[1:])
    database: Database | None = None
    try:
        args = parser.parse_args(argv)
        for name, default in (("db", None), ("json", False), ("user", None)):
            if not hasattr(args, name):
                setattr(args, name, default)
        want_json = args.json
        database = Database(database_url(args.db))
        if args.needs_schema:
            database.require_current_schema()
        ctx = Context(
            args=args, database=database, uow=UnitOfWork(database, Actor.current(args.user))
        )
        payload, text = args.handler(ctx)
    except ShopfloorError as exc:
        return _fail(2, exc.code, exc.message, want_json)
    except KeyboardInterrupt:
        return _fail(130, "interrupted", "interrupted", want_json)
    except Exception as exc:  # a bug: say so plainly, exit 1
        return _fail(1, "internal", f"internal error: {type(exc).__name__}: {exc}", want_json)
    finally:
        if database is not None:
            database.dispose()
    if want_json:
        print(json.dumps(jsonable(payload), ensure_ascii=False))
    else:
        print(text)
    if args.handler is cmd_check and not payload["ok"]:
        return 1
    return 0


def printable(text: str) -> str:
    """One line with control characters (a scanner's ESC, BEL, ...) shown escaped."""
    out = []
    for ch in " ".join(text.split()):
        out.append(ch.encode("unicode_escape").decode("ascii") if not ch.isprintable() else ch)
    return "".join(out)


def _fail(status: int, code: str, message: str, want_json: bool) -> int:
    one_line = printable(message)
    print(f"shopfloor: {one_line}", file=sys.stderr)
    if want_json:
        print(json.dumps({"error": {"code": code, "message": one_line}}, ensure_ascii=False))
    return status
