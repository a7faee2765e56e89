"""Fixtures for the window tests: the demo plant made once and copied per test, an
AppContext on it, and the main window; QSettings go to a temporary folder."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings

from app.services import admin
from app.services.check import check_database
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.setup import init_database
from app.views.app import make_application
from app.views.common.runner import AppContext

TESTER = Actor("tester", "bench")


@pytest.fixture(scope="session", autouse=True)
def application(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> object:
    if any("cups_server" in getattr(t, "fixturenames", ()) for t in request.session.items):
        # libcups reads $CUPS_SERVER once, at the first printer lookup, and a window test
        # may make a QPrinter before the printing tests run: the private queue starts first.
        with contextlib.suppress(pytest.skip.Exception):  # no CUPS: the tests that print skip
            request.getfixturevalue("cups_server")
    settings = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings))
    return make_application(["shopfloor-tests"])


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = Database(f"sqlite:///{path}")
    init_database(db, demo=True, actor=TESTER)
    db.dispose()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "plant.db"
    shutil.copyfile(demo_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture
def ctx(demo_db: Database, qtbot) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    context = AppContext(demo_db, TESTER)
    yield context
    qtbot.waitUntil(lambda: context.pending == 0, timeout=20_000)
    context.pool.waitForDone(20_000)
    report = check_database(UnitOfWork(demo_db, Actor(admin_name(demo_db), "bench")))
    assert report.ok, report.problems


def admin_name(db: Database) -> str:
    users = [
        u for u in admin.list_users(UnitOfWork(db, Actor("anna", "bench"))) if u.role == "admin"
    ]
    return users[0].username if users else "tester"


@pytest.fixture
def window(ctx: AppContext, qtbot):  # type: ignore[no-untyped-def]
    from app.views.main_window import MainWindow

    w = MainWindow(ctx)
    qtbot.addWidget(w)
    w.resize(1440, 900)
    w.show()
    w.start_session()
    idle(qtbot, ctx)
    yield w
    idle(qtbot, ctx)
    w.close()


def idle(qtbot, ctx: AppContext, timeout: int = 20_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until every background operation (and what it set off) has finished."""
    qtbot.waitUntil(lambda: ctx.pending == 0, timeout=timeout)


@pytest.fixture
def team(demo_db: Database) -> Callable[[], None]:
    """anna (admin, PIN 4711), sam (supervisor, 1111), olga (operator, 2222)."""

    def make() -> None:
        uow = UnitOfWork(demo_db, Actor("anna", "office"))
        admin.add_user(uow, "anna", "admin", secret="4711")
        admin.add_user(uow, "sam", "supervisor", secret="1111")
        admin.add_user(uow, "olga", "operator", secret="2222")

    return make


# --- real windows on an X server of their own ---------------------------------------------


@pytest.fixture
def display() -> Iterator[str]:
    """A private Xvfb display (`:N`) for windows started as processes of their own."""
    from tests.views.xvfb import xvfb_display

    with xvfb_display() as name:
        yield name
