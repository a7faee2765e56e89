"""The recall page through real widgets: Trace finds a lot and opens its recall, the tree
shows the lots level by level, the customers who received them, and the export writes the
rows pandas reads back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from PySide6.QtCore import Qt

from app.services import inventory
from app.services.engine.uow import Actor, UnitOfWork
from app.services.lots import tracking
from app.services.orders import fulfillment, sales
from app.services.production import work_orders
from tests.plant import Plant
from tests.views.conftest import idle


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    assert widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def lots_made(ctx) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """RESIN-X lot R-A moulded into GADGET-X lot G-1, two shipped to Harbor Cycles."""
    shop = Plant(UnitOfWork(ctx.database, Actor("tester", "bench")))
    shop.item("RESIN-X")
    shop.item("GADGET-X", "assembly")
    shop.bom("GADGET-X", {"RESIN-X": 2})
    tracking.set_item_tracking(shop.uow, "RESIN-X", "lot")
    tracking.set_item_tracking(shop.uow, "GADGET-X", "lot")
    inventory.adjust_stock(shop.uow, "RESIN-X", "10", lot="R-A")
    wo = shop.wo("GADGET-X", 3)
    work_orders.post_assembly_build(shop.uow, wo, "3", lot="G-1")
    so = sales.create_sales_order(shop.uow, "Harbor Cycles", [sales.LineEntry("GADGET-X", "2")])
    picked = fulfillment.fulfill(shop.uow, so.number, {"1": "2"})
    fulfillment.ship_fulfillment(shop.uow, picked.number)
    return wo, picked.number


def test_trace_finds_a_lot_and_its_recall_shows_the_tree_and_exports(  # type: ignore[no-untyped-def]
    ctx, window, qtbot, tmp_path: Path, monkeypatch
) -> None:
    wo, shipped = lots_made(ctx)
    traced = window.show_page("trace")
    idle(qtbot, ctx)
    assert not traced.recall_button.isVisible()
    qtbot.keyClicks(traced.reference, "R-A")
    qtbot.keyClick(traced.reference, Qt.Key.Key_Return)
    idle(qtbot, ctx)
    assert wo in {r.number for r in traced.model.rows}
    assert "lot R-A of RESIN-X" in traced.summary.text()
    click(qtbot, traced.recall_button)
    idle(qtbot, ctx)
    page = window.pages["lot_recall"]
    assert window.stack.currentWidget() is page
    root = page.tree.topLevelItem(0)
    assert root.text(0) == "RESIN-X R-A"
    assert [root.child(n).text(0) for n in range(root.childCount())] == ["→ GADGET-X G-1"]
    gadget = root.child(0)
    assert [gadget.text(c) for c in (1, 2, 3, 4, 9)] == [wo, "3", "1", "2", "yes"]
    assert [(s.customer, s.fulfillment) for s in page.customers.rows] == [
        ("Harbor Cycles", shipped)
    ]
    assert "2 lots, 1 customer; every lot reconciled." in page.summary.text()

    target = tmp_path / "recall.xlsx"
    monkeypatch.setattr(page, "choose_export_path", lambda: str(target))
    click(qtbot, page.export_button)
    idle(qtbot, ctx)
    frame = pd.read_excel(target, dtype=str)
    assert ("G-1", "shipped", shipped, "Harbor Cycles") in {
        (r.lot, r.what, r.document, r.party) for r in frame.itertuples()
    }
    assert len(frame) == len(page.found.rows)

    click(qtbot, page.print_button)
    idle(qtbot, ctx)
    assert page.preview.dialog is not None
    assert page.preview.dialog.rendered.filename == "recall-RESIN-X-R-A.pdf"
    page.preview.dialog.reject()

    page.direction.setCurrentIndex(page.direction.findData("backward"))
    page.sku.setText("GADGET-X")
    page.lot.setText("G-1")
    click(qtbot, page.search_button)
    idle(qtbot, ctx)
    root = page.tree.topLevelItem(0)
    assert (root.text(0), root.child(0).text(0)) == ("GADGET-X G-1", "← RESIN-X R-A")

    page.lot.setText("G-9")
    click(qtbot, page.search_button)
    idle(qtbot, ctx)
    assert page.tree.topLevelItemCount() == 0
    assert "unknown lot G-9 of GADGET-X" in page.summary.text()
    assert not page.export_button.isEnabled()


def test_a_lot_sent_back_to_its_vendor_shows_it_in_its_own_column(  # type: ignore[no-untyped-def]
    ctx, window, qtbot
) -> None:
    from app.services.lots.incoming import lot_given
    from app.services.orders import partners, purchasing
    from app.services.vendor_returns import returns as vendor_returns

    shop = Plant(UnitOfWork(ctx.database, Actor("tester", "bench")))
    shop.item("RESIN-Y")
    tracking.set_item_tracking(shop.uow, "RESIN-Y", "lot")
    partners.add_vendor(shop.uow, "Resin Works")
    po = purchasing.create_purchase_order(
        shop.uow, "Resin Works", [purchasing.OrderedLine("RESIN-Y", "10")]
    ).number
    purchasing.receive_purchase_order(shop.uow, po, lots={"RESIN-Y": lot_given("R-Y")})
    vra = vendor_returns.return_to_vendor(shop.uow, po, {"RESIN-Y": "4"}).number
    if vendor_returns.get_vendor_return(shop.uow, vra).status == "pending_approval":
        vendor_returns.approve_vendor_return(shop.uow, vra)
    vendor_returns.ship_vendor_return(shop.uow, vra)

    page = window.show_page("lot_recall", sku="RESIN-Y", lot="R-Y")
    idle(qtbot, ctx)
    root = page.tree.topLevelItem(0)
    headers = [page.tree.headerItem().text(c) for c in range(page.tree.columnCount())]
    figures = dict(zip(headers, (root.text(c) for c in range(len(headers))), strict=True))
    assert (figures["Made"], figures["On hand"], figures["To vendor"]) == ("10", "6", "4")
    assert (figures["Scrapped"], figures["Reconciled"]) == ("0", "yes")
