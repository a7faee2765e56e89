"""What lots a posting moves, as people name them: the lot or serials coming in (given, or
made from the plant's number pattern, with their expiry), and the lots named going out.

Every kind of posting that brings a tracked item in calls `incoming` for the lots to post
(`StockBook.post(..., lot=...)` once per part); one that takes a named lot out calls
`named_lot` (or `outgoing`) and posts with it, or posts with no lot to let the consumption
order choose.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.errors import ValidationError
from app.models import Item, Tracking
from app.models.lots import LOT_NUMBER_LENGTH, render_pattern
from app.models.quantity import ZERO, fmt
from app.services.engine.ledger import Source, StockItem
from app.services.engine.lots import LotBook, LotRecord
from app.services.engine.numbering import next_value
from app.services.engine.parsing import lookup_lot, parse_date, parse_lot_number, parse_text
from app.services.engine.uow import Transaction

LotPart = tuple[LotRecord | None, Decimal]  # None: the consumption order chooses


@dataclass(frozen=True)
class LotGiven:
    """What a person said of a posting's lots: a lot number, serial numbers, an expiry date,
    the vendor's own lot number. Empty: nothing said (an untracked item, a lot made from the
    pattern, or an outflow the consumption order chooses)."""

    lot: str | None = None
    serials: tuple[str, ...] = ()
    expires: date | None = None
    vendor_lot: str | None = None

    @property
    def empty(self) -> bool:
        return self.lot is None and not self.serials and self.expires is None

    @property
    def numbers(self) -> tuple[str, ...]:
        """The lot or serial numbers named, in order."""
        return ((self.lot,) if self.lot is not None else ()) + self.serials


NOTHING = LotGiven()


def lot_given(
    lot: object = None,
    serials: object = None,
    expires: object = None,
    vendor_lot: object = None,
) -> LotGiven:
    """Text as typed or scanned made into a LotGiven: a lot number, serials as a list or as
    text separated by commas, an expiry YYYY-MM-DD; a serial given twice is refused."""
    lot_text = parse_text(lot, field="lot", max_length=LOT_NUMBER_LENGTH) if lot else ""
    if isinstance(serials, str):
        serial_texts: Iterable[object] = [s for s in serials.split(",") if s.strip()]
    elif isinstance(serials, Iterable):
        serial_texts = list(serials)
    else:
        serial_texts = []
    numbers = tuple(parse_lot_number(s, field="serial") for s in serial_texts)
    seen: set[str] = set()
    for number in numbers:
        if number in seen:
            raise ValidationError(f"serial {number} is given twice")
        seen.add(number)
    vendor = parse_text(vendor_lot, field="vendor lot", max_length=LOT_NUMBER_LENGTH) or None
    return LotGiven(
        lot=parse_lot_number(lot_text) if lot_text else None,
        serials=numbers,
        expires=parse_date(expires, field="expiry date"),
        vendor_lot=vendor,
    )


def today() -> date:
    """The plant's calendar day: what a new lot is dated and expiry is counted from."""
    return date.today()


def _shelf_life(tx: Transaction, item: StockItem) -> int | None:
    days: int | None = tx.session.scalar(select(Item.shelf_life_days).where(Item.id == item.id))
    return days


def lot_for(
    tx: Transaction,
    item: StockItem,
    number: str,
    given: LotGiven,
    origin: Source,
    *,
    made_on: date | None = None,
) -> LotRecord:
    """The item's lot of that number coming in: the existing one (the expiry given, if any,
    must be its own), or a new one expiring on the date given or, by default, its making
    date plus the item's shelf life."""
    book = LotBook.of(tx)
    found = book.existing(item, number)
    if found is not None:
        if given.expires is not None and given.expires != found.expires:
            had = f"expires on {found.expires}" if found.expires else "has no expiry date"
            raise ValidationError(
                f"{found.noun} {number} of {item.sku} {had}; it cannot expire on {given.expires}"
            )
        return found
    day = made_on or today()
    expires = given.expires
    if expires is None:
        days = _shelf_life(tx, item)
        expires = day + timedelta(days=days) if days else None
    return book.create(
        item, number, expires=expires, made_on=day, vendor_lot=given.vendor_lot, origin=origin
    )


