"""Purchase orders and item receipts; drop ship; the replenishment suggestions.

A purchase order's remaining quantity is on order at its location; a receipt posts the goods
to the ledger at the order's cost, and the new supply goes to waiting orders when
commit-after-entry is on. A drop-ship purchase order, created from a sales order line, is
shipped by the vendor to the customer: marking it shipped fulfills the sales order line with
no stock movement, and tells finance both moments at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, bindparam, case, func, select, type_coerce

from app.errors import (
    IllegalTransition,
    InsufficientStock,
    NotFound,
    OverageNotAllowed,
    ValidationError,
)
from app.models import (
    PO_OPEN,
    FulfillmentStatus,
    Item,
    ItemType,
    LedgerEntry,
    LedgerReason,
    Moment,
    POAction,
    POStatus,
    PurchaseOrder,
    Receipt,
    SalesOrder,
    SalesOrderLine,
    SourceKind,
    StockBalance,
    Vendor,
    utcnow,
)
from app.models.purchasing import PURCHASE_ORDER as PURCHASE_ORDER
from app.models.purchasing import RECEIPT as RECEIPT
from app.models.purchasing import ReceiptMoment, po_status_label
from app.models.quantity import ZERO, Fixed, fmt, parse_decimal, parse_quantity
from app.models.vendor_return import VRA_OPEN, VendorReturn, VendorReturnLine, VRAStatus
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.ledger import Source, StockBook, require_stocked
from app.services.engine.lookup import (
    ItemRef,
    LocationRef,
    at_ordinary_locations,
    item_ref_by_sku,
    location_ref,
)
from app.services.engine.paging import Listing, Page, PageRequest, text_search
from app.services.engine.parsing import parse_date, parse_text
from app.services.engine.permissions import Permission
from app.services.engine.reversal import Posted, ReversalRule, register_reversal, reverse_rows
from app.services.engine.uow import posting, query
from app.services.finance import FinanceBook, MomentLine, Told
from app.services.lots.incoming import NOTHING, LotGiven, incoming
from app.services.orders import drop_ship
from app.services.orders.fulfillment import FulfillmentBook, overage
from app.services.orders.partners import vendor_by_name
from app.services.orders.purchase_records import (
    NewPurchaseLine,
    PurchaseLine,
    PurchaseOrderBook,
    PurchaseOrderRecord,
    ReceiptBook,
)
from app.services.orders.records import OrderLine, SalesOrderBook, SalesOrderRecord

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

MEMO_LENGTH = 200


def _cost_of(tx: Transaction, item: ItemRef) -> Decimal:
    price = tx.session.scalar(select(Item.purchase_price).where(Item.id == item.id))
    return price if price is not None else item.standard_cost


def require_purchasable(tx: Transaction, item: ItemRef) -> None:
    """Only stocked items are bought, and assemblies only with
    `allow_purchase_of_assembly_items` (else they are built)."""
    require_stocked(item)
    if item.type == ItemType.ASSEMBLY and not tx.prefs.allow_purchase_of_assembly_items:
        raise ValidationError(
            f"{item.sku} is an assembly: it is built, not bought (purchasing assemblies is off: "
            "allow_purchase_of_assembly_items)"
        )


def purchase_location(tx: Transaction, location: str | None) -> LocationRef:
    """Where a purchase order receives: the location given, else
    `default_location_for_purchase_orders`, else the plant's default location."""
    return location_ref(tx.session, location or tx.prefs.default_location_for_purchase_orders)


def _new_order(
    tx: Transaction,
    vendor: Vendor,
    location: LocationRef,
    *,
    expected: date | None,
    memo: str | None,
    drop_ship: bool = False,
    sales_order: SalesOrderRecord | None = None,
) -> PurchaseOrderRecord:
    return PurchaseOrderBook.of(tx).create(
        vendor_id=vendor.id,
        vendor=vendor.name,
        location_id=location.id,
        location_code=location.code,
        expected_date=expected,
        memo=memo,
        drop_ship=drop_ship,
        sales_order_id=sales_order.id if sales_order else None,
        created_from=sales_order.number if sales_order else None,
        customer_po=sales_order.customer_po if sales_order else None,
    )


