"""Cycle counts through the real widgets on the demo plant: starting a count of aisle B from
the list, counting it blind as an operator, a supervisor's approval above the threshold,
posting without the lines nobody counted, the count sheet's preview, and cancelling."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.services import admin, auth, inventory
from app.services.catalog import items
from app.services.counts import counts
from app.services.engine.uow import Actor, UnitOfWork
from app.services.lots import tracking
from tests.printing import pdfcheck
from tests.views.conftest import idle

AISLE_B = ["SPOKE-SS", "NIPPLE-BR", "HUB-SHELL-R", "AXLE-R", "BEARING-6001"]


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    assert widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def service(ctx) -> UnitOfWork:  # type: ignore[no-untyped-def]
    return UnitOfWork(ctx.database, Actor("anna", "office"))


def start_aisle_b(ctx, window, qtbot):  # type: ignore[no-untyped-def]
    page = window.show_page("cycle_counts")
    idle(qtbot, ctx)
    assert page.model.total == 0
    click(qtbot, page.new_button)
    dialog = page.dialog
    idle(qtbot, ctx)
    assert dialog.location.currentData() == "MAIN"
    qtbot.keyClicks(dialog.bin_prefix, "b-0")
    qtbot.keyClicks(dialog.days, "ninety")
    click(qtbot, dialog.ok)
    idle(qtbot, ctx)
    assert dialog.isVisible() and "is not a whole number" in dialog.error.text()
    dialog.days.clear()
    qtbot.keyClicks(dialog.memo, "after the spill")
    click(qtbot, dialog.ok)
    idle(qtbot, ctx)
    detail = window.pages["cycle_count"]
    assert window.stack.currentWidget() is detail
    qtbot.waitUntil(lambda: detail.info is not None and detail.info.number == "CC-000001")
    assert "Started CC-000001 at MAIN: 11 items to count" in window.message_bar.text
    return detail


def test_a_count_started_counted_blind_and_posted_without_what_nobody_counted(
    ctx, window, qtbot, team
) -> None:  # type: ignore[no-untyped-def]
    detail = start_aisle_b(ctx, window, qtbot)
    assert detail.chip.text() == "Open"
    assert [r.sku for r in detail.lines.rows][:5] == AISLE_B  # B-01-1, B-01-2, B-02-1 ...
    assert detail.fields["progress"].text() == "0 of 11 lines · 11 to count"
    assert not detail.action_buttons["post"].isEnabled()
    team()
    ctx.set_user(auth.sign_in(service(ctx), "olga", "2222"))  # an operator counts
    idle(qtbot, ctx)
    assert detail.action_buttons["enter"].isEnabled()
    assert not detail.action_buttons["approve"].isEnabled()
    click(qtbot, detail.action_buttons["enter"])
    dialog = detail.dialog
    qtbot.keyClicks(dialog.quantities["SPOKE-SS"], "2000")
    qtbot.keyClicks(dialog.quantities["AXLE-R"], "19")
    click(qtbot, dialog.ok)
    idle(qtbot, ctx)
    assert not dialog.isVisible()
    assert "Counted 2 lines on CC-000001: 2 of 11 lines counted" in window.message_bar.text
    rows = {r.sku: r for r in detail.lines.rows}
    assert rows["SPOKE-SS"].counted == Decimal(2000)
    # Blind: the operator sees what was counted, not what the ledger had.
    column = [c.title for c in detail.lines.columns].index("On hand then")
    spoke = [r.sku for r in detail.lines.rows].index("SPOKE-SS")
    assert detail.lines.data(detail.lines.index(spoke, column)) == ""
    assert detail.note.isVisible()

    click(qtbot, detail.action_buttons["post"])
    post = detail.dialog
    assert post.skip.isVisible() and "9 lines nobody counted" in post.skip.text()
    click(qtbot, post.ok)
    idle(qtbot, ctx)
    assert post.isVisible() and "has 9 lines not counted yet" in post.error.text()
    post.skip.setChecked(True)
    spokes = inventory.stock_position(service(ctx), "SPOKE-SS", "MAIN").on_hand
    click(qtbot, post.ok)
    idle(qtbot, ctx)
    assert not post.isVisible()
    assert detail.chip.text() == "Posted"
    assert window.message_bar.text.startswith("✔  Posted CC-000001: SPOKE-SS -")
    assert inventory.stock_position(service(ctx), "SPOKE-SS", "MAIN").on_hand == 2000
    shown = {r.sku: r for r in detail.lines.rows}["SPOKE-SS"]  # posted: no longer blind
    assert shown.on_hand_when_counted == spokes and shown.difference == 2000 - spokes
    assert not any(b.isEnabled() for b in detail.action_buttons.values())
    assert not detail.sheet_button.isEnabled()


def test_a_difference_above_the_threshold_waits_for_approval(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    uow = service(ctx)
    admin.set_preference(uow, "count_approval_threshold", "50")
    number = counts.start_count(uow, "MAIN", items=["FRAME-AL-M", "BELL"]).count.number
    counts.enter_counts(uow, number, {"FRAME-AL-M": "28", "BELL": "40"})
    detail = window.show_page("cycle_count", number=number)
    idle(qtbot, ctx)
    assert detail.fields["approval"].text() == "needed: a difference is worth more than 50.00"
    frame = next(r for r in detail.lines.rows if r.sku == "FRAME-AL-M")
    assert frame.over_threshold and frame.value == Decimal("170")
    assert not detail.action_buttons["post"].isEnabled()
    click(qtbot, detail.action_buttons["approve"])
    dialog = detail.dialog
    assert any("FRAME-AL-M -2 (170.00)" in label.text() for label in dialog.findChildren(QLabel))
    click(qtbot, dialog.ok)
    idle(qtbot, ctx)
    assert detail.chip.text() == "Approved"
    assert detail.fields["approval"].text().startswith("approved by tester")
    assert detail.action_buttons["post"].isEnabled()


def test_the_count_sheet_previews_and_a_count_is_cancelled(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    number = counts.start_count(service(ctx), "MAIN", bin_prefix="F").count.number
    detail = window.show_page("cycle_count", number=number)
    idle(qtbot, ctx)
    click(qtbot, detail.sheet_button)
    qtbot.waitUntil(lambda: detail.preview.dialog is not None or not detail.preview.running)
    idle(qtbot, ctx)
    preview = detail.preview.dialog
    assert preview is not None
    qtbot.addWidget(preview)
    codes = {code for page in pdfcheck.scan_pages(preview.rendered.pdf) for code in page}
    assert codes == {number, "HELMET-M", "LOCK-U", "BELL", "LIGHT-SET"}
    preview.reject()
    click(qtbot, detail.action_buttons["cancel"])
    click(qtbot, detail.dialog.ok)
    idle(qtbot, ctx)
    assert detail.chip.text() == "Cancelled"
    listed = window.show_page("cycle_counts")
    idle(qtbot, ctx)
    listed.status.setCurrentIndex(listed.status.findData("cancelled"))
    idle(qtbot, ctx)
    assert [r.number for r in listed.model.rows] == [number]


def test_a_shelf_counted_by_scan_from_the_count_page(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Count by scan opens the counting screen on the count; the bin label, the items and the
    quantities typed as a scanner types them, #COUNT records them on the count."""
    uow = service(ctx)
    number = counts.start_count(uow, "MAIN", items=["SPOKE-SS", "AXLE-R"]).count.number
    detail = window.show_page("cycle_count", number=number)
    qtbot.waitUntil(lambda: detail.info is not None and detail.info.number == number)
    click(qtbot, detail.scan_button)
    idle(qtbot, ctx)
    page = window.pages["count_scan"]
    assert window.stack.currentWidget() is page
    assert page.document.text() == number
    bin_ = next(r.bin for r in page.lines.rows if r.sku == "AXLE-R")
    for code in (bin_, "3", "AXLE-R", "0", "SPOKE-SS"):
        qtbot.keyClicks(page.table, code)
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
        idle(qtbot, ctx)
    assert page.lines.rows[0].sku == "AXLE-R"  # the bin scanned comes first
    assert {r.sku: r.scanned for r in page.lines.rows} == {"AXLE-R": 3, "SPOKE-SS": 0}
    assert "2 items scanned, not recorded yet" in page.summary.text()
    click(qtbot, page.code_buttons["#COUNT"])
    idle(qtbot, ctx)
    assert page.answer_level == "done"
    assert "Counted on" in page.answer.text() and "every line counted" in page.answer.text()
    info = counts.get_count(uow, number)
    assert {ln.sku: ln.counted for ln in info.lines} == {"AXLE-R": 3, "SPOKE-SS": 0}


