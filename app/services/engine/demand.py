"""Demand: every kind of order line that needs stock, seen as one kind of line.

A demand line has an item and a location, a required quantity, what it has consumed so far,
what is committed to it, how much of that commitment is firm (picked and waiting to ship:
no re-run or write-off may take it), and an urgency (ship date, priority, transaction date)
by which scarce stock is handed out. Work order component lines are one source of demand, sales
order lines another; a source declares where its lines live (`DemandSource`) and registers
itself, and the commitment engine, the balances and `shopfloor check` work over all of them.

The demand book is the transaction's identity map of demand lines: a line loaded twice (as
part of its document, or as someone else's competition for the same stock) is one object, so
every change is seen everywhere and written once, by its source's statement.

Concurrency: a line's quantities are changed by its own document's postings and by postings
that take from it or give to it (a consumption ignoring commitment, a write-off, a pick,
commit-after-entry, a re-run), and every one of them holds the balance row of the line's item
and location locked. That lock is what serialises them, so a posting uses a line only as read
while it holds it: competing lines are read after their balances are locked (`open_lines`
takes the locks first), and a line read before (a document's own lines, loaded with its
header) is read again the moment its balance is locked. The statement is written with
absolute values, which is exact because its values come from a read made under that lock;
writing deltas instead would not help, since what a posting decides (how much it takes, what
it refuses) already depends on what it read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    Table,
    bindparam,
    func,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy.sql.elements import KeyedColumnElement

from app.models.figures import DemandFigures
from app.models.quantity import ZERO, millionths
from app.services.engine.ledger import Pair, StockBook, by_location

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction


class Urgency(NamedTuple):
    """What decides who gets scarce stock first (see `ordering_key`)."""

    ship_date: date | None  # a work order's due date, a sales order's expected ship date
    priority: int  # 1 = most urgent
    transaction_date: date  # the document's date
    created_at: datetime
    rank: int  # the source's rank: ties between kinds
    document_id: int


@dataclass(eq=False, kw_only=True)
class DemandLine(DemandFigures):
    """One line of demand as a posting sees it and changes it."""

    kind: str
    id: int
    document_id: int
    item_id: int
    location_id: int
    required: Decimal
    consumed: Decimal
    committed: Decimal
    firm: Decimal = ZERO  # committed quantity nothing may take away (picked, not yet shipped)
    # Fed only by the supply made for it (a special order's build): it takes no general
    # stock, and nobody takes what it holds.
    pegged: bool = False
    urgency: Urgency
    saved: tuple[Decimal, Decimal, Decimal] | None = field(default=None, repr=False)

    @property
    def pair(self) -> Pair:
        return (self.item_id, self.location_id)

    @property
    def releasable(self) -> Decimal:
        """Committed stock another, more urgent line (or a write-off) may take."""
        return max(ZERO, self.committed - self.firm)

    def values(self) -> tuple[Decimal, Decimal, Decimal]:
        return (self.committed, self.consumed, self.firm)


@lru_cache(maxsize=4096)
def _local_date(moment: datetime) -> date:
    """The plant's calendar day of a stored moment (the lines of one document share it)."""
    return moment.astimezone().date()


DemandRow = Any  # a result row of `DemandSource.select()`: standard names plus the extras


