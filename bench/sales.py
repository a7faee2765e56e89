"""The sales workload: for N sales orders of 5 lines, each posting its own transaction through
the services: (a) create the order, approved at once (its lines commit stock), (b) fulfil it
(a fulfillment picking every committed line), (c) ship it (the stock leaves the ledger),
then (d) read the position of every item.

Items, customers and opening stock come from a fixed seed and are set up through the import
services; the final stock is verified exactly against an independent Decimal computation,
every order must be fulfilled, and `shopfloor check` must pass.
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from app.services import inventory
from app.services.catalog import imports
from app.services.check import check_database
from app.services.engine.database import Database
from app.services.engine.uow import UnitOfWork
from app.services.orders import fulfillment, partners, sales
from app.services.orders import imports as order_imports
from bench.orders import ACTOR, PhaseTimer, write_csv
from bench.plant import peak_rss_mb

SALES_PHASES = ("create", "fulfil", "ship", "positions")
QUANTITIES = ("1", "2", "3", "5", "0.5", "12")


@dataclass(frozen=True)
class SalesSpec:
    items: int = 200
    customers: int = 20
    lines: int = 5
    orders: int = 100
    warmup_orders: int = 10
    seed: int = 2027


@dataclass(frozen=True)
class SalesPlant:
    items: list[str]
    customers: list[str]
    orders: list[tuple[str, list[tuple[str, Decimal]]]]  # customer, (sku, quantity) lines
    opening: dict[str, Decimal]


def design(spec: SalesSpec) -> SalesPlant:
    rng = random.Random(spec.seed)
    items = [f"P-{n:04d}" for n in range(1, spec.items + 1)]
    customers = [f"Customer {n:03d}" for n in range(1, spec.customers + 1)]
    orders = [
        (
            rng.choice(customers),
            [(sku, Decimal(rng.choice(QUANTITIES))) for sku in rng.sample(items, spec.lines)],
        )
        for _ in range(spec.warmup_orders + spec.orders)
    ]
    needed = {sku: Decimal(0) for sku in items}
    for _customer, lines in orders:
        for sku, qty in lines:
            needed[sku] += qty
    opening = {sku: needed[sku] + rng.randint(1, 20) for sku in items}
    return SalesPlant(items, customers, orders, opening)


def set_up(uow: UnitOfWork, plant: SalesPlant, workdir: Path) -> None:
    imports.import_items(
        uow,
        write_csv(
            workdir / "items.csv",
            ["sku", "name", "type", "uom", "cost"],
            [[s, f"Product {s}", "inventory", "ea", "4.25"] for s in plant.items],
        ),
    )
    imports.import_stock(
        uow,
        write_csv(
            workdir / "stock.csv",
            ["sku", "location", "quantity"],
            [[s, "", str(q)] for s, q in plant.opening.items()],
        ),
    )
    order_imports.import_customers(
        uow,
        write_csv(
            workdir / "customers.csv",
            ["name", "ship_to", "priority"],
            [[c, f"{c}\\n1 Main Street", "5"] for c in plant.customers],
        ),
    )


def run_sales(
    path: str, spec: SalesSpec, workdir: str, profile_dir: str | None = None
) -> dict[str, Any]:
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    uow = UnitOfWork(database, ACTOR)
    plant = design(spec)
    try:
        set_up(uow, plant, Path(workdir))
        partners.list_customers(uow)
        warmup, timed = plant.orders[: spec.warmup_orders], plant.orders[spec.warmup_orders :]
        for customer, lines in warmup:
            number = _create(uow, customer, lines)
            fulfillment.ship_fulfillment(uow, fulfillment.fulfill(uow, number).number)
        timer = PhaseTimer(profile_dir, f"sales-{spec.orders}")
        numbers = timer.phase(
            "create", [partial(_create, uow, c, lines) for c, lines in timed], _same
        )
        picked = timer.phase(
            "fulfil", [partial(fulfillment.fulfill, uow, n) for n in numbers], _number
        )
        timer.phase(
            "ship", [partial(fulfillment.ship_fulfillment, uow, f) for f in picked], _nothing
        )
        positions = timer.phase(
            "positions", [partial(inventory.stock_position, uow, s) for s in plant.items], _same
        )
        problems = verify(uow, plant, positions)
        start = time.perf_counter()
        report = check_database(uow)
        check_seconds = time.perf_counter() - start
    finally:
        database.dispose()
    return {
        "spec": asdict(spec),
        **timer.figures(spec.orders),
        "verified": not problems,
        "verify_problems": problems[:20],
        "check_ok": report.ok,
        "check_problems": report.problems[:20],
        "check_seconds": round(check_seconds, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def _create(uow: UnitOfWork, customer: str, lines: list[tuple[str, Decimal]]) -> str:
    info = sales.create_sales_order(
        uow,
        customer,
        [sales.LineEntry(sku, str(qty)) for sku, qty in lines],
        status="pending_fulfillment",
    )
    return info.number


def _number(info: fulfillment.FulfillmentInfo) -> str:
    return info.number


def _same(value: Any) -> Any:
    return value


def _nothing(_value: object) -> None:
    return None


def verify(
    uow: UnitOfWork, plant: SalesPlant, positions: list[inventory.StockPosition]
) -> list[str]:
    """Every item's position against the opening stock less every order's lines, exactly;
    every order fulfilled."""
    expected = dict(plant.opening)
    for _customer, lines in plant.orders:
        for sku, qty in lines:
            expected[sku] -= qty
    problems = []
    for pos in positions:
        want = expected[pos.sku]
        if (pos.on_hand, pos.committed, pos.available, pos.backordered) != (want, 0, want, 0):
            problems.append(
                f"{pos.sku}: on hand {pos.on_hand}, committed {pos.committed}, backordered "
                f"{pos.backordered}; expected {want}, 0, 0"
            )
    fulfilled = sales.list_sales_orders(uow, status="fulfilled").total
    if fulfilled != len(plant.orders):
        problems.append(f"{fulfilled} sales orders fulfilled, expected {len(plant.orders)}")
    return problems
