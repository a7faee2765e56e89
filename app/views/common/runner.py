"""Background operations: every service call from a window runs in a worker thread.

    run_op(self, work_orders.release_work_order, number) \\
        .success(self.show_order) \\
        .progress("Releasing…") \\
        .done("Released {number}") \\
        .run()

The call gets the signed-in user's `UnitOfWork` as its first argument (services take one),
runs in the context's thread pool, and its plain-dataclass result comes back to `success` on
the GUI thread. A refusal (`ShopfloorError`) goes, in words, to the window's message line, or
to `failure` when one is given; anything unexpected opens an error window with the details.
An operation still running after half a second shows the progress label in the status bar.
`run_job` runs work that needs no database (printing, saving a file) the same way.

The posting's `Changes` reach every other view through `AppContext.hub.changed`; the page
that made the posting (the operation's parent, or the page a dialog of it belongs to) ignores
that echo and gets the changes once, after `success`, through its `posted(changes)`: one
read after its own posting, not two.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QEventLoop, QObject, QRunnable, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import ShopfloorError
from app.services.auth import SignedIn
from app.services.engine.database import Database
from app.services.engine.permissions import Permission
from app.services.engine.uow import Actor, UnitOfWork
from app.views.common.hub import ChangeHub, running
from app.views.common.live import LiveFeed

R = TypeVar("R")
log = logging.getLogger(__name__)

PROGRESS_AFTER_MS = 500


class AppContext(QObject):
    """What every window of one database shares: the database, who is signed in (and so the
    unit of work operations run with), the change hub, the worker pool and the message line.

    Signals: `user_changed(SignedIn | None)`; `message(text, kind)` with kind "info",
    "success", "warning" (done, with what a "warn only" preference said) or "error";
    `busy(label)` when an operation has run for half a second and `idle()` when none runs
    any more; `navigate(page_key, target dict)` for a view that opens another;
    `op_finished()` after each operation's callbacks."""

    user_changed = Signal(object)
    message = Signal(str, str)
    busy = Signal(str)
    idle = Signal()
    navigate = Signal(str, dict)
    op_finished = Signal()
    unexpected = Signal(str)

    _current: ClassVar[AppContext | None] = None

    def __init__(
        self,
        database: Database,
        actor: Actor | None = None,
        parent: QObject | None = None,
        *,
        threads: int = 2,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.base_uow = UnitOfWork(database, actor)
        self.hub = ChangeHub(self)
        self.hub.attach(self.base_uow)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self.user: SignedIn | None = None
        self._uow = self.base_uow
        self._ops: set[Op[Any]] = set()
        self._busy_labels: list[str] = []
        self.live: LiveFeed | None = None
        AppContext._current = self

    @classmethod
    def current(cls) -> AppContext:
        """The context of the running application (the last one made)."""
        if cls._current is None:
            raise RuntimeError("no AppContext has been created")
        return cls._current

    # --- live screens: what other workstations post ------------------------------------

    def go_live(self) -> None:
        """Hear what other workstations post on this database (a thread reading its change
        feed, open once this returns): the hub delivers it as news, and every open view
        refreshes what it changed."""
        if self.live is None:
            self.live = LiveFeed(self.hub, self.database, own=self.base_uow.source)
            self.live.start()

    def close(self) -> None:
        """Stop hearing other workstations (the window is closing)."""
        if self.live is not None:
            self.live.stop()
            self.live = None

    # --- who works here ----------------------------------------------------------------

    @property
    def uow(self) -> UnitOfWork:
        """The unit of work of the signed-in user (the workstation's user before a sign-in)."""
        return self._uow

    def set_user(self, user: SignedIn | None) -> None:
        """Switch who works here (None: signed out; services then refuse everything)."""
        self.user = user
        if user is None:
            self._uow = self.base_uow.as_user("(signed out)")
        else:
            self._uow = self.base_uow.as_user(user.username)
        self.user_changed.emit(user)

    def can(self, permission: Permission) -> bool:
        """Whether the signed-in user's role allows it (the services check it again)."""
        return self.user is not None and self.user.can(permission)

    def may(self, action: str) -> bool:
        """Whether the signed-in user may run a posting ("wo.release"), as the posting
        itself declares (the services check it again)."""
        return self.user is not None and self.user.may(action)

    # --- messages and operations ---------------------------------------------------------

    def show_message(self, text: str, kind: str = "info") -> None:
        self.message.emit(text, kind)

    @property
    def pending(self) -> int:
        """Operations started and not finished yet."""
        return len(self._ops)

    def wait_idle(self, timeout_ms: int = 15_000) -> bool:
        """Run the event loop until no operation is pending (scripts and tests)."""
        if not self._ops:
            return True
        loop = QEventLoop()
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)

        def check() -> None:
            if not self._ops:
                loop.quit()

        self.op_finished.connect(check)
        timer.start(timeout_ms)
        loop.exec()
        self.op_finished.disconnect(check)
        return not self._ops

    def _started(self, op: Op[Any]) -> None:
        self._ops.add(op)

    def _finished(self, op: Op[Any]) -> None:
        self._ops.discard(op)
        if op.progress_label in self._busy_labels:
            self._busy_labels.remove(op.progress_label)
            if self._busy_labels:
                self.busy.emit(self._busy_labels[-1])
            else:
                self.idle.emit()
        self.op_finished.emit()

    def _show_busy(self, op: Op[Any]) -> None:
        if op in self._ops:
            self._busy_labels.append(op.progress_label)
            self.busy.emit(op.progress_label)


class _Relay(QObject):
    finished = Signal(object, object, str)  # result, error, traceback text


