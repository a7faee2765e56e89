"""The invariants of lots and serials for `shopfloor check`: each lot's stock per location is
its ledger; a tracked item's lots add up to its on hand (its rows without a lot net to zero)
and an untracked item has no lot on hand; what is reserved is what open shipments picked; a
serial is on hand at most once over the whole plant."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from app.models import Item, LedgerEntry, Location, Lot, LotBalance, LotReservation, Tracking
from app.models.quantity import SCALE, millionths
from app.services.engine.checks import CheckReport, Facts, amount, invariant
from app.services.engine.lots import lot_holders

Key = tuple[int, int, int]  # (item, location, lot)
_UNIT = 10**SCALE


def _numbers(f: Facts) -> dict[int, tuple[int, str]]:
    """Every lot's item and number, by id."""
    return {
        r.id: (r.item_id, r.number)
        for r in f.session.execute(select(Lot.id, Lot.item_id, Lot.number))
    }


def _name(f: Facts, lots: dict[int, tuple[int, str]], key: Key) -> str:
    item_id, location_id, lot_id = key
    number = lots.get(lot_id, (item_id, str(lot_id)))[1]
    return f"{f.name((item_id, location_id))} lot {number}"


@invariant("lot balances are the ledger")
def lot_balances_are_the_ledger(f: Facts, report: CheckReport) -> None:
    """A lot's on hand at a location is the sum of its ledger rows there; never negative,
    never below what is reserved; a lot belongs to the item of its rows and balances, which
    keep its expiry."""
    lots = _numbers(f)
    report.checked["lots"] = len(lots)
    ledger = {
        (r.item_id, r.location_id, r.lot_id): int(r.quantity)
        for r in f.session.execute(
            select(
                LedgerEntry.item_id,
                LedgerEntry.location_id,
                LedgerEntry.lot_id,
                func.sum(millionths(LedgerEntry.quantity)).label("quantity"),
            )
            .where(LedgerEntry.lot_id.is_not(None))
            .group_by(LedgerEntry.item_id, LedgerEntry.location_id, LedgerEntry.lot_id)
        )
    }
    balances = {
        (r.item_id, r.location_id, r.lot_id): (int(r.on_hand), int(r.reserved))
        for r in f.session.execute(
            select(
                LotBalance.item_id,
                LotBalance.location_id,
                LotBalance.lot_id,
                millionths(LotBalance.on_hand).label("on_hand"),
                millionths(LotBalance.reserved).label("reserved"),
            )
        )
    }
    report.checked["lot_balances"] = len(balances)
    for key in sorted(set(ledger) | set(balances)):
        on_hand, reserved = balances.get(key, (0, 0))
        if ledger.get(key, 0) != on_hand:
            report.problem(
                f"{_name(f, lots, key)}: on hand {amount(on_hand)} but its ledger sums to "
                f"{amount(ledger.get(key, 0))}"
            )
        if on_hand < 0:
            report.problem(f"{_name(f, lots, key)}: negative on hand {amount(on_hand)}")
        if reserved < 0 or reserved > on_hand:
            report.problem(
                f"{_name(f, lots, key)}: reserved {amount(reserved)} of {amount(on_hand)} on hand"
            )
        item_id, _location, lot_id = key
        if lot_id in lots and lots[lot_id][0] != item_id:
            report.problem(
                f"{_name(f, lots, key)}: the lot is {f.skus.get(lots[lot_id][0])}'s, not "
                f"{f.skus.get(item_id)}'s"
            )
    for r in f.session.execute(
        select(LotBalance.item_id, LotBalance.location_id, LotBalance.lot_id)
        .join(Lot, Lot.id == LotBalance.lot_id)
        .where(LotBalance.expires.is_distinct_from(Lot.expires))
    ):
        report.problem(
            f"{_name(f, lots, (r.item_id, r.location_id, r.lot_id))}: its balance keeps "
            "another expiry than the lot's"
        )


@invariant("a tracked item's lots add up to its on hand")
def lots_add_up(f: Facts, report: CheckReport) -> None:
    """Every ledger row of a tracked item names its lot since it was tracked: its rows without
    a lot net to zero at each location, so its lots add up to its on hand; an untracked item
    has no lot on hand."""
    tracked = select(Item.id).where(Item.tracking != Tracking.NONE.value)
    for r in f.session.execute(
        select(
            LedgerEntry.item_id,
            LedgerEntry.location_id,
            func.sum(millionths(LedgerEntry.quantity)).label("quantity"),
        )
        .where(LedgerEntry.lot_id.is_(None), LedgerEntry.item_id.in_(tracked))
        .group_by(LedgerEntry.item_id, LedgerEntry.location_id)
        .having(func.sum(millionths(LedgerEntry.quantity)) != 0)
    ):
        report.problem(
            f"{f.name((r.item_id, r.location_id))}: {amount(int(r.quantity))} on hand in no "
            "lot, but the item is tracked"
        )
    for b in f.session.execute(
        select(LotBalance.item_id, LotBalance.location_id, Lot.number, LotBalance.on_hand)
        .join(Lot, Lot.id == LotBalance.lot_id)
        .join(Item, Item.id == LotBalance.item_id)
        .where(Item.tracking == Tracking.NONE.value, LotBalance.on_hand != 0)
    ):
        report.problem(
            f"{f.name((b.item_id, b.location_id))} lot {b.number}: on hand but the item is "
            "not tracked"
        )


