"""Preferences and users: the settings of a plant."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.errors import AlreadyExists, NotFound, ValidationError
from app.models import ROLES, AppUser, Preference, utcnow
from app.services.permissions import Permission
from app.services.preferences import SPECS, PrefSpec, validate
from app.services.uow import UnitOfWork


def show_preferences(uow: UnitOfWork) -> dict[str, str]:
    with uow.query() as tx:
        tx.authorize(Permission.READ)
        return tx.prefs.as_text()


def preference_specs() -> tuple[PrefSpec, ...]:
    return SPECS


def set_preference(uow: UnitOfWork, key: str, value: str) -> dict[str, str]:
    key = (key or "").strip().lower()
    text = validate(key, value)
    with uow.transaction("prefs.set", key) as tx:
        tx.authorize(Permission.EDIT_PREFERENCES)
        row = tx.session.get(Preference, key)
        old = row.value if row is not None else None
        if row is None:
            tx.session.add(Preference(key=key, value=text, updated_by=tx.actor.user))
        else:
            row.value = text
            row.updated_at = utcnow()
            row.updated_by = tx.actor.user
        tx.note(old=old, new=text)
        tx.commit()
    return show_preferences(uow)


@dataclass(frozen=True)
class UserInfo:
    username: str
    role: str
    active: bool


def _check_role(role: str) -> str:
    text = (role or "").strip().lower()
    if text not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return text


def list_users(uow: UnitOfWork) -> list[UserInfo]:
    with uow.query() as tx:
        tx.authorize(Permission.READ)
        rows = tx.session.scalars(select(AppUser).order_by(AppUser.username))
        return [UserInfo(u.username, u.role, u.active) for u in rows]


def add_user(uow: UnitOfWork, username: str, role: str) -> UserInfo:
    """Register a user. The first one must be an admin, so nobody is locked out."""
    name = (username or "").strip()
    if not name or len(name) > 64:
        raise ValidationError("user name must be 1 to 64 characters")
    role_text = _check_role(role)
    with uow.transaction("user.add", name) as tx:
        tx.authorize(Permission.MANAGE_USERS)
        if tx.session.get(AppUser, name) is not None:
            raise AlreadyExists(f"user {name!r} already exists")
        count = tx.session.scalar(select(func.count()).select_from(AppUser))
        if not count and role_text != "admin":
            raise ValidationError("the first registered user must be an admin")
        tx.session.add(AppUser(username=name, role=role_text, active=True))
        tx.note(role=role_text)
        tx.commit()
        return UserInfo(name, role_text, True)


def update_user(
    uow: UnitOfWork, username: str, *, role: str | None = None, active: bool | None = None
) -> UserInfo:
    """Change a user's role or deactivate them; the last active admin stays an admin."""
    with uow.transaction("user.update", username) as tx:
        tx.authorize(Permission.MANAGE_USERS)
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
        tx.commit()
        return UserInfo(user.username, user.role, user.active)
