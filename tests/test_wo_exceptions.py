"""The floor's exceptions on work orders, as scenarios on SQLite and PostgreSQL (`check` runs
after each): the mis-scan undone by a return, the rush order, the half-scrapped batch, an
unbuild, changes of quantity, location and BOM revision, holds and unrelease."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from app.errors import (
    IllegalTransition,
    InsufficientStock,
    NotFound,
    OnHold,
    ValidationError,
)
from app.models import AuditEvent, LedgerEntry
from app.services import finance, inventory, reasons
from app.services.engine import commitment
from app.services.engine.uow import UnitOfWork
from app.services.production import corrections, editing, work_orders
from tests.orders_plant import OrderPlant
from tests.plant import D, Plant


@pytest.fixture
def widget(plant: Plant) -> Plant:
    """WIDGET = 2 BOLT + 0.5 PLATE (backflush) + 1 LABEL (no backflush); reasons to scrap."""
    plant.item("BOLT", cost="0.10")
    plant.item("PLATE", cost="4")
    plant.item("LABEL", cost="0.05")
    plant.item("WIDGET", "assembly", "6")
    plant.bom("WIDGET", {"BOLT": 2, "PLATE": "0.5", "LABEL": 1}, no_backflush=("LABEL",))
    plant.stock("BOLT", 100)
    plant.stock("PLATE", 20)
    plant.stock("LABEL", 50)
    reasons.add_reason_code(plant.uow, "DAMAGED", "scrap", "dropped or broken")
    return plant


def ledger_rows(plant: Plant, number: str) -> list[Any]:
    """A work order's ledger rows, oldest first, as plain rows."""
    le = LedgerEntry
    with plant.uow.query() as tx:
        return list(
            tx.session.execute(
                select(
                    le.id,
                    le.event_id,
                    le.reason,
                    le.quantity,
                    le.unit_cost,
                    le.reverses_id,
                    le.memo,
                )
                .where(le.source_ref == number)
                .order_by(le.id)
            )
        )


def details(plant: Plant, event_id: int) -> dict[str, object]:
    with plant.uow.query() as tx:
        event = tx.session.get(AuditEvent, event_id)
        assert event is not None
        return dict(json.loads(event.details))


# --- the mis-scan: issue 10 instead of 1, return 9 ------------------------------------------


def test_a_mis_scan_is_undone_by_returning_the_components(widget: Plant) -> None:
    number = widget.wo("WIDGET", 10)  # needs ten labels, one at a time
    issued = work_orders.issue_components(widget.uow, number, {"LABEL": "10"})  # 1 was meant
    assert next(ln for ln in issued.lines if ln.sku == "LABEL").issued == D(10)
    assert widget.on_hand("LABEL") == D(40)

    info = corrections.return_components(widget.uow, number, {"LABEL": "9"})
    label = next(ln for ln in info.lines if ln.sku == "LABEL")
    # As if one had been scanned: one issued, the nine back on the shelf and still its own.
    assert (label.issued, label.returned, label.committed, label.backordered) == (
        D(1),
        D(9),
        D(9),
        D(0),
    )
    assert info.status == "in_process"
    assert widget.on_hand("LABEL") == D(49)
    issue_row, return_row = ledger_rows(widget, number)[-2:]
    assert (return_row.reason, return_row.quantity, return_row.reverses_id) == (
        "component_return",
        D(9),
        issue_row.id,
    )
    assert return_row.unit_cost == issue_row.unit_cost
    assert details(widget, info.changes.event_id or 0)["corrects"] == [issue_row.event_id]


