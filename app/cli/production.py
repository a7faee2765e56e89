"""Commands for production: work orders, shortages, commitment and the creation queue."""

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
    memo,
    one_line,
    page_request,
)
from app.cli.output import cell, jsonable, paged_note, table
from app.models.quantity import fmt
from app.services.engine import commitment
from app.services.production import corrections, editing, planning, work_orders


def _wo_text(info: work_orders.WorkOrderInfo) -> str:
    head = (
        f"{info.number}  {info.item} x {fmt(info.quantity)}  [{info.status_label}]  "
        f"built {fmt(info.built)}"
        + (f", unbuilt {fmt(info.unbuilt)}" if info.unbuilt else "")
        + (f", scrapped {fmt(info.scrapped)}" if info.scrapped else "")
        + "\n"
        f"due {cell(info.due) or '-'}, priority {info.priority}, location {info.location}, "
        f"BOM revision {info.bom_revision}"
        + (f", created from {info.created_from}" if info.created_from else "")
        + (f" line {info.sales_order_line}" if info.sales_order_line else "")
    )
    if info.held is not None:
        head += f"\nON HOLD: {info.held.reason} (held by {info.held.by}, {cell(info.held.at)})"
    if info.changed_at is not None:
        head += f"\nchanged {cell(info.changed_at)} by {info.changed_by}"
    lines = table(
        [
            "component",
            "qty per",
            "required",
            "committed",
            "issued",
            "returned",
            "scrapped",
            "backordered",
        ],
        [
            (
                ln.sku,
                ln.quantity_per,
                ln.required,
                ln.committed,
                ln.issued,
                ln.returned,
                ln.scrapped,
                ln.backordered,
            )
            for ln in info.lines
        ],
    )
    text = head + "\n" + lines
    if info.variance:
        text += "\n\nVariance at close\n" + table(
            ["component", "expected", "actual", "variance", "of which scrap", "cost variance"],
            [
                (v.sku, v.expected, v.actual, v.variance, v.scrapped, v.cost_variance)
                for v in info.variance
            ],
        )
        text += f"\ntotal cost variance {fmt(info.variance_total)}"
        if info.scrap_total:
            text += f", of which scrap {fmt(info.scrap_total)}"
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


def component_args(values: Sequence[str]) -> list[tuple[str, str]]:
    """SKU=QUANTITY values of a return or a scrap, which name no lot: a return puts back the
    lots the work order consumed, newest first, and a scrap takes them by the consumption
    order."""
    components, lots = lot_quantities(values, "--component")
    if lots:
        raise UsageError(
            "--component takes SKU=QUANTITY here: a return puts back the lots the work order "
            "took and a scrap takes them by the consumption order"
        )
    return list(components.items())


def cmd_wo_issue(ctx: Context) -> Result:
    components, lots = lot_quantities(ctx.args.component, "--component")
    return _wo_result(
        work_orders.issue_components(ctx.uow, ctx.args.wo, list(components.items()), lots=lots)
    )


def cmd_wo_complete(ctx: Context) -> Result:
    a = ctx.args
    return _wo_result(
        work_orders.complete_work_order(
            ctx.uow,
            a.wo,
            a.qty,
            backflush=a.backflush,
            lot=a.lot,
            serials=a.serial,
            expires=a.expires,
        )
    )


def cmd_wo_build(ctx: Context) -> Result:
    a = ctx.args
    return _wo_result(
        work_orders.post_assembly_build(
            ctx.uow, a.wo, a.qty, lot=a.lot, serials=a.serial, expires=a.expires
        )
    )


# --- the floor's exceptions: change, hold, unrelease, return, unbuild, scrap --------------


def cmd_wo_edit(ctx: Context) -> Result:
    a = ctx.args
    return _wo_result(
        editing.edit_work_order(
            ctx.uow,
            a.wo,
            quantity=a.qty,
            due=a.due,
            priority=a.priority,
            memo=a.memo,
            location=a.location,
            bom_revision=a.bom_revision,
        )
    )


def cmd_wo_hold(ctx: Context) -> Result:
    return _wo_result(editing.hold_work_order(ctx.uow, ctx.args.wo, ctx.args.reason))


def cmd_wo_resume(ctx: Context) -> Result:
    return _wo_result(editing.resume_work_order(ctx.uow, ctx.args.wo))


