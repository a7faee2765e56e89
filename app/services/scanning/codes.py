"""What a scanned code is, read once for every scan screen.

A scanner types a code and Enter; `read_code(uow, text)` reads the text (without its Enter)
into one kind of code, the same way at the station, the pick bench and the receiving dock:

    #U:olga          BadgeCode     sign in as olga (the PIN comes next)
    #BUILD           CommandCode   a command, in upper case whatever was scanned
    RIM-700C         ItemCode      an item has exactly this sku
    wo-000005        DocumentCode  a number of a registered kind of document (its prefix),
                                   normalised: WO-000005, a work order
    5, 0.5           QuantityCode  plain digits, the quantity grammar
    ]C1010950...     Gs1Code       a GS1-128 element string (with or without `]C1`, with
                                   group separators or as people read it, "(01)...(10)..."):
                                   its item by GTIN, lot or serial and expiry

Text no code can be (not text, control characters, longer than any code, or nothing it could
be) is refused in words before any session looks at it, so a refused scan changes nothing.

A new kind of code (a bin, a reason code) is one `Code` subclass and one reader registered
here with `register_reader`: its rank says which readers it goes before, its words join the
refusal of an unknown code. A session that does not read it refuses it in the same words as
every other screen (`ScanSession.on_code`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import select

from app.errors import NotFound, ValidationError
from app.models import Item, Tracking
from app.models.gs1 import (
    GROUP_SEPARATOR,
    SYMBOLOGY_ID,
    ElementString,
    Gs1Fault,
    parse_element_string,
)
from app.models.kinds import DocumentKind, kind_of_number
from app.models.quantity import fmt
from app.services import auth, shelf
from app.services.engine.lookup import SKU_LENGTH
from app.services.engine.numbering import normalize_number
from app.services.engine.parsing import (
    COMMAND_PREFIX,
    lookup_key,
    parse_decimal,
    scanned_text,
    shown,
    text_fault,
)
from app.services.engine.uow import Transaction, UnitOfWork
from app.services.shelf import BIN_LENGTH

MAX_CODE_LENGTH = 128  # characters: longer than any sku, number, badge or GS1 string
SHOWN_LENGTH = 40  # characters of a code shown back as it was scanned
QUANTITY_FIELD = "scanned quantity"
_COMMAND = re.compile(r"#[A-Z][A-Z0-9_]{0,31}", re.ASCII)


def a(noun: str) -> str:
    """A noun with its article: "a work order", "an item receipt"."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def shown_code(text: str) -> str:
    """A scan as an answer shows it: as scanned when it is short, plain text; else quoted and
    cut short."""
    if len(text) <= SHOWN_LENGTH and text_fault(text) is None:
        return text
    return shown(text)


# --- the kinds of code ----------------------------------------------------------------------


@dataclass(frozen=True)
class Code:
    """A scan, read: `text` as scanned (trimmed). Each kind says what it is in words."""

    text: str
    noun: ClassVar[str] = "code"

    @property
    def shown(self) -> str:
        """The code as an answer shows it back."""
        return shown_code(self.text)

    def described(self) -> str:
        """What the code is, in words: "WO-000001 is a work order"."""
        return f"{self.shown} is {a(self.what)}"

    @property
    def what(self) -> str:
        return self.noun


@dataclass(frozen=True)
class BadgeCode(Code):
    """A user's badge: `#U:<name>`."""

    name: str
    noun: ClassVar[str] = "badge"


@dataclass(frozen=True)
class CommandCode(Code):
    """A command: `#` and a word, in upper case."""

    command: str
    noun: ClassVar[str] = "command"

    @property
    def shown(self) -> str:
        return self.command


@dataclass(frozen=True)
class ItemCode(Code):
    """An item's sku, exactly as stored, and how it is tracked (a lot or serial scan may
    follow it)."""

    sku: str
    tracking: Tracking = Tracking.NONE
    noun: ClassVar[str] = "item"


