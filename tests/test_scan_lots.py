"""Lots and serials by scanner: at the scan station, the pick bench and the receiving dock a
tracked item waits for its lot or serial (or comes with it on a GS1 code), and the lot goes
to the posting: an issue by lot, a pick by lot, a receipt into a lot."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.services import inventory
from app.services.documents import travelers
from app.services.lots import tracking
from app.services.lots.stock import SuggestedLot
from app.services.scanning.picking import PickSession
from app.services.scanning.production import WorkOrderSession
from app.services.scanning.receiving import ReceiveSession
from app.services.scanning.session import ScanSession
from tests.plant import D, Plant
from tests.test_lots import LotPlant

GS = "\x1d"
GTIN = "09506000134352"
GTIN2 = "00012345600012"
LATER = date.today() + timedelta(days=200)
SOON = date.today() + timedelta(days=10)
PAST = date.today() - timedelta(days=3)


@pytest.fixture
def shop(plant: Plant) -> LotPlant:
    shop = LotPlant(plant.uow).lots_setup()
    tracking.set_item_tracking(shop.uow, "RESIN", "lot", shelf_life="365", gtin=GTIN)
    return shop


def scans(session: ScanSession[object], shop: LotPlant, *codes: str) -> list[str]:
    """Scan each code; the answers' levels and messages."""
    return [f"{(a := session.scan(shop.uow, c)).level}: {a.message}" for c in codes]


def test_the_station_issues_the_lot_scanned_after_the_component(shop: LotPlant) -> None:
    inventory.adjust_stock(shop.uow, "RESIN", "10", lot="R-A", expires=LATER.isoformat())
    inventory.adjust_stock(shop.uow, "RESIN", "10", lot="R-B")
    wo = shop.wo("GADGET", 4)
    session = WorkOrderSession()
    session.scan(shop.uow, wo)
    answers = scans(session, shop, "3", "RESIN", "#ISSUE", "R-Z", "R-B", "SCREW")
    assert answers == [
        "info: Quantity 3: scan a component, #BUILD or #COMPLETE",
        "ask: RESIN is tracked by lot: scan the lot of 3 RESIN",
        "refused: Scan the lot of RESIN first, or #CLEAR",
        "refused: RESIN has no lot R-Z",
        "info: +3 RESIN: 3 staged of 8 left to issue (lot R-B)",
        "info: +1 SCREW: 1 staged of 4 left to issue",
    ]
    # A GS1 code carrying the component and its lot is both scans in one.
    gs1 = session.scan(shop.uow, f"]C101{GTIN}10R-A")
    assert gs1.message == "+1 RESIN: 4 staged of 8 left to issue (lot R-A)"
    assert gs1.state.lots == (("RESIN", "R-B", D(3)), ("RESIN", "R-A", D(1)))
    issued = session.scan(shop.uow, "#ISSUE")
    assert issued.message == f"Issued 4 RESIN (lots R-B, R-A), 1 SCREW to {wo}"
    assert shop.rows("RESIN")[-2:] == [("issue", D(-3), "R-B"), ("issue", D(-1), "R-A")]
    assert shop.lots_of("RESIN") == {"R-A": 9, "R-B": 7}
    assert issued.state.lots == () and issued.state.staged == ()


def test_the_lot_half_of_a_split_label_follows_its_item(shop: LotPlant) -> None:
    inventory.adjust_stock(shop.uow, "RESIN", "10", lot="R-A")
    wo = shop.wo("GADGET", 2)
    session = WorkOrderSession()
    session.scan(shop.uow, wo)
    answers = scans(session, shop, "(10)R-A", f"]C101{GTIN}", "(10)R-A", "#CLEAR")
    assert answers == [
        "refused: (10)R-A carries no item ((01) GTIN): scan the item, then its lot",
        "ask: RESIN is tracked by lot: scan the lot of 1 RESIN",
        "info: +1 RESIN: 1 staged of 4 left to issue (lot R-A)",
        "info: Dropped 1 RESIN",
    ]
    waiting = scans(session, shop, "RESIN", "#CLEAR", "R-A")
    assert waiting[1] == "info: Dropped 1 RESIN waiting for its lot"
    assert waiting[2].startswith("refused: Unknown code R-A: not a GS1 code")  # no item waits
    assert shop.rows("RESIN") == [("adjustment", D(10), "R-A")]  # nothing issued


