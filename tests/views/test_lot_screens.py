"""Lots on the screens: the dashboard counts the lots on hand that expired or expire soon
and opens the first one's item; the item's stock lists its lots, expired ones red and those
expiring within expiry_warning_days amber; an untracked item shows no lot list."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt

from app.services import inventory
from app.services.catalog import items
from app.services.engine.uow import Actor, UnitOfWork
from app.services.lots import tracking
from app.views.common.status import LATE, SHORT
from tests.views.conftest import idle


def test_expired_and_expiring_lots_stand_out_on_the_dashboard_and_the_items_stock(  # type: ignore[no-untyped-def]
    ctx, window, qtbot
) -> None:
    uow = UnitOfWork(ctx.database, Actor("tester", "bench"))
    dashboard = window.show_page("dashboard")
    idle(qtbot, ctx)
    assert dashboard.expiring_card.isHidden()  # the demo plant tracks no lots
    items.save_item(uow, items.item_spec(sku="GLUE", name="Glue", item_type="inventory"))
    tracking.set_item_tracking(uow, "GLUE", "lot")
    today = date.today()
    inventory.adjust_stock(
        uow, "GLUE", "3", lot="G-OLD", expires=(today - timedelta(1)).isoformat()
    )
    inventory.adjust_stock(
        uow, "GLUE", "4", lot="G-SOON", expires=(today + timedelta(2)).isoformat()
    )
    inventory.adjust_stock(
        uow, "GLUE", "5", lot="G-NEW", expires=(today + timedelta(400)).isoformat()
    )
    dashboard.refresh()
    idle(qtbot, ctx)
    card = dashboard.expiring_card
    assert not card.isHidden() and card.value.text() == "2"
    assert "GLUE lot G-OLD at MAIN: expired" in card.toolTip()
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    idle(qtbot, ctx)
    page = window.pages["stock_item"]
    assert window.current_key() == "stock_item" and page.heading.text() == "GLUE"
    assert not page.lot_section.isHidden()
    shown = {row.lot: page.lots.row_style(row) for row in page.lots.rows}
    assert shown == {"G-OLD": LATE, "G-SOON": SHORT, "G-NEW": None}
    window.show_page("stock_item", sku="BOLT-M5")
    idle(qtbot, ctx)
    assert page.lot_section.isHidden() and page.lots.rows == []
