"""The change feed: what one workstation posts reaches the others, announced in the posting's
own transaction (NOTIFY on PostgreSQL, the change counter and its recent change sets on a
SQLite file), and every posting carries a key to its audit event by which it is found."""

from __future__ import annotations

import time
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import func, select, text

from app.errors import InsufficientStock
from app.models import AuditEvent
from app.services import inventory
from app.services.catalog import imports
from app.services.engine import changes as change_sets
from app.services.engine import feed as change_feed
from app.services.engine.changes import ITEM, LOCATION, Changes, ChangeSet, decode, encode
from app.services.engine.database import Database
from app.services.engine.feed import ChangeFeed, open_feed
from app.services.engine.uow import Actor, UnitOfWork
from tests.plant import Plant

WAIT_S = 30.0  # generous: the feed answers in well under a second


def heard(feed: ChangeFeed, count: int = 1) -> list[Changes]:
    """Read the feed until `count` change sets came (failing after a generous wait)."""
    news: list[Changes] = []
    deadline = time.monotonic() + WAIT_S
    while len(news) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"heard {len(news)} of {count} postings: {news}")
        news.extend(feed.read(0.5))
    return news


@pytest.fixture
def station(database: Database) -> UnitOfWork:
    """A second workstation on the same database."""
    return UnitOfWork(database, Actor("olga", "station-2"))


def test_changes_travel_as_compact_text() -> None:
    made = ChangeSet()
    made.add("work_order", "WO-000001", "WO-000002")
    made.add(ITEM, "HUB-F")
    made.balance("SPOKE-SS", "MAIN")
    made.balance("RIM-700", "STAGING")
    sent = made.freeze("wo.build", 42)
    text_sent = encode(sent, "desk-1")
    assert text_sent.count("SPOKE-SS") == 1  # items and locations of balances are not repeated
    back = decode(text_sent)
    assert back.source == "desk-1"
    assert back.changes == sent
    assert back.changes.items == {"HUB-F", "SPOKE-SS", "RIM-700"}
    assert back.changes.of(LOCATION) == {"MAIN", "STAGING"}


def test_a_change_set_too_large_to_announce_is_announced_as_everything() -> None:
    made = ChangeSet()
    for n in range(3_000):
        made.balance(f"PART-{n:05d}", "MAIN")
    sent = made.freeze("import.stock", 7)
    text_sent = encode(sent, "desk-1")
    assert len(text_sent.encode()) <= change_sets.MAX_ENCODED_BYTES
    back = decode(text_sent).changes
    assert back.everything and back.event_id == 7 and back.action == "import.stock"
    assert back.touches("work_order") and bool(back)


@pytest.mark.parametrize("garbage", ["", "{", "[1]", '{"s": "x"}', '{"s":"x","r":{"a":1},"b":{}}'])
def test_an_announcement_that_cannot_be_read_is_news_of_everything(garbage: str) -> None:
    assert decode(garbage).changes.everything


def test_a_posting_reaches_the_other_workstations_once_committed(
    uow: UnitOfWork, station: UnitOfWork, plant: Plant
) -> None:
    plant.item("SPOKE-SS")
    desk = open_feed(uow.database, own=uow.source)
    try:
        plant.stock("SPOKE-SS", 5)  # the desk's own posting: its window heard it already
        posted = inventory.adjust_stock(station, "SPOKE-SS", "3", memo="found on the shelf")
        (news,) = heard(desk)
    finally:
        desk.close()
    assert news == posted.changes
    assert news.balances == {("SPOKE-SS", "MAIN")}
    assert news.action == "stock.adjust" and news.event_id is not None


def test_a_refused_posting_announces_nothing(
    uow: UnitOfWork, station: UnitOfWork, plant: Plant
) -> None:
    plant.item("SPOKE-SS")
    desk = open_feed(uow.database, own=uow.source)
    try:
        with pytest.raises(InsufficientStock):
            inventory.adjust_stock(station, "SPOKE-SS", "-4")
        posted = inventory.adjust_stock(station, "SPOKE-SS", "4")
        (news,) = heard(desk)
    finally:
        desk.close()
    assert news.event_id == posted.changes.event_id


def test_a_posting_that_changed_thousands_of_records_is_announced(
    uow: UnitOfWork, station: UnitOfWork, tmp_path: Path
) -> None:
    """Too large for one NOTIFY (PostgreSQL refuses 8000 bytes): announced as "changed a
    lot", and the posting itself is not refused for it."""
    rows = [f"PART-{n:05d},Part number {n},inventory,ea,1.00,,," for n in range(1_500)]
    sheet = tmp_path / "items.csv"
    sheet.write_text("sku,name,type,uom,cost,build_point,preferred_stock,drop_ship\n")
    with sheet.open("a") as fh:
        fh.write("\n".join(rows) + "\n")
    desk = open_feed(uow.database, own=uow.source)
    try:
        imported = imports.import_items(station, sheet)
        (news,) = heard(desk)
    finally:
        desk.close()
    assert len(imported.changes.of(ITEM)) == 1_500
    assert news.everything and news.event_id == imported.changes.event_id


@pytest.mark.sqlite_only
def test_a_window_that_fell_behind_the_pruned_change_sets_reads_everything(
    uow: UnitOfWork, station: UnitOfWork, plant: Plant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(change_feed, "KEEP", 3)
    monkeypatch.setattr(change_feed, "PRUNE_EVERY", 1)
    plant.item("SPOKE-SS")
    desk = open_feed(uow.database, own=uow.source)
    try:
        for n in range(1, 7):
            inventory.adjust_stock(station, "SPOKE-SS", str(n))
        news = heard(desk)
        with uow.database.engine.connect() as conn:
            kept = conn.execute(text("SELECT seq FROM change_feed ORDER BY seq")).scalars().all()
    finally:
        desk.close()
    assert news[0].everything  # the first postings were pruned before the window read them
    assert [c.action for c in news[1:]] == ["stock.adjust"] * len(kept)
    assert len(kept) == 3


def test_every_posting_carries_its_key_to_its_audit_event(
    uow: UnitOfWork, station: UnitOfWork, plant: Plant
) -> None:
    plant.item("SPOKE-SS")
    posted = inventory.adjust_stock(station, "SPOKE-SS", "3")
    with uow.database.session() as session:
        key = session.scalar(
            select(AuditEvent.posting_key).where(AuditEvent.id == posted.changes.event_id)
        )
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    assert key is not None and len(key) == 32
    assert uow.was_saved(key)
    assert not uow.was_saved(uuid4().hex)
    with uow.database.session() as session:  # looking a posting up leaves no trace
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events
