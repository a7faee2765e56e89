"""Changing sales order lines: a line's path changed while nothing has moved on it (the work
order or purchase order it no longer needs cancelled as not needed), a build line's quantity
changed through its work order, a drop-ship line's through its purchase order; and the day a
fulfillment counts on in the books."""

from __future__ import annotations

from datetime import date

import pytest

from app.errors import IllegalTransition, ValidationError
from app.services import finance
from app.services.orders import fulfillment, partners, purchasing, sales
from app.services.production import work_orders
from tests.orders_plant import OrderPlant
from tests.plant import D, Plant


@pytest.fixture
def shop(plant: Plant) -> OrderPlant:
    return OrderPlant(plant.uow).setup()


def edit_paths(shop: OrderPlant, number: str, **paths: str) -> sales.SalesOrderInfo:
    return sales.update_sales_order(shop.uow, number, paths=paths)


def test_build_to_stock_when_the_goods_are_on_the_shelf(shop: OrderPlant) -> None:
    """The case was to be built for the order; the cases turn up on the shelf, so the line
    ships from stock and its work order is not needed."""
    shop.pref("default_work_order_status", "released")
    shop.stock("BOTTLE", 24)
    shop.stock("CAP", 24)
    so = shop.so("Harbor Cycles", ("CASE-12", 2, "build"), customer_po="HC-1")
    (wo,) = so.lines[0].created
    assert shop.line(wo, "BOTTLE").committed == D(24)
    assert (so.lines[0].committed, shop.position("CASE-12").on_order) == (D(0), D(2))
    shop.stock("CASE-12", 2)
    assert shop.so_line(so.number, "1").committed == 0  # a special order waits for its build
    changed = edit_paths(shop, so.number, **{"1": "stock"})
    line = changed.lines[0]
    assert (line.path, line.committed, line.created, line.not_needed) == (
        "stock",
        D(2),
        [wo],
        [wo],
    )
    (change,) = changed.path_changes
    assert (change.line, change.from_path, change.to_path, change.not_needed, change.made) == (
        "1",
        "build",
        "stock",
        wo,
        None,
    )
    assert work_orders.get_work_order(shop.uow, wo).status == "cancelled"
    assert shop.line(wo, "BOTTLE").committed == 0  # its components are free again
    assert (shop.position("CASE-12").on_order, shop.position("BOTTLE").committed) == (D(0), D(0))
    shop.ship(shop.pick(so.number).number)
    assert shop.show_so(so.number).status == "fulfilled"


def test_stock_to_build_and_back_and_to_drop_ship(shop: OrderPlant) -> None:
    shop.pref("allow_purchase_of_assembly_items", "true")
    partners.set_purchasing(shop.uow, "CASE-12", vendor="Rack Supply Co", price="7")
    shop.stock("CASE-12", 1)
    so = shop.so("Harbor Cycles", ("CASE-12", 3), ("LABEL", 5))
    assert so.lines[0].committed == D(1)
    # stock -> build: its stock goes back, a special order is made for it.
    built = edit_paths(shop, so.number, **{"1": "build"})
    (wo,) = built.lines[0].created
    assert (built.lines[0].path, built.lines[0].committed) == ("build", D(0))
    assert shop.position("CASE-12").committed == 0
    info = work_orders.get_work_order(shop.uow, wo)
    assert (info.quantity, info.created_from, info.sales_order_line) == (D(3), so.number, "1")
    # build -> drop ship: the work order is not needed, a purchase order is made.
    shipped = edit_paths(shop, so.number, **{"1": "drop_ship"})
    line = shipped.lines[0]
    (po,) = [n for n in line.created if n.startswith("PO-")]
    assert (line.path, line.not_needed, line.committed) == ("drop_ship", [wo], D(0))
    order = purchasing.get_purchase_order(shop.uow, po)
    assert (order.drop_ship, order.lines[0].quantity, order.vendor) == (
        True,
        D(3),
        "Rack Supply Co",
    )
    assert shop.position("CASE-12").backordered == 0  # a drop-ship line is no demand here
    # drop ship -> stock: the purchase order (its only line) is cancelled.
    back = edit_paths(shop, so.number, **{"1": "stock"})
    assert (back.lines[0].path, back.lines[0].committed) == ("stock", D(1))
    assert back.lines[0].not_needed == [wo, po]
    assert purchasing.get_purchase_order(shop.uow, po).status == "cancelled"
    assert [(c.from_path, c.to_path) for c in back.path_changes] == [
        ("stock", "build"),
        ("build", "drop_ship"),
        ("drop_ship", "stock"),
    ]
    # stock -> build again: a new special order.
    again = edit_paths(shop, so.number, **{"1": "build"})
    assert len([n for n in again.lines[0].created if n.startswith("WO-")]) == 2


