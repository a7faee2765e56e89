"""The recall report of a lot in the window: the tree of lots made from it (or that went into
it) level by level, each with its reconciled quantities, the customers who received any of
them, and buttons to export the rows (CSV or XLSX) and to print the report."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QFileDialog,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import ShopfloorError
from app.services.engine.changes import Changes
from app.services.lots import recall, report
from app.services.lots.recall import LotShipment, Recall, RecallNode
from app.views.common.format import qty
from app.views.common.page import Page
from app.views.common.runner import AppContext, run_op
from app.views.common.table_model import Column, RowTableModel, qty_column
from app.views.common.widgets import (
    DataTable,
    button,
    caption_label,
    choice_box,
    fit_columns,
    hbox,
    shortcut,
    title_label,
)

TREE_HEADERS = [
    "Lot",
    "Came in by",
    "Made",
    "On hand",
    "Shipped",
    "Consumed",
    "Scrapped",
    "To vendor",
    "Returned",
    "Reconciled",
]
CUSTOMERS: list[Column[LotShipment]] = [
    Column("Customer", lambda s: s.customer, width=170),
    Column("Ship to", lambda s: " / ".join(s.ship_to.splitlines()), width=230),
    Column("Fulfillment", lambda s: s.fulfillment, width=110),
    Column("Shipped", lambda s: s.shipped_on.isoformat() if s.shipped_on else "", width=100),
    Column("Lot", lambda s: f"{s.sku} {s.lot}", width=170),
    qty_column("Quantity", lambda s: s.quantity),
]
DIRECTION_WORDS = (
    ("forward", "Forward: what was made from it, who received it"),
    ("backward", "Backward: what went into it, where it came from"),
    ("both", "Both ways"),
)


def export_recall(uow: Any, sku: str, lot: str, direction: str, path: str) -> int:
    """Read the recall again and write its rows to the file (CSV or XLSX by its suffix)."""
    return recall.export_recall(recall.recall(uow, sku, lot, direction), path)


def tree_items(found: Recall) -> list[QTreeWidgetItem]:
    """The lots as a tree: each under the first lot it was reached from, the root on top."""
    items: dict[tuple[str, str, str], QTreeWidgetItem] = {}
    root = _item(found.root)
    items[("root", found.root.sku, found.root.lot)] = root
    for node in found.nodes[1:]:
        parent = root
        for ref in node.reached_from:
            key = (node.direction, ref.sku, ref.lot)
            if key in items:
                parent = items[key]
                break
        item = _item(node)
        parent.addChild(item)
        items[(node.direction, node.sku, node.lot)] = item
    return [root]


def _item(node: RecallNode) -> QTreeWidgetItem:
    f = node.figures
    origin = node.origin.document + (f" ({node.origin.vendor})" if node.origin.vendor else "")
    arrow = {"forward": "→ ", "backward": "← "}.get(node.direction, "")
    item = QTreeWidgetItem(
        [
            f"{arrow}{node.sku} {node.lot}",
            origin,
            qty(f.made),
            qty(f.on_hand),
            qty(f.shipped),
            qty(f.consumed),
            qty(f.scrapped),
            qty(f.returned_to_vendor),
            qty(f.returned),
            "yes" if f.reconciled else "NO",
        ]
    )
    return item


class LotRecallPage(Page):
    title = "Lot recall"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        back = button("◀ Trace", lambda: self.ctx.navigate.emit("trace", {}), shortcut="Alt+Left")
        layout.addLayout(hbox(back, title_label("Lot recall"), None))
        self.sku = QLineEdit()
        self.sku.setObjectName("recall_sku")
        self.sku.setPlaceholderText("Item (sku)")
        self.lot = QLineEdit()
        self.lot.setObjectName("recall_lot")
        self.lot.setPlaceholderText("Lot or serial")
        self.lot.returnPressed.connect(self.search)
        self.direction = choice_box("recall_direction", DIRECTION_WORDS)
        self.search_button = button("&Recall", self.search, primary=True, name="recall_search")
        self.export_button = button("&Export…", self.export, name="recall_export")
        self.print_button = button("&Print…", self.print_report, name="recall_print")
        layout.addLayout(
            hbox(
                self.sku,
                self.lot,
                self.direction,
                self.search_button,
                None,
                self.export_button,
                self.print_button,
            )
        )
        self.summary = caption_label("Every lot made from this lot, and who received them.")
        self.summary.setObjectName("recall_summary")
        layout.addWidget(self.summary)
        self.tree = QTreeWidget()
        self.tree.setObjectName("recall_tree")
        self.tree.setHeaderLabels(TREE_HEADERS)
        self.tree.setColumnWidth(0, 240)
        self.tree.setColumnWidth(1, 200)
        layout.addWidget(self.tree, 3)
        layout.addWidget(caption_label("Customers who received them"))
        self.customers = RowTableModel(CUSTOMERS, self)
        self.customer_table = DataTable(self.customers, settings_key="recall_customers")
        self.customer_table.setObjectName("recall_customers")
        fit_columns(self.customer_table, 1)
        layout.addWidget(self.customer_table, 2)
        shortcut(self, "Ctrl+F", self.lot.setFocus)
        self.found: Recall | None = None
        self.export_path_asked: str | None = None
        self.preview: Any = None
        self._enable()

    def _enable(self) -> None:
        self.export_button.setEnabled(self.found is not None)
        self.print_button.setEnabled(self.found is not None)

    def open_target(self, **target: Any) -> None:
        sku, lot = str(target.get("sku") or ""), str(target.get("lot") or "")
        if sku and lot:
            self.sku.setText(sku)
            self.lot.setText(lot)
            self.search()

    def _asked(self) -> tuple[str, str, str] | None:
        sku, lot = self.sku.text().strip(), self.lot.text().strip()
        if not sku or not lot:
            return None
        return sku, lot, str(self.direction.currentData())

    def search(self) -> None:
        asked = self._asked()
        if asked is None:
            return
        run_op(self, recall.recall, *asked).progress(f"Recalling {asked[0]} {asked[1]}…").success(
            self._found
        ).failure(self._refused).run()

    def refresh(self) -> None:
        if self.found is not None:
            self.search()

    def affected_by(self, changes: Changes) -> bool:
        return self.found is not None and (changes.everything or bool(changes.balances))

    def _found(self, found: Recall) -> None:
        self.found = found
        self.tree.clear()
        self.tree.addTopLevelItems(tree_items(found))
        self.tree.expandAll()
        for column in range(2, len(TREE_HEADERS)):  # the figures as narrow as they read
            self.tree.resizeColumnToContents(column)
        self.customers.set_rows(found.customers)
        lots, customers = len(found.nodes), len({c.customer for c in found.customers})
        self.summary.setText(
            f"{lots} lot{'s' if lots != 1 else ''}, {customers} customer"
            f"{'s' if customers != 1 else ''}; "
            + ("every lot reconciled." if found.reconciled else "some lots do NOT reconcile.")
        )
        self._enable()

    def _refused(self, exc: ShopfloorError) -> None:
        self.found = None
        self.tree.clear()
        self.customers.set_rows([])
        self.summary.setText(exc.message)
        self._enable()

    def choose_export_path(self) -> str:
        """Where to write the rows (the save dialog; tests answer it themselves)."""
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export the recall", "recall.xlsx", "Workbooks (*.xlsx);;CSV files (*.csv)"
        )
        return path

    def export(self) -> None:
        asked = self._asked()
        if self.found is None or asked is None:
            return
        path = self.choose_export_path()
        if not path:
            return
        if not path.lower().endswith((".csv", ".xlsx")):
            path += ".xlsx"
        self.export_path_asked = path
        run_op(self, export_recall, *asked, path).progress("Exporting…").done(
            lambda n: f"Exported {n} row{'s' if n != 1 else ''} of the recall to {path}"
        ).run()

    def print_report(self) -> None:
        from app.views.printing.actions import preview

        asked = self._asked()
        if self.found is not None and asked is not None:
            label = f"the recall report of {asked[0]} {asked[1]}"
            self.preview = preview(self, self.ctx, label, report.recall_report_pdf, *asked)
