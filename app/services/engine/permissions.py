"""Who may do what. Checked in the services, so the GUI and the command line agree."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    READ = "read"
    EDIT_ITEMS = "edit_items"
    EDIT_BOMS = "edit_boms"
    ADJUST_STOCK = "adjust_stock"
    IMPORT = "import"
    PLAN = "plan"
    PRODUCE = "produce"
    SELL = "sell"
    FULFILL = "fulfill"
    PURCHASE = "purchase"
    RECEIVE = "receive"
    FINANCE = "finance"
    EDIT_PREFERENCES = "edit_preferences"
    MANAGE_USERS = "manage_users"

    def describe(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Permission.READ: "read this database",
    Permission.EDIT_ITEMS: "edit items and locations",
    Permission.EDIT_BOMS: "edit bills of materials",
    Permission.ADJUST_STOCK: "adjust stock",
    Permission.IMPORT: "import data",
    Permission.PLAN: (
        "create, release, change, hold, cancel or close work orders or re-run commitment"
    ),
    Permission.PRODUCE: "issue components or return them, report production, unbuild or scrap",
    Permission.SELL: "enter, change, approve, close or cancel sales orders and customers",
    Permission.FULFILL: "pick, pack or ship orders",
    Permission.PURCHASE: "enter, close or cancel purchase orders and vendors",
    Permission.RECEIVE: "receive purchase orders or mark drop-ship orders shipped",
    Permission.FINANCE: "review or export the finance events",
    Permission.EDIT_PREFERENCES: "change preferences",
    Permission.MANAGE_USERS: "manage users",
}

_ALL = frozenset(Permission)
_SUPERVISOR = _ALL - {Permission.EDIT_PREFERENCES, Permission.MANAGE_USERS}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "admin": _ALL,
    "supervisor": _SUPERVISOR,
    "operator": frozenset({Permission.READ, Permission.PRODUCE}),
    "picker": frozenset({Permission.READ, Permission.FULFILL, Permission.RECEIVE}),
    "viewer": frozenset({Permission.READ}),
}


def allowed(role: str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
