"""Imports of items, BOM lines and stock from CSV and XLSX files.

Every refusal is checked twice: the error names each bad row (header = row 1) and why, and
the database is exactly as it was (items, BOM revisions, ledger, balances, work orders and
audit events)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from app.errors import ImportRejected, ValidationError
from app.models import (
    AuditEvent,
    BomRevision,
    Item,
    LedgerEntry,
    Location,
    StockBalance,
    WorkOrder,
    WorkOrderLine,
)
from app.services import inventory
from app.services.catalog import boms, imports, items
from app.services.catalog.imports import ImportResult
from app.services.engine.uow import UnitOfWork
from app.services.production import work_orders
from tests.plant import D, Plant

Cell = str | int | float | bool | None
Importer = Callable[[UnitOfWork, Path], ImportResult]

ITEM_HEADER = ("sku", "name", "type", "uom", "cost", "build_point", "preferred_stock", "drop_ship")
BOM_HEADER = ("assembly", "component", "quantity", "backflush")
STOCK_HEADER = ("sku", "location", "quantity", "unit_cost")


class TableWriter:
    """Writes import files as CSV or XLSX (text cells stay text cells)."""

    def __init__(self, directory: Path, suffix: str) -> None:
        self.directory = directory
        self.suffix = suffix

    def write(self, stem: str, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> Path:
        path = self.directory / f"{stem}.{self.suffix}"
        if self.suffix == "csv":
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(header)
                writer.writerows(["" if v is None else v for v in row] for row in rows)
        else:
            write_xlsx(path, [list(header), *[list(r) for r in rows]])
        return path


def write_xlsx(path: Path, rows: Sequence[Sequence[Cell]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append([None if v == "" else v for v in row])
    book.save(path)
    return path


@pytest.fixture(params=["csv", "xlsx"])
def files(request: pytest.FixtureRequest, tmp_path: Path) -> TableWriter:
    return TableWriter(tmp_path, str(request.param))


# --- reading the database back ------------------------------------------------------------


def snapshot(uow: UnitOfWork) -> dict[str, list[tuple[Any, ...]]]:
    """Everything an import could change."""
    with uow.query() as tx:
        s = tx.session
        return {
            "items": sorted(
                (
                    i.sku,
                    i.name,
                    i.item_type,
                    i.uom,
                    i.standard_cost,
                    i.build_point,
                    i.preferred_stock,
                    i.drop_ship,
                    i.active,
                )
                for i in s.scalars(select(Item))
            ),
            "revisions": sorted(
                (
                    r.assembly.sku,
                    r.revision,
                    r.active,
                    tuple((ln.component.sku, ln.quantity_per, ln.backflush) for ln in r.lines),
                )
                for r in s.scalars(select(BomRevision))
            ),
            "ledger": [
                (e.id, sku, code, e.quantity, e.unit_cost, e.source_ref)
                for e, sku, code in s.execute(
                    select(LedgerEntry, Item.sku, Location.code)
                    .join(Item, Item.id == LedgerEntry.item_id)
                    .join(Location, Location.id == LedgerEntry.location_id)
                    .order_by(LedgerEntry.id)
                )
            ],
            "balances": sorted(
                (b.item_id, b.location_id, b.on_hand, b.committed, b.demand, b.on_order)
                for b in s.scalars(select(StockBalance))
            ),
            "work_orders": sorted(
                (
                    w.number,
                    w.status,
                    w.bom_revision_id,
                    tuple(
                        (sku, ln.quantity_per, ln.required, ln.committed, ln.issued)
                        for ln, sku in s.execute(
                            select(WorkOrderLine, Item.sku)
                            .join(Item, Item.id == WorkOrderLine.component_id)
                            .where(WorkOrderLine.work_order_id == w.id)
                            .order_by(WorkOrderLine.line_no)
                        )
                    ),
                )
                for w in s.scalars(select(WorkOrder))
            ),
            "events": audit_events(uow),
        }


def audit_events(uow: UnitOfWork) -> list[tuple[Any, ...]]:
    with uow.query() as tx:
        return [
            (e.id, e.action, e.document, e.username, e.workstation, e.details)
            for e in tx.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


def item_count(uow: UnitOfWork) -> int:
    return len(items.list_items(uow))


def expect_rejected(
    uow: UnitOfWork, run: Callable[[], object], expected: dict[int, str]
) -> ImportRejected:
    """`run` is refused, naming exactly the rows in `expected` (row -> part of the reason),
    and leaves the database as it was."""
    before = snapshot(uow)
    with pytest.raises(ImportRejected) as info:
        run()
    error = info.value
    assert [e.row for e in error.errors] == sorted(expected), error.message
    for e in error.errors:
        assert expected[e.row] in e.reason, (e.row, e.reason)
        assert f"row {e.row}: {e.reason}" in error.message
    assert "nothing imported" in error.message
    assert f"{len(expected)} bad row" in error.message
    assert snapshot(uow) == before
    return error


def revisions(uow: UnitOfWork, sku: str) -> list[tuple[str, bool, list[tuple[str, Decimal, bool]]]]:
    return [
        (r.revision, r.active, [(ln.sku, ln.quantity_per, ln.backflush) for ln in r.lines])
        for r in boms.list_revisions(uow, sku)
    ]


# --- items --------------------------------------------------------------------------------


def test_items_import_all_columns(uow: UnitOfWork, files: TableWriter) -> None:
    path = files.write(
        "items",
        ITEM_HEADER,
        [
            ("BOLT-M6", "Bolt M6", "inventory", "ea", "0.12", "100", "500", "no"),
            ("FRAME", "Bike frame", "assembly", "pc", "80.5", "2", "10", ""),
            ("GIFT-SET", "Gift set", "kit", "set", "12", "", "", ""),
            ("PAINT", "Paint, red", "non_inventory", "l", "3.25", "", "", "yes"),
            ("SETUP", "Machine setup", "service", "h", "45", "", "", "no"),
            ("TAPE", "Tape", "Inventory", "", "", "", "", ""),
        ],
    )
    result = imports.import_items(uow, path)
    assert (result.kind, result.source, result.rows) == ("items", path.name, 6)
    assert (result.created, result.updated) == (6, 0)
    got = {i.sku: i for i in items.list_items(uow)}
    assert got["BOLT-M6"] == items.ItemInfo(
        sku="BOLT-M6",
        name="Bolt M6",
        type="inventory",
        uom="ea",
        standard_cost=D("0.12"),
        build_point=D(100),
        preferred_stock=D(500),
        drop_ship=False,
        active=True,
    )
    assert (got["FRAME"].type, got["FRAME"].uom, got["FRAME"].standard_cost) == (
        "assembly",
        "pc",
        D("80.5"),
    )
    assert (got["FRAME"].build_point, got["FRAME"].preferred_stock) == (D(2), D(10))
    assert got["GIFT-SET"].type == "kit"
    assert (got["PAINT"].type, got["PAINT"].name, got["PAINT"].drop_ship) == (
        "non_inventory",
        "Paint, red",
        True,
    )
    assert (got["SETUP"].type, got["SETUP"].uom, got["SETUP"].standard_cost) == (
        "service",
        "h",
        D(45),
    )
    assert (got["TAPE"].type, got["TAPE"].uom, got["TAPE"].standard_cost) == (
        "inventory",
        "ea",
        D(0),
    )
    assert got["TAPE"].build_point is None and got["TAPE"].preferred_stock is None


def test_items_import_with_required_columns_only_and_loose_header(
    uow: UnitOfWork, files: TableWriter
) -> None:
    path = files.write("items", (" SKU ", "Name", "TYPE"), [("NUT", "Nut", "inventory")])
    assert imports.import_items(uow, path).created == 1
    nut = items.show_item(uow, "NUT").item
    assert (nut.name, nut.type, nut.uom, nut.standard_cost, nut.drop_ship) == (
        "Nut",
        "inventory",
        "ea",
        D(0),
        False,
    )


def test_items_reimport_updates_and_creates(uow: UnitOfWork, files: TableWriter) -> None:
    first = files.write(
        "items",
        ITEM_HEADER,
        [
            ("BOLT", "Bolt", "inventory", "ea", "0.1", "10", "50", "no"),
            ("WIDGET", "Widget", "inventory", "ea", "4", "", "", "no"),
        ],
    )
    imports.import_items(uow, first)
    second = files.write(
        "items-2",
        ITEM_HEADER,
        [
            ("BOLT", "Bolt, zinc", "inventory", "box", "0.15", "20", "80", "yes"),
            ("WIDGET", "Widget", "non_inventory", "ea", "4", "", "", "no"),
            ("NUT", "Nut", "inventory", "ea", "0.05", "", "", ""),
        ],
    )
    result = imports.import_items(uow, second)
    assert (result.rows, result.created, result.updated) == (3, 1, 2)
    assert item_count(uow) == 3
    bolt = items.show_item(uow, "BOLT").item
    assert (bolt.name, bolt.uom, bolt.standard_cost, bolt.drop_ship) == (
        "Bolt, zinc",
        "box",
        D("0.15"),
        True,
    )
    assert (bolt.build_point, bolt.preferred_stock) == (D(20), D(80))
    assert items.show_item(uow, "WIDGET").item.type == "non_inventory"


DROP_SHIP_FLAGS = {
    "yes": True,
    "Y": True,
    "1": True,
    "x": True,
    "TRUE": True,
    "no": False,
    "N": False,
    "0": False,
    "false": False,
    "": False,
}


def test_items_drop_ship_flags(uow: UnitOfWork, files: TableWriter) -> None:
    rows = [
        (f"P{n}", f"Paint {n}", "non_inventory", text) for n, text in enumerate(DROP_SHIP_FLAGS)
    ]
    path = files.write("items", ("sku", "name", "type", "drop_ship"), rows)
    imports.import_items(uow, path)
    got = {i.sku: i.drop_ship for i in items.list_items(uow)}
    assert got == {f"P{n}": flag for n, flag in enumerate(DROP_SHIP_FLAGS.values())}


def test_items_build_point_and_preferred_stock(uow: UnitOfWork, files: TableWriter) -> None:
    path = files.write(
        "items",
        ("sku", "name", "type", "build_point", "preferred_stock"),
        [
            ("A", "A", "inventory", "0.5", "2.25"),
            ("B", "B", "assembly", "3", "3"),
            ("C", "C", "inventory", "", "12"),
            ("E", "E", "inventory", "7", ""),
        ],
    )
    imports.import_items(uow, path)
    got = {i.sku: (i.build_point, i.preferred_stock) for i in items.list_items(uow)}
    assert got == {
        "A": (D("0.5"), D("2.25")),
        "B": (D(3), D(3)),
        "C": (None, D(12)),
        "E": (D(7), None),
    }


def test_items_skus_are_case_preserving_and_distinct(
    uow: UnitOfWork, plant: Plant, files: TableWriter
) -> None:
    plant.item("ab-1", cost="9")
    path = files.write(
        "items",
        ("sku", "name", "type", "cost"),
        [("Ab-1", "Mixed case", "inventory", "1"), ("AB-1", "Upper case", "assembly", "2")],
    )
    result = imports.import_items(uow, path)
    assert (result.created, result.updated) == (2, 0)
    got = {i.sku: (i.name, i.type, i.standard_cost) for i in items.list_items(uow)}
    assert got == {
        "ab-1": ("Ab-1", "inventory", D(9)),
        "Ab-1": ("Mixed case", "inventory", D(1)),
        "AB-1": ("Upper case", "assembly", D(2)),
    }


def test_items_type_change_without_history_is_allowed(
    uow: UnitOfWork, plant: Plant, files: TableWriter
) -> None:
    plant.item("PART")
    path = files.write("items", ("sku", "name", "type"), [("PART", "Part", "non_inventory")])
    assert imports.import_items(uow, path).updated == 1
    assert items.show_item(uow, "PART").item.type == "non_inventory"


def _history_stock(plant: Plant) -> tuple[str, str]:
    plant.item("PART")
    plant.stock("PART", 3)
    return "PART", "non_inventory"


def _history_bom(plant: Plant) -> tuple[str, str]:
    plant.item("PART")
    plant.item("ASM", "assembly")
    plant.bom("ASM", {"PART": 1})
    return "ASM", "inventory"


def _history_work_order(plant: Plant) -> tuple[str, str]:
    plant.item("PART")
    plant.item("ASM", "assembly")
    plant.bom("ASM", {"PART": 1})
    plant.wo("ASM", 2, status="firm_planned")
    return "PART", "assembly"


@pytest.mark.parametrize(
    "history",
    [_history_stock, _history_bom, _history_work_order],
    ids=["stock", "bom", "work-order-line"],
)
def test_items_type_change_with_history_refused(
    uow: UnitOfWork,
    plant: Plant,
    files: TableWriter,
    history: Callable[[Plant], tuple[str, str]],
) -> None:
    sku, new_type = history(plant)
    old_type = items.show_item(uow, sku).item.type
    path = files.write(
        "items",
        ("sku", "name", "type"),
        [("NEW-1", "New", "inventory"), (sku, "Renamed", new_type)],
    )
    expect_rejected(
        uow,
        lambda: imports.import_items(uow, path),
        {3: f"{sku}: type cannot change from {old_type} to {new_type}"},
    )
    assert items.show_item(uow, sku).item.type == old_type


@pytest.mark.parametrize("new_type", ["service", "non_inventory", "kit"])
def test_items_type_change_of_a_bom_component_to_an_unbuildable_type_refused(
    uow: UnitOfWork, plant: Plant, tmp_path: Path, new_type: str
) -> None:
    plant.item("PART")
    plant.item("ASM", "assembly")
    plant.bom("ASM", {"PART": 2})
    path = TableWriter(tmp_path, "csv").write(
        "items", ("sku", "name", "type"), [("PART", "Part", new_type)]
    )
    expect_rejected(uow, lambda: imports.import_items(uow, path), {2: "PART"})
    assert items.show_item(uow, "PART").item.type == "inventory"


GOOD_ITEM: tuple[str, ...] = ("GOOD-1", "Good", "inventory", "ea", "1", "", "", "")


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("row", "reason"),
    [
        pytest.param(
            ("BAD", "Bad", "widget", "ea", "1", "", "", ""),
            "BAD: type 'widget' is not one of inventory, assembly, kit, non_inventory, service",
            id="bad-type",
        ),
        pytest.param(("BAD", "Bad", "", "ea", "1", "", "", ""), "BAD: type ''", id="empty-type"),
        pytest.param(("", "Bad", "inventory", "", "", "", "", ""), "sku is empty", id="empty-sku"),
        pytest.param(
            ("BAD", "", "inventory", "", "", "", "", ""), "BAD: name is empty", id="empty-name"
        ),
        pytest.param(
            ("BAD ONE", "Bad", "inventory", "", "", "", "", ""),
            "without spaces",
            id="sku-with-space",
        ),
        pytest.param(
            ("BAD", "Bad", "inventory", "ea", "-1", "", "", ""),
            "BAD: cost must not be negative",
            id="negative-cost",
        ),
        pytest.param(
            ("BAD", "Bad", "inventory", "ea", "1.0000001", "", "", ""),
            "BAD: cost '1.0000001' has more than 6 decimal places",
            id="too-many-places",
        ),
        pytest.param(
            ("BAD", "Bad", "inventory", "ea", "NaN", "", "", ""),
            "BAD: cost 'NaN' is not a finite number",
            id="nan-cost",
        ),
        pytest.param(
            ("BAD", "Bad", "inventory", "ea", "inf", "", "", ""),
            "BAD: cost 'inf' is not a finite number",
            id="inf-cost",
        ),
        pytest.param(
            ("BAD", "Bad", "inventory", "ea", "cheap", "", "", ""),
            "BAD: cost 'cheap' is not a number",
            id="text-cost",
        ),
        pytest.param(
            ("BAD", "Bad", "inventory", "ea", "1", "-5", "", ""),
            "BAD: build point must not be negative",
            id="negative-build-point",
        ),
        pytest.param(
            ("BAD", "Bad", "inventory", "ea", "1", "", "NaN", ""),
            "BAD: preferred stock 'NaN' is not a finite number",
            id="nan-preferred-stock",
        ),
        pytest.param(
            ("BAD", "Bad", "inventory", "ea", "1", "10", "5", ""),
            "BAD: preferred stock level is below the build point",
            id="preferred-below-build-point",
        ),
        pytest.param(
            ("BAD", "Bad", "service", "h", "1", "2", "", ""),
            "BAD: a service item has no build point",
            id="build-point-on-service",
        ),
        pytest.param(
            ("BAD", "Bad", "inventory", "ea", "1", "", "", "maybe"),
            "BAD: drop_ship must be true or false, not 'maybe'",
            id="bad-drop-ship",
        ),
        pytest.param(
            ("GOOD-1", "Again", "inventory", "ea", "1", "", "", ""),
            "sku GOOD-1 is already on row 2",
            id="duplicate-sku",
        ),
    ],
)
def test_items_bad_row_imports_nothing(
    uow: UnitOfWork, plant: Plant, files: TableWriter, row: tuple[str, ...], reason: str
) -> None:
    plant.item("OLD", cost="5")
    path = files.write("items", ITEM_HEADER, [GOOD_ITEM, row])
    error = expect_rejected(uow, lambda: imports.import_items(uow, path), {3: reason})
    assert error.message.startswith(f"{path.name}: nothing imported, 1 bad row: row 3: ")
    assert item_count(uow) == 1


def test_items_every_bad_row_is_named(uow: UnitOfWork, files: TableWriter) -> None:
    path = files.write(
        "items",
        ITEM_HEADER,
        [
            ("A", "A", "inventory", "ea", "1", "", "", ""),
            ("B", "B", "gadget", "ea", "1", "", "", ""),
            ("C", "C", "inventory", "ea", "2", "", "", ""),
            ("D", "D", "inventory", "ea", "-3", "", "", ""),
            ("A", "A again", "inventory", "ea", "1", "", "", ""),
            ("E", "E", "inventory", "ea", "0.0000001", "", "", ""),
        ],
    )
    error = expect_rejected(
        uow,
        lambda: imports.import_items(uow, path),
        {
            3: "type 'gadget'",
            5: "cost must not be negative",
            6: "sku A is already on row 2",
            7: "more than 6 decimal places",
        },
    )
    assert "4 bad rows" in error.message
    assert item_count(uow) == 0


def test_items_more_than_twenty_bad_rows_all_in_errors(uow: UnitOfWork, files: TableWriter) -> None:
    rows = [(f"S{n}", f"S{n}", "nonsense") for n in range(25)]
    path = files.write("items", ("sku", "name", "type"), rows)
    with pytest.raises(ImportRejected) as info:
        imports.import_items(uow, path)
    assert [e.row for e in info.value.errors] == list(range(2, 27))
    assert "25 bad rows" in info.value.message
    assert info.value.message.endswith("; and 5 more")
    assert item_count(uow) == 0


# --- BOMs ---------------------------------------------------------------------------------


@pytest.fixture
def parts(plant: Plant) -> Plant:
    for sku in ("P1", "P2", "P3"):
        plant.item(sku)
    plant.item("SVC", "service")
    plant.item("NONINV", "non_inventory")
    plant.item("GIFT", "kit")
    for sku in ("ASM", "ASM2", "ASM3"):
        plant.item(sku, "assembly")
    return plant


def test_boms_import_creates_an_active_revision_per_assembly(
    uow: UnitOfWork, parts: Plant, files: TableWriter
) -> None:
    path = files.write(
        "boms",
        BOM_HEADER,
        [
            ("ASM", "P1", "2", ""),
            ("ASM2", "P3", "1", "yes"),
            ("ASM", "P2", "0.25", "no"),
        ],
    )
    result = imports.import_boms(uow, path)
    assert (result.kind, result.rows, result.created) == ("boms", 3, 2)
    assert revisions(uow, "ASM") == [("1", True, [("P1", D(2), True), ("P2", D("0.25"), False)])]
    assert revisions(uow, "ASM2") == [("1", True, [("P3", D(1), True)])]
    assert revisions(uow, "ASM3") == []
    info = items.show_item(uow, "ASM").bom
    assert info is not None and info.memo == f"import {path.name}"


def test_boms_backflush_column_is_optional_and_defaults_to_true(
    uow: UnitOfWork, parts: Plant, files: TableWriter
) -> None:
    path = files.write(
        "boms", ("assembly", "component", "quantity"), [("ASM", "P1", "1"), ("ASM", "P2", "3")]
    )
    imports.import_boms(uow, path)
    assert revisions(uow, "ASM") == [("1", True, [("P1", D(1), True), ("P2", D(3), True)])]


def test_boms_reimport_adds_a_revision_and_keeps_existing_work_orders(
    uow: UnitOfWork, parts: Plant, files: TableWriter
) -> None:
    parts.bom("ASM", {"P1": 2, "P2": 1}, no_backflush=("P2",))
    parts.stock("P1", 10)
    old_wo = parts.wo("ASM", 3)
    before = parts.show(old_wo)
    path = files.write("boms", BOM_HEADER, [("ASM", "P1", "5", "no"), ("ASM", "P3", "0.5", "")])
    imports.import_boms(uow, path)
    assert revisions(uow, "ASM") == [
        ("1", False, [("P1", D(2), True), ("P2", D(1), False)]),
        ("2", True, [("P1", D(5), False), ("P3", D("0.5"), True)]),
    ]
    after = parts.show(old_wo)
    assert after.lines == before.lines
    assert after.bom_revision == "1"
    assert [(ln.sku, ln.quantity_per, ln.required) for ln in after.lines] == [
        ("P1", D(2), D(6)),
        ("P2", D(1), D(3)),
    ]
    new_wo = parts.show(parts.wo("ASM", 2))
    assert new_wo.bom_revision == "2"
    assert [(ln.sku, ln.required, ln.backflush) for ln in new_wo.lines] == [
        ("P1", D(10), False),
        ("P3", D(1), True),
    ]


def test_boms_multi_level_in_one_file(uow: UnitOfWork, parts: Plant, files: TableWriter) -> None:
    path = files.write(
        "boms",
        BOM_HEADER,
        [
            ("ASM", "ASM2", "2", ""),
            ("ASM", "P1", "1", ""),
            ("ASM2", "ASM3", "3", ""),
            ("ASM2", "P2", "0.5", ""),
            ("ASM3", "P3", "0.1", ""),
        ],
    )
    assert imports.import_boms(uow, path).created == 3
    exploded = boms.explode(uow, "ASM", "1")
    assert [(c.sku, c.level, c.quantity) for c in exploded.components] == [
        ("ASM2", 1, D(2)),
        ("ASM3", 2, D(6)),
        ("P3", 3, D("0.6")),
        ("P2", 2, D(1)),
        ("P1", 1, D(1)),
    ]
    assert exploded.totals == [("P1", D(1)), ("P2", D(1)), ("P3", D("0.6"))]


def test_boms_replacing_a_revision_can_remove_a_would_be_cycle(
    uow: UnitOfWork, parts: Plant, files: TableWriter
) -> None:
    parts.bom("ASM", {"ASM2": 1})
    path = files.write("boms", BOM_HEADER, [("ASM", "P1", "1", ""), ("ASM2", "ASM", "1", "")])
    imports.import_boms(uow, path)
    exploded = boms.explode(uow, "ASM2", "1")
    assert [(c.sku, c.level) for c in exploded.components] == [("ASM", 1), ("P1", 2)]


def test_boms_kit_may_hold_service_and_non_inventory_members(
    uow: UnitOfWork, parts: Plant, files: TableWriter
) -> None:
    path = files.write(
        "boms",
        BOM_HEADER,
        [("GIFT", "SVC", "1", ""), ("GIFT", "NONINV", "2", ""), ("GIFT", "P1", "1", "")],
    )
    imports.import_boms(uow, path)
    assert [sku for sku, _q, _b in revisions(uow, "GIFT")[0][2]] == ["SVC", "NONINV", "P1"]


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("row", "reason"),
    [
        pytest.param(("NOPE", "P1", "1", ""), "unknown assembly sku 'NOPE'", id="unknown-assembly"),
        pytest.param(("ASM", "NOPE", "1", ""), "unknown component sku 'NOPE'", id="unknown-comp"),
        pytest.param(("asm", "P2", "1", ""), "unknown assembly sku 'asm'", id="case-mismatch"),
        pytest.param(("", "P2", "1", ""), "assembly is empty", id="empty-assembly"),
        pytest.param(("ASM", "", "1", ""), "component is empty", id="empty-component"),
        pytest.param(("ASM", "P2", "", ""), "quantity of P2 is empty", id="empty-quantity"),
        pytest.param(("ASM", "P2", "0", ""), "quantity of P2 must be greater than zero", id="zero"),
        pytest.param(
            ("ASM", "P2", "-1", ""), "quantity of P2 must be greater than zero", id="negative"
        ),
        pytest.param(("ASM", "P2", "NaN", ""), "'NaN' is not a finite number", id="nan"),
        pytest.param(("ASM", "P2", "inf", ""), "'inf' is not a finite number", id="inf"),
        pytest.param(
            ("ASM", "P2", "1.0000001", ""), "has more than 6 decimal places", id="too-many-places"
        ),
        pytest.param(("ASM", "P2", "two", ""), "'two' is not a number", id="text"),
        pytest.param(
            ("ASM", "P2", "1", "maybe"), "backflush must be true or false", id="bad-backflush"
        ),
        pytest.param(("ASM", "P1", "4", ""), "P1 is already on ASM's BOM at row 2", id="duplicate"),
        pytest.param(
            ("ASM", "SVC", "1", ""), "component SVC is a service item", id="service-component"
        ),
        pytest.param(
            ("ASM", "NONINV", "1", ""),
            "component NONINV is a non_inventory item",
            id="non-inventory-component",
        ),
        pytest.param(("ASM", "GIFT", "1", ""), "component GIFT is a kit item", id="kit-component"),
        pytest.param(
            ("P1", "P2", "1", ""),
            "P1 is a inventory item; only assembly and kit items have a BOM",
            id="inventory-assembly",
        ),
        pytest.param(
            ("SVC", "P2", "1", ""), "only assembly and kit items have a BOM", id="service-assembly"
        ),
        pytest.param(
            ("ASM", "ASM", "1", ""), "ASM cannot be a component of itself", id="self-component"
        ),
    ],
)
def test_boms_bad_row_imports_nothing(
    uow: UnitOfWork, parts: Plant, files: TableWriter, row: tuple[str, ...], reason: str
) -> None:
    parts.bom("ASM2", {"P3": 1})
    path = files.write("boms", BOM_HEADER, [("ASM", "P1", "1", ""), row, ("ASM3", "P2", "1", "")])
    expect_rejected(uow, lambda: imports.import_boms(uow, path), {3: reason})
    assert revisions(uow, "ASM") == []
    assert revisions(uow, "ASM3") == []
    assert revisions(uow, "ASM2") == [("1", True, [("P3", D(1), True)])]


def test_boms_every_bad_row_is_named(uow: UnitOfWork, parts: Plant, files: TableWriter) -> None:
    path = files.write(
        "boms",
        BOM_HEADER,
        [
            ("ASM", "P1", "1", ""),
            ("ASM", "SVC", "1", ""),
            ("ASM2", "P1", "1", ""),
            ("ASM2", "P2", "0", ""),
            ("ASM", "P1", "2", ""),
            ("P3", "P1", "1", ""),
        ],
    )
    expect_rejected(
        uow,
        lambda: imports.import_boms(uow, path),
        {
            3: "service item",
            5: "greater than zero",
            6: "P1 is already on ASM's BOM at row 2",
            7: "only assembly and kit items have a BOM",
        },
    )


def _assert_cycle(message: str, *skus: str) -> None:
    rotations = [" → ".join([*skus[i:], *skus[:i], skus[i]]) for i in range(len(skus))]
    assert any(f"BOM cycle: {r}" in message for r in rotations), message


def test_boms_cycle_within_the_file_refused(
    uow: UnitOfWork, parts: Plant, files: TableWriter
) -> None:
    path = files.write(
        "boms",
        BOM_HEADER,
        [("ASM3", "P1", "1", ""), ("ASM", "ASM2", "1", ""), ("ASM2", "ASM", "2", "")],
    )
    error = expect_rejected(uow, lambda: imports.import_boms(uow, path), {3: "BOM cycle: "})
    _assert_cycle(error.message, "ASM", "ASM2")
    _assert_cycle(error.errors[0].reason, "ASM", "ASM2")
    assert revisions(uow, "ASM3") == []


def test_boms_cycle_with_an_existing_bom_refused(
    uow: UnitOfWork, parts: Plant, files: TableWriter
) -> None:
    parts.bom("ASM", {"ASM2": 1, "P1": 1})
    path = files.write("boms", BOM_HEADER, [("ASM3", "P1", "1", ""), ("ASM2", "ASM", "1", "")])
    error = expect_rejected(uow, lambda: imports.import_boms(uow, path), {3: "BOM cycle: "})
    _assert_cycle(error.message, "ASM2", "ASM")


def test_boms_deep_cycle_with_existing_boms_refused(
    uow: UnitOfWork, parts: Plant, files: TableWriter
) -> None:
    parts.bom("ASM", {"ASM2": 1})
    parts.bom("ASM2", {"ASM3": 1})
    path = files.write("boms", BOM_HEADER, [("ASM3", "P2", "1", ""), ("ASM3", "ASM", "1", "")])
    error = expect_rejected(uow, lambda: imports.import_boms(uow, path), {2: "BOM cycle: "})
    _assert_cycle(error.message, "ASM3", "ASM", "ASM2")
    assert revisions(uow, "ASM3") == []


# --- stock --------------------------------------------------------------------------------


@pytest.fixture
def stocked(plant: Plant) -> Plant:
    plant.item("A", cost="3")
    plant.item("B", cost="0.5")
    plant.item("SVC", "service")
    items.add_location(plant.uow, "WH2", "Second warehouse")
    return plant


def test_stock_import_locations_costs_and_ledger(
    uow: UnitOfWork, stocked: Plant, files: TableWriter
) -> None:
    path = files.write(
        "stock",
        STOCK_HEADER,
        [
            ("A", "", "5", ""),
            ("A", "WH2", "2", "4.5"),
            ("B", "MAIN", "1.25", ""),
        ],
    )
    result = imports.import_stock(uow, path)
    assert (result.kind, result.rows, result.created) == ("stock", 3, 3)
    assert stocked.on_hand("A") == D(7)
    assert stocked.on_hand("A", "MAIN") == D(5)
    assert stocked.on_hand("A", "WH2") == D(2)
    assert stocked.on_hand("B", "MAIN") == D("1.25")
    position = inventory.stock_position(uow, "A")
    assert (position.on_hand, position.committed, position.available) == (D(7), D(0), D(7))
    history = inventory.ledger_history(uow, "A")
    assert {(r.reason, r.posted_by, r.event_id) for r in history} == {
        ("adjustment", "tester", result.event_id)
    }
    assert [(r.location, r.quantity, r.unit_cost, r.source) for r in history] == [
        ("WH2", D(2), D("4.5"), f"import {path.name} row 3"),
        ("MAIN", D(5), D(3), f"import {path.name} row 2"),
    ]
    [b_row] = inventory.ledger_history(uow, "B")
    assert (b_row.location, b_row.quantity, b_row.unit_cost) == ("MAIN", D("1.25"), D("0.5"))


def test_stock_import_without_optional_columns(
    uow: UnitOfWork, stocked: Plant, files: TableWriter
) -> None:
    path = files.write("stock", ("sku", "quantity"), [("A", "4"), ("B", "0.000001")])
    imports.import_stock(uow, path)
    assert stocked.on_hand("A", "MAIN") == D(4)
    assert stocked.on_hand("B", "MAIN") == D("0.000001")
    assert [r.unit_cost for r in inventory.ledger_history(uow, "A")] == [D(3)]


def test_stock_tenths_add_up_exactly(uow: UnitOfWork, stocked: Plant, files: TableWriter) -> None:
    path = files.write("stock", STOCK_HEADER, [("A", "", "0.1", "")] * 10)
    imports.import_stock(uow, path)
    assert stocked.on_hand("A") == Decimal("1")
    assert len(inventory.ledger_history(uow, "A")) == 10


def test_stock_write_off(uow: UnitOfWork, stocked: Plant, files: TableWriter) -> None:
    stocked.stock("A", 5)
    stocked.stock("A", 1, "WH2")
    path = files.write(
        "stock", STOCK_HEADER, [("A", "", "-2", ""), ("A", "WH2", "-1", ""), ("A", "", "-3", "")]
    )
    imports.import_stock(uow, path)
    assert stocked.on_hand("A", "MAIN") == D(0)
    assert stocked.on_hand("A", "WH2") == D(0)
    assert [r.quantity for r in inventory.ledger_history(uow, "A")[:3]] == [D(-3), D(-1), D(-2)]


def test_stock_write_off_after_a_receipt_in_the_same_file(
    uow: UnitOfWork, stocked: Plant, files: TableWriter
) -> None:
    stocked.stock("A", 5)
    path = files.write("stock", STOCK_HEADER, [("A", "", "2", ""), ("A", "", "-6", "")])
    imports.import_stock(uow, path)
    assert stocked.on_hand("A") == D(1)


def test_stock_write_off_of_committed_stock_keeps_commitment_within_on_hand(
    uow: UnitOfWork, stocked: Plant, files: TableWriter
) -> None:
    stocked.item("ASM", "assembly")
    stocked.bom("ASM", {"A": 1})
    stocked.stock("A", 5)
    wo = stocked.wo("ASM", 4)
    assert stocked.line(wo, "A").committed == D(4)
    path = files.write("stock", STOCK_HEADER, [("A", "", "-3", "")])
    imports.import_stock(uow, path)
    position = stocked.position("A")
    assert position.on_hand == D(2)
    assert position.committed <= position.on_hand
    assert stocked.line(wo, "A").committed == position.committed


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param(
            [("A", "", "-6", "")],
            {2: "writing off 6 A would take on hand at MAIN below zero (on hand 5)"},
            id="single-row",
        ),
        pytest.param(
            [("A", "", "-3", ""), ("A", "MAIN", "-3", "")],
            {3: "writing off 3 A would take on hand at MAIN below zero (on hand 2)"},
            id="cumulative",
        ),
        pytest.param(
            [("A", "", "-2", ""), ("B", "", "1", ""), ("A", "", "-2", ""), ("A", "", "-2", "")],
            {5: "below zero (on hand 1)"},
            id="cumulative-third-row",
        ),
        pytest.param(
            [("A", "WH2", "-1", "")],
            {2: "writing off 1 A would take on hand at WH2 below zero (on hand 0)"},
            id="other-location",
        ),
        pytest.param(
            [("B", "", "-0.5", "")],
            {2: "below zero (on hand 0)"},
            id="never-stocked",
        ),
    ],
)
def test_stock_write_off_below_zero_refused(
    uow: UnitOfWork,
    stocked: Plant,
    files: TableWriter,
    rows: list[tuple[str, ...]],
    expected: dict[int, str],
) -> None:
    stocked.stock("A", 5)
    path = files.write("stock", STOCK_HEADER, rows)
    expect_rejected(uow, lambda: imports.import_stock(uow, path), expected)
    assert stocked.on_hand("A") == D(5)
    assert stocked.on_hand("B") == D(0)


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("row", "reason"),
    [
        pytest.param(("NOPE", "", "1", ""), "unknown sku 'NOPE'", id="unknown-sku"),
        pytest.param(("a", "", "1", ""), "unknown sku 'a'", id="case-mismatch"),
        pytest.param(("", "", "1", ""), "sku is empty", id="empty-sku"),
        pytest.param(("A", "NOWHERE", "1", ""), "unknown location 'NOWHERE'", id="unknown-loc"),
        pytest.param(("A", "main", "1", ""), "unknown location 'main'", id="location-case"),
        pytest.param(
            ("SVC", "", "1", ""), "SVC is a service item and carries no stock", id="service"
        ),
        pytest.param(("A", "", "", ""), "quantity is empty", id="empty-quantity"),
        pytest.param(("A", "", "0", ""), "quantity must not be zero", id="zero"),
        pytest.param(("A", "", "NaN", ""), "quantity 'NaN' is not a finite number", id="nan"),
        pytest.param(("A", "", "inf", ""), "quantity 'inf' is not a finite number", id="inf"),
        pytest.param(
            ("A", "", "-Infinity", ""), "quantity '-Infinity' is not a finite number", id="-inf"
        ),
        pytest.param(
            ("A", "", "1.0000001", ""),
            "quantity '1.0000001' has more than 6 decimal places",
            id="too-many-places",
        ),
        pytest.param(("A", "", "five", ""), "quantity 'five' is not a number", id="text"),
        pytest.param(
            ("A", "", "1" + "0" * 22, ""), "quantity '1" + "0" * 22 + "' is too large", id="huge"
        ),
        pytest.param(("A", "", "1e22", ""), "exponents are not allowed", id="exponent"),
        pytest.param(
            ("A", "", "1", "-0.5"), "unit_cost must not be negative, got -0.5", id="neg-cost"
        ),
        pytest.param(
            ("A", "", "1", "NaN"), "unit_cost 'NaN' is not a finite number", id="nan-cost"
        ),
        pytest.param(
            ("A", "", "1", "0.0000001"), "has more than 6 decimal places", id="cost-places"
        ),
    ],
)
def test_stock_bad_row_imports_nothing(
    uow: UnitOfWork, stocked: Plant, files: TableWriter, row: tuple[str, ...], reason: str
) -> None:
    stocked.stock("B", 2)
    path = files.write("stock", STOCK_HEADER, [("A", "", "5", ""), row, ("B", "WH2", "1", "")])
    expect_rejected(uow, lambda: imports.import_stock(uow, path), {3: reason})
    assert stocked.on_hand("A") == D(0)
    assert stocked.on_hand("B") == D(2)
    assert inventory.ledger_history(uow, "A").rows == []


def test_stock_every_bad_row_is_named(uow: UnitOfWork, stocked: Plant, files: TableWriter) -> None:
    path = files.write(
        "stock",
        STOCK_HEADER,
        [
            ("A", "", "1", ""),
            ("NOPE", "", "1", ""),
            ("A", "ELSEWHERE", "1", ""),
            ("B", "", "0", ""),
            ("B", "", "2", ""),
            ("A", "", "-5", ""),
            ("B", "", "inf", ""),
        ],
    )
    expect_rejected(
        uow,
        lambda: imports.import_stock(uow, path),
        {
            3: "unknown sku 'NOPE'",
            4: "unknown location 'ELSEWHERE'",
            5: "must not be zero",
            7: "below zero (on hand 1)",
            8: "not a finite number",
        },
    )


# --- XLSX with numeric cells ---------------------------------------------------------------


def test_xlsx_numeric_cells_are_exact(uow: UnitOfWork, plant: Plant, tmp_path: Path) -> None:
    items_file = write_xlsx(
        tmp_path / "items.xlsx",
        [
            ITEM_HEADER,
            ("BOLT", "Bolt", "inventory", "ea", 0.1, 2.5, 7, False),
            (1001, "Numbered part", "inventory", "ea", 2.5, None, None, None),
            ("ASM", "Assembly", "assembly", "ea", 12.345678, None, None, None),
            ("PAINT", "Paint", "non_inventory", "l", 1.1, None, None, True),
        ],
    )
    imports.import_items(uow, items_file)
    bolt = items.show_item(uow, "BOLT").item
    assert bolt.standard_cost == Decimal("0.1")
    assert (bolt.build_point, bolt.preferred_stock) == (Decimal("2.5"), Decimal("7"))
    assert bolt.drop_ship is False
    assert items.show_item(uow, "1001").item.standard_cost == Decimal("2.5")
    assert items.show_item(uow, "ASM").item.standard_cost == Decimal("12.345678")
    paint = items.show_item(uow, "PAINT").item
    assert (paint.standard_cost, paint.drop_ship) == (Decimal("1.1"), True)

    bom_file = write_xlsx(
        tmp_path / "boms.xlsx",
        [BOM_HEADER, ("ASM", "BOLT", 0.1, None), ("ASM", 1001, 2.5, False)],
    )
    imports.import_boms(uow, bom_file)
    assert revisions(uow, "ASM") == [
        ("1", True, [("BOLT", Decimal("0.1"), True), ("1001", Decimal("2.5"), False)])
    ]

    stock_file = write_xlsx(
        tmp_path / "stock.xlsx",
        [STOCK_HEADER, *[("BOLT", None, 0.1, None)] * 10, (1001, "MAIN", 2.5, 0.3)],
    )
    imports.import_stock(uow, stock_file)
    assert plant.on_hand("BOLT") == Decimal("1")
    assert {r.quantity for r in inventory.ledger_history(uow, "BOLT")} == {Decimal("0.1")}
    [row] = inventory.ledger_history(uow, "1001")
    assert (row.quantity, row.unit_cost) == (Decimal("2.5"), Decimal("0.3"))


@pytest.mark.parametrize(
    ("stem", "header", "rows", "expected"),
    [
        pytest.param(
            "items",
            ("sku", "name", "type", "cost"),
            [("A", "A", "inventory", 0.5), ("B", "B", "inventory", 1.0000001)],
            {3: "B: cost '1.0000001' has more than 6 decimal places"},
            id="items",
        ),
        pytest.param(
            "stock",
            ("sku", "quantity"),
            [("P", 0.1), ("P", 0.0000001), ("P", 0)],
            {3: "more than 6 decimal places", 4: "must not be zero"},
            id="stock",
        ),
    ],
)
def test_xlsx_numeric_cells_with_too_many_places_refused(
    uow: UnitOfWork,
    plant: Plant,
    tmp_path: Path,
    stem: str,
    header: tuple[str, ...],
    rows: list[tuple[Cell, ...]],
    expected: dict[int, str],
) -> None:
    plant.item("P")
    path = write_xlsx(tmp_path / f"{stem}.xlsx", [header, *rows])
    importer = imports.import_items if stem == "items" else imports.import_stock
    expect_rejected(uow, lambda: importer(uow, path), expected)


def test_xlsx_blank_rows_are_skipped_and_rows_keep_sheet_numbers(
    uow: UnitOfWork, stocked: Plant, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "stock.xlsx",
        [STOCK_HEADER, ("A", None, 1, None), (None, None, None, None), ("NOPE", None, 1, None)],
    )
    expect_rejected(uow, lambda: imports.import_stock(uow, path), {4: "unknown sku 'NOPE'"})


def test_csv_blank_lines_keep_line_numbers(uow: UnitOfWork, stocked: Plant, tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    path.write_text("sku,location,quantity\nA,,1\n\nNOPE,,1\n", encoding="utf-8")
    expect_rejected(uow, lambda: imports.import_stock(uow, path), {4: "unknown sku 'NOPE'"})


def test_csv_row_with_a_trailing_delimiter_is_not_read_shifted(
    uow: UnitOfWork, stocked: Plant, tmp_path: Path
) -> None:
    path = tmp_path / "stock.csv"
    path.write_text("sku,location,quantity\nA,,5,\nB,,3,\n", encoding="utf-8")
    before = snapshot(uow)
    try:
        imports.import_stock(uow, path)
    except ImportRejected as exc:
        assert [e.row for e in exc.errors] == [2, 3]
        for e in exc.errors:
            assert "sku" not in e.reason, e.reason
        assert snapshot(uow) == before
    else:
        assert (stocked.on_hand("A"), stocked.on_hand("B")) == (D(5), D(3))


def test_csv_empty_data_rows_are_skipped(uow: UnitOfWork, stocked: Plant, tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    path.write_text("\ufeffsku,location,quantity\nA,,1\n,,\nB,,2\n", encoding="utf-8")
    assert imports.import_stock(uow, path).rows == 2
    assert (stocked.on_hand("A"), stocked.on_hand("B")) == (D(1), D(2))


# --- file-level refusals, for all three imports --------------------------------------------

IMPORTERS: dict[str, tuple[Importer, tuple[str, ...]]] = {
    "items": (imports.import_items, ITEM_HEADER),
    "boms": (imports.import_boms, BOM_HEADER),
    "stock": (imports.import_stock, STOCK_HEADER),
}
kinds = pytest.mark.parametrize("kind", list(IMPORTERS))


@kinds
@pytest.mark.sqlite_only
def test_unknown_column_refused_at_row_1(uow: UnitOfWork, files: TableWriter, kind: str) -> None:
    importer, header = IMPORTERS[kind]
    path = files.write(kind, (*header, "colour"), [tuple("x" for _ in range(len(header) + 1))])
    error = expect_rejected(uow, lambda: importer(uow, path), {1: "unknown column(s) colour"})
    assert f"expected {', '.join(header)}" in error.errors[0].reason


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("kind", "header", "missing"),
    [
        ("items", ("sku", "name", "uom"), "type"),
        ("items", ("name", "type"), "sku"),
        ("boms", ("assembly", "quantity"), "component"),
        ("boms", ("assembly", "component"), "quantity"),
        ("stock", ("sku", "location"), "quantity"),
        ("stock", ("location", "quantity"), "sku"),
    ],
)
def test_missing_column_refused_at_row_1(
    uow: UnitOfWork, files: TableWriter, kind: str, header: tuple[str, ...], missing: str
) -> None:
    importer, _full = IMPORTERS[kind]
    path = files.write(kind, header, [tuple("x" for _ in header)])
    expect_rejected(uow, lambda: importer(uow, path), {1: f"missing column(s) {missing}"})


@kinds
@pytest.mark.sqlite_only
def test_misspelt_column_is_both_unknown_and_missing(
    uow: UnitOfWork, files: TableWriter, kind: str
) -> None:
    importer, header = IMPORTERS[kind]
    wrong = ("qty" if c == "quantity" else "typ" if c == "type" else c for c in header)
    renamed = tuple(wrong) if kind != "items" else ("sku", "name", "typ")
    path = files.write(kind, renamed, [tuple("1" for _ in renamed)])
    error = expect_rejected(uow, lambda: importer(uow, path), {1: "unknown column(s) "})
    assert "missing column(s) " in error.errors[0].reason


@kinds
@pytest.mark.sqlite_only
def test_empty_file_refused_at_row_1(uow: UnitOfWork, tmp_path: Path, kind: str) -> None:
    importer, _header = IMPORTERS[kind]
    csv_file = tmp_path / f"{kind}.csv"
    csv_file.write_bytes(b"")
    expect_rejected(uow, lambda: importer(uow, csv_file), {1: "the file is empty"})
    xlsx_file = write_xlsx(tmp_path / f"{kind}.xlsx", [])
    before = snapshot(uow)
    with pytest.raises(ImportRejected) as info:
        importer(uow, xlsx_file)
    assert [e.row for e in info.value.errors] == [1]
    assert snapshot(uow) == before


@kinds
@pytest.mark.sqlite_only
def test_header_only_file_refused(uow: UnitOfWork, files: TableWriter, kind: str) -> None:
    importer, header = IMPORTERS[kind]
    path = files.write(kind, header, [])
    expect_rejected(uow, lambda: importer(uow, path), {2: "the file has no data rows"})


@kinds
@pytest.mark.sqlite_only
def test_blank_rows_only_file_refused(uow: UnitOfWork, files: TableWriter, kind: str) -> None:
    importer, header = IMPORTERS[kind]
    path = files.write(kind, header, [tuple("" for _ in header)] * 3)
    expect_rejected(uow, lambda: importer(uow, path), {2: "the file has no data rows"})


@kinds
@pytest.mark.sqlite_only
def test_other_file_types_refused(uow: UnitOfWork, tmp_path: Path, kind: str) -> None:
    importer, header = IMPORTERS[kind]
    before = snapshot(uow)
    for suffix in (".json", ".ods", ".xls", ""):
        path = tmp_path / f"{kind}{suffix}"
        path.write_text(",".join(header) + "\n", encoding="utf-8")
        with pytest.raises(ValidationError, match=r"not a \.csv or \.xlsx file") as info:
            importer(uow, path)
        assert not isinstance(info.value, ImportRejected)
        assert path.name in info.value.message
    assert snapshot(uow) == before


@kinds
@pytest.mark.sqlite_only
def test_missing_file_refused(uow: UnitOfWork, tmp_path: Path, kind: str) -> None:
    importer, _header = IMPORTERS[kind]
    path = tmp_path / f"no-such-{kind}.csv"
    before = snapshot(uow)
    with pytest.raises(ValidationError, match="no such file") as info:
        importer(uow, path)
    assert str(path) in info.value.message
    with pytest.raises(ValidationError, match="no such file"):
        importer(uow, tmp_path)
    assert snapshot(uow) == before


@kinds
@pytest.mark.sqlite_only
def test_unreadable_xlsx_refused(uow: UnitOfWork, tmp_path: Path, kind: str) -> None:
    importer, _header = IMPORTERS[kind]
    path = tmp_path / f"{kind}.xlsx"
    path.write_bytes(b"sku,name,type\nA,A,inventory\n")
    before = snapshot(uow)
    with pytest.raises(ValidationError, match="cannot be read"):
        importer(uow, path)
    assert snapshot(uow) == before


# --- audit events -----------------------------------------------------------------------------


def _prepare(plant: Plant, kind: str, files: TableWriter) -> tuple[Path, Path]:
    """A good and a bad file of this kind, with what they need already in place."""
    header = IMPORTERS[kind][1][:3]
    good, bad = {
        "items": (("N", "N", "inventory"), ("N", "N", "nonsense")),
        "boms": (("ASM", "P", "2"), ("ASM", "P", "-2")),
        "stock": (("P", "", "2"), ("P", "", "-2")),
    }[kind]
    if kind != "items":
        plant.item("P")
        plant.item("ASM", "assembly")
    return files.write(f"{kind}-good", header, [good]), files.write(f"{kind}-bad", header, [bad])


@kinds
def test_import_writes_exactly_one_audit_event(
    uow: UnitOfWork, plant: Plant, files: TableWriter, kind: str
) -> None:
    importer, _header = IMPORTERS[kind]
    good, _bad = _prepare(plant, kind, files)
    before = audit_events(uow)
    result = importer(uow, good)
    after = audit_events(uow)
    assert after[: len(before)] == before
    [event] = after[len(before) :]
    event_id, action, document, user, workstation, details = event
    assert (event_id, action, document) == (result.event_id, f"import.{kind}", good.name)
    assert (user, workstation) == ("tester", "test-bench")
    assert json.loads(details)["rows"] == result.rows
    if kind == "stock":
        assert {r.event_id for r in inventory.ledger_history(uow, "P")} == {event_id}


@kinds
@pytest.mark.sqlite_only
def test_rejected_import_writes_no_audit_event(
    uow: UnitOfWork, plant: Plant, files: TableWriter, kind: str
) -> None:
    importer, _header = IMPORTERS[kind]
    _good, bad = _prepare(plant, kind, files)
    before = audit_events(uow)
    with pytest.raises(ImportRejected):
        importer(uow, bad)
    assert audit_events(uow) == before


def test_imports_chain_into_a_buildable_plant(
    uow: UnitOfWork, plant: Plant, files: TableWriter
) -> None:
    imports.import_items(
        uow,
        files.write(
            "items",
            ("sku", "name", "type", "cost"),
            [
                ("LEG", "Leg", "inventory", "2"),
                ("TOP", "Table top", "inventory", "10"),
                ("TABLE", "Table", "assembly", "20"),
            ],
        ),
    )
    imports.import_boms(
        uow,
        files.write("boms", BOM_HEADER, [("TABLE", "LEG", "4", ""), ("TABLE", "TOP", "1", "")]),
    )
    imports.import_stock(
        uow, files.write("stock", STOCK_HEADER, [("LEG", "", "8", ""), ("TOP", "", "2", "")])
    )
    number = plant.wo("TABLE", 2)
    work_orders.post_assembly_build(uow, number, "2")
    assert (plant.on_hand("LEG"), plant.on_hand("TOP"), plant.on_hand("TABLE")) == (
        D(0),
        D(0),
        D(2),
    )
