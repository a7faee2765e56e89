"""The inventory ledger (append-only) and the per item and location balance kept beside it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, UTCDateTime, utcnow
from app.models.figures import StockFigures
from app.models.kinds import register_reasons, register_source_kinds
from app.models.quantity import ZERO, Fixed


class LedgerReason(StrEnum):
    """The reasons of the postings the core makes; a kind of document that posts for other
    reasons registers its own (`register_reasons`)."""

    ADJUSTMENT = "adjustment"
    ISSUE = "issue"
    BACKFLUSH = "backflush"
    COMPLETION = "completion"
    RECEIPT = "receipt"
    SHIPMENT = "shipment"
    REVERSAL = "reversal"


register_reasons(LedgerReason)


class SourceKind(StrEnum):
    """The kind of document a ledger row comes from (`source_id` and `source_line_id` are
    that document's and its line's ids, where it has them); other kinds of document register
    theirs (`register_source_kinds`)."""

    ADJUSTMENT = "adjustment"
    WORK_ORDER = "work_order"
    FULFILLMENT = "fulfillment"
    RECEIPT = "receipt"


register_source_kinds(SourceKind)
REASON_LENGTH = 32  # a ledger reason's or source kind's code


class LedgerEntry(Base):
    """One stock movement. Rows are never updated or deleted (database triggers refuse it);
    a mistake is corrected by a reversing row. On hand is the sum of `quantity`."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="quantity"),
        CheckConstraint("unit_cost >= 0", name="unit_cost"),
        # Covering index: one item's on hand, and the grouped sums of `shopfloor check`.
        Index("ix_ledger_entry_item_location_qty", "item_id", "location_id", "quantity"),
        Index("ix_ledger_entry_source", "source_kind", "source_id"),
        Index("ix_ledger_entry_source_line", "source_kind", "source_line_id"),
        Index("ix_ledger_entry_reason_posted_at", "reason", "posted_at"),
        Index("ix_ledger_entry_lot_id", "lot_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_event.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    quantity: Mapped[Decimal] = mapped_column(Fixed)
    unit_cost: Mapped[Decimal] = mapped_column(Fixed)
    # Registered codes (app/models/kinds.py): data a new kind of posting adds, not a
    # constraint of the schema; `shopfloor check` proves every row's.
    reason: Mapped[str] = mapped_column(String(REASON_LENGTH))
    # The source document: its kind, its id and its line's id (none for an adjustment), and
    # the document in words (a work order number, "adjustment", an import file and row).
    source_kind: Mapped[str] = mapped_column(String(REASON_LENGTH))
    source_id: Mapped[int | None] = mapped_column(BigInteger)
    source_line_id: Mapped[int | None] = mapped_column(BigInteger)
    source_ref: Mapped[str] = mapped_column(String(120))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"), index=True)
    memo: Mapped[str | None] = mapped_column(String(200))
    posted_by: Mapped[str] = mapped_column(String(64))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The lot or serial moved, for an item tracked by lot or serial (app/models/lots.py).
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lot.id"))


class StockBalance(StockFigures, Base):
    """Running totals per item and location, updated in the same transaction as the ledger
    and the commitments; `shopfloor check` proves them against their sources.

    on_hand   = sum of the ledger
    committed = sum of the open demand lines' commitments (every kind of demand)
    demand    = sum of the open demand lines' remaining need
    on_order  = sum of the open supply's remaining quantity (work orders to build, ...)
    Available and backordered follow from these (app/models/figures.py).
    """

    __tablename__ = "stock_balance"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand"),
        CheckConstraint("committed >= 0", name="committed"),
        CheckConstraint("committed <= on_hand", name="committed_le_on_hand"),
        CheckConstraint("committed <= demand", name="committed_le_demand"),
        CheckConstraint("demand >= 0", name="demand"),
        CheckConstraint("on_order >= 0", name="on_order"),
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    on_hand: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    committed: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    demand: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    on_order: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
