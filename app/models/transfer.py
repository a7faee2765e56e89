"""Transfer orders: stock moved from one location to another through the in-transit location,
with the shipments and receipts that move it, the status machine of an order, and the lead
times between locations that date its receipt."""

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
from sqlalchemy.orm import Mapped, mapped_column, synonym

from app.models.base import Base, UTCDateTime, utcnow
from app.models.figures import DemandFigures
from app.models.item import _in
from app.models.kinds import (
    DocumentKind,
    Link,
    register_kind,
    register_reasons,
    register_source_kinds,
)
from app.models.lifecycle import Lifecycle, StatusRules
from app.models.quantity import ZERO, Fixed


class TOStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    PENDING_FULFILLMENT = "pending_fulfillment"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    PENDING_RECEIPT = "pending_receipt"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()


TO_STATUSES = tuple(s.value for s in TOStatus)
TO_INITIAL = frozenset({TOStatus.PENDING_APPROVAL, TOStatus.PENDING_FULFILLMENT})
# Approved and not fully shipped: its lines are demand at the source and commit stock there.
TO_OPEN_DEMAND = frozenset({TOStatus.PENDING_FULFILLMENT, TOStatus.PARTIALLY_FULFILLED})
# Approved and not fully received: what it has not delivered yet is on order at the
# destination.
TO_OPEN_SUPPLY = TO_OPEN_DEMAND | {TOStatus.PENDING_RECEIPT}


class TOAction(StrEnum):
    APPROVE = "approve"
    SHIP = "ship"
    RECEIVE = "receive"
    CLOSE = "close"
    CANCEL = "cancel"


_T = TOStatus
TO_ACTION_FROM: dict[TOAction, frozenset[TOStatus]] = {
    TOAction.APPROVE: frozenset({_T.PENDING_APPROVAL}),
    TOAction.SHIP: TO_OPEN_DEMAND,
    TOAction.RECEIVE: frozenset({_T.PARTIALLY_FULFILLED, _T.PENDING_RECEIPT}),
    TOAction.CLOSE: frozenset({_T.PENDING_FULFILLMENT, _T.PARTIALLY_FULFILLED, _T.RECEIVED}),
    TOAction.CANCEL: frozenset({_T.PENDING_APPROVAL, _T.PENDING_FULFILLMENT}),
}
TO_EDGES: frozenset[tuple[TOStatus, TOStatus]] = frozenset(
    {
        (_T.PENDING_APPROVAL, _T.PENDING_FULFILLMENT),
        (_T.PENDING_APPROVAL, _T.CANCELLED),
        (_T.PENDING_FULFILLMENT, _T.CANCELLED),
        (_T.PENDING_FULFILLMENT, _T.PARTIALLY_FULFILLED),
        (_T.PENDING_FULFILLMENT, _T.PENDING_RECEIPT),
        (_T.PARTIALLY_FULFILLED, _T.PENDING_RECEIPT),
        (_T.PENDING_RECEIPT, _T.RECEIVED),
        (_T.PENDING_FULFILLMENT, _T.CLOSED),
        (_T.PARTIALLY_FULFILLED, _T.CLOSED),
        (_T.RECEIVED, _T.CLOSED),
    }
)
_TO_HINTS: dict[tuple[TOAction, TOStatus], str] = {
    (TOAction.SHIP, _T.PENDING_APPROVAL): "approve it first",
    (TOAction.RECEIVE, _T.PENDING_APPROVAL): "nothing has shipped yet",
    (TOAction.RECEIVE, _T.PENDING_FULFILLMENT): "nothing has shipped yet",
    (TOAction.CANCEL, _T.PARTIALLY_FULFILLED): "part of it has shipped; close it instead",
    (TOAction.CANCEL, _T.PENDING_RECEIPT): "it has shipped; receive it",
    (TOAction.CANCEL, _T.RECEIVED): "it has been received; close it instead",
    (TOAction.CLOSE, _T.PENDING_APPROVAL): "nothing was approved; cancel it instead",
    (TOAction.CLOSE, _T.PENDING_RECEIPT): "what is in transit must be received first",
}


class TransferOrderRules(StatusRules):
    """The rules of one transfer order's status, shared by the mapped row and the posting's
    record. Needs `number` and `status`."""

    lifecycle = Lifecycle(TOStatus, TO_ACTION_FROM, TO_EDGES, _TO_HINTS)
    number: str
    status: str

    @property
    def state(self) -> TOStatus:
        return TOStatus(self.status)


