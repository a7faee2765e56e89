"""Corrections on the floor: components returned from a work order to stock, finished goods
taken apart again (unbuild), and components or finished goods scrapped on a work order.

Each is a new posting; nothing edits the ledger. A return or an unbuild takes back what was
consumed or built, newest first, at the cost it was posted at: each of its ledger rows
undoes one row (`reverses_id`) and its audit event names the postings it corrects. A line's
`issued` counts net of what went back, so it is always what the line holds; `returned`,
`unbuilt` and `scrapped` say what happened.

A scrap names a reason code the admin keeps (kind `scrap`): components taken from stock and
lost (the line still needs its own, so its need does not change) or finished goods lost
after they were built. Finance hears of each scrap at standard cost when it is posted; the
close counts it in the variance, told apart from the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, select

from app.errors import InsufficientStock, NotFound, ValidationError
from app.models import (
    LedgerEntry,
    LedgerReason,
    SourceKind,
    WOAction,
    WorkOrderMoment,
    WorkOrderReason,
    WOStatus,
)
from app.models.quantity import ZERO, fmt, parse_quantity, round_quantity
from app.services.engine import commitment
from app.services.engine.demand import DemandBook, DemandLine
from app.services.engine.ledger import Source, StockBook
from app.services.engine.lots import LotBook, LotRecord
from app.services.engine.permissions import Permission
from app.services.engine.uow import Transaction, posting
from app.services.finance import FinanceBook, MomentLine, Told
from app.services.production.records import ComponentLine, WorkOrderBook, WorkOrderRecord
from app.services.production.work_orders import (
    WorkOrderInfo,
    parse_components,
    work_order_info,
)
from app.services.reasons import require_reason_code

_CONSUMED = frozenset({LedgerReason.ISSUE.value, LedgerReason.BACKFLUSH.value})
_LE = LedgerEntry
_POSTED = (
    select(
        _LE.id,
        _LE.event_id,
        _LE.source_line_id,
        _LE.quantity,
        _LE.unit_cost,
        _LE.reason,
        _LE.reverses_id,
        _LE.lot_id,
    )
    .where(_LE.source_kind == SourceKind.WORK_ORDER.value, _LE.source_id == bindparam("wo_id"))
    .order_by(_LE.id)
)


@dataclass(eq=False)
class _Posted:
    """One ledger row of a work order, with how much of it later rows have undone."""

    id: int
    event_id: int
    line_id: int | None
    quantity: Decimal  # as posted: consumption negative, completion positive
    unit_cost: Decimal
    reason: str
    lot_id: int | None = None  # a tracked item's lot: what undoes the row moves that lot
    undone: Decimal = ZERO

    @property
    def open(self) -> Decimal:
        """What is still there to undo."""
        return abs(self.quantity) - self.undone


def _posted(tx: Transaction, wo: WorkOrderRecord) -> list[_Posted]:
    """The work order's ledger rows, oldest first, each with what has been undone of it."""
    rows: dict[int, _Posted] = {}
    for r in tx.session.execute(_POSTED, {"wo_id": wo.id}):
        rows[r.id] = _Posted(
            r.id, r.event_id, r.source_line_id, r.quantity, r.unit_cost, r.reason, r.lot_id
        )
        undoes = rows.get(r.reverses_id) if r.reverses_id is not None else None
        if undoes is not None:
            undoes.undone += abs(r.quantity)
    _read_lots(tx, wo, rows.values())
    return list(rows.values())


def _read_lots(tx: Transaction, wo: WorkOrderRecord, rows: Iterable[_Posted]) -> None:
    """The lots the rows moved and the lots of their items at the work order's location (whose
    balances its load locked), read at once: a row undone then finds them instead of reading
    each on its own."""
    ids = {r.lot_id for r in rows if r.lot_id is not None}
    if not ids:
        return
    book = LotBook.of(tx)
    book.read_at(book.lots(ids).values(), wo.location_id)


def _load(tx: Transaction, number: str, action: WOAction) -> WorkOrderRecord:
    wo = WorkOrderBook.of(tx).load(number)
    tx.set_document(wo.number)
    wo.require(action)
    return wo


def _line(wo: WorkOrderRecord, sku: str) -> ComponentLine:
    line = next((ln for ln in wo.lines if ln.sku == sku), None)
    if line is None:
        raise NotFound(f"{sku!r} is not a component of {wo.number}")
    return line


def _lot(tx: Transaction, row: _Posted) -> LotRecord | None:
    """The lot a row moved, for the row that undoes it (None for an untracked item)."""
    return LotBook.of(tx).lot(row.lot_id) if row.lot_id is not None else None


