"""The app-wide "something changed" signal, and which operation each change came from.

Every posting a unit of work commits reports what it changed (`Changes`); the hub re-emits
that on the GUI thread, whichever worker thread ran the posting, so each view can decide
whether it is affected (`changes.of(kind)` for a kind of document or record,
`changes.items`, `changes.balances`) and refresh just that.

While `changed` is delivered, `origin` is the operation of this window that made the posting
(None for another user's or another workstation's), so a page can tell the echo of its own
posting from news: the operation hands its page the changes once it has finished. Other
workstations' postings reach the hub from the database's change feed once the context has
gone live (`AppContext.go_live`, app/views/common/live.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from app.services.engine.changes import Changes
from app.services.engine.uow import UnitOfWork

_RUNNING = threading.local()


@contextmanager
def running(operation: Any) -> Iterator[None]:
    """In a worker thread: postings made meanwhile come from `operation`."""
    _RUNNING.operation = operation
    try:
        yield
    finally:
        _RUNNING.operation = None


class ChangeHub(QObject):
    """`changed(Changes)` on the GUI thread after every committed posting."""

    changed = Signal(object)
    _relay = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.origin: Any = None
        self._relay.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def attach(self, uow: UnitOfWork) -> None:
        """Hear every posting of `uow` and of every unit of work made from it by `as_user`."""
        uow.listen(self.post)

    def post(self, changes: Changes) -> None:
        """Called from any thread; `changed` follows on the GUI thread."""
        if changes:
            self._relay.emit(changes, getattr(_RUNNING, "operation", None))

    def _deliver(self, changes: Changes, operation: Any) -> None:
        if operation is not None:
            operation.own_changes.append(changes)
        self.origin = operation
        try:
            self.changed.emit(changes)
        finally:
            self.origin = None
