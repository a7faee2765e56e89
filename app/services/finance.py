"""The finance handoff (seed 003): finance is told at three moments — a fulfillment shipped
(bill what was shipped, at the order's rate), a receipt posted (at the purchase order's cost),
a work order closed (its variance at standard cost). Each posting that reaches such a moment
adds an event through the finance book; finance reviews the events and exports them.

A drop-ship line reaches two moments at once (the vendor's shipment is both a receipt on the
purchase order and a shipment on the sales order, told by one posting); its two events are
shown as one line with both sources, one line per shipment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, Table, func, insert, select, update
from sqlalchemy.orm import aliased

from app.errors import NotFound, ValidationError
from app.models import FinanceEvent, FinanceLine, Moment, SalesOrder, SalesOrderLine, utcnow
from app.models.finance import moment_label
from app.models.kinds import FINANCE_MOMENTS
from app.models.quantity import ZERO, fmt, round_quantity
from app.services.engine import changes
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.paging import Listing, Page, PageRequest
from app.services.engine.parsing import parse_id
from app.services.engine.permissions import Permission
from app.services.engine.uow import posting, query

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

_EVENTS = cast(Table, FinanceEvent.__table__)
_LINES = cast(Table, FinanceLine.__table__)
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)
_INSERT_LINES = insert(_LINES)
EXPORT_COLUMNS = (
    "event",
    "moment",
    "posted_at",
    "transaction_date",
    "document_kind",
    "document",
    "created_from",
    "customer_po",
    "party",
    "line",
    "sku",
    "quantity",
    "unit_amount",
    "amount",
    "drop_ship",
    "paired_with",
    "reviewed_at",
    "reason",
)


@dataclass(frozen=True)
class MomentLine:
    sku: str
    quantity: Decimal
    unit_amount: Decimal
    sales_order_line_id: int | None = None
    purchase_order_line_id: int | None = None
    drop_ship: bool = False

    @property
    def amount(self) -> Decimal:
        return round_quantity(self.quantity * self.unit_amount)


@dataclass(frozen=True)
class Told:
    """One moment finance is told about, as the posting that reached it describes it."""

    moment: StrEnum  # a registered moment (app/models/kinds.py): `Moment` or another kind's
    document_kind: str
    document: str
    created_from: str | None
    customer_po: str | None
    party: str | None
    lines: Sequence[MomentLine]
    # The day it counts on in the books, when its posting says (a shipment: its
    # fulfillment's transaction date); else the day it is posted.
    transaction_date: date | None = None
    reason: str | None = None  # the reason code the posting named (a scrap's)


class FinanceBook:
    """The finance events of one posting, written with its audit event."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.events: list[Told] = []

    @classmethod
    def of(cls, tx: Transaction) -> FinanceBook:
        return tx.book(cls)

    def tell(self, event: Told) -> None:
        """Queue an event for the posting. An event without lines is dropped, except a work
        order's close: finance hears of every close, with a line only where there was a
        variance."""
        if event.lines or event.moment is Moment.CLOSED:
            self.events.append(event)

    def write(self, event_id: int) -> None:
        session = self.tx.session
        for told in self.events:
            finance_id = session.execute(
                _INSERT_EVENT,
                {
                    "moment": str(told.moment),
                    "document_kind": told.document_kind,
                    "document": told.document,
                    "created_from": told.created_from,
                    "customer_po": told.customer_po,
                    "party": told.party,
                    "reason": told.reason,
                    "amount": sum((ln.amount for ln in told.lines), ZERO),
                    "audit_event_id": event_id,
                    "posted_at": utcnow(),
                    "transaction_date": told.transaction_date or date.today(),
                },
            ).scalar_one()
            if not told.lines:
                self.tx.changed.add(changes.FINANCE_EVENT, str(finance_id))
                continue
            session.execute(
                _INSERT_LINES,
                [
                    {
                        "finance_event_id": finance_id,
                        "line_no": n,
                        "sku": ln.sku,
                        "quantity": ln.quantity,
                        "unit_amount": ln.unit_amount,
                        "amount": ln.amount,
                        "drop_ship": ln.drop_ship,
                        "sales_order_line_id": ln.sales_order_line_id,
                        "purchase_order_line_id": ln.purchase_order_line_id,
                    }
                    for n, ln in enumerate(told.lines, start=1)
                ],
            )
            self.tx.changed.add(changes.FINANCE_EVENT, str(finance_id))
        self.events = []


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FinanceLineInfo:
    line_no: int
    sku: str
    quantity: Decimal
    unit_amount: Decimal
    amount: Decimal
    drop_ship: bool
    # A drop-ship line's other source: the matching event of the other moment.
    paired_with: str | None = None


