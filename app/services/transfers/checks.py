"""Transfer orders' invariants for `shopfloor check`: each line's shipped and received against
its shipments, its receipts and the ledger (in transit is shipped - received, a ledger sum
per line), the in-transit location holding exactly what is in transit and nothing else, and
each order's status against what has moved."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import case, func, select

from app.models import LedgerEntry, Location
from app.models.quantity import millionths
from app.models.transfer import (
    TOStatus,
    TransferOrder,
    TransferOrderLine,
    TransferReason,
    TransferReceiptLine,
    TransferShipmentLine,
    TransferSourceKind,
)
from app.services.engine.checks import CheckReport, Facts, amount, invariant
from app.services.engine.demand import supply_sources

_KIND = TransferSourceKind.TRANSFER_ORDER.value
_OUT, _IN = TransferReason.TRANSFER_OUT.value, TransferReason.TRANSFER_IN.value


def _transit_ids(f: Facts) -> set[int]:
    return set(f.session.scalars(select(Location.id).where(Location.transit)))


@invariant("transfer lines match their shipments, receipts and the ledger")
def transfer_lines_match(f: Facts, report: CheckReport) -> None:
    """A line's shipped is what its shipments carry and left the source for transit; its
    received is what its receipts carry and left transit for the destination; so what is in
    transit per line, a ledger sum, is shipped - received."""
    tol, to = TransferOrderLine, TransferOrder
    carried: dict[str, dict[int, int]] = {"shipped": defaultdict(int), "received": defaultdict(int)}
    for name, lines in (("shipped", TransferShipmentLine), ("received", TransferReceiptLine)):
        for r in f.session.execute(
            select(
                lines.transfer_order_line_id.label("line_id"),
                func.sum(millionths(lines.quantity)).label("q"),
            ).group_by(lines.transfer_order_line_id)
        ):
            carried[name][r.line_id] = int(r.q)
    transit = _transit_ids(f)
    # line -> (where, reason) -> quantity
    posted: dict[int, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    ends: dict[int, tuple[int, int]] = {}
    for end in f.session.execute(
        select(tol.id, to.from_location_id, to.to_location_id).join(
            to, to.id == tol.transfer_order_id
        )
    ):
        ends[end.id] = (end.from_location_id, end.to_location_id)
    le = LedgerEntry
    for row in f.session.execute(
        select(
            le.source_line_id.label("line_id"),
            le.location_id,
            le.reason,
            func.sum(millionths(le.quantity)).label("q"),
        )
        .where(le.source_kind == _KIND)
        .group_by(le.source_line_id, le.location_id, le.reason)
    ):
        if row.line_id is None:
            continue
        source, target = ends.get(row.line_id, (None, None))
        where = (
            "transit"
            if row.location_id in transit
            else "source"
            if row.location_id == source
            else "destination"
            if row.location_id == target
            else "elsewhere"
        )
        posted[row.line_id][(where, row.reason)] += int(row.q)
    report.checked["transfer_order_lines"] = len(ends)
    for ln in f.session.execute(
        select(
            to.number,
            tol.id,
            tol.line_no,
            millionths(tol.shipped).label("shipped"),
            millionths(tol.received).label("received"),
        )
        .join(to, to.id == tol.transfer_order_id)
        .order_by(to.number, tol.line_no)
    ):
        where = f"{ln.number} line {ln.line_no}"
        shipped, received = int(ln.shipped), int(ln.received)
        expected = {
            ("source", _OUT): -shipped,
            ("transit", _OUT): shipped,
            ("transit", _IN): -received,
            ("destination", _IN): received,
        }
        mine = posted.get(ln.id, {})
        for (place, reason), q in expected.items():
            found = mine.get((place, reason), 0)
            if found != q:
                report.problem(
                    f"{where}: {reason.replace('_', ' ')} at the {place} is {amount(found)} in "
                    f"the ledger, not {amount(q)}"
                )
        stray = {k: v for k, v in mine.items() if k not in expected}
        for (place, reason), q in sorted(stray.items()):
            report.problem(f"{where}: {amount(q)} {reason.replace('_', ' ')} at {place}")
        for name, value in (("shipped", shipped), ("received", received)):
            if carried[name].get(ln.id, 0) != value:
                report.problem(
                    f"{where}: {name} {amount(value)} but its "
                    f"{'shipments' if name == 'shipped' else 'receipts'} carry "
                    f"{amount(carried[name].get(ln.id, 0))}"
                )


@invariant("in transit is the stock at the in-transit location")
def in_transit_is_the_transit_stock(f: Facts, report: CheckReport) -> None:
    """The in-transit location holds, per item, what every kind of supply has on its way
    (shipped, not received), and nothing else: no other posting, no demand, no commitment."""
    transit = _transit_ids(f)
    if len(transit) > 1:
        report.problem(f"{len(transit)} locations are in-transit locations; one is")
    moving: dict[int, int] = defaultdict(int)
    for supply in supply_sources():
        if supply.in_transit is None:
            continue
        rows = supply.in_transit.subquery()
        for r in f.session.execute(
            select(rows.c.item_id, func.sum(rows.c.quantity).label("q")).group_by(rows.c.item_id)
        ):
            moving[r.item_id] += int(r.q)
    held: dict[int, int] = defaultdict(int)
    for (item_id, location_id), (on_hand, committed, demand, on_order) in f.balances.items():
        if location_id not in transit:
            continue
        held[item_id] += on_hand
        if committed or demand or on_order:
            report.problem(
                f"{f.name((item_id, location_id))}: the in-transit location has demand, "
                "commitment or supply on order"
            )
    for item_id in sorted(set(moving) | set(held)):
        if moving.get(item_id, 0) != held.get(item_id, 0):
            report.problem(
                f"{f.skus.get(item_id, item_id)}: {amount(held.get(item_id, 0))} at the "
                f"in-transit location but {amount(moving.get(item_id, 0))} is in transit"
            )
    if transit:
        stray = f.session.scalar(
            select(func.count()).where(
                LedgerEntry.location_id.in_(transit), LedgerEntry.source_kind != _KIND
            )
        )
        if stray:
            report.problem(f"{stray} ledger rows at the in-transit location are not transfers")


@invariant("transfer order statuses match what moved")
def transfer_statuses_match(f: Facts, report: CheckReport) -> None:
    """Pending fulfillment (or approval, or cancelled): nothing shipped; partially fulfilled:
    some shipped, not all; pending receipt: all shipped, not all received; received: all
    received; closed: nothing left in transit."""
    tol, to = TransferOrderLine, TransferOrder
    rows = f.session.execute(
        select(
            to.number,
            to.status,
            func.count().label("lines"),
            func.sum(case((tol.shipped > 0, 1), else_=0)).label("started"),
            func.sum(case((tol.shipped >= tol.quantity, 1), else_=0)).label("shipped"),
            func.sum(case((tol.received >= tol.quantity, 1), else_=0)).label("received"),
            func.sum(case((tol.received < tol.shipped, 1), else_=0)).label("moving"),
        )
        .join(tol, tol.transfer_order_id == to.id)
        .group_by(to.number, to.status)
        .order_by(to.number)
    )
    for r in rows:
        n, started, shipped = r.lines, int(r.started or 0), int(r.shipped or 0)
        received, moving = int(r.received or 0), int(r.moving or 0)
        status = TOStatus(r.status)
        wrong = {
            TOStatus.PENDING_APPROVAL: started > 0,
            TOStatus.PENDING_FULFILLMENT: started > 0,
            TOStatus.CANCELLED: started > 0,
            TOStatus.PARTIALLY_FULFILLED: started == 0 or shipped == n,
            TOStatus.PENDING_RECEIPT: shipped < n or received == n,
            TOStatus.RECEIVED: received < n,
            TOStatus.CLOSED: moving > 0,
        }[status]
        if wrong:
            report.problem(
                f"{r.number}: {status.label} but {started} of {n} lines started shipping, "
                f"{shipped} shipped in full, {received} received in full, {moving} in transit"
            )
