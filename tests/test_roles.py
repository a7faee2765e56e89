"""Who may do what, proven for every posting under every role.

`ROLE_PERMISSIONS` (app/services/engine/permissions.py) is the one declaration of which role
holds which permission, and every posting states the permission it needs once (`@posting`).
Here every registered posting (every service module imported first) is run for real under
each role, each time on a document prepared for it: a role the table allows must get it
done, recorded in the audit trail as that user in that role; any other role must be refused
with nothing written at all. A posting without an example here fails the test, so a new one
is proven too.
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.dialects import sqlite

import app.services
from app.errors import PermissionDenied
from app.models import AuditEvent
from app.services import admin, backups, finance, inventory, reasons
from app.services.catalog import boms, imports, items
from app.services.catalog.boms import BomLineSpec
from app.services.check import check_database
from app.services.counts import counts
from app.services.engine import commitment
from app.services.engine.database import Database
from app.services.engine.permissions import ROLE_PERMISSIONS, Permission, allowed
from app.services.engine.uow import _POSTINGS, _SELECT_ROLE, Actor, UnitOfWork, permission_of
from app.services.lots import tracking
from app.services.orders import fulfillment, partners, purchasing, sales
from app.services.orders import imports as order_imports
from app.services.orders.purchase_changes import edit_purchase_order
from app.services.production import corrections, editing, planning, work_orders
from app.services.returns import returns
from app.services.transfers import lead_times
from app.services.transfers import planning as transfer_planning
from app.services.transfers import transfer_orders as transfers
from app.services.vendor_returns import returns as vendor_returns


def every_service_module() -> None:
    for found in pkgutil.walk_packages(app.services.__path__, "app.services."):
        importlib.import_module(found.name)


every_service_module()
POSTINGS = sorted(_POSTINGS)
ROLES = list(ROLE_PERMISSIONS)
BOSS = "boss"
ROLE_QUERY = " ".join(str(_SELECT_ROLE.compile(dialect=sqlite.dialect())).split())


def role_user(role: str) -> str:
    return f"{role}-1"


class Shop:
    """A small plant, its users (one per role, and the boss who prepares), and fresh names."""

    def __init__(self, database: Database, folder: Path) -> None:
        self.database = database
        self.folder = folder
        self.boss = UnitOfWork(database, Actor(BOSS, "office"))
        self._n = itertools.count(1)

    def new(self, prefix: str) -> str:
        return f"{prefix}-{next(self._n)}"

    def as_role(self, role: str) -> UnitOfWork:
        return UnitOfWork(self.database, Actor(role_user(role), "floor"))

    def file(self, header: str, *rows: str) -> Path:
        path = self.folder / f"{self.new('file')}.csv"
        path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
        return path

    # --- documents made by the boss, for the role to act on ---

    def item(self, item_type: str = "inventory", stock: int = 0, **kw: object) -> str:
        sku = self.new("ITEM")
        items.save_item(
            self.boss,
            items.item_spec(sku=sku, name=sku, item_type=item_type, standard_cost="2", **kw),
        )
        if stock:
            inventory.adjust_stock(self.boss, sku, str(stock))
        return sku

    def wo(self, status: str = "released") -> str:
        return work_orders.create_work_order(self.boss, "ASM", "5", status=status).number

    def so(self, *, status: str | None = None, sku: str = "PART", path: str | None = None) -> str:
        line = sales.LineEntry(sku, "1", path) if path else sales.LineEntry(sku, "1")
        return sales.create_sales_order(self.boss, "Cust", [line], status=status).number

    def po(self) -> str:
        line = purchasing.OrderedLine("PART", "5")
        return purchasing.create_purchase_order(self.boss, "Vendor", [line]).number

    def picked(self) -> str:
        return fulfillment.fulfill(self.boss, self.so()).number

    def count(self, counted: bool = False) -> str:
        sku = self.item(stock=10)
        number = counts.start_count(self.boss, None, items=[sku]).count.number
        if counted:
            counts.enter_counts(self.boss, number, {sku: "9"})
        return number


Call = Callable[[UnitOfWork], object]
Example = Callable[[Shop], Call]


def _bom_activate(s: Shop) -> Call:
    rev = boms.save_bom(s.boss, "ASM", [BomLineSpec("PART", Decimal(2), True)], activate=False)
    return lambda u: boms.activate_bom(u, "ASM", rev.revision)


def _drop_ship(s: Shop) -> Call:
    number = sales.get_sales_order(s.boss, s.so(sku="RACK", path="drop_ship")).purchase_orders[0]
    return lambda u: purchasing.mark_drop_ship_shipped(u, number)


def _replenish(s: Shop) -> Call:
    sku = s.item(build_point="5", preferred_stock="10")
    partners.set_purchasing(s.boss, sku, vendor="Vendor", price="1")
    return lambda u: purchasing.accept_replenishment(u, [sku])


def _queue(s: Shop) -> Call:
    sku = s.item("assembly", build_point="2", preferred_stock="4")
    boms.save_bom(s.boss, sku, [BomLineSpec("PART", Decimal(1), True)])
    return lambda u: planning.accept_suggestions(u, [sku])


def _review(s: Shop) -> Call:
    purchasing.receive_purchase_order(s.boss, s.po())
    newest = finance.list_events(s.boss, reviewed=False).rows[0].id
    return lambda u: finance.mark_reviewed(u, [newest])


def _reverse(s: Shop) -> Call:
    event = inventory.adjust_stock(s.boss, "PART", "3").event_id
    return lambda u: inventory.reverse_posting(u, event)


def _enter_count(s: Shop) -> Call:
    number = s.count()
    sku = counts.get_count(s.boss, number).lines[0].sku
    return lambda u: counts.enter_counts(u, number, {sku: "9"})


def _imported(load: Callable[[UnitOfWork, Path], object], header: str, row: str) -> Example:
    """The boss writes a file (`{}` in the row becomes a new name); the role imports it."""

    def example(s: Shop) -> Call:
        path = s.file(header, row.format(s.new("NEW")))
        return lambda u: load(u, path)

    return example


def _approve_count(s: Shop) -> Call:
    admin.set_preference(s.boss, "count_approval_threshold", "1")
    number = s.count(counted=True)
    return lambda u: counts.approve_count(u, number)


def _reason_update(s: Shop) -> Call:
    code = s.new("WHY")
    reasons.add_reason_code(s.boss, code, "scrap", "why not")
    return lambda u: reasons.set_reason_code_active(u, code, "scrap", False)


def _user_update(s: Shop) -> Call:
    name = s.new("user")
    admin.add_user(s.boss, name, "viewer")
    return lambda u: admin.update_user(u, name, role="picker")


def _wo_close(s: Shop) -> Call:
    number = s.wo()
    work_orders.post_assembly_build(s.boss, number, "1")
    return lambda u: work_orders.close_work_order(u, number)


def _held(s: Shop) -> str:
    number = s.wo()
    editing.hold_work_order(s.boss, number, "waiting for the drawing")
    return number


def _issued(s: Shop) -> str:
    number = s.wo()
    work_orders.issue_components(s.boss, number, {"PART": "1"})
    return number


def _built(s: Shop) -> str:
    number = s.wo()
    work_orders.post_assembly_build(s.boss, number, "1")
    return number


def _wo_scrap(s: Shop) -> Call:
    number, code = s.wo(), s.new("LOST")
    reasons.add_reason_code(s.boss, code, "scrap", "lost on the floor")
    return lambda u: corrections.scrap(u, number, components={"PART": "1"}, reason=code)


def _so_approve(s: Shop) -> Call:
    number = s.so(status="pending_approval")
    return lambda u: sales.approve_sales_order(u, number)


def _transfer(s: Shop, *, status: str | None = None, shipped: bool = False) -> str:
    """A transfer of 2 PART from MAIN to EAST (shipped, when asked)."""
    number = transfers.create_transfer_order(
        s.boss, "MAIN", "EAST", [transfers.TransferLineEntry("PART", "2")], status=status
    ).number
    if shipped:
        transfers.ship_transfer_order(s.boss, number)
    return number


def _rma(s: Shop, *, approved: bool = False, received: str | None = None) -> str:
    """A return of 1 PART shipped on a new order (approved, and part received, when asked)."""
    order = s.so()
    fulfillment.ship_fulfillment(s.boss, fulfillment.fulfill(s.boss, order).number)
    number = returns.create_return(s.boss, order, {"1": "1"}).number
    if approved:
        returns.approve_return(s.boss, number)
    if received:
        returns.receive_return(s.boss, number, {"1": received})
    return number


def _shipped(s: Shop) -> str:
    order = s.so()
    fulfillment.ship_fulfillment(s.boss, fulfillment.fulfill(s.boss, order).number)
    return order


def _received(s: Shop) -> str:
    """A purchase order of 5 PART, all received."""
    number = s.po()
    purchasing.receive_purchase_order(s.boss, number)
    return number


def _vra(s: Shop, *, approved: bool = False, shipped: str | None = None) -> str:
    """A vendor return of 2 PART from a receipt (approved, and part shipped, when asked)."""
    number = vendor_returns.return_to_vendor(s.boss, _received(s), {"PART": "2"}).number
    if approved or shipped:
        vendor_returns.approve_vendor_return(s.boss, number)
    if shipped:
        vendor_returns.ship_vendor_return(s.boss, number, {"PART": shipped})
    return number


def _later(make: Callable[[Shop], str], act: Callable[[UnitOfWork, str], object]) -> Example:
    """The boss makes a document; the role acts on it."""

    def example(s: Shop) -> Call:
        number = make(s)
        return lambda u: act(u, number)

    return example


EXAMPLES: dict[str, Example] = {
    # catalog
    "item.save": lambda s: (
        lambda u: items.save_item(
            u, items.item_spec(sku=s.new("NEW"), name="new", item_type="inventory")
        )
    ),
    "location.add": lambda s: lambda u: items.add_location(u, s.new("LOC"), "a shelf"),
    "item.bin": lambda s: lambda u: items.set_bin(u, "PART", s.new("A")),
    "item.tracking": lambda s: (lambda sku: lambda u: tracking.set_item_tracking(u, sku, "lot"))(
        s.item()
    ),
    "bom.save": lambda s: lambda u: boms.save_bom(u, "ASM", [BomLineSpec("PART", Decimal(1))]),
    "bom.activate": _bom_activate,
    "import.items": _imported(imports.import_items, "sku,name,type", "{},Imported,inventory"),
    "import.boms": _imported(imports.import_boms, "assembly,component,quantity", "ASM,PART,3"),
    "import.stock": _imported(imports.import_stock, "sku,quantity", "PART,4"),
    # stock
    "stock.adjust": lambda s: lambda u: inventory.adjust_stock(u, "PART", "2"),
    "stock.reverse": _reverse,
    "commitment.rerun": lambda s: commitment.rerun,
    "count.start": lambda s: (lambda sku: lambda u: counts.start_count(u, None, items=[sku]))(
        s.item(stock=3)
    ),
    "count.enter": _enter_count,
    "count.approve": _approve_count,
    "count.post": _later(lambda s: s.count(counted=True), counts.post_count),
    "count.cancel": _later(lambda s: s.count(), counts.cancel_count),
    # production
    "wo.create": lambda s: lambda u: work_orders.create_work_order(u, "ASM", "2"),
    "wo.release": _later(lambda s: s.wo("firm_planned"), work_orders.release_work_order),
    "wo.cancel": _later(lambda s: s.wo(), work_orders.cancel_work_order),
    "wo.close": _wo_close,
    "wo.issue": _later(
        lambda s: s.wo(), lambda u, n: work_orders.issue_components(u, n, {"PART": "1"})
    ),
    "wo.complete": _later(
        lambda s: s.wo(), lambda u, n: work_orders.complete_work_order(u, n, "1")
    ),
    "wo.build": _later(lambda s: s.wo(), lambda u, n: work_orders.post_assembly_build(u, n, "1")),
    "wo.edit": _later(lambda s: s.wo(), lambda u, n: editing.edit_work_order(u, n, priority="1")),
    "wo.hold": _later(lambda s: s.wo(), lambda u, n: editing.hold_work_order(u, n, "no drawing")),
    "wo.resume": _later(_held, editing.resume_work_order),
    "wo.unrelease": _later(lambda s: s.wo(), editing.unrelease_work_order),
    "wo.return": _later(_issued, lambda u, n: corrections.return_components(u, n, {"PART": "1"})),
    "wo.unbuild": _later(_built, lambda u, n: corrections.unbuild(u, n, "1")),
    "wo.scrap": _wo_scrap,
    "queue.accept": _queue,
    # sales
    "customer.add": lambda s: lambda u: partners.add_customer(u, s.new("Customer")),
    "customer.update": lambda s: lambda u: partners.update_customer(u, "Cust", priority="4"),
    "so.create": lambda s: (
        lambda u: sales.create_sales_order(u, "Cust", [sales.LineEntry("PART", "1")])
    ),
    "so.approve": _so_approve,
    "so.edit": _later(lambda s: s.so(), lambda u, n: sales.update_sales_order(u, n, memo="rush")),
    "so.close": _later(lambda s: s.so(), sales.close_sales_order),
    "so.cancel": _later(lambda s: s.so(), sales.cancel_sales_order),
    "import.customers": _imported(order_imports.import_customers, "name,priority", "{},3"),
    "import.orders": _imported(
        order_imports.import_orders, "order_ref,customer,sku,quantity", "{},Cust,PART,1"
    ),
    # fulfillment
    "fulfillment.pick": _later(lambda s: s.so(), fulfillment.fulfill),
    "fulfillment.pack": _later(Shop.picked, fulfillment.pack_fulfillment),
    "fulfillment.ship": _later(Shop.picked, fulfillment.ship_fulfillment),
    "fulfillment.cancel": _later(Shop.picked, fulfillment.cancel_fulfillment),
    # purchasing
    "vendor.add": lambda s: lambda u: partners.add_vendor(u, s.new("Vendor")),
    "item.purchasing": lambda s: (
        lambda u: partners.set_purchasing(u, "PART", vendor="Vendor", price="2")
    ),
    "import.vendors": _imported(order_imports.import_vendors, "name,address", "{},1 Road"),
    "po.create": lambda s: (
        lambda u: purchasing.create_purchase_order(
            u, "Vendor", [purchasing.OrderedLine("PART", "1")]
        )
    ),
    "po.receive": _later(Shop.po, purchasing.receive_purchase_order),
    "po.mark_shipped": _drop_ship,
    "po.close": _later(Shop.po, purchasing.close_purchase_order),
    "po.cancel": _later(Shop.po, purchasing.cancel_purchase_order),
    "po.suggest.accept": _replenish,
    "po.edit": _later(
        Shop.po,
        lambda u, n: edit_purchase_order(u, n, quantities={"1": "6"}, expected="2027-01-04"),
    ),
    "po.return": _later(
        _received, lambda u, n: vendor_returns.return_to_vendor(u, n, {"PART": "1"})
    ),
    "vra.approve": _later(_vra, vendor_returns.approve_vendor_return),
    "vra.ship": _later(lambda s: _vra(s, approved=True), vendor_returns.ship_vendor_return),
    "vra.close": _later(lambda s: _vra(s, shipped="1"), vendor_returns.close_vendor_return),
    "vra.cancel": _later(_vra, vendor_returns.cancel_vendor_return),
    "finance.review": _review,
    # the plant
    "prefs.set": lambda s: lambda u: admin.set_preference(u, "page_size", "a4"),
    "reason.add": lambda s: lambda u: reasons.add_reason_code(u, s.new("WHY"), "scrap", "why"),
    "reason.update": _reason_update,
    "user.add": lambda s: lambda u: admin.add_user(u, s.new("user"), "viewer"),
    "user.reset_pin": lambda s: lambda u: admin.reset_secret(u, role_user("viewer"), "2468"),
    "user.update": _user_update,
    # transfers between locations
    "location.lead_time": lambda s: lambda u: lead_times.set_lead_time(u, "MAIN", "EAST", "3"),
    "location.add_with_lead_times": lambda s: (
        lambda u: lead_times.add_location(u, s.new("LOC"), "a bay", lead_times_from={"MAIN": "2"})
    ),
    "transfer.create": lambda s: (
        lambda u: transfers.create_transfer_order(
            u, "MAIN", "EAST", [transfers.TransferLineEntry("PART", "1")]
        )
    ),
    "transfer.approve": _later(
        lambda s: _transfer(s, status="pending_approval"), transfers.approve_transfer_order
    ),
    "transfer.cancel": _later(_transfer, transfers.cancel_transfer_order),
    "transfer.close": _later(_transfer, transfers.close_transfer_order),
    "transfer.ship": _later(_transfer, transfers.ship_transfer_order),
    "transfer.receive": _later(
        lambda s: _transfer(s, shipped=True), transfers.receive_transfer_order
    ),
    "transfer.suggest.accept": lambda s: transfer_planning.accept_transfer_suggestions,
    "db.backup": lambda s: lambda u: backups.back_up(u, s.folder / f"{s.new('backup')}.db"),
    # customer returns
    "rma.create": _later(_shipped, lambda u, n: returns.create_return(u, n, {"1": "1"})),
    "rma.approve": _later(_rma, returns.approve_return),
    "rma.receive": _later(lambda s: _rma(s, approved=True), returns.receive_return),
    "rma.close": _later(lambda s: _rma(s, approved=True, received="1"), returns.close_return),
    "rma.cancel": _later(_rma, returns.cancel_return),
}


@pytest.fixture(scope="module")
def shop_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PART (stock 500) and ASM (2 PART each); RACK, drop-shipped by Vendor; customer Cust;
    the boss (admin) and one user of every role."""
    path = tmp_path_factory.mktemp("roles") / "template.db"
    shutil.copyfile(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    s = Shop(db, path.parent)
    admin.add_user(s.boss, BOSS, "admin")
    for role in ROLES:
        admin.add_user(s.boss, role_user(role), role)
    for sku, kind in (("PART", "inventory"), ("ASM", "assembly"), ("RACK", "inventory")):
        items.save_item(
            s.boss,
            items.item_spec(
                sku=sku, name=sku, item_type=kind, standard_cost="2", drop_ship=sku == "RACK"
            ),
        )
    boms.save_bom(s.boss, "ASM", [BomLineSpec("PART", Decimal(2), True)])
    inventory.adjust_stock(s.boss, "PART", "500")
    partners.add_vendor(s.boss, "Vendor")
    partners.set_purchasing(s.boss, "RACK", vendor="Vendor", price="20")
    partners.add_customer(s.boss, "Cust")
    items.add_location(s.boss, "EAST", "East store")
    db.dispose()
    return path


@pytest.fixture
def shop(shop_template: Path, tmp_path: Path) -> Iterator[Shop]:
    path = tmp_path / "shop.db"
    shutil.copyfile(shop_template, path)
    db = Database(f"sqlite:///{path}")
    yield Shop(db, tmp_path)
    db.dispose()


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements run on the database meanwhile."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def newest_event(database: Database) -> Any:
    with database.session() as s:
        return s.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()


def test_every_posting_has_an_example() -> None:
    assert sorted(EXAMPLES) == POSTINGS, "a posting without an example: add one to EXAMPLES"


def test_the_table_names_every_role_a_user_can_have() -> None:
    from app.models import ROLES as STORED_ROLES

    assert set(STORED_ROLES) == set(ROLE_PERMISSIONS)


@pytest.mark.parametrize("action", POSTINGS)
def test_each_role_may_run_a_posting_exactly_as_the_table_says(action: str, shop: Shop) -> None:
    permission = permission_of(action)
    path = shop.database.sqlite_path
    assert path is not None
    for role in ROLES:
        call = EXAMPLES[action](shop)
        user = shop.as_role(role)
        if allowed(role, permission):
            call(user)
            event = newest_event(shop.database)
            assert (event.action, event.username, event.role) == (action, role_user(role), role)
        else:
            before, here = dump(path), files(shop.folder)
            with (
                statements(shop.database) as seen,
                pytest.raises(PermissionDenied, match=f"{role_user(role)} \\({role}\\) may not"),
            ):
                call(user)
            # The role is the first thing read, and the refusal comes before anything else.
            assert [s for s in seen if not s.startswith("BEGIN")] == [ROLE_QUERY], seen
            assert dump(path) == before, f"{action} refused to {role} but wrote something"
            assert files(shop.folder) == here, f"{action} refused to {role} but made a file"
    report = check_database(shop.boss)
    assert report.ok, report.problems


def test_entering_an_order_is_not_approving_it_and_backups_are_for_admins() -> None:
    assert allowed("sales", Permission.SELL)
    assert not allowed("sales", Permission.APPROVE_ORDERS)
    assert [r for r in ROLES if allowed(r, Permission.APPROVE_ORDERS)] == ["admin", "supervisor"]
    assert [r for r in ROLES if allowed(r, Permission.AUDIT)] == ["admin", "supervisor"]
    assert [r for r in ROLES if allowed(r, Permission.BACKUP)] == ["admin"]
