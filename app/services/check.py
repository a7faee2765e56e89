"""`shopfloor check`: prove every figure kept for speed against what it summarises.

The invariants are declared here, in one list, one function each, in the module of the
records they are about: on hand from the ledger; committed and demand from the open demand
lines of every kind; on order from the open supply of every kind; what each work order
consumed and built from its own ledger rows; statuses against what has moved; the BOMs.
"""

from __future__ import annotations

from app.services.catalog import checks as catalog
from app.services.engine import checks as engine
from app.services.engine.checks import CheckReport, Facts, Invariant
from app.services.engine.uow import Transaction, query
from app.services.orders import checks as orders
from app.services.production import checks as production

__all__ = ["INVARIANTS", "CheckReport", "check_database", "run_checks"]

INVARIANTS: tuple[tuple[str, Invariant], ...] = (
    ("on hand is the sum of the ledger", engine.on_hand_is_the_ledger),
    ("only stocked items move", engine.only_stocked_items_move),
    (
        "committed and demand are the open demand lines'",
        engine.committed_and_demand_are_the_open_lines,
    ),
    ("no line commits past its need", engine.no_line_commits_past_its_need),
    ("on order is the open supply", engine.on_order_is_the_open_supply),
    ("work order lines issued what the ledger consumed", production.issued_is_the_ledger),
    ("work orders built what the ledger received", production.built_is_the_ledger),
    ("work order statuses match what has moved", production.statuses_match_movements),
    ("order lines match their fulfillments", orders.order_lines_match_their_fulfillments),
    ("shipments are the ledger", orders.shipments_are_the_ledger),
    ("purchase lines match their receipts", orders.purchase_lines_match_their_receipts),
    ("sales order statuses match what shipped", orders.order_statuses_match_shipments),
    ("one active revision per BOM", catalog.one_active_revision_per_bom),
    ("no BOM cycles", catalog.no_bom_cycles),
)


def run_checks(tx: Transaction) -> CheckReport:
    report = CheckReport()
    facts = Facts(tx)
    for _name, invariant in INVARIANTS:
        invariant(facts, report)
    return report


@query()
def check_database(tx: Transaction) -> CheckReport:
    return run_checks(tx)
