"""Receiving with a barcode scanner: the purchase order, then each item as it comes off the
pallet, then one receipt.

    PO-000002      the purchase order: its lines still to receive
    LIGHT-SET      +1 of that item on its line
    10, LIGHT-SET  a quantity scanned before an item: +10 of it
    #RECEIVE       post what is staged as one item receipt
    #SHIP          on a drop-ship order: the vendor has shipped what is staged to the customer
    #CLEAR         drop what is staged (and a quantity waiting for its item)

What may be received (status, overage, role) is decided by `receive_purchase_order` and
`mark_drop_ship_shipped`; a refusal leaves what is staged as it was. Nothing is received
unless it was scanned, so a repeated #RECEIVE posts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from app.models.quantity import ZERO, fmt
from app.services import shelf
from app.services.engine.uow import UnitOfWork
from app.services.orders import purchasing
from app.services.orders.picking import CLEAR, ScanAnswer, ScanSession, document_kind, quantity_of
from app.services.orders.purchasing import PurchaseOrderInfo

RECEIVE, SHIP = "#RECEIVE", "#SHIP"
COMMANDS = (RECEIVE, SHIP, CLEAR)


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
class ReceiveState:
    document: str | None = None
    status: str | None = None
    status_label: str | None = None
    vendor: str | None = None
    drop_ship: bool = False
    created_from: str | None = None
    lines: tuple[ReceiveLine, ...] = ()
    waiting: Decimal | None = None
    posted: str | None = None  # what the last posting did, in words

    @property
    def staged(self) -> Decimal:
        return sum((ln.staged for ln in self.lines), ZERO)


@dataclass(frozen=True)
class ReceiveAnswer(ScanAnswer):
    state: ReceiveState = field(default_factory=ReceiveState)


class ReceiveSession(ScanSession):
    """One scanner at the receiving dock."""

    commands = COMMANDS

    def __init__(self) -> None:
        super().__init__()
        self.order: PurchaseOrderInfo | None = None
        self.bins: dict[str, str] = {}
        self.staged: dict[int, Decimal] = {}
        self.posted: str | None = None

    def scan(self, uow: UnitOfWork, text: str) -> ReceiveAnswer:
        answer = super().scan(uow, text)
        return ReceiveAnswer(answer.kind, answer.message, self.state())

    def state(self) -> ReceiveState:
        po = self.order
        if po is None:
            return ReceiveState(waiting=self.waiting, posted=self.posted)
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
                self.staged.get(ln.line_no, ZERO),
            )
            for ln in po.lines
        )
        return ReceiveState(
            po.number,
            po.status,
            po.status_label,
            po.vendor,
            po.drop_ship,
            po.created_from,
            lines,
            self.waiting,
            self.posted,
        )

    # --- scans ---------------------------------------------------------------------------

    def read(self, uow: UnitOfWork, code: str) -> ScanAnswer:
        kind = document_kind(code)
        if kind == "purchase order":
            return self.load(uow, code)
        if kind is not None:
            return ScanAnswer(
                "error", f"{code.upper()} is a {kind}; scan a purchase order (PO-...)"
            )
        if self.order is not None:
            found = [ln for ln in self.order.lines if ln.sku == code]
            if found:
                return self.stage(found)
        qty = quantity_of(code)
        if qty is not None:
            return self.wait_for_item(qty)
        if self.order is not None:
            return ScanAnswer("error", f"{code} is not on {self.order.number}")
        return ScanAnswer(
            "error", f"{code} is not an order: scan the purchase order (PO-...) first"
        )

    def load(self, uow: UnitOfWork, code: str) -> ScanAnswer:
        info = purchasing.get_purchase_order(uow, code)
        if self.staged and self.order is not None and self.order.number != info.number:
            return ScanAnswer(
                "error",
                f"{self._staged_words()} staged for {self.order.number}: post it or {CLEAR} it "
                "first",
            )
        if self.order is None or self.order.number != info.number:
            self.staged = {}
            self.waiting = None
        self._show(uow, info)
        verb = "receive" if "receive" in info.actions else None
        if info.drop_ship:
            verb = "ship" if "mark_shipped" in info.actions else None
        if verb is None:
            return ScanAnswer(
                "info", f"{info.number} ({info.vendor}) is {info.status_label}: nothing to receive"
            )
        left = sum(1 for ln in info.lines if ln.remaining > 0)
        if info.drop_ship:
            return ScanAnswer(
                "info",
                f"{info.number} is drop-shipped by {info.vendor} for {info.created_from}: scan "
                f"what the vendor shipped, then {SHIP}",
            )
        return ScanAnswer(
            "info",
            f"{info.number} ({info.vendor}): {left} line{'s' if left != 1 else ''} to receive; "
            f"scan each item, then {RECEIVE}",
        )

    def _show(self, uow: UnitOfWork, info: PurchaseOrderInfo) -> None:
        self.order = info
        self.bins = shelf.bins(uow, [ln.sku for ln in info.lines], info.location)

    def stage(self, lines: list[purchasing.PurchaseOrderLineInfo]) -> ScanAnswer:
        qty = self.waiting if self.waiting is not None else Decimal(1)
        self.waiting = None

        def room(ln: purchasing.PurchaseOrderLineInfo) -> Decimal:
            return ln.remaining - self.staged.get(ln.line_no, ZERO)

        target = next((ln for ln in lines if room(ln) >= qty), None)
        target = target or next((ln for ln in lines if room(ln) > 0), lines[0])
        total = self.staged.get(target.line_no, ZERO) + qty
        self.staged[target.line_no] = total
        over = total - target.remaining
        note = f" ({fmt(over)} more than remains)" if over > 0 else ""
        return ScanAnswer(
            "info",
            f"+{fmt(qty)} {target.sku} on line {target.line_no}: {fmt(total)} of "
            f"{fmt(target.remaining)}{note}",
        )

    def _staged_words(self) -> str:
        total = sum(self.staged.values(), ZERO)
        return f"{fmt(total)} item{'s' if total != 1 else ''}"

    # --- commands ------------------------------------------------------------------------

    def command(self, uow: UnitOfWork, code: str) -> ScanAnswer:
        if code == CLEAR:
            if not self.staged and self.waiting is None:
                return ScanAnswer("info", "nothing was staged")
            what = self._staged_words() if self.staged else f"the quantity {fmt(self.waiting)}"
            self.staged = {}
            self.waiting = None
            return ScanAnswer("info", f"cleared {what}; nothing was posted")
        if code not in (RECEIVE, SHIP):
            return self.unknown_command(code)
        if self.waiting is not None:
            return ScanAnswer(
                "error",
                f"{fmt(self.waiting)} was scanned without an item: scan the item or {CLEAR}",
            )
        po = self.order
        if po is None:
            return ScanAnswer("error", "scan a purchase order (PO-...) first")
        if not self.staged:
            after = f" ({self.posted})" if self.posted else ""
            return ScanAnswer(
                "error", f"nothing is staged on {po.number}{after}: scan the items first"
            )
        if po.drop_ship and code == RECEIVE:
            return ScanAnswer(
                "error",
                f"{po.number} is drop-shipped: nothing comes in here; {SHIP} records what the "
                "vendor shipped",
            )
        if not po.drop_ship and code == SHIP:
            return ScanAnswer(
                "error", f"{po.number} is not a drop-ship order: {RECEIVE} posts the receipt"
            )
        wanted = {str(n): qty for n, qty in self.staged.items() if qty > 0}
        words = ", ".join(
            f"{fmt(qty)} {ln.sku}"
            for ln in po.lines
            for n, qty in self.staged.items()
            if n == ln.line_no and qty > 0
        )
        if po.drop_ship:
            info = purchasing.mark_drop_ship_shipped(uow, po.number, wanted)
            self.staged = {}
            self.posted = f"{po.number} was marked shipped"
            self._show(uow, info)
            return ScanAnswer(
                "success",
                f"Marked {po.number} shipped to the customer of {info.created_from}: {words}",
            )
        receipt = purchasing.receive_purchase_order(uow, po.number, wanted)
        self.staged = {}
        self.posted = f"{receipt.number} was posted"
        self._show(uow, receipt.order)
        return ScanAnswer("success", f"Received {receipt.number} on {po.number}: {words}")
