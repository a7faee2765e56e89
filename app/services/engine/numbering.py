"""Document numbers: one sequence per kind of document (app/models/kinds.py), drawn inside the
posting that uses it (a refused posting draws nothing), formatted with the kind's prefix."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.models import Counter
from app.models.kinds import DocumentKind, kind_of_number
from app.services.engine.parsing import lookup_key

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

_COUNTER = cast(Table, Counter.__table__)


def _next_value(insert: Any) -> Any:
    return (
        insert(_COUNTER)
        .values(name=bindparam("name"), value=1)
        .on_conflict_do_update(index_elements=["name"], set_={"value": _COUNTER.c.value + 1})
        .returning(_COUNTER.c.value)
    )


_NEXT_VALUE = {"sqlite": _next_value(sqlite_insert), "postgresql": _next_value(pg_insert)}


def next_value(tx: Transaction, name: str) -> int:
    """The next value of a sequence, inside the posting's transaction."""
    stmt = _NEXT_VALUE["postgresql" if tx.is_postgresql else "sqlite"]
    return int(tx.session.execute(stmt, {"name": name}).scalar_one())


def next_number(tx: Transaction, kind: DocumentKind) -> str:
    """The next document number of a kind: WO-000001, SO-000001, ... (its sequence is named
    after the kind)."""
    return kind.format_number(next_value(tx, kind.key))


NUMBER_LENGTH = 32  # the number columns of every document


def normalize_number(text: str) -> str:
    """A document number as typed or scanned: surrounding spaces dropped, upper case. Text no
    document can have (control characters, too long) is unknown before any lookup."""
    key = ("" if text is None else str(text)).strip().upper()
    kind = kind_of_number(key)
    return lookup_key(key, noun=kind.noun if kind else "document", max_length=NUMBER_LENGTH)
