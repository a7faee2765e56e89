"""`shopfloor count` and `shopfloor print count-sheet` as real subprocesses on the demo plant:
a count of aisle B from start to posting, and refusals that exit 2 and change nothing."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest

from tests.cli_helpers import (
    Shopfloor,
    assert_decimal,
    check_stock,
    copy_database,
    parallel,
    snapshot,
    write_csv,
)
from tests.printing import pdfcheck


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("counts-demo")
    path = home / "demo.db"
    run = Shopfloor(home, path).run("init", "--demo")
    assert run.returncode == 0, str(run)
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Shopfloor:
    return Shopfloor(tmp_path, copy_database(demo_file, tmp_path / "shopfloor.db"))


def on_hand(sf: Shopfloor, sku: str) -> str:
    return str(check_stock(sf.ok("stock", sku, "--location", "MAIN"))["on_hand"])


def test_counting_aisle_b_from_the_sheet_to_the_ledger(demo: Shopfloor, tmp_path: Path) -> None:
    started = demo.ok("count", "start", "--location", "MAIN", "--bin-prefix", "b-03")
    count = started["count"]
    number = count["number"]
    assert number == "CC-000001" and count["status"] == "open" and started["left_out"] == {}
    assert [ln["sku"] for ln in count["lines"]] == [
        "CASSETTE-8S",
        "CHAIN-8S",
        "DERAILLEUR-R8",
        "SHIFTER-8S",
    ]
    assert all(ln["counted"] is None for ln in count["lines"])

    sheet = tmp_path / "sheet.pdf"
    printed = demo.ok("print", "count-sheet", number.lower(), "--out", str(sheet))
    assert printed == {"file": str(sheet), "pages": 1, "documents": 1, "job": None}
    codes = pdfcheck.scan_pages(sheet.read_bytes())
    assert set(codes[0]) == {number, "CASSETTE-8S", "CHAIN-8S", "DERAILLEUR-R8", "SHIFTER-8S"}

    chains_before = on_hand(demo, "CHAIN-8S")
    entered = demo.ok("count", "enter", number, "--line", "CHAIN-8S=10", "--line", "CASSETTE-8S=18")
    chain = next(ln for ln in entered["lines"] if ln["sku"] == "CHAIN-8S")
    assert chain["counted"] == "10" and chain["on_hand_when_counted"] == chains_before
    assert_decimal(chain["difference"], "difference")
    assert entered["counted"] == 2 and entered["uncounted"] == 2

    reason = demo.refused("count", "post", number)
    assert "has 2 lines not counted yet: line 3 (DERAILLEUR-R8), line 4 (SHIFTER-8S)" in reason
    posted = demo.ok("count", "post", number, "--skip-uncounted")
    assert posted["status"] == "posted" and posted["changes"]["event_id"]
    assert on_hand(demo, "CHAIN-8S") == "10"
    ledger = demo.ok("ledger", "CHAIN-8S")
    newest = ledger["entries"][0]
    assert (newest["reason"], newest["source"]) == ("count", number)
    assert Decimal(newest["quantity"]) == 10 - Decimal(chains_before)

    listed = demo.ok("count", "list", "--status", "Posted")
    assert [(r["number"], r["lines"], r["counted"]) for r in listed["counts"]] == [(number, 4, 2)]
    text = demo.run("count", "show", number, json=False)
    assert text.returncode == 0 and "CHAIN-8S" in text.stdout and "[Posted]" in text.stdout
    assert demo.ok("check")["ok"] is True


def test_approval_above_the_threshold_on_the_command_line(demo: Shopfloor) -> None:
    demo.ok("prefs", "set", "count_approval_threshold", "50")
    number = demo.ok("count", "start", "--location", "MAIN", "--item", "FRAME-AL-M")["count"][
        "number"
    ]
    demo.ok("count", "enter", number, "--line", "FRAME-AL-M=0")  # 30 frames at 85.00
    reason = demo.refused("count", "post", number, code="illegal_transition")
    assert "differs by more than 50 (count_approval_threshold)" in reason
    assert demo.ok("count", "approve", number)["approved_by"] == "tester"
    demo.ok("count", "post", number)
    assert on_hand(demo, "FRAME-AL-M") == "0"


def test_refusals_exit_2_and_change_nothing(demo: Shopfloor) -> None:
    number = demo.ok("count", "start", "--location", "MAIN", "--item", "BELL")["count"]["number"]
    before = snapshot(demo.db_path)
    refusals = [
        (("count", "start", "--location", "MAIN"), "say what to count at MAIN"),
        (("count", "start", "--location", "NOWHERE", "--item", "BELL"), "unknown location"),
        (("count", "start", "--location", "MAIN", "--not-counted-for", "x"), "not a whole"),
        (("count", "start", "--location", "MAIN", "--item", "BELL"), "BELL is on CC-000001"),
        (("count", "enter", number), "give --line SKU=QTY"),
        (("count", "enter", number, "--line", "BELL"), "--line takes KEY=QUANTITY"),
        (("count", "enter", number, "--line", "LOCK-U=2"), "'LOCK-U' is not on CC-000001"),
        (("count", "enter", number, "--line", "BELL=-2"), "must not be negative"),
        (("count", "post", number), "nothing is counted on CC-000001 yet"),
        (("count", "approve", number), "needs no approval"),
        (("count", "show", "CC-999999"), "unknown cycle count 'CC-999999'"),
        (("print", "count-sheet", "CC-999999", "--out", "x.pdf"), "unknown cycle count"),
    ]
    reasons = parallel(partial(demo.refused, *argv) for argv, _words in refusals)
    for (argv, words), reason in zip(refusals, reasons, strict=True):
        assert words in reason, (argv, reason)
    assert snapshot(demo.db_path) == before


def test_a_tracked_item_is_counted_lot_by_lot_on_the_command_line(
    demo: Shopfloor, tmp_path: Path
) -> None:
    """GONG, a new item tracked by lot: the count shows a line per lot in text and JSON, takes
    SKU@LOT=QTY (a lot found with --expires), and refuses SKU=QTY naming the lots."""
    gong = write_csv(tmp_path / "items.csv", "sku,name,type,tracking", "GONG,Gong,inventory,lot")
    demo.ok("import", "items", str(gong))
    for lot in ("B-1", "B-2"):
        demo.ok("adjust", "GONG", "3", "--location", "MAIN", "--lot", lot)
    count = demo.ok("count", "start", "--location", "MAIN", "--item", "GONG")["count"]
    number = count["number"]
    assert [(ln["sku"], ln["lot"]) for ln in count["lines"]] == [("GONG", "B-1"), ("GONG", "B-2")]
    reason = demo.refused("count", "enter", number, "--line", "GONG=5")
    assert reason == (
        f"GONG is tracked by lot: say which lot was counted on {number} "
        "(GONG@B-1 or GONG@B-2, or GONG@LOT for a lot found)"
    )
    entered = demo.ok(
        "count",
        "enter",
        number,
        "--line",
        "GONG@B-1=2",
        "--line",
        "GONG@B-2=3",
        "--line",
        "GONG@B-9=1",
        "--expires",
        "GONG@B-9=2030-06-30",
    )
    assert [(ln["lot"], ln["expires"], ln["counted"]) for ln in entered["lines"]] == [
        ("B-1", None, "2"),
        ("B-2", None, "3"),
        ("B-9", "2030-06-30", "1"),
    ]
    text = demo.run("count", "show", number, json=False)
    assert text.returncode == 0
    assert re.search(r"line\s+bin\s+sku\s+lot\s+expires", text.stdout)
    assert re.search(r"GONG\s+B-9\s+2030-06-30", text.stdout)
    demo.ok("count", "post", number)
    assert on_hand(demo, "GONG") == "6"
    lots = {x["lot"]: x["on_hand"] for x in demo.ok("stock", "GONG", "--location", "MAIN")["lots"]}
    assert lots == {"B-1": "2", "B-2": "3", "B-9": "1"}
    assert demo.ok("check")["ok"] is True
