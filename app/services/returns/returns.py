"""Customer returns: authorize a return of a sales order's shipped lines (an RMA), approve,
receive what comes back (restocked or scrapped), close, cancel; and read them.

What may come back of a line is what shipped less what is already returned: what every RMA
that is not cancelled authorized for it (a closed one: what it received). A kit returns as
its members, in whole kits; a line the vendor drop-shipped goes back to the vendor, not to our
stock: once the RMA is approved, a vendor return (VRA-…) of its own sends it back, and it
counts as received when that return ships; a line that carries no stock never shipped
anything.

A receipt posts each line's goods at the receiving location at the cost they shipped at: a
restocked line +quantity (reason `customer_return`), a scrapped line the same +quantity and
then -quantity (reason `return_scrap`), so that both movements are in the ledger. An item
tracked by lot or serial comes back in the lots (serials) its order line shipped in and that
have not come back yet, newest shipment first, one pair of rows per lot. Finance is
told the customer's credit at the order line's rate (a kit as the kit): for everything
authorized at approval when `refund_in_advance_of_return` is on then, else for what comes back
at each receipt; closing or cancelling withdraws what was credited and did not come back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select, union_all
from sqlalchemy.orm import aliased

from app.errors import InsufficientStock, OverageNotAllowed, ValidationError
from app.models import (
    Customer,
    FulfillmentLine,
    LedgerEntry,
    LedgerReason,
    LinePath,
    Location,
    SalesOrder,
    SourceKind,
    Tracking,
    utcnow,
)
from app.models.quantity import ZERO, fmt, parse_quantity, round_quantity
from app.models.returns import (
    RETURN_AUTHORIZATION,
    ReturnAuthorization,
    ReturnLine,
    ReturnReason,
    ReturnSource,
    RMAAction,
    RMAStatus,
    returned_by_line,
)
from app.models.sales import SALES_ORDER
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.ledger import Source, StockBook
from app.services.engine.lookup import LocationRef, location_ref
from app.services.engine.lots import LotBook, LotRecord
from app.services.engine.numbering import next_number, normalize_number
from app.services.engine.paging import Listing, Page, PageRequest, text_search
from app.services.engine.parsing import parse_text
from app.services.engine.permissions import Permission
from app.services.engine.reversal import Posted, ReversalRule, register_reversal, reverse_rows
from app.services.engine.uow import Transaction, posting, query
from app.services.orders.records import OrderLine, SalesOrderBook, SalesOrderRecord
from app.services.orders.sales import require_approver
from app.services.reasons import require_reason_code
from app.services.returns.credit import came_back, settle_credit
from app.services.returns.records import (
    NewReturnLine,
    ReturnBook,
    ReturnLineRecord,
    ReturnRecord,
)
from app.services.vendor_returns import returns as vendor_returns

MEMO_LENGTH = 200
RESTOCK, SCRAP = "restock", "scrap"
DISPOSITIONS = (RESTOCK, SCRAP)


# --- read models --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnLineInfo:
    line: str  # the sales order line: "3", or "3.1" for a kit's member
    sku: str
    name: str
    uom: str
    path: str
    kit_member: bool
    quantity: Decimal  # authorized (a kit: whole kits)
    received: Decimal
    restocked: Decimal
    scrapped: Decimal
    to_receive: Decimal
    rate: Decimal  # the credit per unit (a kit's members: credited as the kit)
    credited: Decimal  # what finance was told to credit, in units (a kit: kits)
    unit_cost: Decimal  # what it shipped at, and comes back at
    to_vendor: bool = False  # drop-shipped: it goes back to the vendor on a vendor return


@dataclass(frozen=True)
class ReturnReceipt:
    """One receipt posted on an RMA: its event (what `shopfloor reverse` takes), where and
    when, what it restocked and scrapped, and whether it was reversed since."""

    event_id: int
    posted_at: datetime
    posted_by: str
    location: str
    restocked: Decimal
    scrapped: Decimal
    reversed_by: int | None


@dataclass(frozen=True)
class ReturnInfo:
    number: str
    status: str
    status_label: str
    sales_order: str  # created from
    customer: str
    customer_po: str | None
    location: str  # where the goods are expected back
    reason_code: str | None
    memo: str | None
    credit_in_advance: bool
    created_at: datetime
    created_by: str
    approved_at: datetime | None
    approved_by: str | None
    credited_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    lines: list[ReturnLineInfo]
    credit: Decimal  # what finance has been told to credit the customer, in money
    restock_by_default: bool  # restock_returned_items: what a receipt does unless told
    actions: list[str]
    # The vendor returns its drop-shipped lines go back on (made when it is approved).
    vendor_returns: list[str] = field(default_factory=list)
    changes: Changes = NO_CHANGES


@dataclass
class _Tally:
    """One receipt's rows added up."""

    posted_at: datetime
    posted_by: str
    location_id: int
    came_back: Decimal = ZERO
    scrapped: Decimal = ZERO
    reversed_by: int | None = None


