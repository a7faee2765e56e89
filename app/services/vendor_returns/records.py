"""Vendor returns as the postings see them: plain records loaded with two Core queries,
changed by the rules in returns.py and the status machine, written back when the posting
commits.

A vendor return's header and lines are read together; in a write transaction the header is
locked, and so are the balances its lines take stock from (its location, each line's item).
A new return is inserted when it is made, so that its ledger rows can name its lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sqlalchemy import Table, bindparam, insert, select, update

from app.errors import NotFound
from app.models import Item, Location, PurchaseOrder, Receipt, ReceiptLine, Vendor, utcnow
from app.models.quantity import ZERO
from app.models.returns import ReturnAuthorization
from app.models.vendor_return import (
    VENDOR_RETURN,
    VRA_OPEN,
    VendorReturn,
    VendorReturnLine,
    VendorReturnRules,
    VRAStatus,
)
from app.services.engine.ledger import Pair, StockBook
from app.services.engine.lookup import ItemRef, item_columns, item_ref
from app.services.engine.numbering import next_number, normalize_number

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

_VRA = cast(Table, VendorReturn.__table__)
_LINE = cast(Table, VendorReturnLine.__table__)
_ITEM = cast(Table, Item.__table__)
_LOC = cast(Table, Location.__table__)
_VENDOR = cast(Table, Vendor.__table__)
_PO = cast(Table, PurchaseOrder.__table__)
_RECEIPT = cast(Table, Receipt.__table__)
_RL = cast(Table, ReceiptLine.__table__)
_RMA = cast(Table, ReturnAuthorization.__table__)


@dataclass(eq=False, kw_only=True)
class ReturnLine:
    """What goes back of one receipt line, at that receipt's cost, or of one customer return
    line the customer sends straight to the vendor: `shipped` has gone back."""

    id: int
    line_no: int
    purchase_order_line_id: int
    receipt_line_id: int | None
    receipt: str | None  # the receipt's number
    return_line_id: int | None  # the customer return line it sends back
    item: ItemRef
    quantity: Decimal
    shipped: Decimal
    unit_cost: Decimal
    saved: Decimal | None = field(default=None, repr=False)

    @property
    def sku(self) -> str:
        return self.item.sku

    @property
    def remaining(self) -> Decimal:
        """Still to go back."""
        return max(ZERO, self.quantity - self.shipped)

    @property
    def moves_stock(self) -> bool:
        """It goes back out of our stock (a customer's goods go to the vendor directly)."""
        return self.return_line_id is None


@dataclass(eq=False, kw_only=True)
class VendorReturnRecord(VendorReturnRules):
    """A vendor return as one posting sees and changes it."""

    id: int
    number: str
    purchase_order_id: int
    purchase_order: str
    customer_po: str | None  # its purchase order's (a drop-ship order's)
    vendor_id: int
    vendor: str
    location_id: int
    location_code: str
    return_authorization_id: int | None
    return_authorization: str | None  # the customer return it sends back (its number)
    status: str
    reason_code: str | None
    memo: str | None
    credit_in_advance: bool
    created_at: datetime
    created_by: str
    approved_at: datetime | None
    closed_at: datetime | None
    lines: list[ReturnLine] = field(default_factory=list)
    saved: tuple[Any, ...] | None = field(default=None, repr=False)

    # What a posting may change on the header (the rest is fixed when it is made).
    CHANGING: ClassVar[tuple[str, ...]] = (
        "status",
        "credit_in_advance",
        "approved_at",
        "closed_at",
    )

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, n) for n in self.CHANGING)

    @property
    def is_open(self) -> bool:
        """Still holding what it authorizes against its receipts."""
        return self.state in VRA_OPEN

    def pairs(self) -> list[Pair]:
        return [(ln.item.id, self.location_id) for ln in self.lines if ln.moves_stock]

    def status_after_shipping(self) -> VRAStatus:
        """Returned once every line has gone back in full; partially returned once any has
        some."""
        if all(ln.shipped >= ln.quantity for ln in self.lines):
            return VRAStatus.RETURNED
        if any(ln.shipped > 0 for ln in self.lines):
            return VRAStatus.PARTIALLY_RETURNED
        return VRAStatus.PENDING_RETURN