def create_drop_ship_orders(
    tx: Transaction, so: SalesOrderRecord, lines: Sequence[OrderLine]
) -> list[str]:
    """One purchase order per preferred vendor for the drop-ship lines of an approved order,
    created from it, carrying the customer's PO number."""
    by_vendor: dict[int, list[OrderLine]] = defaultdict(list)
    vendors = dict(
        tx.session.execute(
            select(Item.id, Item.preferred_vendor_id).where(
                Item.id.in_({ln.item_id for ln in lines})
            )
        ).all()
    )
    for ln in lines:
        require_purchasable(tx, ln.item)
        vendor_id = vendors.get(ln.item_id)
        if vendor_id is None:
            raise ValidationError(
                f"{ln.sku} has no preferred vendor to drop ship from; name one first"
            )
        by_vendor[vendor_id].append(ln)
    numbers = []
    book = PurchaseOrderBook.of(tx)
    where = LocationRef(so.location_id, so.location_code)
    for vendor_id, group in sorted(by_vendor.items()):
        vendor = tx.session.get(Vendor, vendor_id)
        assert vendor is not None
        po = _new_order(
            tx, vendor, where, expected=so.ship_date, memo=None, drop_ship=True, sales_order=so
        )
        book.add_lines(
            po,
            [NewPurchaseLine(ln.item, ln.required, _cost_of(tx, ln.item), ln.id) for ln in group],
        )
        numbers.append(po.number)
    return numbers


@dataclass(frozen=True)
class OrderedLine:
    """A purchase order line as typed: sku, quantity and optionally the unit cost."""

    sku: str
    quantity: object
    cost: object = None


def ordered_line(tx: Transaction, entry: OrderedLine) -> NewPurchaseLine:
    """A line as typed, checked: a purchasable item, a quantity, its cost (the item's
    purchase price unless given)."""
    item = item_ref_by_sku(tx.session, entry.sku)
    require_purchasable(tx, item)
    qty = parse_quantity(entry.quantity, f"quantity of {item.sku}")
    cost = (
        _cost_of(tx, item)
        if entry.cost is None or entry.cost == ""
        else parse_decimal(entry.cost, field=f"cost of {item.sku}", non_negative=True)
    )
    return NewPurchaseLine(item, qty, cost)


@posting("po.create", Permission.PURCHASE)
def create_purchase_order(
    tx: Transaction,
    vendor: str,
    lines: Sequence[OrderedLine],
    *,
    location: str | None = None,
    expected: object = None,
    memo: str | None = None,
) -> PurchaseOrderInfo:
    """Order stock from a vendor: each line's quantity is on order at the location until it
    is received."""
    v = vendor_by_name(tx, vendor)
    loc = purchase_location(tx, location)
    if not lines:
        raise ValidationError("a purchase order needs at least one line")
    parsed = [ordered_line(tx, entry) for entry in lines]
    StockBook.of(tx).lock((new.item.id, loc.id) for new in parsed)
    po = _new_order(
        tx,
        v,
        loc,
        expected=parse_date(expected, field="expected date"),
        memo=parse_text(memo, field="memo", max_length=MEMO_LENGTH) or None,
    )
    PurchaseOrderBook.of(tx).add_lines(po, parsed)
    tx.set_document(po.number)
    return purchase_order_info(tx, po)


def _load(tx: Transaction, number: str) -> PurchaseOrderRecord:
    return PurchaseOrderBook.of(tx).load(number)


def line_of(po: PurchaseOrderRecord, key: object, used: set[int] | None = None) -> PurchaseLine:
    """A line of a purchase order by its number or its sku (a cancelled line only by its
    number); a line in `used` is refused as given twice, and added to it."""
    text = str(key).strip()
    matches = [
        ln for ln in po.lines if str(ln.line_no) == text or (ln.sku == text and not ln.cancelled)
    ]
    if not matches:
        gone = [ln for ln in po.lines if ln.sku == text]
        if gone:
            raise ValidationError(f"line {gone[0].line_no} of {po.number} ({text}) is cancelled")
        raise NotFound(f"{text!r} is not on {po.number}")
    if len(matches) > 1:
        raise ValidationError(
            f"{text} is on lines {', '.join(str(m.line_no) for m in matches)} of "
            f"{po.number}; give the line number instead"
        )
    line = matches[0]
    if used is not None:
        if line.id in used:
            raise ValidationError(f"line {line.line_no} of {po.number} is given twice")
        used.add(line.id)
    return line


