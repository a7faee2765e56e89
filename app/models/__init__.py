"""SQLAlchemy 2 typed models and the rules of one record. No Qt here."""

from app.models.audit import ROLES, AppUser, AuditEvent, Counter, Preference
from app.models.base import Base, utcnow
from app.models.bom import BomLine, BomRevision
from app.models.item import Item, ItemType, Location
from app.models.ledger import LedgerEntry, LedgerReason, SourceKind, StockBalance
from app.models.work_order import (
    ACTIVE,
    LEGAL_EDGES,
    OPEN_DEMAND,
    PLANNED,
    WOAction,
    WorkOrder,
    WorkOrderLine,
    WorkOrderVariance,
    WOStatus,
)

__all__ = [
    "ACTIVE",
    "LEGAL_EDGES",
    "OPEN_DEMAND",
    "PLANNED",
    "ROLES",
    "AppUser",
    "AuditEvent",
    "Base",
    "BomLine",
    "BomRevision",
    "Counter",
    "Item",
    "ItemType",
    "LedgerEntry",
    "LedgerReason",
    "Location",
    "Preference",
    "SourceKind",
    "StockBalance",
    "WOAction",
    "WOStatus",
    "WorkOrder",
    "WorkOrderLine",
    "WorkOrderVariance",
    "utcnow",
]
