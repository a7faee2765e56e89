"""The audit trail: `shopfloor audit [--user U] [--since D] [--until D] [--document REF]
[--action A] [--search TEXT] [--export FILE.csv]`."""

from __future__ import annotations

from app.cli.base import Commands, Context, Result, add_paging, file_path, page_request
from app.cli.output import paged_note, table
from app.services import audit
from app.services.audit import AuditEntry


def _when(e: AuditEntry) -> str:
    return e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _payload(e: AuditEntry) -> dict[str, object]:
    return {
        "id": e.id,
        "at": e.at,
        "user": e.username,
        "role": e.role,
        "workstation": e.workstation,
        "action": e.action,
        "document": e.document,
        "details": e.details,
        "stock": e.stock,
        "more_stock": e.more_stock,
    }


def cmd_audit(ctx: Context) -> Result:
    a = ctx.args
    chosen = {
        "user": a.user_filter,
        "since": a.since,
        "until": a.until,
        "document": a.document,
        "action": a.action,
        "text": a.search,
    }
    page = audit.list_audit(ctx.uow, **chosen, page=page_request(a, descending=a.sort is None))
    payload: dict[str, object] = {"events": [_payload(e) for e in page], "total": page.total}
    text = table(
        ["event", "at", "user", "role", "workstation", "action", "document", "what", "quantities"],
        [
            (
                e.id,
                _when(e),
                e.username,
                e.role or "",
                e.workstation,
                e.action,
                e.document or "",
                e.what,
                e.quantities,
            )
            for e in page
        ],
    ) + paged_note(page.total, len(page))
    if a.export:
        everything = audit.list_audit(ctx.uow, **chosen)
        payload["exported"] = audit.export_csv(everything.rows, a.export)
        text += f"\n\n{payload['exported']} event(s) written to {a.export}"
    return payload, text


def register(cmd: Commands) -> None:
    # Here --user chooses whose events are listed; who reads them is named before the
    # command (`shopfloor --user anna audit --user olga`) or by $SHOPFLOOR_USER.
    sp = cmd.add(
        "audit",
        cmd_audit,
        "the audit trail: who did what, in which role, where, and the stock before and after",
        acting_user=False,
    )
    sp.add_argument(
        "--user",
        dest="user_filter",
        metavar="USER",
        help="only this user's events (who reads them: --user before `audit`)",
    )
    sp.add_argument("--since", metavar="YYYY-MM-DD", help="from this day (local time)")
    sp.add_argument("--until", metavar="YYYY-MM-DD", help="up to and including this day")
    sp.add_argument("--document", metavar="REF", help="only events on this document")
    sp.add_argument(
        "--action", help="one action (wo.issue) or every action of a kind (wo, auth, so)"
    )
    sp.add_argument("--search", help="only events containing this text anywhere")
    sp.add_argument("--export", metavar="FILE.csv", type=file_path, help="write them as CSV")
    add_paging(sp, ("at", "user", "action", "document"), default_limit=50)
