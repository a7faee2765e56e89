"""One work order: its header, lines (short ones marked), the postings made against it, and
the actions its status allows (the state machine in the service decides, via `actions`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QTabWidget,
    QWidget,
)

from app.services.engine.changes import Changes
from app.services.inventory import LedgerRow
from app.services.production import screens, work_orders
from app.services.production.planning import ShortageLine
from app.services.production.screens import WorkOrderView
from app.services.production.work_orders import (
    WORK_ORDER,
    VarianceInfo,
    WorkOrderInfo,
    WorkOrderLineInfo,
)
from app.views.common import format as fmt
from app.views.common.dialogs import PostingDialog, ask_before
from app.views.common.page import DocumentPage
from app.views.common.runner import AppContext, run_op
from app.views.common.status import HELD, SHORT, chip_style, font
from app.views.common.table_model import Column, RowTableModel, money_column, qty_column
from app.views.common.widgets import (
    DataTable,
    button,
    caption_label,
    fit_columns,
    shortcut,
)
from app.views.production import exceptions

ACTION_TEXT = {
    "release": ("&Release", "Ctrl+R"),
    "issue": ("&Issue components…", "Ctrl+I"),
    "complete": ("Co&mplete…", "Ctrl+M"),
    "build": ("&Build…", "Ctrl+B"),
    "close": ("C&lose…", "Ctrl+Shift+L"),
    "cancel": ("Cancel order…", None),
}


@dataclass(frozen=True)
class LineRow:
    """A work order line as the table shows it, with the shortage the service reported."""

    line: WorkOrderLineInfo
    short: ShortageLine | None


LINE_COLUMNS: list[Column[LineRow]] = [
    Column("#", lambda r: r.line.line_no, width=40),
    Column("Component", lambda r: r.line.sku, width=150),
    Column("Name", lambda r: r.line.name, width=210),
    qty_column("Per", lambda r: r.line.quantity_per, width=70),
    qty_column("Required", lambda r: r.line.required),
    qty_column("Committed", lambda r: r.line.committed, width=135),
    qty_column("Issued", lambda r: r.line.issued),
    qty_column("Returned", lambda r: r.line.returned or None, width=110),
    qty_column("Scrapped", lambda r: r.line.scrapped or None, width=110),
    qty_column("Backordered", lambda r: r.line.backordered, width=145),
    qty_column("Short", lambda r: r.short.short if r.short else None, width=80),
    Column("Unit", lambda r: r.line.uom, width=60),
    Column("Backflush", lambda r: "yes" if r.line.backflush else "no"),
]
POSTING_COLUMNS: list[Column[LedgerRow]] = [
    Column("When", lambda r: fmt.when(r.posted_at), width=160),
    Column("Reason", lambda r: fmt.words(r.reason), width=120),
    Column("Item", lambda r: r.sku, width=150),
    qty_column("Quantity", lambda r: r.quantity),
    Column("At", lambda r: r.location, width=80),
    Column("By", lambda r: r.posted_by, width=110),
    Column("Event", lambda r: r.event_id),
]
VARIANCE_COLUMNS: list[Column[VarianceInfo]] = [
    Column("Component", lambda r: r.sku, width=150),
    Column("Name", lambda r: r.name, width=200),
    qty_column("Expected", lambda r: r.expected),
    qty_column("Actual", lambda r: r.actual),
    qty_column("Variance", lambda r: r.variance),
    qty_column("Scrapped", lambda r: r.scrapped or None, width=110),
    money_column("Unit cost", lambda r: r.unit_cost),
    money_column("Cost variance", lambda r: r.cost_variance),
    money_column("Scrap cost", lambda r: r.scrap_cost or None),
]


class WorkOrderPage(DocumentPage):
    title = "Work order"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.view: WorkOrderView | None = None
        layout = self.header("◀ Work orders", "work_orders", "wo", party=False)

        self.fields: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(4)
        names = [
            ("item", "Item"),
            ("quantity", "Quantity"),
            ("built", "Built"),
            ("due", "Due"),
            ("priority", "Priority"),
            ("location", "Location"),
            ("bom", "BOM revision"),
            ("created_from", "Created from"),
            ("created", "Created"),
            ("released", "Released"),
            ("closed", "Closed"),
            ("memo", "Memo"),
            ("changed", "Changed"),
        ]
        for n, (key, caption) in enumerate(names):
            cap = caption_label(caption)
            value = QLabel()
            value.setFont(font(13, bold=key in ("item", "quantity", "built", "due")))
            value.setObjectName(f"wo_{key}")
            value.setWordWrap(True)
            self.fields[key] = value
            grid.addWidget(cap, (n // 4) * 2, n % 4)
            grid.addWidget(value, (n // 4) * 2 + 1, n % 4)
        for c in range(4):
            grid.setColumnStretch(c, 1)
        layout.addLayout(grid)

        self.short_note = QLabel()
        self.short_note.setObjectName("wo_short_note")
        self.short_note.setStyleSheet(chip_style(SHORT, padding="6px 12px"))
        self.short_note.hide()
        self.traveler_button = button("&Traveler…", self.print_traveler, name="wo_traveler")
        self.labels_button = button("&Labels…", self.print_labels, name="wo_labels")
        self.preview: Any = None
        layout.addLayout(
            self.action_row(
                ACTION_TEXT, ("release",), "action_", self.traveler_button, self.labels_button
            )
        )
        # The floor's exceptions: change, hold or resume, unrelease, return, unbuild, scrap.
        layout.addLayout(self.action_row(exceptions.EXCEPTION_TEXT, (), "action_"))
        self.hold_note = QLabel()
        self.hold_note.setObjectName("wo_hold_note")
        self.hold_note.setStyleSheet(chip_style(HELD, padding="6px 12px"))
        self.hold_note.setWordWrap(True)
        self.hold_note.hide()
        layout.addWidget(self.hold_note)
        layout.addWidget(self.short_note)

        self.tabs = QTabWidget()
        self.lines = RowTableModel(
            LINE_COLUMNS, self, row_style=lambda r: SHORT if r.short else None
        )
        self.lines_table = DataTable(self.lines, settings_key="wo_lines")
        self.lines_table.setObjectName("wo_lines")
        self.lines_table.activated_row.connect(self.open_component)
        self.postings = RowTableModel(POSTING_COLUMNS, self)
        self.postings_table = DataTable(self.postings, settings_key="wo_postings")
        self.postings_table.setObjectName("wo_postings")
        self.variance = RowTableModel(VARIANCE_COLUMNS, self)
        self.variance_table = DataTable(self.variance, settings_key="wo_variance")
        # A few lines each: columns as wide as their text, the name (or item) the rest.
        fit_columns(self.lines_table, 2)
        fit_columns(self.postings_table, 2)
        fit_columns(self.variance_table, 1)
        self.tabs.addTab(self.lines_table, "Lines")
        self.tabs.addTab(self.postings_table, "Postings")
        self.tabs.addTab(self.variance_table, "Variance")
        layout.addWidget(self.tabs, 1)
        shortcut(
            self,
            "F6",
            lambda: self.tabs.setCurrentIndex((self.tabs.currentIndex() + 1) % self.tabs.count()),
        )
        self._enable()

    def open_component(self, row: LineRow) -> None:
        location = self.view.info.location if self.view else None
        self.ctx.navigate.emit("stock_item", {"sku": row.line.sku, "location": location})

    # --- data ----------------------------------------------------------------------------

    def forget(self) -> None:
        self.view = None
        self.lines.set_rows([])
        self.postings.set_rows([])
        self.variance.set_rows([])

    def refresh(self) -> None:
        if not self.number:
            return
        run_op(self, screens.work_order_view, self.number).success(self.show_view).run()

    def affected_by(self, changes: Changes) -> bool:
        if not self.number:
            return False
        if self.number in changes.of(WORK_ORDER):
            return True
        skus = {ln.sku for ln in self.view.info.lines} if self.view else set()
        return bool(skus & changes.items)

    def show_view(self, view: WorkOrderView) -> None:
        self.view = view
        info = view.info
        self.show_heading(info)
        f = self.fields
        f["item"].setText(f"{info.item} — {info.item_name}")
        f["quantity"].setText(fmt.qty(info.quantity))
        f["built"].setText(built_words(info))
        f["due"].setText(fmt.day(info.due) or "—")
        f["priority"].setText(str(info.priority))
        f["location"].setText(info.location)
        f["bom"].setText(info.bom_revision)
        f["created_from"].setText(made_for(info) or info.created_from or "—")
        f["created"].setText(f"{fmt.when(info.created_at)} by {info.created_by}")
        f["released"].setText(fmt.when(info.released_at) or "—")
        f["closed"].setText(fmt.when(info.closed_at) or "—")
        f["memo"].setText(info.memo or "—")
        f["changed"].setText(
            f"{fmt.when(info.changed_at)} by {info.changed_by}" if info.changed_at else "—"
        )
        held = exceptions.hold_words(info)
        self.hold_note.setText(held or "")
        self.hold_note.setVisible(held is not None)
        short = {s.sku: s for s in view.shortages}
        self.lines.set_rows([LineRow(ln, short.get(ln.sku)) for ln in info.lines])
        self.postings.set_rows(view.postings)
        self.variance.set_rows(info.variance)
        self.tabs.setTabText(1, f"Postings ({len(view.postings)})")
        self.tabs.setTabText(2, variance_words(info))
        if view.shortages:
            listed = ", ".join(f"{fmt.qty(s.short)} {s.sku}" for s in view.shortages)
            self.short_note.setText(f"Short: {listed}")
            self.short_note.show()
        else:
            self.short_note.hide()
        self._enable()

    def _enable(self) -> None:
        allowed = set(self.view.info.actions) if self.view else set()
        for action, b in self.action_buttons.items():
            permitted = self.ctx.may(WORK_ORDER.use_case(action))
            b.setEnabled(action in allowed and permitted)
            b.setVisible(permitted or action in ("issue", "complete", "build"))
        # Hold and resume share a place: the one that applies is shown.
        held = self.view is not None and self.view.info.held is not None
        self.action_buttons["hold"].setVisible(self.action_buttons["hold"].isVisible() and not held)
        self.action_buttons["resume"].setVisible(self.action_buttons["resume"].isVisible() and held)

    # --- actions -------------------------------------------------------------------------

    def act(self, action: str) -> None:
        if self.view is None or not self.action_buttons[action].isEnabled():
            return
        number = self.view.info.number
        if action == "release":
            run_op(self, work_orders.release_work_order, number).progress(
                f"Releasing {number}…"
            ).done(lambda info: f"Released {info.number}: " + committed_words(info)).run()
        elif action == "issue":
            self._dialog(IssueDialog(self.ctx, self.view.info, self))
        elif action in ("complete", "build"):
            self._dialog(QuantityDialog(self.ctx, self.view.info, action, self))
        elif action == "close":
            run_op(self, work_orders.preview_close, number).success(
                lambda rows: self._dialog(CloseDialog(self.ctx, self.view.info, rows, self))  # type: ignore[union-attr]
            ).run()
        elif action == "cancel":
            info = self.view.info
            self._dialog(
                ask_before(
                    "cancel",
                    self.ctx,
                    number,
                    f"{number} ({fmt.qty(info.quantity)} {info.item}) will be cancelled and what "
                    "it has committed is released. A cancelled work order cannot be reopened.",
                    work_orders.cancel_work_order,
                    name="cancel_dialog",
                    confirm="Cancel work order",
                    parent=self,
                    outcome=cancelled_words,
                )
            )
        elif action in exceptions.EXCEPTION_TEXT:
            exceptions.act(self, self.view.info, action)

    def print_traveler(self) -> None:
        from app.views.printing.actions import preview_traveler

        if self.number:
            self.preview = preview_traveler(self, self.ctx, self.number)

    def print_labels(self) -> None:
        from app.views.printing.actions import ask_finished_goods_labels

        if self.number:
            self.dialog = ask_finished_goods_labels(self, self.ctx, self.number)


def built_words(info: WorkOrderInfo) -> str:
    """What is built, and what of it was taken apart or scrapped."""
    notes = [
        f"{fmt.qty(q)} {words}"
        for q, words in ((info.unbuilt, "unbuilt"), (info.scrapped, "scrapped"))
        if q
    ]
    return fmt.qty(info.built) + (f" ({', '.join(notes)})" if notes else "")


def variance_words(info: WorkOrderInfo) -> str:
    """The variance tab's title: the cost variance, and the scrap in it."""
    if not info.variance:
        return "Variance"
    scrap = f"; scrap {fmt.money(info.scrap_total)}" if info.scrap_total else ""
    return f"Variance ({fmt.money(info.variance_total)}{scrap})"


