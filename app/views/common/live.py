"""Live screens: what other workstations post reaches this window's change hub, so every open
view refreshes as it does after the window's own postings.

A thread reads the database's change feed (app/services/engine/feed.py: LISTEN on a plant's
PostgreSQL server, a poll of the change counter on a SQLite file) and hands each change set to
`ChangeHub.post`, which delivers it on the GUI thread with `origin` None: news, not an echo.
The window's own postings are left out of the feed (they reach the hub directly).
"""

from __future__ import annotations

import logging
import threading

from app.services.engine.database import Database
from app.services.engine.feed import CONNECT_TIMEOUT_S, ChangeFeed, open_feed
from app.views.common.hub import ChangeHub

log = logging.getLogger(__name__)

READ_S = 0.5  # the longest the thread waits before it looks whether it should stop


class LiveFeed:
    """The thread that feeds `hub` with the postings of other programs on `database`,
    leaving out those of the unit of work named `own`."""

    def __init__(self, hub: ChangeHub, database: Database, own: str) -> None:
        self.hub = hub
        self.database = database
        self.own = own
        self._stop = threading.Event()
        self._open = threading.Event()
        self._thread = threading.Thread(target=self._run, name="shopfloor-live", daemon=True)

    def start(self, *, wait: bool = True) -> None:
        """Start listening; with `wait`, return once the feed is open (at most a few
        seconds), so that nothing posted from then on is missed."""
        self._thread.start()
        if wait:
            self._open.wait(CONNECT_TIMEOUT_S)

    def stop(self) -> None:
        """Stop listening and wait for the thread to end."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(CONNECT_TIMEOUT_S + READ_S * 2)

    @property
    def listening(self) -> bool:
        return self._open.is_set() and self._thread.is_alive()

    def _run(self) -> None:
        feed: ChangeFeed | None = None
        try:
            feed = open_feed(self.database, own=self.own)
            self._open.set()
            while not self._stop.is_set():
                for changes in feed.read(READ_S):
                    self.hub.post(changes)
        except Exception:  # a fault in the feed must not take the window down with it
            log.exception("the live feed of %s stopped", self.database.describe())
        finally:
            self._open.set()
            if feed is not None:
                feed.close()
