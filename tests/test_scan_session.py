"""The scan session every scan screen runs on, through a session of this test's own (a bench
that issues to and builds work orders with its own codes): staging, the pending quantity
before an item and after a command, #CLEAR, a repeated command posting once, refusals that
change nothing, and who is signed in (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import NotFound
from app.models import AuditEvent
from app.models.quantity import fmt
from app.models.work_order import WORK_ORDER
from app.services import admin
from app.services.auth import signed_in
from app.services.engine.uow import UnitOfWork
from app.services.production import work_orders
from app.services.production.work_orders import WorkOrderInfo
from app.services.scanning.codes import DocumentCode
from app.services.scanning.session import (
    PIN_MASK,
    QUANTITY,
    Command,
    Opened,
    Posted,
    ScanOutcome,
    ScanSession,
)
from tests.plant import D, Plant

TAKE = Command("#TAKE", "issue what is staged")
MAKE = Command("#MAKE", "build the quantity", takes=QUANTITY, verb="make")


class BenchSession(ScanSession[str | None], known=False):
    """A session of this test's own: work orders, components staged by sku, #TAKE issues
    them, #MAKE builds."""

    kinds = (WORK_ORDER,)
    commands = (TAKE, MAKE)
    screen = "the test bench"
    purpose = "this bench works on work orders"
    item_noun = "part"

    order: WorkOrderInfo | None = None

    def open(self, uow: UnitOfWork, code: DocumentCode) -> Opened:
        self.order = work_orders.get_work_order(uow, code.number)
        return Opened(self.order.number, f"{self.order.number} is open")

    def staging_key(self, sku: str, quantity: Decimal) -> str:
        assert self.order is not None
        if sku not in {ln.sku for ln in self.order.lines}:
            raise NotFound(f"{sku} is not on {self.order.number}")
        return sku

    def post(self, uow: UnitOfWork, command: Command, staged: Mapping[str, Decimal]) -> Posted:
        assert self.order is not None
        info = work_orders.issue_components(uow, self.order.number, dict(staged))
        self.order = info
        return Posted("issue", info.number, f"Took them to {info.number}", info.changes, "taken")

    def produce(self, uow: UnitOfWork, command: Command, quantity: Decimal) -> Posted:
        assert self.order is not None
        info = work_orders.post_assembly_build(uow, self.order.number, quantity)
        self.order = info
        return Posted("build", info.number, f"Made {fmt(quantity)}", info.changes, "made")

    def forget(self) -> None:
        self.order = None

    def detail(self) -> str | None:
        return self.order.number if self.order is not None else None


@pytest.fixture(autouse=True)
def bench_registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The bench is known to the other sessions only while this module's tests run."""
    monkeypatch.setattr(ScanSession, "_sessions", [*ScanSession._sessions, BenchSession])
    yield


@pytest.fixture
def bikes(plant: Plant) -> str:
    """Stock for 5 bikes but only 4 brake kits; a released order of 5."""
    plant.bicycles()
    for sku, qty in (("FRAME", 10), ("WHEEL", 20), ("HANDLEBAR", 10), ("SADDLE", 10)):
        plant.stock(sku, qty)
    plant.stock("CHAIN", 10)
    plant.stock("BRAKE-KIT", 4)
    plant.item("BELL")  # an item, not a part of the bike
    return plant.wo("BIKE", 5)


def postings(uow: UnitOfWork, action: str) -> int:
    return uow.read(
        lambda tx: tx.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )
    )


def scans(session: BenchSession, uow: UnitOfWork, *codes: str) -> list[ScanOutcome[str | None]]:
    return [session.scan(uow, code) for code in codes]


def words(outcome: ScanOutcome[str | None]) -> str:
    return f"{outcome.level}: {outcome.message}"


