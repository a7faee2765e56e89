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
from typing import Any, Self, cast

from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.orm import Session

from app import config
from app.errors import PermissionDenied, ShopfloorError
from app.models import AppUser, AuditEvent, utcnow
from app.services.database import Database
from app.services.permissions import Permission, allowed
from app.services.preferences import Preferences, load_preferences

_USERS = cast(Table, AppUser.__table__)
_MINE = _USERS.c.username == bindparam("username")
_SELECT_ROLE = select(
    select(func.count()).select_from(_USERS).scalar_subquery(),
    select(_USERS.c.role).where(_MINE).scalar_subquery(),
    select(_USERS.c.active).where(_MINE).scalar_subquery(),
)
_EVENTS = cast(Table, AuditEvent.__table__)
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)


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
        self.action = action
        self.document = document
        self.event_id: int | None = None  # known once the posting has committed
        self._prefs: Preferences | None = None
        self._role: str | None = None
        self._committed = False
        if write:
            assert action is not None
        # The books need the transaction type, so they are imported here.
        from app.services.stock import StockBook
        from app.services.wo_records import WorkOrderBook

        self.stock = StockBook(self)
        self.orders = WorkOrderBook(self)

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
            registered, role, active = self.session.execute(
                _SELECT_ROLE, {"username": self.actor.user}
            ).one()
            if role is not None:
                if not active:
                    raise PermissionDenied(f"user {self.actor.user!r} is deactivated")
                self._role = str(role)
            elif registered:
                raise PermissionDenied(
                    f"user {self.actor.user!r} is not registered on this database"
                )
            else:
                self._role = "admin"
        return self._role

    def authorize(self, permission: Permission) -> None:
        role = self.role()
        if not allowed(role, permission):
            raise PermissionDenied(f"{self.actor.user} ({role}) may not {permission.describe()}")

    # --- audit and commit --------------------------------------------------------------

    def set_document(self, document: str) -> None:
        self.document = document

    def note(self, **details: Any) -> None:
        """Add details to this posting's audit event."""
        self.details.update(details)

    def commit(self) -> None:
        """Write the posting: commitment of new supply, the audit event, the ledger rows and
        every changed balance, line and work order; then commit, all or nothing."""
        if not self.write:
            raise ShopfloorError("a read-only transaction cannot commit")
        self.stock.settle()
        self.session.flush()
        self.event_id = self.session.execute(
            _INSERT_EVENT,
            {
                "at": utcnow(),
                "username": self.actor.user,
                "workstation": self.actor.workstation,
                "action": self.action,
                "document": (self.document or "")[:120] or None,
                "details": json.dumps(self.details, default=str, sort_keys=True),
            },
        ).scalar_one()
        self.stock.write(self.event_id)
        self.orders.write()
        self.session.commit()
        self._committed = True
