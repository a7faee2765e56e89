"""Finding records by the names people use: skus, location codes, work order numbers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import ColumnElement, Label, Table, bindparam, select
from sqlalchemy.orm import Session

from app.errors import NotFound, ValidationError
from app.models import Item, ItemType, Location, Tracking
from app.services.engine.parsing import lookup_key

_ITEM = cast(Table, Item.__table__)
_LOCATION = cast(Table, Location.__table__)
_ITEM_FIELDS = (
    "id",
    "sku",
    "name",
    "uom",
    "item_type",
    "standard_cost",
    "active",
    "drop_ship",
    "tracking",
)
SKU_LENGTH = cast(Any, _ITEM.c.sku.type).length
CODE_LENGTH = cast(Any, _LOCATION.c.code.type).length


def item_columns(prefix: str = "item", table: Any = _ITEM) -> tuple[Label[Any], ...]:
    """The columns of an ItemRef, labelled `<prefix>_<field>` (joins read several items)."""
    return tuple(table.c[name].label(f"{prefix}_{name}") for name in _ITEM_FIELDS)


ITEM_COLUMNS = item_columns()
_ITEM_BY_SKU = select(*ITEM_COLUMNS).where(_ITEM.c.sku == bindparam("sku"))
_LOCATION_BY_CODE = select(_LOCATION.c.id, _LOCATION.c.code, _LOCATION.c.transit).where(
    _LOCATION.c.code == bindparam("code")
)
_DEFAULT_LOCATION = select(_LOCATION.c.id, _LOCATION.c.code, _LOCATION.c.transit).where(
    _LOCATION.c.is_default
)


@dataclass(frozen=True)
class ItemRef:
    """An item as plain data, for postings and read models."""

    id: int
    sku: str
    name: str
    uom: str
    item_type: str
    standard_cost: Decimal
    active: bool
    drop_ship: bool = False
    tracking: str = Tracking.NONE.value  # lot, serial or none (app/models/lots.py)

    @property
    def type(self) -> ItemType:
        return ItemType(self.item_type)


@dataclass(frozen=True)
class LocationRef:
    id: int
    code: str


_ITEM_KEYS: dict[str, tuple[str, ...]] = {}


def item_ref(row: Any, prefix: str = "item") -> ItemRef:
    """An ItemRef from a row holding `item_columns(prefix)`."""
    keys = _ITEM_KEYS.get(prefix)
    if keys is None:
        keys = _ITEM_KEYS[prefix] = tuple(f"{prefix}_{name}" for name in _ITEM_FIELDS)
    m = row._mapping
    return ItemRef(*(m[k] for k in keys))


def item_ref_by_sku(session: Session, sku: str) -> ItemRef:
    """Like item_by_sku, as plain data (one light query)."""
    text = lookup_key(sku, noun="sku", max_length=SKU_LENGTH)
    row = session.execute(_ITEM_BY_SKU, {"sku": text}).first()
    if row is None:
        raise NotFound(f"unknown sku {text!r}")
    return item_ref(row)


_ITEMS_BY_SKU = select(*ITEM_COLUMNS).where(_ITEM.c.sku.in_(bindparam("skus", expanding=True)))


def item_refs_by_sku(session: Session, skus: list[str]) -> dict[str, ItemRef]:
    """Several items at once, by sku (as typed or scanned); an unknown sku is refused."""
    wanted = [lookup_key(s, noun="sku", max_length=SKU_LENGTH) for s in skus]
    found = {
        ref.sku: ref
        for ref in (
            item_ref(r) for r in session.execute(_ITEMS_BY_SKU, {"skus": sorted(set(wanted))})
        )
    }
    for text in wanted:
        if text not in found:
            raise NotFound(f"unknown sku {text!r}")
    return {s: found[t] for s, t in zip(skus, wanted, strict=True)}


def location_ref(
    session: Session, code: str | None = None, *, transit: bool = False
) -> LocationRef:
    """A location by code; no code means the default location. The in-transit location is
    no ordinary location: nothing is made, sold, bought, counted, adjusted or committed
    there, and it is refused unless `transit` (reading its stock) allows it."""
    text = lookup_key(code, noun="location", max_length=CODE_LENGTH)
    if not text:
        row = session.execute(_DEFAULT_LOCATION).first()
        if row is None:
            raise NotFound("no default location is set")
    else:
        row = session.execute(_LOCATION_BY_CODE, {"code": text}).first()
        if row is None:
            raise NotFound(f"unknown location {text!r}")
    if row.transit and not transit:
        raise ValidationError(
            f"{row.code} is the in-transit location: stock there moves only by shipping and "
            "receiving transfer orders"
        )
    return LocationRef(id=row.id, code=row.code)


def at_ordinary_locations(location_id: Any) -> ColumnElement[bool]:
    """Rows (balances, ledger rows) of ordinary locations: what is at the in-transit location
    is on no shelf, and totals over the plant count it once, as on order where it goes."""
    in_transit: ColumnElement[bool] = location_id.not_in(
        select(_LOCATION.c.id).where(_LOCATION.c.transit)
    )
    return in_transit


def item_by_sku(session: Session, sku: str) -> Item:
    """Exact, case-preserving match (surrounding whitespace from a scanner is ignored)."""
    text = lookup_key(sku, noun="sku", max_length=SKU_LENGTH)
    item = session.scalar(select(Item).where(Item.sku == text))
    if item is None:
        raise NotFound(f"unknown sku {text!r}")
    return item
