"""The work order page's exceptions: change the order, hold or resume it, take its release
back, return components, unbuild, scrap. Each is a dialog (or a question) that runs one
posting; the work order page offers them as its second row of actions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QLineEdit,
    QRadioButton,
    QWidget,
)

from app.services.production import corrections, editing, screens
from app.services.production.screens import ExceptionChoices
from app.services.production.work_orders import WorkOrderInfo
from app.views.common import format as fmt
from app.views.common.dialogs import ConfirmDialog, PostingDialog
from app.views.common.runner import AppContext, run_op
from app.views.common.status import font
from app.views.common.widgets import caption_label, hbox

if TYPE_CHECKING:
    from app.views.production.detail import WorkOrderPage

# The second row of the work order page: (text, shortcut) per action.
EXCEPTION_TEXT: dict[str, tuple[str, str | None]] = {
    "edit": ("&Edit…", "Ctrl+E"),
    "hold": ("&Hold…", None),
    "resume": ("Res&ume", None),
    "unrelease": ("U&nrelease…", None),
    "return": ("Return c&omponents…", None),
    "unbuild": ("Unbuil&d…", None),
    "scrap": ("Scra&p…", None),
}


def act(page: WorkOrderPage, info: WorkOrderInfo, action: str) -> None:
    """Run one of the exceptions on the work order the page shows."""
    number = info.number
    if action == "hold":
        page._dialog(HoldDialog(page.ctx, info, page))
    elif action == "resume":
        run_op(page, editing.resume_work_order, number).progress(f"Resuming {number}…").done(
            lambda i: f"{i.number} is off hold"
        ).run()
    elif action == "unrelease":
        page._dialog(
            ConfirmDialog(
                page.ctx,
                f"Unrelease {number}?",
                f"{number} goes back to planned (firm): its lines stop being demand and give "
                "back what they commit. Nothing has moved on it.",
                editing.unrelease_work_order,
                number,
                name="unrelease_dialog",
                keep="Keep it released",
                confirm="Unrelease",
                progress="Unreleasing…",
                done=lambda i: f"{i.number} is {i.status_label} again",
                parent=page,
            )
        )
    else:
        dialogs = {
            "edit": EditDialog,
            "return": ReturnDialog,
            "unbuild": UnbuildDialog,
            "scrap": ScrapDialog,
        }
        make = dialogs[action]
        run_op(page, screens.exception_choices, number).success(
            lambda choices: page._dialog(make(page.ctx, choices, page))
        ).run()


def hold_words(info: WorkOrderInfo) -> str | None:
    """Who held a work order, why and when, in words (None when it is not held)."""
    if info.held is None:
        return None
    return f"On hold: {info.held.reason} — held by {info.held.by}, {fmt.when(info.held.at)}"


def _quantity_edit(name: str, placeholder: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    edit.setMinimumWidth(240)
    return edit


class EditDialog(PostingDialog):
    """Change the quantity, due date, priority, memo and, while nothing has moved, the
    location or BOM revision. Only what is changed is sent."""

    def __init__(self, ctx: AppContext, choices: ExceptionChoices, parent: QWidget | None = None):
        info = choices.info
        super().__init__(ctx, f"Change {info.number}", parent)
        self.info = info
        self.setObjectName("edit_dialog")
        self.body.addWidget(
            caption_label(
                f"{fmt.qty(info.quantity)} {info.item}, {fmt.qty(info.built)} built. A new "
                "quantity re-derives the lines from the BOM revision and never goes below "
                "what is built; a new due date or priority re-runs commitment where its lines "
                "need stock. Location and BOM revision change only while nothing has moved."
            )
        )
        self.quantity = QLineEdit(fmt.qty(info.quantity))
        self.quantity.setObjectName("edit_quantity")
        self.due = QLineEdit(fmt.day(info.due) or "")
        self.due.setObjectName("edit_due")
        self.due.setPlaceholderText("YYYY-MM-DD, or empty for none")
        self.priority = QLineEdit(str(info.priority))
        self.priority.setObjectName("edit_priority")
        self.memo = QLineEdit(info.memo or "")
        self.memo.setObjectName("edit_memo")
        self.location = QComboBox()
        self.location.setObjectName("edit_location")
        for code in choices.locations:
            self.location.addItem(code, code)
        self.location.setCurrentIndex(max(0, self.location.findData(info.location)))
        self.revision = QComboBox()
        self.revision.setObjectName("edit_revision")
        for rev in choices.revisions:
            self.revision.addItem(rev, rev)
        self.revision.setCurrentIndex(max(0, self.revision.findData(info.bom_revision)))
        moved = info.status not in ("firm_planned", "open_planned", "released")
        for combo in (self.location, self.revision):
            combo.setEnabled(not moved)
        form = QFormLayout()
        form.addRow("&Quantity", self.quantity)
        form.addRow("D&ue", self.due)
        form.addRow("&Priority (1 first)", self.priority)
        form.addRow("&Memo", self.memo)
        form.addRow("&Location", self.location)
        form.addRow("&BOM revision", self.revision)
        self.body.addLayout(form)
        self.finish_layout("&Save")

    def submit(self) -> None:
        info = self.info
        quantity = self.quantity.text().strip()
        due = self.due.text().strip()
        priority = self.priority.text().strip()
        memo = self.memo.text().strip()
        location = str(self.location.currentData() or "")
        revision = str(self.revision.currentData() or "")
        self.post(
            editing.edit_work_order,
            info.number,
            quantity=None if quantity == fmt.qty(info.quantity) else quantity,
            due=None if due == (fmt.day(info.due) or "") else due,
            priority=None if priority == str(info.priority) else priority,
            memo=None if memo == (info.memo or "") else memo,
            location=None if location == info.location else location,
            bom_revision=None if revision == info.bom_revision else revision,
            progress="Saving…",
            done=lambda i: f"Changed {i.number}",
        )


class HoldDialog(PostingDialog):
    """Put the work order on hold, saying why."""

    def __init__(self, ctx: AppContext, info: WorkOrderInfo, parent: QWidget | None = None):
        super().__init__(ctx, f"Hold {info.number}", parent)
        self.info = info
        self.setObjectName("hold_dialog")
        self.body.addWidget(
            caption_label(
                "Nothing posts on a held work order until it is resumed: no issue, build, "
                "change or close. It keeps what is committed to it, unless the plant's "
                "preference gives that back while it is held."
            )
        )
        self.reason = QLineEdit()
        self.reason.setObjectName("hold_reason")
        self.reason.setPlaceholderText("why it is held: the floor reads this")
        self.reason.setMinimumWidth(360)
        self.reason.returnPressed.connect(self.submit)
        form = QFormLayout()
        form.addRow("&Reason", self.reason)
        self.body.addLayout(form)
        self.finish_layout("&Hold")

    def submit(self) -> None:
        self.post(
            editing.hold_work_order,
            self.info.number,
            self.reason.text(),
            progress="Holding…",
            done=lambda i: f"{i.number} is on hold: {i.held.reason if i.held else ''}",
        )


class ReturnDialog(PostingDialog):
    """Components back to stock: a quantity per line, never more than it consumed."""

    def __init__(self, ctx: AppContext, choices: ExceptionChoices, parent: QWidget | None = None):
        info = choices.info
        super().__init__(ctx, f"Return components from {info.number}", parent)
        self.info = info
        self.setObjectName("return_dialog")
        self.body.addWidget(
            caption_label(
                "What goes back to the shelf (scanned ten where one was meant?). The newest "
                "issue is taken back first, at its cost; the line needs again what it gives "
                "back and the stock is its own again."
            )
        )
        form = QFormLayout()
        self.quantities: dict[str, QLineEdit] = {}
        for ln in info.lines:
            edit = _quantity_edit(f"return_{ln.sku}", f"consumed {fmt.qty(ln.issued)}")
            edit.setEnabled(ln.issued > 0)
            self.quantities[ln.sku] = edit
            form.addRow(f"{ln.sku} ({ln.uom})", edit)
        self.body.addLayout(form)
        self.finish_layout("&Return")

    def submit(self) -> None:
        wanted = {sku: e.text().strip() for sku, e in self.quantities.items() if e.text().strip()}
        self.post(
            corrections.return_components,
            self.info.number,
            wanted,
            progress="Returning…",
            done=lambda i: (
                f"Returned {', '.join(f'{q} {s}' for s, q in wanted.items())} from {i.number}"
            ),
        )


class UnbuildDialog(PostingDialog):
    """Take built assemblies apart again."""

    def __init__(self, ctx: AppContext, choices: ExceptionChoices, parent: QWidget | None = None):
        info = choices.info
        super().__init__(ctx, f"Unbuild {info.item} on {info.number}", parent)
        self.info = info
        self.setObjectName("unbuild_dialog")
        self.body.addWidget(
            caption_label(
                f"{fmt.qty(info.built)} of {fmt.qty(info.quantity)} built. Unbuilding takes "
                "finished goods out of stock and gives back the components their builds or "
                "backflush consumed, at the costs they were posted at; components issued by "
                "hand stay on the work order."
            )
        )
        self.quantity = _quantity_edit("unbuild_quantity", "quantity")
        self.quantity.setFont(font(16))
        self.quantity.returnPressed.connect(self.submit)
        form = QFormLayout()
        form.addRow("&Quantity", self.quantity)
        self.body.addLayout(form)
        self.finish_layout("&Unbuild")

    def submit(self) -> None:
        qty = self.quantity.text().strip()
        self.post(
            corrections.unbuild,
            self.info.number,
            qty,
            progress="Unbuilding…",
            done=lambda i: f"Unbuilt {qty} {i.item} on {i.number} ({i.status_label})",
        )


class ScrapDialog(PostingDialog):
    """Scrap components or finished goods on the work order, naming a reason."""

    def __init__(self, ctx: AppContext, choices: ExceptionChoices, parent: QWidget | None = None):
        info = choices.info
        super().__init__(ctx, f"Scrap on {info.number}", parent)
        self.info = info
        self.setObjectName("scrap_dialog")
        self.body.addWidget(
            caption_label(
                "Components scrapped come off the shelf at the work order's location (the "
                "line still needs its own); finished goods scrapped are ones it built. Finance "
                "hears of it at standard cost, and the close shows it apart from other variance."
            )
        )
        self.components = QRadioButton("&Components")
        self.components.setObjectName("scrap_components")
        self.goods = QRadioButton(f"&Finished goods ({info.item})")
        self.goods.setObjectName("scrap_finished")
        self.which = QButtonGroup(self)
        self.which.addButton(self.components)
        self.which.addButton(self.goods)
        self.components.setChecked(True)
        self.body.addLayout(hbox(self.components, self.goods, None))
        form = QFormLayout()
        self.quantities: dict[str, QLineEdit] = {}
        for ln in info.lines:
            edit = _quantity_edit(f"scrap_{ln.sku}", f"scrapped so far {fmt.qty(ln.scrapped)}")
            self.quantities[ln.sku] = edit
            form.addRow(f"{ln.sku} ({ln.uom})", edit)
        self.built = _quantity_edit(
            "scrap_built", f"{fmt.qty(info.built - info.scrapped)} built and not scrapped"
        )
        form.addRow(f"{info.item}", self.built)
        self.reason = QComboBox()
        self.reason.setObjectName("scrap_reason")
        for code, words in choices.scrap_reasons:
            self.reason.addItem(f"{code} — {words}" if words else code, code)
        form.addRow("&Reason", self.reason)
        self.body.addLayout(form)
        self.components.toggled.connect(self._which_changed)
        self._which_changed()
        self.finish_layout("&Scrap")
        if not choices.scrap_reasons:
            self.error.setText("No scrap reasons yet: an admin adds them on the Reason codes page")
            self.error.show()
            self.ok.setEnabled(False)

    def _which_changed(self) -> None:
        components = self.components.isChecked()
        for edit in self.quantities.values():
            edit.setEnabled(components)
        self.built.setEnabled(not components)

    def submit(self) -> None:
        reason = str(self.reason.currentData() or "")
        number = self.info.number
        if self.components.isChecked():
            wanted = {s: e.text().strip() for s, e in self.quantities.items() if e.text().strip()}
            words = ", ".join(f"{q} {s}" for s, q in wanted.items())
            self.post(
                corrections.scrap,
                number,
                components=wanted,
                reason=reason,
                progress="Scrapping…",
                done=lambda i: f"Scrapped {words} on {i.number} ({reason})",
            )
        else:
            qty = self.built.text().strip()
            self.post(
                corrections.scrap,
                number,
                built=qty,
                reason=reason,
                progress="Scrapping…",
                done=lambda i: f"Scrapped {qty} {i.item} on {i.number} ({reason})",
            )
