"""Vendor returns: goods a purchase order's receipts brought in go back to the vendor, who is
expected to credit them.

    po.return    a vendor return (VRA-…) from a purchase order's receipts; its status is
                 `default_vendor_return_authorization_status`
    vra.approve  pending approval -> pending return
    vra.ship     the goods leave: stock out at the receipt's location and cost
    vra.close    nothing more goes back (after part of it has)
    vra.cancel   before anything has gone back

Each line returns from one receipt line, never more than that line brought in less what other
vendor returns hold of it (an open return its quantity, a finished one what went back).

A customer return (RMA) of a line the vendor drop-shipped makes a vendor return of its own
when it is approved: the customer sends those goods straight back to the vendor, so its lines
name the RMA's lines (not receipts), at the drop-ship order line's cost, and shipping them
moves no stock of ours but counts them received on the RMA (and credits the customer unless
that was done in advance). It is closed or cancelled with its RMA, not on its own.
Finance hears of the vendor's credit (`vendor_credit`) at approval for the whole return with
`credit_in_advance_of_vendor_return`, else as each shipment leaves; a credit told in advance
and then not shipped (a cancel, or a close short) is taken back by a negative event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, bindparam, case, func, select, type_coerce

from app.errors import IllegalTransition, NotFound, ValidationError
from app.models import (
    LedgerEntry,
    LedgerReason,
    POAction,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    SourceKind,
    Tracking,
    Vendor,
    utcnow,
)
from app.models.kinds import document_kind
from app.models.quantity import ZERO, Fixed, fmt, parse_quantity, round_quantity
from app.models.returns import RETURN_AUTHORIZATION, ReturnAuthorization
from app.models.vendor_return import (
    VENDOR_RETURN,
    VRA_OPEN,
    VendorCredit,
    VendorReturn,
    VendorReturnLine,
    VendorReturnReason,
    VendorReturnSource,
    VRAAction,
    VRAStatus,
)
from app.services import reasons
from app.services.engine import commitment
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.ledger import Source, StockBook
from app.services.engine.lots import LotBook, LotRecord
from app.services.engine.numbering import normalize_number
from app.services.engine.paging import Listing, Page, PageRequest, text_search
from app.services.engine.parsing import parse_text
from app.services.engine.permissions import Permission
from app.services.engine.reversal import ReversalRule, register_reversal
from app.services.engine.uow import posting, query
from app.services.finance import FinanceBook, MomentLine, Told
from app.services.orders.purchase_records import PurchaseOrderBook, PurchaseOrderRecord
from app.services.orders.purchasing import line_of
from app.services.orders.sales import require_approver
from app.services.returns.credit import came_back
from app.services.returns.records import ReturnBook, ReturnRecord
from app.services.vendor_returns.records import (
    NewReturnLine,
    ReturnLine,
    VendorReturnBook,
    VendorReturnRecord,
)

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

MEMO_LENGTH = 200
_OPEN = [s.value for s in VRA_OPEN]
PURCHASE_ORDER = document_kind("purchase_order")


# What went back to the vendor left with the vendor's credit: it is not taken back.
register_reversal(
    [VendorReturnReason.VENDOR_RETURN],
    ReversalRule(
        "a shipment to the vendor on {ref}",
        instead="the goods are with the vendor: buy them again on a purchase order, or, if "
        "they never left, correct the stock with an adjustment",
    ),
)


# --- what may go back ------------------------------------------------------------------------


def held_by_returns(tx: Transaction, receipt_line_ids: Iterable[int]) -> dict[int, Decimal]:
    """What vendor returns hold of each receipt line: an open return its quantity, a
    finished one (returned, closed) what went back, a cancelled one nothing."""
    ids = sorted(set(receipt_line_ids))
    if not ids:
        return {}
    held = case(
        (VendorReturn.status.in_(_OPEN), VendorReturnLine.quantity),
        else_=VendorReturnLine.shipped,
    )
    rows = tx.session.execute(
        select(VendorReturnLine.receipt_line_id, type_coerce(func.sum(held), Fixed))
        .join(VendorReturn, VendorReturn.id == VendorReturnLine.vendor_return_id)
        .where(
            VendorReturnLine.receipt_line_id.in_(ids),
            VendorReturn.status != VRAStatus.CANCELLED.value,
        )
        .group_by(VendorReturnLine.receipt_line_id)
    )
    return {line_id: total for line_id, total in rows if line_id is not None}


@dataclass(frozen=True)
class _ReceiptLine:
    id: int
    receipt: str
    quantity: Decimal
    unit_cost: Decimal


def _receipt_lines(
    tx: Transaction, po: PurchaseOrderRecord, line_id: int, receipt: str | None
) -> list[_ReceiptLine]:
    """The receipt lines of one purchase order line, newest first (only `receipt`'s when
    one is named); a receipt reversed brought nothing in to send back."""
    reversed_receipt = (
        select(LedgerEntry.id)
        .where(
            LedgerEntry.source_kind == SourceKind.RECEIPT.value,
            LedgerEntry.source_id == Receipt.id,
            LedgerEntry.reverses_id.is_not(None),
        )
        .exists()
    )
    stmt = (
        select(ReceiptLine.id, Receipt.number, ReceiptLine.quantity, ReceiptLine.unit_cost)
        .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
        .where(ReceiptLine.purchase_order_line_id == line_id, ~reversed_receipt)
        .order_by(Receipt.id.desc())
    )
    if receipt is not None:
        stmt = stmt.where(Receipt.number == receipt)
    return [_ReceiptLine(*r) for r in tx.session.execute(stmt)]


def _named_receipt(tx: Transaction, po: PurchaseOrderRecord, receipt: str | None) -> str | None:
    if receipt is None or not str(receipt).strip():
        return None
    number = normalize_number(receipt)
    found = tx.session.scalar(
        select(Receipt.number).where(Receipt.number == number, Receipt.purchase_order_id == po.id)
    )
    if found is None:
        raise NotFound(f"{number} is not a receipt of {po.number}")
    return number


def _plan(
    tx: Transaction,
    po: PurchaseOrderRecord,
    wanted: Mapping[str, object],
    receipt: str | None,
) -> list[NewReturnLine]:
    """The lines of a new return: each purchase order line's quantity taken from its
    receipts, newest first, as far as each still has goods no return holds."""
    if not wanted:
        raise ValidationError(f"say what goes back to {po.vendor}: give each sku and quantity")
    out: list[NewReturnLine] = []
    used: set[int] = set()
    for key, value in wanted.items():
        line = line_of(po, key, used)
        qty = parse_quantity(value, f"quantity of {str(key).strip()}")
        receipts = _receipt_lines(tx, po, line.id, receipt)
        held = held_by_returns(tx, (r.id for r in receipts))
        room = {r.id: max(ZERO, r.quantity - held.get(r.id, ZERO)) for r in receipts}
        can = sum(room.values(), ZERO)
        if qty > can:
            came = sum((r.quantity for r in receipts), ZERO)
            where = f" on {receipt}" if receipt else ""
            raise ValidationError(
                f"{po.number} line {line.line_no}: {fmt(qty)} {line.sku} cannot go back; "
                f"{fmt(came)} came in{where} and {fmt(came - can)} of it is on vendor returns "
                f"already, so at most {fmt(can)} can"
            )
        left = qty
        for r in receipts:
            take = min(left, room[r.id])
            if take <= 0:
                continue
            out.append(NewReturnLine(line.id, r.id, r.receipt, line.item, take, r.unit_cost))
            left -= take
            if left <= 0:
                break
    return out


# --- goods a customer sends back to the vendor ----------------------------------------------


@dataclass(frozen=True)
class _DropShipLine:
    id: int
    purchase_order: str
    sales_order_line_id: int
    shipped: Decimal  # what the vendor shipped to the customer on it
    unit_cost: Decimal


def _drop_ship_lines(tx: Transaction, order_line_ids: list[int]) -> list[_DropShipLine]:
    """The drop-ship purchase order lines that shipped these sales order lines, oldest
    first."""
    pol = PurchaseOrderLine
    return [
        _DropShipLine(r.id, r.number, r.sales_order_line_id or 0, r.received, r.unit_cost)
        for r in tx.session.execute(
            select(
                pol.id, PurchaseOrder.number, pol.sales_order_line_id, pol.received, pol.unit_cost
            )
            .join(PurchaseOrder, PurchaseOrder.id == pol.purchase_order_id)
            .where(
                PurchaseOrder.drop_ship.is_(True),
                pol.sales_order_line_id.in_(order_line_ids),
                pol.received > 0,
            )
            .order_by(pol.id)
        )
    ]


def _held_for_customers(tx: Transaction, po_line_ids: list[int]) -> dict[int, Decimal]:
    """What vendor returns made from customer returns hold of each drop-ship order line (an
    open one its quantity, a finished one what went back)."""
    if not po_line_ids:
        return {}
    vl = VendorReturnLine
    held = case((VendorReturn.status.in_(_OPEN), vl.quantity), else_=vl.shipped)
    rows = tx.session.execute(
        select(vl.purchase_order_line_id, type_coerce(func.sum(held), Fixed))
        .join(VendorReturn, VendorReturn.id == vl.vendor_return_id)
        .where(
            vl.purchase_order_line_id.in_(po_line_ids),
            vl.return_line_id.is_not(None),
            VendorReturn.status != VRAStatus.CANCELLED.value,
        )
        .group_by(vl.purchase_order_line_id)
    )
    return {line_id: total for line_id, total in rows}


def _customer_plan(tx: Transaction, rma: ReturnRecord) -> dict[str, list[NewReturnLine]]:
    """The lines of the vendor returns an RMA's drop-shipped lines go back on, by purchase
    order: each RMA line taken from the drop-ship order lines that shipped it, oldest first,
    as far as each has shipped goods no other customer's return holds."""
    lines = rma.to_vendor()
    sources = _drop_ship_lines(tx, [ln.sales_order_line_id for ln in lines])
    held = _held_for_customers(tx, [src.id for src in sources])
    plan: dict[str, list[NewReturnLine]] = {}
    for ln in lines:
        left = ln.quantity
        for src in sources:
            if src.sales_order_line_id != ln.sales_order_line_id or left <= 0:
                continue
            take = min(left, src.shipped - held.get(src.id, ZERO))
            if take <= 0:
                continue
            held[src.id] = held.get(src.id, ZERO) + take
            left -= take
            new = NewReturnLine(src.id, None, None, ln.item, take, src.unit_cost, ln.id)
            plan.setdefault(src.purchase_order, []).append(new)
        if left > 0:
            raise ValidationError(
                f"{rma.number} line {ln.label} ({ln.sku}) goes back to the vendor who "
                f"drop-shipped it, but only {fmt(ln.quantity - left)} of the {fmt(ln.quantity)} "
                "is shipped on a drop-ship purchase order and not on another customer's return "
                "to that vendor"
            )
    return plan


