"""The scan station window: full screen, read at arm's length, driven by a scanner alone.

Every key typed into the window, whichever of its widgets has focus, is collected by the one
scan reader (app/views/common/scanner.py) until Enter (a USB scanner types its code and
Enter; a keyboard works the same), and the scan goes to the station's session
(`WorkOrderSession.scan`) through the runner. The answer shows as large coloured words (green
done, red refused with the service's reason, amber asking, blue noted), with the current
order's pick list (with the lot to take of a tracked component, amber when it expires soon,
red when expired) and the last scans beside it. While a scan is being answered the next one
is refused, so nothing is posted twice. Escape drops what is typed and staged; Ctrl+Q closes
the station.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import ShopfloorError
from app.services.auth import BADGE_PREFIX
from app.services.engine.changes import Changes
from app.services.production.work_orders import WORK_ORDER
from app.services.scanning.production import (
    BUILD,
    COMPLETE,
    StationDetail,
    StationLine,
    StationOutcome,
    WorkOrderSession,
)
from app.services.scanning.session import CLEAR, ScanState
from app.views.common import format as fmt
from app.views.common.idle import IdleWatch
from app.views.common.lots import lots_column
from app.views.common.runner import AppContext, run_op
from app.views.common.scanner import ScanReader, level_chip, level_mark
from app.views.common.status import (
    ACCENT,
    MESSAGE_COLOURS,
    MUTED,
    OK,
    Chip,
    StatusChip,
    font,
)
from app.views.common.table_model import Column, RowTableModel, qty_column

SETTINGS_LOCATION = "station/location"
RECENT_SCANS = 14
CLOCK_MS = 15_000
NAME_COLUMN = 2
LOT_COLUMN = 3
NARROW_WINDOW = 1500  # pixels: below it the pick list leaves the component's name out
WIDE_SPLIT = (5, 3)  # the pick list beside the last scans
NARROW_SPLIT = (3, 1)  # on a small screen the pick list's lot to take needs the room

STAGED = MESSAGE_COLOURS["info"]

ANSWER_POINT_SIZE = 34
PROMPT_POINT_SIZE = 22
TYPED_POINT_SIZE = 28
ORDER_POINT_SIZE = 28
TABLE_POINT_SIZE = 19
TABLE_ROW_HEIGHT = 52
RECENT_POINT_SIZE = 15


def sentence(text: str) -> str:
    """A service's message as the big answer shows it: starting with a capital."""
    return text[:1].upper() + text[1:] if text else text


PICK_COLUMNS: list[Column[StationLine]] = [
    Column("Bin", lambda p: p.bin or "—", width=110),
    Column("Component", lambda p: p.sku, width=210),
    Column("Name", lambda p: p.name),
    lots_column("Lot to take, expiry", lambda p: p.lots, width=360),
    qty_column("To issue", lambda p: p.left_to_issue, width=130),
    qty_column("Staged", lambda p: p.staged if p.staged else None, width=115),
]


def pick_style(line: StationLine) -> Chip | None:
    if line.staged:
        return STAGED
    if line.left_to_issue == 0:
        return OK
    return None


