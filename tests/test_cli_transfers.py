"""Transfer orders on the command line, run as real subprocesses on a copy of the demo plant:
enter, ship and receive with what is in transit shown in the stock, the JSON of the other
documents, trace, the lead times a new location brings, supply planning, and refusals that
change nothing."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import (
    Shopfloor,
    assert_decimals,
    assert_fields,
    check_ok,
    check_stock,
    copy_database,
    snapshot,
)

LINE_KEYS = ("line", "sku", "quantity", "shipped", "received")


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("transfer-demo")
    path = home / "demo.db"
    run = Shopfloor(home, path).run("init", "--demo")
    assert run.returncode == 0, str(run)
    return path


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Shopfloor:
    return Shopfloor(tmp_path, copy_database(demo_template, tmp_path / "shopfloor.db"))


def check_transfer(payload: Any) -> dict[str, Any]:
    """A transfer order as JSON: number, status, from, to and its lines."""
    order = dict(assert_fields(payload, ("number", "status", "from", "to", "lines"), "transfer"))
    assert list(order)[:4] == ["number", "status", "from", "to"], list(order)
    for line in order["lines"]:
        assert_fields(line, LINE_KEYS, f"{order['number']} line")
        assert_decimals(line, ("quantity", "shipped", "received", "in_transit"), order["number"])
    return order


def figures(sf: Shopfloor, sku: str, *where: str) -> tuple[str, ...]:
    s = check_stock(sf.ok("stock", sku, *where))
    return (s["on_hand"], s["committed"], s["on_order"], s["in_transit"])


def test_enter_ship_and_receive_a_transfer(demo: Shopfloor) -> None:
    made = demo.ok("location", "add", "EAST", "--name", "East dock", "--lead-time-from", "MAIN=2")
    assert (made["code"], made["name"], made["transit"]) == ("EAST", "East dock", False)
    assert demo.ok("transfer", "lead-time", "MAIN", "EAST")["lead_times"] == [
        {"from": "MAIN", "to": "EAST", "days": 2}
    ]
    ship = date.today() + timedelta(days=3)
    entered = check_transfer(
        demo.ok(
            "transfer",
            "create",
            "--from",
            "MAIN",
            "--to",
            "EAST",
            "--line",
            "SADDLE-CMF:5",
            "--line",
            "BELL:3@1.50",
            "--ship-date",
            ship.isoformat(),
            "--memo",
            "second dock opening",
        )
    )
    assert (entered["number"], entered["status"], entered["from"], entered["to"]) == (
        "TO-000001",
        "pending_fulfillment",
        "MAIN",
        "EAST",
    )
    assert entered["receipt_date"] == (ship + timedelta(days=2)).isoformat()
    assert [
        (ln["line"], ln["sku"], ln["quantity"], ln["committed"], ln["transfer_price"])
        for ln in entered["lines"]
    ] == [(1, "SADDLE-CMF", "5", "5", "14.5"), (2, "BELL", "3", "3", "1.5")]
    assert figures(demo, "SADDLE-CMF", "--location", "EAST") == ("0", "0", "5", "0")

    shipped = demo.ok("transfer", "ship", "TO-000001", "--line", "SADDLE-CMF=2")
    assert shipped["number"] == "TS-000001"
    assert shipped["lines"] == [
        {"line": 1, "sku": "SADDLE-CMF", "quantity": "2", "unit_cost": "14.5"}
    ]
    order = check_transfer(shipped["order"])
    assert order["status"] == "partially_fulfilled"
    assert figures(demo, "SADDLE-CMF", "--location", "IN-TRANSIT") == ("2", "0", "0", "0")
    assert figures(demo, "SADDLE-CMF", "--location", "EAST") == ("0", "0", "5", "2")
    assert figures(demo, "SADDLE-CMF") == ("24", "3", "5", "2")

    received = demo.ok("transfer", "receive", "TO-000001")
    assert (received["number"], received["order"]["status"]) == ("TR-000001", "partially_fulfilled")
    demo.ok("transfer", "ship", "TO-000001")
    last = demo.ok("transfer", "receive", "TO-000001", "--line", "1=3", "--line", "2=3")
    assert [(m["sku"], m["unit_cost"]) for m in last["lines"]] == [
        ("SADDLE-CMF", "14.5"),
        ("BELL", "2.2"),  # at the item's cost: the transfer price is a declared value only
    ]
    done = check_transfer(last["order"])
    assert done["status"] == "received"
    assert [(ln["shipped"], ln["received"]) for ln in done["lines"]] == [("5", "5"), ("3", "3")]
    assert (done["shipments"], done["receipts"]) == (
        ["TS-000001", "TS-000002"],
        ["TR-000001", "TR-000002"],
    )
    assert figures(demo, "SADDLE-CMF", "--location", "EAST") == ("5", "0", "0", "0")

    listed = demo.ok("transfer", "list", "--status", "Received")
    assert [(r["number"], r["from"], r["to"]) for r in listed["transfer_orders"]] == [
        ("TO-000001", "MAIN", "EAST")
    ]
    traced = demo.ok("trace", "TO-000001")
    assert [(r["kind"], r["number"]) for r in traced["records"]] == [
        ("transfer_order", "TO-000001"),
        ("transfer_shipment", "TS-000001"),
        ("transfer_shipment", "TS-000002"),
        ("transfer_receipt", "TR-000001"),
        ("transfer_receipt", "TR-000002"),
    ]
    assert demo.ok("transfer", "close", "TO-000001")["status"] == "closed"
    text = demo.run("transfer", "show", "TO-000001", json=False)
    assert text.returncode == 0 and "TO-000001  MAIN -> EAST  [Closed]" in text.stdout
    check_ok(demo.ok("check"))


def test_supply_planning_from_the_command_line(demo: Shopfloor) -> None:
    demo.ok(
        "so",
        "create",
        "--customer",
        "Harbor Cycles",
        "--location",
        "STAGING",
        "--line",
        "SADDLE-CMF:4@30",
    )
    found = demo.ok("transfer", "suggest")
    assert [(s["sku"], s["from"], s["to"], s["quantity"]) for s in found["suggestions"]] == [
        ("SADDLE-CMF", "MAIN", "STAGING", "4")
    ]
    accepted = demo.ok("transfer", "suggest", "--accept")
    assert [(t["number"], t["status"], t["from"], t["to"]) for t in accepted["created"]] == [
        ("TO-000001", "pending_approval", "MAIN", "STAGING")
    ]
    assert demo.ok("transfer", "approve", "TO-000001")["status"] == "pending_fulfillment"
    assert demo.ok("transfer", "suggest")["suggestions"] == []
    check_ok(demo.ok("check"))


def test_refusals_change_nothing(demo: Shopfloor) -> None:
    demo.ok("location", "add", "EAST")
    demo.ok("transfer", "create", "--from", "MAIN", "--to", "EAST", "--line", "BELL:2")
    demo.ok("transfer", "ship", "TO-000001", "--line", "BELL=1")
    before = snapshot(demo.db_path)
    for args, code, words in (
        (
            ("transfer", "create", "--from", "MAIN", "--to", "MAIN", "--line", "BELL:1"),
            "invalid",
            "to itself",
        ),
        (
            ("transfer", "create", "--from", "MAIN", "--to", "EAST", "--line", "BELL"),
            "usage",
            "SKU:QUANTITY",
        ),
        (
            ("transfer", "create", "--from", "IN-TRANSIT", "--to", "EAST", "--line", "BELL:1"),
            "invalid",
            "in-transit location",
        ),
        (
            ("transfer", "receive", "TO-000001", "--line", "BELL=2"),
            "insufficient_stock",
            "only 1 is in transit",
        ),
        (("transfer", "close", "TO-000001"), "illegal_transition", "1 BELL in transit"),
        (("transfer", "cancel", "TO-000001"), "illegal_transition", "close it instead"),
        (
            ("transfer", "ship", "TO-000001", "--line", "BELL=5"),
            "overage_not_allowed",
            "still to ship",
        ),
        (("transfer", "show", "TO-999999"), "not_found", "unknown transfer order"),
        (("transfer", "list", "--status", "shipped"), "invalid", "unknown status"),
        (("adjust", "BELL", "1", "--location", "IN-TRANSIT"), "invalid", "in-transit location"),
        (("location", "add", "WEST", "--lead-time-from", "MAIN=400"), "invalid", "lead time"),
        (("location", "add", "WEST", "--lead-time-from", "MAIN"), "usage", "LOCATION=DAYS"),
        (("location", "add", "WEST", "--lead-time-from", "NOWHERE=1"), "not_found", "NOWHERE"),
        (("transfer", "lead-time", "MAIN", "MAIN", "3"), "invalid", "MAIN and itself"),
    ):
        reason = demo.refused(*args, code=code)
        assert words in reason, (args, reason)
    assert snapshot(demo.db_path) == before
