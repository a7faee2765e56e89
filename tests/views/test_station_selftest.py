"""`shopfloor --self-test` in a process of its own, as an installed bundle runs it."""

from __future__ import annotations

import os
import subprocess
import sys


def test_the_self_test_builds_through_the_window_and_says_so_in_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "app", "--self-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("shopfloor self-test ok: ")
    assert "WO-000007 built 1 HUB-R-ASSY by three scans" in lines[0]
    assert "shopfloor check clean" in lines[0]
