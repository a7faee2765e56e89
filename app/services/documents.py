"""Printed documents from the database: what each one lists, under seed 001's printed-forms
preferences, read in one transaction and handed to `app.printing` as plain data; rendering with
the page setup and label layout from preferences; sending the PDF to a CUPS printer.

Queries (one read-only transaction each) return the printing dataclasses:

    traveler(uow, "WO-000001") -> Traveler
    picking_ticket(uow, "SO-000001") -> PickingTicket
    packing_slip(uow, "IF-000001") -> PackingSlip
    item_labels(uow, ["HELMET-M"], count=3) -> list[ItemLabel]
    finished_goods_labels(uow, "WO-000003") -> list[FinishedGoodsLabel]
    travelers_for_released(uow), picking_tickets_ready(uow) -> lists of the above
    page_setup(uow) -> PageSetup; print_settings(uow) -> PrintSettings

`render_*` turn them into a `RenderedDocument` without touching the database (a window can
run them in the background); the `*_pdf` functions read and render in one call;
`print_document` queues a rendered document on the named or the default printer. Label
counts and start positions may be given as typed (text or int); they are read by `parse_int`.

What each document lists, and why, is in docs/rules.md ("Printed documents").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, TypeVar, cast

from sqlalchemy import Table, func, select

from app.config import resource_path
from app.errors import NotFound, ValidationError
from app.models import (
    SO_OPEN_DEMAND,
    Customer,
    Item,
    LedgerEntry,
    LedgerReason,
    LinePath,
    SOStatus,
    SourceKind,
    WorkOrder,
    WOStatus,
)
from app.models.quantity import ZERO, fmt, round_quantity
from app.models.sales import whole_kits
from app.printing import labels as label_pages
from app.printing import output
from app.printing import packing_slip as packing_slips
from app.printing import picking_ticket as picking_tickets
from app.printing import traveler as travelers
from app.printing.labels import LAYOUTS, FinishedGoodsLabel, ItemLabel, Label, LabelLayout
from app.printing.packing_slip import PackingSlip, PackLine
from app.printing.picking_ticket import PickingTicket, PickLine
from app.printing.templates import Company, PageSetup, PageSize
from app.printing.traveler import Traveler, TravelerLine
from app.services.engine.lookup import SKU_LENGTH, location_ref
from app.services.engine.paging import PageRequest
from app.services.engine.parsing import lookup_key, parse_int
from app.services.engine.preferences import Preferences
from app.services.engine.uow import Transaction, UnitOfWork, query
from app.services.orders.fulfillment import FulfillmentInfo, get_fulfillment
from app.services.orders.sales import (
    SalesOrderInfo,
    SalesOrderLineInfo,
    get_sales_order,
    list_sales_orders,
)
from app.services.production.work_orders import WorkOrderInfo, get_work_order, list_work_orders
from app.services.shelf import Shelf, Shelves, WalkKey, walk_order

__all__ = [
    "LOGO",
    "MAX_LABELS",
    "MAX_LABEL_COPIES",
    "NothingToPrint",
    "PrintSettings",
    "RenderedDocument",
    "finished_goods_labels",
    "finished_goods_labels_pdf",
    "item_labels",
    "item_labels_pdf",
    "packing_slip",
    "packing_slip_pdf",
    "page_setup",
    "picking_ticket",
    "picking_ticket_pdf",
    "picking_tickets_pdf",
    "picking_tickets_ready",
    "print_document",
    "print_settings",
    "render_labels",
    "render_packing_slip",
    "render_picking_tickets",
    "render_travelers",
    "settings_from",
    "setup_from",
    "traveler",
    "traveler_pdf",
    "travelers_for_released",
    "travelers_pdf",
]

LOGO = "logo.png"  # under app/resources/: printed at the top left of every document
MAX_LABEL_COPIES = 1000  # copies of one label in one request
MAX_LABELS = 5000  # labels in one request: about 170 sheets
_ITEM = cast(Table, Item.__table__)
_LEDGER = cast(Table, LedgerEntry.__table__)
_PAGE_COUNT = re.compile(rb"/Count (\d+) /Kids \[[^\]]*\] /Type /Pages")
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")

T = TypeVar("T")


class NothingToPrint(ValidationError):
    """The document would list nothing, or its record is in no state to be printed."""

    code = "nothing_to_print"


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def _local_day(moment: datetime) -> date:
    return moment.astimezone().date() if moment.tzinfo is not None else moment.date()


# --- travelers ----------------------------------------------------------------------------


def _traveler(tx: Transaction, wo: WorkOrderInfo, printed_at: datetime) -> Traveler:
    if wo.status in (WOStatus.CANCELLED.value, WOStatus.CLOSED.value):
        raise NothingToPrint(f"{wo.number} is {wo.status_label}: nothing is left to build")
    shelves = Shelves.of(tx)
    place = shelves.place(wo.location)
    where = shelves.shelves(wo.location, (ln.sku for ln in wo.lines))
    keyed: list[tuple[WalkKey, TravelerLine]] = []
    for ln in wo.lines:
        left = ln.left_to_issue
        if left <= 0:
            continue
        shelf = where.get(ln.sku)
        bin_ = shelf.bin if shelf is not None else None
        keyed.append(
            (
                walk_order(bin_, ln.line_no),
                TravelerLine(
                    sku=ln.sku,
                    name=ln.name,
                    location=wo.location,
                    bin=bin_,
                    quantity=left,
                    uom=ln.uom,
                    backflush=ln.backflush,
                ),
            )
        )
    keyed.sort(key=lambda pair: pair[0])
    uom = tx.session.scalar(select(Item.uom).where(Item.sku == wo.item)) or "ea"
    return Traveler(
        number=wo.number,
        assembly_sku=wo.item,
        assembly_name=wo.item_name,
        quantity=wo.quantity,
        uom=uom,
        due=wo.due,
        priority=wo.priority,
        status_label=wo.status_label,
        location=place.name if place.name == place.code else f"{place.name} ({place.code})",
        created_from=wo.created_from,
        customer_po=wo.customer_po,
        memo=wo.memo,
        printed_at=printed_at,
        lines=[line for _key, line in keyed],
    )


@query()
def traveler(tx: Transaction, wo_number: str, *, printed_at: datetime | None = None) -> Traveler:
    """A work order's traveler: the components still to issue (required - issued), sorted by
    bin at the work order's location (lines without a bin last, then by line number)."""
    return _traveler(tx, get_work_order.within(tx, wo_number), printed_at or _now())


