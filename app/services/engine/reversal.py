"""Reversing a posting: its ledger rows as read back, the rule each kind of posting registers
for the reasons it posts (how it is reversed, or what to do instead), and the reversing rows.

A posting is reversed by a new posting that names it: one ledger row of the reason `reversal`
per row of the original, its exact opposite (same item, location, unit cost and source
document, `reverses_id` naming the row), and an audit event naming the event reversed.
Nothing is edited or deleted. What the posting did to its document (a purchase order line's
received quantity, a customer return's line) is put back by the rule's `reverse`, in the
same posting; a kind of posting whose reversal means nothing (a build, a shipment) registers
what to do instead, and `shopfloor reverse` refuses it in those words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from app.models import LedgerReason
from app.services.engine import commitment
from app.services.engine.ledger import Source, StockBook
from app.services.engine.lookup import ItemRef
from app.services.engine.lots import LotBook

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction


@dataclass(frozen=True)
class PostedRow:
    """One ledger row of the posting being reversed."""

    id: int
    item: ItemRef
    location_id: int
    quantity: Decimal
    unit_cost: Decimal
    reason: str
    source_kind: str
    source_id: int | None
    source_line_id: int | None
    source_ref: str
    lot_id: int | None = None  # the lot it moved (an item tracked by lot or serial)


@dataclass(frozen=True)
class Posted:
    """The posting being reversed: its event and its ledger rows, oldest first."""

    event_id: int
    rows: tuple[PostedRow, ...]

    @property
    def ref(self) -> str:
        """The document the posting names (a receipt's number, a count's ...)."""
        return self.rows[0].source_ref

    @property
    def source_id(self) -> int | None:
        return self.rows[0].source_id


Reverser = Callable[["Transaction", Posted, "str | None"], None]


@dataclass(frozen=True)
class ReversalRule:
    """How postings of some ledger reasons are reversed. `what` names such a posting in words
    (`{ref}` is its document: "receipt {ref}"); `reverse(tx, posted, memo)` reverses one, or,
    when there is none, `instead` says what to do instead ("use unbuild (shopfloor wo unbuild
    {ref} ...)")."""

    what: str
    reverse: Reverser | None = None
    instead: str = ""

    def described(self, ref: str) -> str:
        return self.what.format(ref=ref)

    def instead_for(self, ref: str) -> str:
        return self.instead.format(ref=ref)


_RULES: dict[str, ReversalRule] = {}


def register_reversal(reasons: Iterable[str], rule: ReversalRule) -> ReversalRule:
    """Say how the postings of these ledger reasons are reversed (once per reason). Where a
    posting's rows carry several reasons, the first registered rule that refuses speaks."""
    for reason in reasons:
        found = _RULES.get(str(reason))
        if found is not None and found is not rule:
            raise ValueError(f"the reversal of {reason!r} postings is registered twice")
        _RULES[str(reason)] = rule
    return rule


def reversal_rule(reason: str) -> ReversalRule | None:
    return _RULES.get(reason)


def reversal_rules() -> dict[str, ReversalRule]:
    """Every registered rule by ledger reason, in the order registered."""
    return dict(_RULES)


def refusing_rule(reasons: Iterable[str]) -> ReversalRule | None:
    """Of these reasons' rules, the first registered one that refuses (None: none does)."""
    wanted = set(reasons)
    return next(
        (rule for reason, rule in _RULES.items() if reason in wanted and rule.reverse is None),
        None,
    )


def reverse_rows(
    tx: Transaction, posted: Posted, memo: str | None, rows: Iterable[PostedRow] | None = None
) -> None:
    """Append the exact opposite of each row (all of the posting's unless given): reason
    `reversal`, the same source document and lot, `reverses_id` naming the row. Stock a
    reversal takes away leaves as a write-off does: commitments on it are given up, least
    urgent order first; what is picked for orders waiting to ship, or no longer on hand (in
    that lot), refuses it."""
    chosen = list(posted.rows if rows is None else rows)
    stock = StockBook.of(tx)
    stock.lock((r.item.id, r.location_id) for r in chosen)
    lots = LotBook.of(tx).lots({r.lot_id for r in chosen if r.lot_id is not None})
    for r in reversed(chosen):  # undone last first: a row taken out after one put in
        qty = -r.quantity
        if qty < 0:
            commitment.make_room(tx, r.item, r.location_id, -qty)
        stock.post(
            r.item,
            r.location_id,
            qty,
            LedgerReason.REVERSAL,
            Source(
                r.source_kind, f"reversal of event {posted.event_id}", r.source_id, r.source_line_id
            ),
            unit_cost=r.unit_cost,
            reverses_id=r.id,
            memo=memo,
            lot=lots[r.lot_id] if r.lot_id is not None else None,
        )
