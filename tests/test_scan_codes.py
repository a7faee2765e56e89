"""What a scanned code is, read once for every scan screen: each kind of code, garbage refused
in words without changing anything, and a new kind of code added in one place."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import ShopfloorError
from app.models import AuditEvent, LedgerEntry
from app.models.kinds import document_kinds
from app.services.engine.uow import UnitOfWork
from app.services.scanning import codes
from app.services.scanning.codes import (
    BadgeCode,
    Code,
    CommandCode,
    DocumentCode,
    ItemCode,
    Lookup,
    QuantityCode,
    read_code,
    register_reader,
)
from tests.plant import D, Plant


@pytest.fixture
def items(plant: Plant) -> Plant:
    plant.item("RIM-700C")
    plant.item("1001")  # a sku that looks like a quantity
    return plant


def written(uow: UnitOfWork) -> tuple[int, int]:
    """Audit events and ledger rows: what any posting would add to."""
    return uow.read(
        lambda tx: (
            tx.session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
            tx.session.scalar(select(func.count()).select_from(LedgerEntry)) or 0,
        )
    )


def test_each_kind_of_code(uow: UnitOfWork, items: Plant) -> None:
    badge = read_code(uow, " #u:olga ")
    assert isinstance(badge, BadgeCode) and badge.name == "olga"
    command = read_code(uow, "#build")
    assert isinstance(command, CommandCode) and command.command == "#BUILD"
    assert command.shown == "#BUILD"
    item = read_code(uow, "RIM-700C\t")  # a scanner's tab
    assert isinstance(item, ItemCode) and item.sku == "RIM-700C"
    assert item.described() == "RIM-700C is an item"
    numeric = read_code(uow, "1001")
    assert isinstance(numeric, ItemCode) and numeric.sku == "1001"  # an item before a number
    for text, value in (("5", D(5)), ("0.5", D("0.5")), ("\uff11\uff12", D(12)), ("1002", 1002)):
        quantity = read_code(uow, text)
        assert isinstance(quantity, QuantityCode) and quantity.value == value
    zero = read_code(uow, "0")
    assert isinstance(zero, QuantityCode) and zero.value == 0  # a count may be nothing
    with pytest.raises(ShopfloorError, match="must be greater than zero, got 0"):
        zero.positive()


def test_a_document_of_every_registered_kind(uow: UnitOfWork) -> None:
    kinds = document_kinds()
    assert {k.key for k in kinds} >= {"work_order", "sales_order", "purchase_order"}
    for kind in kinds:
        number = kind.format_number(7)
        code = read_code(uow, f" {number.lower()} ")
        assert isinstance(code, DocumentCode)
        assert code.kind is kind and code.number == number
        assert code.described() == f"{number} is {codes.a(kind.noun)}"


GARBAGE = [
    (
        "xyz",
        "Unknown code xyz: not a GS1 code, a badge, a command, an item, a document number, a bin "
        "or a quantity",
    ),
    ("#issue-now", "Unknown code #issue-now: not a GS1 code, a badge"),
    ("abc\x07def", "Unknown code 'abc\\x07def': it contains control characters"),
    ("WO-0000\x001", "it contains control characters"),
    ("\ud800", "it is not valid text"),
    ("x" * 5000, "longer than any code (128 characters)"),
    ("9" * 5_000_000, "longer than any code"),
    ("#U:", "A badge carries a name: #U:<name>"),
    ("WO-" + "1" * 40, "unknown work order 'WO-1111"),
    ("1e3", "scanned quantity '1e3' is not a number: exponents are not allowed"),
    ("5.", "a decimal point needs a digit on each side"),
    ("\u0663", "only the digits 0 to 9 are allowed"),
    ("12abc", "scanned quantity '12abc' is not a number"),
]


@pytest.mark.sqlite_only
@pytest.mark.parametrize(("text", "words"), GARBAGE, ids=lambda v: repr(v[:12]))
def test_garbage_is_refused_in_words_and_changes_nothing(
    uow: UnitOfWork, items: Plant, text: str, words: str
) -> None:
    before = written(uow)
    with pytest.raises(ShopfloorError) as refused:
        read_code(uow, text)
    assert words in refused.value.message
    assert len(refused.value.message) < 300  # five million nines are not repeated back
    assert written(uow) == before


@pytest.mark.sqlite_only
def test_nothing_is_no_code(uow: UnitOfWork) -> None:
    with pytest.raises(ShopfloorError, match="nothing was scanned"):
        read_code(uow, " \t")


class LabelCode(Code):
    noun = "label"


@pytest.mark.sqlite_only
def test_a_new_kind_of_code_is_one_reader(
    uow: UnitOfWork, items: Plant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(codes, "_READERS", list(codes._READERS))

    @register_reader(35, "a label")
    def read_label(text: str, lookup: Lookup) -> Code | None:
        return LabelCode(text) if text.startswith("LBL:") else None

    found = read_code(uow, "LBL:A-2")
    assert isinstance(found, LabelCode) and found.described() == "LBL:A-2 is a label"
    assert isinstance(read_code(uow, "RIM-700C"), ItemCode)  # rank 30 still reads first
    with pytest.raises(ShopfloorError) as refused:
        read_code(uow, "xyz")
    assert "not a GS1 code, a badge, a command, an item, a label, a document number, a bin " in (
        refused.value.message
    )


def test_a_code_as_an_answer_shows_it() -> None:
    assert codes.shown_code("RIM-700C") == "RIM-700C"
    assert codes.shown_code("x" * 50) == f"'{'x' * 40}'... (50 characters)"
    assert codes.shown_code("a\x07") == "'a\\x07'"
    assert codes.a("item receipt") == "an item receipt" and codes.a("work order") == "a work order"
    assert Decimal(1) == QuantityCode("1", Decimal(1)).positive()


def test_a_bin_label_is_a_code_every_screen_names(uow: UnitOfWork, items: Plant) -> None:
    from app.services.catalog import items as catalog
    from app.services.scanning.receiving import ReceiveSession

    catalog.set_bin(uow, "RIM-700C", "A-02-1")
    found = read_code(uow, "a-02-1")
    assert isinstance(found, codes.BinCode) and found.bin == "A-02-1"
    assert found.described() == "A-02-1 is a bin"
    # A screen that does not walk bins says what the code is and what it wants instead.
    answer = ReceiveSession().scan(uow, "A-02-1")
    assert answer.level == "refused"
    assert answer.message.startswith("A-02-1 is a bin; this screen receives purchase orders")
    with pytest.raises(
        ShopfloorError,
        match="not a GS1 code, a badge, a command, an item, a document number, a bin or a quantity",
    ):
        read_code(uow, "B-99")
