"""A document's status machine, once for every kind of document: which statuses each action
may start from, which status changes exist, and the words of a refusal.

A rules class (the work order's, the sales order's ...) names its `Lifecycle`; the mapped row
and the posting's in-memory record both inherit the rules, so a status is checked the same
way wherever it changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from app.errors import IllegalTransition


@dataclass(frozen=True)
class Lifecycle:
    statuses: type[StrEnum]
    action_from: Mapping[Any, frozenset[Any]]  # action -> the statuses it may start from
    edges: frozenset[tuple[Any, Any]] = frozenset()  # every status change there is
    hints: Mapping[tuple[Any, Any], str] = field(default_factory=dict)  # (action, status)


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
