"""One workstation of the plant's stress tests and load benchmark, started as its own OS
process: random postings of every common kind on a few scarce items, each one a real call to
the services, as the window and the command line make them.

    python -m tests.stress_worker URL WORKER SEED COUNT [--crash-at N | --wait]

Before each posting it prints (and flushes) one JSON line `{"try": ...}`; after it, one
`{"done": ...}` line with the stock it moved by its own account (item, location, quantity),
or `{"refused": ...}` with the refusal's code. Anything that is not a refusal is printed as
`{"error": ...}` and ends the worker with status 3. With `--crash-at N` the process kills
itself (SIGKILL: no clean-up of any kind) just before the N-th SQL statement or commit it
sends, wherever in a posting that falls. With `--wait` it says `{"ready": true}` and waits for
a line on standard input before its first posting, so that several start together (the load
benchmark). At the end (unless killed) one `{"summary": ...}` line: postings done, refusals
by code, re-runs after a deadlock, each build's time, and when it started and ended (the
machine's monotonic clock).

The plant is made by `make_plant` (the test or the benchmark calls it once): SCREW and CASE
are scarce, GADGET is built from 2 SCREW and 1 CASE, WIDGET is sold, EAST is a second
location that transfers reach.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import event

from app.errors import ShopfloorError
from app.services import admin, inventory
from app.services.catalog import boms, items
from app.services.catalog.boms import BomLineSpec
from app.services.engine import commitment
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.orders import fulfillment, partners, purchasing, sales
from app.services.production import work_orders
from app.services.transfers import transfer_orders as transfers

STOCK = {
    ("SCREW", "MAIN"): 240,
    ("CASE", "MAIN"): 90,
    ("WIDGET", "MAIN"): 70,
    ("SCREW", "EAST"): 20,
}
PER = {"SCREW": 2, "CASE": 1}  # one GADGET


def make_plant(database: Database) -> None:
    """The small plant every worker posts on (a database at the current schema)."""
    uow = UnitOfWork(database, Actor("planner", "office"))
    admin.set_preference(uow, "perform_item_commitment_after_transaction_entry", "true")
    items.add_location(uow, "EAST", "East store")
    for sku, kind in (("SCREW", "inventory"), ("CASE", "inventory"), ("WIDGET", "inventory")):
        items.save_item(uow, items.item_spec(sku=sku, name=sku, item_type=kind, standard_cost="1"))
    items.save_item(
        uow, items.item_spec(sku="GADGET", name="Gadget", item_type="assembly", standard_cost="4")
    )
    boms.save_bom(
        uow,
        "GADGET",
        [BomLineSpec(sku, Decimal(per), True) for sku, per in PER.items()],
    )
    for (sku, where), qty in STOCK.items():
        inventory.adjust_stock(uow, sku, str(qty), location=where)
    partners.add_customer(uow, "Cust")
    partners.add_vendor(uow, "Vendor")
    partners.set_purchasing(uow, "SCREW", vendor="Vendor", price="1")


@dataclass
class Worker:
    """One workstation's random postings, and the stock they moved by its own account."""

    uow: UnitOfWork
    rng: random.Random
    name: str
    building: list[str] = field(default_factory=list)  # its work orders that only build
    issuing: list[str] = field(default_factory=list)  # its work orders that only issue
    built: list[str] = field(default_factory=list)  # fully built, to close
    picked: list[str] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)
    transfers: list[str] = field(default_factory=list)
    shipped: list[str] = field(default_factory=list)  # transfers shipped, to receive
    reruns: int = 0
    build_ms: list[float] = field(default_factory=list)

    # Each action returns the stock it moved: [(sku, location, quantity)].

    def adjust(self) -> list[tuple[str, str, Decimal]]:
        sku = self.rng.choice(["SCREW", "CASE", "WIDGET"])
        qty = Decimal(self.rng.choice([-3, -2, -1, 1, 2, 4]))
        inventory.adjust_stock(self.uow, sku, str(qty), memo=self.name)
        return [(sku, "MAIN", qty)]

    def new_work_order(self) -> list[tuple[str, str, Decimal]]:
        qty = self.rng.randint(2, 6)
        wo = work_orders.create_work_order(self.uow, "GADGET", str(qty), status="released")
        (self.building if self.rng.random() < 0.6 else self.issuing).append(wo.number)
        return []

    def issue(self) -> list[tuple[str, str, Decimal]]:
        if not self.issuing:
            return self.new_work_order()
        number = self.rng.choice(self.issuing)
        qty = Decimal(self.rng.randint(1, 2))
        work_orders.issue_components(self.uow, number, {"SCREW": str(qty)})
        return [("SCREW", "MAIN", -qty)]

    def build(self) -> list[tuple[str, str, Decimal]]:
        if not self.building:
            return self.new_work_order()
        number = self.rng.choice(self.building)
        started = time.perf_counter()
        if self.rng.random() < 0.5:
            info = work_orders.post_assembly_build(self.uow, number, "1")
        else:
            info = work_orders.complete_work_order(self.uow, number, "1", backflush=True)
        self.build_ms.append((time.perf_counter() - started) * 1000)
        if info.built >= info.quantity:
            self.building.remove(number)
            self.built.append(number)
        # Only builds consume on these orders: each takes exactly one GADGET's components.
        return [("GADGET", "MAIN", Decimal(1))] + [
            (sku, "MAIN", Decimal(-per)) for sku, per in PER.items()
        ]

    def close(self) -> list[tuple[str, str, Decimal]]:
        """Close a built order, else one only issued to (its variance is all it did)."""
        group = self.built if self.built else self.issuing
        if not group:
            return []
        number = group.pop(0)
        work_orders.close_work_order(self.uow, number)
        return []

    def sell(self) -> list[tuple[str, str, Decimal]]:
        qty = self.rng.randint(1, 3)
        so = sales.create_sales_order(self.uow, "Cust", [sales.LineEntry("WIDGET", str(qty))])
        self.orders.append(so.number)
        return []

    def pick(self) -> list[tuple[str, str, Decimal]]:
        if not self.orders:
            return self.sell()
        number = self.orders.pop(0)
        picked = fulfillment.fulfill(self.uow, number)
        self.picked.append(picked.number)
        return []

    def ship(self) -> list[tuple[str, str, Decimal]]:
        if not self.picked:
            return self.pick()
        number = self.picked.pop(0)
        shipped = fulfillment.ship_fulfillment(self.uow, number)
        return [(ln.sku, "MAIN", -ln.quantity) for ln in shipped.lines]

    def buy(self) -> list[tuple[str, str, Decimal]]:
        qty = Decimal(self.rng.randint(3, 8))
        po = purchasing.create_purchase_order(
            self.uow, "Vendor", [purchasing.OrderedLine("SCREW", str(qty))]
        )
        purchasing.receive_purchase_order(self.uow, po.number)  # a posting of its own
        return [("SCREW", "MAIN", qty)]

    def transfer(self) -> list[tuple[str, str, Decimal]]:
        if self.shipped:
            number = self.shipped.pop(0)
            moved = transfers.receive_transfer_order(self.uow, number)
            return [
                out
                for m in moved.lines
                for out in (
                    (m.sku, "IN-TRANSIT", -m.quantity),
                    (m.sku, "EAST", m.quantity),
                )
            ]
        if self.transfers:
            number = self.transfers.pop(0)
            moved = transfers.ship_transfer_order(self.uow, number)
            self.shipped.append(number)
            return [
                out
                for m in moved.lines
                for out in ((m.sku, "MAIN", -m.quantity), (m.sku, "IN-TRANSIT", m.quantity))
            ]
        qty = self.rng.randint(1, 4)
        made = transfers.create_transfer_order(
            self.uow, "MAIN", "EAST", [transfers.TransferLineEntry("SCREW", str(qty))]
        )
        self.transfers.append(made.number)
        return []

    def rerun(self) -> list[tuple[str, str, Decimal]]:
        commitment.rerun(self.uow)
        return []

    ACTIONS = (
        ("adjust", 2),
        ("new_work_order", 2),
        ("issue", 3),
        ("build", 6),
        ("close", 1),
        ("sell", 2),
        ("pick", 2),
        ("ship", 2),
        ("buy", 1),
        ("transfer", 3),
        ("rerun", 1),
    )

    def next_action(self) -> str:
        names, weights = zip(*self.ACTIONS, strict=True)
        return self.rng.choices(names, weights=weights)[0]


