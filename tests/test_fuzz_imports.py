"""Hostile files through the import readers, by `shopfloor import KIND FILE`.

CSV and XLSX files with hostile cells (the text classes of the command line fuzz, NUL bytes,
bytes that are not UTF-8, huge cells, numbers a spreadsheet writes with an exponent), and
files that are no table at all: binary junk, a text file named .xlsx, a zip that is not a
workbook, an empty file, a directory, a named pipe, an unreadable file, a device, a file too
large to read. Every run is accepted or refused cleanly (exit 2, one line naming the file and,
where there is one, the row; nothing imported); a file that is no table, and a cell that is
no text, is always refused. A named pipe must be refused without being opened: a reader that
blocked on it would be released by a watchdog and the test would fail.

Seeded like the command line fuzz; the figures go to `fuzz-imports-figures.json` in the
pytest base temporary directory and are printed with `-s`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import threading
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.services.catalog import imports
from tests.test_fuzz_cli import (
    CLASSES,
    FUZZ,
    Bench,
    Figures,
    bench,
    private_environment,
    run_in_process,
    spread,
    verdict,
)

__all__ = ["bench", "private_environment"]  # fixtures shared with the command line fuzz

FIGURES = Figures("imports, in process")
COLUMNS = {
    "items": ("sku", "name", "type", "uom", "cost", "build_point", "preferred_stock", "drop_ship"),
    "boms": ("assembly", "component", "quantity", "backflush"),
    "stock": ("sku", "location", "quantity", "unit_cost"),
}
GOOD_ROW = {
    "items": ("NEW-1", "New part", "inventory", "ea", "1.5", "", "", "no"),
    "boms": ("ASM", "LABEL", "2", "yes"),
    "stock": ("LABEL", "MAIN", "3", "0.5"),
}
ILLEGAL_IN_XLSX = {chr(c) for c in range(0x20)} - {"\t", "\n", "\r"}


@pytest.fixture(scope="module", autouse=True)
def figures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    yield
    out = tmp_path_factory.getbasetemp() / "fuzz-imports-figures.json"
    out.write_text(json.dumps(FIGURES.report(), indent=2, ensure_ascii=False), encoding="utf-8")
    print("\n" + FIGURES.table() + f"\n(written to {out})")


def import_file(bench: Bench, kind: str, path: Path, *, json_mode: bool = True) -> tuple[str, str]:
    """`shopfloor import KIND PATH`: the verdict and the reason (empty when accepted)."""
    argv = ["--db", str(bench.work), *(["--json"] if json_mode else []), "import", kind, str(path)]
    run = run_in_process(argv, bench.home)
    outcome = verdict(run, bench.changed(), json_mode=json_mode)
    return outcome, run.stderr.removeprefix("shopfloor: ").strip()


def not_a_cell(text: str) -> bool:
    """What no cell may hold (after its surrounding whitespace is trimmed)."""
    t = text.strip()
    return len(t) > imports.MAX_CELL or any(
        unicodedata.category(c) in ("Cs", "Cc", "Zl", "Zp") and c not in "\t\r\n" for c in t
    )


def encoded(text: str) -> bytes:
    """A cell as bytes: surrogate escapes become the bytes they stand for, other lone
    surrogates become bytes that are not UTF-8 either."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


# --- hostile cells ------------------------------------------------------------------------


@st.composite
def table(draw: st.DrawFn, kind: str) -> tuple[list[list[str]], list[str]]:
    """A header and one to three rows: good values with some cells replaced by hostile text;
    also the input classes used."""
    columns = COLUMNS[kind]
    rows, used = [], []
    for _ in range(draw(st.integers(1, 3), label="rows")):
        row = list(GOOD_ROW[kind])
        where = st.lists(st.integers(0, len(columns) - 1), min_size=1, max_size=2, unique=True)
        for column in draw(where, label="hostile cells"):
            cls = spread(draw, kind, (*CLASSES, "NUL bytes", "huge cells"))
            if cls == "NUL bytes":
                value = "LABEL\x00"
            elif cls == "huge cells":
                value = "A" * draw(st.sampled_from([1_001, 5_000, 200_000]), label="size")
            else:
                value = draw(CLASSES[cls], label=cls)
            row[column] = value
            used.append(cls)
        rows.append(row)
    return [list(columns), *rows], used


def write_csv(path: Path, lines: Sequence[Sequence[str]], raw: bool) -> None:
    if raw:  # joined as they are: quotes, commas and line breaks in cells break the rows
        data = b"\n".join(b",".join(encoded(c) for c in line) for line in lines) + b"\n"
    else:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(lines)
        data = encoded(buffer.getvalue())
    path.write_bytes(data)