def _receipts(tx: Transaction, rma: ReturnRecord) -> list[ReturnReceipt]:
    """The receipts posted on an RMA, oldest first, read from the ledger."""
    le = LedgerEntry
    mine = (
        le.source_kind == ReturnSource.RETURN_AUTHORIZATION.value,
        le.source_id == rma.id,
    )
    reversal = (
        select(le.reverses_id.label("row_id"), le.event_id.label("by"))
        .where(*mine, le.reverses_id.is_not(None))
        .subquery()
    )
    found: dict[int, _Tally] = {}
    for r in tx.session.execute(
        select(
            le.event_id,
            le.posted_at,
            le.posted_by,
            le.location_id,
            le.reason,
            le.quantity,
            reversal.c.by,
        )
        .outerjoin(reversal, reversal.c.row_id == le.id)
        .where(*mine, le.reason != LedgerReason.REVERSAL.value)
        .order_by(le.id)
    ):
        tally = found.setdefault(r.event_id, _Tally(r.posted_at, r.posted_by, r.location_id))
        tally.reversed_by = r.by
        if r.reason == ReturnReason.RETURN_SCRAP.value:
            tally.scrapped -= r.quantity
        else:
            tally.came_back += r.quantity
    if not found:
        return []
    codes = dict(
        tx.session.execute(
            select(Location.id, Location.code).where(
                Location.id.in_({t.location_id for t in found.values()})
            )
        ).all()
    )
    return [
        ReturnReceipt(
            event_id=event,
            posted_at=t.posted_at,
            posted_by=t.posted_by,
            location=codes[t.location_id],
            restocked=t.came_back - t.scrapped,
            scrapped=t.scrapped,
            reversed_by=t.reversed_by,
        )
        for event, t in found.items()
    ]


def _actions(rma: ReturnRecord) -> list[str]:
    """What may be done with it now; receiving only while something comes back here (lines
    drop-shipped by their vendor go back to that vendor instead)."""
    here = any(ln.to_receive > 0 for ln in rma.stocked())
    return [a.value for a in RMAAction if rma.can(a) and (a != RMAAction.RECEIVE or here)]


def return_info(tx: Transaction, rma: ReturnRecord) -> ReturnInfo:
    lines = [
        ReturnLineInfo(
            line=ln.label,
            sku=ln.sku,
            name=ln.item.name,
            uom=ln.item.uom,
            path=ln.path,
            kit_member=bool(ln.member_no),
            quantity=ln.quantity,
            received=ln.received,
            restocked=ln.restocked,
            scrapped=ln.scrapped,
            to_receive=ln.to_receive if rma.can(RMAAction.RECEIVE) and not ln.to_vendor else ZERO,
            rate=ln.rate,
            credited=ln.credited,
            unit_cost=ln.unit_cost,
            to_vendor=ln.to_vendor,
        )
        for ln in rma.lines
    ]
    return ReturnInfo(
        number=rma.number,
        status=rma.status,
        status_label=rma.state.label,
        sales_order=rma.sales_order,
        customer=rma.customer,
        customer_po=rma.customer_po,
        location=rma.location_code,
        reason_code=rma.reason_code,
        memo=rma.memo,
        credit_in_advance=rma.credit_in_advance,
        created_at=rma.created_at,
        created_by=rma.created_by,
        approved_at=rma.approved_at,
        approved_by=rma.approved_by,
        credited_at=rma.credited_at,
        closed_at=rma.closed_at,
        closed_by=rma.closed_by,
        lines=lines,
        credit=sum((round_quantity(ln.credited * ln.rate) for ln in rma.lines if ln.billed), ZERO),
        restock_by_default=tx.prefs.restock_returned_items,
        actions=_actions(rma),
        vendor_returns=vendor_returns.of_customer_return(tx, rma) if rma.to_vendor() else [],
    )


