"""Write a PNG of each main view on the demo plant to docs/screenshots/ (offscreen).

.venv/bin/python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication, QWidget

from app.services import admin
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.setup import init_database
from app.views.app import make_application
from app.views.common.runner import AppContext
from app.views.main_window import MainWindow

SIZE = (1440, 900)
# Offscreen, the pictures are taken on a desk screen larger than they are: a window opens
# fitted to its screen, and offscreen's own screen is 800 x 800.
DESK_SCREEN = {
    "screens": [{"name": "desk", "x": 0, "y": 0, "width": 1920, "height": 1200, "logicalDpi": 96}]
}


def settle(ctx: AppContext) -> None:
    for _ in range(3):
        ctx.wait_idle()
        QApplication.processEvents()


def save(widget: QWidget, out: Path, name: str) -> None:
    path = out / f"{name}.png"
    widget.grab().save(str(path))
    print(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("XDG_CONFIG_HOME", tmp)  # QSettings of this run only
        if os.environ["QT_QPA_PLATFORM"] == "offscreen":
            screen = Path(tmp) / "screen.json"
            screen.write_text(json.dumps(DESK_SCREEN), encoding="utf-8")
            os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={screen}"
        app = make_application(["screenshots"])
        database = Database(f"sqlite:///{Path(tmp) / 'demo.db'}")
        init_database(database, demo=True, actor=Actor("anna", "office"))
        ctx = AppContext(database, Actor("anna", "office"))
        window = MainWindow(ctx)
        window.resize(*SIZE)
        window.show()
        window.start_session()
        settle(ctx)

        def page(name: str, key: str, prepare: Callable[[], None] | None = None, **target) -> None:  # type: ignore[no-untyped-def]
            window.show_page(key, **target)
            settle(ctx)
            if prepare is not None:
                prepare()
                settle(ctx)
            save(window, out, name)

        page("dashboard", "dashboard")
        page("work-orders", "work_orders")
        page("work-order", "work_order", number="WO-000002")
        page("planning", "planning", tab="shortages")
        page("inventory", "inventory")
        page("item-stock", "stock_item", sku="BRAKE-CALIPER")

        def bom_tab() -> None:
            window.pages["items"].show_item("BIKE-CITY-M")
            settle(ctx)
            window.pages["items"].tabs.setCurrentIndex(1)

        page("items-and-boms", "items", bom_tab)

        bad = Path(tmp) / "stock-count.csv"
        bad.write_text(
            "sku,location,quantity\nBRAKE-KIT,,5\nSADDLE-CMF,STAGING,2\nBRAKE-KITT,,3\n"
            "CHAIN-8S,,-500\nGREASE,,1.5\n",
            encoding="utf-8",
        )

        def preview() -> None:
            imports = window.pages["imports"]
            imports.kind.setCurrentIndex(imports.kind.findData("stock"))
            imports.path.setText(str(bad))
            imports.check()

        page("import-preview", "imports", preview)
        page("preferences", "preferences")

        # The new work order dialog: the bicycle example, 6 brake kits short before saving.
        wo_list = window.show_page("work_orders")
        settle(ctx)
        wo_list.new_work_order()
        dialog = wo_list.new_dialog
        settle(ctx)
        dialog.item.setText("BIKE-CITY-M")
        dialog.quantity.setText("20")
        dialog.due.setText("2026-12-20")
        dialog.check()
        settle(ctx)
        save(dialog, out, "new-work-order")
        dialog.reject()

        # Closing shows the variance first.
        detail = window.show_page("work_order", number="WO-000008")
        settle(ctx)
        detail.act("close")
        settle(ctx)
        if detail.dialog is not None:
            save(detail.dialog, out, "close-variance")
            detail.dialog.reject()

        for section in (
            order_side,
            order_changes,
            cycle_counts,
            transfers,
            customer_returns,
            exceptions,
        ):
            window.message_bar.hide()  # the last section's message is not this one's
            section(window, ctx, out, page, settle)

        # Users, then the sign-in screen they get.
        uow = UnitOfWork(database, Actor("anna", "office"))
        admin.add_user(uow, "anna", "admin", secret="4711")
        admin.add_user(uow, "sam", "supervisor", secret="1111")
        admin.add_user(uow, "olga", "operator", secret="2222")
        admin.add_user(uow, "pete", "picker")
        from app.services import auth

        ctx.set_user(auth.sign_in(uow, "anna", "4711"))
        page("users", "users")
        page("administration", "administration")
        window.switch_user()
        settle(ctx)
        save(window.signin_dialog, out, "sign-in")
        window.signin_dialog.reject()
        ctx.pool.waitForDone(10_000)
        window.close()
        database.dispose()
        del app
    return 0


def order_side(window: MainWindow, ctx: AppContext, out: Path, page, settle) -> None:  # type: ignore[no-untyped-def]
    """The order side: sales orders, an order being entered, picking by scan, the queues,
    purchasing and receiving, finance, trace, and the print preview of a picking ticket."""
    page("sales-orders", "sales_orders")
    page("sales-order", "sales_order", number="SO-000001")

    orders = window.show_page("sales_orders")
    settle(ctx)
    orders.new_order()
    settle(ctx)
    dialog = orders.dialog
    dialog.customer.setText("Harbor Cycles")
    dialog.customer_po.setText("HC-9001")
    dialog.ship_date.setText("2026-12-18")
    for n, (sku, qty, rate) in enumerate(
        [("LIGHT-SET", "8", "19.00"), ("GIFT-SET", "2", "45.00"), ("HELMET-M", "3", "34.00")]
    ):
        line = dialog.lines[n] if n < len(dialog.lines) else dialog.add_line()
        line.sku.setText(sku)
        line.quantity.setText(qty)
        line.rate.setText(rate)
        dialog.check_line(line)
    settle(ctx)
    save(dialog, out, "new-sales-order")
    dialog.reject()

    page("picking-queue", "picking_queue")

    def scanning() -> None:
        station = window.pages["pick_station"]
        for code in ("SO-000001", "4", "HELMET-M", "4", "LOCK-U", "BELL", "2", "LIGHT-SET"):
            station.submit(code)
            settle(ctx)

    page("pick-pack-ship", "pick_station", scanning)
    window.pages["pick_station"].submit("#PICK")
    settle(ctx)
    page("packing-queue", "packing_queue")
    page("fulfillment", "fulfillment", number="IF-000003")
    page("purchase-orders", "purchase_orders")
    page("purchase-order", "purchase_order", number="PO-000002")

    def receiving() -> None:
        dock = window.pages["receiving"]
        for code in ("PO-000002", "6", "LIGHT-SET", "HELMET-M"):
            dock.submit(code)
            settle(ctx)

    page("receiving", "receiving", receiving)
    page("finance", "finance")
    page("trace", "trace", reference="72622")

    detail = window.show_page("sales_order", number="SO-000003")
    settle(ctx)
    detail.picking_ticket()
    settle(ctx)
    if detail.preview is not None and detail.preview.dialog is not None:
        preview = detail.preview.dialog
        preview.resize(1100, 900)
        settle(ctx)
        save(preview, out, "print-preview")
        preview.reject()


def order_changes(window: MainWindow, ctx: AppContext, out: Path, page, settle) -> None:  # type: ignore[no-untyped-def]
    """Changing orders and sending goods back: a purchase order being edited, goods returned
    to its vendor and shipped, the vendor returns, and a sales order line's path changed."""
    po = window.show_page("purchase_order", number="PO-000002")
    settle(ctx)
    po.act("edit")
    edit = po.dialog
    edit.quantities["1"].setText("16")
    edit.prices["2"].setText("11.50")
    edit.add_sku.setText("LOCK-U")
    edit.add_qty.setText("6")
    settle(ctx)
    save(edit, out, "edit-purchase-order")
    edit.submit()
    settle(ctx)

    po.act("return")
    settle(ctx)
    back = po.dialog
    back.quantities["1"].setText("2")
    back.reason.setCurrentIndex(min(1, back.reason.count() - 1))
    back.memo.setText("scratched lenses")
    save(back, out, "return-to-vendor")
    back.submit()
    settle(ctx)
    vra = window.pages["vendor_return"]
    vra.act("approve")
    settle(ctx)
    vra.act("ship")
    vra.dialog.quantities["1"].setText("1")
    vra.dialog.submit()
    settle(ctx)
    page("vendor-return", "vendor_return", number=vra.info.number)
    page("vendor-returns", "vendor_returns")

    order = window.show_page("sales_order", number="SO-000001")
    settle(ctx)
    order.change_path()
    path = order.dialog
    path.line.setCurrentIndex(path.line.findData("3"))
    path.path.setCurrentIndex(path.path.findData("stock"))
    save(path, out, "change-path")
    path.submit()
    settle(ctx)
    page("sales-order-changed", "sales_order", number="SO-000001")


