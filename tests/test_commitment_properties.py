"""Property-based tests of commitment: who gets scarce stock, in which order.

Each example runs on its own copy of a small plant: T is built from 2.5 S (a subassembly made
of R) and 0.5 P. Released work orders for T compete for S and P at two locations.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.models.work_order import OPEN_DEMAND
from app.services.catalog import items
from app.services.engine import commitment
from app.services.production import work_orders
from app.services.production.work_orders import WorkOrderInfo
from tests.plant import Plant
from tests.properties_support import (
    ORDERINGS,
    PROFILE,
    D,
    build_template,
    fresh_plant,
    hand_out,
    order_key,
)

ZERO = Decimal(0)
LOCATIONS = ("MAIN", "EAST")
CONTESTED = ("S", "P")
ORDERING = "item_commitment_ordering"
COMMIT_AFTER = "perform_item_commitment_after_transaction_entry"

Order = tuple[Decimal, date | None, int, str, str]  # quantity, due, priority, location, status


def populate(plant: Plant) -> None:
    items.add_location(plant.uow, "EAST", "East store")
    plant.item("R")
    plant.item("P", cost="2")
    plant.item("S", "assembly", cost="5")
    plant.item("T", "assembly", cost="20")
    plant.bom("S", {"R": "1"})
    plant.bom("T", {"S": "2.5", "P": "0.5"})


@pytest.fixture(scope="module")
def commitment_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("commitment") / "plant.db"
    return build_template(sqlite_template, target, populate)


def orders_strategy(statuses: tuple[str, ...]) -> st.SearchStrategy[list[Order]]:
    return st.lists(
        st.tuples(
            st.sampled_from([D("0.5"), D("1"), D("2"), D("3")]),
            st.one_of(st.none(), st.sampled_from([date(2031, 5, d) for d in (1, 2, 3)])),
            st.integers(1, 3),
            st.sampled_from(LOCATIONS),
            st.sampled_from(statuses),
        ),
        min_size=1,
        max_size=6,
    )


stock_strategy = st.dictionaries(
    st.tuples(st.sampled_from(CONTESTED), st.sampled_from(LOCATIONS)),
    st.sampled_from([D("0.5"), D("1.25"), D("2.5"), D("4"), D("7.5"), D("30")]),
    max_size=4,
)


def create_orders(plant: Plant, orders: list[Order]) -> list[tuple[str, Order]]:
    return [
        (
            plant.wo("T", str(qty), status=status, due=due, priority=prio, location=loc),
            (qty, due, prio, loc, status),
        )
        for qty, due, prio, loc, status in orders
    ]


def receive(plant: Plant, stock: dict[tuple[str, str], Decimal]) -> None:
    for (sku, loc), qty in sorted(stock.items()):
        plant.stock(sku, str(qty), loc)


def show_all(plant: Plant, numbers: list[str]) -> dict[str, WorkOrderInfo]:
    return {n: plant.show(n) for n in numbers}


def committed_by_line(infos: dict[str, WorkOrderInfo]) -> dict[tuple[str, str], Decimal]:
    return {(n, ln.sku): ln.committed for n, info in infos.items() for ln in info.lines}


def in_preference_order(
    ordering: str, created: list[tuple[str, Order]], location: str
) -> list[str]:
    """The open work orders at a location, first served first."""
    keyed = [
        (order_key(ordering, due, prio, seq), number)
        for seq, (number, (_q, due, prio, loc, _s)) in enumerate(created)
        if loc == location
    ]
    return [number for _key, number in sorted(keyed)]


@settings(PROFILE)
@given(
    ordering=st.sampled_from(ORDERINGS),
    orders=orders_strategy(("released", "released", "firm_planned")),
    early=stock_strategy,
    late=stock_strategy,
)
def test_rerun_serves_orders_in_preference_order(
    commitment_template: Path,
    ordering: str,
    orders: list[Order],
    early: dict[tuple[str, str], Decimal],
    late: dict[tuple[str, str], Decimal],
) -> None:
    with fresh_plant(commitment_template) as plant:
        receive(plant, early)
        created = create_orders(plant, orders)
        receive(plant, late)
        plant.pref(ORDERING, ordering)
        commitment.rerun(plant.uow)
        infos = show_all(plant, [n for n, _ in created])
        for info in infos.values():
            if info.status not in OPEN_DEMAND:
                assert all(ln.committed == 0 for ln in info.lines), info.number
        for loc in LOCATIONS:
            queue = [
                n
                for n in in_preference_order(ordering, created, loc)
                if infos[n].status in OPEN_DEMAND
            ]
            for sku in CONTESTED:
                on_hand = plant.on_hand(sku, loc)
                lines = [next(ln for ln in infos[n].lines if ln.sku == sku) for n in queue]
                got = [ln.committed for ln in lines]
                assert got == hand_out(on_hand, [ln.required for ln in lines]), (sku, loc)
                # The first orders are served in full before a later one gets anything.
                partial = [i for i, ln in enumerate(lines) if 0 < ln.committed < ln.required]
                assert len(partial) <= 1
                first_short = next(
                    (i for i, ln in enumerate(lines) if ln.committed < ln.required), len(lines)
                )
                assert all(ln.committed == 0 for ln in lines[first_short + 1 :])
                position = plant.position(sku, loc)
                assert position.committed == sum(got, ZERO)
                assert position.available == on_hand - position.committed
                need = sum((ln.required for ln in lines), ZERO)
                assert position.backordered == need - position.committed


@settings(PROFILE)
@given(
    ordering=st.sampled_from(ORDERINGS),
    enabled=st.booleans(),
    orders=orders_strategy(("released",)),
    early=stock_strategy,
    supply=st.sampled_from([D("0.5"), D("1"), D("2.5"), D("6")]),
    location=st.sampled_from(LOCATIONS),
    by_build=st.booleans(),
)
def test_commit_after_entry_gives_new_supply_to_waiting_lines_in_order(
    commitment_template: Path,
    ordering: str,
    enabled: bool,
    orders: list[Order],
    early: dict[tuple[str, str], Decimal],
    supply: Decimal,
    location: str,
    by_build: bool,
) -> None:
    with fresh_plant(commitment_template) as plant:
        receive(plant, early)
        created = create_orders(plant, orders)
        plant.pref(ORDERING, ordering)
        plant.pref(COMMIT_AFTER, "true" if enabled else "false")
        if by_build:
            plant.stock("R", str(supply), location)
            sub = plant.wo("S", str(supply), location=location)
        numbers = [n for n, _ in created]
        before = show_all(plant, numbers)
        available = plant.position("S", location).available
        if by_build:
            work_orders.post_assembly_build(plant.uow, sub, str(supply))
        else:
            plant.stock("S", str(supply), location)
        after = show_all(plant, numbers)

        expected = committed_by_line(before)
        if enabled:
            queue = in_preference_order(ordering, created, location)
            waiting = [
                (n, ln.required - ln.committed)
                for n in queue
                for ln in before[n].lines
                if ln.sku == "S" and ln.committed < ln.required
            ]
            gifts = hand_out(available + supply, [need for _n, need in waiting])
            for (n, _need), gift in zip(waiting, gifts, strict=True):
                expected[(n, "S")] += gift
        assert committed_by_line(after) == expected


@settings(PROFILE)
@given(
    ordering=st.sampled_from(ORDERINGS),
    orders=orders_strategy(("released",)),
    stock=st.sampled_from([D("2.5"), D("5"), D("12.5"), D("20")]),
    write_off=st.sampled_from([D("0.5"), D("2.5"), D("5"), D("10")]),
)
def test_a_write_off_takes_commitment_from_the_last_orders_first(
    commitment_template: Path,
    ordering: str,
    orders: list[Order],
    stock: Decimal,
    write_off: Decimal,
) -> None:
    with fresh_plant(commitment_template) as plant:
        created = create_orders(plant, [(q, d, p, "MAIN", s) for q, d, p, _loc, s in orders])
        plant.stock("S", str(stock))
        plant.pref(ORDERING, ordering)
        commitment.rerun(plant.uow)
        numbers = [n for n, _ in created]
        before = committed_by_line(show_all(plant, numbers))
        take = min(write_off, stock)
        plant.stock("S", str(-take))
        after = committed_by_line(show_all(plant, numbers))

        expected = dict(before)
        excess = sum((before[(n, "S")] for n in numbers), ZERO) - (stock - take)
        for n in reversed(in_preference_order(ordering, created, "MAIN")):
            give = min(expected[(n, "S")], max(excess, ZERO))
            expected[(n, "S")] -= give
            excess -= give
        assert after == expected
        assert plant.position("S").committed <= plant.on_hand("S")
