"""Customer returns as the postings see them: plain in-memory records, loaded with a couple of
Core queries (the header locked in a write transaction), changed by the use cases in
returns.py and the status machine, and written back in a few executemany statements when the
posting commits.

A line is read with the sales order line it takes back (its number, its kit, its path), so
that a line is named as the order names it ("3", "3.1") and a kit's members are found under
their kit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sqlalchemy import Table, bindparam, insert, select, update

from app.errors import NotFound
from app.models import Customer, Item, LinePath, Location, SalesOrder, SalesOrderLine
from app.models.quantity import ZERO
from app.models.returns import (
    RETURN_AUTHORIZATION,
    RMA_CREDITED_IN_ADVANCE,
    ReturnAuthorization,
    ReturnLine,
    ReturnRules,
    RMAStatus,
)
from app.models.sales import whole_kits
from app.services.engine.lookup import ItemRef, item_columns, item_ref
from app.services.engine.numbering import normalize_number

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

_RMA = cast(Table, ReturnAuthorization.__table__)
_LINE = cast(Table, ReturnLine.__table__)
_SO = cast(Table, SalesOrder.__table__)
_SOL = cast(Table, SalesOrderLine.__table__)
_CUSTOMER = cast(Table, Customer.__table__)
_ITEM = cast(Table, Item.__table__)
_LOC = cast(Table, Location.__table__)


@dataclass(eq=False, kw_only=True)
class ReturnLineRecord:
    """One sales order line coming back. A kit's heading carries no stock: its `received`
    and `credited` count whole kits; its members are lines of their own."""

    id: int
    sales_order_line_id: int
    line_no: int
    member_no: int
    parent_id: int | None  # the kit's sales order line, for a kit's member
    path: str
    item: ItemRef
    quantity: Decimal
    received: Decimal = ZERO
    restocked: Decimal = ZERO
    scrapped: Decimal = ZERO
    credited: Decimal = ZERO
    rate: Decimal = ZERO
    unit_cost: Decimal = ZERO
    saved: tuple[Any, ...] | None = field(default=None, repr=False)

    CHANGING: ClassVar[tuple[str, ...]] = ("received", "restocked", "scrapped", "credited")

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.CHANGING)

    @property
    def label(self) -> str:
        """The sales order line's number as people see it: "3", "3.1"."""
        return f"{self.line_no}.{self.member_no}" if self.member_no else str(self.line_no)

    @property
    def sku(self) -> str:
        return self.item.sku

    @property
    def is_kit(self) -> bool:
        return self.path == LinePath.KIT.value

    @property
    def to_vendor(self) -> bool:
        """The vendor shipped it (drop ship): it goes back to the vendor on a vendor return,
        never into our stock, and counts as received once that return has it."""
        return self.path == LinePath.DROP_SHIP.value

    @property
    def carries_stock(self) -> bool:
        """Goods of this line come back into the ledger (a kit's heading carries none, nor
        does a line that goes back to the vendor)."""
        return not self.is_kit and not self.to_vendor

    @property
    def billed(self) -> bool:
        """Finance credits this line (a kit's members are credited as the kit)."""
        return not self.member_no

    @property
    def to_receive(self) -> Decimal:
        return max(ZERO, self.quantity - self.received)


