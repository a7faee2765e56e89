"""Plant-wide preferences (seed 001), with their allowed values and defaults."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFound, ValidationError
from app.models import Preference

_BOOL_TEXT = {"true": True, "false": False}
_WHOLE = re.compile(r"[0-9]{1,6}")


@dataclass(frozen=True)
class PrefSpec:
    key: str
    default: str
    choices: tuple[str, ...]
    description: str
    maximum: int | None = None  # a whole number from 0 to this (then `choices` is empty)

    @property
    def is_bool(self) -> bool:
        return self.choices == ("true", "false")

    @property
    def is_number(self) -> bool:
        return self.maximum is not None


def _bool(key: str, default: bool, description: str) -> PrefSpec:
    return PrefSpec(key, "true" if default else "false", ("true", "false"), description)


SPECS: tuple[PrefSpec, ...] = (
    PrefSpec(
        "item_commitment_ordering",
        "expected_ship_date",
        ("expected_ship_date", "order_priority", "transaction_date"),
        "which waiting order gets scarce stock first (for a work order the expected ship "
        "date is its due date)",
    ),
    _bool(
        "perform_item_commitment_after_transaction_entry",
        False,
        "commit new supply (adjustments, receipts, builds, freed stock) to waiting orders "
        "automatically, in the ordering above",
    ),
    PrefSpec(
        "manufacturing_issue_based_on_commitment",
        "allow_uncommitted",
        ("limit_to_committed", "allow_uncommitted", "ignore_commitment"),
        "how much an issue, completion or build may consume: only what is committed to the "
        "work order; also uncommitted stock; or any stock on hand",
    ),
    _bool(
        "allow_overage_on_assembly_builds",
        False,
        "an assembly build may exceed the quantity remaining on the work order",
    ),
    _bool(
        "allow_overage_on_work_order_transactions",
        False,
        "issues and completions may exceed the quantity remaining on the work order",
    ),
    PrefSpec(
        "default_work_order_status",
        "firm_planned",
        ("firm_planned", "open_planned", "released"),
        "status of a new work order unless another is given",
    ),
    PrefSpec(
        "sign_out_after_idle_minutes",
        "0",
        (),
        "sign the user out of the desktop application after this many minutes without a key "
        "press or a click, for a shared station (0 = never)",
        maximum=24 * 60,
    ),
)
SPEC_BY_KEY = {spec.key: spec for spec in SPECS}


@dataclass(frozen=True)
class Preferences:
    item_commitment_ordering: str
    perform_item_commitment_after_transaction_entry: bool
    manufacturing_issue_based_on_commitment: str
    allow_overage_on_assembly_builds: bool
    allow_overage_on_work_order_transactions: bool
    default_work_order_status: str
    sign_out_after_idle_minutes: int

    def as_text(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool):
                out[f.name] = "true" if value else "false"
            else:
                out[f.name] = str(value)
        return out


assert [f.name for f in fields(Preferences)] == [s.key for s in SPECS]


def _typed(spec: PrefSpec, text: str) -> Any:
    if spec.is_number:
        try:
            return int(text)
        except ValueError:
            return int(spec.default)
    return _BOOL_TEXT[text] if spec.is_bool else text


def validate(key: str, value: str) -> str:
    """The canonical text of a preference value, or a clear refusal."""
    spec = SPEC_BY_KEY.get(key)
    if spec is None:
        raise NotFound(f"unknown preference {key!r}; known: {', '.join(SPEC_BY_KEY)}")
    text = value.strip().lower()
    if spec.is_number:
        assert spec.maximum is not None
        if not _WHOLE.fullmatch(text) or int(text) > spec.maximum:
            raise ValidationError(
                f"{key} must be a whole number from 0 to {spec.maximum}, not {value!r}"
            )
        return str(int(text))
    if spec.is_bool:
        text = {
            "1": "true",
            "yes": "true",
            "on": "true",
            "0": "false",
            "no": "false",
            "off": "false",
        }.get(text, text)
    if text not in spec.choices:
        raise ValidationError(f"{key} must be one of {' | '.join(spec.choices)}, not {value!r}")
    return text


_SELECT_PREFERENCES = select(Preference.__table__.c.key, Preference.__table__.c.value)


def load_preferences(session: Session) -> Preferences:
    stored = dict(session.execute(_SELECT_PREFERENCES).all())
    values = {spec.key: _typed(spec, stored.get(spec.key, spec.default)) for spec in SPECS}
    return Preferences(**values)
