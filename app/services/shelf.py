"""Where items sit on the shelves, and the way a picker walks them: the one read of the bins of
some items at a location, and the one walk order (by bin, A-2 before A-10; lines without a bin
last; then by line number) for every screen and document that lists lines by bin: the scan
station, the pick and receiving screens, the traveler, the picking ticket and the count sheet.

    bins(uow, ["RIM-700C", "HUB-F"], "MAIN") -> {"RIM-700C": "A-2"}
    sorted(lines, key=lambda ln: walk_order(ln.bin, ln.line))
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select

from app.errors import NotFound
from app.models import Item, ItemBin, Location
from app.services.engine.uow import Transaction, query

_ITEM = cast(Table, Item.__table__)
_BIN = cast(Table, ItemBin.__table__)
_LOCATION = cast(Table, Location.__table__)
_LOCATION_BY_CODE = select(_LOCATION.c.id, _LOCATION.c.code, _LOCATION.c.name).where(
    _LOCATION.c.code == bindparam("code")
)
_DIGITS = re.compile(r"(\d+)")
BIN_LENGTH = cast(Any, _BIN.c.bin.type).length
_CHUNK = 500  # skus in one query

BinKey = tuple[int, tuple[tuple[int, int | str], ...]]
WalkKey = tuple[BinKey, tuple[int, ...]]


# --- the walk order -------------------------------------------------------------------------


def bin_order(bin_: str | None) -> BinKey:
    """Sort key of a bin as a picker walks: its numbers by value (A-2 before A-10), its
    letters without case; no bin last."""
    if not bin_:
        return (1, ())
    parts = (p for p in _DIGITS.split(bin_.upper()) if p)
    return (0, tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts))


def line_order(line: str | int) -> tuple[int, ...]:
    """Sort key of a line number: 3 before 3.1 before 10."""
    return tuple(int(p) for p in str(line).split(".") if p.isdigit())


def walk_order(bin_: str | None, line: str | int) -> WalkKey:
    """Sort key of a line as a picker walks: by its bin (lines without a bin last), then by
    its line number."""
    return (bin_order(bin_), line_order(line))


# --- where items are ------------------------------------------------------------------------


@dataclass(frozen=True)
class Shelf:
    """An item at a location: its type and its bin there (None where it has none)."""

    item_type: str
    bin: str | None


@dataclass(frozen=True)
class Place:
    id: int
    code: str
    name: str


class Shelves:
    """Item types and bins at locations, read once per transaction (a batch of documents
    asks for the same items over and over)."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self._places: dict[str, Place] = {}
        self._known: dict[tuple[int, str], Shelf] = {}

    @classmethod
    def of(cls, tx: Transaction) -> Shelves:
        return tx.book(cls)

    def write(self, event_id: int) -> None:
        """Nothing to write: this book only reads."""

    def place(self, code: str) -> Place:
        found = self._places.get(code)
        if found is None:
            row = self.tx.session.execute(_LOCATION_BY_CODE, {"code": code}).first()
            if row is None:
                raise NotFound(f"unknown location {code!r}")
            found = self._places[code] = Place(row.id, row.code, row.name)
        return found

    def shelves(self, location: str, skus: Iterable[str]) -> dict[str, Shelf]:
        """Each known sku's item type and its bin at `location`."""
        place = self.place(location)
        wanted = list(dict.fromkeys(s for s in skus if s))
        missing = [s for s in wanted if (place.id, s) not in self._known]
        for start in range(0, len(missing), _CHUNK):
            rows = self.tx.session.execute(
                select(_ITEM.c.sku, _ITEM.c.item_type, _BIN.c.bin)
                .select_from(
                    _ITEM.outerjoin(
                        _BIN, (_BIN.c.item_id == _ITEM.c.id) & (_BIN.c.location_id == place.id)
                    )
                )
                .where(_ITEM.c.sku.in_(missing[start : start + _CHUNK]))
            )
            for r in rows:
                self._known[(place.id, r.sku)] = Shelf(r.item_type, r.bin)
        return {s: self._known[(place.id, s)] for s in wanted if (place.id, s) in self._known}

    def binned(self, location: str, prefix: str) -> dict[str, str]:
        """Every item with a bin at `location` starting with `prefix` (in any case), as sku
        -> bin: the shelves a count of "bins A-02" walks."""
        place = self.place(location)
        rows = self.tx.session.execute(
            select(_ITEM.c.sku, _ITEM.c.item_type, _BIN.c.bin)
            .join(_BIN, _BIN.c.item_id == _ITEM.c.id)
            .where(
                _BIN.c.location_id == place.id,
                func.lower(_BIN.c.bin).startswith(prefix.strip().lower(), autoescape=True),
            )
        )
        found = {}
        for r in rows:
            self._known[(place.id, r.sku)] = Shelf(r.item_type, r.bin)
            found[r.sku] = r.bin
        return found

    def bins(self, location: str, skus: Iterable[str]) -> dict[str, str]:
        """The bin of each of these items at `location` (items without one are left out)."""
        return {
            sku: shelf.bin
            for sku, shelf in self.shelves(location, skus).items()
            if shelf.bin is not None
        }


def known_bin(tx: Transaction, text: str) -> str | None:
    """The bin called `text` (in any case) as it is kept, if any item sits in it anywhere:
    a scanned bin label."""
    found: str | None = tx.session.scalar(
        select(_BIN.c.bin).where(func.upper(_BIN.c.bin) == text.strip().upper()).limit(1)
    )
    return found


@query()
def bins(tx: Transaction, skus: Iterable[str], location: str) -> dict[str, str]:
    """The bin of each of these items at a location (items without one are left out)."""
    return Shelves.of(tx).bins(location, skus)