def for_customer_return(tx: Transaction, rma: ReturnRecord) -> list[str]:
    """The vendor returns an approved RMA's drop-shipped lines go back on, one per drop-ship
    purchase order, made now; each is pending approval or approved at once as
    `default_vendor_return_authorization_status` says. Their numbers."""
    return [
        _make(
            tx,
            PurchaseOrderBook.of(tx).load(number),
            lines,
            reason_code=rma.reason_code,
            memo=f"customer return {rma.number}",
            return_authorization=(rma.id, rma.number),
        ).number
        for number, lines in _customer_plan(tx, rma).items()
    ]


def of_customer_return(tx: Transaction, rma: ReturnRecord) -> list[str]:
    """The vendor returns made for an RMA, oldest first."""
    return list(
        tx.session.scalars(
            select(VendorReturn.number)
            .where(VendorReturn.return_authorization_id == rma.id)
            .order_by(VendorReturn.id)
        )
    )


def finish_for_customer_return(tx: Transaction, rma: ReturnRecord) -> None:
    """An RMA closed or cancelled finishes its vendor returns: one that sent part of its goods
    back is closed, one that sent nothing is cancelled (a credit told in advance for what did
    not go back is taken back)."""
    book = VendorReturnBook.of(tx)
    for number in of_customer_return(tx, rma):
        vra = book.load(number)
        if vra.can(VRAAction.CLOSE):
            _close(tx, vra)
        elif vra.can(VRAAction.CANCEL):
            _cancel(tx, vra)


