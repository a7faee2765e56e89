"""Exact quantities and money: parsing, validation and the fixed-point column type.

Every quantity and every amount is a `Decimal` with at most `SCALE` places. The database
stores them as integers in millionths, so sums are integer sums on SQLite and PostgreSQL
alike (SQLite has no decimal type; its approximate-number sums drift).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
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
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace("_", "")
        if not text:
            raise InvalidQuantity(f"{field} is empty")
        try:
            d = Decimal(text)
        except InvalidOperation:
            raise InvalidQuantity(f"{field} {value!r} is not a number") from None
    else:
        raise InvalidQuantity(f"{field} {value!r} is not a number")
    if not d.is_finite():
        raise InvalidQuantity(f"{field} {value!r} is not a finite number")
    if abs(d) >= MAX_MAGNITUDE:
        raise InvalidQuantity(f"{field} {value!r} is too large")
    if d != d.quantize(QUANTUM, rounding=ROUND_HALF_UP):
        raise InvalidQuantity(f"{field} {value!r} has more than {SCALE} decimal places")
    if positive and d <= 0:
        raise InvalidQuantity(f"{field} must be greater than zero, got {fmt(d)}")
    if non_negative and d < 0:
        raise InvalidQuantity(f"{field} must not be negative, got {fmt(d)}")
    if non_zero and d == 0:
        raise InvalidQuantity(f"{field} must not be zero")
    return d.quantize(QUANTUM)


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
