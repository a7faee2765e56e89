"""Cycle counts as the postings see them: plain in-memory records, loaded with a couple of Core
queries (the header locked in a write transaction), changed by the use cases in counts.py and
written back in a few executemany statements when the posting commits.

The header's and the line's fields are declared once, on their records; the statements that
read and write them are derived from those fields by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sqlalchemy import Table, bindparam, insert, select, update

from app.errors import NotFound
from app.models import Item, Location
from app.models.cycle_count import CYCLE_COUNT, CycleCount, CycleCountLine, CycleCountRules
from app.models.lots import Tracking
from app.models.quantity import ZERO
from app.services.engine.ledger import Pair
from app.services.engine.lookup import ItemRef, item_columns, item_ref
from app.services.engine.lots import LotBook, LotRecord
from app.services.engine.numbering import normalize_number
from app.services.shelf import walk_order

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

_COUNT = cast(Table, CycleCount.__table__)
_LINE = cast(Table, CycleCountLine.__table__)
_ITEM = cast(Table, Item.__table__)
_LOC = cast(Table, Location.__table__)


@dataclass(eq=False, kw_only=True)
class CountLineRecord:
    """One item of a count, or one lot of a tracked item: what was counted and the on hand
    (of the item, or of its lot) when it was (both empty until it is counted)."""

    id: int
    line_no: int
    item: ItemRef
    lot: LotRecord | None = None
    counted: Decimal | None = None
    on_hand_at_count: Decimal | None = None
    counted_at: datetime | None = None
    counted_by: str | None = None
    saved: tuple[Any, ...] | None = field(default=None, repr=False)

    CHANGING: ClassVar[tuple[str, ...]] = (
        "lot_id",
        "counted",
        "on_hand_at_count",
        "counted_at",
        "counted_by",
    )

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.CHANGING)

    @property
    def lot_id(self) -> int | None:
        return self.lot.id if self.lot is not None else None

    @property
    def lot_number(self) -> str | None:
        return self.lot.number if self.lot is not None else None

    @property
    def tracked(self) -> bool:
        return self.item.tracking != Tracking.NONE.value

    @property
    def words(self) -> str:
        """The line as a refusal names it: "RESIN lot R-A", "CHAIN"."""
        return self.sku if self.lot is None else f"{self.sku} {self.lot.noun} {self.lot.number}"

    @property
    def is_counted(self) -> bool:
        return self.counted is not None

    @property
    def difference(self) -> Decimal:
        """What posting adjusts on hand by: counted - on hand when counted (0 uncounted)."""
        if self.counted is None or self.on_hand_at_count is None:
            return ZERO
        return self.counted - self.on_hand_at_count

    @property
    def value(self) -> Decimal:
        """The difference in money, at the item's standard cost, without its sign."""
        return abs(self.difference) * self.item.standard_cost

    @property
    def sku(self) -> str:
        return self.item.sku


@dataclass(eq=False, kw_only=True)
class CycleCountRecord(CycleCountRules):
    """A count as one posting sees and changes it."""

    id: int
    number: str
    status: str
    location_id: int
    location_code: str
    location_name: str
    selection: str
    memo: str | None
    created_at: datetime
    created_by: str
    approved_at: datetime | None = None
    approved_by: str | None = None
    posted_at: datetime | None = None
    posted_by: str | None = None
    cancelled_at: datetime | None = None
    lines: list[CountLineRecord] = field(default_factory=list)
    saved: tuple[Any, ...] | None = field(default=None, repr=False)

    # What a posting may change on the header (the rest is fixed when the count starts).
    CHANGING: ClassVar[tuple[str, ...]] = (
        "status",
        "approved_at",
        "approved_by",
        "posted_at",
        "posted_by",
        "cancelled_at",
    )

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.CHANGING)

    def line_of(self, sku: str, lot: str | None = None) -> CountLineRecord | None:
        """The line of the item (and lot) given."""
        return next((ln for ln in self.lines if ln.sku == sku and ln.lot_number == lot), None)

    def lines_of(self, sku: str) -> list[CountLineRecord]:
        """The item's lines: one, or one per lot of a tracked item."""
        return [ln for ln in self.lines if ln.sku == sku]

    def walked(self, bins: Mapping[str, str]) -> list[CountLineRecord]:
        """The lines in the order a counter walks them: by their item's bin (lines without a
        bin last), an item's lines together, its lots in the order the count took them and
        lots found after them."""
        first: dict[str, int] = {}
        for ln in sorted(self.lines, key=lambda ln: ln.line_no):
            first.setdefault(ln.sku, ln.line_no)
        return sorted(
            self.lines,
            key=lambda ln: (walk_order(bins.get(ln.sku), first[ln.sku]), ln.line_no),
        )

    def pairs(self, lines: list[CountLineRecord]) -> list[Pair]:
        return [(ln.item.id, self.location_id) for ln in lines]

    @property
    def counted(self) -> list[CountLineRecord]:
        return [ln for ln in self.lines if ln.is_counted]

    @property
    def uncounted(self) -> list[CountLineRecord]:
        return [ln for ln in self.lines if not ln.is_counted]


