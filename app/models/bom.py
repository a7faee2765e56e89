"""Bills of materials: revisions per assembly (exactly one active) and their lines."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow
from app.models.item import Item
from app.models.quantity import Fixed


class BomRevision(Base):
    """One version of an assembly's BOM. Lines never change once saved; a change is a new
    revision. Work orders copy the lines at creation, so activating another revision
    never touches existing work orders."""

    __tablename__ = "bom_revision"
    __table_args__ = (
        UniqueConstraint("assembly_id", "revision", name="assembly_revision"),
        Index(
            "uq_bom_revision_one_active",
            "assembly_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    revision: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    memo: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))

    assembly: Mapped[Item] = relationship(lazy="joined")
    lines: Mapped[list[BomLine]] = relationship(
        back_populates="revision_row", order_by="BomLine.line_no", cascade="all"
    )


class BomLine(Base):
    __tablename__ = "bom_line"
    __table_args__ = (
        UniqueConstraint("revision_id", "component_id", name="revision_component"),
        CheckConstraint("quantity_per > 0", name="quantity_per"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("bom_revision.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    component_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    quantity_per: Mapped[Decimal] = mapped_column(Fixed)
    backflush: Mapped[bool] = mapped_column(Boolean, default=True)

    revision_row: Mapped[BomRevision] = relationship(back_populates="lines")
    component: Mapped[Item] = relationship(lazy="joined")
