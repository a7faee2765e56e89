"""The supervisor's window: a navigation list of pages, the message line, the status bar.

Pages come from `app.views.pages.PAGES` and are built on first use. The status bar says who
works here (or that nobody is registered and everyone works as admin), which database is
open, and what a long operation is doing. Ctrl+L switches user; an idle timeout (preference
`sign_out_after_idle_minutes`) signs the user out on a shared station.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.services import admin, auth
from app.services.auth import SignedIn
from app.services.engine import changes as kinds
from app.services.engine.changes import Changes
from app.views.common.page import Page
from app.views.common.runner import AppContext, run_op
from app.views.common.status import ACCENT, font
from app.views.common.widgets import MessageBar, shortcut
from app.views.pages import PAGES, PageSpec

IDLE_CHECK_MS = 15_000


class IdleWatch(QObject):
    """Signs the user out after `minutes` without a key press or click (0 = never)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.minutes = 0
        self.last_input = time.monotonic()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer = QTimer(self)
        self.timer.timeout.connect(lambda: self.check())
        self.timer.start(IDLE_CHECK_MS)

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
        ctx = self.window.ctx
        if self.minutes <= 0 or ctx.user is None or not ctx.user.registered:
            return False
        if (now if now is not None else time.monotonic()) - self.last_input < self.minutes * 60:
            return False
        self.window.sign_out(
            f"{ctx.user.username} was signed out after {self.minutes} idle minutes"
        )
        return True