def cycle_counts(window: MainWindow, ctx: AppContext, out: Path, page, settle) -> None:  # type: ignore[no-untyped-def]
    """Cycle counts: the list, aisle B counted with a difference above the approval
    threshold, and entering counts."""
    from app.services.counts import counts

    uow = UnitOfWork(ctx.database, Actor("anna", "office"))
    admin.set_preference(uow, "count_approval_threshold", "50")
    done = counts.start_count(uow, "MAIN", items=["HELMET-M", "LOCK-U", "BELL"]).count
    counts.enter_counts(uow, done.number, {"HELMET-M": "12", "LOCK-U": "12", "BELL": "38"})
    counts.post_count(uow, done.number)
    aisle = counts.start_count(uow, "MAIN", bin_prefix="B-0", memo="Aisle B after the spill")
    number = aisle.count.number
    counts.enter_counts(
        uow,
        number,
        {"SPOKE-SS": "2080", "NIPPLE-BR": "2112", "HUB-SHELL-R": "14", "CHAIN-8S": "12"},
    )
    counts.start_count(uow, "STAGING", not_counted_for=0)
    page("cycle-counts", "cycle_counts")
    page("cycle-count", "cycle_count", number=number)
    detail = window.pages["cycle_count"]
    detail.act("enter")
    settle(ctx)
    if detail.dialog is not None:
        save(detail.dialog, out, "count-entry")
        detail.dialog.reject()


