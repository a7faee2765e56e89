"""Who may do what. Checked in the services, so the GUI and the command line agree."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    READ = "read"
    EDIT_ITEMS = "edit_items"
    EDIT_BOMS = "edit_boms"
    ADJUST_STOCK = "adjust_stock"
    COUNT = "count"
    IMPORT = "import"
    PLAN = "plan"
    PRODUCE = "produce"
    SELL = "sell"
    FULFILL = "fulfill"
    PURCHASE = "purchase"
    RECEIVE = "receive"
    TRANSFER = "transfer"
    FINANCE = "finance"
    EDIT_PREFERENCES = "edit_preferences"
    MANAGE_USERS = "manage_users"
    # --- plant administration: separation of duties, the audit trail, backups ---
    APPROVE_ORDERS = "approve_orders"
    AUDIT = "audit"
    BACKUP = "backup"

    def describe(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Permission.READ: "read this database",
    Permission.EDIT_ITEMS: "edit items and locations",
    Permission.EDIT_BOMS: "edit bills of materials",
    Permission.ADJUST_STOCK: "adjust stock",
    Permission.COUNT: "start, count, post or cancel cycle counts",
    Permission.IMPORT: "import data",
    Permission.PLAN: (
        "create, release, change, hold, cancel or close work orders or re-run commitment"
    ),
    Permission.PRODUCE: "issue components or return them, report production, unbuild or scrap",
    Permission.SELL: "enter, change, close or cancel sales orders, customers and customer returns",
    Permission.FULFILL: "pick, pack or ship orders",
    Permission.PURCHASE: "enter, close or cancel purchase orders and vendors",
    Permission.RECEIVE: "receive purchase orders or transfers or customer returns, or mark "
    "drop-ship orders shipped",
    Permission.TRANSFER: "enter, approve, close or cancel transfer orders",
    Permission.FINANCE: "review or export the finance events",
    Permission.EDIT_PREFERENCES: "change preferences",
    Permission.MANAGE_USERS: "manage users",
    Permission.APPROVE_ORDERS: "approve sales orders, customer returns and vendor returns",
    Permission.AUDIT: "read the audit trail",
    Permission.BACKUP: "back up or restore the database",
}

_ALL = frozenset(Permission)
_SUPERVISOR = _ALL - {Permission.EDIT_PREFERENCES, Permission.MANAGE_USERS, Permission.BACKUP}

# The one declaration of who may do what: every posting states its permission once
# (`@posting`), and a role may run it when its set here holds that permission.
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "admin": _ALL,
    "supervisor": _SUPERVISOR,
    # Order entry: enters and changes sales orders and customers; someone who may approve
    # orders (a supervisor, an admin) approves them.
    "sales": frozenset({Permission.READ, Permission.SELL}),
    # Those who work the floor count its shelves; a count whose differences are worth more
    # than count_approval_threshold waits for someone who may adjust stock to approve it.
    "operator": frozenset({Permission.READ, Permission.PRODUCE, Permission.COUNT}),
    "picker": frozenset(
        {Permission.READ, Permission.FULFILL, Permission.RECEIVE, Permission.COUNT}
    ),
    "viewer": frozenset({Permission.READ}),
}


def allowed(role: str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
