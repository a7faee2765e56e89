"""The finance handoff: an event at each moment finance is told about (a fulfillment shipped,
a receipt posted, a work order closed with its variance, and those other kinds of posting
register), with its lines in quantity and amount. Events are written once; finance marks
them reviewed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, UTCDateTime, utcnow
from app.models.kinds import FINANCE_MOMENTS, register_moments
from app.models.quantity import Fixed


class Moment(StrEnum):
    """The moments of the planned path; other kinds of posting register theirs
    (`register_moments`: a scrap, a customer's credit, a vendor's credit ...)."""

    SHIPPED = "shipped"  # a fulfillment shipped: bill what was shipped, at the order's rate
    RECEIVED = "received"  # a receipt posted (or a drop-ship order marked shipped): at PO cost
    CLOSED = "closed"  # a work order closed: its variance at standard cost


register_moments(
    Moment,
    {Moment.SHIPPED: "Shipped", Moment.RECEIVED: "Received", Moment.CLOSED: "Work order closed"},
)


def moment_label(moment: str) -> str:
    """A moment in words, as its kind of posting registered it."""
    return FINANCE_MOMENTS.words.get(moment, moment.replace("_", " ").capitalize())


MOMENT_LENGTH = 32


class FinanceEvent(Base):
    __tablename__ = "finance_event"
    __table_args__ = (Index("ix_finance_event_reviewed", "reviewed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # A registered moment (app/models/kinds.py): data, not a schema constraint.
    moment: Mapped[str] = mapped_column(String(MOMENT_LENGTH))
    # The document that told finance (a fulfillment, a receipt, a purchase order, a work order)
    document_kind: Mapped[str] = mapped_column(String(24))
    document: Mapped[str] = mapped_column(String(32), index=True)
    # The order it came from (a sales order or purchase order number) and the customer's PO
    created_from: Mapped[str | None] = mapped_column(String(32))
    customer_po: Mapped[str | None] = mapped_column(String(64), index=True)
    party: Mapped[str | None] = mapped_column(String(120))  # customer or vendor
    amount: Mapped[Decimal] = mapped_column(Fixed)
    # The day the event counts on in the books (a shipment: its fulfillment's transaction
    # date); the day it was posted unless its posting says otherwise.
    transaction_date: Mapped[date] = mapped_column(Date)
    # The reason code the posting named (a scrap's), if any.
    reason: Mapped[str | None] = mapped_column(String(32))
    audit_event_id: Mapped[int] = mapped_column(ForeignKey("audit_event.id"))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))


class FinanceLine(Base):
    __tablename__ = "finance_line"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    finance_event_id: Mapped[int] = mapped_column(ForeignKey("finance_event.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[Decimal] = mapped_column(Fixed)  # shipped, received, or variance
    unit_amount: Mapped[Decimal] = mapped_column(Fixed)  # order rate, PO cost, standard cost
    amount: Mapped[Decimal] = mapped_column(Fixed)
    drop_ship: Mapped[bool] = mapped_column(Boolean, default=False)
    sales_order_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_order_line.id"), index=True
    )
    purchase_order_line_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order_line.id"))
