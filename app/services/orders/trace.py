"""Traceability: every document carrying a customer's PO number or a document number, or that
moved a lot or serial of that number, with where each came from and what it spawned.

Trace knows no kind of document by name: it finds the starting documents through the kinds'
declarations (app/models/kinds.py: a number's prefix, the kinds that carry a customer's PO
number) and walks their declared links both ways (a work order created from a sales order, a
fulfillment of it, a receipt of a purchase order ...) until nothing new turns up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, or_, select

from app.errors import NotFound
from app.models import FinanceEvent, Item, LedgerEntry, Lot
from app.models.kinds import DocumentKind, Link, document_kind, document_kinds
from app.models.lots import LOT_NUMBER_LENGTH
from app.services.engine.numbering import normalize_number
from app.services.engine.parsing import lookup_key
from app.services.engine.uow import Transaction, query
from app.services.orders.sales import CUSTOMER_PO_LENGTH

_CHUNK = 500


@dataclass(frozen=True)
class TracedRecord:
    kind: str  # a document kind's key: sales_order, work_order, purchase_order ...
    number: str
    status: str
    status_label: str
    created_from: str | None  # the document its origin link points at
    customer_po: str | None
    spawned: list[str]  # the documents whose origin is this one


@dataclass(frozen=True)
class TracedLot:
    """A lot or serial of that number: its item and the number itself."""

    sku: str
    lot: str


@dataclass(frozen=True)
class Trace:
    reference: str
    records: list[TracedRecord] = field(default_factory=list)
    finance_events: list[int] = field(default_factory=list)
    lots: list[TracedLot] = field(default_factory=list)


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def _ends(link: Link) -> tuple[Any, ColumnElement[Any], ColumnElement[Any]]:
    pairs = link.pairs().subquery()
    source, target = list(pairs.c)[:2]
    return pairs, source, target


@query()
def trace(tx: Transaction, reference: str) -> Trace:
    """Find every document with this customer PO number or document number, and every
    document that moved a lot or serial of this number, then follow the declared links both
    ways until nothing new turns up. A reference longer than a document number can only be a
    customer's PO; one longer than any customer's PO is not found."""
    ref = lookup_key(reference, noun="reference", max_length=CUSTOMER_PO_LENGTH)
    try:
        number: str | None = normalize_number(ref)
    except NotFound:  # no document has such a number; it can still be a customer's PO
        number = None
    s = tx.session
    found: dict[str, set[int]] = defaultdict(set)
    for kind in document_kinds():
        model = kind.model
        wanted = []
        if number is not None and kind.owns(number):
            wanted.append(model.number == number)
        if kind.customer_po:
            wanted.append(model.customer_po == ref)
        if wanted:
            found[kind.key] |= set(s.scalars(select(model.id).where(or_(*wanted))))
    lots = _moved_lots(tx, ref, found)
    frontier = {key: set(ids) for key, ids in found.items() if ids}
    while frontier:
        reached: dict[str, set[int]] = defaultdict(set)
        for kind in document_kinds():
            for link in kind.links:
                _, source, target = _ends(link)
                for ids in _chunks(frontier.get(kind.key, ())):
                    reached[link.target] |= set(s.scalars(select(target).where(source.in_(ids))))
                for ids in _chunks(frontier.get(link.target, ())):
                    reached[kind.key] |= set(s.scalars(select(source).where(target.in_(ids))))
        frontier = {}
        for key, reached_ids in reached.items():
            new = {i for i in reached_ids if i is not None} - found[key]
            if new:
                found[key] |= new
                frontier[key] = new
    return replace(_describe(tx, ref, found), lots=lots)


def _moved_lots(tx: Transaction, ref: str, found: dict[str, set[int]]) -> list[TracedLot]:
    """The lots and serials numbered `ref` (matched exactly, as lot numbers are), adding to
    `found` the documents whose ledger rows moved them: a ledger source kind that is a
    document kind's key is that document."""
    if len(ref) > LOT_NUMBER_LENGTH:
        return []
    s = tx.session
    lots = s.execute(
        select(Lot.id, Item.sku)
        .join(Item, Item.id == Lot.item_id)
        .where(Lot.number == ref)
        .order_by(Item.sku)
    ).all()
    if not lots:
        return []
    keys = {kind.key for kind in document_kinds()}
    moved = s.execute(
        select(LedgerEntry.source_kind, LedgerEntry.source_id)
        .where(LedgerEntry.lot_id.in_([lot_id for lot_id, _sku in lots]))
        .distinct()
    )
    for source_kind, source_id in moved:
        if source_kind in keys and source_id is not None:
            found[source_kind].add(source_id)
    return [TracedLot(sku, ref) for _lot_id, sku in lots]


def _depth(kind: DocumentKind) -> int:
    """How many origin links lead from a kind back to one with no origin (a sales order 0,
    a work order made from it 1, a receipt of a purchase order made from it 2)."""
    origin = next((ln for ln in kind.links if ln.origin), None)
    return 0 if origin is None else 1 + _depth(document_kind(origin.target))


def _describe(tx: Transaction, ref: str, found: dict[str, set[int]]) -> Trace:
    """Each document found, origins before what they spawned, with its origin's number and
    the numbers of the documents it spawned."""
    s = tx.session
    kinds = sorted((k for k in document_kinds() if found.get(k.key)), key=_depth)
    rows: dict[tuple[str, int], Any] = {}
    for kind in kinds:
        model = kind.model
        for ids in _chunks(found[kind.key]):
            for record in s.scalars(select(model).where(model.id.in_(ids))):
                rows[(kind.key, record.id)] = record
    origin_of: dict[tuple[str, int], tuple[str, int]] = {}
    for kind in kinds:
        for link in kind.links:
            if not link.origin or not found.get(link.target):
                continue
            _, source, target = _ends(link)
            for ids in _chunks(found[kind.key]):
                for row in s.execute(select(source, target).where(source.in_(ids))):
                    mapping = row._mapping
                    linked = (link.target, mapping[target])
                    if linked in rows:
                        origin_of[(kind.key, mapping[source])] = linked
    spawned: dict[tuple[str, int], list[str]] = defaultdict(list)
    for child, origin in sorted(origin_of.items(), key=lambda item: rows[item[0]].number):
        spawned[origin].append(rows[child].number)
    records = []
    for kind in kinds:
        for doc_id in sorted(found[kind.key]):
            found_row = rows.get((kind.key, doc_id))
            if found_row is None:
                continue
            status = getattr(found_row, "status", None) or ""
            label = kind.label(found_row, tx.prefs)
            parent = origin_of.get((kind.key, doc_id))
            records.append(
                TracedRecord(
                    kind=kind.key,
                    number=found_row.number,
                    status=status or label.lower(),
                    status_label=label,
                    created_from=rows[parent].number if parent else None,
                    customer_po=found_row.customer_po if kind.customer_po else None,
                    spawned=spawned.get((kind.key, doc_id), []),
                )
            )
    documents = [r.number for r in records]
    events = (
        list(
            s.scalars(
                select(FinanceEvent.id)
                .where(
                    FinanceEvent.document.in_(documents) | FinanceEvent.created_from.in_(documents)
                )
                .order_by(FinanceEvent.id)
            )
        )
        if documents
        else []
    )
    return Trace(ref, records, events)