def _quantities(
    tx: Transaction,
    po: PurchaseOrderRecord,
    wanted: Mapping[str, object] | None,
    *,
    verb: str,
) -> list[tuple[PurchaseLine, Decimal]]:
    """What to receive (or mark shipped): the lines given by sku or line number, or
    everything remaining (unless receipts start at zero)."""
    if wanted is None:
        if tx.prefs.default_items_to_zero_received_fulfilled:
            raise ValidationError(
                f"say what was {verb} on {po.number} (receipts start at zero): give each sku "
                "and quantity"
            )
        out = [(ln, ln.remaining) for ln in po.lines if ln.remaining > 0]
        if not out:
            raise ValidationError(f"nothing remains to be {verb} on {po.number}")
        return out
    out = []
    used: set[int] = set()
    for key, value in wanted.items():
        line = line_of(po, key, used)
        if line.cancelled:
            raise ValidationError(f"line {line.line_no} of {po.number} is cancelled")
        qty = parse_quantity(value, f"quantity of {str(key).strip()}")
        remaining = line.quantity - line.received
        if qty > remaining and not tx.prefs.allow_overage_on_item_receipts:
            raise OverageNotAllowed(
                f"{po.number}: {fmt(qty)} {line.sku} is more than the "
                f"{fmt(max(ZERO, remaining))} remaining; overage on item receipts is not allowed"
            )
        out.append((line, qty))
    return out


@dataclass(frozen=True)
class ReceiptInfo:
    number: str
    purchase_order: str
    vendor: str
    lines: list[tuple[str, Decimal, Decimal]]  # sku, quantity, unit cost
    order: PurchaseOrderInfo
    warnings: tuple[str, ...] = ()  # what went ahead under a "warn only" preference
    changes: Changes = NO_CHANGES


def _lots_received(
    po: PurchaseOrderRecord, lots: Mapping[str, LotGiven] | None
) -> dict[int, LotGiven]:
    """The lots received per line (by line id), as given by sku or line number; the vendor's
    lot number is the lot's own unless another is given."""
    out: dict[int, LotGiven] = {}
    for key, given in (lots or {}).items():
        text = str(key).strip()
        matches = [ln for ln in po.lines if ln.sku == text or str(ln.line_no) == text]
        if len(matches) != 1:
            raise NotFound(f"{text!r} is not one line of {po.number}")
        out[matches[0].id] = replace(given, vendor_lot=given.vendor_lot or given.lot)
    return out


@posting("po.receive", Permission.RECEIVE)
def receive_purchase_order(
    tx: Transaction,
    number: str,
    lines: Mapping[str, object] | None = None,
    *,
    memo: str | None = None,
    lots: Mapping[str, LotGiven] | None = None,
) -> ReceiptInfo:
    """An item receipt: the goods go into stock at the order's cost, on order comes down,
    and finance is told what was received. A tracked item comes in as the lot (with its
    expiry and the vendor's lot number) or the serials given for its line (`lots`). A
    drop-ship order's goods received into stock are held to the drop-ship preferences
    (app/services/orders/drop_ship.py)."""
    po = _load(tx, number)
    po.require(POAction.RECEIVE)
    plan = _quantities(tx, po, lines, verb="received")
    given = _lots_received(po, lots)
    unplanned = set(given) - {ln.id for ln, _q in plan}
    if unplanned:
        line = next(ln for ln in po.lines if ln.id in unplanned)
        raise ValidationError(f"lots are given for {line.sku}, which is not received here")
    warnings = _drop_ship_receipt(tx, po, [ln for ln, _q in plan])
    receipt = ReceiptBook.of(tx).create(
        po, plan, parse_text(memo, field="memo", max_length=MEMO_LENGTH) or None
    )
    stock = StockBook.of(tx)
    told = []
    for (line, qty), receipt_line in zip(plan, receipt.line_ids, strict=True):
        source = Source(SourceKind.RECEIPT, receipt.number, receipt.id, receipt_line)
        for lot, part in incoming(tx, line.item, qty, given.get(line.id, NOTHING), source):
            stock.post(
                line.item,
                po.location_id,
                part,
                LedgerReason.RECEIPT,
                source,
                unit_cost=line.unit_cost,
                lot=lot,
            )
        if not po.drop_ship:  # a drop-ship order was never on order here
            stock.balance(line.item.id, po.location_id).on_order -= min(qty, line.remaining)
        line.received += qty
        told.append(MomentLine(line.sku, qty, line.unit_cost, purchase_order_line_id=line.id))
    po.move_to(po.status_after_receipt())
    FinanceBook.of(tx).tell(
        Told(
            Moment.RECEIVED,
            "receipt",
            receipt.number,
            po.number,
            po.customer_po,
            po.vendor,
            told,
        )
    )
    tx.set_document(receipt.number)
    tx.note(purchase_order=po.number, received={ln.sku: q for ln, q in plan})
    if warnings:
        tx.note(warnings=warnings)
    return ReceiptInfo(
        number=receipt.number,
        purchase_order=po.number,
        vendor=po.vendor,
        lines=[(ln.sku, q, ln.unit_cost) for ln, q in plan],
        order=purchase_order_info(tx, po),
        warnings=tuple(warnings),
    )


