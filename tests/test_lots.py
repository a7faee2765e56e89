"""Lots and serial numbers in the ledger, on SQLite and PostgreSQL: tracking an item, every way
a lot comes in (receipt, import, adjustment, completion and build) and goes out (issue,
backflush and build, pick and ship, write-off), the consumption order, picked lots reserved,
expiry, serials on hand once, genealogy, the read models, and `check` proving it all."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import aliased

from app.errors import ExpiredLot, InsufficientStock, NotFound, ValidationError
from app.models import LedgerEntry, Lot, LotLink
from app.services import inventory, overview
from app.services.catalog import imports, items
from app.services.check import check_database
from app.services.engine.ledger import StockBook
from app.services.engine.lookup import item_ref_by_sku, location_ref
from app.services.engine.lots import FIRST_LOTS, MORE_LOTS, LotBook, LotUse
from app.services.lots import stock, tracking
from app.services.lots.incoming import lot_given
from app.services.orders import fulfillment, partners, purchasing
from app.services.production import work_orders
from app.services.returns import returns
from tests.orders_plant import OrderPlant
from tests.plant import D, Plant

TODAY = date.today()
LATER = TODAY + timedelta(days=200)
SOON = TODAY + timedelta(days=10)
PAST = TODAY - timedelta(days=3)
FAR = TODAY + timedelta(days=400)


class LotPlant(OrderPlant):
    """RESIN (by lot, keeps 365 days) and SCREW (untracked) make GADGET (by lot); METER (by
    serial) makes ROBOT (by serial); bought from Resin Co, sold to Harbor Cycles."""

    def lots_setup(self) -> LotPlant:
        self.setup()
        items.add_location(self.uow, "EAST", "East store")
        self.item("RESIN", cost="2")
        self.item("SCREW", cost="0.1")
        self.item("GADGET", "assembly", cost="10")
        self.bom("GADGET", {"RESIN": 2, "SCREW": 1})
        self.item("METER", cost="5")
        self.item("ROBOT", "assembly", cost="50")
        self.bom("ROBOT", {"METER": 1, "SCREW": 4})
        tracking.set_item_tracking(self.uow, "RESIN", "lot", shelf_life="365")
        tracking.set_item_tracking(self.uow, "GADGET", "lot", shelf_life="30")
        tracking.set_item_tracking(self.uow, "METER", "serial")
        tracking.set_item_tracking(self.uow, "ROBOT", "serial")
        partners.add_vendor(self.uow, "Resin Co")
        self.stock("SCREW", 1000)
        return self

    def receive(self, sku: str, qty: object, **lot: object) -> purchasing.ReceiptInfo:
        po = self.po("Resin Co", (sku, qty))
        return purchasing.receive_purchase_order(
            self.uow, po.number, {sku: str(qty)}, lots={sku: lot_given(**lot)}
        )

    def lots_of(self, sku: str, location: str | None = None) -> dict[str, Decimal]:
        """On hand per lot (over the locations, or at one)."""
        out: dict[str, Decimal] = {}
        for lot in inventory.stock_position(self.uow, sku, location).lots:
            out[lot.lot] = out.get(lot.lot, D(0)) + lot.on_hand
        return out

    def rows(self, sku: str) -> list[tuple[str, Decimal, str | None]]:
        """(reason, quantity, lot) of the item's ledger rows, oldest first."""
        return [
            (r.reason, r.quantity, r.lot)
            for r in reversed(inventory.ledger_history(self.uow, sku).rows)
        ]


@pytest.fixture
def shop(plant: Plant) -> LotPlant:
    return LotPlant(plant.uow).lots_setup()


def gadget_order(shop: LotPlant, qty: object = 2) -> str:
    return shop.wo("GADGET", qty)


# --- tracking an item -----------------------------------------------------------------------


def test_an_item_is_tracked_with_a_shelf_life_and_a_gtin(shop: LotPlant) -> None:
    info = tracking.set_item_tracking(
        shop.uow, "BOTTLE", "lot", shelf_life="90", gtin="4006381333931"
    )
    assert (info.tracking, info.shelf_life_days, info.gtin) == ("lot", 90, "04006381333931")
    shown = items.show_item(shop.uow, "BOTTLE").item
    assert (shown.tracking, shown.shelf_life_days, shown.gtin) == ("lot", 90, "04006381333931")
    # Not given: kept; "none": cleared.
    kept = tracking.set_item_tracking(shop.uow, "BOTTLE", "serial")
    assert (kept.tracking, kept.shelf_life_days, kept.gtin) == ("serial", 90, "04006381333931")
    cleared = tracking.set_item_tracking(shop.uow, "BOTTLE", "none", shelf_life="none", gtin="none")
    assert (cleared.tracking, cleared.shelf_life_days, cleared.gtin) == ("none", None, None)


@pytest.mark.sqlite_only
def test_a_gtin_is_checked_and_names_one_item(shop: LotPlant) -> None:
    with pytest.raises(ValidationError, match="check digit should be 1, not 2"):
        tracking.set_item_tracking(shop.uow, "BOTTLE", "lot", gtin="4006381333932")
    with pytest.raises(ValidationError, match="8, 12, 13 or 14 digits, not 9"):
        tracking.set_item_tracking(shop.uow, "BOTTLE", "lot", gtin="400638133")
    tracking.set_item_tracking(shop.uow, "BOTTLE", "lot", gtin="96385074")
    with pytest.raises(ValidationError, match="GTIN 00000096385074 is already BOTTLE's"):
        tracking.set_item_tracking(shop.uow, "CAP", "lot", gtin="0000096385074")
    with pytest.raises(ValidationError, match="not one of none, lot, serial"):
        tracking.set_item_tracking(shop.uow, "CAP", "batch")
    with pytest.raises(ValidationError, match="service item and carries no stock"):
        tracking.set_item_tracking(shop.uow, "SERVICE", "lot")
    assert items.show_item(shop.uow, "CAP").item.tracking == "none"


def test_tracking_changes_only_while_the_item_has_no_stock(shop: LotPlant) -> None:
    shop.stock("CAP", 5, "EAST")
    with pytest.raises(ValidationError, match=r"from none to lot while it has stock \(5 at EAST\)"):
        tracking.set_item_tracking(shop.uow, "CAP", "lot")
    shop.receive("RESIN", 4, lot="R-1")
    with pytest.raises(ValidationError, match=r"from lot to none while it has stock \(4 at MAIN\)"):
        tracking.set_item_tracking(shop.uow, "RESIN", "none")
    inventory.adjust_stock(shop.uow, "RESIN", "-4", lot="R-1")
    assert tracking.set_item_tracking(shop.uow, "RESIN", "none").tracking == "none"
    shop.stock("RESIN", 3)  # untracked now: no lot
    assert shop.rows("RESIN")[-1] == ("adjustment", 3, None)


