"""Hostile input through every command's argument parsing.

The argparse tree of `app.cli.build_parser` is walked, so every positional and every option
that takes a value (of every command, including ones added later) is fed hostile text: control
and format characters, lone surrogates and bytes that are not UTF-8, huge and tiny numbers,
exponents, other scripts' digits, SQL-looking text, very long strings, whitespace variants.
Each run must end in exit 0 (accepted) or in a clean refusal: exit 2, exactly one line
`shopfloor: reason` on stderr, `{"error": {"code", "message"}}` with --json, no traceback,
and the database exactly as it was. Where the rules say a value cannot be valid (a quantity
outside the grammar, an id outside 64 bits, a key no record can have), it must be refused.

Most runs call `app.cli.main(argv)` in this process (argv strings carrying surrogate escapes,
as Python hands them to a real process); a sample runs the real command with raw bytes. The
runs are seeded (derandomized), so CI tries the same inputs every time. The figures (inputs
tried per class and what became of them) are written to `fuzz-cli-figures.json` in the pytest
base temporary directory and printed with `-s`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.cli import base as cli_base
from app.cli import build_parser, main
from tests.cli_helpers import COMMAND, Run, Shopfloor, all_printable, assert_refused, succeeded

SCALE = max(1, int(os.environ.get("SHOPFLOOR_FUZZ_SCALE", "1")))
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=4 * SCALE,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)

# --- hostile text ---------------------------------------------------------------------------

FULL_WIDTH = "".join(chr(0xFF10 + d) for d in range(10)) + "\uff0e\uff0d"
OTHER_DIGITS = (
    "\u0660\u0661\u0663\u0669"  # Arabic-Indic
    "\u06f0\u06f4\u06f5"  # Extended Arabic-Indic
    "\u0966\u0967\u096b"  # Devanagari
    "\u0e51\u0e52"  # Thai
    "\U0001d7ce\U0001d7d3\U0001d7d7"  # mathematical bold
    "\u2460\u00b2\u00b3\u00bd\u2153"  # circled, superscripts, fractions
)
CONTROL = [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\x9b", "\u2028", "\u2029"]
FORMAT = ["\u200b", "\u200c", "\u200d", "\u202e", "\u2066", "\ufeff", "\u00ad"]
WHITESPACE = [" ", "\t", "\n", "\r\n", "\r", "\x0b", "\x0c", "\u00a0", "\u2003", "\u3000"]
SQL = [
    "'; DROP TABLE item; --",
    "' OR '1'='1",
    "LABEL' --",
    '" OR ""="',
    "%",
    "_",
    "%_%",
    "\\",
    "LABEL%",
    "1; DELETE FROM ledger_entry",
    "' UNION SELECT username FROM app_user --",
    "NULL",
    "1 OR 1=1",
]
COMMAND_CODES = ["#ISSUE", "#BUILD", "#COMPLETE", "#CLEAR", "#SHIP", "#U:bob", "#", "##LABEL"]
NOT_FINITE = ["NaN", "nan", "sNaN", "-NaN", "inf", "-inf", "Infinity", "-Infinity", "+Infinity"]
INVALID_UTF8 = [b"\xff", b"\xfe", b"\xc3(", b"\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0"]
GOOD_KEYS = ["LABEL", "ASM", "MAIN", "WO-000001"]
HUGE = ["9" * 5_000_000, "1" + "0" * 100_000, "9e999999999", "1e1000000", "-1e1000000"]


def _join(parts: Sequence[str]) -> str:
    return "".join(parts)


def _around(core: st.SearchStrategy[str], extra: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """`core` with `extra` put before, after or inside it."""

    def place(value: str, piece: str, where: int) -> str:
        at = where % (len(value) + 1)
        return value[:at] + piece + value[at:]

    return st.builds(place, core, extra, st.integers(0, 64))


good_key = st.sampled_from(GOOD_KEYS)
small_number = st.sampled_from(["1", "5", "0.5", "2", "10"])
digits = st.text("0123456789", min_size=1, max_size=12)

undecodable = st.builds(
    lambda head, bad, tail: os.fsdecode(head + bad + tail),
    st.binary(max_size=6),
    st.sampled_from(INVALID_UTF8),
    st.binary(max_size=6),
)

CLASSES: dict[str, st.SearchStrategy[str]] = {
    "control characters": _around(good_key | small_number | st.just(""), st.sampled_from(CONTROL)),
    "format characters": _around(good_key | small_number, st.sampled_from(FORMAT)),
    "whitespace variants": _around(
        good_key | small_number, st.lists(st.sampled_from(WHITESPACE), min_size=1).map(_join)
    ),
    "undecodable bytes": undecodable | _around(good_key | small_number, undecodable),
    "lone surrogates": _around(
        good_key | small_number, st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
    ),
    "huge numbers": st.one_of(
        st.text("0123456789", min_size=10, max_size=60),
        st.integers(2**63 - 10, 10**40).map(str),
        st.integers(-(10**40), -(2**63) + 10).map(str),
        st.sampled_from(HUGE),
    ),
    "tiny numbers": st.one_of(
        st.integers(6, 40).map(lambda n: "0." + "0" * n + "1"),
        st.sampled_from(["1e-7", "-0.0000001", "0.0000000", "0", "-0", "0.000001"]),
    ),
    "exponents": st.builds(
        lambda m, e, s: f"{m}{s}{e}",
        st.sampled_from(["1", "9", "1.5", "-2", ".5"]),
        st.sampled_from(["1", "+2", "-7", "400", "999999999", "1000000"]),
        st.sampled_from(["e", "E"]),
    ),
    "signs and points": st.sampled_from(
        [
            *("+3", "+0", "--3", "-+3", "\u22123", "5.", ".5", "-.5", "5..0", "1.2.3", ".", "-"),
            *("1_0", "1__0", "_1", "0x10", "0b1", "1,5", "1,000", "1 000", "12abc", "five"),
            "\u00bd",
        ]
    ),
    "NaN and infinity": st.sampled_from(NOT_FINITE),
    "full-width digits": st.text(FULL_WIDTH, min_size=1, max_size=8),
    "other scripts' digits": st.text(OTHER_DIGITS + "0123456789", min_size=1, max_size=6).filter(
        lambda s: any(c in OTHER_DIGITS for c in s)
    ),
    "SQL-looking text": st.sampled_from(SQL) | _around(good_key, st.sampled_from(SQL)),
    "scanner command codes": st.sampled_from(COMMAND_CODES),
    "very long strings": st.one_of(
        st.integers(30, 300).map(lambda n: "A" * n),
        st.text(min_size=60, max_size=200),
        st.sampled_from(["x" * 4097, "LABEL" * 2000]),
    ),
    "unicode text": st.text(max_size=24),
    "plausible values": st.one_of(good_key, small_number, digits, st.just("")),
}


def hostile_text(*classes: str) -> st.SearchStrategy[tuple[str, str]]:
    """(input class, value) from the named classes (all of them by default)."""
    names = classes or tuple(CLASSES)
    return st.one_of(*(st.tuples(st.just(n), CLASSES[n]) for n in names))


T = TypeVar("T")


def spread(draw: Callable[..., Any], key: str, choices: Sequence[T]) -> T:
    """One of `choices`, starting from a different one for each `key`: hypothesis begins with
    its simplest draws, so a plain choice would try the first class everywhere first."""
    turn = draw(st.integers(0, len(choices) - 1), label="turn")
    return choices[(zlib.crc32(key.encode()) + turn) % len(choices)]


# --- what the rules say a value can be (written independently of the app) --------------------

_FW_TABLE = {0xFF10 + d: str(d) for d in range(10)} | {0xFF0E: ".", 0xFF0D: "-"}
_GRAMMAR = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?", re.ASCII)


def quantity_value(text: str) -> Decimal | None:
    """The value of a quantity as docs/rules.md describes it, or None if it is none."""
    t = text.strip().translate(_FW_TABLE)
    m = _GRAMMAR.fullmatch(t) if len(t) <= 32 else None
    if m is None or len(m.group(1).lstrip("0")) > 9 or len((m.group(2) or "").rstrip("0")) > 6:
        return None
    return Decimal(t)


def whole_value(text: str, low: int, high: int) -> int | None:
    t = text.strip().translate(_FW_TABLE)
    if len(t) > 32 or not re.fullmatch(r"-?[0-9]+", t, re.ASCII):
        return None
    n = int(t)
    return n if low <= n <= high else None


def _one_line(text: str) -> bool:
    return not any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") for c in text)


def can_be_key(text: str, max_length: int) -> bool:
    t = text.strip()
    return _one_line(t) and len(t) <= max_length


def date_value(text: str) -> date | None:
    t = text.strip().translate(_FW_TABLE)
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", t, re.ASCII):
        return None
    try:
        return date.fromisoformat(t)
    except ValueError:
        return None


def not_text(text: str) -> bool:
    """What no argument may carry (the file of an import excepted)."""
    return (
        len(text) > cli_base.MAX_ARGUMENT
        or "\x00" in text
        or any("\ud800" <= c <= "\udfff" for c in text)
    )


# --- the commands, walked from the parser ----------------------------------------------------

MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Rule:
    """What kind of value an argument takes, and when it must be refused."""

    kind: str
    must_refuse: Callable[[str], bool] = lambda _text: False
    classes: tuple[str, ...] = ()  # input classes drawn for it besides the common ones


def _component_refused(text: str) -> bool:
    sku, sep, qty = text.rpartition("=")
    return not sep or quantity_value(qty) is None or not can_be_key(sku, 64)


QUANTITY_CLASSES = (
    "huge numbers",
    "tiny numbers",
    "exponents",
    "signs and points",
    "NaN and infinity",
    "full-width digits",
    "other scripts' digits",
)
QUANTITY = Rule("quantity", lambda t: quantity_value(t) is None, QUANTITY_CLASSES)
KEY_CLASSES = ("control characters", "undecodable bytes", "SQL-looking text", "very long strings")


def whole(low: int, high: int, *, empty_is_default: bool = False) -> Rule:
    def refused(t: str) -> bool:
        return not (empty_is_default and t == "") and whole_value(t, low, high) is None

    return Rule("id or count", refused, QUANTITY_CLASSES)


def key(max_length: int) -> Rule:
    return Rule("key", lambda t: not can_be_key(t, max_length), KEY_CLASSES)


def text(max_length: int) -> Rule:
    return Rule("free text", lambda t: len(t.strip()) > max_length or not _one_line(t.strip()))


DATE = Rule("date", lambda t: t != "" and date_value(t) is None, QUANTITY_CLASSES)
LOOKUPS = {"sku": 64, "wo": 32, "location": 32, "code": 32}
RULES: dict[tuple[tuple[str, ...], str], Rule] = {
    (("adjust",), "quantity"): QUANTITY,
    (("adjust",), "cost"): QUANTITY,
    (("wo", "create"), "qty"): QUANTITY,
    (("wo", "complete"), "qty"): QUANTITY,
    (("wo", "build"), "qty"): QUANTITY,
    (("bom", "explode"), "qty"): QUANTITY,
    (("wo", "issue"), "component"): Rule(
        "quantity", _component_refused, (*QUANTITY_CLASSES, *KEY_CLASSES)
    ),
    (("reverse",), "event"): whole(1, MAX_ID),
    (("wo", "create"), "priority"): whole(1, 999, empty_is_default=True),
    (("wo", "create"), "due"): DATE,
    (("wo", "list"), "due_from"): DATE,
    (("wo", "list"), "due_to"): DATE,
    (("wo", "create"), "memo"): text(200),
    (("adjust",), "memo"): text(200),
    (("reverse",), "memo"): text(200),
    (("wo", "create"), "created_from"): key(32),  # a sales order's number
    (("location", "add"), "name"): text(120),
    (("shortages",), "wo"): key(32),
    (("wo", "create"), "item"): key(64),
    # The floor's exceptions on a work order.
    (("wo", "edit"), "qty"): QUANTITY,
    (("wo", "edit"), "due"): DATE,
    (("wo", "edit"), "memo"): text(200),
    (("wo", "edit"), "location"): key(32),
    (("wo", "hold"), "reason"): text(200),
    (("wo", "return"), "component"): Rule(
        "quantity", _component_refused, (*QUANTITY_CLASSES, *KEY_CLASSES)
    ),
    (("wo", "unbuild"), "qty"): QUANTITY,
    (("wo", "scrap"), "built"): QUANTITY,
    (("wo", "scrap"), "component"): Rule(
        "quantity", _component_refused, (*QUANTITY_CLASSES, *KEY_CLASSES)
    ),
    (("wo", "scrap"), "reason"): key(32),
}
MINE = {  # the commands whose arguments these rules describe; others get the common oracle
    ("prefs", "set"),
    ("user", "add"),
    ("user", "set"),
    ("import",),
    ("item", "show"),
    ("item", "list"),
    ("location", "add"),
    *((("bom", c)) for c in ("show", "revisions", "activate", "explode", "where-used")),
    ("stock",),
    ("adjust",),
    ("reverse",),
    ("ledger",),
    *((("wo", c)) for c in ("create", "show", "release", "cancel", "close", "issue")),
    ("wo", "complete"),
    ("wo", "build"),
    ("wo", "list"),
    *((("wo", c)) for c in ("edit", "hold", "resume", "unrelease", "return", "unbuild", "scrap")),
    ("shortages",),
    ("queue",),
}


def rule_for(path: tuple[str, ...], action: argparse.Action) -> Rule:
    if (path, action.dest) in RULES:
        return RULES[(path, action.dest)]
    if action.dest == "file":
        return Rule("file path", classes=("very long strings",))
    if action.choices is not None:
        choices = {str(c) for c in action.choices}
        return Rule("choice", lambda t: t not in choices)
    if action.type is cli_base.limit:
        return whole(1, cli_base.MAX_LIMIT)
    if action.type is cli_base.offset:
        return whole(0, MAX_ID)
    if path in MINE and action.dest in LOOKUPS and path != ("queue",):
        return key(LOOKUPS[action.dest])
    return Rule("other" if path not in MINE else "free text")


@dataclass(frozen=True)
class Target:
    """One argument of one command that takes a value."""

    path: tuple[str, ...]
    action: argparse.Action
    rule: Rule

    def __str__(self) -> str:
        name = self.action.option_strings[0] if self.action.option_strings else self.action.dest
        return " ".join((*self.path, name))

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(f"Target({self}, {self.rule.kind})")


def leaf_parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
        return
    for name, sub in subs[0].choices.items():
        yield from leaf_parsers(sub, (*path, name))


COMMON = ("db", "user", "help")
COMMON_ON = {("stock",), ("adjust",)}  # the shared options are tried on these commands


def takes_value(action: argparse.Action) -> bool:
    return action.nargs != 0 and action.dest != "help"


PARSERS = dict(leaf_parsers(build_parser()))


# Commands that open a window and run its event loop until someone closes it: their values
# are checked by the window (tests/views), not by a command that returns.
OPENS_A_WINDOW = {("station",)}


def targets() -> list[Target]:
    found = []
    for path, parser in PARSERS.items():
        if path in OPENS_A_WINDOW:
            continue
        for action in parser._actions:
            if not takes_value(action) or (action.dest in COMMON and path not in COMMON_ON):
                continue
            rule = rule_for(path, action)
            if action.dest == "db":
                rule = Rule("database", classes=("very long strings",))
            elif action.dest == "user":
                rule = text(64)
            found.append(Target(path, action, rule))
    return found


TARGETS = targets()


# --- a plant to run against, and runs -------------------------------------------------------


@dataclass
class Bench:
    """A populated database and a working copy of it, restored whenever a run changed it."""

    template: Path
    work: Path
    home: Path
    files: dict[str, Path]
    event_id: int
    template_bytes: bytes = field(default=b"", repr=False)
    template_dump: list[str] = field(default_factory=list, repr=False)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(f"Bench({self.work})")

    def __post_init__(self) -> None:
        self.template_bytes = self.template.read_bytes()
        self.template_dump = dump(self.template)
        self.reset()

    def reset(self) -> None:
        for suffix in ("-wal", "-shm"):
            Path(f"{self.work}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template, self.work)

    def changed(self) -> bool:
        """Whether the last run changed the database (restoring it if so)."""
        wal = Path(f"{self.work}-wal")
        if (not wal.exists() or wal.stat().st_size == 0) and (
            self.work.read_bytes() == self.template_bytes
        ):
            return False
        different = dump(self.work) != self.template_dump
        self.reset()
        return different


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def run_in_process(argv: Sequence[str], cwd: Path) -> Run:
    """`shopfloor ARGV` in this process: what it prints, and its exit status."""
    out, err = io.StringIO(), io.StringIO()
    saved_stdin, saved_cwd = sys.stdin, os.getcwd()
    sys.stdin = io.StringIO("")  # `user add` reads a PIN from standard input
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(list(argv))
            except SystemExit as exc:  # --help or --version, asked for by a hostile value
                status = 0 if exc.code is None else int(exc.code)
    finally:
        sys.stdin = saved_stdin
        os.chdir(saved_cwd)
    return Run(tuple(argv), status, out.getvalue(), err.getvalue())


def verdict(run: Run, changed: bool, *, json_mode: bool) -> str:
    """The command line contract for any input: accepted, shown help, or refused cleanly."""
    assert "Traceback" not in run.stderr + run.stdout, str(run)
    assert run.returncode in (0, 2), str(run)
    run.stdout.encode("utf-8")  # what a real standard output could print
    if run.returncode == 2:
        reason = assert_refused(run, json=json_mode)
        assert all_printable(reason), f"control characters in the reason: {reason!r}"
        assert not changed, f"refused, but the database changed\n{run}"
        if json_mode:
            assert run.json()["error"]["code"] != "internal", str(run)
        return "refused"
    if re.match(r"usage:|shopfloor \d", run.stdout) and run.stderr == "":
        return "help"
    if json_mode:
        succeeded(run)
    else:
        assert run.stderr == "", str(run)
    return "accepted"


@dataclass
class Figures:
    """Inputs tried and what became of them, by the kind of argument and the input class."""

    name: str
    by_kind: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_class: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    accepted: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    targets: set[str] = field(default_factory=set)

    def count(self, target: str, kind: str, cls: str, outcome: str, value: str = "") -> None:
        self.targets.add(target)
        self.by_kind[kind][outcome] += 1
        self.by_class[cls][outcome] += 1
        seen = self.accepted[kind]
        if outcome == "accepted" and value and len(seen) < 12:
            seen.setdefault(repr(value)[:40], target)

    def report(self) -> dict[str, Any]:
        return {
            "arguments": len(self.targets),
            "inputs": sum(sum(c.values()) for c in self.by_kind.values()),
            "by argument kind": {k: dict(v) for k, v in sorted(self.by_kind.items())},
            "by input class": {k: dict(v) for k, v in sorted(self.by_class.items())},
            "accepted, for example": {k: v for k, v in sorted(self.accepted.items()) if v},
        }

    def table(self) -> str:
        lines = [f"{self.name}: {self.report()['inputs']} inputs, {len(self.targets)} arguments"]
        for title, rows in (("argument kind", self.by_kind), ("input class", self.by_class)):
            lines.append(f"  {title:<24} {'tried':>6} {'refused':>8} {'accepted':>9} {'help':>5}")
            for name, c in sorted(rows.items()):
                lines.append(
                    f"  {name:<24} {sum(c.values()):>6} {c['refused']:>8} {c['accepted']:>9}"
                    f" {c['help']:>5}"
                )
        return "\n".join(lines)


FIGURES = Figures("command line, in process")
SUBPROCESS_FIGURES = Figures("command line, real processes")


@pytest.fixture(scope="module", autouse=True)
def private_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No run may find or create the user's own data directory or database."""
    home = tmp_path_factory.mktemp("fuzz-home")
    with pytest.MonkeyPatch.context() as mp:
        for name in [n for n in os.environ if n.startswith("SHOPFLOOR_")]:
            mp.delenv(name)
        mp.setenv("HOME", str(home))
        mp.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
        mp.setenv("SHOPFLOOR_USER", "fuzzer")
        mp.setenv("SHOPFLOOR_WORKSTATION", "fuzz-bench")
        yield


