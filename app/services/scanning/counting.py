"""Counting shelves with a barcode scanner, for a cycle count: the count sheet, then for each
shelf its bin, each item on it and what was counted.

    CC-000003      the count: its lines, by bin in walk order
    A-01-1         a bin label: the lines there come first on the screen (optional)
    CHAIN-8S       +1 of that item counted (count the units one scan each) ...
    12, CHAIN-8S   ... or the quantity first: 12 counted
    0, CHAIN-8S    an empty shelf: counted zero
    RESIN, R-A     a tracked item, then its lot or serial: counted into that lot's line (a
                   lot the count does not list is a lot found: a line of its own) ...
    (01)..(10)R-A  ... or a GS1 code carrying the item and its lot, in one scan
    #COUNT         record what is scanned as the lines' counts (`count.enter`)

A count is what was found, not a movement: the items scanned since the last #COUNT add up to
each line's count, which replaces an earlier count of that line. Recording, blind counting,
approval and posting are the count services' (app/services/counts/counts.py); a refusal leaves
what is scanned as it was. Badges, #CLEAR and the rest are the base session's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from app.errors import NotFound, ValidationError
from app.models.cycle_count import CYCLE_COUNT
from app.models.quantity import fmt, parse_decimal
from app.services.auth import SignedIn
from app.services.counts import counts
from app.services.counts.counts import CountKey, CountLineInfo, CycleCountInfo
from app.services.engine.uow import UnitOfWork
from app.services.scanning.codes import BinCode, Code, DocumentCode, QuantityCode
from app.services.scanning.session import (
    Command,
    LotWanted,
    Opened,
    Posted,
    ScanOutcome,
    ScanSession,
)

COUNT = Command("#COUNT", "record what is scanned as counted")


@dataclass(frozen=True)
class CountScanLine:
    line_no: int | None  # None: a lot found, not on the count until #COUNT records it
    sku: str
    name: str
    uom: str
    bin: str | None
    counted: Decimal | None  # recorded on the count (None: not counted yet)
    scanned: Decimal | None  # scanned since the last #COUNT (None: not scanned)
    here: bool  # in the bin scanned last
    lot: str | None = None  # the lot or serial the line counts


@dataclass(frozen=True)
class CountScanDetail:
    """What the counting screen shows: the count and its lines, the bin scanned last first."""

    number: str | None = None
    status: str | None = None
    status_label: str | None = None
    location: str | None = None
    bin: str | None = None
    counted: int = 0
    uncounted: int = 0
    lines: tuple[CountScanLine, ...] = ()


CountScanOutcome = ScanOutcome[CountScanDetail]


class CountSession(ScanSession[CountScanDetail]):
    """One scanner walking the shelves of a cycle count (see the module's docstring)."""

    kinds = (CYCLE_COUNT,)
    commands = (COUNT,)
    screen = "the counting screen"
    purpose = "this screen counts shelves for a cycle count"
    takes_lots = True

    def __init__(self, *, user: SignedIn | None = None) -> None:
        super().__init__(user=user)
        self.count: CycleCountInfo | None = None
        self.bin: str | None = None

    def open(self, uow: UnitOfWork, code: DocumentCode) -> Opened:
        info = counts.get_count(uow, code.number)
        self.count = info
        self.bin = None
        if "enter" not in info.actions:
            return Opened(info.number, f"{info.number} is {info.status_label}: nothing to count")
        return Opened(
            info.number,
            f"{info.number} at {info.location}: {info.uncounted} of {len(info.lines)} lines to "
            f"count; scan a bin or an item, then {COUNT.code}",
        )

    def reload(self, uow: UnitOfWork) -> None:
        self.count = counts.get_count(uow, self._count().number)

    def forget(self) -> None:
        self.count = None
        self.bin = None

    def on_code(self, uow: UnitOfWork, code: Code) -> CountScanOutcome:
        """A bin label: the lines in that bin come first."""
        if not isinstance(code, BinCode):
            return super().on_code(uow, code)
        count = self.count
        if count is None:
            raise ValidationError(f"{code.described()}: scan the count (CC-...) first")
        here = [ln for ln in count.lines if ln.bin and ln.bin.upper() == code.bin.upper()]
        if not here:
            raise NotFound(f"nothing on {count.number} is kept in bin {code.bin}")
        self.bin = here[0].bin
        left = sum(1 for ln in here if ln.counted is None)
        return self.answer(
            "info",
            f"Bin {self.bin}: {len(here)} item{'s' if len(here) != 1 else ''} "
            f"({left} not counted yet); scan each",
            code.shown,
        )

    def on_quantity(self, uow: UnitOfWork, code: QuantityCode) -> CountScanOutcome:
        """What was counted of the next item: zero is a count (an empty shelf)."""
        if code.value == 0:
            self.pending_quantity = parse_decimal(code.value, field="count", non_negative=True)
            return self.answer("info", "Counted 0: scan the item that is not there", code.shown)
        return super().on_quantity(uow, code)

    def staging_key(self, sku: str, quantity: Decimal) -> str:
        count = self._count()
        if not any(ln.sku == sku for ln in count.lines):
            raise NotFound(f"{sku} is not on {count.number}; start a count for it")
        return sku

    def staged_message(self, key: str, sku: str, quantity: Decimal, total: Decimal) -> str:
        line = self._line(sku)
        where = f" in {line.bin}" if line.bin else ""
        lots = self.staged_lots(key)
        if lots:
            each = ", ".join(f"{fmt(q)} of {number}" for number, q in lots)
            return f"{sku}{where}: {each} {line.uom} counted so far"
        again = f" (counted {fmt(line.counted)} before)" if line.counted is not None else ""
        return f"{sku}{where}: {fmt(total)} {line.uom} counted so far{again}"

    def check_lot(self, uow: UnitOfWork, wanted: LotWanted, number: str) -> None:
        """A count takes any lot or serial scanned: one it does not list is a lot found
        (the count's rules decide at #COUNT, a serial on hand elsewhere refused there)."""

    def post(self, uow: UnitOfWork, command: Command, staged: Mapping[str, Decimal]) -> Posted:
        """#COUNT: the scanned totals become the lines' counts (a tracked item's per lot,
        with the expiry a GS1 code carried for a lot found), in one posting."""
        count = self._count()
        entered: dict[CountKey, Decimal] = {}
        expires: dict[tuple[str, str], object] = {}
        for sku, q in staged.items():
            lots = self.staged_lots(sku)
            for number, lot_q in lots:
                entered[(sku, number)] = lot_q
                expiry = self.scanned_expiry(sku, number)
                if expiry is not None:
                    expires[(sku, number)] = expiry.isoformat()
            if not lots:
                entered[sku] = q
        info = counts.enter_counts(uow, count.number, entered, expires=expires)
        self.count = info
        words = ", ".join(f"{fmt(q)} {sku}{self.lots_words(sku)}" for sku, q in staged.items())
        left = f"; {info.uncounted} still to count" if info.uncounted else "; every line counted"
        return Posted(
            "count",
            info.number,
            f"Counted on {info.number}: {words}{left}",
            info.changes,
            f"the counts were recorded on {info.number}",
        )

    def detail(self) -> CountScanDetail:
        count = self.count
        if count is None:
            return CountScanDetail()
        staged = self.staged
        rows: list[CountScanLine] = []
        for ln in count.lines:
            lots = dict(self.staged_lots(ln.sku))
            if ln.lot is not None:
                scanned = lots.get(ln.lot)
            else:
                scanned = None if lots else staged.get(ln.sku)
            rows.append(self._row(ln, ln.line_no, ln.lot, ln.counted, scanned))
            if ln is self._last_of(ln.sku):
                listed = {other.lot for other in count.lines if other.sku == ln.sku}
                rows += [
                    self._row(ln, None, number, None, q)
                    for number, q in lots.items()
                    if number not in listed
                ]
        rows.sort(key=lambda r: not r.here)  # the bin scanned last first; walk order kept
        return CountScanDetail(
            count.number,
            count.status,
            count.status_label,
            count.location,
            self.bin,
            count.counted,
            count.uncounted,
            tuple(rows),
        )

    def _row(
        self,
        ln: CountLineInfo,
        line_no: int | None,
        lot: str | None,
        counted: Decimal | None,
        scanned: Decimal | None,
    ) -> CountScanLine:
        here = self.bin is not None and ln.bin == self.bin
        return CountScanLine(line_no, ln.sku, ln.name, ln.uom, ln.bin, counted, scanned, here, lot)

    def _line(self, sku: str) -> CountLineInfo:
        return next(ln for ln in self._count().lines if ln.sku == sku)

    def _last_of(self, sku: str) -> CountLineInfo:
        """The item's last line in walk order: the lots found are shown after it."""
        return [ln for ln in self._count().lines if ln.sku == sku][-1]

    def _count(self) -> CycleCountInfo:
        assert self.count is not None  # the base session opens a document before using it
        return self.count