def test_the_items_import_reads_tracking_shelf_life_and_gtin(
    shop: LotPlant, tmp_path: Path
) -> None:
    path = tmp_path / "items.csv"
    path.write_text(
        "sku,name,type,tracking,shelf_life,gtin\n"
        "PAINT,Paint,inventory,lot,180,09506000134352\n"
        "BOTTLE,Bottle,inventory,serial,,\n"
        "CAP,Cap,inventory,,,\n"
    )
    imports.import_items(shop.uow, path)
    got = {s: items.show_item(shop.uow, s).item for s in ("PAINT", "BOTTLE", "CAP")}
    assert (got["PAINT"].tracking, got["PAINT"].shelf_life_days, got["PAINT"].gtin) == (
        "lot",
        180,
        "09506000134352",
    )
    assert (got["BOTTLE"].tracking, got["CAP"].tracking) == ("serial", "none")
    shop.stock("CAP", 1)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "sku,name,type,tracking,gtin\n"
        "CAP,Cap,inventory,lot,\n"
        "LID,Lid,inventory,lot,09506000134352\n"
        "TAP,Tap,inventory,sometimes,\n"
    )
    with pytest.raises(ValidationError) as refused:
        imports.import_items(shop.uow, bad)
    message = refused.value.message
    assert "row 2: CAP: tracking cannot change from none to lot while it has stock" in message
    assert "row 3: GTIN 09506000134352 is already PAINT's" in message
    assert "row 4: tracking 'sometimes' is not one of none, lot, serial" in message


# --- where lots come in ---------------------------------------------------------------------


def test_a_receipt_brings_a_lot_in_with_its_expiry_and_the_vendors_lot(shop: LotPlant) -> None:
    got = shop.receive("RESIN", 10, lot="R-A", expires=LATER.isoformat(), vendor_lot="V-77")
    assert got.lines == [("RESIN", D(10), D("2"))]
    shop.receive("RESIN", 5, lot="R-A")  # more of the same lot: its expiry stays
    shop.receive("RESIN", 4, lot="R-B")  # no expiry given: received today + 365 days
    with shop.uow.query() as tx:
        lots = {
            r.number: (r.expires, r.vendor_lot, r.origin_kind, r.origin_ref)
            for r in tx.session.scalars(select(Lot))
        }
    assert lots["R-A"] == (LATER, "V-77", "receipt", got.number)
    assert lots["R-B"][:2] == (TODAY + timedelta(days=365), "R-B")
    assert shop.lots_of("RESIN") == {"R-A": 15, "R-B": 4}
    assert shop.rows("RESIN") == [
        ("receipt", 10, "R-A"),
        ("receipt", 5, "R-A"),
        ("receipt", 4, "R-B"),
    ]


def test_a_receipt_of_a_tracked_item_names_its_lot(shop: LotPlant) -> None:
    shop.receive("RESIN", 10, lot="R-A", expires=LATER.isoformat())
    with pytest.raises(ValidationError, match="RESIN is tracked by lot: say which lot comes in"):
        shop.receive("RESIN", 1)
    with pytest.raises(ValidationError, match=f"lot R-A of RESIN expires on {LATER}; it cannot"):
        shop.receive("RESIN", 1, lot="R-A", expires=SOON.isoformat())
    with pytest.raises(ValidationError, match="RESIN is tracked by lot: give a lot, not serials"):
        shop.receive("RESIN", 1, serials="S1")
    with pytest.raises(ValidationError, match="CAP is not tracked by lot or serial"):
        shop.receive("CAP", 1, lot="C-1")
    assert shop.lots_of("RESIN") == {"R-A": 10}
    assert [r[2] for r in shop.rows("RESIN")] == ["R-A"]


def test_serials_come_in_one_per_unit_and_never_twice(shop: LotPlant) -> None:
    shop.receive("METER", 3, serials="M-1,M-2,M-3")
    assert shop.lots_of("METER") == {"M-1": 1, "M-2": 1, "M-3": 1}
    assert shop.rows("METER") == [
        ("receipt", 1, "M-1"),
        ("receipt", 1, "M-2"),
        ("receipt", 1, "M-3"),
    ]
    with pytest.raises(ValidationError, match="2 serials given for 3 units, one per unit"):
        shop.receive("METER", 3, serials="M-4,M-5")
    with pytest.raises(ValidationError, match="serial M-2 of METER is already on hand at MAIN"):
        shop.receive("METER", 2, serials="M-4,M-2")
    with pytest.raises(ValidationError, match="serial M-4 is given twice"):
        shop.receive("METER", 2, serials="M-4,M-4")
    with pytest.raises(ValidationError, match=r"whole units, not 1\.5"):
        shop.receive("METER", "1.5", serials="M-4")
    # Never on hand twice, over every location.
    with pytest.raises(ValidationError, match="serial M-1 of METER is already on hand at MAIN"):
        inventory.adjust_stock(shop.uow, "METER", "1", location="EAST", lot="M-1")
    assert shop.lots_of("METER") == {"M-1": 1, "M-2": 1, "M-3": 1}


def test_an_adjustment_names_the_lot_in_and_out(shop: LotPlant) -> None:
    inventory.adjust_stock(shop.uow, "RESIN", "6", lot="R-A", expires=LATER.isoformat())
    inventory.adjust_stock(shop.uow, "RESIN", "4", lot="R-B", expires=SOON.isoformat())
    inventory.adjust_stock(shop.uow, "RESIN", "-2", lot="R-A")
    assert shop.lots_of("RESIN") == {"R-A": 4, "R-B": 4}
    # A write-off naming no lot takes the first to expire first.
    inventory.adjust_stock(shop.uow, "RESIN", "-5")
    assert shop.lots_of("RESIN") == {"R-A": 3}
    assert shop.rows("RESIN")[-2:] == [("adjustment", -4, "R-B"), ("adjustment", -1, "R-A")]
    inventory.adjust_stock(shop.uow, "RESIN", "5", lot="R-C")
    with pytest.raises(InsufficientStock, match=r"lot R-A of RESIN: 4 needed but only 3 of 3"):
        inventory.adjust_stock(shop.uow, "RESIN", "-4", lot="R-A")
    with pytest.raises(NotFound, match="unknown lot R-Z of RESIN"):
        inventory.adjust_stock(shop.uow, "RESIN", "-1", lot="R-Z")
    inventory.adjust_stock(shop.uow, "GADGET", "2", lot="G-1")
    with pytest.raises(NotFound, match="lot G-1 is a lot of GADGET, not of RESIN"):
        inventory.adjust_stock(shop.uow, "RESIN", "-1", lot="G-1")
    with pytest.raises(ValidationError, match="RESIN is tracked by lot: say which lot comes in"):
        inventory.adjust_stock(shop.uow, "RESIN", "1")