def test_the_pick_bench_picks_the_lot_scanned(shop: LotPlant) -> None:
    inventory.adjust_stock(shop.uow, "GADGET", "5", lot="G-A", expires=LATER.isoformat())
    inventory.adjust_stock(shop.uow, "GADGET", "5", lot="G-B")
    so = shop.so("Harbor Cycles", ("GADGET", 6))
    session = PickSession()
    session.scan(shop.uow, so.number)
    answers = scans(session, shop, "2", "GADGET", "G-B", "4", "GADGET", "G-A", "#PICK")
    assert answers[:5] == [
        "info: Quantity 2: scan an item",
        "ask: GADGET is tracked by lot: scan the lot of 2 GADGET",
        "info: +2 GADGET on line 1: 2 of 6 (lot G-B)",
        "info: Quantity 4: scan an item",
        "ask: GADGET is tracked by lot: scan the lot of 4 GADGET",
    ]
    assert answers[6].startswith("done: Picked IF-")
    picked = session.state().detail
    assert picked.kind == "fulfillment"
    f = session.fulfillment
    assert f is not None and dict(f.lines[0].lots) == {"G-B": 2, "G-A": 4}


def test_serials_are_scanned_one_per_unit(shop: LotPlant) -> None:
    shop.receive("METER", 3, serials="M-1,M-2,M-3")
    inventory.adjust_stock(shop.uow, "SCREW", "100")
    so = shop.so("Harbor Cycles", ("METER", 2))
    session = PickSession()
    session.scan(shop.uow, so.number)
    answers = scans(
        session, shop, "2", "METER", "#CLEAR", "METER", "M-2", "METER", "M-2", "M-3", "#PICK"
    )
    assert answers[:7] == [
        "info: Quantity 2: scan an item",
        "refused: METER is tracked by serial: scan it and its serial once per unit, not 2 at a "
        "time",
        "info: Dropped quantity 2",
        "ask: METER is tracked by serial: scan the serial of 1 METER",
        "info: +1 METER on line 1: 1 of 2 (serial M-2)",
        "ask: METER is tracked by serial: scan the serial of 1 METER",
        "refused: serial M-2 of METER is staged already",
    ]
    assert answers[7] == "info: +1 METER on line 1: 2 of 2 (serial M-3)"
    assert answers[8].startswith("done: Picked")
    f = session.fulfillment
    assert f is not None and dict(f.lines[0].lots) == {"M-2": 1, "M-3": 1}


def test_the_dock_receives_into_the_lot_on_the_label(shop: LotPlant) -> None:
    po = shop.po("Resin Co", ("RESIN", 20), ("METER", 2))
    session = ReceiveSession()
    session.scan(shop.uow, po.number)
    label = f"]C101{GTIN}17{LATER:%y%m%d}10V-77"
    answers = scans(session, shop, "12", label, "RESIN", "V-78", "#RECEIVE", "#CLEAR")
    assert answers == [
        "info: Quantity 12: scan an item",
        "info: +12 RESIN on line 1: 12 of 20 (lot V-77)",
        "ask: RESIN is tracked by lot: scan the lot of 1 RESIN",
        "refused: line 1 has lot V-77 staged: #RECEIVE it before lot V-78",
        "refused: Scan the lot of RESIN first, or #CLEAR",
        "info: Dropped 12 RESIN, 1 RESIN waiting for its lot",
    ]
    assert shop.lots_of("RESIN") == {}  # nothing received


def test_a_receipt_posts_the_lot_with_its_expiry_and_the_serials(shop: LotPlant) -> None:
    po = shop.po("Resin Co", ("RESIN", 20), ("METER", 2))
    session = ReceiveSession()
    session.scan(shop.uow, po.number)
    label = f"]C101{GTIN}17{LATER:%y%m%d}10V-77"
    answers = scans(session, shop, "12", label, "METER", "S-1", "METER", "S-2", "#RECEIVE")
    assert answers[-1].startswith("done: Received IR-")
    assert answers[-1].endswith(": 12 RESIN (lot V-77), 2 METER (serials S-1, S-2)")
    lots = {lot.lot: lot for lot in inventory.stock_position(shop.uow, "RESIN").lots}
    assert lots["V-77"].on_hand == 12 and lots["V-77"].expires == LATER
    assert shop.lots_of("METER") == {"S-1": 1, "S-2": 1}


