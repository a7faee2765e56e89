"""The scan station's session: an operator issues components to a work order and reports
builds, with a scanner alone.

    WO-000005        that work order becomes current; its pick list shows what is left to
                     issue per component, with location and bin
    RIM-700C         a component of the current order: stage +1 (or the pending quantity)
    R-A              after a tracked component: the lot (or serial) it is issued from; a
                     GS1 code carrying the component and its lot is both scans in one
    5                a quantity for the next component, #BUILD or #COMPLETE
    #ISSUE           post everything staged as one issue
    #BUILD           an assembly build of the quantity given before or right after
    #COMPLETE        a completion with backflush, likewise
    GADGET, G-7      the assembly tracked by lot, then the lot it is made as (or a GS1 code
                     carrying both), before #BUILD or #COMPLETE or while it waits for its
                     quantity; the lot alone while it waits (one numbered like a
                     quantity, 4711, after the assembly). Not scanned: the plant's
                     lot_number_pattern numbers it
    ROBOT, S-1, ...  an assembly tracked by serial: each serial made, one by one (the
                     assembly before each, or GS1 codes, or the serials alone while #BUILD
                     waits); #BUILD builds as many as are scanned, and a quantity that
                     disagrees is refused

Badges, #CLEAR and the rest are the base session's (app/services/scanning/session.py). A
station at a location (`location`) works only on the work orders made there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from app.errors import NotFound, ValidationError
from app.models import Item, Tracking
from app.models.quantity import fmt
from app.models.work_order import WORK_ORDER
from app.services import shelf
from app.services.auth import SignedIn
from app.services.engine.lookup import location_ref
from app.services.engine.lots import LotUse
from app.services.engine.uow import Transaction, UnitOfWork, query
from app.services.lots.incoming import LotGiven
from app.services.lots.stock import SuggestedLot, lots_to_take
from app.services.production import work_orders
from app.services.production.work_orders import WorkOrderInfo
from app.services.scanning.codes import DocumentCode, ItemCode
from app.services.scanning.session import (
    QUANTITY,
    Command,
    Opened,
    Posted,
    ScanOutcome,
    ScanSession,
)

ISSUE = Command("#ISSUE", "post what is staged as one issue")
BUILD = Command("#BUILD", "assembly build of the quantity", takes=QUANTITY, verb="build")
COMPLETE = Command(
    "#COMPLETE", "completion with backflush of the quantity", takes=QUANTITY, verb="complete"
)
_DONE = {BUILD.code: "Built", COMPLETE.code: "Completed"}


@dataclass(frozen=True)
class StationLine:
    """One component of the current order: what is left to issue, where it is, what is
    staged."""

    line_no: int
    sku: str
    name: str
    uom: str
    required: Decimal
    issued: Decimal
    committed: Decimal
    left_to_issue: Decimal
    staged: Decimal
    location: str
    bin: str | None
    lots: tuple[SuggestedLot, ...] = ()  # the lots to take, by the consumption order


@dataclass(frozen=True)
class StationOrder:
    """The current work order's header."""

    number: str
    item: str
    item_name: str
    quantity: Decimal
    built: Decimal
    left_to_build: Decimal
    status: str
    status_label: str
    location: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class StationDetail:
    """What the station shows: where it works, the current order and its pick list in the
    order a picker walks."""

    location: str | None
    order: StationOrder | None
    lines: tuple[StationLine, ...]


StationOutcome = ScanOutcome[StationDetail]


@dataclass(frozen=True)
class _OrderRead:
    info: WorkOrderInfo
    bins: dict[str, str]
    lots: dict[str, tuple[SuggestedLot, ...]]
    tracking: Tracking  # how the assembly is tracked