def _customer_came_back(
    tx: Transaction, vra: VendorReturnRecord, shipped: list[tuple[ReturnLine, Decimal]]
) -> None:
    """Goods a customer sent back to the vendor have reached it: they count as received on
    the RMA (which credits the customer unless it did in advance)."""
    if vra.return_authorization is None:
        return
    rma = ReturnBook.of(tx).load(vra.return_authorization)
    by_id = {ln.id: ln for ln in rma.lines}
    for line, qty in shipped:
        if line.return_line_id is not None:
            by_id[line.return_line_id].received += qty
    came_back(tx, rma)
    tx.changed.add(RETURN_AUTHORIZATION, rma.number)


def _rma_first(tx: Transaction, number: str) -> None:
    """A vendor return made from an RMA locks that RMA before itself, as the RMA's own
    postings do (so that the two never wait on each other)."""
    rma = tx.session.scalar(
        select(ReturnAuthorization.number)
        .join(VendorReturn, VendorReturn.return_authorization_id == ReturnAuthorization.id)
        .where(VendorReturn.number == normalize_number(number))
    )
    if rma is not None:
        ReturnBook.of(tx).load(rma)


# --- postings --------------------------------------------------------------------------------


@posting("po.return", Permission.PURCHASE)
def return_to_vendor(
    tx: Transaction,
    number: str,
    lines: Mapping[str, object],
    *,
    reason: str | None = None,
    receipt: str | None = None,
    memo: str | None = None,
) -> VendorReturnInfo:
    """A vendor return of what a purchase order's receipts brought in (lines by sku or line
    number; `receipt` names the receipt to take them from, else the newest first). It is
    made pending approval, or approved at once, as
    `default_vendor_return_authorization_status` says."""
    po = PurchaseOrderBook.of(tx).load(number)
    po.require(POAction.RETURN)
    code = reasons.require_reason_code(tx, reason, "return") if reason else None
    plan = _plan(tx, po, lines, _named_receipt(tx, po, receipt))
    vra = _make(
        tx,
        po,
        plan,
        reason_code=code,
        memo=parse_text(memo, field="memo", max_length=MEMO_LENGTH) or None,
    )
    tx.set_document(vra.number)
    tx.note(
        purchase_order=po.number,
        lines={f"{ln.sku} from {ln.receipt}": ln.quantity for ln in vra.lines},
        reason=code,
        status=vra.status,
    )
    return vendor_return_info(tx, vra)


