"""Sales orders, their lines, and the item fulfillments that pick, pack and ship them; with
the status machines of both."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, synonym

from app.models.base import Base, UTCDateTime, utcnow
from app.models.figures import DemandFigures
from app.models.item import _in
from app.models.kinds import DocumentKind, Link, register_kind
from app.models.lifecycle import Lifecycle, StatusRules
from app.models.quantity import ZERO, Fixed

# --- sales orders ---------------------------------------------------------------------------


class SOStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    PENDING_FULFILLMENT = "pending_fulfillment"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()


SO_STATUSES = tuple(s.value for s in SOStatus)
# The orders that hold their import reference: all but the cancelled ones.
ORDER_REF_HELD = "order_ref IS NOT NULL AND status <> 'cancelled'"
# Approved and not finished: the stock and build lines are demand and commit stock.
SO_OPEN_DEMAND = frozenset({SOStatus.PENDING_FULFILLMENT, SOStatus.PARTIALLY_FULFILLED})
SO_INITIAL = frozenset({SOStatus.PENDING_APPROVAL, SOStatus.PENDING_FULFILLMENT})


class SOAction(StrEnum):
    APPROVE = "approve"
    EDIT = "edit"
    FULFILL = "fulfill"
    CLOSE = "close"
    CANCEL = "cancel"


_SO = SOStatus
SO_ACTION_FROM: dict[SOAction, frozenset[SOStatus]] = {
    SOAction.APPROVE: frozenset({_SO.PENDING_APPROVAL}),
    SOAction.EDIT: frozenset(
        {_SO.PENDING_APPROVAL, _SO.PENDING_FULFILLMENT, _SO.PARTIALLY_FULFILLED}
    ),
    SOAction.FULFILL: SO_OPEN_DEMAND,
    SOAction.CLOSE: frozenset({_SO.PENDING_FULFILLMENT, _SO.PARTIALLY_FULFILLED, _SO.FULFILLED}),
    SOAction.CANCEL: frozenset({_SO.PENDING_APPROVAL, _SO.PENDING_FULFILLMENT}),
}
SO_EDGES: frozenset[tuple[SOStatus, SOStatus]] = frozenset(
    {
        (_SO.PENDING_APPROVAL, _SO.PENDING_FULFILLMENT),
        (_SO.PENDING_FULFILLMENT, _SO.PENDING_APPROVAL),  # re-approval after an edit
        (_SO.PENDING_APPROVAL, _SO.CANCELLED),
        (_SO.PENDING_FULFILLMENT, _SO.CANCELLED),
        (_SO.PENDING_FULFILLMENT, _SO.PARTIALLY_FULFILLED),
        (_SO.PENDING_FULFILLMENT, _SO.FULFILLED),
        (_SO.PARTIALLY_FULFILLED, _SO.FULFILLED),
        (_SO.PENDING_FULFILLMENT, _SO.CLOSED),
        (_SO.PARTIALLY_FULFILLED, _SO.CLOSED),
        (_SO.FULFILLED, _SO.CLOSED),
    }
)
_SO_HINTS: dict[tuple[SOAction, SOStatus], str] = {
    (SOAction.FULFILL, _SO.PENDING_APPROVAL): "approve it first",
    (SOAction.CANCEL, _SO.PARTIALLY_FULFILLED): "part of it has shipped; close it instead",
    (SOAction.CANCEL, _SO.FULFILLED): "it has shipped; close it instead",
    (SOAction.CLOSE, _SO.PENDING_APPROVAL): "nothing was approved; cancel it instead",
}


class SalesOrderRules(StatusRules):
    """The rules of one sales order's status, shared by the mapped row and the posting's
    record. Needs `number` and `status`."""

    lifecycle = Lifecycle(SOStatus, SO_ACTION_FROM, SO_EDGES, _SO_HINTS)
    number: str
    status: str

    @property
    def state(self) -> SOStatus:
        return SOStatus(self.status)


class SalesOrder(SalesOrderRules, Base):
    __tablename__ = "sales_order"
    __table_args__ = (
        CheckConstraint(_in("status", SO_STATUSES), name="status"),
        CheckConstraint("priority >= 1", name="priority"),
        Index("ix_sales_order_status", "status"),
        Index("ix_sales_order_customer_po", "customer_po"),
        Index("ix_sales_order_ship_date", "ship_date"),
        # An imported order's reference names one order (a cancelled one gives it back).
        Index(
            "uq_sales_order_order_ref",
            "order_ref",
            unique=True,
            sqlite_where=text(ORDER_REF_HELD),
            postgresql_where=text(ORDER_REF_HELD),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    # The customer's own purchase order number ("otherrefnum"): it threads through every
    # record made for this order.
    customer_po: Mapped[str | None] = mapped_column(String(64))
    # An imported order's number in the system that sent the file (the import's order_ref).
    order_ref: Mapped[str | None] = mapped_column(String(64))
    order_date: Mapped[date] = mapped_column(Date)
    ship_date: Mapped[date | None] = mapped_column(Date)  # expected ship date
    priority: Mapped[int] = mapped_column(Integer, default=5)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    ship_to: Mapped[str] = mapped_column(Text, default="")  # copied from the customer
    memo: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LinePath(StrEnum):
    """How a sales order line is fulfilled."""

    STOCK = "stock"  # picked from stock
    BUILD = "build"  # built by a special-order work order created from the line
    DROP_SHIP = "drop_ship"  # shipped by the vendor on a purchase order created from the line
    KIT = "kit"  # its member lines ship (the kit itself carries no stock)
    NONE = "none"  # non-inventory and service lines: nothing moves

    @property
    def stocked(self) -> bool:
        """The line takes stock from the order's location (and commits it)."""
        return self in (LinePath.STOCK, LinePath.BUILD)


