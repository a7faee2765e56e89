"""GS1 element strings: what a GS1-128 label carries and how a scan of one is read.

An element string is application identifiers (AIs) and their data: (01) GTIN, (10) lot,
(17) expiry, (21) serial, and a few more a supplier's label may carry (production, packing
and best-before dates, counts), which are read and left aside. It is written two ways:

    (01)09506000134352(17)310815(10)L123     as people read it, under the bars
    01095060001343521731081510L123           as the symbol carries it: a fixed-length field
                                             runs into the next, a variable-length one ends
                                             with FNC1 (a scanner types GS, 0x1D) unless last

A scanner may put the symbology identifier `]C1` (GS1-128) in front. Both ways are read
here; anything else (an unknown AI, a field too short or too long, a date that is no day,
a GTIN whose check digit is wrong, an AI given twice) is a `Gs1Fault` in words.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

GROUP_SEPARATOR = "\x1d"  # what a scanner types for FNC1 between fields
SYMBOLOGY_ID = "]C1"  # a scanner's prefix for GS1-128
GTIN_AI = "01"
LOT_AI = "10"
EXPIRY_AI = "17"
SERIAL_AI = "21"
MAX_DATA = 48  # characters of data one GS1-128 symbol holds
GTIN_LENGTH = 14  # every GTIN is stored as GTIN-14
GTIN_LENGTHS = (8, 12, 13, 14)


def gs1_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit of the digits before it: weights 3 and 1 from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def gtin_fault(digits: str) -> str | None:
    """Why `digits` is not a GTIN-8, -12, -13 or -14, or None."""
    if not digits.isascii() or not digits.isdigit():
        return "a GTIN is digits only"
    if len(digits) not in GTIN_LENGTHS:
        return f"a GTIN has 8, 12, 13 or 14 digits, not {len(digits)}"
    if gs1_check_digit(digits[:-1]) != int(digits[-1]):
        return f"its check digit should be {gs1_check_digit(digits[:-1])}, not {digits[-1]}"
    return None


def gtin14(digits: str) -> str:
    """A valid GTIN as it is stored: GTIN-14, zeros in front."""
    return digits.zfill(GTIN_LENGTH)


@dataclass(frozen=True)
class Ai:
    """One application identifier: its data's length (fixed, or at most `length`) and kind."""

    code: str
    title: str
    length: int
    fixed: bool
    kind: str  # "digits", "date" or "text"


AIS: dict[str, Ai] = {
    ai.code: ai
    for ai in (
        Ai(GTIN_AI, "GTIN", 14, True, "digits"),
        Ai(LOT_AI, "lot", 20, False, "text"),
        Ai("11", "production date", 6, True, "date"),
        Ai("13", "packaging date", 6, True, "date"),
        Ai("15", "best before date", 6, True, "date"),
        Ai(EXPIRY_AI, "expiry date", 6, True, "date"),
        Ai(SERIAL_AI, "serial", 20, False, "text"),
        Ai("30", "count", 8, False, "digits"),
        Ai("37", "count of trade items", 8, False, "digits"),
    )
}
AI_FIELDS = {GTIN_AI: "gtin", LOT_AI: "lot", EXPIRY_AI: "expires", SERIAL_AI: "serial"}
# GS1's character set 82: what the text of a lot or serial may hold.
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+", re.ASCII)
_HUMAN = re.compile(r"\((\d{2})\)([^()]*)", re.ASCII)


class Gs1Fault(ValueError):
    """Why a text is not a GS1 element string this plant reads, in words."""


@dataclass(frozen=True)
class ElementString:
    """What a GS1 code says: the GTIN (as GTIN-14), lot, expiry and serial (each optional)."""

    gtin: str | None = None
    lot: str | None = None
    expires: date | None = None
    serial: str | None = None

    def fields(self) -> list[tuple[str, str]]:
        """(AI, data) in the order they are carried: fixed-length fields first."""
        out = []
        if self.gtin is not None:
            out.append((GTIN_AI, self.gtin))
        if self.expires is not None:
            out.append((EXPIRY_AI, self.expires.strftime("%y%m%d")))
        if self.lot is not None:
            out.append((LOT_AI, self.lot))
        if self.serial is not None:
            out.append((SERIAL_AI, self.serial))
        return out

    @property
    def text(self) -> str:
        """As people read it: "(01)09506000134352(10)L123"."""
        return "".join(f"({ai}){data}" for ai, data in self.fields())

    def data(self, separator: str = GROUP_SEPARATOR) -> str:
        """As the symbol carries it (without the leading FNC1): a variable-length field not
        last is ended by `separator`."""
        parts = []
        fields = self.fields()
        for n, (ai, data) in enumerate(fields):
            parts.append(ai + data)
            if not AIS[ai].fixed and n < len(fields) - 1:
                parts.append(separator)
        return "".join(parts)


