"""Lots on one PostgreSQL database from two workstations: a serial brought in at two places
at once comes in once (the second posting waits for the first and then sees where it is), and
a lot made at once by two postings is one lot."""

from __future__ import annotations

from app.errors import ShopfloorError
from app.services import inventory
from app.services.catalog import items
from app.services.check import check_database
from app.services.engine.database import Database
from app.services.engine.uow import Transaction, UnitOfWork
from app.services.lots import tracking
from tests.plant import D, Plant
from tests.test_concurrency import _while_held


def _plant(database: Database) -> Plant:
    plant = Plant(UnitOfWork(database))
    items.add_location(plant.uow, "EAST", "East store")
    plant.item("METER")
    plant.item("RESIN")
    tracking.set_item_tracking(plant.uow, "METER", "serial")
    tracking.set_item_tracking(plant.uow, "RESIN", "lot")
    return plant


def test_a_new_serial_brought_in_at_two_places_at_once_comes_in_once(
    pg_database: Database,
) -> None:
    plant = _plant(pg_database)
    said: list[str] = []

    def east(other: UnitOfWork) -> None:
        try:
            inventory.adjust_stock(other, "METER", "1", location="EAST", lot="M-1")
        except ShopfloorError as exc:
            said.append(exc.message)

    _while_held(
        pg_database,
        lambda tx: inventory.adjust_stock.within(tx, "METER", "1", lot="M-1"),
        east,
    )
    assert said == ["serial M-1 of METER is already on hand at MAIN"]
    assert [(x.lot, x.location) for x in inventory.stock_position(plant.uow, "METER").lots] == [
        ("M-1", "MAIN")
    ]
    assert check_database(plant.uow).ok


def test_a_serial_back_at_two_places_at_once_comes_back_once(pg_database: Database) -> None:
    """The serial exists (it came and went): the second posting waits on its lot's lock."""
    plant = _plant(pg_database)
    inventory.adjust_stock(plant.uow, "METER", "1", lot="M-1")
    inventory.adjust_stock(plant.uow, "METER", "-1", lot="M-1")
    said: list[str] = []

    def main(other: UnitOfWork) -> None:
        try:
            inventory.adjust_stock(other, "METER", "1", lot="M-1")
        except ShopfloorError as exc:
            said.append(exc.message)

    def hold(tx: Transaction) -> object:
        return inventory.adjust_stock.within(tx, "METER", "1", location="EAST", lot="M-1")

    _while_held(pg_database, hold, main)
    assert said == ["serial M-1 of METER is already on hand at EAST"]
    assert check_database(plant.uow).ok


def test_a_lot_made_by_two_postings_at_once_is_one_lot(pg_database: Database) -> None:
    plant = _plant(pg_database)
    _while_held(
        pg_database,
        lambda tx: inventory.adjust_stock.within(tx, "RESIN", "2", lot="R-1"),
        lambda other: inventory.adjust_stock(other, "RESIN", "3", location="EAST", lot="R-1"),
    )
    lots = inventory.stock_position(plant.uow, "RESIN").lots
    assert sorted((x.lot, x.location, x.on_hand) for x in lots) == [
        ("R-1", "EAST", D(3)),
        ("R-1", "MAIN", D(2)),
    ]
    assert check_database(plant.uow).ok