def test_first_in_first_out_takes_the_oldest_lot(shop: LotPlant) -> None:
    shop.pref("lot_consumption_order", "first_in_first_out")
    inventory.adjust_stock(shop.uow, "RESIN", "3", lot="OLD", expires=LATER.isoformat())
    inventory.adjust_stock(shop.uow, "RESIN", "3", lot="NEW", expires=SOON.isoformat())
    inventory.adjust_stock(shop.uow, "RESIN", "-4")
    assert shop.lots_of("RESIN") == {"NEW": 2}


def test_reversing_an_adjustment_reverses_its_lots(shop: LotPlant) -> None:
    inventory.adjust_stock(shop.uow, "RESIN", "6", lot="R-A")
    inventory.adjust_stock(shop.uow, "RESIN", "6", lot="R-B", expires=SOON.isoformat())
    out = inventory.adjust_stock(shop.uow, "RESIN", "-8")  # 6 of R-B, 2 of R-A
    inventory.reverse_posting(shop.uow, out.event_id)
    assert shop.lots_of("RESIN") == {"R-A": 6, "R-B": 6}
    assert sorted(shop.rows("RESIN")[-2:]) == [("reversal", 2, "R-A"), ("reversal", 6, "R-B")]


def test_the_stock_import_reads_lots_and_expiry(shop: LotPlant, tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    path.write_text(
        "sku,location,quantity,lot,expires\n"
        f"RESIN,,5,R-1,{LATER.isoformat()}\n"
        "RESIN,EAST,2,R-1,\n"
        "METER,,1,M-9,\n"
        "SCREW,,3,,\n"
    )
    imports.import_stock(shop.uow, path)
    assert shop.lots_of("RESIN", "MAIN") == {"R-1": 5}
    assert shop.lots_of("RESIN", "EAST") == {"R-1": 2}
    assert shop.lots_of("METER") == {"M-9": 1}
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "sku,quantity,lot,expires\nRESIN,5,,\nSCREW,1,S-1,\nMETER,2,M-10,\nRESIN,1,R-1,2026-02-30\n"
    )
    with pytest.raises(ValidationError) as refused:
        imports.import_stock(shop.uow, bad)
    assert refused.value.message.split(": ", 1)[1] == (
        "nothing imported, 4 bad rows: row 2: RESIN is tracked by lot: give its lot; "
        "row 3: SCREW is not tracked by lot or serial: no lot is given for it; "
        "row 4: METER is tracked by serial: one serial per row, of quantity 1 or -1; "
        "row 5: expiry date '2026-02-30' is not a date (YYYY-MM-DD)"
    )
    # What only posting the rows finds: a lot that has not enough, an expiry that differs.
    inventory.adjust_stock(shop.uow, "RESIN", "10", lot="R-2")
    late = tmp_path / "late.csv"
    late.write_text(f"sku,quantity,lot,expires\nRESIN,-9,R-1,\nRESIN,1,R-1,{SOON.isoformat()}\n")
    with pytest.raises(ValidationError) as refused:
        imports.import_stock(shop.uow, late)
    assert refused.value.message.split(": ", 1)[1] == (
        "nothing imported, 2 bad rows: "
        "row 2: lot R-1 of RESIN: 9 needed but only 5 of 5 on hand at MAIN can be taken; "
        f"row 3: lot R-1 of RESIN expires on {LATER}; it cannot expire on {SOON}"
    )
    assert shop.lots_of("RESIN", "MAIN") == {"R-1": 5, "R-2": 10}


def test_a_completion_makes_the_lot_given_or_one_from_the_pattern(shop: LotPlant) -> None:
    inventory.adjust_stock(shop.uow, "RESIN", "20", lot="R-A")
    wo = gadget_order(shop, 6)
    work_orders.complete_work_order(shop.uow, wo, "2", backflush=True, lot="G-100")
    work_orders.complete_work_order(shop.uow, wo, "1", backflush=True, lot="G-100")
    work_orders.post_assembly_build(shop.uow, wo, "2")
    made = f"GADGET-{TODAY:%y%m%d}-1"
    assert shop.lots_of("GADGET") == {"G-100": 3, made: 2}
    with shop.uow.query() as tx:
        lot = tx.session.scalars(select(Lot).where(Lot.number == made)).one()
        assert (lot.expires, lot.made_on, lot.origin_kind, lot.origin_ref) == (
            TODAY + timedelta(days=30),
            TODAY,
            "work_order",
            wo,
        )
    shop.pref("lot_number_pattern", "{wo}/{seq:3}")
    work_orders.complete_work_order(shop.uow, wo, "1", expires=SOON.isoformat())
    assert f"{wo}/001" in shop.lots_of("GADGET")


def test_a_build_of_a_serial_assembly_makes_one_serial_per_unit(shop: LotPlant) -> None:
    shop.receive("METER", 4, serials="M-1,M-2,M-3,M-4")
    wo = shop.wo("ROBOT", 4)
    work_orders.post_assembly_build(shop.uow, wo, "2", serials="RB-1,RB-2")
    work_orders.post_assembly_build(shop.uow, wo, "1")
    assert shop.lots_of("ROBOT") == {"RB-1": 1, "RB-2": 1, "ROBOT-000001": 1}
    with pytest.raises(ValidationError, match="2 serials given for 1 units, one per unit"):
        work_orders.post_assembly_build(shop.uow, wo, "1", serials="RB-3,RB-4")
    with pytest.raises(ValidationError, match="serial RB-1 of ROBOT is already on hand at MAIN"):
        work_orders.post_assembly_build(shop.uow, wo, "1", serials="RB-1")
    with pytest.raises(ValidationError, match=r"whole units, not 0\.5"):
        work_orders.post_assembly_build(shop.uow, wo, "0.5")
    assert work_orders.get_work_order(shop.uow, wo).built == 3


@pytest.mark.sqlite_only
def test_the_number_patterns_are_checked_when_they_are_set(shop: LotPlant) -> None:
    with pytest.raises(ValidationError, match=r"\{week\} is not a placeholder"):
        shop.pref("lot_number_pattern", "{sku}-{week}")
    with pytest.raises(ValidationError, match=r"a serial number pattern needs \{seq\}"):
        shop.pref("serial_number_pattern", "{sku}-{yymmdd}")
    with pytest.raises(ValidationError, match="spaces or control characters"):
        shop.pref("lot_number_pattern", "{sku} {seq}")
    shop.pref("lot_number_pattern", "{sku}-{yyyymmdd}")  # a day's lot: no sequence needed


