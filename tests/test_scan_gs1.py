"""A GS1-128 scan, read once for every scan screen: with or without `]C1`, with group
separators or as people read it, into item, lot or serial and expiry; a GTIN's check digit
checked; an unknown GTIN or a malformed element string refused in words, changing nothing.
The reader is fuzzed (seeded): whatever is scanned, it answers a code or a refusal."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.errors import NotFound, ShopfloorError, ValidationError
from app.models import AuditEvent, LedgerEntry
from app.models.gs1 import (
    ElementString,
    Gs1Fault,
    element_string,
    gs1_date,
    parse_element_string,
)
from app.services.engine.uow import UnitOfWork
from app.services.lots import tracking
from app.services.scanning.codes import Gs1Code, ItemCode, read_code
from app.services.scanning.production import WorkOrderSession
from tests.plant import Plant

GS = "\x1d"
GTIN = "09506000134352"
TODAY = date(2026, 3, 1)


# --- the element string ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"]C101{GTIN}1731081510L123",
        f"01{GTIN}1731081510L123",
        f"01{GTIN}10L123{GS}17310815",
        f"{GS}01{GTIN}10L123{GS}17310815{GS}",  # FNC1 first sent as GS too, GS after a fixed field
        f"(01){GTIN}(10)L123(17)310815",
        f"]C1(01){GTIN}(17)310815(10)L123",
    ],
)
def test_every_way_a_scanner_sends_it_reads_the_same(text: str) -> None:
    assert parse_element_string(text, today=TODAY) == ElementString(
        gtin=GTIN, lot="L123", expires=date(2031, 8, 15)
    )


def test_what_is_printed_reads_back_as_it_was() -> None:
    printed = element_string(gtin="96385074", lot="R-A", expires=date(2027, 2, 28), serial="S/1")
    assert printed.gtin == "00000096385074"  # every GTIN as GTIN-14
    assert printed.text == "(01)00000096385074(17)270228(10)R-A(21)S/1"
    assert printed.data() == f"01000000963850741727022810R-A{GS}21S/1"
    assert parse_element_string(printed.data(), today=TODAY) == printed
    assert parse_element_string(printed.text, today=TODAY) == printed


def test_a_date_s_day_00_is_the_month_s_end_and_its_century_is_the_nearest() -> None:
    assert gs1_date("270200", today=TODAY) == date(2027, 2, 28)
    assert gs1_date("991231", today=TODAY) == date(1999, 12, 31)  # 73 years ahead: the last
    assert gs1_date("751231", today=TODAY) == date(2075, 12, 31)  # 49 years ahead


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (f"01{GTIN[:-1]}3", "(01) GTIN 09506000134353 is not valid: its check digit should be 2"),
        (f"01{GTIN[:10]}", "(01) GTIN has 14 characters; it is cut short"),
        (f"01{GTIN}99ABC", "AI (99) is not one this plant reads"),
        (f"01{GTIN}17311315", "date 311315 has no month 13"),
        (f"01{GTIN}17310230", "date 310230 has no day 30"),
        (f"01{GTIN}10{'L' * 21}", "(10) lot is longer than 20 characters"),
        (f"01{GTIN}10L 1", "(10) lot 'L 1' holds characters GS1 does not allow"),
        (f"01{GTIN}10{GS}17310815", "(10) lot is empty"),
        (f"01{GTIN}01{GTIN}", "(01) GTIN is given twice"),
        (f"(01){GTIN}10L1", "(01) GTIN has 14 characters, not 18"),
        (f"(01){GTIN}(1O)L1", "'(1O)L1' is not an (AI) and its data"),
        ("]C1", "it carries no fields"),
        ("(01)abc", "(01) GTIN has 14 characters, not 3"),
    ],
)
def test_a_malformed_element_string_is_refused_in_words(text: str, words: str) -> None:
    with pytest.raises(Gs1Fault) as fault:
        parse_element_string(text, today=TODAY)
    assert words in str(fault.value)


# --- read once for every screen -------------------------------------------------------------


def written(uow: UnitOfWork) -> tuple[int, int]:
    return uow.read(
        lambda tx: (
            tx.session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
            tx.session.scalar(select(func.count()).select_from(LedgerEntry)) or 0,
        )
    )


@pytest.fixture
def labelled(plant: Plant) -> Plant:
    plant.item("RESIN")
    plant.item("SCREW")
    tracking.set_item_tracking(plant.uow, "RESIN", "lot", gtin=GTIN)
    return plant


def test_a_gs1_scan_names_its_item_by_gtin(uow: UnitOfWork, labelled: Plant) -> None:
    code = read_code(uow, f"]C101{GTIN}1731081510L123")
    assert isinstance(code, Gs1Code)
    assert (code.sku, code.tracking.value, code.lot, code.element.expires) == (
        "RESIN",
        "lot",
        "L123",
        date(2031, 8, 15),
    )
    assert code.described() == "(01)09506000134352(17)310815(10)L123 is a GS1 code"
    assert code.item() == ItemCode(code.text, "RESIN", code.tracking)
    alone = read_code(uow, "(10)L123")  # the lot half of a split label
    assert isinstance(alone, Gs1Code) and alone.sku is None and alone.lot == "L123"
    with pytest.raises(ValidationError, match=r"carries no item \(\(01\) GTIN\)"):
        alone.item()
    assert isinstance(read_code(uow, "SCREW"), ItemCode)  # plain codes as before


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    ("text", "error", "words"),
    [
        (
            f"]C101{'0' * 13}0" + "10L1",
            NotFound,
            "GS1 code (01)00000000000000(10)L1: no item has GTIN 00000000000000. Nothing changed",
        ),
        (
            f"]C101{GTIN[:-1]}9",
            ValidationError,
            "GS1 code ]C10109506000134359 cannot be read: (01) GTIN 09506000134359 is not "
            "valid: its check digit should be 2, not 9. Nothing changed",
        ),
    ],
)
def test_an_unknown_gtin_or_a_malformed_string_is_refused_in_words(
    uow: UnitOfWork, labelled: Plant, text: str, error: type[ShopfloorError], words: str
) -> None:
    before = written(uow)
    with pytest.raises(error) as refused:
        read_code(uow, text)
    assert refused.value.message == words
    assert written(uow) == before


# --- fuzzed ---------------------------------------------------------------------------------

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=300,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
VALID = [
    f"]C101{GTIN}1731081510L123",
    f"01{GTIN}10L-9{GS}21S1",
    f"(01){GTIN}(21)SN000123",
    "(10)R-A",
]
PIECES = st.sampled_from(
    ["]C1", GS, "(", ")", "01", "10", "17", "21", "99", "00", GTIN, "310815", "319999", "L-1"]
)


@st.composite
def scans(draw: st.DrawFn) -> str:
    """Valid scans cut, spliced and sprinkled with GS1's own pieces and hostile text."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return "".join(draw(st.lists(PIECES, max_size=8)))
    if kind == 1:
        base = draw(st.sampled_from(VALID))
        cut = draw(st.integers(0, len(base)))
        extra = draw(st.text(max_size=6))
        return base[:cut] + extra + base[cut + 1 :]
    if kind == 2:
        return draw(st.sampled_from(VALID)) + "".join(draw(st.lists(PIECES, max_size=3)))
    return draw(st.text(max_size=40))


@pytest.mark.sqlite_only
@FUZZ
@given(text=scans())
def test_fuzzed_scans_read_or_are_refused_and_change_nothing(
    uow: UnitOfWork, labelled: Plant, text: str
) -> None:
    before = written(uow)
    try:
        code = read_code(uow, text)
    except ShopfloorError as refused:
        assert refused.message and len(refused.message) < 400
    else:
        if isinstance(code, Gs1Code):
            assert code.sku in (None, "RESIN")
            assert code.element == parse_element_string(text.strip())
    assert written(uow) == before


@pytest.mark.sqlite_only
@FUZZ
@given(texts=st.lists(scans(), min_size=1, max_size=4))
def test_fuzzed_scans_at_the_station_never_crash_or_post(
    uow: UnitOfWork, labelled: Plant, texts: list[str]
) -> None:
    session = WorkOrderSession()
    before = written(uow)
    for text in texts:
        outcome = session.scan(uow, text)
        assert outcome.level in ("info", "ask", "refused")
        assert outcome.posted is None
    assert written(uow) == before