@query()
def read_station_order(tx: Transaction, number: str) -> _OrderRead:
    """A work order with the bin of each component at the order's location and the lots
    to take for what is left to issue (as its traveler names them)."""
    info = work_orders.get_work_order.within(tx, number)
    bins = shelf.bins.within(tx, [ln.sku for ln in info.lines], info.location)
    lots = lots_to_take.within(tx, *_left_to_issue(info))
    tracking = tx.session.scalar(select(Item.tracking).where(Item.sku == info.item))
    return _OrderRead(info, bins, lots, Tracking(tracking or Tracking.NONE.value))


def _left_to_issue(
    info: WorkOrderInfo,
) -> tuple[dict[str, tuple[str, Decimal]], str, LotUse]:
    """What `lots_to_take` is asked for a work order: each component's left to issue."""
    return {ln.sku: (ln.sku, ln.left_to_issue) for ln in info.lines}, info.location, LotUse.BUILD


@query()
def check_location(tx: Transaction, code: str) -> str:
    """A location code as stored, or NotFound."""
    return location_ref(tx.session, code).code


class WorkOrderSession(ScanSession[StationDetail]):
    """One floor PC's scan station (see the module's docstring for the codes)."""

    kinds = (WORK_ORDER,)
    commands = (ISSUE, BUILD, COMPLETE)
    screen = "the scan station"
    purpose = "this station issues and builds work orders"
    item_noun = "component"
    takes_lots = True

    def __init__(self, *, location: str | None = None, user: SignedIn | None = None) -> None:
        super().__init__(user=user)
        self.location = (location or "").strip() or None
        self.order: WorkOrderInfo | None = None
        self.bins: dict[str, str] = {}
        self.lots: dict[str, tuple[SuggestedLot, ...]] = {}
        self.tracking = Tracking.NONE  # of the current order's assembly

    @property
    def heading(self) -> str:
        return f"Scan station at {self.location}" if self.location else "Scan station"

    def start(self, uow: UnitOfWork) -> StationOutcome:
        """Check the station's location (NotFound when there is none such), then as every
        session starts."""
        if self.location:
            self.location = check_location(uow, self.location)
        return super().start(uow)

    # --- the session's own part ---------------------------------------------------------

    def open(self, uow: UnitOfWork, code: DocumentCode) -> Opened:
        read = read_station_order(uow, code.number)
        info = read.info
        if self.location and info.location != self.location:
            raise ValidationError(
                f"{info.number} is made at {info.location}; this station is at {self.location}"
            )
        self._set(read)
        progress = f"{fmt(info.built)} of {fmt(info.quantity)} built"
        head = f"{info.number}: {info.item} ({info.item_name}), {progress}, {info.status_label}"
        if not {"issue", "build", "complete"} & set(info.actions):
            if "release" in info.actions:
                return Opened(info.number, f"{head}: release it first")
            return Opened(info.number, f"{head}: nothing more can be issued or built")
        return Opened(info.number, head)

    def staging_key(self, sku: str, quantity: Decimal) -> str:
        order = self._order()
        if sku == order.item:
            codes = f"{BUILD.code} or {COMPLETE.code}"
            raise ValidationError(
                f"{sku} is what {order.number} makes: scan the quantity and {codes}"
            )
        if not any(ln.sku == sku for ln in order.lines):
            raise NotFound(f"{sku} is not a component of {order.number}")
        return sku

    def staged_message(self, key: str, sku: str, quantity: Decimal, total: Decimal) -> str:
        line = next(ln for ln in self._order().lines if ln.sku == sku)
        return (
            f"+{fmt(quantity)} {sku}: {fmt(total)} staged of {fmt(line.left_to_issue)} "
            "left to issue"
        )

    def post(self, uow: UnitOfWork, command: Command, staged: Mapping[str, Decimal]) -> Posted:
        """#ISSUE: everything staged as one issue."""
        number = self._order().number
        lots = {sku: self.staged_lots(sku) for sku in staged if self.staged_lots(sku)}
        info = work_orders.issue_components(uow, number, list(staged.items()), lots=lots)
        self._posted_on(uow, info)
        what = ", ".join(f"{fmt(q)} {sku}{self.lots_words(sku)}" for sku, q in staged.items())
        return Posted(
            "issue", info.number, f"Issued {what} to {info.number}", info.changes, f"issued {what}"
        )

    def produce(self, uow: UnitOfWork, command: Command, quantity: Decimal) -> Posted:
        """#BUILD or #COMPLETE of `quantity`."""
        number = self._order().number
        made = self.made()
        lot = {"lot": made.lot, "serials": made.serials, "expires": made.expires}
        if command is BUILD:
            info = work_orders.post_assembly_build(uow, number, quantity, **lot)
        else:
            info = work_orders.complete_work_order(uow, number, quantity, backflush=True, **lot)
        self._posted_on(uow, info)
        backflush = " with backflush" if command is COMPLETE else ""
        done = f"{_DONE[command.code]} {fmt(quantity)} {info.item}{_as(made)}"
        return Posted(
            command.verb,
            info.number,
            f"{done} on {info.number}{backflush} ({fmt(info.built)} of {fmt(info.quantity)} built)",
            info.changes,
            done[:1].lower() + done[1:],
        )

    def ask_quantity(self, command: Command) -> str:
        order = self._order()
        made = ""
        if self.made().numbers:
            made = f" as {self.made().numbers[0]}"
        elif self.tracking.tracked:
            made = f" (first its {self.tracking.noun} made, or the pattern numbers it)"
        return (
            f"How many {order.item} to {command.verb} on {order.number}{made}? Scan the "
            f"quantity ({fmt(order.left_to_build)} to go)"
        )

    def makes(self) -> ItemCode | None:
        """The current order's assembly, when it is tracked by lot or serial."""
        order = self.order
        if order is None or not self.tracking.tracked:
            return None
        return ItemCode(order.item, order.item, self.tracking)

    def reload(self, uow: UnitOfWork) -> None:
        self._set(read_station_order(uow, self._order().number))

    def forget(self) -> None:
        self.order = None
        self.bins = {}
        self.lots = {}
        self.tracking = Tracking.NONE

    def detail(self) -> StationDetail:
        order = self.order
        if order is None:
            return StationDetail(self.location, None, ())
        header = StationOrder(
            number=order.number,
            item=order.item,
            item_name=order.item_name,
            quantity=order.quantity,
            built=order.built,
            left_to_build=order.left_to_build,
            status=order.status,
            status_label=order.status_label,
            location=order.location,
            actions=tuple(order.actions),
        )
        lines = [
            StationLine(
                line_no=ln.line_no,
                sku=ln.sku,
                name=ln.name,
                uom=ln.uom,
                required=ln.required,
                issued=ln.issued,
                committed=ln.committed,
                left_to_issue=ln.left_to_issue,
                staged=self.staged_of(ln.sku),
                location=order.location,
                bin=self.bins.get(ln.sku),
                lots=self.lots.get(ln.sku, ()),
            )
            for ln in order.lines
        ]
        lines.sort(key=lambda p: shelf.walk_order(p.bin, p.line_no))
        return StationDetail(self.location, header, tuple(lines))

    # --- helpers ------------------------------------------------------------------------

    def _order(self) -> WorkOrderInfo:
        assert self.order is not None  # the base session opens a document before using it
        return self.order

    def _posted_on(self, uow: UnitOfWork, info: WorkOrderInfo) -> None:
        """The order as a posting left it, with the lots to take for what is left now."""
        self.order = info
        self.lots = lots_to_take(uow, *_left_to_issue(info))

    def _set(self, read: _OrderRead) -> None:
        self.order = read.info
        self.bins = dict(read.bins)
        self.lots = dict(read.lots)
        self.tracking = read.tracking


def _as(made: LotGiven) -> str:
    """ " as lot G-7", " as serials S-1, S-2": what a build was told it makes."""
    if made.lot is not None:
        return f" as lot {made.lot}"
    if made.serials:
        return f" as serial{'s' if len(made.serials) > 1 else ''} {', '.join(made.serials)}"
    return ""
