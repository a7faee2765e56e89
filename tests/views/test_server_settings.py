"""The plant's server set up from the window: the settings tried against the real server
and kept, the password asked for where the desktop has no keyring, a server that cannot be
reached said in words at start-up, and the way back to a file."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog

from app.services import server
from app.services.engine.database import Database
from app.views.admin.server import GROUP, ServerDialog, store_server, stored_server
from app.views.app import the_plants_database


@pytest.fixture(autouse=True)
def no_server_kept() -> Iterator[None]:
    QSettings().remove(GROUP)
    yield
    QSettings().remove(GROUP)


def settings_of(database: Database) -> server.ServerSettings:
    url = database.url
    return server.ServerSettings(
        str(url.host), int(url.port or 5432), str(url.database), "postgres"
    )


def fill(dialog: ServerDialog, settings: server.ServerSettings, password: str = "pw") -> None:
    for key in ("host", "port", "database", "user"):
        dialog.fields[key].setText(str(getattr(settings, key)))
        dialog.fields[key].textEdited.emit(dialog.fields[key].text())
    dialog.password.setText(password)


def when_modal(qtbot, answer: Callable[[QDialog], None]) -> None:  # type: ignore[no-untyped-def]
    """Answer the next modal dialog once it is open."""

    def look() -> None:
        modal = QApplication.activeModalWidget()
        if isinstance(modal, QDialog):
            answer(modal)
        else:
            QTimer.singleShot(20, look)

    QTimer.singleShot(0, look)


def test_a_server_is_tried_then_kept(pg_database: Database, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = ServerDialog()
    qtbot.addWidget(dialog)
    assert not server.keyring_available()
    assert (
        not dialog.remember.isEnabled() and "asked for at each start" in dialog.remember.toolTip()
    )
    wanted = settings_of(pg_database)
    fill(dialog, server.ServerSettings(wanted.host, wanted.port, "no_such_plant", "postgres"))
    dialog.use_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted and stored_server() is None
    assert 'database "no_such_plant" does not exist' in dialog.result_label.text()

    fill(dialog, wanted)
    dialog.test_button.click()
    assert "ready to use" in dialog.result_label.text()
    dialog.use_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert stored_server() == wanted
    assert dialog.chosen == (wanted, "pw")
    assert "pw" not in repr(dict((k, QSettings().value(k)) for k in QSettings().allKeys()))


def test_at_start_the_password_is_asked_for_and_the_server_opened(
    pg_database: Database, qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    store_server(settings_of(pg_database))
    asked: list[str] = []

    def type_password(modal: QDialog) -> None:
        assert isinstance(modal, QInputDialog)
        asked.append(modal.labelText())
        modal.setTextValue("anything")  # the test server trusts its loopback
        modal.accept()

    when_modal(qtbot, type_password)
    file_db = Database(f"sqlite:///{tmp_path / 'plant.db'}")
    opened = the_plants_database(file_db, from_settings=True)
    assert opened is not None and not opened.is_sqlite
    assert opened.url.database == pg_database.url.database
    assert asked == [f"Password for {settings_of(pg_database).describe()}:"]
    opened.dispose()
    assert the_plants_database(file_db, from_settings=False) is file_db  # --db given


def test_a_server_that_cannot_be_reached_at_start_is_said_in_words(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    store_server(server.ServerSettings("127.0.0.1", port, "plant", "anna"))
    said: list[str] = []

    def password(modal: QDialog) -> None:
        assert isinstance(modal, QInputDialog)
        modal.setTextValue("pw")
        modal.accept()
        when_modal(qtbot, back_to_a_file)

    def back_to_a_file(modal: QDialog) -> None:
        assert isinstance(modal, ServerDialog)
        said.append(modal.result_label.text())
        modal.file_button.click()

    when_modal(qtbot, password)
    file_db = Database(f"sqlite:///{tmp_path / 'plant.db'}")
    assert the_plants_database(file_db, from_settings=True) is file_db
    assert said == [
        f"The server 127.0.0.1:{port} does not answer: is PostgreSQL running there, on that port?"
    ]
    assert stored_server() is None


def test_the_window_opens_the_server_settings(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.server_button.click()
    dialog = window.server_dialog
    assert isinstance(dialog, ServerDialog) and dialog.isVisible()
    dialog.file_button.click()
    assert "From its next start this workstation works on its own database file" in (
        window.message_bar.text
    )
