"""The stock book of one transaction: balances (locked for update), ledger postings, and the
new supply that commit-after-entry hands to waiting orders when the posting commits.

Every change to on hand goes through `StockBook.post`, which queues the ledger row and moves
the balance; `write` puts both into the database, in a few statements, when the posting
commits. Nothing else writes either.

Locks: a posting takes the balance rows it will touch in one call to `lock`, in one global
order (location, then item). Two postings therefore always meet their common rows in the
same order and cannot deadlock on them. Asking later for a row that sorts before one already
held is a programming error and is refused.

A balance row's lock also serialises every change to the demand lines of its item and
location (what they commit, consume and hold firm), whoever's they are: the demand book reads
them under it, and re-reads any it read before (see app/services/engine/demand.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.errors import InsufficientStock, ValidationError
from app.models import Item, ItemType, LedgerEntry, Location, StockBalance, Tracking, utcnow
from app.models.figures import StockFigures
from app.models.kinds import LEDGER_REASONS, SOURCE_KINDS
from app.models.quantity import ZERO, fmt
from app.services.engine.lots import LotBook, LotRecord, LotUse

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

Pair = tuple[int, int]  # (item_id, location_id)

_BALANCES = cast(Table, StockBalance.__table__)
_LEDGER = cast(Table, LedgerEntry.__table__)
_ITEMS = cast(Table, Item.__table__)
_LOCATIONS = cast(Table, Location.__table__)
_SELECT_BALANCES = select(
    _BALANCES.c.item_id,
    _BALANCES.c.location_id,
    _BALANCES.c.on_hand,
    _BALANCES.c.committed,
    _BALANCES.c.demand,
    _BALANCES.c.on_order,
)
# One location and many items: the primary key (item_id, location_id) answers it directly,
# where a row-value IN over (item, location) pairs would scan the table on SQLite.
_SELECT_SOME = _SELECT_BALANCES.where(
    _BALANCES.c.location_id == bindparam("location"),
    _BALANCES.c.item_id.in_(bindparam("items", expanding=True)),
).order_by(_BALANCES.c.item_id)
_SELECT_SOME_FOR_UPDATE = _SELECT_SOME.with_for_update()
_UPDATE_BALANCE = (
    update(_BALANCES)
    .where(
        _BALANCES.c.item_id == bindparam("b_item"),
        _BALANCES.c.location_id == bindparam("b_location"),
    )
    .values(
        on_hand=bindparam("b_on_hand", type_=_BALANCES.c.on_hand.type),
        committed=bindparam("b_committed", type_=_BALANCES.c.committed.type),
        demand=bindparam("b_demand", type_=_BALANCES.c.demand.type),
        on_order=bindparam("b_on_order", type_=_BALANCES.c.on_order.type),
    )
)
_INSERT_LEDGER = insert(_LEDGER)
_SKUS = select(_ITEMS.c.id, _ITEMS.c.sku).where(_ITEMS.c.id.in_(bindparam("ids", expanding=True)))
_CODES = select(_LOCATIONS.c.id, _LOCATIONS.c.code)
_UNTRACKED = Tracking.NONE.value


# The audit event of a posting lists the balances it changed, up to this many (the ledger
# holds every row of a larger one, such as an import).
AUDITED_BALANCES = 200
_FIGURES = ("on_hand", "committed", "demand", "on_order")


def lock_order(pair: Pair) -> tuple[int, int]:
    """The one global order in which balance rows are locked: location, then item."""
    return (pair[1], pair[0])


def by_location(pairs: Iterable[Pair], chunk: int = 500) -> Iterator[tuple[int, list[int]]]:
    """(location, item ids) groups of at most `chunk` items, in lock order."""
    grouped: dict[int, list[int]] = {}
    for item_id, location_id in sorted(set(pairs), key=lock_order):
        grouped.setdefault(location_id, []).append(item_id)
    for location_id, item_ids in grouped.items():
        for start in range(0, len(item_ids), chunk):
            yield location_id, item_ids[start : start + chunk]


class StockItem(Protocol):
    """What a posting needs to know of an item (a mapped Item or an ItemRef)."""

    @property
    def id(self) -> int: ...
    @property
    def sku(self) -> str: ...
    @property
    def item_type(self) -> str: ...
    @property
    def standard_cost(self) -> Decimal: ...
    @property
    def tracking(self) -> str: ...


def require_stocked(item: StockItem) -> None:
    """Only inventory and assembly items have stock, a ledger and commitments."""
    if not ItemType(item.item_type).stocked:
        raise ValidationError(f"{item.sku} is a {item.item_type} item and carries no stock")


@dataclass(frozen=True)
class Source:
    """The document a ledger row comes from: its kind (`SourceKind`), its number or a few
    words, and its id and line id where it has them."""

    kind: str
    ref: str
    id: int | None = None
    line_id: int | None = None


@dataclass(eq=False)
class Balance(StockFigures):
    """One item at one location, as this transaction sees and changes it."""

    item_id: int
    location_id: int
    on_hand: Decimal = ZERO
    committed: Decimal = ZERO
    demand: Decimal = ZERO
    on_order: Decimal = ZERO
    saved: tuple[Decimal, Decimal, Decimal, Decimal] | None = field(default=None, repr=False)

    @property
    def pair(self) -> Pair:
        return (self.item_id, self.location_id)

    def values(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        return (self.on_hand, self.committed, self.demand, self.on_order)


class StockBook:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self._balances: dict[Pair, Balance] = {}
        self._highest_lock: tuple[int, int] | None = None
        self._ledger: list[dict[str, Any]] = []
        self._skus: dict[int, str] = {}
        # Item/location pairs whose available stock grew in this posting.
        self.new_supply: set[Pair] = set()
        self._on_lock: list[Callable[[set[Pair]], None]] = []

    @classmethod
    def of(cls, tx: Transaction) -> StockBook:
        return tx.book(cls)

    def know(self, item: StockItem) -> None:
        """Remember an item's sku, so what the posting changed can be named without a query."""
        self._skus[item.id] = item.sku

    # --- balances ----------------------------------------------------------------------

    def holds(self, pair: Pair) -> bool:
        """Whether this posting holds the pair's balance locked, so that what others write
        under that lock stays as read until it commits (on SQLite a posting holds the
        database's write lock from its start)."""
        return self.tx.write and (not self.tx.is_postgresql or pair in self._balances)

    def when_locked(self, callback: Callable[[set[Pair]], None]) -> None:
        """Call `callback` with the pairs each `lock` newly takes, once they are held."""
        self._on_lock.append(callback)

    def lock(self, pairs: Iterable[Pair]) -> dict[Pair, Balance]:
        """Balances for the pairs, created at zero where missing; in a write transaction
        locked for update in lock order (row locks on PostgreSQL; SQLite already holds the
        write lock). A posting locks everything it will touch at once."""
        pairs = list(pairs)
        wanted = set(pairs) - self._balances.keys()
        if wanted:
            if self.tx.write:
                first = min(wanted, key=lock_order)
                if self._highest_lock is not None and lock_order(first) < self._highest_lock:
                    raise RuntimeError(
                        "balance rows must be locked in one go, in lock order: "
                        f"{first} requested after {self._highest_lock}"
                    )
                self._highest_lock = lock_order(max(wanted, key=lock_order))
            self._load(wanted)
            missing = wanted - self._balances.keys()
            if missing and self.tx.write:
                rows = [
                    {
                        "item_id": i,
                        "location_id": loc,
                        "on_hand": ZERO,
                        "committed": ZERO,
                        "demand": ZERO,
                        "on_order": ZERO,
                    }
                    for i, loc in sorted(missing, key=lock_order)
                ]
                stmt = (pg_insert if self.tx.is_postgresql else sqlite_insert)(_BALANCES)
                self.tx.session.flush()  # new items or locations must exist first
                # A concurrent posting may create the same rows: whoever is second does nothing.
                self.tx.session.execute(stmt.on_conflict_do_nothing(), rows)
                self._load(missing)
            for pair in wanted - self._balances.keys():  # read-only: never had stock
                self._balances[pair] = Balance(*pair, saved=(ZERO, ZERO, ZERO, ZERO))
            if self.tx.write:
                for callback in self._on_lock:
                    callback(wanted)
        return {p: self._balances[p] for p in pairs}

    def _load(self, pairs: set[Pair]) -> None:
        stmt = _SELECT_SOME_FOR_UPDATE if self.tx.write else _SELECT_SOME
        for location_id, item_ids in by_location(pairs):
            rows = self.tx.session.execute(stmt, {"location": location_id, "items": item_ids})
            for r in rows:
                values = (r.on_hand, r.committed, r.demand, r.on_order)
                self._balances[(r.item_id, r.location_id)] = Balance(
                    r.item_id, r.location_id, *values, saved=values
                )

    def balance(self, item_id: int, location_id: int) -> Balance:
        """A balance this posting has locked already (or, reading, any balance)."""
        pair = (item_id, location_id)
        found = self._balances.get(pair)
        return found if found is not None else self.lock([pair])[pair]

    # --- posting -----------------------------------------------------------------------

    def post(
        self,
        item: StockItem,
        location_id: int,
        quantity: Decimal,
        reason: str,
        source: Source,
        *,
        unit_cost: Decimal | None = None,
        reverses_id: int | None = None,
        memo: str | None = None,
        lot: LotRecord | None = None,
        use: LotUse = LotUse.ANY,
    ) -> list[tuple[LotRecord | None, Decimal]]:
        """Queue the ledger row and move on hand. Refuses to take on hand below zero or below
        what is committed; the caller has already released any commitment the stock had.
        `reason` (a `LedgerReason` or another registered reason) and the source's kind must be
        registered codes (app/models/kinds.py).

        An item tracked by lot or serial posts one row per lot (app/services/engine/lots.py):
        an inflow into `lot`, an outflow from `lot` or, with none named, from the lots on
        hand by `lot_consumption_order` (`use` says whether expired lots may go). Returns
        the (lot, quantity) of each row posted (lot None for an untracked item)."""
        LEDGER_REASONS.require(reason)
        SOURCE_KINDS.require(source.kind)
        require_stocked(item)
        if quantity == 0:
            raise ValidationError("a stock posting needs a quantity other than zero")
        self.know(item)
        bal = self.balance(item.id, location_id)
        after = bal.on_hand + quantity
        if after < 0:
            raise InsufficientStock(
                f"{item.sku}: {fmt(-quantity)} needed but only {fmt(bal.on_hand)} on hand"
            )
        if after < bal.committed:
            raise InsufficientStock(
                f"{item.sku}: taking {fmt(-quantity)} would leave less on hand than the "
                f"{fmt(bal.committed)} committed"
            )
        row = {
            "item_id": item.id,
            "location_id": location_id,
            "quantity": quantity,
            "unit_cost": item.standard_cost if unit_cost is None else unit_cost,
            "reason": str(reason),
            "source_kind": source.kind,
            "source_id": source.id,
            "source_line_id": source.line_id,
            "source_ref": source.ref[:120],
            "reverses_id": reverses_id,
            "memo": memo,
            "posted_by": self.tx.actor.user,
            "lot_id": None,
        }
        if lot is None and item.tracking == _UNTRACKED:
            self._ledger.append(row)
            parts: list[tuple[LotRecord | None, Decimal]] = [(None, quantity)]
        else:
            parts = []
            for stock, part in LotBook.of(self.tx).parts(item, location_id, quantity, lot, use):
                self._ledger.append({**row, "quantity": part, "lot_id": stock.lot.id})
                stock.on_hand += part
                parts.append((stock.lot, part))
        bal.on_hand = after
        if quantity > 0:
            self.new_supply.add((item.id, location_id))
        return parts

    def freed(self, item_id: int, location_id: int) -> None:
        """Committed stock was released: for commit-after-entry it is new supply too."""
        self.new_supply.add((item_id, location_id))

    def write(self, event_id: int) -> None:
        """Put the queued ledger rows and the changed balances into the database."""
        session = self.tx.session
        if self._ledger:
            now = utcnow()
            for row in self._ledger:
                row["event_id"] = event_id
                row["posted_at"] = now
            session.execute(_INSERT_LEDGER, self._ledger)
            self._ledger = []
        changed = [b for b in self._balances.values() if b.values() != b.saved]
        if not changed:
            return
        session.execute(
            _UPDATE_BALANCE,
            [
                {
                    "b_item": b.item_id,
                    "b_location": b.location_id,
                    "b_on_hand": b.on_hand,
                    "b_committed": b.committed,
                    "b_demand": b.demand,
                    "b_on_order": b.on_order,
                }
                for b in changed
            ],
        )
        for b in changed:
            b.saved = b.values()
        self._name_changes(changed)

    def _names(self, balances: list[Balance]) -> tuple[dict[int, str], dict[int, str]]:
        """Skus by item id and location codes by id for these balances (skus and codes never
        change once written, so the database's name cache answers most of them)."""
        names = self.tx.uow.database.names
        # The posting is about to commit: the skus it knows are rows that exist.
        names.skus.update(self._skus)
        skus = names.skus
        unknown = {b.item_id for b in balances if b.item_id not in skus}
        if unknown:
            skus.update(self.tx.session.execute(_SKUS, {"ids": sorted(unknown)}).all())
        codes = names.codes
        if any(b.location_id not in codes for b in balances):
            codes.update(self.tx.session.execute(_CODES).all())
        return skus, codes

    def _name_changes(self, changed: list[Balance]) -> None:
        """Record the changed balances by sku and location code."""
        skus, codes = self._names(changed)
        for b in changed:
            self.tx.changed.balance(skus[b.item_id], codes[b.location_id])

    def audited(self) -> dict[str, Any]:
        """For the posting's audit event: each balance it changed, by sku and location, with
        the figures that changed as [before, after] (at most `AUDITED_BALANCES` of them, in
        lock order, and how many more there were)."""
        changed = sorted(
            (b for b in self._balances.values() if b.saved is not None and b.values() != b.saved),
            key=lambda b: lock_order(b.pair),
        )
        if not changed:
            return {}
        shown = changed[:AUDITED_BALANCES]
        skus, codes = self._names(shown)
        rows = []
        for b in shown:
            row: dict[str, Any] = {"sku": skus[b.item_id], "location": codes[b.location_id]}
            assert b.saved is not None
            for name, before, after in zip(_FIGURES, b.saved, b.values(), strict=True):
                if before != after:
                    row[name] = [fmt(before), fmt(after)]
            rows.append(row)
        out: dict[str, Any] = {"stock": rows}
        if len(changed) > len(shown):
            out["stock_more"] = len(changed) - len(shown)
        return out
