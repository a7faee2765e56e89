"""Work orders, their component lines, the close variance and the status state machine."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

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
from app.models.kinds import DocumentKind, Link, register_kind
from app.models.lifecycle import Lifecycle, StatusRules
from app.models.quantity import ZERO, Fixed, fmt


class WOStatus(StrEnum):
    FIRM_PLANNED = "firm_planned"
    OPEN_PLANNED = "open_planned"
    RELEASED = "released"
    IN_PROCESS = "in_process"
    BUILT = "built"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    WOStatus.FIRM_PLANNED: "Planned (Firm)",
    WOStatus.OPEN_PLANNED: "Planned (Open)",
    WOStatus.RELEASED: "Released",
    WOStatus.IN_PROCESS: "In Process",
    WOStatus.BUILT: "Built",
    WOStatus.CLOSED: "Closed",
    WOStatus.CANCELLED: "Cancelled",
}

WO_STATUSES = tuple(s.value for s in WOStatus)
PLANNED = frozenset({WOStatus.FIRM_PLANNED, WOStatus.OPEN_PLANNED})
# Released work orders and later, until closed: they demand components and hold commitments.
OPEN_DEMAND = frozenset({WOStatus.RELEASED, WOStatus.IN_PROCESS, WOStatus.BUILT})
# Everything not closed or cancelled: supply on order, and work for the shortage report.
ACTIVE = PLANNED | OPEN_DEMAND
# Not built yet: a work order in one of these past its due date is late.
NOT_BUILT = PLANNED | {WOStatus.RELEASED, WOStatus.IN_PROCESS}
INITIAL = PLANNED | {WOStatus.RELEASED}


class WOAction(StrEnum):
    RELEASE = "release"
    ISSUE = "issue"
    COMPLETE = "complete"
    BUILD = "build"
    CLOSE = "close"
    CANCEL = "cancel"


# Which statuses each action may start from. The resulting status is decided by the posting
# (a completion ends in_process or built); LEGAL_EDGES lists every status change there is.
ACTION_FROM: dict[WOAction, frozenset[WOStatus]] = {
    WOAction.RELEASE: PLANNED,
    WOAction.ISSUE: OPEN_DEMAND,
    WOAction.COMPLETE: OPEN_DEMAND,
    WOAction.BUILD: OPEN_DEMAND,
    WOAction.CLOSE: frozenset({WOStatus.IN_PROCESS, WOStatus.BUILT}),
    WOAction.CANCEL: PLANNED | {WOStatus.RELEASED},
}

S = WOStatus
LEGAL_EDGES: frozenset[tuple[WOStatus, WOStatus]] = frozenset(
    {
        (S.FIRM_PLANNED, S.RELEASED),
        (S.OPEN_PLANNED, S.RELEASED),
        (S.FIRM_PLANNED, S.CANCELLED),
        (S.OPEN_PLANNED, S.CANCELLED),
        (S.RELEASED, S.CANCELLED),
        (S.RELEASED, S.IN_PROCESS),
        (S.RELEASED, S.BUILT),
        (S.IN_PROCESS, S.BUILT),
        (S.IN_PROCESS, S.CLOSED),
        (S.BUILT, S.CLOSED),
    }
)

_HINTS: dict[tuple[WOAction, WOStatus], str] = {
    (WOAction.CLOSE, S.RELEASED): "nothing has been issued or built; cancel it instead",
    (WOAction.CLOSE, S.FIRM_PLANNED): "a planned work order is cancelled, not closed",
    (WOAction.CLOSE, S.OPEN_PLANNED): "a planned work order is cancelled, not closed",
    (WOAction.CANCEL, S.IN_PROCESS): "stock has already moved; close it instead",
    (WOAction.CANCEL, S.BUILT): "stock has already moved; close it instead",
    (WOAction.ISSUE, S.FIRM_PLANNED): "release it first",
    (WOAction.ISSUE, S.OPEN_PLANNED): "release it first",
    (WOAction.COMPLETE, S.FIRM_PLANNED): "release it first",
    (WOAction.COMPLETE, S.OPEN_PLANNED): "release it first",
    (WOAction.BUILD, S.FIRM_PLANNED): "release it first",
    (WOAction.BUILD, S.OPEN_PLANNED): "release it first",
}


class WorkOrderRules(StatusRules):
    """The rules of one work order's status, shared by the mapped row and the in-memory
    record the postings work on. Needs `number`, `status`, `quantity` and `built`."""

    lifecycle = Lifecycle(WOStatus, ACTION_FROM, LEGAL_EDGES, _HINTS)
    number: str
    status: str
    quantity: Decimal
    built: Decimal

    @property
    def state(self) -> WOStatus:
        return WOStatus(self.status)

    @property
    def remaining(self) -> Decimal:
        """Quantity still to be built (never negative)."""
        return max(ZERO, self.quantity - self.built)

    def status_after_production(self) -> WOStatus:
        """In process until the built quantity reaches the work order quantity."""
        return WOStatus.BUILT if self.built >= self.quantity else WOStatus.IN_PROCESS

    def describe_progress(self) -> str:
        return f"{fmt(self.built)} of {fmt(self.quantity)} built"


class WorkOrder(WorkOrderRules, Base):
    __tablename__ = "work_order"
    __table_args__ = (
        CheckConstraint(_in("status", WO_STATUSES), name="status"),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("built >= 0", name="built"),
        CheckConstraint("priority >= 1", name="priority"),
        Index("ix_work_order_status_item", "status", "item_id"),
        Index("ix_work_order_due_date", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Fixed)
    built: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    status: Mapped[str] = mapped_column(String(16))
    bom_revision_id: Mapped[int] = mapped_column(ForeignKey("bom_revision.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    due_date: Mapped[date | None] = mapped_column(Date)
    priority: Mapped[int] = mapped_column(Integer, default=5)
    # The sales order it was created from and that order's customer PO number (empty for a
    # production work order the plant made on its own); a special order also points at the
    # line it builds for.
    created_from: Mapped[str | None] = mapped_column(String(64), index=True)
    sales_order_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_order_line.id"), index=True
    )
    customer_po: Mapped[str | None] = mapped_column(String(64), index=True)
    memo: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WorkOrderLine(DemandFigures, Base):
    """A component line copied from the BOM revision at creation: the work order's demand.

    `issued` is everything consumed for the line, by hand or by backflush (its `consumed`);
    `committed` is on-hand stock reserved for the line and not yet consumed.
    """

    __tablename__ = "work_order_line"
    __table_args__ = (
        UniqueConstraint("work_order_id", "component_id", name="work_order_component"),
        CheckConstraint("required > 0", name="required"),
        CheckConstraint("quantity_per > 0", name="quantity_per"),
        CheckConstraint("committed >= 0", name="committed"),
        CheckConstraint("issued >= 0", name="issued"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    component_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    quantity_per: Mapped[Decimal] = mapped_column(Fixed)
    required: Mapped[Decimal] = mapped_column(Fixed)
    committed: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    issued: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    backflush: Mapped[bool] = mapped_column(Boolean, default=True)

    consumed = synonym("issued")


class WorkOrderVariance(Base):
    """Per-component variance frozen at close: actual consumed vs expected for the built
    quantity, in quantity and at the standard cost of the day."""

    __tablename__ = "work_order_variance"
    __table_args__ = (UniqueConstraint("work_order_id", "component_id", name="wo_component"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    expected: Mapped[Decimal] = mapped_column(Fixed)
    actual: Mapped[Decimal] = mapped_column(Fixed)
    variance: Mapped[Decimal] = mapped_column(Fixed)
    unit_cost: Mapped[Decimal] = mapped_column(Fixed)
    cost_variance: Mapped[Decimal] = mapped_column(Fixed)


def _made_for_sales_order() -> Any:
    """A work order made from a sales order names it (a special order, and a production
    order created from one)."""
    from app.models.sales import SalesOrder

    return select(WorkOrder.id, SalesOrder.id).join(
        SalesOrder, SalesOrder.number == WorkOrder.created_from
    )


WORK_ORDER = register_kind(
    DocumentKind(
        key="work_order",
        prefix="WO-",
        noun="work order",
        model=WorkOrder,
        lifecycle=WorkOrderRules.lifecycle,
        page="work_order",
        actions="wo",
        source_kind="work_order",
        customer_po=True,
        links=(Link("created from", "sales_order", _made_for_sales_order, origin=True),),
    )
)
