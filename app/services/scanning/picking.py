"""Picking, packing and shipping with a barcode scanner.

    SO-000001      the order to pick: its lines still to pick, sorted by bin
    HELMET-M       +1 of that item on its line (the first line of that sku with room left)
    5, LOCK-U      a quantity scanned before an item: +5 of it
    G-1            after a tracked item: the lot (or serial) picked; a GS1 code carrying
                   the item and its lot is both scans in one
    #PICK          post what is staged as a fulfillment (Picked)
    #PACK          ... and pack it; on a scanned fulfillment (IF-...): pack it
    #SHIP          ... and ship it; on a scanned fulfillment: ship it

Nothing is decided here that the services decide: what may be picked (commitment, overage,
status, role) is refused by `fulfill`, `pack_fulfillment` and `ship_fulfillment` in their own
words, and a refusal leaves what is staged as it was. A fulfillment already packed or shipped
is not packed or shipped again. Badges, quantities, #CLEAR and the rest are the base
session's (app/services/scanning/session.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from app.errors import NotFound, ShopfloorError, ValidationError
from app.models.quantity import fmt
from app.models.sales import FULFILLMENT, SALES_ORDER
from app.services import shelf
from app.services.auth import SignedIn
from app.services.engine.changes import Changes
from app.services.engine.lots import LotUse
from app.services.engine.uow import UnitOfWork
from app.services.lots.stock import SuggestedLot, lots_to_take
from app.services.orders import fulfillment, sales
from app.services.orders.fulfillment import FulfillmentInfo
from app.services.orders.sales import SalesOrderInfo
from app.services.scanning.codes import DocumentCode
from app.services.scanning.session import Command, Opened, Posted, ScanOutcome, ScanSession

PICK = Command("#PICK", "post what is scanned as picked")
PACK = Command("#PACK", "post it picked and packed; or pack the fulfillment scanned")
SHIP = Command("#SHIP", "post it and ship it; or ship the fulfillment scanned")
PICKABLE_PATHS = ("stock", "build")  # the lines that take stock from the shelf
_MOVES: dict[str, tuple[str, str, Callable[[UnitOfWork, str], FulfillmentInfo]]] = {
    PACK.code: ("pack", "packed", fulfillment.pack_fulfillment),
    SHIP.code: ("ship", "shipped", fulfillment.ship_fulfillment),
}


@dataclass(frozen=True)
class PickLine:
    """A line of the order being picked: what is still to pick and ready to pick (the read
    model's figures), and what is scanned and not posted yet."""

    line: str
    sku: str
    name: str
    uom: str
    bin: str | None
    ordered: Decimal
    still_to_pick: Decimal
    ready_to_pick: Decimal
    staged: Decimal
    kit_member: bool
    lots: tuple[SuggestedLot, ...] = ()  # the lots to take, by the consumption order


@dataclass(frozen=True)
class ShipmentLine:
    """A line of the fulfillment scanned: what it carries."""

    line: str
    sku: str
    name: str
    uom: str
    bin: str | None
    ordered: Decimal
    quantity: Decimal
    kit_member: bool


@dataclass(frozen=True)
class PickDetail:
    """What the pick screen shows: the order being picked (`kind` "sales_order", its `lines`)
    or the fulfillment scanned ("fulfillment", its `shipment`), with the order it is for."""

    kind: str | None = None
    number: str | None = None
    status: str | None = None
    status_label: str | None = None
    order: str | None = None
    customer: str | None = None
    customer_po: str | None = None
    lines: tuple[PickLine, ...] = ()
    shipment: tuple[ShipmentLine, ...] = ()
    actions: tuple[str, ...] = ()


PickOutcome = ScanOutcome[PickDetail]


class PickSession(ScanSession[PickDetail]):
    """One scanner at the picking bench (see the module's docstring for the codes)."""

    kinds = (SALES_ORDER, FULFILLMENT)
    commands = (PICK, PACK, SHIP)
    screen = "the pick, pack and ship screen"
    purpose = "this screen picks, packs and ships sales orders"
    takes_lots = True

    def __init__(self, *, user: SignedIn | None = None) -> None:
        super().__init__(user=user)
        self.order: SalesOrderInfo | None = None
        self.fulfillment: FulfillmentInfo | None = None
        self.bins: dict[str, str] = {}
        self.lots: dict[str, tuple[SuggestedLot, ...]] = {}

    # --- documents ------------------------------------------------------------------------

    def open(self, uow: UnitOfWork, code: DocumentCode) -> Opened:
        if code.kind is FULFILLMENT:
            return self._open_fulfillment(uow, code.number)
        info = sales.get_sales_order(uow, code.number)
        if "fulfill" not in info.actions:
            raise ValidationError(
                f"{info.number} is {info.status_label}: there is nothing to pick on it"
            )
        self._show_order(uow, info)
        lines = self.pick_lines()
        if not lines:
            return Opened(info.number, f"{info.number} ({info.customer}): nothing left to pick")
        plural = "s" if len(lines) != 1 else ""
        return Opened(
            info.number,
            f"{info.number} ({info.customer}): {len(lines)} line{plural} to pick; scan each item",
        )

    def _open_fulfillment(self, uow: UnitOfWork, number: str) -> Opened:
        info = fulfillment.get_fulfillment(uow, number)
        if self.order is None or self.order.number != info.created_from:
            self._show_order(uow, sales.get_sales_order(uow, info.created_from))
        self.fulfillment = info
        steps = [c.code for c in (PACK, SHIP) if _MOVES[c.code][0] in info.actions]
        then = f"; {' or '.join(steps)}" if steps else ""
        return Opened(
            info.created_from,
            f"{info.number} for {info.created_from} ({info.customer}) is {info.status_label}{then}",
        )

    def _show_order(self, uow: UnitOfWork, info: SalesOrderInfo) -> None:
        """The order to pick, with the bins of its items and the lots to take for what is
        still to pick on each line (as its picking ticket names them)."""
        self.order = info
        self.fulfillment = None
        self.bins = shelf.bins(uow, [ln.sku for ln in info.lines], info.location)
        left = {
            ln.line: (ln.sku, ln.still_to_pick)
            for ln in info.lines
            if ln.path in PICKABLE_PATHS and ln.still_to_pick > 0
        }
        self.lots = lots_to_take(uow, left, info.location, LotUse.SALE)

    def reload(self, uow: UnitOfWork) -> None:
        if self.order is not None:
            shown = self.fulfillment
            self._show_order(uow, sales.get_sales_order(uow, self.order.number))
            if shown is not None:
                self.fulfillment = fulfillment.get_fulfillment(uow, shown.number)

    def forget(self) -> None:
        self.order = None
        self.fulfillment = None
        self.bins = {}
        self.lots = {}

    def shows(self, changes: Changes) -> bool:
        """The order being picked, or the fulfillment scanned from it."""
        shown = self.fulfillment
        return super().shows(changes) or (
            shown is not None and shown.number in changes.of(FULFILLMENT)
        )

    # --- staging --------------------------------------------------------------------------

    def pick_lines(self) -> list[PickLine]:
        """The order's lines that take stock, with what is still to pick, in walking
        order."""
        if self.order is None:
            return []
        out = []
        for ln in self.order.lines:
            if ln.path not in PICKABLE_PATHS:
                continue
            staged = self.staged_of(ln.line)
            if ln.still_to_pick <= 0 and staged <= 0:
                continue
            out.append(
                PickLine(
                    ln.line,
                    ln.sku,
                    ln.name,
                    ln.uom,
                    self.bins.get(ln.sku),
                    ln.quantity,
                    ln.still_to_pick,
                    ln.ready_to_pick,
                    staged,
                    ln.kit_member,
                    self.lots.get(ln.line, ()),
                )
            )
        return sorted(out, key=lambda pl: shelf.walk_order(pl.bin, pl.line))

    def staging_key(self, sku: str, quantity: Decimal) -> str:
        """The first line of that sku with room for the quantity, else with room left,
        else the first."""
        if self.fulfillment is not None:
            f = self.fulfillment
            raise ValidationError(
                f"{f.number} is {f.status_label}; to pick more of {f.created_from} scan the "
                "order again"
            )
        found = [ln for ln in self.pick_lines() if ln.sku == sku]
        if not found:
            raise NotFound(f"{sku} is not on {self.current} to pick")
        target = next((ln for ln in found if ln.staged + quantity <= ln.still_to_pick), None)
        target = target or next((ln for ln in found if ln.staged < ln.still_to_pick), found[0])
        return target.line

    def staged_message(self, key: str, sku: str, quantity: Decimal, total: Decimal) -> str:
        line = next(ln for ln in self.pick_lines() if ln.line == key)
        over = total - line.still_to_pick
        note = f" ({fmt(over)} more than is left to pick)" if over > 0 else ""
        return (
            f"+{fmt(quantity)} {sku} on line {key}: {fmt(total)} of {fmt(line.still_to_pick)}{note}"
        )

    # --- commands -------------------------------------------------------------------------

    def post(self, uow: UnitOfWork, command: Command, staged: Mapping[str, Decimal]) -> Posted:
        """Post what is staged as a fulfillment, then pack or ship it if asked."""
        assert self.order is not None
        number = self.order.number
        in_order = sorted(staged, key=shelf.line_order)
        lots = {k: self.staged_lots(k) for k in in_order if self.staged_lots(k)}
        picked = fulfillment.fulfill(uow, number, {k: staged[k] for k in in_order}, lots=lots)
        self._show_order(uow, sales.get_sales_order(uow, number))
        self.fulfillment = picked
        words = ", ".join(f"{fmt(ln.quantity)} {ln.sku}" for ln in picked.lines)
        done = f"{picked.number} for {number}: {words}"
        if command is PICK:
            return Posted("pick", picked.number, f"Picked {done}", picked.changes, _summary(picked))
        verb, past, _post = _MOVES[command.code]
        try:
            moved = self._move(uow, command, picked)
        except ShopfloorError as exc:
            return Posted(
                "pick",
                picked.number,
                f"Picked {done}; but not {past}: {exc.message}",
                picked.changes,
                _summary(picked),
            )
        return Posted(
            verb, moved.number, f"{moved.status_label} {done}", moved.changes, _summary(moved)
        )

    def nothing_staged(self, uow: UnitOfWork, command: Command) -> Posted:
        """On a fulfillment scanned (or just posted): #PACK or #SHIP moves it."""
        f = self.fulfillment
        if f is None:
            return super().nothing_staged(uow, command)
        if command is PICK:
            raise ValidationError(
                f"{f.number} is picked already; {PACK.code} or {SHIP.code} it, or scan an order"
            )
        verb = _MOVES[command.code][0]
        if verb not in f.actions:
            raise ValidationError(f"{f.number} is {f.status_label} already; nothing was posted")
        moved = self._move(uow, command, f)
        return Posted(
            verb,
            moved.number,
            f"{moved.status_label} {moved.number} for {moved.created_from}",
            moved.changes,
            _summary(moved),
        )

    def _move(self, uow: UnitOfWork, command: Command, f: FulfillmentInfo) -> FulfillmentInfo:
        moved = _MOVES[command.code][2](uow, f.number)
        self._show_order(uow, sales.get_sales_order(uow, moved.created_from))
        self.fulfillment = moved
        return moved

    # --- the picture ----------------------------------------------------------------------

    def detail(self) -> PickDetail:
        f, o = self.fulfillment, self.order
        if f is not None:
            shipment = tuple(
                sorted(
                    (
                        ShipmentLine(
                            ln.line,
                            ln.sku,
                            ln.name,
                            ln.uom,
                            self.bins.get(ln.sku),
                            ln.ordered,
                            ln.quantity,
                            "." in ln.line,
                        )
                        for ln in f.lines
                    ),
                    key=lambda sl: shelf.walk_order(sl.bin, sl.line),
                )
            )
            return PickDetail(
                "fulfillment",
                f.number,
                f.status,
                f.status_label,
                f.created_from,
                f.customer,
                f.customer_po,
                shipment=shipment,
                actions=tuple(f.actions),
            )
        if o is not None:
            return PickDetail(
                "sales_order",
                o.number,
                o.status,
                o.status_label,
                o.number,
                o.customer,
                o.customer_po,
                lines=tuple(self.pick_lines()),
                actions=tuple(o.actions),
            )
        return PickDetail()


def _summary(f: FulfillmentInfo) -> str:
    return f"{f.number} is {f.status_label}"
