"""Purchase orders and their receipts as the postings see them: plain records loaded with a
few Core queries, changed by the rules in purchasing.py and the status machine, and written
back when the posting commits, like every other kind of document.

A purchase order's header and lines are read together; in a write transaction the header is
locked, and so are the balances its lines touch at its location (a drop-ship order's lines
touch none: its goods never enter stock). A receipt is inserted when it is made, so that the
ledger rows it posts can name its lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sqlalchemy import Table, bindparam, insert, select, update

from app.errors import NotFound
from app.models import (
    PO_OPEN,
    Item,
    Location,
    POStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    SalesOrder,
    Vendor,
    utcnow,
)
from app.models.purchasing import PURCHASE_ORDER, RECEIPT, PurchaseOrderRules
from app.models.quantity import ZERO
from app.services.engine.ledger import Pair, StockBook
from app.services.engine.lookup import ItemRef, item_columns, item_ref
from app.services.engine.numbering import next_number, normalize_number

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

_PO = cast(Table, PurchaseOrder.__table__)
_POL = cast(Table, PurchaseOrderLine.__table__)
_RECEIPT = cast(Table, Receipt.__table__)
_RL = cast(Table, ReceiptLine.__table__)
_ITEM = cast(Table, Item.__table__)
_LOC = cast(Table, Location.__table__)
_VENDOR = cast(Table, Vendor.__table__)
_SO = cast(Table, SalesOrder.__table__)


@dataclass(eq=False, kw_only=True)
class PurchaseLine:
    """A purchase order line: `received` is what came in (or, on a drop-ship order, what
    the vendor shipped to the customer)."""

    id: int
    line_no: int
    item: ItemRef
    quantity: Decimal
    unit_cost: Decimal
    received: Decimal
    sales_order_line_id: int | None
    cancelled: bool = False
    saved: tuple[Any, ...] | None = field(default=None, repr=False)

    CHANGING: ClassVar[tuple[str, ...]] = ("quantity", "unit_cost", "received", "cancelled")

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, n) for n in self.CHANGING)

    @property
    def sku(self) -> str:
        return self.item.sku

    @property
    def remaining(self) -> Decimal:
        """Still to come (never below zero; nothing once the line is cancelled)."""
        return ZERO if self.cancelled else max(ZERO, self.quantity - self.received)

    @property
    def complete(self) -> bool:
        """Nothing more is expected on it: all of it came, or it was cancelled."""
        return self.cancelled or self.received >= self.quantity


@dataclass(eq=False, kw_only=True)
class PurchaseOrderRecord(PurchaseOrderRules):
    """A purchase order as one posting sees and changes it."""

    id: int
    number: str
    vendor_id: int
    vendor: str
    status: str
    location_id: int
    location_code: str
    order_date: date
    expected_date: date | None
    drop_ship: bool
    sales_order_id: int | None
    created_from: str | None  # the sales order's number (a drop-ship order)
    customer_po: str | None
    memo: str | None
    created_at: datetime
    created_by: str
    closed_at: datetime | None
    lines: list[PurchaseLine] = field(default_factory=list)
    saved: tuple[Any, ...] | None = field(default=None, repr=False)

    # What a posting may change on the header (the rest is fixed at creation).
    CHANGING: ClassVar[tuple[str, ...]] = ("status", "expected_date", "memo", "closed_at")

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, n) for n in self.CHANGING)

    @property
    def is_open(self) -> bool:
        """Still expecting goods: its lines' remaining quantities are on order."""
        return self.state in PO_OPEN

    def status_after_receipt(self) -> POStatus:
        """Received once every line has all of its quantity (a cancelled line expects
        nothing more); partially received once any has some; open before."""
        if any(ln.received > 0 for ln in self.lines) and all(ln.complete for ln in self.lines):
            return POStatus.RECEIVED
        if any(ln.received > 0 for ln in self.lines):
            return POStatus.PARTIALLY_RECEIVED
        return POStatus.OPEN

    def pairs(self) -> list[Pair]:
        """The balances its lines touch (none for a drop-ship order)."""
        return [] if self.drop_ship else [(ln.item.id, self.location_id) for ln in self.lines]

    def on_order(self) -> dict[int, Decimal]:
        """What each line brings to its location's on order now: its remaining quantity
        while the order is open, nothing on a drop-ship order (its goods never come here)."""
        if self.drop_ship or not self.is_open:
            return {ln.id: ZERO for ln in self.lines}
        return {ln.id: ln.remaining for ln in self.lines}


