"""The `shopfloor` command on the demo plant as a new user meets it, run as a real subprocess:
refusals that name what is in the way and what to do instead, the filters of the lists, and
long output read by a program that stops early.

Demo postings used here (see app/services/setup.py): WO-000002 has components issued,
WO-000003 is built, IF-000001 (SO-000002) is packed, IF-000002 shipped LOCK-U and IR-000001
received LIGHT-SET.
"""

from __future__ import annotations

import fcntl
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import TIMEOUT_S, Shopfloor, copy_database, parallel, write_csv

ITEM_HEADER = "sku,name,type,uom,cost,build_point,preferred_stock,drop_ship"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo-template")
    path = home / "demo.db"
    init = Shopfloor(home, path).run("init", "--demo")
    assert init.returncode == 0, str(init)
    return path


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Shopfloor:
    """A private copy of the demo plant."""
    return Shopfloor(tmp_path, copy_database(demo_template, tmp_path / "shopfloor.db"))


def event_of(demo: Shopfloor, sku: str, reason: str) -> int:
    """The event id of an item's latest ledger row for this reason."""
    rows: list[dict[str, Any]] = demo.ok("ledger", sku)["entries"]
    return next(int(r["event_id"]) for r in rows if r["reason"] == reason)


# --- refusals that say what the posting is and what to do -------------------------------


def test_reverse_names_the_posting_and_what_to_do_instead(demo: Shopfloor) -> None:
    issue = event_of(demo, "HUB-F", "issue")
    build = event_of(demo, "WHEEL-R-700", "completion")
    receipt = event_of(demo, "LIGHT-SET", "receipt")
    shipment = event_of(demo, "LOCK-U", "shipment")
    runs = parallel([lambda e=e: demo.run("reverse", str(e)) for e in (issue, build, receipt)])
    runs.append(demo.run("reverse", str(shipment), json=False))
    reasons = [r.stderr for r in runs]
    assert all(r.returncode == 2 for r in runs), "\n".join(map(str, runs))
    assert reasons[0] == (
        f"shopfloor: event {issue} is an issue to WO-000002: return the components "
        "(shopfloor wo return WO-000002 --component SKU=QTY)\n"
    )
    assert reasons[1] == (
        f"shopfloor: event {build} is a build on WO-000003: use unbuild "
        "(shopfloor wo unbuild WO-000003 --qty Q)\n"
    )
    assert reasons[2] == (
        f"shopfloor: event {receipt} is receipt IR-000001: receipts are not reversed yet; "
        "correct the stock with an adjustment and tell finance, which was told of the receipt\n"
    )
    assert reasons[3].startswith(
        f"shopfloor: event {shipment} is the shipment of IF-000002: shipments are not reversed"
    )
    adjusted = demo.ok("adjust", "LOCK-U", "2", "--memo", "found on the bench")
    assert demo.ok("reverse", str(adjusted["event_id"]))["reversed"] == adjusted["event_id"]


def test_close_names_the_status_of_the_fulfillment_in_the_way(demo: Shopfloor) -> None:
    said = demo.refused("so", "close", "SO-000002", code="illegal_transition")
    assert said == "cannot close SO-000002: IF-000001 is Packed; ship or cancel it first"
    demo.ok("prefs", "set", "name_for_packed_status", "Boxed")
    said = demo.refused("so", "close", "SO-000002", json=False)
    assert said == "cannot close SO-000002: IF-000001 is Boxed; ship or cancel it first"


# --- one status filter for every list ----------------------------------------------------


