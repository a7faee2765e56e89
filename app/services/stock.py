"""The stock book of one transaction: balances (locked for update), ledger postings, and the
new supply that commit-after-entry hands to waiting orders when the posting commits.

Every change to on hand goes through `StockBook.post`, which appends the ledger row and moves
the balance in the same transaction; nothing else writes either.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.errors import InsufficientStock, ValidationError
from app.models import Item, LedgerEntry, LedgerReason, StockBalance, WorkOrder, WorkOrderLine
from app.models.quantity import ZERO, fmt

if TYPE_CHECKING:
    from app.services.uow import Transaction

Pair = tuple[int, int]  # (item_id, location_id)


class StockBook:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self._balances: dict[Pair, StockBalance] = {}
        # Item/location pairs whose available stock grew in this posting.
        self.new_supply: set[Pair] = set()

    # --- balances ----------------------------------------------------------------------

    def balances(self, pairs: Iterable[Pair]) -> dict[Pair, StockBalance]:
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
                insert = pg_insert if self.tx.is_postgresql else sqlite_insert
                self.tx.session.flush()  # new items or locations must exist first
                # A concurrent posting may create the same rows: whoever is second does nothing.
                self.tx.session.execute(insert(StockBalance).on_conflict_do_nothing(), rows)
                self._load(missing)
        return {p: self._balances[p] for p in pairs if p in self._balances}

    def _load(self, pairs: set[Pair]) -> None:
        for chunk in _chunks(sorted(pairs), 400):
            stmt = select(StockBalance).where(
                tuple_(StockBalance.item_id, StockBalance.location_id).in_(chunk)
            )
            if self.tx.write:
                stmt = stmt.with_for_update()
            for bal in self.tx.session.scalars(stmt):
                self._balances[(bal.item_id, bal.location_id)] = bal

    def balance(self, item_id: int, location_id: int) -> StockBalance:
        pair = (item_id, location_id)
        found = self.balances([pair])
        if pair not in found:  # a read-only transaction on an item that never had stock
            return StockBalance(
                item_id=item_id,
                location_id=location_id,
                on_hand=ZERO,
                committed=ZERO,
                demand=ZERO,
                on_order=ZERO,
            )
        return found[pair]

    # --- posting -----------------------------------------------------------------------

    def post(
        self,
        item: Item,
        location_id: int,
        quantity: Decimal,
        reason: LedgerReason,
        source_ref: str,
        *,
        unit_cost: Decimal | None = None,
        work_order: WorkOrder | None = None,
        line: WorkOrderLine | None = None,
        reverses: LedgerEntry | None = None,
        memo: str | None = None,
    ) -> LedgerEntry:
        """Append one ledger row and move on hand. Refuses to take on hand below zero; the
        caller has already released any commitment the stock carried."""
        if not item.type.stocked:
            raise ValidationError(f"{item.sku} is a {item.item_type} item and carries no stock")
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
        assert self.tx.event is not None
        entry = LedgerEntry(
            item_id=item.id,
            location_id=location_id,
            quantity=quantity,
            unit_cost=item.standard_cost if unit_cost is None else unit_cost,
            reason=reason.value,
            source_ref=source_ref,
            work_order_id=work_order.id if work_order is not None else None,
            work_order_line_id=line.id if line is not None else None,
            reverses_id=reverses.id if reverses is not None else None,
            memo=memo,
            posted_by=self.tx.actor.user,
        )
        entry.event = self.tx.event
        self.tx.session.add(entry)
        bal.on_hand = after
        if quantity > 0:
            self.new_supply.add((item.id, location_id))
        return entry

    def freed(self, item_id: int, location_id: int) -> None:
        """Committed stock was released: for commit-after-entry it is new supply too."""
        self.new_supply.add((item_id, location_id))

    def settle(self) -> None:
        """Run at commit: hand new supply to waiting orders when the preference says so."""
        if self.new_supply and self.tx.prefs.perform_item_commitment_after_transaction_entry:
            from app.services.commitment import commit_new_supply

            commit_new_supply(self.tx, sorted(self.new_supply))
        self.new_supply.clear()


def _chunks(seq: list[Pair], size: int) -> Iterable[list[Pair]]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]
