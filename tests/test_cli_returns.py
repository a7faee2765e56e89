"""`shopfloor rma` as real subprocesses on the demo plant: City Commuter Co-op sends back
locks shipped on SO-000003 (IF-000002 shipped 8 LOCK-U): authorized, approved, received (some
restocked, one scrapped), credited and closed; `so show` says what came back; the receipt is
reversed; and refusals exit 2 and change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import Shopfloor, assert_decimal, check_stock, copy_database, snapshot


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("returns-demo")
    path = home / "demo.db"
    run = Shopfloor(home, path).run("init", "--demo")
    assert run.returncode == 0, str(run)
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Shopfloor:
    return Shopfloor(tmp_path, copy_database(demo_file, tmp_path / "shopfloor.db"))


def on_hand(sf: Shopfloor, sku: str) -> str:
    return str(check_stock(sf.ok("stock", sku, "--location", "MAIN"))["on_hand"])


def test_locks_come_back_restocked_and_scrapped_and_are_credited(demo: Shopfloor) -> None:
    created = demo.ok("rma", "create", "so-000003", "--line", "1=3", "--reason", "damaged")
    number = created["number"]
    assert (number, created["status"], created["sales_order"]) == (
        "RMA-000001",
        "pending_approval",
        "SO-000003",
    )
    assert (created["customer_po"], created["reason_code"]) == ("CC-2026-118", "DAMAGED")
    (line,) = created["lines"]
    assert (line["line"], line["sku"], line["quantity"], line["rate"]) == ("1", "LOCK-U", "3", "24")
    for key in ("quantity", "received", "restocked", "scrapped", "credited", "unit_cost"):
        assert_decimal(line[key], f"rma line {key}")
    shown = demo.ok("so", "show", "SO-000003")
    assert shown["lines"][0]["returned"] == "3" and shown["returns"] == [number]
    assert demo.ok("rma", "approve", number)["status"] == "pending_receipt"
    locks = on_hand(demo, "LOCK-U")
    demo.ok("rma", "receive", number, "--line", "LOCK-U=2", "--restock")
    got = demo.ok("rma", "receive", number, "--line", "1=1", "--scrap")
    assert got["status"] == "received"
    assert [got["lines"][0][k] for k in ("received", "restocked", "scrapped", "credited")] == [
        "3",
        "2",
        "1",
        "3",
    ]
    assert on_hand(demo, "LOCK-U") == str(int(locks) + 2)
    credit = demo.ok("finance", "--moment", "customer_credit")["events"]
    assert [(e["document"], e["amount"]) for e in credit] == [(number, "24"), (number, "48")]
    show = demo.run("rma", "show", number, json=False)
    assert show.returncode == 0
    assert "restocked 2, scrapped 0" in show.stdout and "restocked 0, scrapped 1" in show.stdout
    closed = demo.ok("rma", "close", number)
    assert closed["status"] == "closed"
    listed = demo.ok("rma", "list", "--status", "closed")
    assert [r["number"] for r in listed["returns"]] == [number] and listed["total"] == 1
    assert "RMA-000001" in {r["number"] for r in demo.ok("trace", "CC-2026-118")["records"]}


def test_a_receipt_reversed_from_the_command_line(demo: Shopfloor) -> None:
    number = demo.ok("rma", "create", "SO-000003", "--line", "1=2")["number"]
    demo.ok("rma", "approve", number)
    locks = on_hand(demo, "LOCK-U")
    demo.ok("rma", "receive", number)
    event = demo.ok("rma", "show", number)["receipts"][0]["event_id"]
    assert demo.ok("reverse", str(event))["reversed"] == event
    back = demo.ok("rma", "show", number)
    assert back["status"] == "pending_receipt" and back["lines"][0]["received"] == "0"
    assert back["receipts"][0]["reversed_by"] is not None
    assert on_hand(demo, "LOCK-U") == locks


def test_refusals_exit_2_and_change_nothing(demo: Shopfloor) -> None:
    before = snapshot(demo.db_path)
    said = demo.refused("rma", "create", "SO-000003", "--line", "1=9", code="overage_not_allowed")
    assert said == (
        "SO-000003 line 1 (LOCK-U): 9 is more than the 8 shipped and not returned yet "
        "(shipped 8, returned 0)"
    )
    said = demo.refused("rma", "create", "SO-000003", "--line", "2=1")
    assert (
        said == "SO-000003 line 2 (LIGHT-SET): 1 is more than the 0 shipped and not "
        "returned yet (shipped 0, returned 0)"
    )
    said = demo.refused("rma", "create", "SO-000003", "--line", "1=1", "--reason", "lost")
    assert said.startswith("unknown return reason 'LOST'; the return reasons are DAMAGED")
    said = demo.refused("rma", "create", "SO-000003", json=False)
    assert said == "shopfloor rma create: give --line N=QTY for each line that comes back"
    said = demo.refused("rma", "show", "RMA-000042", code="not_found")
    assert said == "unknown return authorization 'RMA-000042'"
    said = demo.refused("rma", "receive", "RMA-1", "--restock", "--scrap", json=False)
    assert "not allowed with argument" in said
    assert snapshot(demo.db_path) == before
    number = demo.ok("rma", "create", "SO-000003", "--line", "1=1")["number"]
    said = demo.refused("rma", "receive", number, code="illegal_transition")
    assert said == f"cannot receive {number}: it is Pending Approval; approve it first"


def test_a_drop_shipped_rack_goes_back_to_its_vendor(demo: Shopfloor) -> None:
    """Harbor Cycles returns a rear rack the vendor drop-shipped on SO-000001: approving the
    RMA makes a vendor return of the drop-ship order; shipping it receives the RMA."""
    lines = demo.ok("so", "show", "SO-000001")["lines"]
    (po,) = next(ln for ln in lines if ln["line"] == "3")["created"]
    demo.ok("po", "mark-shipped", po)
    number = demo.ok("rma", "create", "SO-000001", "--line", "3=1")["number"]
    approved = demo.ok("rma", "approve", number)
    (vra,) = approved["vendor_returns"]
    assert approved["lines"][0]["to_vendor"] is True
    said = demo.refused("rma", "receive", number, "--line", "3=1")
    assert said == (
        f"{number} line 3 (RACK-REAR) does not come back here: line 3 (RACK-REAR) goes back to "
        f"the vendor who drop-shipped it, on {vra}, and counts as received when that return "
        "ships"
    )
    shown = demo.run("rma", "show", number, json=False)
    assert f"goes back to the vendor who drop-shipped it, on {vra}" in shown.stdout
    info = demo.ok("vra", "show", vra)
    assert (info["return_authorization"], info["purchase_order"]) == (number, po)
    demo.ok("vra", "approve", vra)
    assert demo.ok("vra", "ship", vra)["status"] == "returned"
    assert demo.ok("rma", "show", number)["status"] == "received"
    assert demo.refused("vra", "cancel", vra).startswith(f"cannot cancel {vra} on its own")
