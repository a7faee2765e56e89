"""What every command group shares: the context a handler gets, the parser helpers, and the
options of a paged list."""

from __future__ import annotations

import argparse
import os
import re
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from app.errors import ValidationError
from app.services.engine.database import Database
from app.services.engine.paging import MAX_LIMIT, PageRequest
from app.services.engine.parsing import (
    MAX_ID,
    parse_int,
    parse_name,
    parse_quantity,
    parse_text,
    shown,
)
from app.services.engine.uow import UnitOfWork

MAX_ARGUMENT = 4096  # characters in one argument: nothing anyone types is longer than a path


class UsageError(ValidationError):
    code = "usage"


def _argument_fault(text: str) -> str | None:
    if len(text) > MAX_ARGUMENT:
        return f"is longer than {MAX_ARGUMENT:,} characters"
    if text.isprintable():
        return None
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        return "is not valid text (bytes that are not UTF-8)"
    if "\x00" in text:
        return "contains a NUL character"
    return None


class Parser(argparse.ArgumentParser):
    """Usage errors are refusals (exit 2). Every value given must be text: bytes that are not
    UTF-8 (which reach Python as lone surrogates) and NUL are refused here, for every command,
    before any service sees them; only a file to read may be named in any bytes."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        for action in self._actions:
            if action.type is file_path:
                continue
            value = getattr(parsed, action.dest, None)
            for text in value if isinstance(value, list) else [value]:
                fault = _argument_fault(text) if isinstance(text, str) else None
                if fault is not None:
                    name = "/".join(action.option_strings) or action.metavar or action.dest
                    self.error(f"argument {name}: {shown(text)} {fault}")
        return parsed, extras


# --- argument types: each turns one value into what the service takes, or refuses it -------


T = TypeVar("T")


def _argument_type(name: str, convert: Callable[[str], T]) -> Callable[[str], T]:
    def checked(text: str) -> T:
        try:
            return convert(text)
        except ValidationError as exc:
            raise argparse.ArgumentTypeError(exc.message) from None

    checked.__name__ = name
    return checked


def whole_number(field: str, minimum: int, maximum: int) -> Callable[[str], int]:
    """A whole number argument (an id, a count, a limit) within what the database stores."""
    return _argument_type(
        field, lambda text: parse_int(text, field=field, minimum=minimum, maximum=maximum)
    )


def one_line(field: str, max_length: int) -> Callable[[str], str]:
    """Free text (a memo, a name) that fits its column: one line without control characters."""
    return _argument_type(field, lambda text: parse_text(text, field=field, max_length=max_length))


event_id = whole_number("event id", 1, MAX_ID)
limit = whole_number("limit", 1, MAX_LIMIT)
offset = whole_number("offset", 0, MAX_ID)
memo = one_line("memo", 200)


def file_path(text: str) -> str:
    """A file to read: any name the file system takes (the reader checks what it is)."""
    return text


def user_name(text: str) -> str:
    """--user: a registered user's name; empty means the login name."""
    if not text.strip():
        return ""
    try:
        return parse_name(text, field="user", max_length=64)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


_DATABASE_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")


def database_location(text: str) -> str:
    """--db: a file path, or a sqlite:// or postgresql:// URL. A path to something that is not
    a file (a named pipe, a device) is refused before anything opens it."""
    scheme, sep, _rest = text.partition("://")
    if sep:
        if scheme.lower() not in _DATABASE_SCHEMES:
            raise argparse.ArgumentTypeError(
                f"{shown(text)} is not a database this program can open: give a file path, "
                "sqlite:///PATH or postgresql+psycopg://USER@HOST/DATABASE"
            )
        return text
    try:
        info = os.stat(os.path.expanduser(text))
    except (OSError, ValueError):
        return text  # a missing file: the schema check says what to do
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a Shopfloor database (not a file)")
    return text


@dataclass
class Context:
    args: argparse.Namespace
    database: Database
    uow: UnitOfWork


Result = tuple[Any, str]  # (payload for --json, text for people)
Handler = Callable[[Context], Result]