# --- where lots go out ----------------------------------------------------------------------


def test_an_issue_names_its_lots_and_the_rest_follows_the_consumption_order(
    shop: LotPlant,
) -> None:
    inventory.adjust_stock(shop.uow, "RESIN", "5", lot="R-A", expires=LATER.isoformat())
    inventory.adjust_stock(shop.uow, "RESIN", "5", lot="R-B", expires=SOON.isoformat())
    inventory.adjust_stock(shop.uow, "GADGET", "1", lot="G-1")
    wo = gadget_order(shop, 4)
    work_orders.issue_components(shop.uow, wo, {"RESIN": "4"}, lots={"RESIN": [("R-A", "3")]})
    assert shop.lots_of("RESIN") == {"R-A": 2, "R-B": 4}
    assert shop.rows("RESIN")[-2:] == [("issue", -3, "R-A"), ("issue", -1, "R-B")]
    assert shop.line(wo, "RESIN").issued == 4
    for lots, refusal, words in (
        ({"RESIN": [("R-A", "3")]}, InsufficientStock, "lot R-A of RESIN: 3 needed but only 2"),
        ({"RESIN": [("R-Z", "1")]}, NotFound, "unknown lot R-Z of RESIN"),
        ({"RESIN": [("G-1", "1")]}, NotFound, "lot G-1 is a lot of GADGET, not of RESIN"),
        (
            {"RESIN": [("R-A", "1"), ("R-B", "3")]},
            ValidationError,
            "RESIN: the lots named add up to 4, more than the 3 given",
        ),
        ({"SCREW": [("S-1", "1")]}, ValidationError, "SCREW is not tracked by lot or serial"),
        ({"METER": [("M-1", "1")]}, ValidationError, "lots are named for METER, which is not"),
    ):
        with pytest.raises(refusal, match=words):
            work_orders.issue_components(shop.uow, wo, {"RESIN": "3", "SCREW": "1"}, lots=lots)
    assert shop.lots_of("RESIN") == {"R-A": 2, "R-B": 4}


def test_a_build_backflushes_lots_first_expiry_first_and_links_them(shop: LotPlant) -> None:
    inventory.adjust_stock(shop.uow, "RESIN", "3", lot="R-LATE", expires=FAR.isoformat())
    inventory.adjust_stock(shop.uow, "RESIN", "3", lot="R-SOON", expires=SOON.isoformat())
    inventory.adjust_stock(shop.uow, "RESIN", "3", lot="R-NONE")  # + shelf life: between them
    wo = gadget_order(shop, 4)
    work_orders.post_assembly_build(shop.uow, wo, "2", lot="G-1")
    assert shop.lots_of("RESIN") == {"R-LATE": 3, "R-NONE": 2}
    assert shop.rows("RESIN")[-2:] == [("backflush", -3, "R-SOON"), ("backflush", -1, "R-NONE")]
    work_orders.issue_components(shop.uow, wo, {"RESIN": "2"}, lots={"RESIN": [("R-LATE", "2")]})
    work_orders.post_assembly_build(shop.uow, wo, "2", lot="G-2")
    made, used = aliased(Lot), aliased(Lot)
    with shop.uow.query() as tx:
        links = set(
            tx.session.execute(
                select(made.number, used.number, LotLink.quantity)
                .join(made, made.id == LotLink.made_lot_id)
                .join(used, used.id == LotLink.used_lot_id)
            )
        )
    # G-2 is made from everything the work order consumed by then: the hand issue included.
    assert links == {
        ("G-1", "R-SOON", D(3)),
        ("G-1", "R-NONE", D(1)),
        ("G-2", "R-SOON", D(3)),
        ("G-2", "R-NONE", D(3)),
        ("G-2", "R-LATE", D(2)),
    }


def test_expired_lots_stay_out_of_builds_unless_allowed(shop: LotPlant) -> None:
    inventory.adjust_stock(shop.uow, "RESIN", "4", lot="OLD", expires=PAST.isoformat())
    inventory.adjust_stock(shop.uow, "RESIN", "2", lot="NEW", expires=LATER.isoformat())
    wo = gadget_order(shop, 3)
    with pytest.raises(
        ExpiredLot, match=f"lot OLD of RESIN expired on {PAST}; allow_expired_lots_in_builds is off"
    ):
        work_orders.issue_components(shop.uow, wo, {"RESIN": "1"}, lots={"RESIN": [("OLD", "1")]})
    # Backflush passes over it and says why there is not enough.
    with pytest.raises(
        InsufficientStock,
        match=rf"RESIN: 4 needed at MAIN but only 2 can be taken from its lots \(OLD expired "
        rf"on {PAST}; allow_expired_lots_in_builds is off\)",
    ):
        work_orders.post_assembly_build(shop.uow, wo, "2")
    work_orders.post_assembly_build(shop.uow, wo, "1")
    assert shop.lots_of("RESIN") == {"OLD": 4}
    shop.pref("allow_expired_lots_in_builds", "true")
    work_orders.post_assembly_build(shop.uow, wo, "2")
    assert shop.lots_of("RESIN") == {}
    # A write-off takes an expired lot whatever the preference: that is what it is for.
    inventory.adjust_stock(shop.uow, "RESIN", "1", lot="OLD")
    shop.pref("allow_expired_lots_in_builds", "false")
    inventory.adjust_stock(shop.uow, "RESIN", "-1")
    assert shop.lots_of("RESIN") == {}


