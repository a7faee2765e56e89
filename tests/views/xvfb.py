"""Real windows on an X server (Xvfb) in processes of their own, typed into by xdotool the way
a USB scanner types.

Skipped where Xvfb or xdotool are missing, unless SHOPFLOOR_REQUIRE_XVFB=1 (as in CI). The
`display` fixture (tests/views/conftest.py) starts a private X server per test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

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


@contextmanager
def xvfb_display() -> Iterator[str]:
    """A private X server, `:N`, for the length of the block."""
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
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def xdotool(name: str, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["xdotool", name, *args], env=env, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    return done.stdout.strip()


class StationProcess:
    """`shopfloor station --db DB` as its own process on `display`, found by xdotool; `scan`
    types a code and Enter and waits for the window's title to say what comes next."""

    def __init__(self, display: str, db: str, home: Path, workstation: str) -> None:
        self.env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        self.env.update(
            DISPLAY=display,
            XDG_CONFIG_HOME=str(home / "config"),
            SHOPFLOOR_USER="tester",
            SHOPFLOOR_WORKSTATION=workstation,
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "station", "--db", db],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        found = xdotool(
            "search", "--sync", "--onlyvisible", "--pid", str(self.process.pid), env=self.env
        )
        assert found, "the station window did not appear"
        self.window = found.splitlines()[-1]
        xdotool("windowfocus", "--sync", self.window, env=self.env)
        wait_for("the station to start", lambda: "Scan a work order" in self.title())

    def title(self) -> str:
        return xdotool("getwindowname", self.window, env=self.env)

    def scan(self, code: str, then: str) -> None:
        xdotool("type", "--delay", "15", code, env=self.env)
        xdotool("key", "Return", env=self.env)
        wait_for(f"the answer to {code}", lambda: then in self.title())

    def close(self) -> int:
        """Ctrl+Q, as an operator closes the station; its exit status."""
        if self.process.poll() is None:
            xdotool("key", "ctrl+q", env=self.env)
        try:
            return self.process.wait(TIMEOUT_S)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            output = self.process.communicate()[0]
            if self.process.returncode not in (0, None):
                print(output)
