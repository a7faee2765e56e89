"""Sending received goods back: the dialog a purchase order's page opens to make a vendor
return of what its receipts brought in."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLineEdit, QWidget

from app.services import reasons
from app.services.orders.purchasing import PurchaseOrderInfo
from app.services.reasons import ReasonCodeInfo
from app.services.vendor_returns import returns
from app.services.vendor_returns.returns import VendorReturnInfo
from app.views.common import format as fmt
from app.views.common.dialogs import PostingDialog
from app.views.common.runner import AppContext, run_op
from app.views.common.widgets import caption_label, choice_box


def made_words(info: VendorReturnInfo) -> str:
    listed = ", ".join(f"{fmt.qty(ln.quantity)} {ln.sku} from {ln.receipt}" for ln in info.lines)
    return f"Made {info.number} ({info.status_label}) for {info.vendor}: {listed}"


class ReturnToVendorDialog(PostingDialog):
    """A quantity per line of what came in, a reason (the plant's return reason codes) and a
    memo; the newest receipt's goods go first."""

    def __init__(self, ctx: AppContext, info: PurchaseOrderInfo, parent: QWidget | None = None):
        super().__init__(ctx, f"Return to vendor: {info.number} from {info.vendor}", parent)
        self.info = info
        self.made: VendorReturnInfo | None = None
        self.setObjectName("return_to_vendor_dialog")
        self.setMinimumWidth(660)
        self.body.addWidget(
            caption_label(
                f"What goes back to {info.vendor}, from what came in on "
                f"{', '.join(info.receipts)}: never more than came in less what other returns "
                "hold. The goods leave stock when the return is shipped; finance expects the "
                "vendor's credit."
            )
        )
        form = QFormLayout()
        form.setVerticalSpacing(8)
        self.quantities: dict[str, QLineEdit] = {}
        for ln in info.lines:
            edit = QLineEdit()
            edit.setObjectName(f"return_{ln.line_no}")
            edit.setMinimumWidth(300)
            edit.setPlaceholderText(
                f"received {fmt.qty(ln.received)}, returned {fmt.qty(ln.returned)}"
            )
            self.quantities[str(ln.line_no)] = edit
            form.addRow(f"{ln.line_no}  {ln.sku}", edit)
        self.reason = choice_box("return_reason", [(None, "No reason given")])
        form.addRow("Reason", self.reason)
        self.memo = QLineEdit()
        self.memo.setObjectName("return_memo")
        self.memo.setMaxLength(200)
        form.addRow("Memo", self.memo)
        self.body.addLayout(form)
        self.finish_layout("&Make vendor return")
        run_op(self, reasons.list_reason_codes, "return", active_only=True).success(
            self._reasons
        ).run()

    def _reasons(self, found: list[ReasonCodeInfo]) -> None:
        for r in found:
            self.reason.addItem(f"{r.code} — {r.description}" if r.description else r.code, r.code)

    def submit(self) -> None:
        wanted = {k: e.text().strip() for k, e in self.quantities.items() if e.text().strip()}
        self.post(
            returns.return_to_vendor,
            self.info.number,
            wanted,
            reason=self.reason.currentData(),
            memo=self.memo.text(),
            progress="Making the vendor return…",
            done=self._made,
        )

    def _made(self, info: VendorReturnInfo) -> str:
        self.made = info
        return made_words(info)