def made_for(info: WorkOrderInfo) -> str | None:
    """The sales order line a special order builds for, in words."""
    if info.sales_order_line is None:
        return None
    return f"{info.created_from} line {info.sales_order_line}"


def cancelled_words(info: WorkOrderInfo) -> str:
    """A cancelled special order's line no longer waits for it: it ships from stock."""
    line = made_for(info)
    return f"Cancelled {info.number}" + (f"; {line} now ships from stock" if line else "")


def committed_words(info: WorkOrderInfo) -> str:
    return (
        ", ".join(
            f"{ln.sku} {fmt.qty(ln.committed)} of {fmt.qty(ln.required)}" for ln in info.lines
        )
        + " committed"
    )


class IssueDialog(PostingDialog):
    """Issue components by hand: a quantity per component (blank: not issued now)."""

    def __init__(self, ctx: AppContext, info: WorkOrderInfo, parent: QWidget | None = None):
        super().__init__(ctx, f"Issue components to {info.number}", parent)
        self.info = info
        self.setObjectName("issue_dialog")
        form = QFormLayout()
        form.setVerticalSpacing(8)
        self.quantities: dict[str, QLineEdit] = {}
        for ln in info.lines:
            edit = QLineEdit()
            edit.setObjectName(f"issue_{ln.sku}")
            edit.setPlaceholderText(f"required {fmt.qty(ln.required)}, issued {fmt.qty(ln.issued)}")
            edit.setMinimumWidth(260)
            self.quantities[ln.sku] = edit
            form.addRow(f"{ln.sku} ({ln.uom})", edit)
        self.body.addLayout(form)
        self.finish_layout("&Issue")

    def submit(self) -> None:
        wanted = {sku: e.text().strip() for sku, e in self.quantities.items() if e.text().strip()}
        self.post(
            work_orders.issue_components,
            self.info.number,
            wanted,
            progress="Issuing…",
            done=lambda i: (
                f"Issued {', '.join(f'{q} {s}' for s, q in wanted.items())} to {i.number}"
            ),
        )


