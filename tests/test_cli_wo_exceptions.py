"""`shopfloor wo edit|hold|resume|unrelease|return|unbuild|scrap` on the demo plant, through
the real command: JSON shapes, what `wo show` says of holds, returns, scrap and unbuilds, and
refusals with exit 2 and a reason."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import (
    Shopfloor,
    assert_refused,
    check_ok,
    check_work_order,
    copy_database,
    parallel,
)

BRAKE_KITS = "WO-000001"  # released, 10 BRAKE-KIT
FRONT_WHEELS = "WO-000002"  # in process, 6 of 12 built
REAR_WHEELS = "WO-000003"  # built, 3 of 3
COCKPITS = "WO-000004"  # closed
BIKES = "WO-000005"  # firm planned
HUBS = "WO-000007"  # released, late


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo-template")
    path = home / "demo.db"
    run = Shopfloor(home, path).run("init", "--demo")
    assert run.returncode == 0, str(run)
    return path


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Shopfloor:
    return Shopfloor(tmp_path, copy_database(demo_template, tmp_path / "shopfloor.db"))


def lines(wo: Any) -> dict[str, Any]:
    return {ln["sku"]: ln for ln in wo["lines"]}


def test_wo_show_says_nothing_held_returned_scrapped_or_unbuilt(demo: Shopfloor) -> None:
    shown = check_work_order(demo.ok("wo", "show", FRONT_WHEELS))
    assert (shown["held"], shown["unbuilt"], shown["scrapped"]) == (None, "0", "0")
    assert all((ln["returned"], ln["scrapped"]) == ("0", "0") for ln in shown["lines"])


def test_edit_hold_resume_and_unrelease(demo: Shopfloor) -> None:
    edited = check_work_order(
        demo.ok(
            "wo",
            "edit",
            BRAKE_KITS,
            "--qty",
            "12",
            "--due",
            "2031-01-05",
            "--priority",
            "1",
            "--memo",
            "for the spring fair",
        )
    )
    assert (edited["quantity"], edited["due"], edited["priority"], edited["memo"]) == (
        "12",
        "2031-01-05",
        1,
        "for the spring fair",
    )
    assert lines(edited)["BRAKE-LEVER"]["required"] == "24"
    assert edited["changed_by"] == "tester"
    changed = demo.ok("wo", "list", "--changed")
    assert [r["number"] for r in changed["work_orders"]] == [BRAKE_KITS]

    held = check_work_order(demo.ok("wo", "hold", BRAKE_KITS, "--reason", "drawing changed"))
    assert {k: held["held"][k] for k in ("by", "reason")} == {
        "by": "tester",
        "reason": "drawing changed",
    }
    assert held["held"]["at"] and held["actions"] == ["resume"]
    refused, listed, text = parallel(
        [
            partial(demo.run, "wo", "build", BRAKE_KITS, "--qty", "1"),
            partial(demo.ok, "wo", "list", "--held"),
            partial(demo.run, "wo", "list", json=False),
        ]
    )
    reason = assert_refused(refused, code="on_hold")
    assert reason == f"{BRAKE_KITS} is on hold: drawing changed (held by tester); resume it first"
    assert [(r["number"], r["held"], r["hold_reason"]) for r in listed["work_orders"]] == [
        (BRAKE_KITS, True, "drawing changed")
    ]
    assert "drawing changed (tester)" in text.stdout
    demo.ok("wo", "resume", BRAKE_KITS)
    planned = check_work_order(demo.ok("wo", "unrelease", BRAKE_KITS))
    assert planned["status"] == "firm_planned"
    assert all(ln["committed"] == "0" for ln in planned["lines"])


def test_return_unbuild_and_scrap(demo: Shopfloor) -> None:
    issued = demo.ok("wo", "issue", BRAKE_KITS, "--component", "BRAKE-LEVER=10")
    assert lines(issued)["BRAKE-LEVER"]["issued"] == "10"
    back = check_work_order(demo.ok("wo", "return", BRAKE_KITS, "--component", "BRAKE-LEVER=9"))
    assert (lines(back)["BRAKE-LEVER"]["issued"], lines(back)["BRAKE-LEVER"]["returned"]) == (
        "1",
        "9",
    )
    apart = check_work_order(demo.ok("wo", "unbuild", REAR_WHEELS, "--qty", "1"))
    assert (apart["built"], apart["unbuilt"], apart["status"]) == ("2", "1", "in_process")
    scrapped = check_work_order(
        demo.ok("wo", "scrap", REAR_WHEELS, "--built", "1", "--reason", "defective")
    )
    assert scrapped["scrapped"] == "1"
    lost = check_work_order(
        demo.ok("wo", "scrap", FRONT_WHEELS, "--component", "RIM-700C=1", "--reason", "DAMAGED")
    )
    assert lines(lost)["RIM-700C"]["scrapped"] == "1"
    closed = check_work_order(demo.ok("wo", "close", REAR_WHEELS))
    (wheel,) = [v for v in closed["variance"] if v["sku"] == "WHEEL-R-700"]
    assert (wheel["variance"], wheel["scrapped"]) == ("1", "1")
    assert closed["scrap_total"] == wheel["cost_variance"]
    text = demo.run("wo", "show", REAR_WHEELS, json=False).stdout
    assert "of which scrap" in text
    events = demo.ok("finance", "--moment", "scrapped")["events"]
    assert [(e["document"], e["reason"]) for e in events] == [
        (FRONT_WHEELS, "DAMAGED"),
        (REAR_WHEELS, "DEFECTIVE"),
    ]
    check_ok(demo.ok("check"))


REFUSALS: list[tuple[tuple[str, ...], str, str]] = [
    (("wo", "edit", BRAKE_KITS), "invalid", "nothing to change"),
    (("wo", "edit", FRONT_WHEELS, "--qty", "5"), "invalid", "6 is built already"),
    (
        ("wo", "edit", FRONT_WHEELS, "--location", "MAIN", "--bom-revision", "9"),
        "not_found",
        "no BOM revision '9'",
    ),
    (("wo", "edit", COCKPITS, "--priority", "1"), "illegal_transition", "it is Closed"),
    (("wo", "edit", BIKES, "--priority", "1000"), "invalid", "priority"),
    (("wo", "hold", BIKES, "--reason", " "), "invalid", "say why"),
    (("wo", "resume", BIKES), "illegal_transition", "it is not on hold"),
    (("wo", "unrelease", FRONT_WHEELS), "illegal_transition", "stock has already moved"),
    (
        ("wo", "return", HUBS, "--component", "HUB-SHELL-R=1"),
        "illegal_transition",
        "nothing has been issued to it",
    ),
    (
        ("wo", "return", FRONT_WHEELS, "--component", "RIM-700C=99"),
        "invalid",
        "the line has consumed",
    ),
    (("wo", "unbuild", FRONT_WHEELS, "--qty", "7"), "invalid", "6 is built"),
    (
        ("wo", "scrap", FRONT_WHEELS, "--built", "1", "--reason", "NOPE"),
        "not_found",
        "unknown scrap reason 'NOPE'",
    ),
    (
        (
            "wo",
            "scrap",
            FRONT_WHEELS,
            "--built",
            "1",
            "--component",
            "RIM-700C=1",
            "--reason",
            "DAMAGED",
        ),
        "usage",
        "not allowed with",
    ),
]


def test_refusals_say_why_and_change_nothing(demo: Shopfloor) -> None:
    before = parallel([partial(demo.ok, "ledger", "RIM-700C"), partial(demo.ok, "wo", "list")])
    runs = parallel([partial(demo.run, *argv) for argv, _code, _words in REFUSALS])
    for run, (argv, code, words) in zip(runs, REFUSALS, strict=True):
        assert words in assert_refused(run, code=code), (argv, run)
    after = parallel([partial(demo.ok, "ledger", "RIM-700C"), partial(demo.ok, "wo", "list")])
    assert after == before