def _by_date(when: date | None, priority: int, number: str) -> tuple[int, date, int, str]:
    return (when is None, when or date.min, priority, number)


@query()
def travelers_for_released(
    tx: Transaction, *, printed_at: datetime | None = None
) -> list[Traveler]:
    """A traveler for every released work order, earliest due first (then priority, number)."""
    moment = printed_at or _now()
    released = list_work_orders.within(
        tx, status=WOStatus.RELEASED.value, page=PageRequest(limit=None)
    )
    rows = sorted(released.rows, key=lambda r: _by_date(r.due, r.priority, r.number))
    return [_traveler(tx, get_work_order.within(tx, r.number), moment) for r in rows]


# --- picking tickets ----------------------------------------------------------------------


def _kits(
    kit: SalesOrderLineInfo,
    members: Sequence[SalesOrderLineInfo],
    amount: Callable[[SalesOrderLineInfo], Decimal],
) -> Decimal:
    """How many whole kits the members' `amount` makes."""
    return whole_kits(
        kit.quantity,
        ((amount(m), m.quantity) for m in members if LinePath(m.path).stocked),
    )


def _kits_left(kit: SalesOrderLineInfo, members: Sequence[SalesOrderLineInfo]) -> Decimal:
    """Kits not yet picked in full (nor shipped)."""
    done = _kits(kit, members, lambda m: m.fulfilled + m.picked)
    return max(ZERO, kit.quantity - done)


def _groups(
    lines: Sequence[SalesOrderLineInfo],
) -> list[tuple[SalesOrderLineInfo, list[SalesOrderLineInfo]]]:
    """Each order line with its kit members (members follow their kit in line order)."""
    out: list[tuple[SalesOrderLineInfo, list[SalesOrderLineInfo]]] = []
    for ln in lines:
        if ln.kit_member and out and ln.line.split(".")[0] == out[-1][0].line:
            out[-1][1].append(ln)
        else:
            out.append((ln, []))
    return out