@dataclass(frozen=True)
class FinanceEventInfo:
    id: int
    moment: str
    moment_label: str
    document_kind: str
    document: str  # its own document
    created_from: str | None  # the order it came from
    customer_po: str | None
    party: str | None
    amount: Decimal
    posted_at: datetime
    transaction_date: date  # the day it counts on in the books
    reviewed_at: datetime | None
    reviewed_by: str | None
    lines: list[FinanceLineInfo]
    reason: str | None = None  # the reason code the posting named (a scrap's)


@dataclass(frozen=True)
class DropShipLine:
    """A drop-ship line's two events as one: what the vendor charged, what the customer pays."""

    sales_order: str
    customer_po: str | None
    sku: str
    quantity: Decimal
    cost: Decimal  # at the purchase order's cost
    revenue: Decimal  # at the sales order's rate
    purchase_event: int
    sales_event: int


@dataclass(frozen=True)
class InvoiceReady:
    """Shipped and not yet billed: bill what was shipped."""

    sales_order: str
    customer: str
    customer_po: str | None
    line: int
    sku: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    events: list[int]


_LISTING = Listing(
    sorts={
        "posted": FinanceEvent.id,
        "amount": FinanceEvent.amount,
        "document": FinanceEvent.document,
    },
    default="posted",
    tiebreak=FinanceEvent.id,
)


def _chosen(
    event: type[FinanceEvent],
    moment: str | None,
    reviewed: bool | None,
    reference: str | None,
) -> list[ColumnElement[bool]]:
    """The events a reader asks for (None: any), as conditions on `event`: one selection for
    the events, the drop-ship lines and what is ready to invoice, so every part of what is
    shown answers the same question."""
    conditions: list[ColumnElement[bool]] = []
    if moment:
        try:
            conditions.append(event.moment == FINANCE_MOMENTS.require(moment.strip().lower()))
        except ValueError:
            raise ValidationError(
                f"unknown moment {moment!r}; one of {', '.join(FINANCE_MOMENTS.words)}"
            ) from None
    if reviewed is not None:
        conditions.append(
            event.reviewed_at.is_not(None) if reviewed else event.reviewed_at.is_(None)
        )
    if reference and reference.strip():
        ref = reference.strip()
        conditions.append(
            (event.document == ref.upper())
            | (event.created_from == ref.upper())
            | (event.customer_po == ref)
        )
    return conditions


_DropKey = tuple[int, int, int | None]  # (audit event, sales order line, purchase order line)


def _drop_key(audit_event_id: int, ln: FinanceLine) -> _DropKey:
    assert ln.sales_order_line_id is not None
    return (audit_event_id, ln.sales_order_line_id, ln.purchase_order_line_id)


