"""Upgrading a database of every released schema: nothing is lost, the figures still prove
against the ledger, and the upgraded plant works with every new kind of document.

tests/data/schema-0001-demo.db is the demo plant as the first release (schema 0001) wrote it;
tests/data/schema-0004-demo.db is the demo plant as schema 0004 wrote it, after a new user
bought LOCK-U for stock with the memo "restock" and received it (PO-000003, IR-000002), and
entered SO-000005 (customer PO LB-4600) with a line built to order whose work order,
WO-000010, was then cancelled, and SO-000006 (customer PO HC-4700) with one built on
WO-000011.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from app.services import finance, inventory
from app.services.catalog import items
from app.services.check import check_database
from app.services.engine import commitment
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.orders import fulfillment, partners, purchasing, sales, trace
from app.services.orders.purchase_changes import edit_purchase_order
from app.services.production import corrections, editing, work_orders
from app.services.transfers import transfer_orders
from app.services.vendor_returns import returns as vendor_returns

RELEASED = Path(__file__).parent / "data" / "schema-0001-demo.db"
SCHEMA_0004 = Path(__file__).parent / "data" / "schema-0004-demo.db"
ACTOR = Actor("upgrader", "test-bench")


@pytest.fixture
def released(tmp_path: Path) -> Path:
    target = tmp_path / "plant.db"
    shutil.copyfile(RELEASED, target)
    return target


@pytest.fixture
def plant_0004(tmp_path: Path) -> Iterator[Database]:
    """The schema 0004 plant, upgraded."""
    target = tmp_path / "plant.db"
    shutil.copyfile(SCHEMA_0004, target)
    db = Database(f"sqlite:///{target}")
    assert db.schema_state().current == "0004"
    backup = db.upgrade()
    assert backup is not None and backup.name.startswith("plant.db.0004.")
    assert db.schema_state().up_to_date
    yield db
    db.dispose()


def counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("item", "work_order", "work_order_line", "ledger_entry", "audit_event")
        }


def test_the_first_release_upgrades_with_a_backup_and_nothing_lost(released: Path) -> None:
    db = Database(f"sqlite:///{released}")
    assert db.schema_state().current == "0001"
    with db.engine.connect() as conn:
        old_rows = conn.execute(
            text(
                "SELECT id, work_order_id, work_order_line_id, quantity FROM ledger_entry "
                "ORDER BY id"
            )
        ).all()
    before = counts(db)
    backup = db.upgrade()
    assert backup is not None and backup.name.startswith("plant.db.0001.")
    assert db.schema_state().up_to_date
    assert counts(db) == before
    with db.engine.connect() as conn:
        new_rows = conn.execute(
            text(
                "SELECT id, source_kind, source_id, source_line_id, quantity FROM ledger_entry "
                "ORDER BY id"
            )
        ).all()
    assert [r[0] for r in new_rows] == [r[0] for r in old_rows]
    for old, new in zip(old_rows, new_rows, strict=True):
        kind = "adjustment" if old.work_order_id is None else "work_order"
        assert (new.source_kind, new.source_id, new.source_line_id, new.quantity) == (
            kind,
            old.work_order_id,
            old.work_order_line_id,
            old.quantity,
        )
    uow = UnitOfWork(db, ACTOR)
    report = check_database(uow)
    assert report.ok, report.problems
    # The ledger is still append-only after the copies, and keeps its row rules; a reason is
    # a registered code, no longer a constraint.
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entry"))
    copy_a_row = (
        "INSERT INTO ledger_entry (event_id, item_id, location_id, quantity, unit_cost, "
        "reason, source_kind, source_ref, posted_by, posted_at) SELECT event_id, item_id, "
        "location_id, {quantity}, unit_cost, 'a_reason_thirty_two_characters_x', "
        "source_kind, source_ref, posted_by, posted_at FROM ledger_entry LIMIT 1"
    )
    with pytest.raises(Exception, match="CHECK"), db.engine.begin() as conn:
        conn.execute(text(copy_a_row.format(quantity=0)))
    with db.engine.begin() as conn:
        conn.execute(text(copy_a_row.format(quantity=1)))
        conn.execute(text(copy_a_row.format(quantity=-1)))
    # The backup is the old database, untouched.
    old = Database(f"sqlite:///{backup}")
    assert old.schema_state().current == "0001"
    assert counts(old) == before
    old.dispose()
    db.dispose()


def test_an_upgraded_plant_posts_every_kind_of_document(released: Path) -> None:
    db = Database(f"sqlite:///{released}")
    db.upgrade()
    uow = UnitOfWork(db, ACTOR)
    built = work_orders.post_assembly_build(uow, "WO-000001", "2")
    assert built.built == 2
    work_orders.close_work_order(uow, "WO-000003")
    partners.add_customer(uow, "Upgrade Cycles", ship_to="1 Main St")
    so = sales.create_sales_order(
        uow, "Upgrade Cycles", [sales.LineEntry("WHEEL-R-700", "2")], customer_po="UP-1"
    )
    picked = fulfillment.fulfill(uow, so.number)
    fulfillment.ship_fulfillment(uow, picked.number)
    assert sales.get_sales_order(uow, so.number).status == "fulfilled"
    report = check_database(uow)
    assert report.ok, report.problems
    db.dispose()


def test_a_postgresql_database_of_the_first_release_upgrades(pg_database: Database) -> None:
    """The same upgrade on PostgreSQL, from a 0001 schema holding work order postings."""
    cfg = pg_database.alembic_config()
    # The template is at head; rebuild this database at 0001 and fill it the 0001 way.
    with pg_database.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    with pg_database.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    with pg_database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO item (id, sku, name, item_type, uom, standard_cost, drop_ship, "
                "active, created_at) VALUES (1, 'PART', 'Part', 'inventory', 'ea', 1000000, "
                "false, true, now()), (2, 'KIT', 'Kit', 'assembly', 'ea', 2000000, false, true, "
                "now())"
            )
        )
        conn.execute(
            text(
                "INSERT INTO bom_revision (id, assembly_id, revision, active, created_at, "
                "created_by) VALUES (1, 2, '1', true, now(), 't')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO bom_line (id, revision_id, line_no, component_id, quantity_per, "
                "backflush) VALUES (1, 1, 1, 1, 1000000, true)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO work_order (id, number, item_id, quantity, built, status, "
                "bom_revision_id, location_id, priority, created_at, created_by) VALUES "
                "(1, 'WO-000001', 2, 2000000, 1000000, 'in_process', 1, 1, 5, now(), 't')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO work_order_line (id, work_order_id, line_no, component_id, "
                "quantity_per, required, committed, issued, backflush) VALUES "
                "(1, 1, 1, 1, 1000000, 2000000, 0, 1000000, true)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO audit_event (id, at, username, workstation, action, details) "
                "VALUES (1, now(), 't', 'w', 'x', '{}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO ledger_entry (event_id, item_id, location_id, quantity, unit_cost, "
                "reason, source_ref, work_order_id, work_order_line_id, posted_by, posted_at) "
                "VALUES (1, 1, 1, 5000000, 1000000, 'adjustment', 'adjustment', NULL, NULL, "
                "'t', now()), (1, 1, 1, -1000000, 1000000, 'backflush', 'WO-000001', 1, 1, "
                "'t', now()), (1, 2, 1, 1000000, 2000000, 'completion', 'WO-000001', 1, NULL, "
                "'t', now())"
            )
        )
        conn.execute(
            text(
                "INSERT INTO stock_balance (item_id, location_id, on_hand, committed, demand, "
                "on_order) VALUES (1, 1, 4000000, 0, 1000000, 0), (2, 1, 1000000, 0, 0, 1000000)"
            )
        )
        conn.execute(text("INSERT INTO counter (name, value) VALUES ('work_order', 1)"))
        for table in ("item", "bom_revision", "bom_line", "work_order", "work_order_line"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)"))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('audit_event', 'id'), 10)"))
    pg_database.upgrade()
    assert pg_database.schema_state().up_to_date
    with pg_database.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT source_kind, source_id, source_line_id FROM ledger_entry ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [
        ("adjustment", None, None),
        ("work_order", 1, 1),
        ("work_order", 1, None),
    ]
    uow = UnitOfWork(pg_database, ACTOR)
    report = check_database(uow)
    assert report.ok, report.problems
    work_orders.post_assembly_build(uow, "WO-000001", "1")
    assert check_database(uow).ok


def test_purchase_orders_of_schema_0004_carry_the_customer_po_their_memo_meant(
    plant_0004: Database,
) -> None:
    """A drop-ship order's memo held its customer's PO; an order bought for stock had a memo
    that a receipt told finance as a customer's PO. After the upgrade neither is so."""
    uow = UnitOfWork(plant_0004, ACTOR)
    drop_ship = purchasing.get_purchase_order(uow, "PO-000001")
    assert (drop_ship.drop_ship, drop_ship.customer_po) == (True, "72622")
    restock = purchasing.get_purchase_order(uow, "PO-000003")
    assert (restock.memo, restock.customer_po) == ("restock", None)
    assert finance.list_events(uow, reference="restock").rows == []
    (received,) = finance.list_events(uow, reference="IR-000002").rows
    assert (received.created_from, received.customer_po) == ("PO-000003", None)
    assert [r.number for r in trace.trace(uow, "restock").records] == []
    traced = {r.number: r.customer_po for r in trace.trace(uow, "72622").records}
    assert traced["PO-000001"] == "72622"
    report = check_database(uow)
    assert report.ok, report.problems


