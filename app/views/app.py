"""Starting the desktop application.

    make_application(argv)            the QApplication with Shopfloor's settings, font, style
    prepare_database(database)        a database ready to open, or a window saying why not
    run_main_window(database, user=)  all of it, then the event loop; returns the exit status

With no display (no X11 or Wayland session and no QT_QPA_PLATFORM) `NoDisplay` is raised
with one line naming the fix, instead of Qt aborting the process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QVBoxLayout, QWidget

from app import __version__
from app.config import resource_path
from app.errors import ForeignDatabaseError, SchemaError, ShopfloorError
from app.services import setup
from app.services.engine.database import Database
from app.services.engine.uow import Actor
from app.views.common.runner import AppContext
from app.views.common.status import BASE_POINT_SIZE, MESSAGE_COLOURS, chip_style, font
from app.views.common.widgets import button, caption_label, hbox, title_label

NO_DISPLAY = (
    "no display: run Shopfloor on a desktop session, or set QT_QPA_PLATFORM=offscreen / "
    "use xvfb-run"
)
ORGANIZATION = "Shopfloor"
APPLICATION = "Shopfloor"
WINDOW_ICON = ("icons", "shopfloor.png")  # under app/resources/


class NoDisplay(ShopfloorError):
    code = "no_display"


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication (the existing one if there is one), with the organisation and
    application names QSettings uses, the window icon, the Fusion style, a large font and a
    light palette."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    if not has_display():
        raise NoDisplay(NO_DISPLAY)
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication(list(argv) if argv is not None else [sys.argv[0]])
    app.setWindowIcon(QIcon(str(resource_path(*WINDOW_ICON))))
    app.setDesktopFileName("shopfloor")
    app.setStyle("Fusion")
    base = QFont(app.font())
    base.setPointSize(BASE_POINT_SIZE)
    app.setFont(base)
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#F4F6F7"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#FFFFFF"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#F3F6F8"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#2F6DB5"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#FFFFFF"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#1F2A30"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#1F2A30"))
    palette.setColor(QPalette.ColorRole.Button, QColor("#E8ECEF"))
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor("#FFFFE8"))
    app.setPalette(palette)
    app.setStyleSheet(
        "QLineEdit, QComboBox, QDateEdit, QSpinBox, QPlainTextEdit { min-height: 34px; "
        "padding: 2px 6px; }"
        "QPushButton { min-height: 36px; padding: 4px 16px; }"
        "QHeaderView::section { background: #E3E8EC; padding: 6px 8px; border: none; "
        "border-right: 1px solid #CBD3D9; font-weight: bold; }"
        "QTableView { gridline-color: #E0E5E9; selection-background-color: #2F6DB5; }"
        "QTabBar::tab { padding: 8px 18px; }"
    )
    return app


# --- the database before the window -----------------------------------------------------


@dataclass(frozen=True)
class DatabaseState:
    """What the start-up window has to say about a database: `kind` is "ready", "new",
    "upgrade", "newer", "foreign" or "broken"; `message` says it in words."""

    kind: str
    message: str


def database_state(database: Database) -> DatabaseState:
    where = database.describe()
    try:
        state = database.schema_state()
    except SchemaError as exc:
        return DatabaseState(
            "foreign" if isinstance(exc, ForeignDatabaseError) else "broken", exc.message
        )
    if state.up_to_date:
        return DatabaseState("ready", f"{where} is ready")
    if state.current is None:
        if state.has_tables:
            return DatabaseState(
                "foreign", f"{where} is not a Shopfloor database; it belongs to another program"
            )
        return DatabaseState("new", f"{where} is a new, empty database")
    if state.newer:
        return DatabaseState(
            "newer",
            f"{where} was written by a newer Shopfloor (schema {state.current}). "
            "Update this program to open it; nothing has been changed.",
        )
    return DatabaseState(
        "upgrade",
        f"{where} has schema {state.current}; this Shopfloor needs {state.head}. "
        "Upgrading first makes a backup copy beside it.",
    )


class StartupDialog(QDialog):
    """Said before the window opens: a new database (create it, with the demo plant or
    empty), one to upgrade (backup first), or one that cannot be opened (and why)."""

    def __init__(self, database: Database, state: DatabaseState, parent: QWidget | None = None):
        super().__init__(parent)
        self.database = database
        self.state = state
        self.setObjectName("startup_dialog")
        self.setWindowTitle("Shopfloor")
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(14)
        titles = {
            "new": "A new database",
            "upgrade": "This database needs an upgrade",
            "newer": "This database is from a newer Shopfloor",
            "foreign": "This is not a Shopfloor database",
            "broken": "This database cannot be opened",
        }
        layout.addWidget(title_label(titles.get(state.kind, "Shopfloor")))
        text = QLabel(state.message)
        text.setWordWrap(True)
        text.setFont(font(13))
        layout.addWidget(text)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.hide()
        layout.addWidget(self.result_label)
        self.buttons: dict[str, QWidget] = {}
        row = []
        if state.kind == "new":
            layout.addWidget(
                caption_label(
                    "The demo plant is a small bicycle workshop with items, BOMs, stock and "
                    "work orders in every status, to try Shopfloor out."
                )
            )
            row += [
                self._button("demo", "Create with the &demo plant", self.create_demo, True),
                self._button("empty", "Create &empty", self.create_empty),
            ]
        elif state.kind == "upgrade":
            row.append(self._button("upgrade", "&Upgrade (backup first)", self.upgrade, True))
        row.append(self._button("quit", "&Quit", self.reject))
        layout.addLayout(hbox(None, *row))
        self.backup: str | None = None

    def _button(self, key: str, text: str, slot, primary: bool = False) -> QWidget:  # type: ignore[no-untyped-def]
        b = button(text, slot, primary=primary, name=f"startup_{key}")
        self.buttons[key] = b
        return b

    def _fail(self, message: str) -> None:
        self.result_label.setText(message)
        self.result_label.setStyleSheet(chip_style(MESSAGE_COLOURS["error"], padding="8px"))
        self.result_label.show()

    def create_empty(self) -> None:
        self._init(demo=False)

    def create_demo(self) -> None:
        self._init(demo=True)

    def upgrade(self) -> None:
        self._init(demo=False)

    def _init(self, *, demo: bool) -> None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            result = setup.init_database(self.database, demo=demo)
        except ShopfloorError as exc:
            self._fail(exc.message)
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.backup = result.backup
        self.accept()


def prepare_database(database: Database, parent: QWidget | None = None) -> tuple[bool, str]:
    """Make the database ready to open, asking the user where needed. Returns (ready, a
    line about what was done)."""
    state = database_state(database)
    if state.kind == "ready":
        return True, ""
    dialog = StartupDialog(database, state, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False, state.message
    if state.kind == "upgrade":
        return True, f"Upgraded {database.describe()}; the backup is {dialog.backup}"
    return True, f"Created {database.describe()}"


def open_main_window(ctx: AppContext, note: str = ""):  # type: ignore[no-untyped-def]
    """The main window over `ctx`, shown, with the session started (sign-in when users are
    registered)."""
    from app.views.main_window import MainWindow

    window = MainWindow(ctx)
    window.show()
    if note:
        ctx.show_message(note, "success")
    window.start_session()
    return window


def the_plants_database(database: Database, *, from_settings: bool) -> Database | None:
    """The database to open: with `from_settings` (no `--db` nor $SHOPFLOOR_DB given), the
    server this desktop is set up for, logged into (asking for the password, or for better
    settings, as needed); else, or when it works on a file, `database`. None when the user
    gave up on the server."""
    if not from_settings:
        return database
    from app.views.admin.server import open_server_database, stored_server

    if stored_server() is None:
        return database
    chosen = open_server_database()
    if chosen is None and stored_server() is None:
        return database  # "Work on a file" was chosen instead
    return chosen


def run_main_window(
    database: Database,
    *,
    user: str | None = None,
    argv: Sequence[str] | None = None,
    from_settings: bool = False,
) -> int:
    """`shopfloor` with no sub-command: the application, the database (the desktop's server
    when `from_settings`), its check, the main window and the event loop. Returns the
    process exit status."""
    app = make_application(argv)
    settings = QSettings()
    found = the_plants_database(database, from_settings=from_settings)
    if found is None:
        print("shopfloor: no server to work on: nothing was opened", file=sys.stderr)
        return 2
    database = found
    ready, note = prepare_database(database)
    if not ready:
        print(f"shopfloor: {note}", file=sys.stderr)
        return 2
    settings.setValue("last_database", database.describe())
    ctx = AppContext(database, Actor.current(user))
    ctx.go_live()
    window = open_main_window(ctx, note)
    from app.views.admin.backups import BackupSchedule

    backups = BackupSchedule(ctx, window)  # automatic backups while the window runs
    backups.start()
    code = app.exec()
    ctx.close()
    ctx.pool.waitForDone(10_000)
    del window
    return int(code)


def run_station(
    database: Database,
    *,
    location: str | None = None,
    user: str | None = None,
    full_screen: bool = True,
    argv: Sequence[str] | None = None,
    from_settings: bool = False,
) -> int:
    """`shopfloor station`: the application, the database (the desktop's server when
    `from_settings`), its check, the scan station alone and the event loop. Returns the
    process exit status."""
    app = make_application(argv)
    found = the_plants_database(database, from_settings=from_settings)
    if found is None:
        print("shopfloor: no server to work on: nothing was opened", file=sys.stderr)
        return 2
    database = found
    ready, note = prepare_database(database)
    if not ready:
        print(f"shopfloor: {note}", file=sys.stderr)
        return 2
    from app.views.station.launch import open_station

    ctx = AppContext(database, Actor.current(user))
    ctx.go_live()
    window = open_station(ctx, location=location, full_screen=full_screen)
    code = app.exec()
    ctx.close()
    ctx.pool.waitForDone(10_000)
    del window
    return int(code)
