"""Unit of work: one service call = one transaction = (for a change) one audit event.

A use case is a function of a `Transaction`, declared as a posting or a query:

    @posting("wo.release", Permission.PLAN)
    def release_work_order(tx: Transaction, number: str) -> WorkOrderInfo: ...

    release_work_order(uow, "WO-000001")       # opens the transaction, commits, retries

The transaction is rolled back unless the posting returns normally, so a refused request or a
crash half-way leaves nothing written. A deadlock or serialization failure (two PostgreSQL
workstations meeting on the same rows) re-runs the whole posting from the start, a bounded
number of times, instead of reaching the user.

Postings keep their in-memory records in books (the stock book, the demand book, a work order
book, ...) that register with the transaction on first use and are written when it commits;
hooks registered with `before_commit` run first (commit-after-entry is one).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import update_wrapper
from types import TracebackType
from typing import Any, Concatenate, Generic, ParamSpec, Protocol, Self, TypeVar, cast

from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app import config
from app.errors import PermissionDenied, ShopfloorError
from app.models import AppUser, AuditEvent, utcnow
from app.services.engine.changes import NO_CHANGES, Changes, ChangeSet
from app.services.engine.database import Database
from app.services.engine.parsing import parse_name
from app.services.engine.permissions import Permission, allowed
from app.services.engine.preferences import Preferences, load_preferences

P = ParamSpec("P")
R = TypeVar("R")

_USERS = cast(Table, AppUser.__table__)
_MINE = _USERS.c.username == bindparam("username")
_SELECT_ROLE = select(
    select(func.count()).select_from(_USERS).scalar_subquery(),
    select(_USERS.c.role).where(_MINE).scalar_subquery(),
    select(_USERS.c.active).where(_MINE).scalar_subquery(),
)
_EVENTS = cast(Table, AuditEvent.__table__)
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)

# PostgreSQL: deadlock_detected, serialization_failure. The posting is re-run from the start.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
MAX_ATTEMPTS = 5


def is_retryable(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) in RETRYABLE_SQLSTATES


@dataclass(frozen=True)
class Actor:
    """Who is acting and at which workstation (recorded on every audit event)."""

    user: str
    workstation: str

    @classmethod
    def current(cls, user: str | None = None) -> Actor:
        """The user named (or $SHOPFLOOR_USER, or the login name) at this workstation;
        a name that is not one line of valid text is refused."""
        name = parse_name(user or config.current_user(), field="user name", max_length=64)
        station = parse_name(config.current_workstation(), field="workstation", max_length=120)
        return cls(user=name, workstation=station)


class Book(Protocol):
    """A transaction's in-memory records of one kind; written when the posting commits."""

    def write(self, event_id: int) -> None: ...


BookT = TypeVar("BookT", bound=Book)
CommitHook = Callable[["Transaction"], None]
_BEFORE_COMMIT: list[CommitHook] = []


def before_commit(hook: CommitHook) -> CommitHook:
    """Register a hook that every posting runs just before it is written (in registration
    order); e.g. commit-after-entry hands the posting's new supply to waiting orders."""
    _BEFORE_COMMIT.append(hook)
    return hook


ChangeListener = Callable[[Changes], None]


class UnitOfWork:
    """Hands out transactions on one database for one actor."""

    def __init__(self, database: Database, actor: Actor | None = None) -> None:
        self.database = database
        self.actor = actor or Actor.current()
        self.max_attempts = MAX_ATTEMPTS
        self._listeners: list[ChangeListener] = []
        self.attempts = 0  # attempts the last posting took (1 unless it was re-run)

    def as_user(self, user: str) -> UnitOfWork:
        """The same database for another actor at this workstation (after a sign-in)."""
        other = UnitOfWork(self.database, Actor(user=user, workstation=self.actor.workstation))
        other._listeners = self._listeners
        return other

    def listen(self, listener: ChangeListener) -> None:
        """Call `listener` with the changes of every posting this unit of work commits."""
        self._listeners.append(listener)

    def transaction(self, action: str, document: str | None = None) -> Transaction:
        """A write transaction that records one audit event for `action`."""
        return Transaction(self, write=True, action=action, document=document)

    def query(self) -> Transaction:
        """A read-only transaction."""
        return Transaction(self, write=False)

    def post(self, action: str, body: Callable[[Transaction], R]) -> R:
        """Run `body` in a write transaction and commit it; re-run it from the start when the
        database reports a deadlock or serialization failure."""
        for attempt in range(1, self.max_attempts + 1):
            self.attempts = attempt
            with self.transaction(action) as tx:
                try:
                    result = body(tx)
                    tx.commit()
                except DBAPIError as exc:
                    if is_retryable(exc) and attempt < self.max_attempts:
                        continue
                    raise
            changes = tx.changes
            for listener in self._listeners:
                listener(changes)
            return with_changes(result, changes)
        raise AssertionError("unreachable")  # pragma: no cover

    def read(self, body: Callable[[Transaction], R]) -> R:
        with self.query() as tx:
            return body(tx)


_HAS_CHANGES: dict[type, bool] = {}


def with_changes(result: R, changes: Changes) -> R:
    """The result with its `changes` field filled in, when it has one (a copy: results are
    frozen)."""
    kind = type(result)
    has = _HAS_CHANGES.get(kind)
    if has is None:
        has = _HAS_CHANGES[kind] = dataclasses.is_dataclass(kind) and any(
            f.name == "changes" for f in dataclasses.fields(kind)
        )
    if not has:
        return result
    if hasattr(kind, "__slots__"):
        return cast(R, dataclasses.replace(cast(Any, result), changes=changes))
    made = copy.copy(result)
    object.__setattr__(made, "changes", changes)
    return made