def customer_returns(window: MainWindow, ctx: AppContext, out: Path, page, settle) -> None:  # type: ignore[no-untyped-def]
    """Customer returns: Return… on SO-000001 once its picked gift sets have shipped (a kit,
    a drop-ship line and a warranty among its lines), the return received with one line
    restocked and the kit scrapped, the list, and a return received by scan."""
    from app.services.orders import fulfillment
    from app.services.returns import returns

    uow = UnitOfWork(ctx.database, Actor("anna", "office"))
    fulfillment.ship_fulfillment(uow, "IF-000003")  # picked by scan in order_side
    order = window.show_page("sales_order", number="SO-000001")
    settle(ctx)
    order.customer_return()
    settle(ctx)
    dialog = order.dialog
    dialog.quantities["1"].setText("1")
    dialog.quantities["2"].setText("1")
    dialog.reason.setCurrentIndex(dialog.reason.findData("DEFECTIVE"))
    dialog.memo.setText("Helmet strap torn; light does not charge")
    save(dialog, out, "new-return")
    dialog.submit()
    settle(ctx)
    detail = window.pages["return_authorization"]
    number = detail.number
    returns.approve_return(uow, number)
    settle(ctx)
    window.show_page("return_authorization", number=number)
    settle(ctx)
    detail.act("receive")
    settle(ctx)
    receive = detail.dialog
    receive.quantities["1"].setText("1")
    receive.quantities["2"].setText("1")
    receive.keep["1"].setCurrentIndex(receive.keep["1"].findData("scrap"))
    receive.memo.setText("Box crushed in transit")
    save(receive, out, "receive-return")
    receive.submit()
    settle(ctx)
    page("customer-return", "return_authorization", number=number)

    other = returns.create_return(uow, "SO-000003", {"1": "3"}, reason="WRONG-ITEM").number
    returns.approve_return(uow, other)
    returns.create_return(uow, "SO-000003", {"1": "1"}, reason="DAMAGED")
    page("customer-returns", "return_authorizations")

    def scanning() -> None:
        bench = window.pages["return_receiving"]
        for code in (other, "2", "LOCK-U"):
            bench.submit(code)
            settle(ctx)

    page("return-receiving", "return_receiving", scanning)


