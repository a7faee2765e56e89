"""The connection to a plant's server: telling a lost connection from a refusal, waiting for a
server that restarts, and saying in words why a server cannot be reached or refuses a login.

SQLite is a file on this workstation: it has no connection to lose, and none of this applies
to it.
"""

from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.errors import ServerUnreachable
from app.services.engine.database import Database

RECONNECT_WAIT_S = 30.0  # how long a posting cut off by a restart waits for the server
_PAUSE_S = 0.05  # the first pause between two tries, doubled up to a second
_PING = text("SELECT 1")

# SQLSTATEs of a connection that is gone or cannot be had now: the class 08 (connection
# exceptions), admin_shutdown, crash_shutdown, cannot_connect_now.
_LOST_STATES = frozenset({"57P01", "57P02", "57P03"})

# What libpq and the server say (in English), and what it means to whoever sits at the window.
_WHY = (
    ("password authentication failed", "refuses the login: wrong password for {user}"),
    ("no password supplied", "asks for a password for {user}"),
    ("no pg_hba.conf entry", "refuses logins from this workstation for {user} (pg_hba.conf)"),
    ("does not exist", "refuses the login: {message}"),
    ("starting up", "is starting up; try again in a moment"),
    ("shutting down", "is shutting down"),
    ("too many clients", "takes no more connections (max_connections)"),
    ("connection refused", "does not answer: is PostgreSQL running there, on that port?"),
    ("could not translate host name", "is not known here: check the host name"),
    ("name or service not known", "is not known here: check the host name"),
    ("timeout expired", "did not answer in time"),
    ("server closed the connection", "closed the connection (a restart?)"),
    ("terminating connection", "closed the connection (a restart?)"),
)


def lost_connection(database: Database, exc: BaseException) -> bool:
    """Whether `exc` says the connection to the server is gone or cannot be had (a restart,
    a network fault, a server down), as opposed to an answer of the server (a refused
    statement, a deadlock) or a login it refuses."""
    if database.is_sqlite or not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    state = getattr(orig, "sqlstate", None)
    if state is not None:
        return str(state).startswith("08") or state in _LOST_STATES
    message = str(orig).lower()
    refusals = ("password", "pg_hba.conf", "does not exist")
    return type(orig).__name__ == "OperationalError" and not any(r in message for r in refusals)


def failure_words(database: Database, exc: BaseException) -> str:
    """Why the server cannot be reached or refuses the login, in words."""
    url = database.url
    where = f"the server {url.host or 'localhost'}:{url.port or 5432}"
    orig = getattr(exc, "orig", None) or exc
    message = " ".join(str(orig).split())
    detail = message.split("failed: ")[-1].removeprefix("FATAL: ").strip()
    user = f"user {url.username!r}" if url.username else "this user"
    lowered = message.lower()
    for clue, words in _WHY:
        if clue in lowered:
            return f"{where} {words.format(user=user, message=detail)}"
    return f"{where} cannot be reached: {detail}"


def unreachable(database: Database, exc: BaseException, after: str = "") -> ServerUnreachable:
    """The typed refusal for a server that cannot be reached; `after` says what it means for
    the request ("nothing was saved")."""
    words = failure_words(database, exc)
    return ServerUnreachable(f"{words}; {after}" if after else words)


def wait_for_server(
    database: Database, seconds: float = RECONNECT_WAIT_S, after: str = "try again"
) -> None:
    """Return once the server takes a connection again (a restart ends), trying with growing
    pauses for at most `seconds`; `ServerUnreachable` (its words ending with `after`) when
    it does not, or when it answers with a refusal (a login no longer allowed)."""
    deadline = time.monotonic() + seconds
    pause = _PAUSE_S
    while True:
        try:
            with database.engine.connect() as conn:
                conn.execute(_PING)
            return
        except DBAPIError as exc:
            if not lost_connection(database, exc) or time.monotonic() + pause > deadline:
                raise unreachable(database, exc, after) from None
        time.sleep(pause)
        pause = min(pause * 2, 1.0)
