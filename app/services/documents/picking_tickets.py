"""Picking tickets: what an order has to pick, by bin, under the printed-forms preferences."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from app.models import (
    SO_OPEN_DEMAND,
    LinePath,
    SOStatus,
)
from app.models.quantity import ZERO, fmt, round_quantity
from app.printing import picking_ticket as picking_tickets
from app.printing.picking_ticket import PickingTicket, PickLine
from app.services.documents import order_lines
from app.services.documents.common import (
    NothingToPrint,
    PrintSettings,
    RenderedDocument,
    by_date,
    lots_to_take,
    one_or_many,
    print_time,
    read_with_settings,
)
from app.services.engine.lots import LotUse
from app.services.engine.paging import PageRequest
from app.services.engine.uow import Transaction, UnitOfWork, query
from app.services.orders.sales import (
    SalesOrderInfo,
    SalesOrderLineInfo,
    get_sales_order,
    list_sales_orders,
)
from app.services.shelf import Shelf, Shelves, WalkKey, walk_order


class _TicketBuilder:
    """The lines of one picking ticket under the printed-forms preferences."""

    def __init__(self, tx: Transaction, so: SalesOrderInfo, where: dict[str, Shelf]):
        self.tx = tx
        self.so = so
        prefs = tx.prefs
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
            lots=lots_to_take(self.tx, ln.sku, self.so.location, quantity, LotUse.SALE),
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
            note=order_lines.non_inventory_note(self._type(ln.sku), "pick"),
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
        left = order_lines.kits_left(kit, members)
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
        ready = min(left, order_lines.kits(kit, members, lambda m: m.ready_to_pick))
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
        for head, members in order_lines.groups(self.so.lines):
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
    where = Shelves.of(tx).shelves(so.location, order_lines.skus(so.lines))
    return PickingTicket(
        order_number=so.number,
        customer=so.customer,
        ship_to=so.ship_to,
        ship_date=so.ship_date,
        customer_po=so.customer_po,
        priority=so.priority,
        memo=so.memo,
        printed_at=printed_at,
        lines=_TicketBuilder(tx, so, where).lines(),
    )


@query()
def picking_ticket(
    tx: Transaction, so_number: str, *, printed_at: datetime | None = None
) -> PickingTicket:
    """A sales order's picking ticket, under `show_uncommitted_items_on_picking_tickets`,
    `always_print_kit_items_on_picking_tickets` and `show_non_inventory_items_on_printed_forms`;
    drop-ship lines never appear (the vendor ships them)."""
    return _picking_ticket(tx, get_sales_order.within(tx, so_number), printed_at or print_time())


@query()
def picking_tickets_ready(
    tx: Transaction, *, printed_at: datetime | None = None
) -> list[PickingTicket]:
    """A picking ticket for every order ready to pick (committed stock not picked yet),
    earliest ship date first (then priority, number); a ticket that would list nothing
    under the preferences is left out."""
    moment = printed_at or print_time()
    ready = list_sales_orders.within(tx, ready_to_pick=True, page=PageRequest(limit=None))
    rows = sorted(ready.rows, key=lambda r: by_date(r.ship_date, r.priority, r.number))
    out = []
    for r in rows:
        ticket = _picking_ticket(tx, get_sales_order.within(tx, r.number), moment)
        if ticket.lines:
            out.append(ticket)
    return out


def render_picking_tickets(
    docs: Sequence[PickingTicket], settings: PrintSettings
) -> RenderedDocument:
    """One picking ticket, or many in one PDF (each with its own page count)."""
    return one_or_many(
        docs,
        "picking-ticket",
        picking_tickets.render,
        picking_tickets.render_many,
        settings.setup,
        lambda d: d.order_number,
        picking_tickets.TITLE,
    )


def picking_ticket_pdf(uow: UnitOfWork, so_number: str) -> RenderedDocument:
    docs, settings = read_with_settings(uow, lambda tx: [picking_ticket.within(tx, so_number)])
    return render_picking_tickets(docs, settings)


def picking_tickets_pdf(uow: UnitOfWork) -> RenderedDocument:
    """Picking tickets for every order ready to pick, in one PDF."""
    docs, settings = read_with_settings(uow, picking_tickets_ready.within)
    if not docs:
        raise NothingToPrint("no sales order is ready to pick: there are no tickets to print")
    return render_picking_tickets(docs, settings)
