"""Small widgets every view uses: the message line, tables, figure cards, titles, forms,
filters."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QMouseEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.views.common.status import (
    ACCENT,
    FIGURE_POINT_SIZE,
    MESSAGE_COLOURS,
    MUTED,
    ROW_HEIGHT,
    TITLE_POINT_SIZE,
    Chip,
    ChipDelegate,
    font,
)
from app.views.common.table_model import SORT_ROLE, PagedTableModel, RowTableModel

MESSAGE_SHOWN_MS = 10_000


class MessageBar(QFrame):
    """One line at the top of the window for outcomes in words: green done, red refused.
    Success and information fade after a while; a refusal stays until the next message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("message_bar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 8, 8)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setFont(font(13, bold=True))
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Hide this message (Esc)")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.kind = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    @property
    def text(self) -> str:
        return self.label.text()

    def show_message(self, text: str, kind: str = "info") -> None:
        c = MESSAGE_COLOURS.get(kind, MESSAGE_COLOURS["info"])
        self.kind = kind
        self.setStyleSheet(
            f"#message_bar {{ background: {c.background}; border: 1px solid {c.foreground}; "
            f"border-radius: 6px; }} QLabel, QToolButton {{ color: {c.foreground}; }}"
        )
        mark = {"success": "✔", "error": "✖", "warning": "!"}.get(kind, "i")
        self.label.setText(f"{mark}  {text}")
        self.show()
        if kind == "error":
            self._timer.stop()
        else:
            self._timer.start(MESSAGE_SHOWN_MS)


def title_label(text: str, point_size: int = TITLE_POINT_SIZE) -> QLabel:
    label = QLabel(text)
    label.setFont(font(point_size, bold=True))
    return label


def caption_label(text: str = "", *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet(f"color: {MUTED};")
    label.setWordWrap(wrap)
    return label


def button(
    text: str,
    slot: Callable[[], object] | None = None,
    *,
    shortcut: str | None = None,
    primary: bool = False,
    name: str | None = None,
) -> QPushButton:
    """A push button with its shortcut shown in the tool tip."""
    b = QPushButton(text)
    b.setMinimumHeight(40)
    if slot is not None:
        b.clicked.connect(lambda _checked=False: slot())
    if shortcut:
        b.setShortcut(QKeySequence(shortcut))
        b.setToolTip(f"{text.replace('&', '')} ({shortcut})")
    if primary:
        b.setDefault(True)
        b.setStyleSheet(
            f"QPushButton {{ background: {ACCENT}; color: white; font-weight: bold; "
            "border-radius: 6px; padding: 6px 18px; }"
            "QPushButton:disabled { background: #9AA7B0; color: #EEF1F3; }"
        )
    if name:
        b.setObjectName(name)
    return b


def shortcut(
    parent: QWidget, keys: str, slot: Callable[[], object], *, window: bool = False
) -> QShortcut:
    """A keyboard shortcut on `parent` (and its children), or on its whole window."""
    s = QShortcut(QKeySequence(keys), parent)
    s.setContext(
        Qt.ShortcutContext.WindowShortcut
        if window
        else Qt.ShortcutContext.WidgetWithChildrenShortcut
    )
    s.activated.connect(slot)
    return s


def fit_columns(table: QTableView, stretch: int) -> None:
    """A short table whose columns take the width of their heading or widest cell, and one
    column (a name) the rest: nothing clipped, no sideways scrolling."""
    header = table.horizontalHeader()
    for n in range(table.model().columnCount()):
        mode = (
            QHeaderView.ResizeMode.Stretch
            if n == stretch
            else QHeaderView.ResizeMode.ResizeToContents
        )
        header.setSectionResizeMode(n, mode)


class DataTable(QTableView):
    """A table for the floor: big rows, whole-row selection, status chips, sorting handed to
    the model (the service sorts), Enter or a double click opens the row, column widths
    remembered under `settings_key`."""

    activated_row = Signal(object)  # the row object

    def __init__(
        self,
        model: RowTableModel,
        parent: QWidget | None = None,
        *,
        settings_key: str | None = None,
        stretch: int | None = None,
        fill: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.settings_key = settings_key
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.setTabKeyNavigation(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setMinimumHeight(ROW_HEIGHT)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._chips = ChipDelegate(self)
        for n, col in enumerate(model.columns):
            if col.status is not None:
                self.setItemDelegateForColumn(n, self._chips)
            if col.width:
                self.setColumnWidth(n, col.width)
        self._stretch: int | None = None  # a stretched column kept at least `_least` wide
        self._least = 0
        if fill:  # share the width out: no sideways scrolling in a small panel
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        elif stretch is not None:
            header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
            self._least = model.columns[stretch].width or 0
            if self._least:
                self._stretch = stretch
                header.sectionResized.connect(lambda n, _old, _new: self._keep_readable(n))
        else:
            header.setStretchLastSection(True)
        if isinstance(model, PagedTableModel):
            sortable = model.sort_column()
            header.setSortIndicator(
                max(sortable, 0),
                Qt.SortOrder.DescendingOrder if model.descending else Qt.SortOrder.AscendingOrder,
            )
            header.setSortIndicatorShown(sortable >= 0)
            self.setSortingEnabled(True)
            header.sortIndicatorChanged.connect(self._sort_changed)
            model.loaded.connect(lambda _pages: self._show_sort())
        self.doubleClicked.connect(lambda index: self._activate(index.row()))
        if not fill:
            self.restore_widths()

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self._keep_readable(None)

    def _keep_readable(self, resized: int | None) -> None:
        """The stretched column takes what the others leave, but never less than its own
        width: on a small screen the table scrolls sideways instead of squeezing it away."""
        n = self._stretch
        if n is None or resized == n:
            return
        header = self.horizontalHeader()
        others = sum(
            header.sectionSize(i)
            for i in range(header.count())
            if i != n and not header.isSectionHidden(i)
        )
        squeezed = self.viewport().width() - others < self._least
        mode = QHeaderView.ResizeMode.Interactive if squeezed else QHeaderView.ResizeMode.Stretch
        if header.sectionResizeMode(n) != mode:
            header.setSectionResizeMode(n, mode)
            if squeezed:
                header.resizeSection(n, self._least)

    def _show_sort(self) -> None:
        """Show the order the rows are in (the service names its default on the first
        page)."""
        model = self.model()
        if not isinstance(model, PagedTableModel):
            return
        header = self.horizontalHeader()
        column = model.sort_column()
        order = Qt.SortOrder.DescendingOrder if model.descending else Qt.SortOrder.AscendingOrder
        if column >= 0 and (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
            column,
            order,
        ):
            header.setSortIndicatorShown(True)
            return
        header.blockSignals(True)
        header.setSortIndicator(max(column, 0), order)
        header.setSortIndicatorShown(column >= 0)
        header.blockSignals(False)

    def _sort_changed(self, section: int, _order: Qt.SortOrder) -> None:
        model = self.model()
        sortable = model.headerData(section, Qt.Orientation.Horizontal, SORT_ROLE)
        if sortable is None and isinstance(model, PagedTableModel):
            self._show_sort()  # the service cannot sort by this column: keep the order shown
        else:
            self.horizontalHeader().setSortIndicatorShown(True)

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._activate(self.currentIndex().row())
            return
        super().keyPressEvent(event)

    def _activate(self, row: int) -> None:
        model = self.model()
        if isinstance(model, RowTableModel) and 0 <= row < model.rowCount():
            self.activated_row.emit(model.row_at(row))

    def current_row(self) -> object | None:
        model = self.model()
        index = self.currentIndex()
        if isinstance(model, RowTableModel) and index.isValid():
            row: object = model.row_at(index.row())
            return row
        return None

    def select_first(self) -> None:
        if self.model().rowCount() > 0:
            self.selectRow(0)

    def save_widths(self) -> None:
        if self.settings_key:
            QSettings().setValue(
                f"columns/{self.settings_key}", self.horizontalHeader().saveState()
            )

    def restore_widths(self) -> None:
        if not self.settings_key:
            return
        state = QSettings().value(f"columns/{self.settings_key}")
        if isinstance(state, QByteArray | bytes):
            self.horizontalHeader().restoreState(QByteArray(state))

    def hideEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self.save_widths()
        super().hideEvent(event)


def fitted_table(model: RowTableModel, name: str, stretch: int) -> DataTable:
    """A short table named `name`, its columns fitted to their text and column `stretch`
    taking the rest, however little that is."""
    table = DataTable(model, fill=True)
    table.setObjectName(name)
    fit_columns(table, stretch)
    return table


class FigureCard(QFrame):
    """A big number with a caption; clicking it (or Enter when focused) opens the list
    behind the figure."""

    clicked = Signal()

    def __init__(self, caption: str, parent: QWidget | None = None, *, tone: Chip | None = None):
        super().__init__(parent)
        self.setObjectName("figure_card")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(96)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 12)
        self.value = QLabel("-")
        self.value.setFont(font(FIGURE_POINT_SIZE, bold=True))
        self.caption = QLabel(caption)
        self.caption.setFont(font(12))
        self.caption.setWordWrap(True)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)
        self.set_tone(tone)

    def set_tone(self, tone: Chip | None) -> None:
        bg, fg = (tone.background, tone.foreground) if tone else ("#FFFFFF", "#1F2A30")
        self.setStyleSheet(
            f"#figure_card {{ background: {bg}; border: 1px solid #C9D1D6; border-radius: 8px; }}"
            f"#figure_card:focus {{ border: 2px solid {ACCENT}; }}"
            f"#figure_card QLabel {{ color: {fg}; background: transparent; }}"
        )

    def set_value(self, text: str) -> None:
        self.value.setText(text)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            return
        super().keyPressEvent(event)


def hbox(*widgets: QWidget | int | None, margins: int = 0, spacing: int = 10) -> QHBoxLayout:
    """A row of widgets; an int is a stretch, None a default stretch."""
    layout = QHBoxLayout()
    layout.setContentsMargins(margins, margins, margins, margins)
    layout.setSpacing(spacing)
    for w in widgets:
        if w is None:
            layout.addStretch(1)
        elif isinstance(w, int):
            layout.addStretch(w)
        else:
            layout.addWidget(w)
    return layout


def page_layout(page: QWidget) -> QVBoxLayout:
    """A page's column of rows (the window around it gives the margins)."""
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(10)
    return layout


def section(title: str, body: QWidget, *extra: QWidget) -> QWidget:
    """A titled block: a bold heading with optional buttons on its right, then the body."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(6)
    head = hbox(title_label(title, 14), None, *extra)
    layout.addLayout(head)
    layout.addWidget(body)
    return box


def lines(items: Sequence[str]) -> str:
    return "\n".join(items)


def search_box(name: str, placeholder: str, min_width: int | None = None) -> QLineEdit:
    """The text a list is searched for."""
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    edit.setClearButtonEnabled(True)
    if min_width is not None:
        edit.setMinimumWidth(min_width)
    return edit


def choice_box(name: str, choices: Iterable[tuple[object, str]]) -> QComboBox:
    """A drop-down of (data, text) choices: a filter's status, location or type."""
    box = QComboBox()
    box.setObjectName(name)
    for data, text in choices:
        box.addItem(text, data)
    return box