def test_a_tracked_item_is_counted_lot_by_lot_and_a_lot_found_is_added(
    ctx, window, qtbot, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """GONG tracked by lot: the count's page shows its lots with their expiry, the counts
    are entered per lot line and a lot found on the shelf is added in the same dialog."""
    uow = service(ctx)
    items.save_item(uow, items.item_spec(sku="GONG", name="Gong", item_type="inventory"))
    tracking.set_item_tracking(uow, "GONG", "lot")
    items.set_bin(uow, "GONG", "F-09-1")
    inventory.adjust_stock(uow, "GONG", "5", lot="G-1", expires="2031-01-31")
    inventory.adjust_stock(uow, "GONG", "2", lot="G-2")
    number = counts.start_count(uow, "MAIN", items=["GONG", "BELL"]).count.number
    window.resize(1366, 768)
    detail = window.show_page("cycle_count", number=number)
    qtbot.waitUntil(lambda: detail.info is not None and detail.info.number == number)
    column = [c.title for c in detail.lines.columns].index("Lot / serial")
    lots = [
        detail.lines.data(detail.lines.index(r, column)) for r in range(detail.lines.rowCount())
    ]
    assert lots == ["", "G-1", "G-2"]  # BELL in F-01-…, then GONG's lots first to expire first
    click(qtbot, detail.action_buttons["enter"])
    dialog = detail.dialog
    assert set(dialog.quantities) == {"BELL", ("GONG", "G-1"), ("GONG", "G-2")}
    qtbot.keyClicks(dialog.quantities[("GONG", "G-1")], "4")
    qtbot.keyClicks(dialog.quantities[("GONG", "G-2")], "2")
    found = dialog.found[0]
    assert [found.item.itemText(i) for i in range(found.item.count())] == ["GONG"]
    qtbot.keyClicks(found.lot, "G-7")
    qtbot.keyClicks(found.expires, "2032-02-29")
    qtbot.keyClicks(found.quantity, "1")
    dialog.grab().save(str(tmp_path / "enter-counts.png"))
    click(qtbot, dialog.ok)
    idle(qtbot, ctx)
    assert not dialog.isVisible(), dialog.error.text()
    rows = [(r.sku, r.lot, r.counted, r.expires) for r in detail.lines.rows]
    assert rows[1:] == [
        ("GONG", "G-1", 4, date(2031, 1, 31)),
        ("GONG", "G-2", 2, None),
        ("GONG", "G-7", 1, date(2032, 2, 29)),
    ]
    window.grab().save(str(tmp_path / "count-lots.png"))
    click(qtbot, detail.action_buttons["post"])
    detail.dialog.skip.setChecked(True)
    click(qtbot, detail.dialog.ok)
    idle(qtbot, ctx)
    assert detail.chip.text() == "Posted"
    position = inventory.stock_position(service(ctx), "GONG", "MAIN")
    assert {x.lot: x.on_hand for x in position.lots} == {"G-1": 4, "G-2": 2, "G-7": 1}