@dataclass(frozen=True)
class NewReturnLine:
    purchase_order_line_id: int
    receipt_line_id: int | None
    receipt: str | None
    item: ItemRef
    quantity: Decimal
    unit_cost: Decimal
    return_line_id: int | None = None


_HEADER_FIELDS = tuple(f.name for f in fields(VendorReturnRecord) if f.name in _VRA.c)
_SELECT = (
    select(
        *(_VRA.c[name] for name in _HEADER_FIELDS),
        _PO.c.number.label("purchase_order"),
        _PO.c.customer_po,
        _VENDOR.c.name.label("vendor"),
        _LOC.c.code.label("location_code"),
        _RMA.c.number.label("return_authorization"),
    )
    .join(_PO, _PO.c.id == _VRA.c.purchase_order_id)
    .join(_VENDOR, _VENDOR.c.id == _VRA.c.vendor_id)
    .join(_LOC, _LOC.c.id == _VRA.c.location_id)
    .outerjoin(_RMA, _RMA.c.id == _VRA.c.return_authorization_id)
)
_SELECT_BY_NUMBER = _SELECT.where(_VRA.c.number == bindparam("number"))
_SELECT_FOR_UPDATE = _SELECT_BY_NUMBER.with_for_update(of=_VRA)
_SELECT_LINES = (
    select(
        _LINE.c.id,
        _LINE.c.line_no,
        _LINE.c.purchase_order_line_id,
        _LINE.c.receipt_line_id,
        _RECEIPT.c.number.label("receipt"),
        _LINE.c.return_line_id,
        _LINE.c.quantity,
        _LINE.c.shipped,
        _LINE.c.unit_cost,
        *item_columns("item"),
    )
    .join(_ITEM, _ITEM.c.id == _LINE.c.item_id)
    .outerjoin(_RL, _RL.c.id == _LINE.c.receipt_line_id)
    .outerjoin(_RECEIPT, _RECEIPT.c.id == _RL.c.receipt_id)
    .where(_LINE.c.vendor_return_id == bindparam("vra"))
    .order_by(_LINE.c.line_no)
)
_INSERT = insert(_VRA).returning(_VRA.c.id)
_INSERT_LINES = insert(_LINE).returning(_LINE.c.id, sort_by_parameter_order=True)
_UPDATE = (
    update(_VRA)
    .where(_VRA.c.id == bindparam("b_id"))
    .values({n: bindparam(f"b_{n}", type_=_VRA.c[n].type) for n in VendorReturnRecord.CHANGING})
)
_UPDATE_LINE = (
    update(_LINE)
    .where(_LINE.c.id == bindparam("b_id"))
    .values(shipped=bindparam("b_shipped", type_=_LINE.c.shipped.type))
)


