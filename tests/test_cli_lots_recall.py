"""A lot's history, the recall report with its export and trace finding a lot, through the
real `shopfloor` command line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.cli_helpers import Shopfloor, write_csv


@pytest.fixture
def sf(tmp_path: Path) -> Shopfloor:
    shop = Shopfloor(tmp_path, tmp_path / "plant.db")
    shop.ok("init")
    items = write_csv(
        tmp_path / "items.csv",
        "sku,name,type,tracking,shelf_life",
        "RESIN,Resin,inventory,lot,365",
        "GADGET,Gadget,assembly,lot,30",
    )
    shop.ok("import", "items", str(items))
    boms = write_csv(tmp_path / "boms.csv", "assembly,component,quantity", "GADGET,RESIN,2")
    shop.ok("import", "boms", str(boms))
    shop.ok("vendor", "add", "Resin Co")
    shop.ok("customer", "add", "Harbor Cycles", "--ship-to", "12 Pier St")
    return shop


def test_a_lot_shown_recalled_exported_and_traced(sf: Shopfloor, tmp_path: Path) -> None:
    po = sf.ok("po", "create", "--vendor", "Resin Co", "--line", "RESIN:10")["number"]
    receipt = sf.ok("po", "receive", po, "--line", "RESIN=10@R-A")["number"]
    wo = sf.ok("wo", "create", "--item", "GADGET", "--qty", "3", "--status", "released")["number"]
    sf.ok("wo", "build", wo, "--qty", "3", "--lot", "G-1")
    so = sf.ok("so", "create", "--customer", "Harbor Cycles", "--line", "GADGET:2@10")["number"]
    picked = sf.ok("fulfill", so, "--line", "1=2@G-1")
    sf.ok("fulfillment", "ship", picked["number"])

    shown = sf.ok("lot", "show", "RESIN", "R-A")
    assert set(shown) >= {"sku", "lot", "expires", "origin", "on_hand", "consumed_by", "shipped"}
    assert (shown["origin"]["document"], shown["origin"]["vendor"]) == (receipt, "Resin Co")
    assert [(u["work_order"], u["quantity"]) for u in shown["consumed_by"]] == [(wo, "6")]
    gadget = sf.ok("lot", "show", "GADGET", "G-1")
    assert [(m["sku"], m["lot"], m["quantity"]) for m in gadget["made_from"]] == [
        ("RESIN", "R-A", "6")
    ]
    assert [(s["customer"], s["ship_to"], s["quantity"]) for s in gadget["shipped"]] == [
        ("Harbor Cycles", "12 Pier St", "2")
    ]

    out = tmp_path / "recall.xlsx"
    report = sf.ok("recall", "RESIN", "R-A", "--export", str(out))
    assert report["reconciled"] is True
    assert [(n["sku"], n["lot"], n["direction"]) for n in report["nodes"]] == [
        ("RESIN", "R-A", "root"),
        ("GADGET", "G-1", "forward"),
    ]
    assert [(c["customer"], c["lot"], c["quantity"]) for c in report["customers"]] == [
        ("Harbor Cycles", "G-1", "2")
    ]
    frame = pd.read_excel(out, dtype=str)
    assert report["export"]["rows"] == len(frame)
    assert ("G-1", "shipped", picked["number"], "Harbor Cycles") in {
        (r.lot, r.what, r.document, r.party) for r in frame.itertuples()
    }
    text = sf.run("recall", "GADGET", "G-1", "--direction", "backward", json=False)
    assert text.returncode == 0 and "R-A" in text.stdout and "Harbor Cycles" in text.stdout

    pdf = tmp_path / "recall.pdf"
    sf.ok("print", "recall", "RESIN", "R-A", "--out", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")

    traced = sf.ok("trace", "G-1")
    assert traced["lots"] == [{"sku": "GADGET", "lot": "G-1"}]
    assert {wo, picked["number"], so} <= {r["number"] for r in traced["records"]}
    assert "unknown lot R-Z of RESIN" in sf.refused("lot", "show", "RESIN", "R-Z")
    assert "export to a .csv or an .xlsx file" in sf.refused(
        "recall", "RESIN", "R-A", "--export", str(tmp_path / "recall.txt")
    )
    assert sf.ok("check")["ok"] is True


def test_a_lot_sent_back_to_its_vendor_and_a_reversed_receipt_are_told_by_name(
    sf: Shopfloor,
) -> None:
    """`lot show` and `recall` count what a vendor return sent back as returned to the
    vendor and a reversed receipt as reversed (nothing scrapped), and both lots reconcile."""
    po = sf.ok("po", "create", "--vendor", "Resin Co", "--line", "RESIN:10")["number"]
    sf.ok("po", "receive", po, "--line", "RESIN=10@R-A")
    vra = sf.ok("po", "return", po, "--line", "RESIN=4")
    if vra["status"] == "pending_approval":
        sf.ok("vra", "approve", vra["number"])
    sf.ok("vra", "ship", vra["number"])
    other = sf.ok("po", "create", "--vendor", "Resin Co", "--line", "RESIN:3")["number"]
    receipt = sf.ok("po", "receive", other, "--line", "RESIN=3@R-B")
    rows = sf.ok("ledger", "RESIN")["entries"]
    event = next(int(r["event_id"]) for r in rows if r["source"] == receipt["number"])
    sf.ok("reverse", str(event))

    a = sf.ok("lot", "show", "RESIN", "R-A")
    assert (a["figures"]["made"], a["figures"]["on_hand"]) == ("10", "6")
    assert (a["figures"]["returned_to_vendor"], a["figures"]["scrapped"]) == ("4", "0")
    assert [(m["document"], m["quantity"], m["party"]) for m in a["returned_to_vendor"]] == [
        (vra["number"], "4", "Resin Co")
    ]
    assert a["reconciled"] is True and a["scrapped"] == []
    b = sf.ok("lot", "show", "RESIN", "R-B")
    assert (b["figures"]["made"], b["figures"]["scrapped"]) == ("0", "0")
    assert [(m["document"], m["quantity"]) for m in b["reversed"]] == [
        (f"{receipt['number']}, reversal of event {event}", "-3")
    ]
    assert b["reconciled"] is True
    text = sf.run("lot", "show", "RESIN", "R-A", json=False).stdout
    assert "returned to vendor 4" in text and vra["number"] in text
    recalled = sf.ok("recall", "RESIN", "R-B")
    assert recalled["reconciled"] is True
    assert recalled["root"]["figures"]["made"] == "0"
