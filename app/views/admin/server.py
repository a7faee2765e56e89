"""The plant's server, set up from the window: host, port, database and user among this
desktop's settings, the password in its keyring (or asked for at each start), the connection
tried before it is used, and what went wrong said in words.

    settings = stored_server()                  # None: this workstation works on a file
    database = open_server_database()           # the configured server, password and all
    ServerDialog(parent).exec()                 # change it (tried first), or go back to a file
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import ShopfloorError
from app.services import server
from app.services.engine.database import Database
from app.services.server import ServerCheck, ServerSettings
from app.views.common.status import MESSAGE_COLOURS, chip_style, font
from app.views.common.widgets import button, caption_label, hbox, title_label

KEYS = ("host", "port", "database", "user")
GROUP = "server"


def stored_server() -> ServerSettings | None:
    """The server this desktop's settings name, or None (it works on a database file)."""
    qs = QSettings()
    values = [str(qs.value(f"{GROUP}/{key}", "") or "") for key in KEYS]
    if not values[0]:
        return None
    try:
        return server.server_settings(*values)
    except ShopfloorError:
        return None  # settings edited by hand into nonsense: as if none were kept


def store_server(settings: ServerSettings | None) -> None:
    """Keep the server in this desktop's settings (None: work on a database file again)."""
    qs = QSettings()
    if settings is None:
        qs.remove(GROUP)
        return
    for key in KEYS:
        qs.setValue(f"{GROUP}/{key}", str(getattr(settings, key)))


def ask_password(settings: ServerSettings, parent: QWidget | None = None) -> str | None:
    """The password, typed (unseen) for this start; None when the user cancels."""
    text, ok = QInputDialog.getText(
        parent,
        "Shopfloor: password",
        f"Password for {settings.describe()}:",
        QLineEdit.EchoMode.Password,
    )
    return text if ok else None


def open_server_database(parent: QWidget | None = None) -> Database | None:
    """The database of the server this desktop is set up for, logged into: the password
    from the keyring or asked for; a server that cannot be reached or refuses the login
    opens the server settings with the reason. None when there is no server to use (none is
    set up, or the user gave up)."""
    settings = stored_server()
    if settings is None:
        return None
    password = server.saved_password(settings)
    problem = ""
    while True:
        if password is None:
            password = ask_password(settings, parent)
            if password is None:
                return None
        try:
            server.check_server(settings, password)
        except ShopfloorError as exc:
            problem = exc.message
        else:
            return Database(settings.url(password))
        dialog = ServerDialog(parent, problem=problem, password=password)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.chosen is None:
            return None
        settings, password = dialog.chosen


class ServerDialog(QDialog):
    """The server's settings, tried with Test before they are kept: Use this server keeps
    them (and the password in the keyring, when asked and there is one); Work on a file
    drops them. `chosen` is the server and password taken, once accepted."""

    def __init__(
        self, parent: QWidget | None = None, *, problem: str = "", password: str | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("server_dialog")
        self.setWindowTitle("Shopfloor: the plant's server")
        self.setMinimumWidth(780)
        self.chosen: tuple[ServerSettings, str] | None = None
        self.checked: ServerCheck | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        layout.addWidget(title_label("The plant's server"))
        layout.addWidget(
            caption_label(
                "Every workstation of the plant works on one PostgreSQL database. Name its "
                "server here; the connection is tried before it is used."
            )
        )
        form = QFormLayout()
        current = stored_server()
        self.fields: dict[str, QLineEdit] = {}
        defaults = ("", "5432", "shopfloor", "shopfloor")
        for key, label, default in zip(
            KEYS, ("Host", "Port", "Database", "User"), defaults, strict=True
        ):
            edit = QLineEdit(str(getattr(current, key)) if current is not None else default)
            edit.setObjectName(f"server_{key}")
            edit.textEdited.connect(lambda _text: self._changed())
            self.fields[key] = edit
            form.addRow(label, edit)
        self.password = QLineEdit(password or "")
        self.password.setObjectName("server_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.textEdited.connect(lambda _text: self._changed())
        form.addRow("Password", self.password)
        layout.addLayout(form)
        self.remember = QCheckBox("Remember the password in this desktop's keyring")
        self.remember.setObjectName("server_remember")
        if server.keyring_available():
            self.remember.setChecked(True)
        else:
            self.remember.setEnabled(False)
            self.remember.setToolTip(
                "This desktop has no keyring: the password is asked for at each start and "
                "never written to a file"
            )
        layout.addWidget(self.remember)
        self.result_label = QLabel()
        self.result_label.setObjectName("server_result")
        self.result_label.setWordWrap(True)
        self.result_label.setFont(font(12))
        layout.addWidget(self.result_label)
        self.test_button = button("&Test the connection", self.test, name="server_test")
        self.use_button = button("&Use this server", self.use, primary=True, name="server_use")
        self.file_button = button("Work on a &file", self.use_file, name="server_file")
        self.file_button.setToolTip("Forget the server: this workstation works on its own file")
        layout.addLayout(
            hbox(
                self.test_button,
                None,
                self.file_button,
                self.use_button,
                button("Cancel", self.reject, name="server_cancel"),
            )
        )
        if problem:
            self._say(problem, "error")
        else:
            self.result_label.hide()

    def settings(self) -> ServerSettings:
        """What is typed, as settings (refused in words)."""
        return server.server_settings(*(self.fields[key].text() for key in KEYS))

    def test(self) -> bool:
        """Try the connection; say what came of it. True when the server can be used."""
        self.checked = None
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            checked = server.check_server(self.settings(), self.password.text() or None)
        except ShopfloorError as exc:
            self._say(exc.message, "error")
            return False
        finally:
            QApplication.restoreOverrideCursor()
        usable = checked.state in ("ready", "new", "upgrade")
        self._say(checked.words, "success" if usable else "error")
        self.checked = checked if usable else None
        return usable

    def use(self) -> None:
        """Keep the server (tried first, unless it was just tried as it is)."""
        if self.checked is None and not self.test():
            return
        assert self.checked is not None
        settings, password = self.checked.settings, self.password.text()
        store_server(settings)
        if self.remember.isChecked() and password:
            server.save_password(settings, password)
        else:
            server.forget_password(settings)
        self.chosen = (settings, password)
        self.accept()

    def use_file(self) -> None:
        """Forget the server: the workstation opens its own database file."""
        current = stored_server()
        if current is not None:
            server.forget_password(current)
        store_server(None)
        self.chosen = None
        self.accept()

    def _changed(self) -> None:
        self.checked = None  # what is typed now has not been tried

    def _say(self, text: str, kind: str) -> None:
        self.result_label.setText(text[:1].upper() + text[1:])
        self.result_label.setStyleSheet(chip_style(MESSAGE_COLOURS[kind], padding="8px"))
        self.result_label.show()