def _non_inventory_note(item_type: str | None, verb: str) -> str:
    kind = "Service" if item_type == "service" else "Non-inventory"
    return f"{kind}: nothing to {verb}"


class _TicketBuilder:
    """The lines of one picking ticket under the printed-forms preferences."""

    def __init__(self, so: SalesOrderInfo, prefs: Preferences, where: dict[str, Shelf]):
        self.so = so
        self.uncommitted = prefs.show_uncommitted_items_on_picking_tickets
        self.kit_items = prefs.always_print_kit_items_on_picking_tickets
        self.non_inventory = prefs.show_non_inventory_items_on_printed_forms
        self.where = where

    def _bin(self, sku: str) -> str | None:
        shelf = self.where.get(sku)
        return shelf.bin if shelf is not None else None

    def _type(self, sku: str) -> str | None:
        shelf = self.where.get(sku)
        return shelf.item_type if shelf is not None else None

    def stocked(self, ln: SalesOrderLineInfo, member: bool) -> PickLine | None:
        """A line picked from stock: what is committed and not picked; with uncommitted
        items shown, everything still to pick, the uncommitted part named in a note."""
        ready = ln.ready_to_pick
        if self.uncommitted:
            quantity = ln.still_to_pick
            short = quantity - min(quantity, ready)
        else:
            quantity, short = ready, ZERO
        if quantity <= 0:
            return None
        notes = []
        if short > 0:
            notes.append(f"{fmt(short)} not committed")
        if ln.path == LinePath.BUILD.value and ln.created:
            notes.append(f"built on {', '.join(ln.created)}")
        return PickLine(
            line=ln.line,
            sku=ln.sku,
            name=ln.name,
            location=self.so.location,
            bin=self._bin(ln.sku),
            quantity=quantity,
            uom=ln.uom,
            kit_member=member,
            note="; ".join(notes) or None,
        )

    def non_stock(self, ln: SalesOrderLineInfo, member: bool) -> PickLine | None:
        """A service or non-inventory line: listed only when the preference says so, with
        its quantity and no barcode (there is nothing on a shelf to scan)."""
        if not self.non_inventory:
            return None
        return PickLine(
            line=ln.line,
            sku=ln.sku,
            name=ln.name,
            location=self.so.location,
            bin=None,
            quantity=ln.quantity,
            uom=ln.uom,
            kit_member=member,
            note=_non_inventory_note(self._type(ln.sku), "pick"),
            scan=False,
        )

    def member(self, ln: SalesOrderLineInfo) -> PickLine | None:
        if LinePath(ln.path).stocked:
            return self.stocked(ln, True)
        if ln.path == LinePath.NONE.value:
            return self.non_stock(ln, True)
        return None

    def kit(self, kit: SalesOrderLineInfo, members: Sequence[SalesOrderLineInfo]) -> list[PickLine]:
        """With kit items printed: the kit as a heading, its members under it. Without: one
        line of whole kits, its note naming what one kit holds and where it is kept."""
        stocked = [m for m in members if LinePath(m.path).stocked]
        if not stocked:
            line = self.non_stock(kit, False)
            return [line] if line is not None else []
        left = _kits_left(kit, members)
        if self.kit_items:
            lines = [pl for pl in (self.member(m) for m in members) if pl is not None]
            if not lines:
                return []
            heading = PickLine(
                line=kit.line,
                sku=kit.sku,
                name=kit.name,
                location=self.so.location,
                bin=None,
                quantity=left,
                uom=kit.uom,
                kit_member=False,
                note=None,
                heading=True,
            )
            return [heading, *lines]
        ready = min(left, _kits(kit, members, lambda m: m.ready_to_pick))
        quantity = left if self.uncommitted else ready
        if quantity <= 0:
            return []
        contents = ", ".join(
            f"{fmt(round_quantity(m.quantity / kit.quantity))} {m.sku}"
            + (f" ({self._bin(m.sku)})" if self._bin(m.sku) else "")
            for m in stocked
        )
        note = f"Each kit: {contents}"
        if self.uncommitted and left > ready:
            note = f"{note}; {fmt(left - ready)} not committed"
        return [
            PickLine(
                line=kit.line,
                sku=kit.sku,
                name=kit.name,
                location=self.so.location,
                bin=None,
                quantity=quantity,
                uom=kit.uom,
                kit_member=False,
                note=note,
            )
        ]

    def group(
        self, head: SalesOrderLineInfo, members: Sequence[SalesOrderLineInfo]
    ) -> list[PickLine]:
        if head.path == LinePath.KIT.value:
            return self.kit(head, members)
        if head.path == LinePath.DROP_SHIP.value:
            return []  # the vendor ships it: nothing here to pick
        if LinePath(head.path).stocked:
            line = self.stocked(head, False)
        else:
            line = self.non_stock(head, False)
        return [line] if line is not None else []

    def sort_key(
        self,
        head: SalesOrderLineInfo,
        members: Sequence[SalesOrderLineInfo],
        group: Sequence[PickLine],
    ) -> WalkKey:
        """A line sorts by its bin, a kit by the first of its members' bins; then by number."""
        if head.path == LinePath.KIT.value:
            bins = [self._bin(m.sku) for m in members]
        else:
            bins = [pl.bin for pl in group]
        return min((walk_order(b, head.line) for b in bins), default=walk_order(None, head.line))

    def lines(self) -> list[PickLine]:
        keyed: list[tuple[WalkKey, list[PickLine]]] = []
        for head, members in _groups(self.so.lines):
            group = self.group(head, members)
            if not group:
                continue
            if group[0].heading:
                body = sorted(group[1:], key=lambda pl: walk_order(pl.bin, pl.line))
                group = [group[0], *body]
            keyed.append((self.sort_key(head, members, group), group))
        keyed.sort(key=lambda pair: pair[0])
        return [pl for _key, group in keyed for pl in group]