def element_string(
    *,
    gtin: str | None = None,
    lot: str | None = None,
    expires: date | None = None,
    serial: str | None = None,
) -> ElementString:
    """An element string to print, each field checked as a scan of it would be."""
    found = ElementString(
        gtin=gtin14(gtin) if gtin is not None else None, lot=lot, expires=expires, serial=serial
    )
    if not found.fields():
        raise Gs1Fault("a GS1 code carries at least one field")
    for ai, data in found.fields():
        _check(AIS[ai], data)
    if len(found.data()) > MAX_DATA:
        raise Gs1Fault(f"{len(found.data())} characters are more than a GS1-128 code holds")
    return found


def gs1_date(data: str, *, today: date | None = None) -> date:
    """A GS1 date YYMMDD: day 00 is the month's last day; the century is the one putting the
    year within 49 years back and 50 ahead of `today` (GS1 General Specifications 7.12)."""
    if len(data) != 6 or not data.isascii() or not data.isdigit():
        raise Gs1Fault(f"date {data!r} is not six digits YYMMDD")
    yy, month, day = int(data[:2]), int(data[2:4]), int(data[4:])
    this = (today or date.today()).year
    year = this - this % 100 + yy
    if year - this > 50:
        year -= 100
    elif this - year > 49:
        year += 100
    if not 1 <= month <= 12:
        raise Gs1Fault(f"date {data} has no month {month:02d}")
    last = calendar.monthrange(year, month)[1]
    if day > last:
        raise Gs1Fault(f"date {data} has no day {day:02d}")
    return date(year, month, day or last)


def _check(ai: Ai, data: str) -> None:
    if not data:
        raise Gs1Fault(f"({ai.code}) {ai.title} is empty")
    if ai.fixed and len(data) != ai.length:
        raise Gs1Fault(f"({ai.code}) {ai.title} has {ai.length} characters, not {len(data)}")
    if len(data) > ai.length:
        raise Gs1Fault(f"({ai.code}) {ai.title} is longer than {ai.length} characters")
    if ai.kind == "text":
        if not _CSET82.fullmatch(data):
            raise Gs1Fault(f"({ai.code}) {ai.title} {data!r} holds characters GS1 does not allow")
    elif ai.kind == "date":
        gs1_date(data)
    elif not data.isascii() or not data.isdigit():
        raise Gs1Fault(f"({ai.code}) {ai.title} is digits only")
    if ai.code == GTIN_AI:
        fault = gtin_fault(data)
        if fault is not None:
            raise Gs1Fault(f"(01) GTIN {data} is not valid: {fault}")


def _human_fields(text: str) -> list[tuple[str, str]]:
    fields = []
    at = 0
    while at < len(text):
        found = _HUMAN.match(text, at)
        if found is None:
            raise Gs1Fault(f"{text[at : at + 12]!r} is not an (AI) and its data")
        fields.append((found.group(1), found.group(2)))
        at = found.end()
    return fields


def _carried_fields(text: str) -> list[tuple[str, str]]:
    fields = []
    at = 0
    while at < len(text):
        code = text[at : at + 2]
        ai = AIS.get(code)
        if ai is None:
            raise Gs1Fault(f"AI ({code}) is not one this plant reads")
        start = at + 2
        if ai.fixed:
            end = start + ai.length
            if end > len(text) or GROUP_SEPARATOR in text[start:end]:
                raise Gs1Fault(f"({code}) {ai.title} has {ai.length} characters; it is cut short")
            at = end
            if text[at : at + 1] == GROUP_SEPARATOR:
                at += 1  # a separator after a fixed field is allowed
        else:
            end = text.find(GROUP_SEPARATOR, start)
            end = len(text) if end < 0 else end
            at = end + 1
        fields.append((code, text[start:end]))
    return fields


def parse_element_string(text: str, *, today: date | None = None) -> ElementString:
    """A scan of a GS1 code (with or without `]C1`, as carried or as people read it) as the
    GTIN, lot, expiry and serial it carries; refused with a `Gs1Fault` in words."""
    body = text[len(SYMBOLOGY_ID) :] if text.startswith(SYMBOLOGY_ID) else text
    body = body.lstrip(GROUP_SEPARATOR)
    if not body:
        raise Gs1Fault("it carries no fields")
    fields = _human_fields(body) if body.startswith("(") else _carried_fields(body)
    seen: dict[str, str] = {}
    for code, data in fields:
        ai = AIS.get(code)
        if ai is None:
            raise Gs1Fault(f"AI ({code}) is not one this plant reads")
        if code in seen:
            raise Gs1Fault(f"({code}) {ai.title} is given twice")
        _check(ai, data)
        seen[code] = data
    expiry = seen.get(EXPIRY_AI)
    return ElementString(
        gtin=seen.get(GTIN_AI),
        lot=seen.get(LOT_AI),
        expires=gs1_date(expiry, today=today) if expiry is not None else None,
        serial=seen.get(SERIAL_AI),
    )