def cmd_wo_unrelease(ctx: Context) -> Result:
    return _wo_result(editing.unrelease_work_order(ctx.uow, ctx.args.wo))


def cmd_wo_return(ctx: Context) -> Result:
    components = component_args(ctx.args.component)
    return _wo_result(corrections.return_components(ctx.uow, ctx.args.wo, components))


def cmd_wo_unbuild(ctx: Context) -> Result:
    return _wo_result(corrections.unbuild(ctx.uow, ctx.args.wo, ctx.args.qty))


def cmd_wo_scrap(ctx: Context) -> Result:
    a = ctx.args
    components = component_args(a.component) if a.component else None
    return _wo_result(
        corrections.scrap(ctx.uow, a.wo, components=components, built=a.built, reason=a.reason)
    )


def register_exceptions(cmd: Commands, g: Any) -> None:
    """wo edit | hold | resume | unrelease | return | unbuild | scrap."""
    sp = cmd.add("edit", cmd_wo_edit, "change a work order's quantity, dates, priority ...", g)
    sp.add_argument("wo")
    sp.add_argument("--qty", help="the new quantity (not below what is built)")
    sp.add_argument("--due", help="due date YYYY-MM-DD (empty: none)")
    sp.add_argument("--priority", help="1 = most urgent")
    sp.add_argument("--memo", type=memo, help="a note (empty: none)")
    sp.add_argument("--location", help="while nothing has moved")
    sp.add_argument("--bom-revision", dest="bom_revision", help="while nothing has moved")
    sp = cmd.add("hold", cmd_wo_hold, "put a work order on hold: nothing posts until resumed", g)
    sp.add_argument("wo")
    sp.add_argument("--reason", required=True, type=one_line("reason", 200))
    cmd.add("resume", cmd_wo_resume, "take a work order off hold", g).add_argument("wo")
    cmd.add(
        "unrelease", cmd_wo_unrelease, "a released work order back to planned (nothing moved)", g
    ).add_argument("wo")
    sp = cmd.add("return", cmd_wo_return, "return components from a work order to stock", g)
    sp.add_argument("wo")
    sp.add_argument("--component", action="append", required=True, metavar="SKU=QTY")
    sp = cmd.add("unbuild", cmd_wo_unbuild, "take built assemblies apart again", g)
    sp.add_argument("wo")
    sp.add_argument("--qty", required=True)
    sp = cmd.add("scrap", cmd_wo_scrap, "scrap components or finished goods on a work order", g)
    sp.add_argument("wo")
    what = sp.add_mutually_exclusive_group(required=True)
    what.add_argument("--component", action="append", metavar="SKU=QTY")
    what.add_argument("--built", metavar="QTY", help="finished goods it built")
    sp.add_argument("--reason", required=True, help="a scrap reason code (shopfloor reason list)")


def cmd_wo_list(ctx: Context) -> Result:
    a = ctx.args
    page = work_orders.list_work_orders(
        ctx.uow,
        status=a.status,
        item=a.item,
        due_from=a.due_from,
        due_to=a.due_to,
        text=a.search,
        late=a.late,
        short=a.short,
        held=a.held,
        changed=a.changed,
        page=page_request(a),
    )
    text = table(
        [
            "number",
            "item",
            "quantity",
            "built",
            "status",
            "due",
            "priority",
            "late",
            "short",
            "on hold",
        ],
        [
            (
                r.number,
                r.item,
                r.quantity,
                r.built,
                r.status,
                r.due,
                r.priority,
                r.late,
                r.short,
                f"{r.hold_reason} ({r.held_by})" if r.held else "",
            )
            for r in page.rows
        ],
    )
    return {"work_orders": page.rows, "total": page.total}, text + paged_note(page.total, len(page))


def cmd_shortages(ctx: Context) -> Result:
    if ctx.args.wo:
        rows = planning.shortages_for_work_order(ctx.uow, ctx.args.wo)
    else:
        rows = planning.shortages_all(ctx.uow).rows
    text = table(
        [
            "sku",
            "location",
            "required",
            "available",
            "short",
            "work orders",
            "on order",
            "next due",
            "still short",
        ],
        [
            (
                r.sku,
                r.location,
                r.required,
                r.available,
                r.short,
                r.work_orders,
                r.on_order,
                r.next_due,
                r.still_short,
            )
            for r in rows
        ],
    )
    return {"lines": rows}, text


