"""Running the real `shopfloor` command in a subprocess, and checking what it prints against
the command line contract: exit 0 with one JSON object, or exit 2 with a one-line reason on
stderr and {"error": {"code", "message"}} on stdout."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_SCRIPT = Path(sys.executable).with_name("shopfloor")
MODULE_COMMAND: tuple[str, ...] = (sys.executable, "-m", "app")
COMMAND: tuple[str, ...] = (str(_SCRIPT),) if _SCRIPT.exists() else MODULE_COMMAND
TIMEOUT_S = 120

STATUSES = frozenset(
    {"firm_planned", "open_planned", "released", "in_process", "built", "closed", "cancelled"}
)
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?")

STOCK_KEYS = ("on_hand", "committed", "available", "on_order", "backordered")
WO_KEYS = ("number", "item", "quantity", "built", "status", "due", "priority", "created_from")
WO_LINE_KEYS = ("quantity_per", "required", "committed", "issued", "backordered")
VARIANCE_KEYS = ("expected", "actual", "variance", "cost_variance")
WO_LIST_KEYS = ("number", "item", "quantity", "built", "status", "due")
SHORTAGE_KEYS = ("required", "available", "short", "on_order", "still_short")


@dataclasses.dataclass(frozen=True)
class Run:
    """One finished invocation."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return (
            f"$ {' '.join(map(repr, self.argv))}\nexit {self.returncode}\n"
            f"stdout: {self.stdout!r}\nstderr: {self.stderr!r}"
        )

    def json(self) -> Any:
        lines = self.stdout.splitlines()
        assert len(lines) == 1, f"expected one line of JSON on stdout\n{self}"
        return json.loads(lines[0])


@dataclasses.dataclass(frozen=True)
class Shopfloor:
    """The `shopfloor` command for one database, run with a private HOME and data directory.

    `db=None` leaves out `--db`, so $SHOPFLOOR_DB or the default data file is used."""

    home: Path
    db: Path | str | None
    user: str = "tester"
    workstation: str = "bench-1"
    pin: str | None = None  # the user's PIN ($SHOPFLOOR_PIN) once users are registered
    env: Mapping[str, str] = dataclasses.field(default_factory=dict)
    command: tuple[str, ...] = COMMAND

    @property
    def db_path(self) -> Path:
        assert isinstance(self.db, Path), f"{self.db!r} is not a database file"
        return self.db

    @property
    def data_dir(self) -> Path:
        return self.home / "xdg-data"

    def with_(self, **changes: Any) -> Shopfloor:
        return dataclasses.replace(self, **changes)

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPFLOOR_")}
        env.update(
            HOME=str(self.home),
            XDG_DATA_HOME=str(self.data_dir),
            XDG_CONFIG_HOME=str(self.home / "xdg-config"),
            XDG_CACHE_HOME=str(self.home / "xdg-cache"),
            SHOPFLOOR_USER=self.user,
            SHOPFLOOR_WORKSTATION=self.workstation,
            QT_QPA_PLATFORM="offscreen",
        )
        if self.pin is not None:
            env["SHOPFLOOR_PIN"] = self.pin
        env.update(self.env)
        return env

    def raw(self, *argv: str, input: str | None = None) -> Run:
        """Run with exactly these arguments (no --db or --json added); `input` is what
        standard input reads (nothing when None)."""
        full = (*self.command, *argv)
        proc = subprocess.run(
            full,
            env=self.environment(),
            cwd=self.home,
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        return Run(full, proc.returncode, proc.stdout, proc.stderr)

    def run(self, *args: str, json: bool = True, input: str | None = None) -> Run:
        """`shopfloor [--db DB] [--json] ARGS...`"""
        options: list[str] = []
        if self.db is not None:
            options += ["--db", str(self.db)]
        if json:
            options.append("--json")
        return self.raw(*options, *args, input=input)

    def ok(self, *args: str, input: str | None = None) -> Any:
        """Run with --json; must succeed; returns the JSON object."""
        return succeeded(self.run(*args, input=input))

    def refused(
        self, *args: str, code: str | None = None, json: bool = True, input: str | None = None
    ) -> str:
        """Run; must be refused (exit 2); returns the one-line reason."""
        return assert_refused(self.run(*args, json=json, input=input), code=code, json=json)


def succeeded(run: Run) -> Any:
    assert run.returncode == 0, str(run)
    assert run.stderr == "", str(run)
    payload = run.json()
    assert isinstance(payload, dict), str(run)
    return payload


def assert_refused(run: Run, *, code: str | None = None, json: bool = True) -> str:
    """Exit 2, one line `shopfloor: reason` on stderr and, with --json, exactly
    {"error": {"code", "message"}} on stdout carrying the same reason."""
    assert run.returncode == 2, str(run)
    assert run.stderr.endswith("\n") and run.stderr.count("\n") == 1, str(run)
    prefix = "shopfloor: "
    assert run.stderr.startswith(prefix), str(run)
    reason = run.stderr[len(prefix) : -1]
    assert reason.strip(), str(run)
    if not json:
        assert run.stdout == "", str(run)
        return reason
    payload = run.json()
    assert set(payload) == {"error"}, str(run)
    assert set(payload["error"]) == {"code", "message"}, str(run)
    assert payload["error"]["message"] == reason, str(run)
    assert isinstance(payload["error"]["code"], str) and payload["error"]["code"], str(run)
    if code is not None:
        assert payload["error"]["code"] == code, str(run)
    return reason


def parallel(calls: Iterable[Callable[[], T]]) -> list[T]:
    """Run independent invocations side by side (each is mostly interpreter start-up)."""
    todo = list(calls)
    workers = max(2, os.cpu_count() or 2)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda call: call(), todo))


