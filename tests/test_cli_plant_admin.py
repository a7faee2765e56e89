"""Running a plant from the command line, as real subprocesses: once users exist a command acts
as its user only with their PIN (asked for at a terminal, or $SHOPFLOOR_PIN), with the
window's lockout; order entry and approval are separate duties; backups are taken while
others post and restored, refusing what is not a Shopfloor backup; every file made is readable
by its owner only; the audit trail is read, filtered and exported.

The plant: the demo bicycle plant with anna (admin, PIN 4711), sam (supervisor, 1111), sara
(order entry, 2222) and olga (operator, 3333), registered through the command line.
"""

from __future__ import annotations

import csv
import json
import os
import pty
import select as os_select
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from app.models import AuditEvent
from app.services import auth
from app.services.check import check_database
from app.services.engine.database import SCHEMA_HEAD, Database
from app.services.engine.uow import Actor, UnitOfWork
from tests.cli_helpers import Shopfloor, copy_database, snapshot, succeeded
from tests.plant import Plant

PINS = {"anna": "4711", "sam": "1111", "sara": "2222", "olga": "3333"}
ROLES = {"anna": "admin", "sam": "supervisor", "sara": "sales", "olga": "operator"}


@pytest.fixture(scope="module")
def staffed_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("staffed")
    path = home / "plant.db"
    first = Shopfloor(home, path, user="anna")
    succeeded(first.run("init", "--demo"))
    first.ok("user", "add", "anna", "--role", "admin", input=f"{PINS['anna']}\n")
    anna = first.with_(pin=PINS["anna"])
    for name in ("sam", "sara", "olga"):
        anna.ok("user", "add", name, "--role", ROLES[name], input=f"{PINS[name]}\n")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def plant(staffed_template: Path, tmp_path: Path) -> Path:
    return copy_database(staffed_template, tmp_path / "plant.db")


def person(plant: Path, name: str, *, pin: str | None = "") -> Shopfloor:
    """The command line as `name` (with their own PIN unless another, or None, is given)."""
    return Shopfloor(plant.parent, plant, user=name, pin=PINS[name] if pin == "" else pin)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def trail(plant: Path, **filters: str) -> list[dict[str, Any]]:
    args = [a for k, v in filters.items() for a in (f"--{k}", v)]
    rows: list[dict[str, Any]] = person(plant, "anna").ok("audit", "--limit", "500", *args)[
        "events"
    ]
    return rows


# --- credentials ------------------------------------------------------------------------------


def test_a_command_acts_as_its_user_only_with_their_pin(plant: Path) -> None:
    before = snapshot(plant)
    reason = person(plant, "anna", pin=None).refused("stock", "BRAKE-KIT", code="permission_denied")
    assert reason == (
        "anna signs in with a PIN: type it when asked (at a terminal), or set SHOPFLOOR_PIN "
        "for a script"
    )
    assert snapshot(plant) == before  # no PIN, no attempt
    wrong = person(plant, "anna", pin="0000").refused("adjust", "BOLT-M5", "5")
    assert wrong == "wrong PIN for anna; 4 more tries before a lockout"
    assert person(plant, "anna").ok("stock", "BOLT-M5")["sku"] == "BOLT-M5"
    unknown = Shopfloor(plant.parent, plant, user="mallory", pin="1234").refused("stock")
    assert unknown == "there is no user named 'mallory'"
    olga = person(plant, "olga")
    assert olga.refused("adjust", "BOLT-M5", "5") == "olga (operator) may not adjust stock"
    # The command line says where each attempt came from.
    said = [(e["action"], e["document"], e["details"]) for e in trail(plant, action="auth")]
    assert [(a, d) for a, d, _ in said[:4]] == [
        ("auth.sign_in", "anna"),  # reading the trail
        ("auth.sign_in", "olga"),
        ("auth.refused", "mallory"),
        ("auth.sign_in", "anna"),
    ]
    assert said[4][:2] == ("auth.refused", "anna")
    assert all(d["via"] == "command line" for _a, _d, d in said[:5])


