"""Where text typed, scanned or read from a file becomes a value: quantities and money, whole
numbers and ids, keys (skus, location codes, document numbers, names), free text, dates and
yes/no flags. The command line, the imports and the scan station all parse through here, so a
value is accepted or refused the same way wherever it comes from (docs/rules.md, "What a
quantity may look like" and "Keys and ids").

Nothing here touches the database: a refusal happens before any lookup.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from app.errors import NotFound, ValidationError
from app.models.gs1 import gtin14, gtin_fault
from app.models.lots import LOT_NUMBER_LENGTH
from app.models.quantity import (
    MAX_MAGNITUDE,
    MAX_NUMBER_TEXT,
    SCALE,
    decimal_from_text,
    parse_decimal,
    parse_quantity,
    scanned_text,
    shown,
)

__all__ = [
    "COMMAND_PREFIX",
    "MAX_ID",
    "MAX_MAGNITUDE",
    "SCALE",
    "decimal_from_text",
    "lookup_key",
    "lookup_lot",
    "parse_code",
    "parse_date",
    "parse_decimal",
    "parse_flag",
    "parse_gtin",
    "parse_id",
    "parse_int",
    "parse_lot_number",
    "parse_name",
    "parse_quantity",
    "parse_text",
    "scanned_text",
    "shown",
    "text_fault",
]

MAX_ID = 2**63 - 1  # ids are signed 64-bit integers in every table
COMMAND_PREFIX = "#"  # the scan station's command codes: #ISSUE, #BUILD, #U:<name>, ...
_INTEGER_TEXT = re.compile(r"-?[0-9]+", re.ASCII)
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_TRUE = {"true", "yes", "y", "1", "x"}
_FALSE = {"false", "no", "n", "0", ""}

# Unicode categories refused inside text: lone surrogates are not text at all (argv bytes that
# are not UTF-8 arrive as surrogate escapes); control characters never belong in a one-line
# value; a code (sku, location) also has no format characters (zero-width, direction marks)
# and no spaces, so two codes that look alike are alike.
_NOT_TEXT = {"Cs"}
_CONTROL = {"Cc"}
_LINE_BREAK = {"Zl", "Zp"}
_NOT_IN_CODES = {"Cf", "Zs"}


def text_fault(text: str, *, code: bool = False) -> str | None:
    """Why `text` cannot be a one-line value (None when it can): "not valid text" for lone
    surrogates, "control characters" for control characters and line breaks; with `code`,
    also "spaces or format characters"."""
    faults: set[str] = set()
    for ch in text:
        category = unicodedata.category(ch)
        if category in _NOT_TEXT:
            return "not valid text (bytes that are not UTF-8)"
        if category in _CONTROL or category in _LINE_BREAK:
            faults.add("control characters")
        elif code and (category in _NOT_IN_CODES or ch.isspace()):
            faults.add("spaces or format characters")
    if not faults:
        return None
    return " and ".join(sorted(faults))


# --- whole numbers ------------------------------------------------------------------------


def parse_int(
    value: object, *, field: str, minimum: int, maximum: int, bounds: str | None = None
) -> int:
    """A whole number from `minimum` to `maximum` (`bounds` says so in words): an int, or text
    of ASCII digits with an optional leading minus (trimmed, full-width digits made ASCII,
    refused by length before it is converted)."""
    bounds = f"{field} must be a whole number {bounds or f'from {minimum:,} to {maximum:,}'}"
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError(f"{field} {shown(value)} is not a whole number")
    if isinstance(value, str):
        text = scanned_text(value)
        if not text:
            raise ValidationError(f"{field} is empty")
        if _INTEGER_TEXT.fullmatch(text[: MAX_NUMBER_TEXT + 1]) is None:
            raise ValidationError(f"{field} {shown(value)} is not a whole number")
        if len(text) > MAX_NUMBER_TEXT:
            raise ValidationError(f"{bounds}, not {shown(value)}")
        number = int(text)
    else:
        number = value
    if not minimum <= number <= maximum:
        raise ValidationError(f"{bounds}, not {shown(value)}")
    return number


def parse_id(value: object, *, field: str = "id") -> int:
    """A record id (an audit event, a ledger row): 1 to 2**63 - 1, what the database stores."""
    return parse_int(value, field=field, minimum=1, maximum=MAX_ID)


# --- keys ---------------------------------------------------------------------------------


def _key_text(value: object) -> str:
    return "" if value is None else str(value).strip()


def lookup_key(value: object, *, noun: str, max_length: int) -> str:
    """A key as typed or scanned, about to be looked up: trimmed. Text no record can have
    (control characters, longer than the column) is unknown without asking the database;
    text that is not valid Unicode is refused."""
    text = _key_text(value)
    fault = text_fault(text)
    if fault is not None and fault.startswith("not valid text"):
        raise ValidationError(f"{noun} {shown(text)} is {fault}")
    if fault is not None:
        raise NotFound(f"unknown {noun} {shown(text)}: it contains {fault}")
    if len(text) > max_length:
        raise NotFound(f"unknown {noun} {shown(text)}: longer than {max_length} characters")
    return text


def parse_code(value: object, *, field: str, max_length: int) -> str:
    """A new sku or location code: 1 to `max_length` characters without spaces, control or
    format characters, not starting with # (the scan station reads those as commands)."""
    text = _key_text(value)
    if not text:
        raise ValidationError(f"{field} is empty")
    fault = text_fault(text, code=True)
    if fault is not None and fault.startswith("not valid text"):
        raise ValidationError(f"{field} {shown(text)} is {fault}")
    if fault is not None or len(text) > max_length:
        raise ValidationError(
            f"{field} {shown(text)} must be 1 to {max_length} characters "
            "without spaces or control characters"
        )
    if text.startswith(COMMAND_PREFIX):
        raise ValidationError(
            f"{field} {shown(text)} must not start with {COMMAND_PREFIX} "
            "(the scan station reads those as commands)"
        )
    return text