def write_xlsx(path: Path, lines: Sequence[Sequence[str]], numbers: Sequence[object]) -> None:
    """Text cells (without what a workbook cannot hold) and, in the quantity column, the
    numbers a spreadsheet stores as floats."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for index, line in enumerate(lines):
        cells: list[object] = [
            "".join(c for c in v if c not in ILLEGAL_IN_XLSX and not "\ud800" <= c <= "\udfff")
            for v in line
        ]
        if index and numbers:
            cells[2] = numbers[(index - 1) % len(numbers)]
        sheet.append(cells)
    book.save(path)


SPREADSHEET_NUMBERS = st.sampled_from(
    [1e-7, 1e-5, 0.1, 2.5, 12.345678, 1.0000001, 1e20, 1e300, 10**30, -5, 0, True, float("inf")]
)


@pytest.mark.parametrize("kind", list(COLUMNS))
@FUZZ
@given(data=st.data())
def test_hostile_csv_cells_are_imported_or_refused_cleanly(
    kind: str, data: st.DataObject, bench: Bench
) -> None:
    lines, used = data.draw(table(kind), label="table")
    raw = data.draw(st.booleans(), label="raw")
    path = bench.home / f"{kind}-fuzz.csv"
    write_csv(path, lines, raw)
    outcome, reason = import_file(bench, kind, path, json_mode=data.draw(st.booleans()))
    cells = [c for line in lines[1:] for c in line]
    if not raw and any(not_a_cell(c) for c in cells):
        assert outcome == "refused", lines
    if outcome == "refused":
        assert reason.startswith(path.name), reason
    for cls in used:
        FIGURES.count(f"import {kind} (csv)", "csv files", cls, outcome)


@pytest.mark.parametrize("kind", list(COLUMNS))
@FUZZ
@given(data=st.data())
def test_hostile_xlsx_cells_are_imported_or_refused_cleanly(
    kind: str, data: st.DataObject, bench: Bench
) -> None:
    lines, used = data.draw(table(kind), label="table")
    numbers = data.draw(st.lists(SPREADSHEET_NUMBERS, max_size=3), label="numbers")
    path = bench.home / f"{kind}-fuzz.xlsx"
    write_xlsx(path, lines, numbers)
    outcome, reason = import_file(bench, kind, path)
    if any(len(c.strip()) > imports.MAX_CELL for line in lines[1:] for c in line):
        assert outcome == "refused", lines
    if outcome == "refused":
        assert reason.startswith(path.name), reason
    for cls in used + ["spreadsheet numbers"] * len(numbers):
        FIGURES.count(f"import {kind} (xlsx)", "xlsx files", cls, outcome)


# --- files that are no table --------------------------------------------------------------


@contextmanager
def watchdog(fifo: Path, seconds: float = 10.0) -> Iterator[list[bool]]:
    """Release a reader blocked on `fifo` after `seconds` (and say so), so a test that would
    hang fails instead."""
    released: list[bool] = []

    def release() -> None:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # succeeds only if someone reads
        except OSError:
            return
        released.append(True)
        os.close(fd)

    timer = threading.Timer(seconds, release)
    timer.start()
    try:
        yield released
    finally:
        timer.cancel()


def junk_files(home: Path) -> dict[str, tuple[Path, str]]:
    """name -> (path, what the refusal must say besides the file's name)."""
    out: dict[str, tuple[Path, str]] = {}
    d = home / "junk"
    d.mkdir()

    def put(name: str, file: str, data: bytes, says: str) -> None:
        (d / file).write_bytes(data)
        out[name] = (d / file, says)

    put("binary junk (csv)", "junk.csv", bytes(range(256)) * 16, "row 1")
    put("binary junk (xlsx)", "junk.xlsx", bytes(range(255, -1, -1)) * 16, "cannot be read")
    put("text file named .xlsx", "text.xlsx", b"sku,quantity\nLABEL,1\n", "not an XLSX workbook")
    put("empty file (csv)", "empty.csv", b"", "empty")
    put("empty file (xlsx)", "empty.xlsx", b"", "cannot be read")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    put("zip that is no workbook", "notabook.xlsx", buffer.getvalue(), "cannot be read")
    put("truncated workbook", "cut.xlsx", workbook_bytes()[:300], "cannot be read")
    put("NUL byte in row 3", "nul.csv", b"sku,quantity\nLABEL,1\nLA\x00BEL,2\n", "row 3")
    put("Latin-1 bytes in row 2", "latin.csv", b"sku,quantity\nCAF\xc9,1\n", "row 2")
    put("UTF-16 text", "utf16.csv", "sku,quantity\nLABEL,1\n".encode("utf-16"), "a NUL byte")
    put("huge cell (csv)", "hugecell.csv", b"sku,quantity\nLABEL," + b"9" * 5_000 + b"\n", "row 2")
    put("escape sequence in a cell", "escape.csv", b"sku,quantity\n\x1b[2JLABEL,1\n", "row 2")
    put("lone CR line ends", "cr.csv", b"sku,quantity\rLABEL,1\rNOPE,1\r", "")
    put("wrong suffix", "stock.json", b"sku,quantity\nLABEL,1\n", "not a .csv or .xlsx file")
    huge = d / "huge.csv"
    with huge.open("wb") as fh:  # sparse: refused by its size before anything reads it
        fh.truncate(imports.MAX_FILE_BYTES + 1)
    out["file too large to read"] = (huge, "larger than")
    (d / "folder.csv").mkdir()
    out["directory"] = (d / "folder.csv", "it is a directory")
    os.mkfifo(d / "pipe.csv")
    out["named pipe (csv)"] = (d / "pipe.csv", "a named pipe")
    os.mkfifo(d / "pipe.xlsx")
    out["named pipe (xlsx)"] = (d / "pipe.xlsx", "a named pipe")
    (d / "zero.csv").symlink_to("/dev/zero")
    out["device"] = (d / "zero.csv", "a device")
    out["missing file"] = (d / "missing.csv", "no such file")
    return out


def workbook_bytes() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["sku", "quantity"])
    sheet.append(["LABEL", 1])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def junk(bench: Bench) -> dict[str, tuple[Path, str]]:
    return junk_files(bench.home)