class StationWindow(QWidget):
    """The scan station over one `AppContext`. Signals for tests and the benchmark:
    `scan_started(text)` when Enter sends a scan, `answered(StationOutcome)` once the window
    shows the answer."""

    scan_started = Signal(str)
    answered = Signal(object)

    def __init__(
        self, ctx: AppContext, *, location: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        settings = QSettings()
        if location is not None:
            settings.setValue(SETTINGS_LOCATION, location)
        else:
            location = str(settings.value(SETTINGS_LOCATION, "") or "") or None
        self.session = WorkOrderSession(location=location, user=ctx.user)
        self.busy = False
        self.last_outcome: StationOutcome | None = None
        self._own_events: set[int] = set()
        self._stale = False  # someone else posted against the order: read it again
        self._refreshing = False
        self._next_scan: str | None = None  # scanned while the order was being read again
        self.setObjectName("station_window")
        self.setWindowTitle("Shopfloor scan station")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet("#station_window { background: #F4F6F7; }")
        self._build()
        self.reader = ScanReader(self, exclusive=True)
        self.reader.scanned.connect(self.submit)
        self.reader.escaped.connect(lambda: self.submit("#CLEAR"))
        self.reader.typed.connect(self._typed)
        self.reader.quit_requested.connect(self.close)
        self.reader.start()
        ctx.hub.changed.connect(self._changes)
        ctx.unexpected.connect(lambda _text: self._unexpected())
        self.idle_watch = IdleWatch(self, ctx, self.sign_out)
        self.clock = QTimer(self)
        self.clock.timeout.connect(self._tick)
        self.clock.start(CLOCK_MS)
        self._tick()
        self._show_state(self.session.state())
        self.busy = True
        run_op(self, self.session.start).success(self._started).failure(self._start_refused).run()

    # --- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        top = QFrame()
        top.setObjectName("station_top")
        top.setStyleSheet("#station_top { background: #1F2A30; } QLabel { color: #E8EDF0; }")
        bar = QHBoxLayout(top)
        bar.setContentsMargins(28, 12, 28, 12)
        self.title = QLabel("Scan station")
        self.title.setFont(font(20, bold=True))
        self.user_label = QLabel()
        self.user_label.setObjectName("station_user")
        self.user_label.setFont(font(18, bold=True))
        self.clock_label = QLabel()
        self.clock_label.setFont(font(18))
        bar.addWidget(self.title)
        bar.addStretch(1)
        bar.addWidget(self.user_label)
        bar.addSpacing(36)
        bar.addWidget(self.clock_label)
        outer.addWidget(top)

        body = QVBoxLayout()
        body.setContentsMargins(28, 20, 28, 12)
        body.setSpacing(14)
        outer.addLayout(body, 1)

        self.answer = QLabel()
        self.answer.setObjectName("station_answer")
        self.answer.setWordWrap(True)
        self.answer.setFont(font(ANSWER_POINT_SIZE, bold=True))
        self.answer.setMinimumHeight(130)
        self.answer.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        body.addWidget(self.answer)

        entry = QHBoxLayout()
        entry.setSpacing(20)
        self.prompt = QLabel()
        self.prompt.setObjectName("station_prompt")
        self.prompt.setFont(font(PROMPT_POINT_SIZE, bold=True))
        self.prompt.setWordWrap(True)
        self.prompt.setStyleSheet(f"color: {ACCENT};")
        self.typed_label = QLabel()
        self.typed_label.setObjectName("station_typed")
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSize(TYPED_POINT_SIZE)
        mono.setBold(True)
        self.typed_label.setFont(mono)
        self.typed_label.setMinimumWidth(380)
        self.typed_label.setStyleSheet(
            "background: white; border: 2px solid #8A99A3; border-radius: 8px; "
            "padding: 6px 14px; color: #1F2A30;"
        )
        entry.addWidget(self.prompt, 1)
        entry.addWidget(self.typed_label)
        body.addLayout(entry)

        columns = QHBoxLayout()
        columns.setSpacing(24)
        body.addLayout(columns, 1)

        left = QVBoxLayout()
        left.setSpacing(8)
        head = QHBoxLayout()
        self.order_label = QLabel()
        self.order_label.setObjectName("station_order")
        self.order_label.setFont(font(ORDER_POINT_SIZE, bold=True))
        self.chip = StatusChip()
        self.chip.setFont(font(17, bold=True))
        self.chip.hide()
        head.addWidget(self.order_label)
        head.addSpacing(16)
        head.addWidget(self.chip)
        head.addStretch(1)
        left.addLayout(head)
        self.order_detail = QLabel()
        self.order_detail.setObjectName("station_order_detail")
        self.order_detail.setFont(font(18))
        self.order_detail.setStyleSheet(f"color: {MUTED};")
        left.addWidget(self.order_detail)
        self.pick = RowTableModel(PICK_COLUMNS, self, row_style=pick_style)
        self.pick_table = QTableView()
        self.pick_table.setObjectName("station_pick_list")
        self.pick_table.setModel(self.pick)
        self.pick_table.setFont(font(TABLE_POINT_SIZE))
        self.pick_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pick_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.pick_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.pick_table.setShowGrid(False)
        self.pick_table.setAlternatingRowColors(True)
        self.pick_table.setWordWrap(False)
        self.pick_table.verticalHeader().hide()
        self.pick_table.verticalHeader().setDefaultSectionSize(TABLE_ROW_HEIGHT)
        self.pick_table.setStyleSheet(
            "QHeaderView::section { font-size: 16pt; font-weight: bold; padding: 8px 10px; }"
        )
        header = self.pick_table.horizontalHeader()
        header.setMinimumHeight(48)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for n, col in enumerate(PICK_COLUMNS):
            if col.width:
                self.pick_table.setColumnWidth(n, col.width)
        header.setSectionResizeMode(NAME_COLUMN, QHeaderView.ResizeMode.Stretch)
        left.addWidget(self.pick_table, 1)
        columns.addLayout(left, WIDE_SPLIT[0])

        right = QVBoxLayout()
        right.setSpacing(8)
        recent_title = QLabel("Last scans")
        recent_title.setFont(font(18, bold=True))
        right.addWidget(recent_title)
        self.recent = QListWidget()
        self.recent.setObjectName("station_recent")
        self.recent.setFont(font(RECENT_POINT_SIZE))
        self.recent.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.recent.setWordWrap(True)
        self.recent.setSpacing(3)
        self.recent.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.recent.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        right.addWidget(self.recent, 1)
        columns.addLayout(right, WIDE_SPLIT[1])
        self.columns = columns

        codes = [f"{c.code}{' / Esc' if c is CLEAR else ''}  {c.words}" for c in self.session.codes]
        made = f"the assembly, then its lot or serials  what {BUILD.code} or {COMPLETE.code} makes"
        help_bar = QLabel("    ".join([*codes, made, f"{BADGE_PREFIX}name  sign in"]))
        help_bar.setObjectName("station_help")
        help_bar.setFont(font(15, bold=True))
        help_bar.setWordWrap(True)
        help_bar.setStyleSheet(
            "background: #E3E8EC; color: #1F2A30; padding: 10px 28px; border-top: 1px solid "
            "#CBD3D9;"
        )
        outer.addWidget(help_bar)

    # --- scans ---------------------------------------------------------------------------

    def submit(self, text: str) -> None:
        """Send one scan to the station (the reader calls this on Enter). A scan that comes
        while the order is read again (someone else posted) is answered right after."""
        if self.busy or self._next_scan is not None:
            self._note(text, "refused", "Not read: still answering the last scan; scan again")
            return
        if self._refreshing:
            self._next_scan = text
            return
        self.busy = True
        self.scan_started.emit(text)
        run_op(self, self.session.scan, text).progress("Reading the scan…").success(
            self._answered
        ).failure(self._refused).run()

    def _answered(self, outcome: StationOutcome) -> None:
        self.busy = False
        if outcome.changes.event_id is not None:
            self._own_events.add(outcome.changes.event_id)
        if outcome.signed_in is not None:
            self.ctx.set_user(outcome.signed_in)
        self.show_outcome(outcome)
        self.answered.emit(outcome)
        self._catch_up()

    def _refused(self, exc: ShopfloorError) -> None:
        # The station answers refusals itself; this is a refusal from outside it (e.g. the
        # signed-in user was deactivated meanwhile).
        self.busy = False
        self._set_answer("refused", sentence(exc.message))
        self._note("", "refused", exc.message)
        self.answered.emit(None)
        self._catch_up()

    def _unexpected(self) -> None:
        self._refreshing = False
        self._next_scan = None
        if self.busy:
            self.busy = False
            self._set_answer("refused", "Something went wrong: nothing was posted by that scan")
            self.answered.emit(None)

    def _started(self, outcome: StationOutcome) -> None:
        self.busy = False
        if outcome.signed_in is None and outcome.state.user is not None:
            self.ctx.set_user(outcome.state.user)
        self.show_outcome(outcome, note=False)
        self.answered.emit(outcome)

    def _start_refused(self, exc: ShopfloorError) -> None:
        """An unknown station location: say so, forget it and work for every location."""
        self.session.location = None
        QSettings().remove(SETTINGS_LOCATION)
        self._set_answer("refused", f"{sentence(exc.message)}: this station takes any location")
        run_op(self, self.session.start).success(self._started_quietly).run()

    def _started_quietly(self, outcome: StationOutcome) -> None:
        self.busy = False
        if outcome.state.user is not None:
            self.ctx.set_user(outcome.state.user)
        self._show_state(outcome.state)

    def sign_out(self, reason: str) -> None:
        """Nobody has scanned for the idle minutes: sign the operator out, drop what was
        staged and the current order. A scan being answered finishes first."""
        if self.busy or self._refreshing:
            return
        state = self.session.sign_out()
        self.ctx.set_user(None)
        self._set_answer("ask", f"{sentence(reason)}: scan your badge to sign in")
        self._note("(idle)", "info", reason)
        self._show_state(state)

    def _changes(self, changes: Changes) -> None:
        """Someone else posted against the current order (or news too large to name came):
        read it again, once the scan being answered is done."""
        current = self.session.current
        if current is None or changes.event_id in self._own_events:
            return
        if not (changes.everything or current in changes.of(WORK_ORDER)):
            return
        self._stale = True
        self._catch_up()

    def _catch_up(self) -> None:
        """Read the current order again if someone else posted against it meanwhile (not
        while a scan is answered: its answer shows the order as it read it)."""
        if not self._stale or self.busy or self._refreshing:
            return
        self._stale = False
        self._refreshing = True
        run_op(self, self.session.refresh).success(self._refreshed).failure(
            lambda _exc: self._refreshed(None)
        ).run()

    def _refreshed(self, state: ScanState[StationDetail] | None) -> None:
        self._refreshing = False
        if state is not None:
            self._show_state(state)
        waiting, self._next_scan = self._next_scan, None
        if waiting is not None:
            self.submit(waiting)
        else:
            self._catch_up()

    # --- showing -------------------------------------------------------------------------

    def show_outcome(self, outcome: StationOutcome, *, note: bool = True) -> None:
        self.last_outcome = outcome
        self._set_answer(outcome.level, sentence(outcome.message))
        if note:
            self._note(outcome.code, outcome.level, outcome.message)
        self._show_state(outcome.state)
        row = self.pick.find(lambda line: line.sku == outcome.code)
        if row >= 0:  # keep the component just scanned in sight on a long pick list
            self.pick_table.scrollTo(self.pick.index(row, 0))

    def _set_answer(self, level: str, text: str) -> None:
        c = level_chip(level)
        self.answer.setText(f"{level_mark(level)}  {text}")
        self.answer.setProperty("level", level)
        self.answer.setStyleSheet(
            f"background: {c.background}; color: {c.foreground}; border: 3px solid "
            f"{c.foreground}; border-radius: 12px; padding: 18px 26px;"
        )

    def _note(self, code: str, level: str, message: str) -> None:
        c = level_chip(level)
        stamp = datetime.now().strftime("%H:%M:%S")
        shown = code if code else "(Enter)"
        mark = level_mark(level)
        item = QListWidgetItem(f"{stamp}   {shown}\n{mark} {sentence(message)}")
        item.setData(Qt.ItemDataRole.UserRole, level)
        item.setBackground(QColor(c.background))
        item.setForeground(QColor(c.foreground))
        self.recent.insertItem(0, item)
        while self.recent.count() > RECENT_SCANS:
            self.recent.takeItem(self.recent.count() - 1)

    def _show_state(self, state: ScanState[StationDetail]) -> None:
        where = f" · {state.detail.location}" if state.detail.location else ""
        self.title.setText(f"Scan station{where}")
        user = state.user
        if user is None:
            self.user_label.setText("Nobody signed in")
        elif not user.registered:
            self.user_label.setText(f"{user.username} (no users registered: admin)")
        else:
            self.user_label.setText(f"{user.username} ({user.role})")
        self.prompt.setText(state.prompt)
        self.setWindowTitle(f"Shopfloor scan station: {state.prompt}")
        order = state.detail.order
        if order is None:
            self.order_label.setText("No work order")
            self.order_detail.setText("Scan a work order number (WO-…) to start")
            self.chip.hide()
        else:
            self.order_label.setText(f"{order.number}   {order.item}")
            self.order_detail.setText(
                f"{order.item_name}  ·  {fmt.qty(order.built)} of {fmt.qty(order.quantity)} "
                f"built  ·  at {order.location}"
            )
            self.chip.set_status(order.status, order.status_label)
            self.chip.show()
        self.pick.set_rows(list(state.detail.lines))
        self._fit_columns()
        self._typed(self.reader.buffer if hasattr(self, "reader") else "")

    def _typed(self, text: str) -> None:
        shown = "•" * len(text) if self.session.awaiting_pin else text
        self.typed_label.setText(shown + "▏")

    def _tick(self) -> None:
        self.clock_label.setText(datetime.now().strftime("%H:%M"))

    # --- window --------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        self.activateWindow()
        self.setFocus()

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """The lot to take shows while a component is tracked; on a small floor screen the
        sku, bin, lot and quantities matter more than the name."""
        lots = any(p.lots for p in self.pick.rows)
        narrow = lots and self.width() < NARROW_WINDOW
        for n, stretch in enumerate(NARROW_SPLIT if narrow else WIDE_SPLIT):
            self.columns.setStretch(n, stretch)
        self.pick_table.setColumnHidden(LOT_COLUMN, not lots)
        self.pick_table.setColumnHidden(NAME_COLUMN, narrow)
        header = self.pick_table.horizontalHeader()
        fill = QHeaderView.ResizeMode.Stretch
        header.setSectionResizeMode(
            LOT_COLUMN, fill if narrow else QHeaderView.ResizeMode.Interactive
        )
        if not narrow:
            self.pick_table.setColumnWidth(LOT_COLUMN, PICK_COLUMNS[LOT_COLUMN].width or 0)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.reader.stop()
        self.clock.stop()
        self.idle_watch.stop()
        super().closeEvent(event)