_HEADER_FIELDS = tuple(
    f.name for f in fields(CycleCountRecord) if f.name in _COUNT.c and f.name != "saved"
)
_LINE_FIELDS = ("id", "line_no", *CountLineRecord.CHANGING[1:])
_SELECT_COUNT = (
    select(
        *(_COUNT.c[name] for name in _HEADER_FIELDS),
        _LOC.c.code.label("location_code"),
        _LOC.c.name.label("location_name"),
    )
    .join(_LOC, _LOC.c.id == _COUNT.c.location_id)
    .where(_COUNT.c.number == bindparam("number"))
)
_SELECT_COUNT_FOR_UPDATE = _SELECT_COUNT.with_for_update(of=_COUNT)
_SELECT_LINES = (
    select(*(_LINE.c[name] for name in _LINE_FIELDS), _LINE.c.lot_id, *item_columns("item"))
    .join(_ITEM, _ITEM.c.id == _LINE.c.item_id)
    .where(_LINE.c.cycle_count_id == bindparam("count_id"))
    .order_by(_LINE.c.line_no)
)
_INSERT_COUNT = insert(_COUNT).returning(_COUNT.c.id)
_INSERT_LINES = insert(_LINE)
_UPDATE_COUNT = (
    update(_COUNT)
    .where(_COUNT.c.id == bindparam("b_id"))
    .values(
        {
            name: bindparam(f"b_{name}", type_=_COUNT.c[name].type)
            for name in CycleCountRecord.CHANGING
        }
    )
)
_UPDATE_LINE = (
    update(_LINE)
    .where(_LINE.c.id == bindparam("b_id"))
    .values(
        {
            name: bindparam(f"b_{name}", type_=_LINE.c[name].type)
            for name in CountLineRecord.CHANGING
        }
    )
)


class CycleCountBook:
    """The counts one transaction has loaded or started, and what it changed."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.counts: dict[int, CycleCountRecord] = {}

    @classmethod
    def of(cls, tx: Transaction) -> CycleCountBook:
        return tx.book(cls)

    def load(self, number: str) -> CycleCountRecord:
        """A count with its lines; in a write transaction its row is locked, so two postings
        on one count run one after the other."""
        text = normalize_number(number)
        for found in self.counts.values():
            if found.number == text:
                return found
        stmt = _SELECT_COUNT_FOR_UPDATE if self.tx.write else _SELECT_COUNT
        row = self.tx.session.execute(stmt, {"number": text}).first()
        if row is None:
            raise NotFound(f"unknown cycle count {text!r}")
        m = row._mapping
        count = CycleCountRecord(
            **{name: m[name] for name in _HEADER_FIELDS},
            location_code=m["location_code"],
            location_name=m["location_name"],
        )
        count.saved = count.values()
        rows = self.tx.session.execute(_SELECT_LINES, {"count_id": count.id}).all()
        lots = LotBook.of(self.tx).lots(r.lot_id for r in rows if r.lot_id is not None)
        for r in rows:
            lm = r._mapping
            line = CountLineRecord(
                **{name: lm[name] for name in _LINE_FIELDS},
                item=item_ref(r, "item"),
                lot=lots[r.lot_id] if r.lot_id is not None else None,
            )
            line.saved = line.values()
            count.lines.append(line)
        self.counts[count.id] = count
        if self.tx.write:
            self.tx.set_document(count.number)
        return count

    def start(
        self, header: CycleCountRecord, lines: list[tuple[ItemRef, LotRecord | None]]
    ) -> CycleCountRecord:
        """Insert a new count and its lines (an item, or a lot of one), numbered from 1 in the
        order given."""
        values = {name: getattr(header, name) for name in _HEADER_FIELDS if name != "id"}
        header.id = self.tx.session.execute(_INSERT_COUNT, values).scalar_one()
        header.saved = header.values()
        self.counts[header.id] = header
        self._insert(header, lines)
        self.tx.changed.add(CYCLE_COUNT, header.number)
        return header

    def add_line(self, count: CycleCountRecord, item: ItemRef, lot: LotRecord) -> CountLineRecord:
        """A lot found on the shelf: a new line of the count, numbered after the last."""
        return self._insert(count, [(item, lot)])[0]

    def _insert(
        self, count: CycleCountRecord, lines: list[tuple[ItemRef, LotRecord | None]]
    ) -> list[CountLineRecord]:
        first = max((ln.line_no for ln in count.lines), default=0) + 1
        numbered = list(enumerate(lines, start=first))
        session = self.tx.session
        session.execute(
            _INSERT_LINES,
            [
                {
                    "cycle_count_id": count.id,
                    "line_no": n,
                    "item_id": item.id,
                    "lot_id": lot.id if lot is not None else None,
                }
                for n, (item, lot) in numbered
            ],
        )
        ids = dict(
            session.execute(
                select(_LINE.c.line_no, _LINE.c.id).where(
                    _LINE.c.cycle_count_id == count.id, _LINE.c.line_no >= first
                )
            ).all()
        )
        added = []
        for n, (item, lot) in numbered:
            line = CountLineRecord(id=ids[n], line_no=n, item=item, lot=lot)
            line.saved = line.values()
            added.append(line)
        count.lines += added
        return added

    def write(self, event_id: int) -> None:
        session = self.tx.session
        changed = [c for c in self.counts.values() if c.values() != c.saved]
        if changed:
            session.execute(
                _UPDATE_COUNT,
                [
                    {"b_id": c.id, **{f"b_{n}": getattr(c, n) for n in CycleCountRecord.CHANGING}}
                    for c in changed
                ],
            )
            for c in changed:
                c.saved = c.values()
        lines: list[CountLineRecord] = []
        touched = {c.number for c in changed}
        for c in self.counts.values():
            mine = [ln for ln in c.lines if ln.values() != ln.saved]
            if mine:
                lines += mine
                touched.add(c.number)
        if lines:
            session.execute(
                _UPDATE_LINE,
                [
                    {"b_id": ln.id, **{f"b_{n}": getattr(ln, n) for n in CountLineRecord.CHANGING}}
                    for ln in lines
                ],
            )
            for ln in lines:
                ln.saved = ln.values()
        self.tx.changed.add_all(CYCLE_COUNT, touched)
