"""Creating and upgrading a database, and the demo plant."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import exists, select

from app.config import resource_path
from app.errors import ValidationError
from app.models import Item
from app.services import admin, inventory, reasons
from app.services.catalog import imports, items
from app.services.engine.database import (
    Database,
    SchemaState,
    copy_sqlite,
    remove_sqlite_file,
    replace_sqlite_file,
)
from app.services.engine.permissions import Permission
from app.services.engine.uow import Actor, Transaction, UnitOfWork, query
from app.services.orders import fulfillment, partners, purchasing, sales
from app.services.orders import imports as order_imports
from app.services.production import work_orders


@dataclass(frozen=True)
class InitResult:
    database: str
    schema: str
    previous_schema: str | None
    backup: str | None
    demo: bool


def init_database(
    database: Database, *, demo: bool = False, actor: Actor | None = None
) -> InitResult:
    """Create or upgrade the schema (an existing SQLite file is backed up first); with
    `demo`, fill a new, empty database with the demo plant. A demo that fails half-way
    leaves no half-made database behind (`_init_with_demo`)."""
    before = database.schema_state()
    backup = _init_with_demo(database, before, actor) if demo else database.upgrade()
    return InitResult(
        database=database.describe(),
        schema=database.head_revision(),
        previous_schema=before.current,
        backup=str(backup) if backup else None,
        demo=demo,
    )


def _init_with_demo(database: Database, before: SchemaState, actor: Actor | None) -> Path | None:
    """The schema and the demo plant, all or nothing. A SQLite plant is made in a scratch
    file beside the target and moved into place only once it is complete; on PostgreSQL the
    demo goes only into a new database, and what a failed load created is dropped."""
    path = database.sqlite_path
    if path is None:
        if before.current is not None:
            raise ValidationError(
                f"{database.describe()} is initialised already; the demo plant goes into a "
                "new, empty PostgreSQL database"
            )
        database.upgrade()
        try:
            load_demo(UnitOfWork(database, actor))
        except BaseException:
            database.drop_schema()
            raise
        return None
    backup = database.upgrade() if before.current is not None else None
    if before.current is not None:
        _refuse_if_not_empty(UnitOfWork(database, actor))
    scratch = path.with_name(f".{path.name}.{os.getpid()}.partial")
    remove_sqlite_file(scratch)
    try:
        if before.current is not None:
            copy_sqlite(path, scratch)
        made = Database(f"sqlite:///{scratch}")
        try:
            made.upgrade()
            load_demo(UnitOfWork(made, actor))
        finally:
            made.dispose()
        database.dispose()
        replace_sqlite_file(scratch, path)
    finally:
        remove_sqlite_file(scratch)
    return backup


@query(Permission.IMPORT)
def _refuse_if_not_empty(tx: Transaction) -> None:
    if tx.session.scalar(select(exists().where(Item.id.is_not(None)))):
        raise ValidationError(
            "the database already holds items; demo data only goes into a new database"
        )


def load_demo(uow: UnitOfWork, today: date | None = None) -> None:
    """A small bicycle plant with two- and three-level BOMs, stock in two locations and work
    orders in every status (DOMAIN.md's bicycle example included: 20 bikes against 14 brake
    kits on hand shows a shortage of 6)."""
    _refuse_if_not_empty(uow)
    today = today or date.today()
    demo = resource_path("demo")
    admin.set_preference(uow, "perform_item_commitment_after_transaction_entry", "true")
    for code, kind, words in DEMO_REASONS:
        reasons.add_reason_code(uow, code, kind, words)
    imports.import_items(uow, demo / "items.csv")
    imports.import_boms(uow, demo / "boms.csv")
    imports.import_stock(uow, demo / "stock.csv")
    items.add_location(uow, "STAGING", "Line-side staging")
    inventory.adjust_stock(uow, "SPOKE-SS", "400", location="STAGING", memo="line-side stock")
    inventory.adjust_stock(uow, "NIPPLE-BR", "400", location="STAGING", memo="line-side stock")

    def due(days: int) -> date:
        return today + timedelta(days=days)

    wo = work_orders
    # Released brake kits: calipers are short, so part of the line stays backordered.
    wo.create_work_order(uow, "BRAKE-KIT", "10", status="released", due=due(3), priority=3)
    # Front wheels in process: parts issued by hand, then half completed with backflush.
    front = wo.create_work_order(uow, "WHEEL-F-700", "12", status="released", due=due(5))
    wo.issue_components(
        uow,
        front.number,
        {"RIM-700C": "6", "SPOKE-SS": "192", "NIPPLE-BR": "192", "HUB-F": "6"},
    )
    wo.complete_work_order(uow, front.number, "6", backflush=True)
    # Rear wheels built in one assembly build (uses the three-level rear hub).
    rear = wo.create_work_order(uow, "WHEEL-R-700", "3", status="released", due=due(1))
    wo.post_assembly_build(uow, rear.number, "3")
    # Cockpits closed short: 10 issued, 8 built; the variance shows the difference.
    cockpit = wo.create_work_order(uow, "COCKPIT", "10", status="released", due=due(-4))
    wo.issue_components(
        uow, cockpit.number, {"HANDLEBAR-FLAT": "10", "GRIP-PAIR": "10", "STEM-90": "10"}
    )
    wo.complete_work_order(uow, cockpit.number, "8")
    wo.close_work_order(uow, cockpit.number)
    # Planned work: the bicycle example and a drivetrain batch.
    wo.create_work_order(
        uow,
        "BIKE-CITY-M",
        "20",
        status="firm_planned",
        due=due(12),
        priority=2,
        memo="customer order 72622",
    )
    wo.create_work_order(uow, "DRIVETRAIN-8S", "5", status="open_planned", due=due(20))
    # Late work: a released hub batch and a drivetrain batch already started.
    wo.create_work_order(uow, "HUB-R-ASSY", "10", status="released", due=due(-2), priority=1)
    late = wo.create_work_order(uow, "DRIVETRAIN-8S", "3", status="released", due=due(-1))
    wo.issue_components(uow, late.number, {"CHAIN-8S": "3", "GREASE": "7.5"})
    # A cancelled order.
    cancelled = wo.create_work_order(uow, "BIKE-CITY-L", "4", status="firm_planned", due=due(30))
    wo.cancel_work_order(uow, cancelled.number)
    load_demo_orders(uow, today)


# The plant's reasons for scrapping stock and for returns.
DEMO_REASONS = (
    ("DAMAGED", "scrap", "damaged in handling"),
    ("DEFECTIVE", "scrap", "failed inspection"),
    ("SETUP", "scrap", "used up setting the line up"),
    ("DAMAGED", "return", "arrived damaged"),
    ("WRONG-ITEM", "return", "not what was ordered"),
    ("DEFECTIVE", "return", "does not work"),
)

# Where things sit in the main warehouse: the bins pick lists are sorted by.
DEMO_BINS = {
    "FRAME-AL-M": "A-01-1",
    "FRAME-AL-L": "A-01-2",
    "RIM-700C": "A-02-1",
    "HUB-F": "A-02-3",
    "TIRE-700X32": "A-03-1",
    "TUBE-700": "A-03-2",
    "RIMTAPE-700": "A-03-3",
    "SPOKE-SS": "B-01-1",
    "NIPPLE-BR": "B-01-2",
    "HUB-SHELL-R": "B-02-1",
    "AXLE-R": "B-02-2",
    "BEARING-6001": "B-02-3",
    "CASSETTE-8S": "B-03-1",
    "CHAIN-8S": "B-03-2",
    "DERAILLEUR-R8": "B-03-3",
    "SHIFTER-8S": "B-03-4",
    "CRANKSET-38": "B-04-1",
    "PEDAL-PAIR": "B-04-2",
    "HANDLEBAR-FLAT": "C-01-1",
    "GRIP-PAIR": "C-01-2",
    "STEM-90": "C-01-3",
    "SADDLE-CMF": "C-02-1",
    "SEATPOST-27": "C-02-2",
    "BRAKE-CALIPER": "C-03-1",
    "BRAKE-LEVER": "C-03-2",
    "BRAKE-CABLE": "C-03-3",
    "BOLT-M5": "D-01-1",
    "GREASE": "D-01-2",
    "BOX-BIKE": "E-01-1",
    "MANUAL": "E-01-2",
    "HELMET-M": "F-01-1",
    "LOCK-U": "F-01-2",
    "BELL": "F-02-1",
    "LIGHT-SET": "F-02-2",
    "BIKE-CITY-M": "G-01-1",
    "WHEEL-F-700": "G-02-1",
    "WHEEL-R-700": "G-02-2",
}


def load_demo_orders(uow: UnitOfWork, today: date) -> None:
    """The order side of the demo plant: customers and vendors, sellable items with bins,
    sales orders in several states (one with a kit, a drop-ship line and a service), a
    packed fulfillment, a partial shipment, and a purchase order partly received."""
    demo = resource_path("demo")
    imports.import_items(uow, demo / "sales_items.csv")
    imports.import_boms(uow, demo / "sales_boms.csv")
    imports.import_stock(uow, demo / "sales_stock.csv")
    order_imports.import_customers(uow, demo / "customers.csv")
    order_imports.import_vendors(uow, demo / "vendors.csv")
    for sku, where in DEMO_BINS.items():
        items.set_bin(uow, sku, where)
    partners.set_purchasing(uow, "RACK-REAR", vendor="Carrier Racks Inc.", price="16.00")
    partners.set_purchasing(uow, "LIGHT-SET", vendor="Velo Parts GmbH", price="6.80")
    partners.set_purchasing(uow, "HELMET-M", vendor="Velo Parts GmbH", price="12.00")
    partners.set_purchasing(uow, "BRAKE-CALIPER", vendor="Velo Parts GmbH", price="6.90")

    def ship_by(days: int) -> str:
        return (today + timedelta(days=days)).isoformat()

    line = sales.LineEntry
    # Ready to pick: a kit, a scarce item, a drop-ship line and a service.
    sales.create_sales_order(
        uow,
        "Harbor Cycles",
        [
            line("GIFT-SET", "4", None, "45.00"),
            line("LIGHT-SET", "6", None, "19.00"),
            line("RACK-REAR", "2", "drop_ship", "39.00"),
            line("WARRANTY-3Y", "2", None, "49.00"),
        ],
        customer_po="72622",
        ship_date=ship_by(5),
        memo="Deliver to the service entrance",
    )
    # Picked and packed, waiting for its packing slip.
    packed = sales.create_sales_order(
        uow,
        "Lakeside Bikes",
        [
            line("HELMET-M", "4", None, "34.00"),
            line("BELL", "10", None, "5.00"),
            line("DECAL-SET", "10", None, "3.00"),
        ],
        customer_po="LB-4471",
        ship_date=ship_by(2),
    )
    picked = fulfillment.fulfill(uow, packed.number)
    fulfillment.pack_fulfillment(uow, picked.number)
    # Late, partly shipped, the rest waiting for stock.
    late = sales.create_sales_order(
        uow,
        "City Commuter Co-op",
        [line("LOCK-U", "12", None, "24.00"), line("LIGHT-SET", "4", None, "19.00")],
        customer_po="CC-2026-118",
        ship_date=ship_by(-1),
    )
    first = fulfillment.fulfill(uow, late.number, {"1": "8"})
    fulfillment.ship_fulfillment(uow, first.number)
    # Not approved yet.
    sales.create_sales_order(
        uow,
        "Lakeside Bikes",
        [line("HELMET-M", "2", None, "34.00")],
        customer_po="LB-4502",
        ship_date=ship_by(9),
        status="pending_approval",
    )
    # Lights and helmets on order; part of it has come in.
    po = purchasing.create_purchase_order(
        uow,
        "Velo Parts GmbH",
        [purchasing.OrderedLine("LIGHT-SET", "20"), purchasing.OrderedLine("HELMET-M", "10")],
        expected=ship_by(3),
    )
    purchasing.receive_purchase_order(uow, po.number, {"LIGHT-SET": "10"})
