"""Shared pieces of the property-based tests: hypothesis profiles, one fresh SQLite file per
example (copied from a template), and the commitment ordering keys written out independently."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

from app.services.check import check_database
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from tests.plant import Plant

ACTOR = Actor(user="tester", workstation="property-bench")
ORDERINGS = ("expected_ship_date", "order_priority", "transaction_date")

settings.register_profile(
    "shopfloor-properties",
    deadline=None,
    max_examples=25,
    stateful_step_count=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "shopfloor-properties-thorough",
    parent=settings.get_profile("shopfloor-properties"),
    max_examples=400,
    stateful_step_count=60,
)
PROFILE = settings.get_profile(
    os.environ.get("SHOPFLOOR_PROPERTIES_PROFILE", "shopfloor-properties")
)


def D(value: str | int) -> Decimal:
    return Decimal(str(value))


@contextmanager
def copied_database(template: Path) -> Iterator[Database]:
    """A private copy of a migrated (and possibly populated) SQLite template."""
    directory = Path(tempfile.mkdtemp(prefix="shopfloor-prop-"))
    try:
        path = directory / "shopfloor.db"
        shutil.copyfile(template, path)
        db = Database(f"sqlite:///{path}")
        try:
            yield db
        finally:
            db.dispose()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def fresh_plant(template: Path) -> Iterator[Plant]:
    """A plant on a private database copy; the database must pass `check` at the end."""
    with copied_database(template) as db:
        uow = UnitOfWork(db, ACTOR)
        yield Plant(uow)
        report = check_database(uow)
        assert report.ok, report.problems


def build_template(base: Path, target: Path, populate: Callable[[Plant], None]) -> Path:
    """Copy the migrated template to `target` and populate it through the real services."""
    shutil.copyfile(base, target)
    db = Database(f"sqlite:///{target}")
    try:
        populate(Plant(UnitOfWork(db, ACTOR)))
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.dispose()
    return target


def order_key(ordering: str, due: date | None, priority: int, seq: int) -> tuple[Any, ...]:
    """Who gets scarce stock first: earliest due date, most urgent priority, or oldest
    transaction; ties go to the older order (`seq` is the creation order)."""
    far = date.max
    if ordering == "expected_ship_date":
        return (due or far, priority, seq)
    if ordering == "order_priority":
        return (priority, due or far, seq)
    if ordering == "transaction_date":
        return (seq,)
    raise AssertionError(f"unknown ordering {ordering}")


def hand_out(pool: Decimal, needs: Sequence[Decimal]) -> list[Decimal]:
    """Give `pool` to `needs` in order, each at most what it needs."""
    out: list[Decimal] = []
    for need in needs:
        take = max(Decimal(0), min(need, pool))
        out.append(take)
        pool -= take
    return out
