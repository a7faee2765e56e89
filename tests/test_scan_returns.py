"""Receiving customer returns by scan on the scanning wing, without a screen: the return, each
item (or the quantity first), #RESTOCK, #SCRAP or #RECEIVE post one receipt each; a kit's
items are scanned one by one; wrong codes are refused in words and change nothing."""

from __future__ import annotations

import pytest

from app.services.returns import returns
from app.services.scanning.returns import ReturnReceiveSession
from tests.orders_plant import OrderPlant
from tests.plant import D, Plant


@pytest.fixture
def shop(plant: Plant) -> OrderPlant:
    """SO-000001 shipped: line 1, 4 cases; line 2, a gift box (a case and 2 labels); and
    RMA-000001 approved for 3 cases and the gift box."""
    shop = OrderPlant(plant.uow).setup()
    shop.stock("CASE-12", 5)
    shop.stock("LABEL", 2)
    so = shop.so("Harbor Cycles", ("CASE-12", "4", None, "30"), ("GIFT-BOX", "1", None, "60"))
    shop.ship(shop.pick(so.number).number)
    number = returns.create_return(shop.uow, so.number, {"1": "3", "2": "1"}).number
    returns.approve_return(shop.uow, number)
    return shop


RMA = "RMA-000001"


def test_a_return_is_received_by_scan_restocked_and_scrapped(shop: OrderPlant) -> None:
    uow = shop.uow
    session = ReturnReceiveSession()
    opened = session.scan(uow, RMA.lower())
    assert opened.level == "info"
    assert opened.message == (
        f"{RMA} (Harbor Cycles, SO-000001): 3 lines to come back; scan each item, then "
        "#RECEIVE, #RESTOCK or #SCRAP"
    )
    assert [(ln.line, ln.sku, ln.to_receive) for ln in opened.state.detail.lines] == [
        ("1", "CASE-12", D(3)),
        ("2.1", "CASE-12", D(1)),
        ("2.2", "LABEL", D(2)),
    ]
    assert session.scan(uow, "2").level == "info"
    staged = session.scan(uow, "CASE-12")
    assert staged.message == "+2 CASE-12 on line 1: 2 of 3"
    session.scan(uow, "CASE-12")
    overflow = session.scan(uow, "CASE-12")  # line 1 is full: the kit's case takes it
    assert overflow.message == "+1 CASE-12 on line 2.1: 1 of 1"
    kit = session.scan(uow, "GIFT-BOX")
    assert kit.level == "refused" and kit.message == (
        "GIFT-BOX is a kit: scan each of its items as it comes out"
    )
    on_hand = shop.on_hand("CASE-12")
    restocked = session.scan(uow, "#RESTOCK")
    assert restocked.level == "done" and restocked.posted is not None
    assert restocked.message == f"Restocked on {RMA}: 3 CASE-12, 1 CASE-12; Partially Received"
    assert shop.on_hand("CASE-12") == on_hand + 4
    again = session.scan(uow, "#RESTOCK")
    assert again.level == "refused" and "the receipt was posted on" in again.message
    session.scan(uow, "2")
    session.scan(uow, "LABEL")
    scrapped = session.scan(uow, "#SCRAP")
    assert scrapped.message == f"Scrapped on {RMA}: 2 LABEL; Received"
    info = returns.get_return(uow, RMA)
    assert [(ln.line, ln.restocked, ln.scrapped) for ln in info.lines] == [
        ("1", D(3), D(0)),
        ("2", D(0), D(0)),
        ("2.1", D(1), D(0)),
        ("2.2", D(0), D(2)),
    ]
    assert info.lines[1].received == 1  # the whole kit is back


def test_receive_does_what_the_preference_says(shop: OrderPlant) -> None:
    uow = shop.uow
    shop.pref("restock_returned_items", "false")
    session = ReturnReceiveSession()
    session.scan(uow, RMA)
    session.scan(uow, "CASE-12")
    done = session.scan(uow, "#RECEIVE")
    assert done.message == f"Scrapped on {RMA}: 1 CASE-12; Partially Received"
    assert returns.get_return(uow, RMA).lines[0].scrapped == 1


def test_codes_that_do_not_belong_are_refused_and_change_nothing(shop: OrderPlant) -> None:
    uow = shop.uow
    session = ReturnReceiveSession()
    first = session.scan(uow, "CASE-12")
    assert first.level == "refused"
    assert first.message == "CASE-12 is an item: scan a return authorization (RMA-...) first"
    order = session.scan(uow, "SO-000001")
    assert order.level == "refused" and "this screen receives customer returns" in order.message
    session.scan(uow, RMA)
    other = session.scan(uow, "BOTTLE")
    assert other.level == "refused" and other.message == f"BOTTLE is not on {RMA}"
    session.scan(uow, "4")
    session.scan(uow, "CASE-12")
    refused = session.scan(uow, "#RESTOCK")
    assert refused.level == "refused"
    assert refused.message == (
        f"{RMA} line 1 (CASE-12): 4 is more than the 3 still to come back of the 3 authorized"
    )
    assert dict(session.state().staged) == {"1": D(4)}  # a refusal keeps what is staged
    elsewhere = session.scan(uow, "#PICK")
    assert elsewhere.level == "refused" and "#PICK is for the pick, pack and ship screen" in (
        elsewhere.message
    )
    assert returns.get_return(uow, RMA).status == "pending_receipt"
