"""Cycle counts: start a count of some items at a location, enter what was counted, approve,
post its differences as adjustments, cancel; and read them.

A line's difference is what was counted less the on hand of its item at its location at the
moment it was counted (read under that balance's lock, in the posting that records the
count). Posting adjusts on hand by exactly that difference, so whatever moved between
counting and posting (a receipt, a pick, an issue) is neither lost nor counted twice. A line
counted again replaces its count and that on hand.

An item tracked by lot or serial is counted lot by lot: a line per lot on hand when the count
starts, in the consumption order, and a line for each lot found on the shelf that the ledger
does not have there. Each lot line's difference posts as an adjustment of that lot.

Counting is work for the floor (`Permission.COUNT`: operators and pickers too); a count with a
line whose difference is worth more than `count_approval_threshold` posts only once someone
who may adjust stock has approved it. Until a count is posted (or cancelled), what the ledger
expected is shown only to those who may approve: the count stays blind for the counters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import IllegalTransition, InsufficientStock, NotFound, ValidationError
from app.models import Item, ItemType, LedgerEntry, Location, StockBalance, utcnow
from app.models.cycle_count import (
    COUNT_OPEN,
    CYCLE_COUNT,
    CountAction,
    CountReason,
    CountSource,
    CountStatus,
    CycleCount,
    CycleCountLine,
)
from app.models.lots import Tracking
from app.models.quantity import fmt, parse_decimal, round_quantity
from app.services.counts.records import CountLineRecord, CycleCountBook, CycleCountRecord
from app.services.engine import commitment
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.ledger import Source, StockBook, require_stocked
from app.services.engine.lookup import (
    SKU_LENGTH,
    ItemRef,
    LocationRef,
    item_refs_by_sku,
    location_ref,
)
from app.services.engine.lots import LotBook, LotRecord
from app.services.engine.numbering import next_number
from app.services.engine.paging import Listing, Page, PageRequest, text_search
from app.services.engine.parsing import (
    lookup_key,
    lookup_lot,
    parse_date,
    parse_int,
    parse_text,
)
from app.services.engine.permissions import Permission, allowed
from app.services.engine.reversal import Posted, ReversalRule, register_reversal, reverse_rows
from app.services.engine.uow import Transaction, posting, query
from app.services.inventory import LedgerRow, ledger_page
from app.services.lots.incoming import LotGiven, lot_for
from app.services.shelf import Shelves, bin_order

MEMO_LENGTH = 200
SELECTION_LENGTH = 200
BIN_LENGTH = 32
MAX_DAYS = 36_500  # a hundred years: "every item" is 0 days
_STOCKED = tuple(t.value for t in ItemType if t.stocked)
_OPEN = [s.value for s in COUNT_OPEN]
_NAMED = 5  # lines a refusal names before it says how many more
# What a count enters a quantity for: an item by sku, or a lot of it by (sku, lot number).
CountKey = str | tuple[str, str]


# --- read models --------------------------------------------------------------------------


@dataclass(frozen=True)
class CountLineInfo:
    line_no: int
    sku: str
    name: str
    uom: str
    bin: str | None  # its bin at the count's location now
    tracking: str  # none, lot or serial: a tracked item is counted lot by lot
    lot: str | None  # the lot or serial this line counts (None: untracked, or none on hand)
    expires: date | None  # the lot's expiry
    counted: Decimal | None  # None: not counted yet
    counted_by: str | None
    counted_at: datetime | None
    # What the ledger had when it was counted, and the difference posting adjusts by (and
    # its worth at standard cost): None until counted, and for whoever may not approve
    # while the count is open (a blind count).
    on_hand_when_counted: Decimal | None
    difference: Decimal | None
    value: Decimal | None
    over_threshold: bool  # its difference is worth more than count_approval_threshold


@dataclass(frozen=True)
class Reversal:
    """The posting that reversed another: its event, when and by whom."""

    event_id: int
    at: datetime
    by: str


@dataclass(frozen=True)
class CycleCountInfo:
    number: str
    status: str
    status_label: str
    location: str
    location_name: str
    selection: str
    memo: str | None
    created_at: datetime
    created_by: str
    approved_at: datetime | None
    approved_by: str | None
    posted_at: datetime | None
    posted_by: str | None
    cancelled_at: datetime | None
    lines: list[CountLineInfo]  # in walk order: by bin, then line
    counted: int
    uncounted: int
    expected_shown: bool  # the on hand when counted and the differences are shown
    threshold: Decimal  # count_approval_threshold (0: no approval needed)
    needs_approval: bool  # a counted line's difference is worth more than the threshold
    actions: list[str]
    # A posted count whose adjustments were reversed stays posted; this names the reversal.
    reversal: Reversal | None = None
    changes: Changes = NO_CHANGES


@dataclass(frozen=True)
class CountStarted:
    count: CycleCountInfo
    # Items the selection found that another open count at the location holds already:
    # sku -> that count's number. They are left out (counting them twice would post their
    # difference twice).
    left_out: dict[str, str] = field(default_factory=dict)
    changes: Changes = NO_CHANGES


def _over(count: CycleCountRecord, threshold: Decimal) -> list[CountLineRecord]:
    """The counted lines whose difference is worth more than the threshold (0: none)."""
    if threshold <= 0:
        return []
    return [ln for ln in count.counted if ln.value > threshold]


def _shows_expected(tx: Transaction, count: CycleCountRecord) -> bool:
    """A count is blind for those who count: what the ledger expected shows once it is posted
    or cancelled, or to those who may approve it."""
    return count.state not in COUNT_OPEN or allowed(tx.role(), Permission.ADJUST_STOCK)


def _actions(count: CycleCountRecord, over: list[CountLineRecord]) -> list[str]:
    out = []
    for action in CountAction:
        if not count.can(action):
            continue
        if action == CountAction.APPROVE and not over:
            continue
        if action == CountAction.POST and (
            not count.counted or (over and count.state != CountStatus.APPROVED)
        ):
            continue
        out.append(action.value)
    return out


def _reversed(source_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """Whether the count `source_id` names had its adjustments reversed."""
    le = LedgerEntry
    return (
        select(le.id)
        .where(
            le.source_kind == CountSource.CYCLE_COUNT.value,
            le.source_id == source_id,
            le.reverses_id.is_not(None),
        )
        .exists()
    )


def _reversal(tx: Transaction, count: CycleCountRecord) -> Reversal | None:
    if count.state != CountStatus.POSTED:
        return None
    le = LedgerEntry
    row = tx.session.execute(
        select(le.event_id, le.posted_at, le.posted_by)
        .where(
            le.source_kind == CountSource.CYCLE_COUNT.value,
            le.source_id == count.id,
            le.reverses_id.is_not(None),
        )
        .limit(1)
    ).first()
    return None if row is None else Reversal(row.event_id, row.posted_at, row.posted_by)


def count_info(tx: Transaction, count: CycleCountRecord) -> CycleCountInfo:
    threshold = tx.prefs.count_approval_threshold
    over = _over(count, threshold)
    shown = _shows_expected(tx, count)
    bins = Shelves.of(tx).bins(count.location_code, (ln.sku for ln in count.lines))
    lines = []
    for ln in count.walked(bins):
        told = shown and ln.is_counted
        lines.append(
            CountLineInfo(
                line_no=ln.line_no,
                sku=ln.sku,
                name=ln.item.name,
                uom=ln.item.uom,
                bin=bins.get(ln.sku),
                tracking=ln.item.tracking,
                lot=ln.lot_number,
                expires=ln.lot.expires if ln.lot is not None else None,
                counted=ln.counted,
                counted_by=ln.counted_by,
                counted_at=ln.counted_at,
                on_hand_when_counted=ln.on_hand_at_count if told else None,
                difference=ln.difference if told else None,
                value=round_quantity(ln.value) if told else None,
                over_threshold=told and ln in over,
            )
        )
    return CycleCountInfo(
        number=count.number,
        status=count.status,
        status_label=count.state.label,
        location=count.location_code,
        location_name=count.location_name,
        selection=count.selection,
        memo=count.memo,
        created_at=count.created_at,
        created_by=count.created_by,
        approved_at=count.approved_at,
        approved_by=count.approved_by,
        posted_at=count.posted_at,
        posted_by=count.posted_by,
        cancelled_at=count.cancelled_at,
        lines=lines,
        counted=len(count.counted),
        uncounted=len(count.uncounted),
        expected_shown=shown,
        threshold=threshold,
        needs_approval=bool(over),
        actions=_actions(count, over),
        reversal=_reversal(tx, count),
    )


def _named(lines: Sequence[CountLineRecord]) -> str:
    """Lines in words: "line 3 (CHAIN-8S), line 7 (GREASE) and 4 more"."""
    shown = ", ".join(f"line {ln.line_no} ({ln.words})" for ln in lines[:_NAMED])
    more = len(lines) - _NAMED
    return shown + (f" and {more} more" if more > 0 else "")


# --- starting a count ---------------------------------------------------------------------


def _stocked_at(tx: Transaction, location: LocationRef) -> list[str]:
    """The skus a count of a location looks at: stocked items with stock there or a bin
    there."""
    with_stock = tx.session.scalars(
        select(Item.sku)
        .join(StockBalance, StockBalance.item_id == Item.id)
        .where(StockBalance.location_id == location.id, StockBalance.on_hand > 0)
    )
    binned = Shelves.of(tx).binned(location.code, "")
    return list(dict.fromkeys([*with_stock, *binned]))


def last_counted(
    tx: Transaction, location_id: int, item_ids: Iterable[int] | None = None
) -> dict[int, datetime]:
    """When each item was last counted at a location: its latest line on a posted count whose
    adjustments were not reversed (a reversed count's findings are withdrawn)."""
    line, count = CycleCountLine, CycleCount
    stmt = (
        select(line.item_id, func.max(line.counted_at).label("at"))
        .join(count, count.id == line.cycle_count_id)
        .where(
            count.location_id == location_id,
            count.status == CountStatus.POSTED.value,
            line.counted_at.is_not(None),
            ~_reversed(count.id),
        )
        .group_by(line.item_id)
    )
    if item_ids is not None:
        stmt = stmt.where(line.item_id.in_(list(item_ids)))
    return {r.item_id: r.at for r in tx.session.execute(stmt)}


def _on_open_counts(tx: Transaction, location_id: int, item_ids: list[int]) -> dict[int, str]:
    """Which of these items another open count at the location holds: item id -> number."""
    if not item_ids:
        return {}
    line, count = CycleCountLine, CycleCount
    rows = tx.session.execute(
        select(line.item_id, count.number)
        .join(count, count.id == line.cycle_count_id)
        .where(
            count.location_id == location_id,
            count.status.in_(_OPEN),
            line.item_id.in_(item_ids),
        )
    )
    return {r.item_id: r.number for r in rows}


def _selection_words(items: Sequence[str], prefix: str | None, days: int | None) -> str:
    parts = []
    if items:
        parts.append(("item " if len(items) == 1 else "items ") + ", ".join(items))
    if prefix:
        parts.append(f"bins {prefix}…")
    if days is not None:
        parts.append("every item" if days == 0 else f"not counted for {days} days")
    text = "; ".join(parts)
    return text if len(text) <= SELECTION_LENGTH else text[: SELECTION_LENGTH - 1] + "…"


@posting("count.start", Permission.COUNT)
def start_count(
    tx: Transaction,
    location: str | None,
    *,
    items: Sequence[str] | None = None,
    bin_prefix: str | None = None,
    not_counted_for: object = None,
    memo: str | None = None,
) -> CountStarted:
    """A new count at a location (the default one unless named) of the items chosen, of the
    items in bins starting with a prefix, or of the items whose last count there is older
    than so many days (0: every item with stock or a bin there); given together, an item must
    meet each. Its lines run in the order a counter walks the shelves."""
    loc = location_ref(tx.session, location)
    days = (
        None
        if not_counted_for is None or not_counted_for == ""
        else parse_int(
            not_counted_for, field="days since the last count", minimum=0, maximum=MAX_DAYS
        )
    )
    prefix = parse_text(bin_prefix, field="bin prefix", max_length=BIN_LENGTH) or None
    note = parse_text(memo, field="memo", max_length=MEMO_LENGTH) or None
    chosen = list(dict.fromkeys(s.strip() for s in items or () if s.strip()))
    if not chosen and prefix is None and days is None:
        raise ValidationError(
            f"say what to count at {loc.code}: some items, the items in bins starting with a "
            "prefix, or the items not counted for some days (0 days: every item there)"
        )
    refs = item_refs_by_sku(tx.session, chosen or _stocked_at(tx, loc))
    if chosen:
        for ref in refs.values():
            require_stocked(ref)
    candidates = [ref for ref in refs.values() if ref.item_type in _STOCKED]
    if prefix is not None:
        binned = Shelves.of(tx).binned(loc.code, prefix)
        candidates = [ref for ref in candidates if ref.sku in binned]
    if days is not None:
        since = utcnow() - timedelta(days=days)
        last = last_counted(tx, loc.id, (ref.id for ref in candidates))
        candidates = [ref for ref in candidates if ref.id not in last or last[ref.id] < since]
    what = _selection_words(chosen, prefix, days)
    if not candidates:
        raise ValidationError(f"nothing to count at {loc.code}: no item matches {what}")
    StockBook.of(tx).lock((ref.id, loc.id) for ref in candidates)
    held = _on_open_counts(tx, loc.id, [ref.id for ref in candidates])
    if held and chosen:
        raise ValidationError(
            "; ".join(
                f"{ref.sku} is on {held[ref.id]}, still open at {loc.code}"
                for ref in candidates
                if ref.id in held
            )
            + ": post or cancel that count first"
        )
    left_out = {ref.sku: held[ref.id] for ref in candidates if ref.id in held}
    candidates = [ref for ref in candidates if ref.id not in held]
    if not candidates:
        raise ValidationError(
            f"every item of {what} at {loc.code} is on an open count already "
            f"({', '.join(sorted(set(left_out.values())))}): post or cancel it first"
        )
    bins = Shelves.of(tx).bins(loc.code, (ref.sku for ref in candidates))
    ordered = sorted(candidates, key=lambda ref: (bin_order(bins.get(ref.sku)), ref.sku))
    place = Shelves.of(tx).place(loc.code)
    count = CycleCountBook.of(tx).start(
        CycleCountRecord(
            id=0,
            number=next_number(tx, CYCLE_COUNT),
            status=CountStatus.OPEN.value,
            location_id=loc.id,
            location_code=loc.code,
            location_name=place.name,
            selection=what,
            memo=note,
            created_at=utcnow(),
            created_by=tx.actor.user,
        ),
        _lines_at(tx, loc.id, ordered),
    )
    tx.set_document(count.number)
    tx.note(location=loc.code, selection=what, lines=len(count.lines), left_out=left_out)
    return CountStarted(count_info(tx, count), left_out)


def _lines_at(
    tx: Transaction, location_id: int, items: list[ItemRef]
) -> list[tuple[ItemRef, LotRecord | None]]:
    """A count's lines: an untracked item is one line; a tracked one a line per lot on hand
    at the location, in the consumption order (read under its balance's lock), or one line
    without a lot when it has none there."""
    book = LotBook.of(tx)
    out: list[tuple[ItemRef, LotRecord | None]] = []
    for ref in items:
        if ref.tracking == Tracking.NONE.value:
            out.append((ref, None))
            continue
        lots = book.order(book.at(ref.id, location_id, every=True).values())
        out += [(ref, s.lot) for s in lots if s.on_hand > 0] or [(ref, None)]
    return out


# --- counting, approving, posting ---------------------------------------------------------


def _load(tx: Transaction, number: str) -> CycleCountRecord:
    return CycleCountBook.of(tx).load(number)


@dataclass
class _Entry:
    """One quantity entered: the item's line (or its lot's), and what was counted."""

    line: CountLineRecord
    quantity: Decimal


def _key(key: CountKey) -> tuple[str, str | None]:
    """(sku, lot number or None) of a quantity entered."""
    if isinstance(key, tuple):
        sku, lot = key
        return lookup_key(sku, noun="sku", max_length=SKU_LENGTH), lookup_lot(lot)
    return lookup_key(key, noun="sku", max_length=SKU_LENGTH), None


def _choose_lot(count: CycleCountRecord, lines: list[CountLineRecord]) -> ValidationError:
    """A tracked item entered without its lot: the lots to choose from, in words."""
    item = lines[0].item
    noun = Tracking(item.tracking).noun
    lots = [f"{item.sku}@{ln.lot_number}" for ln in lines if ln.lot is not None]
    choose = (
        f"{' or '.join(lots)}, or {item.sku}@{noun.upper()} for a {noun} found"
        if lots
        else f"none is on hand here: {item.sku}@{noun.upper()} for a {noun} found, "
        f"or {item.sku}=0 for an empty shelf"
    )
    return ValidationError(
        f"{item.sku} is tracked by {noun}: say which {noun} was counted on {count.number} "
        f"({choose})"
    )


def _line_entered(
    tx: Transaction,
    count: CycleCountRecord,
    sku: str,
    number: str | None,
    quantity: Decimal,
    expires: object,
) -> CountLineRecord:
    """The line a quantity is entered on: the item's, or its lot's; a lot found that the
    count does not have becomes a line of its own (a lot new to the item is made, expiring
    as given; a known one keeps its expiry)."""
    lines = count.lines_of(sku)
    if not lines:
        raise NotFound(f"{sku!r} is not on {count.number}; start a count for it")
    item = lines[0].item
    tracking = Tracking(item.tracking)
    if number is None:
        line = count.line_of(sku)
        if not tracking.tracked and line is not None:
            return line
        if line is None or quantity != 0:
            raise _choose_lot(count, lines)
        return line  # a tracked item's empty shelf, with no lot on hand here
    if not tracking.tracked:
        raise ValidationError(
            f"{sku} is not tracked by lot or serial: count it without a lot ({sku}=QTY)"
        )
    if tracking is Tracking.SERIAL and quantity not in (0, 1):
        raise ValidationError(
            f"serial {number} of {sku} is one unit: count it 0 or 1, not {fmt(quantity)}"
        )
    line = count.line_of(sku, number)
    if line is not None and (expires is None or expires == ""):
        return line
    if line is None and quantity == 0:
        raise ValidationError(
            f"{tracking.noun} {number} of {sku} is not on {count.number}: "
            f"a {tracking.noun} found on the shelf is counted 1 or more"
        )
    given = LotGiven(lot=number, expires=parse_date(expires, field=f"expiry of {number}"))
    source = Source(CountSource.CYCLE_COUNT, count.number, count.id)
    lot = lot_for(tx, item, number, given, source)
    if line is not None:
        return line
    empty = count.line_of(sku)
    if empty is not None and not empty.is_counted:
        empty.lot = lot  # the empty shelf's line counts the first lot found there
        return empty
    return CycleCountBook.of(tx).add_line(count, item, lot)


@posting("count.enter", Permission.COUNT)
def enter_counts(
    tx: Transaction,
    number: str,
    counts: Mapping[CountKey, object],
    *,
    expires: Mapping[tuple[str, str], object] | None = None,
) -> CycleCountInfo:
    """Record what was counted, by sku, or by (sku, lot) for an item tracked by lot or
    serial: each line gets its count and the on hand of its item (or lot) at this moment (a
    line counted again replaces both). A lot found that the count does not have is added
    as a line (`expires` gives a new lot's expiry); a serial counts 0 or 1, and a serial
    found here that is on hand elsewhere is refused. Counting an approved count again
    withdraws its approval: its differences have changed."""
    count = _load(tx, number)
    count.require(CountAction.ENTER)
    if not counts:
        raise ValidationError(f"say what was counted on {count.number}: each item and how many")
    keyed: list[tuple[str, str | None, Decimal, object]] = []
    for key, value in counts.items():
        sku, lot = _key(key)
        words = sku if lot is None else f"{sku}@{lot}"
        if any((s, n) == (sku, lot) for s, n, _q, _e in keyed):
            raise ValidationError(f"{words} is given twice")
        qty = parse_decimal(value, field=f"count of {words}", non_negative=True)
        keyed.append((sku, lot, qty, (expires or {}).get((sku, lot)) if lot else None))
    known = {ln.sku: ln.item for ln in count.lines}
    stock = StockBook.of(tx)
    stock.lock(sorted({(known[s].id, count.location_id) for s, *_ in keyed if s in known}))
    plan: list[_Entry] = []
    for sku, lot, qty, expiry in keyed:
        line = _line_entered(tx, count, sku, lot, qty, expiry)
        if any(e.line is line for e in plan):
            raise ValidationError(f"{line.words} is given twice")
        plan.append(_Entry(line, qty))
    lots = LotBook.of(tx)
    now = utcnow()
    for entry in plan:
        line, qty = entry.line, entry.quantity
        if line.lot is None:
            on_hand = stock.balance(line.item.id, count.location_id).on_hand
        else:
            on_hand = lots.stock_of(line.lot, count.location_id).on_hand
            if line.lot.serial and qty > on_hand:  # found here: it comes in by the count
                lots.serial_coming_in(line.item, line.lot, qty - on_hand)
        line.counted = qty
        line.on_hand_at_count = on_hand
        line.counted_at = now
        line.counted_by = tx.actor.user
    if count.state == CountStatus.APPROVED:
        count.move_to(CountStatus.OPEN)
        count.approved_at = None
        count.approved_by = None
        tx.note(approval_withdrawn=True)
    tx.note(counted={e.line.words: e.quantity for e in plan})
    return count_info(tx, count)


def _threshold_words(tx: Transaction) -> str:
    return f"{fmt(tx.prefs.count_approval_threshold)} (count_approval_threshold)"


@posting("count.approve", Permission.ADJUST_STOCK)
def approve_count(tx: Transaction, number: str) -> CycleCountInfo:
    """A supervisor has seen the differences worth more than the approval threshold: the
    count may post."""
    count = _load(tx, number)
    count.require(CountAction.APPROVE)
    threshold = tx.prefs.count_approval_threshold
    over = _over(count, threshold)
    if not over:
        why = (
            "count_approval_threshold is 0"
            if threshold <= 0
            else f"no counted line differs by more than {_threshold_words(tx)}"
        )
        raise ValidationError(f"{count.number} needs no approval: {why}; post it")
    count.move_to(CountStatus.APPROVED)
    count.approved_at = utcnow()
    count.approved_by = tx.actor.user
    tx.note(approved=[ln.sku for ln in over])
    return count_info(tx, count)


def _refusal(count: CycleCountRecord, line: CountLineRecord, why: str) -> InsufficientStock:
    return InsufficientStock(
        f"{count.number} line {line.line_no} ({line.words}), counted {fmt(line.counted)} when "
        f"{fmt(line.on_hand_at_count)} were on hand: {why}; count it again"
    )


@posting("count.post", Permission.COUNT)
def post_count(tx: Transaction, number: str, *, skip_uncounted: bool = False) -> CycleCountInfo:
    """Post the count: one adjustment (reason `count`) per counted line with a difference,
    a lot line's in its lot, all in this one posting. Lines never counted are refused unless
    `skip_uncounted`: then they post nothing and their items keep their last count date. A
    write-off gives up commitments the least urgent order first, as any write-off does; a
    line whose adjustment would take on hand below zero, or below what is picked for orders
    waiting to ship, refuses the whole count."""
    count = _load(tx, number)
    count.require(CountAction.POST)
    if not count.counted:
        raise ValidationError(f"nothing is counted on {count.number} yet")
    if count.uncounted and not skip_uncounted:
        raise ValidationError(
            f"{count.number} has {len(count.uncounted)} lines not counted yet: "
            f"{_named(count.uncounted)}; count them, or post without them"
        )
    over = _over(count, tx.prefs.count_approval_threshold)
    if over and count.state != CountStatus.APPROVED:
        raise IllegalTransition(
            f"cannot post {count.number}: {_named(over)} "
            f"{'differs' if len(over) == 1 else 'differ'} by more than "
            f"{_threshold_words(tx)}; a supervisor approves it first"
        )
    moving = [ln for ln in count.counted if ln.difference != 0]
    stock = StockBook.of(tx)
    balances = stock.lock(count.pairs(moving))
    lots = LotBook.of(tx)
    source_of = {
        ln.id: Source(CountSource.CYCLE_COUNT, count.number, count.id, ln.id) for ln in moving
    }
    for ln in moving:
        quantity = ln.difference
        on_hand = balances[(ln.item.id, count.location_id)].on_hand
        if ln.lot is not None:
            on_hand = lots.stock_of(ln.lot, count.location_id).on_hand
        if on_hand + quantity < 0:
            raise _refusal(
                count,
                ln,
                f"{fmt(-quantity)} would come off, but only {fmt(on_hand)} are on hand now",
            )
        try:
            if quantity < 0:
                commitment.make_room(tx, ln.item, count.location_id, -quantity)
            stock.post(
                ln.item,
                count.location_id,
                quantity,
                CountReason.COUNT,
                source_of[ln.id],
                lot=ln.lot,
            )
        except (InsufficientStock, ValidationError) as exc:
            raise _refusal(count, ln, exc.message) from None
    count.move_to(CountStatus.POSTED)
    count.posted_at = utcnow()
    count.posted_by = tx.actor.user
    tx.note(
        adjusted={ln.words: ln.difference for ln in moving},
        skipped=[ln.words for ln in count.uncounted],
    )
    return count_info(tx, count)


@posting("count.cancel", Permission.COUNT)
def cancel_count(tx: Transaction, number: str) -> CycleCountInfo:
    """Drop a count that has not posted: nothing moves, and its items may be counted again."""
    count = _load(tx, number)
    count.require(CountAction.CANCEL)
    count.move_to(CountStatus.CANCELLED)
    count.cancelled_at = utcnow()
    return count_info(tx, count)


def reverse_count(tx: Transaction, posted: Posted, memo: str | None) -> None:
    """Take a posted count's adjustments back: their exact opposites, in one posting. The
    count stays posted (what was counted is still what was counted) and names the reversal;
    its items count as not counted since, so a count of those not counted lately finds them
    again."""
    count = _load(tx, posted.ref)
    try:
        reverse_rows(tx, posted, memo)
    except InsufficientStock as exc:
        raise InsufficientStock(
            f"cannot reverse the adjustments of {count.number}: {exc.message}; count again instead"
        ) from None
    tx.changed.add(CYCLE_COUNT, count.number)
    tx.note(count=count.number)


register_reversal(
    [CountReason.COUNT], ReversalRule("the adjustments of count {ref}", reverse_count)
)


# --- reading ------------------------------------------------------------------------------


@query()
def get_count(tx: Transaction, number: str) -> CycleCountInfo:
    return count_info(tx, _load(tx, number))


@dataclass(frozen=True)
class CycleCountSummary:
    number: str
    location: str
    status: str
    status_label: str
    selection: str
    lines: int
    counted: int
    created_at: datetime
    created_by: str
    posted_at: datetime | None
    memo: str | None


_TALLY = (
    select(
        CycleCountLine.cycle_count_id.label("count_id"),
        func.count(CycleCountLine.id).label("lines"),
        func.count(CycleCountLine.counted).label("counted"),
    )
    .group_by(CycleCountLine.cycle_count_id)
    .subquery()
)
_LISTING = Listing(
    sorts={
        "number": CycleCount.number,
        "location": Location.code,
        "status": CycleCount.status,
        "created": CycleCount.created_at,
        "posted": CycleCount.posted_at,
    },
    default="number",
    tiebreak=CycleCount.id,
)
COUNT_SORTS = tuple(_LISTING.sorts)


def count_statuses() -> list[tuple[str, str]]:
    """Every count status as (key, label), in life-cycle order (for filters)."""
    return CycleCount.lifecycle.choices()


@query()
def list_counts(
    tx: Transaction,
    *,
    status: str | Iterable[str] | None = None,
    location: str | None = None,
    text: str | None = None,
    page: PageRequest | None = None,
) -> Page[CycleCountSummary]:
    """Counts by the filters, one page in the order asked, with the total count. `text`
    matches the number, what was chosen to count, the memo or who started it."""
    statuses = CycleCount.lifecycle.statuses_named(status)
    stmt = (
        select(
            CycleCount.number,
            Location.code,
            CycleCount.status,
            CycleCount.selection,
            func.coalesce(_TALLY.c.lines, 0).label("lines"),
            func.coalesce(_TALLY.c.counted, 0).label("counted"),
            CycleCount.created_at,
            CycleCount.created_by,
            CycleCount.posted_at,
            CycleCount.memo,
        )
        .join(Location, Location.id == CycleCount.location_id)
        .outerjoin(_TALLY, _TALLY.c.count_id == CycleCount.id)
    )
    conditions: list[ColumnElement[bool]] = []
    if statuses:
        conditions.append(CycleCount.status.in_(statuses))
    if location and location.strip():
        conditions.append(CycleCount.location_id == location_ref(tx.session, location).id)
    conditions += text_search(
        text, CycleCount.number, CycleCount.selection, CycleCount.memo, CycleCount.created_by
    )
    return _LISTING.fetch(
        tx.session,
        stmt.where(*conditions),
        page or PageRequest(limit=None),
        lambda r: CycleCountSummary(
            number=r.number,
            location=r.code,
            status=r.status,
            status_label=CountStatus(r.status).label,
            selection=r.selection,
            lines=int(r.lines),
            counted=int(r.counted),
            created_at=r.created_at,
            created_by=r.created_by,
            posted_at=r.posted_at,
            memo=r.memo,
        ),
    )


@query()
def count_postings(
    tx: Transaction, number: str, page: PageRequest | None = None
) -> Page[LedgerRow]:
    """The adjustments a posted count wrote, newest first unless another order is asked for."""
    count = _load(tx, number)
    return ledger_page(
        tx,
        LedgerEntry.source_kind == CountSource.CYCLE_COUNT.value,
        LedgerEntry.source_id == count.id,
        page=page,
    )
