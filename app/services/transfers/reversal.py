"""Reversing a transfer's postings: a shipment (TS-…) is taken back while what it shipped is
still in transit, so the goods return from the in-transit location to the source shelf and
the order needs them again; a receipt (TR-…) is not reversed: the goods are at the
destination, and a transfer the other way moves them back."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.errors import IllegalTransition, InsufficientStock
from app.models.quantity import ZERO, fmt
from app.models.transfer import (
    TO_OPEN_DEMAND,
    TRANSFER_SHIPMENT,
    TOStatus,
    TransferOrder,
    TransferReason,
)
from app.services.engine import commitment
from app.services.engine.ledger import StockBook
from app.services.engine.reversal import Posted, ReversalRule, register_reversal, reverse_rows
from app.services.engine.uow import Transaction
from app.services.transfers.records import TransferOrderBook, transit_location

# A shipment is taken back only from an order that still expects goods at its destination.
_REVERSIBLE = frozenset({TOStatus.PARTIALLY_FULFILLED, TOStatus.PENDING_RECEIPT})


def reverse_shipment(tx: Transaction, posted: Posted, memo: str | None) -> None:
    """Take a shipment back while what it shipped is still in transit: its rows' exact
    opposites (the goods leave the in-transit location for the source again), its lines'
    shipped down again, so they are demand at the source once more, and the order's status
    following; what it had committed at the source is committed to its lines again, as far as
    the stock is still free."""
    number = tx.session.scalar(
        select(TransferOrder.number).where(TransferOrder.id == posted.source_id)
    )
    assert number is not None
    transit = transit_location(tx)
    to = TransferOrderBook.of(tx).load(number, transit=transit)
    if to.state not in _REVERSIBLE:
        raise IllegalTransition(
            f"cannot reverse shipment {posted.ref}: {to.number} is {to.state.label}"
        )
    by_line = {ln.id: ln for ln in to.lines}
    taken: dict[int, Decimal] = {
        row.source_line_id or 0: row.quantity
        for row in posted.rows
        if row.location_id == transit.id
    }
    for line_id, qty in taken.items():
        line = by_line[line_id]
        if qty > line.in_transit:
            raise InsufficientStock(
                f"cannot reverse shipment {posted.ref} of {to.number}: it shipped {fmt(qty)} "
                f"{line.sku} but only {fmt(line.in_transit)} is still in transit (the rest "
                f"arrived at {to.to_code}); move what arrived back with a transfer the other way"
            )
    was_demand = to.state in TO_OPEN_DEMAND
    stock = StockBook.of(tx)
    for line_id, qty in taken.items():
        line = by_line[line_id]
        need_before = line.need
        line.consumed -= qty
        if was_demand:
            stock.balance(*line.pair).demand += line.need - need_before
    reverse_rows(tx, posted, memo)
    after = to.status_after_moving()
    if not was_demand and after in TO_OPEN_DEMAND:
        commitment.open_demand(tx, to.lines)
    to.move_to(after)
    for line_id, qty in taken.items():  # committed to its line again, as before it shipped
        line = by_line[line_id]
        bal = stock.balance(*line.pair)
        again = min(qty, line.uncommitted_need, max(ZERO, bal.available))
        line.committed += again
        bal.committed += again
    tx.changed.add(TRANSFER_SHIPMENT, posted.ref)
    tx.note(transfer_order=to.number, shipment=posted.ref)


register_reversal(
    [TransferReason.TRANSFER_OUT],
    ReversalRule("transfer shipment {ref}", reverse_shipment),
)
register_reversal(
    [TransferReason.TRANSFER_IN],
    ReversalRule(
        "transfer receipt {ref}",
        instead="the goods are at the destination: a transfer order the other way moves them back",
    ),
)