@invariant("what is reserved is what open shipments picked")
def reserved_is_what_was_picked(f: Facts, report: CheckReport) -> None:
    """A lot's reserved is the sum of its reservations; each reservation belongs to an open
    line of its holder's kind, and each such line of a tracked item holds its quantity."""
    lots = _numbers(f)
    held: dict[Key, int] = defaultdict(int)
    by_holder: dict[tuple[str, int], int] = defaultdict(int)
    for r in f.session.execute(
        select(
            LotReservation.holder_kind,
            LotReservation.holder_line_id,
            LotReservation.item_id,
            LotReservation.location_id,
            LotReservation.lot_id,
            millionths(LotReservation.quantity).label("quantity"),
        )
    ):
        held[(r.item_id, r.location_id, r.lot_id)] += int(r.quantity)
        by_holder[(r.holder_kind, r.holder_line_id)] += int(r.quantity)
        if lots.get(r.lot_id, (r.item_id, ""))[0] != r.item_id:
            report.problem(f"a {r.holder_kind} line reserves a lot of another item")
    reserved = {
        (r.item_id, r.location_id, r.lot_id): int(r.reserved)
        for r in f.session.execute(
            select(
                LotBalance.item_id,
                LotBalance.location_id,
                LotBalance.lot_id,
                millionths(LotBalance.reserved).label("reserved"),
            ).where(LotBalance.reserved != 0)
        )
    }
    for key in sorted(set(held) | set(reserved)):
        if held.get(key, 0) != reserved.get(key, 0):
            report.problem(
                f"{_name(f, lots, key)}: reserved {amount(reserved.get(key, 0))} but its "
                f"reservations hold {amount(held.get(key, 0))}"
            )
    for holder in lot_holders():
        lines = holder.open_lines.subquery()
        open_lines = {
            r.line_id: int(r.quantity)
            for r in f.session.execute(
                select(lines.c.line_id, millionths(lines.c.quantity).label("quantity"))
            )
        }
        mine = {line: q for (kind, line), q in by_holder.items() if kind == holder.kind}
        for line_id in sorted(set(mine) - set(open_lines)):
            report.problem(f"{holder.words}: line {line_id} is not open but still reserves lots")
        for line_id, quantity in sorted(open_lines.items()):
            if mine.get(line_id, 0) != quantity:
                report.problem(
                    f"{holder.words}: line {line_id} picked {amount(quantity)} but reserves "
                    f"{amount(mine.get(line_id, 0))} in lots"
                )


@invariant("a serial is on hand at most once")
def serials_on_hand_once(f: Facts, report: CheckReport) -> None:
    """A serial's on hand over every location is 0 or 1, in whole units; the lots on hand of
    an item tracked by serial are serials."""
    for r in f.session.execute(
        select(
            Lot.item_id,
            Lot.number,
            func.sum(millionths(LotBalance.on_hand)).label("on_hand"),
            func.count().label("places"),
        )
        .join(LotBalance, LotBalance.lot_id == Lot.id)
        .where(Lot.serial, LotBalance.on_hand != 0)
        .group_by(Lot.id, Lot.item_id, Lot.number)
    ):
        on_hand = int(r.on_hand)
        if on_hand != _UNIT or r.places != 1:
            places = f" at {r.places} locations" if r.places != 1 else ""
            report.problem(
                f"{f.skus.get(r.item_id, r.item_id)} serial {r.number}: on hand "
                f"{amount(on_hand)}{places}; a serial is one unit in one place"
            )
    for s in f.session.execute(
        select(Item.sku, Lot.number, Location.code)
        .join(Lot, Lot.item_id == Item.id)
        .join(LotBalance, LotBalance.lot_id == Lot.id)
        .join(Location, Location.id == LotBalance.location_id)
        .where(Item.tracking == Tracking.SERIAL.value, ~Lot.serial, LotBalance.on_hand != 0)
    ):
        report.problem(
            f"{s.sku}@{s.code} lot {s.number}: on hand, but the item is tracked by serial"
        )
