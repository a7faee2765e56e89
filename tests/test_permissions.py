"""Users and roles: checked in the services, so every front end gets the same answer."""

from __future__ import annotations

import pytest

from app.errors import PermissionDenied, ValidationError
from app.services import admin, inventory
from app.services.engine.uow import Actor, UnitOfWork
from app.services.production import work_orders
from tests.plant import D, Plant


def as_user(uow: UnitOfWork, name: str) -> UnitOfWork:
    return UnitOfWork(uow.database, Actor(user=name, workstation="line-3"))


@pytest.fixture
def staffed(plant: Plant) -> Plant:
    plant.item("PIN")
    plant.item("CLIP", "assembly")
    plant.bom("CLIP", {"PIN": 2})
    plant.stock("PIN", 20)
    admin.add_user(plant.uow, "tester", "admin")
    admin.add_user(plant.uow, "sam", "supervisor")
    admin.add_user(plant.uow, "olga", "operator")
    admin.add_user(plant.uow, "vic", "viewer")
    return plant


def test_nobody_registered_means_everyone_is_admin(plant: Plant) -> None:
    plant.pref("allow_overage_on_assembly_builds", "true")
    assert admin.show_preferences(plant.uow)["allow_overage_on_assembly_builds"] == "true"


def test_first_user_must_be_an_admin(plant: Plant) -> None:
    with pytest.raises(ValidationError, match="first registered user must be an admin"):
        admin.add_user(plant.uow, "olga", "operator")
    with pytest.raises(ValidationError, match="role must be one of"):
        admin.add_user(plant.uow, "olga", "wizard")


def test_roles(staffed: Plant) -> None:
    sam, olga, vic = (as_user(staffed.uow, n) for n in ("sam", "olga", "vic"))
    number = work_orders.create_work_order(sam, "CLIP", "4", status="released").number
    with pytest.raises(PermissionDenied, match=r"olga \(operator\) may not create, release"):
        work_orders.create_work_order(olga, "CLIP", "1")
    with pytest.raises(PermissionDenied, match="may not adjust stock"):
        inventory.adjust_stock(olga, "PIN", "5")
    work_orders.post_assembly_build(olga, number, "2")  # operators produce
    with pytest.raises(PermissionDenied, match="may not issue components"):
        work_orders.issue_components(vic, number, {"PIN": "1"})
    assert inventory.stock_position(vic, "CLIP").on_hand == D(2)  # viewers read
    with pytest.raises(PermissionDenied, match="may not change preferences"):
        admin.set_preference(sam, "allow_overage_on_assembly_builds", "true")
    with pytest.raises(PermissionDenied, match="not registered"):
        inventory.stock_position(as_user(staffed.uow, "mallory"), "PIN")


def test_deactivated_users_and_the_last_admin(staffed: Plant) -> None:
    admin.update_user(staffed.uow, "olga", active=False)
    with pytest.raises(PermissionDenied, match="deactivated"):
        inventory.stock_position(as_user(staffed.uow, "olga"), "PIN")
    with pytest.raises(ValidationError, match="last active admin"):
        admin.update_user(staffed.uow, "tester", role="supervisor")
    admin.update_user(staffed.uow, "sam", role="admin")
    admin.update_user(staffed.uow, "tester", role="supervisor")
    assert [(u.username, u.role, u.active) for u in admin.list_users(staffed.uow)] == [
        ("olga", "operator", False),
        ("sam", "admin", True),
        ("tester", "supervisor", True),
        ("vic", "viewer", True),
    ]
