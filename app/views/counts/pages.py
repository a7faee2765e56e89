"""Cycle counts: the list (filters in the database) with a new count, and one count with its
lines in the order a counter walks the shelves (a tracked item's lot by lot) and the actions
its status allows: enter counts (and the lots found), approve, post, cancel, and its count
sheet."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QWidget,
)

from app.errors import ShopfloorError
from app.services.catalog import items
from app.services.catalog.items import LocationInfo
from app.services.counts import counts, sheet
from app.services.counts.counts import (
    CountKey,
    CountLineInfo,
    CountStarted,
    CycleCountInfo,
    CycleCountSummary,
)
from app.services.engine import changes as kinds
from app.services.engine.changes import Changes
from app.services.engine.paging import PageRequest
from app.services.engine.uow import UnitOfWork
from app.services.kinds import document_kind
from app.views.common import format as fmt
from app.views.common.dialogs import ConfirmDialog, PostingDialog, ask_before
from app.views.common.page import DocumentPage, ListPage
from app.views.common.runner import AppContext, run_op
from app.views.common.status import SHORT, Chip
from app.views.common.table_model import Column, RowTableModel, money_column
from app.views.common.table_model import qty_column as quantity
from app.views.common.widgets import (
    button,
    caption_label,
    choice_box,
    fitted_table,
    hbox,
    page_layout,
    search_box,
    section,
    title_label,
)
from app.views.orders.common import fields_grid

CYCLE_COUNT = document_kind("cycle_count")
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

COLUMNS: list[Column[CycleCountSummary]] = [
    Column("Count", lambda r: r.number, sort="number", width=115),
    Column("At", lambda r: r.location, sort="location", width=90),
    Column("Status", lambda r: r.status_label, sort="status", status=lambda r: r.status, width=120),
    Column("Counted", lambda r: f"{r.counted} of {r.lines}", width=95),
    Column("Started", lambda r: fmt.when(r.created_at), sort="created", width=165),
    Column("By", lambda r: r.created_by, width=80),
    Column("Posted", lambda r: fmt.when(r.posted_at), sort="posted", width=165),
    Column(
        "What",
        lambda r: r.selection + (f" · {r.memo}" if r.memo else ""),
        tooltip=lambda r: r.memo or "",
        width=220,
    ),
]
LINE_COLUMNS: list[Column[CountLineInfo]] = [
    Column("Line", lambda r: r.line_no, width=50),
    Column("Bin", lambda r: r.bin or "", width=80),
    Column("Item", lambda r: r.sku, width=140),
    Column("Name", lambda r: r.name, width=200),
    Column(
        "Lot / serial",
        lambda r: lot_words(r),
        tooltip=lambda r: f"expires {r.expires.isoformat()}" if r.expires else "",
        width=130,
    ),
    Column(
        "Counted",
        lambda r: "" if r.counted is None else f"{fmt.qty(r.counted)} {r.uom}",
        align=RIGHT,
        width=100,
    ),
    quantity("On hand then", lambda r: r.on_hand_when_counted, width=115),
    quantity("Difference", lambda r: r.difference, width=100),
    money_column("Value", lambda r: r.value),
    Column(
        "Counted by",
        lambda r: r.counted_by or "",
        tooltip=lambda r: f"counted {fmt.when(r.counted_at)}" if r.counted_at else "",
        width=100,
    ),
]
ACTION_TEXT = {
    "enter": ("&Enter counts…", "Ctrl+E"),
    "approve": ("&Approve…", None),
    "post": ("&Post…", "Ctrl+P"),
    "cancel": ("Cancel count…", None),
}
BLIND = (
    "Blind count: what the ledger had when a line was counted, and the difference, show once "
    "the count is posted, or to those who may approve it. Orange lines differ by more than "
    "the approval threshold."
)


def lot_words(row: CountLineInfo) -> str:
    """The lot a line counts; a tracked item with none on hand says so."""
    if row.lot is not None:
        return row.lot
    return f"no {row.tracking} on hand" if row.tracking != "none" else ""


def over_threshold(row: CountLineInfo) -> Chip | None:
    return SHORT if row.over_threshold else None


class CycleCountListPage(ListPage):
    title = "Cycle counts"
    noun = "cycle count"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = page_layout(self)
        self.new_button = button(
            "&New count…", self.new_count, primary=True, name="new_cycle_count"
        )
        layout.addLayout(hbox(title_label("Cycle counts"), self.count, None, self.new_button))
        self.text = search_box(
            "count_filter_text", "Search number, what was counted, memo (Ctrl+F)", 360
        )
        self.status = choice_box(
            "count_filter_status", [(None, "Any status"), *counts.count_statuses()]
        )
        self.location = choice_box("count_filter_location", [(None, "All locations")])
        layout.addLayout(hbox(self.text, self.status, self.location, None))
        self.documents_table(
            layout,
            COLUMNS,
            name="cycle_count_table",
            settings_key="cycle_counts",
            opens="cycle_count",
        )
        self.watch_filters(self.text, self.status, self.location)
        self.dialog: Any = None
        self.locations: list[LocationInfo] = []
        run_op(self, items.list_locations).success(self._locations).run()
        self.user_changed()

    def _locations(self, found: list[LocationInfo]) -> None:
        self.locations = list(found)
        self.location.blockSignals(True)
        for loc in found:
            self.location.addItem(f"{loc.code} — {loc.name}", loc.code)
        self.location.blockSignals(False)

    def current_filters(self) -> dict[str, Any]:
        status = self.status.currentData()
        return {
            "status": [status] if status else None,
            "location": self.location.currentData(),
            "text": self.text.text().strip() or None,
        }

    def fetch(self, uow: UnitOfWork, page: PageRequest) -> Any:
        return counts.list_counts(uow, **self.filters, page=page)

    def affected_by(self, changes: Changes) -> bool:
        return changes.touches(CYCLE_COUNT, kinds.LOCATION)

    def user_changed(self) -> None:
        self.new_button.setEnabled(self.ctx.may("count.start"))

    def new_count(self) -> None:
        if not self.new_button.isEnabled():
            return
        self.dialog = StartCountDialog(self.ctx, self.locations, self)
        self.dialog.open()


class StartCountDialog(PostingDialog):
    """A new count at a location: chosen items, the items in bins starting with a prefix,
    or those not counted for some days; given together, an item must meet each."""

    def __init__(
        self, ctx: AppContext, locations: list[LocationInfo], parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, "New cycle count", parent)
        self.setObjectName("start_count_dialog")
        self.setMinimumWidth(620)
        self.body.addWidget(
            caption_label(
                "Say what to count at the location. Its lines run in the order the shelves "
                "are walked; its count sheet prints them by bin, without the quantities the "
                "ledger expects."
            )
        )
        form = QFormLayout()
        form.setVerticalSpacing(8)
        self.location = choice_box(
            "start_location", [(loc.code, f"{loc.code} — {loc.name}") for loc in locations]
        )
        self.items = QLineEdit()
        self.items.setObjectName("start_items")
        self.items.setPlaceholderText("skus separated by spaces or commas")
        self.bin_prefix = QLineEdit()
        self.bin_prefix.setObjectName("start_bin_prefix")
        self.bin_prefix.setPlaceholderText("e.g. A-02: every item in bins A-02…")
        self.days = QLineEdit()
        self.days.setObjectName("start_days")
        self.days.setPlaceholderText("e.g. 90; 0 counts every item there")
        self.memo = QLineEdit()
        self.memo.setObjectName("start_memo")
        form.addRow("&Location", self.location)
        form.addRow("&Items", self.items)
        form.addRow("&Bins starting with", self.bin_prefix)
        form.addRow("&Not counted for (days)", self.days)
        form.addRow("&Memo", self.memo)
        self.body.addLayout(form)
        self.started: CountStarted | None = None
        self.finish_layout("&Start count")

    def submit(self) -> None:
        chosen = [s for s in self.items.text().replace(",", " ").split() if s]
        self.ok.setEnabled(False)
        run_op(
            self,
            counts.start_count,
            self.location.currentData(),
            items=chosen or None,
            bin_prefix=self.bin_prefix.text().strip() or None,
            not_counted_for=self.days.text().strip() or None,
            memo=self.memo.text().strip() or None,
        ).progress("Starting the count…").done(started_words).success(self._started).failure(
            self.refused
        ).run()

    def _started(self, started: CountStarted) -> None:
        self.started = started
        self.accept()
        self.ctx.navigate.emit("cycle_count", {"number": started.count.number})


def started_words(started: CountStarted) -> str:
    info = started.count
    items = len({ln.sku for ln in info.lines})
    words = f"Started {info.number} at {info.location}: {items} items to count"
    if len(info.lines) != items:
        words += f" in {len(info.lines)} lines (a line per lot)"
    if started.left_out:
        words += f"; {len(started.left_out)} left out, on other open counts"
    return words


class CycleCountPage(DocumentPage):
    title = "Cycle count"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.info: CycleCountInfo | None = None
        layout = self.header("◀ Cycle counts", "cycle_counts", "count")
        grid, self.fields = fields_grid(
            [
                ("selection", "What is counted"),
                ("progress", "Counted"),
                ("approval", "Approval"),
                ("started", "Started"),
                ("posted", "Posted"),
                ("memo", "Memo"),
            ],
            3,
            bold=("progress", "approval"),
        )
        layout.addLayout(grid)
        self.sheet_button = button("Count &sheet…", self.count_sheet, name="count_sheet")
        self.scan_button = button("Count by sc&an", self.count_by_scan, name="count_by_scan")
        layout.addLayout(
            self.action_row(
                ACTION_TEXT, ("enter", "post"), "count_action_", self.scan_button, self.sheet_button
            )
        )
        self.lines = RowTableModel(LINE_COLUMNS, self, row_style=over_threshold)
        self.lines_table = fitted_table(self.lines, "count_lines", 3)
        self.lines_table.activated_row.connect(
            lambda r: self.ctx.navigate.emit(
                "stock_item", {"sku": r.sku, "location": self.info.location if self.info else None}
            )
        )
        layout.addWidget(section("Lines", self.lines_table), 1)
        self.note = caption_label(BLIND)
        layout.addWidget(self.note)
        self.preview: Any = None
        self._enable()

    def forget(self) -> None:
        self.info = None
        self.lines.set_rows([])

    def count_by_scan(self) -> None:
        """Walk the shelves with a scanner: the counting screen, this count opened."""
        if self.info is not None:
            self.ctx.navigate.emit("count_scan", {"scan": self.info.number})

    def refresh(self) -> None:
        if self.number:
            run_op(self, counts.get_count, self.number).success(self.show_count).run()

    def affected_by(self, changes: Changes) -> bool:
        return bool(self.number) and self.number in changes.of(CYCLE_COUNT)

    def show_count(self, info: CycleCountInfo) -> None:
        self.info = info
        self.show_heading(info, f"{info.location_name} ({info.location})")
        f = self.fields
        f["selection"].setText(info.selection)
        f["progress"].setText(
            f"{info.counted} of {info.counted + info.uncounted} lines"
            + (f" · {info.uncounted} to count" if info.uncounted and info.actions else "")
        )
        f["approval"].setText(approval_words(info))
        f["started"].setText(f"{fmt.when(info.created_at)} by {info.created_by}")
        posted = f"{fmt.when(info.posted_at)} by {info.posted_by}" if info.posted_by else "—"
        if info.reversal is not None:
            posted += (
                f" · reversed {fmt.when(info.reversal.at)} by {info.reversal.by} "
                f"(event {info.reversal.event_id})"
            )
        f["posted"].setText(posted)
        f["memo"].setText(info.memo or "—")
        self.lines.set_rows(info.lines)
        self.note.setVisible(not info.expected_shown or info.needs_approval)
        self._enable()

    def _enable(self) -> None:
        allowed = set(self.info.actions) if self.info else set()
        for action, b in self.action_buttons.items():
            b.setEnabled(action in allowed and self.ctx.may(CYCLE_COUNT.use_case(action)))
        self.sheet_button.setEnabled(self.info is not None and "enter" in allowed)
        self.scan_button.setEnabled(
            self.info is not None and "enter" in allowed and self.ctx.may("count.enter")
        )

    def act(self, action: str) -> None:
        if self.info is None or not self.action_buttons[action].isEnabled():
            return
        info = self.info
        if action == "enter":
            self._dialog(EnterCountsDialog(self.ctx, info, self))
        elif action == "approve":
            over = [ln for ln in info.lines if ln.over_threshold]
            listed = ", ".join(
                f"{ln.sku} {fmt.qty(ln.difference)} ({fmt.money(ln.value)})" for ln in over
            )
            self._dialog(
                ConfirmDialog(
                    self.ctx,
                    f"Approve {info.number}?",
                    f"These lines differ by more than {fmt.money(info.threshold)}: {listed}. "
                    "Approving lets the count post them as counted.",
                    counts.approve_count,
                    info.number,
                    name="approve_count_dialog",
                    keep="Not yet",
                    confirm="&Approve",
                    progress="Approving…",
                    done=lambda i: f"Approved {i.number}",
                    parent=self,
                )
            )
        elif action == "post":
            self._dialog(PostCountDialog(self.ctx, info, self))
        elif action == "cancel":
            self._dialog(
                ask_before(
                    "cancel",
                    self.ctx,
                    info.number,
                    f"The counts entered on {info.number} are dropped and nothing is posted; "
                    "its items may be counted again.",
                    counts.cancel_count,
                    name="cancel_count_dialog",
                    confirm="Cancel count",
                    parent=self,
                )
            )

    def count_sheet(self) -> None:
        from app.views.printing.actions import preview

        if self.info is not None:
            self.preview = preview(
                self,
                self.ctx,
                f"the count sheet of {self.info.number}",
                sheet.count_sheet_pdf,
                self.info.number,
            )


def approval_words(info: CycleCountInfo) -> str:
    if info.approved_by:
        return f"approved by {info.approved_by} {fmt.when(info.approved_at)}"
    if info.needs_approval:
        return f"needed: a difference is worth more than {fmt.money(info.threshold)}"
    if info.threshold <= 0:
        return "not needed (no threshold)"
    return f"not needed (below {fmt.money(info.threshold)})"


def count_key(row: CountLineInfo) -> CountKey:
    """What a line's count is entered as: its sku, or (sku, lot) for a lot's line."""
    return row.sku if row.lot is None else (row.sku, row.lot)


class FoundLotRow:
    """A lot found on the shelf that the count does not list: its item (one of the count's
    tracked items), its number, its expiry when it is new, and what was counted."""

    def __init__(self, skus: list[str], n: int) -> None:
        self.item = QComboBox()
        self.item.setObjectName(f"found_item_{n}")
        self.item.addItems(skus)
        self.lot = QLineEdit()
        self.lot.setObjectName(f"found_lot_{n}")
        self.lot.setPlaceholderText("lot or serial number")
        self.expires = QLineEdit()
        self.expires.setObjectName(f"found_expires_{n}")
        self.expires.setPlaceholderText("expires YYYY-MM-DD (a new lot)")
        self.quantity = QLineEdit()
        self.quantity.setObjectName(f"found_quantity_{n}")
        self.quantity.setPlaceholderText("counted")

    def widgets(self) -> list[QWidget]:
        return [self.item, self.lot, self.expires, self.quantity]


class EnterCountsDialog(PostingDialog):
    """What was counted, line by line in walk order (a tracked item lot by lot), and the
    lots found on the shelf that the count does not list; a line left blank is not changed,
    a line counted before is replaced."""

    def __init__(self, ctx: AppContext, info: CycleCountInfo, parent: QWidget | None = None):
        super().__init__(ctx, f"Enter counts: {info.number} at {info.location}", parent)
        self.info = info
        self.setObjectName("enter_counts_dialog")
        self.setMinimumWidth(760)
        self.body.addWidget(
            caption_label(
                "Write what is on each shelf, in the item's unit (0 for none); a tracked item "
                "lot by lot (a serial 1 or 0). Blank lines are left as they are; a line "
                "counted again replaces its count."
            )
        )
        inner = QWidget()
        form = QFormLayout(inner)
        form.setVerticalSpacing(8)
        self.quantities: dict[CountKey, QLineEdit] = {}
        for ln in info.lines:
            key = count_key(ln)
            edit = QLineEdit()
            edit.setObjectName(f"count_{ln.sku}" + (f"@{ln.lot}" if ln.lot else ""))
            edit.setFixedWidth(230)
            edit.setPlaceholderText(
                f"counted {fmt.qty(ln.counted)} by {ln.counted_by}"
                if ln.counted is not None
                else f"not counted yet ({ln.uom})"
            )
            self.quantities[key] = edit
            lot = lot_words(ln)
            expiry = f" (exp. {ln.expires.isoformat()})" if ln.expires else ""
            label = QLabel(
                f"<b>{ln.bin or 'no bin'}</b>&nbsp;&nbsp; {ln.sku} &nbsp;·&nbsp; {ln.name}"
                + (f" &nbsp;·&nbsp; <b>{lot}</b>{expiry}" if lot else "")
            )
            label.setWordWrap(True)
            label.setMinimumWidth(420)
            label.setBuddy(edit)
            form.addRow(label, edit)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        scroll.setMinimumHeight(min(420, 44 * len(info.lines) + 16))
        self.body.addWidget(scroll, 1)
        self.tracked = list(dict.fromkeys(ln.sku for ln in info.lines if ln.tracking != "none"))
        self.found: list[FoundLotRow] = []
        self.found_grid = QGridLayout()
        self.found_grid.setHorizontalSpacing(8)
        self.add_found_button = button("Another &lot found", self.add_found, name="add_found_lot")
        if self.tracked:
            self.body.addWidget(
                caption_label(
                    "Lots found on the shelf that are not listed: the item, the lot or serial "
                    "number (and its expiry when it is new to the plant) and what was counted."
                )
            )
            self.body.addLayout(self.found_grid)
            self.body.addLayout(hbox(self.add_found_button, None))
            self.add_found()
        else:
            self.add_found_button.hide()
        self.finish_layout("&Save counts")

    def add_found(self) -> None:
        """One more row for a lot found."""
        row = FoundLotRow(self.tracked, len(self.found) + 1)
        for column, widget in enumerate(row.widgets()):
            self.found_grid.addWidget(widget, len(self.found), column)
        self.found.append(row)

    def submit(self) -> None:
        wanted: dict[CountKey, str] = {
            key: e.text().strip() for key, e in self.quantities.items() if e.text().strip()
        }
        expires: dict[tuple[str, str], str] = {}
        for row in self.found:
            number, qty = row.lot.text().strip(), row.quantity.text().strip()
            if not number and not qty:
                continue
            if not number or not qty:
                self.refused(
                    ShopfloorError("a lot found needs its number and what was counted of it")
                )
                return
            key = (row.item.currentText(), number)
            wanted[key] = qty
            if row.expires.text().strip():
                expires[key] = row.expires.text().strip()
        if not wanted:
            self.refused(ShopfloorError("write at least one count"))
            return
        self.post(
            counts.enter_counts,
            self.info.number,
            wanted,
            expires=expires,
            progress="Saving the counts…",
            done=lambda i: (
                f"Counted {len(wanted)} lines on {i.number}: "
                f"{i.counted} of {i.counted + i.uncounted} lines counted"
            ),
        )


class PostCountDialog(PostingDialog):
    """Post the differences as one posting; lines nobody counted hold it back unless the
    counter says to post without them."""

    def __init__(self, ctx: AppContext, info: CycleCountInfo, parent: QWidget | None = None):
        super().__init__(ctx, f"Post {info.number}?", parent)
        self.info = info
        self.setObjectName("post_count_dialog")
        self.body.addWidget(
            caption_label(
                "Each counted line with a difference becomes one adjustment (reason count), "
                "against the stock as it was when the line was counted: what moved since is "
                "kept. Posting cannot be undone; a new count corrects it."
            )
        )
        self.skip = QCheckBox(
            f"Post &without the {info.uncounted} lines nobody counted (they post nothing)"
        )
        self.skip.setObjectName("post_skip_uncounted")
        self.skip.setVisible(info.uncounted > 0)
        self.body.addWidget(self.skip)
        self.cancel.setText("Not yet")
        self.finish_layout("&Post count")

    def submit(self) -> None:
        self.post(
            counts.post_count,
            self.info.number,
            skip_uncounted=self.skip.isChecked(),
            progress="Posting…",
            done=posted_words,
        )


def posted_words(info: CycleCountInfo) -> str:
    moved = [ln for ln in info.lines if ln.difference]
    listed = ", ".join(
        f"{ln.sku}{f' {ln.lot}' if ln.lot else ''} {fmt.qty(ln.difference)}" for ln in moved[:6]
    )
    more = f" and {len(moved) - 6} more" if len(moved) > 6 else ""
    return f"Posted {info.number}: " + (f"{listed}{more}" if moved else "no differences")