def _make(
    tx: Transaction,
    po: PurchaseOrderRecord,
    lines: list[NewReturnLine],
    *,
    reason_code: str | None,
    memo: str | None,
    return_authorization: tuple[int, str] | None = None,
) -> VendorReturnRecord:
    """A new vendor return of a purchase order's goods, made pending approval or approved at
    once as `default_vendor_return_authorization_status` says."""
    vra = VendorReturnBook.of(tx).create(
        purchase_order_id=po.id,
        purchase_order=po.number,
        customer_po=po.customer_po,
        vendor_id=po.vendor_id,
        vendor=po.vendor,
        location_id=po.location_id,
        location_code=po.location_code,
        reason_code=reason_code,
        memo=memo,
        lines=lines,
        return_authorization=return_authorization,
    )
    tx.changed.add(PURCHASE_ORDER, po.number)
    if tx.prefs.default_vendor_return_authorization_status == VRAStatus.PENDING_RETURN.value:
        _approve(tx, vra)
    return vra


def _approve(tx: Transaction, vra: VendorReturnRecord) -> None:
    vra.move_to(VRAStatus.PENDING_RETURN)
    vra.approved_at = utcnow()
    if tx.prefs.credit_in_advance_of_vendor_return:
        vra.credit_in_advance = True
        _tell_credit(tx, vra, [(ln, ln.quantity) for ln in vra.lines])