def test_a_line_of_schema_0004_whose_special_order_was_cancelled_ships_from_stock(
    plant_0004: Database,
) -> None:
    """SO-000005's line waited for WO-000010, cancelled: after the upgrade it is a stock line
    that commits and is picked like any other."""
    uow = UnitOfWork(plant_0004, ACTOR)
    (line,) = sales.get_sales_order(uow, "SO-000005").lines
    assert (line.path, line.created, line.committed) == ("stock", ["WO-000010"], 0)
    commitment.rerun(uow)
    assert sales.get_sales_order(uow, "SO-000005").lines[0].committed == 1
    picked = fulfillment.fulfill(uow, "SO-000005")
    assert [(ln.sku, ln.quantity) for ln in picked.lines] == [("WHEEL-R-700", 1)]
    (live,) = sales.get_sales_order(uow, "SO-000006").lines  # its work order is not cancelled
    assert (live.path, live.created) == ("build", ["WO-000011"])
    report = check_database(uow)
    assert report.ok, report.problems


def test_a_plant_of_schema_0007_upgrades_to_cycle_counts(released: Path) -> None:
    """The tables of cycle counts arrive on a plant that has worked a while; its ledger and
    figures are untouched and its shelves can be counted at once."""
    from app.services.counts import counts as cycle_counts

    db = Database(f"sqlite:///{released}")
    with db.engine.connect() as conn:  # as Database.upgrade does, to 0007 only
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")
        with conn.begin():
            command.upgrade(db.alembic_config(conn), "0007")
        raw.execute("PRAGMA foreign_keys = ON")
    assert db.schema_state().current == "0007"
    before = counts(db)
    backup = db.upgrade()
    assert backup is not None and backup.name.startswith("plant.db.0007.")
    assert db.schema_state().up_to_date
    assert counts(db) == before
    uow = UnitOfWork(db, ACTOR)
    number = cycle_counts.start_count(uow, None, items=["CHAIN-8S"]).count.number
    cycle_counts.enter_counts(uow, number, {"CHAIN-8S": "1"})
    posted = cycle_counts.post_count(uow, number)
    assert posted.status == "posted" and posted.lines[0].counted == 1
    report = check_database(uow)
    assert report.ok, report.problems
    db.dispose()


