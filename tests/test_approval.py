"""Separation of duties on sales orders: approving is a permission of its own, so order entry
(the `sales` role) enters orders that someone who may approve then approves; an order entered
already approved while orders wait for approval needs an author who may approve it; and with
`approver_must_differ_from_author` nobody approves their own order."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import PermissionDenied
from app.models import AuditEvent, SalesOrder
from app.services import admin
from app.services.engine.uow import Actor, UnitOfWork
from app.services.orders import sales
from tests.orders_plant import OrderPlant


def as_user(uow: UnitOfWork, name: str) -> UnitOfWork:
    return UnitOfWork(uow.database, Actor(user=name, workstation="sales-desk"))


@pytest.fixture
def desk(uow: UnitOfWork) -> OrderPlant:
    """The bottling plant; tester (admin), sam and sue (supervisors), sara (order entry)."""
    shop = OrderPlant(uow).setup()
    shop.stock("CASE-12", 20)
    admin.add_user(uow, "tester", "admin")
    admin.add_user(uow, "sam", "supervisor")
    admin.add_user(uow, "sue", "supervisor")
    admin.add_user(uow, "sara", "sales")
    return shop


def enter(uow: UnitOfWork, status: str | None = None) -> sales.SalesOrderInfo:
    line = sales.LineEntry("CASE-12", "2")
    return sales.create_sales_order(uow, "Harbor Cycles", [line], status=status)


def orders_and_events(uow: UnitOfWork) -> tuple[int, int]:
    with uow.database.session() as s:
        return (
            s.scalar(select(func.count()).select_from(SalesOrder)) or 0,
            s.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


def test_order_entry_enters_orders_and_a_supervisor_approves_them(desk: OrderPlant) -> None:
    desk.pref("default_sales_order_status", "pending_approval")
    sara, sam = as_user(desk.uow, "sara"), as_user(desk.uow, "sam")
    entered = enter(sara)
    assert (entered.status, entered.created_by) == ("pending_approval", "sara")
    assert desk.committed(entered.number) == 0
    with pytest.raises(
        PermissionDenied,
        match=r"sara \(sales\) may not approve sales orders, customer returns and vendor returns",
    ):
        sales.approve_sales_order(sara, entered.number)
    assert desk.show_so(entered.number).status == "pending_approval"
    approved = sales.approve_sales_order(sam, entered.number)
    assert approved.status == "pending_fulfillment"
    assert desk.committed(entered.number) == 2
    # Order entry still changes and cancels its orders.
    sales.update_sales_order(sara, entered.number, memo="call before delivery")


def test_an_order_entered_approved_needs_an_author_who_may_approve(desk: OrderPlant) -> None:
    desk.pref("default_sales_order_status", "pending_approval")
    sara, sam = as_user(desk.uow, "sara"), as_user(desk.uow, "sam")
    before = orders_and_events(desk.uow)
    with pytest.raises(
        PermissionDenied,
        match=r"sara \(sales\) may not approve sales orders, customer returns and vendor "
        r"returns; enter it as pending_approval",
    ):
        enter(sara, "pending_fulfillment")
    assert orders_and_events(desk.uow) == before  # no order, no number, no event
    assert enter(sam, "pending_fulfillment").status == "pending_fulfillment"
    # Where orders go straight to the floor there is no approval to give: order entry's
    # orders are approved as they are entered.
    desk.pref("default_sales_order_status", "pending_fulfillment")
    assert enter(sara).status == "pending_fulfillment"
    assert enter(sara, "pending_fulfillment").status == "pending_fulfillment"


def test_nobody_approves_their_own_order_when_approver_must_differ(desk: OrderPlant) -> None:
    desk.pref("default_sales_order_status", "pending_approval")
    desk.pref("approver_must_differ_from_author", "true")
    sam, sue = as_user(desk.uow, "sam"), as_user(desk.uow, "sue")
    mine = enter(sam)
    with pytest.raises(PermissionDenied, match=f"{mine.number} was entered by sam; someone else"):
        sales.approve_sales_order(sam, mine.number)
    assert desk.show_so(mine.number).status == "pending_approval"
    before = orders_and_events(desk.uow)
    with pytest.raises(PermissionDenied, match="approver_must_differ_from_author"):
        enter(desk.uow, "pending_fulfillment")  # not even an admin
    assert orders_and_events(desk.uow) == before
    assert sales.approve_sales_order(sue, mine.number).status == "pending_fulfillment"
    # The rule is about approval: where orders go straight to the floor it asks nothing.
    desk.pref("default_sales_order_status", "pending_fulfillment")
    assert enter(sam).status == "pending_fulfillment"


@pytest.mark.sqlite_only
def test_approver_must_differ_from_author_is_a_preference(uow: UnitOfWork) -> None:
    assert admin.show_preferences(uow)["approver_must_differ_from_author"] == "false"
    assert admin.set_preference(uow, "approver_must_differ_from_author", "yes")[
        "approver_must_differ_from_author"
    ] == ("true")
