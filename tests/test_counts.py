"""Cycle counts on both databases: choosing what to count, counting blind, the on hand of the
moment each line is counted, posting the differences as one posting (postings made between
counting and posting neither lost nor counted twice), approval above the threshold, and the
refusals that change nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from app.errors import (
    IllegalTransition,
    InsufficientStock,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from app.services import admin, inventory
from app.services.catalog import items
from app.services.check import check_database
from app.services.counts import counts
from app.services.counts.counts import CycleCountInfo
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.orders import fulfillment, partners, purchasing, sales
from app.services.production import work_orders
from tests.plant import D, Plant


@pytest.fixture
def shelves(plant: Plant) -> Plant:
    """Six items at MAIN (four with bins in aisle A and B, one with stock and no bin, one
    with a bin and no stock), one at EAST, and a service."""
    items.add_location(plant.uow, "EAST", "East store")
    for sku, cost in (
        ("BOLT", "0.1"),
        ("NUT", "0.05"),
        ("GEAR", "12"),
        ("CHAIN", "6"),
        ("OIL", "2"),
        ("SPARE", "1"),
        ("FAR", "3"),
    ):
        plant.item(sku, cost=cost)
    plant.item("REPAIR", "service", cost="0")
    for sku, where in (("BOLT", "A-10"), ("NUT", "A-2"), ("GEAR", "B-1"), ("CHAIN", "a-3")):
        items.set_bin(plant.uow, sku, where)
    items.set_bin(plant.uow, "SPARE", "C-1")
    for sku, qty in (("BOLT", 100), ("NUT", 200), ("GEAR", 10), ("CHAIN", 8), ("OIL", 5)):
        plant.stock(sku, qty)
    plant.stock("FAR", 4, "EAST")
    return plant


def skus(info: CycleCountInfo) -> list[str]:
    return [ln.sku for ln in info.lines]


def line(info: CycleCountInfo, sku: str):  # type: ignore[no-untyped-def]
    return next(ln for ln in info.lines if ln.sku == sku)


def as_user(uow: UnitOfWork, name: str) -> UnitOfWork:
    return UnitOfWork(uow.database, Actor(user=name, workstation="aisle-3"))


# --- choosing what to count ---------------------------------------------------------------


def test_a_count_of_chosen_items_walks_the_shelves_in_bin_order(shelves: Plant) -> None:
    started = counts.start_count(shelves.uow, "MAIN", items=["OIL", "BOLT", "NUT", "CHAIN"])
    info = started.count
    assert info.number == "CC-000001" and info.status == "open" and info.location == "MAIN"
    # A-2 before a-3 before A-10, no bin last; lines numbered in that order at the start.
    assert skus(info) == ["NUT", "CHAIN", "BOLT", "OIL"]
    assert [ln.line_no for ln in info.lines] == [1, 2, 3, 4]
    assert [ln.bin for ln in info.lines] == ["A-2", "a-3", "A-10", None]
    assert info.selection == "items OIL, BOLT, NUT, CHAIN"
    assert all(ln.counted is None and ln.difference is None for ln in info.lines)
    assert (info.counted, info.uncounted, info.actions) == (0, 4, ["enter", "cancel"])
    assert "CC-000001" in started.changes.of("cycle_count")


def test_a_bin_prefix_counts_every_item_in_those_bins_in_any_case(shelves: Plant) -> None:
    info = counts.start_count(shelves.uow, "MAIN", bin_prefix="a-").count
    assert skus(info) == ["NUT", "CHAIN", "BOLT"]
    assert info.selection == "bins a-…"
    # An empty bin is counted too: it may hold what the ledger does not know of.
    assert skus(counts.start_count(shelves.uow, "MAIN", bin_prefix="C").count) == ["SPARE"]


def test_not_counted_for_days_counts_what_was_not_counted_lately(shelves: Plant) -> None:
    uow = shelves.uow
    first = counts.start_count(uow, "MAIN", items=["GEAR", "OIL"]).count
    counts.enter_counts(uow, first.number, {"GEAR": "10", "OIL": "5"})
    counts.post_count(uow, first.number)
    # Every item with stock or a bin at MAIN (not FAR at EAST, not the service), less the two
    # just counted.
    recent = counts.start_count(uow, "MAIN", not_counted_for="30").count
    assert skus(recent) == ["NUT", "CHAIN", "BOLT", "SPARE"]
    assert recent.selection == "not counted for 30 days"
    counts.cancel_count(uow, recent.number)
    # A count a moment ago is older than 0 days: 0 is every item there.
    assert len(counts.start_count(uow, "MAIN", not_counted_for=0).count.lines) == 6


def test_selections_narrow_each_other(shelves: Plant) -> None:
    info = counts.start_count(
        shelves.uow, "MAIN", items=["BOLT", "GEAR", "OIL"], bin_prefix="A"
    ).count
    assert skus(info) == ["BOLT"]
    assert info.selection == "items BOLT, GEAR, OIL; bins A…"


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({}, ValidationError, "say what to count at MAIN"),
        ({"bin_prefix": "Z"}, ValidationError, "nothing to count at MAIN: no item matches bins Z"),
        ({"items": ["REPAIR"]}, ValidationError, "REPAIR is a service item and carries no stock"),
        ({"items": ["NOPE"]}, NotFound, "unknown sku 'NOPE'"),
        ({"not_counted_for": "-1"}, ValidationError, "days since the last count must be"),
        ({"not_counted_for": "1.5"}, ValidationError, "is not a whole number"),
        ({"location": "WEST", "items": ["BOLT"]}, NotFound, "unknown location 'WEST'"),
    ],
)
def test_a_count_that_cannot_start_says_why_and_makes_nothing(
    shelves: Plant, kwargs: dict[str, object], error: type[Exception], words: str
) -> None:
    given = dict(kwargs)
    where = given.pop("location", "MAIN")
    with pytest.raises(error, match=words):
        counts.start_count(shelves.uow, where, **given)  # type: ignore[arg-type]
    assert counts.list_counts(shelves.uow).total == 0


def test_an_item_is_on_one_open_count_at_a_location(shelves: Plant) -> None:
    uow = shelves.uow
    aisle = counts.start_count(uow, "MAIN", bin_prefix="A").count
    with pytest.raises(ValidationError, match="NUT is on CC-000001, still open at MAIN"):
        counts.start_count(uow, "MAIN", items=["GEAR", "NUT"])
    # A selection by bins or days leaves out what another count holds, and says so.
    started = counts.start_count(uow, "MAIN", not_counted_for=0)
    assert skus(started.count) == ["GEAR", "SPARE", "OIL"]
    assert started.left_out == {"NUT": aisle.number, "CHAIN": aisle.number, "BOLT": aisle.number}
    with pytest.raises(ValidationError, match="every item of bins A… at MAIN is on an open count"):
        counts.start_count(uow, "MAIN", bin_prefix="A")
    # Another location is another shelf; a cancelled count holds nothing.
    counts.start_count(uow, "EAST", items=["NUT"])
    counts.cancel_count(uow, aisle.number)
    assert skus(counts.start_count(uow, "MAIN", items=["NUT"]).count) == ["NUT"]


# --- counting -----------------------------------------------------------------------------


def test_counting_records_the_on_hand_of_that_moment_and_a_recount_replaces_it(
    shelves: Plant,
) -> None:
    uow = shelves.uow
    number = counts.start_count(uow, "MAIN", items=["GEAR", "NUT"]).count.number
    info = counts.enter_counts(uow, number, {"GEAR": "9"})
    gear = line(info, "GEAR")
    assert (gear.counted, gear.on_hand_when_counted, gear.difference) == (D(9), D(10), D(-1))
    assert gear.value == D(12) and gear.counted_by == "tester" and gear.counted_at is not None
    assert (info.counted, info.uncounted) == (1, 1)
    shelves.stock("GEAR", 5)  # more arrives; the shelf is counted again
    gear = line(counts.enter_counts(uow, number, {"GEAR": "14"}), "GEAR")
    assert (gear.counted, gear.on_hand_when_counted, gear.difference) == (D(14), D(15), D(-1))


@pytest.mark.parametrize(
    ("entry", "error", "words"),
    [
        ({}, ValidationError, "say what was counted on CC-000001"),
        ({"BOLT": "1"}, NotFound, "'BOLT' is not on CC-000001; start a count for it"),
        ({"GEAR": "-1"}, ValidationError, "count of GEAR must not be negative"),
        ({"GEAR": "1e2"}, ValidationError, "exponents are not allowed"),
        ({"GEAR": "3", " GEAR ": "4"}, ValidationError, "GEAR is given twice"),
    ],
)
def test_a_count_that_cannot_be_entered_changes_nothing(
    shelves: Plant, entry: dict[str, object], error: type[Exception], words: str
) -> None:
    number = counts.start_count(shelves.uow, "MAIN", items=["GEAR", "NUT"]).count.number
    with pytest.raises(error, match=words):
        counts.enter_counts(shelves.uow, number, entry)
    assert counts.get_count(shelves.uow, number).counted == 0


def test_the_count_is_blind_for_the_counters_until_it_is_posted(shelves: Plant) -> None:
    uow = shelves.uow
    admin.add_user(uow, "tester", "admin")
    admin.add_user(uow, "olga", "operator")
    admin.add_user(uow, "pete", "picker")
    olga, pete = as_user(uow, "olga"), as_user(uow, "pete")
    number = counts.start_count(pete, "MAIN", items=["GEAR"]).count.number  # the floor counts
    counted = line(counts.enter_counts(olga, number, {"GEAR": "7"}), "GEAR")
    assert counted.counted == D(7)
    assert (counted.on_hand_when_counted, counted.difference, counted.value) == (None, None, None)
    assert not counts.get_count(pete, number).expected_shown
    supervisor = line(counts.get_count(uow, number), "GEAR")  # who may approve sees it
    assert (supervisor.on_hand_when_counted, supervisor.difference) == (D(10), D(-3))
    posted = counts.post_count(olga, number)
    assert posted.expected_shown and line(posted, "GEAR").difference == D(-3)
    assert shelves.on_hand("GEAR") == D(7)


# --- posting ------------------------------------------------------------------------------


def test_postings_between_counting_and_posting_are_neither_lost_nor_counted_twice(
    shelves: Plant,
) -> None:
    uow = shelves.uow
    number = counts.start_count(uow, "MAIN", items=["BOLT", "NUT", "GEAR"]).count.number
    counts.enter_counts(uow, number, {"BOLT": "97", "NUT": "200", "GEAR": "12"})
    shelves.stock("BOLT", 50)  # a delivery after the count
    shelves.stock("GEAR", -4)  # and a write-off
    posted = counts.post_count(uow, number)
    assert posted.status == "posted" and posted.posted_by == "tester"
    assert (shelves.on_hand("BOLT"), shelves.on_hand("NUT"), shelves.on_hand("GEAR")) == (
        D(147),  # 97 counted + 50 since
        D(200),  # no difference: nothing posted
        D(8),  # 12 counted - 4 since
    )
    rows = counts.count_postings(uow, number).rows
    assert sorted((r.sku, r.quantity, r.reason, r.source) for r in rows) == [
        ("BOLT", D(-3), "count", number),
        ("GEAR", D(2), "count", number),
    ]
    assert len({r.event_id for r in rows}) == 1  # one posting
    assert rows[0].event_id == posted.changes.event_id
    assert {("BOLT", "MAIN"), ("GEAR", "MAIN")} == set(posted.changes.balances)


def test_uncounted_lines_are_refused_unless_the_count_posts_without_them(
    shelves: Plant,
) -> None:
    uow = shelves.uow
    number = counts.start_count(uow, "MAIN", bin_prefix="A").count.number
    with pytest.raises(ValidationError, match=f"nothing is counted on {number} yet"):
        counts.post_count(uow, number, skip_uncounted=True)
    counts.enter_counts(uow, number, {"NUT": "190"})
    with pytest.raises(
        ValidationError,
        match=r"has 2 lines not counted yet: line 2 \(CHAIN\), line 3 \(BOLT\); count them, "
        "or post without them",
    ):
        counts.post_count(uow, number)
    assert shelves.on_hand("NUT") == D(200)
    posted = counts.post_count(uow, number, skip_uncounted=True)
    assert (posted.counted, posted.uncounted) == (1, 2)
    assert shelves.on_hand("NUT") == D(190)
    # The skipped items keep no count date: they come up again.
    assert skus(counts.start_count(uow, "MAIN", not_counted_for=1, bin_prefix="A").count) == [
        "CHAIN",
        "BOLT",
    ]


def test_a_line_that_would_take_on_hand_below_zero_refuses_the_whole_count(
    shelves: Plant,
) -> None:
    uow = shelves.uow
    number = counts.start_count(uow, "MAIN", items=["BOLT", "CHAIN"]).count.number
    counts.enter_counts(uow, number, {"BOLT": "101", "CHAIN": "2"})  # 6 chains missing
    shelves.stock("CHAIN", -5)  # 3 left: 6 cannot come off any more
    with pytest.raises(
        InsufficientStock,
        match=r"CC-000001 line 1 \(CHAIN\), counted 2 when 8 were on hand: 6 would come off, but "
        "only 3 are on hand now; count it again",
    ):
        counts.post_count(uow, number)
    assert (shelves.on_hand("BOLT"), shelves.on_hand("CHAIN")) == (D(100), D(3))
    assert counts.get_count(uow, number).status == "open"
    counts.enter_counts(uow, number, {"CHAIN": "2"})
    counts.post_count(uow, number)
    assert (shelves.on_hand("BOLT"), shelves.on_hand("CHAIN")) == (D(101), D(2))


def test_a_write_off_gives_up_commitments_but_never_what_is_picked(plant: Plant) -> None:
    uow = plant.uow
    plant.item("LAMP", cost="4")
    plant.stock("LAMP", 10)
    partners.add_customer(uow, "Early Ltd", priority="1")
    partners.add_customer(uow, "Late Ltd", priority="9")
    plant.pref("item_commitment_ordering", "order_priority")
    early = sales.create_sales_order(uow, "Early Ltd", [sales.LineEntry("LAMP", "4")])
    late = sales.create_sales_order(uow, "Late Ltd", [sales.LineEntry("LAMP", "5")])
    fulfillment.fulfill(uow, early.number)  # 4 picked, firm
    number = counts.start_count(uow, None, items=["LAMP"]).count.number
    counts.enter_counts(uow, number, {"LAMP": "6"})
    counts.post_count(uow, number)
    position = plant.position("LAMP")
    assert (position.on_hand, position.committed) == (D(6), D(6))
    assert sales.get_sales_order(uow, late.number).lines[0].committed == D(2)
    again = counts.start_count(uow, None, items=["LAMP"]).count.number
    counts.enter_counts(uow, again, {"LAMP": "3"})
    with pytest.raises(
        InsufficientStock,
        match=r"line 1 \(LAMP\), counted 3 when 6 were on hand: LAMP: 1 of the stock is picked "
        "for orders waiting to ship; count it again",
    ):
        counts.post_count(uow, again)
    assert plant.position("LAMP").on_hand == D(6)


def test_differences_worth_more_than_the_threshold_wait_for_a_supervisor(
    shelves: Plant,
) -> None:
    uow = shelves.uow
    admin.add_user(uow, "tester", "admin")
    admin.add_user(uow, "sam", "supervisor")
    admin.add_user(uow, "olga", "operator")
    sam, olga = as_user(uow, "sam"), as_user(uow, "olga")
    shelves.pref("count_approval_threshold", "20")
    number = counts.start_count(olga, "MAIN", items=["GEAR", "BOLT"]).count.number
    info = counts.enter_counts(olga, number, {"GEAR": "8", "BOLT": "90"})  # 24.00 and 1.00
    assert info.needs_approval and info.actions == ["enter", "approve", "cancel"]
    with pytest.raises(
        IllegalTransition,
        match=r"cannot post CC-000001: line 2 \(GEAR\) differs by more than 20 "
        r"\(count_approval_threshold\); a supervisor approves it first",
    ):
        counts.post_count(olga, number)
    with pytest.raises(PermissionDenied, match=r"olga \(operator\) may not adjust stock"):
        counts.approve_count(olga, number)
    seen = counts.get_count(sam, number)
    assert [ln.sku for ln in seen.lines if ln.over_threshold] == ["GEAR"]
    assert seen.actions == ["enter", "approve", "cancel"]
    approved = counts.approve_count(sam, number)
    assert (approved.status, approved.approved_by, approved.actions) == (
        "approved",
        "sam",
        ["enter", "post", "cancel"],
    )
    # Counting again changes the differences: the approval lapses.
    again = counts.enter_counts(olga, number, {"GEAR": "7"})
    assert (again.status, again.approved_by) == ("open", None)
    counts.approve_count(sam, number)
    posted = counts.post_count(olga, number)
    assert posted.status == "posted" and shelves.on_hand("GEAR") == D(7)


def test_approval_is_refused_when_nothing_needs_it(shelves: Plant) -> None:
    uow = shelves.uow
    number = counts.start_count(uow, "MAIN", items=["GEAR"]).count.number
    counts.enter_counts(uow, number, {"GEAR": "8"})
    with pytest.raises(ValidationError, match="needs no approval: count_approval_threshold is 0"):
        counts.approve_count(uow, number)
    shelves.pref("count_approval_threshold", "24")
    with pytest.raises(ValidationError, match="no counted line differs by more than 24"):
        counts.approve_count(uow, number)
    counts.post_count(uow, number)


def test_a_posted_or_cancelled_count_is_done(shelves: Plant) -> None:
    uow = shelves.uow
    number = counts.start_count(uow, "MAIN", items=["GEAR"]).count.number
    counts.enter_counts(uow, number, {"GEAR": "10"})
    posted = counts.post_count(uow, number)
    assert posted.actions == [] and counts.count_postings(uow, number).total == 0
    with pytest.raises(IllegalTransition, match="cannot enter CC-000001: it is Posted; start a"):
        counts.enter_counts(uow, number, {"GEAR": "1"})
    with pytest.raises(IllegalTransition, match="cannot cancel CC-000001: it is Posted; its adj"):
        counts.cancel_count(uow, number)
    other = counts.start_count(uow, "MAIN", items=["GEAR"]).count.number
    cancelled = counts.cancel_count(uow, other)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at is not None
    with pytest.raises(IllegalTransition, match="cannot post CC-000002: it is Cancelled"):
        counts.post_count(uow, other)


def test_a_count_posting_is_not_reversed_but_refused_in_words(shelves: Plant) -> None:
    uow = shelves.uow
    number = counts.start_count(uow, "MAIN", items=["GEAR"]).count.number
    counts.enter_counts(uow, number, {"GEAR": "9"})
    event = counts.post_count(uow, number).changes.event_id
    with pytest.raises(
        ValidationError,
        match=f"event {event} is a count of {number}: only adjustments are reversed; correct "
        "the stock with an adjustment",
    ):
        inventory.reverse_adjustment(uow, event)
    assert shelves.on_hand("GEAR") == D(9)


# --- reading ------------------------------------------------------------------------------


def test_the_list_filters_by_status_location_and_text(shelves: Plant) -> None:
    uow = shelves.uow
    a = counts.start_count(uow, "MAIN", items=["GEAR"], memo="aisle B after the spill").count
    b = counts.start_count(uow, "EAST", items=["FAR"]).count
    counts.enter_counts(uow, b.number, {"FAR": "4"})
    counts.post_count(uow, b.number)
    everything = counts.list_counts(uow)
    assert [(r.number, r.location, r.status, r.lines, r.counted) for r in everything] == [
        (a.number, "MAIN", "open", 1, 0),
        (b.number, "EAST", "posted", 1, 1),
    ]
    assert [r.number for r in counts.list_counts(uow, status="Posted")] == [b.number]
    assert [r.number for r in counts.list_counts(uow, location="MAIN")] == [a.number]
    assert [r.number for r in counts.list_counts(uow, text="SPILL")] == [a.number]
    with pytest.raises(ValidationError, match="unknown status 'counted'; one of open, approved"):
        counts.list_counts(uow, status="counted")
    assert counts.count_statuses()[0] == ("open", "Open")


# --- check --------------------------------------------------------------------------------


@pytest.fixture
def unchecked(sqlite_database: Database) -> Iterator[Plant]:
    """A plant with a posted count whose database the test corrupts (no check at teardown)."""
    plant = Plant(UnitOfWork(sqlite_database, Actor("tester", "bench")))
    plant.item("GEAR", cost="12")
    plant.stock("GEAR", 10)
    number = counts.start_count(plant.uow, None, items=["GEAR"]).count.number
    counts.enter_counts(plant.uow, number, {"GEAR": "7"})
    counts.post_count(plant.uow, number)
    assert check_database(plant.uow).ok
    yield plant


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "UPDATE cycle_count_line SET counted = 8000000",
            "CC-000001 line 1 GEAR: should have posted -2 but the ledger has -3",
        ),
        (
            "UPDATE cycle_count SET status = 'open'",
            "CC-000001 line 1 GEAR: should have posted 0 but the ledger has -3",
        ),
        (
            "INSERT INTO cycle_count (number, location_id, status, selection, created_at, "
            "created_by) SELECT 'CC-000002', location_id, 'open', 'x', created_at, created_by "
            "FROM cycle_count; INSERT INTO cycle_count_line (cycle_count_id, line_no, item_id) "
            "SELECT (SELECT max(id) FROM cycle_count), 1, item_id FROM cycle_count_line; "
            "UPDATE cycle_count SET status = 'open' WHERE number = 'CC-000001'",
            "GEAR@MAIN: on 2 open cycle counts at once",
        ),
    ],
)
def test_check_proves_the_counts_against_the_ledger(
    unchecked: Plant, sql: str, expected: str
) -> None:
    with unchecked.uow.database.engine.begin() as conn:
        for statement in sql.split("; "):
            conn.execute(text(statement))
    report = check_database(unchecked.uow)
    assert not report.ok
    assert any(expected in p for p in report.problems), report.problems


def test_check_names_a_count_row_that_belongs_to_no_line(unchecked: Plant) -> None:
    with unchecked.uow.database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_entry (event_id, item_id, location_id, quantity, unit_cost, "
                "reason, source_kind, source_id, source_line_id, source_ref, posted_by, "
                "posted_at) SELECT event_id, item_id, location_id, 1000000, unit_cost, reason, "
                "source_kind, source_id, 999, 'CC-000009', posted_by, posted_at FROM "
                "ledger_entry WHERE source_kind = 'cycle_count'"
            )
        )
    problems = check_database(unchecked.uow).problems
    assert any("(CC-000009) names no line of a cycle count" in p for p in problems), problems


# --- the rest of the plant goes on around a count -------------------------------------------


def test_a_count_posts_beside_work_and_purchase_orders(plant: Plant) -> None:
    """An issue and a receipt between counting and posting; commit-after-entry hands what a
    count found to the waiting work order."""
    uow = plant.uow
    plant.pref("perform_item_commitment_after_transaction_entry", "true")
    plant.item("PIN")
    plant.item("CLIP", "assembly")
    plant.bom("CLIP", {"PIN": 2})
    plant.stock("PIN", 6)
    partners.add_vendor(uow, "Pins Inc")
    po = purchasing.create_purchase_order(uow, "Pins Inc", [purchasing.OrderedLine("PIN", "4")])
    wo = plant.wo("CLIP", 5)  # needs 10 pins, commits the 6
    number = counts.start_count(uow, None, items=["PIN"]).count.number
    counts.enter_counts(uow, number, {"PIN": "9"})  # 3 more than the ledger knew of
    work_orders.issue_components(uow, wo, {"PIN": "2"})
    purchasing.receive_purchase_order(uow, po.number)
    counts.post_count(uow, number)
    assert plant.on_hand("PIN") == D(11)  # 9 counted - 2 issued + 4 received
    assert plant.line(wo, "PIN").committed == D(8)  # all it still needs


@pytest.mark.sqlite_only
def test_the_approval_threshold_is_an_amount_of_money(plant: Plant) -> None:
    shown = admin.set_preference(plant.uow, "count_approval_threshold", " 250.50 ")
    assert shown["count_approval_threshold"] == "250.5"
    for bad, words in (("-1", "must not be negative"), ("ten", "is not a number"), ("", "empty")):
        with pytest.raises(ValidationError, match=words):
            admin.set_preference(plant.uow, "count_approval_threshold", bad)
    assert admin.show_preferences(plant.uow)["count_approval_threshold"] == "250.5"
