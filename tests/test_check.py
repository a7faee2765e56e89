"""`shopfloor check` finds every kind of drift between the stored figures and their sources."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from app.services.check import check_database
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.production import work_orders
from tests.plant import Plant


@pytest.fixture
def unchecked(sqlite_database: Database) -> Iterator[Plant]:
    """A plant whose database the test corrupts on purpose (no check at teardown)."""
    plant = Plant(UnitOfWork(sqlite_database, Actor("tester", "bench")))
    plant.item("PIN")
    plant.item("CLIP", "assembly")
    plant.bom("CLIP", {"PIN": 2})
    plant.stock("PIN", 20)
    number = plant.wo("CLIP", 4)
    work_orders.issue_components(plant.uow, number, {"PIN": "3"})
    yield plant


def corrupt(plant: Plant, sql: str) -> list[str]:
    with plant.uow.database.engine.begin() as conn:
        conn.execute(text(sql))
    report = check_database(plant.uow)
    assert not report.ok
    return report.problems


def test_a_healthy_database_is_ok(unchecked: Plant) -> None:
    report = check_database(unchecked.uow)
    assert report.ok and report.problems == []
    assert report.checked["ledger_rows"] == 2


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "UPDATE stock_balance SET on_hand = on_hand + 1000000 "
            "WHERE item_id = (SELECT id FROM item WHERE sku = 'PIN')",
            "PIN@MAIN: on hand 18 but the ledger sums to 17",
        ),
        (
            "UPDATE work_order_line SET committed = committed - 1000000",
            "balance commits 5 but the open work order lines commit 4",
        ),
        (
            "UPDATE work_order_line SET issued = issued + 1000000, committed = 0",
            "issued 4 but the ledger consumed 3",
        ),
        (
            "UPDATE stock_balance SET on_order = 0 "
            "WHERE item_id = (SELECT id FROM item WHERE sku = 'CLIP')",
            "balance on order 0 but the active work orders have 4 to build",
        ),
        ("UPDATE work_order SET status = 'released'", "Released but stock has moved"),
        ("UPDATE work_order SET built = 4000000", "built 4 but the ledger received 0"),
        ("UPDATE bom_revision SET active = 0", "0 active BOM revisions"),
        ("UPDATE work_order_line SET returned = 1000000", "returned 1 but the ledger took back 0"),
        ("UPDATE work_order_line SET scrapped = 2000000", "scrapped 2 but the ledger scrapped 0"),
        ("UPDATE work_order SET unbuilt = 1000000", "unbuilt 1 but the ledger took apart 0"),
        ("UPDATE work_order SET scrapped = 1000000", "scrapped 1 but the ledger scrapped 0"),
        ("UPDATE work_order SET held_at = created_at", "on hold without saying who held it"),
        (
            "UPDATE work_order SET hold_released = 1",
            "a hold gave its commitments back but it is not held",
        ),
        (
            "INSERT INTO ledger_entry (event_id, item_id, location_id, quantity, unit_cost, "
            "reason, source_kind, source_id, source_line_id, source_ref, reverses_id, posted_by, "
            "posted_at) SELECT event_id, item_id, location_id, 5000000, unit_cost, "
            "'component_return', source_kind, source_id, source_line_id, source_ref, id, "
            "posted_by, posted_at FROM ledger_entry WHERE reason = 'issue'",
            "(WO-000001 PIN -3) is undone by 5",
        ),
    ],
)
def test_drift_is_reported(unchecked: Plant, sql: str, expected: str) -> None:
    problems = corrupt(unchecked, sql)
    assert any(expected in p for p in problems), problems


def test_a_cycle_slipped_into_the_tables_is_reported(unchecked: Plant) -> None:
    problems = corrupt(
        unchecked,
        "INSERT INTO bom_line (revision_id, line_no, component_id, quantity_per, backflush) "
        "SELECT id, 9, assembly_id, 1000000, 1 FROM bom_revision",
    )
    assert "BOM cycle: CLIP → CLIP" in problems


def test_a_ledger_reason_nobody_registered_is_reported(unchecked: Plant) -> None:
    """The database keeps reasons as data (no constraint to rebuild for a new kind of
    posting); check names a code no kind of posting registered."""
    problems = corrupt(
        unchecked,
        "INSERT INTO ledger_entry (event_id, item_id, location_id, quantity, unit_cost, reason, "
        "source_kind, source_ref, posted_by, posted_at) SELECT event_id, item_id, location_id, "
        "q, 0, 'teleported', 'wormhole', 'test', 'tester', posted_at FROM ledger_entry, "
        "(SELECT 1000000 AS q UNION ALL SELECT -1000000) WHERE reason = 'issue'",
    )
    assert problems == [
        "2 ledger rows have the unknown ledger reason 'teleported'",
        "2 ledger rows have the unknown ledger source kind 'wormhole'",
    ]