@dataclass(frozen=True)
class Gs1Code(Code):
    """A GS1-128 element string: the item its GTIN names (None when it carries none: a lot
    or serial for the item scanned before it), and its lot, serial and expiry."""

    sku: str | None
    tracking: Tracking
    element: ElementString
    noun: ClassVar[str] = "GS1 code"

    @property
    def shown(self) -> str:
        return self.element.text

    @property
    def lot(self) -> str | None:
        """The lot or serial number it carries."""
        return self.element.serial if self.element.serial is not None else self.element.lot

    def item(self) -> ItemCode:
        """The item it names, as if its sku had been scanned."""
        if self.sku is None:
            raise ValidationError(
                f"{self.shown} carries no item ((01) GTIN): scan the item, then its lot"
            )
        return ItemCode(self.text, self.sku, self.tracking)


@dataclass(frozen=True)
class DocumentCode(Code):
    """A document's number: its kind (by prefix, from the registry) and the number
    normalised. Whether such a document exists is for the session that opens it to say."""

    kind: DocumentKind
    number: str
    noun: ClassVar[str] = "document"

    @property
    def shown(self) -> str:
        return self.number

    @property
    def what(self) -> str:
        return self.kind.noun


@dataclass(frozen=True)
class QuantityCode(Code):
    """A number, read by the one quantity grammar (app/models/quantity.py)."""

    value: Decimal
    noun: ClassVar[str] = "quantity"

    @property
    def shown(self) -> str:
        return fmt(self.value)

    def positive(self) -> Decimal:
        """The quantity, refused unless it is greater than zero."""
        return parse_decimal(self.value, field=QUANTITY_FIELD, positive=True)


@dataclass(frozen=True)
class BinCode(Code):
    """A bin's label: where the next items were found (a count walks the shelves by bin)."""

    bin: str
    noun: ClassVar[str] = "bin"

    @property
    def shown(self) -> str:
        return self.bin


# --- reading --------------------------------------------------------------------------------


class Lookup:
    """What a reader may ask the database while one scan is read: one read transaction,
    opened by the first question (most codes need none). Reading a code needs no
    permission: it changes nothing, and a station nobody has signed in to still reads."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._stack = ExitStack()
        self._tx: Transaction | None = None

    @property
    def tx(self) -> Transaction:
        if self._tx is None:
            self._tx = self._stack.enter_context(self.uow.query())
        return self._tx

    def close(self) -> None:
        self._stack.close()

    def item(self, text: str) -> tuple[str, Tracking] | None:
        """The sku and tracking of the item called exactly `text`, or None."""
        try:
            sku = lookup_key(text, noun="sku", max_length=SKU_LENGTH)
        except NotFound:
            return None  # no item can have it
        found = self.tx.session.execute(
            select(Item.sku, Item.tracking).where(Item.sku == sku)
        ).first()
        return (found.sku, Tracking(found.tracking)) if found is not None else None

    def item_by_gtin(self, gtin: str) -> tuple[str, Tracking] | None:
        """The sku and tracking of the item with this GTIN (as GTIN-14), or None."""
        found = self.tx.session.execute(
            select(Item.sku, Item.tracking).where(Item.gtin == gtin)
        ).first()
        return (found.sku, Tracking(found.tracking)) if found is not None else None

    def bin(self, text: str) -> str | None:
        """The bin labelled `text` as it is kept, or None."""
        if len(text) > BIN_LENGTH:
            return None
        return shelf.known_bin(self.tx, text)


Reader = Callable[[str, Lookup], Code | None]


@dataclass(frozen=True)
class _Registered:
    rank: int
    words: str
    read: Reader


_READERS: list[_Registered] = []


def register_reader(rank: int, words: str) -> Callable[[Reader], Reader]:
    """Make a kind of code known: `read(text, lookup)` returns its code, None when the text is
    not one (the next reader tries), or raises when the text is one but is malformed. Lower
    ranks read first; `words` name the kind in the refusal of an unknown code ("an item")."""

    def register(read: Reader) -> Reader:
        _READERS.append(_Registered(rank, words, read))
        _READERS.sort(key=lambda r: r.rank)
        return read

    return register


def read_code(uow: UnitOfWork, text: str) -> Code:
    """Read one scan (without its Enter) into its code, or refuse it in words."""
    code = (text if isinstance(text, str) else "").strip()
    if not code:
        raise ValidationError("nothing was scanned")
    fault = text_fault(code.replace(GROUP_SEPARATOR, ""))  # a GS1 code's field ends
    if fault is not None:
        verb = "is" if fault.startswith("not valid text") else "contains"
        raise NotFound(f"Unknown code {shown(code)}: it {verb} {fault}. Nothing changed")
    if len(code) > MAX_CODE_LENGTH:
        raise NotFound(
            f"Unknown code {shown(code)}: longer than any code ({MAX_CODE_LENGTH} characters). "
            "Nothing changed"
        )
    lookup = Lookup(uow)
    try:
        for reader in _READERS:
            found = reader.read(code, lookup)
            if found is not None:
                return found
    finally:
        lookup.close()
    kinds = [r.words for r in _READERS]
    raise NotFound(
        f"Unknown code {shown_code(code)}: not {', '.join(kinds[:-1])} or {kinds[-1]}. "
        "Nothing changed"
    )


# --- the readers ----------------------------------------------------------------------------


_GS1_LOOK = re.compile(r"\(\d\d\)|01\d{14}", re.ASCII)


def looks_gs1(text: str) -> bool:
    """Whether a scan is meant as a GS1 element string: the `]C1` prefix, a group separator,
    an "(AI)" first, or a GTIN's (01) and 14 digits first."""
    return (
        text.startswith(SYMBOLOGY_ID)
        or GROUP_SEPARATOR in text
        or _GS1_LOOK.match(text) is not None
    )


