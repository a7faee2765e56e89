"""Customer returns: a return authorization (RMA) created from a sales order's shipped lines,
its lines, and the status machine of an RMA; its receipts post the returned goods back into
stock (restocked) or in and straight out again (scrapped), and finance credits the customer.

A line is one sales order line: a stock or built-to-order line returns its units; a kit line
is a heading (its `received` and `credited` counted in whole kits) whose members return as
lines of their own. `credited` is what finance has been told to credit, per line: the
authorized quantity once an RMA refunded in advance is approved, else what was received.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Select,
    String,
    UniqueConstraint,
    case,
    func,
    select,
    type_coerce,
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
from app.models.quantity import ZERO, Fixed, millionths


class RMAStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    PENDING_RECEIPT = "pending_receipt"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()


RMA_STATUSES = tuple(s.value for s in RMAStatus)
# Approved and not finished: the goods may still come back.
RMA_EXPECTING = frozenset({RMAStatus.PENDING_RECEIPT, RMAStatus.PARTIALLY_RECEIVED})
# An RMA refunded in advance keeps the authorized quantities credited in these statuses.
RMA_CREDITED_IN_ADVANCE = RMA_EXPECTING | {RMAStatus.RECEIVED}


class RMAAction(StrEnum):
    APPROVE = "approve"
    RECEIVE = "receive"
    CLOSE = "close"
    CANCEL = "cancel"


_R = RMAStatus
RMA_ACTION_FROM: dict[RMAAction, frozenset[RMAStatus]] = {
    RMAAction.APPROVE: frozenset({_R.PENDING_APPROVAL}),
    RMAAction.RECEIVE: RMA_EXPECTING,
    RMAAction.CLOSE: frozenset({_R.PARTIALLY_RECEIVED, _R.RECEIVED}),
    RMAAction.CANCEL: frozenset({_R.PENDING_APPROVAL, _R.PENDING_RECEIPT}),
}
RMA_EDGES: frozenset[tuple[RMAStatus, RMAStatus]] = frozenset(
    {
        (_R.PENDING_APPROVAL, _R.PENDING_RECEIPT),
        (_R.PENDING_RECEIPT, _R.PARTIALLY_RECEIVED),
        (_R.PENDING_RECEIPT, _R.RECEIVED),
        (_R.PARTIALLY_RECEIVED, _R.RECEIVED),
        # a receipt reversed: the goods are expected again
        (_R.PARTIALLY_RECEIVED, _R.PENDING_RECEIPT),
        (_R.RECEIVED, _R.PARTIALLY_RECEIVED),
        (_R.RECEIVED, _R.PENDING_RECEIPT),
        (_R.PARTIALLY_RECEIVED, _R.CLOSED),
        (_R.RECEIVED, _R.CLOSED),
        (_R.PENDING_APPROVAL, _R.CANCELLED),
        (_R.PENDING_RECEIPT, _R.CANCELLED),
    }
)
_HINTS: dict[tuple[RMAAction, RMAStatus], str] = {
    (RMAAction.RECEIVE, _R.PENDING_APPROVAL): "approve it first",
    (RMAAction.RECEIVE, _R.RECEIVED): "everything authorized has come back",
    (RMAAction.CLOSE, _R.PENDING_APPROVAL): "nothing was received; cancel it instead",
    (RMAAction.CLOSE, _R.PENDING_RECEIPT): "nothing was received; cancel it instead",
    (RMAAction.CANCEL, _R.PARTIALLY_RECEIVED): "part of it came back; close it instead",
    (RMAAction.CANCEL, _R.RECEIVED): "it came back; close it instead",
}


class ReturnRules(StatusRules):
    """The rules of one RMA's status, shared by the mapped row and the posting's record.
    Needs `number` and `status`."""

    lifecycle = Lifecycle(RMAStatus, RMA_ACTION_FROM, RMA_EDGES, _HINTS)
    number: str
    status: str

    @property
    def state(self) -> RMAStatus:
        return RMAStatus(self.status)


class ReturnAuthorization(ReturnRules, Base):
    __tablename__ = "return_authorization"
    __table_args__ = (
        CheckConstraint(_in("status", RMA_STATUSES), name="status"),
        Index("ix_return_authorization_status", "status"),
        Index("ix_return_authorization_customer_po", "customer_po"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    sales_order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    customer_po: Mapped[str | None] = mapped_column(String(64))  # the sales order's, copied
    status: Mapped[str] = mapped_column(String(24))
    # Where the goods are expected back (a receipt may name another location).
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    reason_code: Mapped[str | None] = mapped_column(String(32))  # a `return` reason code
    memo: Mapped[str | None] = mapped_column(String(200))
    # Decided at approval by refund_in_advance_of_return: finance credits the authorized
    # quantities then (true), or what comes back at each receipt (false).
    credit_in_advance: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    credited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # finance first told
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # closed or cancelled
    closed_by: Mapped[str | None] = mapped_column(String(64))


class ReturnLine(Base):
    """One sales order line coming back. `received` = `restocked` + `scrapped` on a line
    that carries stock; a kit's heading counts whole kits received and carries none."""

    __tablename__ = "return_line"
    __table_args__ = (
        UniqueConstraint(
            "return_authorization_id", "sales_order_line_id", name="uq_return_line_order_line"
        ),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("received >= 0", name="received"),
        CheckConstraint("received <= quantity", name="received_le_quantity"),
        CheckConstraint("restocked >= 0", name="restocked"),
        CheckConstraint("scrapped >= 0", name="scrapped"),
        CheckConstraint("credited >= 0", name="credited"),
        CheckConstraint("rate >= 0", name="rate"),
        CheckConstraint("unit_cost >= 0", name="unit_cost"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_authorization_id: Mapped[int] = mapped_column(
        ForeignKey("return_authorization.id"), index=True
    )
    sales_order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_line.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    quantity: Mapped[Decimal] = mapped_column(Fixed)  # authorized
    received: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    restocked: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    scrapped: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    credited: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    rate: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)  # the order line's, per unit
    # What the units shipped at (the shipment rows' unit cost): they come back at it.
    unit_cost: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)