# --- JSON shapes --------------------------------------------------------------------------


def assert_decimal(value: object, where: str) -> None:
    """A quantity or amount: a plain decimal string such as "20", "0.5" or "-3.2"."""
    assert isinstance(value, str), f"{where}: {value!r} is not a decimal string"
    assert _DECIMAL.fullmatch(value), f"{where}: {value!r} is not a plain decimal string"


def assert_fields(obj: object, keys: Iterable[str], where: str) -> Mapping[str, Any]:
    assert isinstance(obj, dict), f"{where}: {obj!r} is not an object"
    missing = [k for k in keys if k not in obj]
    assert not missing, f"{where}: missing {missing} in {sorted(obj)}"
    return obj


def assert_decimals(obj: Mapping[str, Any], keys: Iterable[str], where: str) -> None:
    for key in keys:
        assert_decimal(obj[key], f"{where}.{key}")


def check_stock(payload: Any) -> Mapping[str, Any]:
    obj = assert_fields(payload, ("sku", *STOCK_KEYS), "stock")
    assert_decimals(obj, STOCK_KEYS, f"stock {obj['sku']}")
    return obj


def check_work_order(payload: Any) -> Mapping[str, Any]:
    wo = assert_fields(payload, (*WO_KEYS, "lines", "variance"), "wo")
    where = f"wo {wo['number']}"
    assert_decimals(wo, ("quantity", "built"), where)
    assert wo["status"] in STATUSES, f"{where}: status {wo['status']!r}"
    assert isinstance(wo["priority"], int), f"{where}: priority {wo['priority']!r}"
    assert wo["due"] is None or re.fullmatch(r"\d{4}-\d\d-\d\d", wo["due"]), where
    assert wo["created_from"] is None or isinstance(wo["created_from"], str), where
    assert isinstance(wo["lines"], list) and wo["lines"], f"{where}: no lines"
    for line in wo["lines"]:
        assert_fields(line, ("sku", *WO_LINE_KEYS), f"{where} line")
        assert_decimals(line, WO_LINE_KEYS, f"{where} line {line['sku']}")
    assert isinstance(wo["variance"], list), where
    for row in wo["variance"]:
        assert_fields(row, ("sku", *VARIANCE_KEYS), f"{where} variance")
        assert_decimals(row, VARIANCE_KEYS, f"{where} variance {row['sku']}")
    return wo