class TransferOrder(TransferOrderRules, Base):
    """Stock to move from one location to another: demand at the source until it ships,
    supply on order at the destination until it is received."""

    __tablename__ = "transfer_order"
    __table_args__ = (
        CheckConstraint(_in("status", TO_STATUSES), name="status"),
        CheckConstraint("priority >= 1", name="priority"),
        CheckConstraint("from_location_id <> to_location_id", name="two_locations"),
        CheckConstraint(
            "receipt_date IS NULL OR ship_date IS NULL OR receipt_date >= ship_date", name="dates"
        ),
        Index("ix_transfer_order_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(24))
    from_location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    to_location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    order_date: Mapped[date] = mapped_column(Date)
    ship_date: Mapped[date | None] = mapped_column(Date)  # expected ship date
    receipt_date: Mapped[date | None] = mapped_column(Date)  # expected receipt date
    priority: Mapped[int] = mapped_column(Integer, default=5)
    # `use_item_cost_as_transfer_cost` as it was when the order was entered: the receipt is
    # valued at the item's standard cost (the transfer price is a declared value only), or
    # at the line's transfer price.
    item_cost: Mapped[bool] = mapped_column(Boolean, default=True)
    memo: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TransferOrderLine(DemandFigures, Base):
    """One item to move (each item once per order). `committed` is stock reserved for it at
    the source, `shipped` what has left the source (in transit until received), `received`
    what has arrived at the destination."""

    __tablename__ = "transfer_order_line"
    __table_args__ = (
        UniqueConstraint("transfer_order_id", "line_no", name="uq_transfer_order_line_number"),
        UniqueConstraint("transfer_order_id", "item_id", name="uq_transfer_order_line_item"),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("transfer_price >= 0", name="transfer_price"),
        CheckConstraint("committed >= 0", name="committed"),
        CheckConstraint("shipped >= 0 AND shipped <= quantity", name="shipped"),
        CheckConstraint("received >= 0 AND received <= shipped", name="received"),
        Index("ix_transfer_order_line_item", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_order_id: Mapped[int] = mapped_column(ForeignKey("transfer_order.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    quantity: Mapped[Decimal] = mapped_column(Fixed)
    transfer_price: Mapped[Decimal] = mapped_column(Fixed)  # per unit
    committed: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    shipped: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    received: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)

    required = synonym("quantity")
    consumed = synonym("shipped")


class TransferShipment(Base):
    """What one shipment of a transfer order took from the source into transit."""

    __tablename__ = "transfer_shipment"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    transfer_order_id: Mapped[int] = mapped_column(ForeignKey("transfer_order.id"), index=True)
    memo: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class TransferShipmentLine(Base):
    __tablename__ = "transfer_shipment_line"
    __table_args__ = (
        UniqueConstraint("shipment_id", "transfer_order_line_id", name="uq_transfer_shipment_line"),
        CheckConstraint("quantity > 0", name="quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("transfer_shipment.id"), index=True)
    transfer_order_line_id: Mapped[int] = mapped_column(
        ForeignKey("transfer_order_line.id"), index=True
    )
    quantity: Mapped[Decimal] = mapped_column(Fixed)


class TransferReceipt(Base):
    """What one receipt of a transfer order brought from transit into the destination."""

    __tablename__ = "transfer_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    transfer_order_id: Mapped[int] = mapped_column(ForeignKey("transfer_order.id"), index=True)
    memo: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class TransferReceiptLine(Base):
    __tablename__ = "transfer_receipt_line"
    __table_args__ = (
        UniqueConstraint("receipt_id", "transfer_order_line_id", name="uq_transfer_receipt_line"),
        CheckConstraint("quantity > 0", name="quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("transfer_receipt.id"), index=True)
    transfer_order_line_id: Mapped[int] = mapped_column(
        ForeignKey("transfer_order_line.id"), index=True
    )
    quantity: Mapped[Decimal] = mapped_column(Fixed)


class LocationLeadTime(Base):
    """How many days goods take from one location to another: a transfer order's expected
    receipt date is its ship date plus these (`default_lead_time_between_locations` when a
    pair has none)."""

    __tablename__ = "location_lead_time"
    __table_args__ = (
        CheckConstraint("days >= 0", name="days"),
        CheckConstraint("from_location_id <> to_location_id", name="two_locations"),
    )

    from_location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    to_location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)


class TransferReason(StrEnum):
    """A shipment takes stock from the source into transit (`transfer_out`, both rows); a
    receipt brings it from transit into the destination (`transfer_in`, both rows)."""

    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"


class TransferSourceKind(StrEnum):
    TRANSFER_ORDER = "transfer_order"  # source_id: the order, source_line_id: its line


register_reasons(TransferReason)
register_source_kinds(TransferSourceKind)

TRANSFER_ORDER = register_kind(
    DocumentKind(
        key="transfer_order",
        prefix="TO-",
        noun="transfer order",
        model=TransferOrder,
        lifecycle=TransferOrderRules.lifecycle,
        page="transfer_order",
        actions="transfer",
        source_kind=TransferSourceKind.TRANSFER_ORDER.value,
    )
)
TRANSFER_SHIPMENT = register_kind(
    DocumentKind(
        key="transfer_shipment",
        prefix="TS-",
        noun="transfer shipment",
        model=TransferShipment,
        shown_on="transfer_order",
        status_label=lambda _shipment, _prefs: "Shipped",
        links=(
            Link(
                "ships",
                "transfer_order",
                lambda: select(TransferShipment.id, TransferShipment.transfer_order_id),
                origin=True,
            ),
        ),
    )
)
TRANSFER_RECEIPT = register_kind(
    DocumentKind(
        key="transfer_receipt",
        prefix="TR-",
        noun="transfer receipt",
        model=TransferReceipt,
        shown_on="transfer_order",
        status_label=lambda _receipt, _prefs: "Received",
        links=(
            Link(
                "receives",
                "transfer_order",
                lambda: select(TransferReceipt.id, TransferReceipt.transfer_order_id),
                origin=True,
            ),
        ),
    )
)