def test_a_pick_reserves_its_lots_and_the_shipment_takes_exactly_them(shop: LotPlant) -> None:
    inventory.adjust_stock(shop.uow, "GADGET", "5", lot="G-A", expires=LATER.isoformat())
    inventory.adjust_stock(shop.uow, "GADGET", "5", lot="G-B", expires=SOON.isoformat())
    so = shop.so("Harbor Cycles", ("GADGET", 6))
    picked = fulfillment.fulfill(shop.uow, so.number, {"1": "6"}, lots={"1": [("G-A", "2")]})
    assert picked.lines[0].lots == (("G-A", D(2)), ("G-B", D(4)))
    position = inventory.stock_position(shop.uow, "GADGET")
    assert {(lot.lot, lot.on_hand, lot.reserved) for lot in position.lots} == {
        ("G-A", D(5), D(2)),
        ("G-B", D(5), D(4)),
    }
    # Nothing else takes the picked lots: a write-off takes what is left, and no more.
    with pytest.raises(InsufficientStock, match="3 of 5 on hand at MAIN can be taken"):
        inventory.adjust_stock(shop.uow, "GADGET", "-4", lot="G-A")
    # (and the item's own figures keep what is picked on the shelf, as for any item).
    with pytest.raises(InsufficientStock, match="picked for orders waiting to ship"):
        inventory.adjust_stock(shop.uow, "GADGET", "-5")
    inventory.adjust_stock(shop.uow, "GADGET", "-4")
    assert shop.lots_of("GADGET") == {"G-A": 2, "G-B": 4}
    shipped = shop.ship(picked.number)
    assert shipped.lines[0].lots == (("G-A", D(2)), ("G-B", D(4)))
    assert shop.lots_of("GADGET") == {}
    assert shop.rows("GADGET")[-2:] == [("shipment", -2, "G-A"), ("shipment", -4, "G-B")]


def test_a_put_back_pick_gives_its_lots_back(shop: LotPlant) -> None:
    inventory.adjust_stock(shop.uow, "GADGET", "3", lot="G-A")
    so = shop.so("Harbor Cycles", ("GADGET", 3))
    picked = shop.pick(so.number)
    assert picked.lines[0].lots == (("G-A", D(3)),)
    fulfillment.cancel_fulfillment(shop.uow, picked.number)
    assert [lot.reserved for lot in inventory.stock_position(shop.uow, "GADGET").lots] == [0]
    assert fulfillment.get_fulfillment(shop.uow, picked.number).lines[0].lots == ()
    inventory.adjust_stock(shop.uow, "GADGET", "-3", lot="G-A")


def test_a_pick_refuses_lots_it_cannot_take(shop: LotPlant) -> None:
    inventory.adjust_stock(shop.uow, "GADGET", "2", lot="G-A")
    inventory.adjust_stock(shop.uow, "GADGET", "2", lot="G-OLD", expires=PAST.isoformat())
    inventory.adjust_stock(shop.uow, "RESIN", "2", lot="R-A")
    shop.pref("fulfill_based_on_commitment", "ignore_commitment")
    so = shop.so("Harbor Cycles", ("GADGET", 4), ("CAP", 1))
    shop.stock("CAP", 1)
    for lots, refusal, words in (
        (
            {"1": [("G-OLD", "1")]},
            ExpiredLot,
            f"lot G-OLD of GADGET expired on {PAST}; allow_expired_lots_in_sales is off",
        ),
        ({"1": [("R-A", "1")]}, NotFound, "lot R-A is a lot of RESIN, not of GADGET"),
        ({"1": [("G-A", "3")]}, InsufficientStock, "lot G-A of GADGET: 3 needed but only 2"),
        ({}, InsufficientStock, "GADGET: 4 needed at MAIN but only 2 can be taken from its lots"),
    ):
        with pytest.raises(refusal, match=words):
            fulfillment.fulfill(shop.uow, so.number, {"1": "4", "2": "1"}, lots=lots)
    with pytest.raises(ValidationError, match="CAP is not tracked by lot or serial"):
        fulfillment.fulfill(shop.uow, so.number, {"2": "1"}, lots={"2": [("C-1", "1")]})
    assert fulfillment.list_fulfillments(shop.uow).rows == []
    shop.pref("allow_expired_lots_in_sales", "true")
    picked = fulfillment.fulfill(shop.uow, so.number, {"1": "4"})
    assert picked.lines[0].lots == (("G-A", D(2)), ("G-OLD", D(2)))
    # The preference is off again when it ships: the expired lot does not leave.
    shop.pref("allow_expired_lots_in_sales", "false")
    with pytest.raises(ExpiredLot, match=f"lot G-OLD of GADGET expired on {PAST}"):
        shop.ship(picked.number)


def test_serials_ship_once_and_ship_again_once_back(shop: LotPlant) -> None:
    shop.receive("METER", 2, serials="M-1,M-2")
    so = shop.so("Harbor Cycles", ("METER", 1))
    picked = fulfillment.fulfill(shop.uow, so.number, {"1": "1"}, lots={"1": [("M-2", "1")]})
    shop.ship(picked.number)
    assert shop.lots_of("METER") == {"M-1": 1}
    wo = shop.wo("ROBOT", 1)
    with pytest.raises(InsufficientStock, match="serial M-2 of METER is not on hand at MAIN"):
        work_orders.issue_components(shop.uow, wo, {"METER": "1"}, lots={"METER": [("M-2", "1")]})
    # It comes back (a return is an adjustment in until returns are their own posting).
    inventory.adjust_stock(shop.uow, "METER", "1", lot="M-2")
    again = shop.so("Harbor Cycles", ("METER", 1))
    picked = fulfillment.fulfill(shop.uow, again.number, {"1": "1"}, lots={"1": [("M-2", "1")]})
    shop.ship(picked.number)
    assert [r for r in shop.rows("METER") if r[2] == "M-2"] == [
        ("receipt", 1, "M-2"),
        ("shipment", -1, "M-2"),
        ("adjustment", 1, "M-2"),
        ("shipment", -1, "M-2"),
    ]
    with pytest.raises(ValidationError, match="1 serial named for 2 units, one per unit"):
        inventory.adjust_stock(shop.uow, "METER", "-2", lot="M-1")


# --- customer returns and reversals ----------------------------------------------------------


def test_a_customer_return_comes_back_in_the_lots_shipped_newest_first(shop: LotPlant) -> None:
    shop.pref("default_return_authorization_status", "pending_receipt")
    inventory.adjust_stock(shop.uow, "GADGET", "5", lot="G-A")
    inventory.adjust_stock(shop.uow, "GADGET", "5", lot="G-B")
    so = shop.so("Harbor Cycles", ("GADGET", 6))
    shop.ship(
        fulfillment.fulfill(shop.uow, so.number, {"1": "4"}, lots={"1": [("G-A", "4")]}).number
    )
    shop.ship(
        fulfillment.fulfill(shop.uow, so.number, {"1": "2"}, lots={"1": [("G-B", "2")]}).number
    )
    assert shop.lots_of("GADGET") == {"G-A": 1, "G-B": 3}
    first = returns.create_return(shop.uow, so.number, {"1": "3"}).number
    returns.receive_return(shop.uow, first, restock=True)
    # The last shipment's lot first, then the one before: never a lot it did not ship in.
    assert shop.lots_of("GADGET") == {"G-A": 2, "G-B": 5}
    assert shop.rows("GADGET")[-2:] == [
        ("customer_return", 2, "G-B"),
        ("customer_return", 1, "G-A"),
    ]
    # What came back of a lot does not come back again: the rest of G-A, scrapped on arrival.
    second = returns.create_return(shop.uow, so.number, {"1": "3"}).number
    returns.receive_return(shop.uow, second, restock=False)
    assert shop.lots_of("GADGET") == {"G-A": 2, "G-B": 5}
    assert shop.rows("GADGET")[-2:] == [("customer_return", 3, "G-A"), ("return_scrap", -3, "G-A")]
    # A receipt reversed leaves the lots it came back into; received again, it comes back
    # into the same lots.
    inventory.reverse_posting(shop.uow, returns.return_receipts(shop.uow, first)[0].event_id)
    assert shop.lots_of("GADGET") == {"G-A": 1, "G-B": 3}
    assert sorted(shop.rows("GADGET")[-2:]) == [("reversal", -2, "G-B"), ("reversal", -1, "G-A")]
    returns.receive_return(shop.uow, first, restock=True)
    assert shop.lots_of("GADGET") == {"G-A": 2, "G-B": 5}
    report = check_database(shop.uow)
    assert report.ok, report.problems