def _picking_ticket(tx: Transaction, so: SalesOrderInfo, printed_at: datetime) -> PickingTicket:
    state = SOStatus(so.status)
    if state == SOStatus.PENDING_APPROVAL:
        raise NothingToPrint(f"{so.number} is {so.status_label}: approve it before it is picked")
    if state not in SO_OPEN_DEMAND:
        raise NothingToPrint(f"{so.number} is {so.status_label}: nothing is left to pick")
    where = Shelves.of(tx).shelves(so.location, _skus(so.lines))
    return PickingTicket(
        order_number=so.number,
        customer=so.customer,
        ship_to=so.ship_to,
        ship_date=so.ship_date,
        customer_po=so.customer_po,
        priority=so.priority,
        memo=so.memo,
        printed_at=printed_at,
        lines=_TicketBuilder(so, tx.prefs, where).lines(),
    )


def _skus(lines: Iterable[SalesOrderLineInfo]) -> list[str]:
    return list(dict.fromkeys(ln.sku for ln in lines))


@query()
def picking_ticket(
    tx: Transaction, so_number: str, *, printed_at: datetime | None = None
) -> PickingTicket:
    """A sales order's picking ticket, under `show_uncommitted_items_on_picking_tickets`,
    `always_print_kit_items_on_picking_tickets` and `show_non_inventory_items_on_printed_forms`;
    drop-ship lines never appear (the vendor ships them)."""
    return _picking_ticket(tx, get_sales_order.within(tx, so_number), printed_at or _now())


@query()
def picking_tickets_ready(
    tx: Transaction, *, printed_at: datetime | None = None
) -> list[PickingTicket]:
    """A picking ticket for every order ready to pick (committed stock not picked yet),
    earliest ship date first (then priority, number); a ticket that would list nothing
    under the preferences is left out."""
    moment = printed_at or _now()
    ready = list_sales_orders.within(tx, ready_to_pick=True, page=PageRequest(limit=None))
    rows = sorted(ready.rows, key=lambda r: _by_date(r.ship_date, r.priority, r.number))
    out = []
    for r in rows:
        ticket = _picking_ticket(tx, get_sales_order.within(tx, r.number), moment)
        if ticket.lines:
            out.append(ticket)
    return out


# --- packing slips ------------------------------------------------------------------------


