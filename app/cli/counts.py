"""Commands for cycle counts: start a count at a location, enter what was counted, approve,
post, cancel, show and list."""

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
from app.cli.output import cell, paged_note, table
from app.models.quantity import fmt
from app.services.counts import counts
from app.services.counts.counts import CountKey, CycleCountInfo


def count_text(info: CycleCountInfo) -> str:
    head = (
        f"{info.number}  {info.location}  [{info.status_label}]  {info.selection}"
        + f"\nstarted {cell(info.created_at.astimezone().date())} by {info.created_by}, "
        f"{info.counted} of {info.counted + info.uncounted} lines counted"
    )
    if info.needs_approval:
        head += f"; a difference is worth more than {fmt(info.threshold)}: " + (
            f"approved by {info.approved_by}" if info.approved_by else "needs approval"
        )
    if info.posted_by:
        head += f"; posted by {info.posted_by}"
    if info.reversal is not None:
        head += f"; its adjustments reversed by event {info.reversal.event_id} ({info.reversal.by})"
    if info.memo:
        head += f"\nmemo: {info.memo}"
    rows = [
        (
            ln.line_no,
            ln.bin or "",
            ln.sku,
            ln.lot or ("(none on hand)" if ln.tracking != "none" else ""),
            ln.expires,
            ln.uom,
            ln.counted,
            ln.on_hand_when_counted,
            ln.difference,
            ln.value,
            "over" if ln.over_threshold else "",
            ln.counted_by or "",
        )
        for ln in info.lines
    ]
    lines = table(
        [
            "line",
            "bin",
            "sku",
            "lot",
            "expires",
            "uom",
            "counted",
            "on hand then",
            "difference",
            "value",
            "approval",
            "counted by",
        ],
        rows,
    )
    tail = (
        ""
        if info.expected_shown
        else "\n(what the ledger had is shown once the count posts, or to who may approve it)"
    )
    return head + "\n" + lines + tail


def cmd_count_start(ctx: Context) -> Result:
    a = ctx.args
    started = counts.start_count(
        ctx.uow,
        a.location,
        items=a.item or None,
        bin_prefix=a.bin_prefix,
        not_counted_for=a.not_counted_for,
        memo=a.memo,
    )
    text = count_text(started.count)
    if started.left_out:
        text += "\nleft out, on other open counts: " + ", ".join(
            f"{sku} ({number})" for sku, number in started.left_out.items()
        )
    return started, text


def count_key(text: str) -> CountKey:
    """SKU, or SKU@LOT for a lot (or serial) of a tracked item."""
    sku, at, lot = text.partition("@")
    if not at:
        return sku
    if not sku.strip() or not lot.strip():
        raise UsageError(f"{text!r}: give SKU@LOT, the item and its lot or serial")
    return (sku.strip(), lot.strip())


def cmd_count_enter(ctx: Context) -> Result:
    entered = quantities(ctx.args.line)
    if entered is None:
        raise UsageError(
            "shopfloor count enter: give --line SKU=QTY for each item counted "
            "(SKU@LOT=QTY for each lot or serial of a tracked item)"
        )
    keyed: dict[CountKey, str] = {}
    for key, qty in entered.items():
        keyed[count_key(key)] = qty
    expires: dict[tuple[str, str], str] = {}
    for key, day in (quantities(ctx.args.expires, "--expires", "YYYY-MM-DD") or {}).items():
        lot = count_key(key)
        if not isinstance(lot, tuple):
            raise UsageError(f"--expires {key}: give SKU@LOT=YYYY-MM-DD for a lot found")
        expires[lot] = day
    info = counts.enter_counts(ctx.uow, ctx.args.count, keyed, expires=expires)
    return info, count_text(info)


def cmd_count_show(ctx: Context) -> Result:
    info = counts.get_count(ctx.uow, ctx.args.count)
    return info, count_text(info)


def cmd_count_approve(ctx: Context) -> Result:
    info = counts.approve_count(ctx.uow, ctx.args.count)
    return info, count_text(info)


def cmd_count_post(ctx: Context) -> Result:
    info = counts.post_count(ctx.uow, ctx.args.count, skip_uncounted=ctx.args.skip_uncounted)
    return info, count_text(info)


def cmd_count_cancel(ctx: Context) -> Result:
    info = counts.cancel_count(ctx.uow, ctx.args.count)
    return info, count_text(info)


def cmd_count_list(ctx: Context) -> Result:
    a = ctx.args
    page = counts.list_counts(
        ctx.uow, status=a.status, location=a.location, text=a.search, page=page_request(a)
    )
    text = table(
        ["number", "location", "status", "counted", "selection", "started by", "posted"],
        [
            (
                r.number,
                r.location,
                r.status,
                f"{r.counted}/{r.lines}",
                r.selection,
                r.created_by,
                r.posted_at.astimezone().date() if r.posted_at else None,
            )
            for r in page
        ],
    )
    return {"counts": page.rows, "total": page.total}, text + paged_note(page.total, len(page))


def register(cmd: Commands) -> None:
    g = cmd.group("count", "cycle counts: count the shelves of a location, post the differences")
    sp = cmd.add("start", cmd_count_start, "start a count at a location", g)
    sp.add_argument("--location", required=True)
    sp.add_argument("--item", action="extend", nargs="+", metavar="SKU", help="these items")
    sp.add_argument(
        "--bin-prefix", dest="bin_prefix", metavar="P", help="the items in bins starting with P"
    )
    sp.add_argument(
        "--not-counted-for",
        dest="not_counted_for",
        metavar="DAYS",
        help="the items not counted there for DAYS days (0: every item there)",
    )
    sp.add_argument("--memo", type=memo)
    sp = cmd.add("enter", cmd_count_enter, "what was counted (a line counted again is replaced)", g)
    sp.add_argument("count", metavar="CC")
    sp.add_argument(
        "--line",
        action="append",
        metavar="SKU[@LOT]=QTY",
        help="an item (a tracked item's lot or serial: SKU@LOT) and how many were counted; a "
        "lot the count does not list is a lot found",
    )
    sp.add_argument(
        "--expires",
        action="append",
        metavar="SKU@LOT=YYYY-MM-DD",
        help="the expiry of a lot found that is new to the plant",
    )
    for name, handler, text in (
        ("show", cmd_count_show, "a count and its lines"),
        ("approve", cmd_count_approve, "approve differences above count_approval_threshold"),
        ("cancel", cmd_count_cancel, "drop a count that has not posted"),
    ):
        cmd.add(name, handler, text, g).add_argument("count", metavar="CC")
    sp = cmd.add("post", cmd_count_post, "post the differences as one adjustment each", g)
    sp.add_argument("count", metavar="CC")
    sp.add_argument(
        "--skip-uncounted",
        dest="skip_uncounted",
        action="store_true",
        help="post without the lines nobody counted (they post nothing)",
    )
    sp = cmd.add("list", cmd_count_list, "list cycle counts", g)
    add_status_filter(sp)
    sp.add_argument("--location")
    sp.add_argument("--search", help="number, selection, memo or who started it contains this")
    add_paging(sp, counts.COUNT_SORTS)