def test_five_wrong_pins_lock_a_user_out_of_the_command_line_and_the_window(plant: Path) -> None:
    guess = person(plant, "olga", pin="0000")
    for left in (4, 3, 2, 1):
        assert guess.refused("stock") == f"wrong PIN for olga; {left} more tr" + (
            "ies before a lockout" if left > 1 else "y before a lockout"
        )
    assert guess.refused("stock") == (
        "wrong PIN for olga; after 5 wrong PINs olga is locked for 5 minutes"
    )
    assert person(plant, "olga").refused("stock").startswith("olga is locked until")
    database = Database(f"sqlite:///{plant}")
    try:
        with pytest.raises(auth.PermissionDenied, match="olga is locked until"):
            auth.sign_in(UnitOfWork(database, Actor("olga", "station-2")), "olga", "3333")
    finally:
        database.dispose()
    (lockout,) = trail(plant, action="auth", search="locked out")
    assert (lockout["document"], lockout["details"]["failures"]) == ("olga", 5)
    anna = person(plant, "anna")
    anna.ok("user", "set", "olga", "--reset-pin", input="9876\n")  # a new PIN ends the lock
    assert person(plant, "olga", pin="9876").ok("stock", "BOLT-M5")["sku"] == "BOLT-M5"


def read_until(fd: int, wanted: bytes, seen: bytearray) -> None:
    """Read what the terminal shows until `wanted` has appeared (or the program ended)."""
    while wanted not in seen:
        ready, _, _ = os_select.select([fd], [], [], 60)
        assert ready, f"the terminal showed {bytes(seen)!r}, never {wanted!r}"
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the program ended
            return
        if not chunk:
            return
        seen += chunk


def test_at_a_terminal_the_pin_is_asked_for_unseen(plant: Path) -> None:
    sf = person(plant, "sam", pin=None)
    argv = [*sf.command, "--db", str(plant), "--json", "stock", "BOLT-M5"]
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command, on the terminal
        os.chdir(sf.home)
        os.execve(argv[0], argv, sf.environment())
    seen = bytearray()
    try:
        read_until(fd, b"PIN for sam: ", seen)
        assert bytes(seen).endswith(b"PIN for sam: "), bytes(seen)  # asked, nothing done yet
        os.write(fd, b"1111\n")
        read_until(fd, b"}\r\n", seen)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, bytes(seen)
    shown = bytes(seen).decode()
    assert "1111" not in shown  # not echoed
    assert json.loads(shown.splitlines()[-1])["sku"] == "BOLT-M5"


# --- separation of duties -----------------------------------------------------------------------


def test_order_entry_and_approval_are_separate_duties(plant: Path) -> None:
    anna, sam, sara = (person(plant, n) for n in ("anna", "sam", "sara"))
    anna.ok("prefs", "set", "default_sales_order_status", "pending_approval")
    order = ("so", "create", "--customer", "Harbor Cycles", "--line", "HELMET-M:1@42")
    before = snapshot(plant)
    refused = sara.refused(*order, "--status", "pending_fulfillment", code="permission_denied")
    assert refused == (
        "sara (sales) may not approve sales orders, customer returns and vendor returns; "
        "enter it as pending_approval for someone who may approve it"
    )
    assert [ln for ln in snapshot(plant) if "sales_order" in ln] == [
        ln for ln in before if "sales_order" in ln
    ]
    entered = sara.ok(*order)
    assert (entered["status"], entered["created_by"]) == ("pending_approval", "sara")
    assert sara.refused("so", "approve", entered["number"]) == (
        "sara (sales) may not approve sales orders, customer returns and vendor returns"
    )
    anna.ok("prefs", "set", "approver_must_differ_from_author", "true")
    mine = sam.ok(*order)["number"]
    assert sam.refused("so", "approve", mine).startswith(f"{mine} was entered by sam")
    assert sam.ok("so", "approve", entered["number"])["status"] == "pending_fulfillment"
    assert anna.ok("so", "approve", mine)["status"] == "pending_fulfillment"


# --- backups and restore -------------------------------------------------------------------


