"""The scan station's session: what each scan means, what it posts, and that a refused,
unknown or repeated scan changes nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import NotFound
from app.models import AuditEvent
from app.services import admin, shelf
from app.services.engine.uow import UnitOfWork
from app.services.production import work_orders
from app.services.scanning.production import StationOutcome, WorkOrderSession
from app.services.scanning.session import PIN_MASK
from app.services.setup import load_demo
from tests.plant import D, Plant


def postings(uow: UnitOfWork, action: str) -> int:
    return uow.read(
        lambda tx: tx.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )
    )


def scans(station: WorkOrderSession, uow: UnitOfWork, *codes: str) -> list[StationOutcome]:
    return [station.scan(uow, code) for code in codes]


@pytest.fixture
def bikes(plant: Plant) -> str:
    """Bicycle stock for 5 bikes (14 brake kits), one released order of 5."""
    plant.bicycles()
    for sku, qty in (
        ("FRAME", 10),
        ("WHEEL", 20),
        ("HANDLEBAR", 10),
        ("SADDLE", 10),
        ("CHAIN", 10),
        ("BRAKE-KIT", 14),
    ):
        plant.stock(sku, qty)
    return plant.wo("BIKE", 5)


def test_a_work_order_becomes_current_with_its_pick_list_by_bin(uow: UnitOfWork) -> None:
    load_demo(uow)
    station = WorkOrderSession()
    station.start(uow)
    out = station.scan(uow, "WO-000002")  # front wheels, 6 of 12 built by issue + backflush
    assert out.level == "info"
    assert "WO-000002" in out.message and "6 of 12 built" in out.message
    order = out.state.detail.order
    assert order is not None and order.item == "WHEEL-F-700" and order.location == "MAIN"
    bins = [p.bin for p in out.state.detail.lines]
    assert bins == sorted(bins, key=shelf.bin_order) and bins[0] == "A-02-1"
    lines = {p.sku: p for p in out.state.detail.lines}
    assert lines["SPOKE-SS"].required == D(384) and lines["SPOKE-SS"].left_to_issue == D(192)
    assert lines["RIM-700C"].left_to_issue == lines["RIM-700C"].required - lines["RIM-700C"].issued
    assert all(p.location == "MAIN" and p.staged == 0 for p in out.state.detail.lines)
    assert out.posted is None and not out.changes


def test_component_scans_stage_and_issue_posts_them_once(uow: UnitOfWork, bikes: str) -> None:
    station = WorkOrderSession()
    out = scans(station, uow, bikes, "FRAME", "WHEEL", "WHEEL", "3", "CHAIN")
    assert [o.level for o in out] == ["info"] * 6
    assert "+1 FRAME" in out[1].message and "2 staged of 10" in out[3].message
    assert dict(out[-1].state.staged) == {"FRAME": 1, "WHEEL": 2, "CHAIN": 3}
    assert {p.sku: p.staged for p in out[-1].state.detail.lines if p.staged} == {
        "FRAME": 1,
        "WHEEL": 2,
        "CHAIN": 3,
    }
    before = postings(uow, "wo.issue")

    issued = station.scan(uow, "#ISSUE")
    assert issued.level == "done" and issued.posted is not None and issued.posted.action == "issue"
    assert issued.message == f"Issued 1 FRAME, 2 WHEEL, 3 CHAIN to {bikes}"
    assert bikes in issued.changes.of("work_order")
    assert postings(uow, "wo.issue") == before + 1  # one posting for everything staged
    assert issued.state.staged == ()
    lines = {p.sku: p for p in issued.state.detail.lines}
    assert lines["WHEEL"].issued == 2 and lines["WHEEL"].left_to_issue == 8
    assert (
        issued.state.detail.order is not None and issued.state.detail.order.status == "in_process"
    )

    again = station.scan(uow, "#ISSUE")
    assert again.level == "refused" and "Nothing is staged on" in again.message
    assert postings(uow, "wo.issue") == before + 1
    plant = Plant(uow)
    assert plant.line(bikes, "WHEEL").issued == 2 and plant.on_hand("WHEEL") == 18


def test_a_routine_build_is_three_scans_and_a_repeat_does_not_post(
    uow: UnitOfWork, bikes: str
) -> None:
    station = WorkOrderSession()
    order, ask, built = scans(station, uow, bikes, "#BUILD", "1")
    assert order.level == "info"
    assert ask.level == "ask" and "How many BIKE" in ask.message and "5 to go" in ask.message
    assert ask.state.pending_command == "#BUILD"
    assert built.level == "done" and built.posted is not None and built.posted.action == "build"
    assert built.message == f"Built 1 BIKE on {bikes} (1 of 5 built)"
    assert bikes in built.changes.of("work_order") and ("BIKE", "MAIN") in built.changes.balances
    assert built.state.pending_command is None and built.state.pending_quantity is None
    assert postings(uow, "wo.build") == 1

    repeat = station.scan(uow, "#BUILD")  # the quantity was consumed: it asks again
    assert repeat.level == "ask" and postings(uow, "wo.build") == 1
    assert station.scan(uow, "#BUILD").level == "ask"
    cleared = station.scan(uow, "#CLEAR")
    assert cleared.message == "Dropped #BUILD" and cleared.state.pending_command is None

    # The quantity first, then the command: posted at once.
    first = scans(station, uow, "2", "#BUILD")
    assert first[0].level == "info" and first[0].state.pending_quantity == 2
    assert first[1].level == "done" and "3 of 5 built" in first[1].message
    assert postings(uow, "wo.build") == 2
    plant = Plant(uow)
    assert plant.show(bikes).built == 3 and plant.on_hand("BIKE") == 3
    assert plant.on_hand("BRAKE-KIT") == 11


def test_complete_backflushes_the_flagged_lines(plant: Plant, uow: UnitOfWork) -> None:
    plant.item("SEAT")
    plant.item("POST")
    plant.item("SEAT-ASSY", "assembly")
    plant.bom("SEAT-ASSY", {"SEAT": 1, "POST": 1}, no_backflush=("POST",))
    plant.stock("SEAT", 5)
    plant.stock("POST", 5)
    number = plant.wo("SEAT-ASSY", 4)
    station = WorkOrderSession()
    out = scans(station, uow, number, "#COMPLETE", "2")
    assert out[1].level == "ask" and "to complete" in out[1].message
    assert (
        out[2].level == "done" and out[2].posted is not None and out[2].posted.action == "complete"
    )
    assert out[2].message == f"Completed 2 SEAT-ASSY on {number} with backflush (2 of 4 built)"
    assert plant.on_hand("SEAT") == 3 and plant.on_hand("POST") == 5
    assert plant.on_hand("SEAT-ASSY") == 2


def test_a_refused_build_says_the_services_reason_and_changes_nothing(
    plant: Plant, uow: UnitOfWork
) -> None:
    plant.bicycles()
    for sku in ("FRAME", "HANDLEBAR", "SADDLE", "CHAIN"):
        plant.stock(sku, 20)
    plant.stock("WHEEL", 40)
    plant.stock("BRAKE-KIT", 14)
    number = plant.wo("BIKE", 20)  # DOMAIN.md: 20 bikes against 14 brake kits
    station = WorkOrderSession()
    out = scans(station, uow, number, "#BUILD", "20")
    refused = out[-1]
    assert refused.level == "refused" and refused.posted is None and not refused.changes
    assert "BRAKE-KIT" in refused.message and "only 14" in refused.message
    assert refused.state.pending_command is None and refused.state.pending_quantity is None
    assert plant.show(number).built == 0 and plant.on_hand("BRAKE-KIT") == 14
    assert postings(uow, "wo.build") == 0
    # What the stock allows still builds.
    assert scans(station, uow, "14", "#BUILD")[-1].level == "done"


def test_an_issue_the_service_refuses_keeps_what_is_staged(uow: UnitOfWork, bikes: str) -> None:
    station = WorkOrderSession()
    out = scans(station, uow, bikes, "15", "BRAKE-KIT", "#ISSUE")
    assert out[-1].level == "refused" and "BRAKE-KIT" in out[-1].message
    assert dict(out[-1].state.staged) == {"BRAKE-KIT": 15}
    assert postings(uow, "wo.issue") == 0
    cleared = station.scan(uow, "#CLEAR")
    assert cleared.message == "Dropped 15 BRAKE-KIT" and cleared.state.staged == ()
    assert station.scan(uow, "#CLEAR").message == "Nothing to clear"


GARBAGE = [
    "xyz",
    "#FOO",
    "#issue-now",
    "1e5",
    "0",
    "-3",
    "1.5.5",
    "5.",
    "WO-999999",
    "WO-0000\x001",
    "SO-000001",
    "IF-000001",
    "abc\x07def",
    "#U:",
    "x" * 5000,
    "9" * 5_000_000,
    "\ud800",
    "٣",
]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("code", GARBAGE, ids=lambda c: repr(c[:12]))
def test_an_unknown_or_garbage_scan_says_so_and_changes_nothing(
    uow: UnitOfWork, bikes: str, code: str
) -> None:
    station = WorkOrderSession()
    scans(station, uow, bikes, "FRAME", "2")
    before = station.state()
    out = station.scan(uow, code)
    assert out.level == "refused", out.message
    assert out.message and len(out.message) < 300
    assert len(out.code) <= 80
    assert out.state == before
    assert postings(uow, "wo.issue") == 0


@pytest.mark.sqlite_only
def test_empty_and_command_scans_without_an_order(uow: UnitOfWork, bikes: str) -> None:
    station = WorkOrderSession()
    assert station.scan(uow, "").level == "info"
    for command in ("#ISSUE", "#BUILD", "#COMPLETE"):
        out = station.scan(uow, command)
        assert out.level == "refused" and f"before {command}" in out.message
    assert (
        station.scan(uow, "FRAME").message == "FRAME is an item: scan a work order (WO-...) first"
    )
    assert "is for the pick, pack and ship screen" in station.scan(uow, "#SHIP").message
    assert station.scan(uow, "  wo-000001 \t").state.detail.order is not None  # scanner whitespace
    assert station.scan(uow, "#build").level == "ask"


@pytest.mark.sqlite_only
def test_quantities_are_read_by_the_one_parser(uow: UnitOfWork, bikes: str) -> None:
    station = WorkOrderSession()
    station.scan(uow, bikes)
    full_width_twelve = "\uff11\uff12"
    assert station.scan(uow, full_width_twelve).state.pending_quantity == 12
    assert station.scan(uow, "0.5").state.pending_quantity == D("0.5")
    out = station.scan(uow, "1,5")
    assert out.level == "refused" and "decimal point" in out.message
    assert out.state.pending_quantity == D("0.5")
    staged = station.scan(uow, "CHAIN")
    assert (
        dict(staged.state.staged) == {"CHAIN": D("0.5")} and staged.state.pending_quantity is None
    )


def test_a_component_with_a_number_for_a_sku_is_a_component(plant: Plant, uow: UnitOfWork) -> None:
    plant.item("1001")
    plant.item("2002")
    plant.item("KIT-9", "assembly")
    plant.bom("KIT-9", {"1001": 1})
    plant.stock("1001", 5)
    number = plant.wo("KIT-9", 3)
    station = WorkOrderSession()
    out = scans(station, uow, number, "1001", "2002", "7")
    assert out[1].level == "info" and dict(out[1].state.staged) == {"1001": 1}
    assert out[2].level == "refused" and out[2].message == f"2002 is not a component of {number}"
    assert out[3].state.pending_quantity == 7  # no item is called 7


def test_switching_orders_with_components_staged_is_refused(
    uow: UnitOfWork, bikes: str, plant: Plant
) -> None:
    other = plant.wo("BIKE", 1)
    station = WorkOrderSession()
    scans(station, uow, bikes, "FRAME")
    out = station.scan(uow, other)
    assert (
        out.level == "refused"
        and "post it with #ISSUE, or drop it with #CLEAR first" in out.message
    )
    assert out.state.detail.order is not None and out.state.detail.order.number == bikes
    assert station.scan(uow, bikes).level == "info"  # the same order again is fine
    scans(station, uow, "#CLEAR")
    switched = station.scan(uow, other)
    assert switched.state.detail.order is not None and switched.state.detail.order.number == other


@pytest.mark.sqlite_only
def test_build_and_issue_wait_for_each_other(uow: UnitOfWork, bikes: str) -> None:
    station = WorkOrderSession()
    scans(station, uow, bikes, "FRAME")
    out = station.scan(uow, "#BUILD")
    assert out.level == "refused" and "post it with #ISSUE first" in out.message
    scans(station, uow, "#CLEAR", "#BUILD")
    staged = station.scan(uow, "FRAME")
    assert staged.level == "refused" and "waiting for a quantity" in staged.message
    assert station.scan(uow, "#ISSUE").level == "refused"
    scans(station, uow, "#CLEAR", "4")
    out = station.scan(uow, "#ISSUE")
    assert out.level == "refused" and "waiting for a component" in out.message


def test_a_planned_order_is_current_but_the_service_refuses_the_build(
    plant: Plant, uow: UnitOfWork
) -> None:
    plant.bicycles()
    number = plant.wo("BIKE", 2, status="firm_planned")
    station = WorkOrderSession()
    opened = station.scan(uow, number)
    assert opened.level == "info" and "release it first" in opened.message
    out = scans(station, uow, "#BUILD", "1")
    assert out[-1].level == "refused" and "Planned (Firm)" in out[-1].message


def test_a_badge_and_pin_sign_in_and_the_postings_are_theirs(uow: UnitOfWork, bikes: str) -> None:
    admin.add_user(uow, "tester", "admin", secret="4711")
    admin.add_user(uow, "olga", "operator", secret="2222")
    admin.add_user(uow, "pete", "picker", secret="3333")
    station = WorkOrderSession()
    start = station.start(uow)
    assert start.level == "ask" and start.state.user is None
    refused = station.scan(uow, bikes)
    assert refused.level == "refused" and "Scan your badge" in refused.message

    badge = station.scan(uow, "#U:olga")
    assert badge.level == "ask" and badge.state.pin_for == "olga"
    assert station.awaiting_pin and "PIN for olga" in badge.state.prompt
    assert station.scan(uow, "").level == "ask"  # a stray Enter is no attempt
    assert station.scan(uow, "#BUILD").level == "refused"  # the PIN first
    wrong = station.scan(uow, "9999")
    assert wrong.level == "refused" and "wrong PIN for olga; 4 more tries" in wrong.message
    assert wrong.code == PIN_MASK and station.awaiting_pin
    good = station.scan(uow, "2222")
    assert good.level == "done" and good.message == "Signed in: olga (operator)"
    assert good.code == PIN_MASK and "2222" not in good.message
    assert good.signed_in is not None and good.state.user == good.signed_in

    built = scans(station, uow, bikes, "#BUILD", "1")[-1]
    assert built.level == "done"
    event = uow.read(
        lambda tx: tx.session.execute(
            select(AuditEvent.username).where(AuditEvent.action == "wo.build")
        ).scalar_one()
    )
    assert event == "olga"

    # A picker may not build: the service says so.
    scans(station, uow, "#U:pete", "3333")
    out = scans(station, uow, "#BUILD", "1")[-1]
    assert out.level == "refused" and "pete (picker) may not" in out.message
    # #CLEAR drops a sign-in half done.
    station.scan(uow, "#U:tester")
    assert station.scan(uow, "#CLEAR").message == "Dropped the sign-in of tester"
    assert not station.awaiting_pin and station.state().user is not None


def test_while_nobody_is_registered_everyone_works_as_admin(uow: UnitOfWork, bikes: str) -> None:
    station = WorkOrderSession()
    start = station.start(uow)
    assert start.level == "info" and start.state.user is not None
    assert start.state.user.role == "admin" and not start.state.user.registered
    assert scans(station, uow, bikes, "#BUILD", "1")[-1].level == "done"


def test_a_station_at_a_location_works_only_on_its_orders(uow: UnitOfWork) -> None:
    load_demo(uow)
    station = WorkOrderSession(location="STAGING")
    assert station.start(uow).message == "Scan station at STAGING: scan a work order (WO-...)"
    out = station.scan(uow, "WO-000001")
    assert out.level == "refused"
    assert out.message == "WO-000001 is made at MAIN; this station is at STAGING"
    assert out.state.detail.order is None
    with pytest.raises(NotFound):
        WorkOrderSession(location="NOWHERE").start(uow)


def test_refresh_reads_what_others_posted(uow: UnitOfWork, bikes: str, plant: Plant) -> None:
    station = WorkOrderSession()
    station.scan(uow, bikes)
    work_orders.issue_components(uow.as_user("someone"), bikes, {"SADDLE": "2"})
    state = station.refresh(uow)
    assert {p.sku: p.left_to_issue for p in state.detail.lines}["SADDLE"] == Decimal(3)