def parse_lot_number(value: object, *, field: str = "lot") -> str:
    """A lot or serial number coming in: like a new sku, case-preserving, 1 to 64 characters
    without spaces or control characters, not starting with # (a command)."""
    return parse_code(value, field=field, max_length=LOT_NUMBER_LENGTH)


def lookup_lot(value: object, *, noun: str = "lot") -> str:
    """A lot or serial number as typed or scanned, about to be looked up."""
    return lookup_key(value, noun=noun, max_length=LOT_NUMBER_LENGTH)


def parse_gtin(value: object) -> str:
    """A GS1 trade item number of 8, 12, 13 or 14 digits whose check digit is right, as
    stored: GTIN-14 (zeros in front)."""
    text = scanned_text(_key_text(value))
    fault = gtin_fault(text)
    if fault is not None:
        raise ValidationError(f"GTIN {shown(text)} is not valid: {fault}")
    return gtin14(text)


def parse_name(value: object, *, field: str, max_length: int) -> str:
    """A person's or a customer's name, or another one-line key with spaces inside: trimmed,
    1 to `max_length` characters, valid text without control characters."""
    text = _key_text(value)
    if not text:
        raise ValidationError(f"{field} is empty")
    fault = text_fault(text)
    if fault is not None:
        verb = "is" if fault.startswith("not valid text") else "contains"
        raise ValidationError(f"{field} {shown(text)} {verb} {fault}")
    if len(text) > max_length:
        raise ValidationError(f"{field} {shown(text)} is longer than {max_length} characters")
    return text


def parse_text(value: object, *, field: str, max_length: int) -> str:
    """One line of free text (a memo, a search): trimmed, valid text without control
    characters, at most `max_length` characters; empty is allowed."""
    text = _key_text(value)
    return parse_name(text, field=field, max_length=max_length) if text else ""


# --- dates and flags ----------------------------------------------------------------------


def parse_date(value: object, *, field: str = "date") -> date | None:
    """A calendar date as YYYY-MM-DD (ASCII or full-width digits); empty is None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = scanned_text(str(value))
    if len(text) == 10 and _DATE_TEXT.fullmatch(text) is not None:
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ValidationError(f"{field} {shown(value)} is not a date (YYYY-MM-DD)")


def parse_flag(value: object, field: str, default: bool) -> bool:
    """Yes or no: true/yes/y/1/x or false/no/n/0 in any case; empty is `default`."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text == "":
        return default
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(f"{field} must be true or false, not {shown(value)}")