def test_a_backup_is_restored_and_what_it_replaced_is_kept(plant: Path) -> None:
    anna, olga = person(plant, "anna"), person(plant, "olga")
    out = plant.parent / "monday.db"
    assert olga.refused("backup", "--out", str(out)) == (
        "olga (operator) may not back up or restore the database"
    )
    assert not out.exists()
    taken = anna.ok("backup", "--out", str(out))
    assert (taken["file"], taken["schema"]) == (str(out), SCHEMA_HEAD)
    assert mode(out) == 0o600
    assert (
        anna.refused("backup", "--out", str(out))
        == f"{out} exists already; back up into a new file"
    )
    on_hand = int(anna.ok("stock", "BOLT-M5")["on_hand"])
    anna.ok("adjust", "BOLT-M5", "1000", "--memo", "after the backup")
    assert olga.refused("restore", str(out)) == (
        "olga (operator) may not back up or restore the database"
    )
    done = anna.ok("restore", str(out))
    assert (done["file"], done["schema"]) == (str(out), SCHEMA_HEAD)
    kept = Path(done["replaced_copy"])
    assert kept.name.startswith("plant.db.before-restore.") and mode(kept) == 0o600
    assert anna.ok("stock", "BOLT-M5")["on_hand"] == str(on_hand)  # the adjustment is gone
    copy = Shopfloor(plant.parent, kept, user="anna", pin="4711")
    assert copy.ok("stock", "BOLT-M5")["on_hand"] == str(on_hand + 1000)  # kept in the copy
    assert anna.ok("check")["ok"] is True
    (restore,) = trail(plant, action="db.restore")
    assert (restore["user"], restore["role"], restore["document"]) == ("anna", "admin", out.name)
    assert trail(plant, action="db.backup") == []  # taken after the backup was


def test_restore_refuses_what_is_not_a_shopfloor_backup_and_changes_nothing(
    plant: Path, tmp_path: Path
) -> None:
    anna = person(plant, "anna")
    text = tmp_path / "notes.db"
    text.write_text("not a database\n", encoding="utf-8")
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE t (x)")
    unsettled = tmp_path / "unsettled.db"
    anna.ok("backup", "--out", str(unsettled))
    unsettled.with_name("unsettled.db-wal").write_bytes(b"\0" * 32)
    newer = tmp_path / "newer.db"
    anna.ok("backup", "--out", str(newer))
    with closing(sqlite3.connect(newer)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = sorted(p.name for p in plant.parent.iterdir())
    dump = snapshot(plant)
    for file, reason in (
        (text, f"{text} is not a Shopfloor backup"),
        (other, f"{other} is not a Shopfloor database"),
        (tmp_path / "missing.db", f"{tmp_path / 'missing.db'} is not a file"),
        (
            unsettled,
            f"{unsettled} has a write-ahead log beside it that is not folded in; close what "
            "has it open, or open it once with sqlite3",
        ),
        (
            newer,
            f"{newer} was written by a newer Shopfloor (schema 9999); update this program to "
            "restore it",
        ),
    ):
        assert anna.refused("restore", str(file)) == reason
    assert snapshot(plant) == dump
    assert sorted(p.name for p in plant.parent.iterdir()) == before  # no copy was made


def test_automatic_backups_rotate_in_a_private_folder(plant: Path) -> None:
    anna = person(plant, "anna")
    anna.ok("prefs", "set", "backups_to_keep", "2")
    made = [anna.ok("backup")["file"] for _ in range(3)]
    folder = plant.with_name("plant.db.backups")
    assert mode(folder) == 0o700
    assert sorted(p.name for p in folder.iterdir()) == sorted(Path(f).name for f in made[1:])
    assert all(mode(p) == 0o600 for p in folder.iterdir())
    listed = anna.ok("backup", "--list")["backups"]
    assert [b["path"] for b in listed if b["kind"] == "automatic"] == made[:0:-1]


def test_every_file_of_a_sqlite_plant_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    sf = Shopfloor(tmp_path, tmp_path / "new.db", user="anna")
    succeeded(sf.run("init", "--demo"))
    assert mode(tmp_path / "new.db") == 0o600
    database = Database(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        with database.session(write=True) as session:  # an open write: its WAL and shm exist
            session.execute(text("UPDATE counter SET value = value"))
            for suffix in ("-wal", "-shm"):
                assert mode(tmp_path / f"new.db{suffix}") == 0o600, suffix
            session.commit()
    finally:
        database.dispose()
    # An upgrade's copy of the old file, beside it.
    old = tmp_path / "old.db"
    shutil.copyfile(Path(__file__).parent / "data" / "schema-0004-demo.db", old)
    os.chmod(old, 0o644)
    upgraded = succeeded(sf.with_(db=old).run("init"))
    assert mode(Path(upgraded["backup"])) == 0o600
    made = {p.name: mode(p) for p in tmp_path.iterdir() if p.is_file()}
    assert {name: m for name, m in made.items() if name != "old.db"} == dict.fromkeys(
        [n for n in made if n != "old.db"], 0o600
    )


# --- a backup while four workstations post -------------------------------------------------------


@pytest.fixture
def posting(database: Database, tmp_path: Path) -> Iterator[tuple[Database, Path]]:
    shop = Plant(UnitOfWork(database, Actor("tester", "office")))
    shop.item("NUT")
    shop.stock("NUT", 100)
    yield database, tmp_path


def workers(url: str, stop: Path, n: int) -> list[subprocess.Popen[str]]:
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.posting_worker", url, f"station-{i}", "NUT", str(stop)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parent.parent,
        )
        for i in range(1, n + 1)
    ]
    for w in started:
        assert w.stdout is not None and w.stdout.readline() == "posting\n"
    return started


