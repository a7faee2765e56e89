"""The order side of the `shopfloor` command line as a new user meets it, run as a real
subprocess on a private copy of the demo plant.

Demo orders (see app/services/setup.py): SO-000001 (Harbor Cycles, customer PO 72622) has a
drop-ship line of 2 RACK-REAR on PO-000001 from Carrier Racks Inc.; PO-000002 buys from Velo
Parts GmbH and is partly received.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import Run, Shopfloor, copy_database, snapshot, write_csv

HARBOR_ORDER = "SO-000001"
HARBOR_PO = "72622"
RACKS = "PO-000001"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run]:
    home = tmp_path_factory.mktemp("demo-template")
    path = home / "demo.db"
    return path, Shopfloor(home, path).run("init", "--demo")


@pytest.fixture
def demo(demo_template: tuple[Path, Run], tmp_path: Path) -> Shopfloor:
    """A private copy of the demo plant."""
    path, init = demo_template
    assert init.returncode == 0, str(init)
    return Shopfloor(tmp_path, copy_database(path, tmp_path / "shopfloor.db"))


def events(sf: Shopfloor, ref: str) -> list[dict[str, Any]]:
    """The finance events `finance --ref` lists, reviewed or not."""
    rows: list[dict[str, Any]] = sf.ok("finance", "--all", "--ref", ref)["events"]
    return rows


# --- a memo is not a customer's PO --------------------------------------------------------


def test_a_receipt_tells_finance_no_customer_po_when_its_order_has_none(demo: Shopfloor) -> None:
    po = demo.ok(
        "po", "create", "--vendor", "Velo Parts GmbH", "--line", "LOCK-U:10", "--memo", "restock"
    )
    number = po["number"]
    assert (po["memo"], po["customer_po"]) == ("restock", None)
    receipt = demo.ok("po", "receive", number)
    assert events(demo, "restock") == []
    (event,) = events(demo, receipt["number"])
    assert (event["moment"], event["created_from"], event["customer_po"]) == (
        "received",
        number,
        None,
    )
    assert demo.ok("po", "show", number)["customer_po"] is None
    assert demo.ok("trace", "restock")["records"] == []
    # A drop-ship order carries its customer's PO, and trace still finds it by it.
    racks = demo.ok("po", "show", RACKS)
    assert (racks["customer_po"], racks["created_from"]) == (HARBOR_PO, HARBOR_ORDER)
    traced = {(r["kind"], r["number"]) for r in demo.ok("trace", HARBOR_PO)["records"]}
    assert ("purchase_order", RACKS) in traced
    assert demo.ok("po", "list", "--search", HARBOR_PO)["purchase_orders"][0]["number"] == RACKS


# --- what a drop-ship line may take is the customer side's rule -----------------------------


def rack_line(sf: Shopfloor) -> dict[str, Any]:
    so = sf.ok("so", "show", HARBOR_ORDER)
    line: dict[str, Any] = next(ln for ln in so["lines"] if ln["sku"] == "RACK-REAR")
    return line


def test_a_vendor_shipping_more_than_the_customer_ordered_follows_the_fulfillment_overage(
    demo: Shopfloor,
) -> None:
    """Receipts may run over, fulfillments may not: the customer's line takes no more than
    it ordered, whatever the vendor's side allows."""
    demo.ok("prefs", "set", "allow_overage_on_item_receipts", "true")
    demo.ok("po", "mark-shipped", RACKS, "--line", "RACK-REAR=1")
    before = snapshot(demo.db_path)
    reason = demo.refused(
        "po", "mark-shipped", RACKS, "--line", "RACK-REAR=2", code="overage_not_allowed"
    )
    assert HARBOR_ORDER in reason and "1 still to ship" in reason
    assert "overage on item fulfillments is not allowed" in reason
    assert snapshot(demo.db_path) == before
    assert (rack_line(demo)["fulfilled"], rack_line(demo)["quantity"]) == ("1", "2")
    billed = [r["quantity"] for r in demo.ok("finance")["invoice_ready"] if r["sku"] == "RACK-REAR"]
    assert sum(map(Decimal, billed)) == 1
    shipped = demo.ok("po", "mark-shipped", RACKS, "--line", "RACK-REAR=1")
    assert shipped["lines"][0]["received"] == "2"
    assert rack_line(demo)["fulfilled"] == "2"


def test_with_both_overages_allowed_the_vendor_may_ship_more(demo: Shopfloor) -> None:
    demo.ok("prefs", "set", "allow_overage_on_item_fulfillments", "true")
    reason = demo.refused(
        "po", "mark-shipped", RACKS, "--line", "RACK-REAR=3", code="overage_not_allowed"
    )
    assert "overage on item receipts is not allowed" in reason
    demo.ok("prefs", "set", "allow_overage_on_item_receipts", "true")
    demo.ok("po", "mark-shipped", RACKS, "--line", "RACK-REAR=3")
    assert rack_line(demo)["fulfilled"] == "3"


# --- a cancelled special order frees its line -----------------------------------------------


