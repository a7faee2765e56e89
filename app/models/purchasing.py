"""Purchase orders, their lines, and the item receipts that bring the goods in; a drop-ship
purchase order is shipped by the vendor straight to the customer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.errors import IllegalTransition
from app.models.base import Base, UTCDateTime, utcnow
from app.models.item import _in
from app.models.kinds import DocumentKind, Link, register_kind, register_moments
from app.models.lifecycle import Lifecycle, StatusRules
from app.models.quantity import ZERO, Fixed


class POStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()


PO_STATUSES = tuple(s.value for s in POStatus)
# A drop-ship order is never received here: what its vendor sends goes to the customer.
_DROP_SHIP_LABELS = {
    POStatus.PARTIALLY_RECEIVED: "Partially Shipped by Vendor",
    POStatus.RECEIVED: "Shipped by Vendor",
}


def po_status_label(status: str, drop_ship: bool) -> str:
    """A purchase order's status in words: a drop-ship order's says what its vendor did."""
    state = POStatus(status)
    return _DROP_SHIP_LABELS.get(state, state.label) if drop_ship else state.label


# Still expecting goods: their lines' remaining quantity is on order.
PO_OPEN = frozenset({POStatus.OPEN, POStatus.PARTIALLY_RECEIVED})


class POAction(StrEnum):
    RECEIVE = "receive"
    MARK_SHIPPED = "mark_shipped"  # a drop-ship order: the vendor has shipped it
    EDIT = "edit"  # quantities, prices, the expected date, lines added or cancelled
    RETURN = "return"  # send received goods back to the vendor (a vendor return)
    CLOSE = "close"
    CANCEL = "cancel"


PO_ACTION_FROM: dict[POAction, frozenset[POStatus]] = {
    POAction.RECEIVE: PO_OPEN,
    POAction.MARK_SHIPPED: PO_OPEN,
    POAction.EDIT: PO_OPEN | {POStatus.RECEIVED},
    POAction.RETURN: frozenset({POStatus.PARTIALLY_RECEIVED, POStatus.RECEIVED, POStatus.CLOSED}),
    POAction.CLOSE: PO_OPEN | {POStatus.RECEIVED},
    POAction.CANCEL: frozenset({POStatus.OPEN}),
}


_PO = POStatus
PO_EDGES: frozenset[tuple[POStatus, POStatus]] = frozenset(
    {
        (_PO.OPEN, _PO.PARTIALLY_RECEIVED),
        (_PO.OPEN, _PO.RECEIVED),
        (_PO.PARTIALLY_RECEIVED, _PO.RECEIVED),
        (_PO.RECEIVED, _PO.PARTIALLY_RECEIVED),  # an edit wants more than came
        (_PO.OPEN, _PO.CLOSED),
        (_PO.PARTIALLY_RECEIVED, _PO.CLOSED),
        (_PO.RECEIVED, _PO.CLOSED),
        (_PO.OPEN, _PO.CANCELLED),
        # a receipt reversed: its goods are expected again
        (_PO.RECEIVED, _PO.PARTIALLY_RECEIVED),
        (_PO.RECEIVED, _PO.OPEN),
        (_PO.PARTIALLY_RECEIVED, _PO.OPEN),
    }
)

_PO_HINTS: dict[tuple[POAction, POStatus], str] = {
    (POAction.CANCEL, POStatus.PARTIALLY_RECEIVED): "part of it is received: close it",
    (POAction.CANCEL, POStatus.RECEIVED): "it is received: close it",
    (POAction.RETURN, POStatus.OPEN): "nothing has been received on it",
}
_DROP_SHIP_HINTS: dict[tuple[POAction, POStatus], str] = {
    (POAction.CANCEL, POStatus.PARTIALLY_RECEIVED): "close it",
    (POAction.CANCEL, POStatus.RECEIVED): "close it",
}


class PurchaseOrderRules(StatusRules):
    """A purchase order's status, and which of receive / mark shipped its kind allows."""

    lifecycle = Lifecycle(POStatus, PO_ACTION_FROM, PO_EDGES, _PO_HINTS)
    number: str
    status: str
    drop_ship: bool

    @property
    def state(self) -> POStatus:
        return POStatus(self.status)

    @property
    def status_label(self) -> str:
        return po_status_label(self.status, self.drop_ship)

    def hint(self, action: POAction) -> str | None:
        if self.drop_ship and (action, self.state) in _DROP_SHIP_HINTS:
            return _DROP_SHIP_HINTS[(action, self.state)]
        return super().hint(action)

    def can(self, action: POAction) -> bool:
        if action == POAction.MARK_SHIPPED and not self.drop_ship:
            return False
        return super().can(action)

    def refuse(self, action: POAction, label: str | None = None) -> None:
        if action == POAction.MARK_SHIPPED and not self.drop_ship:
            raise IllegalTransition(
                f"cannot mark {self.number} shipped: it is not a drop-ship order; receive it"
            )
        super().refuse(action, label or self.status_label)