def test_every_list_takes_status_keys_names_and_comma_lists(demo: Shopfloor) -> None:
    def numbers(kind: str, key: str, *args: str) -> list[str]:
        return [row["number"] for row in demo.ok(kind, "list", *args)[key]]

    refused = demo.refused("fulfillment", "list", "--status", "Boxed", code="invalid")
    assert refused == "unknown status 'Boxed'; one of picked, packed, shipped, cancelled"
    demo.ok("prefs", "set", "name_for_packed_status", "Boxed")
    demo.ok("prefs", "set", "name_for_shipped_status", "On the truck")
    assert numbers("fulfillment", "fulfillments", "--status", "Boxed") == ["IF-000001"]
    assert numbers("fulfillment", "fulfillments", "--status", "packed") == ["IF-000001"]
    listed = numbers("fulfillment", "fulfillments", "--status", "boxed,ON THE TRUCK")
    assert listed == ["IF-000001", "IF-000002"]
    refused = demo.refused("fulfillment", "list", "--status", "Packd", json=False)
    assert refused == (
        "unknown status 'Packd'; one of picked, packed (Boxed), shipped (On the truck), cancelled"
    )
    chosen = "Pending Approval,partially_fulfilled"
    assert numbers("so", "sales_orders", "--status", chosen) == ["SO-000003", "SO-000004"]
    chosen = "in process,Planned (Firm)"
    assert numbers("wo", "work_orders", "--status", chosen) == [
        "WO-000002",
        "WO-000005",
        "WO-000008",
    ]
    chosen = "Open,Partially Received"
    assert numbers("po", "purchase_orders", "--status", chosen) == ["PO-000001", "PO-000002"]
    for kind in ("wo", "so", "po", "fulfillment"):
        assert "one of" in demo.refused(kind, "list", "--status", "done", code="invalid")


# --- the finance handoff: one selection for every part ------------------------------------


def test_finance_filters_apply_to_every_part_of_the_output(demo: Shopfloor) -> None:
    everything, closed, shipped, elsewhere = parallel(
        [
            lambda: demo.ok("finance"),
            lambda: demo.ok("finance", "--moment", "closed"),
            lambda: demo.run("finance", "--moment", "shipped", json=False),
            lambda: demo.ok("finance", "--ref", "PO-000002"),
        ]
    )
    ready = [(r["sales_order"], r["sku"], r["quantity"]) for r in everything["invoice_ready"]]
    assert ready == [("SO-000003", "LOCK-U", "8")]
    assert [e["moment"] for e in closed["events"]] == ["closed"]
    assert (closed["drop_ship"], closed["invoice_ready"]) == ([], [])
    assert [e["moment"] for e in elsewhere["events"]] == ["received"]
    assert elsewhere["invoice_ready"] == []
    assert shipped.returncode == 0 and "Invoice-ready" in shipped.stdout, str(shipped)
    text = demo.run("finance", "--moment", "closed", json=False)
    assert text.returncode == 0 and text.stderr == "", str(text)
    assert "WO-000004" in text.stdout
    assert "Invoice-ready" not in text.stdout and "LOCK-U" not in text.stdout


# --- long output read by a program that stops early --------------------------------------

F_GETPIPE_SZ = getattr(fcntl, "F_GETPIPE_SZ", 1032)  # Linux: the capacity of a pipe


@pytest.mark.parametrize("json", [False, True], ids=["text", "json"])
def test_long_output_into_a_reader_that_stops_early(demo: Shopfloor, json: bool) -> None:
    """`shopfloor item list | head -1`: the reader takes the first line and closes the pipe
    while far more than a pipe holds is still to come; the command ends quietly, done."""
    rows = [f"PART-{n:05d},Part {n} {'x' * 180},inventory,ea,1,,," for n in range(2000)]
    demo.ok("import", "items", str(write_csv(demo.home / "parts.csv", ITEM_HEADER, *rows)))
    options = ["--db", str(demo.db_path), *(["--json"] if json else [])]
    proc = subprocess.Popen(
        [*demo.command, *options, "item", "list", "--limit", "10000"],
        env=demo.environment(),
        cwd=demo.home,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    # 2,000 rows of over 180 characters cannot all fit in the pipe: the command is still
    # writing when the reader goes.
    assert fcntl.fcntl(proc.stdout.fileno(), F_GETPIPE_SZ) < 2000 * 180
    first = proc.stdout.read(80)
    proc.stdout.close()
    errors = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=TIMEOUT_S) == 0, errors
    assert errors == b""
    assert first.startswith(b'{"items": [' if json else b"sku ")