# --- the lots to take on the screens -------------------------------------------------------


def lot_words(lots: tuple[SuggestedLot, ...]) -> list[tuple[str, Decimal, bool, bool]]:
    return [(lot.lot, lot.quantity, lot.expired, lot.expiring) for lot in lots]


def test_the_station_pick_list_names_the_lots_to_take_as_the_traveler(shop: LotPlant) -> None:
    shop.pref("expiry_warning_days", "30")
    inventory.adjust_stock(shop.uow, "RESIN", "5", lot="R-LATE", expires=LATER.isoformat())
    inventory.adjust_stock(shop.uow, "RESIN", "3", lot="R-SOON", expires=SOON.isoformat())
    inventory.adjust_stock(shop.uow, "RESIN", "9", lot="R-OLD", expires=PAST.isoformat())
    wo = shop.wo("GADGET", 4)
    session = WorkOrderSession()
    opened = session.scan(shop.uow, wo)
    lines = {ln.sku: ln for ln in opened.state.detail.lines}
    # First expiry first out, the expired lot passed over as an issue would.
    assert lot_words(lines["RESIN"].lots) == [
        ("R-SOON", D(3), False, True),
        ("R-LATE", D(5), False, False),
    ]
    assert lines["SCREW"].lots == ()  # untracked
    traveler = travelers.traveler(shop.uow, wo)
    printed = {ln.sku: ln.lots for ln in traveler.lines}
    assert [(x.lot, x.quantity) for x in printed["RESIN"]] == [("R-SOON", 3), ("R-LATE", 5)]
    # An issue moves the suggestion on to what is left.
    answers = scans(session, shop, "3", "RESIN", "R-SOON", "#ISSUE")
    assert answers[-1].startswith("done: Issued 3 RESIN (lot R-SOON)")
    after = {ln.sku: ln for ln in session.state().detail.lines}
    assert lot_words(after["RESIN"].lots) == [("R-LATE", D(5), False, False)]
    # Where the plant allows expired lots in builds, one is suggested and flagged expired.
    shop.pref("allow_expired_lots_in_builds", "true")
    refreshed = {ln.sku: ln for ln in session.refresh(shop.uow).detail.lines}
    assert lot_words(refreshed["RESIN"].lots) == [("R-OLD", D(5), True, False)]


def test_the_pick_lines_name_the_lots_to_take_as_the_picking_ticket(shop: LotPlant) -> None:
    shop.pref("expiry_warning_days", "30")
    inventory.adjust_stock(shop.uow, "GADGET", "4", lot="G-LATE", expires=LATER.isoformat())
    inventory.adjust_stock(shop.uow, "GADGET", "2", lot="G-SOON", expires=SOON.isoformat())
    so = shop.so("Harbor Cycles", ("GADGET", 5))
    session = PickSession()
    opened = session.scan(shop.uow, so.number)
    (line,) = opened.state.detail.lines
    assert lot_words(line.lots) == [("G-SOON", D(2), False, True), ("G-LATE", D(3), False, False)]
    answers = scans(session, shop, "2", "GADGET", "G-LATE", "#PICK")
    assert answers[-1].startswith("done: Picked IF-")
    session.scan(shop.uow, so.number)
    (line,) = session.state().detail.lines
    # What is picked is reserved for the shipment: the rest is suggested from what is free.
    assert lot_words(line.lots) == [("G-SOON", D(2), False, True), ("G-LATE", D(1), False, False)]


# --- the lot or serials a build makes ----------------------------------------------------------

ROBOT_GTIN = "04006381333931"


def made_lots(shop: LotPlant, sku: str) -> dict[str, Decimal]:
    return {lot: q for lot, q in shop.lots_of(sku).items()}


