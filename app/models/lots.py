"""Lots and serial numbers: a batch of one item (or one unit of it) that the ledger follows.

An item is tracked by lot, by serial or not at all (`Item.tracking`). Every ledger row of a
tracked item names its lot (`LedgerEntry.lot_id`); a serial is a lot of a serial-tracked
item whose quantity on hand is 0 or 1 over the whole plant. Beside the item and location
balance, `LotBalance` keeps each lot's on hand per location, moved by the stock book with the
ledger under the same lock, and what of it is reserved: picked for a shipment that has not
left yet (`LotReservation`). `LotLink` says which component lots a made lot was made from, so
that "made from" and "used in" are one indexed query each way.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, UTCDateTime, utcnow
from app.models.gs1 import GTIN_LENGTH as GTIN_LENGTH
from app.models.quantity import ZERO, Fixed

LOT_NUMBER_LENGTH = 64  # like a sku: case-preserving, matched exactly


class Tracking(StrEnum):
    """How an item's stock is told apart in the ledger."""

    NONE = "none"
    LOT = "lot"
    SERIAL = "serial"

    @property
    def tracked(self) -> bool:
        return self is not Tracking.NONE

    @property
    def noun(self) -> str:
        """What one of its lots is called: "lot" or "serial"."""
        return "serial" if self is Tracking.SERIAL else "lot"


TRACKINGS = tuple(t.value for t in Tracking)


class LotConsumptionOrder(StrEnum):
    """Which lots a posting takes when nobody names one (`lot_consumption_order`)."""

    FIRST_EXPIRY_FIRST_OUT = "first_expiry_first_out"
    FIRST_IN_FIRST_OUT = "first_in_first_out"


class Lot(Base):
    """One lot (or serial) of one item: its number, its expiry, the vendor's own number for
    it, and the document it first came in by (a receipt, a work order, an adjustment ...)."""

    __tablename__ = "lot"
    __table_args__ = (
        Index("uq_lot_item_number", "item_id", "number", unique=True),
        Index("ix_lot_number", "number"),
        Index("ix_lot_expires", "expires"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    # Case-preserving and matched exactly, like a sku; unique per item.
    number: Mapped[str] = mapped_column(String(LOT_NUMBER_LENGTH))
    serial: Mapped[bool] = mapped_column(Boolean, default=False)
    expires: Mapped[date | None] = mapped_column(Date)
    made_on: Mapped[date] = mapped_column(Date)  # received or produced: what expiry counts from
    vendor_lot: Mapped[str | None] = mapped_column(String(LOT_NUMBER_LENGTH))
    # Where it came from: a registered ledger source kind, that document's id (none for an
    # adjustment or an import) and the document in words.
    origin_kind: Mapped[str] = mapped_column(String(32))
    origin_id: Mapped[int | None] = mapped_column(BigInteger)
    origin_ref: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


ON_HAND = "on_hand > 0"


class LotBalance(Base):
    """One lot's stock at one location, updated with the ledger in the same transaction and
    under the lock of its item and location's balance; `shopfloor check` proves it.

    on_hand  = the sum of the lot's ledger rows at the location
    reserved = what open shipments have picked of it (their lot reservations)
    expires  = the lot's expiry (it never changes), kept here so that the lots on hand of an
               item are read in the consumption order from an index
    """

    __tablename__ = "lot_balance"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand"),
        CheckConstraint("reserved >= 0", name="reserved"),
        CheckConstraint("reserved <= on_hand", name="reserved_le_on_hand"),
        Index("ix_lot_balance_lot_id", "lot_id"),
        # The lots on hand of an item at a location, first to expire first, or first in.
        Index(
            "ix_lot_balance_first_expiry",
            "item_id",
            "location_id",
            "expires",
            "lot_id",
            sqlite_where=text(ON_HAND),
            postgresql_where=text(ON_HAND),
        ),
        Index(
            "ix_lot_balance_first_in",
            "item_id",
            "location_id",
            "lot_id",
            sqlite_where=text(ON_HAND),
            postgresql_where=text(ON_HAND),
        ),
    )

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), primary_key=True)
    on_hand: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    reserved: Mapped[Decimal] = mapped_column(Fixed, default=ZERO)
    expires: Mapped[date | None] = mapped_column(Date)


class LotReservation(Base):
    """Part of a lot held for one line of a document that has picked it and not moved it yet
    (a fulfillment line between pick and shipment): nothing else takes it."""

    __tablename__ = "lot_reservation"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        Index("ix_lot_reservation_lot_id", "lot_id"),
    )

    # The holder: a registered ledger source kind ("fulfillment") and its line's id.
    holder_kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder_line_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    quantity: Mapped[Decimal] = mapped_column(Fixed)


class LotLink(Base):
    """A made lot and a component lot it was made from: written by the completion or build
    that made it, for every component lot its work order had consumed by then (issued by hand
    or backflushed), with that consumption. Made from and used in are each one indexed query."""

    __tablename__ = "lot_link"
    __table_args__ = (Index("ix_lot_link_used_lot_id", "used_lot_id"),)

    made_lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), primary_key=True)
    used_lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_event.id"), primary_key=True)
    source_kind: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int | None] = mapped_column(BigInteger)
    source_ref: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[Decimal] = mapped_column(Fixed)


# --- numbers made from a pattern ------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([a-z]+)(?::([1-9]))?\}")
_DATE_FIELDS = {
    "yymmdd": "%y%m%d",
    "yyyymmdd": "%Y%m%d",
    "yyyy": "%Y",
    "yy": "%y",
    "mm": "%m",
    "dd": "%d",
}
PATTERN_FIELDS = ("sku", "wo", *_DATE_FIELDS, "seq")


def pattern_fault(pattern: str, *, serial: bool) -> str | None:
    """Why `pattern` cannot make lot (or serial) numbers, or None: its placeholders are
    {sku}, {wo}, {yymmdd}, {yyyymmdd}, {yyyy}, {yy}, {mm}, {dd} and {seq} ({seq:4} pads the
    sequence to 4 digits); a serial pattern needs {seq}, since no two serials are alike;
    the text around them has no spaces and no other braces."""
    fields = [m.group(1) for m in _PLACEHOLDER.finditer(pattern)]
    unknown = [f for f in fields if f not in PATTERN_FIELDS]
    if unknown:
        known = ", ".join("{" + f + "}" for f in PATTERN_FIELDS)
        return f"{{{unknown[0]}}} is not a placeholder; use {known}"
    rest = _PLACEHOLDER.sub("", pattern)
    if "{" in rest or "}" in rest:
        return "a brace that is not part of a placeholder like {sku} or {seq:4}"
    if any(ch.isspace() or not ch.isprintable() for ch in pattern):
        return "spaces or control characters"
    if not fields and not rest:
        return "it is empty"
    if fields.count("seq") > 1:
        return "{seq} more than once"
    if serial and "seq" not in fields:
        return "a serial number pattern needs {seq}: no two serials may be alike"
    return None


def render_pattern(pattern: str, *, sku: str, wo: str, day: date, seq: int | None) -> str:
    """A number made from a pattern (see `pattern_fault`); with `seq` None the sequence stays
    `{seq}`, which names the sequence the rendered text draws from."""

    def value(match: re.Match[str]) -> str:
        field, width = match.group(1), match.group(2)
        if field == "sku":
            return sku
        if field == "wo":
            return wo
        if field == "seq":
            return "{seq}" if seq is None else str(seq).zfill(int(width or 1))
        return day.strftime(_DATE_FIELDS[field])

    return _PLACEHOLDER.sub(value, pattern)
