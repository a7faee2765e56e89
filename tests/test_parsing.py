"""The one place where text becomes a value (app/services/engine/parsing.py): what a
quantity, an id, a key, a date and a flag may look like, and how everything else is refused.
Every example of issue 9 is here, accepted or refused, with its message."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import pytest

from app.errors import InvalidQuantity, NotFound, ValidationError
from app.services.engine import parsing
from app.services.engine.numbering import normalize_number
from app.services.engine.parsing import (
    MAX_ID,
    lookup_key,
    parse_code,
    parse_date,
    parse_decimal,
    parse_flag,
    parse_id,
    parse_int,
    parse_name,
    parse_quantity,
    parse_text,
)

D = Decimal


def fw(text: str) -> str:
    """The same digits, full stop and minus as a Japanese or Chinese input method types them."""
    return text.translate(
        {ord(c): 0xFF10 + int(c) for c in "0123456789"} | {46: 0xFF0E, 45: 0xFF0D}
    )


def short(value: object) -> str:
    """A test id for any value, however long."""
    return parsing.shown(value)[:30]


# --- quantities and money -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5", D(5)),
        (" 5 ", D(5)),  # a scanner's surrounding spaces
        ("\t5\r\n", D(5)),  # ... or its tab and line end
        ("\u30005\u3000", D(5)),  # an input method's ideographic spaces
        ("0.5", D("0.5")),
        ("007", D(7)),
        (fw("12"), D(12)),  # full-width digits from an input method
        (fw("12.5"), D("12.5")),
        (fw("-3"), D(-3)),
        ("-3", D(-3)),
        ("999999999.999999", D("999999999.999999")),
        ("1.5000000", D("1.5")),  # trailing zeros are not decimal places
        ("-0", D(0)),
        (7, D(7)),
        (D("3.10"), D("3.1")),
    ],
)
def test_quantity_accepted(raw: object, expected: Decimal) -> None:
    assert parse_decimal(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1_0", "quantity '1_0' is not a number: underscores are not allowed"),
        ("\u0663", "quantity '\u0663' is not a number: only the digits 0 to 9 are allowed"),
        ("\U0001d7d3", "quantity '\U0001d7d3' is not a number: only the digits 0 to 9 are allowed"),
        ("\u00b2", "quantity '\u00b2' is not a number: only the digits 0 to 9 are allowed"),
        ("+3", "quantity '+3' is not a number: no + sign"),
        ("1e1", "quantity '1e1' is not a number: exponents are not allowed"),
        ("1E+2", "quantity '1E+2' is not a number: exponents are not allowed"),
        ("1e1000000", "quantity '1e1000000' is not a number: exponents are not allowed"),
        ("9e999999999", "quantity '9e999999999' is not a number: exponents are not allowed"),
        ("1e400", "quantity '1e400' is not a number: exponents are not allowed"),
        ("5.", "quantity '5.' is not a number: a decimal point needs a digit on each side"),
        (".5", "quantity '.5' is not a number: a decimal point needs a digit on each side"),
        ("1,5", "quantity '1,5' is not a number: write the decimal point as ."),
        ("1 000", "quantity '1 000' is not a number: no spaces inside"),
        ("1.2.3", "quantity '1.2.3' is not a number: write plain digits"),
        ("12abc", "quantity '12abc' is not a number"),
        ("0x10", "quantity '0x10' is not a number"),
        ("--5", "quantity '--5' is not a number"),
        ("NaN", "quantity 'NaN' is not a finite number"),
        ("sNaN", "quantity 'sNaN' is not a finite number"),
        ("inf", "quantity 'inf' is not a finite number"),
        ("-Infinity", "quantity '-Infinity' is not a finite number"),
        ("", "quantity is empty"),
        ("   ", "quantity is empty"),
        ("0.0000001", "quantity '0.0000001' has more than 6 decimal places"),
        ("1000000000", "quantity '1000000000' is too large"),
        ("-1000000000", "quantity '-1000000000' is too large"),
        ("99999999999999999999", "quantity '99999999999999999999' is too large"),
        ("9" * 33, "is too long to be a number"),
        ("9" * 5_000_000, "(5,000,000 characters) is too long to be a number"),
        (1.5, "quantity must be given as text or a whole number, not 1.5"),
        (True, "quantity must be given as text or a whole number, not True"),
        (None, "quantity None is not a number"),
        (10**9, "quantity 1000000000 is too large"),
        (10**5000, "quantity (a whole number of about 5,001 digits) is too large"),
        (D("9e999999999"), "quantity 9E+999999999 is too large"),
        (D("NaN"), "quantity NaN is not a finite number"),
        (D("1e-999999999"), "has more than 6 decimal places"),
    ],
    ids=short,
)
def test_quantity_refused(raw: object, message: str) -> None:
    with pytest.raises(InvalidQuantity) as info:
        parse_decimal(raw)
    assert message in info.value.message
    assert len(info.value.message) < 200  # a huge value is never echoed in full


def test_quantity_sign_rules_keep_their_messages() -> None:
    assert parse_decimal("-3", non_zero=True) == D(-3)
    with pytest.raises(InvalidQuantity, match="quantity must be greater than zero, got -1"):
        parse_quantity("-1")
    with pytest.raises(InvalidQuantity, match=r"cost must not be negative, got -0\.5"):
        parse_decimal("-0.5", field="cost", non_negative=True)
    with pytest.raises(InvalidQuantity, match="must not be zero"):
        parse_decimal(fw("-0"), non_zero=True)


def test_huge_text_is_refused_by_length_before_any_arithmetic() -> None:
    start = time.perf_counter()
    for text in ("9" * 5_000_000, "1" + "0" * 5_000_000 + ".5", "9e" + "9" * 1_000_000):
        with pytest.raises(InvalidQuantity):
            parse_decimal(text)
    assert time.perf_counter() - start < 1.0


def test_the_parsers_are_the_quantity_models() -> None:
    from app.models import quantity

    assert parsing.parse_decimal is quantity.parse_decimal
    assert parsing.parse_quantity is quantity.parse_quantity


# --- whole numbers and ids ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", 1), (" 42 ", 42), (fw("07"), 7), (MAX_ID, MAX_ID), (str(MAX_ID), MAX_ID), ("0001", 1)],
)
def test_id_accepted(raw: object, expected: int) -> None:
    assert parse_id(raw, field="event id") == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("9223372036854775808", "event id must be a whole number from 1 to 9,223,372,036,854,"),
        ("-9223372036854775809", "not '-9223372036854775809'"),
        ("999999999999999999999999999999", "not '999999999999999999999999999999'"),
        ("9" * 100_000, "(100,000 characters)"),
        ("0", "from 1 to"),
        ("-1", "from 1 to"),
        (2**64, "not 18446744073709551616"),
        ("1e3", "event id '1e3' is not a whole number"),
        ("1.0", "event id '1.0' is not a whole number"),
        ("+5", "event id '+5' is not a whole number"),
        ("1_0", "event id '1_0' is not a whole number"),
        ("\u0663", "event id '\u0663' is not a whole number"),
        ("", "event id is empty"),
        (True, "event id True is not a whole number"),
        (1.0, "event id 1.0 is not a whole number"),
        (None, "event id None is not a whole number"),
    ],
    ids=short,
)
def test_id_refused(raw: object, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_id(raw, field="event id")
    assert message in info.value.message


def test_bounded_whole_numbers_say_their_bounds() -> None:
    assert parse_int("10000", field="limit", minimum=1, maximum=10_000) == 10_000
    with pytest.raises(ValidationError, match="limit must be a whole number from 1 to 10,000"):
        parse_int("99999999999999999999", field="limit", minimum=1, maximum=10_000)
    with pytest.raises(ValidationError, match=r"priority must be a whole number from 1 \(most"):
        parse_int("0", field="priority", minimum=1, maximum=999, bounds="from 1 (most urgent)")


# --- keys ---------------------------------------------------------------------------------


def test_lookup_keys_are_trimmed_and_kept_as_typed() -> None:
    assert lookup_key("  Ab-1\r\n", noun="sku", max_length=64) == "Ab-1"
    assert lookup_key("#ISSUE", noun="sku", max_length=64) == "#ISSUE"  # simply unknown
    assert lookup_key("", noun="sku", max_length=64) == ""
    assert lookup_key(None, noun="location", max_length=32) == ""


@pytest.mark.parametrize(
    ("raw", "error", "message"),
    [
        ("LABEL\udcff", ValidationError, "sku 'LABEL\\udcff' is not valid text"),
        ("\udcc3(", ValidationError, "is not valid text (bytes that are not UTF-8)"),
        ("LABEL\x07", NotFound, "unknown sku 'LABEL\\x07': it contains control characters"),
        ("\x1b[2JLABEL", NotFound, "it contains control characters"),
        ("LA\nBEL", NotFound, "it contains control characters"),
        ("LA\u2028BEL", NotFound, "it contains control characters"),
        ("LA\x85BEL", NotFound, "it contains control characters"),
        ("A" * 65, NotFound, "longer than 64 characters"),
        ("A" * 5_000_000, NotFound, "(5,000,000 characters): longer than 64 characters"),
    ],
    ids=short,
)
def test_lookup_keys_no_record_can_have_are_refused(
    raw: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        lookup_key(raw, noun="sku", max_length=64)
    assert type(info.value) is error
    assert message in str(info.value)


def test_document_numbers_are_upper_case_and_named_by_their_prefix() -> None:
    assert normalize_number(" wo-000010 ") == "WO-000010"
    with pytest.raises(NotFound, match="unknown work order 'WO-000001\\\\x07'"):
        normalize_number("WO-000001\x07")
    with pytest.raises(NotFound, match="unknown sales order"):
        normalize_number("SO-" + "9" * 40)
    with pytest.raises(ValidationError, match="is not valid text"):
        normalize_number("WO-\udcff000001")
    with pytest.raises(NotFound, match="unknown document"):
        normalize_number("X\x00")


@pytest.mark.parametrize("code", ["BIKE-CITY-M", "Ab-1", "\u00c9TAG\u00c8RE-3", "1001", "A" * 64])
def test_new_codes_accepted(code: str) -> None:
    assert parse_code(f" {code} ", field="sku", max_length=64) == code


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "sku is empty"),
        ("A B", "must be 1 to 64 characters without spaces or control characters"),
        ("A\u00a0B", "without spaces or control characters"),
        ("A\x07", "without spaces or control characters"),
        ("A\u200bB", "without spaces or control characters"),  # zero-width space
        ("A\u202eB", "without spaces or control characters"),  # right-to-left override
        ("A" * 65, "must be 1 to 64 characters"),
        ("A\udcff", "sku 'A\\udcff' is not valid text"),
        ("#ISSUE", "sku '#ISSUE' must not start with # (the scan station reads those as commands)"),
        ("#U:bob", "must not start with #"),
    ],
)
def test_new_codes_refused(raw: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_code(raw, field="sku", max_length=64)
    assert message in info.value.message


def test_names_may_have_spaces_but_no_control_characters() -> None:
    assert parse_name("  Anna Maria  ", field="user name", max_length=64) == "Anna Maria"
    assert parse_name("Mehr\u200cdad", field="customer", max_length=120) == "Mehr\u200cdad"
    for raw, message in (
        ("", "user name is empty"),
        ("bob\x07", "user name 'bob\\x07' contains control characters"),
        ("bob\udcff", "user name 'bob\\udcff' is not valid text"),
        ("b" * 65, "is longer than 64 characters"),
    ):
        with pytest.raises(ValidationError) as info:
            parse_name(raw, field="user name", max_length=64)
        assert message in info.value.message


def test_free_text_may_be_empty() -> None:
    assert parse_text("  ", field="memo", max_length=200) == ""
    assert parse_text(" '; DROP TABLE item; -- ", field="memo", max_length=200) == (
        "'; DROP TABLE item; --"
    )
    with pytest.raises(ValidationError, match="is longer than 200 characters"):
        parse_text("m" * 201, field="memo", max_length=200)


# --- dates and flags ----------------------------------------------------------------------


def test_dates_are_year_month_day() -> None:
    assert parse_date("2026-12-03", field="due date") == date(2026, 12, 3)
    assert parse_date(f" {fw('2026-12-03')} ", field="due date") == date(2026, 12, 3)
    assert parse_date("", field="due date") is None
    assert parse_date(None, field="due date") is None
    for raw in (
        "2024-02-30",
        "20261203",
        "2026-W49-1",
        "2026-12-3",
        "\u0662\u0660\u0662\u0666-12-03",
        "9" * 100,
    ):
        with pytest.raises(ValidationError, match=r"due date .* is not a date \(YYYY-MM-DD\)"):
            parse_date(raw, field="due date")


def test_flags_keep_their_words_and_messages() -> None:
    assert [parse_flag(v, "backflush", True) for v in ("yes", " X ", "0", "", None, False)] == [
        True,
        True,
        False,
        True,
        True,
        False,
    ]
    with pytest.raises(ValidationError, match="backflush must be true or false, not 'maybe'"):
        parse_flag("maybe", "backflush", True)
