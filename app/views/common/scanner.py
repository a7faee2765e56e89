"""What every scan screen shares: the answer's level as a colour and a mark, and scans handed
to a session one at a time through the runner."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from app.views.common.runner import AppContext, run_op
from app.views.common.status import MESSAGE_COLOURS, Chip

# A scan outcome's level -> the palette's message kind, and the mark shown before the words.
LEVEL_KIND = {"done": "success", "refused": "error", "info": "info", "ask": "warning"}
INFO_MARK = "●"
LEVEL_MARK = {"done": "✔", "refused": "✖", "info": INFO_MARK, "ask": "?"}


def level_chip(level: str) -> Chip:
    """The colours of an answer at `level`."""
    return MESSAGE_COLOURS[LEVEL_KIND.get(level, "info")]


def level_mark(level: str) -> str:
    return LEVEL_MARK.get(level, INFO_MARK)


class ScanQueue(QObject):
    """Scans handed to a session's `scan(uow, text)` one at a time, in the background; each
    answer comes back by `answered(outcome)`. Scans arriving while one is posted wait their
    turn, so a command scanned twice is read twice, after the first has finished."""

    answered = Signal(object)

    def __init__(self, parent: QWidget, ctx: AppContext, scan: Callable[..., Any]) -> None:
        super().__init__(parent)
        self.widget = parent
        self.ctx = ctx
        self.scan = scan
        self.waiting: deque[str] = deque()
        self.busy = False
        ctx.unexpected.connect(lambda _text: self._fault())

    def submit(self, text: str) -> None:
        self.waiting.append(text)
        self._next()

    def _next(self) -> None:
        if self.busy or not self.waiting:
            return
        text = self.waiting.popleft()
        self.busy = True
        run_op(self.widget, self.scan, text).progress(f"Scanning {text}…").success(
            self._answered
        ).run()

    def _answered(self, answer: Any) -> None:
        self.busy = False
        self.answered.emit(answer)
        self._next()

    def _fault(self) -> None:
        if self.busy:  # a fault in the program: what was queued is dropped, not guessed at
            self.busy = False
            self.waiting.clear()