# --- what may come back -------------------------------------------------------------------


def already_returned(tx: Transaction, line_ids: Iterable[int]) -> dict[int, Decimal]:
    """What RMAs take back of each sales order line (absent: nothing)."""
    ids = list(line_ids)
    if not ids:
        return {}
    stmt = returned_by_line().where(ReturnLine.sales_order_line_id.in_(ids))
    return {r.line_id: r.returned for r in tx.session.execute(stmt)}


def _shipped(so: SalesOrderRecord, line: OrderLine) -> Decimal:
    """What shipped of a line (a kit: whole kits)."""
    return so.kits_shipped(line) if line.path == LinePath.KIT.value else line.fulfilled


def _why_not(so: SalesOrderRecord, line: OrderLine) -> str | None:
    """Why nothing of a line comes back on a customer return (None: it may)."""
    path = LinePath(line.path)
    if line.member_no:
        return f"it ships as part of kit {line.line_no}: return the kit"
    if path == LinePath.NONE:
        return "it carries no stock: nothing shipped to come back"
    if path == LinePath.KIT and not any(LinePath(m.path).stocked for m in so.members(line)):
        return "none of its members carries stock"
    return None


@dataclass(frozen=True)
class ReturnableLine:
    line: str
    sku: str
    name: str
    uom: str
    path: str
    kit_member: bool
    shipped: Decimal  # a kit: whole kits
    returned: Decimal  # authorized on RMAs not cancelled (a closed one: what it received)
    returnable: Decimal  # what another RMA may take back
    why_not: str | None  # why none of it comes back on an RMA


@dataclass(frozen=True)
class ReturnableOrder:
    number: str
    status_label: str
    customer: str
    customer_po: str | None
    location: str
    lines: list[ReturnableLine]
    returns: list[str]  # its RMAs so far


def _returnable(tx: Transaction, so: SalesOrderRecord) -> list[ReturnableLine]:
    returned = already_returned(tx, (ln.id for ln in so.lines))
    out = []
    for ln in so.lines:
        shipped = _shipped(so, ln)
        back = returned.get(ln.id, ZERO)
        why = _why_not(so, ln)
        out.append(
            ReturnableLine(
                line=ln.label,
                sku=ln.sku,
                name=ln.item.name,
                uom=ln.item.uom,
                path=ln.path,
                kit_member=bool(ln.member_no),
                shipped=shipped,
                returned=back,
                returnable=ZERO if why else max(ZERO, shipped - back),
                why_not=why,
            )
        )
    return out


def _returns_of(tx: Transaction, sales_order_id: int) -> list[str]:
    return list(
        tx.session.scalars(
            select(ReturnAuthorization.number)
            .where(ReturnAuthorization.sales_order_id == sales_order_id)
            .order_by(ReturnAuthorization.id)
        )
    )


@query()
def returnable_lines(tx: Transaction, sales_order: str) -> ReturnableOrder:
    """A sales order's lines as a return sees them: what shipped, what RMAs already take
    back, and what another may (or why none of it)."""
    so = SalesOrderBook.of(tx).load(sales_order)
    return ReturnableOrder(
        number=so.number,
        status_label=so.state.label,
        customer=so.customer,
        customer_po=so.customer_po,
        location=so.location_code,
        lines=_returnable(tx, so),
        returns=_returns_of(tx, so.id),
    )


# --- authorizing --------------------------------------------------------------------------


def _shipped_cost(tx: Transaction, line_ids: list[int]) -> dict[int, Decimal]:
    """The unit cost each sales order line shipped at: its shipments' ledger rows' (their
    average by quantity when shipments went out at different costs)."""
    if not line_ids:
        return {}
    le, fl = LedgerEntry, FulfillmentLine
    totals: dict[int, tuple[Decimal, Decimal]] = {}
    for r in tx.session.execute(
        select(fl.sales_order_line_id, le.quantity, le.unit_cost)
        .join(fl, fl.id == le.source_line_id)
        .where(
            le.source_kind == SourceKind.FULFILLMENT.value,
            le.reason == LedgerReason.SHIPMENT.value,
            fl.sales_order_line_id.in_(line_ids),
        )
    ):
        units, value = totals.get(r.sales_order_line_id, (ZERO, ZERO))
        totals[r.sales_order_line_id] = (units - r.quantity, value - r.quantity * r.unit_cost)
    return {
        line_id: round_quantity(value / units)
        for line_id, (units, value) in totals.items()
        if units
    }


