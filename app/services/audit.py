"""The audit trail: every posting, sign-in, refused sign-in and lockout, with who made it, in
which role, at which workstation, on which document, and the stock figures it changed before
and after; read a page at a time, filtered, searched and exported.

The events are written by `Transaction.commit` (app/services/engine/uow.py), one per posting,
and never changed (triggers refuse UPDATE and DELETE).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, or_, select

from app.errors import ValidationError
from app.models import AuditEvent
from app.models.quantity import fmt
from app.services.engine.paging import Listing, Page, PageRequest, text_search
from app.services.engine.parsing import parse_date, parse_text
from app.services.engine.permissions import Permission
from app.services.engine.uow import Transaction, query

_E = cast(Table, AuditEvent.__table__)
_LISTING = Listing(
    sorts={"at": _E.c.id, "user": _E.c.username, "action": _E.c.action, "document": _E.c.document},
    default="at",
    tiebreak=_E.c.id,
)
FIGURE_WORDS = {
    "on_hand": "on hand",
    "committed": "committed",
    "demand": "open demand",
    "on_order": "on order",
}
SIGN_INS = {
    "auth.sign_in": "signed in",
    "auth.refused": "sign-in refused",
    "db.restore": "database restored",
}
EXPORT_COLUMNS = [
    "event",
    "at",
    "user",
    "role",
    "workstation",
    "action",
    "document",
    "what",
    "quantities",
]


@dataclass(frozen=True)
class StockChange:
    """One stock figure a posting changed: an item at a location, before and after."""

    sku: str
    location: str
    figure: str  # on_hand, committed, demand, on_order
    before: Decimal
    after: Decimal

    def figure_words(self) -> str:
        """ "on hand 12 → 7"."""
        return (
            f"{FIGURE_WORDS.get(self.figure, self.figure)} {fmt(self.before)} → {fmt(self.after)}"
        )


@dataclass(frozen=True)
class AuditEntry:
    """One audit event. `role` is None for events older than schema 0009 and for a name
    nobody registered; `details` are the posting's notes."""

    id: int
    at: datetime
    username: str
    role: str | None
    workstation: str
    action: str
    document: str | None
    details: dict[str, Any]
    stock: list[StockChange]
    more_stock: int  # balances changed beyond those listed

    @property
    def what(self) -> str:
        """The notes in words (a lockout says so)."""
        notes = dict(self.details)
        said = []
        outcome = notes.pop("outcome", None)
        if outcome is not None:
            said.append(str(outcome))
        reason = notes.pop("reason", None)
        if reason is not None:
            said.append(str(reason))
        said += [
            f"{k.replace('_', ' ')}: {_plain(v)}" for k, v in sorted(notes.items()) if v is not None
        ]
        return "; ".join(said)

    @property
    def quantities(self) -> str:
        """The stock figures changed, before → after, by item and location."""
        balances: dict[tuple[str, str], list[str]] = {}
        for c in self.stock:
            balances.setdefault((c.sku, c.location), []).append(c.figure_words())
        said = [f"{sku}@{loc} {', '.join(words)}" for (sku, loc), words in balances.items()]
        if self.more_stock:
            said.append(f"and {self.more_stock} more")
        return "; ".join(said)

    @property
    def action_words(self) -> str:
        return SIGN_INS.get(self.action, self.action)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_plain(v)}" for k, v in value.items())
    return str(value)


def _entry(row: Any) -> AuditEntry:
    try:
        details = json.loads(row.details or "{}")
    except ValueError:
        details = {"details": row.details}
    if not isinstance(details, dict):
        details = {"details": details}
    stock: list[StockChange] = []
    for b in details.pop("stock", None) or []:
        for figure in FIGURE_WORDS:
            pair = b.get(figure)
            if pair is not None:
                stock.append(
                    StockChange(b["sku"], b["location"], figure, Decimal(pair[0]), Decimal(pair[1]))
                )
    more = int(details.pop("stock_more", 0) or 0)
    return AuditEntry(
        id=row.id,
        at=row.at,
        username=row.username,
        role=row.role,
        workstation=row.workstation,
        action=row.action,
        document=row.document,
        details=details,
        stock=stock,
        more_stock=more,
    )


def _day_start(day: date) -> datetime:
    """Midnight of a day at this workstation, as UTC."""
    return datetime.combine(day, time.min).astimezone(UTC)


def _conditions(
    user: str | None,
    since: object,
    until: object,
    document: str | None,
    action: str | None,
    text: str | None,
) -> list[ColumnElement[bool]]:
    chosen: list[ColumnElement[bool]] = []
    name = parse_text(user, field="user", max_length=64)
    if name:
        chosen.append(_E.c.username == name)
    first = parse_date(since, field="since")
    last = parse_date(until, field="until")
    if first is not None and last is not None and last < first:
        raise ValidationError(f"until {last} is before since {first}")
    if first is not None:
        chosen.append(_E.c.at >= _day_start(first))
    if last is not None:
        chosen.append(_E.c.at < _day_start(last + timedelta(days=1)))
    ref = parse_text(document, field="document", max_length=120)
    if ref:
        chosen.append(_E.c.document.in_(sorted({ref, ref.upper()})))
    what = parse_text(action, field="action", max_length=40).lower()
    if what:
        # An action ("wo.issue") or every action of a kind ("wo").
        chosen.append(or_(_E.c.action == what, _E.c.action.startswith(f"{what}.", autoescape=True)))
    chosen += text_search(
        text, _E.c.username, _E.c.role, _E.c.workstation, _E.c.action, _E.c.document, _E.c.details
    )
    return chosen


@query(Permission.AUDIT)
def list_audit(
    tx: Transaction,
    *,
    user: str | None = None,
    since: object = None,
    until: object = None,
    document: str | None = None,
    action: str | None = None,
    text: str | None = None,
    page: PageRequest | None = None,
) -> Page[AuditEntry]:
    """The audit events, newest first unless asked otherwise: of one user, from one day to
    another (days at this workstation, both included), on one document, of one action or
    kind of action ("wo" for every work order posting), and containing a text anywhere."""
    stmt = select(_E).where(*_conditions(user, since, until, document, action, text))
    request = page or PageRequest(limit=None, descending=True)
    return _LISTING.fetch(tx.session, stmt, request, _entry)


def export_csv(entries: Sequence[AuditEntry], path: str | Path) -> int:
    """Write the events as CSV, one row per event, times in UTC; returns the rows written."""
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(EXPORT_COLUMNS)
        for e in entries:
            out.writerow(
                [
                    e.id,
                    e.at.isoformat(),
                    e.username,
                    e.role or "",
                    e.workstation,
                    e.action,
                    e.document or "",
                    e.what,
                    e.quantities,
                ]
            )
    return len(entries)