@dataclass(eq=False, kw_only=True)
class ReturnRecord(ReturnRules):
    """An RMA as one posting sees and changes it."""

    id: int
    number: str
    status: str
    sales_order_id: int
    sales_order: str
    customer: str
    customer_po: str | None
    location_id: int
    location_code: str
    reason_code: str | None
    memo: str | None
    credit_in_advance: bool
    created_at: datetime
    created_by: str
    approved_at: datetime | None = None
    approved_by: str | None = None
    credited_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    lines: list[ReturnLineRecord] = field(default_factory=list)
    saved: tuple[Any, ...] | None = field(default=None, repr=False)

    # What a posting may change on the header (the rest is fixed when it is created).
    CHANGING: ClassVar[tuple[str, ...]] = (
        "status",
        "credit_in_advance",
        "approved_at",
        "approved_by",
        "credited_at",
        "closed_at",
        "closed_by",
    )

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.CHANGING)

    def line(self, label: str) -> ReturnLineRecord:
        """A line by the order's number for it ("3", "3.1") or, when one line has it, by
        sku."""
        text = str(label).strip()
        for ln in self.lines:
            if ln.label == text:
                return ln
        by_sku = [ln for ln in self.lines if ln.sku == text]
        if len(by_sku) == 1:
            return by_sku[0]
        if by_sku:
            raise NotFound(
                f"{text} is on lines {', '.join(ln.label for ln in by_sku)} of {self.number}; "
                "give the line number instead"
            )
        raise NotFound(f"{text!r} is not on {self.number}")

    def members(self, kit: ReturnLineRecord) -> list[ReturnLineRecord]:
        return [ln for ln in self.lines if ln.parent_id == kit.sales_order_line_id]

    def stocked(self) -> list[ReturnLineRecord]:
        return [ln for ln in self.lines if ln.carries_stock]

    def to_vendor(self) -> list[ReturnLineRecord]:
        """The lines the customer sends back to the vendor who drop-shipped them."""
        return [ln for ln in self.lines if ln.to_vendor]

    def kits_received(self, kit: ReturnLineRecord) -> Decimal:
        """How many whole kits of a kit's heading have come back, from its members."""
        return whole_kits(kit.quantity, ((m.received, m.quantity) for m in self.members(kit)))

    def credit_due(self, line: ReturnLineRecord) -> Decimal:
        """What finance should have credited on a billed line: everything authorized while an
        RMA refunded in advance is approved and not finished, else what came back."""
        if self.credit_in_advance and self.state in RMA_CREDITED_IN_ADVANCE:
            return line.quantity
        return line.received

    def status_after_receipt(self) -> RMAStatus:
        """Received once every line has all of it back; partially received once any has
        some; pending receipt before."""
        counted = [ln for ln in self.lines if not ln.is_kit]
        if counted and all(ln.received >= ln.quantity for ln in counted):
            return RMAStatus.RECEIVED
        if any(ln.received > 0 for ln in counted):
            return RMAStatus.PARTIALLY_RECEIVED
        return RMAStatus.PENDING_RECEIPT


@dataclass(frozen=True)
class NewReturnLine:
    """A line being authorized: its sales order line, what comes back, at what credit and
    cost."""

    sales_order_line_id: int
    line_no: int
    member_no: int
    parent_id: int | None
    path: str
    item: ItemRef
    quantity: Decimal
    rate: Decimal
    unit_cost: Decimal


_HEADER_FIELDS = tuple(
    f.name for f in fields(ReturnRecord) if f.name in _RMA.c and f.name != "saved"
)
_LINE_FIELDS = (
    "id",
    "sales_order_line_id",
    "quantity",
    "rate",
    "unit_cost",
    *ReturnLineRecord.CHANGING,
)
_SELECT_RMA = (
    select(
        *(_RMA.c[name] for name in _HEADER_FIELDS),
        _SO.c.number.label("sales_order"),
        _CUSTOMER.c.name.label("customer"),
        _LOC.c.code.label("location_code"),
    )
    .join(_SO, _SO.c.id == _RMA.c.sales_order_id)
    .join(_CUSTOMER, _CUSTOMER.c.id == _SO.c.customer_id)
    .join(_LOC, _LOC.c.id == _RMA.c.location_id)
    .where(_RMA.c.number == bindparam("number"))
)
_SELECT_RMA_FOR_UPDATE = _SELECT_RMA.with_for_update(of=_RMA)
_SELECT_LINES = (
    select(
        *(_LINE.c[name] for name in _LINE_FIELDS),
        _SOL.c.line_no,
        _SOL.c.member_no,
        _SOL.c.parent_id,
        _SOL.c.path,
        *item_columns("item"),
    )
    .join(_SOL, _SOL.c.id == _LINE.c.sales_order_line_id)
    .join(_ITEM, _ITEM.c.id == _LINE.c.item_id)
    .where(_LINE.c.return_authorization_id == bindparam("rma_id"))
    .order_by(_SOL.c.line_no, _SOL.c.member_no)
)
_INSERT_RMA = insert(_RMA).returning(_RMA.c.id)
_INSERT_LINES = insert(_LINE).returning(_LINE.c.id, sort_by_parameter_order=True)
_UPDATE_RMA = (
    update(_RMA)
    .where(_RMA.c.id == bindparam("b_id"))
    .values(
        {name: bindparam(f"b_{name}", type_=_RMA.c[name].type) for name in ReturnRecord.CHANGING}
    )
)
_UPDATE_LINE = (
    update(_LINE)
    .where(_LINE.c.id == bindparam("b_id"))
    .values(
        {
            name: bindparam(f"b_{name}", type_=_LINE.c[name].type)
            for name in ReturnLineRecord.CHANGING
        }
    )
)