class _SlipBuilder:
    """The lines of one packing slip under the printed-forms preferences."""

    def __init__(
        self,
        f: FulfillmentInfo,
        so: SalesOrderInfo,
        prefs: Preferences,
        types: dict[str, Shelf],
    ) -> None:
        self.f = f
        self.so = so
        self.mode = prefs.show_additional_items_on_packing_slips
        self.drop_ship = prefs.show_drop_ship_items_on_packing_slips
        # All items on the order brings non-inventory lines with it (seed 001).
        self.non_inventory = (
            prefs.show_non_inventory_items_on_printed_forms or self.mode == "all_items_on_order"
        )
        self.types = types
        self.open = f.status in ("picked", "packed")
        self.shipped = {ln.line: ln.quantity for ln in f.lines}
        self.finished = SOStatus(so.status) in (SOStatus.CLOSED, SOStatus.CANCELLED)

    def remaining(self, ln: SalesOrderLineInfo, members: Sequence[SalesOrderLineInfo]) -> Decimal:
        """Still to come after everything shipped or picked so far (this shipment included)."""
        if ln.path == LinePath.KIT.value:
            return ZERO if self.finished else _kits_left(ln, members)
        return ln.still_to_pick  # a drop-ship line is never picked: what is still to ship

    def here(self, ln: SalesOrderLineInfo, members: Sequence[SalesOrderLineInfo]) -> Decimal:
        """What this shipment carries of the line (a kit: whole kits of its members)."""
        if ln.path == LinePath.KIT.value:
            if not any(m.line in self.shipped for m in members):
                return ZERO
            return _kits(ln, members, lambda m: self.shipped.get(m.line, ZERO))
        return self.shipped.get(ln.line, ZERO)

    def note(self, ln: SalesOrderLineInfo, here: Decimal) -> str | None:
        if ln.path == LinePath.NONE.value:
            shelf = self.types.get(ln.sku)
            return _non_inventory_note(shelf.item_type if shelf else None, "ship")
        notes = []
        if ln.path == LinePath.DROP_SHIP.value and not self.f.drop_ship:
            notes.append("Ships from the vendor")
        if ln.path != LinePath.KIT.value:
            earlier = ln.fulfilled - (here if self.f.status == "shipped" else ZERO)
            if earlier > 0:
                notes.append(f"{fmt(earlier)} shipped earlier")
            elsewhere = ln.picked - (here if self.open else ZERO)
            if elsewhere > 0:
                notes.append(f"{fmt(elsewhere)} on another shipment")
        return "; ".join(notes) or None

    def wanted(
        self, ln: SalesOrderLineInfo, members: Sequence[SalesOrderLineInfo], remaining: Decimal
    ) -> bool:
        """Whether the slip lists a line, by its path and the preferences."""
        in_shipment = any(x.line in self.shipped for x in (ln, *members))
        if ln.path == LinePath.NONE.value:
            return self.non_inventory
        if ln.path == LinePath.DROP_SHIP.value:
            return (self.f.drop_ship and in_shipment) or self.drop_ship
        if in_shipment or self.mode == "all_items_on_order":
            return True
        return self.mode == "unfulfilled_items_on_order" and remaining > 0

    def pack_line(
        self, ln: SalesOrderLineInfo, members: Sequence[SalesOrderLineInfo]
    ) -> PackLine | None:
        here = self.here(ln, members)
        remaining = self.remaining(ln, members)
        if not self.wanted(ln, members, remaining):
            return None
        return PackLine(
            line=ln.line,
            sku=ln.sku,
            name=ln.name,
            ordered=ln.quantity,
            shipped=here,
            remaining=None if ln.path == LinePath.NONE.value else remaining,
            uom=ln.uom,
            note=self.note(ln, here),
        )

    def lines(self) -> list[PackLine]:
        out: list[PackLine] = []
        for head, members in _groups(self.so.lines):
            line = self.pack_line(head, members)
            if line is None:
                continue
            out.append(line)
            for m in members:
                member = self.pack_line(m, ())
                if member is not None:
                    out.append(member)
        return out


def _packing_slip(tx: Transaction, f: FulfillmentInfo, printed_at: datetime) -> PackingSlip:
    if f.status == "cancelled":
        raise NothingToPrint(f"{f.number} is cancelled: nothing ships on it")
    so = get_sales_order.within(tx, f.created_from)
    bill_to = tx.session.scalar(select(Customer.bill_to).where(Customer.name == so.customer))
    types = Shelves.of(tx).shelves(so.location, _skus(so.lines))
    builder = _SlipBuilder(f, so, tx.prefs, types)
    return PackingSlip(
        fulfillment_number=f.number,
        order_number=so.number,
        customer_po=f.customer_po or so.customer_po,
        customer=so.customer,
        ship_to=so.ship_to,
        bill_to=(bill_to or "").strip() or None,
        ship_date=_local_day(f.shipped_at) if f.shipped_at is not None else so.ship_date,
        status_label=f.status_label,
        printed_at=printed_at,
        show_remaining=builder.mode != "none",
        lines=builder.lines(),
    )


