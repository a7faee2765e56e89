"""Creating and upgrading a database, and the demo plant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, select

from app.config import resource_path
from app.errors import ValidationError
from app.models import Item
from app.services import admin, inventory
from app.services.catalog import imports, items
from app.services.engine.database import Database
from app.services.engine.permissions import Permission
from app.services.engine.uow import Actor, Transaction, UnitOfWork, query
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
    `demo`, fill a new, empty database with the demo plant."""
    before = database.schema_state()
    backup = database.upgrade()
    if demo:
        load_demo(UnitOfWork(database, actor))
    return InitResult(
        database=database.describe(),
        schema=database.head_revision(),
        previous_schema=before.current,
        backup=str(backup) if backup else None,
        demo=demo,
    )


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
