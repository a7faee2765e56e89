"""Kinds of documents, each declared once.

A kind of document (a work order, a sales order, a purchase order, a transfer order ...) is a
declaration made beside its model: its key, the prefix of its numbers and its noun, the mapped
class that holds it, its status machine, the ledger source kind of its postings, the window
page that shows it, the prefix of its use cases' actions, and the links it carries to other
documents (created from, fulfils, receives ...). Numbering, what a posting changed, trace,
the views' links and the scanners' "what is this code" read this registry; adding a kind
adds its own modules and edits no list elsewhere.

Ledger reasons and source kinds, the moments finance is told about, and the kinds of reason
codes are registered here too: a new kind of posting registers its own, and the database
keeps them as data, not as a schema constraint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import Select

from app.models.lifecycle import Lifecycle

NUMBER_DIGITS = 6


@dataclass(frozen=True)
class Link:
    """Documents of the declaring kind point at documents of `target`: `pairs()` selects
    (this document's id, the linked document's id). `name` says what the link means in
    words ("created from", "fulfils", "receives"); the `origin` link is where a document
    came from (at most one per kind)."""

    name: str
    target: str
    pairs: Callable[[], Select[Any, Any]]
    origin: bool = False


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document. `model` is its mapped class, with `id`, `number` and `status`
    (and `customer_po` when `customer_po` is true: the customer's PO number it carries)."""

    key: str  # also its number sequence: "work_order"
    prefix: str  # "WO-"
    noun: str  # "work order"
    model: Any
    lifecycle: Lifecycle | None = None
    page: str | None = None  # the window page that shows one ("work_order"), if any
    actions: str | None = None  # its use cases are "<actions>.<action>": "wo" -> "wo.release"
    use_cases: Mapping[str, str] = field(default_factory=dict)  # actions named otherwise
    source_kind: str | None = None  # the ledger source kind of its postings
    links: tuple[Link, ...] = ()
    customer_po: bool = False
    # A document's status in words as its own page shows it, from its record and the plant's
    # preferences (a drop-ship order's vendor "shipped", a fulfillment's own names).
    status_label: Callable[[Any, Any], str] | None = None
    shown_on: str | None = None  # a kind without a page is shown on this kind's page

    def format_number(self, value: int) -> str:
        return f"{self.prefix}{value:0{NUMBER_DIGITS}d}"

    def owns(self, number: str) -> bool:
        """Whether a (normalised) number is one of this kind's."""
        return number.startswith(self.prefix)

    def label(self, record: Any, prefs: Any) -> str:
        """The status of one document (a mapped row) in words."""
        if self.status_label is not None:
            return self.status_label(record, prefs)
        status = str(getattr(record, "status", ""))
        if self.lifecycle is not None:
            label = getattr(self.lifecycle.statuses(status), "label", None)
            if isinstance(label, str):
                return label
        return status.replace("_", " ").capitalize()

    @property
    def title(self) -> str:
        """The noun with a capital: "Work order"."""
        return self.noun[:1].upper() + self.noun[1:]

    def use_case(self, action: str) -> str:
        """The posting that carries out one of this kind's actions ("release" on a work
        order is "wo.release"; a sales order's "fulfill" is "fulfillment.pick")."""
        if action in self.use_cases:
            return self.use_cases[action]
        if self.actions is None:
            raise ValueError(f"{self.noun} has no actions")
        return f"{self.actions}.{action}"


_KINDS: dict[str, DocumentKind] = {}


def register_kind(kind: DocumentKind) -> DocumentKind:
    """Make a kind of document known; its prefix must tell it apart from every other."""
    found = _KINDS.get(kind.key)
    if found is not None and found is not kind:
        raise ValueError(f"document kind {kind.key!r} is registered twice")
    for other in _KINDS.values():
        if other.key != kind.key and (
            other.prefix.startswith(kind.prefix) or kind.prefix.startswith(other.prefix)
        ):
            raise ValueError(
                f"{kind.key} numbers ({kind.prefix}) cannot be told from {other.key} "
                f"numbers ({other.prefix})"
            )
    _KINDS[kind.key] = kind
    return kind


def document_kinds() -> list[DocumentKind]:
    """Every registered kind, in registration order."""
    return list(_KINDS.values())


def document_kind(key: str) -> DocumentKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise KeyError(f"no document kind {key!r}") from None


def kind_of_number(number: str) -> DocumentKind | None:
    """The kind whose prefix a number starts with (case-insensitive), or None."""
    upper = number.strip().upper()
    return next((k for k in _KINDS.values() if upper.startswith(k.prefix)), None)


def links_to(target: str) -> list[tuple[DocumentKind, Link]]:
    """Every link that points at documents of `target`."""
    return [(k, ln) for k in _KINDS.values() for ln in k.links if ln.target == target]


# --- ledger reasons and source kinds ------------------------------------------------------------


@dataclass
class _Vocabulary:
    """Codes a column may hold, with their words; registered by the modules that post them."""

    what: str
    words: dict[str, str] = field(default_factory=dict)

    def register(self, codes: Iterable[tuple[str, str]]) -> None:
        for code, words in codes:
            if self.words.get(code, words) != words:
                raise ValueError(f"{self.what} {code!r} is registered twice")
            self.words[code] = words

    def require(self, code: str) -> str:
        if code not in self.words:
            raise ValueError(f"{code!r} is not a registered {self.what}")
        return code


LEDGER_REASONS = _Vocabulary("ledger reason")
SOURCE_KINDS = _Vocabulary("ledger source kind")
FINANCE_MOMENTS = _Vocabulary("finance moment")
REASON_CODE_KINDS = _Vocabulary("kind of reason code")


def register_reasons(reasons: type[StrEnum], words: dict[Any, str] | None = None) -> None:
    """Make ledger reasons known (their words default to the code with spaces)."""
    LEDGER_REASONS.register(
        (r.value, (words or {}).get(r, r.value.replace("_", " "))) for r in reasons
    )


def register_source_kinds(kinds: type[StrEnum]) -> None:
    SOURCE_KINDS.register((k.value, k.value.replace("_", " ")) for k in kinds)


def register_moments(moments: type[StrEnum], words: dict[Any, str]) -> None:
    """Make moments finance is told about known, with their words ("Shipped")."""
    FINANCE_MOMENTS.register((m.value, words[m]) for m in moments)


def register_reason_code_kinds(kinds: type[StrEnum], words: dict[Any, str]) -> None:
    """Make kinds of reason codes known (scrap, return ...), with what they explain."""
    REASON_CODE_KINDS.register((k.value, words[k]) for k in kinds)