@dataclass(frozen=True)
class NewPurchaseLine:
    item: ItemRef
    quantity: Decimal
    unit_cost: Decimal
    sales_order_line_id: int | None = None


@dataclass(frozen=True)
class ReceiptRecord:
    id: int
    number: str
    line_ids: list[int]  # the receipt lines' ids, in the order they were given


@dataclass(frozen=True)
class PostedReceipt:
    """A receipt as posted: its number, its purchase order's, and the order line each of its
    lines received on (receipt line id -> purchase order line id)."""

    id: int
    number: str
    purchase_order: str
    order_lines: dict[int, int]


_HEADER_FIELDS = tuple(f.name for f in fields(PurchaseOrderRecord) if f.name in _PO.c)
_SELECT_PO = (
    select(
        *(_PO.c[name] for name in _HEADER_FIELDS),
        _VENDOR.c.name.label("vendor"),
        _LOC.c.code.label("location_code"),
        _SO.c.number.label("created_from"),
    )
    .join(_VENDOR, _VENDOR.c.id == _PO.c.vendor_id)
    .join(_LOC, _LOC.c.id == _PO.c.location_id)
    .outerjoin(_SO, _SO.c.id == _PO.c.sales_order_id)
)
_SELECT_PO_BY_NUMBER = _SELECT_PO.where(_PO.c.number == bindparam("number"))
_SELECT_PO_FOR_UPDATE = _SELECT_PO_BY_NUMBER.with_for_update(of=_PO)
_SELECT_LINES = (
    select(
        _POL.c.id,
        _POL.c.line_no,
        _POL.c.quantity,
        _POL.c.unit_cost,
        _POL.c.received,
        _POL.c.sales_order_line_id,
        _POL.c.cancelled,
        *item_columns("item"),
    )
    .join(_ITEM, _ITEM.c.id == _POL.c.item_id)
    .where(_POL.c.purchase_order_id == bindparam("po_id"))
    .order_by(_POL.c.line_no)
)
_INSERT_PO = insert(_PO).returning(_PO.c.id)
_INSERT_LINES = insert(_POL).returning(_POL.c.id, sort_by_parameter_order=True)
_UPDATE_PO = (
    update(_PO)
    .where(_PO.c.id == bindparam("b_id"))
    .values({n: bindparam(f"b_{n}", type_=_PO.c[n].type) for n in PurchaseOrderRecord.CHANGING})
)
_UPDATE_LINE = (
    update(_POL)
    .where(_POL.c.id == bindparam("b_id"))
    .values({n: bindparam(f"b_{n}", type_=_POL.c[n].type) for n in PurchaseLine.CHANGING})
)
_INSERT_RECEIPT = insert(_RECEIPT).returning(_RECEIPT.c.id)
_SELECT_RECEIPT = (
    select(_RECEIPT.c.id, _RECEIPT.c.number, _PO.c.number.label("purchase_order"))
    .join(_PO, _PO.c.id == _RECEIPT.c.purchase_order_id)
    .where(_RECEIPT.c.id == bindparam("receipt_id"))
)
_SELECT_RECEIPT_LINES = select(_RL.c.id, _RL.c.purchase_order_line_id).where(
    _RL.c.receipt_id == bindparam("receipt_id")
)
_INSERT_RECEIPT_LINES = insert(_RL).returning(_RL.c.id, sort_by_parameter_order=True)