@query()
def packing_slip(
    tx: Transaction, fulfillment_number: str, *, printed_at: datetime | None = None
) -> PackingSlip:
    """A fulfillment's packing slip, under `show_additional_items_on_packing_slips`,
    `show_drop_ship_items_on_packing_slips` and `show_non_inventory_items_on_printed_forms`,
    with the plant's own name for the fulfillment's status."""
    return _packing_slip(tx, get_fulfillment.within(tx, fulfillment_number), printed_at or _now())


# --- labels -------------------------------------------------------------------------------


def _copies(count: object, field: str) -> int:
    return parse_int(count, field=field, minimum=1, maximum=MAX_LABEL_COPIES)


def _label_shares(built: Decimal, count: int, uom: str) -> list[Decimal]:
    """What each of `count` finished-goods labels carries: the same whole number of units on
    each, the remainder (and any fraction) on the last; refused when a label would carry
    less than one unit, so no label says 1.5 ea."""
    most = max(1, int(built))
    if count > most:
        raise ValidationError(
            f"{fmt(built)} {uom} built fill at most {most} label{'s' if most != 1 else ''} "
            f"of whole units, not {count}"
        )
    each = Decimal(int(built) // count)
    return [each] * (count - 1) + [built - each * (count - 1)]


@query()
def item_labels(
    tx: Transaction, skus: Sequence[str], *, count: int | str = 1, location: str | None = None
) -> list[ItemLabel]:
    """`count` labels of each item (sku, name, its bin at `location`, default: the default
    location), in the order given."""
    if isinstance(skus, str):
        skus = [skus]
    if not skus:
        raise ValidationError("name at least one item to print labels for")
    copies = _copies(count, "label count")
    if copies * len(skus) > MAX_LABELS:
        raise ValidationError(
            f"{copies * len(skus):,} labels is more than {MAX_LABELS:,} in one go; "
            "print them in parts"
        )
    place = location_ref(tx.session, location)
    wanted = [lookup_key(s, noun="sku", max_length=SKU_LENGTH) for s in skus]
    names = dict(
        tx.session.execute(select(_ITEM.c.sku, _ITEM.c.name).where(_ITEM.c.sku.in_(wanted))).all()
    )
    unknown = [s for s in wanted if s not in names]
    if unknown:
        raise NotFound(f"unknown sku {unknown[0]!r}")
    where = Shelves.of(tx).shelves(place.code, wanted)
    out = []
    for sku in wanted:
        shelf = where.get(sku)
        label = ItemLabel(sku=sku, name=names[sku], bin=shelf.bin if shelf else None)
        out += [label] * copies
    return out


@query()
def finished_goods_labels(
    tx: Transaction, wo_number: str, *, count: int | str | None = None
) -> list[FinishedGoodsLabel]:
    """Labels for what a work order has built, dated by its last completion: one label for
    the whole built quantity, or `count` labels of whole units, the remainder on the last."""
    wo = get_work_order.within(tx, wo_number)
    if wo.built <= 0:
        raise NothingToPrint(f"{wo.number} has built nothing yet")
    wo_id, uom = tx.session.execute(
        select(WorkOrder.id, Item.uom)
        .join(Item, Item.id == WorkOrder.item_id)
        .where(WorkOrder.number == wo.number)
    ).one()
    last = tx.session.scalar(
        select(func.max(_LEDGER.c.posted_at)).where(
            _LEDGER.c.source_kind == SourceKind.WORK_ORDER.value,
            _LEDGER.c.source_id == wo_id,
            _LEDGER.c.reason == LedgerReason.COMPLETION.value,
        )
    )
    built_on = _local_day(last) if last is not None else date.today()
    if count is None:
        quantities = [wo.built]
    else:
        quantities = _label_shares(wo.built, _copies(count, "label count"), uom)
    return [
        FinishedGoodsLabel(
            assembly_sku=wo.item,
            assembly_name=wo.item_name,
            work_order=wo.number,
            build_date=built_on,
            quantity=q,
            uom=uom,
        )
        for q in quantities
    ]


# --- page setup and printers --------------------------------------------------------------


@dataclass(frozen=True)
class PrintSettings:
    """The printing preferences as one value: paper and letterhead, label layout, printer."""

    setup: PageSetup
    label_layout: LabelLayout
    default_printer: str | None


def setup_from(prefs: Preferences) -> PageSetup:
    """Paper and letterhead from preferences (`\\n` in the address starts a new line); the
    logo is app/resources/logo.png when there is one."""
    address = prefs.company_address.replace("\\n", "\n")
    logo = resource_path(LOGO)
    return PageSetup(
        cast(PageSize, prefs.page_size),
        Company(prefs.company_name, address, logo if logo.is_file() else None),
    )


def settings_from(prefs: Preferences) -> PrintSettings:
    layout: LabelLayout = "sheet"
    for known in LAYOUTS:
        if prefs.label_layout == known:
            layout = known
    return PrintSettings(
        setup=setup_from(prefs),
        label_layout=layout,
        default_printer=prefs.default_printer.strip() or None,
    )


@query()
def page_setup(tx: Transaction) -> PageSetup:
    """Paper size, company name, address and logo for every document."""
    return setup_from(tx.prefs)


@query()
def print_settings(tx: Transaction) -> PrintSettings:
    """Everything the printing preferences say, read once."""
    return settings_from(tx.prefs)


# --- rendering ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedDocument:
    """A finished PDF: its title (the print job's name), a file name to save it under, its
    pages, and how many documents it holds (a batch holds many)."""

    title: str
    filename: str
    pdf: bytes
    pages: int
    documents: int = 1


def page_count(pdf: bytes) -> int:
    """Pages in a PDF this program made (its one page tree says how many)."""
    found = _PAGE_COUNT.search(pdf)
    if found is None:
        raise ValueError("not a PDF made by app.printing")
    return int(found.group(1))


def _file_part(text: str) -> str:
    return _UNSAFE_IN_NAME.sub("_", text).strip("_") or "document"


class _Dated(Protocol):
    @property
    def printed_at(self) -> datetime: ...


D = TypeVar("D", bound=_Dated)


def _one_or_many(
    docs: Sequence[D],
    kind: str,
    one: Callable[[D, PageSetup], bytes],
    many: Callable[[Iterable[D], PageSetup], bytes],
    setup: PageSetup,
    reference: Callable[[D], str],
    title: str,
) -> RenderedDocument:
    """One document under its own number, or a batch named by when it was printed."""
    if not docs:
        raise NothingToPrint(f"no {kind.replace('-', ' ')}s to print")
    if len(docs) == 1:
        ref = reference(docs[0])
        pdf = one(docs[0], setup)
        return RenderedDocument(
            f"{title} {ref}", f"{kind}-{_file_part(ref)}.pdf", pdf, page_count(pdf)
        )
    pdf = many(docs, setup)
    return RenderedDocument(
        f"{title}s ({len(docs)})",
        f"{kind}s-{docs[0].printed_at:%Y%m%d-%H%M}.pdf",
        pdf,
        page_count(pdf),
        len(docs),
    )


def render_travelers(docs: Sequence[Traveler], settings: PrintSettings) -> RenderedDocument:
    """One traveler, or many in one PDF (each with its own page count)."""
    return _one_or_many(
        docs,
        "traveler",
        travelers.render,
        travelers.render_many,
        settings.setup,
        lambda d: d.number,
        travelers.TITLE,
    )


def render_picking_tickets(
    docs: Sequence[PickingTicket], settings: PrintSettings
) -> RenderedDocument:
    """One picking ticket, or many in one PDF (each with its own page count)."""
    return _one_or_many(
        docs,
        "picking-ticket",
        picking_tickets.render,
        picking_tickets.render_many,
        settings.setup,
        lambda d: d.order_number,
        picking_tickets.TITLE,
    )


def render_packing_slip(doc: PackingSlip, settings: PrintSettings) -> RenderedDocument:
    pdf = packing_slips.render(doc, settings.setup)
    ref = doc.fulfillment_number
    return RenderedDocument(
        f"{packing_slips.TITLE} {ref}", f"packing-slip-{_file_part(ref)}.pdf", pdf, page_count(pdf)
    )


def _labels_reference(labels: Sequence[Label]) -> str:
    keys = {
        label.work_order if isinstance(label, FinishedGoodsLabel) else label.sku for label in labels
    }
    return next(iter(keys)) if len(keys) == 1 else f"{len(labels)}"


def render_labels(
    labels: Sequence[Label], settings: PrintSettings, *, start: int | str = 1
) -> RenderedDocument:
    """Labels in the configured layout; on a sheet from position `start` (1 = top left)."""
    if not labels:
        raise NothingToPrint("no labels to print")
    position = parse_int(start, field="start position", minimum=1, maximum=MAX_LABELS)
    pdf = label_pages.render_labels(labels, settings.label_layout, settings.setup, position)
    ref = _labels_reference(labels)
    return RenderedDocument(
        f"Labels {ref}", f"labels-{_file_part(ref)}.pdf", pdf, page_count(pdf), len(labels)
    )


# --- read and render in one call ----------------------------------------------------------


@query()
def _read(tx: Transaction, read: Callable[[Transaction], T]) -> tuple[T, PrintSettings]:
    return read(tx), settings_from(tx.prefs)


def traveler_pdf(uow: UnitOfWork, wo_number: str) -> RenderedDocument:
    docs, settings = _read(uow, lambda tx: [traveler.within(tx, wo_number)])
    return render_travelers(docs, settings)


def travelers_pdf(uow: UnitOfWork) -> RenderedDocument:
    """Travelers for every released work order, in one PDF."""
    docs, settings = _read(uow, travelers_for_released.within)
    if not docs:
        raise NothingToPrint("no work order is released: there are no travelers to print")
    return render_travelers(docs, settings)


def picking_ticket_pdf(uow: UnitOfWork, so_number: str) -> RenderedDocument:
    docs, settings = _read(uow, lambda tx: [picking_ticket.within(tx, so_number)])
    return render_picking_tickets(docs, settings)


def picking_tickets_pdf(uow: UnitOfWork) -> RenderedDocument:
    """Picking tickets for every order ready to pick, in one PDF."""
    docs, settings = _read(uow, picking_tickets_ready.within)
    if not docs:
        raise NothingToPrint("no sales order is ready to pick: there are no tickets to print")
    return render_picking_tickets(docs, settings)


def packing_slip_pdf(uow: UnitOfWork, fulfillment_number: str) -> RenderedDocument:
    doc, settings = _read(uow, lambda tx: packing_slip.within(tx, fulfillment_number))
    return render_packing_slip(doc, settings)


def item_labels_pdf(
    uow: UnitOfWork,
    skus: Sequence[str],
    *,
    count: int | str = 1,
    location: str | None = None,
    start: int | str = 1,
) -> RenderedDocument:
    labels, settings = _read(
        uow, lambda tx: item_labels.within(tx, skus, count=count, location=location)
    )
    return render_labels(labels, settings, start=start)


def finished_goods_labels_pdf(
    uow: UnitOfWork, wo_number: str, *, count: int | str | None = None, start: int | str = 1
) -> RenderedDocument:
    labels, settings = _read(
        uow, lambda tx: finished_goods_labels.within(tx, wo_number, count=count)
    )
    return render_labels(labels, settings, start=start)


# --- printing -----------------------------------------------------------------------------


def print_document(
    target: UnitOfWork | Preferences | PrintSettings,
    rendered: RenderedDocument,
    printer: str | None = None,
    *,
    copies: int = 1,
) -> str:
    """Queue a rendered document on `printer`, else on the `default_printer` preference;
    returns the CUPS job id."""
    if isinstance(target, UnitOfWork):
        settings = print_settings(target)
    elif isinstance(target, Preferences):
        settings = settings_from(target)
    else:
        settings = target
    name = (printer or "").strip() or settings.default_printer
    if not name:
        raise output.PrinterNotFound(
            "no printer named, and no default printer is set (preference default_printer)"
        )
    return output.send_to_printer(rendered.pdf, name, title=rendered.title, copies=copies)
