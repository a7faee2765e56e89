"""The real-window path once: `shopfloor station` as its own process on an X server (Xvfb),
typed into by xdotool the way a USB scanner types, the build proved in the database.

Skipped where Xvfb or xdotool are missing, unless SHOPFLOOR_REQUIRE_XVFB=1. With
SHOPFLOOR_SCREENSHOTS=<dir> the screenshot is also copied there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.production import work_orders

REQUIRE = os.environ.get("SHOPFLOOR_REQUIRE_XVFB") == "1"
TOOLS = ("Xvfb", "xdotool", "import")
TIMEOUT_S = 60.0


def wait_for(what: str, check: Callable[[], bool], timeout: float = TIMEOUT_S) -> None:
    """Poll another process's state (a window title, a database row), bounded."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def display() -> Iterator[str]:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        if REQUIRE:
            pytest.fail(f"SHOPFLOOR_REQUIRE_XVFB=1 but {', '.join(missing)} missing")
        pytest.skip(f"no {', '.join(missing)} here (scripts/setup.sh installs them)")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()  # Xvfb picks a free display and says which
    if not number:
        server.kill()
        pytest.fail("Xvfb did not start")
    yield f":{number}"
    server.terminate()
    server.wait(10)


def xdotool(name: str, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["xdotool", name, *args], env=env, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    return done.stdout.strip()


def test_a_build_typed_into_the_real_station_window(
    display: str, demo_template: Path, tmp_path: Path
) -> None:
    db_path = tmp_path / "plant.db"
    shutil.copyfile(demo_template, db_path)
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(
        DISPLAY=display,
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        SHOPFLOOR_USER="tester",
        SHOPFLOOR_WORKSTATION="floor-pc-1",
    )
    app = subprocess.Popen(
        [sys.executable, "-m", "app", "station", "--db", str(db_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        found = xdotool("search", "--sync", "--onlyvisible", "--pid", str(app.pid), env=env)
        assert found, "the station window did not appear"
        window = found.splitlines()[-1]
        xdotool("windowfocus", "--sync", window, env=env)

        def title() -> str:
            return xdotool("getwindowname", window, env=env)

        def scan(code: str, then: str) -> None:
            xdotool("type", "--delay", "15", code, env=env)
            xdotool("key", "Return", env=env)
            wait_for(f"the answer to {code}", lambda: then in title())

        wait_for("the station to start", lambda: "Scan a work order" in title())
        scan("WO-000001", "Scan a component")
        scan("#BUILD", "Scan the quantity to build")
        scan("1", "Scan a component")

        uow = UnitOfWork(Database(f"sqlite:///{db_path}"), Actor("tester", "bench"))
        info = work_orders.get_work_order(uow, "WO-000001")
        assert info.built == 1 and info.status == "in_process"

        shot = tmp_path / "station-xvfb.png"
        subprocess.run(
            ["import", "-display", display, "-window", "root", str(shot)],
            check=True,
            timeout=TIMEOUT_S,
        )
        assert shot.stat().st_size > 10_000
        if os.environ.get("SHOPFLOOR_SCREENSHOTS"):
            shutil.copyfile(shot, Path(os.environ["SHOPFLOOR_SCREENSHOTS"]) / "station-xvfb.png")

        xdotool("key", "ctrl+q", env=env)
        assert app.wait(TIMEOUT_S) == 0
    finally:
        if app.poll() is None:
            app.kill()
        output = app.communicate()[0]
        if app.returncode not in (0, None):
            print(output)
