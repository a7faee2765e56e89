"""A plant of several workstations under load, on SQLite and on PostgreSQL, with real OS
processes (tests/stress_worker.py): eight workstations posting at once on the same few scarce
items, and a workstation killed at random points in the middle of its postings.

After each, `check` is clean (every balance, commitment and document agrees with the ledger),
nothing a workstation was told is done is missing, and nothing it was not told is there
except, for a killed one, the whole of the one posting it was making."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.models import Item, LedgerEntry, Location, StockBalance
from app.services.check import check_database
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from tests.stress_worker import PER, make_plant

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 8
POSTINGS = 90  # by each of the eight
CRASHES = 20  # a workstation killed this many times on each backend
Stock = dict[tuple[str, str], Decimal]


def start(
    database: Database, name: str, seed: int, count: int, *more: str
) -> subprocess.Popen[str]:
    url = database.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.stress_worker", url, name, str(seed), str(count), *more],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def ledger(database: Database) -> Stock:
    """On hand per item and location, summed from the ledger itself."""
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(Item.sku, Location.code, func.sum(LedgerEntry.quantity).label("qty"))
            .join(Item, Item.id == LedgerEntry.item_id)
            .join(Location, Location.id == LedgerEntry.location_id)
            .group_by(Item.sku, Location.code)
        ).all()
    return {(r.sku, r.code): Decimal(r.qty) for r in rows if r.qty}


def moved(records: list[dict[str, Any]]) -> Stock:
    """The stock the postings a worker was told are done moved, by its own account."""
    total: Stock = defaultdict(Decimal)
    for record in records:
        for sku, where, qty in record.get("moved", []):
            total[(sku, where)] += Decimal(qty)
    return total


def difference(after: Stock, before: Stock, told: Stock) -> Stock:
    keys = set(after) | set(before) | set(told)
    diff = {
        k: after.get(k, Decimal(0)) - before.get(k, Decimal(0)) - told.get(k, Decimal(0))
        for k in keys
    }
    return {k: v for k, v in diff.items() if v != 0}


def assert_clean(database: Database) -> None:
    report = check_database(UnitOfWork(database, Actor("auditor", "office")))
    assert report.ok, report.problems
    with database.engine.connect() as conn:  # committed never above on hand, nowhere
        over = conn.execute(
            select(func.count()).where(StockBalance.committed > StockBalance.on_hand)
        ).scalar_one()
    assert over == 0


def test_eight_workstations_post_at_once_and_nothing_is_lost_or_counted_twice(
    database: Database,
) -> None:
    make_plant(database)
    before = ledger(database)
    workers = [start(database, f"ws{n}", 1000 + n, POSTINGS) for n in range(WORKERS)]
    told: list[dict[str, Any]] = []
    done = refused = 0
    codes: Counter[str] = Counter()
    for worker in workers:
        out, err = worker.communicate(timeout=900)
        records = lines(out)
        errors = [r for r in records if "error" in r]
        assert worker.returncode == 0 and not errors, (errors, err[-2000:])
        summary = records[-1]["summary"]
        done += summary["done"]
        codes.update(summary["refused"])
        refused += sum(summary["refused"].values())
        told += [r for r in records if "done" in r]
    assert done + refused == WORKERS * POSTINGS
    assert done > WORKERS * POSTINGS // 2  # scarce, not starved: most postings went through
    # Only refusals a floor meets when stock runs short or someone else got there first.
    assert set(codes) <= {
        "insufficient_stock",
        "not_committed",
        "overage_not_allowed",
        "illegal_transition",
        "invalid",
    }, codes
    assert_clean(database)
    assert difference(ledger(database), before, moved(told)) == {}


def residue_of(action: str, residue: Stock) -> bool:
    """Whether stock nobody was told about is exactly one whole posting of `action`."""
    if not residue:
        return True  # absent
    items = {(sku, where): qty for (sku, where), qty in residue.items()}
    if action == "adjust":
        return len(items) == 1 and next(iter(items))[1] == "MAIN"
    if action == "issue":
        return (
            len(items) == 1
            and next(iter(items)) == ("SCREW", "MAIN")
            and next(iter(items.values())) < 0
        )
    if action == "build":
        return items == {
            ("GADGET", "MAIN"): Decimal(1),
            **{(sku, "MAIN"): Decimal(-per) for sku, per in PER.items()},
        }
    if action == "ship":
        return list(items) == [("WIDGET", "MAIN")] and next(iter(items.values())) < 0
    if action == "buy":
        return list(items) == [("SCREW", "MAIN")] and next(iter(items.values())) > 0
    if action == "transfer":
        (sku,) = {s for s, _w in items}
        places = {w: q for (_s, w), q in items.items()}
        shipped = (
            places.keys() == {"MAIN", "IN-TRANSIT"} and places["MAIN"] == -places["IN-TRANSIT"]
        )
        received = (
            places.keys() == {"IN-TRANSIT", "EAST"} and places["EAST"] == -places["IN-TRANSIT"]
        )
        return sku == "SCREW" and (shipped or received)
    return False  # the others move no stock


def test_a_workstation_killed_in_the_middle_of_posting_leaves_each_posting_whole_or_absent(
    database: Database,
) -> None:
    make_plant(database)
    rng = random.Random(77)
    killed = 0
    for round_ in range(CRASHES):
        before = ledger(database)
        worker = start(
            database, f"ws{round_}", 5000 + round_, 40, "--crash-at", str(rng.randint(5, 600))
        )
        out, err = worker.communicate(timeout=300)
        records = lines(out)
        assert not [r for r in records if "error" in r], err[-2000:]
        assert worker.returncode in (0, -9), err[-2000:]
        killed += worker.returncode == -9
        assert_clean(database)
        residue = difference(ledger(database), before, moved([r for r in records if "done" in r]))
        if worker.returncode == 0:
            assert residue == {}
            continue
        in_flight = records[-1].get("try") if records and "try" in records[-1] else None
        assert in_flight is not None or residue == {}
        assert residue_of(in_flight or "", residue), (in_flight, residue)
    assert killed >= CRASHES // 2  # most rounds really were cut off mid-way