def say(**line: Any) -> None:
    print(json.dumps(line, default=str), flush=True)


def kill_at(database: Database, n: int) -> None:
    """SIGKILL this process just before its n-th SQL statement or commit."""
    sent = 0

    def count(*_args: Any, **_kw: Any) -> None:
        nonlocal sent
        sent += 1
        if sent >= n:
            os.kill(os.getpid(), signal.SIGKILL)

    event.listen(database.engine, "before_cursor_execute", count)
    event.listen(database.engine, "commit", count)


def main(argv: list[str]) -> int:
    url, name, seed, count, *rest = argv
    database = Database(url)
    if rest[:1] == ["--crash-at"]:
        kill_at(database, int(rest[1]))
    if rest[:1] == ["--wait"]:
        say(ready=True)
        sys.stdin.readline()
    worker = Worker(
        UnitOfWork(database, Actor(name, f"bench-{name}")), random.Random(int(seed)), name
    )
    done = 0
    refused: dict[str, int] = {}
    started = time.monotonic()
    for _ in range(int(count)):
        action = worker.next_action()
        say(**{"try": action})
        try:
            moved = getattr(worker, action)()
        except ShopfloorError as exc:
            refused[exc.code] = refused.get(exc.code, 0) + 1
            say(refused=action, code=exc.code, reason=exc.message)
            continue
        except Exception as exc:  # not a refusal: the test fails on it
            say(error=action, kind=type(exc).__name__, text=str(exc), trace=traceback.format_exc())
            return 3
        worker.reruns += worker.uow.attempts - 1
        done += 1
        say(done=action, moved=[[s, loc, str(q)] for s, loc, q in moved])
    say(
        summary={
            "done": done,
            "refused": refused,
            "reruns": worker.reruns,
            "build_ms": worker.build_ms,
            "started": started,
            "ended": time.monotonic(),
        }
    )
    database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
