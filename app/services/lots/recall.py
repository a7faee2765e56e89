"""A lot's history and the recall report: where a lot came from, where it is and where it
went, and the whole tree of lots made from it (forward) or that it was made from (backward),
down to the customers who received them.

Everything is read from the ledger rows that name the lots and from `lot_link` (genealogy,
app/services/lots/genealogy.py), one batch of lots per level of the tree. Each lot's
quantities are reconciled: made = on hand + shipped + consumed + scrapped + returned to vendor
- returned, where made is what came in (received, made, found, less what reversals took back
and unbuilds took apart), consumed what its work orders kept (issues and backflushes less
returns and unbuilds), scrapped what was scrapped or written off, returned to vendor what
vendor returns sent back, and returned what customers sent back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from app.errors import NotFound, ValidationError
from app.models import (
    Customer,
    Fulfillment,
    Item,
    LedgerEntry,
    LedgerReason,
    Location,
    Lot,
    LotBalance,
    LotLink,
    PurchaseOrder,
    Receipt,
    SalesOrder,
    SourceKind,
    Vendor,
)
from app.models.cycle_count import CountReason
from app.models.lots import LOT_NUMBER_LENGTH
from app.models.quantity import ZERO, fmt
from app.models.returns import ReturnReason
from app.models.transfer import TransferReason
from app.models.vendor_return import VendorReturn, VendorReturnReason, VendorReturnSource
from app.models.work_order import WorkOrderReason
from app.services.engine.lookup import item_by_sku
from app.services.engine.parsing import lookup_key
from app.services.engine.uow import Transaction, query

_CHUNK = 500


@dataclass(frozen=True)
class _Way:
    """What a ledger row does to a lot, as the recall counts it: the figure it counts in
    (a `LotFigures` field; none for a move between locations, the lot still on hand) and its
    word in the export and on the page."""

    figure: str
    word: str


_IN_FIGURES = {"made", "returned"}  # rows into the lot add to these, rows out of it to the rest
_MOVED = _Way("", "moved")
_FOUND = _Way("made", "found")
_WRITTEN_OFF = _Way("scrapped", "written off")
_CONSUMED = _Way("consumed", "consumed")
_SCRAPPED = _Way("scrapped", "scrapped")
REVERSED = "reversed"  # a reversal counts where the row it reverses counted, in this word

# What each ledger reason's rows do to a lot: (a row into it, a row out of it). Every ledger
# reason is named (tests/test_lots_recall.py proves it of every registered one); a reversal
# is counted by the reason of the row it reverses.
_WAYS: dict[str, tuple[_Way, _Way]] = {
    LedgerReason.RECEIPT: (_Way("made", "received"),) * 2,
    LedgerReason.COMPLETION: (_Way("made", "made"),) * 2,
    LedgerReason.ADJUSTMENT: (_FOUND, _WRITTEN_OFF),
    CountReason.COUNT: (_FOUND, _WRITTEN_OFF),
    LedgerReason.SHIPMENT: (_Way("shipped", "shipped"),) * 2,
    # What a work order takes, net of what it gives back, is what it consumed.
    LedgerReason.ISSUE: (_CONSUMED,) * 2,
    LedgerReason.BACKFLUSH: (_CONSUMED,) * 2,
    WorkOrderReason.COMPONENT_RETURN: (_CONSUMED,) * 2,
    # Components back in are consumed no more; finished goods taken apart are made no more.
    WorkOrderReason.UNBUILD: (_CONSUMED, _Way("made", "unbuilt")),
    WorkOrderReason.SCRAP: (_SCRAPPED,) * 2,
    ReturnReason.RETURN_SCRAP: (_SCRAPPED,) * 2,
    ReturnReason.CUSTOMER_RETURN: (_Way("returned", "returned"),) * 2,
    VendorReturnReason.VENDOR_RETURN: (_Way("returned_to_vendor", "returned to vendor"),) * 2,
    TransferReason.TRANSFER_OUT: (_MOVED,) * 2,
    TransferReason.TRANSFER_IN: (_MOVED,) * 2,
    LedgerReason.REVERSAL: (_Way("", REVERSED),) * 2,  # never used: see `_way`
}


def counted_reasons() -> set[str]:
    """The ledger reasons the recall counts and words (a reversal by what it reverses)."""
    return {str(r) for r in _WAYS}


DIRECTIONS = ("forward", "backward", "both")


@dataclass(frozen=True)
class LotOrigin:
    """Where a lot came from: the document it first came in by (a receipt and its vendor, the
    work order that made it, an adjustment or an import) and when."""

    kind: str  # a ledger source kind: receipt, work_order, adjustment ...
    document: str
    made_on: date
    vendor: str | None = None
    purchase_order: str | None = None
    vendor_lot: str | None = None


@dataclass(frozen=True)
class LotPlace:
    location: str
    on_hand: Decimal
    reserved: Decimal  # picked for shipments that have not left


@dataclass(frozen=True)
class LotRef:
    """Another lot linked to this one, with what of the component lot went in."""

    sku: str
    lot: str
    quantity: Decimal


@dataclass(frozen=True)
class LotShipment:
    fulfillment: str
    sales_order: str
    customer: str
    ship_to: str
    shipped_on: date | None
    sku: str
    lot: str
    quantity: Decimal


@dataclass(frozen=True)
class LotUse:
    """A work order that consumed the lot (net of what it gave back) and the lots it made
    from it."""

    work_order: str
    quantity: Decimal
    made: list[LotRef] = field(default_factory=list)


@dataclass(frozen=True)
class LotMovement:
    """A scrap, a write-off, a return or a reversal of the lot: its document (a reversal's
    names the document and event it reverses), what moved, and the vendor it went back to."""

    document: str
    reason: str
    quantity: Decimal
    posted_on: date
    party: str = ""


@dataclass(frozen=True)
class LotFigures:
    """made = on hand + shipped + consumed + scrapped + returned to vendor - returned (by
    customers)."""

    made: Decimal
    on_hand: Decimal
    shipped: Decimal
    consumed: Decimal
    scrapped: Decimal
    returned: Decimal
    returned_to_vendor: Decimal = ZERO

    @property
    def reconciled(self) -> bool:
        gone = self.shipped + self.consumed + self.scrapped + self.returned_to_vendor
        return self.made == self.on_hand + gone - self.returned


@dataclass(frozen=True)
class LotHistory:
    """`shopfloor lot show`: a lot's origin, stock, uses, shipments and components."""

    sku: str
    lot: str
    serial: bool
    expires: date | None
    origin: LotOrigin
    on_hand: list[LotPlace]
    consumed_by: list[LotUse]
    shipped: list[LotShipment]
    made_from: list[LotRef]
    scrapped: list[LotMovement]
    returned: list[LotMovement]
    returned_to_vendor: list[LotMovement]
    reversed: list[LotMovement]
    figures: LotFigures
    reconciled: bool