def _source(wo: WorkOrderRecord, line: ComponentLine | None = None) -> Source:
    return Source(SourceKind.WORK_ORDER, wo.number, wo.id, line.id if line else None)


# --- return components --------------------------------------------------------------------


@posting("wo.return", Permission.PRODUCE)
def return_components(
    tx: Transaction,
    number: str,
    components: Mapping[str, object] | Iterable[tuple[str, object]],
) -> WorkOrderInfo:
    """Components consumed by a work order go back to stock (an issue undone: ten scanned
    where one was meant), never more than a line has consumed; the newest consumption is
    taken back first, at its cost. The line needs again what it gave back."""
    wanted = parse_components(components)
    wo = _load(tx, number, WOAction.RETURN)
    plan = [(_line(wo, sku), qty) for sku, qty in wanted]
    for line, qty in plan:
        if qty > line.issued:
            raise ValidationError(
                f"{wo.number}: cannot return {fmt(qty)} {line.sku}: the line has consumed "
                f"{fmt(line.issued)}"
            )
    posted = _posted(tx, wo)
    stock = StockBook.of(tx)
    corrected: set[int] = set()
    for line, qty in plan:
        left = qty
        consumed = [p for p in posted if p.line_id == line.id and p.reason in _CONSUMED]
        for row in reversed(consumed):
            take = min(left, row.open)
            if take <= 0:
                continue
            stock.post(
                line.component,
                wo.location_id,
                take,
                WorkOrderReason.COMPONENT_RETURN,
                _source(wo, line),
                unit_cost=row.unit_cost,
                reverses_id=row.id,
                lot=_lot(tx, row),
            )
            row.undone += take
            corrected.add(row.event_id)
            left -= take
            if left == 0:
                break
        assert left == 0, f"{wo.number} {line.sku}: issued is more than its ledger rows"
        commitment.unconsume(tx, line, qty)
        line.returned += qty
    tx.note(returned={ln.sku: q for ln, q in plan}, corrects=sorted(corrected))
    return work_order_info(wo)


# --- unbuild ------------------------------------------------------------------------------


@posting("wo.unbuild", Permission.PRODUCE)
def unbuild(tx: Transaction, number: str, quantity: object) -> WorkOrderInfo:
    """Take built assemblies apart again: the finished goods leave stock and the components
    their builds or backflush consumed come back, in proportion, at the costs they were
    posted at (newest build first); components issued by hand stay on the work order.
    Never more than is built and still on hand."""
    qty = parse_quantity(quantity)
    wo = _load(tx, number, WOAction.UNBUILD)
    whole = wo.built - wo.scrapped
    if qty > whole:
        raise ValidationError(
            f"cannot unbuild {fmt(qty)} {wo.item.sku} on {wo.number}: {fmt(whole)} is built"
            + (f" and not scrapped ({fmt(wo.scrapped)} scrapped)" if wo.scrapped else "")
        )
    stock = StockBook.of(tx)
    on_hand = stock.balance(wo.item.id, wo.location_id).on_hand
    if qty > on_hand:
        raise InsufficientStock(
            f"cannot unbuild {fmt(qty)} {wo.item.sku} on {wo.number}: only {fmt(on_hand)} on "
            f"hand at {wo.location_code}"
        )
    commitment.leave(tx, wo.item, wo.location_id, qty, _made_for(tx, wo))
    posted = _posted(tx, wo)
    backflushed: dict[int, list[_Posted]] = defaultdict(list)
    for p in posted:
        if p.reason == LedgerReason.BACKFLUSH.value:
            backflushed[p.event_id].append(p)
    lines = {ln.id: ln for ln in wo.lines}
    given: dict[ComponentLine, Decimal] = defaultdict(lambda: ZERO)
    corrected: set[int] = set()
    left = qty
    completions = [p for p in posted if p.reason == LedgerReason.COMPLETION.value]
    for done in reversed(completions):
        take = min(left, done.open)
        if take <= 0:
            continue
        stock.post(
            wo.item,
            wo.location_id,
            -take,
            WorkOrderReason.UNBUILD,
            _source(wo),
            unit_cost=done.unit_cost,
            reverses_id=done.id,
            lot=_lot(tx, done),
        )
        done.undone += take
        corrected.add(done.event_id)
        for row in backflushed[done.event_id]:
            # What this build consumed for the part of it now undone (all of it once the
            # whole build is undone), less what is back already.
            share = (
                abs(row.quantity)
                if done.open == 0
                else round_quantity(abs(row.quantity) * done.undone / done.quantity)
            )
            back = min(share - row.undone, row.open)
            if back <= 0:
                continue
            line = lines[row.line_id] if row.line_id is not None else None
            assert line is not None
            stock.post(
                line.component,
                wo.location_id,
                back,
                WorkOrderReason.UNBUILD,
                _source(wo, line),
                unit_cost=row.unit_cost,
                reverses_id=row.id,
                lot=_lot(tx, row),
            )
            row.undone += back
            given[line] += back
        left -= take
        if left == 0:
            break
    assert left == 0, f"{wo.number}: built is more than its completion rows"
    for line, back in given.items():
        commitment.unconsume(tx, line, back)
    remaining = wo.remaining
    wo.built -= qty
    wo.unbuilt += qty
    stock.balance(wo.item.id, wo.location_id).on_order += wo.remaining - remaining
    if wo.state == WOStatus.BUILT:
        wo.move_to(wo.status_after_production())
    tx.note(
        unbuilt=qty,
        components={ln.sku: q for ln, q in given.items()},
        corrects=sorted(corrected),
    )
    return work_order_info(wo)


