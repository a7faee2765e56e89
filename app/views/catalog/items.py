"""Items and BOMs: the item list, the item editor, the BOM as a tree through every level,
its revisions (and which is active), and where an item is used."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import ShopfloorError
from app.services.catalog import boms, items, screens
from app.services.catalog.boms import BomInfo, WhereUsedRow
from app.services.catalog.items import ItemInfo
from app.services.catalog.screens import CatalogItem
from app.services.engine import changes as kinds
from app.services.engine.changes import Changes
from app.services.engine.paging import PageRequest
from app.services.engine.uow import UnitOfWork
from app.views.common import format as fmt
from app.views.common.page import ListPage
from app.views.common.runner import AppContext, run_op
from app.views.common.status import MESSAGE_COLOURS, chip_style
from app.views.common.table_model import (
    Column,
    PagedTableModel,
    RowTableModel,
    money_column,
    qty_column,
)
from app.views.common.widgets import (
    DataTable,
    button,
    caption_label,
    choice_box,
    hbox,
    page_layout,
    search_box,
    shortcut,
    title_label,
)

ITEM_TYPES = ("inventory", "assembly", "kit", "non_inventory", "service")

ITEM_COLUMNS: list[Column[ItemInfo]] = [
    Column("Sku", lambda r: r.sku, sort="sku", width=150),
    Column("Name", lambda r: r.name, sort="name", width=200),
    Column("Type", lambda r: fmt.words(r.type), sort="type", width=120),
    money_column("Cost", lambda r: r.standard_cost, sort="cost"),
    Column("", lambda r: "" if r.active else "inactive"),
]
REVISION_COLUMNS: list[Column[BomInfo]] = [
    Column("Revision", lambda r: r.revision, width=90),
    Column("Active", lambda r: "ACTIVE" if r.active else "", width=80),
    Column("Lines", lambda r: len(r.lines), width=60),
    Column("Created", lambda r: f"{fmt.when(r.created_at)} by {r.created_by}", width=240),
    Column("Memo", lambda r: r.memo or ""),
]
WHERE_USED_COLUMNS: list[Column[WhereUsedRow]] = [
    Column("Level", lambda r: r.level, width=60),
    Column("Assembly", lambda r: r.sku, width=170),
    Column("Name", lambda r: r.name, width=220),
    Column("Through", lambda r: r.component, width=170),
    qty_column("Per", lambda r: r.quantity_per),
]


class ItemsPage(ListPage):
    title = "Items and BOMs"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.sku = ""
        self.data: CatalogItem | None = None
        layout = page_layout(self)
        self.new_button = button("New &item", self.new_item, shortcut="Ctrl+N", name="new_item")
        layout.addLayout(hbox(title_label("Items and BOMs"), self.count, None, self.new_button))
        split = QSplitter()
        layout.addWidget(split, 1)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.text = search_box("items_text", "Search sku or name (Ctrl+F)")
        self.kind = choice_box(
            "items_type", [(None, "Every type"), *((t, fmt.words(t)) for t in ITEM_TYPES)]
        )
        left_layout.addLayout(hbox(self.text, self.kind))
        self.model = PagedTableModel(ITEM_COLUMNS, self.fetch, self, context=ctx, autoload=False)
        self.model.loaded.connect(lambda _n: self.count.setText(f"{self.model.total:,} items"))
        self.table = DataTable(self.model, settings_key="items", stretch=1)
        self.table.setObjectName("items_table")
        self.table.activated_row.connect(lambda r: self.show_item(r.sku))
        self.table.clicked.connect(lambda index: self.show_item(self.model.row_at(index.row()).sku))
        left_layout.addWidget(self.table)
        split.addWidget(left)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("item_tabs")
        self.editor = ItemEditor(ctx, self)
        self.editor.saved.connect(self._saved)
        self.tabs.addTab(self.editor, "Item")
        bom_box = QWidget()
        bom_layout = QVBoxLayout(bom_box)
        self.bom_caption = caption_label()
        bom_layout.addWidget(self.bom_caption)
        self.tree = QTreeWidget()
        self.tree.setObjectName("bom_tree")
        self.tree.setHeaderLabels(["Component", "Name", "Per", "Quantity", "Unit", "Type"])
        self.tree.setColumnWidth(0, 230)
        self.tree.setColumnWidth(1, 200)
        self.tree.setColumnWidth(2, 60)
        self.tree.setColumnWidth(3, 90)
        self.tree.setAlternatingRowColors(True)
        self.tree.setStyleSheet("QTreeView::item { height: 30px; }")
        bom_layout.addWidget(self.tree, 3)
        self.revisions = RowTableModel(REVISION_COLUMNS, self)
        self.revision_table = DataTable(self.revisions, settings_key="revisions", stretch=4)
        self.revision_table.setObjectName("revision_table")
        self.activate_button = button("&Activate revision", self.activate, name="activate_revision")
        bom_layout.addLayout(hbox(title_label("Revisions", 14), None, self.activate_button))
        bom_layout.addWidget(self.revision_table, 1)
        self.tabs.addTab(bom_box, "BOM")
        self.where = RowTableModel(WHERE_USED_COLUMNS, self)
        self.where_table = DataTable(self.where, settings_key="where_used", stretch=4)
        self.where_table.activated_row.connect(lambda r: self.show_item(r.sku))
        self.tabs.addTab(self.where_table, "Where used")
        split.addWidget(self.tabs)
        split.setChildrenCollapsible(False)
        left.setMinimumWidth(380)
        self.tabs.setMinimumWidth(560)
        split.setSizes([480, 700])

        self.text.textEdited.connect(lambda _t: self._debounce.start())  # as typed; not on Enter
        self.watch(self.kind)
        shortcut(self, "Ctrl+F", self.text.setFocus)
        self.user_changed()

    # --- list ----------------------------------------------------------------------------

    def current_filters(self) -> dict[str, Any]:
        return {"text": self.text.text().strip() or None, "item_type": self.kind.currentData()}

    def fetch(self, uow: UnitOfWork, page: PageRequest) -> Any:
        return items.list_items(uow, **self.filters, page=page)

    def refresh(self) -> None:
        super().refresh()
        if self.sku:
            self.show_item(self.sku)

    def affected_by(self, changes: Changes) -> bool:
        return changes.touches(kinds.ITEM, kinds.BOM)

    def open_target(self, **target: Any) -> None:
        if target.get("sku"):
            self.show_item(str(target["sku"]))

    def user_changed(self) -> None:
        self.new_button.setEnabled(self.ctx.may("item.save"))
        self.activate_button.setEnabled(self.ctx.may("bom.activate"))
        self.editor.user_changed()

    # --- one item ------------------------------------------------------------------------

    def show_item(self, sku: str) -> None:
        self.sku = sku
        run_op(self, screens.catalog_item, sku).success(self._show).run()

    def _show(self, data: CatalogItem) -> None:
        self.data = data
        item = data.detail.item
        self.sku = item.sku
        self.editor.load(item)
        self.tree.clear()
        if data.explosion is not None and data.detail.bom is not None:
            bom = data.detail.bom
            self.bom_caption.setText(
                f"{item.sku}: active revision {bom.revision}, per one {item.uom}; every level "
                "through the active BOMs of subassemblies"
            )
            parents: list[QTreeWidgetItem] = []
            for row in data.explosion.components:
                node = QTreeWidgetItem(
                    [
                        row.sku,
                        row.name,
                        fmt.qty(row.quantity_per),
                        fmt.qty(row.quantity),
                        row.uom,
                        fmt.words(row.type),
                    ]
                )
                del parents[row.level - 1 :]
                if parents:
                    parents[-1].addChild(node)
                else:
                    self.tree.addTopLevelItem(node)
                parents.append(node)
            self.tree.expandAll()
        else:
            self.bom_caption.setText(
                f"{item.sku} has no active BOM"
                if item.type in ("assembly", "kit")
                else f"{item.sku} is a {fmt.words(item.type)} item: no BOM"
            )
        self.revisions.set_rows(data.revisions)
        self.where.set_rows(data.where_used)
        self.tabs.setTabText(2, f"Where used ({len(data.where_used)})")

    def activate(self) -> None:
        row = self.revision_table.current_row()
        if not isinstance(row, BomInfo):
            self.ctx.show_message("pick the revision to activate first", "error")
            return
        run_op(self, boms.activate_bom, row.assembly, row.revision).done(
            lambda b: (
                f"Revision {b.revision} of {b.assembly} is now active; existing work orders "
                "keep their own copy"
            )
        ).success(lambda _b: self.show_item(row.assembly)).run()

    def new_item(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.editor.load(None)

    def _saved(self, info: ItemInfo) -> None:
        self.sku = info.sku


class ItemEditor(QWidget):
    """The fields of one item; Save creates it or updates it (by exact sku)."""

    saved = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("item_editor")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setVerticalSpacing(8)
        self.fields: dict[str, QLineEdit] = {}
        for key, caption, hint in (
            ("sku", "&Sku", "exact, no spaces"),
            ("name", "&Name", ""),
            ("uom", "&Unit", "ea, kg, m …"),
            ("standard_cost", "Standard &cost", "0"),
            ("build_point", "Build &point", "optional: the creation queue suggests below it"),
            (
                "preferred_stock",
                "P&referred stock",
                "optional: what a suggestion brings it back to",
            ),
        ):
            edit = QLineEdit()
            edit.setObjectName(f"item_{key}")
            edit.setPlaceholderText(hint)
            self.fields[key] = edit
            form.addRow(caption, edit)
        self.kind = QComboBox()
        self.kind.setObjectName("item_type")
        for t in ITEM_TYPES:
            self.kind.addItem(fmt.words(t), t)
        form.insertRow(2, "&Type", self.kind)
        self.drop_ship = QCheckBox("&Drop-shipped by a vendor")
        self.active = QCheckBox("Acti&ve")
        form.addRow("", self.drop_ship)
        form.addRow("", self.active)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setObjectName("item_error")
        self.error.setStyleSheet(chip_style(MESSAGE_COLOURS["error"], padding="8px 12px"))
        self.error.hide()
        layout.addWidget(self.error)
        self.save = button(
            "&Save item", self.submit, primary=True, shortcut="Ctrl+S", name="save_item"
        )
        layout.addLayout(hbox(None, self.save))
        layout.addStretch(1)
        self.load(None)

    def load(self, item: ItemInfo | None) -> None:
        self.error.hide()
        values = {
            "sku": item.sku if item else "",
            "name": item.name if item else "",
            "uom": item.uom if item else "ea",
            "standard_cost": fmt.money(item.standard_cost) if item else "",
            "build_point": fmt.qty(item.build_point) if item else "",
            "preferred_stock": fmt.qty(item.preferred_stock) if item else "",
        }
        for key, edit in self.fields.items():
            edit.setText(values[key])
        self.fields["sku"].setReadOnly(item is not None)
        self.kind.setCurrentIndex(max(0, self.kind.findData(item.type if item else "inventory")))
        self.drop_ship.setChecked(bool(item and item.drop_ship))
        self.active.setChecked(item.active if item else True)
        if item is None:
            self.fields["sku"].setFocus()

    def user_changed(self) -> None:
        self.save.setEnabled(self.ctx.may("item.save"))

    def submit(self) -> None:
        f = {key: edit.text() for key, edit in self.fields.items()}
        try:
            spec = items.item_spec(
                sku=f["sku"],
                name=f["name"],
                item_type=self.kind.currentData(),
                uom=f["uom"],
                standard_cost=f["standard_cost"],
                build_point=f["build_point"],
                preferred_stock=f["preferred_stock"],
                drop_ship=self.drop_ship.isChecked(),
                active=self.active.isChecked(),
            )
        except ShopfloorError as exc:
            self._refused(exc)
            return
        run_op(self, items.save_item, spec).done(lambda i: f"Saved item {i.sku}").success(
            self._saved
        ).failure(self._refused).run()

    def _saved(self, info: ItemInfo) -> None:
        self.error.hide()
        self.load(info)
        self.saved.emit(info)

    def _refused(self, exc: ShopfloorError) -> None:
        self.error.setText(exc.message)
        self.error.show()