def _tell_credit(
    tx: Transaction, vra: VendorReturnRecord, quantities: list[tuple[ReturnLine, Decimal]]
) -> None:
    """Finance hears of the credit the vendor owes for these quantities (negative: a credit
    told in advance, taken back), at each receipt's cost."""
    FinanceBook.of(tx).tell(
        Told(
            VendorCredit.VENDOR_CREDIT,
            VENDOR_RETURN.key,
            vra.number,
            vra.purchase_order,
            vra.customer_po,
            vra.vendor,
            [
                MomentLine(
                    ln.sku, qty, ln.unit_cost, purchase_order_line_id=ln.purchase_order_line_id
                )
                for ln, qty in quantities
                if qty != 0
            ],
        )
    )


def _load(tx: Transaction, number: str) -> VendorReturnRecord:
    return VendorReturnBook.of(tx).load(number)


@posting("vra.approve", Permission.APPROVE_ORDERS)
def approve_vendor_return(tx: Transaction, number: str) -> VendorReturnInfo:
    """Pending approval -> pending return: the goods may go back; with
    `credit_in_advance_of_vendor_return` finance hears of the whole credit now. Approved as
    a sales order is: by one who may approve orders, not its author when
    `approver_must_differ_from_author`."""
    vra = _load(tx, number)
    vra.require(VRAAction.APPROVE)
    require_approver(tx, vra.number, vra.created_by)
    _approve(tx, vra)
    return vendor_return_info(tx, vra)


def _shipment(
    vra: VendorReturnRecord, wanted: Mapping[str, object] | None
) -> list[tuple[ReturnLine, Decimal]]:
    """What leaves: the lines given by sku or line number, or everything still to go."""
    if wanted is None:
        return [(ln, ln.remaining) for ln in vra.lines if ln.remaining > 0]
    out = []
    used: set[int] = set()
    for key, value in wanted.items():
        text = str(key).strip()
        matches = [ln for ln in vra.lines if ln.sku == text or str(ln.line_no) == text]
        if not matches:
            raise NotFound(f"{text!r} is not on {vra.number}")
        if len(matches) > 1:
            raise ValidationError(
                f"{text} is on lines {', '.join(str(m.line_no) for m in matches)} of "
                f"{vra.number} (from {', '.join(m.receipt or 'a customer' for m in matches)}); "
                "give the line "
                "number instead"
            )
        line = matches[0]
        if line.id in used:
            raise ValidationError(f"line {line.line_no} of {vra.number} is given twice")
        used.add(line.id)
        qty = parse_quantity(value, f"quantity of {text}")
        if qty > line.remaining:
            raise ValidationError(
                f"{vra.number} line {line.line_no}: {fmt(qty)} {line.sku} is more than the "
                f"{fmt(line.remaining)} still to go back"
            )
        out.append((line, qty))
    return out


# What each lot a receipt line brought in, and what vendor returns of that receipt line
# already sent back of it (negative), oldest lot first.
_RECEIVED_LOTS = (
    select(LedgerEntry.lot_id, func.sum(LedgerEntry.quantity).label("quantity"))
    .where(
        LedgerEntry.source_kind == SourceKind.RECEIPT,
        LedgerEntry.reason == LedgerReason.RECEIPT,
        LedgerEntry.source_line_id == bindparam("line"),
        LedgerEntry.lot_id.is_not(None),
    )
    .group_by(LedgerEntry.lot_id)
    .order_by(func.min(LedgerEntry.id))
)
_RETURNED_LOTS = (
    select(LedgerEntry.lot_id, func.sum(LedgerEntry.quantity).label("quantity"))
    .join(VendorReturnLine, VendorReturnLine.id == LedgerEntry.source_line_id)
    .where(
        LedgerEntry.source_kind == VendorReturnSource.VENDOR_RETURN,
        LedgerEntry.reason == VendorReturnReason.VENDOR_RETURN,
        VendorReturnLine.receipt_line_id == bindparam("line"),
        LedgerEntry.lot_id.is_not(None),
    )
    .group_by(LedgerEntry.lot_id)
)