def test_a_return_takes_the_newest_consumption_first_and_names_each(widget: Plant) -> None:
    widget.item("BOLT", cost="0.20")  # the second issue is at the new cost
    number = widget.wo("WIDGET", 10)
    first = work_orders.issue_components(widget.uow, number, {"BOLT": "6"}).changes.event_id
    widget.item("BOLT", cost="0.30")
    second = work_orders.issue_components(widget.uow, number, {"BOLT": "4"}).changes.event_id
    info = corrections.return_components(widget.uow, number, {"BOLT": "7"})
    rows = [r for r in ledger_rows(widget, number) if r.reason == "component_return"]
    assert [(r.quantity, r.unit_cost) for r in rows] == [(D(4), D("0.3")), (D(3), D("0.2"))]
    assert details(widget, info.changes.event_id or 0)["corrects"] == sorted([first, second])
    bolt = next(ln for ln in info.lines if ln.sku == "BOLT")
    # The line needs again what it gave back, and the stock it gave back is its own again.
    assert (bolt.issued, bolt.returned, bolt.committed) == (D(3), D(7), D(17))
    assert widget.position("BOLT").committed == D(17)


@pytest.mark.parametrize(
    ("components", "error", "text"),
    [
        ({"BOLT": "5"}, ValidationError, "cannot return 5 BOLT: the line has consumed 4"),
        ({"GHOST": "1"}, NotFound, "not a component"),
        ({"BOLT": "0"}, ValidationError, "greater than zero"),
    ],
)
def test_return_refusals_change_nothing(
    widget: Plant, components: dict[str, str], error: type[Exception], text: str
) -> None:
    number = widget.wo("WIDGET", 10)
    work_orders.issue_components(widget.uow, number, {"BOLT": "4"})
    before = (len(ledger_rows(widget, number)), widget.show(number))
    with pytest.raises(error, match=text):
        corrections.return_components(widget.uow, number, components)
    assert (len(ledger_rows(widget, number)), widget.show(number)) == before


def test_nothing_returns_from_a_work_order_nothing_was_issued_to(widget: Plant) -> None:
    number = widget.wo("WIDGET", 1)
    with pytest.raises(IllegalTransition, match="it is Released; nothing has been issued"):
        corrections.return_components(widget.uow, number, {"BOLT": "1"})


# --- the rush order -------------------------------------------------------------------------


@pytest.mark.parametrize("ordering", ["expected_ship_date", "order_priority"])
def test_a_rush_order_jumps_the_queue_and_gets_the_stock(widget: Plant, ordering: str) -> None:
    widget.pref("item_commitment_ordering", ordering)
    widget.stock("PLATE", -14)  # 6 plates: enough for 12 widgets
    calm = widget.wo("WIDGET", 12, due="2031-03-10", priority="5")
    rush = widget.wo("WIDGET", 8, due="2031-03-20", priority="5")
    assert (widget.line(calm, "PLATE").committed, widget.line(rush, "PLATE").committed) == (
        D(6),
        D(0),
    )
    info = editing.edit_work_order(widget.uow, rush, priority="1", due="2031-03-01")
    assert (info.priority, info.due) == (1, date(2031, 3, 1))
    assert info.changed_by == "tester" and info.changed_at is not None
    # The rush order now comes first: it takes what it needs; the other keeps the rest.
    assert (widget.line(rush, "PLATE").committed, widget.line(calm, "PLATE").committed) == (
        D(4),
        D(2),
    )
    assert widget.position("PLATE").committed == D(6)
    changed = details(widget, info.changes.event_id or 0)["changed"]
    assert changed == {"due": ["2031-03-20", "2031-03-01"], "priority": [5, 1]}


def test_a_rush_re_runs_only_where_its_lines_are(widget: Plant) -> None:
    widget.item("NUT", cost="0.01")
    widget.item("GADGET", "assembly", "3")
    widget.bom("GADGET", {"NUT": 1})
    widget.stock("NUT", 1)
    gadget = widget.wo("GADGET", 1, due="2031-03-05")
    widget.stock("NUT", -1)  # the nut it holds is written off: nobody holds what is gone
    assert widget.line(gadget, "NUT").committed == 0
    widget.stock("NUT", 1)  # back, free, and nobody commits it (commit-after-entry is off)
    rush = widget.wo("WIDGET", 1, due="2031-03-09")
    editing.edit_work_order(widget.uow, rush, priority="1")
    assert widget.line(gadget, "NUT").committed == 0  # a pair the rush does not touch
    result = commitment.rerun(widget.uow)
    assert result.changed == 1 and widget.line(gadget, "NUT").committed == 1


