"""The real-window path once: `shopfloor station` as its own process on an X server (Xvfb),
typed into by xdotool the way a USB scanner types, the build proved in the database.

Skipped where Xvfb or xdotool are missing, unless SHOPFLOOR_REQUIRE_XVFB=1. With
SHOPFLOOR_SCREENSHOTS=<dir> the screenshot is also copied there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.production import work_orders
from tests.views.xvfb import TIMEOUT_S, StationProcess


def test_a_build_typed_into_the_real_station_window(
    display: str, demo_template: Path, tmp_path: Path
) -> None:
    db_path = tmp_path / "plant.db"
    shutil.copyfile(demo_template, db_path)
    station = StationProcess(display, str(db_path), tmp_path, "floor-pc-1")
    try:
        station.scan("WO-000001", "Scan a component")
        station.scan("#BUILD", "Scan the quantity to build")
        station.scan("1", "Scan a component")

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
    finally:
        code = station.close()
    assert code == 0