class QuantityDialog(PostingDialog):
    """Complete (with or without backflush) or build a quantity of the assembly."""

    def __init__(
        self, ctx: AppContext, info: WorkOrderInfo, action: str, parent: QWidget | None = None
    ):
        verb = "Build" if action == "build" else "Complete"
        super().__init__(ctx, f"{verb} {info.item} on {info.number}", parent)
        self.info = info
        self.action = action
        self.setObjectName(f"{action}_dialog")
        self.body.addWidget(
            caption_label(
                f"{fmt.qty(info.built)} of {fmt.qty(info.quantity)} built so far. "
                + (
                    "An assembly build receives the finished goods and consumes every "
                    "component line."
                    if action == "build"
                    else "A completion receives the finished goods; with backflush it also "
                    "consumes the backflush lines in proportion."
                )
            )
        )
        self.quantity = QLineEdit()
        self.quantity.setObjectName("quantity")
        self.quantity.setFont(font(16))
        self.quantity.setPlaceholderText("quantity")
        self.quantity.returnPressed.connect(self.submit)
        form = QFormLayout()
        form.addRow("&Quantity", self.quantity)
        self.backflush = QCheckBox("with &backflush")
        self.backflush.setObjectName("backflush")
        self.backflush.setChecked(True)
        if action == "complete":
            form.addRow("", self.backflush)
        self.body.addLayout(form)
        self.finish_layout(f"&{verb}")

    def submit(self) -> None:
        qty = self.quantity.text().strip()
        number = self.info.number
        if self.action == "build":
            self.post(
                work_orders.post_assembly_build,
                number,
                qty,
                progress="Building…",
                done=lambda i: (
                    f"Built {qty} {i.item} on {i.number} "
                    f"({fmt.qty(i.built)} of {fmt.qty(i.quantity)}, {i.status_label})"
                ),
            )
        else:
            backflush = self.backflush.isChecked()
            self.post(
                work_orders.complete_work_order,
                number,
                qty,
                backflush=backflush,
                progress="Completing…",
                done=lambda i: (
                    f"Completed {qty} {i.item} on {i.number}"
                    + (" with backflush" if backflush else "")
                    + f" ({i.status_label})"
                ),
            )


