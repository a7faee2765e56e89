"""SQLAlchemy 2 typed models and the rules of one record. No Qt here.

The core models are re-exported here; a kind of document beyond them keeps its tables in a
module of its own, found and imported with the package (not listed) so that the metadata
(Alembic's, the schema test's) holds every table.
"""

import importlib
import pkgutil

from app.models.audit import ROLES, AppUser, AuditEvent, Counter, Preference
from app.models.base import Base, utcnow
from app.models.bom import BomLine, BomRevision
from app.models.finance import FinanceEvent, FinanceLine, Moment
from app.models.item import Item, ItemBin, ItemType, Location
from app.models.ledger import LedgerEntry, LedgerReason, SourceKind, StockBalance
from app.models.lots import Lot, LotBalance, LotLink, LotReservation, Tracking
from app.models.partners import Customer, Vendor
from app.models.purchasing import (
    PO_OPEN,
    POAction,
    POStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
)
from app.models.reasons import ReasonCode, ReasonCodeKind
from app.models.sales import (
    FULFILLMENT_OPEN,
    SO_OPEN_DEMAND,
    Fulfillment,
    FulfillmentAction,
    FulfillmentLine,
    FulfillmentStatus,
    LinePath,
    SalesOrder,
    SalesOrderLine,
    SalesOrderPathChange,
    SOAction,
    SOStatus,
)
from app.models.work_order import (
    ACTIVE,
    LEGAL_EDGES,
    OPEN_DEMAND,
    PLANNED,
    WOAction,
    WorkOrder,
    WorkOrderLine,
    WorkOrderMoment,
    WorkOrderReason,
    WorkOrderVariance,
    WOStatus,
)

# isort: split
# Vendor returns are a kind of document of their own, declared after the core ones; their
# tables belong to the metadata.
from app.models import vendor_return as vendor_return

__all__ = [
    "ACTIVE",
    "FULFILLMENT_OPEN",
    "LEGAL_EDGES",
    "OPEN_DEMAND",
    "PLANNED",
    "PO_OPEN",
    "ROLES",
    "SO_OPEN_DEMAND",
    "AppUser",
    "AuditEvent",
    "Base",
    "BomLine",
    "BomRevision",
    "Counter",
    "Customer",
    "FinanceEvent",
    "FinanceLine",
    "Fulfillment",
    "FulfillmentAction",
    "FulfillmentLine",
    "FulfillmentStatus",
    "Item",
    "ItemBin",
    "ItemType",
    "LedgerEntry",
    "LedgerReason",
    "LinePath",
    "Location",
    "Lot",
    "LotBalance",
    "LotLink",
    "LotReservation",
    "Moment",
    "POAction",
    "POStatus",
    "Preference",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "ReasonCode",
    "ReasonCodeKind",
    "Receipt",
    "ReceiptLine",
    "SOAction",
    "SOStatus",
    "SalesOrder",
    "SalesOrderLine",
    "SalesOrderPathChange",
    "SourceKind",
    "StockBalance",
    "Tracking",
    "Vendor",
    "WOAction",
    "WOStatus",
    "WorkOrder",
    "WorkOrderLine",
    "WorkOrderMoment",
    "WorkOrderReason",
    "WorkOrderVariance",
    "utcnow",
]


def _import_every_model() -> None:
    for found in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{found.name}")


_import_every_model()
