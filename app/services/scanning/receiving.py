"""Receiving with a barcode scanner: the purchase order, then each item as it comes off the
pallet, then one receipt.

    PO-000002      the purchase order: its lines still to receive
    LIGHT-SET      +1 of that item on its line
    10, LIGHT-SET  a quantity scanned before an item: +10 of it
    R-A            after a tracked item: the lot it comes in as (one lot per line in one
                   receipt), or its serial; a GS1 code carrying the item, its lot and expiry
                   is all of them in one scan
    #RECEIVE       post what is staged as one item receipt
    #SHIP          on a drop-ship order: the vendor has shipped what is staged to the customer

What may be received (status, overage, role) is decided by `receive_purchase_order` and
`mark_drop_ship_shipped`; a refusal leaves what is staged as it was. Badges, quantities,
#CLEAR and the rest are the base session's (app/services/scanning/session.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from app.errors import NotFound, ValidationError
from app.models import Tracking
from app.models.purchasing import PURCHASE_ORDER
from app.models.quantity import fmt
from app.services import shelf
from app.services.auth import SignedIn
from app.services.engine.uow import UnitOfWork
from app.services.lots.incoming import LotGiven
from app.services.orders import purchasing
from app.services.orders.purchasing import PurchaseOrderInfo, PurchaseOrderLineInfo
from app.services.scanning.codes import DocumentCode
from app.services.scanning.session import (
    Command,
    LotWanted,
    Opened,
    Posted,
    ScanOutcome,
    ScanSession,
)

RECEIVE = Command("#RECEIVE", "post what is scanned as one item receipt")
SHIP = Command("#SHIP", "drop ship: the vendor shipped what is scanned to the customer")


@dataclass(frozen=True)
class ReceiveLine:
    line_no: int
    sku: str
    name: str
    uom: str
    bin: str | None
    ordered: Decimal
    received: Decimal
    remaining: Decimal
    staged: Decimal


@dataclass(frozen=True)
class ReceiveDetail:
    """What the receiving screen shows: the purchase order and its lines."""

    number: str | None = None
    status: str | None = None
    status_label: str | None = None
    vendor: str | None = None
    drop_ship: bool = False
    created_from: str | None = None
    lines: tuple[ReceiveLine, ...] = ()


ReceiveOutcome = ScanOutcome[ReceiveDetail]


class ReceiveSession(ScanSession[ReceiveDetail]):
    """One scanner at the receiving dock (see the module's docstring for the codes)."""

    kinds = (PURCHASE_ORDER,)
    commands = (RECEIVE, SHIP)
    screen = "the receiving screen"
    purpose = "this screen receives purchase orders"
    takes_lots = True

    def __init__(self, *, user: SignedIn | None = None) -> None:
        super().__init__(user=user)
        self.order: PurchaseOrderInfo | None = None
        self.bins: dict[str, str] = {}

    def open(self, uow: UnitOfWork, code: DocumentCode) -> Opened:
        info = purchasing.get_purchase_order(uow, code.number)
        self._show(uow, info)
        can = "mark_shipped" if info.drop_ship else "receive"
        if can not in info.actions:
            return Opened(
                info.number,
                f"{info.number} ({info.vendor}) is {info.status_label}: nothing to receive",
            )
        if info.drop_ship:
            return Opened(
                info.number,
                f"{info.number} is drop-shipped by {info.vendor} for {info.created_from}: scan "
                f"what the vendor shipped, then {SHIP.code}",
            )
        left = sum(1 for ln in info.lines if ln.remaining > 0)
        return Opened(
            info.number,
            f"{info.number} ({info.vendor}): {left} line{'s' if left != 1 else ''} to receive; "
            f"scan each item, then {RECEIVE.code}",
        )

    def _show(self, uow: UnitOfWork, info: PurchaseOrderInfo) -> None:
        self.order = info
        self.bins = shelf.bins(uow, [ln.sku for ln in info.lines], info.location)

    def reload(self, uow: UnitOfWork) -> None:
        self._show(uow, purchasing.get_purchase_order(uow, self._order().number))

    def forget(self) -> None:
        self.order = None
        self.bins = {}

    def staging_key(self, sku: str, quantity: Decimal) -> str:
        """The first line of that sku with room for the quantity, else with room left,
        else the first."""
        po = self._order()
        found = [ln for ln in po.lines if ln.sku == sku]
        if not found:
            raise NotFound(f"{sku} is not on {po.number}")

        def room(ln: PurchaseOrderLineInfo) -> Decimal:
            return ln.remaining - self.staged_of(str(ln.line_no))

        target = next((ln for ln in found if room(ln) >= quantity), None)
        target = target or next((ln for ln in found if room(ln) > 0), found[0])
        return str(target.line_no)

    def staged_message(self, key: str, sku: str, quantity: Decimal, total: Decimal) -> str:
        line = next(ln for ln in self._order().lines if str(ln.line_no) == key)
        over = total - line.remaining
        note = f" ({fmt(over)} more than remains)" if over > 0 else ""
        return f"+{fmt(quantity)} {sku} on line {key}: {fmt(total)} of {fmt(line.remaining)}{note}"

    def post(self, uow: UnitOfWork, command: Command, staged: Mapping[str, Decimal]) -> Posted:
        """#RECEIVE: one item receipt; #SHIP on a drop-ship order: the vendor shipped it."""
        po = self._order()
        if po.drop_ship and command is RECEIVE:
            raise ValidationError(
                f"{po.number} is drop-shipped: nothing comes in here; {SHIP.code} records what "
                "the vendor shipped"
            )
        if not po.drop_ship and command is SHIP:
            raise ValidationError(
                f"{po.number} is not a drop-ship order: {RECEIVE.code} posts the receipt"
            )
        wanted = {key: q for key, q in staged.items() if q > 0}
        words = ", ".join(
            f"{fmt(wanted[str(ln.line_no)])} {ln.sku}{self.lots_words(str(ln.line_no))}"
            for ln in po.lines
            if str(ln.line_no) in wanted
        )
        if po.drop_ship:
            info = purchasing.mark_drop_ship_shipped(uow, po.number, wanted)
            self._show(uow, info)
            return Posted(
                "ship",
                po.number,
                f"Marked {po.number} shipped to the customer of {info.created_from}: {words}",
                info.changes,
                f"{po.number} was marked shipped",
            )
        lots = {key: self._lot_given(key) for key in wanted if self.staged_lots(key)}
        receipt = purchasing.receive_purchase_order(uow, po.number, wanted, lots=lots)
        self._show(uow, receipt.order)
        return Posted(
            "receive",
            receipt.number,
            f"Received {receipt.number} on {po.number}: {words}",
            receipt.changes,
            f"{receipt.number} was posted",
        )

    def check_lot(self, uow: UnitOfWork, wanted: LotWanted, number: str) -> None:
        """A receipt brings a lot in, new or known; a line comes in as one lot per receipt
        (as many serials as units)."""
        if wanted.tracking is Tracking.LOT:
            other = [n for n, _q in self.staged_lots(wanted.key) if n != number]
            if other:
                raise ValidationError(
                    f"line {wanted.key} has lot {other[0]} staged: {RECEIVE.code} it before "
                    f"lot {number}"
                )

    def _lot_given(self, key: str) -> LotGiven:
        """The lot (with the expiry its label carried) or the serials staged on a line."""
        lots = self.staged_lots(key)
        if self.staged_serials(key):
            return LotGiven(serials=tuple(number for number, _q in lots))
        number = lots[0][0]
        return LotGiven(lot=number, expires=self.scanned_expiry(key, number))

    def detail(self) -> ReceiveDetail:
        po = self.order
        if po is None:
            return ReceiveDetail()
        lines = tuple(
            ReceiveLine(
                ln.line_no,
                ln.sku,
                ln.name,
                ln.uom,
                self.bins.get(ln.sku),
                ln.quantity,
                ln.received,
                ln.remaining,
                self.staged_of(str(ln.line_no)),
            )
            for ln in po.lines
        )
        return ReceiveDetail(
            po.number,
            po.status,
            po.status_label,
            po.vendor,
            po.drop_ship,
            po.created_from,
            lines,
        )

    def _order(self) -> PurchaseOrderInfo:
        assert self.order is not None  # the base session opens a document before using it
        return self.order