# --- the half-scrapped batch ------------------------------------------------------------------


def test_half_a_batch_scrapped_shows_apart_in_the_close_and_finance_hears(widget: Plant) -> None:
    number = widget.wo("WIDGET", 10)
    work_orders.issue_components(widget.uow, number, {"LABEL": "10"})
    work_orders.post_assembly_build(widget.uow, number, "10")
    info = corrections.scrap(widget.uow, number, built="5", reason="damaged")
    assert (info.built, info.scrapped, info.status) == (D(10), D(5), "built")
    assert widget.on_hand("WIDGET") == D(5)
    scrap_row = ledger_rows(widget, number)[-1]
    assert (scrap_row.reason, scrap_row.quantity, scrap_row.memo) == ("scrap", D(-5), "DAMAGED")
    (told,) = finance.list_events(widget.uow, moment="scrapped").rows
    assert (told.document, told.reason, told.amount) == (number, "DAMAGED", D(30))
    assert [(ln.sku, ln.quantity, ln.unit_amount) for ln in told.lines] == [("WIDGET", D(5), D(6))]

    closed = work_orders.close_work_order(widget.uow, number)
    rows = {v.sku: (v.expected, v.actual, v.variance, v.scrapped) for v in closed.variance}
    assert rows == {
        "BOLT": (D(20), D(20), D(0), D(0)),
        "PLATE": (D(5), D(5), D(0), D(0)),
        "LABEL": (D(10), D(10), D(0), D(0)),
        "WIDGET": (D(0), D(5), D(5), D(5)),
    }
    assert (closed.variance_total, closed.scrap_total) == (D(30), D(30))
    (close_event,) = finance.list_events(widget.uow, moment="closed").rows
    assert close_event.lines == []  # the scrap was told when it happened


def test_components_scrapped_on_the_line_count_in_its_variance(widget: Plant) -> None:
    number = widget.wo("WIDGET", 4)  # commits 8 bolts
    info = corrections.scrap(widget.uow, number, components={"BOLT": "3"}, reason="DAMAGED")
    bolt = next(ln for ln in info.lines if ln.sku == "BOLT")
    # Lost from the shelf: the line still needs its eight; its own commitment is what left.
    assert (bolt.required, bolt.issued, bolt.scrapped, bolt.committed) == (D(8), 0, D(3), D(8))
    assert info.status == "in_process"
    assert widget.position("BOLT").on_hand == D(97)
    widget.stock("BOLT", -89)  # 8 left, all the line's
    corrections.scrap(widget.uow, number, components={"BOLT": "1"}, reason="DAMAGED")
    assert widget.line(number, "BOLT").committed == D(7)
    work_orders.issue_components(widget.uow, number, {"BOLT": "7", "LABEL": "4"})
    widget.stock("BOLT", 1)
    work_orders.post_assembly_build(widget.uow, number, "4")
    closed = work_orders.close_work_order(widget.uow, number)
    (bolts,) = [v for v in closed.variance if v.sku == "BOLT"]
    assert (bolts.expected, bolts.actual, bolts.variance, bolts.scrapped) == (
        D(8),
        D(12),
        D(4),
        D(4),
    )
    assert closed.scrap_total == D("0.4")


