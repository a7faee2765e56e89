"""Exact quantities: parsing, the fixed-point column type, and sums in the database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.errors import InvalidQuantity
from app.models import LedgerEntry
from app.models.quantity import Fixed, fmt, parse_decimal, parse_quantity, round_quantity
from tests.plant import D, Plant


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", D(1)),
        (" 2.5 ", D("2.5")),
        ("0.000001", D("0.000001")),
        ("\uff11\uff12", D(12)),
        (7, D(7)),
        (D("3.10"), D("3.1")),
    ],
)
def test_parse_accepts(raw: object, expected: Decimal) -> None:
    assert parse_quantity(raw) == expected


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("0", "greater than zero"),
        ("-1", "greater than zero"),
        ("0.0000001", "more than 6 decimal places"),
        ("NaN", "not a finite number"),
        ("sNaN", "not a finite number"),
        ("inf", "not a finite number"),
        ("-Infinity", "not a finite number"),
        ("", "empty"),
        ("1,5", "not a number"),
        ("12abc", "not a number"),
        (1.5, "text or a whole number"),
        (True, "text or a whole number"),
        (None, "not a number"),
        ("1e13", "exponents are not allowed"),
        ("10000000000000", "too large"),
        ("1_000", "underscores are not allowed"),
        ("1E+2", "exponents are not allowed"),
    ],
)
def test_parse_refuses(raw: object, text: str) -> None:
    with pytest.raises(InvalidQuantity, match=text):
        parse_quantity(raw)


def test_signed_and_zero_rules() -> None:
    assert parse_decimal("-3", non_zero=True) == D(-3)
    assert parse_decimal("0", non_negative=True) == 0
    with pytest.raises(InvalidQuantity, match="must not be zero"):
        parse_decimal("0", non_zero=True)
    with pytest.raises(InvalidQuantity, match="must not be negative"):
        parse_decimal("-0.5", field="cost", non_negative=True)


def test_fmt_is_plain_decimal_text() -> None:
    assert [fmt(D(x)) for x in ("20.000000", "0.500000", "-1.25", "0E-6", "100", "1E+3")] == [
        "20",
        "0.5",
        "-1.25",
        "0",
        "100",
        "1000",
    ]


def test_round_quantity_half_up() -> None:
    assert round_quantity(D("0.3333333")) == D("0.333333")
    assert round_quantity(D("0.0000005")) == D("0.000001")


def test_fixed_type_refuses_floats_and_excess_places() -> None:
    col = Fixed()
    assert col.process_bind_param(D("1.5"), None) == 1_500_000  # type: ignore[arg-type]
    assert col.process_result_value(1_500_000, None) == D("1.5")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        col.process_bind_param(1.5, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        col.process_bind_param(D("0.0000001"), None)  # type: ignore[arg-type]


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=6, allow_nan=False))
def test_fixed_round_trip(value: Decimal) -> None:
    col = Fixed()
    stored = col.process_bind_param(value, None)  # type: ignore[arg-type]
    assert isinstance(stored, int)
    assert col.process_result_value(stored, None) == value  # type: ignore[arg-type]


def test_database_sums_are_exact(plant: Plant) -> None:
    plant.item("DUST")
    for _ in range(10):
        plant.stock("DUST", "0.1")
    plant.stock("DUST", "0.2")
    with plant.uow.query() as tx:
        total = tx.session.scalar(select(func.sum(LedgerEntry.quantity)))
    assert total == D("1.2")
    assert plant.on_hand("DUST") == D("1.2")
