"""This workstation's server: where a plant's PostgreSQL database is, checking that it can be
reached and logged into (and saying in words why not), and the password, kept in the
desktop's keyring where there is one.

The window keeps the settings (host, port, database, user) among its own; the password is
never written anywhere else. Without a keyring (a desktop with no Secret Service, KWallet,
macOS Keychain or Windows Credential Locker) it is asked for at each start: a keyring that
keeps passwords in a plain file does not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import URL

from app.errors import ServerUnreachable, ShopfloorError, ValidationError
from app.services.engine.connection import failure_words
from app.services.engine.database import Database
from app.services.engine.parsing import parse_name

DEFAULT_PORT = 5432
CONNECT_TIMEOUT_S = 5
KEYRING_SERVICE = "Shopfloor"
_HOST = re.compile(r"[A-Za-z0-9._:\[\]-]{1,253}")
# Keyrings that keep the password in a file anyone who reads it can read (keyrings.alt's
# plain text and "encrypted" files, the null and fail backends).
_NOT_SAFE = ("keyrings.alt", "keyring.backends.null", "keyring.backends.fail")


@dataclass(frozen=True)
class ServerSettings:
    """Where the plant's database is and who logs in."""

    host: str
    port: int = DEFAULT_PORT
    database: str = "shopfloor"
    user: str = "shopfloor"

    def url(self, password: str | None) -> URL:
        """The SQLAlchemy URL (with the password, for this process only)."""
        return URL.create(
            "postgresql+psycopg",
            username=self.user,
            password=password or None,
            host=self.host,
            port=self.port,
            database=self.database,
            query={"connect_timeout": str(CONNECT_TIMEOUT_S)},
        )

    def describe(self) -> str:
        """`user@host:port/database`: the keyring's name for its password, and the words."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"


def server_settings(host: object, port: object, database: object, user: object) -> ServerSettings:
    """Settings from what was typed: a host name or address, a port from 1 to 65535, and
    the database and user names (PostgreSQL's: at most 63 characters); refused in words."""
    text = str(host or "").strip()
    if not _HOST.fullmatch(text):
        raise ValidationError(f"{text!r} is not a host name or address" if text else "no host")
    digits = str(port if port is not None else "").strip() or str(DEFAULT_PORT)
    if not (digits.isascii() and digits.isdigit() and 1 <= int(digits) <= 65535):
        raise ValidationError(f"the port is a number from 1 to 65535, not {digits!r}")
    return ServerSettings(
        host=text,
        port=int(digits),
        database=parse_name(database, field="database name", max_length=63),
        user=parse_name(user, field="user name", max_length=63),
    )


@dataclass(frozen=True)
class ServerCheck:
    """A server reached and logged into: `state` as the start-up window names it ("ready",
    "new", "upgrade", "newer", "foreign") and the same in `words`."""

    settings: ServerSettings
    state: str
    words: str


_STATE_WORDS = {
    "ready": "holds a Shopfloor plant, ready to use",
    "new": "is empty: Shopfloor creates the plant's tables in it (shopfloor init)",
    "upgrade": "holds a plant of an older Shopfloor: it is upgraded first",
    "newer": "holds a plant of a newer Shopfloor: update this program first",
    "foreign": "holds something that is not a Shopfloor plant",
}


def check_server(settings: ServerSettings, password: str | None) -> ServerCheck:
    """Connect and log in as the settings say, and read what the database holds;
    `ServerUnreachable` in words when the server cannot be reached or refuses the login."""
    database = Database(settings.url(password))
    try:
        try:
            state = database.schema_state()
        except ShopfloorError as exc:
            cause: Any = exc.__cause__ or exc.__context__ or exc
            if "not a Shopfloor" in exc.message:
                state_key = "foreign"
            else:
                raise ServerUnreachable(failure_words(database, cause)) from None
        else:
            if state.up_to_date:
                state_key = "ready"
            elif state.current is None:
                state_key = "foreign" if state.has_tables else "new"
            else:
                state_key = "newer" if state.newer else "upgrade"
    finally:
        database.dispose()
    where = f"{settings.database} on {settings.host}:{settings.port}"
    return ServerCheck(
        settings, state_key, f"Logged in as {settings.user}: {where} {_STATE_WORDS[state_key]}"
    )


# --- the password, in the desktop's keyring ----------------------------------------------------


def _keyring() -> Any | None:
    """The desktop's keyring, or None where there is none that keeps a secret safely."""
    try:
        import keyring
        from keyring.backends import chainer
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None
    backend = keyring.get_keyring()
    found = backend.backends if isinstance(backend, chainer.ChainerBackend) else [backend]
    if not found or any(type(b).__module__.startswith(_NOT_SAFE) for b in found):
        return None
    return keyring


def keyring_available() -> bool:
    """Whether this desktop has a keyring to keep the password in."""
    return _keyring() is not None


def saved_password(settings: ServerSettings) -> str | None:
    """The password kept for these settings, if there is a keyring and it holds one."""
    ring = _keyring()
    if ring is None:
        return None
    try:
        found = ring.get_password(KEYRING_SERVICE, settings.describe())
    except Exception:  # a locked or broken keyring: ask for the password instead
        return None
    return str(found) if found else None


def save_password(settings: ServerSettings, password: str) -> bool:
    """Keep the password in the keyring; False (and nothing written anywhere) without one."""
    ring = _keyring()
    if ring is None:
        return False
    try:
        ring.set_password(KEYRING_SERVICE, settings.describe(), password)
    except Exception:  # a keyring that refuses: the password is asked for next time
        return False
    return True


def forget_password(settings: ServerSettings) -> None:
    """Remove a kept password (a changed password, another server)."""
    ring = _keyring()
    if ring is None:
        return
    try:
        ring.delete_password(KEYRING_SERVICE, settings.describe())
    except Exception:  # nothing kept, or a keyring that refuses: nothing to forget
        return
