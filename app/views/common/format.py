"""Showing service values: quantities and money exactly as the services and the command line
write them (Decimal, no exponent, no float), dates and times in the plant's local time."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

MONEY_PLACES = Decimal("0.01")


def qty(value: Decimal | None) -> str:
    """Plain decimal text without exponent or trailing zeros: 20, 0.5, -1.25."""
    if value is None:
        return ""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def money(value: Decimal | None) -> str:
    """Money with at least two places (12.50), more when the value has them (0.125)."""
    if value is None:
        return ""
    if value == value.quantize(MONEY_PLACES):
        return format(value.quantize(MONEY_PLACES), "f")
    return qty(value)


def day(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def when(value: datetime | None) -> str:
    """A timestamp in local time, to the minute."""
    if value is None:
        return ""
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


def words(key: str) -> str:
    """A service key in words: `in_process` -> `in process`."""
    return key.replace("_", " ")
