"""Shortage reports and the work order creation queue."""

from __future__ import annotations

import pytest

from app.errors import NotFound
from app.services.production import planning, work_orders
from tests.plant import D, Plant


@pytest.fixture
def bikes(plant: Plant) -> Plant:
    plant.bicycles()
    for sku, qty in (
        ("FRAME", 30),
        ("WHEEL", 60),
        ("HANDLEBAR", 25),
        ("SADDLE", 25),
        ("CHAIN", 25),
        ("BRAKE-KIT", 14),
    ):
        plant.stock(sku, qty)
    return plant


def short(lines: list[planning.ShortageLine]) -> list[tuple[str, object, object, object]]:
    return [(ln.sku, ln.required, ln.available, ln.short) for ln in lines]


def test_twenty_bikes_with_fourteen_brake_kits_are_six_short_before_anyone_starts(
    bikes: Plant,
) -> None:
    number = bikes.wo("BIKE", 20, status="firm_planned")
    assert short(planning.shortages_for_work_order(bikes.uow, number)) == [
        ("BRAKE-KIT", D(20), D(14), D(6))
    ]
    assert short(planning.shortages_all(bikes.uow)) == [("BRAKE-KIT", D(20), D(14), D(6))]


def test_a_released_order_counts_its_own_commitment(bikes: Plant) -> None:
    number = bikes.wo("BIKE", 20)
    assert bikes.line(number, "BRAKE-KIT").committed == D(14)
    assert short(planning.shortages_for_work_order(bikes.uow, number)) == [
        ("BRAKE-KIT", D(20), D(14), D(6))
    ]


def test_shortage_shrinks_as_the_work_order_consumes(bikes: Plant) -> None:
    number = bikes.wo("BIKE", 20)
    work_orders.post_assembly_build(bikes.uow, number, "10")
    assert short(planning.shortages_for_work_order(bikes.uow, number)) == [
        ("BRAKE-KIT", D(10), D(4), D(6))
    ]


def test_all_open_orders_compete_for_the_same_stock(bikes: Plant) -> None:
    bikes.wo("BIKE", 10)
    bikes.wo("BIKE", 10, status="open_planned")
    lines = planning.shortages_all(bikes.uow)
    assert short(lines) == [("BRAKE-KIT", D(20), D(14), D(6))]
    assert lines[0].work_orders == 2
    assert lines[0].location == "MAIN"


def test_closed_and_cancelled_orders_have_no_shortages(bikes: Plant) -> None:
    number = bikes.wo("BIKE", 20, status="firm_planned")
    work_orders.cancel_work_order(bikes.uow, number)
    assert planning.shortages_for_work_order(bikes.uow, number) == []
    assert planning.shortages_all(bikes.uow).rows == []
    with pytest.raises(NotFound):
        planning.shortages_for_work_order(bikes.uow, "WO-424242")


def test_queue_suggests_up_to_the_preferred_stock_level(plant: Plant) -> None:
    plant.item("PART")
    plant.item("LAMP", "assembly", build_point="10", preferred_stock="25")
    plant.item("FAN", "assembly", build_point="5")
    plant.item("ODD", "assembly", build_point="5")  # no BOM: nothing to build from
    plant.bom("LAMP", {"PART": 1})
    plant.bom("FAN", {"PART": 2})
    plant.stock("LAMP", 4)
    plant.stock("FAN", 5)  # at the build point: not below it
    suggestions = planning.creation_queue(plant.uow)
    assert [(s.sku, s.quantity, s.available, s.on_order) for s in suggestions] == [
        ("LAMP", D(21), D(4), D(0))
    ]


def test_queue_counts_work_orders_already_on_order(plant: Plant) -> None:
    plant.item("PART")
    plant.item("LAMP", "assembly", build_point="10", preferred_stock="25")
    plant.bom("LAMP", {"PART": 1})
    plant.wo("LAMP", 8, status="firm_planned")
    assert [(s.sku, s.quantity) for s in planning.creation_queue(plant.uow)] == [("LAMP", D(17))]
    plant.wo("LAMP", 3, status="open_planned")
    assert planning.creation_queue(plant.uow).rows == []


def test_accepting_creates_production_work_orders(plant: Plant) -> None:
    plant.item("PART")
    plant.item("LAMP", "assembly", build_point="10", preferred_stock="25")
    plant.item("FAN", "assembly", build_point="2", preferred_stock="3")
    plant.bom("LAMP", {"PART": 1})
    plant.bom("FAN", {"PART": 1})
    plant.pref("default_work_order_status", "open_planned")
    created = planning.accept_suggestions(plant.uow, ["LAMP"]).created
    assert [(w.item, w.quantity, w.status, w.created_from) for w in created] == [
        ("LAMP", D(25), "open_planned", None)
    ]
    assert [s.sku for s in planning.creation_queue(plant.uow)] == ["FAN"]
    assert [w.item for w in planning.accept_suggestions(plant.uow).created] == ["FAN"]
    assert planning.creation_queue(plant.uow).rows == []
    with pytest.raises(NotFound):
        planning.accept_suggestions(plant.uow, ["NOPE"])
