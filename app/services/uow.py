"""Unit of work: one service call = one transaction = (for a change) one audit event.

    with uow.transaction("wo.release") as tx:
        tx.authorize(Permission.PLAN)
        ...
        tx.commit()

Leaving the block without `commit()` rolls everything back, so a refused request or a crash
half-way leaves nothing written. Read-only calls use `uow.query()` and never write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import config
from app.errors import PermissionDenied, ShopfloorError
from app.models import AppUser, AuditEvent
from app.services.database import Database
from app.services.permissions import Permission, allowed
from app.services.preferences import Preferences, load_preferences


@dataclass(frozen=True)
class Actor:
    """Who is acting and at which workstation (recorded on every audit event)."""

    user: str
    workstation: str

    @classmethod
    def current(cls, user: str | None = None) -> Actor:
        return cls(user=user or config.current_user(), workstation=config.current_workstation())


class UnitOfWork:
    """Hands out transactions on one database for one actor."""

    def __init__(self, database: Database, actor: Actor | None = None) -> None:
        self.database = database
        self.actor = actor or Actor.current()

    def transaction(self, action: str, document: str | None = None) -> Transaction:
        """A write transaction that records one audit event for `action`."""
        return Transaction(self, write=True, action=action, document=document)

    def query(self) -> Transaction:
        """A read-only transaction."""
        return Transaction(self, write=False)


class Transaction:
    def __init__(
        self,
        uow: UnitOfWork,
        *,
        write: bool,
        action: str | None = None,
        document: str | None = None,
    ) -> None:
        self.uow = uow
        self.actor = uow.actor
        self.write = write
        self.session: Session = uow.database.session(write=write)
        self.details: dict[str, Any] = {}
        self.event: AuditEvent | None = None
        self._prefs: Preferences | None = None
        self._role: str | None = None
        self._committed = False
        if write:
            assert action is not None
            self.event = AuditEvent(
                username=self.actor.user,
                workstation=self.actor.workstation,
                action=action,
                document=document,
            )
            self.session.add(self.event)
        from app.services.stock import StockBook  # the book needs the transaction type

        self.stock = StockBook(self)

    @property
    def is_postgresql(self) -> bool:
        return not self.uow.database.is_sqlite

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed:
            self.session.rollback()
        self.session.close()

    # --- preferences and permissions ---------------------------------------------------

    @property
    def prefs(self) -> Preferences:
        if self._prefs is None:
            self._prefs = load_preferences(self.session)
        return self._prefs

    def role(self) -> str:
        """The actor's role: 'admin' while no user is registered (a single-person install)."""
        if self._role is None:
            user = self.session.get(AppUser, self.actor.user)
            if user is not None:
                if not user.active:
                    raise PermissionDenied(f"user {self.actor.user!r} is deactivated")
                self._role = user.role
            else:
                registered = self.session.scalar(select(func.count()).select_from(AppUser))
                if registered:
                    raise PermissionDenied(
                        f"user {self.actor.user!r} is not registered on this database"
                    )
                self._role = "admin"
        return self._role

    def authorize(self, permission: Permission) -> None:
        role = self.role()
        if not allowed(role, permission):
            raise PermissionDenied(f"{self.actor.user} ({role}) may not {permission.describe()}")

    # --- audit and commit --------------------------------------------------------------

    def set_document(self, document: str) -> None:
        assert self.event is not None
        self.event.document = document

    def note(self, **details: Any) -> None:
        """Add details to this posting's audit event."""
        self.details.update(details)

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        if not self.write:
            raise ShopfloorError("a read-only transaction cannot commit")
        assert self.event is not None
        self.stock.settle()
        self.event.details = json.dumps(self.details, default=str, sort_keys=True)
        self.session.commit()
        self._committed = True
