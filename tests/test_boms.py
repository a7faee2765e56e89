"""Bills of materials: revisions, component rules, cycles, explosion and where-used."""

from __future__ import annotations

import pytest

from app.errors import BomCycle, NotFound, ValidationError
from app.services.catalog import boms, items
from app.services.catalog.boms import BomLineSpec
from tests.plant import D, Plant


@pytest.fixture
def bike(plant: Plant) -> Plant:
    """Three levels: BIKE -> WHEEL -> HUB -> (SHELL, BEARING), plus FRAME and SPOKE."""
    for sku in ("FRAME", "SPOKE", "SHELL", "BEARING"):
        plant.item(sku)
    for sku in ("HUB", "WHEEL", "BIKE"):
        plant.item(sku, "assembly")
    plant.bom("HUB", {"SHELL": 1, "BEARING": 2})
    plant.bom("WHEEL", {"HUB": 1, "SPOKE": 32})
    plant.bom("BIKE", {"FRAME": 1, "WHEEL": 2})
    return plant


def test_revisions_exactly_one_active(bike: Plant) -> None:
    second = bike.bom("HUB", {"SHELL": 1, "BEARING": 4})
    assert (second.revision, second.active) == ("2", True)
    third = bike.bom("HUB", {"SHELL": 1}, revision="C", activate=False)
    assert (third.revision, third.active) == ("C", False)
    revs = boms.list_revisions(bike.uow, "HUB")
    assert [(r.revision, r.active) for r in revs] == [("1", False), ("2", True), ("C", False)]
    boms.activate_bom(bike.uow, "HUB", "1")
    assert [r.active for r in boms.list_revisions(bike.uow, "HUB")] == [True, False, False]
    detail = items.show_item(bike.uow, "HUB")
    assert detail.bom is not None and detail.bom.revision == "1"


def test_first_revision_is_active_even_when_not_asked(plant: Plant) -> None:
    plant.item("A")
    plant.item("KIT-1", "kit")
    info = plant.bom("KIT-1", {"A": 2}, activate=False)
    assert info.active


def test_duplicate_revision_name_refused(bike: Plant) -> None:
    with pytest.raises(ValidationError, match="already has a revision '1'"):
        bike.bom("HUB", {"SHELL": 1}, revision="1")


def test_unknown_revision(bike: Plant) -> None:
    with pytest.raises(NotFound, match="no BOM revision 'Z'"):
        boms.activate_bom(bike.uow, "HUB", "Z")


@pytest.mark.parametrize(
    ("assembly", "lines", "error", "text"),
    [
        ("FRAME", [("SPOKE", "1")], ValidationError, "only assembly and kit items"),
        ("HUB", [], ValidationError, "at least one line"),
        ("HUB", [("GHOST", "1")], NotFound, "unknown sku 'GHOST'"),
        ("HUB", [("SHELL", "0")], ValidationError, "greater than zero"),
        ("HUB", [("SHELL", "-1")], ValidationError, "greater than zero"),
        ("HUB", [("SHELL", "0.0000001")], ValidationError, "decimal places"),
        ("HUB", [("SHELL", "1"), ("SHELL", "2")], ValidationError, "appears twice"),
        ("HUB", [("LABOUR", "1")], ValidationError, "service item"),
        ("HUB", [("HUB", "1")], BomCycle, "HUB → HUB"),
    ],
)
def test_bad_boms_are_refused_and_change_nothing(
    bike: Plant, assembly: str, lines: list[tuple[str, str]], error: type[Exception], text: str
) -> None:
    bike.item("LABOUR", "service")
    before = boms.list_revisions(bike.uow, "HUB")
    with pytest.raises(error, match=text):
        boms.save_bom(bike.uow, assembly, [BomLineSpec(s, q) for s, q in lines])  # type: ignore[arg-type]
    assert boms.list_revisions(bike.uow, "HUB") == before


def test_cycle_at_any_depth_is_refused_and_named(bike: Plant) -> None:
    with pytest.raises(BomCycle) as caught:
        bike.bom("HUB", {"SHELL": 1, "BIKE": 1})
    assert caught.value.cycle == ["HUB", "BIKE", "WHEEL", "HUB"]
    assert "HUB → BIKE → WHEEL → HUB" in str(caught.value)


def test_activating_an_old_revision_that_now_makes_a_cycle_is_refused(bike: Plant) -> None:
    bike.item("PART")
    bike.item("SUB", "assembly")
    bike.bom("SUB", {"PART": 1})
    bike.bom("SUB", {"BIKE": 1}, revision="X", activate=False)
    bike.bom("BIKE", {"FRAME": 1, "SUB": 1})
    with pytest.raises(BomCycle, match="SUB → BIKE → SUB"):
        boms.activate_bom(bike.uow, "SUB", "X")


def test_kits_may_list_non_inventory_members_but_not_kits(plant: Plant) -> None:
    plant.item("MANUAL", "non_inventory")
    plant.item("SETUP", "service")
    plant.item("BOX")
    plant.item("STARTER", "kit")
    plant.item("BUNDLE", "kit")
    plant.bom("STARTER", {"MANUAL": 1, "SETUP": 1, "BOX": 1})
    with pytest.raises(ValidationError, match="itself a kit"):
        plant.bom("BUNDLE", {"STARTER": 1})


def test_inactive_component_refused(plant: Plant) -> None:
    plant.item("OLD")
    items.save_item(
        plant.uow, items.item_spec(sku="OLD", name="Old", item_type="inventory", active=False)
    )
    plant.item("NEW", "assembly")
    with pytest.raises(ValidationError, match="inactive"):
        plant.bom("NEW", {"OLD": 1})


def test_explosion_to_any_depth(bike: Plant) -> None:
    exp = boms.explode(bike.uow, "BIKE", "3")
    assert [(r.sku, r.level, r.quantity) for r in exp.components] == [
        ("FRAME", 1, D(3)),
        ("WHEEL", 1, D(6)),
        ("HUB", 2, D(6)),
        ("SHELL", 3, D(6)),
        ("BEARING", 3, D(12)),
        ("SPOKE", 2, D(192)),
    ]
    assert exp.totals == [("BEARING", D(12)), ("FRAME", D(3)), ("SHELL", D(6)), ("SPOKE", D(192))]


def test_explosion_totals_add_shared_leaves(plant: Plant) -> None:
    plant.item("SCREW")
    plant.item("LEG", "assembly")
    plant.item("TABLE", "assembly")
    plant.bom("LEG", {"SCREW": "2.5"})
    plant.bom("TABLE", {"LEG": 4, "SCREW": "0.5"})
    exp = boms.explode(plant.uow, "TABLE", "2")
    assert exp.totals == [("SCREW", D(21))]


def test_explosion_refusals(bike: Plant) -> None:
    with pytest.raises(NotFound, match="no active BOM"):
        boms.explode(bike.uow, "FRAME", "1")
    with pytest.raises(ValidationError):
        boms.explode(bike.uow, "BIKE", "-1")
    with pytest.raises(NotFound):
        boms.explode(bike.uow, "bike", "1")  # skus are matched exactly


def test_where_used_walks_up_every_level(bike: Plant) -> None:
    rows = boms.where_used(bike.uow, "BEARING")
    assert [(r.sku, r.level, r.component, r.quantity_per) for r in rows] == [
        ("HUB", 1, "BEARING", D(2)),
        ("WHEEL", 2, "HUB", D(1)),
        ("BIKE", 3, "WHEEL", D(2)),
    ]
    assert boms.where_used(bike.uow, "BIKE") == []
