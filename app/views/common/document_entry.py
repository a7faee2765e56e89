"""The entry dialog every order with lines shares: a header form the document fills, then
lines (item by type-ahead, quantity, the fields the document declares), each showing the
item's on hand, committed and available stock where it is taken from as you type, and the
button that enters it. Nothing is decided here: the service checks every value when the
document is saved and refuses in words, shown in the dialog."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QSize, QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import ShopfloorError
from app.services.orders import queries
from app.services.orders.queries import LineAvailability
from app.views.common import format as fmt
from app.views.common.geometry import size_dialog
from app.views.common.runner import AppContext, run_op
from app.views.common.status import MESSAGE_COLOURS, MUTED, SHORT, chip_style, font
from app.views.common.widgets import button, caption_label, hbox, title_label

AVAILABILITY_DELAY_MS = 300
REMOVE_WIDTH = 40
NEW_STATUSES = [
    (None, "The default (preference)"),
    ("pending_approval", "Pending approval"),
    ("pending_fulfillment", "Pending fulfillment (approved)"),
]
FIGURES = ("on_hand", "committed", "available")

Rows = Sequence[tuple[str, QWidget]]


@dataclass(frozen=True)
class LineColumn:
    """One column of the lines: its key (the field's name), its heading, its width, and
    whether what it shows sits on the right (figures)."""

    key: str
    heading: str
    width: int
    right: bool = False


class EntryLine(QWidget):
    """One line being entered: the item by type-ahead, its quantity, the fields its document
    adds (`fields`), and the item's stock where the line is taken from. A document declares
    its `columns` (line, sku, quantity, its own fields, then the three figures), the prefix of
    its lines' object names and the words on a line that is short."""

    changed = Signal()  # the item or quantity changed: read its availability again
    removed = Signal(object)

    columns: Sequence[LineColumn] = ()
    name_prefix = "line"
    short_words = "{short} more than is available now"

    def __init__(
        self,
        number: int,
        skus: QStringListModel,
        label: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.widths = {c.key: c.width for c in self.columns}
        self.setObjectName(f"{self.name_prefix}_{number}")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        self.number = QLabel(label if label is not None else str(number))
        self.number.setFixedWidth(self.widths["line"])
        self.number.setStyleSheet(f"color: {MUTED};")
        self.sku = self.edit("line_sku", "item sku")
        completer = QCompleter(skus, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.sku.setCompleter(completer)
        self.quantity = self.edit("line_quantity", "qty", right=True)
        fields = self.fields()
        self.on_hand, self.committed, self.available = (self._figure(key) for key in FIGURES)
        self.note = QLabel("")
        self.note.setObjectName("line_note")
        self.note.setStyleSheet(f"color: {MUTED};")
        self.note.setFixedWidth(sum(self.widths[key] for key in FIGURES) + 16)
        self.note.setWordWrap(True)
        self.note.hide()
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setToolTip("Remove this line")
        self.remove.setFixedWidth(REMOVE_WIDTH)
        self.remove.clicked.connect(lambda: self.removed.emit(self))
        for w in (
            self.number,
            self.sku,
            self.quantity,
            *fields,
            self.on_hand,
            self.committed,
            self.available,
            self.note,
            self.remove,
        ):
            row.addWidget(w)
        row.addStretch(1)
        self.asked: tuple[str, str, str] | None = None
        self.short = Decimal(0)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AVAILABILITY_DELAY_MS)
        self._timer.timeout.connect(self._item_changed)
        self.sku.textEdited.connect(lambda _t: self._timer.start())
        self.quantity.textEdited.connect(lambda _t: self._timer.start())
        self.sku.editingFinished.connect(self._item_changed)
        completer.activated.connect(lambda _t: self._item_changed())

    def fields(self) -> Sequence[QWidget]:
        """The document's own fields, between the quantity and the stock figures."""
        return ()

    def edit(self, name: str, placeholder: str, *, right: bool = False) -> QLineEdit:
        """A field of the line, as wide as its column (`line_<key>`)."""
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        edit.setFixedWidth(self.widths[name.removeprefix("line_")])
        if right:
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        return edit

    def _figure(self, name: str) -> QLabel:
        label = QLabel("")
        label.setObjectName(name)
        label.setFixedWidth(self.widths[name])
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        label.setFont(font(13))
        return label

    def _item_changed(self) -> None:
        if self.isVisible():  # not once the dialog has closed
            self.changed.emit()

    @property
    def is_new(self) -> bool:
        """Typed in this dialog (it may be removed and is numbered as it stands)."""
        return True

    def show_position(self, found: LineAvailability) -> None:
        position = found.position
        self.note.hide()
        for label, value in (
            (self.on_hand, position.on_hand),
            (self.committed, position.committed),
            (self.available, position.available),
        ):
            label.setText(fmt.qty(value))
            label.setStyleSheet("")
            label.show()
        self.sku.setToolTip(f"{position.sku} — {position.name}")
        self.short = found.short
        if found.short > 0:
            self.available.setText(f"{fmt.qty(position.available)} · {fmt.qty(found.short)} short")
            self.available.setStyleSheet(chip_style(SHORT, padding="2px 8px"))
            self.available.setToolTip(self.short_words.format(short=fmt.qty(found.short)))
        else:
            self.available.setToolTip("")

    def show_note(self, text: str) -> None:
        for label in (self.on_hand, self.committed, self.available):
            label.setText("")
            label.hide()
        self.note.setText(text)
        self.note.setToolTip(text)
        self.note.setVisible(bool(text))


L = TypeVar("L", bound=EntryLine)


class DocumentEntryDialog(QDialog, Generic[L]):
    """Enter (or change) an order with lines. The document makes its header fields, then
    `finish_layout` lays out the header, the lines and the buttons; it says which location
    the lines are taken from (`taken_from`), how a new line is made (`new_line`) and what
    saving posts (`submit`, through `post`)."""

    saved = Signal(object)  # the document's info

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None,
        *,
        name: str,
        heading: str,
        size: QSize,
        prefix: str,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.prefix = prefix
        self.setObjectName(name)
        self.setWindowTitle(heading)
        self.setModal(True)
        size_dialog(self, size)
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(24, 20, 24, 20)
        self.outer.setSpacing(12)
        self.outer.addWidget(title_label(heading))
        self.lines: list[L] = []

    def finish_layout(
        self,
        left: Rows,
        right: Rows,
        *,
        stretch: tuple[int, int],
        columns: Sequence[LineColumn],
        caption: str,
        save_text: str,
    ) -> None:
        """The header's two forms (`left` and `right` rows, in `stretch`), the lines under
        their `columns`' headings with the add button and its `caption`, the refusal, and
        Cancel and the save button (Ctrl+Return)."""
        header = QHBoxLayout()
        header.setSpacing(32)
        for rows, factor in ((left, stretch[0]), (right, stretch[1])):
            form = QFormLayout()
            form.setVerticalSpacing(8)
            for label, field in rows:
                form.addRow(label, field)
            header.addLayout(form, factor)
        self.outer.addLayout(header)

        self.skus = QStringListModel(self)
        self.outer.addWidget(title_label("Lines", 14))
        self.outer.addWidget(self._heading_row(columns))
        self.lines_box = QWidget()
        self.lines_layout = QVBoxLayout(self.lines_box)
        self.lines_layout.setContentsMargins(0, 0, 0, 0)
        self.lines_layout.setSpacing(6)
        self.lines_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.lines_box)
        self.outer.addWidget(scroll, 1)
        self.add_button = button("&Add line", self.add_line, name=f"{self.prefix}_add_line")
        self.outer.addLayout(hbox(self.add_button, caption_label(caption, wrap=False), None))

        self.error = QLabel()
        self.error.setObjectName(f"{self.prefix}_error")
        self.error.setWordWrap(True)
        self.error.setFont(font(12, bold=True))
        self.error.setStyleSheet(chip_style(MESSAGE_COLOURS["error"], padding="8px 12px"))
        self.error.hide()
        self.outer.addWidget(self.error)
        self.save_button = button(
            save_text, self.submit, primary=True, name=f"{self.prefix}_save", shortcut="Ctrl+Return"
        )
        self.outer.addLayout(hbox(None, button("Cancel", self.reject), self.save_button))
        self._no_default_buttons()

    def _no_default_buttons(self) -> None:
        """Return after a line's quantity opens the next line: no button of the dialog takes
        Return, so only the save button itself or Ctrl+Return enters the order, never the
        last Return of a line."""
        for b in self.findChildren(QPushButton):
            b.setDefault(False)
            b.setAutoDefault(False)

    @staticmethod
    def _heading_row(columns: Sequence[LineColumn]) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        for column in columns:
            label = QLabel(column.heading)
            label.setFont(font(12, bold=True))
            label.setFixedWidth(column.width)
            if column.right:
                label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            layout.addWidget(label)
        layout.addStretch(1)
        return row

    def taken_from(self) -> str:
        """The location whose stock the lines show ("": none chosen yet)."""
        raise NotImplementedError

    def new_line(self, number: int) -> L:
        """A new empty line numbered `number`."""
        raise NotImplementedError

    def submit(self) -> None:  # pragma: no cover - every dialog has its own
        raise NotImplementedError

    def where_changed(self) -> None:
        """The location the lines are taken from changed: read every line's stock again."""
        for line in self.lines:
            line.asked = None
            self.check_line(line)

    # --- lines ---------------------------------------------------------------------------

    def add_line(self) -> L:
        line = self._add(self.new_line(len(self.lines) + 1))
        line.sku.setFocus()
        return line

    def _add(self, line: L) -> L:
        self.lines.append(line)
        self.lines_layout.insertWidget(self.lines_layout.count() - 1, line)
        line.changed.connect(lambda: self.check_line(line))
        line.removed.connect(self._remove)
        line.quantity.returnPressed.connect(self._next_line)
        self._no_default_buttons()
        if not line.is_new:
            self.check_line(line)
        return line

    def _remove(self, line: L) -> None:
        if line in self.lines and line.is_new:
            self.lines.remove(line)
            line.hide()
            line.deleteLater()
            for n, other in enumerate(self.lines, start=1):
                if other.is_new:
                    other.number.setText(str(n))

    def _next_line(self) -> None:
        if self.lines and self.lines[-1].sku.text().strip():
            self.add_line()

    def check_line(self, line: EntryLine) -> None:
        """Ask the service for the item's stock where the lines are taken from, and what the
        quantity typed lacks there (nothing saved)."""
        sku = line.sku.text().strip()
        qty = line.quantity.text().strip()
        where = self.taken_from()
        if not sku:
            line.asked = None
            line.show_note("")
            return
        asked = (sku, qty, where)
        if asked == line.asked:
            return
        line.asked = asked
        run_op(self, queries.line_availability, sku, qty, where or None).success(
            lambda found: self._position(line, asked, found)
        ).failure(lambda e: self._no_position(line, asked, e)).run()

    def _current(self, line: EntryLine, asked: tuple[str, str, str]) -> bool:
        return line in self.lines and line.asked == asked

    def _position(
        self, line: EntryLine, asked: tuple[str, str, str], found: LineAvailability
    ) -> None:
        if self._current(line, asked):
            line.show_position(found)

    def _no_position(self, line: EntryLine, asked: tuple[str, str, str], e: ShopfloorError) -> None:
        if self._current(line, asked):
            line.show_note(e.message)

    # --- saving --------------------------------------------------------------------------

    def post(
        self,
        fn: Callable[..., Any],
        *args: Any,
        progress: str,
        done: Callable[[Any], str],
        **kwargs: Any,
    ) -> None:
        """Save through `fn(*args, **kwargs)`: the dialog closes on success and shows a
        refusal in words to be corrected."""
        self.save_button.setEnabled(False)
        self.error.hide()
        run_op(self, fn, *args, **kwargs).progress(progress).done(done).success(
            self._saved
        ).failure(self._refused).run()

    def _saved(self, info: object) -> None:
        self.saved.emit(info)
        self.accept()

    def _refused(self, exc: ShopfloorError) -> None:
        self.save_button.setEnabled(True)
        self.error.setText(exc.message)
        self.error.show()