def _cost_now(line: OrderLine) -> Decimal:
    """What a line that shipped nothing through the ledger comes back at: its item's standard
    cost (a kit's heading carries no stock and no cost)."""
    return ZERO if line.path == LinePath.KIT.value else line.item.standard_cost


def _authorized(
    tx: Transaction, so: SalesOrderRecord, wanted: Mapping[str, object]
) -> list[tuple[OrderLine, Decimal]]:
    """The order's lines and quantities to authorize (a kit's members follow it in
    proportion), each within what shipped and is not returned yet."""
    if not wanted:
        raise ValidationError(
            f"say what comes back on {so.number}: each line and quantity (line=quantity)"
        )
    returned = already_returned(tx, (ln.id for ln in so.lines))
    out: list[tuple[OrderLine, Decimal]] = []
    for label, value in wanted.items():
        line = so.line(str(label))
        why = _why_not(so, line)
        if why is not None:
            raise ValidationError(f"{so.number} line {line.label} ({line.sku}): {why}")
        if any(ln is line for ln, _q in out):
            raise ValidationError(f"line {line.label} is given twice")
        qty = parse_quantity(value, f"quantity of line {line.label}")
        if line.path == LinePath.KIT.value and qty != qty.to_integral_value():
            raise ValidationError(
                f"{so.number} line {line.label} ({line.sku}) is a kit: it comes back in whole "
                f"kits, not {fmt(qty)}"
            )
        shipped = _shipped(so, line)
        back = returned.get(line.id, ZERO)
        if qty > shipped - back:
            raise OverageNotAllowed(
                f"{so.number} line {line.label} ({line.sku}): {fmt(qty)} is more than the "
                f"{fmt(max(ZERO, shipped - back))} shipped and not returned yet (shipped "
                f"{fmt(shipped)}, returned {fmt(back)})"
            )
        out.append((line, qty))
        if line.path == LinePath.KIT.value:
            for member in so.members(line):
                if not LinePath(member.path).stocked:
                    continue
                part = round_quantity(member.required * qty / line.required)
                if part > member.fulfilled - returned.get(member.id, ZERO):
                    raise OverageNotAllowed(
                        f"{so.number} line {member.label} ({member.sku}) of kit {line.label}: "
                        f"{fmt(part)} is more than shipped and not returned yet"
                    )
                out.append((member, part))
    return out


def _approve(tx: Transaction, rma: ReturnRecord) -> None:
    """An approved RMA expects its goods back; finance credits them now if the plant refunds
    in advance of the return."""
    rma.move_to(RMAStatus.PENDING_RECEIPT)
    rma.approved_at = utcnow()
    rma.approved_by = tx.actor.user
    rma.credit_in_advance = tx.prefs.refund_in_advance_of_return
    settle_credit(tx, rma)
    made = vendor_returns.for_customer_return(tx, rma)
    if made:
        tx.note(vendor_returns=made)


@posting("rma.create", Permission.SELL)
def create_return(
    tx: Transaction,
    sales_order: str,
    lines: Mapping[str, object],
    *,
    reason: str | None = None,
    location: str | None = None,
    memo: str | None = None,
) -> ReturnInfo:
    """A return authorization for some of a sales order's shipped lines (`{"1": "2"}`: line
    1, 2 units; a kit's line in whole kits), never more than shipped and not returned yet. Its
    status is `default_return_authorization_status`; created as pending receipt it is approved
    at once. It carries the order's customer PO number."""
    so = SalesOrderBook.of(tx).load(sales_order, lock_stock=False)
    plan = _authorized(tx, so, lines)
    code = require_reason_code(tx, reason, "return") if reason is not None else None
    where = location_ref(tx.session, location) if location else None
    note = parse_text(memo, field="memo", max_length=MEMO_LENGTH) or None
    costs = _shipped_cost(tx, [ln.id for ln, _q in plan])
    rma = ReturnBook.of(tx).create(
        ReturnRecord(
            id=0,
            number=next_number(tx, RETURN_AUTHORIZATION),
            status=RMAStatus.PENDING_APPROVAL.value,
            sales_order_id=so.id,
            sales_order=so.number,
            customer=so.customer,
            customer_po=so.customer_po,
            location_id=where.id if where else so.location_id,
            location_code=where.code if where else so.location_code,
            reason_code=code,
            memo=note,
            credit_in_advance=False,
            created_at=utcnow(),
            created_by=tx.actor.user,
        ),
        [
            NewReturnLine(
                sales_order_line_id=ln.id,
                line_no=ln.line_no,
                member_no=ln.member_no,
                parent_id=ln.parent_id,
                path=ln.path,
                item=ln.item,
                quantity=qty,
                rate=ln.rate,
                unit_cost=costs.get(ln.id, _cost_now(ln)),
            )
            for ln, qty in plan
        ],
    )
    if tx.prefs.default_return_authorization_status == RMAStatus.PENDING_RECEIPT.value:
        _approve(tx, rma)
    tx.set_document(rma.number)
    tx.changed.add(SALES_ORDER, so.number)  # what its lines show as returned
    tx.note(sales_order=so.number, authorized={ln.label: q for ln, q in plan}, reason=code)
    return return_info(tx, rma)