@pytest.fixture(scope="module", autouse=True)
def figures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    yield
    out = tmp_path_factory.getbasetemp() / "fuzz-cli-figures.json"
    reports = {f.name: f.report() for f in (FIGURES, SUBPROCESS_FIGURES)}
    out.write_text(json.dumps(reports, indent=2, ensure_ascii=False), encoding="utf-8")
    print("\n" + FIGURES.table() + "\n" + SUBPROCESS_FIGURES.table() + f"\n(written to {out})")


def _call(db: Path, *args: str) -> Any:
    run = run_in_process(["--db", str(db), "--json", *args], db.parent)
    return succeeded(run)


@pytest.fixture(scope="module")
def bench(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Bench:
    """LABEL (inventory, 100 on hand at MAIN), ASM (assembly of one LABEL), WO-000001 for 2
    ASM released, a scrap reason DAMAGED; files to import; a directory, a named pipe and junk
    to name as files."""
    home = tmp_path_factory.mktemp("fuzz-cli")
    template = home / "template.db"
    shutil.copyfile(sqlite_template, template)
    items = home / "items.csv"
    items.write_text("sku,name,type\nLABEL,Label,inventory\nASM,Assembly,assembly\n", "utf-8")
    bom = home / "boms.csv"
    bom.write_text("assembly,component,quantity\nASM,LABEL,1\n", "utf-8")
    _call(template, "import", "items", str(items))
    _call(template, "import", "boms", str(bom))
    event = _call(template, "adjust", "LABEL", "100")["event_id"]
    _call(template, "wo", "create", "--item", "ASM", "--qty", "2", "--status", "released")
    _call(template, "reason", "add", "DAMAGED", "--kind", "scrap")
    with contextlib.closing(sqlite3.connect(template)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stock = home / "stock.csv"
    stock.write_text("sku,quantity\nLABEL,1\n", "utf-8")
    fifo = home / "pipe.csv"
    os.mkfifo(fifo)
    (home / "folder.csv").mkdir()
    (home / "junk.xlsx").write_bytes(b"sku,quantity\nLABEL,1\n")
    (home / "binary.csv").write_bytes(bytes(range(256)) * 4)
    files = {"stock": stock, "fifo": fifo, "folder": home / "folder.csv"}
    files |= {"junk": home / "junk.xlsx", "binary": home / "binary.csv"}
    return Bench(template, home / "work.db", home, files, int(event))


SPECIAL_FILES = ["stock", "fifo", "folder", "junk", "binary"]
SPECIAL_PATHS = ["/dev/zero", "/dev/null", "/proc/self/status", "", ".", "/"]


def good_value(target_path: tuple[str, ...], action: argparse.Action, bench: Bench) -> str:
    """A value that lets the command get as far as the argument under test."""
    dest = action.dest
    if action.choices:
        preferred = {"kind": "stock", "sort": None, "status": None}.get(dest)
        return str(preferred or next(iter(action.choices)))
    if target_path[0] == "bom" and dest == "sku":
        return "ASM"
    values = {
        "sku": "LABEL",
        "quantity": "5",
        "qty": "1",
        "wo": "WO-000001",
        "item": "ASM",
        "event": str(bench.event_id),
        "file": str(bench.files["stock"]),
        "code": "SHELF-2",
        "key": "default_work_order_status",
        "value": "released",
        "name": "alice",
        "role": "admin",
        "revision": "1",
        "component": "LABEL=1",
        "reason": "DAMAGED",
    }
    return values.get(dest, "1")


def contained(value: str) -> str:
    """A value for an argument whose meaning is not known here (it may name a file to write):
    kept inside the working directory."""
    if value.lstrip().startswith(("/", "~")) or ".." in value:
        return "./" + value.replace("..", "__").lstrip()
    return value


def argv_for(
    target: Target, value: str, bench: Bench, *, json_mode: bool, db: str | None = None
) -> list[str]:
    options: list[str] = ["--db", db if db is not None else str(bench.work)]
    if target.action.dest == "db":
        options = [f"--db={value}"]
    if json_mode:
        options.append("--json")
    args: list[str] = []
    positionals: list[str] = []
    for action in PARSERS[target.path]._actions:
        if not takes_value(action) or action.dest in ("db", "help"):
            continue
        mine = action.dest == target.action.dest
        if not (mine or action.required or not action.option_strings):
            continue
        given = value if mine else good_value(target.path, action, bench)
        if action.option_strings:
            args.append(f"{action.option_strings[0]}={given}")
        else:
            positionals.append(given)
    if target.path == ("queue",) and target.action.dest == "sku":
        args.append("--accept")
    return [*options, *target.path, *args, *(["--", *positionals] if positionals else [])]


def draw_value(data: st.DataObject, target: Target, bench: Bench) -> tuple[str, str]:
    rule = target.rule
    if rule.kind in ("file path", "database") and data.draw(st.booleans(), label="special"):
        name = data.draw(st.sampled_from(SPECIAL_FILES + SPECIAL_PATHS), label="file")
        return "files", str(bench.files[name]) if name in bench.files else name
    cls = spread(data.draw, str(target), (*CLASSES, *rule.classes))
    value = data.draw(CLASSES[cls], label=cls)
    if rule.kind in ("other", "file path", "database"):
        value = contained(value)
    return cls, value


# --- the tests ----------------------------------------------------------------------------


def test_the_walk_finds_every_command_and_argument() -> None:
    names = {str(t) for t in TARGETS}
    for expected in (
        "adjust quantity",
        "adjust --cost",
        "reverse event",
        "ledger --limit",
        "ledger --offset",
        "wo issue --component",
        "wo create --qty",
        "wo create --priority",
        "import file",
        "stock --db",
        "adjust --user",
        "prefs set value",
    ):
        assert expected in names
    parser_types = {t.action.type for t in TARGETS if t.action.type is not None and t.path in MINE}
    assert int not in parser_types  # whole numbers go through the bounded parser


def check_argument(target: Target, data: st.DataObject, bench: Bench) -> None:
    cls, value = draw_value(data, target, bench)
    json_mode = data.draw(st.booleans(), label="json")
    run = run_in_process(argv_for(target, value, bench, json_mode=json_mode), bench.home)
    outcome = verdict(run, bench.changed(), json_mode=json_mode)
    rule = target.rule
    if target.action.dest != "file" and not_text(value):
        assert outcome == "refused", f"{target}: {value!r} is not text\n{run}"
    elif rule.must_refuse(value):
        assert outcome != "accepted", f"{target} ({rule.kind}): {value!r} was accepted\n{run}"
    shown = value
    if outcome == "accepted" and rule.kind == "quantity":
        number = quantity_value(value.rpartition("=")[2])
        shown = f"{value} = {number}"
    FIGURES.count(str(target), rule.kind, cls, outcome, shown)


@pytest.mark.parametrize("target", [t for t in TARGETS if t.rule.kind != "other"], ids=str)
@FUZZ
@given(data=st.data())
def test_every_argument_accepts_or_refuses_hostile_input_cleanly(
    target: Target, data: st.DataObject, bench: Bench
) -> None:
    check_argument(target, data, bench)


@pytest.mark.parametrize("target", [t for t in TARGETS if t.rule.kind == "other"], ids=str)
@settings(FUZZ, max_examples=2 * SCALE)
@given(data=st.data())
def test_arguments_of_other_commands_accept_or_refuse_cleanly(
    target: Target, data: st.DataObject, bench: Bench
) -> None:
    """Commands whose values these rules do not describe: the contract still holds."""
    check_argument(target, data, bench)


ISSUE_CASES = [
    # 1. a huge exponent or digit count
    ("adjust", "LABEL", "1e1000000"),
    ("wo", "build", "WO-000001", "--qty", "9e999999999"),
    ("wo", "complete", "WO-000001", "--qty", "9e999999999"),
    ("wo", "create", "--item", "ASM", "--qty", "9e999999999"),
    ("wo", "issue", "WO-000001", "--component", "LABEL=9e999999999"),
    ("adjust", "LABEL", "5", "--cost", "9e999999999"),
    ("adjust", "LABEL", "9" * 100_000),
    # 2. bytes that are not UTF-8
    ("adjust", os.fsdecode(b"LABEL\xff"), "5"),
    ("wo", "build", os.fsdecode(b"WO-\xff000001"), "--qty", "1"),
    ("wo", "complete", os.fsdecode(b"WO-\xff000001"), "--qty", "1"),
    ("wo", "issue", os.fsdecode(b"WO-\xff000001"), "--component", "LABEL=1"),
    ("wo", "release", os.fsdecode(b"WO-\xff000001")),
    ("wo", "create", "--item", os.fsdecode(b"\xc3("), "--qty", "1"),
    ("wo", "create", "--item", "ASM", "--qty", "1", "--location", os.fsdecode(b"MAIN\xff")),
    ("wo", "issue", "WO-000001", "--component", os.fsdecode(b"SCREW\xff=1")),
    # 3. integers outside 64 bits
    ("reverse", "9223372036854775808"),
    ("reverse", "--", "-9223372036854775809"),
    ("reverse", "999999999999999999999999999999"),
    ("ledger", "LABEL", "--limit", "99999999999999999999"),
    ("ledger", "LABEL", "--offset", "99999999999999999999"),
]


@pytest.mark.parametrize("args", ISSUE_CASES, ids=lambda a: " ".join(a)[:60])
def test_the_issue_cases_are_refused_in_process(args: tuple[str, ...], bench: Bench) -> None:
    run = run_in_process(["--db", str(bench.work), "--json", *args], bench.home)
    assert verdict(run, bench.changed(), json_mode=True) == "refused"
    FIGURES.count(" ".join(args[:2]), "issue 9", "issue 9 examples", "refused")


# --- a sample through real processes ---------------------------------------------------------

SUBPROCESS_SAMPLE = 8 * SCALE
REAL_ISSUE_CASES = [  # each kind of crash of issue 9, with the bytes a shell passes
    ("adjust", "LABEL", "1e1000000"),
    ("adjust", os.fsdecode(b"LABEL\xff"), "5"),
    ("wo", "build", os.fsdecode(b"WO-\xff000001"), "--qty", "1"),
    ("wo", "create", "--item", os.fsdecode(b"\xc3("), "--qty", "1"),
    ("reverse", "9223372036854775808"),
    ("ledger", "LABEL", "--limit", "99999999999999999999"),
]


def real_argv(argv: Sequence[str]) -> list[bytes]:
    """The bytes a shell would pass: surrogate escapes back to the bytes they stand for."""
    return [os.fsencode(a) for a in argv]


def fits_argv(value: str) -> bool:
    """What an exec can carry: bytes (surrogate escapes stand for bytes; other lone surrogates
    stand for nothing), no NUL, and one argument at most 128 KiB."""
    try:
        raw = os.fsencode(value)
    except UnicodeEncodeError:
        return False
    return b"\x00" not in raw and len(raw) < 100_000


@dataclass(frozen=True)
class Case:
    target: str
    kind: str
    cls: str
    value: str
    argv: tuple[str, ...]
    must_refuse: bool


def sample_cases(bench: Bench) -> list[Case]:
    """Inputs drawn by the same strategies (seeded), favouring bytes that are not UTF-8."""
    cases: list[Case] = []
    picks = [t for t in TARGETS if t.path in MINE and t.rule.kind not in ("choice", "database")]

    names = (*CLASSES, *["undecodable bytes"] * (len(CLASSES) // 2))

    @settings(FUZZ, max_examples=3 * SUBPROCESS_SAMPLE, phases=[Phase.generate])
    @given(data=st.data())
    def draw(data: st.DataObject) -> None:
        target = spread(data.draw, "targets", picks)
        cls = spread(data.draw, "classes", (*names, *target.rule.classes))
        value = data.draw(CLASSES[cls], label=cls)
        if not fits_argv(value):
            return
        argv = argv_for(target, value, bench, json_mode=True, db="{db}")
        refuse = not_text(value) or target.rule.must_refuse(value)
        cases.append(Case(str(target), target.rule.kind, cls, value, tuple(argv), refuse))

    draw()
    return cases[:SUBPROCESS_SAMPLE]


def run_real(bench: Bench, index: int, argv: Sequence[str]) -> tuple[Run, bool]:
    """Run the installed command with these raw arguments on a private copy of the plant."""
    home = bench.home / f"real-{index}"
    home.mkdir()
    db = home / "shopfloor.db"
    shutil.copyfile(bench.template, db)
    full = [*COMMAND, *(a.replace("{db}", str(db)) for a in argv)]
    proc = subprocess.run(
        real_argv(full),
        env=Shopfloor(home, db).environment(),
        cwd=home,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    stdout = proc.stdout.decode("utf-8")  # strict: a real standard output prints UTF-8
    stderr = proc.stderr.decode("utf-8", "backslashreplace")
    return Run(tuple(full), proc.returncode, stdout, stderr), dump(db) != bench.template_dump


def test_a_sample_through_real_processes(bench: Bench) -> None:
    fixed = [
        Case("issue 9", "issue 9", "issue 9 examples", a[-1], ("--db", "{db}", "--json", *a), True)
        for a in REAL_ISSUE_CASES
    ]
    fifo = str(bench.files["fifo"])
    fixed.append(
        Case(
            "import file",
            "file path",
            "files",
            fifo,
            ("--db", "{db}", "--json", "import", "stock", fifo),
            True,
        )
    )
    fixed.append(
        Case("stock --db", "database", "files", fifo, (f"--db={fifo}", "--json", "stock"), True)
    )
    cases = fixed + sample_cases(bench)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda ic: run_real(bench, ic[0], ic[1].argv), enumerate(cases)))
    for case, (run, changed) in zip(cases, results, strict=True):
        outcome = verdict(run, changed, json_mode=True)
        if case.must_refuse:
            assert outcome == "refused", f"{case.target}: {case.value!r}\n{run}"
        SUBPROCESS_FIGURES.count(case.target, case.kind, case.cls, outcome, case.value)
    assert len(cases) == len(fixed) + SUBPROCESS_SAMPLE
