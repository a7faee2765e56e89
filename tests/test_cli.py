"""The `shopfloor` command line, run as a real subprocess on real SQLite files.

Every test runs the installed command with its own HOME and data directory, so the user's
own database is never touched. The demo plant is created once per module with
`shopfloor init --demo` and copied for each test that changes it.

Demo work orders (see app/services/setup.py):
  WO-000001 BRAKE-KIT x10 released (calipers short)    WO-000006 DRIVETRAIN-8S x5 open planned
  WO-000002 WHEEL-F-700 x12 in process, 6 built        WO-000007 HUB-R-ASSY x10 released
  WO-000003 WHEEL-R-700 x3 built                       WO-000008 DRIVETRAIN-8S x3 in process
  WO-000004 COCKPIT x10 closed, 8 built                WO-000009 BIKE-CITY-L x4 cancelled
  WO-000005 BIKE-CITY-M x20 firm planned (the bicycle example: 14 brake kits on hand)
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from app.services.engine.preferences import SPECS
from tests.cli_helpers import (
    MODULE_COMMAND,
    Run,
    Shopfloor,
    all_printable,
    assert_refused,
    check_explosion,
    check_ok,
    check_queue,
    check_shortages,
    check_stock,
    check_work_order,
    check_work_order_list,
    copy_database,
    lines_by_sku,
    mapping,
    parallel,
    snapshot,
    sql,
    sqlite_files,
    succeeded,
    variance_by_sku,
    write_csv,
)

BRAKE_KITS = "WO-000001"
FRONT_WHEELS = "WO-000002"
REAR_WHEELS = "WO-000003"
COCKPITS = "WO-000004"
BIKES = "WO-000005"
DRIVETRAIN_PLANNED = "WO-000006"
HUBS = "WO-000007"
DRIVETRAIN_LATE = "WO-000008"
CANCELLED_BIKES = "WO-000009"

DEMO_STATUSES = {
    BRAKE_KITS: "released",
    FRONT_WHEELS: "in_process",
    REAR_WHEELS: "built",
    COCKPITS: "closed",
    BIKES: "firm_planned",
    DRIVETRAIN_PLANNED: "open_planned",
    HUBS: "released",
    DRIVETRAIN_LATE: "in_process",
    CANCELLED_BIKES: "cancelled",
}

# Every preference at its default, but the demo plant's commit-after-entry.
DEMO_PREFERENCES = {
    **{spec.key: spec.default for spec in SPECS},
    "perform_item_commitment_after_transaction_entry": "true",
}

ITEM_HEADER = "sku,name,type,uom,cost,build_point,preferred_stock,drop_ship"
BOM_HEADER = "assembly,component,quantity,backflush"
STOCK_HEADER = "sku,location,quantity,unit_cost"


def stock_figures(payload: object) -> tuple[str, str, str, str, str]:
    """(on hand, committed, available, on order, backordered) of a `stock` answer."""
    s = check_stock(payload)
    return (s["on_hand"], s["committed"], s["available"], s["on_order"], s["backordered"])


@dataclasses.dataclass(frozen=True)
class Template:
    path: Path
    init: Run


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    home = tmp_path_factory.mktemp("demo-template")
    path = home / "demo.db"
    return Template(path, Shopfloor(home, path).run("init", "--demo"))


@pytest.fixture
def demo(demo_template: Template, tmp_path: Path) -> Shopfloor:
    """A private copy of the demo plant."""
    assert demo_template.init.returncode == 0, str(demo_template.init)
    return Shopfloor(tmp_path, copy_database(demo_template.path, tmp_path / "shopfloor.db"))


# --- init and where the database is -------------------------------------------------------


def test_init_demo_and_init_again_on_a_current_database(
    demo_template: Template, demo: Shopfloor
) -> None:
    created = succeeded(demo_template.init)
    assert created["demo"] is True
    assert created["previous_schema"] is None
    assert created["database"] == str(demo_template.path)
    assert isinstance(created["schema"], str) and created["schema"]

    before = snapshot(demo.db_path)
    again = demo.ok("init")
    assert again["schema"] == again["previous_schema"] == created["schema"]
    assert again["backup"] is None and again["demo"] is False
    reason = demo.refused("init", "--demo", code="invalid")
    assert "already holds items" in reason
    assert snapshot(demo.db_path) == before

    listing, report = parallel([partial(demo.ok, "wo", "list"), partial(demo.ok, "check")])
    assert mapping(check_work_order_list(listing), "number", "status") == DEMO_STATUSES
    check_ok(report)


def test_commands_refuse_a_database_that_is_not_ready(
    tmp_path: Path, demo_template: Template
) -> None:
    sf = Shopfloor(tmp_path, None)
    missing = tmp_path / "missing.db"
    default_file = sf.data_dir / "Shopfloor" / "shopfloor.db"
    foreign = tmp_path / "foreign.db"
    sql(foreign, "CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT)")
    sql(foreign, "INSERT INTO customer (name) VALUES ('Velo GmbH')")
    newer = copy_database(demo_template.path, tmp_path / "newer.db")
    sql(newer, "UPDATE alembic_version SET version_num = 'ffff9999'")
    foreign_before, newer_before = snapshot(foreign), snapshot(newer)

    runs = parallel(
        [
            partial(sf.with_(db=missing).run, "wo", "list"),
            partial(sf.run, "wo", "list"),
            partial(sf.with_(db=foreign).run, "check"),
            partial(sf.with_(db=newer).run, "stock", "SPOKE-SS"),
            partial(sf.with_(db=newer).run, "init"),
        ]
    )
    reason = assert_refused(runs[0], code="schema")
    assert str(missing) in reason and "not initialised" in reason
    assert "shopfloor init" in reason
    assert sqlite_files(missing) == [], "a refused command created the database file"
    reason = assert_refused(runs[1], code="schema")
    assert str(default_file) in reason and "not initialised" in reason
    assert not default_file.exists()
    assert "not a Shopfloor database" in assert_refused(runs[2], code="schema")
    for run in runs[3:]:
        assert "newer Shopfloor" in assert_refused(run, code="schema")
    assert snapshot(foreign) == foreign_before
    assert snapshot(newer) == newer_before

    made = sf.ok("init")
    assert made["database"] == str(default_file) and default_file.is_file()
    check_ok(sf.ok("check"))


def test_an_empty_database_file_is_left_untouched(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    reason = Shopfloor(tmp_path, empty).refused("wo", "list", code="schema")
    assert "not initialised" in reason
    assert empty.read_bytes() == b"", "a refused command rewrote the empty file"
    assert sqlite_files(empty) == [empty]


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "notes.db"
    junk.write_text("shopping list: bolts, grease\n", encoding="utf-8")
    sf = Shopfloor(tmp_path, junk)
    for run in parallel([partial(sf.run, "wo", "list"), partial(sf.run, "init")]):
        assert "not a Shopfloor database" in assert_refused(run, code="schema")
    assert junk.read_text(encoding="utf-8") == "shopping list: bolts, grease\n"


def test_global_options_in_any_place_environment_and_url(demo: Shopfloor) -> None:
    db = str(demo.db)
    missing = str(demo.home / "elsewhere.db")
    runs = parallel(
        [
            partial(demo.raw, "--db", db, "--json", "wo", "list"),
            partial(demo.raw, "wo", "list", "--db", db, "--json"),
            partial(demo.raw, "--json", "wo", "list", "--db", db),
            partial(demo.with_(db=None, env={"SHOPFLOOR_DB": db}).run, "wo", "list"),
            partial(demo.with_(db=f"sqlite:///{db}").run, "wo", "list"),
            partial(demo.with_(env={"SHOPFLOOR_DB": missing}).run, "wo", "list"),
            partial(demo.with_(db=None, env={"SHOPFLOOR_DB": missing}).run, "wo", "list"),
        ]
    )
    payloads = [succeeded(run) for run in runs[:-1]]
    assert mapping(check_work_order_list(payloads[0]), "number", "status") == DEMO_STATUSES
    assert all(p == payloads[0] for p in payloads)
    assert missing in assert_refused(runs[-1], code="schema")


def test_python_dash_m_app(demo: Shopfloor) -> None:
    module = demo.with_(command=MODULE_COMMAND)
    report, text = parallel(
        [partial(module.run, "check"), partial(module.run, "wo", "show", BIKES, json=False)]
    )
    assert report.argv[:3] == MODULE_COMMAND
    check_ok(succeeded(report))
    assert text.returncode == 0 and text.stderr == "", str(text)
    assert BIKES in text.stdout and "Planned (Firm)" in text.stdout
    assert "BRAKE-KIT" in text.stdout


# --- imports ------------------------------------------------------------------------------


def test_imports_validate_every_row_and_import_all_or_nothing(tmp_path: Path) -> None:
    db = tmp_path / "plant.db"
    sf = Shopfloor(tmp_path, db)
    sf.ok("init")

    def refused_import(kind: str, path: Path) -> str:
        before = snapshot(db)
        reason = sf.refused("import", kind, str(path), code="import_rejected")
        assert snapshot(db) == before
        assert "nothing imported" in reason
        return reason

    bad_items = write_csv(
        tmp_path / "items-bad.csv",
        ITEM_HEADER,
        "GUSSET,Gusset plate,inventory,ea,1.50,,,",
        "BOLT,Bolt M6,widget,ea,0.10,,,",
        "PLATE,Base plate,inventory,ea,lots,,,",
    )
    reason = refused_import("items", bad_items)
    assert "row 3" in reason and "widget" in reason
    assert "row 4" in reason and "lots" in reason
    assert "row 2" not in reason

    items = sf.ok(
        "import",
        "items",
        str(
            write_csv(
                tmp_path / "items.csv",
                ITEM_HEADER,
                "BOLT,Bolt M6,inventory,ea,0.10,,,",
                "PLATE,Base plate,inventory,ea,2.50,,,",
                "BRACKET,Wall bracket,assembly,ea,3.00,2,5,",
            )
        ),
    )
    assert (items["rows"], items["created"], items["updated"]) == (3, 3, 0)

    bad_boms = write_csv(
        tmp_path / "boms-bad.csv",
        BOM_HEADER,
        "BRACKET,BOLT,4,true",
        "BRACKET,WASHER,2,true",
        "BRACKET,PLATE,0,false",
    )
    reason = refused_import("boms", bad_boms)
    assert "row 3" in reason and "WASHER" in reason
    assert "row 4" in reason
    boms = write_csv(
        tmp_path / "boms.csv", BOM_HEADER, "BRACKET,BOLT,4,true", "BRACKET,PLATE,0.5,false"
    )
    assert sf.ok("import", "boms", str(boms))["rows"] == 2

    stock = write_csv(tmp_path / "stock.csv", STOCK_HEADER, "BOLT,,100,0.10", "PLATE,MAIN,7.5,")
    assert sf.ok("import", "stock", str(stock))["rows"] == 2
    bad_stock = write_csv(
        tmp_path / "stock-bad.csv",
        STOCK_HEADER,
        "BOLT,,5,",
        "PLATE,,-20,",
        "NUT,,10,",
        "BOLT,NOWHERE,1,",
    )
    reason = refused_import("stock", bad_stock)
    assert "row 3" in reason and "below zero" in reason
    assert "row 4" in reason and "NUT" in reason
    assert "row 5" in reason and "NOWHERE" in reason

    gusset, bracket, bolt, plate, queue, report = parallel(
        [
            partial(sf.run, "item", "show", "GUSSET"),
            partial(sf.ok, "item", "show", "BRACKET"),
            partial(sf.ok, "stock", "BOLT"),
            partial(sf.ok, "stock", "PLATE"),
            partial(sf.ok, "queue"),
            partial(sf.ok, "check"),
        ]
    )
    assert "GUSSET" in assert_refused(gusset, code="not_found")
    assert bracket["type"] == "assembly"
    assert (bracket["build_point"], bracket["preferred_stock"]) == ("2", "5")
    assert bracket["bom"]["revision"] == "1"
    assert [(ln["sku"], ln["quantity_per"], ln["backflush"]) for ln in bracket["bom"]["lines"]] == [
        ("BOLT", "4", True),
        ("PLATE", "0.5", False),
    ]
    assert stock_figures(bolt) == ("100", "0", "100", "0", "0")
    assert stock_figures(plate) == ("7.5", "0", "7.5", "0", "0")
    assert check_queue(queue) == {"BRACKET": "5"}
    check_ok(report)


# --- reading the plant --------------------------------------------------------------------


def test_item_show_and_stock_positions(demo: Shopfloor) -> None:
    kit, spoke, spokes, staged, kits, calipers, cable = parallel(
        [
            partial(demo.ok, "item", "show", "BRAKE-KIT"),
            partial(demo.ok, "item", "show", "SPOKE-SS"),
            partial(demo.ok, "stock", "SPOKE-SS"),
            partial(demo.ok, "stock", "SPOKE-SS", "--location", "STAGING"),
            partial(demo.ok, "stock", "BRAKE-KIT"),
            partial(demo.ok, "stock", "BRAKE-CALIPER"),
            partial(demo.ok, "stock", "BRAKE-CABLE"),
        ]
    )
    assert (kit["sku"], kit["type"], kit["standard_cost"]) == ("BRAKE-KIT", "assembly", "22.04")
    assert (kit["build_point"], kit["preferred_stock"]) == ("10", "25")
    assert kit["bom"]["active"] is True
    assert {ln["sku"]: ln["quantity_per"] for ln in kit["bom"]["lines"]} == {
        "BRAKE-CALIPER": "2",
        "BRAKE-LEVER": "2",
        "BRAKE-CABLE": "3.5",
        "BOLT-M5": "4",
    }
    assert spoke["bom"] is None and spoke["standard_cost"] == "0.18"
    # 2400 + 400 received, 192 issued to the front wheels, 96 built into rear wheels.
    assert stock_figures(spokes) == ("2512", "192", "2320", "0", "0")
    assert staged["location"] == "STAGING"
    assert stock_figures(staged) == ("400", "0", "400", "0", "0")
    assert stock_figures(kits) == ("14", "0", "14", "10", "0")
    assert stock_figures(calipers) == ("16", "16", "0", "0", "4")
    assert stock_figures(cable) == ("120.5", "35", "85.5", "0", "0")


def test_bom_explode_through_three_levels(demo: Shopfloor) -> None:
    bikes, half_kit, one_kit = parallel(
        [
            partial(demo.ok, "bom", "explode", "BIKE-CITY-M", "--qty", "2"),
            partial(demo.ok, "bom", "explode", "BRAKE-KIT", "--qty", "0.5"),
            partial(demo.ok, "bom", "explode", "BRAKE-KIT"),
        ]
    )
    check_explosion(bikes)
    assert (bikes["sku"], bikes["quantity"]) == ("BIKE-CITY-M", "2")
    rows = [(c["sku"], c["level"], c["quantity"]) for c in bikes["components"]]
    assert len(rows) == 41
    assert rows[0] == ("FRAME-AL-M", 1, "2")
    assert ("WHEEL-R-700", 1, "2") in rows
    assert ("HUB-R-ASSY", 2, "2") in rows
    assert ("BEARING-6001", 3, "4") in rows
    assert rows.count(("SPOKE-SS", 2, "64")) == 2
    assert ("BRAKE-CABLE", 2, "7") in rows
    assert mapping(bikes["totals"], "sku", "quantity") == {
        "AXLE-R": "2",
        "BEARING-6001": "4",
        "BOLT-M5": "8",
        "BOX-BIKE": "2",
        "BRAKE-CABLE": "7",
        "BRAKE-CALIPER": "4",
        "BRAKE-LEVER": "4",
        "CASSETTE-8S": "2",
        "CHAIN-8S": "2",
        "CRANKSET-38": "2",
        "DERAILLEUR-R8": "2",
        "FRAME-AL-M": "2",
        "GREASE": "5",
        "GRIP-PAIR": "2",
        "HANDLEBAR-FLAT": "2",
        "HUB-F": "2",
        "HUB-SHELL-R": "2",
        "MANUAL": "2",
        "NIPPLE-BR": "128",
        "PEDAL-PAIR": "2",
        "RIM-700C": "4",
        "RIMTAPE-700": "4",
        "SADDLE-CMF": "2",
        "SEATPOST-27": "2",
        "SHIFTER-8S": "2",
        "SPOKE-SS": "128",
        "STEM-90": "2",
        "TIRE-700X32": "4",
        "TUBE-700": "4",
    }
    check_explosion(half_kit)
    assert half_kit["quantity"] == "0.5"
    assert [(c["sku"], c["level"], c["quantity"]) for c in half_kit["components"]] == [
        ("BRAKE-CALIPER", 1, "1"),
        ("BRAKE-LEVER", 1, "1"),
        ("BRAKE-CABLE", 1, "1.75"),
        ("BOLT-M5", 1, "2"),
    ]
    assert mapping(half_kit["totals"], "sku", "quantity")["BRAKE-CABLE"] == "1.75"
    assert check_explosion(one_kit)["quantity"] == "1"
    assert mapping(one_kit["totals"], "sku", "quantity")["BRAKE-CABLE"] == "3.5"


def test_shortages_show_the_bicycle_example_before_anyone_starts(demo: Shopfloor) -> None:
    for_bikes, everything = parallel(
        [partial(demo.ok, "shortages", "--wo", BIKES), partial(demo.ok, "shortages", "--all")]
    )
    bikes = check_shortages(for_bikes)
    brake_kits = bikes["BRAKE-KIT"]
    assert (brake_kits["required"], brake_kits["available"], brake_kits["short"]) == (
        "20",
        "14",
        "6",
    )
    assert {sku: row["short"] for sku, row in bikes.items()} == {
        "BRAKE-KIT": "6",
        "COCKPIT": "7",
        "DRIVETRAIN-8S": "14",
        "WHEEL-F-700": "6",
        "WHEEL-R-700": "14",
    }
    plant = check_shortages(everything)
    assert {sku: row["short"] for sku, row in plant.items()} == {
        **{sku: row["short"] for sku, row in bikes.items()},
        "BRAKE-CALIPER": "4",
    }
    caliper = plant["BRAKE-CALIPER"]
    assert (caliper["required"], caliper["available"]) == ("20", "16")


def test_shortages_show_the_supply_on_its_way_and_what_is_still_short(demo: Shopfloor) -> None:
    everything, text, kits, drivetrains, late_drivetrains, bikes = parallel(
        [
            partial(demo.ok, "shortages", "--all"),
            partial(demo.run, "shortages", "--all", json=False),
            partial(demo.ok, "wo", "show", "WO-000001"),
            partial(demo.ok, "wo", "show", "WO-000006"),
            partial(demo.ok, "wo", "show", "WO-000008"),
            partial(demo.ok, "wo", "show", BIKES),
        ]
    )
    lines = check_shortages(everything)
    # A released work order builds 10 brake kits, due before the bicycles: they cover the 6.
    assert check_work_order(kits)["due"] < check_work_order(bikes)["due"]
    brake_kits = lines["BRAKE-KIT"]
    assert (brake_kits["short"], brake_kits["on_order"], brake_kits["still_short"]) == (
        "6",
        "10",
        "0",
    )
    assert brake_kits["next_due"] == check_work_order(kits)["due"]
    # 5 drivetrains are due after the bicycles and only the 3 late ones count.
    assert check_work_order(drivetrains)["due"] > check_work_order(bikes)["due"]
    drivetrain = lines["DRIVETRAIN-8S"]
    assert (drivetrain["short"], drivetrain["on_order"], drivetrain["still_short"]) == (
        "14",
        "8",
        "11",
    )
    assert drivetrain["next_due"] == check_work_order(late_drivetrains)["due"]
    # Nothing is on its way for the calipers.
    caliper = lines["BRAKE-CALIPER"]
    assert (caliper["on_order"], caliper["next_due"], caliper["still_short"]) == ("0", None, "4")
    assert text.returncode == 0, str(text)
    header, _rule, *rows = text.stdout.splitlines()
    assert re.split(r"\s{2,}", header)[-3:] == ["on order", "next due", "still short"]
    kit_row = next(row.split() for row in rows if row.startswith("BRAKE-KIT "))
    assert kit_row[-3:] == ["10", check_work_order(kits)["due"], "0"]


# --- work orders --------------------------------------------------------------------------


def test_create_work_orders_with_options_and_the_default_status(demo: Shopfloor) -> None:
    planned = check_work_order(
        demo.ok(
            "wo",
            "create",
            "--item",
            "COCKPIT",
            "--qty",
            "2.5",
            "--status",
            "open_planned",
            "--due",
            "2030-01-15",
            "--priority",
            "2",
        )
    )
    assert {k: planned[k] for k in ("number", "item", "quantity", "built", "status")} == {
        "number": "WO-000010",
        "item": "COCKPIT",
        "quantity": "2.5",
        "built": "0",
        "status": "open_planned",
    }
    assert (planned["due"], planned["priority"], planned["created_from"]) == (
        "2030-01-15",
        2,
        None,
    )
    assert planned["variance"] == []
    assert lines_by_sku(planned)["GRIP-PAIR"] == {
        "quantity_per": "1",
        "required": "2.5",
        "committed": "0",
        "issued": "0",
        "backordered": "0",
    }

    default = check_work_order(demo.ok("wo", "create", "--item", "BRAKE-KIT", "--qty", "3"))
    assert (default["number"], default["status"]) == ("WO-000011", "firm_planned")
    assert (default["due"], default["priority"]) == (None, 5)
    assert lines_by_sku(default)["BRAKE-CABLE"]["required"] == "10.5"

    prefs = demo.ok("prefs", "set", "default_work_order_status", "released")
    assert prefs["default_work_order_status"] == "released"
    released = check_work_order(
        demo.ok("wo", "create", "--item", "HUB-R-ASSY", "--qty", "2", "--created-from", "SO-000002")
    )
    assert (released["number"], released["status"]) == ("WO-000012", "released")
    assert released["created_from"] == "SO-000002"
    lines = lines_by_sku(released)
    assert (lines["HUB-SHELL-R"]["committed"], lines["HUB-SHELL-R"]["backordered"]) == ("2", "0")
    assert (lines["BEARING-6001"]["required"], lines["BEARING-6001"]["committed"]) == ("4", "4")

    everything, only_released, only_open = parallel(
        [
            partial(demo.ok, "wo", "list"),
            partial(demo.ok, "wo", "list", "--status", "released"),
            partial(demo.ok, "wo", "list", "--status", "open_planned"),
        ]
    )
    rows = check_work_order_list(everything)
    assert mapping(rows, "number", "status") == {
        **DEMO_STATUSES,
        "WO-000010": "open_planned",
        "WO-000011": "firm_planned",
        "WO-000012": "released",
    }
    row = next(r for r in rows if r["number"] == "WO-000010")
    assert (row["item"], row["quantity"], row["built"], row["due"]) == (
        "COCKPIT",
        "2.5",
        "0",
        "2030-01-15",
    )
    assert [r["number"] for r in check_work_order_list(only_released)] == [
        BRAKE_KITS,
        HUBS,
        "WO-000012",
    ]
    assert [r["number"] for r in check_work_order_list(only_open)] == [
        DRIVETRAIN_PLANNED,
        "WO-000010",
    ]


def test_build_close_and_cancel(demo: Shopfloor) -> None:
    built = check_work_order(demo.ok("wo", "build", BRAKE_KITS, "--qty", "8"))
    assert (built["status"], built["built"]) == ("in_process", "8")
    assert {
        sku: (ln["issued"], ln["committed"], ln["backordered"])
        for sku, ln in lines_by_sku(built).items()
    } == {
        "BRAKE-CALIPER": ("16", "0", "4"),
        "BRAKE-LEVER": ("16", "4", "0"),
        "BRAKE-CABLE": ("28", "7", "0"),
        "BOLT-M5": ("32", "8", "0"),
    }

    closed = check_work_order(demo.ok("wo", "close", BRAKE_KITS))
    assert (closed["status"], closed["built"]) == ("closed", "8")
    assert variance_by_sku(closed) == {
        "BRAKE-CALIPER": ("16", "16", "0", "0"),
        "BRAKE-LEVER": ("16", "16", "0", "0"),
        "BRAKE-CABLE": ("28", "28", "0", "0"),
        "BOLT-M5": ("32", "32", "0", "0"),
    }
    assert all(ln["committed"] == "0" for ln in closed["lines"])

    cancelled = check_work_order(demo.ok("wo", "cancel", HUBS))
    assert cancelled["status"] == "cancelled"
    assert all(ln["committed"] == "0" for ln in cancelled["lines"])

    kits, levers, shells, hubs, again, report = parallel(
        [
            partial(demo.ok, "stock", "BRAKE-KIT"),
            partial(demo.ok, "stock", "BRAKE-LEVER"),
            partial(demo.ok, "stock", "HUB-SHELL-R"),
            partial(demo.ok, "stock", "HUB-R-ASSY"),
            partial(demo.run, "wo", "build", BRAKE_KITS, "--qty", "1"),
            partial(demo.ok, "check"),
        ]
    )
    assert stock_figures(kits) == ("22", "0", "22", "0", "0")
    assert stock_figures(levers) == ("14", "0", "14", "0", "0")
    assert stock_figures(shells) == ("20", "0", "20", "0", "0")
    assert stock_figures(hubs) == ("1", "0", "1", "0", "0")
    assert "Closed" in assert_refused(again, code="illegal_transition")
    check_ok(report)


def test_commit_reruns_by_the_ordering_preference(demo: Shopfloor) -> None:
    rush = check_work_order(
        demo.ok(
            "wo",
            "create",
            "--item",
            "BRAKE-KIT",
            "--qty",
            "2",
            "--status",
            "released",
            "--due",
            date.today().isoformat(),
            "--priority",
            "9",
        )
    )
    number = rush["number"]
    assert lines_by_sku(rush)["BRAKE-CALIPER"]["committed"] == "0"
    assert lines_by_sku(rush)["BRAKE-CALIPER"]["backordered"] == "4"

    def calipers() -> tuple[tuple[str, str], tuple[str, str]]:
        shown = parallel([partial(demo.ok, "wo", "show", n) for n in (number, BRAKE_KITS)])
        lines = [lines_by_sku(check_work_order(w))["BRAKE-CALIPER"] for w in shown]
        return (
            (lines[0]["committed"], lines[0]["backordered"]),
            (lines[1]["committed"], lines[1]["backordered"]),
        )

    assert isinstance(demo.ok("commit"), dict)
    assert calipers() == (("4", "0"), ("12", "8"))  # earliest due date first

    demo.ok("prefs", "set", "item_commitment_ordering", "order_priority")
    assert isinstance(demo.ok("commit"), dict)
    assert calipers() == (("0", "4"), ("16", "4"))  # priority 3 before priority 9
    assert stock_figures(demo.ok("stock", "BRAKE-CALIPER")) == ("16", "16", "0", "0", "8")


def test_creation_queue_accept_creates_production_work_orders(demo: Shopfloor) -> None:
    expected = {"BIKE-CITY-L": "6", "WHEEL-R-700": "24"}
    accepted = demo.ok("queue", "--accept")
    assert check_queue(accepted) == expected
    created = {w["item"]: w for w in accepted["created"]}
    assert {item: w["quantity"] for item, w in created.items()} == expected
    assert {w["status"] for w in created.values()} == {"firm_planned"}

    *shown, after = parallel(
        [partial(demo.ok, "wo", "show", w["number"]) for w in created.values()]
        + [partial(demo.ok, "queue")]
    )
    for wo in shown:
        check_work_order(wo)
        assert wo["created_from"] in (None, "")
        assert wo["status"] == "firm_planned"
        assert wo["quantity"] == expected[wo["item"]]
    assert check_queue(after) == {}


def test_preferences_show_and_set(demo: Shopfloor) -> None:
    assert demo.ok("prefs", "show") == DEMO_PREFERENCES
    changed = demo.ok("prefs", "set", "Allow_Overage_On_Work_Order_Transactions", "yes")
    assert changed == {**DEMO_PREFERENCES, "allow_overage_on_work_order_transactions": "true"}
    over = check_work_order(demo.ok("wo", "issue", BRAKE_KITS, "--component", "BRAKE-LEVER=20.5"))
    assert lines_by_sku(over)["BRAKE-LEVER"]["issued"] == "20.5"


def test_check_reports_a_balance_that_disagrees_with_the_ledger(demo: Shopfloor) -> None:
    sql(
        demo.db_path,
        "UPDATE stock_balance SET on_hand = on_hand + 1000000"
        " WHERE item_id = (SELECT id FROM item WHERE sku = 'BOLT-M5')",
    )
    run = demo.run("check")
    assert run.returncode == 1, str(run)
    report = run.json()
    assert report["ok"] is False
    assert any("BOLT-M5" in problem for problem in report["problems"]), report


# --- a shift on the floor -----------------------------------------------------------------


def test_a_shift_on_the_floor(demo: Shopfloor) -> None:
    """Sam (supervisor) plans and releases 10 cockpits; Olga (operator) issues the
    handlebars and a few grips by hand, reports 4 and then 5 with backflush and the last one
    without; Sam closes the order and reads the variance."""
    admin, sam, olga = (
        demo.with_(user=name, pin=pin)
        for name, pin in (("anna", "4711"), ("sam", "1111"), ("olga", "2222"))
    )
    admin.ok("user", "add", "anna", "--role", "admin", input="4711\n")
    admin.ok("user", "add", "sam", "--role", "supervisor", input="1111\n")
    admin.ok("user", "add", "olga", "--role", "operator", input="2222\n")

    def state(wo: object) -> tuple[str, str, dict[str, tuple[str, str]]]:
        w = check_work_order(wo)
        lines = {sku: (ln["committed"], ln["issued"]) for sku, ln in lines_by_sku(w).items()}
        return w["status"], w["built"], lines

    planned = sam.ok(
        "wo",
        "create",
        "--item",
        "COCKPIT",
        "--qty",
        "10",
        "--status",
        "firm_planned",
        "--priority",
        "2",
    )
    number = planned["number"]
    assert state(planned) == (
        "firm_planned",
        "0",
        {"HANDLEBAR-FLAT": ("0", "0"), "GRIP-PAIR": ("0", "0"), "STEM-90": ("0", "0")},
    )
    assert state(sam.ok("wo", "release", number)) == (
        "released",
        "0",
        {"HANDLEBAR-FLAT": ("10", "0"), "GRIP-PAIR": ("10", "0"), "STEM-90": ("10", "0")},
    )
    issued = olga.ok(
        "wo", "issue", number, "--component", "HANDLEBAR-FLAT=10", "--component", "GRIP-PAIR=3"
    )
    assert state(issued) == (
        "in_process",
        "0",
        {"HANDLEBAR-FLAT": ("0", "10"), "GRIP-PAIR": ("7", "3"), "STEM-90": ("10", "0")},
    )
    first = olga.ok("wo", "complete", number, "--qty", "4", "--backflush")
    assert state(first) == (
        "in_process",
        "4",
        {"HANDLEBAR-FLAT": ("0", "10"), "GRIP-PAIR": ("6", "4"), "STEM-90": ("6", "4")},
    )
    second = olga.ok("wo", "complete", number, "--qty", "5", "--backflush")
    assert state(second) == (
        "in_process",
        "9",
        {"HANDLEBAR-FLAT": ("0", "10"), "GRIP-PAIR": ("1", "9"), "STEM-90": ("1", "9")},
    )
    last = olga.ok("wo", "complete", number, "--qty", "1")
    assert state(last) == (
        "built",
        "10",
        {"HANDLEBAR-FLAT": ("0", "10"), "GRIP-PAIR": ("1", "9"), "STEM-90": ("1", "9")},
    )
    assert "olga (operator) may not" in olga.refused(
        "wo", "close", number, code="permission_denied"
    )

    closed = check_work_order(sam.ok("wo", "close", number))
    assert closed["status"] == "closed"
    assert variance_by_sku(closed) == {
        "HANDLEBAR-FLAT": ("10", "10", "0", "0"),
        "GRIP-PAIR": ("10", "9", "-1", "-3.2"),
        "STEM-90": ("10", "9", "-1", "-8.5"),
    }
    assert closed["variance_total"] == "-11.7"

    reads: list[Callable[[], Any]] = [
        *(partial(sam.ok, "stock", sku) for sku in ("HANDLEBAR-FLAT", "GRIP-PAIR", "STEM-90")),
        partial(sam.ok, "stock", "COCKPIT"),
        partial(sam.ok, "ledger", "GRIP-PAIR", "--limit", "3"),
        partial(sam.ok, "check"),
    ]
    *positions, ledger, report = parallel(reads)
    assert [stock_figures(p) for p in positions] == [
        ("5", "0", "5", "0", "0"),
        ("21", "0", "21", "0", "0"),
        ("3", "0", "3", "0", "0"),
        ("23", "0", "23", "0", "0"),
    ]
    assert [(e["quantity"], e["reason"], e["posted_by"]) for e in ledger["entries"]] == [
        ("-5", "backflush", "olga"),
        ("-1", "backflush", "olga"),
        ("-3", "issue", "olga"),
    ]
    check_ok(report)


# --- refusals -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Refusal:
    name: str
    args: tuple[str, ...]
    code: str | None
    says: tuple[str, ...] = ()
    json: bool = True


def refusal(name: str, code: str | None, command: str, *says: str, json: bool = True) -> Refusal:
    """A refused command line, written as the shell would split it."""
    return Refusal(name, tuple(shlex.split(command)), code, says, json)


ILLEGAL = "illegal_transition"
QTY = "invalid_quantity"

REFUSALS = [
    refusal("close-planned", ILLEGAL, f"wo close {BIKES}", "Planned (Firm)", BIKES),
    refusal("release-twice", ILLEGAL, f"wo release {BRAKE_KITS}", "Released", BRAKE_KITS),
    refusal("cancel-after-stock-moved", ILLEGAL, f"wo cancel {DRIVETRAIN_LATE}", "In Process"),
    refusal("build-on-closed", ILLEGAL, f"wo build {COCKPITS} --qty 1", "Closed"),
    refusal(
        "complete-planned", ILLEGAL, f"wo complete {DRIVETRAIN_PLANNED} --qty 1", "Planned (Open)"
    ),
    refusal(
        "complete-beyond-quantity", "overage_not_allowed", f"wo complete {REAR_WHEELS} --qty 1"
    ),
    refusal(
        "issue-beyond-required",
        "overage_not_allowed",
        f"wo issue {BRAKE_KITS} --component BRAKE-LEVER=20.5",
        "BRAKE-LEVER",
    ),
    refusal(
        "build-without-stock",
        "insufficient_stock",
        f"wo build {BRAKE_KITS} --qty 10",
        "BRAKE-CALIPER",
    ),
    refusal("stock-unknown-sku", "not_found", "stock NO-SUCH-SKU", "NO-SUCH-SKU"),
    refusal("stock-sku-other-case", "not_found", "stock spoke-ss"),
    refusal("item-show-unknown", "not_found", "item show NO-SUCH-SKU"),
    refusal("explode-item-without-bom", "not_found", "bom explode FRAME-AL-M"),
    refusal(
        "issue-not-a-component",
        "not_found",
        f"wo issue {BRAKE_KITS} --component FRAME-AL-M=1",
        "FRAME-AL-M",
    ),
    refusal("show-unknown-wo", "not_found", "wo show WO-999999", "WO-999999"),
    refusal("stock-unknown-location", "not_found", "stock SPOKE-SS --location NOWHERE", "NOWHERE"),
    refusal("create-not-an-assembly", "invalid", "wo create --item SPOKE-SS --qty 1"),
    refusal("qty-negative", QTY, "wo create --item COCKPIT --qty -3"),
    refusal("qty-zero", QTY, f"wo complete {BRAKE_KITS} --qty 0"),
    refusal("qty-too-precise", QTY, f"wo build {BRAKE_KITS} --qty 0.0000001"),
    refusal("qty-nan", QTY, "wo create --item COCKPIT --qty NaN"),
    refusal("qty-empty", QTY, f"wo complete {BRAKE_KITS} --qty ''"),
    refusal("qty-not-a-number", QTY, f"wo issue {BRAKE_KITS} --component BRAKE-LEVER=two"),
    refusal("qty-huge", QTY, "wo create --item COCKPIT --qty 1e30"),
    refusal("qty-whose-lines-overflow", None, "wo create --item WHEEL-F-700 --qty 999999999999"),
    refusal(
        "priority-huge",
        "invalid",
        "wo create --item COCKPIT --qty 1 --priority 99999999999999999999",
    ),
    refusal("due-not-a-date", "invalid", "wo create --item COCKPIT --qty 1 --due 2024-02-30"),
    refusal("list-unknown-status", "invalid", "wo list --status done"),
    refusal("scanned-wo-with-bell", "not_found", "wo show 'WO-000001\x07'", "WO-000001"),
    refusal("scanned-wo-with-escape", "not_found", "wo release '\x1b[2JWO-000001'"),
    refusal("scanned-wo-with-newline", "not_found", "wo close 'WO-00\n0004'"),
    refusal(
        "scanned-component-with-escape",
        QTY,
        f"wo issue {BRAKE_KITS} --component 'BRAKE-LEVER\x1b[2J=1x'",
    ),
    refusal("prefs-unknown-key", "not_found", "prefs set colour blue"),
    refusal("prefs-bad-choice", "invalid", "prefs set default_work_order_status built"),
    refusal("prefs-bad-boolean", "invalid", "prefs set allow_overage_on_assembly_builds maybe"),
    refusal("import-missing-file", "invalid", "import items no-such-file.csv"),
    refusal("usage-missing-qty", "usage", "wo create --item COCKPIT", "--qty"),
    refusal("usage-missing-component", "usage", f"wo issue {BRAKE_KITS}", "--component"),
    refusal("usage-shortages-without-scope", "usage", "shortages"),
    refusal("usage-unknown-command", "usage", "frobnicate"),
    refusal("usage-status-choice", "usage", "wo create --item COCKPIT --qty 1 --status built"),
    refusal("usage-component-without-quantity", "usage", f"wo issue {BRAKE_KITS} --component X"),
    refusal("text-release-twice", None, f"wo release {BRAKE_KITS}", "Released", json=False),
    refusal("text-usage", None, f"wo build {BRAKE_KITS}", "--qty", json=False),
]


@dataclasses.dataclass(frozen=True, repr=False)
class RefusalRuns:
    before: list[str]
    after: list[str]
    runs: dict[str, Run]

    def __repr__(self) -> str:
        return f"RefusalRuns({len(self.runs)} runs)"


@pytest.fixture(scope="module")
def refusal_runs(demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> RefusalRuns:
    """Every refusal case, run once against one copy of the demo plant."""
    home = tmp_path_factory.mktemp("refusals")
    sf = Shopfloor(home, copy_database(demo_template.path, home / "shopfloor.db"))
    before = snapshot(sf.db_path)
    runs = parallel([partial(sf.run, *case.args, json=case.json) for case in REFUSALS])
    return RefusalRuns(
        before, snapshot(sf.db_path), {c.name: r for c, r in zip(REFUSALS, runs, strict=True)}
    )


@pytest.mark.parametrize("case", REFUSALS, ids=[c.name for c in REFUSALS])
def test_refused(case: Refusal, refusal_runs: RefusalRuns) -> None:
    reason = assert_refused(refusal_runs.runs[case.name], code=case.code, json=case.json)
    for words in case.says:
        assert words in reason, reason
    assert all_printable(reason), f"control characters in the reason: {reason!r}"


def test_refusals_change_nothing(refusal_runs: RefusalRuns) -> None:
    assert refusal_runs.after == refusal_runs.before