def _load(tx: Transaction, number: str) -> ReturnRecord:
    return ReturnBook.of(tx).load(number)


@posting("rma.approve", Permission.APPROVE_ORDERS)
def approve_return(tx: Transaction, number: str) -> ReturnInfo:
    """The goods may come back; with `refund_in_advance_of_return` finance credits everything
    authorized now. Approving is for those who approve orders (with
    `approver_must_differ_from_author`, not whoever entered the return)."""
    rma = _load(tx, number)
    rma.require(RMAAction.APPROVE)
    require_approver(tx, rma.number, rma.created_by)
    _approve(tx, rma)
    return return_info(tx, rma)


# --- receiving ----------------------------------------------------------------------------


def _receipt_plan(
    tx: Transaction, rma: ReturnRecord, wanted: Mapping[str, object] | None
) -> list[tuple[ReturnLineRecord, Decimal]]:
    """The lines that carry stock and what came back of each: as given (by line or sku; a
    kit's line brings its members in proportion), or everything still to come back."""
    if wanted is None:
        if tx.prefs.default_items_to_zero_received_fulfilled:
            raise ValidationError(
                f"say what came back on {rma.number} (receipts start at zero): give each line "
                "and quantity"
            )
        out = [(ln, ln.to_receive) for ln in rma.stocked() if ln.to_receive > 0]
        if not out:
            raise ValidationError(
                f"nothing remains to come back on {rma.number}{_to_vendor(tx, rma)}"
            )
        return out
    out = []
    for key, value in wanted.items():
        line = rma.line(str(key))
        if line.to_vendor:
            raise ValidationError(
                f"{rma.number} line {line.label} ({line.sku}) does not come back here"
                f"{_to_vendor(tx, rma)}"
            )
        qty = parse_quantity(value, f"quantity of line {line.label}")
        parts = (
            [(m, round_quantity(m.quantity * qty / line.quantity)) for m in rma.members(line)]
            if line.is_kit
            else [(line, qty)]
        )
        for ln, q in parts:
            if any(seen is ln for seen, _q in out):
                raise ValidationError(f"line {ln.label} of {rma.number} is given twice")
            if q > ln.to_receive:
                raise OverageNotAllowed(
                    f"{rma.number} line {ln.label} ({ln.sku}): {fmt(q)} is more than the "
                    f"{fmt(ln.to_receive)} still to come back of the {fmt(ln.quantity)} "
                    "authorized"
                )
            if q > 0:
                out.append((ln, q))
    if not out:
        raise ValidationError(f"no quantities to receive on {rma.number}")
    return out


def _to_vendor(tx: Transaction, rma: ReturnRecord) -> str:
    """What of an RMA goes back to the vendor instead, in words ("" when nothing does)."""
    waiting = [ln for ln in rma.to_vendor() if ln.to_receive > 0]
    if not waiting:
        return ""
    lines = ", ".join(f"line {ln.label} ({ln.sku})" for ln in waiting)
    on = ", ".join(vendor_returns.of_customer_return(tx, rma)) or "a vendor return once approved"
    return (
        f": {lines} goes back to the vendor who drop-shipped it, on {on}, and counts as "
        "received when that return ships"
    )