class _Job(QRunnable):
    def __init__(self, call: Callable[[], Any], relay: _Relay, operation: Op[Any]) -> None:
        super().__init__()
        self.call = call
        self.relay = relay
        self.operation = operation

    def run(self) -> None:
        try:
            with running(self.operation):
                result = self.call()
        except BaseException as exc:  # handed to the GUI thread, never lost in the worker
            self.relay.finished.emit(None, exc, traceback.format_exc())
        else:
            self.relay.finished.emit(result, None, "")


class Op(Generic[R]):
    """One service call in the background; build it with `run_op`, then `.run()`."""

    def __init__(
        self,
        parent: QWidget | None,
        fn: Callable[..., R],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        context: AppContext | None = None,
        *,
        database: bool = True,
    ) -> None:
        self.parent = parent
        self.database = database
        self.own_changes: list[Any] = []  # what its postings changed (filled by the hub)
        self.context = context or AppContext.current()
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.progress_label = "Working…"
        self._success: Callable[[R], None] | None = None
        self._failure: Callable[[ShopfloorError], None] | None = None
        self._done: str | Callable[[R], str] | None = None
        self._relay: _Relay | None = None
        self._timer: QTimer | None = None
        self._uow: UnitOfWork | None = None

    def success(self, callback: Callable[[R], None]) -> Op[R]:
        """Called on the GUI thread with the result."""
        self._success = callback
        return self

    def failure(self, callback: Callable[[ShopfloorError], None]) -> Op[R]:
        """Called with a refusal instead of showing it on the message line."""
        self._failure = callback
        return self

    def progress(self, label: str) -> Op[R]:
        """What the status bar says if the operation takes over half a second."""
        self.progress_label = label
        return self

    def done(self, message: str | Callable[[R], str]) -> Op[R]:
        """A line for the message line on success (no box: success is routine)."""
        self._done = message
        return self

    def run(self) -> Op[R]:
        ctx = self.context
        uow = self._uow = ctx.uow  # read now, on the GUI thread: the user who asked
        relay = self._relay = _Relay()
        relay.finished.connect(self._finish)
        ctx._started(self)
        timer = self._timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(lambda: ctx._show_busy(self))
        timer.start(PROGRESS_AFTER_MS)
        fn, args, kwargs = self.fn, self.args, self.kwargs
        if self.database:
            ctx.pool.start(_Job(lambda: fn(uow, *args, **kwargs), relay, self))
        else:
            ctx.pool.start(_Job(lambda: fn(*args, **kwargs), relay, self))
        return self

    def owner(self) -> Any:
        """The page this operation works for: its parent, or the first of the parent's
        ancestors that takes its own postings (a dialog's page)."""
        widget = self.parent
        while widget is not None and shiboken6.isValid(widget):
            if callable(getattr(widget, "posted", None)):
                return widget
            widget = widget.parentWidget()
        return None

    def _alive(self) -> bool:
        return self.parent is None or shiboken6.isValid(self.parent)

    def _finish(self, result: Any, error: BaseException | None, details: str) -> None:
        if self._timer is not None:
            self._timer.stop()
        try:
            if not self._alive():
                return
            if error is None:
                if self._done is not None:
                    text = self._done if isinstance(self._done, str) else self._done(result)
                    warned = tuple(getattr(result, "warnings", ()))
                    if warned:  # it went ahead under a "warn only" preference: said in amber
                        text = f"{text}. Warning: {'; '.join(warned)}"
                    self.context.show_message(text, "warning" if warned else "success")
                if self._success is not None:
                    self._success(result)
                owner = self.owner() if self.own_changes else None
                if owner is not None:
                    for changes in self.own_changes:
                        owner.posted(changes)
            elif isinstance(error, ShopfloorError):
                if self._failure is not None:
                    self._failure(error)
                elif self.context.uow is not self._uow:
                    pass  # asked for someone who has signed out meanwhile: no longer news
                else:
                    self.context.show_message(error.message, "error")
            else:
                show_unexpected(self.parent, error, details)
                self.context.unexpected.emit(f"{type(error).__name__}: {error}")
        except Exception as exc:  # a bug in a callback: shown, not swallowed
            show_unexpected(self.parent, exc, traceback.format_exc())
            self.context.unexpected.emit(f"{type(exc).__name__}: {exc}")
        finally:
            self.context._finished(self)


def run_op(parent: QWidget | None, fn: Callable[..., R], *args: Any, **kwargs: Any) -> Op[R]:
    """An operation calling `fn(uow, *args, **kwargs)` in the background for the signed-in
    user; chain `.success()`, `.failure()`, `.progress()`, `.done()`, then `.run()`."""
    return Op(parent, fn, args, kwargs)


def run_job(parent: QWidget | None, fn: Callable[..., R], *args: Any, **kwargs: Any) -> Op[R]:
    """An operation calling `fn(*args, **kwargs)` in the background, with no database (a PDF
    sent to a printer, a file saved); chained like `run_op`."""
    return Op(parent, fn, args, kwargs, database=False)


def show_unexpected(parent: QWidget | None, error: BaseException, details: str) -> QMessageBox:
    """A clear window for a fault in the program (not a refusal), with the details to copy."""
    log.error("unexpected error: %s", details or error)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("Shopfloor: something went wrong")
    box.setText(
        "Shopfloor hit an unexpected problem. Nothing was saved by the step that failed.\n\n"
        f"{type(error).__name__}: {error}"
    )
    box.setInformativeText("Please pass the details below to whoever looks after Shopfloor.")
    box.setDetailedText(details or repr(error))
    box.setObjectName("unexpected_error")
    box.open()  # not exec(): the window keeps running
    return box
