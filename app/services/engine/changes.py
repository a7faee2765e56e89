"""What a posting changed, so that a window refreshes just that.

A transaction collects what its books touch; when it commits, the collection is frozen into a
`Changes` and returned with the posting's result (and handed to the unit of work's listeners).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol


class Keyed(Protocol):
    """A kind of document (app/models/kinds.py): its changes are filed under its key."""

    @property
    def key(self) -> str: ...


Kind = str | Keyed


def _key(kind: Kind) -> str:
    return kind if isinstance(kind, str) else kind.key


# The kinds of record a change can name besides documents (which are named by their kind,
# app/models/kinds.py, and filed by number); these by their key.
ITEM = "item"
LOCATION = "location"
BOM = "bom"
CUSTOMER = "customer"
VENDOR = "vendor"
USER = "user"
PREFERENCE = "preference"
FINANCE_EVENT = "finance_event"
REASON_CODE = "reason_code"

_EMPTY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Changes:
    """The records one posting changed: `records[kind]` holds the numbers or keys of that kind
    (work orders by number, items by sku, ...); `balances` the (sku, location code) pairs whose
    stock figures moved."""

    action: str | None = None
    event_id: int | None = None
    records: Mapping[str, frozenset[str]] = field(default_factory=dict)
    balances: frozenset[tuple[str, str]] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.records) or bool(self.balances)

    def of(self, kind: Kind) -> frozenset[str]:
        return self.records.get(_key(kind), _EMPTY)

    def touches(self, *kinds: Kind) -> bool:
        return any(_key(kind) in self.records for kind in kinds)

    @property
    def items(self) -> frozenset[str]:
        """Items whose record or stock figures changed."""
        return self.of(ITEM)


NO_CHANGES = Changes()


class ChangeSet:
    """The mutable collection a transaction fills while it works."""

    def __init__(self) -> None:
        self._records: dict[str, set[str]] = defaultdict(set)
        self._balances: set[tuple[str, str]] = set()

    def add(self, kind: Kind, *keys: str) -> None:
        self._records[_key(kind)].update(keys)

    def add_all(self, kind: Kind, keys: Iterable[str]) -> None:
        self._records[_key(kind)].update(keys)

    def balance(self, sku: str, location: str) -> None:
        self._balances.add((sku, location))
        self._records[ITEM].add(sku)
        self._records[LOCATION].add(location)

    def freeze(self, action: str | None, event_id: int | None) -> Changes:
        records = {kind: frozenset(keys) for kind, keys in self._records.items() if keys}
        return Changes(
            action=action,
            event_id=event_id,
            records=records,
            balances=frozenset(self._balances),
        )
