"""The stock book of one transaction: balances (locked for update), ledger postings, and the
new supply that commit-after-entry hands to waiting orders when the posting commits.

Every change to on hand goes through `StockBook.post`, which queues the ledger row and moves
the balance; `write` puts both into the database, in a few statements, when the posting
commits. Nothing else writes either.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.errors import InsufficientStock, ValidationError
from app.models import ItemType, LedgerEntry, LedgerReason, StockBalance, utcnow
from app.models.quantity import ZERO, fmt

if TYPE_CHECKING:
    from app.services.uow import Transaction

Pair = tuple[int, int]  # (item_id, location_id)

_BALANCES = cast(Table, StockBalance.__table__)
_LEDGER = cast(Table, LedgerEntry.__table__)
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
)
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


def by_location(pairs: Iterable[Pair], chunk: int = 500) -> Iterator[tuple[int, list[int]]]:
    """(location, item ids) groups of at most `chunk` items, in a stable order (row locks
    are always taken in the same order, so two postings cannot deadlock on them)."""
    grouped: dict[int, list[int]] = {}
    for item_id, location_id in sorted(set(pairs), key=lambda p: (p[1], p[0])):
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


def require_stocked(item: StockItem) -> None:
    """Only inventory and assembly items have stock, a ledger and commitments."""
    if not ItemType(item.item_type).stocked:
        raise ValidationError(f"{item.sku} is a {item.item_type} item and carries no stock")


@dataclass(eq=False)
class Balance:
    """One item at one location, as this transaction sees and changes it."""

    item_id: int
    location_id: int
    on_hand: Decimal = ZERO
    committed: Decimal = ZERO
    demand: Decimal = ZERO
    on_order: Decimal = ZERO
    saved: tuple[Decimal, Decimal, Decimal, Decimal] | None = field(default=None, repr=False)

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.committed

    @property
    def backordered(self) -> Decimal:
        return self.demand - self.committed

    def values(self) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        return (self.on_hand, self.committed, self.demand, self.on_order)


class StockBook:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self._balances: dict[Pair, Balance] = {}
        self._ledger: list[dict[str, Any]] = []
        # Item/location pairs whose available stock grew in this posting.
        self.new_supply: set[Pair] = set()

    # --- balances ----------------------------------------------------------------------

    def balances(self, pairs: Iterable[Pair]) -> dict[Pair, Balance]:
        """Balances for the pairs, created at zero where missing, locked for this transaction
        (row locks on PostgreSQL; SQLite already holds the write lock)."""
        pairs = list(pairs)
        wanted = set(pairs) - self._balances.keys()
        if wanted:
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
                    for i, loc in sorted(missing)
                ]
                stmt = (pg_insert if self.tx.is_postgresql else sqlite_insert)(_BALANCES)
                self.tx.session.flush()  # new items or locations must exist first
                # A concurrent posting may create the same rows: whoever is second does nothing.
                self.tx.session.execute(stmt.on_conflict_do_nothing(), rows)
                self._load(missing)
            for pair in wanted - self._balances.keys():  # read-only: never had stock
                self._balances[pair] = Balance(*pair, saved=(ZERO, ZERO, ZERO, ZERO))
        return {p: self._balances[p] for p in pairs}

    def _load(self, pairs: set[Pair]) -> None:
        stmt = _SELECT_SOME_FOR_UPDATE if self.tx.write else _SELECT_SOME
        for location_id, item_ids in by_location(pairs):
            rows = self.tx.session.execute(stmt, {"location": location_id, "items": item_ids})
            for item_id, loc_id, on_hand, committed, demand, on_order in rows:
                values = (on_hand, committed, demand, on_order)
                self._balances[(item_id, loc_id)] = Balance(item_id, loc_id, *values, saved=values)

    def balance(self, item_id: int, location_id: int) -> Balance:
        return self.balances([(item_id, location_id)])[(item_id, location_id)]

    # --- posting -----------------------------------------------------------------------

    def post(
        self,
        item: StockItem,
        location_id: int,
        quantity: Decimal,
        reason: LedgerReason,
        source_ref: str,
        *,
        unit_cost: Decimal | None = None,
        work_order_id: int | None = None,
        line_id: int | None = None,
        reverses_id: int | None = None,
        memo: str | None = None,
    ) -> None:
        """Queue one ledger row and move on hand. Refuses to take on hand below zero or below
        what is committed; the caller has already released any commitment the stock had."""
        require_stocked(item)
        if quantity == 0:
            raise ValidationError("a stock posting needs a quantity other than zero")
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
        self._ledger.append(
            {
                "item_id": item.id,
                "location_id": location_id,
                "quantity": quantity,
                "unit_cost": item.standard_cost if unit_cost is None else unit_cost,
                "reason": reason.value,
                "source_ref": source_ref,
                "work_order_id": work_order_id,
                "work_order_line_id": line_id,
                "reverses_id": reverses_id,
                "memo": memo,
                "posted_by": self.tx.actor.user,
            }
        )
        bal.on_hand = after
        if quantity > 0:
            self.new_supply.add((item.id, location_id))

    def freed(self, item_id: int, location_id: int) -> None:
        """Committed stock was released: for commit-after-entry it is new supply too."""
        self.new_supply.add((item_id, location_id))

    def settle(self) -> None:
        """At commit: hand new supply to waiting orders when the preference says so."""
        if self.new_supply and self.tx.prefs.perform_item_commitment_after_transaction_entry:
            from app.services.commitment import commit_new_supply

            commit_new_supply(self.tx, sorted(self.new_supply))
        self.new_supply.clear()

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
        changed = [
            {
                "b_item": b.item_id,
                "b_location": b.location_id,
                "b_on_hand": b.on_hand,
                "b_committed": b.committed,
                "b_demand": b.demand,
                "b_on_order": b.on_order,
            }
            for b in self._balances.values()
            if b.values() != b.saved
        ]
        if changed:
            session.execute(_UPDATE_BALANCE, changed)
            for b in self._balances.values():
                b.saved = b.values()
