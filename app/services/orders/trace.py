"""Traceability: every record carrying a customer's PO number or a document number, with
where each came from and what it spawned (seed 003: SO -> WO, PO, fulfillment; PO ->
receipt)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import NotFound
from app.models import (
    FinanceEvent,
    Fulfillment,
    PurchaseOrder,
    Receipt,
    SalesOrder,
    SalesOrderLine,
    WorkOrder,
)
from app.services.engine.numbering import normalize_number
from app.services.engine.parsing import lookup_key
from app.services.engine.uow import Transaction, query
from app.services.orders.sales import CUSTOMER_PO_LENGTH

KINDS = ("sales_order", "work_order", "purchase_order", "receipt", "fulfillment")


@dataclass(frozen=True)
class TracedRecord:
    kind: str  # sales_order, work_order, purchase_order, receipt, fulfillment
    number: str
    status: str
    status_label: str  # the status in words, as the record's own page shows it
    created_from: str | None
    customer_po: str | None
    spawned: list[str]


@dataclass(frozen=True)
class Trace:
    reference: str
    records: list[TracedRecord] = field(default_factory=list)
    finance_events: list[int] = field(default_factory=list)


class _Found:
    def __init__(self) -> None:
        self.sales: set[int] = set()
        self.works: set[int] = set()
        self.purchases: set[int] = set()
        self.receipts: set[int] = set()
        self.fulfillments: set[int] = set()

    def size(self) -> int:
        return sum(
            len(s)
            for s in (self.sales, self.works, self.purchases, self.receipts, self.fulfillments)
        )


@query()
def trace(tx: Transaction, reference: str) -> Trace:
    """Find every record with this customer PO number or document number, then follow the
    links both ways until nothing new turns up. A reference longer than a document number
    can only be a customer's PO; one longer than any customer's PO is not found."""
    ref = lookup_key(reference, noun="reference", max_length=CUSTOMER_PO_LENGTH)
    try:
        number: str | None = normalize_number(ref)
    except NotFound:  # no document has such a number; it can still be a customer's PO
        number = None

    def by(
        number_column: InstrumentedAttribute[str], po_column: InstrumentedAttribute[str | None]
    ) -> ColumnElement[bool]:
        return or_(number_column == number if number else false(), po_column == ref)

    s = tx.session
    found = _Found()
    found.sales |= set(
        s.scalars(select(SalesOrder.id).where(by(SalesOrder.number, SalesOrder.customer_po)))
    )
    found.works |= set(
        s.scalars(select(WorkOrder.id).where(by(WorkOrder.number, WorkOrder.customer_po)))
    )
    found.purchases |= set(
        s.scalars(
            select(PurchaseOrder.id).where(by(PurchaseOrder.number, PurchaseOrder.customer_po))
        )
    )
    if number:
        found.receipts |= set(s.scalars(select(Receipt.id).where(Receipt.number == number)))
    found.fulfillments |= set(
        s.scalars(select(Fulfillment.id).where(by(Fulfillment.number, Fulfillment.customer_po)))
    )
    while True:
        before = found.size()
        if found.works:
            found.sales |= set(
                s.scalars(
                    select(SalesOrder.id).where(
                        SalesOrder.number.in_(
                            select(WorkOrder.created_from).where(WorkOrder.id.in_(found.works))
                        )
                    )
                )
            )
            found.sales |= set(
                s.scalars(
                    select(SalesOrderLine.sales_order_id)
                    .join(WorkOrder, WorkOrder.sales_order_line_id == SalesOrderLine.id)
                    .where(WorkOrder.id.in_(found.works))
                )
            )
        if found.purchases:
            found.sales |= {
                i
                for i in s.scalars(
                    select(PurchaseOrder.sales_order_id).where(
                        PurchaseOrder.id.in_(found.purchases)
                    )
                )
                if i is not None
            }
            found.receipts |= set(
                s.scalars(select(Receipt.id).where(Receipt.purchase_order_id.in_(found.purchases)))
            )
        if found.receipts:
            found.purchases |= set(
                s.scalars(select(Receipt.purchase_order_id).where(Receipt.id.in_(found.receipts)))
            )
        if found.fulfillments:
            found.sales |= set(
                s.scalars(
                    select(Fulfillment.sales_order_id).where(Fulfillment.id.in_(found.fulfillments))
                )
            )
        if found.sales:
            lines = select(SalesOrderLine.id).where(SalesOrderLine.sales_order_id.in_(found.sales))
            found.works |= set(
                s.scalars(select(WorkOrder.id).where(WorkOrder.sales_order_line_id.in_(lines)))
            )
            numbers = select(SalesOrder.number).where(SalesOrder.id.in_(found.sales))
            found.works |= set(
                s.scalars(select(WorkOrder.id).where(WorkOrder.created_from.in_(numbers)))
            )
            found.purchases |= set(
                s.scalars(
                    select(PurchaseOrder.id).where(PurchaseOrder.sales_order_id.in_(found.sales))
                )
            )
            found.fulfillments |= set(
                s.scalars(select(Fulfillment.id).where(Fulfillment.sales_order_id.in_(found.sales)))
            )
        if found.size() == before:
            break
    return _describe(tx, ref, found)


def _describe(tx: Transaction, ref: str, found: _Found) -> Trace:
    s = tx.session
    records: list[TracedRecord] = []
    sales = {
        so.id: so
        for so in s.scalars(
            select(SalesOrder).where(SalesOrder.id.in_(found.sales)).order_by(SalesOrder.id)
        )
    }
    works = list(
        s.scalars(select(WorkOrder).where(WorkOrder.id.in_(found.works)).order_by(WorkOrder.id))
    )
    purchases = list(
        s.scalars(
            select(PurchaseOrder)
            .where(PurchaseOrder.id.in_(found.purchases))
            .order_by(PurchaseOrder.id)
        )
    )
    receipts = list(
        s.scalars(select(Receipt).where(Receipt.id.in_(found.receipts)).order_by(Receipt.id))
    )
    fulfillments = list(
        s.scalars(
            select(Fulfillment)
            .where(Fulfillment.id.in_(found.fulfillments))
            .order_by(Fulfillment.id)
        )
    )
    line_order = dict(
        s.execute(
            select(SalesOrderLine.id, SalesOrderLine.sales_order_id).where(
                SalesOrderLine.id.in_(
                    [w.sales_order_line_id for w in works if w.sales_order_line_id]
                )
            )
        ).all()
    )
    po_number = {po.id: po.number for po in purchases}
    for so in sales.values():
        spawned = [
            *(
                w.number
                for w in works
                if line_order.get(w.sales_order_line_id or 0) == so.id
                or w.created_from == so.number
            ),
            *(po.number for po in purchases if po.sales_order_id == so.id),
            *(f.number for f in fulfillments if f.sales_order_id == so.id),
        ]
        records.append(
            TracedRecord(
                "sales_order", so.number, so.status, so.state.label, None, so.customer_po, spawned
            )
        )
    for w in works:
        origin = sales.get(line_order.get(w.sales_order_line_id or 0, 0))
        records.append(
            TracedRecord(
                "work_order",
                w.number,
                w.status,
                w.state.label,
                origin.number if origin else w.created_from,
                w.customer_po,
                [],
            )
        )
    for po in purchases:
        origin = sales.get(po.sales_order_id or 0)
        records.append(
            TracedRecord(
                "purchase_order",
                po.number,
                po.status,
                po.status_label,
                origin.number if origin else None,
                po.customer_po,
                [r.number for r in receipts if r.purchase_order_id == po.id],
            )
        )
    for r in receipts:
        records.append(
            TracedRecord(
                "receipt",
                r.number,
                "received",
                "Received",
                po_number.get(r.purchase_order_id),
                None,
                [],
            )
        )
    for f in fulfillments:
        origin = sales.get(f.sales_order_id)
        records.append(
            TracedRecord(
                "fulfillment",
                f.number,
                f.status,
                tx.prefs.status_name(f.status),
                origin.number if origin else None,
                f.customer_po,
                [],
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
