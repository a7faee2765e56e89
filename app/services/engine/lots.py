"""The lot book of one transaction: lots, each lot's stock per location, what shipments have
picked of it, and the links from made lots to the lots they were made from.

Every ledger row of an item tracked by lot or serial names its lot. `StockBook.post` asks
this book how a quantity splits over lots (`parts`): an inflow goes into the lot it names
(one unit per serial, and a serial only while it is on hand nowhere); an outflow takes the lot
it names, or, when none is named, the lots on hand by `lot_consumption_order`, one ledger row
per lot, never what is reserved for another document and, for a build or a sale, never an
expired lot unless the preference allows it. A refusal names the lot and what is missing.

Locks: a lot's stock at a location is guarded by the lock of its item and location's balance
(`StockBook.lock`), which every posting that moves or reserves it already holds; the book reads
it only under that lock. A serial coming in is also checked at every other location, after its
lot row is locked, so that two postings cannot bring the same serial in at two places.
A posting reads each item's first lots in the consumption order (`FIRST_LOTS`), and all of
them only when those do not cover what it takes: a build costs the same whether an item has
two lots on hand or two hundred.

What changed is written when the posting commits: new and changed lot balances in one upsert,
the reservations taken and released, and the links.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.errors import ExpiredLot, InsufficientStock, NotFound, ValidationError
from app.models import Item, Location, Lot, LotBalance, LotLink, LotReservation, Tracking, utcnow
from app.models.lots import ON_HAND, LotConsumptionOrder
from app.models.quantity import ZERO, fmt

if TYPE_CHECKING:
    from app.services.engine.ledger import Pair, Source, StockItem
    from app.services.engine.uow import Transaction

_LOT = cast(Table, Lot.__table__)
_BAL = cast(Table, LotBalance.__table__)
_RES = cast(Table, LotReservation.__table__)
_LINK = cast(Table, LotLink.__table__)
_LOT_COLUMNS = (_LOT.c.id, _LOT.c.item_id, _LOT.c.number, _LOT.c.serial, _LOT.c.expires)
_LOT_BY_ID = select(*_LOT_COLUMNS).where(_LOT.c.id.in_(bindparam("ids", expanding=True)))
_LOT_BY_NUMBER = select(*_LOT_COLUMNS).where(
    _LOT.c.item_id == bindparam("item"), _LOT.c.number == bindparam("number")
)
_OTHER_ITEMS = (
    select(Item.sku)
    .join(Lot, Lot.item_id == Item.id)
    .where(Lot.number == bindparam("number"))
    .order_by(Item.sku)
    .limit(3)
)
# Lots on hand at one location for some items (the balances the posting has locked there).
_ON_HAND_AT = (
    select(*_LOT_COLUMNS, _BAL.c.on_hand, _BAL.c.reserved)
    .join(_LOT, _LOT.c.id == _BAL.c.lot_id)
    .where(
        _BAL.c.location_id == bindparam("location"),
        _BAL.c.item_id.in_(bindparam("items", expanding=True)),
        text(ON_HAND),  # as written, so that the partial indexes serve it
    )
)
_LOT_AT = select(_BAL.c.on_hand, _BAL.c.reserved).where(
    _BAL.c.item_id == bindparam("item"),
    _BAL.c.location_id == bindparam("location"),
    _BAL.c.lot_id == bindparam("lot"),
)
_LOTS_AT = select(_BAL.c.lot_id, _BAL.c.on_hand, _BAL.c.reserved).where(
    _BAL.c.location_id == bindparam("location"),
    _BAL.c.lot_id.in_(bindparam("lots", expanding=True)),
)
# A posting usually takes one lot or two: it reads each item's first lots in the consumption
# order, from an index of the lots on hand; when those do not cover what it takes, the first
# MORE_LOTS, and all of them only when those do not either.
FIRST_LOTS = 2
MORE_LOTS = 8
# The boundary of a balance none of whose lots is known to come first: every lot's key is
# after it, so what takes from the balance reads its lots in order first.
_BEFORE_EVERY_LOT: tuple[Any, ...] = ()
_FEFO = LotConsumptionOrder.FIRST_EXPIRY_FIRST_OUT.value
# The ways of an index a consumption order reads, each its order and condition: first to
# expire first (the lots with an expiry, then those without), or first in.
_WAYS: dict[str, tuple[tuple[str, str], ...]] = {
    _FEFO: (
        ("b.expires, b.lot_id", " AND b.expires IS NOT NULL"),
        ("b.lot_id", " AND b.expires IS NULL"),
    ),
    LotConsumptionOrder.FIRST_IN_FIRST_OUT.value: (("b.lot_id", ""),),
}


_READ_CHUNK = 100  # items read by one statement


def _lot_stock(lot: LotRecord, location_id: int, row: Any | None) -> LotStock:
    """A lot's stock at a location as read (`row`: on hand and reserved; None: no row yet)."""
    if row is None:
        return LotStock(lot, lot.item_id, location_id)
    values = (row.on_hand, row.reserved)
    return LotStock(lot, lot.item_id, location_id, *values, saved=values)