def _receipt_lots(tx: Transaction, receipt_line_id: int) -> list[list[Any]]:
    """The lots one receipt line brought in with what of each has not gone back yet (as
    [lot, quantity], oldest first)."""
    came = [
        (r.lot_id, r.quantity)
        for r in tx.session.execute(_RECEIVED_LOTS, {"line": receipt_line_id})
    ]
    back = {
        r.lot_id: r.quantity for r in tx.session.execute(_RETURNED_LOTS, {"line": receipt_line_id})
    }
    lots = LotBook.of(tx).lots(lot_id for lot_id, _q in came)
    return [[lots[lot_id], qty + back.get(lot_id, ZERO)] for lot_id, qty in came]


def _lot_parts(
    tx: Transaction, receipt_line_id: int, qty: Decimal, open_lots: dict[int, list[list[Any]]]
) -> list[tuple[LotRecord | None, Decimal]]:
    """How a tracked line's goods leave: from the lots its receipt line brought in, oldest
    first, so each lot goes back to the vendor it came from; what those do not account for
    (goods received before the item was tracked) leaves by the consumption order (None)."""
    if receipt_line_id not in open_lots:
        open_lots[receipt_line_id] = _receipt_lots(tx, receipt_line_id)
    parts: list[tuple[LotRecord | None, Decimal]] = []
    left = qty
    for share in open_lots[receipt_line_id]:
        take = min(left, share[1])
        if take > 0:
            parts.append((share[0], take))
            share[1] -= take
            left -= take
    if left > 0:
        parts.append((None, left))
    return parts


def _send_back(
    tx: Transaction,
    vra: VendorReturnRecord,
    line: ReturnLine,
    receipt_line_id: int,
    qty: Decimal,
    open_lots: dict[int, list[list[Any]]],
) -> None:
    """One line's goods leave for the vendor: out of stock at the return's location (the
    receipt's) and the receipt's cost, commitments giving way as for a write-off. An item
    tracked by lot or serial leaves from the lots its receipt line brought in (a lot whose
    free stock is gone refuses in words, naming it)."""
    commitment.make_room(tx, line.item, vra.location_id, qty)
    parts: list[tuple[LotRecord | None, Decimal]] = [(None, qty)]
    if line.item.tracking != Tracking.NONE.value:
        parts = _lot_parts(tx, receipt_line_id, qty, open_lots)
    source = Source(VendorReturnSource.VENDOR_RETURN, vra.number, vra.id, line.id)
    stock = StockBook.of(tx)
    for lot, part in parts:
        stock.post(
            line.item,
            vra.location_id,
            -part,
            VendorReturnReason.VENDOR_RETURN,
            source,
            unit_cost=line.unit_cost,
            lot=lot,
        )
    line.shipped += qty


@posting("vra.ship", Permission.FULFILL)
def ship_vendor_return(
    tx: Transaction, number: str, lines: Mapping[str, object] | None = None
) -> VendorReturnInfo:
    """The goods go back to the vendor (all that is still to go, or the lines given): they
    leave stock (a customer's goods sent straight to the vendor count as received on its
    RMA instead), and, unless finance was told in advance, finance hears of the credit."""
    _rma_first(tx, number)
    vra = _load(tx, number)
    vra.require(VRAAction.SHIP)
    plan = _shipment(vra, lines)
    if not plan:
        raise ValidationError(f"nothing is left to go back on {vra.number}")
    open_lots: dict[int, list[list[Any]]] = {}
    for line, qty in plan:
        if line.receipt_line_id is None:  # a customer's goods, sent to the vendor directly
            line.shipped += qty
        else:
            _send_back(tx, vra, line, line.receipt_line_id, qty, open_lots)
    _customer_came_back(tx, vra, plan)
    vra.move_to(vra.status_after_shipping())
    if not vra.credit_in_advance:
        _tell_credit(tx, vra, plan)
    tx.note(shipped={ln.line_no: q for ln, q in plan})
    return vendor_return_info(tx, vra)


