"""One scanning session for every scan screen: what the scans before a scan mean for it.

A session is plain state kept between scans, one scan at a time (a lock): who is signed in,
the current document, what is staged for it (staging key -> quantity), a quantity scanned
and waiting, a command waiting for a quantity, and a badge waiting for its PIN.
`scan(uow, text)` reads one scan through `codes.read_code` and answers with a `ScanOutcome`:

    #U:<name>       sign in as <name>; the next scan is the PIN (shown back as dots)
    a document      it becomes current, if it is of the session's kinds; another kind is
                    named and refused; switching while something is staged is refused
    an item         stage the pending quantity (1 when none) on the session's staging key;
                    a tracked item, at a session whose postings name lots (`takes_lots`),
                    waits for the next scan: its lot or serial number (a serial one unit at
                    a time)
    a GS1 code      the item it names, with its lot or serial when it carries one; one
                    carrying only a lot or serial is the lot of the item scanned before it
    what is made    at a session whose commands make a tracked item (`makes`: the station's
                    assembly), that item scanned waits for the lot or serial it is made as
                    (or a GS1 code carries both); while a command waits for its quantity, a
                    scan that is no code is that lot or serial. One lot, or serials one by
                    one; the command that makes it takes them
    a quantity      waits for the next item, or completes a command waiting for a quantity
    a command       one that posts what is staged (#ISSUE, #PICK, #RECEIVE ...): one posting,
                    after which nothing of it is staged, so a repeated command posts nothing;
                    one that takes a quantity (#BUILD): asks for it unless it came first; with
                    serials made scanned, their count is its quantity (another is refused)
    #CLEAR          drop what is staged, the pending quantity and command, a half-done
                    sign-in, the lot or serials made

Every posting goes to the services, which decide and refuse; a refusal is an answer in
words ("refused") and leaves the session as it was, except that a command given its quantity
is used up by trying (so a scanner's double read never posts it twice). The screens show the
answer, `ScanOutcome`, the same way whatever the session.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, Generic, Literal, TypeVar

from sqlalchemy import select

from app.errors import NotFound, PermissionDenied, ShopfloorError, ValidationError
from app.models import Item, Lot, Tracking
from app.models.kinds import DocumentKind
from app.models.quantity import ZERO, fmt
from app.services import auth
from app.services.auth import SignedIn
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.parsing import COMMAND_PREFIX, parse_lot_number
from app.services.engine.uow import Transaction, UnitOfWork, query
from app.services.lots.incoming import NOTHING as NO_LOT
from app.services.lots.incoming import LotGiven
from app.services.scanning.codes import (
    BadgeCode,
    Code,
    CommandCode,
    DocumentCode,
    Gs1Code,
    ItemCode,
    QuantityCode,
    a,
    looks_gs1,
    looks_quantity,
    read_code,
    shown_code,
)

Level = Literal["done", "info", "ask", "refused"]
PIN_MASK = "••••"
STAGED = "staged"  # a command that posts what is staged
QUANTITY = "quantity"  # a command that waits for a quantity
NOTHING = "nothing"  # a command that needs neither
MAX_STAGED_NAMED = 3  # items named in words before "and N more"

V = TypeVar("V")


@dataclass(frozen=True)
class Command:
    """A session's command code: `code` ("#BUILD"), what it does in `words` (the screens list
    them), and what it `takes`: what is staged (STAGED: `post` gets it), a quantity scanned
    before or right after it (QUANTITY: `produce` gets it; `verb` says what the quantity is
    for, "build"), or nothing (NOTHING: `post` gets nothing staged)."""

    code: str
    words: str
    takes: str = STAGED
    verb: str = ""


CLEAR = Command("#CLEAR", "drop what is scanned and not posted", takes=NOTHING)


@dataclass(frozen=True)
class Opened:
    """A document a session opened: `number` is the document what is staged now belongs to
    (a fulfillment's sales order, say), `message` the answer."""

    number: str
    message: str


@dataclass(frozen=True)
class Posted:
    """What a command posted: the action ("issue", "ship"), the document it made or moved,
    the answer in words, what the posting changed, and `summary`, said again when the
    command is repeated with nothing staged ("IR-000002 was posted")."""

    action: str
    number: str
    message: str
    changes: Changes = NO_CHANGES
    summary: str | None = None


@dataclass(frozen=True)
class ScanState(Generic[V]):
    """A snapshot of a session: who, which document, what is staged and pending, what it
    expects next (`prompt`), what its last posting did (`posted`), and the session's own
    picture of its document (`detail`: the header and lines a screen shows)."""

    user: SignedIn | None
    pin_for: str | None  # a badge was scanned: the next scan is this user's PIN
    document: str | None
    staged: tuple[tuple[str, Decimal], ...]  # staging key -> quantity, in scanning order
    pending_quantity: Decimal | None
    pending_command: str | None
    prompt: str
    posted: str | None
    detail: V
    lots: tuple[tuple[str, str, Decimal], ...] = ()  # staging key, lot or serial, quantity
    lot_wanted: str | None = None  # "the lot of 3 RESIN": a tracked item waits for it
    made: tuple[str, ...] = ()  # the lot or serials scanned for what a command makes

    @property
    def staged_total(self) -> Decimal:
        return sum((q for _key, q in self.staged), ZERO)


@dataclass(frozen=True)
class ScanOutcome(Generic[V]):
    """The answer to one scan: `level` is "done" (posted, or signed in), "info" (accepted,
    nothing posted), "ask" (waiting for a quantity or a PIN) or "refused" (nothing changed;
    `message` says why in words). `code` is the scan as a list of recent scans shows it (a
    PIN masked); `posted` what a command posted, with its `changes`."""

    level: Level
    message: str
    code: str
    state: ScanState[V]
    posted: Posted | None = None
    signed_in: SignedIn | None = None

    @property
    def changes(self) -> Changes:
        return self.posted.changes if self.posted is not None else NO_CHANGES


@dataclass(frozen=True)
class LotWanted:
    """A tracked item scanned, waiting for its lot or serial: where it is staged, how much."""

    key: str
    sku: str
    tracking: Tracking
    quantity: Decimal
    made: bool = False  # the lot or serial a command makes, not one staged to take

    @property
    def noun(self) -> str:
        return self.tracking.noun

    @property
    def words(self) -> str:
        """What is waited for: "the lot of 3 RESIN", "the lot of the GADGET made"."""
        if self.made:
            return f"the {self.noun} of the {self.sku} made"
        return f"the {self.noun} of {fmt(self.quantity)} {self.sku}"


@query()
def known_lot(tx: Transaction, sku: str, number: str) -> bool:
    """Whether the item has a lot (or serial) of that number."""
    found = tx.session.scalar(
        select(Lot.id)
        .join(Item, Item.id == Lot.item_id)
        .where(Item.sku == sku, Lot.number == number)
    )
    return found is not None


def _listed(words: Iterable[str], last: str) -> str:
    """ "a, b or c" (`last` = "or"), "a and b" (`last` = "and")."""
    items = list(words)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


class ScanSession(ABC, Generic[V]):
    """The session every scan screen runs on. A session of its own declares its document
    `kinds`, its `commands`, the `screen` it runs on and its `purpose` in words, the noun of
    what it stages (`item_noun`), and implements `open`, `staging_key`, `detail` and, for its
    commands, `post` (STAGED) or `produce` (QUANTITY)."""

    kinds: ClassVar[tuple[DocumentKind, ...]] = ()
    commands: ClassVar[tuple[Command, ...]] = ()
    screen: ClassVar[str] = ""  # "the scan station"
    purpose: ClassVar[str] = ""  # "this station issues and builds work orders"
    item_noun: ClassVar[str] = "item"  # what is staged: "component"
    takes_lots: ClassVar[bool] = False  # its postings name a tracked item's lots

    _sessions: ClassVar[list[type[ScanSession[Any]]]] = []

    def __init_subclass__(cls, *, known: bool = True, **kwargs: Any) -> None:
        """A session is known to the others, which name its screen when one of its commands
        is scanned there, unless it says `known=False` (a test's own session)."""
        super().__init_subclass__(**kwargs)
        if cls.kinds and known:
            ScanSession._sessions.append(cls)

    def __init__(self, *, user: SignedIn | None = None) -> None:
        self._lock = threading.RLock()
        self.user = user
        self.current: str | None = None  # the document what is staged belongs to
        self.pending_quantity: Decimal | None = None
        self.pending_command: Command | None = None
        self.last_posted: str | None = None
        self._pin_for: str | None = None
        self._registered: bool | None = None  # None: not asked yet
        self._staged: dict[str, tuple[str, Decimal]] = {}  # key -> (sku, quantity)
        self._lot_for: LotWanted | None = None  # a tracked item waiting for its lot
        self._lots: dict[str, dict[str, Decimal]] = {}  # key -> lot -> quantity staged
        self._expiry: dict[tuple[str, str], date] = {}  # (key, lot) -> expiry scanned
        self._serials: set[str] = set()  # keys whose lots are serials
        self._made: dict[str, date | None] = {}  # lot or serials made -> expiry scanned
        self._made_for: LotWanted | None = None  # what they are of

    # --- entry points --------------------------------------------------------------------

    def start(self, uow: UnitOfWork) -> ScanOutcome[V]:
        """Before the first scan: who works here without a badge (everyone as admin while
        no user is registered)."""
        with self._lock:
            self._who(uow)
            if self.user is None:
                return self.answer("ask", f"{self.heading}: scan your badge to sign in", "")
            return self.answer("info", f"{self.heading}: scan {self.wanted()}", "")

    def scan(self, uow: UnitOfWork, text: str) -> ScanOutcome[V]:
        """Read one scan (without its Enter) and answer it."""
        with self._lock:
            code = (text if isinstance(text, str) else "").strip()
            try:
                return self._read(uow, code)
            except ShopfloorError as exc:
                return self.answer("refused", exc.message, shown_code(code))

    def shows(self, changes: Changes) -> bool:
        """Whether a posting changed what the session shows: its current document."""
        current = self.current
        return current is not None and (
            changes.everything or any(current in changes.of(kind) for kind in self.kinds)
        )

    def refresh(self, uow: UnitOfWork) -> ScanState[V]:
        """Read the current document again (someone else posted against it)."""
        with self._lock:
            if self.current is not None:
                self.reload(self.acting(uow))
            return self.state()

    def sign_out(self) -> ScanState[V]:
        """Nobody works here now (idle too long): what was staged and the current document
        are dropped, so the next one starts from their own badge and document."""
        with self._lock:
            self.user = None
            self._pin_for = None
            self._drop_pending()
            self.current = None
            self.last_posted = None
            self.forget()
            return self.state()

    def switch_user(self, user: SignedIn | None) -> ScanState[V]:
        """Someone else works here now (signed in elsewhere in the window): what the last
        one staged is dropped; nobody: as `sign_out`."""
        with self._lock:
            if user is None:
                return self.sign_out()
            self._switch(user)
            return self.state()

    @property
    def awaiting_pin(self) -> bool:
        return self._pin_for is not None

    @property
    def codes(self) -> tuple[Command, ...]:
        """The session's commands and #CLEAR, as the screens list them."""
        return (*self.commands, CLEAR)

    @property
    def staged(self) -> dict[str, Decimal]:
        return {key: q for key, (_sku, q) in self._staged.items()}

    def staged_of(self, key: str) -> Decimal:
        return self._staged.get(key, ("", ZERO))[1]

    def staged_lots(self, key: str) -> list[tuple[str, Decimal]]:
        """The lots (or serials) staged on a key, with their quantities, in scanning order."""
        return list(self._lots.get(key, {}).items())

    def staged_serials(self, key: str) -> bool:
        """Whether what is staged on a key is serials (one unit each)."""
        return key in self._serials

    def lots_words(self, key: str) -> str:
        """The lots staged on a key in words, for an answer: " (lot R-A, R-B)"."""
        lots = self.staged_lots(key)
        if not lots:
            return ""
        noun = "serial" if key in self._serials else "lot"
        return f" ({noun}{'s' if len(lots) > 1 else ''} {', '.join(n for n, _q in lots)})"

    def scanned_expiry(self, key: str, lot: str) -> date | None:
        """The expiry a GS1 code scanned for a staged lot carried, if any."""
        return self._expiry.get((key, lot))

    @property
    def awaiting_lot(self) -> LotWanted | None:
        return self._lot_for

    def made(self) -> LotGiven:
        """The lot or serials scanned for what the next command makes (nothing scanned: the
        plant's pattern numbers them), with the expiry a GS1 code carried."""
        wanted = self._made_for
        if wanted is None or not self._made:
            return NO_LOT
        expires = next((e for e in self._made.values() if e is not None), None)
        if wanted.tracking is Tracking.SERIAL:
            return LotGiven(serials=tuple(self._made), expires=expires)
        return LotGiven(lot=next(iter(self._made)), expires=expires)

    def state(self) -> ScanState[V]:
        with self._lock:
            return ScanState(
                user=self.user,
                pin_for=self._pin_for,
                document=self.current,
                staged=tuple((key, q) for key, (_sku, q) in self._staged.items()),
                pending_quantity=self.pending_quantity,
                pending_command=self.pending_command.code if self.pending_command else None,
                prompt=self.prompt(),
                posted=self.last_posted,
                detail=self.detail(),
                lots=tuple(
                    (key, lot, q) for key, lots in self._lots.items() for lot, q in lots.items()
                ),
                lot_wanted=self._lot_for.words if self._lot_for is not None else None,
                made=tuple(self._made),
            )

    # --- what a session declares -----------------------------------------------------------

    @property
    def heading(self) -> str:
        """The screen's name at the start of its first answer."""
        return self.screen[:1].upper() + self.screen[1:]

    @abstractmethod
    def open(self, uow: UnitOfWork, code: DocumentCode) -> Opened:
        """Read a document of the session's kinds and make it current (refuse: raise)."""

    @abstractmethod
    def staging_key(self, sku: str, quantity: Decimal) -> str:
        """Where `quantity` of a scanned item is staged on the current document (a line);
        refuse an item that is not on it."""

    @abstractmethod
    def detail(self) -> V:
        """The session's picture of its current document, for `ScanState.detail`."""

    def staged_message(self, key: str, sku: str, quantity: Decimal, total: Decimal) -> str:
        """The answer to a staged item: `total` is now staged on `key`."""
        return f"+{fmt(quantity)} {sku}: {fmt(total)} staged"

    def post(self, uow: UnitOfWork, command: Command, staged: Mapping[str, Decimal]) -> Posted:
        """Post what is staged (a STAGED command); what it posts is then no longer staged."""
        raise NotImplementedError(f"{type(self).__name__} does not post {command.code}")

    def produce(self, uow: UnitOfWork, command: Command, quantity: Decimal) -> Posted:
        """Carry out a QUANTITY command with its quantity."""
        raise NotImplementedError(f"{type(self).__name__} does not produce {command.code}")

    def ask_quantity(self, command: Command) -> str:
        """The question a QUANTITY command asks when no quantity came first."""
        return f"Scan the quantity to {command.verb}"

    def nothing_staged(self, uow: UnitOfWork, command: Command) -> Posted:
        """A STAGED command with nothing staged (a repeat): refused, saying what the last
        posting did."""
        after = f" ({self.last_posted})" if self.last_posted else ""
        raise ValidationError(
            f"Nothing is staged on {self.current}{after}: scan the {self.item_noun}s first"
        )

    def reload(self, uow: UnitOfWork) -> None:
        """Read the current document again."""

    def forget(self) -> None:
        """Drop the current document."""

    def makes(self) -> ItemCode | None:
        """The item this session's QUANTITY commands make when it is tracked by lot or
        serial (the station's assembly): scanned, it waits for the lot or serial made."""
        return None

    def check_lot(self, uow: UnitOfWork, wanted: LotWanted, number: str) -> None:
        """Refuse a lot or serial scanned for an item that cannot be posted with it: by
        default one the item does not have (a receipt brings new ones in)."""
        if not known_lot(uow, wanted.sku, number):
            raise NotFound(f"{wanted.sku} has no {wanted.noun} {number}")

    # --- reading a scan ----------------------------------------------------------------------

    def _read(self, uow: UnitOfWork, text: str) -> ScanOutcome[V]:
        if self._pin_for is not None and not text.startswith(COMMAND_PREFIX):
            if not text:
                return self.answer("ask", f"Type the PIN for {self._pin_for}", "")
            return self._sign_in(uow, text)
        if not text:
            return self.answer("info", "Nothing was scanned", "")
        wanted = self._lot_for
        if wanted is not None and not text.startswith(COMMAND_PREFIX) and not looks_gs1(text):
            return self._stage_lot(uow, wanted, text, None)
        try:
            code = read_code(uow, text)
        except (NotFound, ValidationError) as exc:
            # No code (or text that starts like a number but is none, "24A-7"): while a
            # command making a tracked item waits for its quantity, the lot or serial made.
            # A quantity refused ("1.1234567", "-2") stays refused.
            made = self._made_by_command()
            if (
                made is None
                or text.startswith(COMMAND_PREFIX)
                or looks_gs1(text)
                or (isinstance(exc, ValidationError) and looks_quantity(text))
            ):
                raise
            return self._stage_lot(uow, made, text, None)
        if isinstance(code, BadgeCode):
            self._pin_for = code.name
            return self.answer("ask", f"Badge {code.name}: type your PIN and Enter", code.shown)
        if isinstance(code, CommandCode) and code.command == CLEAR.code:
            return self._clear(code)
        if self._pin_for is not None:
            raise ValidationError(f"Type the PIN for {self._pin_for} first, or {CLEAR.code}")
        if self.user is None:
            self._who(uow)
            if self.user is None:
                raise PermissionDenied(
                    f"Scan your badge ({auth.BADGE_PREFIX}<name>) to sign in first"
                )
        if isinstance(code, Gs1Code):
            return self.on_gs1(uow, code)
        if self._lot_for is not None:
            raise ValidationError(self._waiting_for_lot())
        if isinstance(code, CommandCode):
            return self.on_command(uow, code)
        if isinstance(code, DocumentCode):
            return self.on_document(uow, code)
        if isinstance(code, ItemCode):
            return self.on_item(uow, code)
        if isinstance(code, QuantityCode):
            return self.on_quantity(uow, code)
        return self.on_code(uow, code)

    def on_document(self, uow: UnitOfWork, code: DocumentCode) -> ScanOutcome[V]:
        """A document becomes current; another kind, or another document while something is
        staged, is refused."""
        if code.kind not in self.kinds:
            raise ValidationError(f"{code.described()}; {self.purpose}: scan {self.wanted()}")
        if self._staged and code.number != self.current:
            raise ValidationError(
                f"{self._staged_words()} staged for {self.current}: post it with "
                f"{self._posting_codes()}, or drop it with {CLEAR.code} first"
            )
        opened = self.open(self.acting(uow), code)
        if opened.number != self.current:
            self._unstage()
            self._forget_made()
            self.last_posted = None
        self.current = opened.number
        self.pending_quantity = None
        self.pending_command = None
        return self.answer("info", opened.message, code.shown)

    def on_item(self, uow: UnitOfWork, code: ItemCode) -> ScanOutcome[V]:
        """Stage the pending quantity (1 when none) of an item on the current document; a
        tracked item's, once its lot is scanned; what a command makes waits for its lot."""
        made = self._made_wanted(code)
        if made is not None:
            self._lot_for = made
            return self.answer(
                "ask",
                f"{code.sku} is made on {self.current} by {made.noun}: scan {made.words}",
                code.sku,
            )
        wanted = self._wanted(code)
        if wanted is not None:
            self._lot_for = wanted
            self.pending_quantity = None
            return self.answer(
                "ask",
                f"{code.sku} is tracked by {wanted.noun}: scan {wanted.words}",
                code.sku,
            )
        quantity = self.pending_quantity if self.pending_quantity is not None else Decimal(1)
        key = self.staging_key(code.sku, quantity)
        total = self.staged_of(key) + quantity
        self._staged[key] = (code.sku, total)
        self.pending_quantity = None
        return self.answer("info", self.staged_message(key, code.sku, quantity, total), code.sku)

    def on_gs1(self, uow: UnitOfWork, code: Gs1Code) -> ScanOutcome[V]:
        """A GS1 code: its item (and lot, in one scan), or the lot of the item scanned
        before it."""
        wanted = self._lot_for
        if code.sku is None:
            wanted = wanted or self._made_by_command()
            if wanted is None:
                code.item()  # refused: it names no item
            assert wanted is not None
            if code.lot is None:
                raise ValidationError(f"{code.shown} carries no lot or serial")
            return self._stage_lot(uow, wanted, code.lot, code.element.expires, code.shown)
        if wanted is not None:
            raise ValidationError(self._waiting_for_lot())
        item = code.item()
        made = self._made_wanted(item)
        if made is not None and code.lot is not None:
            return self._stage_lot(uow, made, code.lot, code.element.expires, code.shown)
        if code.lot is None or not self.takes_lots or not item.tracking.tracked:
            return self.on_item(uow, item)
        whole = self._wanted(item)
        assert whole is not None
        return self._stage_lot(uow, whole, code.lot, code.element.expires, code.shown)

    def _wanted(self, code: ItemCode) -> LotWanted | None:
        """A tracked item scanned at a session that names lots: where its lot will be
        staged (None: stage it as it is)."""
        if self.pending_command is not None:
            raise ValidationError(self._waiting_for_quantity())
        if self.current is None:
            raise ValidationError(f"{code.sku} is an item: scan {self.wanted()} first")
        if not (self.takes_lots and code.tracking.tracked):
            return None
        quantity = self.pending_quantity if self.pending_quantity is not None else Decimal(1)
        if code.tracking is Tracking.SERIAL and quantity not in (ZERO, 1):
            raise ValidationError(
                f"{code.sku} is tracked by serial: scan it and its serial once per unit, not "
                f"{fmt(quantity)} at a time"
            )
        return LotWanted(self.staging_key(code.sku, quantity), code.sku, code.tracking, quantity)

    def _stage_lot(
        self,
        uow: UnitOfWork,
        wanted: LotWanted,
        text: str,
        expires: date | None,
        shown: str | None = None,
    ) -> ScanOutcome[V]:
        """Stage the item waiting (or scanned with it) as of this lot or serial."""
        number = parse_lot_number(text, field=wanted.noun)
        if wanted.made:
            return self._stage_made(wanted, number, expires, shown if shown else number)
        lots = self._lots.get(wanted.key, {})
        if wanted.tracking is Tracking.SERIAL and number in lots:
            raise ValidationError(f"serial {number} of {wanted.sku} is staged already")
        self.check_lot(self.acting(uow), wanted, number)
        self._lots.setdefault(wanted.key, {})[number] = lots.get(number, ZERO) + wanted.quantity
        if expires is not None:
            self._expiry[(wanted.key, number)] = expires
        if wanted.tracking is Tracking.SERIAL:
            self._serials.add(wanted.key)
        total = self.staged_of(wanted.key) + wanted.quantity
        self._staged[wanted.key] = (wanted.sku, total)
        self._lot_for = None
        self.pending_quantity = None
        message = self.staged_message(wanted.key, wanted.sku, wanted.quantity, total)
        return self.answer(
            "info", f"{message} ({wanted.noun} {number})", shown if shown else number
        )

    def on_quantity(self, uow: UnitOfWork, code: QuantityCode) -> ScanOutcome[V]:
        """A quantity for the next item, or for the command waiting for one."""
        self.pending_quantity = code.positive()
        if self.pending_command is not None:
            return self._produce(uow, code.shown)
        return self.answer(
            "info", f"Quantity {code.shown}: scan {self._quantity_for()}", code.shown
        )

    def on_command(self, uow: UnitOfWork, code: CommandCode) -> ScanOutcome[V]:
        command = self._own(code)
        if self.current is None:
            raise ValidationError(f"Scan {self.wanted()} before {command.code}")
        if command.takes == QUANTITY:
            if self._staged:
                raise ValidationError(
                    f"{self._staged_words()} staged: post it with {self._posting_codes()} "
                    f"first, or drop it with {CLEAR.code}"
                )
            self.pending_command = command
            serials = self.made().serials
            if self.pending_quantity is None and serials:
                self.pending_quantity = Decimal(len(serials))  # as many as are scanned
            if self.pending_quantity is not None:
                return self._produce(uow, command.code)
            return self.answer("ask", self.ask_quantity(command), command.code)
        if command.takes == NOTHING:
            return self._posted(self.post(self.acting(uow), command, {}), command.code)
        if self.pending_command is not None:
            raise ValidationError(self._waiting_for_quantity())
        if self.pending_quantity is not None:
            raise ValidationError(
                f"Quantity {fmt(self.pending_quantity)} is waiting for {a(self.item_noun)}: "
                f"scan it, or {CLEAR.code}"
            )
        if not self._staged:
            return self._posted(self.nothing_staged(self.acting(uow), command), command.code)
        posted = self.post(self.acting(uow), command, self.staged)
        self._unstage()
        return self._posted(posted, command.code)

    def on_code(self, uow: UnitOfWork, code: Code) -> ScanOutcome[V]:
        """A kind of code this session does not read (a bin, a label): refused in words."""
        raise ValidationError(f"{code.described()}; {self.purpose}: scan {self.wanted()}")

    # --- the parts every session shares ------------------------------------------------------

    def answer(
        self,
        level: Level,
        message: str,
        code: str,
        *,
        posted: Posted | None = None,
        signed_in: SignedIn | None = None,
    ) -> ScanOutcome[V]:
        """An outcome with the session's state as it is now."""
        return ScanOutcome(level, message, code, self.state(), posted, signed_in)

    def acting(self, uow: UnitOfWork) -> UnitOfWork:
        """The unit of work of the user signed in here."""
        if self.user is None or uow.actor.user == self.user.username:
            return uow
        return uow.as_user(self.user.username)

    def wanted(self) -> str:
        """The documents this session works on, in words: "a work order (WO-...)"."""
        return _listed((f"{a(k.noun)} ({k.prefix}...)" for k in self.kinds), "or")

    def prompt(self) -> str:
        """What the session expects next, in words."""
        if self._pin_for is not None:
            return f"Type the PIN for {self._pin_for}, then Enter"
        if self.user is None:
            return "Scan your badge to sign in"
        if self.pending_command is not None:
            return self._quantity_prompt(self.pending_command)
        if self._lot_for is not None:
            if self._lot_for.made:
                return f"Scan {self._lot_for.words}  ·  {CLEAR.code} drops it"
            return f"Scan the {self._lot_for.noun} of {self._lot_for.sku}  ·  {CLEAR.code} drops it"
        if self._made and self.current is not None:
            return f"{self._made_words()}: {self._made_next()}  ·  {CLEAR.code} drops it"
        if self.current is None:
            return f"Scan {self.wanted()}"
        if self._staged:
            return (
                f"Scan more {self.item_noun}s, then {self._posting_codes()}  ·  "
                f"{CLEAR.code} drops them"
            )
        if self.pending_quantity is not None:
            return f"Quantity {fmt(self.pending_quantity)}: scan {self._quantity_for()}"
        by_quantity = [c.code for c in self.commands if c.takes == QUANTITY]
        return f"Scan {_listed([a(self.item_noun), 'a quantity', *by_quantity], 'or')}"

    def _who(self, uow: UnitOfWork) -> None:
        if self.user is None and self._registered is not True:
            self.user = auth.workstation_user(uow)
            self._registered = self.user is None

    def _switch(self, user: SignedIn) -> None:
        if self.user is None or self.user.username != user.username:
            self._drop_pending()
        self.user = user

    def _sign_in(self, uow: UnitOfWork, pin: str) -> ScanOutcome[V]:
        name = self._pin_for or ""
        try:
            user = auth.sign_in(uow, name, pin)
        except ShopfloorError as exc:
            return self.answer("refused", exc.message, PIN_MASK)
        self._pin_for = None
        self._switch(user)
        self._registered = True
        return self.answer(
            "done", f"Signed in: {user.username} ({user.role})", PIN_MASK, signed_in=user
        )

    def _own(self, code: CommandCode) -> Command:
        """One of this session's commands, or a refusal naming the codes here (and the
        screens a command of another session belongs to)."""
        for command in self.commands:
            if command.code == code.command:
                return command
        codes = ", ".join(c.code for c in self.codes)
        elsewhere = [
            s.screen
            for s in ScanSession._sessions
            if s is not type(self) and any(c.code == code.command for c in s.commands)
        ]
        if elsewhere:
            raise ValidationError(
                f"{code.command} is for {_listed(elsewhere, 'and')}; the codes here are {codes}"
            )
        raise NotFound(f"{code.command} is not a command here; the codes are {codes}")

    def _produce(self, uow: UnitOfWork, shown: str) -> ScanOutcome[V]:
        """Carry out the command waiting for a quantity: both are used up by trying, so a
        refused one is not tried again by the next scan."""
        command, quantity = self.pending_command, self.pending_quantity
        assert command is not None and quantity is not None
        self.pending_command = None
        self.pending_quantity = None
        serials = self.made().serials
        if serials and quantity != len(serials):
            assert self._made_for is not None
            raise ValidationError(
                f"{len(serials)} serial{'s' if len(serials) != 1 else ''} of "
                f"{self._made_for.sku} {'are' if len(serials) != 1 else 'is'} scanned: "
                f"{command.verb} {len(serials)}, not {fmt(quantity)} (or {CLEAR.code})"
            )
        posted = self.produce(self.acting(uow), command, quantity)
        self._forget_made()
        return self._posted(posted, shown)

    def _posted(self, posted: Posted, shown: str) -> ScanOutcome[V]:
        self.last_posted = posted.summary
        return self.answer("done", posted.message, shown, posted=posted)

    def _clear(self, code: CommandCode) -> ScanOutcome[V]:
        parts = []
        if self._pin_for is not None:
            parts.append(f"the sign-in of {self._pin_for}")
            self._pin_for = None
        if self._staged:
            parts.append(self._staged_words())
        if self.pending_quantity is not None:
            parts.append(f"quantity {fmt(self.pending_quantity)}")
        if self.pending_command is not None:
            parts.append(self.pending_command.code)
        if self._lot_for is not None and not self._lot_for.made:
            parts.append(f"{fmt(self._lot_for.quantity)} {self._lot_for.sku} waiting for its lot")
        elif self._lot_for is not None:
            parts.append(f"the {self._lot_for.sku} made waiting for its {self._lot_for.noun}")
        if self._made:
            parts.append(self._made_words()[:1].lower() + self._made_words()[1:])
        self._drop_pending()
        if not parts:
            return self.answer("info", "Nothing to clear", code.command)
        return self.answer("info", "Dropped " + ", ".join(parts), code.command)

    def _drop_pending(self) -> None:
        self._unstage()
        self._forget_made()
        self.pending_quantity = None
        self.pending_command = None

    def _forget_made(self) -> None:
        self._made.clear()
        self._made_for = None

    def _unstage(self) -> None:
        """Nothing staged, no lot waited for."""
        self._staged.clear()
        self._lots.clear()
        self._expiry.clear()
        self._serials.clear()
        self._lot_for = None

    def _staged_words(self) -> str:
        """What is staged, by item: "1 FRAME, 2 WHEEL" (the first few, then how many more)."""
        by_sku: dict[str, Decimal] = {}
        for sku, q in self._staged.values():
            by_sku[sku] = by_sku.get(sku, ZERO) + q
        named = [f"{fmt(q)} {sku}" for sku, q in by_sku.items()]
        if len(named) > MAX_STAGED_NAMED:
            more = len(named) - MAX_STAGED_NAMED
            return f"{', '.join(named[:MAX_STAGED_NAMED])} and {more} more {self.item_noun}s"
        return ", ".join(named)

    def _posting_codes(self) -> str:
        return _listed((c.code for c in self.commands if c.takes == STAGED), "or")

    def _quantity_for(self) -> str:
        by_quantity = [c.code for c in self.commands if c.takes == QUANTITY]
        return _listed([a(self.item_noun), *by_quantity], "or")

    def _waiting_for_lot(self) -> str:
        assert self._lot_for is not None
        wanted = self._lot_for
        return f"Scan the {wanted.noun} of {wanted.sku} first, or {CLEAR.code}"

    def _waiting_for_quantity(self) -> str:
        assert self.pending_command is not None
        return f"{self.pending_command.code} is waiting for a quantity: scan it, or {CLEAR.code}"

    # --- what a command makes ----------------------------------------------------------------

    def _made_wanted(self, code: ItemCode) -> LotWanted | None:
        """Where the lot or serial of what the session makes goes, when `code` is that item
        (None: it is not)."""
        makes = self.makes() if self.current is not None else None
        if makes is None or code.sku != makes.sku:
            return None
        return LotWanted("", makes.sku, makes.tracking, Decimal(1), made=True)

    def _made_by_command(self) -> LotWanted | None:
        """The lot or serial made, while a command that makes a tracked item waits for its
        quantity (a scan that is no code names it)."""
        makes = self.makes() if self.current is not None else None
        if makes is None or self.pending_command is None or self.pending_command.takes != QUANTITY:
            return None
        return self._made_wanted(makes)

    def _stage_made(
        self, wanted: LotWanted, number: str, expires: date | None, shown: str
    ) -> ScanOutcome[V]:
        """The lot (one) or a serial (one by one) of what the next command makes; a second
        lot, a serial twice or another expiry is refused and changes nothing."""
        made = self._made
        first = next(iter(made), None)
        if wanted.tracking is Tracking.SERIAL and number in made:
            raise ValidationError(f"serial {number} of {wanted.sku} is scanned already")
        if wanted.tracking is Tracking.LOT and first is not None and number != first:
            raise ValidationError(
                f"{wanted.sku} is made as lot {first} here: one lot per build ({CLEAR.code} "
                f"drops it)"
            )
        had = next((e for e in made.values() if e is not None), None)
        if expires is not None and had is not None and expires != had:
            raise ValidationError(
                f"{wanted.noun} {number} of {wanted.sku} expires on {expires}, what is scanned "
                f"before it on {had}: make them apart"
            )
        made[number] = expires if expires is not None else made.get(number)
        self._made_for = wanted
        self._lot_for = None
        return self.answer("info", f"{self._made_words()}: {self._made_next()}", shown)

    def _made_words(self) -> str:
        """ "Lot L-7 of GADGET made", "Serials S-1, S-2 of ROBOT made"."""
        wanted = self._made_for
        assert wanted is not None
        noun = wanted.noun.capitalize() + ("s" if len(self._made) > 1 else "")
        return f"{noun} {', '.join(self._made)} of {wanted.sku} made"

    def _made_next(self) -> str:
        """What to scan once a lot or serial made is scanned."""
        assert self._made_for is not None
        serial = self._made_for.tracking is Tracking.SERIAL
        codes = _listed((c.code for c in self.commands if c.takes == QUANTITY), "or")
        command = self.pending_command
        if command is not None:
            if serial:
                return f"scan the next serial, or {command.code} again to {command.verb} them"
            return f"scan the quantity to {command.verb}"
        if serial:
            return f"scan the next, or {codes} to make them"
        if self.pending_quantity is not None:
            return f"scan {codes} to make {fmt(self.pending_quantity)}"
        return f"scan the quantity and {codes}"

    def _quantity_prompt(self, command: Command) -> str:
        """What a command waiting for its quantity asks, with what it makes."""
        if self._made:
            return f"{self._made_words()}: {self._made_next()}"
        makes = self.makes() if self.current is not None else None
        if makes is not None:
            return f"Scan the quantity to {command.verb} (first the {makes.tracking.noun} made)"
        return f"Scan the quantity to {command.verb}"