@lru_cache(maxsize=8)
def _first_on_hand(order: str, postgresql: bool) -> Any:
    """The first `limit` lots on hand of each of the items (`items`) at the location, in the
    consumption order, in one statement whatever their number: per item, a subquery per way
    of the order reads `limit` entries of a partial index, however many lots the item has on
    hand. PostgreSQL joins the subqueries laterally to the items (an array); SQLite, which
    has no LATERAL, correlates them by rowid with the items (a JSON list). (A union of a
    subquery per item and way, for 64 items, cost 2.9 ms on PostgreSQL, most of it planning,
    and 1.8 ms on SQLite, which sets up each subquery even when it finds nothing; these take
    0.8 and 0.5 ms.)"""
    item = "w.item" if postgresql else "w.value"

    def way(columns: str, order_by: str, where: str) -> str:
        return (
            f"SELECT {columns} FROM lot_balance AS b WHERE b.item_id = {item}"
            f" AND b.location_id = :location AND b.{ON_HAND}{where}"  # as the indexes say it
            f" ORDER BY {order_by} LIMIT :limit"
        )

    if postgresql:
        ways = " UNION ALL ".join(
            f"({way('b.lot_id, b.on_hand, b.reserved', *w)})" for w in _WAYS[order]
        )
        source = f"unnest(CAST(:items AS BIGINT[])) AS w(item) CROSS JOIN LATERAL ({ways}) AS bal"
    else:
        ways = " UNION ALL ".join(f"SELECT rowid FROM ({way('b.rowid', *w)})" for w in _WAYS[order])
        source = f"json_each(:items) AS w JOIN lot_balance AS bal ON bal.rowid IN ({ways})"
    return text(
        "SELECT lot.id, lot.item_id, lot.number, lot.serial, lot.expires, bal.on_hand,"
        f" bal.reserved FROM {source} JOIN lot ON lot.id = bal.lot_id"
    ).columns(*_LOT_COLUMNS, _BAL.c.on_hand, _BAL.c.reserved)


_WHERE_ON_HAND = select(_BAL.c.location_id, _BAL.c.on_hand).where(
    _BAL.c.lot_id == bindparam("lot"), _BAL.c.on_hand > 0
)
_LOCK_LOT = select(_LOT.c.id).where(_LOT.c.id == bindparam("lot")).with_for_update()
_HELD = select(_RES.c.holder_line_id, _RES.c.lot_id, _RES.c.location_id, _RES.c.quantity).where(
    _RES.c.holder_kind == bindparam("kind"),
    _RES.c.holder_line_id.in_(bindparam("lines", expanding=True)),
)
_UNRESERVE = delete(_RES).where(
    _RES.c.holder_kind == bindparam("b_kind"),
    _RES.c.holder_line_id == bindparam("b_line"),
    _RES.c.lot_id == bindparam("b_lot"),
)
_RESERVE = insert(_RES)


def _upsert(insert: Any) -> Any:
    """A lot's balance written whether or not it has a row yet (its lock is held)."""
    stmt = insert(_BAL)
    return stmt.on_conflict_do_update(
        index_elements=["item_id", "location_id", "lot_id"],
        set_={"on_hand": stmt.excluded.on_hand, "reserved": stmt.excluded.reserved},
    )


_UPSERT = {"sqlite": _upsert(sqlite_insert), "postgresql": _upsert(pg_insert)}
_LINK_INSERT = insert(_LINK)


class LotUse(StrEnum):
    """What an outflow does with the lots it takes, for the expiry rules."""

    BUILD = "build"  # issued or backflushed into a work order: allow_expired_lots_in_builds
    SALE = "sale"  # picked or shipped to a customer: allow_expired_lots_in_sales
    ANY = "any"  # a write-off, a scrap, a return to the vendor, a transfer: any lot may go