@posting("vra.close", Permission.PURCHASE)
def close_vendor_return(tx: Transaction, number: str) -> VendorReturnInfo:
    """Nothing more goes back: what was not shipped stops counting against the receipts; a
    credit told in advance for it is taken back."""
    vra = _load(tx, number)
    _not_for_a_customer(vra, "close")
    vra.require(VRAAction.CLOSE)
    _close(tx, vra)
    return vendor_return_info(tx, vra)


def _not_for_a_customer(vra: VendorReturnRecord, verb: str) -> None:
    if vra.return_authorization is not None:
        raise IllegalTransition(
            f"cannot {verb} {vra.number} on its own: it sends back what a customer returns on "
            f"{vra.return_authorization}; {verb} that return authorization instead"
        )


def _close(tx: Transaction, vra: VendorReturnRecord) -> None:
    if vra.credit_in_advance:
        _tell_credit(tx, vra, [(ln, -ln.remaining) for ln in vra.lines])
    vra.move_to(VRAStatus.CLOSED)
    vra.closed_at = utcnow()


@posting("vra.cancel", Permission.PURCHASE)
def cancel_vendor_return(tx: Transaction, number: str) -> VendorReturnInfo:
    """Nothing goes back: the receipts' goods are free to return again; a credit told in
    advance is taken back."""
    vra = _load(tx, number)
    _not_for_a_customer(vra, "cancel")
    vra.require(VRAAction.CANCEL)
    _cancel(tx, vra)
    return vendor_return_info(tx, vra)


def _cancel(tx: Transaction, vra: VendorReturnRecord) -> None:
    if vra.credit_in_advance:
        _tell_credit(tx, vra, [(ln, -ln.quantity) for ln in vra.lines])
    vra.move_to(VRAStatus.CANCELLED)
    vra.closed_at = utcnow()


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VendorReturnLineInfo:
    line_no: int
    sku: str
    name: str
    uom: str
    quantity: Decimal
    shipped: Decimal
    remaining: Decimal  # still to go back (nothing once closed or cancelled)
    unit_cost: Decimal  # the receipt's
    amount: Decimal  # the credit the line is worth
    receipt: str | None  # the receipt it returns from (None: a customer's goods, sent back)


@dataclass(frozen=True)
class VendorReturnInfo:
    number: str
    status: str
    status_label: str
    purchase_order: str
    vendor: str
    location: str
    customer_po: str | None
    reason_code: str | None
    memo: str | None
    credit_in_advance: bool  # finance was told of the whole credit at approval
    total: Decimal
    created_at: datetime
    created_by: str
    approved_at: datetime | None
    closed_at: datetime | None
    lines: list[VendorReturnLineInfo]
    receipts: list[str]
    actions: list[str]
    # The customer return whose goods it sends back (the customer ships them to the vendor).
    return_authorization: str | None = None
    changes: Changes = NO_CHANGES