_QUANTITY_LOOK = re.compile(r"[-+.,\d\s]+", re.ASCII)


def looks_quantity(text: str) -> bool:
    """Whether a scan is made only of what a quantity is written with (digits, sign, point,
    comma, space): meant as a quantity, so one the grammar refuses is no other code."""
    return _QUANTITY_LOOK.fullmatch(scanned_text(text)) is not None


@register_reader(5, "a GS1 code")
def read_gs1(text: str, lookup: Lookup) -> Code | None:
    """A GS1 element string, read before anything else it might look like (a long
    number); refused in words when malformed or when its GTIN is no item's."""
    if not looks_gs1(text):
        return None
    try:
        element = parse_element_string(text)
    except Gs1Fault as fault:
        raise ValidationError(
            f"GS1 code {shown_code(text)} cannot be read: {fault}. Nothing changed"
        ) from None
    if element.gtin is None:
        return Gs1Code(text, None, Tracking.NONE, element)
    found = lookup.item_by_gtin(element.gtin)
    if found is None:
        raise NotFound(f"GS1 code {element.text}: no item has GTIN {element.gtin}. Nothing changed")
    return Gs1Code(text, found[0], found[1], element)


@register_reader(10, "a badge")
def read_badge(text: str, lookup: Lookup) -> Code | None:
    if text[: len(auth.BADGE_PREFIX)].upper() != auth.BADGE_PREFIX:
        return None
    name = auth.badge_user(text)
    if name is None:
        raise ValidationError(f"A badge carries a name: {auth.BADGE_PREFIX}<name>")
    return BadgeCode(text, name)


@register_reader(20, "a command")
def read_command(text: str, lookup: Lookup) -> Code | None:
    if not text.startswith(COMMAND_PREFIX):
        return None
    command = text.upper()
    return CommandCode(text, command) if _COMMAND.fullmatch(command) else None


@register_reader(30, "an item")
def read_item(text: str, lookup: Lookup) -> Code | None:
    """An item's exact sku comes before a number or a document it might look like."""
    found = lookup.item(text)
    return ItemCode(text, found[0], found[1]) if found is not None else None


@register_reader(40, "a document number")
def read_document(text: str, lookup: Lookup) -> Code | None:
    kind = kind_of_number(text)
    if kind is None:
        return None
    return DocumentCode(text, kind, normalize_number(text))


@register_reader(45, "a bin")
def read_bin(text: str, lookup: Lookup) -> Code | None:
    """A bin's label (an item or a document number of the same text comes first)."""
    if scanned_text(text)[:1].isdigit():
        return None  # numbers are quantities
    found = lookup.bin(text)
    return BinCode(text, found) if found is not None else None


@register_reader(50, "a quantity")
def read_quantity(text: str, lookup: Lookup) -> Code | None:
    """Text that starts like a number is one, or is refused by the quantity grammar."""
    first = scanned_text(text)[:1]
    if not (first.isdigit() or first in ("-", ".")) or not first:
        return None
    return QuantityCode(text, parse_decimal(text, field=QUANTITY_FIELD))