@dataclass(frozen=True)
class DemandSource:
    """Where one kind of demand line lives and how to read it.

    The standard columns are given as expressions over the line table and its document table;
    `is_open` says which lines are open demand (they count in the balances and commit);
    `make` builds the kind's own line record from a row (with `extra` columns it needs)."""

    kind: str
    label: str  # in words: "work order lines"
    rank: int
    lines: Table
    tables: FromClause  # the lines joined to their documents
    line_id: KeyedColumnElement[Any]
    document_id: ColumnElement[Any]
    document_number: ColumnElement[Any]
    line_number: ColumnElement[Any]  # the line's number on its document, as people see it
    item_id: ColumnElement[Any]
    location_id: ColumnElement[Any]
    required: KeyedColumnElement[Any]
    consumed: KeyedColumnElement[Any]  # written back
    committed: KeyedColumnElement[Any]  # written back
    firm: KeyedColumnElement[Any] | None  # written back; None: this kind is never firm
    ship_date: ColumnElement[Any]
    priority: ColumnElement[Any]
    transaction_date: ColumnElement[Any] | None  # None: the (local) date of created_at
    created_at: ColumnElement[Any]
    is_open: ColumnElement[bool]
    make: Callable[[DemandSource, DemandRow], DemandLine]
    extra: tuple[ColumnElement[Any], ...] = ()  # more columns `make` reads
    record_tables: FromClause | None = None  # `tables` with the joins `extra` needs
    line_order: tuple[ColumnElement[Any], ...] = ()  # lines of one document, in order
    pegged: ColumnElement[bool] | None = None  # which lines are pegged (None: none are)
    # How a pegged line becomes ordinary demand once the supply made for it is cancelled:
    # the column to set, and its value.
    unpegged: tuple[KeyedColumnElement[Any], Any] | None = None

    def standard_columns(self) -> list[ColumnElement[Any]]:
        return [
            self.line_id.label("line_id"),
            self.document_id.label("document_id"),
            self.item_id.label("item_id"),
            self.location_id.label("location_id"),
            self.required.label("required"),
            self.consumed.label("consumed"),
            self.committed.label("committed"),
            self.firm_value.label("firm"),
            self.pegged_value.label("pegged"),
            self.ship_date.label("ship_date"),
            self.priority.label("priority"),
            (self.transaction_date if self.transaction_date is not None else literal(None)).label(
                "transaction_date"
            ),
            self.created_at.label("created_at"),
        ]

    @property
    def firm_value(self) -> ColumnElement[Any]:
        return self.firm if self.firm is not None else literal_column("0", self.committed.type)

    @property
    def pegged_value(self) -> ColumnElement[Any]:
        return self.pegged if self.pegged is not None else literal(False)

    @cached_property
    def selected(self) -> Select[Any]:
        """Every line of this kind with its standard columns and the extras."""
        return select(*self.standard_columns(), *self.extra).select_from(
            self.record_tables if self.record_tables is not None else self.tables
        )

    @cached_property
    def of_document(self) -> Select[Any]:
        """The lines of one document (`document`), in their order."""
        return self.selected.where(self.document_id == bindparam("document")).order_by(
            *self.line_order
        )

    @cached_property
    def open_at(self) -> Select[Any]:
        """Open lines of some items at one location (`items`, `location`)."""
        return self.selected.where(
            self.is_open,
            self.location_id == bindparam("location"),
            self.item_id.in_(bindparam("items", expanding=True)),
        )

    @cached_property
    def open_in_millionths(self) -> Select[Any]:
        """Every open line with its quantities as stored integers (the full re-run reads
        hundreds of thousands of them)."""
        return (
            select(
                self.line_id.label("line_id"),
                self.document_id.label("document_id"),
                self.item_id.label("item_id"),
                self.location_id.label("location_id"),
                millionths(self.required).label("required"),
                millionths(self.consumed).label("consumed"),
                millionths(self.committed).label("committed"),
                millionths(self.firm_value).label("firm"),
                self.pegged_value.label("pegged"),
                self.ship_date.label("ship_date"),
                self.priority.label("priority"),
                (
                    self.transaction_date if self.transaction_date is not None else literal(None)
                ).label("transaction_date"),
                self.created_at.label("created_at"),
            )
            .select_from(self.tables)
            .where(self.is_open)
        )

    def line_fields(self, row: DemandRow) -> dict[str, Any]:
        """The standard fields of a DemandLine from a row of `selected` (for `make`)."""
        return {
            "kind": self.kind,
            "id": row.line_id,
            "document_id": row.document_id,
            "item_id": row.item_id,
            "location_id": row.location_id,
            "required": row.required,
            "consumed": row.consumed,
            "committed": row.committed,
            "firm": row.firm,
            "pegged": bool(row.pegged),
            "urgency": self.urgency(row),
        }

    def urgency(self, row: DemandRow) -> Urgency:
        created: datetime = row.created_at
        tx_date: date = row.transaction_date or _local_date(created)
        return Urgency(row.ship_date, row.priority, tx_date, created, self.rank, row.document_id)

    @cached_property
    def quantities(self) -> Select[Any]:
        """What postings write on some lines (`ids`; `update_line`'s values), to read
        them again once their balances are locked."""
        return select(
            self.line_id.label("line_id"),
            self.consumed.label("consumed"),
            self.committed.label("committed"),
            self.firm_value.label("firm"),
        ).where(self.line_id.in_(bindparam("ids", expanding=True)))

    @cached_property
    def update_line(self) -> Any:
        values = {
            self.committed.key: bindparam("b_committed", type_=self.committed.type),
            self.consumed.key: bindparam("b_consumed", type_=self.consumed.type),
        }
        if self.firm is not None:
            values[self.firm.key] = bindparam("b_firm", type_=self.firm.type)
        return update(self.lines).where(self.line_id == bindparam("b_id")).values(values)

    @cached_property
    def update_unpegged(self) -> Any:
        assert self.unpegged is not None, f"{self.kind} lines are never pegged"
        column, value = self.unpegged
        return (
            update(self.lines).where(self.line_id == bindparam("b_id")).values({column.key: value})
        )

    @cached_property
    def update_committed(self) -> Any:
        return (
            update(self.lines)
            .where(self.line_id == bindparam("b_id"))
            .values({self.committed.key: bindparam("b_committed", type_=self.committed.type)})
        )


