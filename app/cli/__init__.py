"""The `shopfloor` command: parses, calls the services, prints.

Exit status: 0 done; 2 refused (bad input, not found, illegal transition, permission, schema),
with a one-line reason on stderr and, with --json, {"error": {"code", "message"}} on stdout;
1 when `check` finds problems or something unexpected breaks. Nothing is changed unless the
command succeeds. The commands are grouped by what they are about, one module each
(app/cli/plant.py, catalog.py, stock.py, production.py, orders.py ...): every module here
with a `register` function adds its commands, found rather than listed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

from app import __version__
from app.cli import credentials, plant
from app.cli.base import Commands, Context, Parser, database_location, user_name
from app.cli.output import fail, jsonable, say
from app.config import database_url
from app.errors import ShopfloorError
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork


def command_groups() -> list[ModuleType]:
    """Every module of this package that adds commands: the plant's first, then by name."""
    groups = [plant]
    for found in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{found.name}")
        if module is not plant and callable(getattr(module, "register", None)):
            groups.append(module)
    return groups


def common_options(*, acting_user: bool = True) -> argparse.ArgumentParser:
    """--db, --json and --user (who acts), which every command takes; a command whose own
    --user means something else leaves the last out."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        type=database_location,
        default=argparse.SUPPRESS,
        help="database file or SQLAlchemy URL",
    )
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON object"
    )
    if acting_user:
        common.add_argument(
            "--user", type=user_name, default=argparse.SUPPRESS, help="act as this user"
        )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = common_options()

    p = Parser(
        prog="shopfloor",
        description="Shopfloor: work orders, BOMs and inventory for the shop floor.",
        parents=[common],
    )
    # The shared --db/--json/--user actions keep SUPPRESS as default so they can be given before
    # or after the sub-command; main() fills in the defaults after parsing.
    # No sub-command: the main window, which explains a missing or outdated database itself.
    p.set_defaults(handler=plant.cmd_window, needs_schema=True)
    p.add_argument("--version", action="version", version=f"shopfloor {__version__}")
    p.add_argument(
        "--self-test",
        action="store_true",
        help="open the window offscreen on a temporary demo plant, build through it, check",
    )
    commands = Commands(
        p.add_subparsers(dest="command", parser_class=Parser),
        common,
        common_options(acting_user=False),
    )
    for group in command_groups():
        group.register(commands)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    want_json = "--json" in (argv if argv is not None else sys.argv[1:])
    database: Database | None = None
    try:
        args = parser.parse_args(argv)
        for name, default in (("db", None), ("json", False), ("user", None)):
            if not hasattr(args, name):
                setattr(args, name, default)
        want_json = args.json
        if args.self_test:
            return plant.self_test()
        database = Database(database_url(args.db))
        window = plant.WINDOWS.get(args.handler)  # a window checks the database itself
        uow = UnitOfWork(database, Actor.current(args.user))
        if args.needs_schema and window is None:
            database.require_current_schema()
            uow = credentials.signed_in(uow)  # the window signs its users in itself
        ctx = Context(args=args, database=database, uow=uow)
        if window is not None:
            return window(ctx)
        payload, text = args.handler(ctx)
    except ShopfloorError as exc:
        return fail(2, exc.code, exc.message, want_json)
    except KeyboardInterrupt:
        return fail(130, "interrupted", "interrupted", want_json)
    except Exception as exc:  # a bug: say so plainly, exit 1
        return fail(1, "internal", f"internal error: {type(exc).__name__}: {exc}", want_json)
    finally:
        if database is not None:
            database.dispose()
    say(json.dumps(jsonable(payload), ensure_ascii=False) if want_json else text)
    if args.handler is plant.cmd_check and not payload["ok"]:
        return 1
    return 0
