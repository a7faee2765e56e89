"""The scan station: what an operator's scans at one floor PC mean.

A USB scanner types a code and Enter; `ScanStation.scan(uow, text)` reads one such code in
the context of the scans before it and answers with a `ScanOutcome`:

    WO-000005        that work order becomes current; its pick list shows what is left to
                     issue per component, with location and bin
    RIM-700C         a component of the current order: stage +1 (or the pending quantity)
    5                a positive number that is no known code: the quantity for the next
                     component scan, #BUILD or #COMPLETE
    #ISSUE           post everything staged as one issue
    #BUILD           an assembly build of the quantity given before or right after
    #COMPLETE        a completion with backflush, likewise
    #CLEAR           drop what is staged, the pending quantity and command
    #U:<name>        sign in as <name>; the next scan is the PIN

Every posting goes to the production services, which decide and refuse; the station only
keeps the session (who is signed in, the current order, what is staged, what is pending).
A refused or unknown scan changes nothing, and staging is consumed by the posting that uses
it, so a repeated command never posts twice. Scanned text becomes a quantity, a key or a
document number only through `app.services.engine.parsing` and `normalize_number`.

Picking sales orders by scan belongs to the order screens; this station works on work orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from sqlalchemy import select

from app.errors import NotFound, PermissionDenied, ShopfloorError, ValidationError
from app.models import Item
from app.models.kinds import document_kinds
from app.models.quantity import ZERO, fmt
from app.models.work_order import WORK_ORDER
from app.services import auth, shelf
from app.services.auth import SignedIn
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.lookup import SKU_LENGTH, location_ref
from app.services.engine.numbering import normalize_number
from app.services.engine.parsing import (
    COMMAND_PREFIX,
    lookup_key,
    parse_quantity,
    scanned_text,
    shown,
    text_fault,
)
from app.services.engine.uow import Transaction, UnitOfWork, query
from app.services.production import work_orders
from app.services.production.work_orders import WorkOrderInfo

Level = Literal["done", "refused", "info", "ask"]

ISSUE = "#ISSUE"
BUILD = "#BUILD"
COMPLETE = "#COMPLETE"
CLEAR = "#CLEAR"
SHIP = "#SHIP"
COMMANDS = (ISSUE, BUILD, COMPLETE, CLEAR)
MAX_RECENT_CODE = 40  # characters of a scan shown back in an answer
PIN_MASK = "••••"

_WORK_ORDER_PREFIX = WORK_ORDER.prefix
_OTHER_DOCUMENTS = {k.prefix: k.noun for k in document_kinds() if k is not WORK_ORDER}
_VERBS = {BUILD: ("build", "Built"), COMPLETE: ("complete", "Completed")}


# --- what the station shows ---------------------------------------------------------------


@dataclass(frozen=True)
class PickLine:
    """One component of the current order: what is left to issue, where it is, what is
    staged."""

    line_no: int
    sku: str
    name: str
    uom: str
    required: Decimal
    issued: Decimal
    committed: Decimal
    remaining: Decimal  # required - issued, never below zero
    staged: Decimal
    location: str
    bin: str | None


@dataclass(frozen=True)
class StationOrder:
    """The current work order's header."""

    number: str
    item: str
    item_name: str
    quantity: Decimal
    built: Decimal
    status: str
    status_label: str
    location: str
    actions: tuple[str, ...]

    @property
    def to_build(self) -> Decimal:
        return max(ZERO, self.quantity - self.built)


@dataclass(frozen=True)
class StationState:
    """A snapshot of the session: who, which order, what is staged and pending, and what
    the station expects next (`prompt`)."""

    user: SignedIn | None
    pin_for: str | None  # a badge was scanned: the next scan is this user's PIN
    location: str | None
    order: StationOrder | None
    pick_list: tuple[PickLine, ...]
    staged: tuple[tuple[str, Decimal], ...]
    pending_quantity: Decimal | None
    pending_command: str | None
    prompt: str