def test_the_station_builds_into_the_lot_scanned_after_the_assembly(shop: LotPlant) -> None:
    inventory.adjust_stock(shop.uow, "RESIN", "20", lot="R-A")
    tracking.set_item_tracking(shop.uow, "GADGET", "lot", shelf_life="30", gtin=GTIN2)
    wo = shop.wo("GADGET", 6)
    session = WorkOrderSession()
    session.scan(shop.uow, wo)
    answers = scans(session, shop, "GADGET", "#BUILD", "G-7", "2", "#BUILD")
    assert answers == [
        f"ask: GADGET is made on {wo} by lot: scan the lot of the GADGET made",
        "refused: Scan the lot of GADGET first, or #CLEAR",
        "info: Lot G-7 of GADGET made: scan the quantity and #BUILD or #COMPLETE",
        "info: Quantity 2: scan a component, #BUILD or #COMPLETE",
        f"done: Built 2 GADGET as lot G-7 on {wo} (2 of 6 built)",
    ]
    assert made_lots(shop, "GADGET") == {"G-7": 2}
    # The lot alone while #COMPLETE waits for its quantity; a second lot is refused.
    answers = scans(session, shop, "#COMPLETE", "G-8", "G-9", "1")
    assert answers == [
        f"ask: How many GADGET to complete on {wo} (first its lot made, or the pattern "
        "numbers it)? Scan the quantity (4 to go)",
        "info: Lot G-8 of GADGET made: scan the quantity to complete",
        "refused: GADGET is made as lot G-8 here: one lot per build (#CLEAR drops it)",
        f"done: Completed 1 GADGET as lot G-8 on {wo} with backflush (3 of 6 built)",
    ]
    # A GS1 code carrying the assembly's GTIN, lot and expiry, before the command.
    label = f"]C101{GTIN2}17{LATER:%y%m%d}10G-10"
    answers = scans(session, shop, label, "1", "#BUILD")
    assert answers[0] == "info: Lot G-10 of GADGET made: scan the quantity and #BUILD or #COMPLETE"
    assert answers[2] == f"done: Built 1 GADGET as lot G-10 on {wo} (4 of 6 built)"
    expiry = {x.lot: x.expires for x in inventory.stock_position(shop.uow, "GADGET").lots}
    assert expiry["G-10"] == LATER
    # Nothing scanned: the pattern numbers the lot, as before.
    done = session.scan(shop.uow, "#BUILD")
    assert done.level == "ask"
    assert session.scan(shop.uow, "1").level == "done"
    assert len(made_lots(shop, "GADGET")) == 4
    assert session.state().made == ()
    # A lot number that starts like a number, but is none, while #BUILD waits; a number
    # is the quantity (the assembly scanned first makes it the lot).
    other = shop.wo("GADGET", 2)
    session.scan(shop.uow, other)
    answers = scans(session, shop, "#BUILD", "2026-12A", "1")
    assert answers[1] == "info: Lot 2026-12A of GADGET made: scan the quantity to build"
    assert answers[2] == f"done: Built 1 GADGET as lot 2026-12A on {other} (1 of 2 built)"
    # A quantity the grammar refuses is no lot number either.
    before = made_lots(shop, "GADGET")
    refused = scans(session, shop, "#BUILD", "1.1234567", "-2")
    assert refused[1].startswith("refused: ") and "1.1234567" in refused[1]
    assert refused[2].startswith("refused: ")
    assert session.state().made == () and made_lots(shop, "GADGET") == before
    session.scan(shop.uow, "#CLEAR")
    answers = scans(session, shop, "#BUILD", "GADGET", "4711", "1")
    assert answers[2] == "info: Lot 4711 of GADGET made: scan the quantity to build"
    assert answers[3] == f"done: Built 1 GADGET as lot 4711 on {other} (2 of 2 built)"