def events(database: Database) -> int:
    with database.session() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def test_a_backup_taken_while_four_workstations_post_restores_whole(
    posting: tuple[Database, Path],
) -> None:
    database, folder = posting
    url = database.url.render_as_string(hide_password=False)
    sf = Shopfloor(folder, None, user="tester", env={"SHOPFLOOR_DB": url})
    out = folder / "during.backup"
    stop = folder / "stop"
    busy = workers(url, stop, 4)
    try:
        before = events(database)
        taken = sf.ok("backup", "--out", str(out))
        after = events(database)
        assert all(w.poll() is None for w in busy)  # still posting when it was done
    finally:
        stop.touch()
        reports = [json.loads(w.communicate()[0].splitlines()[-1]) for w in busy]
    assert all(w.returncode == 0 for w in busy)
    assert sum(r["postings"] for r in reports) >= 8
    assert mode(out) == 0o600
    database.dispose()
    done = sf.ok("restore", taken["file"])
    assert done["replaced_copy"] is not None and mode(Path(done["replaced_copy"])) == 0o600
    restored = events(database)
    # Everything committed before the backup, the backup's own event not yet, the restore's.
    assert before + 1 <= restored <= after + 1
    report = check_database(UnitOfWork(database, Actor("tester", "office")))
    assert report.ok, report.problems
    database.dispose()


def test_a_backup_keeps_what_each_posting_wrote_whole(posting: tuple[Database, Path]) -> None:
    """The restored ledger is exactly the postings the restored trail records: none half."""
    database, folder = posting
    url = database.url.render_as_string(hide_password=False)
    sf = Shopfloor(folder, None, user="tester", env={"SHOPFLOOR_DB": url})
    stop = folder / "stop"
    busy = workers(url, stop, 4)
    try:
        taken = sf.ok("backup", "--out", str(folder / "whole.backup"))
    finally:
        stop.touch()
        for w in busy:
            w.communicate()
    database.dispose()
    sf.ok("restore", taken["file"])
    rows = [r for r in sf.ok("ledger", "NUT", "--limit", "10000")["entries"]]
    adjustments = trail_of(sf, "stock.adjust")
    assert len(rows) == len(adjustments)
    on_hand = sum(int(float(r["quantity"])) for r in rows)
    assert sf.ok("stock", "NUT")["on_hand"] == str(on_hand)
    database.dispose()


def trail_of(sf: Shopfloor, action: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = sf.ok("audit", "--action", action, "--limit", "10000")["events"]
    return found


def test_the_audit_command_filters_and_exports(plant: Path) -> None:
    sam = person(plant, "sam")
    on_hand = int(sam.ok("stock", "BOLT-M5")["on_hand"])
    sam.ok("adjust", "BOLT-M5", "-3", "--memo", "dropped")
    out = plant.parent / "sam.csv"
    listed = person(plant, "anna").ok(
        "audit", "--user", "sam", "--action", "stock", "--since", "2020-01-01", "--export", str(out)
    )
    (event,) = listed["events"]
    assert (event["user"], event["role"], event["workstation"]) == ("sam", "supervisor", "bench-1")
    assert event["stock"] == [
        {
            "sku": "BOLT-M5",
            "location": "MAIN",
            "figure": "on_hand",
            "before": str(on_hand),
            "after": str(on_hand - 3),
        }
    ]
    assert event["details"]["memo"] == "dropped"
    assert listed["exported"] == 1
    with out.open(encoding="utf-8", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["user"], row["action"], row["quantities"]) == (
        "sam",
        "stock.adjust",
        f"BOLT-M5@MAIN on hand {on_hand} → {on_hand - 3}",
    )
    assert person(plant, "olga").refused("audit") == "olga (operator) may not read the audit trail"
    assert person(plant, "anna").refused("audit", "--since", "monday") == (
        "since 'monday' is not a date (YYYY-MM-DD)"
    )
