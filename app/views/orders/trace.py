"""Trace: type or scan a customer's PO number (or any document number, or a lot or serial
number) and see every record that carries it, moved it or is linked to it — the sales order,
its work orders, purchase orders, receipts and fulfillments — with where each came from and
what it made; each opens its page, and a lot found opens its recall."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from app.errors import ShopfloorError
from app.services import kinds
from app.services.engine.changes import Changes
from app.services.orders import trace
from app.services.orders.trace import Trace, TracedRecord
from app.views.common.page import Page
from app.views.common.runner import AppContext, run_op
from app.views.common.table_model import Column, RowTableModel
from app.views.common.widgets import (
    DataTable,
    button,
    caption_label,
    fit_columns,
    hbox,
    shortcut,
    title_label,
)
from app.views.orders.common import open_record

COLUMNS: list[Column[TracedRecord]] = [
    Column("Record", lambda r: kinds.document_kind(r.kind).title, width=160),
    Column("Number", lambda r: r.number, width=130),
    Column(
        "Status",
        lambda r: r.status_label,
        status=lambda r: r.status,
        width=210,
    ),
    Column("Came from", lambda r: r.created_from or "", width=130),
    Column("Customer PO", lambda r: r.customer_po or "", width=150),
    Column("Made", lambda r: ", ".join(r.spawned)),
]


class TracePage(Page):
    title = "Trace"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(title_label("Trace by customer PO"))
        self.reference = QLineEdit()
        self.reference.setObjectName("trace_reference")
        self.reference.setPlaceholderText(
            "Customer PO number, a document number (SO-, WO-, PO-, IR-, IF-) or a lot"
        )
        self.reference.setMinimumWidth(520)
        self.reference.returnPressed.connect(self.search)
        self.search_button = button("&Trace", self.search, primary=True, name="trace_search")
        self.recall_button = button("Re&call lot…", self.open_recall, name="trace_recall")
        self.recall_button.setVisible(False)
        layout.addLayout(hbox(self.reference, self.search_button, None, self.recall_button))
        self.summary = caption_label(
            "Every record carrying the number, and every record linked to those, both ways."
        )
        self.summary.setObjectName("trace_summary")
        layout.addWidget(self.summary)
        self.model = RowTableModel(COLUMNS, self)
        self.table = DataTable(self.model, settings_key="trace", stretch=5)
        self.table.setObjectName("trace_table")
        fit_columns(self.table, 5)
        self.table.activated_row.connect(self.open_row)
        layout.addWidget(self.table, 1)
        shortcut(self, "Ctrl+F", self.reference.setFocus)
        self.found: Trace | None = None

    def open_target(self, **target: Any) -> None:
        ref = str(target.get("reference") or "")
        if ref:
            self.reference.setText(ref)
            self.search()

    def search(self) -> None:
        ref = self.reference.text().strip()
        if not ref:
            return
        run_op(self, trace.trace, ref).progress(f"Tracing {ref}…").success(self._found).failure(
            self._refused
        ).run()

    def refresh(self) -> None:
        if self.found is not None:
            self.search()

    def affected_by(self, changes: Changes) -> bool:
        return self.found is not None and changes.touches(*kinds.document_kinds())

    def _found(self, found: Trace) -> None:
        self.found = found
        self.model.set_rows(found.records)
        self.recall_button.setVisible(bool(found.lots))
        n = len(found.records)
        lots = "; ".join(f"lot {lot.lot} of {lot.sku}" for lot in found.lots)
        if not n:
            self.summary.setText(f"Nothing carries {found.reference!r}.")
        elif lots:
            self.summary.setText(
                f"{lots}: {n} record{'s' if n != 1 else ''} moved it or are linked to those. "
                "Enter opens a record; Recall lot shows where it went."
            )
        else:
            events = len(found.finance_events)
            self.summary.setText(
                f"{n} record{'s' if n != 1 else ''} linked to {found.reference}"
                + (
                    f"; finance was told {events} time{'s' if events != 1 else ''} "
                    f"(events {', '.join(str(e) for e in found.finance_events)})"
                    if events
                    else ""
                )
                + ". Enter opens a record."
            )
        self.table.select_first()

    def _refused(self, exc: ShopfloorError) -> None:
        self.found = None
        self.recall_button.setVisible(False)
        self.model.set_rows([])
        self.summary.setText(exc.message)

    def open_row(self, row: TracedRecord) -> None:
        open_record(self.ctx, row.kind, row.number, origin=row.created_from)

    def open_recall(self) -> None:
        if self.found is not None and self.found.lots:
            lot = self.found.lots[0]
            self.ctx.navigate.emit("lot_recall", {"sku": lot.sku, "lot": lot.lot})