class ReturnBook:
    """The RMAs one transaction has loaded or created, and what it changed."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.returns: dict[int, ReturnRecord] = {}

    @classmethod
    def of(cls, tx: Transaction) -> ReturnBook:
        return tx.book(cls)

    def load(self, number: str) -> ReturnRecord:
        """An RMA with its lines; in a write transaction its row is locked, so two postings on
        one RMA run one after the other."""
        text = normalize_number(number)
        for found in self.returns.values():
            if found.number == text:
                return found
        stmt = _SELECT_RMA_FOR_UPDATE if self.tx.write else _SELECT_RMA
        row = self.tx.session.execute(stmt, {"number": text}).first()
        if row is None:
            raise NotFound(f"unknown return authorization {text!r}")
        m = row._mapping
        rma = ReturnRecord(
            **{name: m[name] for name in _HEADER_FIELDS},
            sales_order=m["sales_order"],
            customer=m["customer"],
            location_code=m["location_code"],
        )
        rma.saved = rma.values()
        for r in self.tx.session.execute(_SELECT_LINES, {"rma_id": rma.id}):
            lm = r._mapping
            line = ReturnLineRecord(
                **{name: lm[name] for name in _LINE_FIELDS},
                line_no=lm["line_no"],
                member_no=lm["member_no"],
                parent_id=lm["parent_id"],
                path=lm["path"],
                item=item_ref(r, "item"),
            )
            line.saved = line.values()
            rma.lines.append(line)
        self.returns[rma.id] = rma
        if self.tx.write:
            self.tx.set_document(rma.number)
        return rma

    def create(self, header: ReturnRecord, lines: list[NewReturnLine]) -> ReturnRecord:
        """Insert a new RMA and its lines."""
        values = {name: getattr(header, name) for name in _HEADER_FIELDS if name != "id"}
        header.id = self.tx.session.execute(_INSERT_RMA, values).scalar_one()
        header.saved = header.values()
        ids = self.tx.session.execute(
            _INSERT_LINES,
            [
                {
                    "return_authorization_id": header.id,
                    "sales_order_line_id": new.sales_order_line_id,
                    "item_id": new.item.id,
                    "quantity": new.quantity,
                    "received": ZERO,
                    "restocked": ZERO,
                    "scrapped": ZERO,
                    "credited": ZERO,
                    "rate": new.rate,
                    "unit_cost": new.unit_cost,
                }
                for new in lines
            ],
        ).scalars()
        for line_id, new in zip(ids, lines, strict=True):
            line = ReturnLineRecord(
                id=line_id,
                sales_order_line_id=new.sales_order_line_id,
                line_no=new.line_no,
                member_no=new.member_no,
                parent_id=new.parent_id,
                path=new.path,
                item=new.item,
                quantity=new.quantity,
                rate=new.rate,
                unit_cost=new.unit_cost,
            )
            line.saved = line.values()
            header.lines.append(line)
        header.lines.sort(key=lambda ln: (ln.line_no, ln.member_no))
        self.returns[header.id] = header
        self.tx.changed.add(RETURN_AUTHORIZATION, header.number)
        return header

    def write(self, event_id: int) -> None:
        session = self.tx.session
        changed = [r for r in self.returns.values() if r.values() != r.saved]
        if changed:
            session.execute(
                _UPDATE_RMA,
                [
                    {"b_id": r.id, **{f"b_{n}": getattr(r, n) for n in ReturnRecord.CHANGING}}
                    for r in changed
                ],
            )
            for r in changed:
                r.saved = r.values()
        touched = {r.number for r in changed}
        lines: list[ReturnLineRecord] = []
        for r in self.returns.values():
            mine = [ln for ln in r.lines if ln.values() != ln.saved]
            if mine:
                lines += mine
                touched.add(r.number)
        if lines:
            session.execute(
                _UPDATE_LINE,
                [
                    {
                        "b_id": ln.id,
                        **{f"b_{n}": getattr(ln, n) for n in ReturnLineRecord.CHANGING},
                    }
                    for ln in lines
                ],
            )
            for ln in lines:
                ln.saved = ln.values()
        self.tx.changed.add_all(RETURN_AUTHORIZATION, touched)