class UseCase(Generic[P, R]):
    """A service function: called with a UnitOfWork, it runs in a transaction of its own;
    `within(tx, ...)` runs it inside a transaction another use case has opened."""

    def __init__(
        self,
        fn: Callable[Concatenate[Transaction, P], R],
        permission: Permission,
        action: str | None,
    ) -> None:
        self.fn = fn
        self.permission = permission
        self.action = action
        update_wrapper(self, fn)

    def __call__(self, uow: UnitOfWork, /, *args: P.args, **kwargs: P.kwargs) -> R:
        def body(tx: Transaction) -> R:
            tx.authorize(self.permission)
            return self.fn(tx, *args, **kwargs)

        if self.action is None:
            return uow.read(body)
        return uow.post(self.action, body)

    def within(self, tx: Transaction, /, *args: P.args, **kwargs: P.kwargs) -> R:
        tx.authorize(self.permission)
        return self.fn(tx, *args, **kwargs)


_POSTINGS: dict[str, UseCase[Any, Any]] = {}


def posting(
    action: str, permission: Permission
) -> Callable[[Callable[Concatenate[Transaction, P], R]], UseCase[P, R]]:
    """Declare a use case that changes the database: one transaction, one audit event. Its
    action names it ("wo.release") and its permission is stated here, once: the services
    check it, and the screens ask `permission_of` before offering the action."""

    def wrap(fn: Callable[Concatenate[Transaction, P], R]) -> UseCase[P, R]:
        found = _POSTINGS.get(action)
        if found is not None and found.fn.__qualname__ != fn.__qualname__:
            raise ValueError(f"two use cases are called {action!r}")
        made = UseCase(fn, permission, action)
        _POSTINGS[action] = made
        return made

    return wrap


def permission_of(action: str) -> Permission:
    """The permission a posting's action needs (its module must have been imported)."""
    try:
        return _POSTINGS[action].permission
    except KeyError:
        raise KeyError(f"no posting is called {action!r}") from None


def query(
    permission: Permission = Permission.READ,
) -> Callable[[Callable[Concatenate[Transaction, P], R]], UseCase[P, R]]:
    """Declare a use case that only reads, in one read-only transaction."""

    def wrap(fn: Callable[Concatenate[Transaction, P], R]) -> UseCase[P, R]:
        return UseCase(fn, permission, None)

    return wrap


class Transaction:
    def __init__(
        self,
        uow: UnitOfWork,
        *,
        write: bool,
        action: str | None = None,
        document: str | None = None,
    ) -> None:
        if write and action is None:
            raise ValueError("a write transaction needs an action for its audit event")
        self.uow = uow
        self.actor = uow.actor
        self.write = write
        self.session: Session = uow.database.session(write=write)
        self.details: dict[str, Any] = {}
        self.action = action
        self.document = document
        self.event_id: int | None = None  # known once the posting has committed
        self.changed = ChangeSet()
        self.changes: Changes = NO_CHANGES  # what the posting changed, once committed
        self._books: dict[type[Any], Any] = {}
        self._prefs: Preferences | None = None
        self._role: str | None = None
        self._committed = False

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

    def book(self, cls: type[BookT]) -> BookT:
        """This transaction's book of `cls` (created, and registered for writing, on first
        use)."""
        found = self._books.get(cls)
        if found is None:
            found = self._books[cls] = cast(Any, cls)(self)
        return cast(BookT, found)

    def has_book(self, cls: type[Any]) -> bool:
        return cls in self._books

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

    # --- what the audit trail records -------------------------------------------------

    def audited_role(self) -> str | None:
        """The role the event is made in: the one the posting was authorized in, else the
        actor's registered role (a sign-in), admin while nobody is registered, None for a
        name nobody registered (a refused sign-in)."""
        if self._role is not None:
            return self._role
        registered, role, _active = self.session.execute(
            _SELECT_ROLE, {"username": self.actor.user}
        ).one()
        if role is not None:
            return str(role)
        return None if registered else "admin"

    def audited_details(self) -> dict[str, Any]:
        """The posting's notes, with what its books say it changed (a book with an
        `audited()` method: the stock figures before and after)."""
        details = dict(self.details)
        for book in self._books.values():
            audited = getattr(book, "audited", None)
            if callable(audited):
                details.update(audited())
        return details

    def settle(self) -> None:
        """Run the before-commit hooks now (they run again at commit, and do only what is
        left), so that a result built afterwards shows their effect."""
        for hook in _BEFORE_COMMIT:
            hook(self)

    def commit(self) -> None:
        """Write the posting: the before-commit hooks, the audit event, every book; then
        commit, all or nothing."""
        if not self.write:
            raise ShopfloorError("a read-only transaction cannot commit")
        self.settle()
        self.session.flush()
        self.event_id = self.session.execute(
            _INSERT_EVENT,
            {
                "at": utcnow(),
                "username": self.actor.user,
                "workstation": self.actor.workstation,
                "role": self.audited_role(),
                "action": self.action,
                "document": (self.document or "")[:120] or None,
                "details": json.dumps(self.audited_details(), default=str, sort_keys=True),
            },
        ).scalar_one()
        for book in list(self._books.values()):
            book.write(self.event_id)
        self.session.commit()
        self._committed = True
        self.changes = self.changed.freeze(self.action, self.event_id)
