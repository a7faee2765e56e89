"""The audit trail and backups in the window: the trail paged, filtered and exported; a
backup taken and restored with Restore…; the automatic backups of a running window; who sees
which page."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt

from app.models import utcnow
from app.services import admin, auth, backups, inventory
from app.services.engine.uow import Actor, UnitOfWork
from tests.views.conftest import idle


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    assert widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def service(ctx) -> UnitOfWork:  # type: ignore[no-untyped-def]
    return UnitOfWork(ctx.database, Actor("tester", "bench"))


def titles(window) -> list[str]:  # type: ignore[no-untyped-def]
    return [window.nav.item(n).text() for n in range(window.nav.count())]


def test_the_audit_trail_is_paged_filtered_and_exported(  # type: ignore[no-untyped-def]
    ctx, window, qtbot, tmp_path, monkeypatch
) -> None:
    for _ in range(60):  # enough events for more than one page
        inventory.adjust_stock(service(ctx), "GREASE", "1")
        inventory.adjust_stock(service(ctx), "GREASE", "-1")
    inventory.adjust_stock(service(ctx), "BOLT-M5", "-4", memo="dropped in the drain")
    page = window.show_page("audit")
    idle(qtbot, ctx)
    newest = page.model.rows[0]
    assert (newest.action, newest.username, newest.role) == ("stock.adjust", "tester", "admin")
    total = page.model.total
    assert total > len(page.model.rows) == 200  # the first page only
    page.model.fetchMore()
    idle(qtbot, ctx)
    assert len(page.model.rows) == total
    ids = [r.id for r in page.model.rows]
    assert ids == sorted(set(ids), reverse=True)  # newest first, no row twice
    qtbot.keyClicks(page.action, "wo.build")
    page.apply_filters()
    idle(qtbot, ctx)
    assert page.model.rows and {r.action for r in page.model.rows} == {"wo.build"}
    assert page.count.text() == f"{page.model.total} event" + ("s" * (page.model.total != 1))
    page.action.clear()
    qtbot.keyClicks(page.text, "drain")
    page.apply_filters()
    idle(qtbot, ctx)
    (row,) = page.model.rows
    assert row.quantities.startswith("BOLT-M5@MAIN on hand ")
    cells = [page.model.index(0, c).data() for c in range(page.model.columnCount())]
    assert cells[1:6] == ["tester", "admin", "bench", "stock.adjust", "BOLT-M5"]
    monkeypatch.setattr(page, "choose_export_path", lambda: str(tmp_path / "trail"))
    click(qtbot, page.export_button)
    idle(qtbot, ctx)
    assert "Exported 1 event of the audit trail" in window.message_bar.text
    with (tmp_path / "trail.csv").open(newline="", encoding="utf-8") as fh:
        (exported,) = list(csv.DictReader(fh))
    assert exported["quantities"] == row.quantities


def test_a_backup_taken_and_restored_in_the_window(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("backups")
    idle(qtbot, ctx)
    assert page.model.rows == []
    click(qtbot, page.backup_button)
    idle(qtbot, ctx)
    (taken,) = page.model.rows
    assert taken.kind == "automatic" and Path(taken.path).parent.name == "plant.db.backups"
    assert "Backed up to" in window.message_bar.text
    on_hand = inventory.stock_position(service(ctx), "BOLT-M5").on_hand
    inventory.adjust_stock(service(ctx), "BOLT-M5", "100")
    page.table.selectRow(0)
    click(qtbot, page.restore_button)
    dialog = page.dialog
    assert dialog is not None and dialog.windowTitle().startswith("Restore the backup of ")
    click(qtbot, dialog.ok)
    idle(qtbot, ctx)
    assert "Restored the backup" in window.message_bar.text
    assert inventory.stock_position(service(ctx), "BOLT-M5").on_hand == on_hand
    kinds = sorted(b.kind for b in page.model.rows)
    assert kinds == ["automatic", "before restore"]
    assert ctx.user is not None and ctx.user.role == "admin"  # nobody registered: at once


def test_the_window_backs_up_when_a_backup_is_due(ctx, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.views.admin.backups import BackupSchedule

    schedule = BackupSchedule(ctx)
    schedule.start()  # the first start of the day: none yet, so one now
    idle(qtbot, ctx)
    (first,) = schedule.taken
    assert schedule.timer.isActive()
    schedule.check(now=first.taken_at + timedelta(hours=23))
    idle(qtbot, ctx)
    assert len(schedule.taken) == 1  # every 24 hours
    schedule.check(now=first.taken_at + timedelta(hours=24))
    idle(qtbot, ctx)
    assert len(schedule.taken) == 2
    assert [b.path for b in backups.automatic_backups(ctx.database)] == [
        t.file for t in reversed(schedule.taken)
    ]
    schedule.timer.stop()


def test_who_sees_the_audit_trail_and_backups(team, ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    team()
    for name, pin, seen in (
        ("olga", "2222", []),
        ("sam", "1111", ["Audit trail"]),
        ("anna", "4711", ["Audit trail", "Backups"]),
    ):
        ctx.set_user(auth.sign_in(ctx.uow, name, pin))
        idle(qtbot, ctx)
        offered = []
        if "Administration" in titles(window):
            hub = window.show_page("administration")
            offered = [k for k in hub.buttons if k in ("audit", "backups")]
        assert [{"audit": "Audit trail", "backups": "Backups"}[k] for k in offered] == seen, name
    admin.add_user(ctx.uow, "sara", "sales", secret="5555")


def test_a_feature_package_imported_first_keeps_its_pages() -> None:
    """Importing a page module of a feature before the list of pages does not lose the
    pages its package declares."""
    probe = (
        "import app.views.admin.users, app.views.counts.pages\n"
        "from app.views.pages import PAGES\n"
        "print(' '.join(p.key for p in PAGES))"
    )
    keys = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""},
    ).stdout.split()
    assert {"audit", "backups", "cycle_counts", "cycle_count"} <= set(keys)


def test_automatic_backups_are_off_at_zero_hours(ctx) -> None:  # type: ignore[no-untyped-def]
    admin.set_preference(service(ctx), "backup_every_hours", "0")
    assert backups.automatic_backup(ctx.database, now=utcnow(), starting=True) is None
