"""Order imports that lock once, a customer's PO longer than a document number, drop-ship
lines shipped in parts, and a close without variance in the finance export."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.errors import ImportRejected, NotFound
from app.models import (
    AuditEvent,
    PurchaseOrder,
    SalesOrder,
    SalesOrderLine,
    StockBalance,
    WorkOrder,
)
from app.services import finance
from app.services.orders import imports, purchasing, sales, trace
from app.services.orders.sales import SalesOrderInfo
from app.services.production import work_orders
from tests.orders_plant import OrderPlant
from tests.plant import D, Plant

ORDER_HEADER = ("order_ref", "customer", "customer_po", "sku", "quantity", "path", "rate")


@pytest.fixture
def shop(plant: Plant) -> OrderPlant:
    return OrderPlant(plant.uow).setup()


def order_file(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(ORDER_HEADER)
        writer.writerows(rows)
    return path


def imported(shop: OrderPlant) -> dict[str, SalesOrderInfo]:
    """The imported orders by their order_ref (from the memo the import gives them)."""
    out = {}
    for summary in sales.list_sales_orders(shop.uow).rows:
        info = shop.show_so(summary.number)
        assert info.memo is not None
        out[info.memo.rsplit(" ", 1)[-1]] = info
    return out


def snapshot(shop: OrderPlant) -> dict[str, Any]:
    """What an order import could change."""
    with shop.uow.query() as tx:
        s = tx.session

        def count(model: Any) -> int:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)

        return {
            "orders": count(SalesOrder),
            "lines": count(SalesOrderLine),
            "work_orders": count(WorkOrder),
            "purchase_orders": count(PurchaseOrder),
            "events": count(AuditEvent),
            "balances": sorted(
                (b.item_id, b.location_id, b.on_hand, b.committed, b.demand, b.on_order)
                for b in s.scalars(select(StockBalance))
            ),
        }


# --- 1. an import of several orders locks every balance once, in lock order ---------------


def test_an_import_of_orders_whose_items_come_in_descending_id_order(
    shop: OrderPlant, tmp_path: Path
) -> None:
    """LABEL was created after BOTTLE: order A locks a balance that sorts after order B's."""
    shop.stock("LABEL", 10)
    shop.stock("BOTTLE", 10)
    path = order_file(
        tmp_path / "orders.csv",
        [
            ("A", "Lakeside Foods", "LF-1", "LABEL", "4", "", "0.5"),
            ("B", "Harbor Cycles", "HC-1", "BOTTLE", "3", "", "2"),
            ("B", "Harbor Cycles", "HC-1", "RACK", "1", "drop_ship", "60"),
        ],
    )
    result = imports.import_orders(shop.uow, path)
    assert (result.rows, result.created) == (3, 2)
    orders = imported(shop)
    a, b = orders["A"], orders["B"]
    assert (a.status, a.customer, a.customer_po) == (
        "pending_fulfillment",
        "Lakeside Foods",
        "LF-1",
    )
    assert [(ln.sku, ln.quantity, ln.rate, ln.committed) for ln in a.lines] == [
        ("LABEL", D(4), D("0.5"), D(4))
    ]
    assert (b.customer, b.customer_po) == ("Harbor Cycles", "HC-1")
    assert [(ln.sku, ln.quantity, ln.committed) for ln in b.lines] == [
        ("BOTTLE", D(3), D(3)),
        ("RACK", D(1), D(0)),
    ]
    assert len(b.purchase_orders) == 1
    assert shop.position("LABEL").committed == D(4)
    assert shop.position("BOTTLE").committed == D(3)


