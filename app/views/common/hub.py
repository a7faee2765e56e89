"""The app-wide "something changed" signal.

Every posting a unit of work commits reports what it changed (`Changes`); the hub re-emits
that on the GUI thread, whichever worker thread ran the posting, so each view can decide
whether it is affected (`changes.of(kind)` for a kind of document or record,
`changes.items`, `changes.balances`) and refresh just that.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal

from app.services.engine.changes import Changes
from app.services.engine.uow import UnitOfWork


class ChangeHub(QObject):
    """`changed(Changes)` on the GUI thread after every committed posting."""

    changed = Signal(object)
    _relay = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._relay.connect(self.changed.emit, Qt.ConnectionType.QueuedConnection)

    def attach(self, uow: UnitOfWork) -> None:
        """Hear every posting of `uow` and of every unit of work made from it by `as_user`."""
        uow.listen(self.post)

    def post(self, changes: Changes) -> None:
        """Called from any thread; `changed` follows on the GUI thread."""
        if changes:
            self._relay.emit(changes)