def vendor_return_info(tx: Transaction, vra: VendorReturnRecord) -> VendorReturnInfo:
    infos = [
        VendorReturnLineInfo(
            line_no=ln.line_no,
            sku=ln.sku,
            name=ln.item.name,
            uom=ln.item.uom,
            quantity=ln.quantity,
            shipped=ln.shipped,
            remaining=ln.remaining if vra.is_open else ZERO,
            unit_cost=ln.unit_cost,
            amount=round_quantity(ln.quantity * ln.unit_cost),
            receipt=ln.receipt,
        )
        for ln in vra.lines
    ]
    return VendorReturnInfo(
        number=vra.number,
        status=vra.status,
        status_label=vra.state.label,
        purchase_order=vra.purchase_order,
        vendor=vra.vendor,
        location=vra.location_code,
        customer_po=vra.customer_po,
        reason_code=vra.reason_code,
        memo=vra.memo,
        credit_in_advance=vra.credit_in_advance,
        total=sum((ln.amount for ln in infos), ZERO),
        created_at=vra.created_at,
        created_by=vra.created_by,
        approved_at=vra.approved_at,
        closed_at=vra.closed_at,
        lines=infos,
        receipts=sorted({ln.receipt for ln in vra.lines if ln.receipt}),
        actions=[a.value for a in VRAAction if vra.can(a) and _on_its_own(vra, a)],
        return_authorization=vra.return_authorization,
    )


def _on_its_own(vra: VendorReturnRecord, action: VRAAction) -> bool:
    """A vendor return made from an RMA is closed and cancelled with it."""
    return vra.return_authorization is None or action not in (VRAAction.CLOSE, VRAAction.CANCEL)


@query()
def get_vendor_return(tx: Transaction, number: str) -> VendorReturnInfo:
    return vendor_return_info(tx, _load(tx, number))


@dataclass(frozen=True)
class VendorReturnSummary:
    number: str
    status: str
    status_label: str
    purchase_order: str
    vendor: str
    reason_code: str | None
    created: date
    memo: str | None


_LISTING = Listing(
    sorts={
        "number": VendorReturn.number,
        "vendor": Vendor.name,
        "purchase_order": PurchaseOrder.number,
        "status": VendorReturn.status,
        "created": VendorReturn.created_at,
    },
    default="number",
    tiebreak=VendorReturn.id,
)
VENDOR_RETURN_SORTS = tuple(_LISTING.sorts)


@query()
def list_vendor_returns(
    tx: Transaction,
    *,
    status: str | Iterable[str] | None = None,
    purchase_order: str | None = None,
    open_only: bool = False,
    text: str | None = None,
    page: PageRequest | None = None,
) -> Page[VendorReturnSummary]:
    """Vendor returns by the filters, one page in the order asked; `text` matches the
    number, the purchase order, the vendor, the reason code and the memo."""
    stmt = (
        select(
            VendorReturn.number,
            VendorReturn.status,
            PurchaseOrder.number.label("purchase_order"),
            Vendor.name.label("vendor"),
            VendorReturn.reason_code,
            VendorReturn.created_at,
            VendorReturn.memo,
        )
        .join(PurchaseOrder, PurchaseOrder.id == VendorReturn.purchase_order_id)
        .join(Vendor, Vendor.id == VendorReturn.vendor_id)
    )
    conditions: list[ColumnElement[bool]] = []
    statuses = VendorReturn.lifecycle.statuses_named(status)
    if statuses:
        conditions.append(VendorReturn.status.in_(statuses))
    if open_only:
        conditions.append(VendorReturn.status.in_(_OPEN))
    if purchase_order and purchase_order.strip():
        conditions.append(PurchaseOrder.number == normalize_number(purchase_order))
    conditions += text_search(
        text,
        VendorReturn.number,
        PurchaseOrder.number,
        Vendor.name,
        VendorReturn.reason_code,
        VendorReturn.memo,
    )

    def row(r: Any) -> VendorReturnSummary:
        return VendorReturnSummary(
            number=r.number,
            status=r.status,
            status_label=VRAStatus(r.status).label,
            purchase_order=r.purchase_order,
            vendor=r.vendor,
            reason_code=r.reason_code,
            created=r.created_at.astimezone().date(),
            memo=r.memo,
        )

    return _LISTING.fetch(tx.session, stmt.where(*conditions), page or PageRequest(limit=None), row)


def vendor_return_statuses() -> list[tuple[str, str]]:
    """Every status as (key, label), for a list's filter."""
    return VendorReturn.lifecycle.choices()