@pytest.mark.parametrize(
    "second",
    [("CASE-12", "2", "build", "9"), ("GIFT-BOX", "2", "", "15")],
    ids=["build-line-components", "kit-members"],
)
def test_an_import_locks_what_build_lines_and_kit_members_touch(
    shop: OrderPlant, tmp_path: Path, second: tuple[str, str, str, str]
) -> None:
    """A build line's work order commits the BOM's components and a kit's members are lines:
    their balances are locked with the rest of the file's, before the first order."""
    shop.pref("default_work_order_status", "released")
    for sku in ("BOTTLE", "CAP"):
        shop.stock(sku, 100)
    shop.stock("CASE-12", 5)
    shop.stock("LABEL", 20)
    shop.stock("RACK", 5)  # RACK sorts after CASE-12, BOTTLE and CAP
    sku, qty, path, rate = second
    result = imports.import_orders(
        shop.uow,
        order_file(
            tmp_path / "orders.csv",
            [
                ("A", "Lakeside Foods", "", "RACK", "1", "stock", "70"),
                ("B", "Harbor Cycles", "", sku, qty, path, rate),
            ],
        ),
    )
    assert result.created == 2
    orders = imported(shop)
    assert [(ln.sku, ln.committed) for ln in orders["A"].lines] == [("RACK", D(1))]
    b = orders["B"]
    if path == "build":
        (wo_number,) = b.work_orders
        wo = work_orders.get_work_order(shop.uow, wo_number)
        assert (wo.quantity, wo.status) == (D(2), "released")
        assert [(ln.sku, ln.committed) for ln in wo.lines] == [("BOTTLE", D(24)), ("CAP", D(24))]
        assert shop.position("CASE-12").on_order == D(2)
    else:
        assert [(ln.line, ln.sku, ln.quantity, ln.committed) for ln in b.lines] == [
            ("1", "GIFT-BOX", D(2), D(0)),
            ("1.1", "CASE-12", D(2), D(2)),
            ("1.2", "LABEL", D(4), D(4)),
        ]


# --- 2. quantity and rate are checked row by row -------------------------------------------


def test_every_bad_quantity_and_rate_is_named_by_its_row_and_nothing_is_written(
    shop: OrderPlant, tmp_path: Path
) -> None:
    shop.stock("LABEL", 10)
    shop.stock("BOTTLE", 10)
    before = snapshot(shop)
    path = order_file(
        tmp_path / "orders.csv",
        [
            ("A", "Lakeside Foods", "", "LABEL", "2", "", ""),
            ("A", "Lakeside Foods", "", "BOTTLE", "1e3", "", ""),
            ("B", "Harbor Cycles", "", "BOTTLE", "1", "", "-5"),
            ("B", "Harbor Cycles", "", "LABEL", "0", "", "1"),
            ("C", "Harbor Cycles", "", "LABEL", "1", "", "ten"),
            ("D", "Harbor Cycles", "", "LABEL", "1", "", "3"),
        ],
    )
    with pytest.raises(ImportRejected) as info:
        imports.import_orders(shop.uow, path)
    error = info.value
    assert [e.row for e in error.errors] == [3, 4, 5, 6]
    reasons = {e.row: e.reason for e in error.errors}
    assert "quantity of BOTTLE '1e3'" in reasons[3]
    assert "rate of BOTTLE must not be negative" in reasons[4]
    assert "quantity of LABEL must be greater than zero" in reasons[5]
    assert "rate of LABEL 'ten'" in reasons[6]
    assert "nothing imported, 4 bad rows" in error.message
    assert snapshot(shop) == before


def test_one_bad_row_imports_no_order_at_all(shop: OrderPlant, tmp_path: Path) -> None:
    shop.stock("LABEL", 10)
    before = snapshot(shop)
    path = order_file(
        tmp_path / "orders.csv",
        [
            ("A", "Lakeside Foods", "", "LABEL", "2", "", "1"),
            ("B", "Harbor Cycles", "", "LABEL", "2", "", "1.0000001"),
        ],
    )
    with pytest.raises(ImportRejected) as info:
        imports.import_orders(shop.uow, path)
    assert [e.row for e in info.value.errors] == [3]
    assert snapshot(shop) == before


# --- 2b. an order_ref is imported once ------------------------------------------------------


