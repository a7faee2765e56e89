"""Work order life cycle: create, release, issue, complete, build, close, cancel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import (
    CommitmentLimit,
    IllegalTransition,
    InsufficientStock,
    InvalidQuantity,
    NotFound,
    OverageNotAllowed,
    ValidationError,
)
from app.models import AuditEvent, LedgerEntry
from app.services import inventory
from app.services.engine.uow import UnitOfWork
from app.services.production import work_orders
from tests.plant import D, Plant


@pytest.fixture
def widget(plant: Plant) -> Plant:
    """WIDGET = 2 BOLT + 0.5 PLATE (backflush) + 1 LABEL (no backflush)."""
    plant.item("BOLT", cost="0.10")
    plant.item("PLATE", cost="4")
    plant.item("LABEL", cost="0.05")
    plant.item("WIDGET", "assembly", "6")
    plant.bom("WIDGET", {"BOLT": 2, "PLATE": "0.5", "LABEL": 1}, no_backflush=("LABEL",))
    plant.stock("BOLT", 100)
    plant.stock("PLATE", 20)
    plant.stock("LABEL", 50)
    return plant


def ledger_count(uow: UnitOfWork) -> int:
    with uow.query() as tx:
        return int(tx.session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


def event_count(uow: UnitOfWork) -> int:
    with uow.query() as tx:
        return int(tx.session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


# --- creation -----------------------------------------------------------------------------


def test_create_copies_bom_lines_with_required_quantities(widget: Plant) -> None:
    info = work_orders.create_work_order(
        widget.uow, "WIDGET", "10", status="firm_planned", due="2026-12-01", priority="2"
    )
    assert info.number.startswith("WO-")
    assert info.status == "firm_planned"
    assert info.due == date(2026, 12, 1)
    assert info.priority == 2
    assert info.created_from is None
    assert [(ln.sku, ln.quantity_per, ln.required, ln.committed) for ln in info.lines] == [
        ("BOLT", D(2), D(20), D(0)),
        ("PLATE", D("0.5"), D(5), D(0)),
        ("LABEL", D(1), D(10), D(0)),
    ]
    assert widget.position("WIDGET").on_order == D(10)
    # Planned work orders never commit.
    assert widget.position("BOLT").committed == 0


def test_numbers_are_sequential_and_barcode_friendly(widget: Plant) -> None:
    a = widget.wo("WIDGET", 1, status="firm_planned")
    b = widget.wo("WIDGET", 1, status="firm_planned")
    assert (a, b) == ("WO-000001", "WO-000002")
    assert a.isascii() and " " not in a


def test_default_status_comes_from_preference(widget: Plant) -> None:
    assert work_orders.create_work_order(widget.uow, "WIDGET", "1").status == "firm_planned"
    widget.pref("default_work_order_status", "open_planned")
    assert work_orders.create_work_order(widget.uow, "WIDGET", "1").status == "open_planned"
    widget.pref("default_work_order_status", "released")
    info = work_orders.create_work_order(widget.uow, "WIDGET", "1")
    assert info.status == "released"
    assert info.lines[0].committed == D(2)


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"item_sku": "NOPE", "quantity": "1"}, NotFound, "unknown sku 'NOPE'"),
        ({"item_sku": "BOLT", "quantity": "1"}, ValidationError, "work orders build assembly"),
        ({"item_sku": "WIDGET", "quantity": "0"}, InvalidQuantity, "greater than zero"),
        ({"item_sku": "WIDGET", "quantity": "-3"}, InvalidQuantity, "greater than zero"),
        ({"item_sku": "WIDGET", "quantity": "1.0000001"}, InvalidQuantity, "decimal places"),
        ({"item_sku": "WIDGET", "quantity": "NaN"}, InvalidQuantity, "finite"),
        ({"item_sku": "WIDGET", "quantity": "Infinity"}, InvalidQuantity, "finite"),
        ({"item_sku": "WIDGET", "quantity": "ten"}, InvalidQuantity, "not a number"),
        ({"item_sku": "WIDGET", "quantity": "1", "status": "built"}, ValidationError, "new work"),
        ({"item_sku": "WIDGET", "quantity": "1", "due": "31/12/2026"}, ValidationError, "date"),
        ({"item_sku": "WIDGET", "quantity": "1", "priority": "0"}, ValidationError, "priority"),
        ({"item_sku": "WIDGET", "quantity": "1", "location": "MARS"}, NotFound, "MARS"),
    ],
)
def test_create_refusals_change_nothing(
    widget: Plant, kwargs: dict[str, str], error: type[Exception], text: str
) -> None:
    before = event_count(widget.uow)
    with pytest.raises(error, match=text):
        work_orders.create_work_order(widget.uow, **kwargs)  # type: ignore[arg-type]
    assert event_count(widget.uow) == before
    assert work_orders.list_work_orders(widget.uow).rows == []


def test_assembly_without_bom_cannot_get_a_work_order(plant: Plant) -> None:
    plant.item("BARE", "assembly")
    with pytest.raises(NotFound, match="no active BOM"):
        work_orders.create_work_order(plant.uow, "BARE", "1")


def test_float_quantities_are_refused(widget: Plant) -> None:
    with pytest.raises(InvalidQuantity):
        work_orders.create_work_order(widget.uow, "WIDGET", 1.5)


# --- release and commitment ---------------------------------------------------------------


def test_release_commits_available_stock_and_never_more(widget: Plant) -> None:
    number = widget.wo("WIDGET", 60, status="firm_planned")  # needs 120 bolts, 30 plates
    info = work_orders.release_work_order(widget.uow, number)
    assert info.status == "released"
    bolts = next(ln for ln in info.lines if ln.sku == "BOLT")
    assert (bolts.required, bolts.committed, bolts.backordered) == (D(120), D(100), D(20))
    pos = widget.position("BOLT")
    assert (pos.on_hand, pos.committed, pos.available, pos.backordered) == (
        D(100),
        D(100),
        D(0),
        D(20),
    )
    # A second released order finds nothing left to commit.
    other = widget.wo("WIDGET", 1)
    assert widget.line(other, "BOLT").committed == 0
    assert widget.position("BOLT").backordered == D(22)


def test_release_twice_is_refused_naming_the_status(widget: Plant) -> None:
    number = widget.wo("WIDGET", 1, status="open_planned")
    work_orders.release_work_order(widget.uow, number)
    with pytest.raises(IllegalTransition, match=f"cannot release {number}: it is Released"):
        work_orders.release_work_order(widget.uow, number)


def test_unknown_and_garbage_work_order_numbers(widget: Plant) -> None:
    with pytest.raises(NotFound, match="unknown work order 'WO-999999'"):
        work_orders.get_work_order(widget.uow, "WO-999999")
    with pytest.raises(NotFound):
        work_orders.release_work_order(widget.uow, "\x1b[A]]%%;DROP TABLE")
    number = widget.wo("WIDGET", 1)
    # Scanners add whitespace; work order numbers are matched without it and case-blind.
    assert work_orders.get_work_order(widget.uow, f"  {number.lower()}\n").number == number


# --- component issue ----------------------------------------------------------------------


def test_issue_consumes_stock_and_moves_in_process(widget: Plant) -> None:
    number = widget.wo("WIDGET", 10)
    info = work_orders.issue_components(widget.uow, number, {"BOLT": "5", "PLATE": "1.5"})
    assert info.status == "in_process"
    bolt = widget.line(number, "BOLT")
    assert (bolt.issued, bolt.committed, bolt.backordered) == (D(5), D(15), D(0))
    pos = widget.position("BOLT")
    assert (pos.on_hand, pos.committed, pos.available) == (D(95), D(15), D(80))
    assert widget.line(number, "PLATE").issued == D("1.5")


def test_issue_point_one_ten_times_is_exactly_one(widget: Plant) -> None:
    number = widget.wo("WIDGET", 10)
    for _ in range(10):
        work_orders.issue_components(widget.uow, number, [("PLATE", "0.1")])
    assert widget.line(number, "PLATE").issued == Decimal("1")
    assert widget.on_hand("PLATE") == Decimal("19")


@pytest.mark.parametrize(
    ("components", "error", "text"),
    [
        ({"GHOST": "1"}, NotFound, "not a component"),
        ({"BOLT": "0"}, InvalidQuantity, "greater than zero"),
        ({"BOLT": "-1"}, InvalidQuantity, "greater than zero"),
        ({"BOLT": "0.0000001"}, InvalidQuantity, "decimal places"),
        ({"BOLT": "21"}, OverageNotAllowed, "overage"),
        ({}, ValidationError, "no components"),
    ],
)
def test_issue_refusals_change_nothing(
    widget: Plant, components: dict[str, str], error: type[Exception], text: str
) -> None:
    number = widget.wo("WIDGET", 10)
    before = (ledger_count(widget.uow), widget.show(number))
    with pytest.raises(error, match=text):
        work_orders.issue_components(widget.uow, number, components)
    assert (ledger_count(widget.uow), widget.show(number)) == before


def test_a_bad_line_refuses_the_whole_issue(widget: Plant) -> None:
    number = widget.wo("WIDGET", 10)
    with pytest.raises(OverageNotAllowed):
        work_orders.issue_components(widget.uow, number, [("BOLT", "2"), ("PLATE", "99")])
    assert widget.line(number, "BOLT").issued == 0
    assert widget.on_hand("BOLT") == D(100)


def test_issue_to_a_planned_work_order_is_refused(widget: Plant) -> None:
    number = widget.wo("WIDGET", 1, status="firm_planned")
    with pytest.raises(IllegalTransition, match="Planned \\(Firm\\); release it first"):
        work_orders.issue_components(widget.uow, number, {"BOLT": "1"})


def test_overage_on_issue_needs_the_preference(widget: Plant) -> None:
    number = widget.wo("WIDGET", 1)
    with pytest.raises(OverageNotAllowed):
        work_orders.issue_components(widget.uow, number, {"BOLT": "3"})
    widget.pref("allow_overage_on_work_order_transactions", "true")
    work_orders.issue_components(widget.uow, number, {"BOLT": "3"})
    line = widget.line(number, "BOLT")
    assert (line.issued, line.committed, line.backordered) == (D(3), D(0), D(0))


def test_issue_based_on_commitment_preferences(widget: Plant) -> None:
    widget.stock("PLATE", -15)  # 5 plates left
    first = widget.wo("WIDGET", 6)  # commits 3 plates
    second = widget.wo("WIDGET", 20)  # commits the other 2, wants 10
    assert widget.line(second, "PLATE").committed == D(2)

    widget.pref("manufacturing_issue_based_on_commitment", "limit_to_committed")
    with pytest.raises(CommitmentLimit, match="only 2 is committed"):
        work_orders.issue_components(widget.uow, second, {"PLATE": "3"})
    work_orders.issue_components(widget.uow, second, {"PLATE": "2"})

    widget.stock("PLATE", 1)  # one uncommitted plate (commit-after-entry is off)
    widget.pref("manufacturing_issue_based_on_commitment", "allow_uncommitted")
    with pytest.raises(InsufficientStock, match="committed to other orders"):
        work_orders.issue_components(widget.uow, second, {"PLATE": "2"})
    work_orders.issue_components(widget.uow, second, {"PLATE": "1"})

    widget.pref("manufacturing_issue_based_on_commitment", "ignore_commitment")
    work_orders.issue_components(widget.uow, second, {"PLATE": "1"})  # takes first's plate
    assert widget.line(first, "PLATE").committed == D(2)
    pos = widget.position("PLATE")
    assert (pos.on_hand, pos.committed) == (D(2), D(2))
    with pytest.raises(InsufficientStock, match="only 2 on hand"):
        work_orders.issue_components(widget.uow, second, {"PLATE": "3"})


# --- completion and backflush -------------------------------------------------------------


def test_completion_without_backflush_records_finished_goods_only(widget: Plant) -> None:
    number = widget.wo("WIDGET", 10)
    info = work_orders.complete_work_order(widget.uow, number, "4")
    assert (info.built, info.status) == (D(4), "in_process")
    assert widget.on_hand("WIDGET") == D(4)
    assert widget.on_hand("BOLT") == D(100)
    assert widget.position("WIDGET").on_order == D(6)


def test_backflush_consumes_flagged_lines_in_proportion(widget: Plant) -> None:
    number = widget.wo("WIDGET", 10)
    work_orders.complete_work_order(widget.uow, number, "4", backflush=True)
    assert widget.line(number, "BOLT").issued == D(8)
    assert widget.line(number, "PLATE").issued == D(2)
    assert widget.line(number, "LABEL").issued == 0  # not backflush-flagged
    assert widget.on_hand("BOLT") == D(92)


def test_backflush_nets_manual_issues_and_never_consumes_twice(widget: Plant) -> None:
    number = widget.wo("WIDGET", 10)
    work_orders.issue_components(widget.uow, number, {"BOLT": "7"})
    work_orders.complete_work_order(widget.uow, number, "3", backflush=True)
    # 3 built need 6 bolts; 7 were already issued by hand: nothing more is consumed.
    assert widget.line(number, "BOLT").issued == D(7)
    work_orders.complete_work_order(widget.uow, number, "2", backflush=True)
    # 5 built need 10: the line is brought up to 10, consuming 3.
    assert widget.line(number, "BOLT").issued == D(10)
    work_orders.issue_components(widget.uow, number, {"BOLT": "1"})
    work_orders.complete_work_order(widget.uow, number, "5", backflush=True)
    info = widget.show(number)
    bolt = next(ln for ln in info.lines if ln.sku == "BOLT")
    assert (info.status, info.built, bolt.issued, bolt.committed) == ("built", D(10), D(20), 0)
    assert widget.on_hand("BOLT") == D(80)
    assert widget.on_hand("PLATE") == D(15)


def test_partial_completions_leave_no_stale_commitment(widget: Plant) -> None:
    number = widget.wo("WIDGET", 4)
    for qty in ("1", "1.5", "1.5"):
        work_orders.complete_work_order(widget.uow, number, qty, backflush=True)
    plate = widget.line(number, "PLATE")
    assert (plate.required, plate.issued, plate.committed, plate.backordered) == (
        D(2),
        D(2),
        D(0),
        D(0),
    )
    label = widget.line(number, "LABEL")
    # The label line was never consumed: it still holds its commitment until close.
    assert (label.issued, label.committed) == (D(0), D(4))
    work_orders.close_work_order(widget.uow, number)
    assert widget.position("LABEL").committed == 0


def test_completion_overage_needs_the_preference(widget: Plant) -> None:
    number = widget.wo("WIDGET", 2)
    with pytest.raises(OverageNotAllowed, match="only 2 remain"):
        work_orders.complete_work_order(widget.uow, number, "3")
    work_orders.complete_work_order(widget.uow, number, "2")
    with pytest.raises(OverageNotAllowed, match="already fully built"):
        work_orders.complete_work_order(widget.uow, number, "1")
    widget.pref("allow_overage_on_work_order_transactions", "true")
    info = work_orders.complete_work_order(widget.uow, number, "1", backflush=True)
    assert (info.built, info.status) == (D(3), "built")
    assert widget.line(number, "BOLT").issued == D(6)
    assert widget.position("WIDGET").on_order == 0


def test_backflush_refused_when_stock_is_short_changes_nothing(widget: Plant) -> None:
    widget.stock("PLATE", -19)  # one plate left
    number = widget.wo("WIDGET", 4)
    before = (ledger_count(widget.uow), widget.show(number))
    with pytest.raises(InsufficientStock, match="PLATE needs 2"):
        work_orders.complete_work_order(widget.uow, number, "4", backflush=True)
    assert (ledger_count(widget.uow), widget.show(number)) == before
    assert widget.on_hand("WIDGET") == 0


# --- assembly build -----------------------------------------------------------------------


def test_assembly_build_consumes_every_line_in_one_posting(widget: Plant) -> None:
    number = widget.wo("WIDGET", 10)
    events = event_count(widget.uow)
    info = work_orders.post_assembly_build(widget.uow, number, "10")
    assert event_count(widget.uow) == events + 1
    assert (info.status, info.built) == ("built", D(10))
    assert {ln.sku: ln.issued for ln in info.lines} == {
        "BOLT": D(20),
        "PLATE": D(5),
        "LABEL": D(10),  # not flagged, but a build consumes every line
    }
    assert widget.on_hand("WIDGET") == D(10)
    assert widget.position("BOLT").committed == 0


def test_assembly_build_overage_has_its_own_preference(widget: Plant) -> None:
    number = widget.wo("WIDGET", 2)
    widget.pref("allow_overage_on_work_order_transactions", "true")
    with pytest.raises(OverageNotAllowed, match="overage on assembly builds"):
        work_orders.post_assembly_build(widget.uow, number, "3")
    widget.pref("allow_overage_on_assembly_builds", "true")
    assert work_orders.post_assembly_build(widget.uow, number, "3").built == D(3)


def test_build_limited_to_committed(widget: Plant) -> None:
    widget.stock("PLATE", -19)
    number = widget.wo("WIDGET", 4)  # one plate committed, two needed
    widget.stock("PLATE", 5)  # uncommitted: commit-after-entry is off
    widget.pref("manufacturing_issue_based_on_commitment", "limit_to_committed")
    with pytest.raises(CommitmentLimit, match="PLATE needs 2 but only 1 is committed"):
        work_orders.post_assembly_build(widget.uow, number, "4")
    assert work_orders.post_assembly_build(widget.uow, number, "2").built == D(2)


def test_subassembly_build_feeds_the_parent(plant: Plant) -> None:
    plant.item("ORE")
    plant.item("INGOT", "assembly")
    plant.item("BAR", "assembly")
    plant.bom("INGOT", {"ORE": 3})
    plant.bom("BAR", {"INGOT": 2})
    plant.stock("ORE", 30)
    plant.pref("perform_item_commitment_after_transaction_entry", "true")
    bar = plant.wo("BAR", 5)
    assert plant.line(bar, "INGOT").committed == 0
    ingot = plant.wo("INGOT", 10)
    work_orders.post_assembly_build(plant.uow, ingot, "10")
    # The new ingots were committed to the waiting bar order automatically.
    assert plant.line(bar, "INGOT").committed == D(10)
    work_orders.post_assembly_build(plant.uow, bar, "5")
    assert (plant.on_hand("BAR"), plant.on_hand("INGOT"), plant.on_hand("ORE")) == (
        D(5),
        D(0),
        D(0),
    )


# --- close and cancel ---------------------------------------------------------------------


def test_close_records_variance_in_quantity_and_cost(widget: Plant) -> None:
    number = widget.wo("WIDGET", 10)
    widget.pref("allow_overage_on_work_order_transactions", "true")
    work_orders.issue_components(widget.uow, number, {"BOLT": "21", "PLATE": "3"})
    work_orders.complete_work_order(widget.uow, number, "8")
    info = work_orders.close_work_order(widget.uow, number)
    assert info.status == "closed"
    variance = {v.sku: (v.expected, v.actual, v.variance, v.cost_variance) for v in info.variance}
    assert variance == {
        "BOLT": (D(16), D(21), D(5), D("0.5")),
        "PLATE": (D(4), D(3), D(-1), D(-4)),
        "LABEL": (D(8), D(0), D(-8), D("-0.4")),
    }
    assert info.variance_total == D("-3.9")
    # Closing releases commitment and what was still on order.
    assert widget.position("LABEL").committed == 0
    assert widget.position("WIDGET").on_order == 0
    assert info.actions == []


def test_variance_is_frozen_at_close(widget: Plant) -> None:
    number = widget.wo("WIDGET", 1)
    work_orders.complete_work_order(widget.uow, number, "1", backflush=True)
    work_orders.close_work_order(widget.uow, number)
    widget.item("BOLT", cost="9.99")  # a later cost change does not rewrite history
    bolt = next(v for v in widget.show(number).variance if v.sku == "BOLT")
    assert bolt.unit_cost == D("0.1")


@pytest.mark.parametrize("status", ["firm_planned", "open_planned"])
def test_close_a_planned_work_order_is_refused(widget: Plant, status: str) -> None:
    number = widget.wo("WIDGET", 1, status=status)
    with pytest.raises(IllegalTransition, match=r"it is Planned .*cancelled, not closed"):
        work_orders.close_work_order(widget.uow, number)


def test_close_a_released_work_order_is_refused(widget: Plant) -> None:
    number = widget.wo("WIDGET", 1)
    with pytest.raises(IllegalTransition, match="it is Released; nothing has been issued"):
        work_orders.close_work_order(widget.uow, number)


def test_build_on_a_closed_work_order_is_refused(widget: Plant) -> None:
    number = widget.wo("WIDGET", 2)
    work_orders.post_assembly_build(widget.uow, number, "1")
    work_orders.close_work_order(widget.uow, number)
    for call in (
        lambda: work_orders.post_assembly_build(widget.uow, number, "1"),
        lambda: work_orders.complete_work_order(widget.uow, number, "1"),
        lambda: work_orders.issue_components(widget.uow, number, {"BOLT": "1"}),
        lambda: work_orders.close_work_order(widget.uow, number),
        lambda: work_orders.cancel_work_order(widget.uow, number),
    ):
        with pytest.raises(IllegalTransition, match="it is Closed"):
            call()


def test_cancel_releases_commitment(widget: Plant) -> None:
    number = widget.wo("WIDGET", 10)
    assert widget.position("BOLT").committed == D(20)
    info = work_orders.cancel_work_order(widget.uow, number)
    assert info.status == "cancelled"
    assert widget.position("BOLT").committed == 0
    assert widget.position("WIDGET").on_order == 0


def test_cancel_after_stock_moved_is_refused(widget: Plant) -> None:
    number = widget.wo("WIDGET", 10)
    work_orders.issue_components(widget.uow, number, {"BOLT": "1"})
    with pytest.raises(IllegalTransition, match="In Process; stock has already moved"):
        work_orders.cancel_work_order(widget.uow, number)


def test_freed_stock_goes_to_the_next_order_when_commit_after_entry(widget: Plant) -> None:
    widget.pref("perform_item_commitment_after_transaction_entry", "true")
    first = widget.wo("WIDGET", 50)  # takes all 100 bolts
    second = widget.wo("WIDGET", 10)
    assert widget.line(second, "BOLT").committed == 0
    work_orders.cancel_work_order(widget.uow, first)
    assert widget.line(second, "BOLT").committed == D(20)


def test_activating_a_new_revision_never_changes_existing_work_orders(widget: Plant) -> None:
    number = widget.wo("WIDGET", 5, status="firm_planned")
    widget.bom("WIDGET", {"BOLT": 4})
    assert [(ln.sku, ln.required) for ln in widget.show(number).lines] == [
        ("BOLT", D(10)),
        ("PLATE", D("2.5")),
        ("LABEL", D(5)),
    ]
    work_orders.release_work_order(widget.uow, number)
    assert widget.show(number).bom_revision == "1"
    assert [ln.sku for ln in widget.show(widget.wo("WIDGET", 1)).lines] == ["BOLT"]


# --- audit and listing --------------------------------------------------------------------


def test_every_posting_writes_one_audit_event(widget: Plant) -> None:
    number = widget.wo("WIDGET", 2)
    work_orders.issue_components(widget.uow, number, {"BOLT": "1", "PLATE": "1"})
    with widget.uow.query() as tx:
        event = tx.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event is not None
        assert (event.action, event.document, event.username, event.workstation) == (
            "wo.issue",
            number,
            "tester",
            "test-bench",
        )
        assert '"BOLT": "1.000000"' in (event.details or "")
        rows = tx.session.scalars(select(LedgerEntry).where(LedgerEntry.event_id == event.id))
        assert sorted(r.quantity for r in rows) == [D(-1), D(-1)]


def test_list_and_filter_work_orders(widget: Plant) -> None:
    a = widget.wo("WIDGET", 1, status="firm_planned")
    b = widget.wo("WIDGET", 2)
    assert [w.number for w in work_orders.list_work_orders(widget.uow)] == [a, b]
    assert [w.number for w in work_orders.list_work_orders(widget.uow, status="released")] == [b]
    with pytest.raises(ValidationError, match="unknown status"):
        work_orders.list_work_orders(widget.uow, status="done")


def test_pages_of_the_list_are_slices_of_the_whole_list(widget: Plant) -> None:
    """A page is sorted and sliced on keys alone, its rows made afterwards: every page in
    every order is exactly that slice of the full list, flags included."""
    from app.services.engine.paging import PageRequest

    widget.item("GADGET", "assembly", "3")
    widget.bom("GADGET", {"PLATE": 30})  # 20 on hand: every released GADGET is short
    for n in range(7):
        widget.wo("WIDGET" if n % 2 else "GADGET", n + 1, due=f"2026-0{n % 3 + 1}-10")
    widget.wo("WIDGET", 4, status="firm_planned", due="2099-01-01")
    today = date(2026, 2, 20)
    for sort in work_orders.WORK_ORDER_SORTS:
        for descending in (False, True):
            whole = work_orders.list_work_orders(
                widget.uow,
                today=today,
                page=PageRequest(limit=None, sort=sort, descending=descending),
            )
            assert len(whole) == 8
            pages = [
                work_orders.list_work_orders(
                    widget.uow,
                    today=today,
                    page=PageRequest(offset=at, limit=3, sort=sort, descending=descending),
                )
                for at in (0, 3, 6)
            ]
            assert [p.total for p in pages] == [8, 8, 8]
            assert [w for p in pages for w in p.rows] == whole.rows
    flagged = work_orders.list_work_orders(widget.uow, today=today, page=PageRequest(limit=50))
    assert all(w.short for w in flagged if w.item == "GADGET")
    assert any(w.late for w in flagged) and not all(w.late for w in flagged)


def test_the_postings_against_a_work_order_are_its_ledger_rows(widget: Plant) -> None:
    number = widget.wo("WIDGET", 2)
    other = widget.wo("WIDGET", 1)
    work_orders.issue_components(widget.uow, number, {"LABEL": "2"})
    work_orders.complete_work_order(widget.uow, number, "2", backflush=True)
    work_orders.issue_components(widget.uow, other, {"LABEL": "1"})
    rows = work_orders.work_order_postings(widget.uow, number).rows
    assert {r.source for r in rows} == {number}
    assert sorted((r.sku, r.quantity) for r in rows) == [
        ("BOLT", D(-4)),
        ("LABEL", D(-2)),
        ("PLATE", D(-1)),
        ("WIDGET", D(2)),
    ]
    assert [r.id for r in rows] == sorted((r.id for r in rows), reverse=True)  # newest first
    from app.services.engine.paging import PageRequest

    by_sku = work_orders.work_order_postings(widget.uow, number, PageRequest(limit=2, sort="sku"))
    assert [r.sku for r in by_sku] == ["BOLT", "LABEL"] and by_sku.total == 4


def test_the_search_box_matches_any_column_in_any_case_and_wildcards_as_typed(
    widget: Plant,
) -> None:
    a = widget.wo("WIDGET", 1, memo="rush: 50% off the line")
    b = widget.wo("WIDGET", 2, memo="normal")

    def found(text: str) -> list[str]:
        return [w.number for w in work_orders.list_work_orders(widget.uow, text=text)]

    assert found("RUSH") == [a]
    assert found("widg") == [a, b]  # the item's sku
    assert found(b.lower()) == [b]
    assert found("%") == [a]  # a percent sign is a percent sign, not "anything"
    assert found("_") == []
    assert found("   ") == [a, b]


def test_late_work_orders(widget: Plant) -> None:
    late = widget.wo("WIDGET", 1, due="2026-01-05")
    widget.wo("WIDGET", 1, due="2099-01-01")
    done = widget.wo("WIDGET", 1, due="2026-01-01")
    work_orders.post_assembly_build(widget.uow, done, "1")
    work_orders.close_work_order(widget.uow, done)
    found = work_orders.late_work_orders(widget.uow, today=date(2026, 6, 1))
    assert [w.number for w in found] == [late]


def test_adjustment_reversal_is_a_new_posting(widget: Plant) -> None:
    res = inventory.adjust_stock(widget.uow, "BOLT", "-30", memo="crushed")
    assert res.position.on_hand == D(70)
    inventory.reverse_posting(widget.uow, res.event_id)
    assert widget.on_hand("BOLT") == D(100)
    with pytest.raises(ValidationError, match="already been reversed"):
        inventory.reverse_posting(widget.uow, res.event_id)
    history = inventory.ledger_history(widget.uow, "BOLT")
    assert [r.reason for r in history[:2]] == ["reversal", "adjustment"]
    assert history[0].reverses_id == history[1].id