def reverse_receipt(tx: Transaction, posted: Posted, memo: str | None) -> None:
    """Take a receipt back while its goods are still here: the exact opposite of its ledger
    rows (the commitments on them given up as by a write-off, never what is picked for an
    order waiting to ship), the order lines' received quantity down again, what is expected
    again on order while the order is open (a closed order expects nothing more), the order's
    status following, and finance told the receipt was reversed at the order's cost."""
    assert posted.source_id is not None
    receipt = ReceiptBook.of(tx).read(posted.source_id)
    # What vendor returns hold of the receipt: an open one its quantity, a finished one
    # what went back (as app/services/vendor_returns/returns.py `held_by_returns` counts).
    held = sorted(
        set(
            tx.session.scalars(
                select(VendorReturn.number)
                .join(VendorReturnLine, VendorReturnLine.vendor_return_id == VendorReturn.id)
                .where(
                    VendorReturnLine.receipt_line_id.in_(list(receipt.order_lines)),
                    VendorReturn.status != VRAStatus.CANCELLED.value,
                    (VendorReturn.status.in_([s.value for s in VRA_OPEN]))
                    | (VendorReturnLine.shipped > 0),
                )
            )
        )
    )
    if held:
        raise ValidationError(
            f"cannot reverse receipt {receipt.number}: {', '.join(held)} "
            f"{'sends' if len(held) == 1 else 'send'} its goods back to the vendor; cancel "
            "the vendor return first, or correct the stock with an adjustment"
        )
    po = _load(tx, receipt.purchase_order)
    by_id = {ln.id: ln for ln in po.lines}
    taken = [(r, by_id[receipt.order_lines[r.source_line_id or 0]]) for r in posted.rows]
    try:
        reverse_rows(tx, posted, memo)
    except InsufficientStock as exc:
        raise InsufficientStock(
            f"cannot reverse receipt {receipt.number}: what it brought in is no longer all "
            f"here ({exc.message}); correct the stock with an adjustment instead"
        ) from None
    stock = StockBook.of(tx)
    expected_before = {line.id: line.remaining if po.is_open else ZERO for _r, line in taken}
    for row, line in taken:
        line.received -= row.quantity
    if po.state in PO_OPEN or po.state == POStatus.RECEIVED:
        po.move_to(po.status_after_receipt())
    for _row, line in taken:
        expected = line.remaining if po.is_open else ZERO
        stock.balance(line.item.id, po.location_id).on_order += expected - expected_before.pop(
            line.id, expected
        )
    FinanceBook.of(tx).tell(
        Told(
            ReceiptMoment.RECEIPT_REVERSED,
            "receipt",
            receipt.number,
            po.number,
            po.customer_po,
            po.vendor,
            [
                MomentLine(line.sku, -row.quantity, row.unit_cost, purchase_order_line_id=line.id)
                for row, line in taken
            ],
        )
    )
    tx.changed.add(RECEIPT, receipt.number)
    tx.note(purchase_order=po.number, receipt=receipt.number)