def test_a_returned_serial_is_the_one_shipped(shop: LotPlant) -> None:
    shop.pref("default_return_authorization_status", "pending_receipt")
    shop.receive("METER", 2, serials="M-1,M-2")
    so = shop.so("Harbor Cycles", ("METER", 2))
    for serial in ("M-1", "M-2"):
        picked = fulfillment.fulfill(shop.uow, so.number, {"1": "1"}, lots={"1": [(serial, "1")]})
        shop.ship(picked.number)
    rma = returns.create_return(shop.uow, so.number, {"1": "2"}).number
    returns.receive_return(shop.uow, rma, {"1": "1"}, restock=True)
    assert shop.lots_of("METER") == {"M-2": 1}
    returns.receive_return(shop.uow, rma, {"1": "1"}, restock=False)
    assert shop.lots_of("METER") == {"M-2": 1}
    assert [r for r in shop.rows("METER") if r[0] != "shipment"][-3:] == [
        ("customer_return", 1, "M-2"),
        ("customer_return", 1, "M-1"),
        ("return_scrap", -1, "M-1"),
    ]
    report = check_database(shop.uow)
    assert report.ok, report.problems


def test_a_return_of_what_shipped_before_the_item_was_tracked_is_refused_in_words(
    shop: LotPlant,
) -> None:
    shop.pref("default_return_authorization_status", "pending_receipt")
    shop.stock("BOTTLE", 2)
    so = shop.so("Harbor Cycles", ("BOTTLE", 2))
    shop.ship(shop.pick(so.number).number)
    tracking.set_item_tracking(shop.uow, "BOTTLE", "lot")
    rma = returns.create_return(shop.uow, so.number, {"1": "1"}).number
    with pytest.raises(ValidationError) as refused:
        returns.receive_return(shop.uow, rma)
    assert refused.value.message == (
        f"{rma} line 1 (BOTTLE) is tracked by lot and comes back in the lots it shipped in, but "
        f"only 0 of what shipped on {so.number} in a lot has not come back yet (what shipped "
        "before the item was tracked has no lot): receive 1 by an adjustment into the lot it "
        "is in instead"
    )
    assert returns.get_return(shop.uow, rma).status == "pending_receipt"
    assert shop.lots_of("BOTTLE") == {}


def test_a_reversed_receipt_leaves_the_lot_it_brought(shop: LotPlant) -> None:
    shop.receive("RESIN", 4, lot="R-1")
    received = shop.receive("RESIN", 3, lot="R-2")
    inventory.reverse_posting(shop.uow, received.changes.event_id)
    assert shop.lots_of("RESIN") == {"R-1": 4}
    assert shop.rows("RESIN")[-1] == ("reversal", -3, "R-2")
    report = check_database(shop.uow)
    assert report.ok, report.problems


# --- read models --------------------------------------------------------------------------


def test_stock_lists_lots_with_their_expiry_flags(shop: LotPlant) -> None:
    shop.pref("expiry_warning_days", "30")
    inventory.adjust_stock(shop.uow, "RESIN", "1", lot="OLD", expires=PAST.isoformat())
    inventory.adjust_stock(shop.uow, "RESIN", "2", lot="SOON", expires=SOON.isoformat())
    inventory.adjust_stock(
        shop.uow, "RESIN", "3", lot="LATER", location="EAST", expires=LATER.isoformat()
    )
    position = inventory.stock_position(shop.uow, "RESIN")
    assert [
        (x.lot, x.location, x.on_hand, x.expires, x.expired, x.expiring) for x in position.lots
    ] == [
        ("OLD", "MAIN", 1, PAST, True, False),
        ("SOON", "MAIN", 2, SOON, False, True),
        ("LATER", "EAST", 3, LATER, False, False),
    ]
    assert [x.lot for x in inventory.stock_position(shop.uow, "RESIN", "EAST").lots] == ["LATER"]
    expiring = stock.expiring_lots(shop.uow)
    assert [(x.sku, x.lot) for x in expiring] == [("RESIN", "OLD"), ("RESIN", "SOON")]
    assert overview.overview(shop.uow).expiring_lots.total == 2


# --- check ----------------------------------------------------------------------------------