@dataclass(frozen=True)
class ScanOutcome:
    """The answer to one scan: `level` is "done" (posted or signed in), "refused" (nothing
    changed; `message` says why in words), "info" (accepted, nothing posted) or "ask" (the
    station waits for a quantity or a PIN). `code` is the scan as the list of recent scans
    shows it (a PIN is masked); `posted` names the posting ("issue", "build", "complete")
    and `changes` what it changed."""

    level: Level
    message: str
    code: str
    state: StationState
    posted: str | None = None
    info: WorkOrderInfo | None = None
    changes: Changes = NO_CHANGES
    signed_in: SignedIn | None = None

    @property
    def pick_list(self) -> tuple[PickLine, ...]:
        return self.state.pick_list


# --- reads --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _OrderRead:
    info: WorkOrderInfo
    bins: dict[str, str]


@query()
def read_station_order(tx: Transaction, number: str) -> _OrderRead:
    """A work order with the bin of each component at the order's location."""
    info = work_orders.get_work_order.within(tx, number)
    return _OrderRead(info, shelf.bins.within(tx, [ln.sku for ln in info.lines], info.location))


@query()
def known_sku(tx: Transaction, sku: str) -> bool:
    """Whether an item has exactly this sku."""
    try:
        text = lookup_key(sku, noun="sku", max_length=SKU_LENGTH)
    except NotFound:
        return False  # no item can have it
    return tx.session.scalar(select(Item.id).where(Item.sku == text)) is not None


@query()
def check_location(tx: Transaction, code: str) -> str:
    """A location code as stored, or NotFound."""
    return location_ref(tx.session, code).code


# --- the session --------------------------------------------------------------------------


def _short(code: str) -> str:
    return code if len(code) <= MAX_RECENT_CODE else shown(code)


def _looks_numeric(code: str) -> bool:
    text = scanned_text(code)
    return bool(text) and (text[0] in "0123456789-")


