"""What every command group shares: the context a handler gets, the parser helpers, and the
options of a paged list."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from app.errors import ValidationError
from app.services.engine.database import Database
from app.services.engine.paging import PageRequest
from app.services.engine.uow import UnitOfWork


class UsageError(ValidationError):
    code = "usage"


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


@dataclass
class Context:
    args: argparse.Namespace
    database: Database
    uow: UnitOfWork


Result = tuple[Any, str]  # (payload for --json, text for people)
Handler = Callable[[Context], Result]


class Commands:
    """Adds sub-commands under the top-level parser, each with the shared options."""

    def __init__(self, sub: Any, common: argparse.ArgumentParser) -> None:
        self.sub = sub
        self.common = common

    def add(self, name: str, handler: Handler, help_text: str, parent: Any = None) -> Any:
        sp = (parent or self.sub).add_parser(name, help=help_text, parents=[self.common])
        sp.set_defaults(handler=handler)
        return sp

    def group(self, name: str, help_text: str) -> Any:
        gp = self.sub.add_parser(name, help=help_text, parents=[self.common])
        return gp.add_subparsers(dest=f"{name}_command", required=True, parser_class=Parser)


def add_paging(parser: Any, sorts: tuple[str, ...], default_limit: int | None = None) -> None:
    """--limit, --offset, --sort and --desc of a list command."""
    parser.add_argument("--limit", type=int, default=default_limit, help="at most this many rows")
    parser.add_argument("--offset", type=int, default=0, help="skip this many rows first")
    parser.add_argument("--sort", choices=sorts, help="sort by this column")
    parser.add_argument("--desc", action="store_true", help="sort in descending order")


def page_request(args: argparse.Namespace, *, descending: bool = False) -> PageRequest:
    return PageRequest(
        offset=args.offset,
        limit=args.limit,
        sort=args.sort,
        descending=args.desc or descending,
    )
