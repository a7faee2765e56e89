"""Cycle counts of items tracked by lot or serial, on SQLite and PostgreSQL: a line per lot on
hand in the consumption order, one lot short and one over, a lot found on the shelf, a serial
missing and a serial found, approval and reversal per lot line, counting by scan (the lot
after the item, or both in one GS1 code), and `check` clean after each."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.errors import InsufficientStock, NotFound, ValidationError
from app.services import inventory
from app.services.catalog import items
from app.services.check import check_database
from app.services.counts import counts
from app.services.counts.counts import CycleCountInfo
from app.services.lots import tracking
from app.services.scanning.counting import CountSession
from tests.plant import D, Plant
from tests.test_lots import LotPlant

TODAY = date.today()
SOON = TODAY + timedelta(days=10)
LATER = TODAY + timedelta(days=200)
GTIN = "09506000134352"


@pytest.fixture
def shop(plant: Plant) -> LotPlant:
    """RESIN in lots R-A (6, expiring soon) and R-B (4, later) at MAIN, R-E (2) at EAST;
    METER serials S-1 and S-2 at MAIN, S-9 at EAST."""
    shop = LotPlant(plant.uow).lots_setup()
    uow = shop.uow
    tracking.set_item_tracking(uow, "RESIN", "lot", shelf_life="365", gtin=GTIN)
    inventory.adjust_stock(uow, "RESIN", "4", lot="R-B", expires=LATER.isoformat())
    inventory.adjust_stock(uow, "RESIN", "6", lot="R-A", expires=SOON.isoformat())
    inventory.adjust_stock(uow, "RESIN", "2", lot="R-E", location="EAST")
    inventory.adjust_stock(uow, "METER", "2", serials="S-1,S-2")
    inventory.adjust_stock(uow, "METER", "1", serials="S-9", location="EAST")
    items.set_bin(uow, "RESIN", "A-1")
    return shop


def lines(info: CycleCountInfo) -> list[tuple[int, str, str | None]]:
    return [(ln.line_no, ln.sku, ln.lot) for ln in info.lines]


def by_lot(info: CycleCountInfo, sku: str) -> dict[str | None, object]:
    return {ln.lot: ln for ln in info.lines if ln.sku == sku}


def test_a_lot_short_and_a_lot_over_post_as_adjustments_of_those_lots(shop: LotPlant) -> None:
    """Each lot on hand is a line, first to expire first; each lot line posts its own
    difference at counting time into its lot, so a receipt into a lot between counting and
    posting is kept."""
    uow = shop.uow
    started = counts.start_count(uow, "MAIN", items=["SCREW", "RESIN"])
    info = started.count
    # RESIN's bin A-1 comes first; its lots in the consumption order (R-A expires first).
    assert lines(info) == [(1, "RESIN", "R-A"), (2, "RESIN", "R-B"), (3, "SCREW", None)]
    assert [ln.expires for ln in info.lines] == [SOON, LATER, None]
    counts.enter_counts(uow, info.number, {("RESIN", "R-A"): "4", ("RESIN", "R-B"): "5"})
    counts.enter_counts(uow, info.number, {"SCREW": "1000"})
    shop.receive("RESIN", 3, lot="R-A")  # after it was counted: kept by the posting
    assert shop.lots_of("RESIN", "MAIN") == {"R-A": 9, "R-B": 4}
    counted = counts.get_count(uow, info.number)
    resin = by_lot(counted, "RESIN")
    assert [(ln.counted, ln.on_hand_when_counted, ln.difference) for ln in resin.values()] == [  # type: ignore[attr-defined]
        (4, 6, -2),
        (5, 4, 1),
    ]
    posted = counts.post_count(uow, info.number)
    assert posted.status == "posted"
    assert [r for r in shop.rows("RESIN") if r[0] == "count"] == [
        ("count", D(-2), "R-A"),
        ("count", D(1), "R-B"),
    ]
    assert shop.lots_of("RESIN", "MAIN") == {"R-A": 7, "R-B": 5}
    assert shop.lots_of("RESIN", "EAST") == {"R-E": 2}
    assert check_database(uow).ok


def test_a_tracked_item_counted_without_its_lot_is_refused_naming_the_lots(
    shop: LotPlant,
) -> None:
    uow = shop.uow
    number = counts.start_count(uow, "MAIN", items=["RESIN", "SCREW"]).count.number
    with pytest.raises(ValidationError) as refused:
        counts.enter_counts(uow, number, {"RESIN": "10"})
    assert refused.value.message == (
        f"RESIN is tracked by lot: say which lot was counted on {number} "
        "(RESIN@R-A or RESIN@R-B, or RESIN@LOT for a lot found)"
    )
    with pytest.raises(ValidationError, match="SCREW is not tracked by lot or serial"):
        counts.enter_counts(uow, number, {("SCREW", "X-1"): "10"})
    with pytest.raises(ValidationError, match="lot R-Z of RESIN is not on CC-000001: a lot"):
        counts.enter_counts(uow, number, {("RESIN", "R-Z"): "0"})
    info = counts.get_count(uow, number)
    assert info.counted == 0 and lines(info) == [
        (1, "RESIN", "R-A"),
        (2, "RESIN", "R-B"),
        (3, "SCREW", None),
    ]


def test_a_lot_found_on_the_shelf_is_a_line_of_its_own(shop: LotPlant) -> None:
    """A new lot number is made with the expiry given; a lot of the item known elsewhere
    keeps its own expiry (another one is refused, naming both)."""
    uow = shop.uow
    number = counts.start_count(uow, "MAIN", items=["RESIN"]).count.number
    kept = TODAY + timedelta(days=365)  # R-E came in at EAST today, RESIN keeps 365 days
    with pytest.raises(ValidationError, match=f"R-E of RESIN expires on {kept}; it cannot"):
        counts.enter_counts(
            uow, number, {("RESIN", "R-E"): "1"}, expires={("RESIN", "R-E"): "2030-01-01"}
        )
    assert len(counts.get_count(uow, number).lines) == 2
    info = counts.enter_counts(
        uow,
        number,
        {("RESIN", "R-N"): "3", ("RESIN", "R-E"): "1", ("RESIN", "R-A"): "6"},
        expires={("RESIN", "R-N"): "2031-05-01"},
    )
    assert lines(info) == [
        (1, "RESIN", "R-A"),
        (2, "RESIN", "R-B"),
        (3, "RESIN", "R-N"),
        (4, "RESIN", "R-E"),
    ]
    found = by_lot(info, "RESIN")
    assert found["R-N"].expires == date(2031, 5, 1)  # type: ignore[attr-defined]
    assert found["R-E"].expires == kept  # type: ignore[attr-defined]
    assert found["R-N"].on_hand_when_counted == 0  # type: ignore[attr-defined]
    counts.enter_counts(uow, number, {("RESIN", "R-B"): "4"})
    counts.post_count(uow, number)
    assert shop.lots_of("RESIN", "MAIN") == {"R-A": 6, "R-B": 4, "R-N": 3, "R-E": 1}
    assert shop.lots_of("RESIN", "EAST") == {"R-E": 2}
    assert check_database(uow).ok


def test_a_serial_missing_and_a_serial_found(shop: LotPlant) -> None:
    uow = shop.uow
    number = counts.start_count(uow, "MAIN", items=["METER"]).count.number
    with pytest.raises(ValidationError, match="serial S-1 of METER is one unit: count it 0 or 1"):
        counts.enter_counts(uow, number, {("METER", "S-1"): "2"})
    with pytest.raises(ValidationError, match="serial S-9 of METER is already on hand at EAST"):
        counts.enter_counts(uow, number, {("METER", "S-9"): "1"})
    info = counts.enter_counts(
        uow, number, {("METER", "S-1"): "1", ("METER", "S-2"): "0", ("METER", "S-3"): "1"}
    )
    assert lines(info) == [(1, "METER", "S-1"), (2, "METER", "S-2"), (3, "METER", "S-3")]
    counts.post_count(uow, number)
    assert [r for r in shop.rows("METER") if r[0] == "count"] == [
        ("count", D(-1), "S-2"),
        ("count", D(1), "S-3"),
    ]
    assert shop.lots_of("METER", "MAIN") == {"S-1": 1, "S-3": 1}
    assert check_database(uow).ok


def test_a_tracked_item_with_no_lot_here_counts_an_empty_shelf_or_the_lot_found(
    shop: LotPlant,
) -> None:
    uow = shop.uow
    items.set_bin(uow, "RESIN", "E-1", location="EAST")
    items.set_bin(uow, "METER", "E-2", location="EAST")
    inventory.adjust_stock(uow, "METER", "-1", location="EAST")  # S-9 written off
    info = counts.start_count(uow, "EAST", bin_prefix="E").count
    assert lines(info) == [(1, "RESIN", "R-E"), (2, "METER", None)]
    with pytest.raises(ValidationError, match="none is on hand here: METER@SERIAL for a serial"):
        counts.enter_counts(uow, info.number, {"METER": "1"})
    empty = counts.enter_counts(uow, info.number, {"METER": "0"})
    assert by_lot(empty, "METER")[None].counted == 0  # type: ignore[attr-defined]
    counts.cancel_count(uow, info.number)
    again = counts.start_count(uow, "EAST", items=["METER"]).count
    found = counts.enter_counts(uow, again.number, {("METER", "S-9"): "1"})
    assert lines(found) == [(1, "METER", "S-9")]  # the empty shelf's line took it
    counts.post_count(uow, again.number)
    assert shop.lots_of("METER", "EAST") == {"S-9": 1}
    assert check_database(uow).ok


def test_approval_and_reversal_work_per_lot_line(shop: LotPlant) -> None:
    uow = shop.uow
    shop.pref("count_approval_threshold", "5")
    number = counts.start_count(uow, "MAIN", items=["RESIN"]).count.number
    # R-A 3 short (worth 6 at 2 each), R-B 1 over (worth 2): R-A's line needs approval.
    info = counts.enter_counts(uow, number, {("RESIN", "R-A"): "3", ("RESIN", "R-B"): "5"})
    assert [ln.over_threshold for ln in info.lines] == [True, False]
    assert info.actions == ["enter", "approve", "cancel"]
    with pytest.raises(Exception, match=r"line 1 \(RESIN lot R-A\) differs by more than 5"):
        counts.post_count(uow, number)
    counts.approve_count(uow, number)
    posted = counts.post_count(uow, number)
    assert shop.lots_of("RESIN", "MAIN") == {"R-A": 3, "R-B": 5}
    inventory.adjust_stock(uow, "RESIN", "-5", lot="R-B")
    with pytest.raises(InsufficientStock, match="cannot reverse the adjustments of CC-000001"):
        inventory.reverse_posting(uow, posted.changes.event_id)
    inventory.adjust_stock(uow, "RESIN", "1", lot="R-B")
    inventory.reverse_posting(uow, posted.changes.event_id)
    assert shop.lots_of("RESIN", "MAIN") == {"R-A": 6}
    assert counts.get_count(uow, number).reversal is not None
    assert check_database(uow).ok


def test_a_lot_line_that_would_take_its_lot_below_zero_refuses_the_count(
    shop: LotPlant,
) -> None:
    """The item has enough on hand, but the lot the line counted does not any more: the
    count is refused, naming the line, and nothing moves."""
    uow = shop.uow
    number = counts.start_count(uow, "MAIN", items=["RESIN"]).count.number
    counts.enter_counts(uow, number, {("RESIN", "R-A"): "0", ("RESIN", "R-B"): "4"})
    inventory.adjust_stock(uow, "RESIN", "-5", lot="R-A")
    inventory.adjust_stock(uow, "RESIN", "10", lot="R-B")
    with pytest.raises(InsufficientStock, match=r"line 1 \(RESIN lot R-A\), counted 0 when 6"):
        counts.post_count(uow, number)
    assert counts.get_count(uow, number).status == "open"
    assert shop.lots_of("RESIN", "MAIN") == {"R-A": 1, "R-B": 14}


def test_a_count_is_counted_by_lot_scan_and_by_gs1_scan(shop: LotPlant) -> None:
    uow = shop.uow
    number = counts.start_count(uow, "MAIN", items=["RESIN", "METER"]).count.number
    session = CountSession()
    session.scan(uow, number)
    answers = [
        f"{(a := session.scan(uow, code)).level}: {a.message}"
        for code in ("4", "RESIN", "R-A", f"]C101{GTIN}10R-B", "2", "RESIN", "R-N")
    ]
    assert answers == [
        "info: Quantity 4: scan an item",
        "ask: RESIN is tracked by lot: scan the lot of 4 RESIN",
        "info: RESIN in A-1: 4 of R-A ea counted so far (lot R-A)",
        "info: RESIN in A-1: 4 of R-A, 1 of R-B ea counted so far (lot R-B)",
        "info: Quantity 2: scan an item",
        "ask: RESIN is tracked by lot: scan the lot of 2 RESIN",
        "info: RESIN in A-1: 4 of R-A, 1 of R-B, 2 of R-N ea counted so far (lot R-N)",
    ]
    shown = session.state().detail.lines
    assert [(r.line_no, r.lot, r.scanned) for r in shown if r.sku == "RESIN"] == [
        (1, "R-A", 4),
        (2, "R-B", 1),
        (None, "R-N", 2),
    ]
    for code in ("0", "METER", "S-2", "METER", "S-1"):
        session.scan(uow, code)
    recorded = session.scan(uow, "#COUNT")
    assert recorded.level == "done", recorded.message
    assert recorded.message == (
        f"Counted on {number}: 7 RESIN (lots R-A, R-B, R-N), 1 METER (serials S-2, S-1); "
        "every line counted"
    )
    info = counts.get_count(uow, number)
    assert [(ln.sku, ln.lot, ln.counted) for ln in info.lines] == [
        ("RESIN", "R-A", 4),
        ("RESIN", "R-B", 1),
        ("RESIN", "R-N", 2),
        ("METER", "S-1", 1),
        ("METER", "S-2", 0),
    ]
    counts.post_count(uow, number)
    assert shop.lots_of("RESIN", "MAIN") == {"R-A": 4, "R-B": 1, "R-N": 2}
    assert shop.lots_of("METER", "MAIN") == {"S-1": 1}
    # A serial scanned that is on hand elsewhere is refused at #COUNT, and nothing changes.
    again = counts.start_count(uow, "MAIN", items=["METER"]).count.number
    session.scan(uow, again)
    session.scan(uow, "METER")
    session.scan(uow, "S-9")
    refused = session.scan(uow, "#COUNT")
    assert refused.level == "refused"
    assert refused.message == "serial S-9 of METER is already on hand at EAST"
    assert counts.get_count(uow, again).counted == 0


def test_an_unknown_item_on_a_count_stays_refused(shop: LotPlant) -> None:
    number = counts.start_count(shop.uow, "MAIN", items=["RESIN"]).count.number
    with pytest.raises(NotFound, match="'GADGET' is not on CC-000001"):
        counts.enter_counts(shop.uow, number, {("GADGET", "G-1"): "1"})
