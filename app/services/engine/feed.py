"""How a posting reaches the windows of other workstations: each posting announces what it
changed in its own transaction, and a `ChangeFeed` hears the announcements of the others.

    feed = open_feed(database, own=uow.source)     # a window's own postings are left out
    for changes in feed.read(timeout=0.5): ...     # news, oldest first; [] when none came
    feed.close()

PostgreSQL: the posting calls `pg_notify` with the change set as compact JSON
(`changes.encode`); NOTIFY is transactional, so a listener hears a posting once it has
committed, never one rolled back. The feed keeps a connection of its own that LISTENs. When
that connection is lost (a server restart), the feed connects again as soon as it can and
then reports "everything" once: what was announced meanwhile is lost.

SQLite: there is no NOTIFY between processes, so the posting bumps a one-row counter and
writes its change set as a numbered row (`change_feed`); the feed polls the counter and reads
the rows after the last it saw. The oldest rows are pruned; a feed that fell behind them, or
found the counter lower than it left it (the file was replaced), reports "everything".

A feed is read by one thread at a time; `close` it from the thread that reads it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from abc import ABC, abstractmethod
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.services.engine.changes import Changes, decode, encode, everything
from app.services.engine.database import Database

log = logging.getLogger(__name__)

CHANNEL = "shopfloor_changes"
KEEP = 1_000  # change sets a SQLite plant keeps for its pollers
PRUNE_EVERY = 100  # postings between two prunings
POLL_S = 0.25  # how often a SQLite feed looks at the counter
RETRY_S = 1.0  # how often a feed whose database is away tries again
CONNECT_TIMEOUT_S = 5

_NOTIFY = text(f"SELECT pg_notify('{CHANNEL}', :payload)")
_BUMP = text("UPDATE change_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq")
_ADD = text("INSERT INTO change_feed (seq, payload) VALUES (:seq, :payload)")
_PRUNE = text("DELETE FROM change_feed WHERE seq <= :oldest")
_COUNTER = text("SELECT seq FROM change_counter WHERE id = 1")
_AFTER = text("SELECT seq, payload FROM change_feed WHERE seq > :seen ORDER BY seq")


def publish(session: Session, changes: Changes, source: str, *, sqlite: bool) -> None:
    """Announce what a posting changed, inside its transaction (so only once it commits);
    `source` names the unit of work that posted it. A posting that changed nothing shown
    announces nothing."""
    if not changes:
        return
    payload = encode(changes, source)
    if not sqlite:
        session.execute(_NOTIFY, {"payload": payload})
        return
    seq = session.execute(_BUMP).scalar_one()
    session.execute(_ADD, {"seq": seq, "payload": payload})
    if seq % PRUNE_EVERY == 0:
        session.execute(_PRUNE, {"oldest": seq - KEEP})


class ChangeFeed(ABC):
    """The postings that other programs commit on one database, heard as they commit.
    Postings of the unit of work named `own` are left out (its window heard them already)."""

    def __init__(self, database: Database, own: str | None) -> None:
        self.database = database
        self.own = own
        self._closed = threading.Event()
        self._missed = False  # news may have been lost: report everything once

    def read(self, timeout: float) -> list[Changes]:
        """What other programs posted since the last read, oldest first; waits up to
        `timeout` seconds for the first news and returns [] when none came."""
        deadline = time.monotonic() + timeout
        while not self._closed.is_set():
            news = self._heard(max(0.0, deadline - time.monotonic()))
            if self._missed and not self._closed.is_set() and self._connected():
                self._missed = False
                news.insert(0, everything())
            if news or time.monotonic() >= deadline:
                return news
        return []

    def close(self) -> None:
        """Stop listening; `read` returns nothing from now on."""
        self._closed.set()
        self._disconnect()

    def _mine(self, payload: str) -> Changes | None:
        heard = decode(payload)
        if self.own is not None and heard.source == self.own:
            return None
        return heard.changes

    def _pause(self, seconds: float) -> None:
        """Wait, unless the feed is closed meanwhile."""
        self._closed.wait(seconds)

    @abstractmethod
    def _heard(self, timeout: float) -> list[Changes]:
        """Announcements heard within `timeout` (one wait; [] when none)."""

    @abstractmethod
    def _connected(self) -> bool:
        """Whether the feed is reading the database now."""

    @abstractmethod
    def _disconnect(self) -> None: ...


class PostgresFeed(ChangeFeed):
    """LISTEN on a connection of the feed's own, outside the engine's pool."""

    def __init__(self, database: Database, own: str | None) -> None:
        super().__init__(database, own)
        self._conn: psycopg.Connection[Any] | None = None
        self._connect()

    def _connect(self) -> bool:
        engine = self.database.engine
        args, params = engine.dialect.create_connect_args(engine.url)
        params.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
        try:
            conn = psycopg.connect(*args, **params, autocommit=True)
            conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            log.info("change feed: cannot listen on %s: %s", self.database.describe(), exc)
            return False
        self._conn = conn
        return True

    def _connected(self) -> bool:
        return self._conn is not None

    def _heard(self, timeout: float) -> list[Changes]:
        if self._conn is None:
            if not self._connect():
                self._pause(min(RETRY_S, timeout))
            return []  # connected again: `read` reports what was missed at once
        conn = self._conn
        assert conn is not None
        payloads: list[str] = []
        try:
            for note in conn.notifies(timeout=timeout, stop_after=1):
                payloads.append(note.payload)
            if payloads:
                payloads.extend(note.payload for note in conn.notifies(timeout=0))
        except psycopg.Error as exc:
            log.info("change feed: lost %s: %s", self.database.describe(), exc)
            self._disconnect()
            self._missed = True
        return [c for c in map(self._mine, payloads) if c is not None]

    def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):  # a broken connection closes anyway
                conn.close()


class SqliteFeed(ChangeFeed):
    """Polls the change counter every `POLL_S` and reads the change sets after the last."""

    def __init__(self, database: Database, own: str | None) -> None:
        super().__init__(database, own)
        self._seen: int | None = None
        self._ok = True
        try:
            self._seen = self._counter()
        except DBAPIError:
            self._ok = False

    def _counter(self) -> int:
        with self.database.engine.connect() as conn:
            return int(conn.execute(_COUNTER).scalar_one())

    def _connected(self) -> bool:
        return self._ok

    def _heard(self, timeout: float) -> list[Changes]:
        deadline = time.monotonic() + timeout
        while True:
            news = self._poll()
            left = deadline - time.monotonic()
            if news or left <= 0 or self._closed.is_set():
                return news
            self._pause(min(POLL_S, left))

    def _poll(self) -> list[Changes]:
        try:
            with self.database.engine.connect() as conn:  # one snapshot for both reads
                seq = int(conn.execute(_COUNTER).scalar_one())
                if seq == self._seen:
                    self._ok = True
                    return []
                seen = self._seen if self._seen is not None and self._seen < seq else None
                rows = [] if seen is None else conn.execute(_AFTER, {"seen": seen}).all()
        except DBAPIError as exc:
            if self._ok:
                log.info("change feed: cannot read %s: %s", self.database.describe(), exc)
            self._ok = False
            self._missed = True
            return []
        self._ok = True
        self._seen = seq
        if seen is None or not rows or rows[0].seq != seen + 1:
            self._missed = True  # pruned past, or the file was replaced
        return [c for c in (self._mine(r.payload) for r in rows) if c is not None]

    def _disconnect(self) -> None:
        pass


def open_feed(database: Database, *, own: str | None = None) -> ChangeFeed:
    """The feed of `database`'s postings from now on, leaving out those of `own`."""
    if database.is_sqlite:
        return SqliteFeed(database, own)
    return PostgresFeed(database, own)
