"""`shopfloor --self-test`: prove an installation works, from a checkout or a frozen bundle.

On a temporary demo plant (migrations and demo files found as the installed program finds
them) it opens the main window offscreen, opens a work order's page, builds one assembly by
the scan station's three scans typed into the real widgets (the order, #BUILD, the
quantity; every call through the runner), waits until the main window's page shows the
build, renders the order's traveler (fonts, logo and barcodes as the bundle ships them),
and runs `shopfloor check`. One line says how it went; the exit status is 0 when all
of it worked, 1 otherwise.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path

ORDER = "WO-000007"  # the demo plant's released hub batch: nothing issued yet
SCANS = (ORDER, "#BUILD", "1")
TIMEOUT_S = 60.0


def _at_least(items: list[object], count: int) -> bool:
    return len(items) >= count


class SelfTestFailed(Exception):
    pass


def run_self_test() -> int:
    """Run the self-test and print one line; returns the exit status."""
    started = time.perf_counter()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        with tempfile.TemporaryDirectory(prefix="shopfloor-self-test-") as tmp:
            summary = _run(Path(tmp))
    except SelfTestFailed as exc:
        print(f"shopfloor self-test FAILED: {exc}")
        return 1
    except Exception as exc:  # anything at all: the installation is broken
        print(f"shopfloor self-test FAILED: {type(exc).__name__}: {exc}")
        traceback.print_exc(file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    print(f"shopfloor self-test ok: {summary} ({seconds:.1f} s)")
    return 0


def _wait(what: str, done: Callable[[], bool]) -> None:
    from PySide6.QtTest import QTest

    deadline = time.perf_counter() + TIMEOUT_S
    while not done():
        if time.perf_counter() > deadline:
            raise SelfTestFailed(f"timed out waiting for {what}")
        QTest.qWait(10)


def _quiet_qt(mode: object, context: object, message: str) -> None:
    """Qt's messages on stderr, less the offscreen platform's notes on window hints."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def _run(tmp: Path) -> str:
    from PySide6.QtCore import QSettings, Qt, qInstallMessageHandler
    from PySide6.QtTest import QTest

    from app.services import documents
    from app.services.check import check_database
    from app.services.engine.database import Database
    from app.services.engine.uow import Actor, UnitOfWork
    from app.services.production import work_orders
    from app.services.setup import init_database
    from app.views.app import make_application, open_main_window
    from app.views.common.format import qty
    from app.views.common.runner import AppContext
    from app.views.station.launch import open_station

    qInstallMessageHandler(_quiet_qt)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp))
    actor = Actor("self-test", "self-test")
    database = Database(f"sqlite:///{tmp / 'self-test.db'}")
    try:
        init_database(database, demo=True, actor=actor)
        app = make_application(["shopfloor", "--self-test"])
        ctx = AppContext(database, actor)
        window = open_main_window(ctx)
        _wait("the main window's session", lambda: ctx.user is not None and ctx.pending == 0)
        detail = window.show_page("work_order", number=ORDER)
        _wait(
            f"the page of {ORDER}",
            lambda: getattr(detail, "view", None) is not None and detail.view.info.number == ORDER,
        )
        before = detail.view.info.built

        station = open_station(ctx, full_screen=False)
        _wait("the scan station", lambda: not station.busy and ctx.pending == 0)
        answers: list[object] = []
        station.answered.connect(answers.append)
        for code in SCANS:
            expected = len(answers) + 1
            QTest.keyClicks(station, code)
            QTest.keyClick(station, Qt.Key.Key_Return)
            _wait(f"the answer to {code}", partial(_at_least, answers, expected))
        outcome = station.last_outcome
        posted = outcome.posted if outcome is not None else None
        if outcome is None or outcome.level != "done" or posted is None or posted.action != "build":
            said = outcome.message if outcome is not None else "no answer"
            raise SelfTestFailed(f"the build by scan was not posted: {said}")
        _wait(
            "the main window to show the build",
            lambda: ctx.pending == 0 and detail.view.info.built == before + 1,
        )
        uow = UnitOfWork(database, actor)
        info = work_orders.get_work_order(uow, ORDER)
        traveler = documents.traveler_pdf(uow, ORDER)
        if not traveler.pdf.startswith(b"%PDF") or traveler.pages < 1:
            raise SelfTestFailed(f"the traveler of {ORDER} did not render")
        report = check_database(uow)
        if not report.ok:
            raise SelfTestFailed("shopfloor check: " + "; ".join(report.problems))
        checked = sum(report.checked.values())
        station.close()
        window.close()
        ctx.pool.waitForDone(10_000)
        app.processEvents()
        return (
            f"main window and scan station on a demo plant; {info.number} built 1 {info.item} "
            f"by three scans ({qty(info.built)} of {qty(info.quantity)}); "
            f"its traveler printed ({traveler.pages} page(s)); "
            f"shopfloor check clean ({checked} records)"
        )
    finally:
        database.dispose()
