"""Changing purchase orders: lines added, cut and cancelled with what is on order following;
drop-ship quantities kept in step with their sales order lines or compared when the vendor
ships; a drop-ship line both marked shipped and received; the purchasing preferences."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.errors import IllegalTransition, NotFound, ValidationError
from app.services import finance, inventory
from app.services.catalog import items
from app.services.orders import partners, purchasing, sales
from app.services.orders.purchase_changes import edit_purchase_order
from tests.orders_plant import OrderPlant
from tests.plant import D, Plant


@pytest.fixture
def shop(plant: Plant) -> OrderPlant:
    return OrderPlant(plant.uow).setup()


def on_order(shop: OrderPlant, sku: str) -> Decimal:
    return shop.position(sku).on_order


# --- lines added, cut, cancelled ----------------------------------------------------------


def test_a_line_added_cut_and_cancelled_moves_what_is_on_order(shop: OrderPlant) -> None:
    po = shop.po("Glass Works", ("BOTTLE", 100), ("CAP", 50))
    assert (on_order(shop, "BOTTLE"), on_order(shop, "CAP")) == (D(100), D(50))
    purchasing.receive_purchase_order(shop.uow, po.number, {"BOTTLE": "30"})
    # Cut: never below what came in.
    with pytest.raises(ValidationError, match="less than the 30 that came in"):
        edit_purchase_order(shop.uow, po.number, quantities={"BOTTLE": "29"})
    info = edit_purchase_order(
        shop.uow,
        po.number,
        quantities={"BOTTLE": "40"},
        prices={"CAP": "0.06"},
        expected="2031-04-01",
        add=[purchasing.OrderedLine("LABEL", "500", "0.02")],
    )
    assert [(ln.line_no, ln.sku, ln.quantity, ln.unit_cost, ln.remaining) for ln in info.lines] == [
        (1, "BOTTLE", D(40), D("0.4"), D(10)),
        (2, "CAP", D(50), D("0.06"), D(50)),
        (3, "LABEL", D(500), D("0.02"), D(500)),
    ]
    assert str(info.expected_date) == "2031-04-01"
    assert (on_order(shop, "BOTTLE"), on_order(shop, "LABEL")) == (D(10), D(500))
    # A line something came in on is cut, not cancelled.
    with pytest.raises(ValidationError, match="cut its quantity to 30 instead"):
        edit_purchase_order(shop.uow, po.number, cancel=["BOTTLE"])
    info = edit_purchase_order(shop.uow, po.number, cancel=["CAP"])
    assert [(ln.sku, ln.cancelled, ln.remaining) for ln in info.lines] == [
        ("BOTTLE", False, D(10)),
        ("CAP", True, D(0)),
        ("LABEL", False, D(500)),
    ]
    assert on_order(shop, "CAP") == 0
    assert info.total == D(40) * D("0.4") + D(500) * D("0.02")
    # A cancelled line takes nothing more, and is found only by its number.
    with pytest.raises(ValidationError, match=r"line 2 of .* is cancelled"):
        purchasing.receive_purchase_order(shop.uow, po.number, {"2": "1"})
    with pytest.raises(ValidationError, match="CAP\\) is cancelled"):
        purchasing.receive_purchase_order(shop.uow, po.number, {"CAP": "1"})
    # Cutting the rest to what came in receives the order; adding more opens it again.
    done = edit_purchase_order(shop.uow, po.number, quantities={"BOTTLE": "30", "LABEL": "1"})
    assert done.status == "partially_received"
    purchasing.receive_purchase_order(shop.uow, po.number, {"LABEL": "1"})
    assert purchasing.get_purchase_order(shop.uow, po.number).status == "received"
    assert (on_order(shop, "BOTTLE"), on_order(shop, "LABEL")) == (D(0), D(0))
    reopened = edit_purchase_order(shop.uow, po.number, quantities={"LABEL": "3"})
    assert (reopened.status, on_order(shop, "LABEL")) == ("partially_received", D(2))


def test_what_an_edit_may_not_do_is_refused_and_changes_nothing(shop: OrderPlant) -> None:
    po = shop.po("Glass Works", ("BOTTLE", 10))
    before = purchasing.get_purchase_order(shop.uow, po.number)
    refusals: list[tuple[dict[str, object], type[Exception], str]] = [
        ({}, ValidationError, "say what changes"),
        ({"cancel": ["BOTTLE"]}, ValidationError, "cancel the order instead"),
        ({"quantities": {"GLUE": "1"}}, NotFound, "'GLUE' is not on"),
        ({"quantities": {"BOTTLE": "0"}}, ValidationError, "quantity"),
        ({"prices": {"BOTTLE": "-1"}}, ValidationError, "price of BOTTLE"),
        ({"add": [purchasing.OrderedLine("SERVICE", "1")]}, ValidationError, "carries no stock"),
        ({"add": [purchasing.OrderedLine("CASE-12", "1")]}, ValidationError, "assembly"),
        (
            {"quantities": {"BOTTLE": "5"}, "cancel": ["1"]},
            ValidationError,
            "given a quantity and cancelled",
        ),
    ]
    for kwargs, error, words in refusals:
        with pytest.raises(error, match=words):
            edit_purchase_order(shop.uow, po.number, **kwargs)  # type: ignore[arg-type]
    assert purchasing.get_purchase_order(shop.uow, po.number) == before
    assert on_order(shop, "BOTTLE") == D(10)
    purchasing.close_purchase_order(shop.uow, po.number)
    with pytest.raises(IllegalTransition, match=r"cannot edit .*: it is Closed"):
        edit_purchase_order(shop.uow, po.number, quantities={"BOTTLE": "12"})


# --- drop ship ------------------------------------------------------------------------------


def drop_ship_order(shop: OrderPlant, quantity: int = 10) -> tuple[str, str]:
    so = shop.so("Harbor Cycles", ("RACK", quantity, "drop_ship", "60"), customer_po="DS-1")
    (po_number,) = so.lines[0].created
    return so.number, po_number


def test_a_drop_ship_change_flows_to_the_other_order_while_neither_has_shipped(
    shop: OrderPlant,
) -> None:
    shop.pref("update_drop_ship_order_quantities_automatically_prior_to_shipment", "true")
    so, po = drop_ship_order(shop)
    info = edit_purchase_order(shop.uow, po, quantities={"RACK": "8"})
    assert (info.lines[0].quantity, info.warnings) == (D(8), ())
    assert shop.so_line(so, "1").quantity == D(8)
    changed = sales.update_sales_order(shop.uow, so, quantities={"1": "6"})
    assert (changed.lines[0].quantity, changed.warnings) == (D(6), ())
    assert purchasing.get_purchase_order(shop.uow, po).lines[0].quantity == D(6)
    # Once the vendor has shipped part, the two change apart.
    purchasing.mark_drop_ship_shipped(shop.uow, po, {"RACK": "2"})
    info = edit_purchase_order(shop.uow, po, quantities={"RACK": "7"})
    assert shop.so_line(so, "1").quantity == D(6)
    assert info.warnings == (
        f"{so} line 1 orders 6 RACK but {po} line 1 buys 7; the vendor's shipment of it will "
        "be warned about",
    )
    with pytest.raises(ValidationError, match="less than the 2 that the vendor shipped"):
        edit_purchase_order(shop.uow, po, quantities={"RACK": "1"})


@pytest.mark.parametrize("validation", ["allow_unequal", "warn_only", "do_not_allow"])
def test_a_drop_ship_quantity_change_under_each_validation(
    shop: OrderPlant, validation: str
) -> None:
    """Seed 001: with the quantities out of step (automatic update off) the vendor's
    shipment goes ahead, goes ahead with a warning, or is refused until they match."""
    shop.pref("drop_ship_fulfillment_quantity_validation", validation)
    so, po = drop_ship_order(shop)
    info = edit_purchase_order(shop.uow, po, quantities={"RACK": "8"})
    assert shop.so_line(so, "1").quantity == D(10)  # not in step: the preference is off
    unequal = f"{so} line 1 orders 10 RACK but {po} line 1 buys 8"
    expected_edit = {
        "allow_unequal": (),
        "warn_only": (f"{unequal}; the vendor's shipment of it will be warned about",),
        "do_not_allow": (
            f"{unequal}; the vendor's shipment of it will be refused until they match",
        ),
    }
    assert info.warnings == expected_edit[validation]
    if validation == "do_not_allow":
        with pytest.raises(ValidationError, match=f"{unequal}: a drop-ship line's quantities"):
            purchasing.mark_drop_ship_shipped(shop.uow, po)
        assert shop.so_line(so, "1").fulfilled == 0
        assert purchasing.get_purchase_order(shop.uow, po).status == "open"
        sales.update_sales_order(shop.uow, so, quantities={"1": "8"})  # they match again
        shipped = purchasing.mark_drop_ship_shipped(shop.uow, po)
        assert shipped.warnings == ()
    else:
        shipped = purchasing.mark_drop_ship_shipped(shop.uow, po)
        assert shipped.warnings == (
            (f"{unequal}: the quantities differ",) if validation == "warn_only" else ()
        )
    assert shipped.status_label == "Shipped by Vendor"
    line = shop.so_line(so, "1")
    assert (line.fulfilled, line.quantity) == (
        D(8),
        D(8) if validation == "do_not_allow" else D(10),
    )
    (received,) = [e for e in finance.list_events(shop.uow, moment="received").rows]
    assert (received.document, received.amount) == (po, D(8) * D(25))


@pytest.mark.parametrize("both", ["allow", "warn_only", "do_not_allow"])
def test_a_drop_ship_line_marked_shipped_and_received(shop: OrderPlant, both: str) -> None:
    """Seed 001: a drop-ship line both shipped by the vendor and received into stock."""
    shop.pref("allow_both_mark_shipped_fulfillments_and_receipts_on_a_drop_shipment_line", both)
    so, po = drop_ship_order(shop)
    purchasing.mark_drop_ship_shipped(shop.uow, po, {"RACK": "6"})
    if both == "do_not_allow":
        with pytest.raises(IllegalTransition, match="the vendor shipped 6 RACK"):
            purchasing.receive_purchase_order(shop.uow, po, {"RACK": "4"})
        assert shop.on_hand("RACK") == 0
        return
    receipt = purchasing.receive_purchase_order(shop.uow, po, {"RACK": "4"})
    assert receipt.warnings == (
        (
            f"{po} line 1: the vendor shipped 6 RACK to the customer already: stock, "
            "commitments and the books are affected by both",
        )
        if both == "warn_only"
        else ()
    )
    assert (shop.on_hand("RACK"), shop.position("RACK").on_order) == (D(4), D(0))
    order = purchasing.get_purchase_order(shop.uow, po)
    assert (order.lines[0].received, order.status_label) == (D(10), "Shipped by Vendor")
    assert shop.so_line(so, "1").fulfilled == D(6)


def test_an_order_received_first_is_not_marked_shipped_when_both_are_refused(
    shop: OrderPlant,
) -> None:
    shop.pref(
        "allow_both_mark_shipped_fulfillments_and_receipts_on_a_drop_shipment_line",
        "do_not_allow",
    )
    so, po = drop_ship_order(shop)
    purchasing.receive_purchase_order(shop.uow, po, {"RACK": "3"})
    with pytest.raises(IllegalTransition, match=f"{po} was received into stock \\(3 RACK\\)"):
        purchasing.mark_drop_ship_shipped(shop.uow, po, {"RACK": "2"})
    assert shop.so_line(so, "1").fulfilled == 0
    # The stock it brought in can still change its quantity.
    info = edit_purchase_order(shop.uow, po, quantities={"RACK": "3"})
    assert info.status_label == "Shipped by Vendor"


# --- purchasing preferences ---------------------------------------------------------------


def test_assemblies_are_bought_only_when_the_plant_allows_it(shop: OrderPlant) -> None:
    with pytest.raises(ValidationError, match="CASE-12 is an assembly: it is built"):
        shop.po("Glass Works", ("CASE-12", 2))
    with pytest.raises(ValidationError, match="allow_purchase_of_assembly_items"):
        shop.so("Harbor Cycles", ("CASE-12", 2, "drop_ship"))
    shop.pref("allow_purchase_of_assembly_items", "true")
    po = shop.po("Glass Works", ("CASE-12", 2))
    assert on_order(shop, "CASE-12") == D(2)
    assert [ln.sku for ln in purchasing.get_purchase_order(shop.uow, po.number).lines] == [
        "CASE-12"
    ]


def test_default_locations_for_orders(shop: OrderPlant) -> None:
    items.add_location(shop.uow, "EAST", "East store")
    with pytest.raises(NotFound, match="unknown location 'WEST'"):
        shop.pref("default_location_for_purchase_orders", "WEST")
    shop.pref("default_location_for_purchase_orders", "EAST")
    shop.pref("default_location_for_sales_orders", "EAST")
    po = shop.po("Glass Works", ("BOTTLE", 5))
    assert po.location == "EAST"
    assert (on_order(shop, "BOTTLE"), shop.position("BOTTLE", "EAST").on_order) == (D(5), D(5))
    so = shop.so("Harbor Cycles", ("BOTTLE", 1))
    assert so.location == "EAST"
    named = purchasing.create_purchase_order(
        shop.uow, "Glass Works", [purchasing.OrderedLine("CAP", "1")], location="MAIN"
    )
    assert named.location == "MAIN"
    shop.pref("default_location_for_purchase_orders", "")
    assert shop.po("Glass Works", ("CAP", 1)).location == "MAIN"


@pytest.mark.parametrize(("most", "orders"), [("2", [2, 2, 1]), ("0", [5]), ("10", [5])])
def test_replenishment_consolidates_at_most_so_many_lines(
    shop: OrderPlant, most: str, orders: list[int]
) -> None:
    shop.pref("maximum_purchase_lines_to_consolidate", most)
    for n in range(5):
        sku = shop.item(f"PART-{n}", build_point="5", preferred_stock="10")
        partners.set_purchasing(shop.uow, sku, vendor="Glass Works", price="1")
    done = purchasing.accept_replenishment(shop.uow)
    assert [len(p.lines) for p in done.created] == orders
    assert sorted(ln.sku for p in done.created for ln in p.lines) == [f"PART-{n}" for n in range(5)]
    assert inventory.stock_position(shop.uow, "PART-0").on_order == D(10)