def test_items_are_staged_with_the_quantity_scanned_before_them(
    uow: UnitOfWork, bikes: str
) -> None:
    bench = BenchSession()
    out = scans(bench, uow, bikes, "FRAME", "3", "WHEEL", "WHEEL", "2", "TIRE")
    assert words(out[0]) == f"info: {bikes} is open" and out[0].state.document == bikes
    assert words(out[1]) == "info: +1 FRAME: 1 staged"
    assert words(out[2]) == "info: Quantity 3: scan a part or #MAKE"
    assert out[2].state.pending_quantity == 3
    assert words(out[3]) == "info: +3 WHEEL: 3 staged" and out[3].state.pending_quantity is None
    assert words(out[4]) == "info: +1 WHEEL: 4 staged"  # the quantity was used up
    # TIRE is no item at all; a part not on the order is refused and the 2 still waits.
    assert out[6].level == "refused" and "Unknown code TIRE" in out[6].message
    refused = bench.scan(uow, "BELL")
    assert refused.level == "refused" and refused.state.pending_quantity == 2
    assert dict(refused.state.staged) == {"FRAME": 1, "WHEEL": 4}
    assert refused.state.staged_total == 5
    assert refused.state.prompt == "Scan more parts, then #TAKE  ·  #CLEAR drops them"
    assert postings(uow, "wo.issue") == 0  # nothing posts while scanning


def test_a_quantity_after_a_command_completes_it_and_before_it_posts_at_once(
    uow: UnitOfWork, bikes: str
) -> None:
    bench = BenchSession()
    bench.scan(uow, bikes)
    asked = bench.scan(uow, "#make")
    assert words(asked) == "ask: Scan the quantity to make"
    assert asked.state.pending_command == "#MAKE" and asked.code == "#MAKE"
    assert asked.state.prompt == "Scan the quantity to make"
    made = bench.scan(uow, "2")
    assert words(made) == "done: Made 2" and made.posted is not None
    assert made.posted.action == "build" and bikes in made.changes.of(WORK_ORDER)
    assert made.state.pending_command is None and made.state.pending_quantity is None
    first, then = scans(bench, uow, "1", "#MAKE")
    assert first.level == "info" and words(then) == "done: Made 1"
    assert postings(uow, "wo.build") == 2
    # Asked again: the quantity was used; waiting for one, a part is refused.
    assert bench.scan(uow, "#MAKE").level == "ask"
    waiting = bench.scan(uow, "FRAME")
    assert words(waiting) == "refused: #MAKE is waiting for a quantity: scan it, or #CLEAR"
    assert postings(uow, "wo.build") == 2
    assert Plant(uow).show(bikes).built == 3


def test_a_refused_command_with_its_quantity_is_not_tried_again(
    uow: UnitOfWork, bikes: str
) -> None:
    bench = BenchSession()
    out = scans(bench, uow, bikes, "5", "#MAKE")  # 4 brake kits for 5 bikes
    assert out[-1].level == "refused" and "BRAKE-KIT" in out[-1].message
    assert out[-1].state.pending_command is None and out[-1].state.pending_quantity is None
    assert bench.scan(uow, "#MAKE").level == "ask"  # asks again: nothing was kept to re-post
    assert postings(uow, "wo.build") == 0


def test_a_repeated_command_posts_once(uow: UnitOfWork, bikes: str) -> None:
    bench = BenchSession()
    scans(bench, uow, bikes, "2", "FRAME", "CHAIN")
    taken = bench.scan(uow, "#TAKE")
    assert words(taken) == f"done: Took them to {bikes}" and taken.state.staged == ()
    again = bench.scan(uow, "#TAKE")  # the scanner's double read
    assert words(again) == f"refused: Nothing is staged on {bikes} (taken): scan the parts first"
    assert postings(uow, "wo.issue") == 1
    line = Plant(uow).line(bikes, "FRAME")
    assert line.issued == 2


def test_a_refused_posting_keeps_what_is_staged(uow: UnitOfWork, bikes: str) -> None:
    bench = BenchSession()
    scans(bench, uow, bikes, "5", "BRAKE-KIT")
    refused = bench.scan(uow, "#TAKE")
    assert refused.level == "refused" and "BRAKE-KIT" in refused.message
    assert dict(refused.state.staged) == {"BRAKE-KIT": 5} and not refused.changes
    assert postings(uow, "wo.issue") == 0