@dataclass(frozen=True)
class RecallNode:
    """One lot of a recall: how far from the root and which way, the lots it was reached
    from, where it came from and its reconciled quantities."""

    sku: str
    lot: str
    expires: date | None
    direction: str  # root, forward (made from the root) or backward (went into it)
    level: int
    reached_from: list[LotRef]
    origin: LotOrigin
    figures: LotFigures


@dataclass(frozen=True)
class RecallRow:
    """A row of the export: one document and one lot (FDA's sortable spreadsheet)."""

    direction: str
    level: int
    sku: str
    lot: str
    expires: date | None
    # received, made, found, reversed, unbuilt, consumed, shipped, scrapped, written off,
    # returned, returned to vendor, on hand
    what: str
    document: str
    date: date | None
    quantity: Decimal
    party: str  # the vendor or the customer
    ship_to: str


@dataclass(frozen=True)
class Recall:
    """`shopfloor recall`: the tree of lots from a root lot through every level, the
    customers who received any of them, and one row per document and lot to export."""

    root: RecallNode
    direction: str
    nodes: list[RecallNode]
    customers: list[LotShipment]
    rows: list[RecallRow]
    reconciled: bool


# --- reading lots in batches ----------------------------------------------------------------


@dataclass
class _Moved:
    """One lot's ledger rows summed per document and reason (a reversal's also per the
    reason of the rows it reverses)."""

    reason: str
    source_kind: str
    source_id: int | None
    document: str
    quantity: Decimal
    posted_on: date
    reverses: str | None = None  # a reversal: the reason of the rows it reverses
    party: str = ""  # a vendor return: the vendor

    @property
    def way(self) -> _Way:
        """What these rows did to the lot; a reversal counts where what it reverses counted
        (which, for a reason counted one way in and another out, the reversed rows' sign
        tells: the opposite of its own)."""
        if self.reverses is None:
            return _way(self.reason, self.quantity)
        return _Way(_way(self.reverses, -self.quantity).figure, REVERSED)


