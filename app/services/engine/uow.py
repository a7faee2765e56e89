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

A posting announces what it changed to the other workstations in its own transaction
(app/services/engine/feed.py). On a plant's server, a posting whose connection is lost before
its commit was sent (a server restart) wrote nothing and is re-run once the server is back; one
lost during the commit is settled by the key the posting carries to its audit event
(`was_saved`): saved, its result stands; not saved, `PostingNotSaved` says so.
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
from uuid import uuid4

from sqlalchemy import Table, bindparam, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app import config
from app.errors import PermissionDenied, PostingNotSaved, ShopfloorError
from app.models import AppUser, AuditEvent, utcnow
from app.services.engine import connection
from app.services.engine.changes import NO_CHANGES, Changes, ChangeSet
from app.services.engine.database import Database
from app.services.engine.feed import publish
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
        # Names this unit of work's postings in the change feed: a window hears its own
        # postings through `listen`, and its feed leaves them out.
        self.source = uuid4().hex[:16]
        self.reconnect_wait_s = connection.RECONNECT_WAIT_S

    def as_user(self, user: str) -> UnitOfWork:
        """The same database for another actor at this workstation (after a sign-in)."""
        other = UnitOfWork(self.database, Actor(user=user, workstation=self.actor.workstation))
        other._listeners = self._listeners
        other.source = self.source
        other.reconnect_wait_s = self.reconnect_wait_s
        return other

    def listen(self, listener: ChangeListener) -> None:
        """Call `listener` with the changes of every posting this unit of work commits."""
        self._listeners.append(listener)

    def transaction(
        self, action: str, document: str | None = None, *, key: str | None = None
    ) -> Transaction:
        """A write transaction that records one audit event for `action` (carrying the
        posting's `key`, a new one unless given)."""
        return Transaction(self, write=True, action=action, document=document, key=key)

    def query(self) -> Transaction:
        """A read-only transaction."""
        return Transaction(self, write=False)

    def post(self, action: str, body: Callable[[Transaction], R]) -> R:
        """Run `body` in a write transaction and commit it; re-run it from the start when the
        database reports a deadlock or serialization failure, or when the connection to the
        server was lost before the commit was sent (nothing was written; the server is
        waited for). A connection lost during the commit is settled by the posting's key:
        saved, the result stands; not saved, `PostingNotSaved`."""
        key = uuid4().hex  # the same for every attempt: at most one of them commits
        for attempt in range(1, self.max_attempts + 1):
            self.attempts = attempt
            with self.transaction(action, key=key) as tx:
                try:
                    result = body(tx)
                    tx.commit()
                except DBAPIError as exc:
                    if is_retryable(exc) and attempt < self.max_attempts:
                        continue
                    if not connection.lost_connection(self.database, exc):
                        raise
                    if tx.commit_sent:
                        self._settle_cut_off(tx, exc)
                    elif attempt < self.max_attempts:
                        self._wait_for_server("nothing was saved; try again")
                        continue
                    else:
                        raise connection.unreachable(
                            self.database, exc, "nothing was saved; try again"
                        ) from None
            changes = tx.changes
            for listener in self._listeners:
                listener(changes)
            return with_changes(result, changes)
        raise AssertionError("unreachable")  # pragma: no cover

    def read(self, body: Callable[[Transaction], R]) -> R:
        """Run `body` in a read-only transaction; re-run it when the connection to the
        server was lost (once the server is back)."""
        for attempt in range(1, self.max_attempts + 1):
            with self.query() as tx:
                try:
                    return body(tx)
                except DBAPIError as exc:
                    if not connection.lost_connection(self.database, exc):
                        raise
                    if attempt == self.max_attempts:
                        raise connection.unreachable(self.database, exc, "try again") from None
            self._wait_for_server("try again")
        raise AssertionError("unreachable")  # pragma: no cover

    # --- a connection lost in the middle of a posting ------------------------------------

    def _wait_for_server(self, after: str) -> None:
        connection.wait_for_server(self.database, self.reconnect_wait_s, after)

    def _settle_cut_off(self, tx: Transaction, exc: DBAPIError) -> None:
        """The connection was lost while the commit was on its way: whole or absent, the
        server knows. Saved: the posting's result and changes stand (what it computed is what
        committed). Not saved: `PostingNotSaved`."""
        what = f"{tx.action} of {tx.document}" if tx.document else str(tx.action)
        try:
            self._wait_for_server(f"whether {what} was saved is not known yet: look it up")
            saved = self.was_saved(tx.key)
        except DBAPIError as again:
            raise connection.unreachable(
                self.database, again, f"whether {what} was saved is not known yet: look it up"
            ) from None
        if not saved:
            raise PostingNotSaved(
                f"the connection to the server was lost while saving {what}: it was not "
                "saved; try again"
            ) from exc
        tx.cut_off_but_saved()

    def was_saved(self, key: str) -> bool:
        """Whether the posting that carried `key` committed. Asked by inserting an audit
        event with that key in a transaction that is then rolled back: the key's unique index
        makes the insert wait for a transaction still holding the key, so the answer comes
        only once a cut-off posting has ended, committed or not."""
        session = self.database.session(write=True)
        try:
            if not self.database.is_sqlite:
                session.execute(_LOOK_UP_TIMEOUT)
            made = session.execute(
                _claim_key(self.database.is_sqlite),
                {
                    "at": utcnow(),
                    "username": self.actor.user,
                    "workstation": self.actor.workstation,
                    "action": "posting.look_up",
                    "details": "{}",
                    "posting_key": key,
                },
            ).first()
            return made is None
        finally:
            session.rollback()
            session.close()


# How long the look-up of a cut-off posting may wait for it to end on the server.
_LOOK_UP_TIMEOUT = text("SET LOCAL statement_timeout = 30000")


def _claim_key(is_sqlite: bool) -> Any:
    """INSERT ... ON CONFLICT (posting_key) DO NOTHING RETURNING id, in the backend's dialect."""
    dialect_insert = sqlite.insert if is_sqlite else postgresql.insert
    return (
        dialect_insert(_EVENTS)
        .on_conflict_do_nothing(index_elements=[_EVENTS.c.posting_key])
        .returning(_EVENTS.c.id)
    )


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
        key: str | None = None,
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
        self.key = key or uuid4().hex  # on the audit event: finds the posting after a cut-off
        self.event_id: int | None = None  # known once the posting has committed
        self.changed = ChangeSet()
        self.changes: Changes = NO_CHANGES  # what the posting changed, once committed
        self.commit_sent = False  # the commit is on its way: its outcome is the server's
        self._announced: Changes = NO_CHANGES
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
            try:
                self.session.rollback()
            except DBAPIError as lost:  # a connection already gone has nothing to roll back
                if not connection.lost_connection(self.uow.database, lost):
                    raise
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
        """Write the posting: the before-commit hooks, the audit event (with the posting's
        key), every book, the announcement of what it changed; then commit, all or nothing."""
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
                "posting_key": self.key,
            },
        ).scalar_one()
        for book in list(self._books.values()):
            book.write(self.event_id)
        self._announced = self.changed.freeze(self.action, self.event_id)
        publish(self.session, self._announced, self.uow.source, sqlite=self.uow.database.is_sqlite)
        self.session.flush()
        self.commit_sent = True
        self.session.commit()
        self._committed = True
        self.changes = self._announced

    def cut_off_but_saved(self) -> None:
        """The commit's answer was lost, but the server has the posting: it stands."""
        self._committed = True
        self.changes = self._announced