register_reversal([LedgerReason.RECEIPT], ReversalRule("receipt {ref}", reverse_receipt))


def _drop_ship_receipt(
    tx: Transaction, po: PurchaseOrderRecord, lines: list[PurchaseLine]
) -> list[str]:
    """Goods of a drop-ship order received into stock: its balances are locked now (the
    order's own lines touch none), and each line is held to the drop-ship preferences."""
    if not po.drop_ship:
        return []
    StockBook.of(tx).lock((ln.item.id, po.location_id) for ln in lines)
    warnings = drop_ship.check_receipt(tx, po, lines)
    if po.created_from is not None:
        so = SalesOrderBook.of(tx).load(po.created_from, lock_stock=False)
        by_id = {ln.id: ln for ln in so.lines}
        for line in lines:
            so_line = by_id.get(line.sales_order_line_id or 0)
            if so_line is not None:
                warnings += drop_ship.check_quantities(tx, so, so_line, po, line)
    return warnings


@posting("po.mark_shipped", Permission.RECEIVE)
def mark_drop_ship_shipped(
    tx: Transaction, number: str, lines: Mapping[str, object] | None = None
) -> PurchaseOrderInfo:
    """The vendor has shipped a drop-ship order to the customer: the sales order lines are
    fulfilled (a shipped fulfillment records it), nothing moves through stock, and finance
    is told both the receipt and the shipment."""
    po = _load(tx, number)
    po.require(POAction.MARK_SHIPPED)
    plan = _quantities(tx, po, lines, verb="shipped")
    if po.created_from is None:
        raise IllegalTransition(f"{po.number} was not created from a sales order")
    warnings = drop_ship.check_mark_shipped(tx, po)
    so = SalesOrderBook.of(tx).load(po.created_from, lock_stock=False)
    by_id = {ln.id: ln for ln in so.lines}
    shipped: list[tuple[OrderLine, Decimal]] = []
    bought, sold = [], []
    for line, qty in plan:
        so_line = by_id[line.sales_order_line_id] if line.sales_order_line_id else None
        if so_line is None:
            raise IllegalTransition(f"{po.number} line {line.line_no} has no sales order line")
        warnings += drop_ship.check_quantities(tx, so, so_line, po, line)
        overage(tx, so, so_line, qty, verb="ship")
        line.received += qty
        so_line.consumed += qty
        shipped.append((so_line, qty))
        bought.append(
            MomentLine(so_line.sku, qty, line.unit_cost, so_line.id, line.id, drop_ship=True)
        )
        sold.append(MomentLine(so_line.sku, qty, so_line.rate, so_line.id, line.id, drop_ship=True))
    f = FulfillmentBook.of(tx).create(
        so, shipped, status=FulfillmentStatus.SHIPPED, drop_ship=True, memo=f"drop ship {po.number}"
    )
    po.move_to(po.status_after_receipt())
    so.move_to(so.status_after_shipping())
    finance = FinanceBook.of(tx)
    finance.tell(
        Told(
            Moment.RECEIVED,
            "purchase_order",
            po.number,
            so.number,
            so.customer_po,
            po.vendor,
            bought,
        )
    )
    finance.tell(
        Told(Moment.SHIPPED, "fulfillment", f.number, so.number, so.customer_po, so.customer, sold)
    )
    tx.note(fulfillment=f.number, order=so.number)
    if warnings:
        tx.note(warnings=warnings)
    return purchase_order_info(tx, po, warnings)


@posting("po.close", Permission.PURCHASE)
def close_purchase_order(tx: Transaction, number: str) -> PurchaseOrderInfo:
    """Nothing more will come: what is still on order is dropped."""
    po = _load(tx, number)
    po.require(POAction.CLOSE)
    _drop_on_order(tx, po)
    po.move_to(POStatus.CLOSED)
    po.closed_at = utcnow()
    return purchase_order_info(tx, po)


@posting("po.cancel", Permission.PURCHASE)
def cancel_purchase_order(tx: Transaction, number: str) -> PurchaseOrderInfo:
    po = _load(tx, number)
    po.require(POAction.CANCEL)
    if any(ln.received > 0 for ln in po.lines):
        raise IllegalTransition(f"cannot cancel {po.number}: part of it is received; close it")
    _drop_on_order(tx, po)
    po.move_to(POStatus.CANCELLED)
    po.closed_at = utcnow()
    return purchase_order_info(tx, po)


