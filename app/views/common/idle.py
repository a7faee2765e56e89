"""Signing out a shared workstation nobody is using: the preference
`sign_out_after_idle_minutes` (0 = never), read when a user signs in and whenever the
preferences change, counted from the last key press, click or wheel turn in any window of
the application. The main window and the scan station each keep one."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app.services import admin
from app.services.engine import changes as kinds
from app.services.engine.changes import Changes
from app.views.common.runner import AppContext, run_op

IDLE_CHECK_MS = 15_000
IDLE_PREFERENCE = "sign_out_after_idle_minutes"


class IdleWatch(QObject):
    """Calls `sign_out(reason)` after `minutes` without input while a registered user is
    signed in on `ctx`."""

    def __init__(self, owner: QWidget, ctx: AppContext, sign_out: Callable[[str], None]) -> None:
        super().__init__(owner)
        self.owner = owner
        self.ctx = ctx
        self.sign_out = sign_out
        self.minutes = 0
        self.last_input = time.monotonic()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer = QTimer(self)
        self.timer.timeout.connect(lambda: self.check())
        self.timer.start(IDLE_CHECK_MS)
        ctx.user_changed.connect(lambda _user: self.read_minutes())
        ctx.hub.changed.connect(self._changes)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (
            QEvent.Type.KeyPress,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.Wheel,
        ):
            self.last_input = time.monotonic()
        return False

    def check(self, now: float | None = None) -> bool:
        """Sign out when idle too long; True when it did."""
        user = self.ctx.user
        if self.minutes <= 0 or user is None or not user.registered:
            return False
        if (now if now is not None else time.monotonic()) - self.last_input < self.minutes * 60:
            return False
        self.sign_out(f"{user.username} was signed out after {self.minutes} idle minutes")
        return True

    def read_minutes(self) -> None:
        """Read the preference again (in the background) for the user now signed in."""
        if self.ctx.user is None:
            return

        def got(prefs: dict[str, str]) -> None:
            text = prefs.get(IDLE_PREFERENCE, "0")
            self.minutes = int(text) if text.isdigit() else 0

        run_op(self.owner, admin.show_preferences).success(got).failure(lambda _e: None).run()

    def _changes(self, changes: Changes) -> None:
        if changes.touches(kinds.PREFERENCE):
            self.read_minutes()

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
