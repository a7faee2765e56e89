"""Signing in: argon2id hashes, the lockout after five wrong PINs, an audit event for every
attempt (refused ones committed too), and PINs from a prompt or standard input only."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.cli import main
from app.errors import PermissionDenied, ValidationError
from app.models import AppUser, AuditEvent, utcnow
from app.services import admin, auth
from app.services.check import check_database
from app.services.engine.database import Database
from app.services.engine.permissions import Permission
from app.services.engine.uow import Actor, UnitOfWork


def events(uow: UnitOfWork, action: str) -> list[AuditEvent]:
    with uow.database.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def stored(uow: UnitOfWork, name: str) -> AppUser:
    with uow.database.session() as s:
        user = s.get(AppUser, name)
        assert user is not None
        return user


@pytest.fixture
def desk(database: Database) -> Iterator[UnitOfWork]:
    """anna's unit of work; afterwards the database must pass `shopfloor check`."""
    unit = UnitOfWork(database, Actor("anna", "office"))
    yield unit
    report = check_database(unit)
    assert report.ok, report.problems


@pytest.fixture
def team(desk: UnitOfWork) -> UnitOfWork:
    """anna (admin, PIN 4711), olga (operator, PIN 1234); anna acts."""
    admin.add_user(desk, "anna", "admin", secret="4711")
    admin.add_user(desk, "olga", "operator", secret="1234")
    return desk


def test_a_pin_is_kept_only_as_an_argon2id_hash(team: UnitOfWork) -> None:
    user = stored(team, "olga")
    assert user.secret_hash is not None
    assert user.secret_hash.startswith("$argon2id$")
    assert "1234" not in user.secret_hash
    assert stored(team, "anna").secret_hash != user.secret_hash  # salted


def test_sign_in_with_the_right_pin(team: UnitOfWork) -> None:
    olga = auth.sign_in(team, "olga", "1234")
    assert (olga.username, olga.role, olga.registered) == ("olga", "operator", True)
    assert olga.can(Permission.PRODUCE) and not olga.can(Permission.PLAN)
    [event] = events(team, "auth.sign_in")
    assert (event.username, event.document) == ("olga", "olga")


def test_five_wrong_pins_lock_the_user_and_each_is_audited(team: UnitOfWork) -> None:
    now = utcnow()
    for n in range(1, 5):
        with pytest.raises(PermissionDenied, match=f"{5 - n} more tr"):
            auth.sign_in(team, "olga", "9999", now=now)
        assert stored(team, "olga").failed_attempts == n
    with pytest.raises(PermissionDenied, match="locked for 5 minutes"):
        auth.sign_in(team, "olga", "0000", now=now)
    assert len(events(team, "auth.refused")) == 5
    locked = stored(team, "olga").locked_until
    assert locked is not None and locked == now + timedelta(minutes=5)
    # The right PIN is refused while locked, and that attempt is an audit event too.
    with pytest.raises(PermissionDenied, match="locked until"):
        auth.sign_in(team, "olga", "1234", now=now + timedelta(minutes=4))
    assert len(events(team, "auth.refused")) == 6
    # Five minutes later the right PIN works and the count starts again.
    assert auth.sign_in(team, "olga", "1234", now=now + timedelta(minutes=5, seconds=1))
    user = stored(team, "olga")
    assert (user.failed_attempts, user.locked_until) == (0, None)


def test_a_new_pin_ends_a_lockout(team: UnitOfWork) -> None:
    for _ in range(5):
        with pytest.raises(PermissionDenied):
            auth.sign_in(team, "olga", "nope")
    info = admin.list_users(team)
    assert {u.username: u.locked_until is not None for u in info} == {"anna": False, "olga": True}
    admin.reset_secret(team, "olga", "2468")
    assert auth.sign_in(team, "olga", "2468").role == "operator"
    with pytest.raises(PermissionDenied, match="wrong PIN"):
        auth.sign_in(team, "olga", "1234")