class VendorReturnBook:
    """The vendor returns one transaction has loaded or made, and what it changed."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.returns: dict[int, VendorReturnRecord] = {}

    @classmethod
    def of(cls, tx: Transaction) -> VendorReturnBook:
        return tx.book(cls)

    def load(self, number: str) -> VendorReturnRecord:
        """A vendor return with its lines; in a write transaction its row is locked, then
        the balances its lines take stock from, in one go."""
        text = normalize_number(number)
        for vra in self.returns.values():
            if vra.number == text:
                return vra
        stmt = _SELECT_FOR_UPDATE if self.tx.write else _SELECT_BY_NUMBER
        row = self.tx.session.execute(stmt, {"number": text}).first()
        if row is None:
            raise NotFound(f"unknown vendor return {text!r}")
        m = row._mapping
        vra = VendorReturnRecord(
            **{name: m[name] for name in _HEADER_FIELDS},
            purchase_order=m["purchase_order"],
            customer_po=m["customer_po"],
            vendor=m["vendor"],
            location_code=m["location_code"],
            return_authorization=m["return_authorization"],
        )
        vra.saved = vra.values()
        for r in self.tx.session.execute(_SELECT_LINES, {"vra": vra.id}):
            line = ReturnLine(
                id=r.id,
                line_no=r.line_no,
                purchase_order_line_id=r.purchase_order_line_id,
                receipt_line_id=r.receipt_line_id,
                receipt=r.receipt,
                return_line_id=r.return_line_id,
                item=item_ref(r, "item"),
                quantity=r.quantity,
                shipped=r.shipped,
                unit_cost=r.unit_cost,
            )
            line.saved = line.shipped
            vra.lines.append(line)
        self.returns[vra.id] = vra
        if self.tx.write:
            self.tx.set_document(vra.number)
            StockBook.of(self.tx).lock(vra.pairs())
        return vra

    def create(
        self,
        *,
        purchase_order_id: int,
        purchase_order: str,
        customer_po: str | None,
        vendor_id: int,
        vendor: str,
        location_id: int,
        location_code: str,
        reason_code: str | None,
        memo: str | None,
        lines: list[NewReturnLine],
        return_authorization: tuple[int, str] | None = None,
    ) -> VendorReturnRecord:
        """Insert a new vendor return, pending approval (the posting moves it on), with its
        lines numbered from 1."""
        values: dict[str, Any] = {
            "number": next_number(self.tx, VENDOR_RETURN),
            "purchase_order_id": purchase_order_id,
            "vendor_id": vendor_id,
            "location_id": location_id,
            "return_authorization_id": return_authorization[0] if return_authorization else None,
            "status": VRAStatus.PENDING_APPROVAL.value,
            "reason_code": reason_code,
            "memo": memo,
            "credit_in_advance": False,
            "created_at": utcnow(),
            "created_by": self.tx.actor.user,
            "approved_at": None,
            "closed_at": None,
        }
        vra_id = self.tx.session.execute(_INSERT, values).scalar_one()
        vra = VendorReturnRecord(
            id=vra_id,
            **values,
            purchase_order=purchase_order,
            customer_po=customer_po,
            vendor=vendor,
            location_code=location_code,
            return_authorization=return_authorization[1] if return_authorization else None,
        )
        vra.saved = vra.values()
        ids = self.tx.session.execute(
            _INSERT_LINES,
            [
                {
                    "vendor_return_id": vra_id,
                    "line_no": n,
                    "purchase_order_line_id": new.purchase_order_line_id,
                    "receipt_line_id": new.receipt_line_id,
                    "return_line_id": new.return_line_id,
                    "item_id": new.item.id,
                    "quantity": new.quantity,
                    "shipped": ZERO,
                    "unit_cost": new.unit_cost,
                }
                for n, new in enumerate(lines, start=1)
            ],
        ).scalars()
        for n, (line_id, new) in enumerate(zip(ids, lines, strict=True), start=1):
            vra.lines.append(
                ReturnLine(
                    id=line_id,
                    line_no=n,
                    purchase_order_line_id=new.purchase_order_line_id,
                    receipt_line_id=new.receipt_line_id,
                    receipt=new.receipt,
                    return_line_id=new.return_line_id,
                    item=new.item,
                    quantity=new.quantity,
                    shipped=ZERO,
                    unit_cost=new.unit_cost,
                    saved=ZERO,
                )
            )
        self.returns[vra.id] = vra
        self.tx.changed.add(VENDOR_RETURN, vra.number)
        return vra

    def write(self, event_id: int) -> None:
        session = self.tx.session
        changed = [v for v in self.returns.values() if v.values() != v.saved]
        if changed:
            session.execute(
                _UPDATE,
                [{"b_id": v.id, **{f"b_{n}": getattr(v, n) for n in v.CHANGING}} for v in changed],
            )
            for v in changed:
                v.saved = v.values()
        touched = {v.number for v in changed}
        moved = []
        for v in self.returns.values():
            for ln in v.lines:
                if ln.shipped != ln.saved:
                    moved.append(ln)
                    touched.add(v.number)
        if moved:
            session.execute(
                _UPDATE_LINE, [{"b_id": ln.id, "b_shipped": ln.shipped} for ln in moved]
            )
            for ln in moved:
                ln.saved = ln.shipped
        self.tx.changed.add_all(VENDOR_RETURN, touched)