class CloseDialog(PostingDialog):
    """Shows the variance closing would record, before it is recorded."""

    def __init__(
        self,
        ctx: AppContext,
        info: WorkOrderInfo,
        rows: list[VarianceInfo],
        parent: QWidget | None = None,
    ):
        super().__init__(ctx, f"Close {info.number}?", parent)
        self.info = info
        self.rows = rows
        self.setObjectName("close_dialog")
        self.setMinimumWidth(1120)
        self.body.addWidget(
            caption_label(
                f"{fmt.qty(info.built)} of {fmt.qty(info.quantity)} built. Closing freezes the "
                "work order, records this variance (what was consumed and scrapped against what "
                "the BOM says the built quantity needs, at today's standard cost; the scrap told "
                "apart, finance heard of it when it was posted) and releases what is still "
                "committed."
            )
        )
        model = RowTableModel(VARIANCE_COLUMNS, self)
        model.set_rows(rows)
        table = DataTable(model, fill=True)
        fit_columns(table, 1)  # every figure whole; the name takes what is left
        table.setObjectName("close_variance")
        table.setMinimumHeight(min(60 + 36 * len(rows), 380))
        self.body.addWidget(table)
        self.finish_layout("C&lose work order")

    def submit(self) -> None:
        self.post(
            work_orders.close_work_order,
            self.info.number,
            progress="Closing…",
            done=lambda i: f"Closed {i.number}; cost variance {fmt.money(i.variance_total)}",
        )
