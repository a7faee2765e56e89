"""Document numbers: one sequence per kind of document, drawn inside the posting that uses
it (a refused posting draws nothing), formatted with the kind's prefix."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.models import Counter
from app.services.engine.parsing import lookup_key

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

_COUNTER = cast(Table, Counter.__table__)

# sequence name -> number prefix; the scan station tells documents apart by these prefixes.
PREFIXES = {
    "work_order": "WO-",
    "sales_order": "SO-",
    "fulfillment": "IF-",
    "purchase_order": "PO-",
    "receipt": "IR-",
}


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


def format_number(name: str, value: int) -> str:
    return f"{PREFIXES[name]}{value:06d}"


def next_number(tx: Transaction, name: str) -> str:
    """The next document number of a kind: WO-000001, SO-000001, ..."""
    return format_number(name, next_value(tx, name))


NUMBER_LENGTH = 32  # the number columns of every document
_NOUNS = {prefix: name.replace("_", " ") for name, prefix in PREFIXES.items()}


def normalize_number(text: str) -> str:
    """A document number as typed or scanned: surrounding spaces dropped, upper case. Text no
    document can have (control characters, too long) is unknown before any lookup."""
    key = ("" if text is None else str(text)).strip().upper()
    noun = next((n for prefix, n in _NOUNS.items() if key.startswith(prefix)), "document")
    return lookup_key(key, noun=noun, max_length=NUMBER_LENGTH)