def test_scrap_names_a_reason_the_admin_keeps(widget: Plant) -> None:
    number = widget.wo("WIDGET", 4)
    with pytest.raises(NotFound, match="unknown scrap reason 'LOST'; the scrap reasons are"):
        corrections.scrap(widget.uow, number, components={"BOLT": "1"}, reason="LOST")
    with pytest.raises(ValidationError, match="give a scrap reason"):
        corrections.scrap(widget.uow, number, components={"BOLT": "1"}, reason="")
    with pytest.raises(ValidationError, match="one of the two"):
        corrections.scrap(widget.uow, number, reason="DAMAGED")
    with pytest.raises(ValidationError, match="0 is built and not scrapped"):
        corrections.scrap(widget.uow, number, built="1", reason="DAMAGED")
    assert widget.show(number).status == "released"


# --- unbuild 2 of 5 -----------------------------------------------------------------------------


def test_unbuild_two_of_five_gives_back_what_their_build_consumed(widget: Plant) -> None:
    number = widget.wo("WIDGET", 5)
    work_orders.issue_components(widget.uow, number, {"LABEL": "5"})
    built = work_orders.post_assembly_build(widget.uow, number, "5")
    assert built.status == "built"
    widget.item("PLATE", cost="9")  # costs move on; the unbuild uses the build's own
    info = corrections.unbuild(widget.uow, number, "2")
    assert (info.built, info.unbuilt, info.status) == (D(3), D(2), "in_process")
    lines = {ln.sku: ln for ln in info.lines}
    assert (lines["BOLT"].issued, lines["PLATE"].issued, lines["LABEL"].issued) == (
        D(6),
        D("1.5"),
        D(5),  # issued by hand: the labels stay on the work order
    )
    assert (widget.on_hand("WIDGET"), widget.on_hand("BOLT"), widget.on_hand("PLATE")) == (
        D(3),
        D(94),
        D("18.5"),
    )
    assert widget.position("WIDGET").on_order == D(2)
    rows = ledger_rows(widget, number)
    undo = [r for r in rows if r.reason == "unbuild"]
    by_id = {r.id: r for r in rows}
    assert sorted((by_id[r.reverses_id].reason, r.quantity) for r in undo if r.reverses_id) == [
        ("backflush", D(1)),
        ("backflush", D(4)),
        ("completion", D(-2)),
    ]
    plate_back = next(r for r in undo if r.quantity == 1)
    assert plate_back.unit_cost == D(4)
    # Built again, the backflush consumes again: nothing twice, nothing lost.
    again = work_orders.post_assembly_build(widget.uow, number, "2")
    assert {ln.sku: ln.issued for ln in again.lines} == {
        "BOLT": D(10),
        "PLATE": D("2.5"),
        "LABEL": D(5),
    }
    assert again.status == "built"


def test_unbuild_is_never_more_than_built_and_on_hand(widget: Plant) -> None:
    number = widget.wo("WIDGET", 5)
    work_orders.complete_work_order(widget.uow, number, "3", backflush=True)
    with pytest.raises(ValidationError, match=f"cannot unbuild 4 WIDGET on {number}: 3 is built"):
        corrections.unbuild(widget.uow, number, "4")
    widget.stock("WIDGET", -2)  # two have left the shelf
    with pytest.raises(InsufficientStock, match="only 1 on hand at MAIN"):
        corrections.unbuild(widget.uow, number, "2")
    corrections.unbuild(widget.uow, number, "1")
    assert widget.show(number).built == D(2)


# --- changing a work order --------------------------------------------------------------------


