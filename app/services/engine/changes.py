"""What a posting changed, so that a window refreshes just that.

A transaction collects what its books touch; when it commits, the collection is frozen into a
`Changes` and returned with the posting's result (and handed to the unit of work's listeners).
Other workstations hear it too: the posting publishes it, as the compact text `encode` makes,
in its own transaction (app/services/engine/feed.py), and `decode` reads it back.
"""

from __future__ import annotations

import json
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
    everything: bool = False  # changed too much to name (or news was missed): read it all

    def __bool__(self) -> bool:
        return self.everything or bool(self.records) or bool(self.balances)

    def of(self, kind: Kind) -> frozenset[str]:
        return self.records.get(_key(kind), _EMPTY)

    def touches(self, *kinds: Kind) -> bool:
        return self.everything or any(_key(kind) in self.records for kind in kinds)

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


def everything(action: str | None = None, event_id: int | None = None) -> Changes:
    """News that names nothing in particular: whoever shows anything reads it again."""
    return Changes(action=action, event_id=event_id, everything=True)


# What one announcement may carry: PostgreSQL refuses a NOTIFY payload of 8000 bytes or more.
MAX_ENCODED_BYTES = 7_900


def encode(changes: Changes, source: str) -> str:
    """`changes` as compact JSON for other workstations, with the `source` (the unit of work)
    that posted it. Balances are filed by location, and the items and locations they imply
    are not repeated. A change set too large to announce (thousands of records) is announced
    as "changed a lot": every listener reads everything again."""
    implied_items = {sku for sku, _location in changes.balances}
    implied_locations = {location for _sku, location in changes.balances}
    records = {}
    for kind, keys in sorted(changes.records.items()):
        implied = implied_items if kind == ITEM else implied_locations if kind == LOCATION else ()
        left = sorted(k for k in keys if k not in implied)
        if left:
            records[kind] = left
    by_location: dict[str, list[str]] = defaultdict(list)
    for sku, location in sorted(changes.balances):
        by_location[location].append(sku)
    payload: dict[str, object] = {"s": source, "e": changes.event_id, "a": changes.action}
    if changes.everything:
        payload["all"] = 1
    else:
        payload["r"] = records
        payload["b"] = by_location
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode()) <= MAX_ENCODED_BYTES:
        return text
    return encode(everything(changes.action, changes.event_id), source)


@dataclass(frozen=True)
class Announcement:
    """A posting as another workstation hears of it: who posted it and what it changed."""

    source: str
    changes: Changes


def decode(text: str) -> Announcement:
    """The announcement `encode` made; text that is not one is news of everything (a
    listener cannot tell what it missed, so it reads it all)."""
    try:
        payload = json.loads(text)
        source = str(payload["s"])
        action = None if payload.get("a") is None else str(payload["a"])
        event_id = None if payload.get("e") is None else int(payload["e"])
        if payload.get("all"):
            return Announcement(source, everything(action, event_id))
        made = ChangeSet()
        for kind, keys in payload["r"].items():
            made.add_all(str(kind), (str(k) for k in keys))
        for location, skus in payload["b"].items():
            for sku in skus:
                made.balance(str(sku), str(location))
        return Announcement(source, made.freeze(action, event_id))
    except (ValueError, KeyError, TypeError, AttributeError):
        return Announcement("", everything())
