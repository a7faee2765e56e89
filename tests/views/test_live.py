"""Live screens: what another workstation posts reaches this window's views through its
change hub, on a plant's PostgreSQL server and on a SQLite file alike.

The other workstation is a real `shopfloor station` window in its own process on an X server
(Xvfb), typed into as a scanner types, or, where its window adds nothing, the same services
run for another workstation in this process. Nothing here times anything: each check waits
(generously) for what the window shows; the latency is measured by `python -m bench.live`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from PySide6.QtCore import QSettings

from app.services.check import check_database
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.orders import purchasing
from app.services.production import work_orders
from app.services.scanning.picking import PickSession
from app.services.scanning.production import WorkOrderSession
from app.services.setup import init_database
from app.views.common.runner import AppContext
from app.views.main_window import MainWindow
from app.views.station import StationWindow
from app.views.station.window import SETTINGS_LOCATION
from tests import pgserver
from tests.views.conftest import TESTER, idle
from tests.views.xvfb import StationProcess

REQUIRE_PG = os.environ.get("SHOPFLOOR_REQUIRE_PG") == "1"
SHOWN_WITHIN_MS = 60_000  # a generous bound for a busy machine; the feed takes well under 2 s
OTHER = Actor("olga", "station-2")


def _admin(server: pgserver.PgServer, sql: str) -> None:
    with psycopg.connect(
        host=server.host, port=server.port, user=server.user, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(sql)


@pytest.fixture(scope="module")
def pg_demo(pg_server: pgserver.PgServer | None) -> Iterator[str | None]:
    """The demo plant on the PostgreSQL server, made once, copied per test."""
    if pg_server is None:
        yield None
        return
    name = f"sf_live_demo_{os.getpid()}"
    _admin(pg_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(pg_server, f"CREATE DATABASE {name}")
    made = Database(pg_server.url(name))
    init_database(made, demo=True, actor=TESTER)
    made.dispose()
    yield name
    _admin(pg_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def plant(
    request: pytest.FixtureRequest,
    demo_template: Path,
    tmp_path: Path,
    pg_server: pgserver.PgServer | None,
    pg_demo: str | None,
) -> Iterator[Database]:
    """The demo plant, on a SQLite file or on the PostgreSQL server."""
    if request.param == "sqlite":
        path = tmp_path / "plant.db"
        shutil.copyfile(demo_template, path)
        database = Database(f"sqlite:///{path}")
        yield database
        database.dispose()
        return
    if pg_server is None or pg_demo is None:
        if REQUIRE_PG:
            pytest.fail("SHOPFLOOR_REQUIRE_PG=1 but no PostgreSQL server could be started")
        pytest.skip("PostgreSQL is not installed here (CI installs it)")
    name = f"sf_live_{os.getpid()}_{abs(hash(request.node.name)) % 10**8}"
    _admin(pg_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(pg_server, f"CREATE DATABASE {name} TEMPLATE {pg_demo}")
    database = Database(pg_server.url(name))
    yield database
    database.dispose()
    _admin(pg_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def db_argument(database: Database) -> str:
    """What `--db` takes for this database (a URL keeps its password)."""
    path = database.sqlite_path
    return str(path) if path is not None else database.url.render_as_string(False)


@pytest.fixture
def live(plant: Database, qtbot) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    """This workstation's context, hearing the others."""
    QSettings().remove(SETTINGS_LOCATION)
    ctx = AppContext(plant, TESTER)
    ctx.go_live()
    assert ctx.live is not None and ctx.live.listening
    yield ctx
    idle(qtbot, ctx)
    ctx.close()
    ctx.pool.waitForDone(20_000)
    report = check_database(UnitOfWork(plant, TESTER))
    assert report.ok, report.problems


@pytest.fixture
def window(live: AppContext, qtbot) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    w = MainWindow(live)
    qtbot.addWidget(w)
    w.resize(1440, 900)
    w.show()
    w.start_session()
    idle(qtbot, live)
    yield w
    idle(qtbot, live)
    w.close()


def station_window(ctx: AppContext, qtbot) -> StationWindow:  # type: ignore[no-untyped-def]
    station = StationWindow(ctx)
    qtbot.addWidget(station)
    station.resize(1600, 1000)
    with qtbot.waitSignal(station.answered, timeout=20_000):
        station.show()
    return station


def left_to_issue(station: StationWindow, sku: str) -> Decimal:
    return next(line.left_to_issue for line in station.pick.rows if line.sku == sku)


def listed(page, number: str):  # type: ignore[no-untyped-def]
    """The row of `number` in a list page, as the page shows it now."""
    return next(r for r in page.model.rows if r.number == number)