def cmd_commit(ctx: Context) -> Result:
    res = commitment.rerun(ctx.uow)
    return res, f"commitment re-run over {res.lines} open line(s); {res.changed} changed"


def cmd_queue(ctx: Context) -> Result:
    suggestions = planning.creation_queue(ctx.uow).rows
    payload: dict[str, Any] = {"suggestions": jsonable(suggestions)}
    text = table(
        ["sku", "suggested", "available", "on order", "build point", "preferred"],
        [
            (s.sku, s.quantity, s.available, s.on_order, s.build_point, s.preferred_stock)
            for s in suggestions
        ],
    )
    if ctx.args.accept:
        accepted = planning.accept_suggestions(ctx.uow, ctx.args.sku or None)
        payload["created"] = [
            {"number": w.number, "item": w.item, "quantity": fmt(w.quantity), "status": w.status}
            for w in accepted.created
        ]
        text += "\n\ncreated " + (", ".join(w.number for w in accepted.created) or "nothing")
    return payload, text


def register(cmd: Commands) -> None:
    g = cmd.group("wo", "work orders")
    sp = cmd.add("create", cmd_wo_create, "create a work order", g)
    sp.add_argument("--item", required=True)
    sp.add_argument("--qty", required=True)
    sp.add_argument("--status", choices=["firm_planned", "open_planned", "released"])
    sp.add_argument("--due", help="due date YYYY-MM-DD")
    sp.add_argument("--priority", help="1 = most urgent")
    sp.add_argument("--location")
    sp.add_argument("--created-from", dest="created_from", type=one_line("created-from", 64))
    sp.add_argument("--memo", type=memo)
    for name, handler, text in (
        ("show", cmd_wo_show, "a work order with its lines and variance"),
        ("release", cmd_wo_release, "release a planned work order (commits components)"),
        ("cancel", cmd_wo_cancel, "cancel before any stock has moved"),
        ("close", cmd_wo_close, "close: freeze and record the variance"),
    ):
        cmd.add(name, handler, text, g).add_argument("wo")
    sp = cmd.add("issue", cmd_wo_issue, "issue components to a work order", g)
    sp.add_argument("wo")
    sp.add_argument(
        "--component",
        action="append",
        required=True,
        metavar="SKU=QTY[@LOT]",
        help="a component and what to issue of it (of a tracked one, from the lot named)",
    )
    sp = cmd.add("complete", cmd_wo_complete, "report completed assemblies", g)
    sp.add_argument("wo")
    sp.add_argument("--qty", required=True)
    sp.add_argument(
        "--backflush", action="store_true", help="also consume the backflush-flagged components"
    )
    add_lot_options(sp)
    sp = cmd.add("build", cmd_wo_build, "assembly build: finished goods in, components out", g)
    sp.add_argument("wo")
    sp.add_argument("--qty", required=True)
    add_lot_options(sp)
    sp = cmd.add("list", cmd_wo_list, "list work orders", g)
    add_status_filter(sp)
    sp.add_argument("--item")
    sp.add_argument("--due-from", dest="due_from", help="due on or after YYYY-MM-DD")
    sp.add_argument("--due-to", dest="due_to", help="due on or before YYYY-MM-DD")
    sp.add_argument("--search", help="number, item, created-from or memo contains this")
    sp.add_argument("--late", action="store_true", help="only late work orders")
    sp.add_argument("--short", action="store_true", help="only work orders short of components")
    sp.add_argument("--held", action="store_true", help="only work orders on hold")
    sp.add_argument(
        "--changed", action="store_true", help="only active work orders changed since created"
    )
    add_paging(sp, work_orders.WORK_ORDER_SORTS)
    register_exceptions(cmd, g)

    sp = cmd.add("shortages", cmd_shortages, "component shortages and the supply on its way")
    which = sp.add_mutually_exclusive_group(required=True)
    which.add_argument("--wo")
    which.add_argument("--all", action="store_true")

    cmd.add("commit", cmd_commit, "re-run commitment by the ordering preference")

    sp = cmd.add("queue", cmd_queue, "work order creation queue")
    sp.add_argument("--accept", action="store_true", help="create the suggested work orders")
    sp.add_argument("--sku", action="append", help="with --accept: only these items")