def test_an_upgraded_plant_moves_stock_between_its_locations(released: Path) -> None:
    """Schema 0009: the locations the plant had stay ordinary ones, and a transfer order
    moves stock through the in-transit location made on its first shipment."""
    db = Database(f"sqlite:///{released}")
    db.upgrade()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT code, transit FROM location ORDER BY code")).all() == [
            ("MAIN", 0),
            ("STAGING", 0),
        ]
    uow = UnitOfWork(db, ACTOR)
    entered = transfer_orders.create_transfer_order(
        uow, "MAIN", "STAGING", [transfer_orders.TransferLineEntry("SPOKE-SS", "50")]
    )
    transfer_orders.ship_transfer_order(uow, entered.number)
    done = transfer_orders.receive_transfer_order(uow, entered.number)
    assert done.order.status == "received"
    assert [loc.code for loc in items.list_locations(uow, transit=True)] == [
        "IN-TRANSIT",
        "MAIN",
        "STAGING",
    ]
    report = check_database(uow)
    assert report.ok, report.problems
    db.dispose()


def test_a_postgresql_database_of_schema_0008_gains_transfer_orders(pg_database: Database) -> None:
    cfg = pg_database.alembic_config()
    with pg_database.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    with pg_database.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008")
    with pg_database.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO location (code, name, is_default) VALUES ('EAST', 'E', false)")
        )
    pg_database.upgrade()
    with pg_database.engine.connect() as conn:
        assert conn.execute(text("SELECT code, transit FROM location ORDER BY code")).all() == [
            ("EAST", False),
            ("MAIN", False),
        ]
    uow = UnitOfWork(pg_database, ACTOR)
    items.save_item(uow, items.item_spec(sku="PART", name="Part", item_type="inventory"))
    inventory.adjust_stock(uow, "PART", "3")
    entered = transfer_orders.create_transfer_order(
        uow, "MAIN", "EAST", [transfer_orders.TransferLineEntry("PART", "3")]
    )
    transfer_orders.ship_transfer_order(uow, entered.number)
    assert transfer_orders.receive_transfer_order(uow, entered.number).order.status == "received"
    report = check_database(uow)
    assert report.ok, report.problems