class ScanStation:
    """One floor PC's scanning session: plain state, one scan at a time (the view sends the
    next scan only when the last one has been answered). `location` limits the station to
    the work orders made there."""

    def __init__(self, *, location: str | None = None, user: SignedIn | None = None) -> None:
        self.location = (location or "").strip() or None
        self.user = user
        self._pin_for: str | None = None
        self._order: WorkOrderInfo | None = None
        self._bins: dict[str, str] = {}
        self._staged: dict[str, Decimal] = {}
        self._quantity: Decimal | None = None
        self._command: str | None = None
        self._registered: bool | None = None  # None: not asked yet

    # --- entry points ----------------------------------------------------------------

    def start(self, uow: UnitOfWork) -> ScanOutcome:
        """Before the first scan: check the station's location, and who works here without
        a badge (everyone as admin while no user is registered)."""
        if self.location:
            self.location = check_location(uow, self.location)
        self._who(uow)
        where = f" at {self.location}" if self.location else ""
        if self.user is None:
            return self._outcome("ask", f"Scan station{where}: scan your badge to sign in", "")
        return self._outcome("info", f"Scan station{where}: scan a work order", "")

    def scan(self, uow: UnitOfWork, text: str) -> ScanOutcome:
        """Read one scan (without its Enter) and answer it."""
        code = (text if isinstance(text, str) else "").strip()
        try:
            if self._pin_for is not None and not code.startswith(COMMAND_PREFIX):
                if not code:
                    return self._outcome("ask", f"Type the PIN for {self._pin_for}", "")
                return self._sign_in(uow, code)
            return self._dispatch(uow, code)
        except ShopfloorError as exc:
            return self._outcome("refused", exc.message, _short(code))

    def refresh(self, uow: UnitOfWork) -> StationState:
        """Read the current order again (someone else posted against it)."""
        if self._order is not None:
            self._set_order(read_station_order(self._acting(uow), self._order.number))
        return self.state()

    def sign_out(self) -> StationState:
        """Nobody works here now (idle too long): what was staged and the current order are
        dropped, so the next operator starts from their own badge and order."""
        self.user = None
        self._pin_for = None
        self._drop_pending()
        self._order = None
        self._bins = {}
        return self.state()

    @property
    def awaiting_pin(self) -> bool:
        return self._pin_for is not None

    @property
    def current(self) -> str | None:
        return self._order.number if self._order is not None else None

    def state(self) -> StationState:
        order = self._order
        header = None
        lines: list[PickLine] = []
        if order is not None:
            header = StationOrder(
                number=order.number,
                item=order.item,
                item_name=order.item_name,
                quantity=order.quantity,
                built=order.built,
                status=order.status,
                status_label=order.status_label,
                location=order.location,
                actions=tuple(order.actions),
            )
            lines = [
                PickLine(
                    line_no=ln.line_no,
                    sku=ln.sku,
                    name=ln.name,
                    uom=ln.uom,
                    required=ln.required,
                    issued=ln.issued,
                    committed=ln.committed,
                    remaining=max(ZERO, ln.required - ln.issued),
                    staged=self._staged.get(ln.sku, ZERO),
                    location=order.location,
                    bin=self._bins.get(ln.sku),
                )
                for ln in order.lines
            ]
            lines.sort(key=lambda p: shelf.walk_order(p.bin, p.line_no))
        return StationState(
            user=self.user,
            pin_for=self._pin_for,
            location=self.location,
            order=header,
            pick_list=tuple(lines),
            staged=tuple(self._staged.items()),
            pending_quantity=self._quantity,
            pending_command=self._command,
            prompt=self._prompt(),
        )

    # --- reading a scan --------------------------------------------------------------

    def _dispatch(self, uow: UnitOfWork, code: str) -> ScanOutcome:
        if not code:
            return self._outcome("info", "Nothing was scanned", "")
        badge = auth.badge_user(code)
        if badge is not None:
            return self._badge(badge, code)
        if code[: len(auth.BADGE_PREFIX)].upper() == auth.BADGE_PREFIX:
            raise ValidationError("A badge carries a name: #U:<name>")
        fault = text_fault(code)
        if fault is not None:
            raise NotFound(f"Unknown code {_short(code)}: it contains {fault}. Nothing changed")
        if self._pin_for is not None and code.upper() != CLEAR:
            raise ValidationError(f"Type the PIN for {self._pin_for} first, or #CLEAR")
        if self.user is None:
            self._who(uow)
            if self.user is None:
                raise PermissionDenied("Scan your badge (#U:<name>) to sign in first")
        if code.startswith(COMMAND_PREFIX):
            return self._command_scan(uow, code)
        if self._order is not None and code in {ln.sku for ln in self._order.lines}:
            return self._stage(code)
        upper = scanned_text(code).upper()
        if upper.startswith(_WORK_ORDER_PREFIX):
            return self._open(uow, code)
        for prefix, noun in _OTHER_DOCUMENTS.items():
            if upper.startswith(prefix):
                raise ValidationError(
                    f"{_short(code)} is a {noun}; this station works on work orders "
                    "(scan a WO- number)"
                )
        if known_sku(uow, code):
            if self._order is None:
                raise ValidationError(f"{code} is an item: scan a work order first")
            raise NotFound(f"{code} is not a component of {self._order.number}")
        if _looks_numeric(code):
            return self._quantity_scan(uow, parse_quantity(code))
        raise NotFound(
            f"Unknown code {_short(code)}: not a work order, a component, a quantity or a "
            "command. Nothing changed"
        )

    def _badge(self, name: str, code: str) -> ScanOutcome:
        self._pin_for = name
        return self._outcome("ask", f"Badge {name}: type your PIN and Enter", _short(code))

    def _sign_in(self, uow: UnitOfWork, pin: str) -> ScanOutcome:
        name = self._pin_for or ""
        try:
            user = auth.sign_in(uow, name, pin)
        except ShopfloorError as exc:
            return self._outcome("refused", exc.message, PIN_MASK)
        self._pin_for = None
        if self.user is None or self.user.username != user.username:
            self._drop_pending()
        self.user = user
        self._registered = True
        return self._outcome(
            "done", f"Signed in: {user.username} ({user.role})", PIN_MASK, signed_in=user
        )

    def _command_scan(self, uow: UnitOfWork, code: str) -> ScanOutcome:
        command = code.upper()
        if command == CLEAR:
            return self._clear(code)
        if command == SHIP:
            raise ValidationError(
                "#SHIP is for the picking screens; this station issues and builds work orders"
            )
        if command not in COMMANDS:
            raise NotFound(f"Unknown command {_short(code)}. Nothing changed")
        order = self._require_order(command)
        if command == ISSUE:
            return self._issue(uow, order, code)
        if self._staged:
            raise ValidationError(
                f"{self._staged_words()} staged: #ISSUE them first, or #CLEAR to drop them"
            )
        self._command = command
        if self._quantity is not None:
            return self._produce(uow, order, code)
        verb, _ = _VERBS[command]
        return self._outcome(
            "ask",
            f"How many {order.item} to {verb} on {order.number}? Scan the quantity "
            f"({fmt(max(ZERO, order.quantity - order.built))} to go)",
            code,
        )

    def _quantity_scan(self, uow: UnitOfWork, quantity: Decimal) -> ScanOutcome:
        self._quantity = quantity
        if self._command is not None and self._order is not None:
            return self._produce(uow, self._order, fmt(quantity))
        return self._outcome(
            "info",
            f"Quantity {fmt(quantity)}: scan a component, #BUILD or #COMPLETE",
            fmt(quantity),
        )

    def _stage(self, sku: str) -> ScanOutcome:
        order = self._order
        assert order is not None
        if self._command is not None:
            raise ValidationError(f"{self._command} is waiting for a quantity: scan it, or #CLEAR")
        quantity = self._quantity if self._quantity is not None else Decimal(1)
        self._quantity = None
        total = self._staged.get(sku, ZERO) + quantity
        self._staged[sku] = total
        line = next(ln for ln in order.lines if ln.sku == sku)
        left = max(ZERO, line.required - line.issued)
        return self._outcome(
            "info",
            f"+{fmt(quantity)} {sku}: {fmt(total)} staged of {fmt(left)} left to issue",
            sku,
        )

    def _open(self, uow: UnitOfWork, code: str) -> ScanOutcome:
        number = normalize_number(code)
        if self._staged and (self._order is None or self._order.number != number):
            current = self._order.number if self._order is not None else "the current order"
            raise ValidationError(
                f"{self._staged_words()} staged for {current}: #ISSUE them or #CLEAR first"
            )
        read = read_station_order(self._acting(uow), number)
        if self.location and read.info.location != self.location:
            raise ValidationError(
                f"{read.info.number} is made at {read.info.location}; this station is at "
                f"{self.location}"
            )
        self._quantity = None
        self._command = None
        self._set_order(read)
        info = read.info
        progress = f"{fmt(info.built)} of {fmt(info.quantity)} built"
        head = f"{info.number}: {info.item} ({info.item_name}), {progress}, {info.status_label}"
        if not {"issue", "build", "complete"} & set(info.actions):
            if "release" in info.actions:
                return self._outcome("info", f"{head}: release it first", number)
            return self._outcome("info", f"{head}: nothing more can be issued or built", number)
        return self._outcome("info", head, number)

    def _clear(self, code: str) -> ScanOutcome:
        parts = []
        if self._pin_for is not None:
            parts.append(f"the sign-in of {self._pin_for}")
            self._pin_for = None
        if self._staged:
            parts.append(self._staged_words())
        if self._quantity is not None:
            parts.append(f"quantity {fmt(self._quantity)}")
        if self._command is not None:
            parts.append(self._command)
        self._drop_pending()
        if not parts:
            return self._outcome("info", "Nothing to clear", code.upper())
        return self._outcome("info", "Dropped " + ", ".join(parts), code.upper())

    # --- postings --------------------------------------------------------------------

    def _issue(self, uow: UnitOfWork, order: WorkOrderInfo, code: str) -> ScanOutcome:
        if self._command is not None:
            raise ValidationError(f"{self._command} is waiting for a quantity: scan it, or #CLEAR")
        if self._quantity is not None:
            raise ValidationError(
                f"Quantity {fmt(self._quantity)} is waiting for a component: scan it, or #CLEAR"
            )
        if not self._staged:
            return self._outcome(
                "info", f"Nothing staged to issue to {order.number}: scan components first", code
            )
        staged = list(self._staged.items())
        info = work_orders.issue_components(self._acting(uow), order.number, staged)
        self._staged.clear()
        self._order = info
        what = ", ".join(f"{fmt(q)} {sku}" for sku, q in staged)
        return self._outcome(
            "done",
            f"Issued {what} to {info.number}",
            code.upper(),
            posted="issue",
            info=info,
        )

    def _produce(self, uow: UnitOfWork, order: WorkOrderInfo, code: str) -> ScanOutcome:
        command, quantity = self._command, self._quantity
        assert command is not None and quantity is not None
        self._command = None
        self._quantity = None
        acting = self._acting(uow)
        if command == BUILD:
            info = work_orders.post_assembly_build(acting, order.number, quantity)
        else:
            info = work_orders.complete_work_order(acting, order.number, quantity, backflush=True)
        self._order = info
        _, done = _VERBS[command]
        backflush = " with backflush" if command == COMPLETE else ""
        return self._outcome(
            "done",
            f"{done} {fmt(quantity)} {info.item} on {info.number}{backflush} "
            f"({fmt(info.built)} of {fmt(info.quantity)} built)",
            code,
            posted=command[1:].lower(),
            info=info,
        )

    # --- helpers ---------------------------------------------------------------------

    def _who(self, uow: UnitOfWork) -> None:
        if self.user is None and self._registered is not True:
            self.user = auth.workstation_user(uow)
            self._registered = self.user is None

    def _acting(self, uow: UnitOfWork) -> UnitOfWork:
        """The unit of work of the user signed in here."""
        if self.user is None or uow.actor.user == self.user.username:
            return uow
        return uow.as_user(self.user.username)

    def _require_order(self, command: str) -> WorkOrderInfo:
        if self._order is None:
            raise ValidationError(f"Scan a work order before {command}")
        return self._order

    def _set_order(self, read: _OrderRead) -> None:
        self._order = read.info
        self._bins = dict(read.bins)

    def _drop_pending(self) -> None:
        self._staged.clear()
        self._quantity = None
        self._command = None

    def _staged_words(self) -> str:
        n = len(self._staged)
        return "1 component" if n == 1 else f"{n} components"

    def _prompt(self) -> str:
        if self._pin_for is not None:
            return f"Type the PIN for {self._pin_for}, then Enter"
        if self.user is None:
            return "Scan your badge to sign in"
        if self._command is not None:
            verb, _ = _VERBS[self._command]
            return f"Scan the quantity to {verb}"
        if self._order is None:
            return "Scan a work order"
        if self._staged:
            return "Scan more components, then #ISSUE  ·  #CLEAR drops them"
        if self._quantity is not None:
            return f"Quantity {fmt(self._quantity)}: scan a component, #BUILD or #COMPLETE"
        return "Scan a component, a quantity, #BUILD or #COMPLETE"

    def _outcome(
        self,
        level: Level,
        message: str,
        code: str,
        *,
        posted: str | None = None,
        info: WorkOrderInfo | None = None,
        signed_in: SignedIn | None = None,
    ) -> ScanOutcome:
        return ScanOutcome(
            level=level,
            message=message,
            code=code,
            state=self.state(),
            posted=posted,
            info=info,
            changes=info.changes if info is not None else NO_CHANGES,
            signed_in=signed_in,
        )
