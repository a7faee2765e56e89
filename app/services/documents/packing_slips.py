"""Packing slips: what a fulfillment ships, with the order's other items as the preferences say."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from app.models import (
    Customer,
    LinePath,
    SOStatus,
)
from app.models.quantity import ZERO, fmt
from app.printing import packing_slip as packing_slips
from app.printing.packing_slip import PackingSlip, PackLine
from app.services.documents import order_lines
from app.services.documents.common import (
    NothingToPrint,
    PrintSettings,
    RenderedDocument,
    file_part,
    local_day,
    page_count,
    print_time,
    read_with_settings,
)
from app.services.engine.preferences import Preferences
from app.services.engine.uow import Transaction, UnitOfWork, query
from app.services.orders.fulfillment import FulfillmentInfo, get_fulfillment
from app.services.orders.sales import (
    SalesOrderInfo,
    SalesOrderLineInfo,
    get_sales_order,
)
from app.services.shelf import Shelf, Shelves


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
            return ZERO if self.finished else order_lines.kits_left(ln, members)
        return ln.still_to_pick  # a drop-ship line is never picked: what is still to ship

    def here(self, ln: SalesOrderLineInfo, members: Sequence[SalesOrderLineInfo]) -> Decimal:
        """What this shipment carries of the line (a kit: whole kits of its members)."""
        if ln.path == LinePath.KIT.value:
            if not any(m.line in self.shipped for m in members):
                return ZERO
            return order_lines.kits(ln, members, lambda m: self.shipped.get(m.line, ZERO))
        return self.shipped.get(ln.line, ZERO)

    def note(self, ln: SalesOrderLineInfo, here: Decimal) -> str | None:
        if ln.path == LinePath.NONE.value:
            shelf = self.types.get(ln.sku)
            return order_lines.non_inventory_note(shelf.item_type if shelf else None, "ship")
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
        for head, members in order_lines.groups(self.so.lines):
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
    types = Shelves.of(tx).shelves(so.location, order_lines.skus(so.lines))
    builder = _SlipBuilder(f, so, tx.prefs, types)
    return PackingSlip(
        fulfillment_number=f.number,
        order_number=so.number,
        customer_po=f.customer_po or so.customer_po,
        customer=so.customer,
        ship_to=so.ship_to,
        bill_to=(bill_to or "").strip() or None,
        ship_date=local_day(f.shipped_at) if f.shipped_at is not None else so.ship_date,
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
    return _packing_slip(
        tx, get_fulfillment.within(tx, fulfillment_number), printed_at or print_time()
    )


def render_packing_slip(doc: PackingSlip, settings: PrintSettings) -> RenderedDocument:
    pdf = packing_slips.render(doc, settings.setup)
    ref = doc.fulfillment_number
    return RenderedDocument(
        f"{packing_slips.TITLE} {ref}", f"packing-slip-{file_part(ref)}.pdf", pdf, page_count(pdf)
    )


def packing_slip_pdf(uow: UnitOfWork, fulfillment_number: str) -> RenderedDocument:
    doc, settings = read_with_settings(uow, lambda tx: packing_slip.within(tx, fulfillment_number))
    return render_packing_slip(doc, settings)
