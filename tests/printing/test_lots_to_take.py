"""Travelers and picking tickets suggest the lots to take per line, by the consumption order
at the line's location, from what is not picked for others; a lot expiring within
`expiry_warning_days` is flagged in words on the printed page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.printing.templates import LotToTake
from app.services import documents, inventory
from app.services.orders import fulfillment
from tests.plant import D, Plant
from tests.printing import pdfcheck
from tests.test_lots import LotPlant

TODAY = date.today()
SOON = TODAY + timedelta(days=10)
LATER = TODAY + timedelta(days=200)


@pytest.fixture
def shop(plant: Plant) -> LotPlant:
    shop = LotPlant(plant.uow).lots_setup()
    inventory.adjust_stock(shop.uow, "RESIN", "5", lot="R-NEW", expires=LATER.isoformat())
    inventory.adjust_stock(shop.uow, "RESIN", "4", lot="R-OLD", expires=SOON.isoformat())
    return shop


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(pdfcheck.texts(pdf)).split())


def test_a_traveler_suggests_the_lots_a_build_would_take(shop: LotPlant) -> None:
    wo = shop.wo("GADGET", 3)  # 6 RESIN, 3 SCREW
    lines = {ln.sku: ln for ln in documents.traveler(shop.uow, wo).lines}
    assert lines["RESIN"].lots == (
        LotToTake("R-OLD", D(4), SOON, expiring=True),
        LotToTake("R-NEW", D(2), LATER, expiring=False),
    )
    assert lines["SCREW"].lots == ()  # untracked
    text = text_of(documents.traveler_pdf(shop.uow, wo).pdf)
    assert f"Lot R-OLD: 4 ea, expires {SOON.isoformat()} (EXPIRING SOON)" in text
    assert f"Lot R-NEW: 2 ea, expires {LATER.isoformat()}" in text
    assert f"{LATER.isoformat()} (EXPIRING" not in text
    # First in, first out takes the lot that came in first, whatever its expiry.
    shop.pref("lot_consumption_order", "first_in_first_out")
    fifo = {ln.sku: ln for ln in documents.traveler(shop.uow, wo).lines}
    assert [(lot.lot, lot.quantity) for lot in fifo["RESIN"].lots] == [
        ("R-NEW", 5),
        ("R-OLD", 1),
    ]


def test_a_picking_ticket_suggests_lots_not_picked_for_others(shop: LotPlant) -> None:
    inventory.adjust_stock(shop.uow, "GADGET", "3", lot="G-A", expires=SOON.isoformat())
    inventory.adjust_stock(shop.uow, "GADGET", "5", lot="G-B", expires=LATER.isoformat())
    first = shop.so("Harbor Cycles", ("GADGET", 2))
    fulfillment.fulfill(shop.uow, first.number)  # picks 2 of G-A
    second = shop.so("Harbor Cycles", ("GADGET", 4))
    ticket = documents.picking_ticket(shop.uow, second.number)
    assert ticket.lines[0].lots == (
        LotToTake("G-A", D(1), SOON, expiring=True),
        LotToTake("G-B", D(3), LATER, expiring=False),
    )
    text = text_of(documents.picking_ticket_pdf(shop.uow, second.number).pdf)
    assert f"Lot G-A: 1 ea, expires {SOON.isoformat()} (EXPIRING SOON)" in text
    shop.pref("expiry_warning_days", "5")
    later = documents.picking_ticket(shop.uow, second.number)
    assert [lot.expiring for lot in later.lines[0].lots] == [False, False]


def test_papers_say_a_lot_suggested_has_expired_where_the_plant_allows_it(
    shop: LotPlant,
) -> None:
    """Where expired lots may go into builds and sales, the papers suggest them in the
    consumption order and say on the line that they have expired."""
    past = TODAY - timedelta(days=3)
    inventory.adjust_stock(shop.uow, "RESIN", "1", lot="R-PAST", expires=past.isoformat())
    inventory.adjust_stock(shop.uow, "GADGET", "1", lot="G-PAST", expires=past.isoformat())
    inventory.adjust_stock(shop.uow, "GADGET", "4", lot="G-B", expires=LATER.isoformat())
    wo = shop.wo("GADGET", 3)  # 6 RESIN
    so = shop.so("Harbor Cycles", ("GADGET", 2)).number
    resin = {ln.sku: ln for ln in documents.traveler(shop.uow, wo).lines}["RESIN"]
    assert [lot.lot for lot in resin.lots] == ["R-OLD", "R-NEW"]  # expired passed over
    shop.pref("allow_expired_lots_in_builds", "true")
    shop.pref("allow_expired_lots_in_sales", "true")
    resin = {ln.sku: ln for ln in documents.traveler(shop.uow, wo).lines}["RESIN"]
    assert resin.lots[0] == LotToTake("R-PAST", D(1), past, expiring=False, expired=True)
    traveler = text_of(documents.traveler_pdf(shop.uow, wo).pdf)
    assert f"Lot R-PAST: 1 ea, EXPIRED {past.isoformat()}" in traveler
    assert f"Lot R-OLD: 4 ea, expires {SOON.isoformat()} (EXPIRING SOON)" in traveler
    ticket = text_of(documents.picking_ticket_pdf(shop.uow, so).pdf)
    assert f"Lot G-PAST: 1 ea, EXPIRED {past.isoformat()}" in ticket
    assert f"Lot G-B: 1 ea, expires {LATER.isoformat()}" in ticket
    assert "EXPIRING SOON" not in ticket