def _drop_on_order(tx: Transaction, po: PurchaseOrderRecord) -> None:
    """An open order for stock stops being on order (its balances are locked with it)."""
    if po.drop_ship or not po.is_open:
        return
    stock = StockBook.of(tx)
    for ln in po.lines:
        if ln.remaining > 0:
            stock.balance(ln.item.id, po.location_id).on_order -= ln.remaining


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurchaseOrderLineInfo:
    line_no: int
    sku: str
    name: str
    uom: str
    quantity: Decimal
    unit_cost: Decimal
    received: Decimal  # shipped, for a drop-ship order
    remaining: Decimal
    sales_order_line: str | None  # the drop-ship line it was made for
    cancelled: bool = False  # nothing more is expected on it
    returned: Decimal = ZERO  # shipped back to the vendor on vendor returns


@dataclass(frozen=True)
class PurchaseOrderInfo:
    number: str
    status: str
    status_label: str
    vendor: str
    drop_ship: bool
    created_from: str | None  # the sales order of a drop-ship order
    customer_po: str | None
    location: str
    order_date: date
    expected_date: date | None
    memo: str | None
    created_at: datetime
    total: Decimal
    lines: list[PurchaseOrderLineInfo]
    receipts: list[str]
    reversed_receipts: list[str]  # those of its receipts that were taken back
    actions: list[str]
    vendor_returns: list[str] = field(default_factory=list)
    warnings: tuple[str, ...] = ()  # what went ahead under a "warn only" preference
    changes: Changes = NO_CHANGES


_RETURNED = (
    select(
        VendorReturnLine.purchase_order_line_id,
        func.sum(VendorReturnLine.shipped).label("returned"),
    )
    .join(VendorReturn, VendorReturn.id == VendorReturnLine.vendor_return_id)
    .where(VendorReturn.purchase_order_id == bindparam("po"))
    .group_by(VendorReturnLine.purchase_order_line_id)
)
_VENDOR_RETURNS = (
    select(VendorReturn.number)
    .where(VendorReturn.purchase_order_id == bindparam("po"))
    .order_by(VendorReturn.id)
)


def purchase_order_info(
    tx: Transaction, po: PurchaseOrderRecord, warnings: Sequence[str] = ()
) -> PurchaseOrderInfo:
    so_lines: dict[int, str] = {}
    if po.sales_order_id is not None:
        for r in tx.session.execute(
            select(SalesOrderLine.id, SalesOrderLine.line_no).where(
                SalesOrderLine.sales_order_id == po.sales_order_id
            )
        ):
            so_lines[r.id] = str(r.line_no)
    receipts = list(
        tx.session.scalars(
            select(Receipt.number).where(Receipt.purchase_order_id == po.id).order_by(Receipt.id)
        )
    )
    reversed_receipts = list(
        tx.session.scalars(
            select(Receipt.number)
            .where(
                Receipt.purchase_order_id == po.id,
                select(LedgerEntry.id)
                .where(
                    LedgerEntry.source_kind == SourceKind.RECEIPT.value,
                    LedgerEntry.source_id == Receipt.id,
                    LedgerEntry.reverses_id.is_not(None),
                )
                .exists(),
            )
            .order_by(Receipt.id)
        )
    )
    returned = {
        r.purchase_order_line_id: r.returned for r in tx.session.execute(_RETURNED, {"po": po.id})
    }
    infos = [
        PurchaseOrderLineInfo(
            line_no=ln.line_no,
            sku=ln.sku,
            name=ln.item.name,
            uom=ln.item.uom,
            quantity=ln.quantity,
            unit_cost=ln.unit_cost,
            received=ln.received,
            remaining=ln.remaining if po.is_open else ZERO,
            sales_order_line=so_lines.get(ln.sales_order_line_id or 0),
            cancelled=ln.cancelled,
            returned=returned.get(ln.id, ZERO),
        )
        for ln in po.lines
    ]
    return PurchaseOrderInfo(
        number=po.number,
        status=po.status,
        status_label=po.status_label,
        vendor=po.vendor,
        drop_ship=po.drop_ship,
        created_from=po.created_from,
        customer_po=po.customer_po,
        location=po.location_code,
        order_date=po.order_date,
        expected_date=po.expected_date,
        memo=po.memo,
        created_at=po.created_at,
        total=sum((ln.quantity * ln.unit_cost for ln in infos if not ln.cancelled), ZERO).quantize(
            Decimal("0.000001")
        ),
        lines=infos,
        receipts=receipts,
        reversed_receipts=reversed_receipts,
        actions=[
            a.value for a in POAction if po.can(a) and (a != POAction.RETURN or bool(receipts))
        ],
        vendor_returns=list(tx.session.scalars(_VENDOR_RETURNS, {"po": po.id})),
        warnings=tuple(warnings),
    )