LINE_PATHS = tuple(p.value for p in LinePath)
STOCKED_PATHS = tuple(p.value for p in LinePath if p.stocked)


def whole_kits(kit_quantity: Decimal, members: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """How many kits the members make, from (amount, member quantity on the order) of each
    member that ships: whole kits only, the least any member covers, rounded down; the
    kit's own quantity once every member has all of its."""
    shares = [amount / quantity for amount, quantity in members if quantity > 0]
    if not shares:
        return Decimal(0)
    share = min(shares)
    if share >= 1:
        return kit_quantity
    return min(kit_quantity, (share * kit_quantity).to_integral_value(rounding=ROUND_FLOOR))


class SalesOrderLine(DemandFigures, Base):
    """A line of a sales order: numbered from 1 in entry order; a kit's members are lines of
    their own with the kit's number and member numbers from 1 ("3.1").

    For a stocked line (from stock, or built to order): `committed` is on-hand stock
    reserved for it, `picked` the part of that commitment picked on fulfillments waiting to
    ship (firm: nothing takes it away), `fulfilled` what has shipped. A drop-ship line is
    fulfilled when its purchase order is marked shipped; nothing moves through stock.
    """

    __tablename__ = "sales_order_line"
    __table_args__ = (
        UniqueConstraint(
            "sales_order_id", "line_no", "member_no", name="uq_sales_order_line_number"
        ),
        CheckConstraint(_in("path", LINE_PATHS), name="path"),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("rate >= 0", name="rate"),
        CheckConstraint("committed >= 0", name="committed"),
        CheckConstraint("picked >= 0", name="picked"),
        CheckConstraint("picked <= committed", name="picked_le_committed"),
        CheckConstraint("fulfilled >= 0", name="fulfilled"),
        CheckConstraint("member_no >= 0", name="member_no"),
        Index("ix_sales_order_line_item", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sales_order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    member_no: Mapped[int] = mapped_column(Integer, default=0)  # 0: the line itself
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order_line.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    quantity: Mapped[Decimal] = mapped_column(Fixed)
    rate: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)  # price per unit
    path: Mapped[str] = mapped_column(String(16))
    committed: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    picked: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    fulfilled: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)

    required = synonym("quantity")
    consumed = synonym("fulfilled")


class SalesOrderPathChange(Base):
    """A line's path changed while nothing had moved on it (build -> stock, stock ->
    drop ship ...): the work order or purchase order it no longer needs, cancelled as not
    needed, and the one made for its new path."""

    __tablename__ = "sales_order_path_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    sales_order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    sales_order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"))
    from_path: Mapped[str] = mapped_column(String(16))
    to_path: Mapped[str] = mapped_column(String(16))
    not_needed: Mapped[str | None] = mapped_column(String(32))  # the document cancelled
    made: Mapped[str | None] = mapped_column(String(32))  # the document made for the new path
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(64))


