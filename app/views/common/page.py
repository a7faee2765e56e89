"""A page of the main window: what the window asks of every view."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from app.services.engine.changes import Changes
from app.views.common.runner import AppContext


class Page(QWidget):
    """A view shown in the main window's stack.

    Override `refresh()` (read what the page shows, through `run_op`), `affected_by(changes)`
    (whether a posting's changes concern the page) and, for a page others open with a target
    (a work order number, a filter), `open_target(**target)`. A page that is hidden when its
    data changes refreshes the next time it is shown."""

    title = ""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stale = True
        ctx.hub.changed.connect(self._changes_arrived)
        ctx.user_changed.connect(lambda _user: self._user_arrived())

    def refresh(self) -> None:
        """Read again what the page shows."""

    def affected_by(self, changes: Changes) -> bool:
        return False

    def open_target(self, **target: Any) -> None:
        """Show what another view asked for (`ctx.navigate.emit(key, target)`)."""

    def user_changed(self) -> None:
        """The signed-in user changed: enable what their role allows."""

    def shown(self) -> None:
        """The window made this page the current one."""
        if self.stale:
            self.stale = False
            self.refresh()

    def _user_arrived(self) -> None:
        self.user_changed()
        if self.ctx.user is None:
            return
        if self.isVisible():
            self.refresh()
        else:
            self.stale = True

    def _changes_arrived(self, changes: Changes) -> None:
        if not self.affected_by(changes):
            return
        if self.isVisible():
            self.refresh()
        else:
            self.stale = True
