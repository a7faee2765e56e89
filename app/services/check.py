"""`shopfloor check`: prove every figure kept for speed against what it summarises.

The invariants are declared one function each, in the module of the records they are about
(`@invariant` in app/services/engine/checks.py): on hand from the ledger; committed and
demand from the open demand lines of every kind; on order from the open supply of every kind;
what each work order consumed and built from its own ledger rows; statuses against what has
moved; the BOMs; and whatever each kind of document declares about itself.
"""

from __future__ import annotations

import app.services  # noqa: F401 - every domain declares its invariants when imported
from app.services.engine.checks import CheckReport, Facts, invariants
from app.services.engine.uow import Transaction, query

__all__ = ["CheckReport", "check_database", "run_checks"]


def run_checks(tx: Transaction) -> CheckReport:
    report = CheckReport()
    facts = Facts(tx)
    for _name, check in invariants():
        check(facts, report)
    return report


@query()
def check_database(tx: Transaction) -> CheckReport:
    return run_checks(tx)