@dataclass(frozen=True)
class SupplySource:
    """One kind of supply on order (work orders still to build, purchase orders still to
    receive): `scheduled` selects what each open document still brings and when it is due,
    (item_id, location_id, due, quantity) with due a date or null and the quantity, above
    zero, in stored integers. The shortage report nets it by date; its sums per pair are
    what `shopfloor check` proves the balances' on order against."""

    kind: str
    wording: str  # in words, with {} for the quantity: "the active work orders have {} to build"
    scheduled: Select[Any]
    # Of what is still to come, what is already on its way (shipped, not received yet), for a
    # kind that ships before it arrives (a transfer): (item_id, location_id, quantity) in
    # stored integers. The stock positions show it as in transit.
    in_transit: Select[Any] | None = None

    @cached_property
    def remaining(self) -> Select[Any]:
        """(item_id, location_id, quantity): everything still to come per pair."""
        rows = self.scheduled.subquery()
        return select(
            rows.c.item_id, rows.c.location_id, func.sum(rows.c.quantity).label("quantity")
        ).group_by(rows.c.item_id, rows.c.location_id)


_SOURCES: dict[str, DemandSource] = {}
_SUPPLY: dict[str, SupplySource] = {}


def register_supply(source: SupplySource) -> SupplySource:
    _SUPPLY[source.kind] = source
    return source


def supply_sources() -> list[SupplySource]:
    return list(_SUPPLY.values())


def register_source(source: DemandSource) -> DemandSource:
    """Make a kind of demand known to commitment, the balances and `check`."""
    if source.kind in _SOURCES and _SOURCES[source.kind] is not source:
        raise ValueError(f"demand source {source.kind!r} is registered twice")
    _SOURCES[source.kind] = source
    return source


def sources() -> list[DemandSource]:
    """Every registered source of demand, by rank."""
    return sorted(_SOURCES.values(), key=lambda s: s.rank)