def _events_of(tx: Transaction, ids: list[int]) -> dict[int, list[FinanceLineInfo]]:
    out: dict[int, list[FinanceLineInfo]] = defaultdict(list)
    if not ids:
        return out
    lines = tx.session.execute(
        select(FinanceLine).where(FinanceLine.finance_event_id.in_(ids)).order_by(FinanceLine.id)
    ).scalars()
    rows = list(lines)
    # A drop-ship line's other source is the other event of the same posting (marking a
    # drop-ship order shipped tells both moments at once) for the same order line; it is
    # looked up whether or not that event is among the ones asked for.
    drop = [ln for ln in rows if ln.drop_ship and ln.sales_order_line_id is not None]
    audit: dict[int, int] = {}
    partners: dict[_DropKey, list[tuple[int, str]]] = defaultdict(list)
    if drop:
        audit = dict(
            tx.session.execute(
                select(FinanceEvent.id, FinanceEvent.audit_event_id).where(
                    FinanceEvent.id.in_({ln.finance_event_id for ln in drop})
                )
            ).all()
        )
        for other, audit_id, document in tx.session.execute(
            select(FinanceLine, FinanceEvent.audit_event_id, FinanceEvent.document)
            .join(FinanceEvent, FinanceEvent.id == FinanceLine.finance_event_id)
            .where(
                FinanceEvent.audit_event_id.in_(set(audit.values())),
                FinanceLine.drop_ship.is_(True),
                FinanceLine.sales_order_line_id.is_not(None),
            )
            .order_by(FinanceLine.id)
        ):
            partners[_drop_key(audit_id, other)].append((other.finance_event_id, document))
    for ln in rows:
        partner = None
        if ln.drop_ship and ln.sales_order_line_id is not None:
            key = _drop_key(audit[ln.finance_event_id], ln)
            partner = next(
                (doc for event, doc in partners[key] if event != ln.finance_event_id), None
            )
        out[ln.finance_event_id].append(
            FinanceLineInfo(
                line_no=ln.line_no,
                sku=ln.sku,
                quantity=ln.quantity,
                unit_amount=ln.unit_amount,
                amount=ln.amount,
                drop_ship=ln.drop_ship,
                paired_with=partner,
            )
        )
    return out


@query(Permission.READ)
def list_events(
    tx: Transaction,
    *,
    moment: str | None = None,
    reviewed: bool | None = None,
    reference: str | None = None,
    page: PageRequest | None = None,
) -> Page[FinanceEventInfo]:
    """Finance events, newest first unless asked otherwise; `reference` matches the
    document, the order it came from or the customer's PO number."""
    stmt = select(FinanceEvent).where(*_chosen(FinanceEvent, moment, reviewed, reference))
    request = page or PageRequest(limit=None, descending=True)
    found = _LISTING.fetch(tx.session, stmt, request, lambda r: r.FinanceEvent)
    lines = _events_of(tx, [e.id for e in found.rows])
    return Page(
        rows=[
            FinanceEventInfo(
                id=e.id,
                moment=e.moment,
                moment_label=moment_label(e.moment),
                document_kind=e.document_kind,
                document=e.document,
                created_from=e.created_from,
                customer_po=e.customer_po,
                party=e.party,
                amount=e.amount,
                posted_at=e.posted_at,
                transaction_date=e.transaction_date,
                reviewed_at=e.reviewed_at,
                reviewed_by=e.reviewed_by,
                lines=lines.get(e.id, []),
                reason=e.reason,
            )
            for e in found.rows
        ],
        total=found.total,
        offset=found.offset,
        limit=found.limit,
        sort=found.sort,
        descending=found.descending,
        sort_keys=found.sort_keys,
    )