def test_a_larger_or_smaller_quantity_re_derives_the_lines(widget: Plant) -> None:
    number = widget.wo("WIDGET", 10)
    work_orders.complete_work_order(widget.uow, number, "4", backflush=True)
    info = editing.edit_work_order(widget.uow, number, quantity="6")
    lines = {ln.sku: ln for ln in info.lines}
    assert (lines["BOLT"].required, lines["BOLT"].committed, lines["BOLT"].issued) == (
        D(12),
        D(4),
        D(8),
    )
    assert widget.position("WIDGET").on_order == D(2)
    assert widget.position("BOLT").committed == D(4)
    info = editing.edit_work_order(widget.uow, number, quantity="4")
    assert info.status == "built"  # all of it is built now
    assert widget.position("BOLT").committed == 0
    assert widget.position("LABEL").committed == D(4)
    info = editing.edit_work_order(widget.uow, number, quantity="30")
    assert info.status == "in_process"
    assert next(ln for ln in info.lines if ln.sku == "PLATE").committed == D(13)  # all left
    with pytest.raises(ValidationError, match=f"cannot make {number} 3: 4 is built already"):
        editing.edit_work_order(widget.uow, number, quantity="3")


def test_location_and_bom_revision_change_only_while_nothing_moved(widget: Plant) -> None:
    from app.services.catalog import items

    items.add_location(widget.uow, "EAST", "East store")
    widget.stock("BOLT", 10, location="EAST")
    number = widget.wo("WIDGET", 2)
    assert widget.position("BOLT").committed == D(4)
    info = editing.edit_work_order(widget.uow, number, location="EAST")
    assert info.location == "EAST"
    assert (
        widget.position("BOLT", "MAIN").committed,
        widget.position("BOLT", "EAST").committed,
    ) == (
        0,
        D(4),
    )
    assert widget.position("WIDGET", "EAST").on_order == D(2)
    widget.bom("WIDGET", {"BOLT": 3}, activate=False)  # revision 2, not active
    info = editing.edit_work_order(widget.uow, number, bom_revision="2", quantity="3")
    assert info.bom_revision == "2"
    assert [(ln.sku, ln.required, ln.committed) for ln in info.lines] == [("BOLT", D(9), D(9))]
    assert widget.position("PLATE", "EAST").committed == 0
    work_orders.issue_components(widget.uow, number, {"BOLT": "1"})
    with pytest.raises(IllegalTransition, match="stock has already moved for it"):
        editing.edit_work_order(widget.uow, number, location="MAIN")
    with pytest.raises(NotFound, match="WIDGET has no BOM revision '7'"):
        editing.edit_work_order(widget.uow, number, bom_revision="7")


def test_an_edit_says_what_to_change(widget: Plant) -> None:
    number = widget.wo("WIDGET", 1)
    with pytest.raises(ValidationError, match="nothing to change"):
        editing.edit_work_order(widget.uow, number)
    info = editing.edit_work_order(widget.uow, number, memo="blue paint", due="2031-01-02")
    assert (info.memo, info.due) == ("blue paint", date(2031, 1, 2))
    info = editing.edit_work_order(widget.uow, number, memo="", due="")
    assert (info.memo, info.due) == (None, None)
    closed = widget.wo("WIDGET", 1, status="firm_planned")
    work_orders.cancel_work_order(widget.uow, closed)
    with pytest.raises(IllegalTransition, match=f"cannot edit {closed}: it is Cancelled"):
        editing.edit_work_order(widget.uow, closed, memo="too late")


# --- hold, resume, unrelease ------------------------------------------------------------------


