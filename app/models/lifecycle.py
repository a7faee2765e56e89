"""A document's status machine, once for every kind of document: which statuses each action
may start from, which status changes exist, and the words of a refusal.

A rules class (the work order's, the sales order's ...) names its `Lifecycle`; the mapped row
and the posting's in-memory record both inherit the rules, so a status is checked the same
way wherever it changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from app.errors import IllegalTransition, ValidationError


def _folded(text: str) -> str:
    """A status as typed, compared without case and with runs of spaces as one."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Lifecycle:
    statuses: type[StrEnum]  # each with a `label`, in life-cycle order
    action_from: Mapping[Any, frozenset[Any]]  # action -> the statuses it may start from
    edges: frozenset[tuple[Any, Any]] = frozenset()  # every status change there is
    hints: Mapping[tuple[Any, Any], str] = field(default_factory=dict)  # (action, status)

    def choices(self, names: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
        """Every status as (key, name), in life-cycle order: its label, or the plant's own
        name for it where `names` (key -> name) has one."""
        named = names or {}
        return [(s.value, named.get(s.value) or s.label) for s in self._members()]

    def statuses_named(
        self, given: str | Iterable[str] | None, names: Mapping[str, str] | None = None
    ) -> list[str]:
        """The statuses a list is filtered by, as keys: each given by its key, its label or
        the plant's own name for it (`names`), in any case, one or several separated by
        commas; an unknown one is refused, naming the choices. A key always means its own
        status, whatever another status is called."""
        words: dict[str, str] = {}
        for key, name in ((s.value, s.label) for s in self._members()):
            words[_folded(name)] = key
        for key, name in (names or {}).items():
            words[_folded(name)] = key
        for s in self._members():
            words[_folded(s.value)] = s.value
        out: list[str] = []
        for text in [given] if isinstance(given, str) else given or ():
            for part in (p for p in text.split(",") if p.strip()):
                key = words.get(_folded(part))
                if key is None:
                    raise ValidationError(f"unknown status {part.strip()!r}; {self._one_of(names)}")
                if key not in out:
                    out.append(key)
        return out

    def _members(self) -> list[Any]:
        return list(self.statuses)

    def _one_of(self, names: Mapping[str, str] | None) -> str:
        shown = [
            key if _folded(name) in (_folded(key), _folded(label)) else f"{key} ({name})"
            for (key, name), (_k, label) in zip(self.choices(names), self.choices(), strict=True)
        ]
        return f"one of {', '.join(shown)}"


class StatusRules:
    """`can`, `require` and `move_to` over the class's `lifecycle`. Needs `number` and
    `status`."""

    lifecycle: ClassVar[Lifecycle]
    number: str
    status: str

    @property
    def state(self) -> Any:
        return self.lifecycle.statuses(self.status)

    def can(self, action: Any) -> bool:
        return self.state in self.lifecycle.action_from[action]

    def require(self, action: Any, label: str | None = None) -> None:
        """Refuse an action the current status does not allow, naming that status (as
        `label` when the plant has its own name for it)."""
        if self.can(action):
            return
        self.refuse(action, label)

    def hint(self, action: Any) -> str | None:
        """What to do instead, when the current status refuses `action`."""
        return self.lifecycle.hints.get((action, self.state))

    def refuse(self, action: Any, label: str | None = None) -> None:
        state = self.state
        hint = self.hint(action)
        extra = f"; {hint}" if hint else ""
        verb = str(action.value).replace("_", " ")
        raise IllegalTransition(f"cannot {verb} {self.number}: it is {label or state.label}{extra}")

    def move_to(self, status: Any) -> None:
        """Change status along a legal edge only (staying put is always allowed)."""
        state = self.state
        if status == state:
            return
        if (state, status) not in self.lifecycle.edges:
            raise IllegalTransition(f"{self.number} cannot go from {state.label} to {status.label}")
        self.status = status.value
