"""Commitment: who gets scarce stock, new supply, write-offs and the full re-run."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from app.services import inventory
from app.services.engine import commitment
from app.services.engine.commitment import allocate, ordering_key
from app.services.engine.demand import Urgency
from app.services.production import work_orders
from tests.plant import D, Plant


@pytest.fixture
def gears(plant: Plant) -> Plant:
    plant.item("TOOTH")
    plant.item("GEAR", "assembly")
    plant.bom("GEAR", {"TOOTH": 1})
    return plant


def three_orders(p: Plant) -> tuple[str, str, str]:
    """Three released orders of 4 gears each, created oldest first, with nothing in stock:
    A is due last but most urgent, B is due first, C is the newest and least urgent."""
    a = p.wo("GEAR", 4, due="2027-03-01", priority=1)
    b = p.wo("GEAR", 4, due="2027-01-01", priority=5)
    c = p.wo("GEAR", 4, due="2027-02-01", priority=9)
    return a, b, c


def committed(p: Plant, *numbers: str) -> list[Decimal]:
    return [p.line(n, "TOOTH").committed for n in numbers]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("expected_ship_date", [D(0), D(4), D(2)]),  # B (Jan), then C (Feb)
        ("order_priority", [D(4), D(2), D(0)]),  # A (1), then B (5)
        ("transaction_date", [D(4), D(2), D(0)]),  # A, then B: oldest first
    ],
)
def test_rerun_gives_scarce_stock_by_the_ordering_preference(
    gears: Plant, ordering: str, expected: list[Decimal]
) -> None:
    a, b, c = three_orders(gears)
    gears.stock("TOOTH", 6)
    assert committed(gears, a, b, c) == [0, 0, 0]  # commit-after-entry is off
    gears.pref("item_commitment_ordering", ordering)
    result = commitment.rerun(gears.uow)
    assert (result.lines, result.changed) == (3, 2)
    assert committed(gears, a, b, c) == expected
    pos = gears.position("TOOTH")
    assert (pos.committed, pos.available, pos.backordered) == (D(6), D(0), D(6))


def test_rerun_takes_stock_back_from_a_less_urgent_order(gears: Plant) -> None:
    gears.stock("TOOTH", 4)
    late = gears.wo("GEAR", 4, due="2027-06-01")  # released first: takes all four
    urgent = gears.wo("GEAR", 4, due="2027-01-15")
    assert committed(gears, late, urgent) == [D(4), D(0)]
    commitment.rerun(gears.uow)
    assert committed(gears, late, urgent) == [D(0), D(4)]
    # A second re-run changes nothing.
    assert commitment.rerun(gears.uow).changed == 0


def test_commit_after_entry_gives_new_supply_to_waiting_orders_in_order(gears: Plant) -> None:
    gears.pref("perform_item_commitment_after_transaction_entry", "true")
    gears.pref("item_commitment_ordering", "order_priority")
    a, b, c = three_orders(gears)
    gears.stock("TOOTH", 5)
    assert committed(gears, a, b, c) == [D(4), D(1), D(0)]
    gears.stock("TOOTH", 10)
    assert committed(gears, a, b, c) == [D(4), D(4), D(4)]
    assert gears.position("TOOTH").available == D(3)


def test_without_commit_after_entry_new_supply_waits(gears: Plant) -> None:
    a, _b, _c = three_orders(gears)
    gears.stock("TOOTH", 5)
    assert gears.position("TOOTH").available == D(5)
    assert gears.line(a, "TOOTH").committed == 0


def test_planned_orders_never_commit(gears: Plant) -> None:
    gears.pref("perform_item_commitment_after_transaction_entry", "true")
    planned = gears.wo("GEAR", 4, status="firm_planned")
    gears.stock("TOOTH", 10)
    commitment.rerun(gears.uow)
    assert gears.line(planned, "TOOTH").committed == 0
    assert gears.position("TOOTH").committed == 0


def test_write_off_takes_commitment_from_the_least_urgent_first(gears: Plant) -> None:
    gears.pref("item_commitment_ordering", "expected_ship_date")
    a, b, c = three_orders(gears)
    gears.stock("TOOTH", 12)
    commitment.rerun(gears.uow)
    assert committed(gears, a, b, c) == [D(4), D(4), D(4)]
    inventory.adjust_stock(gears.uow, "TOOTH", "-5", memo="rusted")
    # A is due last, so it gives up first; then C.
    assert committed(gears, a, b, c) == [D(0), D(4), D(3)]
    pos = gears.position("TOOTH")
    assert (pos.on_hand, pos.committed) == (D(7), D(7))


def test_write_off_below_zero_is_refused(gears: Plant) -> None:
    gears.stock("TOOTH", 3)
    with pytest.raises(Exception, match="only 3 on hand"):
        inventory.adjust_stock(gears.uow, "TOOTH", "-4")
    assert gears.on_hand("TOOTH") == D(3)


def test_commitment_is_per_location(gears: Plant) -> None:
    from app.services.catalog import items

    items.add_location(gears.uow, "EAST", "East plant")
    gears.stock("TOOTH", 10, location="EAST")
    main = gears.wo("GEAR", 4)
    east = gears.wo("GEAR", 4, location="EAST")
    assert committed(gears, main, east) == [D(0), D(4)]
    assert gears.position("TOOTH", "EAST").available == D(6)
    assert gears.position("TOOTH", "MAIN").backordered == D(4)
    assert gears.position("TOOTH").on_hand == D(10)


def test_fractional_commitment_is_exact(gears: Plant) -> None:
    gears.bom("GEAR", {"TOOTH": "0.1"})
    gears.stock("TOOTH", "0.3")
    numbers = [gears.wo("GEAR", 1) for _ in range(4)]
    assert [gears.line(n, "TOOTH").committed for n in numbers] == [
        D("0.1"),
        D("0.1"),
        D("0.1"),
        D(0),
    ]
    for n in numbers[:3]:
        work_orders.post_assembly_build(gears.uow, n, "1")
    assert gears.on_hand("TOOTH") == 0


# --- the pure parts -----------------------------------------------------------------------


def test_allocate_hands_out_in_order() -> None:
    assert allocate(D(5), [D(2), D(2), D(2)]) == [D(2), D(2), D(1)]
    assert allocate(D(0), [D(1)]) == [D(0)]
    assert allocate(D(10), []) == []


def test_ordering_keys() -> None:
    created = datetime(2026, 1, 1)

    def demand(due: date | None, priority: int, document: int, day: date | None = None) -> Urgency:
        return Urgency(due, priority, day or created.date(), created, 1, document)

    early, late = date(2026, 1, 1), date(2026, 2, 1)
    ship = ordering_key("expected_ship_date")
    assert ship(demand(early, 9, 2)) < ship(demand(late, 1, 1))
    assert ship(demand(late, 1, 1)) < ship(demand(None, 1, 1))  # no due date: last
    prio = ordering_key("order_priority")
    assert prio(demand(late, 1, 2)) < prio(demand(early, 2, 1))
    txn = ordering_key("transaction_date")
    assert txn(demand(late, 9, 1)) < txn(demand(early, 1, 2))
    # A document dated earlier comes first, whenever it was entered.
    assert txn(demand(None, 9, 9, date(2025, 12, 1))) < txn(demand(None, 1, 1))
    with pytest.raises(ValueError):
        ordering_key("alphabetical")