_REVERSED = aliased(LedgerEntry)
# A batch of lots' ledger rows summed per lot, reason and document; a reversal's per the
# reason and document of the rows it reverses.
_MOVEMENTS = (
    select(
        LedgerEntry.lot_id,
        LedgerEntry.reason,
        LedgerEntry.source_kind,
        LedgerEntry.source_id,
        LedgerEntry.source_ref,
        _REVERSED.reason.label("reverses"),
        _REVERSED.source_ref.label("reversed_ref"),
        func.sum(LedgerEntry.quantity).label("quantity"),
        func.min(LedgerEntry.posted_at).label("posted_at"),
    )
    .outerjoin(_REVERSED, _REVERSED.id == LedgerEntry.reverses_id)
    .where(LedgerEntry.lot_id.in_(bindparam("lots", expanding=True)))
    .group_by(
        LedgerEntry.lot_id,
        LedgerEntry.reason,
        LedgerEntry.source_kind,
        LedgerEntry.source_id,
        LedgerEntry.source_ref,
        _REVERSED.reason,
        _REVERSED.source_ref,
    )
    .order_by(func.min(LedgerEntry.id))
)


def _way(reason: str, quantity: Decimal) -> _Way:
    into, out = _WAYS.get(reason, (_FOUND, _WRITTEN_OFF))
    return into if quantity > 0 else out