def test_a_held_work_order_refuses_every_posting_and_keeps_its_stock(widget: Plant) -> None:
    number = widget.wo("WIDGET", 2)
    info = editing.hold_work_order(widget.uow, number, "waiting for the customer's drawing")
    assert info.held is not None
    assert (info.held.by, info.held.reason, info.actions) == (
        "tester",
        "waiting for the customer's drawing",
        ["resume"],
    )
    assert widget.line(number, "BOLT").committed == D(4)  # kept
    for attempt in (
        lambda: work_orders.issue_components(widget.uow, number, {"BOLT": "1"}),
        lambda: work_orders.post_assembly_build(widget.uow, number, "1"),
        lambda: work_orders.cancel_work_order(widget.uow, number),
        lambda: editing.edit_work_order(widget.uow, number, quantity="3"),
        lambda: editing.unrelease_work_order(widget.uow, number),
        lambda: corrections.scrap(widget.uow, number, components={"BOLT": "1"}, reason="DAMAGED"),
    ):
        with pytest.raises(OnHold, match="is on hold: waiting for the customer's drawing"):
            attempt()
    with pytest.raises(IllegalTransition, match="already on hold"):
        editing.hold_work_order(widget.uow, number, "again")
    (listed,) = work_orders.list_work_orders(widget.uow, held=True).rows
    assert (listed.number, listed.held, listed.hold_reason, listed.held_by) == (
        number,
        True,
        "waiting for the customer's drawing",
        "tester",
    )
    resumed = editing.resume_work_order(widget.uow, number)
    assert resumed.held is None and "issue" in resumed.actions
    with pytest.raises(IllegalTransition, match=f"cannot resume {number}: it is not on hold"):
        editing.resume_work_order(widget.uow, number)
    work_orders.post_assembly_build(widget.uow, number, "1")


def test_a_hold_may_give_its_commitments_back(widget: Plant) -> None:
    widget.pref("release_commitment_on_hold", "true")
    widget.stock("PLATE", -19)  # one plate: two widgets' worth
    held = widget.wo("WIDGET", 2, due="2031-03-01")
    waiting = widget.wo("WIDGET", 2, due="2031-03-09")
    editing.hold_work_order(widget.uow, held, "machine down")
    assert widget.line(held, "PLATE").committed == 0
    assert widget.position("PLATE").committed == 0
    assert widget.show(held).lines[1].backordered == 0  # no demand while held
    commitment.rerun(widget.uow)
    assert (widget.line(held, "PLATE").committed, widget.line(waiting, "PLATE").committed) == (
        0,
        D(1),
    )
    editing.resume_work_order(widget.uow, held)
    assert widget.line(held, "PLATE").committed == 0  # what is taken stays taken
    commitment.rerun(widget.uow)
    assert widget.line(held, "PLATE").committed == D(1)  # the earlier due date wins again


def test_unrelease_while_nothing_moved(widget: Plant) -> None:
    number = widget.wo("WIDGET", 2)
    info = editing.unrelease_work_order(widget.uow, number)
    assert (info.status, info.released_at) == ("firm_planned", None)
    assert widget.position("BOLT").committed == 0
    work_orders.release_work_order(widget.uow, number)
    work_orders.issue_components(widget.uow, number, {"BOLT": "1"})
    with pytest.raises(IllegalTransition, match="it is In Process; stock has already moved"):
        editing.unrelease_work_order(widget.uow, number)


# --- reverse names the posting that undoes a work order's ---------------------------------


def test_reverse_names_what_undoes_a_work_order_posting(widget: Plant) -> None:
    number = widget.wo("WIDGET", 2)
    issue = work_orders.issue_components(widget.uow, number, {"LABEL": "2"}).changes.event_id
    build = work_orders.post_assembly_build(widget.uow, number, "2").changes.event_id
    back = corrections.return_components(widget.uow, number, {"LABEL": "1"}).changes.event_id
    apart = corrections.unbuild(widget.uow, number, "1").changes.event_id
    lost = corrections.scrap(widget.uow, number, built="1", reason="DAMAGED").changes.event_id
    said = {
        issue: f"an issue to {number}: return the components (shopfloor wo return {number}",
        build: f"a build on {number}: use unbuild (shopfloor wo unbuild {number} --qty Q)",
        back: f"a return of components from {number}: issue them again",
        apart: f"an unbuild on {number}: build again",
        lost: f"a scrap on {number}: scrapped goods are written off",
    }
    for event_id, words in said.items():
        with pytest.raises(ValidationError) as refused:
            inventory.reverse_adjustment(widget.uow, event_id)
        assert refused.value.message.startswith(f"event {event_id} is {words}")


# --- a special order's change reaches the line it builds for -------------------------------