def test_check_proves_lot_balances_and_serials(shop: LotPlant) -> None:
    inventory.adjust_stock(shop.uow, "RESIN", "5", lot="R-A")
    shop.receive("METER", 1, serials="M-1")
    engine = shop.uow.database.engine
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE lot_balance SET on_hand = on_hand - 1000000 WHERE on_hand = 5000000")
        )
    problems = check_database(shop.uow).problems
    assert problems == ["RESIN@MAIN lot R-A: on hand 4 but its ledger sums to 5"]
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE lot_balance SET on_hand = on_hand + 1000000 WHERE on_hand = 4000000")
        )
        # The same serial on hand at EAST too, ledger and balances made to agree.
        conn.execute(
            text(
                "INSERT INTO ledger_entry (event_id, item_id, location_id, quantity, unit_cost, "
                "reason, source_kind, source_ref, posted_by, posted_at, lot_id) SELECT event_id, "
                "item_id, (SELECT id FROM location WHERE code = 'EAST'), quantity, unit_cost, "
                "reason, source_kind, source_ref, posted_by, posted_at, lot_id FROM ledger_entry "
                "WHERE lot_id = (SELECT id FROM lot WHERE number = 'M-1')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO stock_balance (item_id, location_id, on_hand, committed, demand, "
                "on_order) SELECT item_id, (SELECT id FROM location WHERE code = 'EAST'), "
                "1000000, 0, 0, 0 FROM lot WHERE number = 'M-1'"
            )
        )
        conn.execute(
            text(
                "INSERT INTO lot_balance (item_id, location_id, lot_id, on_hand, reserved) "
                "SELECT item_id, (SELECT id FROM location WHERE code = 'EAST'), id, 1000000, 0 "
                "FROM lot WHERE number = 'M-1'"
            )
        )
    problems = check_database(shop.uow).problems
    assert problems == [
        "METER serial M-1: on hand 2 at 2 locations; a serial is one unit in one place"
    ]
    # Put right again (the fixture's check runs after the test): the row is taken back out.
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_entry (event_id, item_id, location_id, quantity, unit_cost, "
                "reason, source_kind, source_ref, posted_by, posted_at, lot_id) SELECT event_id, "
                "item_id, location_id, -quantity, unit_cost, reason, source_kind, source_ref, "
                "posted_by, posted_at, lot_id FROM ledger_entry WHERE location_id = "
                "(SELECT id FROM location WHERE code = 'EAST') AND lot_id = "
                "(SELECT id FROM lot WHERE number = 'M-1')"
            )
        )
        conn.execute(
            text(
                "UPDATE stock_balance SET on_hand = 0 WHERE location_id = "
                "(SELECT id FROM location WHERE code = 'EAST')"
            )
        )
        conn.execute(
            text(
                "UPDATE lot_balance SET on_hand = 0 WHERE location_id = "
                "(SELECT id FROM location WHERE code = 'EAST')"
            )
        )
    assert check_database(shop.uow).ok


def test_check_finds_a_tracked_items_stock_outside_its_lots(shop: LotPlant) -> None:
    inventory.adjust_stock(shop.uow, "RESIN", "5", lot="R-A")
    with shop.uow.database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_entry (event_id, item_id, location_id, quantity, unit_cost, "
                "reason, source_kind, source_ref, posted_by, posted_at) SELECT event_id, "
                "item_id, location_id, quantity, unit_cost, reason, source_kind, source_ref, "
                "posted_by, posted_at FROM ledger_entry WHERE lot_id IS NOT NULL"
            )
        )
        conn.execute(
            text(
                "UPDATE stock_balance SET on_hand = on_hand + 5000000 WHERE item_id = "
                "(SELECT item_id FROM lot WHERE number = 'R-A')"
            )
        )
    assert check_database(shop.uow).problems == [
        "RESIN@MAIN: 5 on hand in no lot, but the item is tracked"
    ]
    with shop.uow.database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_entry (event_id, item_id, location_id, quantity, unit_cost, "
                "reason, source_kind, source_ref, posted_by, posted_at) SELECT event_id, "
                "item_id, location_id, -quantity, unit_cost, reason, source_kind, source_ref, "
                "posted_by, posted_at FROM ledger_entry WHERE lot_id IS NOT NULL"
            )
        )
        conn.execute(
            text(
                "UPDATE stock_balance SET on_hand = on_hand - 5000000 WHERE item_id = "
                "(SELECT item_id FROM lot WHERE number = 'R-A')"
            )
        )


def test_check_proves_what_is_reserved_against_the_picks(shop: LotPlant) -> None:
    inventory.adjust_stock(shop.uow, "GADGET", "3", lot="G-A")
    so = shop.so("Harbor Cycles", ("GADGET", 2))
    shop.pick(so.number)
    with shop.uow.database.engine.begin() as conn:
        conn.execute(text("UPDATE lot_reservation SET quantity = 1000000"))
    assert sorted(check_database(shop.uow).problems) == [
        "GADGET@MAIN lot G-A: reserved 2 but its reservations hold 1",
        f"fulfillment lines: line {fulfillment_line_id(shop)} picked 2 but reserves 1 in lots",
    ]
    with shop.uow.database.engine.begin() as conn:
        conn.execute(text("UPDATE lot_reservation SET quantity = 2000000"))


def fulfillment_line_id(shop: LotPlant) -> int:
    with shop.uow.query() as tx:
        return int(tx.session.scalar(text("SELECT id FROM fulfillment_line")))


def test_every_ledger_row_of_a_tracked_item_names_its_lot(shop: LotPlant) -> None:
    shop.receive("RESIN", 10, lot="R-A")
    wo = gadget_order(shop, 2)
    work_orders.post_assembly_build(shop.uow, wo, "2")
    with shop.uow.query() as tx:
        rows = tx.session.execute(
            select(LedgerEntry.item_id, LedgerEntry.lot_id).where(
                LedgerEntry.item_id.in_(select(Lot.item_id))
            )
        ).all()
    assert rows and all(lot_id is not None for _item, lot_id in rows)


def test_many_lots_on_hand_are_still_taken_in_order(shop: LotPlant) -> None:
    """A posting reads an item's first lots in the consumption order, and all of them when
    those do not cover it: the outcome is the same as reading all at once."""
    for n in range(1, 10):  # R-9 expires first, R-1 last
        day = TODAY + timedelta(days=100 - n)
        inventory.adjust_stock(shop.uow, "RESIN", "1", lot=f"R-{n}", expires=day.isoformat())
    inventory.adjust_stock(shop.uow, "RESIN", "-1", lot="R-1")  # the last in the order
    so = shop.so("Harbor Cycles", ("RESIN", 1))
    fulfillment.fulfill(shop.uow, so.number, {"1": "1"}, lots={"1": [("R-8", "1")]})
    wo = gadget_order(shop, 3)
    work_orders.post_assembly_build(shop.uow, wo, "3", lot="G-1")  # 6, R-8 is picked
    assert shop.lots_of("RESIN") == {"R-8": 1, "R-2": 1}
    assert [lot for _r, _q, lot in shop.rows("RESIN")[-6:]] == [
        f"R-{n}" for n in (9, 7, 6, 5, 4, 3)
    ]
    inventory.adjust_stock(shop.uow, "RESIN", "-1")  # not the picked one
    assert shop.lots_of("RESIN") == {"R-8": 1}