@dataclass(eq=False)
class LotRecord:
    """A lot (or serial) as postings see it."""

    id: int
    item_id: int
    number: str
    serial: bool
    expires: date | None

    def expired(self, today: date) -> bool:
        """Past its expiry date (it may be used on the day itself)."""
        return self.expires is not None and self.expires < today

    @property
    def noun(self) -> str:
        return "serial" if self.serial else "lot"


@dataclass(eq=False)
class LotStock:
    """One lot at one location as this transaction sees and changes it."""

    lot: LotRecord
    item_id: int
    location_id: int
    on_hand: Decimal = ZERO
    reserved: Decimal = ZERO
    saved: tuple[Decimal, Decimal] | None = field(default=None, repr=False)  # None: no row

    @property
    def free(self) -> Decimal:
        """What may leave without a reservation: on hand less what is picked."""
        return self.on_hand - self.reserved

    def values(self) -> tuple[Decimal, Decimal]:
        return (self.on_hand, self.reserved)


LotPart = tuple[LotRecord, Decimal]


def tracking_of(item: StockItem) -> Tracking:
    return Tracking(item.tracking)


class LotBook:
    """The lots one transaction has read or made, and what it changed."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self._lots: dict[int, LotRecord] = {}
        self._numbers: dict[tuple[int, str], LotRecord] = {}
        self._stock: dict[Pair, dict[int, LotStock]] = {}
        # Balances of which only the first lots were read: the consumption key of the last
        # lot that is surely in order (lots after it may be missing).
        self._boundary: dict[Pair, tuple[Any, ...]] = {}
        # Balances read by their first lots: how many per way of the index the last read read.
        self._depth: dict[Pair, int] = {}
        self._reserved: dict[tuple[str, int, int], dict[str, Any]] = {}
        self._released: list[dict[str, Any]] = []
        self._given_back: dict[tuple[str, int], list[LotPart]] = {}
        self._links: list[dict[str, Any]] = []
        self._locked: set[int] = set()
        self.today = date.today()

    @classmethod
    def of(cls, tx: Transaction) -> LotBook:
        return tx.book(cls)

    # --- lots ---------------------------------------------------------------------------

    def _record(self, row: Any) -> LotRecord:
        found = self._lots.get(row.id)
        if found is None:
            found = LotRecord(row.id, row.item_id, row.number, bool(row.serial), row.expires)
            self._lots[found.id] = found
            self._numbers[(found.item_id, found.number)] = found
        return found

    def lots(self, ids: Iterable[int]) -> dict[int, LotRecord]:
        """Lots by id (read once per transaction)."""
        wanted = set(ids)
        missing = sorted(wanted - self._lots.keys())
        if missing:
            for row in self.tx.session.execute(_LOT_BY_ID, {"ids": missing}):
                self._record(row)
        return {i: self._lots[i] for i in wanted}

    def lot(self, lot_id: int) -> LotRecord:
        return self.lots([lot_id])[lot_id]

    def existing(self, item: StockItem, number: str) -> LotRecord | None:
        """The item's lot of that number, if it has one."""
        found = self._numbers.get((item.id, number))
        if found is not None:
            return found
        row = self.tx.session.execute(_LOT_BY_NUMBER, {"item": item.id, "number": number}).first()
        return self._record(row) if row is not None else None

    def find(self, item: StockItem, number: str) -> LotRecord:
        """The item's lot of that number, or a refusal that says whose lot it is."""
        found = self.existing(item, number)
        if found is not None:
            return found
        noun = tracking_of(item).noun if tracking_of(item).tracked else "lot"
        others = list(self.tx.session.scalars(_OTHER_ITEMS, {"number": number}))
        if others:
            raise NotFound(f"{noun} {number} is a lot of {', '.join(others)}, not of {item.sku}")
        raise NotFound(f"unknown {noun} {number} of {item.sku}")

    def create(
        self,
        item: StockItem,
        number: str,
        *,
        expires: date | None,
        made_on: date,
        vendor_lot: str | None,
        origin: Source,
    ) -> LotRecord:
        """A new lot of the item (or the one a concurrent posting has just made: the number is
        unique per item)."""
        values = {
            "item_id": item.id,
            "number": number,
            "serial": tracking_of(item) is Tracking.SERIAL,
            "expires": expires,
            "made_on": made_on,
            "vendor_lot": vendor_lot,
            "origin_kind": origin.kind,
            "origin_id": origin.id,
            "origin_ref": origin.ref[:120],
            "created_at": utcnow(),
            "created_by": self.tx.actor.user,
        }
        stmt = (pg_insert if self.tx.is_postgresql else sqlite_insert)(_LOT)
        new_id = self.tx.session.execute(
            stmt.values(values)
            .on_conflict_do_nothing(index_elements=["item_id", "number"])
            .returning(_LOT.c.id)
        ).scalar()
        if new_id is None:
            made = self.existing(item, number)
            assert made is not None
            return made
        record = LotRecord(new_id, item.id, number, bool(values["serial"]), expires)
        self._lots[record.id] = record
        self._numbers[(item.id, number)] = record
        return record

    # --- stock per location --------------------------------------------------------------

    def at(self, item_id: int, location_id: int, *, every: bool = False) -> dict[int, LotStock]:
        """The item's lots on hand at the location (by lot id), read under the lock of its
        balance, which the posting holds already (`StockBook.lock`): its first lots in the
        consumption order (more of them after `deepen`), or with `every` all of them."""
        pair = (item_id, location_id)
        if pair not in self._stock:
            self.prefetch([pair])
        if every and pair in self._boundary:
            self._read([pair], None)
        return self._stock[pair]

    def prefetch(self, pairs: Iterable[Pair]) -> None:
        """Read the first lots of several balances the posting holds, a query per location
        (a posting moving many tracked items reads them at once)."""
        self._read(set(pairs) - self._stock.keys(), FIRST_LOTS)

    def deepen(self, pair: Pair) -> None:
        """Read more of a balance's lots in the consumption order, those read not covering
        what is taken: its first MORE_LOTS, then all of them."""
        self._read([pair], MORE_LOTS if self._depth.get(pair, 0) < MORE_LOTS else None)

    def _read(self, pairs: Iterable[Pair], limit: int | None) -> None:
        """Read balances' lots on hand: the first `limit` of each way of the consumption
        order, or all of them (None)."""
        wanted: dict[int, list[int]] = {}
        for item_id, location_id in sorted(pairs):
            wanted.setdefault(location_id, []).append(item_id)
        order = self.tx.prefs.lot_consumption_order
        for location_id, item_ids in wanted.items():
            for start in range(0, len(item_ids), _READ_CHUNK):
                chunk = item_ids[start : start + _READ_CHUNK]
                stmt, params = self._statement(order, chunk, limit)
                params["location"] = location_id
                read: dict[int, list[LotStock]] = {i: [] for i in chunk}
                for item_id in chunk:
                    pair = (item_id, location_id)
                    self._stock.setdefault(pair, {})
                    self._boundary.pop(pair, None)
                    if limit is None:
                        self._depth.pop(pair, None)
                    else:
                        self._depth[pair] = limit
                for r in self.tx.session.execute(stmt, params):
                    lots = self._stock[(r.item_id, location_id)]
                    found = lots.get(r.id)  # what this posting changed stays as it changed it
                    if found is None:
                        lot = self._record(r)
                        values = (r.on_hand, r.reserved)
                        found = lots[lot.id] = LotStock(
                            lot, r.item_id, location_id, *values, saved=values
                        )
                    read[r.item_id].append(found)
                if limit is not None:
                    for item_id, stocks in read.items():
                        self._bound((item_id, location_id), stocks, limit)

    def _statement(
        self, order: str, items: list[int], limit: int | None
    ) -> tuple[Any, dict[str, Any]]:
        """The statement reading the items' lots on hand at a location, and its parameters."""
        if limit is None:
            return _ON_HAND_AT, {"items": items}
        postgresql = self.tx.is_postgresql
        listed = items if postgresql else json.dumps(items)
        return _first_on_hand(order, postgresql), {"items": listed, "limit": limit}

    def _bound(self, pair: Pair, read: list[LotStock], limit: int) -> None:
        """After reading a balance's first lots: where the lots surely in order end, if some
        may be missing (a way of the index gave all the `limit` lots it was asked for)."""
        ends = []
        for way in self._ways(read):
            if len(way) >= limit:
                ends.append(max(self.key(s.lot) for s in way))
        if ends:
            self._boundary[pair] = min(ends)

    def _ways(self, read: list[LotStock]) -> list[list[LotStock]]:
        if self.tx.prefs.lot_consumption_order == _FEFO:
            return [
                [s for s in read if s.lot.expires is not None],
                [s for s in read if s.lot.expires is None],
            ]
        return [read]

    def key(self, lot: LotRecord) -> tuple[Any, ...]:
        """A lot's place in the order `lot_consumption_order` takes lots."""
        if self.tx.prefs.lot_consumption_order == _FEFO:
            return (lot.expires is None, lot.expires or date.max, lot.id)
        return (lot.id,)

    def stock_of(self, lot: LotRecord, location_id: int) -> LotStock:
        """The lot at a location (a new row at zero where it has none)."""
        pair = (lot.item_id, location_id)
        lots = self.at(*pair)
        found = lots.get(lot.id)
        if found is None:
            row = None
            if pair in self._boundary:  # it may be on hand beyond the first lots read
                row = self.tx.session.execute(
                    _LOT_AT, {"item": lot.item_id, "location": location_id, "lot": lot.id}
                ).first()
            found = lots[lot.id] = _lot_stock(lot, location_id, row)
        return found

    def read_at(self, lots: Iterable[LotRecord], location_id: int) -> None:
        """Read the stock of these lots at a location (their balances' locks held) in one
        statement, so that `stock_of` finds each without a query of its own (a posting that
        puts goods back into the lots they left: an unbuild, a return of components). A
        balance not read before is then known only by these lots: none of them counts as
        first in order, so taking from it reads its lots as usual."""
        wanted = list(lots)
        for pair in {(lot.item_id, location_id) for lot in wanted} - self._stock.keys():
            self._stock[pair] = {}
            self._boundary[pair] = _BEFORE_EVERY_LOT
        beyond = {
            lot.id: lot
            for lot in wanted
            if lot.id not in self._stock[(lot.item_id, location_id)]
            and (lot.item_id, location_id) in self._boundary
        }
        if not beyond:
            return
        rows = {
            r.lot_id: r
            for r in self.tx.session.execute(
                _LOTS_AT, {"location": location_id, "lots": sorted(beyond)}
            )
        }
        for lot in beyond.values():
            pair = (lot.item_id, location_id)
            self._stock[pair][lot.id] = _lot_stock(lot, location_id, rows.get(lot.id))

    def where_on_hand(self, lot: LotRecord) -> list[tuple[str, Decimal]]:
        """(location code, on hand) wherever the lot is on hand, as this posting sees it (its
        own changes included)."""
        on_hand = {
            r.location_id: r.on_hand
            for r in self.tx.session.execute(_WHERE_ON_HAND, {"lot": lot.id})
        }
        for (item_id, location_id), lots in self._stock.items():
            if item_id == lot.item_id:
                mine = lots.get(lot.id)
                if mine is not None:
                    on_hand[location_id] = mine.on_hand
                elif (item_id, location_id) not in self._boundary:
                    on_hand[location_id] = ZERO
        return sorted((self._code(loc), q) for loc, q in on_hand.items() if q > 0)

    # --- how a posting splits over lots -------------------------------------------------

    def parts(
        self,
        item: StockItem,
        location_id: int,
        quantity: Decimal,
        lot: LotRecord | None,
        use: LotUse,
    ) -> list[tuple[LotStock, Decimal]]:
        """How a ledger posting of `quantity` splits over the item's lots at the location (see
        the module's docstring); refuses in words when it cannot."""
        tracking = tracking_of(item)
        if not tracking.tracked:
            raise ValidationError(
                f"{item.sku} is not tracked by lot or serial: its stock names no lot"
            )
        if lot is not None and lot.item_id != item.id:
            raise ValidationError(f"{lot.noun} {lot.number} is not a lot of {item.sku}")
        if tracking is Tracking.SERIAL and quantity != quantity.to_integral_value():
            raise ValidationError(
                f"{item.sku} is tracked by serial: its quantities are whole units, "
                f"not {fmt(abs(quantity))}"
            )
        if quantity > 0:
            if lot is None:
                raise ValidationError(
                    f"{item.sku} is tracked by {tracking.noun}: say which {tracking.noun} comes in"
                )
            if tracking is Tracking.SERIAL:
                self.serial_coming_in(item, lot, quantity)
            return [(self.stock_of(lot, location_id), quantity)]
        if lot is not None:
            self.usable(item, lot, use)
            stock = self.stock_of(lot, location_id)
            if tracking is Tracking.SERIAL and quantity != -1:
                raise ValidationError(
                    f"serial {lot.number} of {item.sku} is one unit, not {fmt(-quantity)}"
                )
            self._require_free(item, stock, -quantity)
            return [(stock, quantity)]
        return [(s, -q) for s, q in self.take(item, location_id, -quantity, use)]

    def usable(self, item: StockItem, lot: LotRecord, use: LotUse) -> None:
        """Refuse an expired lot for a build or a sale unless the preference allows it."""
        if use is LotUse.ANY or not lot.expired(self.today):
            return
        pref = self._expiry_preference(use)
        if pref is not None:
            raise ExpiredLot(
                f"{lot.noun} {lot.number} of {item.sku} expired on {lot.expires}; {pref} is off"
            )

    def _expiry_preference(self, use: LotUse) -> str | None:
        """The preference keeping expired lots out of this use, when it is off (else None)."""
        prefs = self.tx.prefs
        if use is LotUse.BUILD and not prefs.allow_expired_lots_in_builds:
            return "allow_expired_lots_in_builds"
        if use is LotUse.SALE and not prefs.allow_expired_lots_in_sales:
            return "allow_expired_lots_in_sales"
        return None

    def _require_free(self, item: StockItem, stock: LotStock, quantity: Decimal) -> None:
        if quantity <= stock.free:
            return
        lot = stock.lot
        code = self._code(stock.location_id)
        if lot.serial:
            if stock.on_hand <= 0:
                raise InsufficientStock(
                    f"serial {lot.number} of {item.sku} is not on hand at {code}"
                )
            raise InsufficientStock(
                f"serial {lot.number} of {item.sku} is picked for a shipment at {code}"
            )
        held = f" ({fmt(stock.reserved)} of it picked for shipments)" if stock.reserved else ""
        raise InsufficientStock(
            f"lot {lot.number} of {item.sku}: {fmt(quantity)} needed but only "
            f"{fmt(stock.free)} of {fmt(stock.on_hand)} on hand at {code} can be taken{held}"
        )

    def order(self, lots: Iterable[LotStock]) -> list[LotStock]:
        """Lots in the order `lot_consumption_order` takes them."""
        return sorted(lots, key=lambda s: self.key(s.lot))

    def take(
        self, item: StockItem, location_id: int, quantity: Decimal, use: LotUse
    ) -> list[tuple[LotStock, Decimal]]:
        """`quantity` out of the item's lots at the location by the consumption order, from
        what is not reserved and, for a build or a sale, not expired (unless allowed)."""
        out, left = self._plan(item, location_id, quantity, use)
        if left > 0:
            lots = self.at(item.id, location_id, every=True)
            pref = self._expiry_preference(use)
            self._refuse_take(item, location_id, quantity, quantity - left, lots.values(), pref)
        return out

    def suggest(
        self, item: StockItem, location_id: int, quantity: Decimal, use: LotUse
    ) -> list[tuple[LotStock, Decimal]]:
        """The lots `take` would take for `quantity` now, as far as there are (a picking
        ticket's or a traveler's suggestion; nothing is taken)."""
        return self._plan(item, location_id, quantity, use)[0]

    def _plan(
        self, item: StockItem, location_id: int, quantity: Decimal, use: LotUse
    ) -> tuple[list[tuple[LotStock, Decimal]], Decimal]:
        """The lots the consumption order takes for `quantity`, and what they leave short."""
        pref = self._expiry_preference(use)
        pair = (item.id, location_id)
        while True:
            lots = self.at(*pair)
            boundary = self._boundary.get(pair)
            usable = [
                s
                for s in lots.values()
                if s.free > 0
                and (pref is None or not s.lot.expired(self.today))
                and (boundary is None or self.key(s.lot) <= boundary)
            ]
            out: list[tuple[LotStock, Decimal]] = []
            left = quantity
            for stock in self.order(usable):
                take = min(stock.free, left)
                out.append((stock, take))
                left -= take
                if left <= 0:
                    return out, ZERO
            if boundary is None:
                return out, left
            self.deepen(pair)  # the lots read do not cover it: read more of them

    def _refuse_take(
        self,
        item: StockItem,
        location_id: int,
        quantity: Decimal,
        found: Decimal,
        lots: Iterable[LotStock],
        pref: str | None,
    ) -> None:
        noun = tracking_of(item).noun
        code = self._code(location_id)
        reasons = []
        reserved = sum((s.reserved for s in lots), ZERO)
        if reserved:
            reasons.append(f"{fmt(reserved)} picked for shipments")
        if pref is not None:
            expired = [s for s in lots if s.free > 0 and s.lot.expired(self.today)]
            if expired:
                shown = ", ".join(
                    f"{s.lot.number} expired on {s.lot.expires}" for s in self.order(expired)[:3]
                )
                reasons.append(f"{shown}; {pref} is off")
        why = f" ({'; '.join(reasons)})" if reasons else ""
        raise InsufficientStock(
            f"{item.sku}: {fmt(quantity)} needed at {code} but only {fmt(found)} can be taken "
            f"from its {noun}s{why}"
        )

    def serial_coming_in(self, item: StockItem, lot: LotRecord, quantity: Decimal) -> None:
        """A serial comes in one unit at a time, and only while it is on hand nowhere."""
        if quantity != 1:
            raise ValidationError(
                f"serial {lot.number} of {item.sku} is one unit, not {fmt(quantity)}"
            )
        if self.tx.is_postgresql and self.tx.write and lot.id not in self._locked:
            self.tx.session.execute(_LOCK_LOT, {"lot": lot.id})
            self._locked.add(lot.id)
        where = self.where_on_hand(lot)
        if where:
            raise ValidationError(
                f"serial {lot.number} of {item.sku} is already on hand at {where[0][0]}"
            )

    def _code(self, location_id: int) -> str:
        codes = self.tx.uow.database.names.codes
        if location_id not in codes:
            codes.update(self.tx.session.execute(select(Location.id, Location.code)).all())
        return codes.get(location_id, str(location_id))

    # --- reservations ---------------------------------------------------------------------

    def reserve(
        self,
        holder_kind: str,
        line_id: int,
        item: StockItem,
        location_id: int,
        quantity: Decimal,
        *,
        named: Sequence[LotPart] = (),
        use: LotUse = LotUse.SALE,
    ) -> list[LotPart]:
        """Hold `quantity` of the item's lots at the location for one line of a document
        (a fulfillment line between pick and shipment): the lots named first, the rest by the
        consumption order; what is reserved leaves only with its holder."""
        named_total = sum((q for _lot, q in named), ZERO)
        if named_total > quantity:
            raise ValidationError(
                f"{item.sku}: the lots named add up to {fmt(named_total)}, more than the "
                f"{fmt(quantity)} asked"
            )
        if tracking_of(item) is Tracking.SERIAL and quantity != quantity.to_integral_value():
            raise ValidationError(
                f"{item.sku} is tracked by serial: its quantities are whole units, "
                f"not {fmt(quantity)}"
            )
        plan: list[tuple[LotStock, Decimal]] = []
        for lot, qty in named:
            if lot.item_id != item.id:
                raise ValidationError(f"{lot.noun} {lot.number} is not a lot of {item.sku}")
            self.usable(item, lot, use)
            stock = self.stock_of(lot, location_id)
            if lot.serial and qty != 1:
                raise ValidationError(
                    f"serial {lot.number} of {item.sku} is one unit, not {fmt(qty)}"
                )
            self._require_free(item, stock, qty)
            stock.reserved += qty
            plan.append((stock, qty))
        if quantity > named_total:
            plan += self.take(item, location_id, quantity - named_total, use)
            for stock, qty in plan[len(named) :]:
                stock.reserved += qty
        out: list[LotPart] = []
        for stock, qty in plan:
            key = (holder_kind, line_id, stock.lot.id)
            row = self._reserved.setdefault(
                key,
                {
                    "holder_kind": holder_kind,
                    "holder_line_id": line_id,
                    "lot_id": stock.lot.id,
                    "item_id": item.id,
                    "location_id": location_id,
                    "quantity": ZERO,
                },
            )
            row["quantity"] += qty
            out.append((stock.lot, qty))
        return out

    def held(self, holder_kind: str, line_ids: Sequence[int]) -> dict[int, list[LotPart]]:
        """What lots each line holds, this posting's reservations included (nothing is
        released)."""
        out: dict[int, list[LotPart]] = {}
        if not line_ids:
            return out
        wanted = set(line_ids)
        gone = {(r["b_line"], r["b_lot"]) for r in self._released if r["b_kind"] == holder_kind}
        rows = [
            (r.holder_line_id, r.lot_id, r.quantity)
            for r in self.tx.session.execute(_HELD, {"kind": holder_kind, "lines": sorted(wanted)})
            if (r.holder_line_id, r.lot_id) not in gone
        ]
        rows += [
            (line, lot_id, row["quantity"])
            for (kind, line, lot_id), row in self._reserved.items()
            if kind == holder_kind and line in wanted
        ]
        lots = self.lots(lot_id for _line, lot_id, _q in rows)
        for line, lot_id, qty in rows:
            out.setdefault(line, []).append((lots[lot_id], qty))
        for parts in out.values():
            parts.sort(key=lambda part: part[0].number)
        return out

    def release(self, holder_kind: str, line_ids: Sequence[int]) -> dict[int, list[LotPart]]:
        """The lines give their lots back (shipped, or put back): what each held."""
        out: dict[int, list[LotPart]] = {}
        if not line_ids:
            return out
        rows = self.tx.session.execute(_HELD, {"kind": holder_kind, "lines": list(line_ids)}).all()
        lots = self.lots(r.lot_id for r in rows)
        self.prefetch((lots[r.lot_id].item_id, r.location_id) for r in rows)
        for r in sorted(rows, key=lambda r: (r.holder_line_id, lots[r.lot_id].number)):
            lot = lots[r.lot_id]
            self.stock_of(lot, r.location_id).reserved -= r.quantity
            self._released.append(
                {"b_kind": holder_kind, "b_line": r.holder_line_id, "b_lot": lot.id}
            )
            out.setdefault(r.holder_line_id, []).append((lot, r.quantity))
        for line_id, parts in out.items():
            self._given_back[(holder_kind, line_id)] = parts
        return out

    def released_here(self, holder_kind: str, line_ids: Sequence[int]) -> dict[int, list[LotPart]]:
        """What the lines gave back in this posting (a shipment's lots before they are
        written)."""
        return {
            i: self._given_back[(holder_kind, i)]
            for i in line_ids
            if (holder_kind, i) in self._given_back
        }

    # --- genealogy -------------------------------------------------------------------------

    def link(self, made: LotRecord, used: dict[int, Decimal], source: Source) -> None:
        """The made lot was made from these lots (id -> what its document had consumed)."""
        for used_id, qty in sorted(used.items()):
            self._links.append(
                {
                    "made_lot_id": made.id,
                    "used_lot_id": used_id,
                    "source_kind": source.kind,
                    "source_id": source.id,
                    "source_ref": source.ref[:120],
                    "quantity": qty,
                }
            )

    # --- writing ---------------------------------------------------------------------------

    def write(self, event_id: int) -> None:
        session = self.tx.session
        changed = [
            s
            for lots in self._stock.values()
            for s in lots.values()
            if s.values() != (s.saved if s.saved is not None else (ZERO, ZERO))
        ]
        if changed:
            rows = [
                {
                    "item_id": s.item_id,
                    "location_id": s.location_id,
                    "lot_id": s.lot.id,
                    "on_hand": s.on_hand,
                    "reserved": s.reserved,
                    "expires": s.lot.expires,
                }
                for s in changed
            ]
            session.execute(_UPSERT["postgresql" if self.tx.is_postgresql else "sqlite"], rows)
            for s in changed:
                s.saved = s.values()
        if self._released:
            session.execute(_UNRESERVE, self._released)
            self._released = []
        if self._reserved:
            session.execute(_RESERVE, list(self._reserved.values()))
            self._reserved = {}
        if self._links:
            for row in self._links:
                row["event_id"] = event_id
            session.execute(_LINK_INSERT, self._links)
            self._links = []


# --- who holds lots ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LotHolder:
    """A kind of document line that reserves lots between picking and moving them (a
    fulfillment line): `open_lines` selects (line_id, item_id, location_id, quantity) of its
    open lines of tracked items, each of which holds lots for exactly its quantity; every
    reservation of this kind belongs to one of them. `shopfloor check` proves both."""

    kind: str  # the reservations' holder_kind: a registered ledger source kind
    words: str  # "fulfillment lines"
    open_lines: Any  # a Select


_HOLDERS: dict[str, LotHolder] = {}


def register_lot_holder(holder: LotHolder) -> LotHolder:
    if holder.kind in _HOLDERS and _HOLDERS[holder.kind] is not holder:
        raise ValueError(f"lot holder {holder.kind!r} is registered twice")
    _HOLDERS[holder.kind] = holder
    return holder


def lot_holders() -> list[LotHolder]:
    return list(_HOLDERS.values())
