"""Signing in to the desktop application: a PIN or password per user, kept only as an argon2id
hash, and a lockout after repeated failures.

Every attempt is an audit event, refused ones included: a refusal is committed in a posting
of its own and only then raised as `PermissionDenied`. While no user is registered there is
nothing to sign in to and everyone works as admin (a one-person workstation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from app.errors import NotFound, PermissionDenied, ValidationError
from app.models import AppUser, utcnow
from app.services.engine import changes
from app.services.engine.permissions import ROLE_PERMISSIONS, Permission
from app.services.engine.uow import Transaction, UnitOfWork, permission_of

LOCK_AFTER_FAILURES = 5
LOCK_FOR = timedelta(minutes=5)
MIN_SECRET = 4
MAX_SECRET = 128
BADGE_PREFIX = "#U:"

_HASHER = PasswordHasher()  # argon2id with the library's recommended cost


@dataclass(frozen=True)
class SignedIn:
    """Who works at the workstation now, and what their role lets them do."""

    username: str
    role: str
    registered: bool  # False: no user is registered and everyone works as admin
    permissions: frozenset[Permission]

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def may(self, action: str) -> bool:
        """Whether this user may run a posting ("wo.release"): its permission is the one
        the posting declares."""
        return permission_of(action) in self.permissions


@dataclass(frozen=True)
class SignInChoices:
    """What a sign-in screen offers: the active users by name (none: nobody signs in)."""

    registered: bool
    users: list[str]


def signed_in(username: str, role: str, *, registered: bool = True) -> SignedIn:
    return SignedIn(username, role, registered, ROLE_PERMISSIONS.get(role, frozenset()))


def check_secret(secret: object) -> str:
    """A PIN or password as typed: 4 to 128 characters, no surrounding spaces."""
    text = secret if isinstance(secret, str) else ""
    if text != text.strip():
        raise ValidationError("a PIN or password may not start or end with a space")
    if len(text) < MIN_SECRET:
        raise ValidationError(f"a PIN or password needs at least {MIN_SECRET} characters")
    if len(text) > MAX_SECRET:
        raise ValidationError(f"a PIN or password has at most {MAX_SECRET} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValidationError("a PIN or password may not contain control characters")
    return text


def hash_secret(secret: object) -> str:
    """The argon2id hash (salted, slow) of a valid PIN or password."""
    return _HASHER.hash(check_secret(secret))


def badge_user(code: str) -> str | None:
    """The user name on a scanned badge (`#U:<name>`), or None when the code is no badge."""
    text = (code or "").strip()
    if text[: len(BADGE_PREFIX)].upper() != BADGE_PREFIX:
        return None
    return text[len(BADGE_PREFIX) :].strip() or None


def sign_in_choices(uow: UnitOfWork) -> SignInChoices:
    """The active users to pick from (read without signing in)."""

    def body(tx: Transaction) -> SignInChoices:
        total = tx.session.scalar(select(func.count()).select_from(AppUser)) or 0
        names = tx.session.scalars(
            select(AppUser.username).where(AppUser.active.is_(True)).order_by(AppUser.username)
        ).all()
        return SignInChoices(registered=total > 0, users=list(names))

    return uow.read(body)


def workstation_user(uow: UnitOfWork) -> SignedIn | None:
    """Who works here without signing in: the workstation's user as admin while no user is
    registered; None once users are registered (then someone must sign in)."""
    if sign_in_choices(uow).registered:
        return None
    return signed_in(uow.actor.user, "admin", registered=False)


@dataclass(frozen=True)
class _Account:
    username: str
    role: str
    active: bool
    secret_hash: str | None
    locked_until: datetime | None


def _account(uow: UnitOfWork, name: str) -> _Account | None:
    def body(tx: Transaction) -> _Account | None:
        user = tx.session.get(AppUser, name)
        if user is None:
            return None
        return _Account(user.username, user.role, user.active, user.secret_hash, user.locked_until)

    return uow.read(body)


def _refuse(
    uow: UnitOfWork, name: str, reason: str, message: str, via: str | None
) -> PermissionDenied:
    """Record a refused sign-in (its own committed posting) and return the error to raise."""

    def body(tx: Transaction) -> None:
        tx.set_document(name)
        tx.note(outcome="refused", reason=reason)
        if via is not None:
            tx.note(via=via)

    uow.as_user(name[:64]).post("auth.refused", body)
    return PermissionDenied(message)


def _verify(secret_hash: str, secret: str) -> bool:
    try:
        return _HASHER.verify(secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def sign_in(
    uow: UnitOfWork,
    username: str,
    secret: str,
    *,
    now: datetime | None = None,
    via: str | None = None,
) -> SignedIn:
    """Check a user's PIN or password. A wrong one counts towards the lockout
    (`LOCK_AFTER_FAILURES` in a row lock the user for `LOCK_FOR`); every attempt is an audit
    event, refused ones committed before the refusal is raised. `via` names where the user
    signs in when it is not a window ("command line")."""
    name = (username or "").strip()
    at = now or utcnow()
    if not name:
        raise ValidationError("pick a user or scan a badge first")
    account = _account(uow, name)
    if account is None:
        raise _refuse(uow, name, "unknown user", f"there is no user named {name!r}", via)
    if not account.active:
        raise _refuse(uow, name, "deactivated", f"{name} is deactivated; ask an admin", via)
    if account.locked_until is not None and account.locked_until > at:
        until = account.locked_until.astimezone().strftime("%H:%M")
        raise _refuse(
            uow,
            name,
            "locked",
            f"{name} is locked until {until} after {LOCK_AFTER_FAILURES} wrong PINs; "
            "try again then, or ask an admin to reset the PIN",
            via,
        )
    if account.secret_hash is None:
        raise _refuse(
            uow,
            name,
            "no PIN",
            f"{name} has no PIN yet; an admin sets one under Users "
            f"(or `shopfloor user set {name} --reset-pin`)",
            via,
        )
    good = _verify(account.secret_hash, secret if isinstance(secret, str) else "")

    def record(tx: Transaction) -> tuple[bool, int, datetime | None]:
        tx.set_document(name)
        if via is not None:
            tx.note(via=via)
        user = tx.session.get(AppUser, name, with_for_update=True)
        if user is None:  # removed meanwhile
            raise NotFound(f"there is no user named {name!r}")
        tx.changed.add(changes.USER, name)
        if good:
            user.failed_attempts = 0
            user.locked_until = None
            if _HASHER.check_needs_rehash(account.secret_hash or ""):
                user.secret_hash = _HASHER.hash(secret)
            tx.note(outcome="signed in", role=user.role)
            return True, 0, None
        user.failed_attempts = user.failed_attempts + 1
        failures = user.failed_attempts
        tx.note(outcome="refused", reason="wrong PIN", failures=failures)
        if failures >= LOCK_AFTER_FAILURES:
            user.failed_attempts = 0
            user.locked_until = at + LOCK_FOR
            tx.note(outcome="locked out", locked_until=user.locked_until.isoformat())
        return False, failures, user.locked_until

    action = "auth.sign_in" if good else "auth.refused"
    ok, failures, locked = uow.as_user(name).post(action, record)
    if ok:
        return signed_in(account.username, account.role)
    if locked is not None:
        minutes = int(LOCK_FOR.total_seconds() // 60)
        raise PermissionDenied(
            f"wrong PIN for {name}; after {LOCK_AFTER_FAILURES} wrong PINs {name} is locked "
            f"for {minutes} minutes"
        )
    left = LOCK_AFTER_FAILURES - failures
    tries = "try" if left == 1 else "tries"
    raise PermissionDenied(f"wrong PIN for {name}; {left} more {tries} before a lockout")