# --- item fulfillments ----------------------------------------------------------------------


class FulfillmentStatus(StrEnum):
    PICKED = "picked"
    PACKED = "packed"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The status's name unless the plant has its own (`name_for_*_status`)."""
        return self.value.title()


FULFILLMENT_STATUSES = tuple(s.value for s in FulfillmentStatus)
# Picked or packed: its quantities are firm commitments, still on hand.
FULFILLMENT_OPEN = frozenset({FulfillmentStatus.PICKED, FulfillmentStatus.PACKED})


class FulfillmentAction(StrEnum):
    PACK = "pack"
    SHIP = "ship"
    CANCEL = "cancel"


FULFILLMENT_ACTION_FROM: dict[FulfillmentAction, frozenset[FulfillmentStatus]] = {
    FulfillmentAction.PACK: frozenset({FulfillmentStatus.PICKED}),
    FulfillmentAction.SHIP: FULFILLMENT_OPEN,
    FulfillmentAction.CANCEL: FULFILLMENT_OPEN,
}


_F = FulfillmentStatus
FULFILLMENT_EDGES: frozenset[tuple[FulfillmentStatus, FulfillmentStatus]] = frozenset(
    {
        (_F.PICKED, _F.PACKED),
        (_F.PICKED, _F.SHIPPED),
        (_F.PACKED, _F.SHIPPED),
        (_F.PICKED, _F.CANCELLED),
        (_F.PACKED, _F.CANCELLED),
    }
)


class FulfillmentRules(StatusRules):
    """Needs `number` and `status`; the printed names of the statuses are preferences, so
    `require` takes the status's name."""

    lifecycle = Lifecycle(FulfillmentStatus, FULFILLMENT_ACTION_FROM, FULFILLMENT_EDGES)
    number: str
    status: str

    @property
    def state(self) -> FulfillmentStatus:
        return FulfillmentStatus(self.status)


class Fulfillment(FulfillmentRules, Base):
    """An item fulfillment created from a sales order: Picked -> Packed -> Shipped. Stock
    leaves the ledger when it ships. A drop-ship fulfillment records what the vendor shipped
    and is shipped from the start."""

    __tablename__ = "fulfillment"
    __table_args__ = (
        CheckConstraint(_in("status", FULFILLMENT_STATUSES), name="status"),
        Index("ix_fulfillment_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    sales_order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    drop_ship: Mapped[bool] = mapped_column(Boolean, default=False)
    customer_po: Mapped[str | None] = mapped_column(String(64))
    memo: Mapped[str | None] = mapped_column(String(200))
    # The day it counts on in the books: the day it was picked, or, with
    # `update_transaction_date_upon_fulfillment_status_change`, the day of its last status
    # change (picked in one period, shipped in the next).
    transaction_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    packed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FulfillmentLine(Base):
    __tablename__ = "fulfillment_line"
    __table_args__ = (
        UniqueConstraint(
            "fulfillment_id", "sales_order_line_id", name="uq_fulfillment_line_order_line"
        ),
        CheckConstraint("quantity > 0", name="quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fulfillment_id: Mapped[int] = mapped_column(ForeignKey("fulfillment.id"), index=True)
    sales_order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Fixed)


SALES_ORDER = register_kind(
    DocumentKind(
        key="sales_order",
        prefix="SO-",
        noun="sales order",
        model=SalesOrder,
        lifecycle=SalesOrderRules.lifecycle,
        page="sales_order",
        actions="so",
        use_cases={"fulfill": "fulfillment.pick"},
        customer_po=True,
    )
)
FULFILLMENT = register_kind(
    DocumentKind(
        key="fulfillment",
        prefix="IF-",
        noun="fulfillment",
        model=Fulfillment,
        lifecycle=FulfillmentRules.lifecycle,
        page="fulfillment",
        actions="fulfillment",
        status_label=lambda f, prefs: prefs.status_name(f.status),
        source_kind="fulfillment",
        customer_po=True,
        links=(
            Link(
                "fulfils",
                "sales_order",
                lambda: select(Fulfillment.id, Fulfillment.sales_order_id),
                origin=True,
            ),
        ),
    )
)
