"""Commands for the plant as a whole: init, overview, check, preferences and users."""

from __future__ import annotations

import getpass
import os
import sys

from app import __version__
from app.cli.base import Commands, Context, Result, one_line
from app.cli.output import table
from app.config import ENV_DB
from app.errors import ValidationError
from app.services import admin, check, overview, setup


def database_given(ctx: Context) -> bool:
    """Whether the command line or the environment named the database; a window opened
    without one works on the server its desktop is set up for (or the default file)."""
    return ctx.args.db is not None or bool(os.environ.get(ENV_DB))


def open_window(ctx: Context) -> int:
    """`shopfloor` with no sub-command: the main window (Qt is imported only here)."""
    from app.views.app import run_main_window

    return run_main_window(ctx.database, user=ctx.args.user, from_settings=not database_given(ctx))


def open_station(ctx: Context) -> int:
    """`shopfloor station`: the scan station alone, full screen (Qt is imported only here)."""
    from app.views.app import run_station

    return run_station(
        ctx.database,
        location=ctx.args.location,
        user=ctx.args.user,
        full_screen=not ctx.args.windowed,
        from_settings=not database_given(ctx),
    )


def self_test() -> int:
    """`shopfloor --self-test`: a build through the window on a temporary demo plant."""
    from app.views.station.selftest import run_self_test

    return run_self_test()


def cmd_window(ctx: Context) -> Result:
    return None, ""  # never called: main() runs open_window for it and returns its status


def cmd_station(ctx: Context) -> Result:
    return None, ""  # never called: main() runs open_station for it


# Commands that open a window: main() runs these instead of the handler and returns the
# window's exit status.
WINDOWS = {cmd_window: open_window, cmd_station: open_station}


def cmd_init(ctx: Context) -> Result:
    res = setup.init_database(ctx.database, demo=ctx.args.demo, actor=ctx.uow.actor)
    lines = [f"database {res.database} is at schema {res.schema}"]
    if res.previous_schema and res.previous_schema != res.schema:
        lines.append(f"upgraded from {res.previous_schema}; backup at {res.backup}")
    if res.demo:
        lines.append("demo plant loaded")
    return res, "\n".join(lines)


def cmd_overview(ctx: Context) -> Result:
    o = overview.overview(ctx.uow, first=50)
    payload = {
        "database": o.database,
        "work_orders": o.work_orders,
        "late": [w.number for w in o.late.rows],
        "late_total": o.late.total,
        "shortages": o.shortages.total,
        "suggestions": o.suggestions.total,
        "on_hold": o.exceptions.held if o.exceptions else 0,
        "changed": o.exceptions.changed if o.exceptions else 0,
    }
    more = f" (and {o.late.total - len(o.late.rows)} more)" if o.late.has_more else ""
    text = [
        f"Shopfloor {__version__}: {o.database}",
        "",
        table(["status", "work orders"], list(o.work_orders.items())),
        "",
        f"late work orders: {', '.join(w.number for w in o.late.rows) or 'none'}{more}",
        f"components short across active work orders: {o.shortages.total}",
        f"creation queue suggestions: {o.suggestions.total}",
        f"work orders on hold: {payload['on_hold']}; active and changed: {payload['changed']}",
        "",
        "See `shopfloor --help` for every command.",
    ]
    return payload, "\n".join(text)


def cmd_check(ctx: Context) -> Result:
    report = check.check_database(ctx.uow)
    payload = {"ok": report.ok, "problems": report.problems, "checked": report.checked}
    counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in report.checked.items())
    if report.ok:
        return payload, f"ok: checked {counts}"
    return payload, "PROBLEMS:\n" + "\n".join(f"- {p}" for p in report.problems)


def cmd_prefs_show(ctx: Context) -> Result:
    prefs = admin.show_preferences(ctx.uow)
    return prefs, table(["preference", "value"], list(prefs.items()))


def cmd_prefs_set(ctx: Context) -> Result:
    prefs = admin.set_preference(ctx.uow, ctx.args.key, ctx.args.value)
    key = ctx.args.key.strip().lower()
    return prefs, f"{key} = {prefs[key]}"


def cmd_user_list(ctx: Context) -> Result:
    rows = admin.list_users(ctx.uow)
    return {"users": rows}, table(
        ["user", "role", "active"], [(u.username, u.role, u.active) for u in rows]
    )


def read_secret(name: str) -> str | None:
    """A PIN or password from a prompt (twice, unseen) or, when standard input is not a
    terminal, its first line; never from the command line. Empty: none given."""
    stdin = sys.stdin
    if stdin is None:
        return None
    if stdin.isatty():
        first = getpass.getpass(f"PIN or password for {name} (Enter for none): ")
        if not first:
            return None
        if getpass.getpass("The same again: ") != first:
            raise ValidationError("the two entries differ; nothing was changed")
        return first
    line = stdin.readline()
    return line.rstrip("\r\n") or None


def cmd_user_add(ctx: Context) -> Result:
    secret = read_secret(ctx.args.name)
    u = admin.add_user(ctx.uow, ctx.args.name, ctx.args.role, secret=secret)
    pin = "with a PIN" if u.has_pin else "without a PIN (set one with `user set --reset-pin`)"
    return u, f"user {u.username} added as {u.role}, {pin}"


def cmd_user_set(ctx: Context) -> Result:
    a = ctx.args
    if a.reset_pin:
        secret = read_secret(a.name)
        if secret is None:
            raise ValidationError(f"no PIN given for {a.name}; nothing was changed")
        u = admin.reset_secret(ctx.uow, a.name, secret)
    if a.role is not None or a.active is not None or not a.reset_pin:
        active = None if a.active is None else a.active == "yes"
        u = admin.update_user(ctx.uow, a.name, role=a.role, active=active)
    state = "active" if u.active else "deactivated"
    pin = ", new PIN set" if a.reset_pin else ""
    return u, f"user {u.username}: {u.role}, {state}{pin}"


def register(cmd: Commands) -> None:
    sp = cmd.add("init", cmd_init, "create or upgrade the database")
    sp.add_argument("--demo", action="store_true", help="load the demo plant into a new database")
    sp.set_defaults(needs_schema=False)

    cmd.add("overview", cmd_overview, "the plant at a glance")
    sp = cmd.add("station", cmd_station, "open the scan station alone, full screen")
    sp.add_argument(
        "--location",
        type=one_line("location", 32),
        help="work only on orders made at this location (remembered)",
    )
    sp.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    cmd.add("check", cmd_check, "prove balances and work orders against the ledger")

    g = cmd.group("prefs", "preferences")
    cmd.add("show", cmd_prefs_show, "all preferences", g)
    sp = cmd.add("set", cmd_prefs_set, "set a preference", g)
    sp.add_argument("key")
    sp.add_argument("value")

    g = cmd.group("user", "users and roles")
    cmd.add("list", cmd_user_list, "registered users", g)
    sp = cmd.add(
        "add",
        cmd_user_add,
        "register a user; the PIN is asked for (or read from standard input)",
        g,
    )
    sp.add_argument("name")
    sp.add_argument("--role", required=True)
    sp = cmd.add("set", cmd_user_set, "change a user's role or PIN, or deactivate them", g)
    sp.add_argument("name")
    sp.add_argument("--role")
    sp.add_argument("--active", choices=["yes", "no"])
    sp.add_argument(
        "--reset-pin",
        action="store_true",
        help="set a new PIN, asked for (or read from standard input); ends a lockout",
    )
