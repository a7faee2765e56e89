"""Commitment: reserving on-hand stock for open demand lines of every kind.

Rules kept here and nowhere else:
- only open demand commits (a released work order, an approved sales order ...); planned or
  unapproved documents never do;
- a line never commits more than it still needs, and a location never commits more than it
  has on hand;
- scarce stock goes to lines in the order of `item_commitment_ordering` (`ordering_key`), by
  one function, `allocate`, whether a full re-run hands out all stock or commit-after-entry
  hands out new supply;
- when stock leaves without its commitment (a write-off, or consumption that ignores
  commitment), the lines last in that order give theirs up first;
- a firm commitment (picked stock waiting to ship) is never taken away;
- a pegged line (a special order's build) is fed only by the build made for it
  (`commit_to`): it takes no general stock, and nobody takes what it holds; once that build
  is cancelled the line is ordinary demand (`unpeg`).

Every line this changes, its own document's or another's, is as read under its balance's
lock (see app/services/engine/demand.py): that lock is what serialises two postings that
take from the same lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import select

from app.errors import InsufficientStock
from app.models import StockBalance
from app.models.quantity import SCALE, ZERO, fmt
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.demand import DemandBook, DemandLine, Urgency, sources
from app.services.engine.ledger import Pair, StockBook, StockItem, lock_order
from app.services.engine.permissions import Permission
from app.services.engine.uow import before_commit, posting

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

N = TypeVar("N", Decimal, int)
_FAR_DATE = date.max


def ordering_key(ordering: str) -> Callable[[Urgency], tuple[Any, ...]]:
    """Sort key for demand under `item_commitment_ordering`: earliest expected ship date
    (none = last), most urgent priority (1 first), or oldest transaction date first; ties go
    to the older document."""

    if ordering == "expected_ship_date":
        return lambda u: (
            u.ship_date or _FAR_DATE,
            u.priority,
            u.transaction_date,
            u.created_at,
            u.rank,
            u.document_id,
        )
    if ordering == "order_priority":
        return lambda u: (
            u.priority,
            u.ship_date or _FAR_DATE,
            u.transaction_date,
            u.created_at,
            u.rank,
            u.document_id,
        )
    if ordering == "transaction_date":
        return lambda u: (u.transaction_date, u.created_at, u.rank, u.document_id)
    raise ValueError(f"unknown commitment ordering {ordering!r}")


def allocate(pool: N, needs: Sequence[N]) -> list[N]:
    """Hand `pool` out to `needs` in order, each getting at most what it needs (exact on
    Decimals and on stored integers alike)."""
    out: list[N] = []
    for need in needs:
        take = min(need, pool) if pool > 0 else pool * 0
        out.append(take)
        pool -= take
    return out


def _by_urgency(
    tx: Transaction, lines: Iterable[DemandLine], *, last_first: bool = False
) -> list[DemandLine]:
    key = ordering_key(tx.prefs.item_commitment_ordering)
    return sorted(lines, key=lambda ln: key(ln.urgency), reverse=last_first)


# --- demand opening and closing -----------------------------------------------------------


def open_demand(tx: Transaction, lines: Sequence[DemandLine]) -> None:
    """Lines become open demand: their needs count in the balances (which the caller has
    locked)."""
    stock = StockBook.of(tx)
    for line in lines:
        stock.balance(*line.pair).demand += line.need
    DemandBook.of(tx).set_open(lines, True)


def close_demand(tx: Transaction, lines: Sequence[DemandLine]) -> None:
    """Lines stop being demand (their document closes or is cancelled): what they still
    commit is released and their remaining need is dropped."""
    stock = StockBook.of(tx)
    for line in lines:
        bal = stock.balance(*line.pair)
        if line.committed > 0:
            bal.committed -= line.committed
            line.committed = ZERO
            line.firm = ZERO
            stock.freed(*line.pair)
        bal.demand -= line.need
    DemandBook.of(tx).set_open(lines, False)


def commit_available(tx: Transaction, lines: Sequence[DemandLine]) -> None:
    """Commit what is available to each line, up to what it needs, taking from nobody (at
    release or approval)."""
    stock = StockBook.of(tx)
    for line in lines:
        if line.pegged:
            continue  # waits for its own build
        bal = stock.balance(*line.pair)
        take = min(line.uncommitted_need, max(ZERO, bal.available))
        if take > 0:
            line.committed += take
            bal.committed += take


def resize(tx: Transaction, line: DemandLine, required: Decimal, *, is_open: bool) -> None:
    """A line's required quantity changes (its order was changed): an open line's need
    counts in its balance as it now is, and what it commits beyond that need is released
    (new supply for the others). The caller has refused a quantity below what is firm."""
    need_before = line.need
    line.required = required
    if not is_open:
        return
    stock = StockBook.of(tx)
    bal = stock.balance(*line.pair)
    bal.demand += line.need - need_before
    excess = line.committed - line.need
    if excess > 0:
        line.committed -= excess
        bal.committed -= excess
        stock.freed(*line.pair)


def unconsume(tx: Transaction, line: DemandLine, quantity: Decimal) -> None:
    """`quantity` of what an open line consumed is back in stock (a return, an unbuild; the
    caller has posted it): the line needs again what it no longer has, and the stock it
    gave back is committed to it again as far as it needs it, taking from nobody."""
    bal = StockBook.of(tx).balance(*line.pair)
    need_before = line.need
    line.consumed -= quantity
    bal.demand += line.need - need_before
    take = min(quantity, line.uncommitted_need, max(ZERO, bal.available))
    if take > 0:
        line.committed += take
        bal.committed += take


def leave(
    tx: Transaction,
    item: StockItem,
    location_id: int,
    quantity: Decimal,
    owner: DemandLine | None,
) -> None:
    """`quantity` leaves stock without any line consuming it (scrapped, or finished goods
    taken apart). `owner` is the line the stock was for: a pegged line (a special order's,
    whose build this is) gives up what leaves, as far as it holds it, since no other stock
    may take its place; an ordinary line (a work order line whose parts were scrapped)
    gives up only what free stock cannot cover. The others then give up what is still
    committed beyond what will be on hand, last in preference order first, as for a
    write-off; never what is picked."""
    bal = StockBook.of(tx).balance(item.id, location_id)
    if owner is not None:
        excess = bal.committed - max(ZERO, bal.on_hand - quantity)
        give = min(owner.releasable, quantity if owner.pegged else max(ZERO, excess))
        if give > 0:
            owner.committed -= give
            bal.committed -= give
    make_room(tx, item, location_id, quantity)


def commit_to(tx: Transaction, kind: str, line_id: int, quantity: Decimal) -> None:
    """New supply made for one line (a special order's build): up to `quantity` of what is
    available goes to that line first, as far as it still waits for stock."""
    line = DemandBook.of(tx).open_line(kind, line_id)
    if line is None:
        return
    bal = StockBook.of(tx).balance(*line.pair)
    take = min(quantity, line.uncommitted_need, max(ZERO, bal.available))
    if take > 0:
        line.committed += take
        bal.committed += take


def unpeg(tx: Transaction, kind: str, line_id: int) -> None:
    """The supply made for a pegged line is cancelled: the line becomes ordinary demand and,
    if it is open, commits what is available at once, taking from nobody (as at approval)."""
    book = DemandBook.of(tx)
    line = book.unpeg(kind, line_id)
    if book.open_line(kind, line_id) is line:
        commit_available(tx, [line])


def firm_up(tx: Transaction, line: DemandLine, quantity: Decimal, *, take: bool) -> None:
    """Make `quantity` of the line's commitment firm (it has been picked), committing more
    first where it has less: from available stock, and with `take` also from less urgent
    lines' commitments. Refuses when the stock is not there."""
    stock = StockBook.of(tx)
    bal = stock.balance(*line.pair)
    short = line.firm + quantity - line.committed
    if short > 0:
        free = max(ZERO, bal.available)
        if short > free and take:
            _release(tx, line.pair, short - free, keep=line)
            free = max(ZERO, bal.available)
        if short > free:
            raise InsufficientStock(
                f"only {fmt(line.committed - line.firm + free)} can be reserved for this line "
                f"({fmt(quantity)} asked)"
            )
        line.committed += short
        bal.committed += short
    line.firm += quantity


def unfirm(line: DemandLine, quantity: Decimal) -> None:
    """A pick is undone: that part of the commitment is ordinary again."""
    line.firm = max(ZERO, line.firm - quantity)


def consume(tx: Transaction, line: DemandLine, quantity: Decimal, item: StockItem) -> None:
    """Record that `quantity` left stock for an open line: its own commitment first (firm
    first), its need drops; stock committed to others is given up if it has to be. The caller
    posts the ledger row."""
    bal = StockBook.of(tx).balance(*line.pair)
    from_commitment = min(line.committed, quantity)
    need_before = line.need
    line.committed -= from_commitment
    line.firm = max(ZERO, line.firm - quantity)
    bal.committed -= from_commitment
    bal.demand -= min(quantity, need_before)
    line.consumed += quantity
    make_room(tx, item, line.location_id, quantity)


# --- giving commitment up ------------------------------------------------------------------


def make_room(tx: Transaction, item: StockItem, location_id: int, leaving: Decimal) -> None:
    """Before `leaving` stock leaves a location, give up commitments so that committed never
    exceeds what will be on hand: last in preference order first, never a firm commitment
    or a pegged line's."""
    bal = StockBook.of(tx).balance(item.id, location_id)
    excess = bal.committed - max(ZERO, bal.on_hand - leaving)
    if excess <= 0:
        return
    left = _release(tx, (item.id, location_id), excess)
    if left > 0 and leaving <= bal.on_hand:  # (more than on hand is refused by the posting)
        raise InsufficientStock(
            f"{item.sku}: {fmt(left)} of the stock is picked for orders waiting to ship"
        )
    given = dict(tx.details.get("decommitted", {}))
    where = f"{item.sku}@{location_id}"
    given[where] = given.get(where, ZERO) + excess
    tx.note(decommitted=given)


def _release(
    tx: Transaction, pair: Pair, amount: Decimal, keep: DemandLine | None = None
) -> Decimal:
    """Take up to `amount` of commitment back from the least urgent lines of a pair (not
    from `keep`, never what is firm or pegged); returns what could not be released."""
    bal = StockBook.of(tx).balance(*pair)
    lines = DemandBook.of(tx).open_lines([pair]).get(pair, [])
    others = (ln for ln in lines if ln is not keep and not ln.pegged)
    for line in _by_urgency(tx, others, last_first=True):
        give = min(line.releasable, amount)
        if give <= 0:
            continue
        line.committed -= give
        bal.committed -= give
        amount -= give
        if amount <= 0:
            break
    return amount


# --- commit-after-entry --------------------------------------------------------------------


@before_commit
def commit_new_supply(tx: Transaction) -> None:
    """Commit-after-entry: available stock that grew in this posting goes to waiting lines in
    preference order, taking from nobody."""
    if not tx.has_book(StockBook):
        return
    stock = StockBook.of(tx)
    pairs = sorted(stock.new_supply, key=lock_order)
    stock.new_supply.clear()
    if not pairs or not tx.prefs.perform_item_commitment_after_transaction_entry:
        return
    bals = stock.lock(pairs)
    lines_by_pair = DemandBook.of(tx).open_lines(p for p in pairs if bals[p].available > 0)
    committed = 0
    for pair, lines in lines_by_pair.items():
        bal = bals[pair]
        waiting = _by_urgency(tx, (ln for ln in lines if ln.uncommitted_need > 0 and not ln.pegged))
        takes = allocate(bal.available, [ln.uncommitted_need for ln in waiting])
        for line, take in zip(waiting, takes, strict=True):
            if take > 0:
                line.committed += take
                bal.committed += take
                committed += 1
    if committed:
        tx.note(auto_committed_lines=committed)


# --- the full re-run -----------------------------------------------------------------------


@dataclass(frozen=True)
class RerunResult:
    lines: int
    changed: int
    pairs: int
    by_kind: dict[str, int]  # open lines per kind of demand
    changes: Changes = NO_CHANGES


@dataclass
class _Open(Generic[N]):
    """One open line as a re-run sees it, in stored integers (the full re-run) or in
    Decimals (a re-run at a few pairs, over the demand book's lines); `ref` is what the
    caller needs to write its result back."""

    ref: Any
    key: tuple[Any, ...]
    need: N
    firm: N
    committed: N
    pegged: bool

    @property
    def kept(self) -> N:
        """What the re-run leaves where it is: the picked part, or all a pegged line
        holds (its own build's output)."""
        return max(self.firm, min(self.committed, self.need)) if self.pegged else self.firm


def _shares(on_hand: N, lines: Sequence[_Open[N]]) -> list[N]:
    """What each line of one item and location commits after a re-run, the lines in
    preference order: what is firm and what pegged lines hold stays, and the rest of on hand
    goes out by `allocate`, each line up to what it still needs."""
    zero = on_hand * 0
    pool = on_hand - sum((ln.kept for ln in lines), zero)
    extra = allocate(pool, [zero if ln.pegged else max(zero, ln.need - ln.kept) for ln in lines])
    return [ln.kept + more for ln, more in zip(lines, extra, strict=True)]


def rerun_commitment(tx: Transaction) -> RerunResult:
    """Re-run commitment for every open demand line of every kind, by the ordering
    preference: each item and location's on hand goes first to what is firm and to what
    pegged lines hold, then by `allocate` in order. The balances with demand or commitment
    are locked first and the lines read after, so what is handed out is what they hold now;
    a line opened meanwhile on another balance is left as its posting committed it. Reads
    the lines in stored integers (a plant has hundreds of thousands); only the lines and
    balances whose commitment changes are written, through their books."""
    key = ordering_key(tx.prefs.item_commitment_ordering)
    session = tx.session
    stock = StockBook.of(tx)
    bals = stock.lock(
        (r.item_id, r.location_id)
        for r in session.execute(
            select(StockBalance.item_id, StockBalance.location_id).where(
                (StockBalance.committed > 0) | (StockBalance.demand > 0)
            )
        )
    )
    demand: dict[Pair, list[_Open[int]]] = defaultdict(list)
    by_kind: dict[str, int] = {}
    for source in sources():
        count = 0
        keys: dict[int, tuple[Any, ...]] = {}  # a document's lines share its urgency
        for row in session.execute(source.open_in_millionths):
            count += 1
            need = max(0, row.required - row.consumed)
            if (need > 0 or row.committed) and (row.item_id, row.location_id) in bals:
                rank = keys.get(row.document_id)
                if rank is None:
                    rank = keys[row.document_id] = key(source.urgency(row))
                demand[(row.item_id, row.location_id)].append(
                    _Open(
                        (source.kind, row.line_id, row.document_id),
                        rank,
                        need,
                        row.firm,
                        row.committed,
                        bool(row.pegged),
                    )
                )
        by_kind[source.kind] = count
    book = DemandBook.of(tx)
    changed = 0
    for pair, bal in bals.items():
        lines = sorted(demand.get(pair, []), key=lambda entry: entry.key)
        shares = _shares(_stored(bal.on_hand), lines)
        for line, new in zip(lines, shares, strict=True):
            if new != line.committed:
                kind, line_id, document_id = line.ref
                book.recommit(kind, line_id, document_id, _dec(new))
                changed += 1
        bal.committed = _dec(sum(shares))
    tx.note(lines=sum(by_kind.values()), changed=changed)
    return RerunResult(
        lines=sum(by_kind.values()), changed=changed, pairs=len(demand), by_kind=by_kind
    )


def rerun_at(tx: Transaction, pairs: Iterable[Pair]) -> int:
    """Re-run commitment at some items and locations only (those a change of a work
    order's urgency touches), by the same rule as the full re-run, over the demand book's
    lines (the posting's own changes included); returns how many lines changed."""
    key = ordering_key(tx.prefs.item_commitment_ordering)
    bals = StockBook.of(tx).lock(pairs)
    by_pair = DemandBook.of(tx).open_lines(bals)
    changed = 0
    for pair, bal in bals.items():
        lines = sorted(by_pair.get(pair, []), key=lambda ln: key(ln.urgency))
        opens = [
            _Open(ln, key(ln.urgency), ln.need, ln.firm, ln.committed, ln.pegged) for ln in lines
        ]
        shares = _shares(bal.on_hand, opens)
        for line, new in zip(lines, shares, strict=True):
            if new != line.committed:
                line.committed = new
                changed += 1
        bal.committed = sum(shares, ZERO)
    return changed


@posting("commitment.rerun", Permission.PLAN)
def rerun(tx: Transaction) -> RerunResult:
    """The `commit` use case: re-run commitment for all open demand in one posting."""
    return rerun_commitment(tx)


def _stored(value: Decimal) -> int:
    return int(value.scaleb(SCALE))


def _dec(millionths: int) -> Decimal:
    return Decimal(millionths).scaleb(-SCALE)
