"""What the command prints: JSON values, plain text tables, one-line errors."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Mapping, Sequence, Set
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

from app.models.quantity import fmt
from app.services.engine.changes import Changes


def jsonable(value: Any) -> Any:
    """Plain JSON values; quantities and money as exact decimal strings."""
    if isinstance(value, Changes):
        return {
            "event_id": value.event_id,
            "records": {k: sorted(v) for k, v in sorted(value.records.items())},
            "balances": [{"sku": s, "location": loc} for s, loc in sorted(value.balances)],
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, Set):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def cell(value: Any) -> str:
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
    cells = [[cell(v) for v in row] for row in rows]
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


def paged_note(total: int, shown: int) -> str:
    """A line under a table that shows only part of a list."""
    return f"\n({shown} of {total} shown)" if shown < total else ""


def printable(text: str) -> str:
    """One line with control characters (a scanner's ESC, BEL, ...) shown escaped."""
    out = []
    for ch in " ".join(text.split()):
        out.append(ch.encode("unicode_escape").decode("ascii") if not ch.isprintable() else ch)
    return "".join(out)


def say(text: str, stream: TextIO | None = None) -> None:
    """Write `text` and a line end to standard output (or `stream`) at once. A reader that
    stops early (`| head`) is no fault of the command: the rest is dropped without a word."""
    out = stream or sys.stdout
    try:
        print(text, file=out, flush=True)
    except BrokenPipeError:
        _drop_the_rest(out)


def _drop_the_rest(stream: TextIO) -> None:
    """Point a stream whose reader has gone at the null device, so that nothing written later
    (the flush at exit included) reports the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, stream.fileno())
    finally:
        os.close(devnull)


def fail(status: int, code: str, message: str, want_json: bool) -> int:
    one_line = printable(message)
    say(f"shopfloor: {one_line}", sys.stderr)
    if want_json:
        say(json.dumps({"error": {"code": code, "message": one_line}}, ensure_ascii=False))
    return status