def test_only_its_own_line_of_a_shared_purchase_order_is_cancelled(shop: OrderPlant) -> None:
    partners.set_purchasing(shop.uow, "LABEL", vendor="Rack Supply Co", price="0.01")
    so = shop.so("Harbor Cycles", ("RACK", 2, "drop_ship"), ("LABEL", 100, "drop_ship"))
    (po,) = so.purchase_orders
    edit_paths(shop, so.number, **{"2": "stock"})
    order = purchasing.get_purchase_order(shop.uow, po)
    assert (order.status, [ln.cancelled for ln in order.lines]) == ("open", [False, True])
    assert order.total == D(50)
    purchasing.mark_drop_ship_shipped(shop.uow, po)
    assert purchasing.get_purchase_order(shop.uow, po).status_label == "Shipped by Vendor"


def test_a_path_changes_only_while_nothing_has_moved(shop: OrderPlant) -> None:
    shop.pref("default_work_order_status", "released")
    shop.stock("BOTTLE", 24)
    shop.stock("CAP", 24)
    shop.stock("LABEL", 10)
    so = shop.so(
        "Harbor Cycles",
        ("CASE-12", 1, "build"),
        ("LABEL", 2),
        ("RACK", 1, "drop_ship"),
        ("GIFT-BOX", 1),
        ("SERVICE", 1),
    )
    wo = so.lines[0].created[0]
    (po,) = so.purchase_orders
    work_orders.issue_components(shop.uow, wo, {"BOTTLE": "1"})
    shop.pick(so.number, {"2": "1"})
    purchasing.mark_drop_ship_shipped(shop.uow, po)
    before = shop.show_so(so.number)
    refusals = {
        "1": (IllegalTransition, f"{wo} has moved stock"),
        "2": (IllegalTransition, "1 LABEL is picked or shipped"),
        "3": (IllegalTransition, "1 RACK is picked or shipped"),
        "4": (ValidationError, "kit"),
        "4.1": (ValidationError, "kit"),
        "5": (ValidationError, "carries no stock"),
    }
    for label, (error, words) in refusals.items():
        with pytest.raises(error, match=words):
            edit_paths(shop, so.number, **{label: "stock" if label != "2" else "build"})
    with pytest.raises(ValidationError, match="LABEL is an inventory item"):
        other = shop.so("Lakeside Foods", ("LABEL", 1))
        edit_paths(shop, other.number, **{"1": "build"})
    with pytest.raises(ValidationError, match="line 1 is a stock line already"):
        edit_paths(shop, other.number, **{"1": "stock"})
    with pytest.raises(ValidationError, match="not one of stock, build, drop_ship"):
        edit_paths(shop, other.number, **{"1": "kit"})
    with pytest.raises(ValidationError, match="LABEL has no preferred vendor"):
        edit_paths(shop, other.number, **{"1": "drop_ship"})
    assert shop.show_so(so.number) == before


def test_a_pending_order_changes_paths_and_makes_what_they_need_at_approval(
    shop: OrderPlant,
) -> None:
    shop.stock("CASE-12", 5)
    so = shop.so(
        "Lakeside Foods", ("CASE-12", 2), ("RACK", 1, "drop_ship"), status="pending_approval"
    )
    changed = sales.update_sales_order(shop.uow, so.number, paths={"1": "build", "2": "stock"})
    assert [(ln.path, ln.created) for ln in changed.lines] == [("build", []), ("stock", [])]
    approved = sales.approve_sales_order(shop.uow, so.number)
    (wo,) = approved.lines[0].created
    assert work_orders.get_work_order(shop.uow, wo).sales_order_line == "1"
    assert (approved.lines[0].committed, approved.lines[1].committed) == (D(0), D(0))
    assert approved.purchase_orders == []


