"""Cycle counts: what is counted on the shelves of one location, line by line, and the status
machine of a count; its postings are adjustments with the reason `count`.

A line records what was counted and the on hand of its item at its location at the moment it
was counted (`on_hand_at_count`): posting adjusts by the difference between the two, so
whatever moved between counting and posting is neither lost nor counted twice.

An item tracked by lot or serial is counted lot by lot: one line per lot (`lot_id`), and its
on hand is that lot's at the location. A lot found on the shelf that the ledger does not know
there becomes a line of its own when it is entered; a lot number new to the item is created
then (its origin the count), so every lot line names a lot in `lot` from the moment it is
counted. A tracked item with no lot on hand when the count starts has one line without a lot:
it counts an empty shelf (0), and takes the first lot found of the item.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, UTCDateTime, utcnow
from app.models.item import _in
from app.models.kinds import DocumentKind, register_kind, register_reasons, register_source_kinds
from app.models.lifecycle import Lifecycle, StatusRules
from app.models.quantity import Fixed


class CountStatus(StrEnum):
    OPEN = "open"  # being counted
    APPROVED = "approved"  # a supervisor has seen its differences: it may post
    POSTED = "posted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.title()


COUNT_STATUSES = tuple(s.value for s in CountStatus)
# Not posted or cancelled yet: its items are being counted at its location.
COUNT_OPEN = frozenset({CountStatus.OPEN, CountStatus.APPROVED})


class CountAction(StrEnum):
    ENTER = "enter"
    APPROVE = "approve"
    POST = "post"
    CANCEL = "cancel"


_C = CountStatus
COUNT_ACTION_FROM: dict[CountAction, frozenset[CountStatus]] = {
    CountAction.ENTER: COUNT_OPEN,
    CountAction.APPROVE: frozenset({_C.OPEN}),
    CountAction.POST: COUNT_OPEN,
    CountAction.CANCEL: COUNT_OPEN,
}
COUNT_EDGES: frozenset[tuple[CountStatus, CountStatus]] = frozenset(
    {
        (_C.OPEN, _C.APPROVED),
        (_C.APPROVED, _C.OPEN),  # counted again after approval: the approval lapses
        (_C.OPEN, _C.POSTED),
        (_C.APPROVED, _C.POSTED),
        (_C.OPEN, _C.CANCELLED),
        (_C.APPROVED, _C.CANCELLED),
    }
)
_HINTS: dict[tuple[CountAction, CountStatus], str] = {
    (CountAction.ENTER, _C.POSTED): "start a new count",
    (CountAction.ENTER, _C.CANCELLED): "start a new count",
    (CountAction.APPROVE, _C.APPROVED): "it may be posted",
    (CountAction.CANCEL, _C.POSTED): "its adjustments are posted; a new count corrects them",
}


class CycleCountRules(StatusRules):
    """The rules of one count's status, shared by the mapped row and the posting's record.
    Needs `number` and `status`."""

    lifecycle = Lifecycle(CountStatus, COUNT_ACTION_FROM, COUNT_EDGES, _HINTS)
    number: str
    status: str

    @property
    def state(self) -> CountStatus:
        return CountStatus(self.status)


class CycleCount(CycleCountRules, Base):
    __tablename__ = "cycle_count"
    __table_args__ = (
        CheckConstraint(_in("status", COUNT_STATUSES), name="status"),
        Index("ix_cycle_count_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    # What was chosen to count, in words ("bins A-02; not counted for 30 days").
    selection: Mapped[str] = mapped_column(String(200))
    memo: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_by: Mapped[str | None] = mapped_column(String(64))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


NO_LOT = "lot_id IS NULL"


class CycleCountLine(Base):
    """One item (or one lot of a tracked item) to count. Until it is counted `counted` and
    `on_hand_at_count` are empty; counting it again replaces both."""

    __tablename__ = "cycle_count_line"
    __table_args__ = (
        UniqueConstraint("cycle_count_id", "line_no", name="uq_cycle_count_line_number"),
        UniqueConstraint("cycle_count_id", "item_id", "lot_id", name="uq_cycle_count_line_lot"),
        # An item without a lot (untracked, or tracked with none on hand) is one line.
        Index(
            "uq_cycle_count_line_item",
            "cycle_count_id",
            "item_id",
            unique=True,
            sqlite_where=text(NO_LOT),
            postgresql_where=text(NO_LOT),
        ),
        CheckConstraint("counted IS NULL OR counted >= 0", name="counted"),
        CheckConstraint("(counted IS NULL) = (on_hand_at_count IS NULL)", name="on_hand_at_count"),
        CheckConstraint("(counted IS NULL) = (counted_at IS NULL)", name="counted_at"),
        Index("ix_cycle_count_line_item", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_count_id: Mapped[int] = mapped_column(ForeignKey("cycle_count.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    # The lot (or serial) counted on this line: None for an untracked item, and for a
    # tracked item's empty shelf until a lot is found there.
    lot_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("lot.id"))
    counted: Mapped[Decimal | None] = mapped_column(Fixed)
    on_hand_at_count: Mapped[Decimal | None] = mapped_column(Fixed)
    counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counted_by: Mapped[str | None] = mapped_column(String(64))


class CountReason(StrEnum):
    COUNT = "count"  # a cycle count's adjustment: counted - on hand when counted


class CountSource(StrEnum):
    CYCLE_COUNT = "cycle_count"


register_reasons(CountReason)
register_source_kinds(CountSource)

CYCLE_COUNT = register_kind(
    DocumentKind(
        key="cycle_count",
        prefix="CC-",
        noun="cycle count",
        model=CycleCount,
        lifecycle=CycleCountRules.lifecycle,
        page="cycle_count",
        actions="count",
        source_kind=CountSource.CYCLE_COUNT.value,
    )
)
