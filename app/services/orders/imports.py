"""Imports of customers, vendors and sales order lines from CSV or XLSX, all or nothing: every
row is checked first, and one bad row imports nothing and is named with its reason."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from sqlalchemy import select

from app.errors import ImportRejected, NotFound, RowError, ShopfloorError, ValidationError
from app.models import Customer, LinePath, SOStatus, Vendor
from app.services.catalog.boms import read_active_bom
from app.services.catalog.imports import ImportResult, Row, read_rows, run_rows
from app.services.engine.ledger import Pair, StockBook
from app.services.engine.lookup import ItemRef, item_ref_by_sku
from app.services.engine.parsing import parse_date, parse_decimal, parse_quantity
from app.services.engine.permissions import Permission
from app.services.engine.uow import Transaction, UnitOfWork, posting
from app.services.orders import sales
from app.services.orders.partners import (
    check_address,
    check_name,
    customer_by_name,
    save_customer_in,
    save_vendor_in,
)
from app.services.production.work_orders import active_bom, parse_priority

CUSTOMER_COLUMNS = ("name", "ship_to", "bill_to", "priority")
VENDOR_COLUMNS = ("name", "address")
ORDER_COLUMNS = (
    "order_ref",
    "customer",
    "customer_po",
    "ship_date",
    "sku",
    "quantity",
    "path",
    "rate",
)
ORDER_REQUIRED = ("order_ref", "customer", "sku", "quantity")


def import_customers(uow: UnitOfWork, path: str | Path) -> ImportResult:
    """Create or update customers by name."""
    source, rows = read_rows(path, CUSTOMER_COLUMNS, ("name",))
    return _import_customers(uow, source, rows)


@posting("import.customers", Permission.SELL)
def _import_customers(tx: Transaction, source: str, rows: list[Row]) -> ImportResult:
    tx.set_document(source)
    seen: dict[str, int] = {}

    def check(number: int, r: dict[str, str]) -> None:
        name = check_name(r.get("name"), "customer")
        if name in seen:
            raise ValidationError(f"customer {name!r} is already on row {seen[name]}")
        seen[name] = number
        check_address(r.get("ship_to"), "ship-to address")
        check_address(r.get("bill_to"), "bill-to address")
        if r.get("priority"):
            parse_priority(r["priority"])

    errors = run_rows(rows, check)
    if errors:
        raise ImportRejected(source, errors)
    existing = set(tx.session.scalars(select(Customer.name).where(Customer.name.in_(seen))))
    for _n, r in rows:
        save_customer_in(
            tx,
            r["name"],
            ship_to=r.get("ship_to"),
            bill_to=r.get("bill_to"),
            priority=r.get("priority") or None,
        )
    created = len(seen) - len(existing)
    tx.note(rows=len(rows), created=created)
    return ImportResult("customers", source, len(rows), created, len(existing))


def import_vendors(uow: UnitOfWork, path: str | Path) -> ImportResult:
    """Create or update vendors by name."""
    source, rows = read_rows(path, VENDOR_COLUMNS, ("name",))
    return _import_vendors(uow, source, rows)


@posting("import.vendors", Permission.PURCHASE)
def _import_vendors(tx: Transaction, source: str, rows: list[Row]) -> ImportResult:
    tx.set_document(source)
    seen: dict[str, int] = {}

    def check(number: int, r: dict[str, str]) -> None:
        name = check_name(r.get("name"), "vendor")
        if name in seen:
            raise ValidationError(f"vendor {name!r} is already on row {seen[name]}")
        seen[name] = number
        check_address(r.get("address"), "address")

    errors = run_rows(rows, check)
    if errors:
        raise ImportRejected(source, errors)
    existing = set(tx.session.scalars(select(Vendor.name).where(Vendor.name.in_(seen))))
    for _n, r in rows:
        save_vendor_in(tx, r["name"], address=r.get("address"))
    created = len(seen) - len(existing)
    tx.note(rows=len(rows), created=created)
    return ImportResult("vendors", source, len(rows), created, len(existing))


def import_orders(uow: UnitOfWork, path: str | Path) -> ImportResult:
    """Sales orders from their lines: rows with the same order_ref make one order (in the
    default sales order status); its customer, customer PO and ship date are the same on
    every one of its rows. The order keeps its order_ref, and a reference already imported
    (an order that is not cancelled holds it) refuses the file, naming its rows and the
    order."""
    source, rows = read_rows(path, ORDER_COLUMNS, ORDER_REQUIRED)
    return _import_orders(uow, source, rows)


def _line_pairs(tx: Transaction, item: ItemRef, path: LinePath, location_id: int) -> list[Pair]:
    """The balances an order line of `item` on `path` touches when its order is approved:
    a stocked line's own, a build line's BOM components (its work order commits them), a
    kit's stocked members (they are lines too). Refuses what the order would refuse."""
    pairs: list[Pair] = []
    if path.stocked:
        pairs.append((item.id, location_id))
    if path == LinePath.BUILD:
        pairs += [(c.id, location_id) for _n, c, _p, _b in active_bom(tx, item).lines]
    elif path == LinePath.KIT:
        kit = read_active_bom(tx.session, item.id)
        if kit is None:
            raise NotFound(f"kit {item.sku} has no active list of members")
        pairs += [(m.component.id, location_id) for m in kit.lines if m.component.type.stocked]
    return pairs


