"""The pages of the main window, in navigation order.

The pages of the first features are listed here; a feature package may instead declare its
own (a `PAGES` list of `(PageSpec, after)` in app/views/<feature>/__init__.py: each page
goes after the page `after`), found rather than listed, so a new kind of document adds its
pages without editing this file. They are found when the list is first read (`PAGES`,
`page_spec`), not when this module is imported: a feature package imports this module for
`PageSpec`, and may be the first to. Factories are imported on first use, so start-up only
loads the page it shows.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from typing import TYPE_CHECKING, Any

from app.services.engine.permissions import Permission
from app.views.page_spec import PageSpec as PageSpec

_PAGES: list[PageSpec] = [
    PageSpec("dashboard", "Dashboard", "app.views.production.dashboard:DashboardPage", "Ctrl+1"),
    PageSpec(
        "work_orders", "Work orders", "app.views.production.work_orders:WorkOrderListPage", "Ctrl+2"
    ),
    PageSpec(
        "work_order",
        "Work order",
        "app.views.production.detail:WorkOrderPage",
        in_navigation=False,
        section="work_orders",
    ),
    PageSpec(
        "planning", "Shortages and queue", "app.views.production.planning:PlanningPage", "Ctrl+3"
    ),
    PageSpec(
        "sales_orders", "Sales orders", "app.views.orders.sales_orders:SalesOrderListPage", "Ctrl+9"
    ),
    PageSpec(
        "sales_order",
        "Sales order",
        "app.views.orders.sales_order:SalesOrderPage",
        in_navigation=False,
        section="sales_orders",
    ),
    PageSpec("picking_queue", "Picking queue", "app.views.orders.queues:PickingQueuePage"),
    PageSpec(
        "pick_station",
        "Pick, pack, ship",
        "app.views.orders.pick_station:PickStationPage",
        "Ctrl+0",
    ),
    PageSpec("packing_queue", "Packing queue", "app.views.orders.queues:PackingQueuePage"),
    PageSpec(
        "fulfillment",
        "Fulfillment",
        "app.views.orders.fulfillment:FulfillmentPage",
        in_navigation=False,
        section="packing_queue",
    ),
    PageSpec(
        "purchase_orders",
        "Purchase orders",
        "app.views.orders.purchase_orders:PurchaseOrderListPage",
    ),
    PageSpec(
        "purchase_order",
        "Purchase order",
        "app.views.orders.purchase_orders:PurchaseOrderPage",
        in_navigation=False,
        section="purchase_orders",
    ),
    PageSpec("receiving", "Receiving", "app.views.orders.receiving:ReceivingPage"),
    PageSpec("replenishment", "Replenishment", "app.views.orders.replenishment:ReplenishmentPage"),
    PageSpec("finance", "Finance", "app.views.orders.finance:FinancePage"),
    PageSpec("trace", "Trace", "app.views.orders.trace:TracePage"),
    PageSpec("inventory", "Inventory", "app.views.inventory.stock:InventoryPage", "Ctrl+4"),
    PageSpec(
        "stock_item",
        "Item stock",
        "app.views.inventory.item_stock:ItemStockPage",
        in_navigation=False,
        section="inventory",
    ),
    PageSpec("items", "Items and BOMs", "app.views.catalog.items:ItemsPage", "Ctrl+5"),
    PageSpec(
        "administration",
        "Administration",
        "app.views.admin.hub:AdministrationPage",
        hub=True,
    ),
    PageSpec(
        "imports",
        "Import",
        "app.views.catalog.imports:ImportPage",
        "Ctrl+6",
        Permission.IMPORT,
        in_navigation=False,
        section="administration",
        summary="Items, BOMs, stock, customers, vendors and orders from CSV files",
    ),
    PageSpec(
        "preferences",
        "Preferences",
        "app.views.admin.preferences:PreferencesPage",
        "Ctrl+7",
        Permission.EDIT_PREFERENCES,
        in_navigation=False,
        section="administration",
        summary="How the plant works: statuses, commitment, documents, numbering",
    ),
    PageSpec(
        "users",
        "Users",
        "app.views.admin.users:UsersPage",
        "Ctrl+8",
        Permission.MANAGE_USERS,
        in_navigation=False,
        section="administration",
        summary="Who signs in, their roles and PINs",
    ),
]


def register_page(spec: PageSpec, *, after: str | None = None) -> None:
    """Add a page (e.g. from a feature package), after the page `after` or at the end."""
    at = next((i + 1 for i, p in enumerate(_PAGES) if p.key == after), len(_PAGES))
    _PAGES.insert(at, spec)


_found = False


def _declared_pages() -> list[PageSpec]:
    """Every page: the first time, with the pages every feature package declares (its
    `PAGES`) added."""
    global _found
    if not _found:
        _found = True
        import app.views

        for found in pkgutil.iter_modules(app.views.__path__):
            if not found.ispkg:
                continue
            package = import_module(f"app.views.{found.name}")
            for spec, after in getattr(package, "PAGES", ()):
                if all(p.key != spec.key for p in _PAGES):
                    register_page(spec, after=after)
    return _PAGES


if TYPE_CHECKING:
    PAGES: list[PageSpec]


def __getattr__(name: str) -> Any:
    """`PAGES`: every page, in navigation order (found on first reading)."""
    if name == "PAGES":
        return _declared_pages()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def hub_pages(key: str) -> list[PageSpec]:
    """The pages offered on the hub page of that key, in navigation order."""
    return [s for s in _declared_pages() if s.section == key and not s.in_navigation]


def page_spec(key: str) -> PageSpec:
    for spec in _declared_pages():
        if spec.key == key:
            return spec
    raise KeyError(f"no page {key!r}")
