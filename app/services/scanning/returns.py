"""Receiving customer returns with a barcode scanner: the return authorization, then each
item as it comes out of the customer's box, then one receipt.

    RMA-000001     the return: its lines still to come back
    LOCK-U         +1 of that item on its line
    3, LOCK-U      a quantity scanned before an item: +3 of it
    #RECEIVE       post what is staged as one receipt, restocked or scrapped as
                   `restock_returned_items` says
    #RESTOCK       post what is staged as one receipt, back into stock
    #SCRAP         post what is staged as one receipt, scrapped as it arrives

A kit comes back as its members: scan each of them. What may come back (status, how much,
role) is decided by `receive_return`; a refusal leaves what is staged as it was. Badges,
quantities, #CLEAR and the rest are the base session's (app/services/scanning/session.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from app.errors import NotFound, ValidationError
from app.models import LinePath
from app.models.quantity import fmt
from app.models.returns import RETURN_AUTHORIZATION
from app.services.auth import SignedIn
from app.services.engine.uow import UnitOfWork
from app.services.returns import returns
from app.services.returns.returns import ReturnInfo, ReturnLineInfo
from app.services.scanning.codes import DocumentCode
from app.services.scanning.session import Command, Opened, Posted, ScanOutcome, ScanSession

RECEIVE = Command("#RECEIVE", "receive what is scanned, as the plant's preference says")
RESTOCK = Command("#RESTOCK", "receive what is scanned, back into stock")
SCRAP = Command("#SCRAP", "receive what is scanned, scrapped")


@dataclass(frozen=True)
class ReturnScanLine:
    line: str
    sku: str
    name: str
    uom: str
    authorized: Decimal
    received: Decimal
    to_receive: Decimal
    staged: Decimal


@dataclass(frozen=True)
class ReturnScanDetail:
    """What the returns screen shows: the return and its lines that carry stock."""

    number: str | None = None
    status: str | None = None
    status_label: str | None = None
    customer: str | None = None
    sales_order: str | None = None
    restock_by_default: bool = True
    lines: tuple[ReturnScanLine, ...] = ()


ReturnScanOutcome = ScanOutcome[ReturnScanDetail]


class ReturnReceiveSession(ScanSession[ReturnScanDetail]):
    """One scanner at the returns bench (see the module's docstring for the codes)."""

    kinds = (RETURN_AUTHORIZATION,)
    commands = (RECEIVE, RESTOCK, SCRAP)
    screen = "the returns receiving screen"
    purpose = "this screen receives customer returns"

    def __init__(self, *, user: SignedIn | None = None) -> None:
        super().__init__(user=user)
        self.rma: ReturnInfo | None = None

    def open(self, uow: UnitOfWork, code: DocumentCode) -> Opened:
        info = returns.get_return(uow, code.number)
        self.rma = info
        if "receive" not in info.actions:
            return Opened(
                info.number,
                f"{info.number} ({info.customer}) is {info.status_label}: nothing to receive",
            )
        left = sum(1 for ln in self._stocked() if ln.to_receive > 0)
        return Opened(
            info.number,
            f"{info.number} ({info.customer}, {info.sales_order}): {left} "
            f"line{'s' if left != 1 else ''} to come back; scan each item, then "
            f"{RECEIVE.code}, {RESTOCK.code} or {SCRAP.code}",
        )

    def reload(self, uow: UnitOfWork) -> None:
        self.rma = returns.get_return(uow, self._rma().number)

    def forget(self) -> None:
        self.rma = None

    def _stocked(self) -> list[ReturnLineInfo]:
        return [ln for ln in self._rma().lines if ln.path != LinePath.KIT.value]

    def staging_key(self, sku: str, quantity: Decimal) -> str:
        """The first line of that item with room for the quantity, else with room left,
        else the first."""
        rma = self._rma()
        found = [ln for ln in self._stocked() if ln.sku == sku]
        if not found:
            if any(ln.sku == sku for ln in rma.lines):
                raise ValidationError(f"{sku} is a kit: scan each of its items as it comes out")
            raise NotFound(f"{sku} is not on {rma.number}")

        def room(ln: ReturnLineInfo) -> Decimal:
            return ln.to_receive - self.staged_of(ln.line)

        target = next((ln for ln in found if room(ln) >= quantity), None)
        target = target or next((ln for ln in found if room(ln) > 0), found[0])
        return target.line

    def staged_message(self, key: str, sku: str, quantity: Decimal, total: Decimal) -> str:
        line = next(ln for ln in self._stocked() if ln.line == key)
        over = total - line.to_receive
        note = f" ({fmt(over)} more than is still to come)" if over > 0 else ""
        return f"+{fmt(quantity)} {sku} on line {key}: {fmt(total)} of {fmt(line.to_receive)}{note}"

    def post(self, uow: UnitOfWork, command: Command, staged: Mapping[str, Decimal]) -> Posted:
        """One receipt of what is staged: restocked (#RESTOCK), scrapped (#SCRAP), or as the
        plant's preference says (#RECEIVE)."""
        rma = self._rma()
        restock = {RESTOCK: True, SCRAP: False}.get(command)
        wanted = {key: q for key, q in staged.items() if q > 0}
        info = returns.receive_return(uow, rma.number, wanted, restock=restock)
        self.rma = info
        kept = info.restock_by_default if restock is None else restock
        words = ", ".join(
            f"{fmt(wanted[ln.line])} {ln.sku}" for ln in self._stocked() if ln.line in wanted
        )
        return Posted(
            "receive",
            info.number,
            f"{'Restocked' if kept else 'Scrapped'} on {info.number}: {words}; {info.status_label}",
            info.changes,
            f"the receipt was posted on {info.number}",
        )

    def detail(self) -> ReturnScanDetail:
        rma = self.rma
        if rma is None:
            return ReturnScanDetail()
        lines = tuple(
            ReturnScanLine(
                ln.line,
                ln.sku,
                ln.name,
                ln.uom,
                ln.quantity,
                ln.received,
                ln.to_receive,
                self.staged_of(ln.line),
            )
            for ln in self._stocked()
        )
        return ReturnScanDetail(
            rma.number,
            rma.status,
            rma.status_label,
            rma.customer,
            rma.sales_order,
            rma.restock_by_default,
            lines,
        )

    def _rma(self) -> ReturnInfo:
        assert self.rma is not None  # the base session opens a document before using it
        return self.rma