@pytest.mark.sqlite_only
def test_clear_drops_staging_the_pending_quantity_and_command_and_a_half_done_sign_in(
    uow: UnitOfWork, bikes: str
) -> None:
    bench = BenchSession()
    scans(bench, uow, bikes, "2", "FRAME", "WHEEL", "4")
    cleared = bench.scan(uow, "#clear")
    assert words(cleared) == "info: Dropped 2 FRAME, 1 WHEEL, quantity 4"
    assert cleared.code == "#CLEAR" and cleared.state.staged == ()
    assert cleared.state.pending_quantity is None and cleared.state.document == bikes
    bench.scan(uow, "#MAKE")
    assert words(bench.scan(uow, "#CLEAR")) == "info: Dropped #MAKE"
    bench.scan(uow, "#U:olga")
    assert bench.awaiting_pin
    assert words(bench.scan(uow, "#CLEAR")) == "info: Dropped the sign-in of olga"
    assert not bench.awaiting_pin
    assert words(bench.scan(uow, "#CLEAR")) == "info: Nothing to clear"
    scans(bench, uow, *(f"{n}" for n in ("FRAME", "WHEEL", "CHAIN", "SADDLE", "HANDLEBAR")))
    many = bench.scan(uow, "#CLEAR")
    assert many.message == "Dropped 1 FRAME, 1 WHEEL, 1 CHAIN and 2 more parts"


@pytest.mark.sqlite_only
def test_what_a_session_does_not_take_is_refused_in_the_same_words(
    uow: UnitOfWork, bikes: str
) -> None:
    bench = BenchSession()
    assert words(bench.scan(uow, "#TAKE")) == "refused: Scan a work order (WO-...) before #TAKE"
    assert words(bench.scan(uow, "FRAME")) == (
        "refused: FRAME is an item: scan a work order (WO-...) first"
    )
    assert words(bench.scan(uow, "so-000001")) == (
        "refused: SO-000001 is a sales order; this bench works on work orders: scan a work "
        "order (WO-...)"
    )
    assert words(bench.scan(uow, "#SHIP")) == (
        "refused: #SHIP is for the pick, pack and ship screen and the receiving screen; the "
        "codes here are #TAKE, #MAKE, #CLEAR"
    )
    assert words(bench.scan(uow, "#FOO")) == (
        "refused: #FOO is not a command here; the codes are #TAKE, #MAKE, #CLEAR"
    )
    assert words(bench.scan(uow, "")) == "info: Nothing was scanned"
    other = Plant(uow).wo("BIKE", 1)
    scans(bench, uow, bikes, "FRAME", "3")
    before = bench.state()
    switch = bench.scan(uow, other)
    assert words(switch) == (
        f"refused: 1 FRAME staged for {bikes}: post it with #TAKE, or drop it with #CLEAR first"
    )
    waiting = bench.scan(uow, "#TAKE")
    assert words(waiting) == "refused: Quantity 3 is waiting for a part: scan it, or #CLEAR"
    assert bench.scan(uow, "#MAKE").level == "refused"  # parts are staged: #TAKE them first
    assert bench.state() == before
    assert bench.scan(uow, bikes).state.staged == (("FRAME", D(1)),)  # the same order again


def test_who_is_signed_in_posts(uow: UnitOfWork, bikes: str) -> None:
    admin.add_user(uow, "tester", "admin", secret="4711")
    admin.add_user(uow, "olga", "operator", secret="2222")
    bench = BenchSession()
    start = bench.start(uow)
    assert words(start) == "ask: The test bench: scan your badge to sign in"
    refused = bench.scan(uow, bikes)
    assert words(refused) == "refused: Scan your badge (#U:<name>) to sign in first"
    asked = bench.scan(uow, "#U:olga")
    assert words(asked) == "ask: Badge olga: type your PIN and Enter"
    assert bench.scan(uow, "FRAME").level == "refused"  # the PIN first
    wrong = bench.scan(uow, "1234")
    assert wrong.level == "refused" and wrong.code == PIN_MASK and bench.awaiting_pin
    good = bench.scan(uow, "2222")
    assert words(good) == "done: Signed in: olga (operator)" and good.code == PIN_MASK
    assert good.signed_in is not None and good.state.user == good.signed_in
    scans(bench, uow, bikes, "FRAME", "#TAKE")
    who = uow.read(
        lambda tx: tx.session.scalar(
            select(AuditEvent.username).where(AuditEvent.action == "wo.issue")
        )
    )
    assert who == "olga"

    # Someone else signs in at the window: what olga staged is not theirs to post.
    bench.scan(uow, "WHEEL")
    switched = bench.switch_user(signed_in("tester", "admin"))
    assert switched.staged == () and switched.document == bikes
    gone = bench.sign_out()
    assert gone.user is None and gone.document is None and gone.detail is None
