"""Lots and serials through the real `shopfloor` command line: a resin lot received, gadgets
moulded from it by an issue naming the lot and a build making a lot, picked and shipped by lot,
serials received and written off, the stock and the ledger showing lots; refusals exit 2."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.cli_helpers import Shopfloor, write_csv

LATER = (date.today() + timedelta(days=200)).isoformat()
SOON = (date.today() + timedelta(days=5)).isoformat()


@pytest.fixture
def sf(tmp_path: Path) -> Shopfloor:
    shop = Shopfloor(tmp_path, tmp_path / "plant.db")
    shop.ok("init")
    items = write_csv(
        tmp_path / "items.csv",
        "sku,name,type,tracking,shelf_life",
        "RESIN,Resin,inventory,lot,365",
        "SCREW,Screw,inventory,,",
        "GADGET,Gadget,assembly,,",
        "METER,Meter,inventory,serial,",
    )
    shop.ok("import", "items", str(items))
    boms = write_csv(
        tmp_path / "boms.csv", "assembly,component,quantity", "GADGET,RESIN,2", "GADGET,SCREW,1"
    )
    shop.ok("import", "boms", str(boms))
    shop.ok("vendor", "add", "Resin Co")
    shop.ok("customer", "add", "Harbor Cycles")
    shop.ok("adjust", "SCREW", "100")
    return shop


def test_a_lot_from_the_receiving_dock_to_the_customer(sf: Shopfloor) -> None:
    tracked = sf.ok("item", "tracking", "GADGET", "lot", "--shelf-life", "30", "--gtin", "96385074")
    assert (tracked["tracking"], tracked["shelf_life_days"], tracked["gtin"]) == (
        "lot",
        30,
        "00000096385074",
    )
    po = sf.ok("po", "create", "--vendor", "Resin Co", "--line", "RESIN:20")["number"]
    sf.ok(
        "po",
        "receive",
        po,
        "--line",
        "RESIN=12",
        "--lot",
        "R-A",
        "--expires",
        LATER,
        "--vendor-lot",
        "V-9",
    )
    sf.ok("po", "receive", po, "--line", "RESIN=8@R-B")
    stock = sf.ok("stock", "RESIN")
    assert [(x["lot"], x["location"], x["on_hand"], x["expires"]) for x in stock["lots"]] == [
        ("R-A", "MAIN", "12", LATER),
        ("R-B", "MAIN", "8", (date.today() + timedelta(days=365)).isoformat()),
    ]
    wo = sf.ok("wo", "create", "--item", "GADGET", "--qty", "4", "--status", "released")["number"]
    sf.ok("wo", "issue", wo, "--component", "RESIN=2@R-A", "--component", "RESIN=1@R-B")
    built = sf.ok("wo", "build", wo, "--qty", "4", "--lot", "G-1")
    assert built["built"] == "4"
    assert [(x["lot"], x["on_hand"]) for x in sf.ok("stock", "GADGET")["lots"]] == [("G-1", "4")]
    so = sf.ok("so", "create", "--customer", "Harbor Cycles", "--line", "GADGET:3@10")["number"]
    picked = sf.ok("fulfill", so, "--line", "1=3@G-1")
    assert picked["lines"][0]["lots"] == [["G-1", "3"]]
    shipped = sf.ok("fulfillment", "ship", picked["number"])
    assert shipped["lines"][0]["lots"] == [["G-1", "3"]]
    ledger = sf.ok("ledger", "RESIN")["entries"]
    assert [(e["reason"], e["quantity"], e["lot"]) for e in reversed(ledger)] == [
        ("receipt", "12", "R-A"),
        ("receipt", "8", "R-B"),
        ("issue", "-2", "R-A"),
        ("issue", "-1", "R-B"),
        ("backflush", "-5", "R-A"),
    ]
    text = sf.run("stock", "GADGET", json=False)
    assert text.returncode == 0 and "G-1" in text.stdout
    assert sf.ok("check")["ok"] is True


def test_serials_and_refusals_on_the_command_line(sf: Shopfloor) -> None:
    po = sf.ok("po", "create", "--vendor", "Resin Co", "--line", "METER:3", "--line", "RESIN:5")
    number = po["number"]
    sf.ok("po", "receive", number, "--line", "METER=2", "--serial", "M-1,M-2")
    assert "2 serials given for 1 units" in sf.refused(
        "po", "receive", number, "--line", "METER=1", "--serial", "M-3,M-4"
    )
    assert "serial M-1 of METER is already on hand at MAIN" in sf.refused(
        "adjust", "METER", "1", "--lot", "M-1"
    )
    assert "RESIN is tracked by lot: say which lot comes in" in sf.refused(
        "po", "receive", number, "--line", "RESIN=5"
    )
    assert "--lot, --serial, --expires and --vendor-lot need exactly one --line" in sf.refused(
        "po", "receive", number, "--line", "RESIN=1", "--line", "METER=1", "--lot", "X"
    )
    assert sf.refused("adjust", "RESIN", "2", "--lot", "R 1").startswith("lot 'R 1' must be")
    sf.ok("adjust", "RESIN", "3", "--lot", "R-1", "--expires", SOON)
    sf.ok("adjust", "RESIN", "5", "--lot", "R-2")
    assert "lot R-1 of RESIN: 4 needed but only 3 of 3 on hand at MAIN" in sf.refused(
        "adjust", "RESIN", "-4", "--lot", "R-1"
    )
    sf.ok("adjust", "METER", "-1", "--serial", "M-2")
    assert [x["lot"] for x in sf.ok("stock", "METER")["lots"]] == ["M-1"]
    assert "tracking cannot change from serial to none while it has stock" in sf.refused(
        "item", "tracking", "METER", "none"
    )
    assert "--component takes KEY=QUANTITY or KEY=QUANTITY@LOT" in sf.refused(
        "wo", "issue", "WO-000001", "--component", "RESIN"
    )
    assert sf.ok("check")["ok"] is True