@posting("import.orders", Permission.SELL)
def _import_orders(tx: Transaction, source: str, rows: list[Row]) -> ImportResult:
    tx.set_document(source)
    orders: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    location = sales.sales_location(tx, None)  # an imported order ships from the default one
    pairs: list[Pair] = []
    taken = sales.imported_orders(tx, (r.get("order_ref", "") for _n, r in rows))

    def check(number: int, r: dict[str, str]) -> None:
        ref = r.get("order_ref", "")
        if not ref:
            raise ValidationError("order_ref is empty")
        sales.parse_order_ref(ref)
        if ref in taken:
            raise ValidationError(sales.already_imported(ref, taken[ref]))
        customer_by_name(tx, r.get("customer", ""))
        item = item_ref_by_sku(tx.session, r.get("sku", ""))
        if not item.active:
            raise ValidationError(f"{item.sku} is inactive")
        parse_quantity(r.get("quantity", ""), f"quantity of {item.sku}")
        if r.get("rate"):
            parse_decimal(r["rate"], field=f"rate of {item.sku}", non_negative=True)
        path = sales.resolve_path(item, item.drop_ship, sales.parse_path(r.get("path") or None))
        parse_date(r.get("ship_date") or None, field="ship date")
        first = orders[ref][0][1] if orders[ref] else None
        if first is not None:
            for column in ("customer", "customer_po", "ship_date"):
                if r.get(column, "") != first.get(column, ""):
                    raise ValidationError(
                        f"order {ref}: {column} differs from the order's first row "
                        f"({first.get(column, '') or 'empty'})"
                    )
        pairs.extend(_line_pairs(tx, item, path, location.id))
        orders[ref].append((number, r))

    errors = run_rows(rows, check)
    if not errors:
        # Approved at once, each order locks the balances it touches; one posting locks once,
        # in lock order: every balance of the whole file first, so the orders find them held.
        if (
            sales.parse_status(None, tx.prefs.default_sales_order_status)
            == SOStatus.PENDING_FULFILLMENT
        ):
            StockBook.of(tx).lock(pairs)
        for ref, group in orders.items():
            first = group[0][1]
            try:
                sales.create_sales_order.within(
                    tx,
                    first["customer"],
                    [
                        sales.LineEntry(
                            r["sku"], r["quantity"], r.get("path") or None, r.get("rate") or None
                        )
                        for _n, r in group
                    ],
                    customer_po=first.get("customer_po") or None,
                    ship_date=first.get("ship_date") or None,
                    memo=f"import {source} order {ref}"[:200],
                    order_ref=ref,
                )
            except ShopfloorError as exc:
                errors.append(RowError(group[0][0], f"order {ref}: {exc.message}"))
    if errors:
        raise ImportRejected(source, sorted(errors, key=lambda e: e.row))
    tx.set_document(source)
    tx.note(rows=len(rows), orders=len(orders))
    return ImportResult("orders", source, len(rows), created=len(orders))