def _restocking(
    tx: Transaction,
    rma: ReturnRecord,
    plan: list[tuple[ReturnLineRecord, Decimal]],
    restock: bool | None,
    dispositions: Mapping[str, str] | None,
) -> dict[int, bool]:
    """Whether each received line goes back into stock (else it is scrapped): as said per
    line (a kit's line for its members), else as said for the receipt, else by
    `restock_returned_items`."""
    default = tx.prefs.restock_returned_items if restock is None else restock
    out = {ln.id: default for ln, _q in plan}
    for key, value in (dispositions or {}).items():
        word = str(value).strip().lower()
        if word not in DISPOSITIONS:
            raise ValidationError(f"a returned line is restocked or scrapped, not {value!r}")
        line = rma.line(str(key))
        targets = rma.members(line) if line.is_kit else [line]
        hit = [t for t in targets if t.id in out]
        if not hit:
            raise ValidationError(f"nothing of line {line.label} is received here")
        for t in hit:
            out[t.id] = word == RESTOCK
    return out


def _back_by_lot(tx: Transaction, order_line_id: int) -> dict[int, Decimal]:
    """What has come back of a sales order line per lot, on every RMA: its `customer_return`
    rows less their reversals."""
    le, rl, came = LedgerEntry, ReturnLine, aliased(LedgerEntry)
    kind = ReturnSource.RETURN_AUTHORIZATION.value
    rows = union_all(
        select(le.lot_id, le.quantity)
        .join(rl, rl.id == le.source_line_id)
        .where(
            le.source_kind == kind,
            le.reason == ReturnReason.CUSTOMER_RETURN.value,
            rl.sales_order_line_id == order_line_id,
        ),
        select(le.lot_id, le.quantity)
        .join(came, came.id == le.reverses_id)
        .join(rl, rl.id == came.source_line_id)
        .where(
            came.source_kind == kind,
            came.reason == ReturnReason.CUSTOMER_RETURN.value,
            rl.sales_order_line_id == order_line_id,
        ),
    ).subquery()
    return {
        r.lot_id: r.qty
        for r in tx.session.execute(
            select(rows.c.lot_id, func.sum(rows.c.quantity).label("qty"))
            .where(rows.c.lot_id.is_not(None))
            .group_by(rows.c.lot_id)
        )
    }


def _lots_back(
    tx: Transaction, rma: ReturnRecord, ln: ReturnLineRecord, qty: Decimal
) -> list[tuple[LotRecord | None, Decimal]]:
    """The lots (or serials) a line comes back in: an item tracked by lot or serial comes back
    as it shipped on its order line, into the lots shipped and not back yet, newest shipment
    first; an untracked item in one part with no lot."""
    tracking = Tracking(ln.item.tracking)
    if not tracking.tracked:
        return [(None, qty)]
    le, fl = LedgerEntry, FulfillmentLine
    shipped = tx.session.execute(
        select(le.lot_id, func.sum(le.quantity).label("qty"), func.max(le.id).label("last"))
        .join(fl, fl.id == le.source_line_id)
        .where(
            le.source_kind == SourceKind.FULFILLMENT.value,
            le.reason == LedgerReason.SHIPMENT.value,
            fl.sales_order_line_id == ln.sales_order_line_id,
            le.lot_id.is_not(None),
        )
        .group_by(le.lot_id)
        .order_by(func.max(le.id).desc())
    ).all()
    back = _back_by_lot(tx, ln.sales_order_line_id)
    open_ = [(r.lot_id, -r.qty - back.get(r.lot_id, ZERO)) for r in shipped]
    open_ = [(lot_id, q) for lot_id, q in open_ if q > 0]
    if sum((q for _lot, q in open_), ZERO) < qty:
        raise ValidationError(
            f"{rma.number} line {ln.label} ({ln.sku}) is tracked by {tracking.noun} and comes "
            f"back in the {tracking.noun}s it shipped in, but only "
            f"{fmt(sum((q for _lot, q in open_), ZERO))} of what shipped on {rma.sales_order} "
            f"in a {tracking.noun} has not come back yet (what shipped before the item was "
            f"tracked has no {tracking.noun}): receive {fmt(qty)} by an adjustment into the "
            f"{tracking.noun} it is in instead"
        )
    book = LotBook.of(tx).lots(lot_id for lot_id, _q in open_)
    out: list[tuple[LotRecord | None, Decimal]] = []
    left = qty
    for lot_id, q in open_:
        if left <= 0:
            break
        part = min(q, left)
        out.append((book[lot_id], part))
        left -= part
    return out