def _made_for(tx: Transaction, wo: WorkOrderRecord) -> DemandLine | None:
    """The sales order line a special order's finished goods are committed to, if open."""
    if wo.sales_order_line_id is None:
        return None
    return DemandBook.of(tx).open_line("sales_order", wo.sales_order_line_id)


# --- scrap --------------------------------------------------------------------------------


@posting("wo.scrap", Permission.PRODUCE)
def scrap(
    tx: Transaction,
    number: str,
    *,
    components: Mapping[str, object] | Iterable[tuple[str, object]] | None = None,
    built: object = None,
    reason: object = None,
) -> WorkOrderInfo:
    """Scrap components (taken from stock at the work order's location and lost: the line
    still needs its own) or finished goods it built, naming a scrap reason code. Finance is
    told at standard cost; the close counts it in the variance, apart from the rest."""
    if (components is None) == (built is None):
        raise ValidationError("scrap components or finished goods: one of the two")
    wanted = parse_components(components) if components is not None else []
    finished = parse_quantity(built, "quantity scrapped") if built is not None else None
    code = require_reason_code(tx, reason, "scrap")
    wo = _load(tx, number, WOAction.SCRAP)
    stock = StockBook.of(tx)
    told: list[MomentLine] = []
    if finished is None:
        plan = [(_line(wo, sku), qty) for sku, qty in wanted]
        for line, qty in plan:
            _on_hand(tx, wo, line.component.sku, line.pair, qty)
        for line, qty in plan:
            commitment.leave(tx, line.component, wo.location_id, qty, line)
            stock.post(
                line.component,
                wo.location_id,
                -qty,
                WorkOrderReason.SCRAP,
                _source(wo, line),
                memo=code,
            )
            line.scrapped += qty
            told.append(MomentLine(line.sku, qty, line.component.standard_cost))
        tx.note(scrapped={ln.sku: q for ln, q in plan}, reason=code)
    else:
        whole = wo.built - wo.scrapped
        if finished > whole:
            raise ValidationError(
                f"cannot scrap {fmt(finished)} {wo.item.sku} on {wo.number}: {fmt(whole)} is "
                "built and not scrapped yet"
            )
        _on_hand(tx, wo, wo.item.sku, (wo.item.id, wo.location_id), finished)
        commitment.leave(tx, wo.item, wo.location_id, finished, _made_for(tx, wo))
        stock.post(
            wo.item, wo.location_id, -finished, WorkOrderReason.SCRAP, _source(wo), memo=code
        )
        wo.scrapped += finished
        told.append(MomentLine(wo.item.sku, finished, wo.item.standard_cost))
        tx.note(scrapped={wo.item.sku: finished}, reason=code)
    if wo.state == WOStatus.RELEASED:
        wo.move_to(WOStatus.IN_PROCESS)
    FinanceBook.of(tx).tell(
        Told(
            WorkOrderMoment.SCRAPPED,
            "work_order",
            wo.number,
            wo.created_from,
            wo.customer_po,
            None,
            told,
            reason=code,
        )
    )
    return work_order_info(wo)


def _on_hand(
    tx: Transaction, wo: WorkOrderRecord, sku: str, pair: tuple[int, int], qty: Decimal
) -> None:
    on_hand = StockBook.of(tx).balance(*pair).on_hand
    if qty > on_hand:
        raise InsufficientStock(
            f"{wo.number}: cannot scrap {fmt(qty)} {sku}: only {fmt(on_hand)} on hand at "
            f"{wo.location_code}"
        )
