"""Vendor returns (VRA-…): goods sent back to the vendor, who is expected to credit them.
Each line returns either from one receipt line, at that receipt's cost and from the location
it came into, or, on a return made from a customer return (RMA) of a drop-shipped line, what
the customer sends straight back to the vendor: that line names the RMA line and the drop-ship
purchase order line, at its cost, and moves no stock of ours. Finance is told of the credit at
approval or at shipment (`credit_in_advance_of_vendor_return`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow
from app.models.item import _in
from app.models.kinds import (
    DocumentKind,
    Link,
    register_kind,
    register_moments,
    register_reasons,
    register_source_kinds,
)
from app.models.lifecycle import Lifecycle, StatusRules
from app.models.purchasing import Receipt, ReceiptLine
from app.models.quantity import ZERO, Fixed


class VRAStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    PENDING_RETURN = "pending_return"  # approved: the goods wait to be shipped back
    PARTIALLY_RETURNED = "partially_returned"
    RETURNED = "returned"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()


VRA_STATUSES = tuple(s.value for s in VRAStatus)
# Still holding on to what it authorizes: its lines' quantities count against the receipts.
VRA_OPEN = frozenset(
    {VRAStatus.PENDING_APPROVAL, VRAStatus.PENDING_RETURN, VRAStatus.PARTIALLY_RETURNED}
)
VRA_INITIAL = frozenset({VRAStatus.PENDING_APPROVAL, VRAStatus.PENDING_RETURN})


class VRAAction(StrEnum):
    APPROVE = "approve"
    SHIP = "ship"
    CLOSE = "close"
    CANCEL = "cancel"


_V = VRAStatus
VRA_ACTION_FROM: dict[VRAAction, frozenset[VRAStatus]] = {
    VRAAction.APPROVE: frozenset({_V.PENDING_APPROVAL}),
    VRAAction.SHIP: frozenset({_V.PENDING_RETURN, _V.PARTIALLY_RETURNED}),
    VRAAction.CLOSE: frozenset({_V.PARTIALLY_RETURNED}),
    VRAAction.CANCEL: frozenset({_V.PENDING_APPROVAL, _V.PENDING_RETURN}),
}
VRA_EDGES: frozenset[tuple[VRAStatus, VRAStatus]] = frozenset(
    {
        (_V.PENDING_APPROVAL, _V.PENDING_RETURN),
        (_V.PENDING_APPROVAL, _V.CANCELLED),
        (_V.PENDING_RETURN, _V.CANCELLED),
        (_V.PENDING_RETURN, _V.PARTIALLY_RETURNED),
        (_V.PENDING_RETURN, _V.RETURNED),
        (_V.PARTIALLY_RETURNED, _V.RETURNED),
        (_V.PARTIALLY_RETURNED, _V.CLOSED),
    }
)
_VRA_HINTS: dict[tuple[VRAAction, VRAStatus], str] = {
    (VRAAction.SHIP, _V.PENDING_APPROVAL): "approve it first",
    (VRAAction.CANCEL, _V.PARTIALLY_RETURNED): "part of it has gone back; close it instead",
    (VRAAction.CLOSE, _V.PENDING_APPROVAL): "nothing has gone back; cancel it instead",
    (VRAAction.CLOSE, _V.PENDING_RETURN): "nothing has gone back; cancel it instead",
}


class VendorReturnRules(StatusRules):
    """The rules of one vendor return's status, shared by the mapped row and the posting's
    record. Needs `number` and `status`."""

    lifecycle = Lifecycle(VRAStatus, VRA_ACTION_FROM, VRA_EDGES, _VRA_HINTS)
    number: str
    status: str

    @property
    def state(self) -> VRAStatus:
        return VRAStatus(self.status)


class VendorReturnReason(StrEnum):
    """The ledger reason of the goods leaving for the vendor."""

    VENDOR_RETURN = "vendor_return"


class VendorReturnSource(StrEnum):
    VENDOR_RETURN = "vendor_return"


class VendorCredit(StrEnum):
    """The moment finance hears that a vendor owes a credit for goods sent back."""

    VENDOR_CREDIT = "vendor_credit"


register_reasons(VendorReturnReason)
register_source_kinds(VendorReturnSource)
register_moments(VendorCredit, {VendorCredit.VENDOR_CREDIT: "Vendor credit"})


class VendorReturn(VendorReturnRules, Base):
    """A vendor return authorization: what goes back on one purchase order, to its vendor,
    from its location."""

    __tablename__ = "vendor_return"
    __table_args__ = (
        CheckConstraint(_in("status", VRA_STATUSES), name="status"),
        Index("ix_vendor_return_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    # The customer return it was made from (goods a customer sends straight to the vendor).
    return_authorization_id: Mapped[int | None] = mapped_column(
        ForeignKey("return_authorization.id"), index=True
    )
    status: Mapped[str] = mapped_column(String(24))
    reason_code: Mapped[str | None] = mapped_column(String(32))  # a `return` reason code
    memo: Mapped[str | None] = mapped_column(String(200))
    # Whether finance was told of the whole credit when it was approved (else: as it ships).
    credit_in_advance: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class VendorReturnLine(Base):
    """What goes back of one receipt line, or of one customer return line the customer sends
    straight to the vendor: `shipped` is what has gone back."""

    __tablename__ = "vendor_return_line"
    __table_args__ = (
        UniqueConstraint("vendor_return_id", "line_no", name="uq_vendor_return_line_number"),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("shipped >= 0", name="shipped"),
        CheckConstraint("shipped <= quantity", name="shipped_le_quantity"),
        CheckConstraint("unit_cost >= 0", name="unit_cost"),
        CheckConstraint(
            "(receipt_line_id IS NULL) <> (return_line_id IS NULL)", name="receipt_or_return"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_return_id: Mapped[int] = mapped_column(ForeignKey("vendor_return.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    purchase_order_line_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_order_line.id"), index=True
    )
    receipt_line_id: Mapped[int | None] = mapped_column(ForeignKey("receipt_line.id"), index=True)
    return_line_id: Mapped[int | None] = mapped_column(ForeignKey("return_line.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    quantity: Mapped[Decimal] = mapped_column(Fixed)
    shipped: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    unit_cost: Mapped[Decimal] = mapped_column(Fixed)  # the receipt line's (or PO line's)


def _returns_receipts() -> Select[Any, Any]:
    """A vendor return names the receipts whose goods it sends back."""
    return (
        select(VendorReturnLine.vendor_return_id, Receipt.id)
        .join(ReceiptLine, ReceiptLine.id == VendorReturnLine.receipt_line_id)
        .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
        .distinct()
    )


VENDOR_RETURN = register_kind(
    DocumentKind(
        key="vendor_return",
        prefix="VRA-",
        noun="vendor return",
        model=VendorReturn,
        lifecycle=VendorReturnRules.lifecycle,
        page="vendor_return",
        actions="vra",
        source_kind=VendorReturnSource.VENDOR_RETURN.value,
        links=(
            Link(
                "returns to the vendor of",
                "purchase_order",
                lambda: select(VendorReturn.id, VendorReturn.purchase_order_id),
                origin=True,
            ),
            Link("returns what came in on", "receipt", _returns_receipts),
            Link(
                "sends to the vendor what a customer returns on",
                "return_authorization",
                lambda: select(VendorReturn.id, VendorReturn.return_authorization_id).where(
                    VendorReturn.return_authorization_id.is_not(None)
                ),
            ),
        ),
    )
)