def test_cancelling_a_special_order_makes_its_line_an_ordinary_stock_line(
    demo: Shopfloor,
) -> None:
    """BIKE-CITY-L has no stock. Its line built to order waits for its own work order only;
    once that is cancelled, the line ships from stock like any other and commits."""
    demo.ok("prefs", "set", "perform_item_commitment_after_transaction_entry", "false")
    so = demo.ok("so", "create", "--customer", "Lakeside Bikes", "--line", "BIKE-CITY-L:1:build")
    number = so["number"]
    (line,) = so["lines"]
    (wo,) = so["work_orders"]
    assert (line["path"], line["created"]) == ("build", [wo])
    # Its quantity changes through its work order, both together.
    (line,) = demo.ok("so", "edit", number, "--line", "1=2")["lines"]
    assert (line["quantity"], demo.ok("wo", "show", wo)["quantity"]) == ("2", "2")
    demo.ok("so", "edit", number, "--line", "1=1")
    demo.ok("wo", "cancel", wo)
    (line,) = demo.ok("so", "show", number)["lines"]
    assert (line["path"], line["created"], line["backordered"]) == ("stock", [wo], "1")
    demo.ok("adjust", "BIKE-CITY-L", "3")
    demo.ok("commit")
    (line,) = demo.ok("so", "show", number)["lines"]
    assert (line["committed"], line["backordered"]) == ("1", "0")
    picked = demo.ok("fulfill", number)
    assert [(ln["sku"], ln["quantity"]) for ln in picked["lines"]] == [("BIKE-CITY-L", "1")]
    # An ordinary line: it changes on the order, and commits what is free at once.
    demo.ok("fulfillment", "cancel", picked["number"])
    (line,) = demo.ok("so", "edit", number, "--line", "1=2")["lines"]
    assert (line["quantity"], line["committed"]) == ("2", "2")
    traced = {r["number"] for r in demo.ok("trace", number)["records"]}
    assert {number, wo} <= traced
    demo.ok("check")


# --- an orders file imported twice --------------------------------------------------------


def test_an_orders_file_imported_twice_makes_each_order_once(
    demo: Shopfloor, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "orders.csv",
        "order_ref,customer,customer_po,sku,quantity,path,rate",
        "EDI-555,Harbor Cycles,HC-555,HELMET-M,1,,42",
        "EDI-555,Harbor Cycles,HC-555,RACK-REAR,1,drop_ship,39",
    )
    assert demo.ok("import", "orders", str(path))["created"] == 1
    before = snapshot(demo.db_path)
    reason = demo.refused("import", "orders", str(path), code="import_rejected")
    assert snapshot(demo.db_path) == before
    (order,) = demo.ok("so", "list", "--search", "HC-555")["sales_orders"]
    assert reason == (
        f"orders.csv: nothing imported, 2 bad rows: row 2: order EDI-555 is already imported "
        f"as {order['number']}; row 3: order EDI-555 is already imported as {order['number']}"
    )
    assert len(demo.ok("po", "list", "--search", "HC-555")["purchase_orders"]) == 1
    assert demo.ok("so", "list", "--search", "EDI-555")["sales_orders"] == [order]
    assert demo.ok("so", "show", order["number"])["order_ref"] == "EDI-555"


# --- a work order created from a sales order ------------------------------------------------


def test_a_work_order_is_created_only_from_a_sales_order_that_exists_and_is_linked_to_it(
    demo: Shopfloor,
) -> None:
    before = snapshot(demo.db_path)
    reason = demo.refused(
        "wo",
        "create",
        "--item",
        "WHEEL-R-700",
        "--qty",
        "2",
        "--created-from",
        "SO-999999",
        code="not_found",
    )
    assert reason == "unknown sales order 'SO-999999'"
    assert snapshot(demo.db_path) == before
    wo = demo.ok(
        "wo", "create", "--item", "WHEEL-R-700", "--qty", "2", "--created-from", " so-000001"
    )
    assert (wo["created_from"], wo["customer_po"]) == (HARBOR_ORDER, HARBOR_PO)
    number = wo["number"]
    from_order = {(r["kind"], r["number"]): r for r in demo.ok("trace", HARBOR_ORDER)["records"]}
    assert from_order[("work_order", number)]["created_from"] == HARBOR_ORDER
    assert number in from_order[("sales_order", HARBOR_ORDER)]["spawned"]
    from_work_order = {(r["kind"], r["number"]) for r in demo.ok("trace", number)["records"]}
    assert ("sales_order", HARBOR_ORDER) in from_work_order
    assert ("work_order", number) in {
        (r["kind"], r["number"]) for r in demo.ok("trace", HARBOR_PO)["records"]
    }
    order = demo.ok("so", "show", HARBOR_ORDER)
    assert number in order["work_orders"]
    assert all(number not in ln["created"] for ln in order["lines"])  # made for no line
    assert "created from SO-000001" in demo.run("wo", "show", number, json=False).stdout


# --- words that say what happened ---------------------------------------------------------


def test_a_drop_ship_order_reads_shipped_by_its_vendor(demo: Shopfloor) -> None:
    demo.ok("po", "mark-shipped", RACKS, "--line", "RACK-REAR=1")
    assert demo.ok("po", "show", RACKS)["status_label"] == "Partially Shipped by Vendor"
    shipped = demo.ok("po", "mark-shipped", RACKS)
    assert (shipped["status"], shipped["status_label"]) == ("received", "Shipped by Vendor")
    listed = {r["number"]: r for r in demo.ok("po", "list")["purchase_orders"]}
    assert listed[RACKS]["status_label"] == "Shipped by Vendor"
    assert listed["PO-000002"]["status_label"] == "Partially Received"  # bought for stock
    assert f"{RACKS}  Carrier Racks Inc.  [Shipped by Vendor]" in (
        demo.run("po", "show", RACKS, json=False).stdout
    )
    table = demo.run("po", "list", json=False).stdout
    assert "Shipped by Vendor" in table and "Partially Received" in table
    assert "received" not in table.replace("Partially Received", "")
    traced = {r["number"]: r for r in demo.ok("trace", HARBOR_PO)["records"]}
    assert traced[RACKS]["status_label"] == "Shipped by Vendor"
    assert "Shipped by Vendor" in demo.run("trace", HARBOR_PO, json=False).stdout
    reason = demo.refused("po", "cancel", RACKS)
    assert reason.startswith(f"cannot cancel {RACKS}: it is Shipped by Vendor")
