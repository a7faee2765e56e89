"""One walk order for every screen and document that lists lines by bin: the scan station, the
pick screen, the picking ticket and the traveler all go to A-2 before A-10, lines without a
bin last, then by line number (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from app.services import documents, shelf
from app.services.catalog import items
from app.services.scanning.picking import PickSession
from app.services.scanning.production import WorkOrderSession
from tests.orders_plant import OrderPlant
from tests.plant import Plant

WALKED = ["CAP", "BOTTLE", "LABEL"]  # no bin; entered LABEL, BOTTLE, CAP


@pytest.fixture
def shop(plant: Plant) -> OrderPlant:
    shop = OrderPlant(plant.uow).setup()
    items.set_bin(shop.uow, "BOTTLE", "A-10")
    items.set_bin(shop.uow, "CAP", "A-2")
    for sku in ("LABEL", "BOTTLE", "CAP"):
        shop.stock(sku, 20)
    shop.item("CRATE", "assembly")
    shop.bom("CRATE", {"LABEL": 1, "BOTTLE": 1, "CAP": 1})
    return shop


def test_the_walk_order() -> None:
    bins = ["A-10", None, "a-2", "B-1", "A-2-10", "A-2-9", "A-9"]
    assert sorted(bins, key=shelf.bin_order) == [
        "a-2",
        "A-2-9",
        "A-2-10",
        "A-9",
        "A-10",
        "B-1",
        None,
    ]
    lines = [("A-2", "10"), (None, "1"), ("A-2", "3.1"), ("A-2", "3"), (None, "2")]
    assert sorted(lines, key=lambda ln: shelf.walk_order(*ln)) == [
        ("A-2", "3"),
        ("A-2", "3.1"),
        ("A-2", "10"),
        (None, "1"),
        (None, "2"),
    ]


def test_every_screen_and_document_walks_a_2_before_a_10(shop: OrderPlant) -> None:
    assert shelf.bins(shop.uow, ["LABEL", "BOTTLE", "CAP"], "MAIN") == {
        "BOTTLE": "A-10",
        "CAP": "A-2",
    }
    wo = shop.wo("CRATE", 2)
    station = WorkOrderSession()
    station.start(shop.uow)
    at_station = station.scan(shop.uow, wo).state.detail.lines
    assert [(p.sku, p.bin) for p in at_station] == [
        ("CAP", "A-2"),
        ("BOTTLE", "A-10"),
        ("LABEL", None),
    ]
    assert [ln.sku for ln in documents.traveler(shop.uow, wo).lines] == WALKED

    so = shop.so("Lakeside Foods", ("LABEL", 1), ("BOTTLE", 1), ("CAP", 1))
    on_screen = PickSession().scan(shop.uow, so.number).state.detail.lines
    assert [(ln.sku, ln.bin) for ln in on_screen] == [
        ("CAP", "A-2"),
        ("BOTTLE", "A-10"),
        ("LABEL", None),
    ]
    assert [ln.sku for ln in documents.picking_ticket(shop.uow, so.number).lines] == WALKED