class PurchaseOrderBook:
    """The purchase orders one transaction has loaded or created, and what it changed."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.orders: dict[int, PurchaseOrderRecord] = {}

    @classmethod
    def of(cls, tx: Transaction) -> PurchaseOrderBook:
        return tx.book(cls)

    def load(self, number: str, *, also: Iterable[int] = ()) -> PurchaseOrderRecord:
        """A purchase order with its lines; in a write transaction its row is locked, and so
        are the balances its lines touch (and those of the items `also` names, at its
        location: lines about to be added), in one go."""
        text = normalize_number(number)
        for po in self.orders.values():
            if po.number == text:
                return po
        stmt = _SELECT_PO_FOR_UPDATE if self.tx.write else _SELECT_PO_BY_NUMBER
        row = self.tx.session.execute(stmt, {"number": text}).first()
        if row is None:
            raise NotFound(f"unknown purchase order {text!r}")
        m = row._mapping
        po = PurchaseOrderRecord(
            **{name: m[name] for name in _HEADER_FIELDS},
            vendor=m["vendor"],
            location_code=m["location_code"],
            created_from=m["created_from"],
        )
        po.saved = po.values()
        po.lines = [
            self._line(
                id=r.id,
                line_no=r.line_no,
                item=item_ref(r, "item"),
                quantity=r.quantity,
                unit_cost=r.unit_cost,
                received=r.received,
                sales_order_line_id=r.sales_order_line_id,
                cancelled=r.cancelled,
            )
            for r in self.tx.session.execute(_SELECT_LINES, {"po_id": po.id})
        ]
        self.orders[po.id] = po
        if self.tx.write:
            self.tx.set_document(po.number)
            StockBook.of(self.tx).lock([*po.pairs(), *((i, po.location_id) for i in also)])
        return po

    @staticmethod
    def _line(**values: Any) -> PurchaseLine:
        line = PurchaseLine(**values)
        line.saved = line.values()
        return line

    def create(
        self,
        *,
        vendor_id: int,
        vendor: str,
        location_id: int,
        location_code: str,
        expected_date: date | None,
        memo: str | None,
        drop_ship: bool = False,
        sales_order_id: int | None = None,
        created_from: str | None = None,
        customer_po: str | None = None,
    ) -> PurchaseOrderRecord:
        """Insert a new, open purchase order without lines (`add_lines` adds them)."""
        values: dict[str, Any] = {
            "number": next_number(self.tx, PURCHASE_ORDER),
            "vendor_id": vendor_id,
            "status": POStatus.OPEN.value,
            "location_id": location_id,
            "order_date": date.today(),
            "expected_date": expected_date,
            "drop_ship": drop_ship,
            "sales_order_id": sales_order_id,
            "customer_po": customer_po,
            "memo": memo,
            "created_at": utcnow(),
            "created_by": self.tx.actor.user,
            "closed_at": None,
        }
        po_id = self.tx.session.execute(_INSERT_PO, values).scalar_one()
        po = PurchaseOrderRecord(
            id=po_id,
            **values,
            vendor=vendor,
            location_code=location_code,
            created_from=created_from,
        )
        po.saved = po.values()
        self.orders[po.id] = po
        self.tx.changed.add(PURCHASE_ORDER, po.number)
        return po

    def add_lines(self, po: PurchaseOrderRecord, lines: list[NewPurchaseLine]) -> None:
        """Insert lines numbered after the order's last; on an open order for stock, their
        quantities are on order at its location (whose balances the caller has locked)."""
        if not lines:
            return
        first = max((ln.line_no for ln in po.lines), default=0) + 1
        numbered = list(enumerate(lines, start=first))
        ids = self.tx.session.execute(
            _INSERT_LINES,
            [
                {
                    "purchase_order_id": po.id,
                    "line_no": line_no,
                    "item_id": new.item.id,
                    "quantity": new.quantity,
                    "unit_cost": new.unit_cost,
                    "received": ZERO,
                    "sales_order_line_id": new.sales_order_line_id,
                }
                for line_no, new in numbered
            ],
        ).scalars()
        stock = StockBook.of(self.tx)
        for line_id, (line_no, new) in zip(ids, numbered, strict=True):
            po.lines.append(
                self._line(
                    id=line_id,
                    line_no=line_no,
                    item=new.item,
                    quantity=new.quantity,
                    unit_cost=new.unit_cost,
                    received=ZERO,
                    sales_order_line_id=new.sales_order_line_id,
                )
            )
            if not po.drop_ship and po.is_open:
                stock.know(new.item)
                stock.balance(new.item.id, po.location_id).on_order += new.quantity

    def write(self, event_id: int) -> None:
        session = self.tx.session
        changed = [po for po in self.orders.values() if po.values() != po.saved]
        if changed:
            session.execute(
                _UPDATE_PO,
                [
                    {"b_id": po.id, **{f"b_{n}": getattr(po, n) for n in po.CHANGING}}
                    for po in changed
                ],
            )
            for po in changed:
                po.saved = po.values()
        touched = {po.number for po in changed}
        lines: list[PurchaseLine] = []
        for po in self.orders.values():
            moved = [ln for ln in po.lines if ln.values() != ln.saved]
            if moved:
                touched.add(po.number)
                lines += moved
        if lines:
            session.execute(
                _UPDATE_LINE,
                [
                    {"b_id": ln.id, **{f"b_{n}": getattr(ln, n) for n in ln.CHANGING}}
                    for ln in lines
                ],
            )
            for ln in lines:
                ln.saved = ln.values()
        self.tx.changed.add_all(PURCHASE_ORDER, touched)


def _changing(record: PurchaseOrderRecord | PurchaseLine) -> dict[str, Any]:
    return {"b_id": record.id, **{f"b_{n}": getattr(record, n) for n in record.CHANGING}}


class ReceiptBook:
    """The item receipts one transaction makes: each is inserted when it is made."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    @classmethod
    def of(cls, tx: Transaction) -> ReceiptBook:
        return tx.book(cls)

    def create(
        self,
        po: PurchaseOrderRecord,
        plan: list[tuple[PurchaseLine, Decimal]],
        memo: str | None,
    ) -> ReceiptRecord:
        """A receipt of `plan` (lines and quantities) at each line's cost."""
        number = next_number(self.tx, RECEIPT)
        receipt_id = self.tx.session.execute(
            _INSERT_RECEIPT,
            {
                "number": number,
                "purchase_order_id": po.id,
                "memo": memo,
                "created_at": utcnow(),
                "created_by": self.tx.actor.user,
            },
        ).scalar_one()
        line_ids = list(
            self.tx.session.execute(
                _INSERT_RECEIPT_LINES,
                [
                    {
                        "receipt_id": receipt_id,
                        "purchase_order_line_id": line.id,
                        "quantity": qty,
                        "unit_cost": line.unit_cost,
                    }
                    for line, qty in plan
                ],
            ).scalars()
        )
        self.tx.changed.add(RECEIPT, number)
        return ReceiptRecord(receipt_id, number, line_ids)

    def read(self, receipt_id: int) -> PostedReceipt:
        """A receipt that was posted, by id (a ledger row names it so)."""
        row = self.tx.session.execute(_SELECT_RECEIPT, {"receipt_id": receipt_id}).one()
        lines = {
            r.id: r.purchase_order_line_id
            for r in self.tx.session.execute(_SELECT_RECEIPT_LINES, {"receipt_id": receipt_id})
        }
        return PostedReceipt(row.id, row.number, row.purchase_order, lines)

    def write(self, event_id: int) -> None:
        """Nothing is left to write: a receipt is inserted when it is made."""
