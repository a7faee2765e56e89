"""Where a top-level window opens: within the available area of the screen it opens on.

A floor PC often has a 1366 x 768 screen and a task bar; a size wanted by default, or one
remembered from a larger screen, is fitted to the screen the window opens on (`fit_rect`,
one rule for every window), frame and title bar included, so no edge is ever off the screen.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMargins, QObject, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget


def fit_rect(available: QRect, wanted: QRect | QSize, frame: QMargins | None = None) -> QRect:
    """The geometry (inside the frame) nearest to `wanted` whose frame lies within
    `available`: no wider or taller than the area leaves room for, and moved in by the least
    where it sticks out. A size alone is centred in the area."""
    edge = frame if frame is not None else QMargins()
    room_w = available.width() - edge.left() - edge.right()
    room_h = available.height() - edge.top() - edge.bottom()
    width = max(1, min(wanted.width(), room_w))
    height = max(1, min(wanted.height(), room_h))
    if isinstance(wanted, QSize):
        left = available.left() + edge.left() + (room_w - width) // 2
        top = available.top() + edge.top() + (room_h - height) // 2
    else:
        left = _within(wanted.left(), available.left() + edge.left(), room_w - width)
        top = _within(wanted.top(), available.top() + edge.top(), room_h - height)
    return QRect(left, top, width, height)


def _within(value: int, low: int, slack: int) -> int:
    """`value` moved into [low, low + slack] (slack: the room left over, never below 0)."""
    return max(low, min(value, low + max(0, slack)))


def frame_margins(window: QWidget) -> QMargins:
    """What the window's frame (title bar, borders) adds around it; nothing until it is shown."""
    outer, inner = window.frameGeometry(), window.geometry()
    return QMargins(
        inner.left() - outer.left(),
        inner.top() - outer.top(),
        outer.right() - inner.right(),
        outer.bottom() - inner.bottom(),
    )


def available_area(window: QWidget, wanted: QRect | QSize) -> QRect:
    """The available area of the screen the window opens on: the one under the middle of a
    remembered geometry, else its parent's or its own (a screen since unplugged falls back to
    it)."""
    screen = QGuiApplication.screenAt(wanted.center()) if isinstance(wanted, QRect) else None
    if screen is None:
        parent = window.parentWidget()
        screen = (parent.window() if parent is not None else window).screen()
    return (screen or QGuiApplication.primaryScreen()).availableGeometry()


def place_window(window: QWidget, wanted: QRect | QSize) -> None:
    """Give a top-level window `wanted` fitted to the screen it opens on (a size alone is
    centred there), and fit it again once its frame is known. A maximised or full-screen
    window keeps its state; what is fitted is its normal geometry."""
    state = window.windowState()
    keep = state & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen)
    if keep:
        window.setWindowState(state & ~keep)
    window.setGeometry(fit_rect(available_area(window, wanted), wanted, frame_margins(window)))
    if keep:
        window.setWindowState(window.windowState() | keep)
    _FitWithFrame.watch(window)


def size_dialog(dialog: QWidget, wanted: QSize) -> None:
    """A dialog's starting size, no larger than its screen leaves room for; Qt centres it over
    its parent when it is shown, and its frame is then kept on the screen."""
    dialog.resize(fit_rect(available_area(dialog, wanted), wanted).size())
    _FitWithFrame.watch(dialog)


class _FitWithFrame(QObject):
    """Keeps a new window's frame on its screen until the frame is known: a window manager
    puts its title bar and borders around the window only after it is shown (on X11, by the
    time the window is first activated)."""

    EVENTS = frozenset(
        {
            QEvent.Type.Show,
            QEvent.Type.Move,
            QEvent.Type.Resize,
            QEvent.Type.WindowActivate,
            QEvent.Type.WindowStateChange,
        }
    )

    @classmethod
    def watch(cls, window: QWidget) -> None:
        window.installEventFilter(cls(window))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self.EVENTS and isinstance(watched, QWidget) and watched.isVisible():
            keep_frame_on_screen(watched)
            if not frame_margins(watched).isNull():
                watched.removeEventFilter(self)
                self.deleteLater()
        return False


def keep_frame_on_screen(window: QWidget) -> None:
    """Move and shrink a shown window (not maximised or full screen) by the least that
    brings its whole frame onto its screen's available area."""
    if window.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
        return
    screen = window.screen() or QGuiApplication.primaryScreen()
    fitted = fit_rect(screen.availableGeometry(), window.geometry(), frame_margins(window))
    if fitted != window.geometry():
        window.setGeometry(fitted)