@dataclass
class _LotData:
    id: int
    sku: str
    number: str
    serial: bool
    expires: date | None
    origin: LotOrigin
    places: list[LotPlace] = field(default_factory=list)
    moved: list[_Moved] = field(default_factory=list)
    shipments: list[LotShipment] = field(default_factory=list)


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def _day(value: datetime | date | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def _read_lots(tx: Transaction, ids: Iterable[int]) -> dict[int, _LotData]:
    """The lots, their stock per location, their ledger rows per document and their
    shipments, a batch at a time."""
    s = tx.session
    lots: dict[int, _LotData] = {}
    receipts: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(ids):
        for lot, sku in s.execute(
            select(Lot, Item.sku).join(Item, Item.id == Lot.item_id).where(Lot.id.in_(chunk))
        ):
            origin = LotOrigin(
                lot.origin_kind, lot.origin_ref, lot.made_on, vendor_lot=lot.vendor_lot
            )
            lots[lot.id] = _LotData(lot.id, sku, lot.number, lot.serial, lot.expires, origin)
            if lot.origin_kind == SourceKind.RECEIPT.value and lot.origin_id is not None:
                receipts[lot.origin_id].append(lot.id)
        for place in s.execute(
            select(LotBalance.lot_id, Location.code, LotBalance.on_hand, LotBalance.reserved)
            .join(Location, Location.id == LotBalance.location_id)
            .where(LotBalance.lot_id.in_(chunk), LotBalance.on_hand != 0)
            .order_by(Location.code)
        ):
            lots[place.lot_id].places.append(LotPlace(place.code, place.on_hand, place.reserved))
        for row in s.execute(_MOVEMENTS, {"lots": chunk}):
            if row.quantity != 0:
                document = row.source_ref
                if row.reverses is not None:  # "RCV-000007, reversal of event 12"
                    document = f"{row.reversed_ref}, {row.source_ref}"
                moved = _Moved(
                    row.reason,
                    row.source_kind,
                    row.source_id,
                    document,
                    row.quantity,
                    _day(row.posted_at) or date.min,
                    row.reverses,
                )
                lots[row.lot_id].moved.append(moved)
    _read_vendors(tx, lots, receipts)
    _read_vendor_returns(tx, lots)
    _read_shipments(tx, lots)
    return lots


def _read_vendor_returns(tx: Transaction, lots: dict[int, _LotData]) -> None:
    """The vendor each vendor return sent a lot back to."""
    sent: dict[int, list[_Moved]] = defaultdict(list)
    for data in lots.values():
        for m in data.moved:
            if m.source_kind == VendorReturnSource.VENDOR_RETURN.value and m.source_id:
                sent[m.source_id].append(m)
    for chunk in _chunks(sent):
        for vra_id, vendor in tx.session.execute(
            select(VendorReturn.id, Vendor.name)
            .join(Vendor, Vendor.id == VendorReturn.vendor_id)
            .where(VendorReturn.id.in_(chunk))
        ):
            for m in sent[vra_id]:
                m.party = vendor


def _read_vendors(
    tx: Transaction, lots: dict[int, _LotData], receipts: dict[int, list[int]]
) -> None:
    for chunk in _chunks(receipts):
        for receipt_id, po, vendor in tx.session.execute(
            select(Receipt.id, PurchaseOrder.number, Vendor.name)
            .join(PurchaseOrder, PurchaseOrder.id == Receipt.purchase_order_id)
            .join(Vendor, Vendor.id == PurchaseOrder.vendor_id)
            .where(Receipt.id.in_(chunk))
        ):
            for lot_id in receipts[receipt_id]:
                data = lots[lot_id]
                origin = data.origin
                data.origin = LotOrigin(
                    origin.kind, origin.document, origin.made_on, vendor, po, origin.vendor_lot
                )


def _read_shipments(tx: Transaction, lots: dict[int, _LotData]) -> None:
    shipped: dict[int, list[tuple[_LotData, _Moved]]] = defaultdict(list)
    for data in lots.values():
        for m in data.moved:
            if m.way.figure == "shipped" and m.source_kind == SourceKind.FULFILLMENT.value:
                shipped[m.source_id or 0].append((data, m))
    for chunk in _chunks(shipped):
        for f in tx.session.execute(
            select(
                Fulfillment.id,
                Fulfillment.number,
                Fulfillment.shipped_at,
                SalesOrder.number.label("order"),
                SalesOrder.ship_to,
                Customer.name,
            )
            .join(SalesOrder, SalesOrder.id == Fulfillment.sales_order_id)
            .join(Customer, Customer.id == SalesOrder.customer_id)
            .where(Fulfillment.id.in_(chunk))
        ):
            for data, m in shipped[f.id]:
                data.shipments.append(
                    LotShipment(
                        f.number,
                        f.order,
                        f.name,
                        f.ship_to,
                        _day(f.shipped_at) or m.posted_on,
                        data.sku,
                        data.number,
                        -m.quantity,
                    )
                )


def _counted(m: _Moved) -> Decimal:
    """What the rows add to their figure: rows in add to made and returned, rows out to the
    others."""
    return m.quantity if m.way.figure in _IN_FIGURES else -m.quantity


def _figures(data: _LotData) -> LotFigures:
    figures = dict.fromkeys(
        ("made", "shipped", "consumed", "scrapped", "returned", "returned_to_vendor"), ZERO
    )
    for m in data.moved:
        figure = m.way.figure
        if figure:  # moved between locations: still on hand
            figures[figure] += _counted(m)
    on_hand = sum((p.on_hand for p in data.places), ZERO)
    return LotFigures(on_hand=on_hand, **figures)


def _links(tx: Transaction, ids: Iterable[int], *, forward: bool) -> list[tuple[int, int, Decimal]]:
    """(from lot, to lot, quantity of the component lot) of the lots made from these
    (forward) or that these were made from (backward). A lot made by several builds is
    linked once per build, each with what its work order had consumed by then: the largest."""
    here, there = (
        (LotLink.used_lot_id, LotLink.made_lot_id)
        if forward
        else (LotLink.made_lot_id, LotLink.used_lot_id)
    )
    out = []
    for chunk in _chunks(ids):
        out += [
            (a, b, q)
            for a, b, q in tx.session.execute(
                select(here, there, func.max(LotLink.quantity))
                .where(here.in_(chunk))
                .group_by(here, there)
                .order_by(here, there)
            )
        ]
    return out


def _find_lot(tx: Transaction, sku: str, number: str) -> int:
    item = item_by_sku(tx.session, sku)
    text = lookup_key(number, noun="lot", max_length=LOT_NUMBER_LENGTH)
    lot_id = tx.session.scalar(select(Lot.id).where(Lot.item_id == item.id, Lot.number == text))
    if lot_id is None:
        raise NotFound(f"unknown lot {text} of {item.sku}")
    return lot_id


# --- a lot's history ------------------------------------------------------------------------


def _uses(tx: Transaction, data: _LotData) -> list[LotUse]:
    per_order: dict[str, Decimal] = {}
    for m in data.moved:
        if m.way == _CONSUMED:
            per_order[m.document] = per_order.get(m.document, ZERO) - m.quantity
    links = list(
        tx.session.execute(
            select(LotLink.source_ref, LotLink.made_lot_id, func.max(LotLink.quantity))
            .where(LotLink.used_lot_id == data.id)
            .group_by(LotLink.source_ref, LotLink.made_lot_id)
            .order_by(LotLink.source_ref, LotLink.made_lot_id)
        )
    )
    names = _read_names(tx, [made for _wo, made, _q in links])
    made: dict[str, list[LotRef]] = defaultdict(list)
    for wo, made_id, q in links:
        made[wo].append(LotRef(*names[made_id], q))
    orders = list(per_order) + [wo for wo in made if wo not in per_order]
    return [LotUse(wo, per_order.get(wo, ZERO), made.get(wo, [])) for wo in orders]


def _read_names(tx: Transaction, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    names: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(ids):
        for lot_id, sku, number in tx.session.execute(
            select(Lot.id, Item.sku, Lot.number)
            .join(Item, Item.id == Lot.item_id)
            .where(Lot.id.in_(chunk))
        ):
            names[lot_id] = (sku, number)
    return names


def _movements(data: _LotData, figure: str, word: str | None = None) -> list[LotMovement]:
    """The lot's movements that count in one figure (and have one word), as they count."""
    return [
        LotMovement(m.document, m.reason, _counted(m), m.posted_on, m.party)
        for m in data.moved
        if m.way.figure == figure and (word is None or m.way.word == word)
    ]


@query()
def lot_history(tx: Transaction, sku: str, lot: str) -> LotHistory:
    """Where a lot came from, where it is on hand, and where it went: the work orders that
    consumed it (and the lots they made), the shipments with their customers, the scraps
    and write-offs, the returns from customers and to vendors, and the reversals."""
    lot_id = _find_lot(tx, sku, lot)
    data = _read_lots(tx, [lot_id])[lot_id]
    backward = _links(tx, [lot_id], forward=False)
    names = _read_names(tx, [b for _a, b, _q in backward])
    made_from = [LotRef(*names[b], q) for _a, b, q in backward]
    figures = _figures(data)
    reversed_ = [m for m in data.moved if m.way.word == REVERSED]
    return LotHistory(
        data.sku,
        data.number,
        data.serial,
        data.expires,
        data.origin,
        data.places,
        _uses(tx, data),
        data.shipments,
        made_from,
        [m for m in _movements(data, "scrapped") if m.reason != LedgerReason.REVERSAL],
        _movements(data, "returned", "returned"),
        _movements(data, "returned_to_vendor", "returned to vendor"),
        [LotMovement(m.document, m.reason, _counted(m), m.posted_on) for m in reversed_],
        figures,
        figures.reconciled,
    )


# --- the recall -----------------------------------------------------------------------------


def _walk(
    tx: Transaction, root: int, *, forward: bool
) -> tuple[dict[int, int], dict[int, list[tuple[int, Decimal]]]]:
    """Every lot reached from the root one way, level by level: its level and the lots it
    was reached from (with the component lot's quantity)."""
    levels: dict[int, int] = {}
    reached: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    frontier = {root}
    level = 0
    while frontier:
        level += 1
        new: set[int] = set()
        for a, b, q in _links(tx, frontier, forward=forward):
            if b == root:
                continue
            reached[b].append((a, q))
            if b not in levels:
                levels[b] = level
                new.add(b)
        frontier = new
    return levels, reached


def _node(
    data: _LotData,
    direction: str,
    level: int,
    reached: list[tuple[int, Decimal]],
    names: dict[int, _LotData],
) -> RecallNode:
    refs = [LotRef(names[a].sku, names[a].number, q) for a, q in reached]
    return RecallNode(
        data.sku,
        data.number,
        data.expires,
        direction,
        level,
        refs,
        data.origin,
        _figures(data),
    )


def _rows(node: RecallNode, data: _LotData) -> list[RecallRow]:
    """The export's rows of one lot: a row per document that moved it, and per location
    where it is on hand."""

    def row(
        what: str, document: str, day: date | None, qty: Decimal, party: str = "", to: str = ""
    ) -> RecallRow:
        return RecallRow(
            node.direction,
            node.level,
            data.sku,
            data.number,
            data.expires,
            what,
            document,
            day,
            qty,
            party,
            to,
        )

    out: list[RecallRow] = []
    per_document: dict[tuple[str, str], tuple[Decimal, date]] = {}
    parties: dict[str, str] = {}
    for m in data.moved:
        way = m.way
        if way.figure in ("shipped", ""):  # shipments below; transfers net out
            continue
        qty, day = per_document.get((way.word, m.document), (ZERO, m.posted_on))
        per_document[(way.word, m.document)] = (qty + _counted(m), min(day, m.posted_on))
        parties[m.document] = m.party
    for (what, document), (qty, day) in per_document.items():
        party = node.origin.vendor or "" if what == "received" else parties[document]
        out.append(row(what, document, day, qty, party))
    for s in data.shipments:
        out.append(row("shipped", s.fulfillment, s.shipped_on, s.quantity, s.customer, s.ship_to))
    for p in data.places:
        out.append(row("on hand", p.location, None, p.on_hand))
    return out


@query()
def recall(tx: Transaction, sku: str, lot: str, direction: str = "forward") -> Recall:
    """The recall report of a lot: forward, every lot made from it through every level and
    the customers who received any of them; backward, every lot that went into it and where
    those came from; or both."""
    if direction not in DIRECTIONS:
        raise ValidationError(f"direction {direction!r} is not one of {', '.join(DIRECTIONS)}")
    root = _find_lot(tx, sku, lot)
    ways = [w for w in ("forward", "backward") if direction in (w, "both")]
    walked = {w: _walk(tx, root, forward=w == "forward") for w in ways}
    ids = {root}
    for levels, _reached in walked.values():
        ids |= set(levels)
    lots = _read_lots(tx, ids)
    root_node = _node(lots[root], "root", 0, [], lots)
    nodes = [root_node]
    for way in ways:
        levels, reached = walked[way]
        for lot_id in sorted(levels, key=lambda i: (levels[i], lots[i].sku, lots[i].number)):
            nodes.append(_node(lots[lot_id], way, levels[lot_id], reached[lot_id], lots))
    by_name = {(d.sku, d.number): d for d in lots.values()}
    rows = [r for n in nodes for r in _rows(n, by_name[(n.sku, n.lot)])]
    customers = sorted(
        (s for n in nodes if n.direction != "backward" for s in by_name[(n.sku, n.lot)].shipments),
        key=lambda s: (s.customer, s.shipped_on or date.min, s.fulfillment, s.sku, s.lot),
    )
    reconciled = all(n.figures.reconciled for n in nodes)
    return Recall(root_node, direction, nodes, customers, rows, reconciled)


# --- the export -----------------------------------------------------------------------------

EXPORT_COLUMNS = [
    "direction",
    "level",
    "sku",
    "lot",
    "expires",
    "what",
    "document",
    "date",
    "quantity",
    "party",
    "ship_to",
]


def _export_values(row: RecallRow, *, text: bool) -> list[Any]:
    """A row's cells: quantities as exact text in a CSV, as numbers in a workbook."""
    return [
        row.direction,
        row.level,
        row.sku,
        row.lot,
        row.expires.isoformat() if row.expires else "",
        row.what,
        row.document,
        row.date.isoformat() if row.date else "",
        fmt(row.quantity) if text else row.quantity,
        row.party,
        row.ship_to,
    ]


def export_recall(report: Recall, path: str | Path) -> int:
    """Write the recall's rows, one per document and lot, as CSV or as an XLSX workbook
    (by the file's suffix), sortable: plain columns, one header row. Returns the rows written."""
    import pandas as pd  # imported on first use: it doubles the start-up time of every command

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValidationError(f"export to a .csv or an .xlsx file, not {target.name!r}")
    text = suffix == ".csv"
    frame = pd.DataFrame(
        [_export_values(r, text=text) for r in report.rows], columns=EXPORT_COLUMNS, dtype=object
    )
    if text:
        frame.to_csv(target, index=False)
    else:
        frame.to_excel(target, index=False, sheet_name="recall")
    return len(frame)
