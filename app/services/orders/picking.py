"""Picking, packing and shipping with a barcode scanner: a session that turns each scan into
service calls and answers in words.

    SO-000001      the order to pick: its lines still to pick, sorted by bin
    HELMET-M       +1 of that item on its line (the first line of that sku with room left)
    5, LOCK-U      a quantity scanned before an item: +5 of it
    #PICK          post what is staged as a fulfillment (Picked)
    #PACK          ... and pack it; on a scanned fulfillment (IF-...): pack it
    #SHIP          ... and ship it; on a scanned fulfillment: ship it
    #CLEAR         drop what is staged (and a quantity waiting for its item)

Nothing is decided here that the services decide: what may be picked (commitment, overage,
status, role) is refused by `fulfill`, `pack_fulfillment` and `ship_fulfillment` in their own
words, and a refusal leaves what is staged as it was. A scan that is none of the above says so
and changes nothing. A command is posted once: what a posting used is no longer staged, and a
fulfillment already shipped is not shipped again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from app.errors import ShopfloorError
from app.models.kinds import kind_of_number
from app.models.quantity import ZERO, fmt
from app.services import shelf
from app.services.engine.parsing import parse_quantity, scanned_text
from app.services.engine.uow import UnitOfWork
from app.services.orders import fulfillment, sales
from app.services.orders.fulfillment import FulfillmentInfo
from app.services.orders.sales import SalesOrderInfo

PICK, PACK, SHIP, CLEAR = "#PICK", "#PACK", "#SHIP", "#CLEAR"
COMMANDS = (PICK, PACK, SHIP, CLEAR)
PICKABLE_PATHS = ("stock", "build")  # the lines that take stock from the shelf


@dataclass(frozen=True)
class ScanAnswer:
    """What a scan did, in words: `kind` is "success" (posted), "info" (staged, loaded) or
    "error" (refused; nothing changed)."""

    kind: str
    message: str

    @property
    def ok(self) -> bool:
        return self.kind != "error"


def document_kind(text: str) -> str | None:
    """The kind of document a scanned number names by its prefix (sales order, ...)."""
    kind = kind_of_number(text)
    return kind.noun if kind is not None else None


def quantity_of(text: str) -> Decimal | None:
    """A scanned quantity (plain digits, as the services read them), or None when the text
    does not start like a number. A number that is not a valid quantity is refused."""
    first = scanned_text(text)[:1]
    if not first or not (first.isdigit() or first in "-."):
        return None
    return parse_quantity(text, "scanned quantity")


class ScanSession:
    """What a scanner session shares: one scan at a time, the quantity waiting for its item,
    and refusals turned into answers."""

    commands: tuple[str, ...] = ()

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.waiting: Decimal | None = None

    def scan(self, uow: UnitOfWork, text: str) -> ScanAnswer:
        """Handle one scan (called with the signed-in user's unit of work)."""
        with self._lock:
            code = scanned_text(text or "")
            if not code:
                return ScanAnswer("error", "nothing was scanned")
            try:
                if code.startswith("#"):
                    return self.command(uow, code.upper())
                return self.read(uow, code)
            except ShopfloorError as exc:
                return ScanAnswer("error", exc.message)

    def command(self, uow: UnitOfWork, code: str) -> ScanAnswer:  # pragma: no cover - abstract
        raise NotImplementedError

    def read(self, uow: UnitOfWork, code: str) -> ScanAnswer:  # pragma: no cover - abstract
        raise NotImplementedError

    def unknown_command(self, code: str) -> ScanAnswer:
        return ScanAnswer(
            "error",
            f"{code} is not a command here; the codes are {', '.join(self.commands)}",
        )

    def wait_for_item(self, qty: Decimal) -> ScanAnswer:
        self.waiting = qty
        return ScanAnswer("info", f"quantity {fmt(qty)}: now scan the item")


@dataclass(frozen=True)
class PickLine:
    """A line of the order (or of the fulfillment) on the screen."""

    line: str
    sku: str
    name: str
    uom: str
    bin: str | None
    ordered: Decimal
    to_pick: Decimal  # still to pick: not shipped and not picked yet
    committed: Decimal  # committed to the line and not picked yet
    staged: Decimal  # scanned, not posted yet
    kit_member: bool


@dataclass(frozen=True)
class PickState:
    """A snapshot of the session for the screen (the session itself lives on)."""

    document: str | None = None  # the order being picked, or the fulfillment scanned
    kind: str | None = None  # "sales_order" or "fulfillment"
    status: str | None = None
    status_label: str | None = None
    order: str | None = None
    customer: str | None = None
    customer_po: str | None = None
    lines: tuple[PickLine, ...] = ()
    waiting: Decimal | None = None
    posted: str | None = None  # the last fulfillment posted or moved
    actions: tuple[str, ...] = ()

    @property
    def staged(self) -> Decimal:
        return sum((ln.staged for ln in self.lines), ZERO)


@dataclass(frozen=True)
class PickAnswer(ScanAnswer):
    state: PickState = field(default_factory=PickState)


class PickSession(ScanSession):
    """One scanner at the picking bench (see the module's docstring for the codes)."""

    commands = COMMANDS

    def __init__(self) -> None:
        super().__init__()
        self.order: SalesOrderInfo | None = None
        self.fulfillment: FulfillmentInfo | None = None
        self.bins: dict[str, str] = {}
        self.staged: dict[str, Decimal] = {}
        self.posted: str | None = None

    # --- answers -------------------------------------------------------------------------

    def scan(self, uow: UnitOfWork, text: str) -> PickAnswer:
        answer = super().scan(uow, text)
        return PickAnswer(answer.kind, answer.message, self.state())

    def state(self) -> PickState:
        if self.fulfillment is not None:
            f = self.fulfillment
            lines = tuple(
                sorted(
                    (
                        PickLine(
                            ln.line,
                            ln.sku,
                            ln.name,
                            ln.uom,
                            self.bins.get(ln.sku),
                            ln.ordered,
                            ln.quantity,
                            ZERO,
                            ZERO,
                            "." in ln.line,
                        )
                        for ln in f.lines
                    ),
                    key=_walked,
                )
            )
            return PickState(
                f.number,
                "fulfillment",
                f.status,
                f.status_label,
                f.created_from,
                f.customer,
                f.customer_po,
                lines,
                self.waiting,
                self.posted,
                tuple(f.actions),
            )
        if self.order is not None:
            o = self.order
            return PickState(
                o.number,
                "sales_order",
                o.status,
                o.status_label,
                o.number,
                o.customer,
                o.customer_po,
                tuple(self.pick_lines()),
                self.waiting,
                self.posted,
                tuple(o.actions),
            )
        return PickState(waiting=self.waiting, posted=self.posted)

    def pick_lines(self) -> list[PickLine]:
        """The order's lines that take stock, with what is left to pick, in walking order."""
        if self.order is None:
            return []
        out = []
        for ln in self.order.lines:
            if ln.path not in PICKABLE_PATHS:
                continue
            to_pick = max(ZERO, ln.remaining - ln.picked)
            staged = self.staged.get(ln.line, ZERO)
            if to_pick <= 0 and staged <= 0:
                continue
            out.append(
                PickLine(
                    ln.line,
                    ln.sku,
                    ln.name,
                    ln.uom,
                    self.bins.get(ln.sku),
                    ln.quantity,
                    to_pick,
                    max(ZERO, ln.committed - ln.picked),
                    staged,
                    ln.kit_member,
                )
            )
        return sorted(out, key=_walked)

    # --- scans ---------------------------------------------------------------------------

    def read(self, uow: UnitOfWork, code: str) -> ScanAnswer:
        kind = document_kind(code)
        if kind == "sales order":
            return self.load_order(uow, code)
        if kind == "fulfillment":
            return self.load_fulfillment(uow, code)
        if kind is not None:
            return ScanAnswer(
                "error",
                f"{code.upper()} is a {kind}; scan a sales order (SO-...) or a fulfillment "
                "(IF-...)",
            )
        if self.order is not None and self.fulfillment is None:
            found = [ln for ln in self.pick_lines() if ln.sku == code]
            if found:
                return self.stage(found, code)
        qty = quantity_of(code)
        if qty is not None:
            return self.wait_for_item(qty)
        if self.fulfillment is not None:
            return ScanAnswer(
                "error",
                f"{self.fulfillment.number} is {self.fulfillment.status_label}; to pick more of "
                f"{self.fulfillment.created_from} scan the order again",
            )
        if self.order is not None:
            return ScanAnswer("error", f"{code} is not on {self.order.number} to pick")
        return ScanAnswer("error", f"{code} is not an order: scan the sales order (SO-...) first")

    def _refuse_switch(self, number: str) -> ScanAnswer | None:
        if self.staged and self.order is not None and self.order.number != number:
            return ScanAnswer(
                "error",
                f"{self._staged_words()} staged for {self.order.number}: post it "
                f"({PICK}, {PACK}, {SHIP}) or {CLEAR} it first",
            )
        return None

    def load_order(self, uow: UnitOfWork, code: str) -> ScanAnswer:
        info = sales.get_sales_order(uow, code)
        refused = self._refuse_switch(info.number)
        if refused is not None:
            return refused
        if "fulfill" not in info.actions:
            return ScanAnswer(
                "error", f"{info.number} is {info.status_label}: there is nothing to pick on it"
            )
        again = self.order is not None and self.order.number == info.number
        self._show_order(uow, info)
        if not again:
            self.staged = {}
            self.waiting = None
        lines = self.pick_lines()
        if not lines:
            return ScanAnswer("info", f"{info.number} ({info.customer}): nothing left to pick")
        return ScanAnswer(
            "info",
            f"{info.number} ({info.customer}): {len(lines)} line"
            f"{'s' if len(lines) != 1 else ''} to pick; scan each item",
        )

    def load_fulfillment(self, uow: UnitOfWork, code: str) -> ScanAnswer:
        info = fulfillment.get_fulfillment(uow, code)
        refused = self._refuse_switch("")
        if refused is not None:
            return refused
        self._show_fulfillment(uow, info)
        self.staged = {}
        self.waiting = None
        next_steps = [c for c, a in ((PACK, "pack"), (SHIP, "ship")) if a in info.actions]
        then = f"; {' or '.join(next_steps)}" if next_steps else ""
        return ScanAnswer(
            "info",
            f"{info.number} for {info.created_from} ({info.customer}) is {info.status_label}{then}",
        )

    def _show_order(self, uow: UnitOfWork, info: SalesOrderInfo) -> None:
        self.order = info
        self.fulfillment = None
        self.bins = shelf.bins(uow, [ln.sku for ln in info.lines], info.location)

    def _show_fulfillment(self, uow: UnitOfWork, info: FulfillmentInfo) -> None:
        self.fulfillment = info
        if self.order is None or self.order.number != info.created_from:
            self.order = sales.get_sales_order(uow, info.created_from)
            self.bins = shelf.bins(uow, [ln.sku for ln in self.order.lines], self.order.location)

    def stage(self, lines: list[PickLine], sku: str) -> ScanAnswer:
        qty = self.waiting if self.waiting is not None else Decimal(1)
        self.waiting = None
        target = next((ln for ln in lines if ln.staged + qty <= ln.to_pick), None)
        target = target or next((ln for ln in lines if ln.staged < ln.to_pick), lines[0])
        total = self.staged.get(target.line, ZERO) + qty
        self.staged[target.line] = total
        over = total - target.to_pick
        note = f" ({fmt(over)} more than is left to pick)" if over > 0 else ""
        return ScanAnswer(
            "info",
            f"+{fmt(qty)} {sku} on line {target.line}: {fmt(total)} of {fmt(target.to_pick)}{note}",
        )

    def _staged_words(self) -> str:
        total = sum(self.staged.values(), ZERO)
        return f"{fmt(total)} item{'s' if total != 1 else ''}"

    # --- commands ------------------------------------------------------------------------

    def command(self, uow: UnitOfWork, code: str) -> ScanAnswer:
        if code == CLEAR:
            return self.clear()
        if code not in (PICK, PACK, SHIP):
            return self.unknown_command(code)
        if self.waiting is not None:
            return ScanAnswer(
                "error",
                f"{fmt(self.waiting)} was scanned without an item: scan the item or {CLEAR}",
            )
        if self.fulfillment is not None and not self.staged:
            return self.move(uow, code, self.fulfillment)
        if self.order is None:
            return ScanAnswer(
                "error", "scan a sales order (SO-...) or a fulfillment (IF-...) first"
            )
        if not self.staged:
            return ScanAnswer(
                "error", f"nothing is staged on {self.order.number}: scan the items first"
            )
        return self.post(uow, code, self.order)

    def clear(self) -> ScanAnswer:
        if not self.staged and self.waiting is None:
            return ScanAnswer("info", "nothing was staged")
        what = self._staged_words() if self.staged else f"the quantity {fmt(self.waiting)}"
        self.staged = {}
        self.waiting = None
        return ScanAnswer("info", f"cleared {what}; nothing was posted")

    def post(self, uow: UnitOfWork, code: str, order: SalesOrderInfo) -> ScanAnswer:
        """Post what is staged as a fulfillment, then pack or ship it if asked."""
        in_order = sorted(self.staged, key=lambda label: [int(p) for p in label.split(".")])
        wanted = {label: self.staged[label] for label in in_order if self.staged[label] > 0}
        picked = fulfillment.fulfill(uow, order.number, wanted)
        self.staged = {}
        self.posted = picked.number
        self._show_order(uow, sales.get_sales_order(uow, order.number))
        self.fulfillment = picked
        words = ", ".join(f"{fmt(ln.quantity)} {ln.sku}" for ln in picked.lines)
        done = f"{picked.number} for {order.number}: {words}"
        if code == PICK:
            return ScanAnswer("success", f"Picked {done}")
        try:
            moved = self._pack_or_ship(uow, code, picked)
        except ShopfloorError as exc:
            verb = "packed" if code == PACK else "shipped"
            return ScanAnswer("error", f"Picked {done}; but not {verb}: {exc.message}")
        return ScanAnswer("success", f"{moved.status_label} {done}")

    def move(self, uow: UnitOfWork, code: str, f: FulfillmentInfo) -> ScanAnswer:
        """Pack or ship a fulfillment that was scanned (or just posted)."""
        action = {PICK: None, PACK: "pack", SHIP: "ship"}[code]
        if action is None:
            return ScanAnswer(
                "error", f"{f.number} is picked already; {PACK} or {SHIP} it, or scan an order"
            )
        if action not in f.actions:
            return ScanAnswer(
                "error", f"{f.number} is {f.status_label} already; nothing was posted"
            )
        moved = self._pack_or_ship(uow, code, f)
        return ScanAnswer(
            "success", f"{moved.status_label} {moved.number} for {moved.created_from}"
        )

    def _pack_or_ship(self, uow: UnitOfWork, code: str, f: FulfillmentInfo) -> FulfillmentInfo:
        post: Callable[[UnitOfWork, str], FulfillmentInfo] = (
            fulfillment.pack_fulfillment if code == PACK else fulfillment.ship_fulfillment
        )
        moved = post(uow, f.number)
        self.posted = moved.number
        self._show_order(uow, sales.get_sales_order(uow, moved.created_from))
        self.fulfillment = moved
        return moved


def _walked(line: PickLine) -> shelf.WalkKey:
    """A line on the screen in the order a picker walks (app/services/shelf.py)."""
    return shelf.walk_order(line.bin, line.line)
