"""Finding records by the names people use: skus, location codes, work order numbers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.models import Item, Location


def item_by_sku(session: Session, sku: str) -> Item:
    """Exact, case-preserving match (surrounding whitespace from a scanner is ignored)."""
    text = (sku or "").strip()
    item = session.scalar(select(Item).where(Item.sku == text))
    if item is None:
        raise NotFound(f"unknown sku {text!r}")
    return item


def location_by_code(session: Session, code: str | None = None) -> Location:
    """A location by code; no code means the default location."""
    if code is None or not code.strip():
        loc = session.scalar(select(Location).where(Location.is_default.is_(True)))
        if loc is None:
            raise NotFound("no default location is set")
        return loc
    loc = session.scalar(select(Location).where(Location.code == code.strip()))
    if loc is None:
        raise NotFound(f"unknown location {code.strip()!r}")
    return loc


def normalize_wo_number(number: str) -> str:
    return (number or "").strip().upper()