def test_another_stations_issue_and_builds_show_in_this_windows_station_dashboard_and_list(
    live: AppContext, window: MainWindow, display: str, plant: Database, tmp_path: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    """Two stations on WO-000001: the other one a real window in its own process."""
    here = station_window(live, qtbot)
    here.submit("WO-000001")
    qtbot.waitUntil(lambda: here.session.current == "WO-000001" and not here.busy)
    calipers = left_to_issue(here, "BRAKE-CALIPER")
    dashboard = window.show_page("dashboard")
    idle(qtbot, live)
    released = dashboard.data.work_orders.get("released", 0)
    in_process = dashboard.data.work_orders.get("in_process", 0)

    other = StationProcess(display, db_argument(plant), tmp_path, "floor-pc-2")
    try:
        other.scan("WO-000001", "Scan a component")
        other.scan("BRAKE-CALIPER", "#ISSUE")
        other.scan("#ISSUE", "Scan a component")
        qtbot.waitUntil(
            lambda: left_to_issue(here, "BRAKE-CALIPER") == calipers - 1, timeout=SHOWN_WITHIN_MS
        )  # this station's pick list: one caliper fewer to issue
        assert here.chip.text() == "In Process"

        other.scan("#BUILD", "Scan the quantity to build")
        other.scan("1", "Scan a component")
        qtbot.waitUntil(
            lambda: any(b.work_order == "WO-000001" for b in dashboard.data.recent_builds),
            timeout=SHOWN_WITHIN_MS,
        )  # the dashboard, shown, read the build as it came
        assert dashboard.data.work_orders.get("released", 0) == released - 1
        assert dashboard.data.work_orders.get("in_process", 0) == in_process + 1

        orders = window.show_page("work_orders")
        idle(qtbot, live)
        assert listed(orders, "WO-000001").built == 1
        other.scan("#BUILD", "Scan the quantity to build")
        other.scan("1", "Scan a component")
        qtbot.waitUntil(
            lambda: listed(orders, "WO-000001").built == 2, timeout=SHOWN_WITHIN_MS
        )  # the work order list, shown, too
    finally:
        code = other.close()
    assert code == 0
    idle(qtbot, live)
    here.close()


def test_two_pick_screens_on_one_order_both_show_what_is_left_to_pick(
    live: AppContext, window: MainWindow, qtbot
) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("pick_station", scan="SO-000003")
    qtbot.waitUntil(lambda: page.state.document == "SO-000003" and not page.queue.busy)
    assert {r.sku: r.still_to_pick for r in page.lines.rows} == {"LOCK-U": 4, "LIGHT-SET": 4}
    page.submit("LIGHT-SET")  # this screen stages one light set, not posted yet
    qtbot.waitUntil(lambda: not page.queue.busy)

    bench = UnitOfWork(live.database, OTHER)  # the other pick bench, through the same session
    other = PickSession()
    other.start(bench)
    for code in ("SO-000003", "2", "LOCK-U", "#PICK"):
        other.scan(bench, code)
    assert other.last_posted is not None

    qtbot.waitUntil(
        lambda: {r.sku: r.still_to_pick for r in page.lines.rows} == {"LOCK-U": 2, "LIGHT-SET": 4},
        timeout=SHOWN_WITHIN_MS,
    )
    assert {r.sku: r.staged for r in page.lines.rows if r.staged} == {"LIGHT-SET": 1}
    assert page.answer_level == "info"  # what this screen was told stays; nothing was posted


def test_nothing_reloads_that_did_not_change(live: AppContext, window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    orders = window.show_page("purchase_orders")
    idle(qtbot, live)
    fetched = orders.model.pages_fetched
    other = UnitOfWork(live.database, OTHER)
    station = WorkOrderSession()
    station.start(other)
    with qtbot.waitSignal(live.hub.changed, timeout=SHOWN_WITHIN_MS) as heard:
        for code in ("WO-000001", "#BUILD", "1"):
            station.scan(other, code)
    assert heard.args[0].of("work_order") == {"WO-000001"}
    assert live.hub.origin is None
    idle(qtbot, live)
    assert orders.model.pages_fetched == fetched  # a build changes no purchase order

    number = next(
        po.number
        for po in purchasing.list_purchase_orders(other).rows
        if "close" in purchasing.get_purchase_order(other, po.number).actions
    )
    with qtbot.waitSignal(live.hub.changed, timeout=SHOWN_WITHIN_MS):
        purchasing.close_purchase_order(other, number)
    idle(qtbot, live)
    assert orders.model.pages_fetched == fetched + 1  # a purchase order closed: read again
    assert work_orders.get_work_order(other, "WO-000001").built == 1


def test_a_window_that_stops_listening_hears_nothing_more(live: AppContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    heard: list[object] = []
    live.hub.changed.connect(heard.append)
    other = UnitOfWork(live.database, OTHER)
    station = WorkOrderSession()
    station.start(other)
    live.close()
    for code in ("WO-000001", "#BUILD", "1"):
        station.scan(other, code)
    live.go_live()  # listening again from now on: the build before is not news
    with qtbot.waitSignal(live.hub.changed, timeout=SHOWN_WITHIN_MS):
        station.scan(other, "#BUILD")
        station.scan(other, "1")
    assert len(heard) == 1 and heard[0].of("work_order") == {"WO-000001"}  # type: ignore[attr-defined]