@pytest.fixture
def shop(uow: UnitOfWork) -> OrderPlant:
    plant = OrderPlant(uow).setup()
    plant.pref("default_work_order_status", "released")
    plant.stock("BOTTLE", 240)
    plant.stock("CAP", 240)
    return plant


def special_order(shop: OrderPlant, quantity: int = 4) -> tuple[str, str]:
    so = shop.so("Lakeside Foods", ("CASE-12", quantity, "build", "20"))
    (wo,) = so.lines[0].created
    return so.number, wo


def test_with_the_preference_the_line_takes_the_work_orders_quantity(shop: OrderPlant) -> None:
    shop.pref("update_special_order_quantities_automatically_prior_to_shipment", "true")
    so, wo = special_order(shop)
    editing.edit_work_order(shop.uow, wo, quantity="6")
    line = shop.so_line(so, "1")
    assert (line.quantity, line.path, line.amount) == (D(6), "build", D(120))
    work_orders.post_assembly_build(shop.uow, wo, "2")
    editing.edit_work_order(shop.uow, wo, quantity="3")
    line = shop.so_line(so, "1")
    assert (line.quantity, line.committed) == (D(3), D(2))
    shop.ship(shop.pick(so).number)
    # Part of the line has shipped: from now on the work order changes alone.
    editing.edit_work_order(shop.uow, wo, quantity="5")
    assert shop.so_line(so, "1").quantity == D(3)


def test_without_it_a_larger_work_order_builds_the_rest_for_stock(shop: OrderPlant) -> None:
    so, wo = special_order(shop)
    editing.edit_work_order(shop.uow, wo, quantity="6")
    line = shop.so_line(so, "1")
    assert (line.quantity, line.path) == (D(4), "build")  # still its work order's own
    work_orders.post_assembly_build(shop.uow, wo, "6")
    assert shop.committed(so) == D(4)
    assert shop.position("CASE-12").available == D(2)


def test_without_it_a_smaller_work_order_lets_the_line_ship_from_stock(shop: OrderPlant) -> None:
    shop.stock("CASE-12", 1)
    so, wo = special_order(shop)
    info = editing.edit_work_order(shop.uow, wo, quantity="3")
    line = shop.so_line(so, "1")
    # The work order can no longer fill the line: it ships from stock for the rest, and
    # what its work order builds still goes to it first.
    assert (line.quantity, line.path, line.committed, line.created) == (D(4), "stock", D(1), [wo])
    assert details(shop, info.changes.event_id or 0)["ships_from_stock"] == f"{so} 1"
    work_orders.post_assembly_build(shop.uow, wo, "3")
    assert shop.committed(so) == D(4)


def test_a_special_order_builds_where_its_order_ships_from(shop: OrderPlant) -> None:
    from app.services.catalog import items

    items.add_location(shop.uow, "EAST", "East store")
    _so, wo = special_order(shop)
    with pytest.raises(ValidationError, match="at that order's location MAIN"):
        editing.edit_work_order(shop.uow, wo, location="EAST")


def test_a_special_orders_build_taken_apart_or_scrapped_leaves_its_line(shop: OrderPlant) -> None:
    reasons.add_reason_code(shop.uow, "DAMAGED", "scrap")
    shop.stock("CASE-12", 2)  # free cases nobody holds
    so, wo = special_order(shop)
    work_orders.post_assembly_build(shop.uow, wo, "4")
    assert shop.committed(so) == D(4)
    corrections.unbuild(shop.uow, wo, "1")
    corrections.scrap(shop.uow, wo, built="1", reason="DAMAGED")
    # Six cases were there, two are gone: the free ones stay free, the line holds the rest.
    assert (shop.committed(so), shop.position("CASE-12").available) == (D(2), D(2))
    assert shop.position("CASE-12").on_order == D(1)
    work_orders.post_assembly_build(shop.uow, wo, "1")
    assert shop.committed(so) == D(3)
