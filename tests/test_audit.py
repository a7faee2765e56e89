"""The audit trail: every posting records who made it, in which role, at which workstation,
on which document, and the stock figures it changed before and after; sign-ins, refused
sign-ins and lockouts are there too; it is read a page at a time, filtered, searched and
exported, by those who may read it."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from app.errors import PermissionDenied, ValidationError
from app.services import admin, audit, auth, inventory
from app.services.audit import AuditEntry, StockChange
from app.services.engine.ledger import AUDITED_BALANCES
from app.services.engine.paging import PageRequest
from app.services.engine.uow import Actor, UnitOfWork
from app.services.production import work_orders
from tests.plant import D, Plant


def as_user(uow: UnitOfWork, name: str) -> UnitOfWork:
    return UnitOfWork(uow.database, Actor(user=name, workstation="line-3"))


def trail(uow: UnitOfWork, **chosen: object) -> list[AuditEntry]:
    return audit.list_audit(uow, **chosen).rows  # type: ignore[arg-type]


@pytest.fixture
def line(plant: Plant) -> Plant:
    """CLIP (2 PIN each), 20 PIN on hand; tester (admin), sam (supervisor), olga (operator,
    PIN 1234)."""
    plant.item("PIN")
    plant.item("CLIP", "assembly")
    plant.bom("CLIP", {"PIN": 2})
    plant.stock("PIN", 20)
    admin.add_user(plant.uow, "tester", "admin")
    admin.add_user(plant.uow, "sam", "supervisor")
    admin.add_user(plant.uow, "olga", "operator", secret="1234")
    return plant


def test_a_posting_records_its_role_and_the_stock_before_and_after(line: Plant) -> None:
    sam, olga = as_user(line.uow, "sam"), as_user(line.uow, "olga")
    number = work_orders.create_work_order(sam, "CLIP", "4", status="released").number
    work_orders.post_assembly_build(olga, number, "3")
    (build,) = trail(line.uow, action="wo.build")
    assert (build.username, build.role, build.workstation, build.document) == (
        "olga",
        "operator",
        "line-3",
        number,
    )
    assert build.stock == [
        StockChange("PIN", "MAIN", "on_hand", D(20), D(14)),
        StockChange("PIN", "MAIN", "committed", D(8), D(2)),
        StockChange("PIN", "MAIN", "demand", D(8), D(2)),
        StockChange("CLIP", "MAIN", "on_hand", D(0), D(3)),
        StockChange("CLIP", "MAIN", "on_order", D(4), D(1)),
    ]
    assert build.quantities == (
        "PIN@MAIN on hand 20 → 14, committed 8 → 2, open demand 8 → 2; "
        "CLIP@MAIN on hand 0 → 3, on order 4 → 1"
    )
    (release,) = trail(line.uow, action="wo.create")
    assert (release.username, release.role) == ("sam", "supervisor")
    # Nobody registered yet when the first adjustment posted: everyone was admin.
    first = trail(line.uow, action="stock.adjust")[-1]
    assert (first.role, first.quantities) == ("admin", "PIN@MAIN on hand 0 → 20")


def test_sign_ins_refusals_and_lockouts_are_in_the_trail(line: Plant) -> None:
    auth.sign_in(line.uow, "olga", "1234")
    for _ in range(5):
        with pytest.raises(PermissionDenied):
            auth.sign_in(line.uow, "olga", "0000")
    with pytest.raises(PermissionDenied):
        auth.sign_in(line.uow, "mallory", "0000")
    said = [(e.action, e.document, e.role, e.what) for e in trail(line.uow, action="auth")]
    assert said[0] == ("auth.refused", "mallory", None, "refused; unknown user")
    lockout = said[1]
    assert lockout[:3] == ("auth.refused", "olga", "operator")
    assert lockout[3].startswith("locked out; wrong PIN; failures: 5; locked until: ")
    assert [s[3] for s in said[2:6]] == [f"refused; wrong PIN; failures: {n}" for n in (4, 3, 2, 1)]
    assert said[6] == ("auth.sign_in", "olga", "operator", "signed in; role: operator")
    assert trail(line.uow, action="auth", text="locked out")[0].document == "olga"


def test_the_trail_is_filtered_searched_and_paged(line: Plant) -> None:
    sam = as_user(line.uow, "sam")
    number = work_orders.create_work_order(sam, "CLIP", "2", status="released").number
    inventory.adjust_stock(sam, "PIN", "5", memo="found in bin 7")
    everything = trail(line.uow)
    assert [e.id for e in everything] == sorted((e.id for e in everything), reverse=True)
    assert {e.action for e in trail(line.uow, user="sam")} == {"wo.create", "stock.adjust"}
    assert [e.action for e in trail(line.uow, document=number.lower())] == ["wo.create"]
    assert [e.action for e in trail(line.uow, action="WO")] == ["wo.create"]
    assert trail(line.uow, action="w") == []  # a kind is named whole
    assert [e.username for e in trail(line.uow, text="BIN 7")] == ["sam"]
    today = date.today()
    assert len(trail(line.uow, since=today, until=today)) == len(everything)
    assert trail(line.uow, since=today + timedelta(days=1)) == []
    assert trail(line.uow, until=today - timedelta(days=1)) == []
    with pytest.raises(ValidationError, match="is before since"):
        trail(line.uow, since=today, until=today - timedelta(days=1))
    with pytest.raises(ValidationError, match="not a date"):
        trail(line.uow, since="yesterday")
    first = audit.list_audit(line.uow, page=PageRequest(limit=3, descending=True))
    second = audit.list_audit(line.uow, page=PageRequest(offset=3, limit=3, descending=True))
    assert first.total == second.total == len(everything)
    assert [e.id for e in [*first.rows, *second.rows]] == [e.id for e in everything[:6]]
    by_user = audit.list_audit(line.uow, page=PageRequest(limit=None, sort="user"))
    assert [e.username for e in by_user] == sorted(e.username for e in everything)


def test_the_export_writes_every_chosen_event(line: Plant, tmp_path: Path) -> None:
    sam = as_user(line.uow, "sam")
    inventory.adjust_stock(sam, "PIN", "-2", memo="bent")
    out = tmp_path / "audit.csv"
    assert audit.export_csv(trail(line.uow, user="sam"), out) == 1
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["user"], r["role"], r["action"], r["quantities"]) for r in rows] == [
        ("sam", "supervisor", "stock.adjust", "PIN@MAIN on hand 20 → 18")
    ]
    assert "memo: bent" in rows[0]["what"]


def test_only_supervisors_and_admins_read_the_trail(line: Plant) -> None:
    with pytest.raises(PermissionDenied, match=r"olga \(operator\) may not read the audit trail"):
        trail(as_user(line.uow, "olga"))
    assert trail(as_user(line.uow, "sam"), document="olga")[0].action == "user.add"


@pytest.mark.sqlite_only
def test_a_large_posting_lists_its_first_balances_and_counts_the_rest(
    plant: Plant, tmp_path: Path
) -> None:
    from app.services.catalog import imports

    n = AUDITED_BALANCES + 5
    items = tmp_path / "items.csv"
    items.write_text(
        "sku,name,type\n" + "".join(f"P{i:04},Part,inventory\n" for i in range(n)), "utf-8"
    )
    imports.import_items(plant.uow, items)
    stock = tmp_path / "stock.csv"
    stock.write_text("sku,quantity\n" + "".join(f"P{i:04},1\n" for i in range(n)), "utf-8")
    imports.import_stock(plant.uow, stock)
    (event,) = trail(plant.uow, action="import.stock")
    assert (len(event.stock), event.more_stock) == (AUDITED_BALANCES, 5)
    assert event.quantities.endswith("; and 5 more")
    assert all(c.after == Decimal(1) for c in event.stock)