def test_an_order_ref_already_imported_is_refused_naming_its_rows_and_order(
    shop: OrderPlant, tmp_path: Path
) -> None:
    shop.stock("LABEL", 20)
    rows = [
        ("EDI-555", "Harbor Cycles", "HC-1", "LABEL", "2", "", "1"),
        ("EDI-555", "Harbor Cycles", "HC-1", "RACK", "1", "drop_ship", "60"),
        ("EDI-556", "Lakeside Foods", "", "LABEL", "3", "", "1"),
    ]
    first = imports.import_orders(shop.uow, order_file(tmp_path / "orders.csv", rows))
    assert first.created == 2
    orders = imported(shop)
    before = snapshot(shop)
    for again in ("orders.csv", "orders-again.csv"):  # the same file, or the same orders
        with pytest.raises(ImportRejected) as info:
            imports.import_orders(shop.uow, order_file(tmp_path / again, rows))
        reasons = {e.row: e.reason for e in info.value.errors}
        assert sorted(reasons) == [2, 3, 4]
        number_555, number_556 = orders["EDI-555"].number, orders["EDI-556"].number
        assert reasons[2] == reasons[3] == f"order EDI-555 is already imported as {number_555}"
        assert reasons[4] == f"order EDI-556 is already imported as {number_556}"
        assert snapshot(shop) == before
    # One order already there refuses the whole file, the new one too.
    mixed = [("EDI-557", "Lakeside Foods", "", "LABEL", "1", "", "1"), rows[2]]
    with pytest.raises(ImportRejected) as info:
        imports.import_orders(shop.uow, order_file(tmp_path / "mixed.csv", mixed))
    assert [e.row for e in info.value.errors] == [3]
    assert snapshot(shop) == before
    # A cancelled order gives its reference back: the corrected order imports again.
    sales.cancel_sales_order(shop.uow, orders["EDI-556"].number)
    again = imports.import_orders(shop.uow, order_file(tmp_path / "fixed.csv", [rows[2]]))
    assert again.created == 1
    (reimported,) = [
        so
        for so in sales.list_sales_orders(shop.uow, text="EDI-556").rows
        if so.status != "cancelled"
    ]
    assert reimported.number != orders["EDI-556"].number
    assert [shop.show_so(o.number).order_ref for o in orders.values()] == ["EDI-555", "EDI-556"]


# --- 3. trace by a customer's PO longer than a document number ----------------------------


def test_trace_a_customer_po_longer_than_a_document_number(shop: OrderPlant) -> None:
    shop.stock("CASE-12", 10)
    po = "HARBOR-CYCLES-PO-2026-000000000123"
    assert len(po) == 34
    so = shop.so(
        "Harbor Cycles",
        ("CASE-12", 1),
        ("CASE-12", 1, "build"),
        ("RACK", 1, "drop_ship", "60"),
        customer_po=po,
    )
    found = trace.trace(shop.uow, f"  {po} ")
    assert sorted((r.kind, r.number) for r in found.records) == sorted(
        [
            ("sales_order", so.number),
            ("work_order", so.work_orders[0]),
            ("purchase_order", so.purchase_orders[0]),
        ]
    )
    assert all(r.customer_po == po for r in found.records)
    # A document number is still found by its number, as typed.
    by_number = trace.trace(shop.uow, so.number.lower())
    assert next(r.number for r in by_number.records if r.kind == "sales_order") == so.number
    # Longer than any customer's PO: nothing can have it.
    with pytest.raises(NotFound, match="longer than 64 characters"):
        trace.trace(shop.uow, "P" * 65)
    assert trace.trace(shop.uow, "Q" * 64).records == []


def test_a_work_order_created_from_an_order_is_traced_both_ways(shop: OrderPlant) -> None:
    with pytest.raises(NotFound, match="unknown sales order 'SO-999999'"):
        work_orders.create_work_order(shop.uow, "CASE-12", "2", created_from="SO-999999")
    assert snapshot(shop)["work_orders"] == 0
    so = shop.so("Harbor Cycles", ("CASE-12", 1, "build"), customer_po="HC-88")
    (special,) = so.work_orders
    made = work_orders.create_work_order(shop.uow, "CASE-12", "6", created_from=so.number.lower())
    assert (made.created_from, made.customer_po, made.sales_order_line) == (
        so.number,
        "HC-88",
        None,
    )
    assert shop.show_so(so.number).work_orders == [special, made.number]
    for reference in (so.number, made.number, "HC-88"):
        found = {(r.kind, r.number): r for r in trace.trace(shop.uow, reference).records}
        assert set(found) == {
            ("sales_order", so.number),
            ("work_order", special),
            ("work_order", made.number),
        }, reference
        assert found[("sales_order", so.number)].spawned == [special, made.number]
        assert found[("work_order", made.number)].created_from == so.number
    # It builds for stock, not for the order's line: the order can still be cancelled.
    work_orders.cancel_work_order(shop.uow, special)
    sales.cancel_sales_order(shop.uow, so.number)
    assert shop.show(made.number).status == "firm_planned"