def test_a_plant_of_schema_0009_upgrades_to_live_screens_and_posting_keys(
    released: Path,
) -> None:
    """The change feed and the posting keys arrive on a plant that has worked a while: its
    audit trail is kept (its old events carry no key), the first posting after the upgrade
    is announced and found by its key."""
    from app.services import inventory
    from app.services.engine.feed import open_feed

    db = Database(f"sqlite:///{released}")
    with db.engine.connect() as conn:  # as Database.upgrade does, to 0009 only
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")
        with conn.begin():
            command.upgrade(db.alembic_config(conn), "0009")
        raw.execute("PRAGMA foreign_keys = ON")
    assert db.schema_state().current == "0009"
    before = counts(db)
    backup = db.upgrade()
    assert backup is not None and backup.name.startswith("plant.db.0009.")
    assert db.schema_state().up_to_date
    assert counts(db) == before
    with db.engine.connect() as conn:
        keys = conn.execute(text("SELECT count(posting_key) FROM audit_event")).scalar_one()
        counter = conn.execute(text("SELECT seq FROM change_counter")).scalar_one()
    assert (keys, counter) == (0, 0)
    feed = open_feed(db, own=None)
    uow = UnitOfWork(db, ACTOR)
    posted = inventory.adjust_stock(uow, "CHAIN-8S", "1")
    news = feed.read(30)
    feed.close()
    assert [c.event_id for c in news] == [posted.changes.event_id]
    with db.engine.connect() as conn:
        key = conn.execute(
            text("SELECT posting_key FROM audit_event WHERE id = :id"),
            {"id": posted.changes.event_id},
        ).scalar_one()
    assert uow.was_saved(key)
    report = check_database(uow)
    assert report.ok, report.problems
    db.dispose()


def test_a_plant_of_schema_0010_upgrades_to_roles_in_the_audit_trail(released: Path) -> None:
    """The audit trail gains the role of each event (unknown, None, for those written
    before), its users keep their roles and PINs, and a user may now be order entry."""
    from sqlalchemy import select

    from app.models import AuditEvent
    from app.services import admin, audit

    db = Database(f"sqlite:///{released}")
    with db.engine.connect() as conn:  # as Database.upgrade does, to 0010 only
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")
        with conn.begin():
            command.upgrade(db.alembic_config(conn), "0010")
        raw.execute("PRAGMA foreign_keys = ON")
    assert db.schema_state().current == "0010"
    before = counts(db)
    backup = db.upgrade()
    assert backup is not None and backup.name.startswith("plant.db.0010.")
    assert counts(db) == before
    uow = UnitOfWork(db, ACTOR)
    with db.session() as s:
        assert s.scalars(select(AuditEvent.role).distinct()).all() == [None]
    admin.add_user(uow, "upgrader", "admin")
    admin.add_user(uow, "sara", "sales")
    newest = audit.list_audit(uow).rows[0]
    assert (newest.action, newest.document, newest.role) == ("user.add", "sara", "admin")
    with db.engine.connect() as conn:  # the trail is still append-only
        triggers = conn.execute(
            text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
            )
        ).scalars()
        assert sorted(triggers) == ["audit_event_no_delete", "audit_event_no_update"]
    report = check_database(uow)
    assert report.ok, report.problems
    db.dispose()