def test_only_an_admin_resets_a_pin(team: UnitOfWork) -> None:
    with pytest.raises(PermissionDenied, match="olga \\(operator\\) may not manage users"):
        admin.reset_secret(team.as_user("olga"), "anna", "0000")


def test_unknown_deactivated_and_pinless_users_are_refused_in_words(team: UnitOfWork) -> None:
    with pytest.raises(PermissionDenied, match="no user named 'bob'"):
        auth.sign_in(team, "bob", "1234")
    admin.add_user(team, "sam", "supervisor")
    with pytest.raises(PermissionDenied, match="sam has no PIN yet"):
        auth.sign_in(team, "sam", "1234")
    admin.update_user(team, "olga", active=False)
    with pytest.raises(PermissionDenied, match="olga is deactivated"):
        auth.sign_in(team, "olga", "1234")
    assert [e.document for e in events(team, "auth.refused")] == ["bob", "sam", "olga"]
    assert auth.sign_in_choices(team).users == ["anna", "sam"]


def test_while_nobody_is_registered_everyone_is_admin(desk: UnitOfWork) -> None:
    here = auth.workstation_user(desk)
    assert here is not None and (here.role, here.registered) == ("admin", False)
    assert auth.sign_in_choices(desk).registered is False
    admin.add_user(desk, "anna", "admin", secret="4711")
    assert auth.workstation_user(desk) is None


@pytest.mark.sqlite_only
@pytest.mark.parametrize("secret", ["12", " 1234", "1234 ", "12\t34", "x" * 129])
def test_bad_secrets_are_refused(desk: UnitOfWork, secret: str) -> None:
    with pytest.raises(ValidationError):
        admin.add_user(desk, "anna", "admin", secret=secret)
    assert admin.list_users(desk) == []


@pytest.mark.sqlite_only
def test_badges() -> None:
    assert auth.badge_user("#U:olga\n") == "olga"
    assert auth.badge_user("#u: olga") == "olga"
    assert auth.badge_user("#U:") is None
    assert auth.badge_user("WO-000001") is None


@pytest.mark.sqlite_only
def test_the_idle_sign_out_preference(uow: UnitOfWork) -> None:
    assert admin.show_preferences(uow)["sign_out_after_idle_minutes"] == "0"
    assert (
        admin.set_preference(uow, "sign_out_after_idle_minutes", " 15 ")[
            "sign_out_after_idle_minutes"
        ]
        == "15"
    )
    for bad in ("-1", "abc", "1.5", "100000", "²"):
        with pytest.raises(ValidationError, match="whole number from 0 to 1440"):
            admin.set_preference(uow, "sign_out_after_idle_minutes", bad)


def _cli(database: Database, stdin: str, *argv: str) -> int:
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return main(["--db", database.url.render_as_string(hide_password=False), *argv])
    finally:
        sys.stdin = old


@pytest.mark.sqlite_only
def test_the_command_line_reads_pins_from_standard_input(
    database: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _cli(database, "4711\n", "user", "add", "anna", "--role", "admin") == 0
    assert "with a PIN" in capsys.readouterr().out
    monkeypatch.setenv("SHOPFLOOR_PIN", "4711")  # anna's own PIN: she is registered now
    assert _cli(database, "", "--user", "anna", "user", "add", "olga", "--role", "operator") == 0
    assert "without a PIN" in capsys.readouterr().out
    uow = UnitOfWork(database, Actor("anna", "bench"))
    with pytest.raises(PermissionDenied, match="no PIN yet"):
        auth.sign_in(uow, "olga", "1234")
    assert _cli(database, "", "--user", "anna", "user", "set", "olga", "--reset-pin") == 2
    assert "no PIN given" in capsys.readouterr().err
    assert _cli(database, "1234\n", "--user", "anna", "user", "set", "olga", "--reset-pin") == 0
    assert auth.sign_in(uow, "olga", "1234").role == "operator"
    assert auth.sign_in(uow, "anna", "4711").role == "admin"
