"""What every scan screen shares: the keyboard-wedge reader, the answer's level as a colour
and a mark, and scans handed to a session one at a time through the runner.

A USB barcode scanner types its code like a keyboard and ends it with Enter. `ScanReader`
collects those keys in one window whichever of its widgets has the focus, so nobody has to
click into a field before scanning; the scan station (a window that is nothing but a scan
screen) and the scanner pages of the main window (which share the window with its shortcuts,
lists and search boxes) read it the same way.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from app.views.common.runner import AppContext, run_op
from app.views.common.status import MESSAGE_COLOURS, Chip

# A scan outcome's level -> the palette's message kind, and the mark shown before the words.
LEVEL_KIND = {"done": "success", "refused": "error", "info": "info", "ask": "warning"}
INFO_MARK = "●"
LEVEL_MARK = {"done": "✔", "refused": "✖", "info": INFO_MARK, "ask": "?"}
MAX_TYPED = 256  # characters collected before Enter; a scan is never this long
_ENDS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab)  # some scanners end with Tab
_EDITS = (*_ENDS, Qt.Key.Key_Backspace, Qt.Key.Key_Escape)
_PLAIN = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier


def level_chip(level: str) -> Chip:
    """The colours of an answer at `level`."""
    return MESSAGE_COLOURS[LEVEL_KIND.get(level, "info")]


def level_mark(level: str) -> str:
    return LEVEL_MARK.get(level, INFO_MARK)


class ScanReader(QObject):
    """Reads the scanner in `widget`'s window while `widget` is visible, whichever widget has
    the focus: printable keys collect (`typed(text)` says what is collected so far); Enter,
    Return or Tab ends the scan (`scanned(text)`); Backspace takes a character back; Escape
    drops what is collected. `start()` begins reading, `stop()` ends it and drops what was
    collected.

    `exclusive`: the window is a scan screen and nothing else (the station): every key is
    the reader's, Enter with nothing collected is a scan too, Escape also asks to drop what
    is staged (`escaped`) and Ctrl+Q to close (`quit_requested`). Otherwise only the keys a
    scan needs are taken: keys with Ctrl or Alt (the window's shortcuts), Enter, Backspace
    and Escape with nothing collected, and every key in another window (a dialog) pass
    through."""

    scanned = Signal(str)
    typed = Signal(str)
    escaped = Signal()
    quit_requested = Signal()

    def __init__(self, widget: QWidget, *, exclusive: bool = False) -> None:
        super().__init__(widget)
        self.widget = widget
        self.exclusive = exclusive
        self.buffer = ""
        self.listening = False

    def start(self) -> None:
        app = QApplication.instance()
        if app is not None and not self.listening:
            app.installEventFilter(self)
            self.listening = True

    def stop(self) -> None:
        app = QApplication.instance()
        if app is not None and self.listening:
            app.removeEventFilter(self)
            self.listening = False
        self._set("")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return False
        if not isinstance(event, QKeyEvent) or not isinstance(watched, QWidget):
            return False
        if watched.window() is not self.widget.window() or not self.widget.isVisible():
            return False
        if kind == QEvent.Type.ShortcutOverride:
            # A key the scan needs comes as a key press, not as one of the window's shortcuts.
            if self._wants(event):
                event.accept()
                return self.exclusive
            return False
        return self._key(event)

    def _wants(self, event: QKeyEvent) -> bool:
        """Whether a key belongs to the scan being collected."""
        if self.exclusive:
            return True
        if event.modifiers() & ~_PLAIN:
            return False
        if event.key() in _EDITS:
            return bool(self.buffer)
        text = event.text()
        return bool(text) and text.isprintable()

    def _key(self, event: QKeyEvent) -> bool:
        """Take one key press; False lets it through to the window."""
        key = event.key()
        if self.exclusive and _control(event):
            if key == Qt.Key.Key_Q:
                self.quit_requested.emit()
            return True  # keys are scan text here, never shortcuts
        if not self.exclusive and event.modifiers() & ~_PLAIN:
            return False
        if key in _EDITS and not self.buffer and not self.exclusive:
            return False
        if key in _ENDS:
            text = self.buffer
            self._set("")
            self.scanned.emit(text)
        elif key == Qt.Key.Key_Escape:
            self._set("")
            if self.exclusive:
                self.escaped.emit()
        elif key == Qt.Key.Key_Backspace:
            self._set(self.buffer[:-1])
        else:
            text = event.text()
            if not (text and text.isprintable()):
                return self.exclusive
            if len(self.buffer) < MAX_TYPED:
                self._set(self.buffer + text)
        return True

    def _set(self, text: str) -> None:
        self.buffer = text
        self.typed.emit(text)


def _control(event: QKeyEvent) -> bool:
    return bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)


class ScanQueue(QObject):
    """Scans handed to a session's `scan(uow, text)` one at a time, in the background; each
    answer comes back by `answered(outcome)`. Scans arriving while one is posted wait their
    turn, so a command scanned twice is read twice, after the first has finished. `refresh()`
    reads the session's document again (`read_again(uow)`, someone else posted against it)
    in the same turn, after the scans already waiting; its state comes back by
    `refreshed(state)`."""

    answered = Signal(object)
    refreshed = Signal(object)

    def __init__(
        self,
        parent: QWidget,
        ctx: AppContext,
        scan: Callable[..., Any],
        read_again: Callable[..., Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self.widget = parent
        self.ctx = ctx
        self.scan = scan
        self.read_again = read_again
        self.waiting: deque[str] = deque()
        self.busy = False
        self.refresh_wanted = False
        ctx.unexpected.connect(lambda _text: self._fault())

    def submit(self, text: str) -> None:
        self.waiting.append(text)
        self._next()

    def refresh(self) -> None:
        """Read the document again once the scans waiting now are answered (one refresh
        waits at most: it reads whatever was posted until it runs)."""
        if self.read_again is not None:
            self.refresh_wanted = True
            self._next()

    def _next(self) -> None:
        if self.busy:
            return
        if self.waiting:
            text = self.waiting.popleft()
            self.busy = True
            run_op(self.widget, self.scan, text).progress(f"Scanning {text}…").success(
                self._answered
            ).run()
        elif self.refresh_wanted and self.read_again is not None:
            self.refresh_wanted = False
            self.busy = True
            run_op(self.widget, self.read_again).success(self._refreshed).failure(
                lambda _exc: self._refreshed(None)
            ).run()

    def _answered(self, answer: Any) -> None:
        self.busy = False
        self.answered.emit(answer)
        self._next()

    def _refreshed(self, state: Any) -> None:
        self.busy = False
        if state is not None:
            self.refreshed.emit(state)
        self._next()

    def _fault(self) -> None:
        if self.busy:  # a fault in the program: what was queued is dropped, not guessed at
            self.busy = False
            self.waiting.clear()
            self.refresh_wanted = False