def test_bad_scans_for_the_lot_made_change_nothing(shop: LotPlant) -> None:
    inventory.adjust_stock(shop.uow, "RESIN", "20", lot="R-A")
    tracking.set_item_tracking(shop.uow, "GADGET", "lot", shelf_life="30", gtin=GTIN2)
    wo = shop.wo("GADGET", 6)
    session = WorkOrderSession()
    session.scan(shop.uow, wo)
    answers = scans(
        session,
        shop,
        f"]C101{GTIN}10R-A",  # a component's GS1 code while #BUILD waits
        "#BUILD",
        f"]C101{GTIN}10R-A",
        "(01)123",  # malformed
        "bad lot",
        "#CLEAR",
    )
    assert answers[0] == "info: +1 RESIN: 1 staged of 12 left to issue (lot R-A)"
    assert (
        answers[1] == "refused: 1 RESIN staged: post it with #ISSUE first, or drop it with #CLEAR"
    )
    assert answers[2] == "info: +1 RESIN: 2 staged of 12 left to issue (lot R-A)"
    assert answers[3].startswith("refused: GS1 code (01)123 cannot be read")
    assert answers[4].startswith("refused: Unknown code bad lot")
    session.scan(shop.uow, "#BUILD")
    refused = scans(session, shop, f"]C101{GTIN}10R-A", "(01)123", "bad lot")
    assert refused[0] == "refused: #BUILD is waiting for a quantity: scan it, or #CLEAR"
    assert refused[1].startswith("refused: GS1 code (01)123 cannot be read")
    assert refused[2].startswith("refused: lot ")  # no spaces in a lot number
    assert session.state().made == () and session.state().pending_command == "#BUILD"
    assert made_lots(shop, "GADGET") == {}


def test_the_station_builds_the_serials_scanned_one_by_one(shop: LotPlant) -> None:
    shop.receive("METER", 4, serials="M-1,M-2,M-3,M-4")
    tracking.set_item_tracking(shop.uow, "ROBOT", "serial", gtin=ROBOT_GTIN)
    wo = shop.wo("ROBOT", 4)
    session = WorkOrderSession()
    session.scan(shop.uow, wo)
    answers = scans(
        session, shop, "ROBOT", "S-1", f"]C101{ROBOT_GTIN}21S-2", "ROBOT", "S-1", "#BUILD"
    )
    assert answers == [
        f"ask: ROBOT is made on {wo} by serial: scan the serial of the ROBOT made",
        "info: Serial S-1 of ROBOT made: scan the next, or #BUILD or #COMPLETE to make them",
        "info: Serials S-1, S-2 of ROBOT made: scan the next, or #BUILD or #COMPLETE to make them",
        f"ask: ROBOT is made on {wo} by serial: scan the serial of the ROBOT made",
        "refused: serial S-1 of ROBOT is scanned already",
        "refused: Scan the serial of ROBOT first, or #CLEAR",
    ]
    cleared = session.scan(shop.uow, "#CLEAR")
    assert (
        cleared.message
        == "Dropped the ROBOT made waiting for its serial, serials S-1, S-2 of ROBOT made"
    )
    answers = scans(session, shop, "#BUILD", "S-1", "S-2", "3")
    assert answers[1:] == [
        "info: Serial S-1 of ROBOT made: scan the next serial, or #BUILD again to build them",
        "info: Serials S-1, S-2 of ROBOT made: scan the next serial, or #BUILD again to build them",
        "refused: 2 serials of ROBOT are scanned: build 2, not 3 (or #CLEAR)",
    ]
    assert made_lots(shop, "ROBOT") == {}
    done = session.scan(shop.uow, "#BUILD")
    assert done.message == f"Built 2 ROBOT as serials S-1, S-2 on {wo} (2 of 4 built)"
    assert made_lots(shop, "ROBOT") == {"S-1": 1, "S-2": 1}
    # A serial on hand already is refused by the engine's rule; nothing is built.
    answers = scans(session, shop, "ROBOT", "S-2", "#BUILD")
    assert answers[-1].startswith("refused: ") and "S-2" in answers[-1]
    assert made_lots(shop, "ROBOT") == {"S-1": 1, "S-2": 1}
    assert shop.show(wo).built == 2


def test_a_lot_scanned_at_the_dock_without_a_date_expires_by_shelf_life(shop: LotPlant) -> None:
    po = shop.po("Resin Co", ("RESIN", 5))
    session = ReceiveSession()
    session.scan(shop.uow, po.number)
    answers = scans(session, shop, "5", "RESIN", "V-9", "#RECEIVE")
    assert answers[-1].startswith("done: Received IR-")
    lots = {lot.lot: lot for lot in inventory.stock_position(shop.uow, "RESIN").lots}
    assert lots["V-9"].expires == date.today() + timedelta(days=365)
