"""Changing a purchase order: a line's quantity (never below what came in), its price, the
expected date, the memo, new lines and cancelled lines, in one posting.

What is on order follows every change: each line brings its remaining quantity to its
location while the order is open, so the posting compares what each line brought before and
after and moves the balances (locked with the order) by the difference. A drop-ship line's
change reaches the sales order line it is bought for as app/services/orders/drop_ship.py
says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from app.errors import ValidationError
from app.models import POAction
from app.models.quantity import ZERO, fmt, parse_decimal, parse_quantity
from app.services.engine.ledger import StockBook
from app.services.engine.lookup import item_ref_by_sku
from app.services.engine.parsing import parse_date, parse_text
from app.services.engine.permissions import Permission
from app.services.engine.uow import posting
from app.services.orders import drop_ship
from app.services.orders.purchase_records import (
    PurchaseLine,
    PurchaseOrderBook,
    PurchaseOrderRecord,
)
from app.services.orders.purchasing import (
    MEMO_LENGTH,
    OrderedLine,
    PurchaseOrderInfo,
    line_of,
    ordered_line,
    purchase_order_info,
)
from app.services.orders.records import SalesOrderBook

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction


@posting("po.edit", Permission.PURCHASE)
def edit_purchase_order(
    tx: Transaction,
    number: str,
    *,
    quantities: Mapping[str, object] | None = None,
    prices: Mapping[str, object] | None = None,
    expected: object = None,
    add: Sequence[OrderedLine] = (),
    cancel: Sequence[str] = (),
    memo: str | None = None,
) -> PurchaseOrderInfo:
    """Change an open (or received) purchase order: lines by sku or line number. A quantity
    never goes below what came in; a line is cancelled only while nothing came in on it (cut
    it to what came instead), and never the last one (cancel the order). Lines are added
    only to an order bought for stock (a drop-ship order's lines come from its sales
    order). Every change is checked before any is made."""
    new_items = [item_ref_by_sku(tx.session, entry.sku) for entry in add]
    book = PurchaseOrderBook.of(tx)
    po = book.load(number, also=[item.id for item in new_items])
    po.require(POAction.EDIT)
    if not (quantities or prices or add or cancel) and expected is None and memo is None:
        raise ValidationError(
            f"say what changes on {po.number}: a line's quantity or price, the expected "
            "date, the memo, a new line or a line to cancel"
        )
    resized = _resized(po, quantities or {})
    priced = _priced(po, prices or {})
    cancelled = _cancelled(po, cancel, resized)
    if add and po.drop_ship:
        raise ValidationError(
            f"{po.number} is a drop-ship order: its lines come from {po.created_from}; add "
            "the line there"
        )
    added = [ordered_line(tx, entry) for entry in add]
    left = [ln for ln in po.lines if not ln.cancelled and ln not in cancelled]
    if not left and not added:
        raise ValidationError(
            f"cancelling every line of {po.number} leaves nothing on it; cancel the order instead"
        )
    when = parse_date(expected, field="expected date") if expected is not None else None

    before = po.on_order()
    for line, qty in resized:
        line.quantity = qty
    for line, cost in priced:
        line.unit_cost = cost
    for line in cancelled:
        line.cancelled = True
    if when is not None:
        po.expected_date = when
    if memo is not None:
        po.memo = parse_text(memo, field="memo", max_length=MEMO_LENGTH) or None
    was_open = po.is_open
    book.add_lines(po, added)
    for line in po.lines[len(po.lines) - len(added) :]:
        before[line.id] = line.quantity if was_open and not po.drop_ship else ZERO
    po.move_to(po.status_after_receipt())
    stock = StockBook.of(tx)
    for line in po.lines:
        moved = po.on_order()[line.id] - before[line.id]
        if moved:
            stock.balance(line.item.id, po.location_id).on_order += moved
    warnings = _follow_on_the_sales_order(tx, po, [ln for ln, _q in resized])
    tx.note(
        resized={ln.line_no: q for ln, q in resized},
        priced={ln.line_no: c for ln, c in priced},
        cancelled=[ln.line_no for ln in cancelled],
        added=[ln.item.sku for ln in added],
        expected=when,
    )
    if warnings:
        tx.note(warnings=warnings)
    return purchase_order_info(tx, po, warnings)


def _resized(
    po: PurchaseOrderRecord, wanted: Mapping[str, object]
) -> list[tuple[PurchaseLine, Decimal]]:
    out = []
    used: set[int] = set()
    for key, value in wanted.items():
        line = line_of(po, key, used)
        if line.cancelled:
            raise ValidationError(f"line {line.line_no} of {po.number} is cancelled")
        qty = parse_quantity(value, f"quantity of {str(key).strip()}")
        if qty < line.received:
            came = "the vendor shipped" if po.drop_ship else "came in"
            raise ValidationError(
                f"{po.number} line {line.line_no}: {fmt(qty)} {line.sku} is less than the "
                f"{fmt(line.received)} that {came}"
            )
        out.append((line, qty))
    return out


def _priced(
    po: PurchaseOrderRecord, wanted: Mapping[str, object]
) -> list[tuple[PurchaseLine, Decimal]]:
    out = []
    used: set[int] = set()
    for key, value in wanted.items():
        line = line_of(po, key, used)
        if line.cancelled:
            raise ValidationError(f"line {line.line_no} of {po.number} is cancelled")
        cost = parse_decimal(value, field=f"price of {str(key).strip()}", non_negative=True)
        out.append((line, cost))
    return out


def _cancelled(
    po: PurchaseOrderRecord,
    keys: Sequence[str],
    resized: Sequence[tuple[PurchaseLine, Decimal]],
) -> list[PurchaseLine]:
    out: list[PurchaseLine] = []
    used: set[int] = set()
    changing = {ln.id for ln, _q in resized}
    for key in keys:
        line = line_of(po, key, used)
        if line.cancelled:
            raise ValidationError(f"line {line.line_no} of {po.number} is cancelled already")
        if line.id in changing:
            raise ValidationError(
                f"line {line.line_no} of {po.number} is given a quantity and cancelled"
            )
        if line.received > 0:
            raise ValidationError(
                f"cannot cancel {po.number} line {line.line_no}: {fmt(line.received)} "
                f"{line.sku} came in on it; cut its quantity to {fmt(line.received)} instead"
            )
        if po.drop_ship:
            raise ValidationError(
                f"{po.number} line {line.line_no} is drop-shipped for {po.created_from}: "
                "change that line's path or quantity instead"
            )
        out.append(line)
    return out


def _follow_on_the_sales_order(
    tx: Transaction, po: PurchaseOrderRecord, resized: Sequence[PurchaseLine]
) -> list[str]:
    """A drop-ship line's new quantity reaches its sales order line when the two are in
    step; a pair left unequal is said."""
    if not po.drop_ship or po.created_from is None or not resized:
        return []
    so = SalesOrderBook.of(tx).load(po.created_from, lock_stock=False)
    by_id = {ln.id: ln for ln in so.lines}
    warnings: list[str] = []
    for line in resized:
        so_line = by_id.get(line.sales_order_line_id or 0)
        if so_line is None:
            continue
        if drop_ship.in_step(tx, so, so_line, po, line):
            so_line.required = line.quantity
        warnings += drop_ship.left_unequal(tx, so, so_line, po, line)
    return warnings
