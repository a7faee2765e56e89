"""Reversal in general, on both databases: a posting whose reversal means something (an
adjustment, a receipt whose goods are still here, a count's adjustments) is reversed by a new
posting that names it and puts its document back; the others are refused, naming what they
are and what to do instead; nothing edits or deletes a ledger or audit row, and every kind of
ledger reason says how its postings are reversed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from app.errors import InsufficientStock, NotFound, ValidationError
from app.models import AuditEvent, LedgerEntry
from app.services import finance, inventory
from app.services.orders import purchasing
from app.services.production import work_orders
from tests.orders_plant import OrderPlant
from tests.plant import D, Plant


@pytest.fixture
def shop(plant: Plant) -> OrderPlant:
    return OrderPlant(plant.uow).setup()


def ledger_rows(shop: OrderPlant) -> int:
    with shop.uow.query() as tx:
        return int(tx.session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


def audit_of(shop: OrderPlant, event_id: int) -> tuple[str, str | None, dict[str, object]]:
    with shop.uow.query() as tx:
        event = tx.session.get(AuditEvent, event_id)
        assert event is not None
        return event.action, event.document, json.loads(event.details)


def receipt_event(shop: OrderPlant, sku: str) -> int:
    return next(
        r.event_id for r in inventory.ledger_history(shop.uow, sku) if r.reason == "receipt"
    )


def test_a_receipt_whose_goods_are_here_is_taken_back_whole(shop: OrderPlant) -> None:
    po = shop.po("Glass Works", ("BOTTLE", 10), ("CAP", 50))
    receipt = purchasing.receive_purchase_order(shop.uow, po.number)
    assert receipt.order.status == "received"
    event = receipt.changes.event_id
    assert event is not None
    reversed_ = inventory.reverse_posting(shop.uow, event, memo="wrong pallet")
    # The ledger: two new rows, each the exact opposite of one of the receipt's.
    rows = [r for r in inventory.ledger_history(shop.uow, "BOTTLE") if r.event_id != event]
    assert [(r.reason, r.quantity, r.unit_cost, r.memo) for r in rows] == [
        ("reversal", D(-10), D("0.4"), "wrong pallet")
    ]
    assert rows[0].reverses_id == next(
        r.id for r in inventory.ledger_history(shop.uow, "BOTTLE") if r.event_id == event
    )
    assert (shop.on_hand("BOTTLE"), shop.on_hand("CAP")) == (0, 0)
    # The order expects the goods again.
    order = purchasing.get_purchase_order(shop.uow, po.number)
    assert order.status == "open"
    assert [(ln.received, ln.remaining) for ln in order.lines] == [(0, 10), (0, 50)]
    assert (shop.position("BOTTLE").on_order, shop.position("CAP").on_order) == (D(10), D(50))
    assert order.receipts == [receipt.number]
    assert order.reversed_receipts == [receipt.number]
    # Finance hears the receipt reversed, at the order's cost.
    (told,) = finance.list_events(shop.uow, moment="receipt_reversed").rows
    assert (told.document, told.created_from, told.party) == (
        receipt.number,
        po.number,
        "Glass Works",
    )
    assert [(ln.sku, ln.quantity, ln.amount) for ln in told.lines] == [
        ("BOTTLE", D(-10), D(-4)),
        ("CAP", D(-50), D("-2.5")),
    ]
    # One audit event, naming the event it reversed.
    action, document, details = audit_of(shop, reversed_.event_id)
    assert (action, document) == ("stock.reverse", f"event {event}")
    assert details["reverses"] == event and details["receipt"] == receipt.number
    assert receipt.number in reversed_.changes.of("receipt")
    assert po.number in reversed_.changes.of("purchase_order")
    # Received again, as if the first had not been.
    again = purchasing.receive_purchase_order(shop.uow, po.number, {"BOTTLE": "4"})
    assert again.order.status == "partially_received"


def test_a_receipt_of_part_of_an_order_or_more_than_it_puts_back_what_it_did(
    shop: OrderPlant,
) -> None:
    shop.pref("allow_overage_on_item_receipts", "true")
    po = shop.po("Glass Works", ("BOTTLE", 10))
    first = purchasing.receive_purchase_order(shop.uow, po.number, {"BOTTLE": "6"})
    second = purchasing.receive_purchase_order(shop.uow, po.number, {"BOTTLE": "7"})  # 3 over
    assert shop.position("BOTTLE").on_order == 0
    inventory.reverse_posting(shop.uow, second.changes.event_id)
    order = purchasing.get_purchase_order(shop.uow, po.number)
    assert (order.status, order.lines[0].received) == ("partially_received", D(6))
    assert shop.position("BOTTLE").on_order == D(4)
    inventory.reverse_posting(shop.uow, first.changes.event_id)
    order = purchasing.get_purchase_order(shop.uow, po.number)
    assert (order.status, order.lines[0].received) == ("open", D(0))
    assert (shop.on_hand("BOTTLE"), shop.position("BOTTLE").on_order) == (0, D(10))


def test_a_receipt_of_a_closed_order_is_taken_back_and_nothing_is_expected(
    shop: OrderPlant,
) -> None:
    po = shop.po("Glass Works", ("BOTTLE", 10))
    receipt = purchasing.receive_purchase_order(shop.uow, po.number, {"BOTTLE": "4"})
    purchasing.close_purchase_order(shop.uow, po.number)
    inventory.reverse_posting(shop.uow, receipt.changes.event_id)
    order = purchasing.get_purchase_order(shop.uow, po.number)
    assert (order.status, order.lines[0].received) == ("closed", D(0))
    assert (shop.on_hand("BOTTLE"), shop.position("BOTTLE").on_order) == (0, 0)


def test_the_commitment_a_receipt_fed_is_given_up_but_picked_stock_holds_it(
    shop: OrderPlant,
) -> None:
    shop.pref("perform_item_commitment_after_transaction_entry", "true")
    so = shop.so("Lakeside Foods", ("BOTTLE", 4))
    po = shop.po("Glass Works", ("BOTTLE", 10))
    receipt = purchasing.receive_purchase_order(shop.uow, po.number)
    assert shop.committed(so.number) == 4  # commit-after-entry gave it to the order
    inventory.reverse_posting(shop.uow, receipt.changes.event_id)
    assert shop.committed(so.number) == 0
    assert shop.so_line(so.number, "1").backordered == 4
    again = purchasing.receive_purchase_order(shop.uow, po.number)
    shop.pick(so.number)  # 4 picked for the order, waiting to ship
    before = ledger_rows(shop)
    with pytest.raises(
        InsufficientStock,
        match=f"cannot reverse receipt {again.number}: what it brought in is no longer all here "
        r"\(BOTTLE: 4 of the stock is picked for orders waiting to ship\); correct the stock "
        "with an adjustment instead",
    ):
        inventory.reverse_posting(shop.uow, again.changes.event_id)
    assert ledger_rows(shop) == before
    assert purchasing.get_purchase_order(shop.uow, po.number).lines[0].received == D(10)


def test_a_receipt_whose_goods_were_used_is_not_taken_back(shop: OrderPlant) -> None:
    po = shop.po("Glass Works", ("BOTTLE", 12))
    receipt = purchasing.receive_purchase_order(shop.uow, po.number)
    shop.stock("CAP", 12)
    wo = shop.wo("CASE-12", 1)
    work_orders.issue_components(shop.uow, wo, {"BOTTLE": "5"})
    before = ledger_rows(shop)
    with pytest.raises(
        InsufficientStock,
        match=f"cannot reverse receipt {receipt.number}: what it brought in is no longer all "
        r"here \(BOTTLE: 12 needed but only 7 on hand\)",
    ):
        inventory.reverse_posting(shop.uow, receipt.changes.event_id)
    assert ledger_rows(shop) == before
    order = purchasing.get_purchase_order(shop.uow, po.number)
    assert (order.status, order.lines[0].received, order.reversed_receipts) == (
        "received",
        D(12),
        [],
    )
    assert finance.list_events(shop.uow, moment="receipt_reversed").total == 0


def test_a_reversal_happens_once_and_is_not_itself_reversed(shop: OrderPlant) -> None:
    adjusted = inventory.adjust_stock(shop.uow, "LABEL", "100", memo="found a box")
    first = inventory.reverse_posting(shop.uow, adjusted.event_id)
    with pytest.raises(
        ValidationError,
        match=f"event {adjusted.event_id} has already been reversed, by event {first.event_id}",
    ):
        inventory.reverse_posting(shop.uow, adjusted.event_id)
    with pytest.raises(ValidationError, match="a reversal is not reversed"):
        inventory.reverse_posting(shop.uow, first.event_id)
    with pytest.raises(NotFound, match="no stock posting with event id 999999"):
        inventory.reverse_posting(shop.uow, 999999)
    assert shop.on_hand("LABEL") == 0


def test_reversing_is_for_those_who_may_adjust_stock(shop: OrderPlant) -> None:
    from app.errors import PermissionDenied
    from app.services import admin
    from app.services.engine.uow import Actor, UnitOfWork

    admin.add_user(shop.uow, "tester", "admin")
    admin.add_user(shop.uow, "pat", "picker")
    po = shop.po("Glass Works", ("BOTTLE", 5))
    picker = UnitOfWork(shop.uow.database, Actor("pat", "dock"))
    receipt = purchasing.receive_purchase_order(picker, po.number)
    with pytest.raises(PermissionDenied, match=r"pat \(picker\) may not adjust stock"):
        inventory.reverse_posting(picker, receipt.changes.event_id)
    inventory.reverse_posting(shop.uow, receipt.changes.event_id)
    assert shop.on_hand("BOTTLE") == 0


def test_a_transfer_shipment_still_in_transit_goes_back_to_the_source(shop: OrderPlant) -> None:
    from app.services.catalog import items
    from app.services.transfers import transfer_orders as transfers
    from app.services.transfers.transfer_orders import TransferLineEntry

    uow = shop.uow
    items.add_location(uow, "EAST", "East warehouse")
    shop.stock("BOTTLE", 20)
    shop.stock("CAP", 5)
    order = transfers.create_transfer_order(
        uow, "MAIN", "EAST", [TransferLineEntry("BOTTLE", "12"), TransferLineEntry("CAP", "5")]
    )
    first = transfers.ship_transfer_order(uow, order.number, {"BOTTLE": "8", "CAP": "5"})
    second = transfers.ship_transfer_order(uow, order.number, {"BOTTLE": "4"})
    assert second.order.status == "pending_receipt"
    before = ledger_rows(shop)
    reversed_ = inventory.reverse_posting(uow, second.changes.event_id, memo="truck left empty")
    assert ledger_rows(shop) == before + 2
    back = transfers.get_transfer_order(uow, order.number)
    assert back.status == "partially_fulfilled"
    assert [(ln.sku, ln.shipped, ln.in_transit) for ln in back.lines] == [
        ("BOTTLE", D(8), D(8)),
        ("CAP", D(5), D(5)),
    ]
    # The bottles are back on the source's shelf, committed to the line that needs them again.
    main = inventory.stock_position(uow, "BOTTLE", "MAIN")
    assert (main.on_hand, main.committed, main.backordered) == (D(12), D(4), D(0))
    assert order.number in reversed_.changes.of("transfer_order")
    # Part of the first shipment arrived: it is no longer all in transit.
    transfers.receive_transfer_order(uow, order.number, {"BOTTLE": "3"})
    with pytest.raises(
        InsufficientStock,
        match=f"cannot reverse shipment {first.number} of {order.number}: it shipped 8 BOTTLE "
        "but only 5 is still in transit",
    ):
        inventory.reverse_posting(uow, first.changes.event_id)
    receipt_event = next(
        r.event_id for r in inventory.ledger_history(uow, "BOTTLE") if r.reason == "transfer_in"
    )
    with pytest.raises(ValidationError, match="a transfer order the other way moves them back"):
        inventory.reverse_posting(uow, receipt_event)
    # Shipped again, properly.
    assert transfers.ship_transfer_order(uow, order.number).order.status == "pending_receipt"


def test_every_ledger_reason_says_how_its_postings_are_reversed() -> None:
    """Whatever kinds of posting the program has, `reverse` either reverses one or says what
    to do instead: no ledger reason is left without a word. (In a fresh interpreter, so that
    only the program's own reasons are registered.)"""
    program = """
import importlib, pkgutil
import app.services
from app.models.kinds import LEDGER_REASONS
from app.services.engine.reversal import reversal_rules
for found in pkgutil.walk_packages(app.services.__path__, "app.services."):
    importlib.import_module(found.name)
rules = reversal_rules()
print(sorted(set(LEDGER_REASONS.words) - set(rules)))
print(sorted(r for r, rule in rules.items() if rule.reverse is None and not rule.instead))
print(sorted(r for r, rule in rules.items() if rule.reverse is not None))
"""
    ran = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=120
    )
    unruled, wordless, reversed_ = ran.stdout.splitlines()
    assert (unruled, wordless) == ("[]", "[]")
    assert reversed_ == str(
        ["adjustment", "count", "customer_return", "receipt", "return_scrap", "transfer_out"]
    )