@posting("rma.receive", Permission.RECEIVE)
def receive_return(
    tx: Transaction,
    number: str,
    lines: Mapping[str, object] | None = None,
    *,
    location: str | None = None,
    restock: bool | None = None,
    dispositions: Mapping[str, str] | None = None,
    memo: str | None = None,
) -> ReturnInfo:
    """What came back (by line or sku, e.g. `{"1": "2"}`; none: everything still to come
    back), at a location (the RMA's unless named): each line restocked or scrapped
    (`dispositions` per line, else `restock` for all, else `restock_returned_items`), at the
    cost it shipped at. Without a refund in advance finance credits what came back."""
    rma = _load(tx, number)
    rma.require(RMAAction.RECEIVE)
    plan = _receipt_plan(tx, rma, lines)
    restocked = _restocking(tx, rma, plan, restock, dispositions)
    where = (
        location_ref(tx.session, location)
        if location
        else LocationRef(rma.location_id, rma.location_code)
    )
    note = parse_text(memo, field="memo", max_length=MEMO_LENGTH) or None
    stock = StockBook.of(tx)
    stock.lock((ln.item.id, where.id) for ln, _q in plan)
    lots = {ln.id: _lots_back(tx, rma, ln, qty) for ln, qty in plan}
    for ln, qty in plan:
        source = Source(ReturnSource.RETURN_AUTHORIZATION, rma.number, rma.id, ln.id)
        for lot, part in lots[ln.id]:
            stock.post(
                ln.item,
                where.id,
                part,
                ReturnReason.CUSTOMER_RETURN,
                source,
                unit_cost=ln.unit_cost,
                memo=note,
                lot=lot,
            )
            if not restocked[ln.id]:
                stock.post(
                    ln.item,
                    where.id,
                    -part,
                    ReturnReason.RETURN_SCRAP,
                    source,
                    unit_cost=ln.unit_cost,
                    memo=note,
                    lot=lot,
                )
        if restocked[ln.id]:
            ln.restocked += qty
        else:
            ln.scrapped += qty
        ln.received += qty
    came_back(tx, rma)
    tx.note(
        location=where.code,
        restocked={ln.label: q for ln, q in plan if restocked[ln.id]},
        scrapped={ln.label: q for ln, q in plan if not restocked[ln.id]},
    )
    return return_info(tx, rma)


def reverse_receipt(tx: Transaction, posted: Posted, memo: str | None) -> None:
    """Take back a customer return's receipt while its restocked goods are still here: its
    rows' exact opposites (a scrapped line's two rows cancel out), the lines' received,
    restocked and scrapped down again, the status following (a closed RMA stays closed), and
    the credit told for what came back withdrawn."""
    rma = _load(tx, posted.ref)
    by_id = {ln.id: ln for ln in rma.lines}
    for row in posted.rows:
        line = by_id[row.source_line_id or 0]
        if row.reason == ReturnReason.CUSTOMER_RETURN.value:
            line.received -= row.quantity
            line.restocked -= row.quantity
        else:
            line.restocked -= row.quantity  # -(-q): that part was never restocked
            line.scrapped += row.quantity
    try:
        reverse_rows(tx, posted, memo)
    except InsufficientStock as exc:
        raise InsufficientStock(
            f"cannot reverse the receipt on {rma.number}: what it brought back is no longer "
            f"all here ({exc.message}); correct the stock with an adjustment instead"
        ) from None
    came_back(tx, rma)
    tx.note(return_authorization=rma.number)


register_reversal(
    [ReturnReason.CUSTOMER_RETURN, ReturnReason.RETURN_SCRAP],
    ReversalRule("a receipt on customer return {ref}", reverse_receipt),
)


# --- closing ------------------------------------------------------------------------------


@posting("rma.close", Permission.SELL)
def close_return(tx: Transaction, number: str) -> ReturnInfo:
    """Nothing more comes back: the RMA returns what it received, and a credit told in
    advance for what did not come back is withdrawn."""
    rma = _load(tx, number)
    rma.require(RMAAction.CLOSE)
    rma.move_to(RMAStatus.CLOSED)
    rma.closed_at = utcnow()
    rma.closed_by = tx.actor.user
    settle_credit(tx, rma)
    vendor_returns.finish_for_customer_return(tx, rma)
    tx.changed.add(SALES_ORDER, rma.sales_order)
    return return_info(tx, rma)


