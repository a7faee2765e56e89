"""Items and locations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow
from app.models.lots import GTIN_LENGTH, TRACKINGS, Tracking
from app.models.quantity import ZERO, Fixed


class ItemType(StrEnum):
    INVENTORY = "inventory"
    ASSEMBLY = "assembly"
    KIT = "kit"
    NON_INVENTORY = "non_inventory"
    SERVICE = "service"

    @property
    def stocked(self) -> bool:
        """Only inventory and assembly items have stock, a ledger and commitments."""
        return self in (ItemType.INVENTORY, ItemType.ASSEMBLY)

    @property
    def has_bom(self) -> bool:
        """Assemblies have a bill of materials; kits list their member items the same way."""
        return self in (ItemType.ASSEMBLY, ItemType.KIT)


ITEM_TYPES = tuple(t.value for t in ItemType)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Location(Base):
    __tablename__ = "location"
    __table_args__ = (
        # At most one default location; the first migration creates it.
        Index(
            "uq_location_default",
            "is_default",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
        # At most one in-transit location; it is made by the first transfer shipment.
        Index(
            "uq_location_transit",
            "transit",
            unique=True,
            sqlite_where=text("transit"),
            postgresql_where=text("transit"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where shipped transfers wait to be received; never an ordinary location (nothing is
    # made, sold, bought, counted or committed there).
    transit: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Item(Base):
    __tablename__ = "item"
    __table_args__ = (
        CheckConstraint(_in("item_type", ITEM_TYPES), name="item_type"),
        CheckConstraint("standard_cost >= 0", name="standard_cost"),
        CheckConstraint("build_point IS NULL OR build_point >= 0", name="build_point"),
        CheckConstraint("preferred_stock IS NULL OR preferred_stock >= 0", name="preferred_stock"),
        CheckConstraint("purchase_price IS NULL OR purchase_price >= 0", name="purchase_price"),
        CheckConstraint(_in("tracking", TRACKINGS), name="tracking"),
        CheckConstraint("shelf_life_days IS NULL OR shelf_life_days > 0", name="shelf_life_days"),
        Index("uq_item_gtin", "gtin", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Case-preserving and matched exactly (binary collation on both databases).
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    item_type: Mapped[str] = mapped_column(String(16))
    uom: Mapped[str] = mapped_column(String(16), default="ea")
    standard_cost: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    build_point: Mapped[Decimal | None] = mapped_column(Fixed)
    preferred_stock: Mapped[Decimal | None] = mapped_column(Fixed)
    drop_ship: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Buying it: from whom by default and at what price (drop ship and replenishment).
    preferred_vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendor.id"))
    purchase_price: Mapped[Decimal | None] = mapped_column(Fixed)
    # Lots and serials (app/models/lots.py): how its stock is told apart, how many days a
    # new lot keeps, and its GS1 trade item number (as GTIN-14).
    tracking: Mapped[str] = mapped_column(String(8), default=Tracking.NONE.value)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    gtin: Mapped[str | None] = mapped_column(String(GTIN_LENGTH))

    @property
    def type(self) -> ItemType:
        return ItemType(self.item_type)


class ItemBin(Base):
    """The shelf a picker walks to for an item at a location; pick lists sort by it."""

    __tablename__ = "item_bin"

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    bin: Mapped[str] = mapped_column(String(32))