def check_work_order_list(payload: Any) -> list[Mapping[str, Any]]:
    assert_fields(payload, ("work_orders",), "wo list")
    rows = payload["work_orders"]
    assert isinstance(rows, list)
    for row in rows:
        assert_fields(row, WO_LIST_KEYS, "wo list row")
        assert_decimals(row, ("quantity", "built"), f"wo list {row['number']}")
        assert row["status"] in STATUSES, f"wo list {row['number']}: {row['status']!r}"
    return rows


def check_explosion(payload: Any) -> Mapping[str, Any]:
    obj = assert_fields(payload, ("sku", "quantity", "components", "totals"), "explosion")
    assert_decimal(obj["quantity"], "explosion.quantity")
    for row in obj["components"]:
        assert_fields(row, ("sku", "level", "quantity"), "explosion component")
        assert isinstance(row["level"], int) and row["level"] >= 1, row
        assert_decimal(row["quantity"], f"component {row['sku']}")
    for row in obj["totals"]:
        assert_fields(row, ("sku", "quantity"), "explosion total")
        assert_decimal(row["quantity"], f"total {row['sku']}")
    return obj


def check_shortages(payload: Any) -> dict[str, Mapping[str, Any]]:
    """The shortage lines by sku (one location in these tests)."""
    assert_fields(payload, ("lines",), "shortages")
    out: dict[str, Mapping[str, Any]] = {}
    for row in payload["lines"]:
        assert_fields(row, ("sku", "next_due", *SHORTAGE_KEYS), "shortage line")
        assert_decimals(row, SHORTAGE_KEYS, f"shortage {row['sku']}")
        assert row["next_due"] is None or re.fullmatch(r"\d{4}-\d\d-\d\d", row["next_due"]), row
        out[row["sku"]] = row
    return out


def check_queue(payload: Any) -> dict[str, str]:
    """The suggestions as {sku: quantity}."""
    assert_fields(payload, ("suggestions",), "queue")
    out: dict[str, str] = {}
    for row in payload["suggestions"]:
        assert_fields(row, ("sku", "quantity"), "suggestion")
        assert_decimal(row["quantity"], f"suggestion {row['sku']}")
        out[row["sku"]] = row["quantity"]
    return out


def check_ok(payload: Any) -> None:
    assert_fields(payload, ("ok", "problems"), "check")
    assert payload["ok"] is True and payload["problems"] == [], payload


def lines_by_sku(wo: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """{sku: {required, committed, issued, backordered, quantity_per}} of a work order."""
    return {ln["sku"]: {k: ln[k] for k in WO_LINE_KEYS} for ln in wo["lines"]}


def variance_by_sku(wo: Mapping[str, Any]) -> dict[str, tuple[str, str, str, str]]:
    """{sku: (expected, actual, variance, cost_variance)} of a closed work order."""
    return {
        v["sku"]: (v["expected"], v["actual"], v["variance"], v["cost_variance"])
        for v in wo["variance"]
    }


# --- database files -----------------------------------------------------------------------


def copy_database(source: Path, target: Path) -> Path:
    """Copy a SQLite file (and its write-ahead log, if one is left) to a new place."""
    shutil.copyfile(source, target)
    for suffix in ("-wal", "-shm"):
        extra = source.with_name(source.name + suffix)
        if extra.exists():
            shutil.copyfile(extra, target.with_name(target.name + suffix))
    return target


def snapshot(path: Path) -> list[str]:
    """Every table and row of a SQLite file as SQL text, to prove nothing changed."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def sqlite_files(path: Path) -> list[Path]:
    """The database file and any journal files beside it."""
    return sorted(p for p in path.parent.iterdir() if p.name.startswith(path.name))


def write_csv(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def all_printable(text: str) -> bool:
    return all(ch.isprintable() for ch in text)


def mapping(rows: Sequence[Mapping[str, Any]], key: str, value: str) -> dict[str, Any]:
    return {row[key]: row[value] for row in rows}
