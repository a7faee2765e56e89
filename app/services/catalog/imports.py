"""Imports of items, BOM lines and stock from CSV or XLSX (read with pandas, as text).

Every row is validated before anything is written; one bad row imports nothing, and the
error names each bad row (spreadsheet numbering: the header is row 1) and why. A good file
is imported in one transaction.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.errors import BomCycle, ImportRejected, RowError, ShopfloorError, ValidationError
from app.models import Item, Location, Tracking
from app.models.quantity import fmt, parse_decimal, parse_quantity
from app.services import inventory
from app.services.catalog import boms
from app.services.catalog.items import apply_item_spec, check_type_change, item_spec
from app.services.engine import changes
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.ledger import StockBook, require_stocked
from app.services.engine.parsing import parse_flag, shown, text_fault
from app.services.engine.permissions import Permission
from app.services.engine.uow import Transaction, UnitOfWork, posting
from app.services.lots.incoming import LotGiven, lot_given
from app.services.lots.tracking import check_gtin, check_tracking_change

ITEM_COLUMNS = (
    "sku",
    "name",
    "type",
    "uom",
    "cost",
    "build_point",
    "preferred_stock",
    "drop_ship",
    "tracking",
    "shelf_life",
    "gtin",
)
ITEM_REQUIRED = ("sku", "name", "type")
BOM_COLUMNS = ("assembly", "component", "quantity", "backflush")
BOM_REQUIRED = ("assembly", "component", "quantity")
STOCK_COLUMNS = ("sku", "location", "quantity", "unit_cost", "lot", "expires")
STOCK_REQUIRED = ("sku", "quantity")


@dataclass(frozen=True)
class ImportResult:
    kind: str
    source: str
    rows: int
    created: int = 0
    updated: int = 0
    changes: Changes = NO_CHANGES

    @property
    def event_id(self) -> int | None:
        return self.changes.event_id


Row = tuple[int, dict[str, str]]  # (spreadsheet row number, values by column)


MAX_FIELDS = 64
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # an XLSX workbook's parts, unpacked
MAX_CELL = 1_000  # characters in one cell
MAX_SOURCE_NAME = 80  # characters of the file name kept as the import's source
XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
_ZIP_MAGIC = b"PK\x03\x04"


def _float_text(value: float) -> str:
    """A spreadsheet number as plain decimal text, without an exponent (1e-07 -> 0.0000001)."""
    return format(Decimal(repr(value)), "f")


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):  # empty, or NaN
        return ""
    if isinstance(value, float):
        return _float_text(value)
    return str(value).strip()


def _cell_fault(text: str) -> str | None:
    """Why a cell cannot be imported: too long, or not text (tabs and line breaks are left to
    the column's own rules)."""
    if len(text) > MAX_CELL:
        return f"is longer than {MAX_CELL:,} characters"
    if text.isprintable():
        return None
    fault = text_fault(text.replace("\t", " ").replace("\r", " ").replace("\n", " "))
    if fault is None:
        return None
    return f"is {fault}" if fault.startswith("not valid text") else f"contains {fault}"


def _readable(text: str) -> str:
    """A file name or path as messages and the audit trail show it: bytes that are not UTF-8
    and control characters replaced."""
    raw = os.fsencode(text).decode("utf-8", "replace")
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in raw)


def _source_name(p: Path) -> str:
    name = _readable(p.name)
    return name if len(name) <= MAX_SOURCE_NAME else name[: MAX_SOURCE_NAME - 3] + "..."


_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)


