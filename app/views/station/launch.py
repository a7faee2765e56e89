"""Opening the scan station: full screen on a floor PC, or beside the main window (F9)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication

from app.views.common.geometry import place_window
from app.views.common.runner import AppContext
from app.views.station.window import StationWindow


def open_station(
    ctx: AppContext, *, location: str | None = None, full_screen: bool = True
) -> StationWindow:
    """The scan station over `ctx`, shown (full screen on a floor PC)."""
    window = StationWindow(ctx, location=location)
    if full_screen:
        screen = QGuiApplication.primaryScreen()
        if screen is not None:  # without a window manager full screen alone does not resize
            window.setGeometry(screen.geometry())
        window.showFullScreen()
    else:
        place_window(window, QSize(1600, 1000))
        window.show()
    return window