@query()
def get_purchase_order(tx: Transaction, number: str) -> PurchaseOrderInfo:
    return purchase_order_info(tx, _load(tx, number))


@dataclass(frozen=True)
class PurchaseOrderSummary:
    number: str
    vendor: str
    status: str
    status_label: str
    drop_ship: bool
    created_from: str | None
    order_date: date
    expected_date: date | None
    memo: str | None


_LISTING = Listing(
    sorts={
        "number": PurchaseOrder.number,
        "vendor": Vendor.name,
        "expected": PurchaseOrder.expected_date,
        "status": PurchaseOrder.status,
    },
    default="number",
    tiebreak=PurchaseOrder.id,
)


@query()
def list_purchase_orders(
    tx: Transaction,
    *,
    status: str | Iterable[str] | None = None,
    vendor: str | None = None,
    open_only: bool = False,
    text: str | None = None,
    page: PageRequest | None = None,
) -> Page[PurchaseOrderSummary]:
    stmt = (
        select(
            PurchaseOrder.number,
            Vendor.name.label("vendor"),
            PurchaseOrder.status,
            PurchaseOrder.drop_ship,
            SalesOrder.number.label("created_from"),
            PurchaseOrder.order_date,
            PurchaseOrder.expected_date,
            PurchaseOrder.memo,
        )
        .join(Vendor, Vendor.id == PurchaseOrder.vendor_id)
        .outerjoin(SalesOrder, SalesOrder.id == PurchaseOrder.sales_order_id)
    )
    conditions: list[ColumnElement[bool]] = []
    statuses = PurchaseOrder.lifecycle.statuses_named(status)
    if statuses:
        conditions.append(PurchaseOrder.status.in_(statuses))
    if open_only:
        conditions.append(PurchaseOrder.status.in_([s.value for s in PO_OPEN]))
    if vendor and vendor.strip():
        conditions.append(Vendor.name == " ".join(vendor.split()))
    conditions += text_search(
        text, PurchaseOrder.number, PurchaseOrder.customer_po, PurchaseOrder.memo, Vendor.name
    )
    return _LISTING.fetch(
        tx.session,
        stmt.where(*conditions),
        page or PageRequest(limit=None),
        lambda r: PurchaseOrderSummary(
            number=r.number,
            vendor=r.vendor,
            status=r.status,
            status_label=po_status_label(r.status, r.drop_ship),
            drop_ship=r.drop_ship,
            created_from=r.created_from,
            order_date=r.order_date,
            expected_date=r.expected_date,
            memo=r.memo,
        ),
    )


# --- replenishment --------------------------------------------------------------------------


@dataclass(frozen=True)
class Replenishment:
    """A bought item whose available + on order fell below its build point, and what brings
    it back to its preferred stock level (or to the build point)."""

    sku: str
    name: str
    vendor: str | None  # the preferred vendor (none: it cannot be ordered from here)
    quantity: Decimal
    available: Decimal
    on_order: Decimal
    build_point: Decimal
    preferred_stock: Decimal | None
    unit_cost: Decimal


