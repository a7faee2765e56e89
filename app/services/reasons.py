"""Reason codes: the admin's list of why stock was scrapped and why goods came back or go
back. A scrap or a return names one of its kind; an unknown or retired code is refused,
naming the codes there are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.errors import AlreadyExists, NotFound, ValidationError
from app.models import ReasonCode
from app.models.kinds import REASON_CODE_KINDS
from app.models.reasons import REASON_CODE_LENGTH
from app.services.engine import changes
from app.services.engine.parsing import lookup_key, parse_code, parse_text
from app.services.engine.permissions import Permission
from app.services.engine.uow import Transaction, posting, query

DESCRIPTION_LENGTH = 200


@dataclass(frozen=True)
class ReasonCodeInfo:
    kind: str
    code: str
    description: str
    active: bool
    created_at: datetime
    created_by: str


def _info(row: ReasonCode) -> ReasonCodeInfo:
    return ReasonCodeInfo(
        row.kind, row.code, row.description, row.active, row.created_at, row.created_by
    )


def parse_kind(value: object) -> str:
    """A kind of reason code as typed (scrap, return ...)."""
    text = str(value or "").strip().lower()
    if text not in REASON_CODE_KINDS.words:
        raise ValidationError(
            f"unknown kind of reason {value!r}; one of {', '.join(REASON_CODE_KINDS.words)}"
        )
    return text


def reason_code_kinds() -> list[tuple[str, str]]:
    """Every kind of reason code as (kind, what it explains)."""
    return list(REASON_CODE_KINDS.words.items())


@posting("reason.add", Permission.EDIT_PREFERENCES)
def add_reason_code(
    tx: Transaction, code: str, kind: str, description: str | None = None
) -> ReasonCodeInfo:
    """A new reason of one kind; codes are kept in capitals, as they are printed and
    scanned."""
    which = parse_kind(kind)
    text = parse_code(code, field="reason code", max_length=REASON_CODE_LENGTH).upper()
    if tx.session.get(ReasonCode, (which, text)) is not None:
        raise AlreadyExists(f"{which} reason {text} exists already")
    row = ReasonCode(
        kind=which,
        code=text,
        description=parse_text(description, field="description", max_length=DESCRIPTION_LENGTH),
        active=True,
        created_by=tx.actor.user,
    )
    tx.session.add(row)
    tx.session.flush()
    tx.set_document(f"{which} reason {text}")
    tx.changed.add(changes.REASON_CODE, f"{which}:{text}")
    return _info(row)


@posting("reason.update", Permission.EDIT_PREFERENCES)
def set_reason_code_active(tx: Transaction, code: str, kind: str, active: bool) -> ReasonCodeInfo:
    """Retire a reason (postings that named it keep it) or bring it back."""
    row = _row(tx, code, parse_kind(kind))
    row.active = bool(active)
    tx.session.flush()
    tx.set_document(f"{row.kind} reason {row.code}")
    tx.changed.add(changes.REASON_CODE, f"{row.kind}:{row.code}")
    return _info(row)


@query()
def list_reason_codes(
    tx: Transaction, kind: str | None = None, *, active_only: bool = False
) -> list[ReasonCodeInfo]:
    """The reasons, by kind and code."""
    stmt = select(ReasonCode).order_by(ReasonCode.kind, ReasonCode.code)
    if kind:
        stmt = stmt.where(ReasonCode.kind == parse_kind(kind))
    if active_only:
        stmt = stmt.where(ReasonCode.active.is_(True))
    return [_info(r) for r in tx.session.scalars(stmt)]


def _row(tx: Transaction, code: str, kind: str) -> ReasonCode:
    text = lookup_key(code, noun=f"{kind} reason", max_length=REASON_CODE_LENGTH).upper()
    row = tx.session.get(ReasonCode, (kind, text))
    if row is None:
        there = tx.session.scalars(
            select(ReasonCode.code)
            .where(ReasonCode.kind == kind, ReasonCode.active.is_(True))
            .order_by(ReasonCode.code)
        ).all()
        hint = (
            f"; the {kind} reasons are {', '.join(there)}"
            if there
            else f"; there are none yet (shopfloor reason add CODE --kind {kind})"
        )
        raise NotFound(f"unknown {kind} reason {text!r}{hint}")
    return row


def require_reason_code(tx: Transaction, code: object, kind: str) -> str:
    """The code of an active reason of `kind`, as stored, for a posting that must name one;
    an empty, unknown or retired code is refused in words."""
    if code is None or not str(code).strip():
        raise ValidationError(f"give a {kind} reason (shopfloor reason list --kind {kind})")
    row = _row(tx, str(code), parse_kind(kind))
    if not row.active:
        raise ValidationError(f"{kind} reason {row.code} is retired")
    return row.code