def read_file(path: str | Path) -> tuple[str, str, bytes]:
    """The bytes of a CSV or XLSX file, with its name and suffix. The file's type is checked
    before it is opened (a named pipe would block a reader), and its size before it is read."""
    p = Path(path)
    where = _readable(str(path))
    name = _source_name(p)
    try:
        info = os.stat(p)
    except (FileNotFoundError, NotADirectoryError, ValueError):  # ValueError: a NUL in the name
        raise ValidationError(f"{where}: no such file") from None
    except OSError as exc:
        raise ValidationError(f"{where}: cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ValidationError(f"{where}: no such file (it is a directory)")
    if not stat.S_ISREG(info.st_mode):
        kind = next((k for test, k in _FILE_KINDS if test(info.st_mode)), "not a file")
        raise ValidationError(f"{where}: not a regular file ({kind})")
    suffix = p.suffix.lower()
    if suffix not in XLSX_SUFFIXES + CSV_SUFFIXES:
        raise ValidationError(f"{name}: not a .csv or .xlsx file")
    too_large = f"{name}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it"
    if info.st_size > MAX_FILE_BYTES:
        raise ValidationError(too_large)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(p, flags)
    except OSError as exc:
        raise ValidationError(f"{where}: cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # replaced since it was looked at
            raise ValidationError(f"{where}: not a regular file")
        try:
            data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ValidationError(f"{where}: cannot be read ({exc.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(too_large)
    return name, suffix, data


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def _csv_text(name: str, data: bytes) -> str:
    """A CSV file's bytes as text: UTF-8 (with or without a byte order mark), no NUL bytes."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ImportRejected(name, [RowError(_line_of(data, nul), "a NUL byte: not a text file")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            name,
            [
                RowError(
                    _line_of(data, exc.start),
                    f"byte 0x{data[exc.start]:02x} is not UTF-8 text (save the file as CSV UTF-8)",
                )
            ],
        ) from None


def _check_workbook(name: str, data: bytes) -> None:
    """A workbook is a zip archive of parts; refuse anything else, and archives that unpack
    to more than MAX_UNPACKED_BYTES, before a spreadsheet reader sees them."""
    if not data.startswith(_ZIP_MAGIC):
        raise ValidationError(f"{name}: cannot be read (not an XLSX workbook)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(part.file_size for part in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ValidationError(f"{name}: cannot be read ({_reason(exc)})") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ValidationError(
            f"{name}: cannot be read (it unpacks to more than "
            f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MB)"
        )


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def read_rows(
    path: str | Path, columns: Sequence[str], required: Sequence[str]
) -> tuple[str, list[Row]]:
    """Read a CSV or XLSX file as text (never as floats) into rows numbered as a spreadsheet
    shows them (the header is row 1; blank lines keep their numbers)."""
    name, suffix, data = read_file(path)
    import pandas as pd  # imported on first use: it doubles the start-up time of every command

    # No header inference: every line is read as plain fields, so a short row, a row with
    # extra fields or a trailing comma is seen as it is, never shifted into another column.
    options: dict[str, Any] = {
        "header": None,
        "names": list(range(MAX_FIELDS)),
        "keep_default_na": False,
        "na_filter": False,
    }
    try:
        if suffix in XLSX_SUFFIXES:
            _check_workbook(name, data)
            # Typed cells: numbers are written out as plain decimals by _cell_text.
            frame = pd.read_excel(io.BytesIO(data), dtype=object, **options)
        else:
            text = _csv_text(name, data)
            frame = pd.read_csv(io.StringIO(text), dtype=str, skip_blank_lines=False, **options)
    except ShopfloorError:
        raise
    except pd.errors.EmptyDataError:
        raise ImportRejected(name, [RowError(1, "the file is empty")]) from None
    except Exception as exc:  # a file pandas cannot read is refused, not a crash
        raise ValidationError(f"{name}: cannot be read ({_reason(exc)})") from None
    lines = [[_cell_text(v) for v in values] for values in frame.itertuples(index=False)]
    if not lines or not any(lines[0]):
        raise ImportRejected(name, [RowError(1, "the file is empty")])
    width = max(i for i, v in enumerate(lines[0]) if v) + 1
    bad_cells = _bad_cells(lines, lines[0][:width])
    if bad_cells:
        raise ImportRejected(name, bad_cells)
    header = [v.lower() for v in lines[0][:width]]
    problems = []
    unknown = [c or "(blank)" for c in header if c not in columns]
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)}; expected {', '.join(columns)}")
    missing = [c for c in required if c not in header]
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if len(set(header)) != len(header):
        problems.append("a column appears twice")
    if problems:
        raise ImportRejected(name, [RowError(1, "; ".join(problems))])
    rows: list[Row] = []
    extra: list[RowError] = []
    for index, values in enumerate(lines[1:], start=2):
        if any(values[width:]):
            extra.append(RowError(index, f"more values than the {width} columns"))
            continue
        record = dict(zip(header, values[:width], strict=True))
        if any(record.values()):  # blank spreadsheet rows are not data
            rows.append((index, record))
    if extra:
        raise ImportRejected(name, extra)
    if not rows:
        raise ImportRejected(name, [RowError(2, "the file has no data rows")])
    return name, rows


def _bad_cells(lines: list[list[str]], header: list[str]) -> list[RowError]:
    """Every row with a cell that is too long or not text, naming the column."""
    errors = []
    for index, values in enumerate(lines, start=1):
        faults = []
        for column, value in enumerate(values):
            fault = _cell_fault(value) if value else None
            if fault is not None:
                title = header[column] if column < len(header) and index > 1 else None
                faults.append(f"{shown(title) if title else f'column {column + 1}'} {fault}")
        if faults:
            errors.append(RowError(index, "; ".join(faults)))
    return errors


def run_rows(rows: list[Row], check: object) -> list[RowError]:
    errors = []
    for number, record in rows:
        try:
            check(number, record)  # type: ignore[operator]
        except ShopfloorError as exc:
            errors.append(RowError(number, exc.message))
    return errors


# --- items --------------------------------------------------------------------------------


def import_items(uow: UnitOfWork, path: str | Path) -> ImportResult:
    """Create or update items by exact sku (the file is read before the posting starts)."""
    source, rows = read_rows(path, ITEM_COLUMNS, ITEM_REQUIRED)
    return _import_items(uow, source, rows)


@posting("import.items", Permission.IMPORT)
def _import_items(tx: Transaction, source: str, rows: list[Row]) -> ImportResult:
    tx.set_document(source)
    specs = []
    first_row: dict[str, int] = {}
    gtin_row: dict[str, int] = {}
    existing = {
        i.sku: i
        for i in tx.session.scalars(select(Item).where(Item.sku.in_({r["sku"] for _n, r in rows})))
    }

    def check(number: int, r: dict[str, str]) -> None:
        spec = item_spec(
            sku=r.get("sku"),
            name=r.get("name"),
            item_type=r.get("type"),
            uom=r.get("uom"),
            standard_cost=r.get("cost"),
            build_point=r.get("build_point"),
            preferred_stock=r.get("preferred_stock"),
            drop_ship=r.get("drop_ship"),
            tracking=r.get("tracking"),
            shelf_life=r.get("shelf_life"),
            gtin=r.get("gtin"),
        )
        if spec.sku in first_row:
            raise ValidationError(f"sku {spec.sku} is already on row {first_row[spec.sku]}")
        first_row[spec.sku] = number
        if spec.gtin is not None:
            if spec.gtin in gtin_row:
                raise ValidationError(f"GTIN {spec.gtin} is already on row {gtin_row[spec.gtin]}")
            gtin_row[spec.gtin] = number
        old = existing.get(spec.sku)
        if old is not None:
            check_type_change(tx, old, spec.item_type)
            if spec.tracking is not None:
                check_tracking_change(tx, old, spec.tracking)
        if spec.gtin is not None:
            check_gtin(tx, old, spec.gtin)
        specs.append(spec)

    errors = run_rows(rows, check)
    if errors:
        raise ImportRejected(source, errors)
    for spec in specs:
        apply_item_spec(tx, spec, existing.get(spec.sku))
    created = sum(1 for s in specs if s.sku not in existing)
    tx.note(rows=len(rows), created=created, updated=len(specs) - created)
    tx.changed.add_all(changes.ITEM, (s.sku for s in specs))
    return ImportResult("items", source, len(rows), created, len(specs) - created)


# --- BOMs ---------------------------------------------------------------------------------


def import_boms(uow: UnitOfWork, path: str | Path) -> ImportResult:
    """Each assembly's rows become a new, active revision of its BOM."""
    source, rows = read_rows(path, BOM_COLUMNS, BOM_REQUIRED)
    return _import_boms(uow, source, rows)


@posting("import.boms", Permission.IMPORT)
def _import_boms(tx: Transaction, source: str, rows: list[Row]) -> ImportResult:
    tx.set_document(source)
    skus = {r["assembly"] for _n, r in rows} | {r["component"] for _n, r in rows}
    items = {i.sku: i for i in tx.session.scalars(select(Item).where(Item.sku.in_(skus)))}
    groups: dict[str, list[tuple[Item, Decimal, bool]]] = defaultdict(list)
    first_row: dict[str, int] = {}
    seen: dict[tuple[str, str], int] = {}

    def known(sku: str, role: str) -> Item:
        if not sku:
            raise ValidationError(f"{role} is empty")
        item = items.get(sku)
        if item is None:
            raise ValidationError(f"unknown {role} sku {sku!r}")
        return item

    def check(number: int, r: dict[str, str]) -> None:
        assembly = known(r["assembly"], "assembly")
        boms.check_assembly(assembly)
        component = known(r["component"], "component")
        if component.id == assembly.id:
            raise ValidationError(f"{assembly.sku} cannot be a component of itself")
        boms.check_component(assembly, component)
        qty = parse_quantity(r["quantity"], f"quantity of {component.sku}")
        backflush = parse_flag(r.get("backflush"), "backflush", True)
        key = (assembly.sku, component.sku)
        if key in seen:
            raise ValidationError(
                f"{component.sku} is already on {assembly.sku}'s BOM at row {seen[key]}"
            )
        seen[key] = number
        first_row.setdefault(assembly.sku, number)
        groups[assembly.sku].append((component, qty, backflush))

    errors = run_rows(rows, check)
    if not errors:
        try:
            boms.refuse_cycles(
                tx.session,
                {items[a].id: [c.id for c, _q, _b in lines] for a, lines in groups.items()},
            )
        except BomCycle as exc:
            at = min((first_row[s] for s in exc.cycle if s in first_row), default=2)
            errors.append(RowError(at, exc.message))
    if errors:
        raise ImportRejected(source, sorted(errors, key=lambda e: e.row))
    for assembly_sku, lines in groups.items():
        boms.create_revision(tx, items[assembly_sku], lines, memo=f"import {source}")
    tx.note(rows=len(rows), assemblies=len(groups))
    tx.changed.add_all(changes.BOM, groups)
    return ImportResult("boms", source, len(rows), created=len(groups))


# --- stock --------------------------------------------------------------------------------


def import_stock(uow: UnitOfWork, path: str | Path) -> ImportResult:
    """Stock rows posted as inventory adjustments; an empty location is the default one; a
    negative quantity is a write-off and may not take on hand below zero (rows of the same
    file count together)."""
    source, rows = read_rows(path, STOCK_COLUMNS, STOCK_REQUIRED)
    return _import_stock(uow, source, rows)


@posting("import.stock", Permission.IMPORT)
def _import_stock(tx: Transaction, source: str, rows: list[Row]) -> ImportResult:
    tx.set_document(source)
    items = {
        i.sku: i
        for i in tx.session.scalars(select(Item).where(Item.sku.in_({r["sku"] for _n, r in rows})))
    }
    locations = {loc.code: loc for loc in tx.session.scalars(select(Location))}
    default = next((loc for loc in locations.values() if loc.is_default), None)
    postings: list[tuple[int, Item, Location, Decimal, Decimal | None, LotGiven]] = []

    def check(number: int, r: dict[str, str]) -> None:
        sku = r["sku"]
        if not sku:
            raise ValidationError("sku is empty")
        item = items.get(sku)
        if item is None:
            raise ValidationError(f"unknown sku {sku!r}")
        require_stocked(item)
        code = r.get("location", "")
        loc = locations.get(code) if code else default
        if loc is None:
            raise ValidationError(f"unknown location {code!r}" if code else "no default location")
        qty = parse_decimal(r["quantity"], field="quantity", non_zero=True)
        cost_text = r.get("unit_cost", "")
        cost = parse_decimal(cost_text, field="unit_cost", non_negative=True) if cost_text else None
        given = lot_given(r.get("lot") or None, expires=r.get("expires") or None)
        tracked = item.tracking != Tracking.NONE.value
        if not tracked and not given.empty:
            raise ValidationError(
                f"{item.sku} is not tracked by lot or serial: no lot is given for it"
            )
        if item.tracking == Tracking.SERIAL.value and given.lot is not None and abs(qty) != 1:
            raise ValidationError(
                f"{item.sku} is tracked by serial: one serial per row, of quantity 1 or -1"
            )
        if tracked and qty > 0 and given.lot is None:
            raise ValidationError(
                f"{item.sku} is tracked by {item.tracking}: give its {item.tracking}"
            )
        postings.append((number, item, loc, qty, cost, given))

    errors = run_rows(rows, check)
    # Write-offs count together, row after row, against what is on hand now.
    bals = StockBook.of(tx).lock((item.id, loc.id) for _n, item, loc, _q, _c, _l in postings)
    running = {pair: bal.on_hand for pair, bal in bals.items()}
    for number, item, loc, qty, _cost, _lot in postings:
        pair = (item.id, loc.id)
        if running[pair] + qty < 0:
            errors.append(
                RowError(
                    number,
                    f"writing off {fmt(-qty)} {item.sku} would take on hand at {loc.code} "
                    f"below zero (on hand {fmt(running[pair])})",
                )
            )
        running[pair] += qty
    if errors:
        raise ImportRejected(source, sorted(errors, key=lambda e: e.row))
    for number, item, loc, qty, cost, given in postings:
        try:
            inventory.adjust_in_transaction(
                tx,
                item,
                loc.id,
                qty,
                unit_cost=cost,
                source=f"import {source} row {number}",
                lot=given,
            )
        except ShopfloorError as exc:  # a lot that cannot take it: nothing is imported
            errors.append(RowError(number, exc.message))
    if errors:
        raise ImportRejected(source, errors)
    tx.note(rows=len(rows))
    return ImportResult("stock", source, len(rows), created=len(postings))


# --- preview ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    """One data row of a file and why the import would refuse it (None: it is fine)."""

    row: int  # spreadsheet numbering: the header is row 1
    values: dict[str, str]
    error: str | None


@dataclass(frozen=True)
class ImportPreview:
    kind: str
    source: str
    columns: list[str]
    rows: list[PreviewRow]
    file_error: str | None = None  # a fault of the whole file (no rows to show)

    @property
    def ok(self) -> bool:
        return self.file_error is None and all(r.error is None for r in self.rows)

    @property
    def bad_rows(self) -> int:
        return sum(1 for r in self.rows if r.error is not None)


_READERS = {
    "items": (ITEM_COLUMNS, ITEM_REQUIRED),
    "boms": (BOM_COLUMNS, BOM_REQUIRED),
    "stock": (STOCK_COLUMNS, STOCK_REQUIRED),
}
IMPORT_KINDS = tuple(_READERS)


def preview_import(uow: UnitOfWork, kind: str, path: str | Path) -> ImportPreview:
    """Every row of a file with the error the import would give it, before anything is
    written: the import itself runs in a transaction that is always rolled back, so each row
    is checked exactly as importing would check it (unknown skus, cycles, write-offs below
    zero, rows of the same file counted together)."""
    if kind not in _READERS:
        raise ValidationError(f"unknown import {kind!r}; one of {', '.join(_READERS)}")
    columns, required = _READERS[kind]
    try:
        source, rows = read_rows(path, columns, required)
    except ImportRejected as exc:
        reason = "; ".join(str(e) for e in exc.errors)
        return ImportPreview(kind, Path(path).name, list(columns), [], reason)
    body = {"items": _import_items, "boms": _import_boms, "stock": _import_stock}[kind]
    errors: dict[int, list[str]] = defaultdict(list)
    with uow.transaction(f"import.{kind}") as tx:  # never committed
        try:
            body.within(tx, source, rows)
        except ImportRejected as exc:
            for e in exc.errors:
                errors[e.row].append(e.reason)
    header = list(rows[0][1]) if rows else list(columns)
    return ImportPreview(
        kind,
        source,
        header,
        [PreviewRow(n, values, "; ".join(errors[n]) or None) for n, values in rows],
        "; ".join(errors[1]) or None if 1 in errors else None,
    )