class MainWindow(QMainWindow):
    """The main window over one `AppContext`. `show_page(key, **target)` opens a page."""

    def __init__(self, ctx: AppContext, pages: Sequence[PageSpec] | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.specs = list(pages if pages is not None else PAGES)
        self.pages: dict[str, Page] = {}
        self.setWindowTitle(f"Shopfloor — {ctx.database.describe()}")
        self.setObjectName("main_window")
        self.signin_dialog: Any = None

        central = QWidget()
        outer = QHBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(252)
        self.nav.setFont(font(13, bold=True))
        self.nav.setStyleSheet(
            "QListWidget#navigation { background: #1F2A30; color: #E8EDF0; border: none; "
            "padding-top: 12px; }"
            "QListWidget#navigation::item { padding: 12px 16px; }"
            f"QListWidget#navigation::item:selected {{ background: {ACCENT}; color: white; }}"
        )
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.currentRowChanged.connect(self._nav_changed)
        outer.addWidget(self.nav)

        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(18, 12, 18, 8)
        column.setSpacing(10)
        self.message_bar = MessageBar()
        column.addWidget(self.message_bar)
        self.stack = QStackedWidget()
        column.addWidget(self.stack, 1)
        outer.addWidget(right, 1)
        self.setCentralWidget(central)

        self.user_label = QLabel()
        self.user_label.setObjectName("user_label")
        self.user_label.setFont(font(12, bold=True))
        self.busy_label = QLabel()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setFixedWidth(120)
        self.busy_bar.setMaximumHeight(14)
        self.busy_label.hide()
        self.busy_bar.hide()
        db_label = QLabel(ctx.database.describe())
        db_label.setStyleSheet("color: #5F6B73;")
        bar = self.statusBar()
        bar.addWidget(self.user_label)
        bar.addWidget(self.busy_bar)
        bar.addWidget(self.busy_label)
        bar.addPermanentWidget(db_label)

        ctx.message.connect(self.message_bar.show_message)
        ctx.busy.connect(self._busy)
        ctx.idle.connect(self._idle)
        ctx.navigate.connect(lambda key, target: self.show_page(key, **target))
        ctx.user_changed.connect(self._user_changed)
        ctx.hub.changed.connect(self._changes)

        shortcut(self, "Ctrl+L", self.switch_user, window=True)
        shortcut(self, "F5", self.refresh_current, window=True)
        shortcut(self, "Escape", self.message_bar.hide, window=True)
        for spec in self.specs:
            if spec.shortcut:
                shortcut(self, spec.shortcut, partial(self.show_page, spec.key), window=True)
        self.idle_watch = IdleWatch(self)
        self._fill_navigation()
        self._user_changed(ctx.user)
        self.restore_geometry()

    # --- navigation ----------------------------------------------------------------------

    def visible_specs(self) -> list[PageSpec]:
        return [s for s in self.specs if s.in_navigation and self._may_see(s)]

    def _may_see(self, spec: PageSpec) -> bool:
        return self.ctx.can(spec.permission)

    def _fill_navigation(self) -> None:
        current = self.current_key()
        self.nav.blockSignals(True)
        self.nav.clear()
        for spec in self.visible_specs():
            item = QListWidgetItem(spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            if spec.shortcut:
                item.setToolTip(f"{spec.title} ({spec.shortcut})")
            self.nav.addItem(item)
        self.nav.blockSignals(False)
        if current:
            self._select_nav(current)

    def _nav_changed(self, row: int) -> None:
        item = self.nav.item(row)
        if item is not None:
            self.show_page(str(item.data(Qt.ItemDataRole.UserRole)))

    def _select_nav(self, key: str) -> None:
        for n in range(self.nav.count()):
            if self.nav.item(n).data(Qt.ItemDataRole.UserRole) == key:
                self.nav.blockSignals(True)
                self.nav.setCurrentRow(n)
                self.nav.blockSignals(False)
                return

    def current_key(self) -> str | None:
        widget = self.stack.currentWidget()
        return next((k for k, p in self.pages.items() if p is widget), None)

    def page(self, key: str) -> Page:
        """The page of that key, built on first use."""
        found = self.pages.get(key)
        if found is None:
            spec = next(s for s in self.specs if s.key == key)
            found = spec.build(self.ctx, self.stack)
            self.pages[key] = found
            self.stack.addWidget(found)
        return found

    def show_page(self, key: str, **target: Any) -> Page:
        spec = next((s for s in self.specs if s.key == key), None)
        if spec is None:
            raise KeyError(f"no page {key!r}")
        if not self._may_see(spec):
            self.ctx.show_message(f"your role may not open {spec.title}", "error")
            return self.page(self.current_key() or "dashboard")
        page = self.page(key)
        self.stack.setCurrentWidget(page)
        self._select_nav(key if spec.in_navigation else self._parent_of(key))
        if target:
            page.open_target(**target)
        page.shown()
        return page

    def _parent_of(self, key: str) -> str:
        return {"work_order": "work_orders", "stock_item": "inventory"}.get(key, key)

    def refresh_current(self) -> None:
        key = self.current_key()
        if key:
            self.pages[key].refresh()

    # --- users ---------------------------------------------------------------------------

    def _user_changed(self, user: SignedIn | None) -> None:
        if user is None:
            self.user_label.setText("Signed out — Ctrl+L to sign in")
        elif not user.registered:
            self.user_label.setText(
                f"No users registered: everyone works as admin ({user.username})"
            )
        else:
            self.user_label.setText(f"Signed in: {user.username} ({user.role}) — Ctrl+L to switch")
        self._fill_navigation()
        key = self.current_key()
        if user is not None and (key is None or not self._may_see(self._spec(key))):
            self.show_page("dashboard")
        self._read_idle_minutes()

    def _spec(self, key: str) -> PageSpec:
        return next(s for s in self.specs if s.key == key)

    def _read_idle_minutes(self) -> None:
        if self.ctx.user is None:
            return

        def got(prefs: dict[str, str]) -> None:
            text = prefs.get("sign_out_after_idle_minutes", "0")
            self.idle_watch.minutes = int(text) if text.isdigit() else 0

        run_op(self, admin.show_preferences).success(got).failure(lambda _e: None).run()

    def _changes(self, changes: Changes) -> None:
        if changes.touches(kinds.PREFERENCE):
            self._read_idle_minutes()

    def switch_user(self) -> None:
        """Ctrl+L: sign in as someone else without restarting."""
        from app.views.signin import SignInDialog

        if self.signin_dialog is not None and self.signin_dialog.isVisible():
            self.signin_dialog.raise_()
            return
        self.signin_dialog = SignInDialog(self.ctx, self)
        self.signin_dialog.open()

    def sign_out(self, reason: str) -> None:
        self.ctx.set_user(None)
        self.ctx.show_message(reason, "info")
        self.switch_user()

    def start_session(self) -> None:
        """After the window is shown: work as the workstation's user while nobody is
        registered, otherwise ask who is signing in."""

        def decided(user: SignedIn | None) -> None:
            if user is not None:
                self.ctx.set_user(user)
                self.show_page("dashboard")
            else:
                self.ctx.set_user(None)
                self.switch_user()

        run_op(self, auth.workstation_user).success(decided).run()

    # --- busy indicator ------------------------------------------------------------------

    def _busy(self, label: str) -> None:
        self.busy_label.setText(label)
        self.busy_label.show()
        self.busy_bar.show()

    def _idle(self) -> None:
        self.busy_label.hide()
        self.busy_bar.hide()

    # --- settings ------------------------------------------------------------------------

    def restore_geometry(self) -> None:
        state = QSettings().value("main_window/geometry")
        if isinstance(state, QByteArray | bytes):
            self.restoreGeometry(QByteArray(state))
        else:
            self.resize(1440, 900)

    def closeEvent(self, event: QCloseEvent) -> None:
        QSettings().setValue("main_window/geometry", self.saveGeometry())
        for page in self.pages.values():
            for table in page.findChildren(QWidget):
                save = getattr(table, "save_widths", None)
                if callable(save):
                    save()
        super().closeEvent(event)
