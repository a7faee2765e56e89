"""The supervisor's window: a navigation list of pages, the message line, the status bar.

Pages come from `app.views.pages.PAGES` and are built on first use. The status bar says who
works here (or that nobody is registered and everyone works as admin), which database is
open, and what a long operation is doing. Ctrl+L switches user; an idle timeout (preference
`sign_out_after_idle_minutes`) signs the user out on a shared station.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
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

from app.services import auth
from app.services.auth import SignedIn
from app.views.common.geometry import place_window
from app.views.common.idle import IdleWatch
from app.views.common.page import Page
from app.views.common.runner import AppContext, run_op
from app.views.common.status import ACCENT, font
from app.views.common.widgets import MessageBar, button, shortcut
from app.views.pages import PAGES, PageSpec, hub_pages

GEOMETRY_KEY = "main_window/geometry"
DEFAULT_SIZE = QSize(1440, 900)  # on a larger screen; a smaller one gets what fits


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
        self.server_dialog: Any = None

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
            "QListWidget#navigation::item { padding: 5px 16px; }"
            f"QListWidget#navigation::item:selected {{ background: {ACCENT}; color: white; }}"
        )
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.currentRowChanged.connect(self._nav_changed)
        side = QWidget()
        side.setObjectName("side")
        side.setStyleSheet("QWidget#side { background: #1F2A30; }")
        side_column = QVBoxLayout(side)
        side_column.setContentsMargins(0, 0, 0, 12)
        side_column.setSpacing(8)
        side_column.addWidget(self.nav, 1)
        self.station_button = button("Scan station  (F9)", self.open_station, name="open_station")
        self.station_button.setToolTip(
            "Open the operators' scan station in its own window (F9); it works as the user "
            "signed in here"
        )
        self.station_button.setFont(font(12, bold=True))
        self.station_button.setStyleSheet(
            "QPushButton#open_station { background: #34444D; color: #E8EDF0; border: none; "
            "border-radius: 6px; padding: 8px 14px; margin: 0 12px; }"
            "QPushButton#open_station:hover { background: #45575F; }"
        )
        self.station_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        side_column.addWidget(self.station_button)
        outer.addWidget(side)
        self.station_window: Any = None

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
        self.server_button = button("Server…", self.server_settings, name="server_settings")
        self.server_button.setToolTip("The plant's server this workstation works on")
        # A link-sized button: the status bar stays one line high, leaving the page its room.
        self.server_button.setFixedHeight(26)
        self.server_button.setFlat(True)
        self.server_button.setStyleSheet(
            "QPushButton#server_settings { min-height: 0px; padding: 2px 10px; color: #1F5F8B; }"
        )
        bar = self.statusBar()
        bar.addWidget(self.user_label)
        bar.addWidget(self.busy_bar)
        bar.addWidget(self.busy_label)
        bar.addPermanentWidget(db_label)
        bar.addPermanentWidget(self.server_button)

        ctx.message.connect(self.message_bar.show_message)
        ctx.busy.connect(self._busy)
        ctx.idle.connect(self._idle)
        ctx.navigate.connect(lambda key, target: self.show_page(key, **target))
        ctx.user_changed.connect(self._user_changed)

        shortcut(self, "Ctrl+L", self.switch_user, window=True)
        shortcut(self, "F9", self.open_station, window=True)
        shortcut(self, "F5", self.refresh_current, window=True)
        shortcut(self, "Escape", self.message_bar.hide, window=True)
        for spec in self.specs:
            if spec.shortcut:
                shortcut(self, spec.shortcut, partial(self.show_page, spec.key), window=True)
        self.idle_watch = IdleWatch(self, ctx, self.sign_out)
        self._fill_navigation()
        self._user_changed(ctx.user)
        self.restore_geometry()

    # --- navigation ----------------------------------------------------------------------

    def visible_specs(self) -> list[PageSpec]:
        return [s for s in self.specs if s.in_navigation and self._may_see(s)]

    def _may_see(self, spec: PageSpec) -> bool:
        if spec.hub:
            return self.ctx.can(spec.permission) and any(
                self._may_see(page) for page in hub_pages(spec.key)
            )
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
        self._select_nav(key if spec.in_navigation else spec.section or key)
        if target:
            page.open_target(**target)
        page.shown()
        return page

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

    def _spec(self, key: str) -> PageSpec:
        return next(s for s in self.specs if s.key == key)

    def switch_user(self) -> None:
        """Ctrl+L: sign in as someone else without restarting."""
        from app.views.signin import SignInDialog

        if self.signin_dialog is not None and self.signin_dialog.isVisible():
            self.signin_dialog.raise_()
            return
        self.signin_dialog = SignInDialog(self.ctx, self)
        self.signin_dialog.open()

    def open_station(self) -> None:
        """F9: the scan station beside the window, over the same database and user; a
        second F9 brings it to the front."""
        from app.views.station.launch import open_station

        if self.station_window is not None and self.station_window.isVisible():
            self.station_window.raise_()
            self.station_window.activateWindow()
            return
        self.station_window = open_station(self.ctx, full_screen=False)

    def server_settings(self) -> None:
        """The plant's server: changed settings are tried first and used from the next
        start (this window stays on the database it opened)."""
        from app.views.admin.server import ServerDialog

        dialog = ServerDialog(self)

        def kept() -> None:
            where = dialog.chosen[0].describe() if dialog.chosen else "its own database file"
            self.ctx.show_message(f"From its next start this workstation works on {where}", "info")

        dialog.accepted.connect(kept)
        dialog.open()
        self.server_dialog = dialog

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
        """Open as it was left (maximised too), fitted to the screen it opens on; the first
        time at the default size within the screen."""
        state = QSettings().value(GEOMETRY_KEY)
        restored = isinstance(state, QByteArray | bytes) and self.restoreGeometry(QByteArray(state))
        place_window(self, self.geometry() if restored else DEFAULT_SIZE)

    def closeEvent(self, event: QCloseEvent) -> None:
        QSettings().setValue(GEOMETRY_KEY, self.saveGeometry())
        if self.station_window is not None:
            self.station_window.close()
        for page in self.pages.values():
            for table in page.findChildren(QWidget):
                save = getattr(table, "save_widths", None)
                if callable(save):
                    save()
        super().closeEvent(event)
