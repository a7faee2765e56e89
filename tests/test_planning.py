"""Shortage reports and the work order creation queue."""

from __future__ import annotations

from datetime import date

import pytest

from app.errors import NotFound
from app.services import admin
from app.services.catalog import items
from app.services.orders import partners, purchasing
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


# --- supply on its way ------------------------------------------------------------------------

JUNE_10, JUNE_15, JUNE_20, JUNE_25, JUNE_30 = (date(2030, 6, d) for d in (10, 15, 20, 25, 30))


@pytest.fixture
def kits(plant: Plant) -> Plant:
    """The bicycle with its brake kit made here (pads and cables) or bought from a vendor, and
    14 brake kits and plenty of everything else on the shelf."""
    for sku in ("FRAME", "WHEEL", "HANDLEBAR", "SADDLE", "CHAIN", "PAD", "CABLE"):
        plant.item(sku)
        plant.stock(sku, 100)
    plant.item("BRAKE-KIT", "assembly")
    plant.bom("BRAKE-KIT", {"PAD": 2, "CABLE": 2})
    plant.item("BIKE", "assembly")
    plant.bom(
        "BIKE",
        {"FRAME": 1, "WHEEL": 2, "HANDLEBAR": 1, "SADDLE": 1, "CHAIN": 1, "BRAKE-KIT": 1},
    )
    plant.stock("BRAKE-KIT", 14)
    partners.add_vendor(plant.uow, "Brake Supply")
    admin.set_preference(plant.uow, "allow_purchase_of_assembly_items", "true")  # bought too
    return plant


def buy(plant: Plant, sku: str, quantity: int, expected: date | None, **kw: object) -> str:
    return purchasing.create_purchase_order(
        plant.uow,
        "Brake Supply",
        [purchasing.OrderedLine(sku, str(quantity))],
        expected=expected,
        **kw,  # type: ignore[arg-type]
    ).number


def supply(lines: list[planning.ShortageLine]) -> list[tuple[str, object, object, object, object]]:
    return [(ln.sku, ln.short, ln.on_order, ln.next_due, ln.still_short) for ln in lines]


def test_a_work_order_building_the_kit_in_time_covers_the_shortage(kits: Plant) -> None:
    bikes = kits.wo("BIKE", 20, status="firm_planned", due=JUNE_20)
    kits.wo("BRAKE-KIT", 10, due=JUNE_10)
    expected = [("BRAKE-KIT", D(6), D(10), JUNE_10, D(0))]
    assert supply(planning.shortages_for_work_order(kits.uow, bikes)) == expected
    assert supply(planning.shortages_all(kits.uow).rows) == expected


def test_supply_due_after_the_need_or_without_a_date_leaves_it_short(kits: Plant) -> None:
    bikes = kits.wo("BIKE", 20, due=JUNE_20)
    kits.wo("BRAKE-KIT", 10, status="open_planned", due=JUNE_25)  # too late
    buy(kits, "BRAKE-KIT", 5, None)  # no date: it may never come
    expected = [("BRAKE-KIT", D(6), D(15), JUNE_25, D(6))]
    assert supply(planning.shortages_for_work_order(kits.uow, bikes)) == expected
    assert supply(planning.shortages_all(kits.uow).rows) == expected
    buy(kits, "BRAKE-KIT", 4, JUNE_20)  # due the very day it is needed: in time
    expected = [("BRAKE-KIT", D(6), D(19), JUNE_20, D(2))]
    assert supply(planning.shortages_for_work_order(kits.uow, bikes)) == expected
    assert supply(planning.shortages_all(kits.uow).rows) == expected


def test_supply_serves_the_orders_earliest_due_first(kits: Plant) -> None:
    # 16 bikes due June 10 and 4 due June 30 against 14 kits and 10 more on June 20: the
    # first order is 2 short on its day (the 10 come too late for it), the second is covered.
    kits.wo("BIKE", 16, due=JUNE_10)
    kits.wo("BIKE", 4, status="firm_planned", due=JUNE_30)
    kits.wo("BRAKE-KIT", 10, due=JUNE_20)
    assert supply(planning.shortages_all(kits.uow).rows) == [
        ("BRAKE-KIT", D(6), D(10), JUNE_20, D(2))
    ]


def test_an_order_without_a_due_date_waits_for_any_dated_supply(kits: Plant) -> None:
    # Like the commitment ordering, an order without a due date comes after the dated ones.
    kits.wo("BIKE", 12, due=JUNE_10)
    undated = kits.wo("BIKE", 8)
    kits.wo("BRAKE-KIT", 10, due=JUNE_30)
    buy(kits, "BRAKE-KIT", 3, None)
    assert supply(planning.shortages_all(kits.uow).rows) == [
        ("BRAKE-KIT", D(6), D(13), JUNE_30, D(0))
    ]
    assert supply(planning.shortages_for_work_order(kits.uow, undated)) == [
        ("BRAKE-KIT", D(6), D(13), JUNE_30, D(0))
    ]


def test_what_is_built_or_received_stops_being_on_order(kits: Plant) -> None:
    kits.wo("BIKE", 20, due=JUNE_20)
    kit_order = kits.wo("BRAKE-KIT", 10, due=JUNE_25)
    po = buy(kits, "BRAKE-KIT", 5, JUNE_15)
    work_orders.post_assembly_build(kits.uow, kit_order, "4")
    purchasing.receive_purchase_order(kits.uow, po, {"BRAKE-KIT": "1"})
    # 14 + 4 built + 1 received = 19 against 20: 1 short; 6 still to build, 4 to receive.
    assert supply(planning.shortages_all(kits.uow).rows) == [
        ("BRAKE-KIT", D(1), D(10), JUNE_15, D(0))
    ]


def test_only_supply_at_the_same_location_counts(kits: Plant) -> None:
    items.add_location(kits.uow, "EAST", "East hall")
    kits.wo("BIKE", 20, due=JUNE_20)
    kits.wo("BRAKE-KIT", 10, due=JUNE_10, location="EAST")
    buy(kits, "BRAKE-KIT", 10, JUNE_10, location="EAST")
    at_main = [ln for ln in planning.shortages_all(kits.uow) if ln.location == "MAIN"]
    assert supply(at_main) == [("BRAKE-KIT", D(6), D(0), None, D(6))]


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