def test_a_build_line_changes_quantity_through_its_work_order(shop: OrderPlant) -> None:
    shop.pref("default_work_order_status", "released")
    shop.stock("BOTTLE", 60)
    shop.stock("CAP", 60)
    so = shop.so("Harbor Cycles", ("CASE-12", 2, "build"))
    (wo,) = so.lines[0].created
    changed = sales.update_sales_order(shop.uow, so.number, quantities={"1": "4"})
    assert changed.lines[0].quantity == D(4)
    info = work_orders.get_work_order(shop.uow, wo)
    assert (info.quantity, [(ln.sku, ln.required, ln.committed) for ln in info.lines]) == (
        D(4),
        [("BOTTLE", D(48), D(48)), ("CAP", D(48), D(48))],
    )
    assert shop.position("CASE-12").on_order == D(4)
    work_orders.post_assembly_build(shop.uow, wo, "3")
    with pytest.raises(ValidationError, match=f"cannot make {wo} 2: 3 is built already"):
        sales.update_sales_order(shop.uow, so.number, quantities={"1": "2"})
    cut = sales.update_sales_order(shop.uow, so.number, quantities={"1": "3"})
    assert (cut.lines[0].quantity, cut.lines[0].committed) == (D(3), D(3))
    info = work_orders.get_work_order(shop.uow, wo)
    assert (info.status, info.quantity, shop.position("CASE-12").on_order) == (
        "built",
        D(3),
        D(0),
    )
    assert shop.line(wo, "BOTTLE").committed == 0  # what it no longer needs is released
    work_orders.close_work_order(shop.uow, wo)
    with pytest.raises(IllegalTransition, match=f"cannot make {wo} 4: it is Closed"):
        sales.update_sales_order(shop.uow, so.number, quantities={"1": "4"})


class _Day(date):
    """The plant's calendar, moved to a chosen day."""

    today_is = date(2031, 1, 31)

    @classmethod
    def today(cls) -> date:
        return cls.today_is


@pytest.mark.parametrize("follow", [True, False], ids=["dated-when-shipped", "dated-when-picked"])
def test_the_day_a_fulfillment_counts_on(
    shop: OrderPlant, follow: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seed 001: picked in January and shipped in February, the shipment counts in
    February when the transaction date follows the status, else in January."""
    shop.pref("update_transaction_date_upon_fulfillment_status_change", str(follow).lower())
    monkeypatch.setattr("app.services.orders.fulfillment.date", _Day)
    monkeypatch.setattr("app.services.finance.date", _Day)
    shop.stock("LABEL", 5)
    so = shop.so("Lakeside Foods", ("LABEL", 5, "stock", "1"))
    picked = shop.pick(so.number)
    assert picked.transaction_date == date(2031, 1, 31)
    _Day.today_is = date(2031, 2, 1)
    packed = fulfillment.pack_fulfillment(shop.uow, picked.number)
    shipped = shop.ship(picked.number)
    day = date(2031, 2, 1) if follow else date(2031, 1, 31)
    assert (packed.transaction_date, shipped.transaction_date) == (day, day)
    (event,) = finance.list_events(shop.uow, moment="shipped").rows
    assert event.transaction_date == day
    _Day.today_is = date(2031, 1, 31)


def test_a_line_grown_past_what_was_picked_over_it_holds_that_pick_firm(
    shop: OrderPlant,
) -> None:
    """Picked beyond the order (overage) is not held for it; once the line grows to take it
    in, what is picked within the line's need is firm again."""
    shop.pref("allow_overage_on_item_fulfillments", "true")
    shop.pref("fulfill_based_on_commitment", "allow_uncommitted")
    shop.stock("LABEL", 5)
    so = shop.so("Lakeside Foods", ("LABEL", 1))
    shop.pick(so.number, {"1": "3"})
    assert (shop.so_line(so.number, "1").picked, shop.position("LABEL").committed) == (D(1), D(1))
    grown = sales.update_sales_order(shop.uow, so.number, quantities={"1": "4"})
    line = grown.lines[0]
    assert (line.picked, line.committed) == (D(3), D(4))
    # Less than what is picked within the need is still refused.
    with pytest.raises(ValidationError, match="less than what is picked or shipped"):
        sales.update_sales_order(shop.uow, so.number, quantities={"1": "2"})
