"""What the order views share: opening a linked record, the row of links to the records an
order made, the grid of a document's fields and the address it ships to, the scanner reading
keystrokes until Enter."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.services import kinds
from app.views.common.runner import AppContext
from app.views.common.status import ACCENT, MUTED, font
from app.views.common.widgets import caption_label, hbox


def open_record(ctx: AppContext, kind: str | None, number: str, origin: str | None = None) -> bool:
    """Open the page that shows a document (a kind without a page of its own, such as a
    receipt, on the page of its `origin`); False when no page shows it."""
    found = kinds.page_for(kind, number, origin)
    if found is None:
        return False
    page, shown = found
    ctx.navigate.emit(page, {"number": shown})
    return True


def links_html(numbers: Sequence[str]) -> str:
    """Document numbers as links (`number` is the link's target)."""
    if not numbers:
        return f"<span style='color:{MUTED}'>—</span>"
    return ", ".join(
        f"<a href='{n}' style='color:{ACCENT}; font-weight:bold'>{n}</a>" for n in numbers
    )


class LinkLabel(QLabel):
    """A label of document-number links; clicking one opens that record."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.numbers: list[str] = []
        self.setFont(font(13))
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.setWordWrap(True)
        self.linkActivated.connect(lambda number: open_record(ctx, None, number))
        self.set_numbers([])

    def set_numbers(self, numbers: Sequence[str]) -> None:
        self.numbers = list(numbers)
        self.setText(links_html(self.numbers))


def fields_grid(
    names: Sequence[tuple[str, str]],
    columns: int,
    bold: Sequence[str] = (),
    widgets: dict[str, QWidget] | None = None,
) -> tuple[QGridLayout, dict[str, QLabel]]:
    """A grid of captions over values, `columns` wide; returns the layout and the value
    labels. `widgets` puts a widget of one's own (a link) in place of a key's label."""
    grid = QGridLayout()
    grid.setHorizontalSpacing(28)
    grid.setVerticalSpacing(2)
    values: dict[str, QLabel] = {}
    top = Qt.AlignmentFlag.AlignTop
    for n, (key, caption) in enumerate(names):
        row, column = (n // columns) * 2, n % columns
        grid.addWidget(caption_label(caption), row, column, top)
        own = (widgets or {}).get(key)
        if own is not None:
            grid.addWidget(own, row + 1, column, top)
            continue
        value = QLabel("—")
        value.setFont(font(13, bold=key in bold))
        value.setObjectName(f"field_{key}")
        value.setWordWrap(True)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        values[key] = value
        grid.addWidget(value, row + 1, column, top)
    for c in range(columns):
        grid.setColumnStretch(c, 1)
    return grid, values


def beside_ship_to(grid: QGridLayout, name: str) -> tuple[QHBoxLayout, QLabel]:
    """The fields (three parts of the width) beside the address the order ships to (one);
    returns the row and the address label, named `name`."""
    ship = QVBoxLayout()
    ship.setSpacing(4)
    ship.addWidget(caption_label("Ships to"))
    ship_to = caption_label()
    ship_to.setObjectName(name)
    ship_to.setFont(font(13))
    ship_to.setStyleSheet("")
    ship.addWidget(ship_to)
    ship.addStretch(1)
    row = hbox(spacing=28)
    row.addLayout(grid, 3)
    row.addLayout(ship, 1)
    return row, ship_to


# --- the scanner ---------------------------------------------------------------------------


class ScannerInput(QObject):
    """Reads a USB barcode scanner, which types like a keyboard and ends with Enter, whichever
    widget of `page`'s window has the focus: printable keys collect until Enter, then
    `scanned(text)`. Backspace and Esc edit what is collected; keys with Ctrl or Alt (the
    window's shortcuts) and everything in other windows (dialogs) pass through."""

    scanned = Signal(str)
    collected = Signal(str)

    def __init__(self, page: QWidget) -> None:
        super().__init__(page)
        self.page = page
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

    def _set(self, text: str) -> None:
        self.buffer = text
        self.collected.emit(text)

    def _wants(self, event: QKeyEvent) -> bool:
        """Whether this key belongs to the scan being collected."""
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Backspace, Qt.Key.Key_Escape):
            return bool(self.buffer)
        text = event.text()
        return bool(text) and text.isprintable()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return False
        if not isinstance(event, QKeyEvent):
            return False
        if not isinstance(watched, QWidget) or not self.page.isVisible():
            return False
        if watched.window() is not self.page.window():
            return False
        modifiers = event.modifiers() & ~(
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
        )
        if modifiers != Qt.KeyboardModifier.NoModifier:
            return False
        if kind == QEvent.Type.ShortcutOverride:
            # A key the scan needs (Esc while collecting) comes as a key press, not as the
            # window's shortcut.
            if self._wants(event):
                event.accept()
            return False
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if not self.buffer:
                return False
            text = self.buffer
            self._set("")
            self.scanned.emit(text)
            return True
        if key == Qt.Key.Key_Backspace and self.buffer:
            self._set(self.buffer[:-1])
            return True
        if key == Qt.Key.Key_Escape and self.buffer:
            self._set("")
            return True
        text = event.text()
        if text and text.isprintable():
            self._set(self.buffer + text)
            return True
        return False