class DemandBook:
    """The demand lines one transaction has loaded, and what it changed."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self._lines: dict[tuple[str, int], DemandLine] = {}
        # Lines whose document this transaction opened or closed as demand; the database
        # still says otherwise until the posting is written.
        self._open: dict[tuple[str, int], bool] = {}
        # Commitments set by a full re-run on lines it never loaded: (kind, id) -> committed.
        self._recommitted: dict[tuple[str, int], tuple[int, Decimal]] = {}
        # Document numbers known to this posting, for naming what it changed.
        self._numbers: dict[tuple[str, int], str] = {}
        # Lines read before this posting held their balance locked, by pair: read again
        # when it takes the lock.
        self._unlocked: dict[Pair, list[DemandLine]] = defaultdict(list)
        self._stock: StockBook | None = None
        if tx.write:
            self._stock = StockBook.of(tx)
            self._stock.when_locked(self._read_again)
        # Pegged lines this posting made ordinary demand.
        self._unpegged: list[DemandLine] = []

    @classmethod
    def of(cls, tx: Transaction) -> DemandBook:
        return tx.book(cls)

    def adopt(self, source: DemandSource, row: DemandRow) -> DemandLine:
        """The line for a row of `source.select()`: the one already loaded, or a new one."""
        key = (source.kind, row.line_id)
        line = self._lines.get(key)
        if line is None:
            line = source.make(source, row)
            line.saved = line.values()
            self._lines[key] = line
            if self._stock is not None and not self._stock.holds(line.pair):
                self._unlocked[line.pair].append(line)
        return line

    def _read_again(self, pairs: set[Pair]) -> None:
        """The balances of `pairs` are now locked: the lines on them read before are read
        again, since another posting may have changed them before it let the lock go."""
        stale: dict[str, dict[int, DemandLine]] = defaultdict(dict)
        for pair in pairs & self._unlocked.keys():
            for line in self._unlocked.pop(pair):
                if line.values() != line.saved:
                    raise RuntimeError(
                        f"{line.kind} line {line.id} was changed before its balance was locked"
                    )
                stale[line.kind][line.id] = line
        for kind, lines in stale.items():
            rows = self.tx.session.execute(_SOURCES[kind].quantities, {"ids": sorted(lines)})
            for row in rows:
                line = lines[row.line_id]
                line.consumed, line.committed, line.firm = row.consumed, row.committed, row.firm
                line.saved = line.values()

    def lines_of(self, source: DemandSource, document_id: int) -> list[DemandLine]:
        """The lines of one document (any status), through the identity map."""
        rows = self.tx.session.execute(source.of_document, {"document": document_id})
        return [self.adopt(source, row) for row in rows]

    def open_line(self, kind: str, line_id: int) -> DemandLine | None:
        """One line of a kind, if it is open demand (through the identity map)."""
        source = _SOURCES[kind]
        key = (kind, line_id)
        if key in self._open:
            line = self._lines.get(key)
            return line if self._open[key] else None
        rows = self.tx.session.execute(
            source.selected.where(source.line_id == line_id, source.is_open)
        ).all()
        return self.adopt(source, rows[0]) if rows else None

    def unpeg(self, kind: str, line_id: int) -> DemandLine:
        """The supply made for a pegged line is cancelled: from now on the line is ordinary
        demand (any status; written by its source's `unpegged`)."""
        source = _SOURCES[kind]
        line = self._lines.get((kind, line_id))
        if line is None:
            row = self.tx.session.execute(source.selected.where(source.line_id == line_id)).one()
            line = self.adopt(source, row)
        if line.pegged:
            line.pegged = False
            column, value = source.unpegged or (None, None)
            if column is not None and hasattr(line, column.key):
                setattr(line, column.key, value)  # the kind's own record of the column
            self._unpegged.append(line)
        return line

    def add_new(self, line: DemandLine) -> None:
        """A line this transaction has just inserted (its id is known)."""
        line.saved = line.values()
        self._lines[(line.kind, line.id)] = line

    def forget(self, lines: Iterable[DemandLine]) -> None:
        """Lines this posting deleted (a work order that took another BOM revision before
        anything moved on it): nothing of them is written."""
        gone = {(ln.kind, ln.id) for ln in lines}
        for key in gone:
            self._lines.pop(key, None)
            self._open.pop(key, None)
        for pair, waiting in list(self._unlocked.items()):
            self._unlocked[pair] = [ln for ln in waiting if (ln.kind, ln.id) not in gone]

    def set_open(self, lines: Iterable[DemandLine], is_open: bool) -> None:
        """Their document starts or stops being open demand in this posting."""
        for line in lines:
            self._open[(line.kind, line.id)] = is_open

    def open_lines(self, pairs: Iterable[Pair]) -> dict[Pair, list[DemandLine]]:
        """Open demand lines of every kind per (item, location); in a posting, read with
        their balances locked (the caller has mostly locked them already)."""
        wanted = set(pairs)
        found: dict[Pair, list[DemandLine]] = defaultdict(list)
        if not wanted:
            return found
        if self._stock is not None:
            self._stock.lock(wanted)
        for source in sources():
            for location_id, item_ids in by_location(wanted):
                params = {"location": location_id, "items": item_ids}
                for row in self.tx.session.execute(source.open_at, params):
                    line = self.adopt(source, row)
                    if self._open.get((line.kind, line.id), True):
                        found[line.pair].append(line)
        for key, is_open in self._open.items():
            line = self._lines[key]
            if is_open and line.pair in wanted and all(x is not line for x in found[line.pair]):
                found[line.pair].append(line)
        return found

    def name_document(self, kind: str, document_id: int, number: str) -> None:
        self._numbers[(kind, document_id)] = number

    def recommit(self, kind: str, line_id: int, document_id: int, committed: Decimal) -> None:
        """Set a line's commitment (the full re-run), loaded or not."""
        line = self._lines.get((kind, line_id))
        if line is not None:
            line.committed = committed
        else:
            self._recommitted[(kind, line_id)] = (document_id, committed)

    def changed(self) -> Iterator[DemandLine]:
        return (ln for ln in self._lines.values() if ln.values() != ln.saved)

    def write(self, event_id: int) -> None:
        by_kind: dict[str, list[DemandLine]] = defaultdict(list)
        documents: dict[str, set[int]] = defaultdict(set)
        for line in self.changed():
            by_kind[line.kind].append(line)
            documents[line.kind].add(line.document_id)
        for (kind, _line_id), (document_id, _c) in self._recommitted.items():
            documents[kind].add(document_id)
        session = self.tx.session
        for line in self._unpegged:
            column, value = _SOURCES[line.kind].unpegged or (None, None)
            if column is not None and getattr(line, column.key, value) != value:
                continue  # its own record changed it again since (and writes it)
            session.execute(_SOURCES[line.kind].update_unpegged, {"b_id": line.id})
            documents[line.kind].add(line.document_id)
        self._unpegged = []
        for kind, lines in by_kind.items():
            session.execute(
                _SOURCES[kind].update_line,
                [
                    {
                        "b_id": ln.id,
                        "b_committed": ln.committed,
                        "b_consumed": ln.consumed,
                        "b_firm": ln.firm,
                    }
                    for ln in lines
                ],
            )
            for ln in lines:
                ln.saved = ln.values()
        recommitted: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for (kind, line_id), (_document, committed) in self._recommitted.items():
            recommitted[kind].append({"b_id": line_id, "b_committed": committed})
        for kind, rows in recommitted.items():
            session.execute(_SOURCES[kind].update_committed, rows)
        self._recommitted = {}
        self._name_changes(documents)

    def _name_changes(self, documents: dict[str, set[int]]) -> None:
        """Record, by number, every document whose lines' commitment or consumption moved."""
        for kind, ids in documents.items():
            unknown = sorted(i for i in ids if (kind, i) not in self._numbers)
            source = _SOURCES[kind]
            for start in range(0, len(unknown), 500):
                chunk = unknown[start : start + 500]
                rows = self.tx.session.execute(
                    select(source.document_id, source.document_number)
                    .select_from(source.tables)
                    .where(source.document_id.in_(chunk))
                    .distinct()
                )
                self._numbers.update(((kind, i), n) for i, n in rows)
            self.tx.changed.add_all(kind, (self._numbers[(kind, i)] for i in ids))


def sorted_by(key: Callable[[Urgency], Any], lines: Sequence[DemandLine]) -> list[DemandLine]:
    return sorted(lines, key=lambda ln: key(ln.urgency))
