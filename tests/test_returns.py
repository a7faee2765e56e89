"""Customer returns on both databases: a return authorized from a sales order's shipped lines,
received back into stock or scrapped at the cost it shipped at, the customer's credit told to
finance at approval or at receipt as the preference says, a kit returned as its members, never
more than shipped and not returned yet, a drop-shipped line sent back to its vendor on a
vendor return of its own, a receipt reversed, and the refusals that change nothing. `check`
proves every RMA against the ledger and finance after each test."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from app.errors import (
    IllegalTransition,
    InsufficientStock,
    NotFound,
    OverageNotAllowed,
    PermissionDenied,
    ValidationError,
)
from app.services import admin, finance, inventory, reasons
from app.services.catalog import items
from app.services.check import check_database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.orders import purchasing, trace
from app.services.returns import returns
from app.services.returns.returns import ReturnInfo
from app.services.vendor_returns import returns as vendor_returns
from tests.orders_plant import OrderPlant
from tests.plant import D, Plant


@pytest.fixture
def shop(plant: Plant) -> OrderPlant:
    """SO-000001 for Harbor Cycles (customer PO CPO-77) shipped in full: line 1, 5 cases at
    30 (standard cost 8); line 2, 2 gift boxes at 60 (each a case and 2 labels: lines 2.1 and
    2.2); line 3, a rack drop-shipped by its vendor; line 4, a service."""
    shop = OrderPlant(plant.uow).setup()
    shop.stock("CASE-12", 7)
    shop.stock("LABEL", 4)
    so = shop.so(
        "Harbor Cycles",
        ("CASE-12", "5", None, "30"),
        ("GIFT-BOX", "2", None, "60"),
        ("RACK", "1", "drop_ship", "70"),
        ("SERVICE", "1", None, "15"),
        customer_po="CPO-77",
    )
    shop.ship(shop.pick(so.number).number)
    (po,) = shop.so_line(so.number, "3").created
    purchasing.mark_drop_ship_shipped(shop.uow, po)
    reasons.add_reason_code(shop.uow, "DAMAGED", "return", "arrived damaged")
    reasons.add_reason_code(shop.uow, "WRONG", "return", "wrong item sent")
    assert shop.show_so(so.number).status == "fulfilled"
    return shop


SO = "SO-000001"


def line(info: ReturnInfo, label: str):  # type: ignore[no-untyped-def]
    return next(ln for ln in info.lines if ln.line == label)


def credits(shop: OrderPlant) -> list[tuple[str, list[tuple[str, Decimal, Decimal]]]]:
    events = finance.list_events(shop.uow, moment="customer_credit").rows
    return [
        (e.document, [(ln.sku, ln.quantity, ln.amount) for ln in e.lines]) for e in reversed(events)
    ]


def returned(shop: OrderPlant) -> list[Decimal]:
    return [ln.returned for ln in shop.show_so(SO).lines]


# --- a return restocked, a return scrapped ------------------------------------------------


def test_a_return_comes_back_into_stock_and_is_credited_as_it_arrives(shop: OrderPlant) -> None:
    uow = shop.uow
    created = returns.create_return(uow, SO, {"1": "2"}, reason="damaged", memo="box crushed")
    number = created.number
    assert number == "RMA-000001"
    assert (created.status, created.sales_order, created.customer_po) == (
        "pending_approval",
        SO,
        "CPO-77",
    )
    assert (created.reason_code, created.location, created.memo) == (
        "DAMAGED",
        "MAIN",
        "box crushed",
    )
    assert [(ln.line, ln.sku, ln.quantity, ln.rate, ln.unit_cost) for ln in created.lines] == [
        ("1", "CASE-12", D(2), D(30), D(8))
    ]
    assert created.actions == ["approve", "cancel"]
    assert SO in created.changes.of("sales_order")
    # The order's status does not change; its line shows what is coming back.
    assert shop.show_so(SO).status == "fulfilled"
    assert returned(shop)[0] == D(2)
    assert shop.show_so(SO).returns == [number]
    with pytest.raises(
        IllegalTransition,
        match=f"cannot receive {number}: it is Pending Approval; approve it first",
    ):
        returns.receive_return(uow, number)
    approved = returns.approve_return(uow, number)
    assert (approved.status, approved.approved_by, approved.credit_in_advance) == (
        "pending_receipt",
        "tester",
        False,
    )
    assert credits(shop) == []  # credited as it comes back
    on_hand = shop.on_hand("CASE-12")
    got = returns.receive_return(uow, number, {"1": "2"})
    assert got.status == "received" and got.actions == ["close"]
    assert (line(got, "1").received, line(got, "1").restocked) == (D(2), D(2))
    assert shop.on_hand("CASE-12") == on_hand + 2
    rows = [r for r in inventory.ledger_history(uow, "CASE-12") if r.source == number]
    assert [(r.reason, r.quantity, r.unit_cost, r.location, r.source_kind) for r in rows] == [
        ("customer_return", D(2), D(8), "MAIN", "return_authorization")
    ]
    assert credits(shop) == [(number, [("CASE-12", D(2), D(60))])]
    (event,) = finance.list_events(uow, moment="customer_credit").rows
    assert (event.created_from, event.customer_po, event.party, event.document_kind) == (
        SO,
        "CPO-77",
        "Harbor Cycles",
        "return_authorization",
    )
    assert (got.credit, got.credited_at is not None) == (D(60), True)
    (receipt,) = returns.return_receipts(uow, number)
    assert (receipt.restocked, receipt.scrapped, receipt.location) == (D(2), D(0), "MAIN")
    closed = returns.close_return(uow, number)
    assert (closed.status, closed.closed_by, closed.actions) == ("closed", "tester", [])
    assert returned(shop)[0] == D(2)
    # The customer's PO number finds the return, and the return its order.
    found = {r.number: r for r in trace.trace(uow, "CPO-77").records}
    assert found[number].created_from == SO and number in found[SO].spawned


def test_a_return_refunded_in_advance_is_credited_at_approval_and_scrapped(
    shop: OrderPlant,
) -> None:
    uow = shop.uow
    shop.pref("refund_in_advance_of_return", "true")
    shop.pref("default_return_authorization_status", "pending_receipt")
    shop.pref("restock_returned_items", "false")
    created = returns.create_return(uow, SO, {"1": "3"})
    number = created.number
    # Created as pending receipt: approved at once, and credited for all three at once.
    assert (created.status, created.approved_by, created.credit_in_advance) == (
        "pending_receipt",
        "tester",
        True,
    )
    assert credits(shop) == [(number, [("CASE-12", D(3), D(90))])]
    on_hand = shop.on_hand("CASE-12")
    got = returns.receive_return(uow, number, {"CASE-12": "1"})  # scrapped: the preference
    assert got.status == "partially_received"
    assert (line(got, "1").received, line(got, "1").scrapped, line(got, "1").restocked) == (
        D(1),
        D(1),
        D(0),
    )
    assert shop.on_hand("CASE-12") == on_hand
    rows = [r for r in inventory.ledger_history(uow, "CASE-12") if r.source == number]
    assert sorted((r.reason, r.quantity, r.unit_cost) for r in rows) == [
        ("customer_return", D(1), D(8)),
        ("return_scrap", D(-1), D(8)),
    ]
    assert len(credits(shop)) == 1  # nothing more: it was credited in advance
    # Told to restock this time, against the preference.
    returns.receive_return(uow, number, {"1": "1"}, restock=True)
    assert shop.on_hand("CASE-12") == on_hand + 1
    # Nothing more comes back: the credit for the one that did not is withdrawn.
    closed = returns.close_return(uow, number)
    assert credits(shop)[-1] == (number, [("CASE-12", D(-1), D(-30))])
    assert (line(closed, "1").credited, closed.credit) == (D(2), D(60))
    assert returned(shop)[0] == D(2)  # a closed return takes back what it received


def test_cancelling_a_return_refunded_in_advance_withdraws_its_credit(shop: OrderPlant) -> None:
    shop.pref("refund_in_advance_of_return", "true")
    number = returns.create_return(shop.uow, SO, {"1": "5"}).number
    assert credits(shop) == []  # pending approval: nothing credited yet
    returns.approve_return(shop.uow, number)
    cancelled = returns.cancel_return(shop.uow, number)
    assert cancelled.status == "cancelled" and cancelled.credit == 0
    assert credits(shop) == [
        (number, [("CASE-12", D(5), D(150))]),
        (number, [("CASE-12", D(-5), D(-150))]),
    ]
    assert returned(shop)[0] == 0  # a cancelled return takes nothing back
    assert returns.create_return(shop.uow, SO, {"1": "5"}).number == "RMA-000002"


# --- kits, more than shipped, lines that do not come back -----------------------------------


def test_a_kit_comes_back_as_its_members_and_is_credited_as_the_kit(shop: OrderPlant) -> None:
    uow = shop.uow
    created = returns.create_return(uow, SO, {"2": "2"})
    assert [(ln.line, ln.sku, ln.quantity, ln.kit_member) for ln in created.lines] == [
        ("2", "GIFT-BOX", D(2), False),
        ("2.1", "CASE-12", D(2), True),
        ("2.2", "LABEL", D(4), True),
    ]
    number = created.number
    returns.approve_return(uow, number)
    # One label first: no whole kit has come back, so nothing is credited.
    got = returns.receive_return(uow, number, {"2.2": "1"})
    assert (line(got, "2").received, line(got, "2.2").received) == (0, D(1))
    assert credits(shop) == []
    # One kit's worth by the kit's line: its members in proportion.
    got = returns.receive_return(uow, number, {"2": "1"})
    assert [line(got, n).received for n in ("2", "2.1", "2.2")] == [D(1), D(1), D(3)]
    assert credits(shop) == [(number, [("GIFT-BOX", D(1), D(60))])]
    got = returns.receive_return(uow, number)  # the rest
    assert got.status == "received"
    assert credits(shop)[-1] == (number, [("GIFT-BOX", D(1), D(60))])
    assert returned(shop)[1:4] == [D(2), D(2), D(4)]
    with pytest.raises(OverageNotAllowed, match="0 shipped and not returned yet"):
        returns.create_return(uow, SO, {"2": "1"})


def test_never_more_than_shipped_and_not_returned_yet(shop: OrderPlant) -> None:
    uow = shop.uow
    with pytest.raises(
        OverageNotAllowed,
        match=rf"{SO} line 1 \(CASE-12\): 6 is more than the 5 shipped and not returned yet "
        r"\(shipped 5, returned 0\)",
    ):
        returns.create_return(uow, SO, {"1": "6"})
    first = returns.create_return(uow, SO, {"1": "4"}).number
    with pytest.raises(OverageNotAllowed, match=r"more than the 1 shipped and not returned yet"):
        returns.create_return(uow, SO, {"1": "2"})
    # A closed return gives back what did not come.
    returns.approve_return(uow, first)
    returns.receive_return(uow, first, {"1": "1"})
    returns.close_return(uow, first)
    assert returned(shop)[0] == D(1)
    assert returns.create_return(uow, SO, {"1": "4"}).lines[0].quantity == D(4)


@pytest.mark.parametrize(
    ("lines", "error", "words"),
    [
        ({"4": "1"}, ValidationError, "line 4 \\(SERVICE\\): it carries no stock"),
        ({"2.1": "1"}, ValidationError, "it ships as part of kit 2: return the kit"),
        ({"2": "1.5"}, ValidationError, "it comes back in whole kits, not 1.5"),
        ({"9": "1"}, NotFound, f"{SO} has no line '9'"),
        ({"1": "0"}, ValidationError, "quantity of line 1 must be"),
        ({}, ValidationError, "say what comes back on"),
    ],
)
def test_a_return_that_cannot_be_authorized_says_why_and_makes_nothing(
    shop: OrderPlant, lines: dict[str, str], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        returns.create_return(shop.uow, SO, lines)
    assert returns.list_returns(shop.uow).total == 0


def test_a_return_reason_is_one_the_admin_keeps(shop: OrderPlant) -> None:
    with pytest.raises(
        NotFound, match="unknown return reason 'LOST'; the return reasons are DAMAGED, WRONG"
    ):
        returns.create_return(shop.uow, SO, {"1": "1"}, reason="lost")
    reasons.set_reason_code_active(shop.uow, "WRONG", "return", False)
    with pytest.raises(ValidationError, match="return reason WRONG is retired"):
        returns.create_return(shop.uow, SO, {"1": "1"}, reason="WRONG")
    assert returns.list_returns(shop.uow).total == 0


def test_receiving_refuses_what_was_not_authorized(shop: OrderPlant) -> None:
    uow = shop.uow
    shop.pref("default_return_authorization_status", "pending_receipt")
    number = returns.create_return(uow, SO, {"1": "2", "2": "1"}).number
    before = shop.on_hand("CASE-12")
    with pytest.raises(
        OverageNotAllowed,
        match=rf"{number} line 1 \(CASE-12\): 3 is more than the 2 still to come back of the 2 "
        "authorized",
    ):
        returns.receive_return(uow, number, {"1": "3"})
    with pytest.raises(NotFound, match=r"CASE-12 is on lines 1, 2\.1 of"):
        returns.receive_return(uow, number, {"CASE-12": "1"})
    with pytest.raises(NotFound, match="'BOTTLE' is not on"):
        returns.receive_return(uow, number, {"BOTTLE": "1"})
    with pytest.raises(ValidationError, match="restocked or scrapped, not 'keep'"):
        returns.receive_return(uow, number, {"1": "1"}, dispositions={"1": "keep"})
    with pytest.raises(IllegalTransition, match="nothing was received; cancel it instead"):
        returns.close_return(uow, number)
    shop.pref("default_items_to_zero_received_fulfilled", "true")
    with pytest.raises(ValidationError, match="receipts start at zero"):
        returns.receive_return(uow, number)
    assert shop.on_hand("CASE-12") == before
    got = returns.receive_return(uow, number, {"1": "1"})
    with pytest.raises(IllegalTransition, match="part of it came back; close it instead"):
        returns.cancel_return(uow, got.number)


def test_each_line_is_restocked_or_scrapped_and_at_any_location(shop: OrderPlant) -> None:
    uow = shop.uow
    items.add_location(uow, "EAST", "East store")
    shop.pref("default_return_authorization_status", "pending_receipt")
    number = returns.create_return(uow, SO, {"1": "2", "2": "1"}, location="EAST").number
    got = returns.receive_return(
        uow, number, dispositions={"1": "restock", "2": "scrap"}, restock=False
    )
    assert [(ln.line, ln.restocked, ln.scrapped) for ln in got.lines] == [
        ("1", D(2), D(0)),
        ("2", D(0), D(0)),
        ("2.1", D(0), D(1)),
        ("2.2", D(0), D(2)),
    ]
    assert (shop.on_hand("CASE-12", "EAST"), shop.on_hand("LABEL", "EAST")) == (D(2), D(0))


def test_goods_come_back_at_the_cost_they_shipped_at(shop: OrderPlant) -> None:
    shop.item("CASE-12", "assembly", cost="11", uom="case")  # the standard cost changes
    number = returns.create_return(shop.uow, SO, {"1": "1"}).number
    assert line(returns.get_return(shop.uow, number), "1").unit_cost == D(8)


def test_order_entry_authorizes_a_supervisor_approves_and_the_dock_receives(
    shop: OrderPlant,
) -> None:
    uow = shop.uow
    admin.add_user(uow, "tester", "admin")
    admin.add_user(uow, "pat", "picker")
    admin.add_user(uow, "oona", "sales")
    pat = UnitOfWork(uow.database, Actor("pat", "dock"))
    oona = UnitOfWork(uow.database, Actor("oona", "desk"))
    with pytest.raises(PermissionDenied, match="may not enter, change, close or cancel sales"):
        returns.create_return(pat, SO, {"1": "1"})
    number = returns.create_return(oona, SO, {"1": "1"}).number
    with pytest.raises(PermissionDenied, match="oona \\(sales\\) may not approve"):
        returns.approve_return(oona, number)
    shop.pref("approver_must_differ_from_author", "true")
    mine = returns.create_return(uow, SO, {"1": "1"}).number
    with pytest.raises(PermissionDenied, match=f"{mine} was entered by tester; someone else"):
        returns.approve_return(uow, mine)
    returns.approve_return(uow, number)
    assert returns.receive_return(pat, number).status == "received"


# --- reversing a receipt --------------------------------------------------------------------


def test_a_receipt_is_reversed_while_its_goods_are_here(shop: OrderPlant) -> None:
    uow = shop.uow
    shop.pref("default_return_authorization_status", "pending_receipt")
    number = returns.create_return(uow, SO, {"1": "3", "2": "1"}).number
    on_hand = (shop.on_hand("CASE-12"), shop.on_hand("LABEL"))
    got = returns.receive_return(uow, number, {"1": "3", "2": "1"}, dispositions={"2": "scrap"})
    assert got.status == "received" and len(credits(shop)) == 1
    event = got.changes.event_id
    reversal = inventory.reverse_posting(uow, event, memo="counted the wrong pallet")
    back = returns.get_return(uow, number)
    assert back.status == "pending_receipt"
    assert [(ln.received, ln.restocked, ln.scrapped, ln.credited) for ln in back.lines] == [
        (0, 0, 0, 0),
        (0, 0, 0, 0),
        (0, 0, 0, 0),
        (0, 0, 0, 0),
    ]
    assert (shop.on_hand("CASE-12"), shop.on_hand("LABEL")) == on_hand
    assert credits(shop)[-1] == (number, [("CASE-12", D(-3), D(-90)), ("GIFT-BOX", D(-1), D(-60))])
    assert returns.return_receipts(uow, number)[0].reversed_by == reversal.event_id
    assert number in reversal.changes.of("return_authorization")
    # And received again, properly.
    assert returns.receive_return(uow, number, {"1": "1"}).status == "partially_received"


def test_a_receipt_whose_goods_went_out_again_is_not_reversed(shop: OrderPlant) -> None:
    uow = shop.uow
    shop.pref("default_return_authorization_status", "pending_receipt")
    number = returns.create_return(uow, SO, {"1": "2"}).number
    got = returns.receive_return(uow, number)
    shop.stock("CASE-12", -shop.on_hand("CASE-12") + 1)  # all but one written off
    with pytest.raises(
        InsufficientStock,
        match=f"cannot reverse the receipt on {number}: what it brought back is no longer all "
        r"here \(CASE-12: 2 needed but only 1 on hand\)",
    ):
        inventory.reverse_posting(uow, got.changes.event_id)
    assert returns.get_return(uow, number).status == "received"


# --- reading and check ----------------------------------------------------------------------


def test_the_list_filters_by_status_order_and_text(shop: OrderPlant) -> None:
    uow = shop.uow
    a = returns.create_return(uow, SO, {"1": "1"}, memo="scratched").number
    b = returns.create_return(uow, SO, {"2": "1"}).number
    returns.approve_return(uow, b)
    assert [r.number for r in returns.list_returns(uow)] == [a, b]
    assert [r.number for r in returns.list_returns(uow, status="pending receipt")] == [b]
    assert [r.number for r in returns.list_returns(uow, text="SCRATCH")] == [a]
    assert [r.number for r in returns.list_returns(uow, text="cpo-77")] == [a, b]
    assert returns.list_returns(uow, sales_order=SO).total == 2
    summary = returns.list_returns(uow).rows[1]
    assert (summary.customer, summary.lines, summary.status_label) == (
        "Harbor Cycles",
        3,
        "Pending Receipt",
    )
    with pytest.raises(ValidationError, match="unknown status 'lost'"):
        returns.list_returns(uow, status="lost")


def test_what_an_order_may_return(shop: OrderPlant) -> None:
    returns.create_return(shop.uow, SO, {"1": "2"})
    order = returns.returnable_lines(shop.uow, SO)
    assert [(ln.line, ln.shipped, ln.returned, ln.returnable) for ln in order.lines] == [
        ("1", D(5), D(2), D(3)),
        ("2", D(2), D(0), D(2)),
        ("2.1", D(2), D(0), D(0)),
        ("2.2", D(4), D(0), D(0)),
        ("3", D(1), D(0), D(1)),  # back to its vendor
        ("4", D(0), D(0), D(0)),
    ]
    assert [ln.why_not is None for ln in order.lines] == [True, True, False, False, True, False]
    assert order.returns == ["RMA-000001"]


@pytest.mark.sqlite_only
def test_check_proves_a_return_against_the_ledger_and_finance(shop: OrderPlant) -> None:
    uow = shop.uow
    shop.pref("default_return_authorization_status", "pending_receipt")
    number = returns.create_return(uow, SO, {"1": "2"}).number
    returns.receive_return(uow, number, {"1": "1"})
    assert check_database(uow).ok
    with uow.database.engine.begin() as conn:
        conn.execute(text("UPDATE return_line SET received = 2000000, restocked = 2000000"))
    problems = check_database(uow).problems
    assert (
        f"{number} line 1: received 2, restocked 2, scrapped 0 but the ledger brought in 1 "
        "and scrapped 0" in problems
    )
    assert f"{number} line 1: credits 1, 2 is due and finance was told 1" in problems
    with uow.database.engine.begin() as conn:
        conn.execute(text("UPDATE return_line SET received = 1000000, restocked = 1000000"))
        conn.execute(text("UPDATE return_line SET quantity = 6000000"))
    assert any("returns take back 6 of the 5 it shipped" in p for p in check_database(uow).problems)
    with uow.database.engine.begin() as conn:
        conn.execute(text("UPDATE return_line SET quantity = 2000000"))
    assert check_database(uow).ok


# --- a drop-shipped line goes back to its vendor ------------------------------------------


def vendor_credits(shop: OrderPlant) -> list[tuple[str, list[tuple[str, Decimal, Decimal]]]]:
    events = finance.list_events(shop.uow, moment="vendor_credit").rows
    return [
        (e.document, [(ln.sku, ln.quantity, ln.amount) for ln in e.lines]) for e in reversed(events)
    ]


def test_a_drop_shipped_line_goes_back_to_its_vendor_on_a_vendor_return(
    shop: OrderPlant,
) -> None:
    """The rack the vendor shipped to the customer is returned: approving the RMA makes a
    vendor return of the drop-ship order; the customer sends the rack to the vendor, and once
    that return ships the RMA has received it and the customer is credited; nothing moves
    through our stock."""
    uow = shop.uow
    (po,) = shop.so_line(SO, "3").created
    cost = purchasing.get_purchase_order(uow, po).lines[0].unit_cost
    rack_rows = len(inventory.ledger_history(uow, "RACK"))
    created = returns.create_return(uow, SO, {"1": "1", "3": "1"}, reason="damaged")
    number = created.number
    assert created.vendor_returns == []  # not before it is approved
    assert line(created, "3").to_vendor and not line(created, "1").to_vendor
    assert shop.so_line(SO, "3").returned == D(1)
    approved = returns.approve_return(uow, number)
    (vra_number,) = approved.vendor_returns
    assert line(approved, "3").to_receive == D(0)  # nothing of it comes to our dock
    vra = vendor_returns.get_vendor_return(uow, vra_number)
    assert (vra.purchase_order, vra.return_authorization, vra.status, vra.reason_code) == (
        po,
        number,
        "pending_approval",
        "DAMAGED",
    )
    assert [(ln.sku, ln.quantity, ln.unit_cost, ln.receipt) for ln in vra.lines] == [
        ("RACK", D(1), cost, None)
    ]
    assert vra.actions == ["approve"]  # closed or cancelled with its RMA
    with pytest.raises(
        ValidationError,
        match=rf"{number} line 3 \(RACK\) does not come back here: line 3 \(RACK\) goes back "
        rf"to the vendor who drop-shipped it, on {vra_number}",
    ):
        returns.receive_return(uow, number, {"3": "1"})
    for refused in (vendor_returns.cancel_vendor_return, vendor_returns.close_vendor_return):
        with pytest.raises(IllegalTransition, match=f"on its own: .* on {number}"):
            refused(uow, vra_number)
    got = returns.receive_return(uow, number)  # everything that comes here: the case
    assert (got.status, line(got, "1").received, line(got, "3").received) == (
        "partially_received",
        D(1),
        D(0),
    )
    assert credits(shop) == [(number, [("CASE-12", D(1), D(30))])]
    vendor_returns.approve_vendor_return(uow, vra_number)
    shipped = vendor_returns.ship_vendor_return(uow, vra_number)
    assert shipped.status == "returned" and number in shipped.changes.of("return_authorization")
    assert len(inventory.ledger_history(uow, "RACK")) == rack_rows  # no stock of ours moved
    back = returns.get_return(uow, number)
    assert (back.status, line(back, "3").received, line(back, "3").restocked) == (
        "received",
        D(1),
        D(0),
    )
    assert credits(shop) == [
        (number, [("CASE-12", D(1), D(30))]),
        (number, [("RACK", D(1), D(70))]),
    ]
    assert vendor_credits(shop) == [(vra_number, [("RACK", D(1), cost)])]
    returns.close_return(uow, number)
    assert vendor_returns.get_vendor_return(uow, vra_number).status == "returned"
    found = {r.number: r for r in trace.trace(uow, vra_number).records}
    assert number in found and po in found
    assert check_database(uow).ok


def test_a_return_cancelled_or_closed_finishes_its_vendor_return(shop: OrderPlant) -> None:
    """Refunded and credited in advance: cancelling the RMA cancels its vendor return, and
    both credits are withdrawn; a return approved at once makes an approved vendor return."""
    uow = shop.uow
    shop.pref("refund_in_advance_of_return", "true")
    shop.pref("credit_in_advance_of_vendor_return", "true")
    shop.pref("default_return_authorization_status", "pending_receipt")
    shop.pref("default_vendor_return_authorization_status", "pending_return")
    number = returns.create_return(uow, SO, {"3": "1"}).number
    (vra_number,) = returns.get_return(uow, number).vendor_returns
    assert vendor_returns.get_vendor_return(uow, vra_number).status == "pending_return"
    assert [c[1][0][1] for c in credits(shop)] == [D(1)]
    assert [c[1][0][1] for c in vendor_credits(shop)] == [D(1)]
    cancelled = returns.cancel_return(uow, number)
    assert cancelled.status == "cancelled"
    assert vendor_returns.get_vendor_return(uow, vra_number).status == "cancelled"
    assert [c[1][0][1] for c in credits(shop)] == [D(1), D(-1)]
    assert [c[1][0][1] for c in vendor_credits(shop)] == [D(1), D(-1)]
    assert shop.so_line(SO, "3").returned == D(0)
    # The rack may be returned again; with nothing left to come back it is received.
    again = returns.create_return(uow, SO, {"3": "1"}).number
    (second,) = returns.get_return(uow, again).vendor_returns
    assert second != vra_number
    vendor_returns.ship_vendor_return(uow, second)
    assert returns.get_return(uow, again).status == "received"
    with pytest.raises(OverageNotAllowed, match="more than the 0 shipped and not returned yet"):
        returns.create_return(uow, SO, {"3": "1"})
    assert check_database(uow).ok
