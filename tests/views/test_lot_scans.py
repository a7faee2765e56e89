"""Lot scans through the real screens: at the scan station, the pick screen and the receiving
screen a tracked item waits for its lot (the screen says so), the lot scanned next (or on a
GS1 code with the item) goes to the posting."""

from __future__ import annotations

import os
from datetime import date, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.services import admin, inventory
from app.services.engine.uow import Actor, UnitOfWork
from app.services.lots import tracking
from app.services.orders import partners
from app.views.common.status import LATE, SHORT
from tests.orders_plant import OrderPlant
from tests.views.conftest import idle
from tests.views.test_orders_scan import answer, scan
from tests.views.test_station import scan as station_scan
from tests.views.test_station import station

__all__ = ["station"]  # the station window fixture

GTIN = "09506000134352"
LATER = date.today() + timedelta(days=200)


def service(ctx) -> UnitOfWork:  # type: ignore[no-untyped-def]
    return UnitOfWork(ctx.database, Actor("tester", "bench"))


@pytest.fixture
def wax(ctx) -> OrderPlant:  # type: ignore[no-untyped-def]
    """WAX, tracked by lot with a GTIN, in lots W-A and W-B; WAXED-KIT is built of it."""
    plant = OrderPlant(service(ctx))
    plant.item("WAX")
    plant.item("WAXED-KIT", "assembly")
    plant.bom("WAXED-KIT", {"WAX": 2}, no_backflush=("WAX",))
    tracking.set_item_tracking(plant.uow, "WAX", "lot", gtin=GTIN)
    inventory.adjust_stock(plant.uow, "WAX", "10", lot="W-A", expires=LATER.isoformat())
    inventory.adjust_stock(plant.uow, "WAX", "5", lot="W-B")
    partners.add_customer(plant.uow, "Wax Buyers")
    partners.add_vendor(plant.uow, "Wax Co")
    return plant


def lots(plant: OrderPlant) -> dict[str, Decimal]:
    return {lot.lot: lot.on_hand for lot in inventory.stock_position(plant.uow, "WAX").lots}


def test_the_station_issues_the_lot_scanned(ctx, wax, station, qtbot) -> None:  # type: ignore[no-untyped-def]
    wo = wax.wo("WAXED-KIT", 2)
    station_scan(qtbot, station, wo)
    asked = station_scan(qtbot, station, "WAX")
    assert asked.level == "ask"
    assert station.prompt.text() == "Scan the lot of WAX  ·  #CLEAR drops it"
    staged = station_scan(qtbot, station, "W-B")
    assert staged.level == "info" and "(lot W-B)" in station.answer.text()
    station_scan(qtbot, station, f"]C101{GTIN}10W-A")  # the item and its lot in one scan
    done = station_scan(qtbot, station, "#ISSUE")
    assert done.level == "done"
    assert f"Issued 2 WAX (lots W-B, W-A) to {wo}" in station.answer.text()
    assert lots(wax) == {"W-A": Decimal(9), "W-B": Decimal(4)}


