"""`shopfloor reason`: the plant's reason codes for scraps and returns."""

from __future__ import annotations

from app.cli.base import Commands, Context, Handler, Result, one_line
from app.cli.output import table
from app.services import reasons


def cmd_reason_add(ctx: Context) -> Result:
    a = ctx.args
    info = reasons.add_reason_code(ctx.uow, a.code, a.kind, a.description)
    return info, f"{info.kind} reason {info.code} added"


def cmd_reason_list(ctx: Context) -> Result:
    rows = reasons.list_reason_codes(ctx.uow, ctx.args.kind)
    text = table(
        ["kind", "code", "description", "active"],
        [(r.kind, r.code, r.description, "yes" if r.active else "retired") for r in rows],
    )
    return {"reasons": rows}, text


def _set_active(active: bool) -> Handler:
    def handler(ctx: Context) -> Result:
        info = reasons.set_reason_code_active(ctx.uow, ctx.args.code, ctx.args.kind, active)
        return info, f"{info.kind} reason {info.code} {'in use' if active else 'retired'}"

    return handler


def register(cmd: Commands) -> None:
    kinds = [kind for kind, _words in reasons.reason_code_kinds()]
    g = cmd.group("reason", "reason codes for scraps and returns")
    sp = cmd.add("add", cmd_reason_add, "add a reason code", g)
    sp.add_argument("code")
    sp.add_argument("--kind", required=True, choices=kinds)
    sp.add_argument("--description", type=one_line("description", reasons.DESCRIPTION_LENGTH))
    sp = cmd.add("list", cmd_reason_list, "the reason codes", g)
    sp.add_argument("--kind", choices=kinds)
    for name, active, words in (("retire", False, "retire"), ("restore", True, "bring back")):
        sp = cmd.add(name, _set_active(active), f"{words} a reason code", g)
        sp.add_argument("code")
        sp.add_argument("--kind", required=True, choices=kinds)