def incoming(
    tx: Transaction,
    item: StockItem,
    quantity: Decimal,
    given: LotGiven,
    origin: Source,
    *,
    pattern_for: str | None = None,
) -> list[LotPart]:
    """The lots `quantity` of an item comes in as, one part per lot to post: for an item
    tracked by lot, the lot given; by serial, one unit per serial given (a single serial may
    be given as the lot). With `pattern_for` (the work order making them), what is not given
    is numbered by `lot_number_pattern` or `serial_number_pattern`. An untracked item comes
    in with no lot, and naming one is refused."""
    tracking = Tracking(item.tracking)
    if not tracking.tracked:
        if not given.empty:
            raise ValidationError(
                f"{item.sku} is not tracked by lot or serial: no lot or serial is given for it"
            )
        return [(None, quantity)]
    if tracking is Tracking.LOT:
        if given.serials:
            raise ValidationError(f"{item.sku} is tracked by lot: give a lot, not serials")
        number = given.lot
        if number is None:
            if pattern_for is None:
                raise ValidationError(f"{item.sku} is tracked by lot: say which lot comes in")
            number = made_number(tx, item, tx.prefs.lot_number_pattern, pattern_for)
        return [(lot_for(tx, item, number, given, origin), quantity)]
    if quantity != quantity.to_integral_value():
        raise ValidationError(
            f"{item.sku} is tracked by serial: its quantities are whole units, not {fmt(quantity)}"
        )
    numbers = list(given.numbers)
    if not numbers and pattern_for is not None:
        pattern = tx.prefs.serial_number_pattern
        for _ in range(int(quantity)):
            numbers.append(made_number(tx, item, pattern, pattern_for, taken=set(numbers)))
    if len(numbers) != quantity:
        raise ValidationError(
            f"{item.sku} is tracked by serial: {len(numbers)} serial"
            f"{'s' if len(numbers) != 1 else ''} given for {fmt(quantity)} units, one per unit"
        )
    return [(lot_for(tx, item, n, given, origin), Decimal(1)) for n in numbers]


def _sequence_name(prefix: str) -> str:
    """The counter a rendered pattern draws its {seq} from (one per distinct text)."""
    return "lot:" + hashlib.blake2b(prefix.encode(), digest_size=10).hexdigest()


def made_number(
    tx: Transaction,
    item: StockItem,
    pattern: str,
    work_order: str,
    *,
    taken: set[str] | None = None,
) -> str:
    """A new lot or serial number made from a pattern for today's production on a work
    order: its {seq} counts per distinct text around it, skipping numbers already taken."""
    day = today()
    prefix = render_pattern(pattern, sku=item.sku, wo=work_order, day=day, seq=None)
    book = LotBook.of(tx)
    while True:
        if "{seq}" in prefix:
            seq = next_value(tx, _sequence_name(prefix))
            number = render_pattern(pattern, sku=item.sku, wo=work_order, day=day, seq=seq)
        else:
            number = prefix  # one lot for every making the pattern names alike (a day's lot)
        if len(number) > LOT_NUMBER_LENGTH:
            raise ValidationError(
                f"{item.sku}: the number {number[:40]}... made by the pattern {pattern} is "
                f"longer than {LOT_NUMBER_LENGTH} characters; give the lot, or change the pattern"
            )
        if "{seq}" not in prefix:
            return number
        if (taken is None or number not in taken) and book.existing(item, number) is None:
            return number


def named_lot(tx: Transaction, item: StockItem, number: object) -> LotRecord:
    """A lot of the item named as it goes out (or comes back): it must exist and be the
    item's; refused in words otherwise."""
    tracking = Tracking(item.tracking)
    if not tracking.tracked:
        raise ValidationError(
            f"{item.sku} is not tracked by lot or serial: no lot or serial is named for it"
        )
    text = lookup_lot(number, noun=tracking.noun)
    if not text:
        raise ValidationError(f"{item.sku}: the {tracking.noun} named is empty")
    return LotBook.of(tx).find(item, text)


def outgoing(tx: Transaction, item: StockItem, quantity: Decimal, given: LotGiven) -> list[LotPart]:
    """How `quantity` of an item going out splits by what was named: the lot (all of it), or
    one unit per serial; nothing named leaves the choice to the consumption order."""
    if given.empty:
        return [(None, quantity)]
    if given.serials or Tracking(item.tracking) is Tracking.SERIAL:
        numbers = given.numbers
        if len(numbers) != quantity:
            raise ValidationError(
                f"{item.sku} is tracked by serial: {len(numbers)} serial"
                f"{'s' if len(numbers) != 1 else ''} named for {fmt(quantity)} units, one per unit"
            )
        return [(named_lot(tx, item, n), Decimal(1)) for n in numbers]
    return [(named_lot(tx, item, given.lot), quantity)]


def named_parts(
    tx: Transaction,
    item: StockItem,
    quantity: Decimal,
    named: Sequence[tuple[object, object]],
    *,
    what: str,
) -> list[LotPart]:
    """Lots named with their quantities for one line (`SKU=2@L1`, `SKU=3@L2`): each part, and
    what is left of `quantity` for the consumption order to choose (lot None)."""
    from app.models.quantity import parse_quantity

    out: list[LotPart] = []
    total = ZERO
    for number, value in named:
        lot = named_lot(tx, item, number)
        qty = parse_quantity(value, f"quantity of {lot.noun} {lot.number}")
        if any(other is lot for other, _q in out):
            raise ValidationError(f"{what}: {lot.noun} {lot.number} is named twice")
        out.append((lot, qty))
        total += qty
    if total > quantity:
        raise ValidationError(
            f"{what}: the lots named add up to {fmt(total)}, more than the {fmt(quantity)} given"
        )
    if total < quantity:
        out.append((None, quantity - total))
    return out