@query(Permission.READ)
def drop_ship_lines(
    tx: Transaction,
    *,
    moment: str | None = None,
    reviewed: bool | None = None,
    reference: str | None = None,
) -> list[DropShipLine]:
    """Every drop-ship shipment finance was told about, its two events shown as one line: one
    line per shipment (a line the vendor ships in parts is a line per part), the received
    line paired with the shipped line of the same posting for the same order line. With
    filters (as `list_events`), a line is listed when one of its two events is asked for."""
    stmt = (
        select(
            FinanceLine, FinanceEvent.moment, FinanceEvent.audit_event_id, FinanceEvent.customer_po
        )
        .join(FinanceEvent, FinanceEvent.id == FinanceLine.finance_event_id)
        .where(FinanceLine.drop_ship.is_(True), FinanceLine.sales_order_line_id.is_not(None))
        .order_by(FinanceLine.id)
    )
    chosen = aliased(FinanceEvent)
    conditions = _chosen(chosen, moment, reviewed, reference)
    if conditions:
        postings = select(chosen.audit_event_id).where(*conditions)
        stmt = stmt.where(FinanceEvent.audit_event_id.in_(postings))
    rows = tx.session.execute(stmt).all()
    grouped: dict[_DropKey, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        grouped[_drop_key(r.audit_event_id, r.FinanceLine)][r.moment].append(r)
    numbers = dict(
        tx.session.execute(
            select(SalesOrderLine.id, SalesOrder.number)
            .join(SalesOrder, SalesOrder.id == SalesOrderLine.sales_order_id)
            .where(SalesOrderLine.id.in_({key[1] for key in grouped}))
        ).all()
    )
    out = []
    for (_audit, so_line, _po_line), moments in grouped.items():
        pairs = zip(
            moments.get(Moment.RECEIVED.value, []),
            moments.get(Moment.SHIPPED.value, []),
            strict=False,
        )
        for bought, sold in pairs:
            out.append(
                DropShipLine(
                    sales_order=numbers[so_line],
                    customer_po=sold.customer_po,
                    sku=sold.FinanceLine.sku,
                    quantity=sold.FinanceLine.quantity,
                    cost=bought.FinanceLine.amount,
                    revenue=sold.FinanceLine.amount,
                    purchase_event=bought.FinanceLine.finance_event_id,
                    sales_event=sold.FinanceLine.finance_event_id,
                )
            )
    return out


@query(Permission.READ)
def invoice_ready(
    tx: Transaction,
    *,
    moment: str | None = None,
    reviewed: bool | None = None,
    reference: str | None = None,
) -> list[InvoiceReady]:
    """Shipped, not yet billed: the shipped events finance has not reviewed, per order line;
    with filters (as `list_events`), only those among the events asked for."""
    chosen = _chosen(FinanceEvent, moment, reviewed, reference)
    rows = tx.session.execute(
        select(
            FinanceLine.sales_order_line_id,
            FinanceLine.sku,
            FinanceLine.quantity,
            FinanceLine.unit_amount,
            FinanceLine.amount,
            FinanceEvent.id.label("event"),
            FinanceEvent.created_from,
            FinanceEvent.customer_po,
            FinanceEvent.party,
        )
        .join(FinanceEvent, FinanceEvent.id == FinanceLine.finance_event_id)
        .where(
            FinanceEvent.moment == Moment.SHIPPED.value,
            FinanceEvent.reviewed_at.is_(None),
            *chosen,
        )
        .order_by(FinanceEvent.id, FinanceLine.line_no)
    ).all()
    line_numbers = dict(
        tx.session.execute(
            select(SalesOrderLine.id, SalesOrderLine.line_no).where(
                SalesOrderLine.id.in_({r.sales_order_line_id for r in rows})
            )
        ).all()
    )
    merged: dict[tuple[str, int, str, Decimal], dict[str, Any]] = {}
    for r in rows:
        key = (r.created_from or "", r.sales_order_line_id or 0, r.sku, r.unit_amount)
        entry = merged.setdefault(
            key,
            {"quantity": ZERO, "amount": ZERO, "events": [], "row": r},
        )
        entry["quantity"] += r.quantity
        entry["amount"] += r.amount
        entry["events"].append(r.event)
    return [
        InvoiceReady(
            sales_order=key[0],
            customer=entry["row"].party or "",
            customer_po=entry["row"].customer_po,
            line=line_numbers.get(key[1], 0),
            sku=key[2],
            quantity=entry["quantity"],
            rate=key[3],
            amount=entry["amount"],
            events=entry["events"],
        )
        for key, entry in merged.items()
    ]


@dataclass(frozen=True)
class Reviewed:
    ids: list[int]
    changes: Changes = field(default=NO_CHANGES)


@posting("finance.review", Permission.FINANCE)
def mark_reviewed(tx: Transaction, ids: Iterable[object]) -> Reviewed:
    """Mark events reviewed (a shipped event reviewed has been billed)."""
    wanted = sorted({parse_id(i, field="finance event") for i in ids})
    if not wanted:
        raise ValidationError("no finance events given")
    found = set(
        tx.session.scalars(select(FinanceEvent.id).where(FinanceEvent.id.in_(wanted))).all()
    )
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(f"no finance event {', '.join(str(i) for i in missing)}")
    tx.session.execute(
        update(_EVENTS)
        .where(_EVENTS.c.id.in_(wanted), _EVENTS.c.reviewed_at.is_(None))
        .values(reviewed_at=utcnow(), reviewed_by=tx.actor.user)
    )
    tx.set_document(", ".join(str(i) for i in wanted)[:120])
    tx.changed.add_all(changes.FINANCE_EVENT, (str(i) for i in wanted))
    return Reviewed(wanted)


def export_csv(events: Sequence[FinanceEventInfo], path: str | Path) -> int:
    """Write the events, one row per line, as CSV (pandas); an event without lines (a work
    order closed without variance) is one row with its line columns empty and quantity and
    amount 0. Returns the rows written."""
    import pandas as pd

    no_line: dict[str, str] = {
        "line": "",
        "sku": "",
        "quantity": "0",
        "unit_amount": "",
        "amount": "0",
        "drop_ship": "",
        "paired_with": "",
    }

    def line_columns(ln: FinanceLineInfo) -> dict[str, str]:
        return {
            "line": str(ln.line_no),
            "sku": ln.sku,
            "quantity": fmt(ln.quantity),
            "unit_amount": fmt(ln.unit_amount),
            "amount": fmt(ln.amount),
            "drop_ship": "yes" if ln.drop_ship else "no",
            "paired_with": ln.paired_with or "",
        }

    rows: list[dict[str, str]] = []
    for e in events:
        event_columns = {
            "event": str(e.id),
            "moment": e.moment,
            "posted_at": e.posted_at.isoformat(),
            "transaction_date": e.transaction_date.isoformat(),
            "document_kind": e.document_kind,
            "document": e.document,
            "created_from": e.created_from or "",
            "customer_po": e.customer_po or "",
            "party": e.party or "",
            "reviewed_at": e.reviewed_at.isoformat() if e.reviewed_at else "",
            "reason": e.reason or "",
        }
        for line in [line_columns(ln) for ln in e.lines] or [no_line]:
            rows.append({**event_columns, **line})
    frame = pd.DataFrame(rows, columns=EXPORT_COLUMNS, dtype=str)
    frame.to_csv(path, index=False)
    return len(rows)


def total(events: Iterable[FinanceEventInfo]) -> Decimal:
    return sum((e.amount for e in events), ZERO)


def count_unreviewed(tx: Transaction) -> int:
    return int(
        tx.session.scalar(
            select(func.count()).select_from(FinanceEvent).where(FinanceEvent.reviewed_at.is_(None))
        )
        or 0
    )


def moments() -> list[tuple[str, str]]:
    """Every moment finance is told about, as (code, words), in the order registered."""
    return list(FINANCE_MOMENTS.words.items())


@dataclass(frozen=True)
class FinanceSide:
    """The finance screen's side panels, in one read: drop-ship lines and what is ready to
    invoice."""

    drop_ship: list[DropShipLine]
    invoice: list[InvoiceReady]


@query(Permission.READ)
def finance_side(
    tx: Transaction,
    *,
    moment: str | None = None,
    reviewed: bool | None = None,
    reference: str | None = None,
) -> FinanceSide:
    """Under the same filters as the list of events."""
    return FinanceSide(
        drop_ship_lines.within(tx, moment=moment, reviewed=reviewed, reference=reference),
        invoice_ready.within(tx, moment=moment, reviewed=reviewed, reference=reference),
    )
