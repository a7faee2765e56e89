"""Preferences and users: the settings of a plant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.errors import AlreadyExists, NotFound, ValidationError
from app.models import ROLES, AppUser, Preference, utcnow
from app.services.auth import hash_secret
from app.services.engine import changes
from app.services.engine.lookup import location_ref
from app.services.engine.parsing import parse_name
from app.services.engine.permissions import Permission
from app.services.engine.preferences import (
    SPEC_BY_KEY,
    SPECS,
    PrefSpec,
    load_preferences,
    validate,
)
from app.services.engine.uow import Transaction, posting, query


@query()
def show_preferences(tx: Transaction) -> dict[str, str]:
    return tx.prefs.as_text()


def preference_specs() -> tuple[PrefSpec, ...]:
    return SPECS


@posting("prefs.set", Permission.EDIT_PREFERENCES)
def set_preference(tx: Transaction, key: str, value: str) -> dict[str, str]:
    """Set one preference; returns all of them as they now are."""
    key = (key or "").strip().lower()
    text = validate(key, value)
    if text and SPEC_BY_KEY[key].location:
        text = location_ref(tx.session, text).code  # a location that exists, as it is spelt
    tx.set_document(key)
    row = tx.session.get(Preference, key)
    old = row.value if row is not None else None
    if row is None:
        tx.session.add(Preference(key=key, value=text, updated_by=tx.actor.user))
    else:
        row.value = text
        row.updated_at = utcnow()
        row.updated_by = tx.actor.user
    tx.note(old=old, new=text)
    tx.changed.add(changes.PREFERENCE, key)
    tx.session.flush()
    return load_preferences(tx.session).as_text()


@dataclass(frozen=True)
class UserInfo:
    username: str
    role: str
    active: bool
    has_pin: bool = False
    locked_until: datetime | None = None


def user_info(user: AppUser) -> UserInfo:
    locked = user.locked_until if user.locked_until and user.locked_until > utcnow() else None
    return UserInfo(user.username, user.role, user.active, user.secret_hash is not None, locked)


def roles() -> tuple[str, ...]:
    """The roles a user can have, most rights first."""
    return ROLES


def _check_role(role: str) -> str:
    text = (role or "").strip().lower()
    if text not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return text


@query()
def list_users(tx: Transaction) -> list[UserInfo]:
    rows = tx.session.scalars(select(AppUser).order_by(AppUser.username))
    return [user_info(u) for u in rows]


@posting("user.add", Permission.MANAGE_USERS)
def add_user(tx: Transaction, username: str, role: str, *, secret: str | None = None) -> UserInfo:
    """Register a user, with their PIN or password when given (kept only as a hash). The
    first one must be an admin, so nobody is locked out."""
    name = parse_name(username, field="user name", max_length=64)
    if name.startswith("#"):
        raise ValidationError("a user name may not start with # (the scan station reads badges)")
    role_text = _check_role(role)
    tx.set_document(name)
    if tx.session.get(AppUser, name) is not None:
        raise AlreadyExists(f"user {name!r} already exists")
    count = tx.session.scalar(select(func.count()).select_from(AppUser))
    if not count and role_text != "admin":
        raise ValidationError("the first registered user must be an admin")
    secret_hash = hash_secret(secret) if secret is not None else None
    user = AppUser(
        username=name, role=role_text, active=True, secret_hash=secret_hash, failed_attempts=0
    )
    tx.session.add(user)
    tx.note(role=role_text, pin=secret_hash is not None)
    tx.changed.add(changes.USER, name)
    return UserInfo(name, role_text, True, secret_hash is not None)


@posting("user.reset_pin", Permission.MANAGE_USERS)
def reset_secret(tx: Transaction, username: str, secret: str) -> UserInfo:
    """Give a user a new PIN or password; a lockout ends with it."""
    tx.set_document(username)
    secret_hash = hash_secret(secret)
    user = tx.session.get(AppUser, (username or "").strip())
    if user is None:
        raise NotFound(f"unknown user {username!r}")
    user.secret_hash = secret_hash
    user.failed_attempts = 0
    user.locked_until = None
    tx.changed.add(changes.USER, user.username)
    return user_info(user)


@posting("user.update", Permission.MANAGE_USERS)
def update_user(
    tx: Transaction, username: str, *, role: str | None = None, active: bool | None = None
) -> UserInfo:
    """Change a user's role or deactivate them; the last active admin stays an admin."""
    tx.set_document(username)
    user = tx.session.get(AppUser, (username or "").strip())
    if user is None:
        raise NotFound(f"unknown user {username!r}")
    new_role = _check_role(role) if role is not None else user.role
    new_active = user.active if active is None else active
    if user.role == "admin" and user.active and (new_role != "admin" or not new_active):
        admins = tx.session.scalar(
            select(func.count())
            .select_from(AppUser)
            .where(AppUser.role == "admin", AppUser.active.is_(True))
        )
        if admins == 1:
            raise ValidationError(f"{user.username} is the last active admin")
    user.role = new_role
    user.active = new_active
    tx.note(role=new_role, active=new_active)
    tx.changed.add(changes.USER, user.username)
    return user_info(user)