def test_a_plant_of_schema_0004_upgrades_to_lots_with_its_ledger_untouched(
    plant_0004: Database,
) -> None:
    """Every item is untracked and no ledger row names a lot; the ledger is still append-only
    (its new column was added without a copy); an item can then be tracked, received in lots
    and built from them."""
    from app.services import inventory
    from app.services.catalog import items
    from app.services.lots import tracking

    with plant_0004.engine.connect() as conn:
        assert conn.execute(text("SELECT DISTINCT tracking FROM item")).scalars().all() == ["none"]
        assert (
            conn.execute(
                text("SELECT count(*) FROM ledger_entry WHERE lot_id IS NOT NULL")
            ).scalar()
            == 0
        )
    with pytest.raises(Exception, match="append-only"), plant_0004.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_entry SET lot_id = NULL"))
    with pytest.raises(Exception, match="CHECK"), plant_0004.engine.begin() as conn:
        conn.execute(text("UPDATE item SET tracking = 'batch'"))
    uow = UnitOfWork(plant_0004, ACTOR)
    for location in ("MAIN", *(x.code for x in items.list_locations(uow) if x.code != "MAIN")):
        on_hand = inventory.stock_position(uow, "SPOKE-SS", location).on_hand
        if on_hand:
            inventory.adjust_stock(uow, "SPOKE-SS", str(-on_hand), location=location)
    tracking.set_item_tracking(uow, "SPOKE-SS", "lot", shelf_life="720")
    inventory.adjust_stock(uow, "SPOKE-SS", "400", lot="SP-1")
    wo = work_orders.create_work_order(uow, "WHEEL-F-700", "2", status="released")
    work_orders.post_assembly_build(uow, wo.number, "2")
    assert [(x.lot, x.on_hand) for x in inventory.stock_position(uow, "SPOKE-SS").lots] == [
        ("SP-1", 336)
    ]
    report = check_database(uow)
    assert report.ok, report.problems


def test_a_plant_of_schema_0004_changes_orders_and_returns_goods_after_the_upgrade(
    plant_0004: Database,
) -> None:
    """The upgrade to vendor returns and order changes: no purchase order line is cancelled,
    each fulfillment and finance event counts on the day it was made, and the plant edits a
    purchase order, sends goods back and changes a line's path at once."""
    with plant_0004.engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM purchase_order_line WHERE cancelled")
            ).scalar_one()
            == 0
        )
        days = conn.execute(
            text("SELECT created_at, transaction_date FROM fulfillment ORDER BY id")
        ).all()
    assert days and all(str(made)[:10] == str(day) for made, day in days)
    uow = UnitOfWork(plant_0004, ACTOR)
    for event in finance.list_events(uow).rows:
        assert event.transaction_date == event.posted_at.date()
    assert isinstance(event.transaction_date, date)
    po = edit_purchase_order(uow, "PO-000003", quantities={"1": "12"})
    assert po.lines[0].quantity == 12
    vra = vendor_returns.return_to_vendor(uow, "PO-000003", {"1": "1"})
    vendor_returns.approve_vendor_return(uow, vra.number)
    assert vendor_returns.ship_vendor_return(uow, vra.number).status == "returned"
    changed = sales.update_sales_order(uow, "SO-000006", paths={"1": "stock"})
    assert (changed.lines[0].path, changed.lines[0].not_needed) == ("stock", ["WO-000011"])
    report = check_database(uow)
    assert report.ok, report.problems