class PurchaseOrder(PurchaseOrderRules, Base):
    __tablename__ = "purchase_order"
    __table_args__ = (
        CheckConstraint(_in("status", PO_STATUSES), name="status"),
        Index("ix_purchase_order_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    order_date: Mapped[date] = mapped_column(Date)
    expected_date: Mapped[date | None] = mapped_column(Date)
    # A drop-ship order is created from a sales order and carries its customer's PO number
    # (an order bought for stock has none; its memo is only a note).
    drop_ship: Mapped[bool] = mapped_column(Boolean, default=False)
    sales_order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order.id"), index=True)
    customer_po: Mapped[str | None] = mapped_column(String(64), index=True)
    memo: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_line"
    __table_args__ = (
        UniqueConstraint("purchase_order_id", "line_no", name="uq_purchase_order_line_number"),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("unit_cost >= 0", name="unit_cost"),
        CheckConstraint("received >= 0", name="received"),
        Index("ix_purchase_order_line_item", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    quantity: Mapped[Decimal] = mapped_column(Fixed)
    unit_cost: Mapped[Decimal] = mapped_column(Fixed)
    received: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)  # or shipped, drop ship
    # Cancelled before anything came in on it: nothing more is expected (and it is never
    # on order again).
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    sales_order_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_order_line.id"), index=True
    )


class ReceiptMoment(StrEnum):
    RECEIPT_REVERSED = "receipt_reversed"  # a receipt taken back: at the order's cost, negative


register_moments(ReceiptMoment, {ReceiptMoment.RECEIPT_REVERSED: "Receipt reversed"})


class Receipt(Base):
    """An item receipt from a purchase order: the goods it brought in, at the order's cost."""

    __tablename__ = "receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    memo: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class ReceiptLine(Base):
    __tablename__ = "receipt_line"
    __table_args__ = (
        UniqueConstraint("receipt_id", "purchase_order_line_id", name="uq_receipt_line_order_line"),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("unit_cost >= 0", name="unit_cost"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"), index=True)
    purchase_order_line_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_order_line.id"), index=True
    )
    quantity: Mapped[Decimal] = mapped_column(Fixed)
    unit_cost: Mapped[Decimal] = mapped_column(Fixed)


PURCHASE_ORDER = register_kind(
    DocumentKind(
        key="purchase_order",
        prefix="PO-",
        noun="purchase order",
        model=PurchaseOrder,
        lifecycle=PurchaseOrderRules.lifecycle,
        page="purchase_order",
        actions="po",
        customer_po=True,
        status_label=lambda po, _prefs: po_status_label(po.status, po.drop_ship),
        links=(
            Link(
                "created from",
                "sales_order",
                lambda: select(PurchaseOrder.id, PurchaseOrder.sales_order_id).where(
                    PurchaseOrder.sales_order_id.is_not(None)
                ),
                origin=True,
            ),
        ),
    )
)
RECEIPT = register_kind(
    DocumentKind(
        key="receipt",
        prefix="IR-",
        noun="item receipt",
        model=Receipt,
        source_kind="receipt",
        shown_on="purchase_order",
        status_label=lambda _receipt, _prefs: "Received",
        links=(
            Link(
                "receives",
                "purchase_order",
                lambda: select(Receipt.id, Receipt.purchase_order_id),
                origin=True,
            ),
        ),
    )
)