def _replenishment_statement() -> Any:
    totals = (
        select(
            StockBalance.item_id,
            type_coerce(func.sum(StockBalance.available), Fixed).label("available"),
            type_coerce(func.sum(StockBalance.on_order), Fixed).label("on_order"),
        )
        .where(at_ordinary_locations(StockBalance.location_id))  # transit counts as on order
        .group_by(StockBalance.item_id)
        .subquery()
    )
    available = type_coerce(func.coalesce(totals.c.available, 0), Fixed)
    on_order = type_coerce(func.coalesce(totals.c.on_order, 0), Fixed)
    position = available + on_order
    target = type_coerce(func.coalesce(Item.preferred_stock, Item.build_point), Fixed)
    top = case((target > Item.build_point, target), else_=Item.build_point)
    quantity = type_coerce(top - position, Fixed)
    return (
        select(
            Item.sku,
            Item.name,
            Vendor.name.label("vendor"),
            quantity.label("quantity"),
            available.label("available"),
            on_order.label("on_order"),
            Item.build_point,
            Item.preferred_stock,
            func.coalesce(Item.purchase_price, Item.standard_cost).label("unit_cost"),
        )
        .outerjoin(totals, totals.c.item_id == Item.id)
        .outerjoin(Vendor, Vendor.id == Item.preferred_vendor_id)
        .where(
            Item.item_type == ItemType.INVENTORY.value,
            Item.active.is_(True),
            Item.build_point.is_not(None),
            position < Item.build_point,
            quantity > 0,
        )
        .order_by(Vendor.name, Item.sku)
    )


_REPLENISH = _replenishment_statement()


def _replenishments(tx: Transaction, skus: Iterable[str] | None = None) -> list[Replenishment]:
    stmt = _REPLENISH if skus is None else _REPLENISH.where(Item.sku.in_(list(skus)))
    return [
        Replenishment(
            sku=r.sku,
            name=r.name,
            vendor=r.vendor,
            quantity=r.quantity,
            available=r.available,
            on_order=r.on_order,
            build_point=r.build_point,
            preferred_stock=r.preferred_stock,
            unit_cost=r.unit_cost,
        )
        for r in tx.session.execute(stmt)
    ]


@query()
def replenishment_suggestions(tx: Transaction) -> list[Replenishment]:
    """The purchasing twin of the creation queue: bought items below their build point."""
    return _replenishments(tx)


@dataclass(frozen=True)
class Replenished:
    created: list[PurchaseOrderInfo]
    skipped: list[str]  # suggested items without a preferred vendor
    changes: Changes = field(default=NO_CHANGES)


def consolidated(lines: Sequence[Replenishment], most: int) -> list[Sequence[Replenishment]]:
    """One vendor's suggestions as the orders they go on: at most `most` lines each
    (`maximum_purchase_lines_to_consolidate`; 0: all of them on one order)."""
    if most <= 0:
        return [lines]
    return [lines[start : start + most] for start in range(0, len(lines), most)]


@posting("po.suggest.accept", Permission.PURCHASE)
def accept_replenishment(tx: Transaction, skus: Iterable[str] | None = None) -> Replenished:
    """Purchase orders per vendor for the suggestions, at most
    `maximum_purchase_lines_to_consolidate` lines each, at the purchase orders' default
    location."""
    wanted = None if skus is None else [s.strip() for s in skus]
    if wanted is not None:
        for sku in wanted:
            item_ref_by_sku(tx.session, sku)
    suggestions = _replenishments(tx, wanted)
    loc = purchase_location(tx, None)
    by_vendor: dict[str, list[Replenishment]] = defaultdict(list)
    skipped = []
    for s in suggestions:
        if s.vendor is None:
            skipped.append(s.sku)
        else:
            by_vendor[s.vendor].append(s)
    refs = {
        s.sku: item_ref_by_sku(tx.session, s.sku) for group in by_vendor.values() for s in group
    }
    StockBook.of(tx).lock((ref.id, loc.id) for ref in refs.values())
    created = []
    book = PurchaseOrderBook.of(tx)
    most = tx.prefs.maximum_purchase_lines_to_consolidate
    for vendor_name, group in sorted(by_vendor.items()):
        vendor = vendor_by_name(tx, vendor_name)
        for part in consolidated(group, most):
            po = _new_order(tx, vendor, loc, expected=None, memo="replenishment")
            book.add_lines(
                po, [NewPurchaseLine(refs[s.sku], s.quantity, s.unit_cost) for s in part]
            )
            created.append(purchase_order_info(tx, po))
    tx.note(created=[p.number for p in created], skipped=skipped)
    tx.set_document(", ".join(p.number for p in created)[:120] or "none")
    return Replenished(created, skipped)
