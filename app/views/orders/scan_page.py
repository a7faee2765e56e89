"""What the scanner pages share: the line showing what is being scanned, the answer in
words and colour, the document scanned with its status and lines, the codes of the page's
session, the last answers, and buttons that send the same codes for whoever has no scanner at
hand."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QListWidget, QVBoxLayout, QWidget

from app.services.auth import SignedIn
from app.services.engine.changes import Changes
from app.services.scanning.session import ScanOutcome, ScanSession
from app.views.common import format as fmt
from app.views.common.page import Page
from app.views.common.runner import AppContext
from app.views.common.scanner import ScanQueue, ScanReader, level_chip, level_mark
from app.views.common.status import MUTED, StatusChip, chip_style, font
from app.views.common.widgets import button, caption_label, hbox, title_label
from app.views.orders.common import LinkLabel

HISTORY = 12


class ScanPage(Page):
    """A page driven by a scanner: subclasses give the session and the table of its
    document."""

    heading = ""
    prompt = ""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(0, 0, 0, 0)
        self.outer.setSpacing(10)
        self.outer.addWidget(title_label(self.heading))

        self.scan_line = QLabel()
        self.scan_line.setObjectName("scan_line")
        self.scan_line.setFont(font(20, bold=True))
        self.scan_line.setMinimumHeight(58)
        self.scan_line.setStyleSheet(
            "QLabel#scan_line { background: white; border: 2px solid #9AA7B0; "
            "border-radius: 8px; padding: 6px 16px; }"
        )
        self.answer = QLabel()
        self.answer.setObjectName("scan_answer")
        self.answer.setWordWrap(True)
        self.answer.setFont(font(16, bold=True))
        self.answer.setMinimumHeight(52)
        self.answer.hide()
        self.answer_level = ""

        self.session: ScanSession[Any] | None = None  # the subclass's, before `build`
        self.scanner = ScanReader(self)
        self.scanner.typed.connect(self._collected)
        self.scanner.scanned.connect(self.submit)
        self._collected("")

    def build_document(
        self, prefix: str, party: QLabel, tables: Sequence[QWidget], summary: str
    ) -> QWidget:
        """The document being scanned: its number, status chip, `party` (who it is for) and
        the link to the order it came from; the quantity scanned and waiting for its item;
        `tables` of its lines; the `summary` of what to do next. Object names start with
        `prefix`."""
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        self.document = title_label("", 17)
        self.document.setObjectName(f"{prefix}_document")
        self.chip = StatusChip()
        self.chip.setObjectName(f"{prefix}_status")
        self.chip.hide()
        self.order_link = LinkLabel(self.ctx)
        self.order_link.setObjectName(f"{prefix}_order")
        self.order_link.hide()
        column.addLayout(hbox(self.document, self.chip, party, None, self.order_link))
        self.waiting = QLabel()
        self.waiting.setObjectName(f"{prefix}_waiting")
        self.waiting.setFont(font(14, bold=True))
        self.waiting.hide()
        column.addWidget(self.waiting)
        for table in tables:
            column.addWidget(table, 1)
        self.summary = caption_label(summary)
        self.summary.setObjectName(f"{prefix}_summary")
        column.addWidget(self.summary)
        return body

    def show_document(
        self,
        number: str | None,
        status: str | None,
        status_label: str | None,
        order: str | None,
        waiting: Decimal | None,
        lot_wanted: str | None = None,
    ) -> None:
        """The document's number and status, the link to `order` (none: hidden) and the
        quantity scanned and waiting for its item, or the item waiting for its lot."""
        self.document.setText(number or "")
        if status:
            self.chip.set_status(status, status_label or status)
            self.chip.show()
        else:
            self.chip.hide()
        if order:
            self.order_link.set_numbers([order])
            self.order_link.show()
        else:
            self.order_link.hide()
        if lot_wanted is not None:
            self.waiting.setText(f"Scan {lot_wanted}")
            self.waiting.show()
        elif waiting is not None:
            self.waiting.setText(f"Quantity {fmt.qty(waiting)}: scan the item")
            self.waiting.show()
        else:
            self.waiting.hide()

    def build(self, body: QWidget, session: ScanSession[Any]) -> None:
        """Lay the page out around `body` (the table of the document being scanned), for
        `session`, which works as the window's signed-in user."""
        self.queue = ScanQueue(self, self.ctx, session.scan, session.refresh)
        self.queue.answered.connect(self._answered)
        self.queue.refreshed.connect(self.show_state)
        self.ctx.user_changed.connect(lambda user: self._user_changed(session, user))
        self.outer.addWidget(self.scan_line)
        self.outer.addWidget(self.answer)
        side = QFrame()
        side.setObjectName("scan_codes")
        side.setFixedWidth(300)
        side.setStyleSheet(
            "QFrame#scan_codes { background: white; border: 1px solid #C9D1D6; "
            "border-radius: 8px; }"
        )
        column = QVBoxLayout(side)
        column.setContentsMargins(14, 12, 14, 12)
        column.setSpacing(6)
        column.addWidget(title_label("Scan codes", 14))
        self.code_buttons: dict[str, QWidget] = {}
        for command in session.codes:
            code = command.code
            b = button(code, partial(self.submit, code), name=f"code_{code[1:].lower()}")
            b.setToolTip(command.words)
            b.setFont(font(12, bold=True))
            self.code_buttons[code] = b
            text = caption_label(command.words)
            column.addWidget(b)
            column.addWidget(text)
        column.addSpacing(8)
        column.addWidget(title_label("Last scans", 13))
        self.history = QListWidget()
        self.history.setObjectName("scan_history")
        self.history.setWordWrap(True)
        self.history.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        column.addWidget(self.history, 1)
        row = QWidget()
        split = QHBoxLayout(row)
        split.setContentsMargins(0, 0, 0, 0)
        split.setSpacing(14)
        split.addWidget(body, 1)
        split.addWidget(side)
        self.outer.addWidget(row, 1)

    # --- the scanner ---------------------------------------------------------------------

    def open_target(self, **target: Any) -> None:
        """`scan=SO-...` (a document number): as if it had been scanned."""
        code = str(target.get("scan") or "")
        if code:
            self.submit(code)

    def affected_by(self, changes: Changes) -> bool:
        """Someone else posted against the document being scanned (another station picking
        the same order): it is read again, in turn with the scans."""
        return self.session is not None and self.session.shows(changes)

    def refresh(self) -> None:
        if self.session is not None and self.session.current is not None:
            self.queue.refresh()

    def posted(self, changes: Changes) -> None:
        """The page's own scans: their answers show what they posted."""

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.scanner.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.scanner.stop()
        super().hideEvent(event)

    def _collected(self, text: str) -> None:
        if text:
            pin = self.session is not None and self.session.awaiting_pin
            self.scan_line.setText("•" * len(text) if pin else text)
            self.scan_line.setStyleSheet(
                "QLabel#scan_line { background: white; border: 2px solid #0B4A8F; "
                "border-radius: 8px; padding: 6px 16px; color: #1F2A30; }"
            )
        else:
            self.scan_line.setText(self.prompt)
            self.scan_line.setStyleSheet(
                "QLabel#scan_line { background: white; border: 2px solid #9AA7B0; "
                f"border-radius: 8px; padding: 6px 16px; color: {MUTED}; }}"
            )

    def submit(self, text: str) -> None:
        """A scan (or a code button): to the session, one at a time."""
        self.queue.submit(text)

    def _user_changed(self, session: ScanSession[Any], user: SignedIn | None) -> None:
        """Someone else works at the window now: the session works as them (what the last
        user staged is dropped)."""
        self.show_state(session.switch_user(user))

    def _answered(self, outcome: ScanOutcome[Any]) -> None:
        self.answer_level = outcome.level
        mark = level_mark(outcome.level)
        self.answer.setText(f"{mark}  {outcome.message}")
        self.answer.setStyleSheet(chip_style(level_chip(outcome.level), padding="10px 16px"))
        self.answer.show()
        self.history.insertItem(0, f"{mark} {outcome.message}")
        while self.history.count() > HISTORY:
            self.history.takeItem(self.history.count() - 1)
        if outcome.signed_in is not None:
            self.ctx.set_user(outcome.signed_in)
        self.show_state(outcome.state)

    def show_state(self, state: Any) -> None:
        """Show the session's state after a scan."""