# --- 4. a drop-ship line shipped in parts -------------------------------------------------


def test_a_drop_ship_line_shipped_in_two_parts_shows_each_shipment(shop: OrderPlant) -> None:
    so = shop.so("Lakeside Foods", ("RACK", 5, "drop_ship", "60"), customer_po="LF-77")
    (po,) = so.lines[0].created
    purchasing.mark_drop_ship_shipped(shop.uow, po, {"RACK": "2"})
    purchasing.mark_drop_ship_shipped(shop.uow, po, {"RACK": "3"})
    assert shop.so_line(so.number, "1").fulfilled == D(5)
    lines = finance.drop_ship_lines(shop.uow)
    assert [
        (d.sales_order, d.customer_po, d.sku, d.quantity, d.cost, d.revenue) for d in lines
    ] == [
        (so.number, "LF-77", "RACK", D(2), D(50), D(120)),
        (so.number, "LF-77", "RACK", D(3), D(75), D(180)),
    ]
    events = {e.id: e for e in finance.list_events(shop.uow).rows}
    for d in lines:
        bought, sold = events[d.purchase_event], events[d.sales_event]
        assert (bought.moment, sold.moment) == ("received", "shipped")
        assert bought.lines[0].quantity == sold.lines[0].quantity == d.quantity
        # Each event's other source is the other event of the same shipment.
        assert bought.lines[0].paired_with == sold.document
        assert sold.lines[0].paired_with == bought.document
    first, second = (events[d.sales_event].document for d in lines)
    assert first != second
    # The pairing holds when only one moment is listed.
    received = finance.list_events(shop.uow, moment="received").rows
    assert sorted(e.lines[0].paired_with or "" for e in received) == sorted([first, second])


# --- 5. a close without variance in the export --------------------------------------------


def test_a_close_without_variance_is_a_row_of_the_export(shop: OrderPlant, tmp_path: Path) -> None:
    shop.stock("BOTTLE", 12)
    shop.stock("CAP", 12)
    shop.stock("CASE-12", 10)
    number = shop.wo("CASE-12", 1)
    work_orders.post_assembly_build(shop.uow, number, "1")
    work_orders.close_work_order(shop.uow, number)
    so = shop.so("Lakeside Foods", ("CASE-12", 10, "stock", "10"))
    shipped = shop.ship(shop.pick(so.number).number)
    events = finance.list_events(shop.uow).rows
    (closed,) = [e for e in events if e.moment == "closed"]
    assert (closed.document, closed.lines, closed.amount) == (number, [], D(0))
    target = tmp_path / "finance.csv"
    assert finance.export_csv(events, target) == 2
    with target.open(newline="") as fh:
        rows = {r["document"]: r for r in csv.DictReader(fh)}
    assert list(rows[number].items()) == [
        ("event", str(closed.id)),
        ("moment", "closed"),
        ("posted_at", closed.posted_at.isoformat()),
        ("transaction_date", closed.transaction_date.isoformat()),
        ("document_kind", "work_order"),
        ("document", number),
        ("created_from", ""),
        ("customer_po", ""),
        ("party", ""),
        ("line", ""),
        ("sku", ""),
        ("quantity", "0"),
        ("unit_amount", ""),
        ("amount", "0"),
        ("drop_ship", ""),
        ("paired_with", ""),
        ("reviewed_at", ""),
        ("reason", ""),
    ]
    # Amounts are written as plain decimals (100, not 1E+2).
    row = rows[shipped.number]
    assert (row["line"], row["quantity"], row["unit_amount"], row["amount"]) == (
        "1",
        "10",
        "10",
        "100",
    )


def test_an_export_of_no_events_has_its_header(tmp_path: Path) -> None:
    target = tmp_path / "empty.csv"
    assert finance.export_csv([], target) == 0
    with target.open(newline="") as fh:
        assert next(csv.reader(fh)) == list(finance.EXPORT_COLUMNS)