def transfers(window: MainWindow, ctx: AppContext, out: Path, page, settle) -> None:  # type: ignore[no-untyped-def]
    """Transfer orders: line-side stock on its way from the main warehouse to the staging
    area, part of it received; the list; and a new transfer with the stock at its source."""
    from app.services.transfers import transfer_orders as t

    uow = UnitOfWork(ctx.database, Actor("anna", "office"))
    line = t.TransferLineEntry
    wheels = t.create_transfer_order(
        uow,
        "MAIN",
        "STAGING",
        [line("SPOKE-SS", "400"), line("NIPPLE-BR", "400"), line("RIM-700C", "12")],
        memo="line-side stock for the wheel cell",
    )
    t.ship_transfer_order(
        uow, wheels.number, {"SPOKE-SS": "250", "NIPPLE-BR": "250", "RIM-700C": "12"}
    )
    t.receive_transfer_order(uow, wheels.number, {"RIM-700C": "12"})
    t.create_transfer_order(
        uow, "STAGING", "MAIN", [line("SPOKE-SS", "50")], status="pending_approval"
    )
    page("transfer-orders", "transfer_orders")
    page("transfer-order", "transfer_order", number=wheels.number)

    listing = window.show_page("transfer_orders")
    settle(ctx)
    listing.new_transfer()
    settle(ctx)
    dialog = listing.dialog
    dialog.target.setCurrentIndex(dialog.target.findData("STAGING"))
    for n, (sku, qty) in enumerate([("TIRE-700X32", "10"), ("HUB-F", "20"), ("TUBE-700", "10")]):
        entry = dialog.lines[n] if n < len(dialog.lines) else dialog.add_line()
        entry.sku.setText(sku)
        entry.quantity.setText(qty)
        dialog.check_line(entry)
    settle(ctx)
    save(dialog, out, "new-transfer-order")
    dialog.reject()


def exceptions(window: MainWindow, ctx: AppContext, out: Path, page, settle) -> None:  # type: ignore[no-untyped-def]
    """The floor's exceptions: a work order on hold, red in the list and on the dashboard;
    the dialogs that change, return, unbuild and scrap; a close with scrap told apart; the
    reason codes page."""
    from app.services.production import corrections, editing

    uow = ctx.uow  # the window hears of these postings, as of its own
    editing.hold_work_order(uow, "WO-000001", "waiting for the revised caliper drawing")
    editing.edit_work_order(uow, "WO-000007", priority="1", due="2026-12-05")
    page("work-orders-held", "work_orders", lambda: window.pages["work_orders"].table.selectRow(1))
    page("dashboard-exceptions", "dashboard")
    page("work-order-held", "work_order", number="WO-000001")

    def dialog(number: str, action: str, name: str, fill: Callable[[Any], None]) -> None:
        detail = window.show_page("work_order", number=number)
        settle(ctx)
        detail.act(action)
        settle(ctx)
        if detail.dialog is not None:
            fill(detail.dialog)
            settle(ctx)
            save(detail.dialog, out, name)
            detail.dialog.reject()

    dialog("WO-000007", "edit", "work-order-edit", lambda d: d.quantity.setText("12"))
    dialog(
        "WO-000002", "return", "work-order-return", lambda d: d.quantities["RIM-700C"].setText("1")
    )
    dialog("WO-000003", "unbuild", "work-order-unbuild", lambda d: d.quantity.setText("1"))
    dialog(
        "WO-000002", "scrap", "work-order-scrap", lambda d: d.quantities["SPOKE-SS"].setText("4")
    )
    corrections.scrap(uow, "WO-000003", built="1", reason="DEFECTIVE")
    detail = window.show_page("work_order", number="WO-000003")
    settle(ctx)
    detail.act("close")
    settle(ctx)
    if detail.dialog is not None:
        save(detail.dialog, out, "close-variance-scrap")
        detail.dialog.reject()
    page("reason-codes", "reason_codes")


if __name__ == "__main__":
    sys.exit(main())