def test_a_postgresql_database_of_schema_0014_gains_vendor_returns(
    pg_database: Database,
) -> None:
    """The upgrade to order changes and vendor returns on PostgreSQL: a finance event of
    schema 0014 counts on the day it was posted, and the plant then edits a purchase order
    and sends goods back."""
    cfg = pg_database.alembic_config()
    with pg_database.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    with pg_database.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0014")
    with pg_database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_event (id, at, username, workstation, action, details) "
                "VALUES (1, now(), 't', 'w', 'x', '{}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO finance_event (moment, document_kind, document, amount, "
                "audit_event_id, posted_at) VALUES ('received', 'receipt', 'IR-000001', "
                "1000000, 1, '2026-03-01 23:30:00')"
            )
        )
        conn.execute(text("SELECT setval(pg_get_serial_sequence('audit_event', 'id'), 10)"))
    pg_database.upgrade()
    assert pg_database.schema_state().up_to_date
    with pg_database.engine.connect() as conn:
        day = conn.execute(text("SELECT transaction_date FROM finance_event")).scalar_one()
    assert day == date(2026, 3, 1)
    uow = UnitOfWork(pg_database, ACTOR)
    items.save_item(uow, items.item_spec(sku="PART", name="Part", item_type="inventory"))
    partners.add_vendor(uow, "Parts Co")
    po = purchasing.create_purchase_order(
        uow, "Parts Co", [purchasing.OrderedLine("PART", "5", "2.00")]
    )
    purchasing.receive_purchase_order(uow, po.number, {"PART": "3"})
    assert edit_purchase_order(uow, po.number, quantities={"1": "4"}).lines[0].quantity == 4
    vra = vendor_returns.return_to_vendor(uow, po.number, {"PART": "1"})
    if vra.status == "pending_approval":
        vendor_returns.approve_vendor_return(uow, vra.number)
    assert vendor_returns.ship_vendor_return(uow, vra.number).status == "returned"
    assert inventory.stock_position(uow, "PART").on_hand == 2


def test_work_orders_of_schema_0004_take_the_floors_exceptions(plant_0004: Database) -> None:
    """After schema 0013 every existing work order has returned, scrapped and unbuilt
    nothing, is not on hold and was never changed; it changes, holds, gives back and takes
    apart like a new one."""
    uow = UnitOfWork(plant_0004, ACTOR)
    with plant_0004.engine.connect() as conn:
        totals = conn.execute(
            text(
                "SELECT sum(unbuilt), sum(scrapped), count(held_at), count(changed_at), "
                "sum(CASE WHEN hold_released THEN 1 ELSE 0 END) FROM work_order"
            )
        ).one()
        lines = conn.execute(text("SELECT sum(returned), sum(scrapped) FROM work_order_line")).one()
    assert tuple(totals) == (0, 0, 0, 0, 0) and tuple(lines) == (0, 0)
    built = work_orders.get_work_order(uow, "WO-000003")
    taken_apart = corrections.unbuild(uow, "WO-000003", "1")
    assert (taken_apart.built, taken_apart.unbuilt, taken_apart.status) == (
        built.built - 1,
        1,
        "in_process",
    )
    editing.hold_work_order(uow, "WO-000002", "waiting for parts")
    assert work_orders.get_work_order(uow, "WO-000002").held is not None
    editing.resume_work_order(uow, "WO-000002")
    special = editing.edit_work_order(uow, "WO-000011", quantity="3", priority="1")
    assert (special.quantity, special.priority, special.changed_by) == (3, 1, "upgrader")
    report = check_database(uow)
    assert report.ok, report.problems


def test_a_plant_of_schema_0013_upgrades_to_customer_returns(released: Path) -> None:
    """The tables of customer returns arrive on a plant that has shipped orders; its ledger
    and figures are untouched, and what it shipped can come back at once."""
    from app.services.returns import returns

    db = Database(f"sqlite:///{released}")
    with db.engine.connect() as conn:  # as Database.upgrade does, to 0013 only
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")
        with conn.begin():
            command.upgrade(db.alembic_config(conn), "0013")
        raw.execute("PRAGMA foreign_keys = ON")
    assert db.schema_state().current == "0013"
    before = counts(db)
    backup = db.upgrade()
    assert backup is not None and backup.name.startswith("plant.db.0013.")
    assert db.schema_state().up_to_date
    assert counts(db) == before
    uow = UnitOfWork(db, ACTOR)
    partners.add_customer(uow, "Northside Wheels")
    order = sales.create_sales_order(uow, "Northside Wheels", [sales.LineEntry("CHAIN-8S", "1")])
    fulfillment.ship_fulfillment(uow, fulfillment.fulfill(uow, order.number).number)
    rma = returns.create_return(uow, order.number, {"1": "1"})
    returns.approve_return(uow, rma.number)
    back = returns.receive_return(uow, rma.number)
    assert back.status == "received" and back.lines[0].restocked == 1
    assert sales.get_sales_order(uow, order.number).lines[0].returned == 1
    report = check_database(uow)
    assert report.ok, report.problems
    db.dispose()
