"""Exact quantities and money: parsing, validation and the fixed-point column type.

Every quantity and every amount is a `Decimal` with at most `SCALE` places. The database
stores them as integers in millionths, so sums are integer sums on SQLite and PostgreSQL
alike (SQLite has no decimal type; its approximate-number sums drift).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import TypeDecorator

from app.errors import InvalidQuantity

SCALE = 6
QUANTUM = Decimal(1).scaleb(-SCALE)
ZERO = Decimal(0)
_FACTOR = 10**SCALE
# Largest quantity or amount anyone may type in. Stored values are millionths in a signed
# 64-bit integer (up to about 9.2e12), so computed figures (a line's requirement, a sum of
# many postings) have room above this.
MAX_MAGNITUDE = Decimal(10) ** 9
# Largest computed figure the services accept for one record.
MAX_STORED = Decimal(10) ** 12


# --- text as typed or scanned ------------------------------------------------------------
# What a quantity or an amount may look like is written in docs/rules.md ("What a quantity may
# look like"); app/services/engine/parsing.py builds ids, keys and dates on the same pieces.

MAX_NUMBER_TEXT = 32  # characters, after trimming: longer text is refused before any arithmetic
MAX_WHOLE_DIGITS = 9  # below MAX_MAGNITUDE
_FULL_WIDTH = str.maketrans(
    {**{chr(0xFF10 + d): str(d) for d in range(10)}, "\uff0e": ".", "\uff0d": "-"}
)
_DECIMAL_TEXT = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?", re.ASCII)
_NOT_FINITE = {"nan", "snan", "inf", "infinity"}
_SHOWN = 40


def shown(value: object) -> str:
    """A value as an error message shows it: its repr, cut short when it is long."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**_SHOWN:
        return f"(a whole number of about {int(value.bit_length() * 0.30103) + 1:,} digits)"
    if isinstance(value, str) and len(value) > _SHOWN:
        return f"{value[:_SHOWN]!r}... ({len(value):,} characters)"
    if isinstance(value, Decimal):
        text = str(value)
        return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}... ({len(text):,} characters)"
    return repr(value)


def scanned_text(value: str) -> str:
    """Text as a keyboard, an input method or a scanner sends it: surrounding whitespace
    dropped, full-width digits, full stop and minus made ASCII."""
    return value.strip().translate(_FULL_WIDTH)


def _why_not_a_number(text: str) -> str:
    if "e" in text.lower() and any(c in "0123456789" for c in text):
        return "exponents are not allowed (write the digits out)"
    if "_" in text:
        return "underscores are not allowed"
    if text.startswith("+"):
        return "no + sign"
    if any(not c.isascii() and c.isdigit() for c in text):
        return "only the digits 0 to 9 are allowed"
    if re.fullmatch(r"-?(\.[0-9]+|[0-9]+\.)", text):
        return "a decimal point needs a digit on each side (0.5, 5)"
    if "," in text:
        return "write the decimal point as . and no thousands separators"
    if any(c.isspace() for c in text):
        return "no spaces inside"
    return "write plain digits with at most one decimal point, like 12 or 0.5"


def decimal_from_text(value: str, field: str = "quantity") -> Decimal:
    """The quantity grammar: `-?[0-9]+(.[0-9]+)?` after scanned_text, at most MAX_NUMBER_TEXT
    characters, below MAX_MAGNITUDE, at most SCALE significant decimal places. The text is
    checked by length and shape before it ever becomes a Decimal."""
    text = scanned_text(value)
    if not text:
        raise InvalidQuantity(f"{field} is empty")
    if len(text) > MAX_NUMBER_TEXT:
        raise InvalidQuantity(f"{field} {shown(value)} is too long to be a number")
    match = _DECIMAL_TEXT.fullmatch(text)
    if match is None:
        if text.lstrip("+-").lower() in _NOT_FINITE:
            raise InvalidQuantity(f"{field} {shown(value)} is not a finite number")
        raise InvalidQuantity(f"{field} {shown(value)} is not a number: {_why_not_a_number(text)}")
    _sign, whole, fraction = match.groups()
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise InvalidQuantity(f"{field} {shown(value)} is too large")
    if len((fraction or "").rstrip("0")) > SCALE:
        raise InvalidQuantity(f"{field} {shown(value)} has more than {SCALE} decimal places")
    return Decimal(text)


def parse_decimal(
    value: object,
    *,
    field: str = "quantity",
    positive: bool = False,
    non_negative: bool = False,
    non_zero: bool = False,
) -> Decimal:
    """Turn user input (text, int or Decimal; never float) into an exact Decimal, or refuse."""
    if isinstance(value, bool | float):
        raise InvalidQuantity(f"{field} must be given as text or a whole number, not {value!r}")
    if isinstance(value, str):
        d = decimal_from_text(value, field)
    elif isinstance(value, int):
        if abs(value) >= MAX_MAGNITUDE:
            raise InvalidQuantity(f"{field} {shown(value)} is too large")
        d = Decimal(value)
    elif isinstance(value, Decimal):
        d = value
        if not d.is_finite():
            raise InvalidQuantity(f"{field} {shown(value)} is not a finite number")
        if d.copy_abs() >= MAX_MAGNITUDE:
            raise InvalidQuantity(f"{field} {shown(value)} is too large")
        if d != d.quantize(QUANTUM, rounding=ROUND_HALF_UP):
            raise InvalidQuantity(f"{field} {shown(value)} has more than {SCALE} decimal places")
    else:
        raise InvalidQuantity(f"{field} {shown(value)} is not a number")
    if positive and d <= 0:
        raise InvalidQuantity(f"{field} must be greater than zero, got {fmt(d)}")
    if non_negative and d < 0:
        raise InvalidQuantity(f"{field} must not be negative, got {fmt(d)}")
    if non_zero and d == 0:
        raise InvalidQuantity(f"{field} must not be zero")
    return d.quantize(QUANTUM) if d else ZERO.quantize(QUANTUM)


def parse_quantity(value: object, field: str = "quantity") -> Decimal:
    """A quantity that must be greater than zero."""
    return parse_decimal(value, field=field, positive=True)


def round_quantity(value: Decimal) -> Decimal:
    """Round a computed quantity (e.g. quantity per x built) to the stored precision."""
    return value.quantize(QUANTUM, rounding=ROUND_HALF_UP)


def fmt(value: Decimal | None) -> str:
    """Plain decimal text without exponent or trailing zeros: 20, 0.5, -1.25."""
    if value is None:
        return ""
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text


class Fixed(TypeDecorator[Decimal]):
    """Decimal stored as a BIGINT count of millionths; refuses floats and excess places."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, float | bool):
            raise TypeError(f"refusing to store {value!r}: quantities and money are Decimal")
        d = value if isinstance(value, Decimal) else Decimal(value)
        scaled = d.scaleb(SCALE)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{d} has more than {SCALE} decimal places")
        stored = int(scaled)
        if not -(2**63) <= stored < 2**63:
            raise ValueError(f"{d} is too large to store")
        return stored

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-SCALE)

    def process_literal_param(self, value: Any, dialect: Dialect) -> str:
        bound = self.process_bind_param(value, dialect)
        return "NULL" if bound is None else str(bound)


def millionths(column: InstrumentedAttribute[Any] | ColumnElement[Any]) -> ColumnElement[int]:
    """The stored integer of a Fixed column, for integer arithmetic in bulk queries."""
    return type_coerce(column, BigInteger)