class Commands:
    """Adds sub-commands under the top-level parser, each with the shared options (one whose
    own --user means something else, `acting_user=False`, without the shared --user: who
    acts is then named before the command, or by $SHOPFLOOR_USER)."""

    def __init__(
        self,
        sub: Any,
        common: argparse.ArgumentParser,
        common_without_user: argparse.ArgumentParser | None = None,
    ) -> None:
        self.sub = sub
        self.common = common
        self.common_without_user = common_without_user or common

    def add(
        self,
        name: str,
        handler: Handler,
        help_text: str,
        parent: Any = None,
        *,
        acting_user: bool = True,
    ) -> Any:
        shared = self.common if acting_user else self.common_without_user
        sp = (parent or self.sub).add_parser(name, help=help_text, parents=[shared])
        sp.set_defaults(handler=handler)
        return sp

    def group(self, name: str, help_text: str) -> Any:
        gp = self.sub.add_parser(name, help=help_text, parents=[self.common])
        return gp.add_subparsers(dest=f"{name}_command", required=True, parser_class=Parser)


def add_status_filter(parser: Any) -> None:
    """--status of a list command: the service reads it (app/models/lifecycle.py)."""
    parser.add_argument(
        "--status",
        help="only this status (its key or its name, in any case), or several separated by commas",
    )


def add_paging(parser: Any, sorts: tuple[str, ...], default_limit: int | None = None) -> None:
    """--limit, --offset, --sort and --desc of a list command."""
    parser.add_argument("--limit", type=limit, default=default_limit, help="at most this many rows")
    parser.add_argument("--offset", type=offset, default=0, help="skip this many rows first")
    parser.add_argument("--sort", choices=sorts, help="sort by this column")
    parser.add_argument("--desc", action="store_true", help="sort in descending order")


def page_request(args: argparse.Namespace, *, descending: bool = False) -> PageRequest:
    return PageRequest(
        offset=args.offset,
        limit=args.limit,
        sort=args.sort,
        descending=args.desc or descending,
    )


def quantities(
    values: Sequence[str] | None, flag: str = "--line", what: str = "QUANTITY"
) -> dict[str, str] | None:
    """KEY=QUANTITY pairs (a line number, or a sku; `what` names the value otherwise)."""
    if not values:
        return None
    out: dict[str, str] = {}
    for value in values:
        key, sep, qty = value.rpartition("=")
        if not sep or not key.strip() or not qty.strip():
            raise UsageError(f"{flag} takes KEY={what}, not {value!r}")
        if key.strip() in out:
            raise UsageError(f"{flag} {key.strip()} is given twice")
        out[key.strip()] = qty.strip()
    return out


_WITH_LOT = re.compile(r"(?P<key>.+?)=(?P<qty>[^=@]+)(?:@(?P<lot>.*))?", re.DOTALL)
LotQuantities = tuple[dict[str, str], dict[str, list[tuple[str, str]]]]


def lot_quantities(values: Sequence[str], flag: str) -> LotQuantities:
    """KEY=QUANTITY[@LOT] values (a line or a sku, what of it, and from which lot): the total
    per key, and per key the lots named with their quantities. A key may be given again with
    another lot; twice without one, or twice with the same lot, is refused."""
    totals: dict[str, str] = {}
    lots: dict[str, list[tuple[str, str]]] = {}
    plain: set[str] = set()
    for value in values:
        found = _WITH_LOT.fullmatch(value)
        if found is None or not found["key"].strip():
            raise UsageError(f"{flag} takes KEY=QUANTITY or KEY=QUANTITY@LOT, not {value!r}")
        key, qty, lot = found["key"].strip(), found["qty"].strip(), found["lot"]
        if lot is not None and not lot.strip():
            raise UsageError(f"{flag} {value!r} names no lot after @")
        if lot is None:
            if key in plain:
                raise UsageError(f"{flag} {key} is given twice")
            plain.add(key)
        else:
            named = lots.setdefault(key, [])
            if any(n == lot.strip() for n, _q in named):
                raise UsageError(f"{flag} {key}@{lot.strip()} is given twice")
            named.append((lot.strip(), qty))
        amount = parse_quantity(qty, f"quantity of {key}")
        if key in totals:
            totals[key] = format(parse_quantity(totals[key], key) + amount, "f")
        else:
            totals[key] = qty
    return totals, lots


def add_lot_options(parser: Any, *, vendor_lot: bool = False) -> None:
    """--lot, --serial and --expires of a posting that brings a tracked item in (or names
    what goes out)."""
    parser.add_argument("--lot", help="the lot (an item tracked by lot)")
    parser.add_argument(
        "--serial", metavar="S1,S2,...", help="the serial numbers, one per unit (tracked by serial)"
    )
    parser.add_argument("--expires", help="a new lot's expiry date YYYY-MM-DD")
    if vendor_lot:
        parser.add_argument(
            "--vendor-lot", dest="vendor_lot", help="the vendor's own lot number (default: --lot)"
        )
