"""Genealogy and the recall report, on SQLite and PostgreSQL: a lot's history, the recall
tree through every level forward and backward with each lot's quantities reconciled, the
customers who received any of it, the export read back by pandas, and trace finding a lot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from app.errors import NotFound, ValidationError
from app.models.quantity import fmt
from app.services import inventory, reasons
from app.services.check import check_database
from app.services.lots import recall, tracking
from app.services.lots.incoming import lot_given
from app.services.orders import fulfillment, partners, purchasing
from app.services.orders.trace import trace
from app.services.production import corrections, work_orders
from tests.orders_plant import OrderPlant
from tests.plant import D, Plant


class RecallPlant(OrderPlant):
    """RESIN (by lot) bought from Resin Co and Polymer Inc makes GADGET (by lot, 2 resin
    each), two gadgets make a KIT (by lot); sold to Harbor Cycles, Lakeside Foods and
    Northwind Labs."""

    def recall_setup(self) -> RecallPlant:
        self.setup()
        self.item("RESIN", cost="2")
        self.item("GADGET", "assembly", cost="10")
        self.bom("GADGET", {"RESIN": 2})
        self.item("KIT", "assembly", cost="25")
        self.bom("KIT", {"GADGET": 2})
        for sku in ("RESIN", "GADGET", "KIT"):
            tracking.set_item_tracking(self.uow, sku, "lot", shelf_life="365")
        partners.add_vendor(self.uow, "Resin Co")
        partners.add_vendor(self.uow, "Polymer Inc")
        partners.add_customer(self.uow, "Northwind Labs", ship_to="7 North Way\\nFargo, ND")
        reasons.add_reason_code(self.uow, "DROP", "scrap", "dropped on the floor")
        return self

    def receive(self, vendor: str, sku: str, qty: object, lot: str, vendor_lot: str) -> str:
        po = self.po(vendor, (sku, qty))
        return purchasing.receive_purchase_order(
            self.uow,
            po.number,
            {sku: str(qty)},
            lots={sku: lot_given(lot, vendor_lot=vendor_lot)},
        ).number

    def build(self, sku: str, qty: int, lot: str) -> str:
        wo = self.wo(sku, qty)
        work_orders.post_assembly_build(self.uow, wo, str(qty), lot=lot)
        return wo

    def sell(self, customer: str, sku: str, qty: int, lot: str) -> str:
        so = self.so(customer, (sku, qty))
        picked = fulfillment.fulfill(
            self.uow, so.number, {"1": str(qty)}, lots={"1": [(lot, str(qty))]}
        )
        return self.ship(picked.number).number


@pytest.fixture
def shop(plant: Plant) -> RecallPlant:
    return RecallPlant(plant.uow).recall_setup()


def names(nodes: list[recall.RecallNode]) -> set[tuple[str, str, str, int]]:
    return {(n.direction, n.sku, n.lot, n.level) for n in nodes}


def test_a_recall_finds_every_lot_made_from_a_lot_and_who_received_it(
    shop: RecallPlant, tmp_path: Path
) -> None:
    """Two resin lots from two vendors; gadgets in three lots, one from both resin lots; kits
    from gadget lots; shipments to three customers; a kit sent back by a customer, a scrap
    and a component return. Every expected figure is derived from the quantities posted."""
    from app.services.returns import returns

    per_gadget, per_kit = 2, 2  # resin per gadget, gadgets per kit (recall_setup's BOMs)
    a_in, b_in, g1, g2, g3, k1, k2 = 10, 20, 3, 4, 3, 2, 1
    r_a = shop.receive("Resin Co", "RESIN", a_in, "R-A", "RC-77")
    wo_g1 = shop.build("GADGET", g1, "G-1")  # from R-A, first in
    r_b = shop.receive("Polymer Inc", "RESIN", b_in, "R-B", "PI-5")
    wo_g2 = shop.build("GADGET", g2, "G-2")  # what is left of R-A, the rest from R-B
    a_in_g2 = a_in - g1 * per_gadget
    b_in_g2 = g2 * per_gadget - a_in_g2
    assert a_in_g2 > 0 and b_in_g2 > 0  # G-2 is made from both resin lots
    wo_g3 = shop.build("GADGET", g3, "G-3")  # from R-B
    shop.build("KIT", k1, "K-1")  # all of G-1, the rest from G-2
    shop.build("KIT", k2, "K-2")  # from G-2
    g2_in_k1 = k1 * per_kit - g1
    f_harbor = shop.sell("Harbor Cycles", "KIT", 1, "K-1")
    f_lake_kit = shop.sell("Lakeside Foods", "KIT", 1, "K-1")
    f_north_kit = shop.sell("Northwind Labs", "KIT", 1, "K-2")
    f_north_gadget = shop.sell("Northwind Labs", "GADGET", 1, "G-2")
    corrections.scrap(shop.uow, wo_g3, built="1", reason="DROP")  # of G-3
    f_lake_gadget = shop.sell("Lakeside Foods", "GADGET", g3 - 1, "G-3")
    wo_spare = shop.wo("GADGET", 1)
    work_orders.issue_components(shop.uow, wo_spare, {"RESIN": "2"}, lots={"RESIN": [("R-B", "2")]})
    corrections.return_components(shop.uow, wo_spare, {"RESIN": "1"})
    # Harbor Cycles sends its kit back: it is restocked into K-1.
    order = fulfillment.get_fulfillment(shop.uow, f_harbor).created_from
    assert order is not None
    rma = returns.create_return(shop.uow, order, {"1": "1"})
    if rma.status == "pending_approval":
        returns.approve_return(shop.uow, rma.number)
    returns.receive_return(shop.uow, rma.number, {"1": "1"})

    forward = recall.recall(shop.uow, "RESIN", "R-A", "forward")
    assert names(forward.nodes) == {
        ("root", "RESIN", "R-A", 0),
        ("forward", "GADGET", "G-1", 1),
        ("forward", "GADGET", "G-2", 1),
        ("forward", "KIT", "K-1", 2),
        ("forward", "KIT", "K-2", 2),
    }
    assert forward.reconciled
    customers = {
        (c.customer, c.ship_to, c.fulfillment, c.sku, c.lot, c.quantity) for c in forward.customers
    }
    assert customers == {
        ("Harbor Cycles", "12 Pier St\nPortland, OR", f_harbor, "KIT", "K-1", D(1)),
        ("Lakeside Foods", "4 Shore Rd", f_lake_kit, "KIT", "K-1", D(1)),
        ("Northwind Labs", "7 North Way\nFargo, ND", f_north_kit, "KIT", "K-2", D(1)),
        ("Northwind Labs", "7 North Way\nFargo, ND", f_north_gadget, "GADGET", "G-2", D(1)),
    }
    figures = {(n.sku, n.lot): n.figures for n in forward.nodes}
    # made = on hand + shipped + consumed + scrapped (+ returned to vendor) - returned
    assert figures[("RESIN", "R-A")] == recall.LotFigures(D(a_in), D(0), D(0), D(a_in), D(0), D(0))
    g2_used = g2_in_k1 + k2 * per_kit
    assert figures[("GADGET", "G-2")] == recall.LotFigures(
        D(g2), D(g2 - 1 - g2_used), D(1), D(g2_used), D(0), D(0)
    )
    # K-1: two shipped, one of them back on the shelf.
    assert figures[("KIT", "K-1")] == recall.LotFigures(
        D(k1), D(k1 - 2 + 1), D(2), D(0), D(0), D(1)
    )
    k1_node = next(n for n in forward.nodes if n.lot == "K-1")
    assert {(r.sku, r.lot, r.quantity) for r in k1_node.reached_from} == {
        ("GADGET", "G-1", D(g1)),
        ("GADGET", "G-2", D(g2_in_k1)),
    }
    g2_node = next(n for n in forward.nodes if n.lot == "G-2")
    assert {(r.sku, r.lot, r.quantity) for r in g2_node.reached_from} == {
        ("RESIN", "R-A", D(a_in_g2))
    }

    # From the other resin lot: G-3, its scrap and Lakeside's gadgets too; the spare work
    # order made nothing, and what it gave back counts against what it consumed.
    other = recall.recall(shop.uow, "RESIN", "R-B", "forward")
    assert {(n.sku, n.lot) for n in other.nodes} == {
        ("RESIN", "R-B"),
        ("GADGET", "G-2"),
        ("GADGET", "G-3"),
        ("KIT", "K-1"),
        ("KIT", "K-2"),
    }
    figures = {(n.sku, n.lot): n.figures for n in other.nodes}
    b_used = b_in_g2 + g3 * per_gadget + (2 - 1)  # the spare order kept 1 of the 2 issued
    assert figures[("RESIN", "R-B")] == recall.LotFigures(
        D(b_in), D(b_in - b_used), D(0), D(b_used), D(0), D(0)
    )
    assert figures[("GADGET", "G-3")] == recall.LotFigures(D(g3), D(0), D(g3 - 1), D(0), D(1), D(0))
    assert f_lake_gadget in {c.fulfillment for c in other.customers}
    assert other.reconciled

    backward = recall.recall(shop.uow, "KIT", "K-1", "backward")
    assert names(backward.nodes) == {
        ("root", "KIT", "K-1", 0),
        ("backward", "GADGET", "G-1", 1),
        ("backward", "GADGET", "G-2", 1),
        ("backward", "RESIN", "R-A", 2),
        ("backward", "RESIN", "R-B", 2),
    }
    origins = {n.lot: n.origin for n in backward.nodes if n.sku == "RESIN"}
    assert {(o.kind, o.document, o.vendor, o.vendor_lot) for o in origins.values()} == {
        ("receipt", r_a, "Resin Co", "RC-77"),
        ("receipt", r_b, "Polymer Inc", "PI-5"),
    }
    # Who received the kit lot itself, not who received other lots of what went into it.
    assert {(c.customer, c.lot) for c in backward.customers} == {
        ("Harbor Cycles", "K-1"),
        ("Lakeside Foods", "K-1"),
    }
    both = recall.recall(shop.uow, "GADGET", "G-2", "both")
    assert {(n.direction, n.lot) for n in both.nodes} == {
        ("root", "G-2"),
        ("forward", "K-1"),
        ("forward", "K-2"),
        ("backward", "R-A"),
        ("backward", "R-B"),
    }

    # The export: one row per document and lot, the same rows in a CSV and in a workbook.
    csv_path, xlsx_path = tmp_path / "recall.csv", tmp_path / "recall.xlsx"
    assert recall.export_recall(forward, csv_path) == len(forward.rows)
    assert recall.export_recall(forward, xlsx_path) == len(forward.rows)
    expected = [
        [
            r.direction,
            str(r.level),
            r.sku,
            r.lot,
            r.expires.isoformat() if r.expires else "",
            r.what,
            r.document,
            r.date.isoformat() if r.date else "",
            fmt(r.quantity),
            r.party,
            r.ship_to,
        ]
        for r in forward.rows
    ]
    for frame in (
        pd.read_csv(csv_path, dtype=str, keep_default_na=False),
        pd.read_excel(xlsx_path, dtype=str, keep_default_na=False),
    ):
        assert list(frame.columns) == recall.EXPORT_COLUMNS
        assert frame.values.tolist() == expected
    shipped = {
        (r.lot, r.document, r.party, r.quantity) for r in forward.rows if r.what == "shipped"
    }
    assert (("K-2", f_north_kit, "Northwind Labs", D(1))) in shipped
    assert ("R-A", r_a, "Resin Co") in {
        (r.lot, r.document, r.party) for r in forward.rows if r.what == "received"
    }
    assert ("G-1", wo_g1) in {(r.lot, r.document) for r in forward.rows if r.what == "made"}
    assert ("R-A", wo_g2, D(a_in_g2)) in {
        (r.lot, r.document, r.quantity) for r in forward.rows if r.what == "consumed"
    }
    report = check_database(shop.uow)
    assert report.ok, report.problems


def test_a_lots_history_says_where_it_came_from_where_it_is_and_where_it_went(
    shop: RecallPlant,
) -> None:
    receipt = shop.receive("Resin Co", "RESIN", 10, "R-A", "RC-77")
    wo = shop.build("GADGET", 3, "G-1")
    shop.build("KIT", 1, "K-1")
    shipped = shop.sell("Harbor Cycles", "GADGET", 1, "G-1")
    resin = recall.lot_history(shop.uow, "RESIN", "R-A")
    assert (resin.origin.kind, resin.origin.document, resin.origin.vendor) == (
        "receipt",
        receipt,
        "Resin Co",
    )
    assert [(p.location, p.on_hand) for p in resin.on_hand] == [("MAIN", D(4))]
    assert [
        (u.work_order, u.quantity, [(m.sku, m.lot) for m in u.made]) for u in resin.consumed_by
    ] == [(wo, D(6), [("GADGET", "G-1")])]
    gadget = recall.lot_history(shop.uow, "GADGET", "G-1")
    assert (gadget.origin.kind, gadget.origin.document) == ("work_order", wo)
    assert [(r.sku, r.lot, r.quantity) for r in gadget.made_from] == [("RESIN", "R-A", D(6))]
    assert [(s.customer, s.fulfillment, s.quantity) for s in gadget.shipped] == [
        ("Harbor Cycles", shipped, D(1))
    ]
    assert gadget.figures == recall.LotFigures(D(3), D(0), D(1), D(2), D(0), D(0))
    assert gadget.reconciled
    with pytest.raises(NotFound, match="unknown lot G-9 of GADGET"):
        recall.lot_history(shop.uow, "GADGET", "G-9")
    with pytest.raises(ValidationError, match="not one of forward, backward, both"):
        recall.recall(shop.uow, "GADGET", "G-1", "sideways")
    with pytest.raises(ValidationError, match=r"\.csv or an \.xlsx"):
        recall.export_recall(recall.recall(shop.uow, "GADGET", "G-1"), "recall.txt")


def test_a_component_lot_consumed_by_a_work_order_traces_both_ways(shop: RecallPlant) -> None:
    """Tryton's production lot trace: a component lot consumed by a work order that makes a
    lot of its product; the product's lot traces down to the component's and the
    component's up to the product's, each through that work order, and no further."""
    shop.item("COMPONENT")
    shop.item("PRODUCT", "assembly")
    shop.bom("PRODUCT", {"COMPONENT": 1})
    tracking.set_item_tracking(shop.uow, "COMPONENT", "lot")
    tracking.set_item_tracking(shop.uow, "PRODUCT", "lot")
    inventory.adjust_stock(shop.uow, "COMPONENT", "1", lot="2")
    wo = shop.wo("PRODUCT", 1)
    work_orders.issue_components(shop.uow, wo, {"COMPONENT": "1"}, lots={"COMPONENT": [("2", "1")]})
    work_orders.complete_work_order(shop.uow, wo, "1", lot="1")

    product = recall.lot_history(shop.uow, "PRODUCT", "1")
    assert (product.origin.kind, product.origin.document) == ("work_order", wo)
    assert product.consumed_by == []  # nothing upward
    assert [(r.sku, r.lot) for r in product.made_from] == [("COMPONENT", "2")]  # one downward
    component = recall.lot_history(shop.uow, "COMPONENT", "2")
    assert component.made_from == []  # nothing downward
    assert [(u.work_order, [(m.sku, m.lot) for m in u.made]) for u in component.consumed_by] == [
        (wo, [("PRODUCT", "1")])
    ]
    down = recall.recall(shop.uow, "PRODUCT", "1", "backward")
    assert names(down.nodes) == {("root", "PRODUCT", "1", 0), ("backward", "COMPONENT", "2", 1)}
    up = recall.recall(shop.uow, "COMPONENT", "2", "forward")
    assert names(up.nodes) == {("root", "COMPONENT", "2", 0), ("forward", "PRODUCT", "1", 1)}
    assert up.reconciled and down.reconciled


def test_trace_finds_a_lot_and_the_documents_that_moved_it(shop: RecallPlant) -> None:
    receipt = shop.receive("Resin Co", "RESIN", 10, "R-A", "RC-77")
    wo = shop.build("GADGET", 3, "G-1")
    shipped = shop.sell("Harbor Cycles", "GADGET", 1, "G-1")
    found = trace(shop.uow, "G-1")
    assert [(lot.sku, lot.lot) for lot in found.lots] == [("GADGET", "G-1")]
    numbers = {r.number for r in found.records}
    assert {wo, shipped} <= numbers
    assert receipt not in numbers  # the resin's receipt moved R-A, not G-1
    order = fulfillment.get_fulfillment(shop.uow, shipped).created_from
    assert order in numbers  # and the documents linked to those
    assert [(lot.sku, lot.lot) for lot in trace(shop.uow, "R-A").lots] == [("RESIN", "R-A")]
    assert receipt in {r.number for r in trace(shop.uow, "R-A").records}
    nothing = trace(shop.uow, "NO-SUCH-LOT")
    assert (nothing.lots, nothing.records) == ([], [])


def test_a_customer_return_comes_back_in_its_lot_and_the_recall_counts_it(
    shop: RecallPlant,
) -> None:
    """A kit sent back by a customer is back on hand in the lot it shipped in: the recall
    counts it returned and the lot still reconciles (made = on hand + shipped + consumed +
    scrapped - returned)."""
    from app.services.returns import returns

    shop.receive("Resin Co", "RESIN", 8, "R-A", "RC-77")
    shop.build("GADGET", 4, "G-1")
    shop.build("KIT", 2, "K-1")
    shipped = shop.sell("Harbor Cycles", "KIT", 2, "K-1")
    order = fulfillment.get_fulfillment(shop.uow, shipped).created_from
    assert order is not None
    rma = returns.create_return(shop.uow, order, {"1": "1"})
    if rma.status == "pending_approval":
        returns.approve_return(shop.uow, rma.number)
    returns.receive_return(shop.uow, rma.number, {"1": "1"})
    kit = recall.recall(shop.uow, "RESIN", "R-A", "forward")
    figures = {(n.sku, n.lot): n.figures for n in kit.nodes}
    assert figures[("KIT", "K-1")] == recall.LotFigures(D(2), D(1), D(2), D(0), D(0), D(1))
    assert kit.reconciled


def event_of(shop: RecallPlant, sku: str, document: str) -> int:
    return next(r.event_id for r in inventory.ledger_history(shop.uow, sku) if r.source == document)


def test_a_lot_returned_to_its_vendor_and_a_reversed_receipt_say_so_and_reconcile(
    shop: RecallPlant,
) -> None:
    """R-A comes in, part of it goes into gadgets and part back to Resin Co on a vendor
    return; R-B's receipt is reversed. Neither is scrap: R-A's figures count what went back
    to the vendor, named with the vendor return and the vendor, and R-B's reversal takes
    back what its receipt brought in, naming the receipt and the event it reverses."""
    from app.services.vendor_returns import returns as vendor_returns

    received, used, sent_back, wrong = 10, 3 * 2, 2, 5
    po = shop.po("Resin Co", ("RESIN", received)).number
    purchasing.receive_purchase_order(shop.uow, po, lots={"RESIN": lot_given("R-A")})
    shop.build("GADGET", used // 2, "G-1")
    vra = vendor_returns.return_to_vendor(shop.uow, po, {"RESIN": str(sent_back)}).number
    if vendor_returns.get_vendor_return(shop.uow, vra).status == "pending_approval":
        vendor_returns.approve_vendor_return(shop.uow, vra)
    vendor_returns.ship_vendor_return(shop.uow, vra)
    r_b = shop.receive("Polymer Inc", "RESIN", wrong, "R-B", "PI-5")
    event = event_of(shop, "RESIN", r_b)
    inventory.reverse_posting(shop.uow, event, memo="wrong pallet")

    a = recall.lot_history(shop.uow, "RESIN", "R-A")
    left = received - used - sent_back
    assert a.figures == recall.LotFigures(
        D(received), D(left), D(0), D(used), D(0), D(0), D(sent_back)
    )
    assert a.reconciled and a.scrapped == [] and a.reversed == []
    assert [(m.document, m.reason, m.quantity, m.party) for m in a.returned_to_vendor] == [
        (vra, "vendor_return", D(sent_back), "Resin Co")
    ]
    b = recall.lot_history(shop.uow, "RESIN", "R-B")
    assert b.figures == recall.LotFigures(D(0), D(0), D(0), D(0), D(0), D(0), D(0))
    assert b.reconciled and b.scrapped == [] and b.returned_to_vendor == []
    assert [(m.document, m.reason, m.quantity) for m in b.reversed] == [
        (f"{r_b}, reversal of event {event}", "reversal", D(-wrong))
    ]

    forward = recall.recall(shop.uow, "RESIN", "R-A")
    assert forward.reconciled
    assert forward.root.figures == a.figures
    what = {(r.lot, r.what, r.document, r.quantity, r.party) for r in forward.rows}
    assert ("R-A", "returned to vendor", vra, D(sent_back), "Resin Co") in what
    assert not {r.what for r in forward.rows} & {"scrapped", "written off"}
    reversed_lot = recall.recall(shop.uow, "RESIN", "R-B")
    assert reversed_lot.reconciled
    assert [(r.what, r.document, r.quantity) for r in reversed_lot.rows] == [
        ("received", r_b, D(wrong)),
        ("reversed", f"{r_b}, reversal of event {event}", D(-wrong)),
    ]
    report = check_database(shop.uow)
    assert report.ok, report.problems


def test_every_ledger_reason_has_its_word_in_the_recall() -> None:
    """Whatever kinds of posting the program has, the recall counts each one's rows in a
    lot's figures and words them: none is left to pass for something found or written off.
    (In a fresh interpreter, so that only the program's own reasons are registered.)"""
    program = """
import importlib, pkgutil
import app.services
from app.models.kinds import LEDGER_REASONS
from app.services.lots.recall import counted_reasons
for found in pkgutil.walk_packages(app.services.__path__, "app.services."):
    importlib.import_module(found.name)
print(sorted(set(LEDGER_REASONS.words) - counted_reasons()))
"""
    ran = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=120
    )
    assert ran.stdout.strip() == "[]"