@pytest.mark.parametrize("order", ["first_expiry_first_out", "first_in_first_out"])
def test_lots_without_an_expiry_come_last_first_expiry_first_out(
    shop: LotPlant, order: str
) -> None:
    """More lots than a posting first reads and than it reads next, with and without an
    expiry: the write-off still takes them in the consumption order, those without an expiry
    last (first expiry first out) or the oldest first (first in first out)."""
    tracking.set_item_tracking(shop.uow, "CAP", "lot")  # no shelf life: no expiry unless given
    shop.pref("lot_consumption_order", order)
    each = FIRST_LOTS + MORE_LOTS + 1  # lots of each kind: the last read reads them all
    undated = [f"N-{n}" for n in range(1, each + 1)]
    dated = [f"D-{n}" for n in range(1, each + 1)]
    for lot in undated:
        inventory.adjust_stock(shop.uow, "CAP", "1", lot=lot)
    for n, lot in enumerate(dated, start=1):  # the last one made expires first
        day = TODAY + timedelta(days=50 - n)
        inventory.adjust_stock(shop.uow, "CAP", "1", lot=lot, expires=day.isoformat())
    inventory.adjust_stock(shop.uow, "CAP", f"-{each + 2}")
    in_order = (
        [*reversed(dated), *undated] if order == "first_expiry_first_out" else undated + dated
    )
    assert [lot for _r, q, lot in shop.rows("CAP") if q < 0] == in_order[: each + 2]


def test_counts_count_tracked_items_lot_by_lot(shop: LotPlant) -> None:
    """A count counts lots: a tracked item named on one, or found by a count of everything in
    stock, is a line per lot on hand (tests/test_count_lots.py counts them)."""
    from app.services.counts import counts

    inventory.adjust_stock(shop.uow, "RESIN", "6", lot="R-A")
    chosen = counts.start_count(shop.uow, None, items=["RESIN", "SCREW"])
    assert [(ln.sku, ln.lot) for ln in chosen.count.lines] == [("RESIN", "R-A"), ("SCREW", None)]
    counts.cancel_count(shop.uow, chosen.count.number)
    started = counts.start_count(shop.uow, None, not_counted_for=0)
    assert [(ln.sku, ln.lot) for ln in started.count.lines] == [("RESIN", "R-A"), ("SCREW", None)]
    assert shop.lots_of("RESIN") == {"R-A": 6}


def test_a_transfer_carries_its_lots_through_transit(shop: LotPlant) -> None:
    """A transfer ships lots by the consumption order, they travel as they left, and the
    destination receives them first shipped first; a shipment taken back returns its own
    lots to the source."""
    from app.services.transfers import transfer_orders as transfers

    inventory.adjust_stock(shop.uow, "RESIN", "4", lot="R-A", expires=LATER.isoformat())
    inventory.adjust_stock(shop.uow, "RESIN", "6", lot="R-B", expires=SOON.isoformat())
    order = transfers.create_transfer_order(
        shop.uow, "MAIN", "EAST", [transfers.TransferLineEntry("RESIN", "8")]
    ).number
    transfers.ship_transfer_order(shop.uow, order, {"RESIN": "7"})
    assert shop.lots_of("RESIN", "MAIN") == {"R-A": 3}  # first to expire went first
    transfers.receive_transfer_order(shop.uow, order, {"RESIN": "5"})
    assert shop.lots_of("RESIN", "EAST") == {"R-B": 5}
    transfers.receive_transfer_order(shop.uow, order, {"RESIN": "2"})
    assert shop.lots_of("RESIN", "EAST") == {"R-B": 6, "R-A": 1}
    last = transfers.ship_transfer_order(shop.uow, order, {"RESIN": "1"})
    assert shop.lots_of("RESIN", "MAIN") == {"R-A": 2}
    inventory.reverse_posting(shop.uow, last.changes.event_id)
    assert shop.lots_of("RESIN", "MAIN") == {"R-A": 3}
    report = check_database(shop.uow)
    assert report.ok, report.problems


def test_returns_and_unbuilds_put_back_the_lots_a_work_order_took(shop: LotPlant) -> None:
    """A return puts components back into the lots they left; an unbuild takes the finished
    goods out of the lot the build made and gives the components back to theirs; a scrap
    takes lots by the consumption order. check proves every row's lot."""
    from app.services import reasons
    from app.services.production import corrections

    reasons.add_reason_code(shop.uow, "DROP", "scrap", "dropped on the floor")
    inventory.adjust_stock(shop.uow, "RESIN", "6", lot="R-A")
    inventory.adjust_stock(shop.uow, "RESIN", "6", lot="R-B")
    wo = work_orders.create_work_order(shop.uow, "GADGET", "2", status="released").number
    work_orders.post_assembly_build(shop.uow, wo, "2", lot="G-1")
    assert shop.lots_of("RESIN") == {"R-A": 2, "R-B": 6}  # first in, first out
    corrections.unbuild(shop.uow, wo, "1")
    assert shop.lots_of("GADGET") == {"G-1": 1}
    assert shop.lots_of("RESIN") == {"R-A": 4, "R-B": 6}  # back where they came from
    corrections.scrap(shop.uow, wo, built="1", reason="DROP")
    assert shop.lots_of("GADGET") == {}
    other = work_orders.create_work_order(shop.uow, "GADGET", "1", status="released").number
    work_orders.issue_components(shop.uow, other, {"RESIN": "2"}, lots={"RESIN": [("R-B", "2")]})
    corrections.return_components(shop.uow, other, {"RESIN": "1"})
    assert shop.lots_of("RESIN") == {"R-A": 4, "R-B": 5}
    corrections.scrap(shop.uow, other, components={"RESIN": "5"}, reason="DROP")
    assert shop.lots_of("RESIN") == {"R-B": 4}  # the oldest lot went first
    report = check_database(shop.uow)
    assert report.ok, report.problems


class _Undo(Exception):
    """Raised to leave a transaction without writing anything."""


def test_a_balance_read_by_some_of_its_lots_still_gives_the_first_to_what_takes(
    shop: LotPlant,
) -> None:
    """An unbuild or a return reads only the lots it puts goods back into; what then takes
    from the same balance in that posting still takes the first lots in the consumption
    order, not the ones that happen to be read."""
    shop.pref("lot_consumption_order", "first_in_first_out")
    for lot in ("L1", "L2", "L3", "L4"):
        inventory.adjust_stock(shop.uow, "RESIN", "1", lot=lot, expires=LATER.isoformat())
    with pytest.raises(_Undo), shop.uow.transaction("test") as tx:
        item = item_ref_by_sku(tx.session, "RESIN")
        main = location_ref(tx.session, "MAIN").id
        StockBook.of(tx).lock([(item.id, main)])
        book = LotBook.of(tx)
        last = book.find(item, "L4")
        book.read_at([last], main)
        assert book.stock_of(last, main).on_hand == 1
        taken = book.take(item, main, Decimal(2), LotUse.BUILD)
        assert [(s.lot.number, q) for s, q in taken] == [("L1", 1), ("L2", 1)]
        raise _Undo
    assert shop.lots_of("RESIN") == {"L1": 1, "L2": 1, "L3": 1, "L4": 1}
