"""A shift through the real widgets: sign in, create (the shortage shown before saving),
release, issue, build, close (the variance shown before confirming); the refusals in words."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.services.engine.uow import Actor, UnitOfWork
from app.services.production import work_orders
from app.views.common.runner import run_op
from tests.views.conftest import idle


def sign_in(window, qtbot, name: str, pin: str) -> None:  # type: ignore[no-untyped-def]
    ctx = window.ctx
    if window.signin_dialog is None or not window.signin_dialog.isVisible():
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    dialog = window.signin_dialog
    qtbot.waitUntil(lambda: dialog.users.count() > 0)
    qtbot.keyClicks(dialog.badge, f"#U:{name}")
    qtbot.keyClick(dialog.badge, Qt.Key.Key_Return)
    assert dialog.selected_user() == name
    qtbot.keyClicks(dialog.pin, pin)
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    idle(qtbot, ctx)
    assert ctx.user is not None and ctx.user.username == name, dialog.error.text()
    assert not dialog.isVisible()


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    assert widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_a_shift_through_the_window(team, ctx, qtbot) -> None:  # type: ignore[no-untyped-def]
    team()
    from app.views.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.start_session()
    idle(qtbot, ctx)
    assert ctx.user is None and window.signin_dialog.isVisible()
    sign_in(window, qtbot, "sam", "1111")
    assert "sam (supervisor)" in window.user_label.text()

    # New work order: 20 bikes against 14 brake kits shows 6 short before anything is saved.
    page = window.show_page("work_orders")
    idle(qtbot, ctx)
    click(qtbot, page.new_button)
    dialog = page.new_dialog
    idle(qtbot, ctx)
    qtbot.keyClicks(dialog.item, "BIKE-CITY-M")
    qtbot.keyClicks(dialog.quantity, "20")
    dialog.check()
    qtbot.waitUntil(lambda: dialog.preview is not None)
    short = {r.sku: r.short for r in dialog.lines.rows if r.short > 0}
    assert str(short["BRAKE-KIT"].normalize()) == "6"
    assert "6 BRAKE-KIT" in dialog.verdict.text()
    assert dialog.tree.topLevelItemCount() == 11
    assert work_orders.list_work_orders(ctx.uow).total == 9  # nothing saved yet
    qtbot.keyClicks(dialog.due, "2030-01-15")
    qtbot.keyClicks(dialog.priority, "2")
    click(qtbot, dialog.save)
    idle(qtbot, ctx)
    detail = window.pages["work_order"]
    assert window.stack.currentWidget() is detail
    qtbot.waitUntil(lambda: detail.view is not None and detail.view.info.number == "WO-000010")
    assert detail.chip.text() == "Planned (Firm)"
    assert "Created WO-000010" in window.message_bar.text
    assert not detail.action_buttons["build"].isEnabled()  # the state machine: release first
    assert "BRAKE-KIT" in detail.short_note.text()

    click(qtbot, detail.action_buttons["release"])
    idle(qtbot, ctx)
    assert detail.view.info.status == "released" and "Released WO-000010" in window.message_bar.text

    # Olga, an operator, issues and builds; she cannot release or close.
    sign_in(window, qtbot, "olga", "2222")
    detail = window.show_page("work_order", number="WO-000010")
    idle(qtbot, ctx)
    assert not detail.action_buttons["close"].isEnabled()
    assert not detail.action_buttons["release"].isVisible()
    click(qtbot, detail.action_buttons["issue"])
    issue = detail.dialog
    qtbot.keyClicks(issue.quantities["FRAME-AL-M"], "5")
    click(qtbot, issue.ok)
    idle(qtbot, ctx)
    lines = {ln.sku: ln for ln in detail.view.info.lines}
    assert str(lines["FRAME-AL-M"].issued.normalize()) == "5"
    assert detail.view.info.status == "in_process"

    click(qtbot, detail.action_buttons["build"])
    build = detail.dialog
    qtbot.keyClicks(build.quantity, "50")
    qtbot.keyClick(build.quantity, Qt.Key.Key_Return)
    idle(qtbot, ctx)
    assert build.isVisible() and "only 20 remain" in build.error.text()  # refused in words
    build.quantity.clear()
    qtbot.keyClicks(build.quantity, "5")
    click(qtbot, build.ok)
    idle(qtbot, ctx)
    assert not build.isVisible()
    assert str(detail.view.info.built.normalize()) == "5"
    assert "Built 5 BIKE-CITY-M on WO-000010" in window.message_bar.text
    assert detail.postings.rowCount() > 0

    # Olga is refused by the service too, not only by a disabled button.
    run_op(window, work_orders.close_work_order, "WO-000010").run()
    idle(qtbot, ctx)
    assert window.message_bar.kind == "error"
    assert "olga (operator) may not" in window.message_bar.text

    # Sam closes: the variance is shown first, nothing is closed until he confirms.
    sign_in(window, qtbot, "sam", "1111")
    detail = window.show_page("work_order", number="WO-000010")
    idle(qtbot, ctx)
    click(qtbot, detail.action_buttons["close"])
    idle(qtbot, ctx)
    close = detail.dialog
    assert close.isVisible() and len(close.rows) == 11
    assert {v.sku for v in close.rows if v.variance != 0} == set()
    assert work_orders.get_work_order(ctx.uow, "WO-000010").status == "in_process"
    click(qtbot, close.ok)
    idle(qtbot, ctx)
    assert detail.view.info.status == "closed" and detail.chip.text() == "Closed"
    assert not any(b.isEnabled() for b in detail.action_buttons.values())


def test_an_illegal_action_is_refused_in_words(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert "everyone works as admin" in window.user_label.text()
    detail = window.show_page("work_order", number="WO-000001")  # released, nothing moved
    idle(qtbot, ctx)
    assert not detail.action_buttons["close"].isEnabled()
    run_op(window, work_orders.close_work_order, "WO-000001").run()
    idle(qtbot, ctx)
    assert "cancel it instead" in window.message_bar.text
    uow = UnitOfWork(ctx.database, Actor("tester", "bench"))
    assert work_orders.get_work_order(uow, "WO-000001").status == "released"


def test_five_wrong_pins_lock_the_user_in_the_window(team, ctx, qtbot) -> None:  # type: ignore[no-untyped-def]
    team()
    from app.views.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.start_session()
    idle(qtbot, ctx)
    dialog = window.signin_dialog
    qtbot.waitUntil(lambda: dialog.users.count() == 3)
    dialog.pick("olga")
    for _ in range(5):
        qtbot.keyClicks(dialog.pin, "0000")
        qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
        idle(qtbot, ctx)
        assert ctx.user is None
    assert "locked for 5 minutes" in dialog.error.text()
    qtbot.keyClicks(dialog.pin, "2222")
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    idle(qtbot, ctx)
    assert ctx.user is None and "locked until" in dialog.error.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # nobody signed in: the dialog stays
    assert dialog.isVisible()


def test_idle_minutes_sign_the_user_out(team, ctx, qtbot) -> None:  # type: ignore[no-untyped-def]
    team()
    from app.services import admin
    from app.views.main_window import MainWindow

    admin.set_preference(
        UnitOfWork(ctx.database, Actor("anna", "x")), "sign_out_after_idle_minutes", "3"
    )
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.start_session()
    idle(qtbot, ctx)
    sign_in(window, qtbot, "anna", "4711")
    qtbot.waitUntil(lambda: window.idle_watch.minutes == 3)
    start = window.idle_watch.last_input
    assert not window.idle_watch.check(now=start + 179)
    assert window.idle_watch.check(now=start + 181)
    assert ctx.user is None and window.signin_dialog.isVisible()
    assert "signed out after 3 idle minutes" in window.message_bar.text
