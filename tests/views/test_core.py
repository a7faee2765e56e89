"""The application, the runner, the change hub and the paged table model, without a window."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.errors import NotFound
from app.services.engine.changes import Changes
from app.services.engine.paging import Page, PageRequest
from app.services.production import work_orders
from app.views.common.runner import AppContext, run_op
from app.views.common.table_model import Column, PagedTableModel
from tests.views.conftest import idle


def test_the_application_carries_its_icon_from_the_package() -> None:
    icon = QApplication.windowIcon()
    assert not icon.isNull()
    assert icon.availableSizes()


def test_an_operation_runs_in_a_worker_and_answers_on_the_gui_thread(
    ctx: AppContext, qtbot
) -> None:
    gui = QThread.currentThread()
    seen: dict[str, object] = {}

    def work(uow, number):  # type: ignore[no-untyped-def]
        seen["worker"] = QThread.currentThread()
        return work_orders.get_work_order(uow, number)

    def done(info) -> None:  # type: ignore[no-untyped-def]
        seen["callback"] = QThread.currentThread()
        seen["info"] = info

    run_op(None, work, "WO-000005").success(done).run()
    idle(qtbot, ctx)
    assert seen["worker"] is not gui and seen["callback"] is gui
    assert seen["info"].item == "BIKE-CITY-M"  # type: ignore[attr-defined]


def test_a_refusal_goes_to_the_message_line_in_words(ctx: AppContext, qtbot) -> None:
    with qtbot.waitSignal(ctx.message) as blocker:
        run_op(None, work_orders.get_work_order, "WO-999999").run()
    text, kind = blocker.args
    assert kind == "error" and "WO-999999" in text
    caught: list[Exception] = []
    run_op(None, work_orders.get_work_order, "WO-999999").failure(caught.append).run()
    idle(qtbot, ctx)
    assert isinstance(caught[0], NotFound)


def test_an_unexpected_error_opens_a_window_with_the_details(ctx: AppContext, qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)

    def broken(_uow):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("a bug")

    with qtbot.waitSignal(ctx.unexpected):
        run_op(parent, broken).run()
    box = parent.findChild(QMessageBox, "unexpected_error")
    assert box is not None and "ZeroDivisionError: a bug" in box.text()
    assert "Traceback" in box.detailedText()
    box.close()


def test_progress_shows_after_half_a_second_only(ctx: AppContext, qtbot) -> None:
    release = threading.Event()
    busy: list[str] = []
    ctx.busy.connect(busy.append)
    run_op(None, lambda _uow: "quick").run()
    idle(qtbot, ctx)
    assert busy == []
    run_op(None, lambda _uow: release.wait(10)).progress("Releasing…").run()
    with qtbot.waitSignal(ctx.idle, timeout=10_000):
        qtbot.waitUntil(lambda: busy == ["Releasing…"], timeout=5_000)
        release.set()


def test_the_hub_says_what_a_posting_changed_on_the_gui_thread(ctx: AppContext, qtbot) -> None:
    got: list[tuple[Changes, QThread]] = []
    ctx.hub.changed.connect(lambda c: got.append((c, QThread.currentThread())))
    run_op(None, work_orders.release_work_order, "WO-000005").run()
    idle(qtbot, ctx)
    [(changes, thread)] = got
    assert "WO-000005" in changes.of("work_order") and "BRAKE-KIT" in changes.items
    assert thread is QThread.currentThread()


@dataclass(frozen=True)
class Row:
    n: int


def numbers(total: int, calls: list[PageRequest]):  # type: ignore[no-untyped-def]
    def page(_uow, request: PageRequest) -> Page[Row]:  # type: ignore[no-untyped-def]
        calls.append(request)
        values = list(range(total))
        if request.descending:
            values.reverse()
        end = request.offset + (request.limit or total)
        return Page(
            [Row(v) for v in values[request.offset : end]],
            total,
            request.offset,
            request.limit,
            request.sort or "n",
            request.descending,
            ("n",),
        )

    return page


def test_the_paged_model_inserts_pages_without_the_off_by_one(ctx: AppContext, qtbot) -> None:
    calls: list[PageRequest] = []
    cols = [Column("N", lambda r: r.n, sort="n"), Column("Text", lambda r: f"#{r.n}")]
    model = PagedTableModel(cols, numbers(450, calls), page_size=200, context=ctx)
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    idle(qtbot, ctx)
    assert (model.rowCount(), model.total, model.pages_fetched) == (200, 450, 1)
    assert model.canFetchMore()
    model.fetchMore()
    assert not model.canFetchMore()  # one page at a time
    idle(qtbot, ctx)
    model.fetchMore()
    idle(qtbot, ctx)
    assert inserted == [(200, 399), (400, 449)]
    assert model.rowCount() == 450 and not model.canFetchMore()
    assert model.row_at(449) == Row(449) and model.pages_fetched == 3
    model.sort(1)  # not sortable by the service: nothing happens
    assert model.pages_fetched == 3
    model.sort(0, order=pytest.importorskip("PySide6.QtCore").Qt.SortOrder.DescendingOrder)
    idle(qtbot, ctx)
    assert calls[-1] == PageRequest(offset=0, limit=200, sort="n", descending=True)
    assert model.row_at(0) == Row(449) and model.rowCount() == 200


def test_a_page_reads_once_after_its_own_posting_and_once_after_news(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The work order page's own release (and a dialog's build) reach it once, through
    `posted`; the hub's echo of them is ignored; another view's posting is news, read once."""
    page = window.show_page("work_order", number="WO-000005")  # planned bicycles
    idle(qtbot, ctx)
    reads: list[str] = []
    read = page.refresh

    def counted() -> None:
        reads.append(page.number)
        read()

    page.refresh = counted
    page.act("release")
    idle(qtbot, ctx)
    assert page.view.info.status == "released"
    assert reads == ["WO-000005"]

    reads.clear()
    other = QWidget()
    run_op(other, work_orders.cancel_work_order, "WO-000005").run()
    idle(qtbot, ctx)
    assert reads == ["WO-000005"]
    assert page.view.info.status == "cancelled"


def test_a_job_without_a_database_runs_in_the_background(ctx, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.views.common.runner import run_job

    seen: list[tuple[str, bool]] = []
    run_job(
        None, lambda text: (text.upper(), QThread.currentThread().isMainThread()), "pdf"
    ).success(seen.append).run()
    idle(qtbot, ctx)
    assert seen == [("PDF", False)]


def test_a_feature_package_imported_first_still_lists_its_pages() -> None:
    """A feature package first imported for one of its modules (the admin package for its
    reason codes page) has declared its pages by the time the page list gathers them."""
    import os
    import subprocess
    import sys

    listed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import app.views.admin.reasons\n"
            "from app.views.pages import PAGES\n"
            "print(' '.join(p.key for p in PAGES))",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    ).stdout.split()
    assert listed[listed.index("preferences") + 1] == "reason_codes"
