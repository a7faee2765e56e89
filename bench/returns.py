"""Customer returns on the generated plant: the receipt of a return of a 50-line sales order,
every line restocked, through `returns.receive_return` (one posting: 50 ledger rows at the
cost each line shipped at, the return's lines, the customer's credit told to finance).

Each measured return is made first, untimed, through the real services: a 50-line order of
raw items, approved (it commits), picked, shipped, and a return of all of it authorized and
approved.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.models import Item, Tracking
from app.services import admin
from app.services.catalog import imports
from app.services.engine.uow import UnitOfWork
from app.services.orders import fulfillment, partners, sales
from app.services.returns import returns

ORDER_LINES = 50
CUSTOMER = "Bench Returns Co"


def _returns_to_receive(
    uow: UnitOfWork, workdir: Path, rng: random.Random, count: int
) -> tuple[list[str], list[str]]:
    """`count` approved returns of whole 50-line orders of untracked items (the plant's
    lots are measured with its builds), shipped first; returns their numbers and the orders'."""
    with uow.query() as tx:
        raw = list(
            tx.session.scalars(
                select(Item.sku)
                .where(Item.item_type == "inventory", Item.tracking == Tracking.NONE.value)
                .order_by(Item.sku)
            )
        )
    skus = rng.sample(raw, ORDER_LINES)
    stock = workdir / "bench-returns-stock.csv"
    with stock.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["sku", "location", "quantity"])
        for sku in skus:
            writer.writerow([sku, "", str(count)])
    imports.import_stock(uow, stock)
    partners.add_customer(uow, CUSTOMER)
    admin.set_preference(uow, "default_return_authorization_status", "pending_receipt")
    orders, numbers = [], []
    for _ in range(count):
        order = sales.create_sales_order(
            uow,
            CUSTOMER,
            [sales.LineEntry(sku, "1", None, "9.5") for sku in skus],
            status="pending_fulfillment",
        )
        fulfillment.ship_fulfillment(uow, fulfillment.fulfill(uow, order.number).number)
        rma = returns.create_return(uow, order.number, {str(n): "1" for n in range(1, 51)})
        orders.append(order.number)
        numbers.append(rma.number)
    return numbers, orders


def measure_returns(
    uow: UnitOfWork,
    run: Callable[[str, Sequence[Callable[[], Any]], Callable[[Any], Any]], list[Any]],
    count: int,
    workdir: Path,
    rng: random.Random,
) -> dict[str, Any]:
    """Time the receipt of `count` returns of 50-line orders (`run` is the sampler's)."""
    numbers, _orders = _returns_to_receive(uow, workdir, rng, count)
    received = run(
        "rma_receive",
        [partial(returns.receive_return, uow, n, None, restock=True) for n in numbers],
        lambda info: (info.status, len(info.lines)),
    )
    if any(status != "received" or lines != ORDER_LINES for status, lines in received):
        raise RuntimeError(f"a bench return was not received in full: {received}")
    return {"rma_lines": ORDER_LINES, "rma_receipts": len(received)}