JUNK = [
    "binary junk (csv)",
    "binary junk (xlsx)",
    "text file named .xlsx",
    "empty file (csv)",
    "empty file (xlsx)",
    "zip that is no workbook",
    "truncated workbook",
    "NUL byte in row 3",
    "Latin-1 bytes in row 2",
    "UTF-16 text",
    "huge cell (csv)",
    "escape sequence in a cell",
    "lone CR line ends",
    "wrong suffix",
    "file too large to read",
    "directory",
    "named pipe (csv)",
    "named pipe (xlsx)",
    "device",
    "missing file",
]


@pytest.mark.parametrize("name", JUNK)
@pytest.mark.parametrize("kind", list(COLUMNS))
def test_files_that_are_no_table_are_refused_naming_the_file(
    name: str, kind: str, bench: Bench, junk: dict[str, tuple[Path, str]]
) -> None:
    path, says = junk[name]
    with watchdog(path) as released:
        outcome, reason = import_file(bench, kind, path)
    assert not released, f"the reader blocked on {path}"
    assert outcome == "refused"
    assert path.name in reason, reason
    assert says in reason, reason
    FIGURES.count(f"import {kind}", "files that are no table", name, outcome)


@pytest.mark.parametrize("kind", list(COLUMNS))
def test_an_unreadable_file_is_refused(
    kind: str, bench: Bench, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bench.home / f"locked-{kind}.csv"
    path.write_text("sku,quantity\nLABEL,1\n", encoding="utf-8")
    path.chmod(0)

    def denied(*_args: object, **_kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    if os.geteuid() == 0:  # root reads anything: refuse the open as the file system would
        monkeypatch.setattr(imports.os, "open", denied)
    outcome, reason = import_file(bench, kind, path)
    monkeypatch.undo()
    assert outcome == "refused"
    assert "cannot be read (Permission denied)" in reason and path.name in reason, reason
    FIGURES.count(f"import {kind}", "files that are no table", "unreadable file", outcome)


def test_a_workbook_that_unpacks_too_large_is_refused(
    bench: Bench, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bench.home / "bomb.xlsx"
    path.write_bytes(workbook_bytes())
    monkeypatch.setattr(imports, "MAX_UNPACKED_BYTES", 1_000)
    outcome, reason = import_file(bench, "stock", path)
    monkeypatch.undo()
    assert outcome == "refused"
    assert reason.startswith("bomb.xlsx: cannot be read (it unpacks to more than"), reason
    FIGURES.count("import stock", "files that are no table", "zip bomb", outcome)


def test_a_file_name_that_is_not_utf8_still_imports(bench: Bench) -> None:
    raw = os.fsencode(bench.home) + b"/stock-\xff\xfe.csv"
    with open(raw, "wb") as fh:
        fh.write(b"sku,quantity\nLABEL,1\n")
    outcome, _reason = import_file(bench, "stock", Path(os.fsdecode(raw)))
    assert outcome == "accepted"
    FIGURES.count("import stock", "file names", "undecodable bytes", outcome)


def test_spreadsheet_numbers_are_read_without_exponents(tmp_path: Path) -> None:
    path = tmp_path / "stock.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["sku", "quantity"], ["A", 1e-5], ["B", 1e20], ["C", 2.5], ["D", 7], ["E", True]):
        sheet.append(row)
    book.save(path)
    _name, rows = imports.read_rows(path, ("sku", "quantity"), ("sku",))
    assert [r["quantity"] for _n, r in rows] == [
        "0.00001",
        "100000000000000000000",
        "2.5",
        "7",
        "True",
    ]