def test_the_pick_screen_picks_the_lot_scanned(ctx, wax, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    so = wax.so("Wax Buyers", ("WAX", 3))
    page = window.show_page("pick_station")
    idle(qtbot, ctx)
    scan(qtbot, ctx, page.table, so.number, "3", "WAX")
    assert answer(page) == "ask: WAX is tracked by lot: scan the lot of 3 WAX"
    assert page.waiting.isVisible() and page.waiting.text() == "Scan the lot of 3 WAX"
    scan(qtbot, ctx, page.table, "W-B")
    assert answer(page) == "info: +3 WAX on line 1: 3 of 3 (lot W-B)"
    assert not page.waiting.isVisible()
    scan(qtbot, ctx, page.table, "#PICK")
    assert page.answer_level == "done"
    position = inventory.stock_position(wax.uow, "WAX")
    assert {(lot.lot, lot.reserved) for lot in position.lots} == {
        ("W-A", Decimal(0)),
        ("W-B", Decimal(3)),
    }


def test_the_receiving_screen_receives_into_the_lot_on_the_label(ctx, wax, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    po = wax.po("Wax Co", ("WAX", 6))
    page = window.show_page("receiving")
    idle(qtbot, ctx)
    scan(qtbot, ctx, page.table, po.number, "6", f"]C101{GTIN}17{LATER:%y%m%d}10W-NEW")
    assert answer(page) == "info: +6 WAX on line 1: 6 of 6 (lot W-NEW)"
    scan(qtbot, ctx, page.table, "#RECEIVE")
    assert page.answer_level == "done"
    assert answer(page).endswith(f"on {po.number}: 6 WAX (lot W-NEW)")
    received = {lot.lot: lot for lot in inventory.stock_position(wax.uow, "WAX").lots}
    assert received["W-NEW"].on_hand == 6 and received["W-NEW"].expires == LATER


# --- the lots to take, on the screens --------------------------------------------------------

SHOTS = os.environ.get("SHOPFLOOR_SHOTS")  # a folder: save what the screens look like there


def lot_cell(model, row: int, column: int) -> tuple[str, str | None, str]:  # type: ignore[no-untyped-def]
    """A lot cell's text, its background colour (None: the row's own) and its tooltip."""
    index = model.index(row, column)
    brush = model.data(index, Qt.ItemDataRole.BackgroundRole)
    colour = brush.color().name().upper() if brush is not None else None
    return (
        model.data(index),
        colour,
        model.data(index, Qt.ItemDataRole.ToolTipRole),
    )


def column_of(model, title: str) -> int:  # type: ignore[no-untyped-def]
    return next(c for c, col in enumerate(model.columns) if col.title == title)


def test_the_station_shows_the_lot_to_take_in_its_colour(ctx, wax, station, qtbot) -> None:  # type: ignore[no-untyped-def]
    soon = date.today() + timedelta(days=5)
    inventory.adjust_stock(wax.uow, "WAX", "3", lot="W-SOON", expires=soon.isoformat())
    wo = wax.wo("WAXED-KIT", 3)
    station.resize(1366, 768)
    station_scan(qtbot, station, wo)
    lot = column_of(station.pick, "Lot to take, expiry")
    row = station.pick.find(lambda line: line.sku == "WAX")
    # First expiry first out: W-SOON (3), then W-A (3); amber as it expires within the days.
    assert lot_cell(station.pick, row, lot) == (
        f"W-SOON {soon} +1",
        SHORT.background.upper(),
        f"Lot W-SOON: 3, expires {soon} (expiring soon)\nLot W-A: 3, expires {LATER}",
    )
    assert not station.pick_table.isColumnHidden(lot)
    if SHOTS:
        QApplication.processEvents()  # the layout the new lines asked for
        station.grab().save(os.path.join(SHOTS, "station-lots.png"))
    # Where the plant takes expired lots into builds, the one suggested shows red.
    past = date.today() - timedelta(days=2)
    inventory.adjust_stock(wax.uow, "WAX", "10", lot="W-OLD", expires=past.isoformat())
    admin.set_preference(service(ctx), "allow_expired_lots_in_builds", "true")
    station_scan(qtbot, station, wo)
    text, colour, _tip = lot_cell(station.pick, row, lot)
    assert (text, colour) == (f"W-OLD {past}", LATE.background.upper())


def test_the_pick_screen_shows_the_lot_to_take(ctx, wax, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    soon = date.today() + timedelta(days=5)
    inventory.adjust_stock(wax.uow, "WAX", "2", lot="W-SOON", expires=soon.isoformat())
    so = wax.so("Wax Buyers", ("WAX", 4), ("WAX", 1))
    window.resize(1366, 768)
    page = window.show_page("pick_station")
    idle(qtbot, ctx)
    scan(qtbot, ctx, page.table, so.number)
    lot = column_of(page.lines, "Lot to take, expiry")
    assert [lot_cell(page.lines, r, lot)[:2] for r in range(page.lines.rowCount())] == [
        (f"W-SOON {soon} +1", SHORT.background.upper()),
        (f"W-SOON {soon}", SHORT.background.upper()),
    ]
    if SHOTS:
        window.grab().save(os.path.join(SHOTS, "pick-lots.png"))
    # W-SOON picked (reserved for the shipment): the lines now name W-A, not amber.
    scan(qtbot, ctx, page.table, "2", "WAX", "W-SOON", "#PICK", so.number)
    assert page.answer_level == "info"
    assert [lot_cell(page.lines, r, lot)[:2] for r in range(page.lines.rowCount())] == [
        (f"W-A {LATER}", None),
        (f"W-A {LATER}", None),
    ]


def test_the_station_builds_into_the_lot_scanned(ctx, wax, station, qtbot) -> None:  # type: ignore[no-untyped-def]
    tracking.set_item_tracking(wax.uow, "WAXED-KIT", "lot")
    wo = wax.wo("WAXED-KIT", 2)
    station.resize(1366, 768)
    station_scan(qtbot, station, wo)
    station_scan(qtbot, station, "#BUILD")
    assert station.prompt.text() == "Scan the quantity to build (first the lot made)"
    station_scan(qtbot, station, "K-1")
    assert station.prompt.text() == "Lot K-1 of WAXED-KIT made: scan the quantity to build"
    if SHOTS:
        station.grab().save(os.path.join(SHOTS, "station-build-lot.png"))
    done = station_scan(qtbot, station, "1")
    assert done.level == "done"
    assert f"Built 1 WAXED-KIT as lot K-1 on {wo}" in station.answer.text()
    made = inventory.stock_position(wax.uow, "WAXED-KIT").lots
    assert [(lot.lot, lot.on_hand) for lot in made] == [("K-1", Decimal(1))]
