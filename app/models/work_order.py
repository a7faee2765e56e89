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

from app.errors import IllegalTransition, OnHold
from app.models.base import Base, UTCDateTime, utcnow
from app.models.figures import DemandFigures
from app.models.item import _in
from app.models.kinds import (
    DocumentKind,
    Link,
    register_kind,
    register_moments,
    register_reasons,
)
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
    # The floor's exceptions: changing an order, holding it, taking a release back, and
    # undoing what moved (components back to stock, builds taken apart, scrap).
    EDIT = "edit"
    HOLD = "hold"
    RESUME = "resume"
    UNRELEASE = "unrelease"
    RETURN = "return"
    UNBUILD = "unbuild"
    SCRAP = "scrap"


# Which statuses each action may start from. The resulting status is decided by the posting
# (a completion ends in_process or built); LEGAL_EDGES lists every status change there is.
ACTION_FROM: dict[WOAction, frozenset[WOStatus]] = {
    WOAction.RELEASE: PLANNED,
    WOAction.ISSUE: OPEN_DEMAND,
    WOAction.COMPLETE: OPEN_DEMAND,
    WOAction.BUILD: OPEN_DEMAND,
    WOAction.CLOSE: frozenset({WOStatus.IN_PROCESS, WOStatus.BUILT}),
    WOAction.CANCEL: PLANNED | {WOStatus.RELEASED},
    WOAction.EDIT: ACTIVE,
    WOAction.HOLD: ACTIVE,
    WOAction.RESUME: ACTIVE,
    WOAction.UNRELEASE: frozenset({WOStatus.RELEASED}),
    WOAction.RETURN: frozenset({WOStatus.IN_PROCESS, WOStatus.BUILT}),
    WOAction.UNBUILD: frozenset({WOStatus.IN_PROCESS, WOStatus.BUILT}),
    WOAction.SCRAP: OPEN_DEMAND,
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
        (S.RELEASED, S.FIRM_PLANNED),  # unreleased while nothing has moved
        (S.BUILT, S.IN_PROCESS),  # an unbuild, or more to build after a change of quantity
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
    (WOAction.SCRAP, S.FIRM_PLANNED): "release it first",
    (WOAction.SCRAP, S.OPEN_PLANNED): "release it first",
    (WOAction.RETURN, S.RELEASED): "nothing has been issued to it",
    (WOAction.RETURN, S.FIRM_PLANNED): "nothing has been issued to it",
    (WOAction.RETURN, S.OPEN_PLANNED): "nothing has been issued to it",
    (WOAction.UNBUILD, S.RELEASED): "nothing has been built on it",
    (WOAction.UNBUILD, S.FIRM_PLANNED): "nothing has been built on it",
    (WOAction.UNBUILD, S.OPEN_PLANNED): "nothing has been built on it",
    (WOAction.UNRELEASE, S.IN_PROCESS): "stock has already moved",
    (WOAction.UNRELEASE, S.BUILT): "stock has already moved",
    (WOAction.UNRELEASE, S.FIRM_PLANNED): "it is not released",
    (WOAction.UNRELEASE, S.OPEN_PLANNED): "it is not released",
}


class WorkOrderRules(StatusRules):
    """The rules of one work order's status, shared by the mapped row and the in-memory
    record the postings work on. Needs `number`, `status`, `quantity`, `built` and the
    hold (`held_at`, `held_by`, `hold_reason`)."""

    lifecycle = Lifecycle(WOStatus, ACTION_FROM, LEGAL_EDGES, _HINTS)
    number: str
    status: str
    quantity: Decimal
    built: Decimal
    held_at: datetime | None
    held_by: str | None
    hold_reason: str | None

    @property
    def state(self) -> WOStatus:
        return WOStatus(self.status)

    # --- the hold: not a status; a held work order keeps its status and allows only resume

    @property
    def held(self) -> bool:
        return self.held_at is not None

    def can(self, action: Any) -> bool:
        if self.held != (action == WOAction.RESUME):
            return False
        return super().can(action)

    def require(self, action: Any, label: str | None = None) -> None:
        """Refuse what the status does not allow, and every action but resume while held."""
        if self.held and action != WOAction.RESUME:
            self.refuse_held()
        if action == WOAction.RESUME and not self.held:
            raise IllegalTransition(f"cannot resume {self.number}: it is not on hold")
        super().require(action, label)

    def refuse_held(self) -> None:
        raise OnHold(
            f"{self.number} is on hold: {self.hold_reason} (held by {self.held_by}); "
            "resume it first"
        )

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
        CheckConstraint("unbuilt >= 0", name="unbuilt"),
        CheckConstraint("scrapped >= 0", name="scrapped"),
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
    # --- exceptions (schema 0012) ---
    # What unbuilds took apart and what finished goods were scrapped (built counts net of
    # unbuilds; scrapped goods were built, then lost).
    unbuilt: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    scrapped: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    # On hold: who held it, when and why; `hold_released` when the hold gave its
    # commitments back (`release_commitment_on_hold`): its lines are then no demand until
    # it resumes.
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_by: Mapped[str | None] = mapped_column(String(64))
    hold_reason: Mapped[str | None] = mapped_column(String(200))
    hold_released: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last change of its quantity, dates, priority, memo, location or BOM revision.
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changed_by: Mapped[str | None] = mapped_column(String(64))


class WorkOrderLine(DemandFigures, Base):
    """A component line copied from the BOM revision at creation: the work order's demand.

    `issued` is everything consumed for the line, by hand or by backflush (its `consumed`),
    net of what went back to stock (returned, or given back by an unbuild); `committed` is
    on-hand stock reserved for the line and not yet consumed; `returned` is what returns
    took back from it and `scrapped` what was scrapped on it (from stock, beside what it
    consumes).
    """

    __tablename__ = "work_order_line"
    __table_args__ = (
        UniqueConstraint("work_order_id", "component_id", name="work_order_component"),
        CheckConstraint("required > 0", name="required"),
        CheckConstraint("quantity_per > 0", name="quantity_per"),
        CheckConstraint("committed >= 0", name="committed"),
        CheckConstraint("issued >= 0", name="issued"),
        CheckConstraint("returned >= 0", name="returned"),
        CheckConstraint("scrapped >= 0", name="scrapped"),
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
    returned: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    scrapped: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)

    consumed = synonym("issued")


class WorkOrderVariance(Base):
    """Per-component variance frozen at close: actual consumed (scrap included) vs expected
    for the built quantity, in quantity and at the standard cost of the day; `scrapped` is
    the part of it that was scrapped, told apart from the rest (a row for the finished good
    holds the finished goods scrapped)."""

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
    scrapped: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)


def _made_for_sales_order() -> Any:
    """A work order made from a sales order names it (a special order, and a production
    order created from one)."""
    from app.models.sales import SalesOrder

    return select(WorkOrder.id, SalesOrder.id).join(
        SalesOrder, SalesOrder.number == WorkOrder.created_from
    )


class WorkOrderReason(StrEnum):
    """The ledger reasons of the postings that undo or write off what moved on a work
    order."""

    COMPONENT_RETURN = "component_return"  # components back to stock (an issue undone)
    UNBUILD = "unbuild"  # finished goods out, the components their build consumed back in
    SCRAP = "scrap"  # components or finished goods lost, with a reason code


register_reasons(WorkOrderReason)


class WorkOrderMoment(StrEnum):
    """Finance hears of every scrap when it is posted (the close tells the rest)."""

    SCRAPPED = "scrapped"


register_moments(WorkOrderMoment, {WorkOrderMoment.SCRAPPED: "Scrapped"})


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
