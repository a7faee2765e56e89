"""Changing orders and sending goods back through the real `shopfloor` command, on a private
copy of the demo plant: `po edit`, `po return`, `vra show|approve|ship|close|cancel|list` and
`so edit --path`, each answering in JSON, or refused with exit 2 and nothing changed.

Demo orders (app/services/setup.py): SO-000001 (Harbor Cycles) has a drop-ship line 3 of 2
RACK-REAR on PO-000001; PO-000002 buys 20 LIGHT-SET (10 received on IR-000001) and 10
HELMET-M from Velo Parts GmbH.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import Run, Shopfloor, copy_database, snapshot

VELO = "PO-000002"
RACKS = "PO-000001"
HARBOR = "SO-000001"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run]:
    home = tmp_path_factory.mktemp("demo-template")
    path = home / "demo.db"
    return path, Shopfloor(home, path).run("init", "--demo")


@pytest.fixture
def demo(demo_template: tuple[Path, Run], tmp_path: Path) -> Shopfloor:
    path, init = demo_template
    assert init.returncode == 0, str(init)
    return Shopfloor(tmp_path, copy_database(path, tmp_path / "shopfloor.db"))


def test_po_edit_cuts_adds_reprices_and_cancels(demo: Shopfloor) -> None:
    po = demo.ok(
        "po", "edit", VELO, "--line", "LIGHT-SET=12", "--price", "HELMET-M=11.5",
        "--add", "LOCK-U:3:9.5", "--expected", "2031-01-15",
    )  # fmt: skip
    lines = {ln["sku"]: ln for ln in po["lines"]}
    assert (lines["LIGHT-SET"]["quantity"], lines["LIGHT-SET"]["remaining"]) == ("12", "2")
    assert (lines["HELMET-M"]["unit_cost"], lines["LOCK-U"]["quantity"]) == ("11.5", "3")
    assert (po["expected_date"], po["warnings"]) == ("2031-01-15", [])
    assert "edit" in po["actions"] and "return" in po["actions"]
    cancelled = demo.ok("po", "edit", VELO, "--cancel-line", "HELMET-M")
    assert [ln["cancelled"] for ln in cancelled["lines"]] == [False, True, False]
    assert demo.ok("stock", "HELMET-M")["on_order"] == "0"
    before = snapshot(demo.db_path)
    reason = demo.refused("po", "edit", VELO, "--line", "LIGHT-SET=9")
    assert reason == f"{VELO} line 1: 9 LIGHT-SET is less than the 10 that came in"
    assert demo.refused("po", "edit", VELO, "--cancel-line", "LIGHT-SET") == (
        f"cannot cancel {VELO} line 1: 10 LIGHT-SET came in on it; cut its quantity to 10 instead"
    )
    assert "takes KEY=PRICE" in demo.refused("po", "edit", VELO, "--price", "LOCK-U")
    assert snapshot(demo.db_path) == before
    text = demo.run("po", "show", VELO, json=False).stdout
    assert "HELMET-M" in text and "cancelled" in text


def test_a_drop_ship_change_warns_in_words(demo: Shopfloor) -> None:
    po = demo.ok("po", "edit", RACKS, "--line", "RACK-REAR=1")
    warning = (
        f"{HARBOR} line 3 orders 2 RACK-REAR but {RACKS} line 1 buys 1; the vendor's shipment "
        "of it will be warned about"
    )
    assert po["warnings"] == [warning]
    shown = demo.run("po", "edit", RACKS, "--line", "RACK-REAR=1", json=False)
    assert shown.returncode == 0 and f"warning: {warning}" in shown.stdout
    demo.ok("prefs", "set", "drop_ship_fulfillment_quantity_validation", "do_not_allow")
    before = snapshot(demo.db_path)
    reason = demo.refused("po", "mark-shipped", RACKS)
    assert reason.startswith(f"{HARBOR} line 3 orders 2 RACK-REAR but {RACKS} line 1 buys 1")
    assert snapshot(demo.db_path) == before
    demo.ok(
        "prefs", "set", "update_drop_ship_order_quantities_automatically_prior_to_shipment", "on"
    )
    so = demo.ok("so", "edit", HARBOR, "--line", "3=1")
    assert so["warnings"] == []
    assert demo.ok("po", "mark-shipped", RACKS)["status_label"] == "Shipped by Vendor"


def test_a_vendor_return_from_the_command_line(demo: Shopfloor) -> None:
    on_hand = demo.ok("stock", "LIGHT-SET")["on_hand"]
    vra = demo.ok("po", "return", VELO, "--line", "LIGHT-SET=3", "--reason", "damaged")
    number = vra["number"]
    assert (vra["status"], vra["reason_code"], vra["purchase_order"]) == (
        "pending_approval",
        "DAMAGED",
        VELO,
    )
    assert [(ln["sku"], ln["quantity"], ln["receipt"]) for ln in vra["lines"]] == [
        ("LIGHT-SET", "3", "IR-000001")
    ]
    assert demo.ok("vra", "show", number)["actions"] == ["approve", "cancel"]
    assert "approve it first" in demo.refused("vra", "ship", number)
    demo.ok("vra", "approve", number)
    part = demo.ok("vra", "ship", number, "--line", "LIGHT-SET=1")
    assert (part["status"], part["lines"][0]["shipped"]) == ("partially_returned", "1")
    closed = demo.ok("vra", "close", number)
    assert closed["status"] == "closed"
    assert demo.ok("stock", "LIGHT-SET")["on_hand"] == str(int(on_hand) - 1)
    (event,) = demo.ok("finance", "--moment", "vendor_credit")["events"]
    assert (event["document"], event["amount"], event["party"]) == (
        number,
        "6.8",
        "Velo Parts GmbH",
    )
    listed = demo.ok("vra", "list", "--po", VELO)
    assert [(r["number"], r["status"]) for r in listed["vendor_returns"]] == [(number, "closed")]
    assert demo.ok("vra", "list", "--status", "Pending Approval")["total"] == 0
    traced = {r["number"] for r in demo.ok("trace", number)["records"]}
    assert {number, VELO, "IR-000001"} <= traced
    before = snapshot(demo.db_path)
    assert "at most 9 can" in demo.refused("po", "return", VELO, "--line", "LIGHT-SET=10")
    assert "nothing has been received on it" in demo.refused(
        "po", "return", RACKS, "--line", "RACK-REAR=1"
    )
    assert demo.refused("vra", "show", "VRA-999999", code="not_found") == (
        "unknown vendor return 'VRA-999999'"
    )
    assert snapshot(demo.db_path) == before
    demo.ok("check")


def test_so_edit_changes_a_line_path(demo: Shopfloor) -> None:
    so = demo.ok("so", "edit", HARBOR, "--path", "3=stock")
    line = next(ln for ln in so["lines"] if ln["line"] == "3")
    assert (line["path"], line["not_needed"]) == ("stock", [RACKS])
    (change,) = so["path_changes"]
    assert (change["from_path"], change["to_path"], change["not_needed"]) == (
        "drop_ship",
        "stock",
        RACKS,
    )
    assert demo.ok("po", "show", RACKS)["status"] == "cancelled"
    text = demo.run("so", "show", HARBOR, json=False).stdout
    assert f"{RACKS} (not needed)" in text and "line 3: drop_ship -> stock" in text
    before = snapshot(demo.db_path)
    assert demo.refused("so", "edit", HARBOR, "--path", "3=stock") == (
        "line 3 is a stock line already"
    )
    assert "takes KEY=PATH" in demo.refused("so", "edit", HARBOR, "--path", "3")
    assert snapshot(demo.db_path) == before
    demo.ok("check")