@posting("rma.cancel", Permission.SELL)
def cancel_return(tx: Transaction, number: str) -> ReturnInfo:
    """Nothing came back and nothing will: the order's lines may be returned again, and a
    credit told in advance is withdrawn."""
    rma = _load(tx, number)
    rma.require(RMAAction.CANCEL)
    rma.move_to(RMAStatus.CANCELLED)
    rma.closed_at = utcnow()
    rma.closed_by = tx.actor.user
    settle_credit(tx, rma)
    vendor_returns.finish_for_customer_return(tx, rma)
    tx.changed.add(SALES_ORDER, rma.sales_order)
    return return_info(tx, rma)


# --- reading ------------------------------------------------------------------------------


@query()
def get_return(tx: Transaction, number: str) -> ReturnInfo:
    return return_info(tx, _load(tx, number))


@query()
def return_receipts(tx: Transaction, number: str) -> list[ReturnReceipt]:
    """The receipts posted on an RMA, oldest first: each one's event is what `shopfloor
    reverse` takes back."""
    return _receipts(tx, _load(tx, number))


@dataclass(frozen=True)
class ReturnSummary:
    number: str
    status: str
    status_label: str
    sales_order: str
    customer: str
    customer_po: str | None
    reason_code: str | None
    lines: int
    created_at: datetime
    created_by: str
    closed_at: datetime | None
    memo: str | None


_LINES = (
    select(
        ReturnLine.return_authorization_id.label("rma_id"),
        func.count(ReturnLine.id).label("lines"),
    )
    .group_by(ReturnLine.return_authorization_id)
    .subquery()
)
_LISTING = Listing(
    sorts={
        "number": ReturnAuthorization.number,
        "status": ReturnAuthorization.status,
        "order": SalesOrder.number,
        "customer": Customer.name,
        "created": ReturnAuthorization.created_at,
    },
    default="number",
    tiebreak=ReturnAuthorization.id,
)
RETURN_SORTS = tuple(_LISTING.sorts)


def return_statuses() -> list[tuple[str, str]]:
    """Every RMA status as (key, label), in life-cycle order (for filters)."""
    return ReturnAuthorization.lifecycle.choices()


@query()
def list_returns(
    tx: Transaction,
    *,
    status: str | Iterable[str] | None = None,
    sales_order: str | None = None,
    text: str | None = None,
    page: PageRequest | None = None,
) -> Page[ReturnSummary]:
    """RMAs by the filters, one page in the order asked, with the total count. `text` matches
    the number, the order, the customer, the customer's PO number or the memo."""
    statuses = ReturnAuthorization.lifecycle.statuses_named(status)
    rma = ReturnAuthorization
    stmt = (
        select(
            rma.number,
            rma.status,
            SalesOrder.number.label("order"),
            Customer.name.label("customer"),
            rma.customer_po,
            rma.reason_code,
            func.coalesce(_LINES.c.lines, 0).label("lines"),
            rma.created_at,
            rma.created_by,
            rma.closed_at,
            rma.memo,
        )
        .join(SalesOrder, SalesOrder.id == rma.sales_order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .outerjoin(_LINES, _LINES.c.rma_id == rma.id)
    )
    conditions: list[ColumnElement[bool]] = []
    if statuses:
        conditions.append(rma.status.in_(statuses))
    if sales_order and sales_order.strip():
        conditions.append(SalesOrder.number == normalize_number(sales_order))
    conditions += text_search(
        text, rma.number, SalesOrder.number, Customer.name, rma.customer_po, rma.memo
    )
    return _LISTING.fetch(
        tx.session,
        stmt.where(*conditions),
        page or PageRequest(limit=None),
        lambda r: ReturnSummary(
            number=r.number,
            status=r.status,
            status_label=RMAStatus(r.status).label,
            sales_order=r.order,
            customer=r.customer,
            customer_po=r.customer_po,
            reason_code=r.reason_code,
            lines=int(r.lines),
            created_at=r.created_at,
            created_by=r.created_by,
            closed_at=r.closed_at,
            memo=r.memo,
        ),
    )