class ReturnReason(StrEnum):
    CUSTOMER_RETURN = "customer_return"  # returned goods in (restocked, or in to be scrapped)
    RETURN_SCRAP = "return_scrap"  # returned goods scrapped on arrival


class ReturnSource(StrEnum):
    RETURN_AUTHORIZATION = "return_authorization"


class ReturnMoment(StrEnum):
    CUSTOMER_CREDIT = "customer_credit"  # credit the customer, at the order's rate


register_reasons(
    ReturnReason,
    {
        ReturnReason.CUSTOMER_RETURN: "customer return",
        ReturnReason.RETURN_SCRAP: "returned goods scrapped",
    },
)
register_source_kinds(ReturnSource)
register_moments(ReturnMoment, {ReturnMoment.CUSTOMER_CREDIT: "Customer credit"})


def returned_by_line() -> Select[int, Decimal]:
    """(sales order line id, returned) for every order line some RMA takes back: what each
    RMA that is not cancelled authorized, or once it is closed what it received (a kit's
    heading in whole kits)."""
    rma, line = ReturnAuthorization, ReturnLine
    taken = case(
        (rma.status == RMAStatus.CLOSED.value, millionths(line.received)),
        else_=millionths(line.quantity),
    )
    return (
        select(
            line.sales_order_line_id.label("line_id"),
            type_coerce(func.sum(taken), Fixed).label("returned"),
        )
        .join(rma, rma.id == line.return_authorization_id)
        .where(rma.status != RMAStatus.CANCELLED.value)
        .group_by(line.sales_order_line_id)
    )


RETURN_AUTHORIZATION = register_kind(
    DocumentKind(
        key="return_authorization",
        prefix="RMA-",
        noun="return authorization",
        model=ReturnAuthorization,
        lifecycle=ReturnRules.lifecycle,
        page="return_authorization",
        actions="rma",
        source_kind=ReturnSource.RETURN_AUTHORIZATION.value,
        customer_po=True,
        links=(
            Link(
                "returns",
                "sales_order",
                lambda: select(ReturnAuthorization.id, ReturnAuthorization.sales_order_id),
                origin=True,
            ),
        ),
    )
)
