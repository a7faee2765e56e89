"""Counting shelves by scan on the scanning wing: the count, a bin label, each item (one scan
per unit, or the quantity first, zero for an empty shelf), #COUNT records the totals as the
lines' counts; wrong codes are refused in words and change nothing."""

from __future__ import annotations

import pytest

from app.services.catalog import items
from app.services.counts import counts
from app.services.scanning.counting import CountSession
from tests.plant import D, Plant


@pytest.fixture
def shelf(plant: Plant) -> Plant:
    for sku in ("BOLT", "NUT", "GEAR"):
        plant.item(sku)
    for sku, where in (("BOLT", "A-10"), ("NUT", "A-2"), ("GEAR", "B-1")):
        items.set_bin(plant.uow, sku, where)
    for sku, qty in (("BOLT", 100), ("NUT", 3), ("GEAR", 10)):
        plant.stock(sku, qty)
    return plant


def test_a_shelf_is_counted_by_scan_and_recorded_once(shelf: Plant) -> None:
    uow = shelf.uow
    number = counts.start_count(uow, "MAIN", items=["BOLT", "NUT", "GEAR"]).count.number
    session = CountSession()
    opened = session.scan(uow, number.lower())
    assert opened.level == "info" and "3 of 3 lines to count" in opened.message
    here = session.scan(uow, "a-2")
    assert here.level == "info" and here.message.startswith("Bin A-2: 1 item")
    assert here.state.detail.lines[0].sku == "NUT"
    for _ in range(2):
        session.scan(uow, "NUT")
    assert session.scan(uow, "12").level == "info"
    bolt = session.scan(uow, "BOLT")
    assert bolt.message == "BOLT in A-10: 12 ea counted so far"
    assert session.scan(uow, "0").message == "Counted 0: scan the item that is not there"
    session.scan(uow, "GEAR")
    assert dict(session.state().staged) == {"NUT": D(2), "BOLT": D(12), "GEAR": D(0)}

    recorded = session.scan(uow, "#COUNT")
    assert recorded.level == "done" and recorded.posted is not None
    assert recorded.posted.action == "count"
    assert recorded.message == (f"Counted on {number}: 2 NUT, 12 BOLT, 0 GEAR; every line counted")
    info = counts.get_count(uow, number)
    assert {ln.sku: ln.counted for ln in info.lines} == {"NUT": 2, "BOLT": 12, "GEAR": 0}
    again = session.scan(uow, "#COUNT")
    assert again.level == "refused" and "the counts were recorded" in again.message
    # A line counted again replaces its count.
    session.scan(uow, "NUT")
    session.scan(uow, "#COUNT")
    assert counts.get_count(uow, number).lines[0].counted == 1
    posted = counts.post_count(uow, number)
    assert posted.status == "posted"
    assert shelf.on_hand("NUT") == 1 and shelf.on_hand("BOLT") == 12


def test_codes_that_do_not_belong_are_refused_and_change_nothing(shelf: Plant) -> None:
    uow = shelf.uow
    shelf.item("WASHER")
    number = counts.start_count(uow, "MAIN", items=["BOLT", "NUT"]).count.number
    session = CountSession()
    first = session.scan(uow, "BOLT")
    assert first.level == "refused" and first.message == (
        "BOLT is an item: scan a cycle count (CC-...) first"
    )
    bin_first = session.scan(uow, "A-10")
    assert bin_first.level == "refused" and "scan the count (CC-...) first" in bin_first.message
    session.scan(uow, number)
    other = session.scan(uow, "WASHER")
    assert other.level == "refused"
    assert other.message == f"WASHER is not on {number}; start a count for it"
    wrong_bin = session.scan(uow, "B-1")
    assert wrong_bin.level == "refused"
    assert wrong_bin.message == f"nothing on {number} is kept in bin B-1"
    order = session.scan(uow, "WO-000001")
    assert order.level == "refused"
    assert "this screen counts shelves for a cycle count" in order.message
    assert session.state().staged == ()
    assert counts.get_count(uow, number).counted == 0
