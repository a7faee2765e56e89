"""Where things live: the data directory, the default database, the files the package carries
(fonts, the demo plant, icons, the logo, the migrations), and who and where the current user is."""

from __future__ import annotations

import atexit
import getpass
import os
import socket
from contextlib import ExitStack
from importlib import resources
from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "Shopfloor"
ENV_DB = "SHOPFLOOR_DB"
ENV_USER = "SHOPFLOOR_USER"
ENV_WORKSTATION = "SHOPFLOOR_WORKSTATION"
ENV_PIN = "SHOPFLOOR_PIN"  # the command line's PIN for scripts (a terminal is asked instead)


def data_dir() -> Path:
    """The per-user data directory (created on demand)."""
    path = user_data_path(APP_NAME, appauthor=False)
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_path() -> Path:
    return data_dir() / "shopfloor.db"


def database_url(db: str | None = None) -> str:
    """Resolve `--db` (a path or a SQLAlchemy URL), then $SHOPFLOOR_DB, then the default file."""
    value = db or os.environ.get(ENV_DB) or str(default_database_path())
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


# Files handed out as real paths stay valid for the life of the process (extracted copies,
# where the package is not on a plain file system, are removed at exit).
_EXTRACTED = ExitStack()
atexit.register(_EXTRACTED.close)


def package_path(package: str, *parts: str) -> Path:
    """A file or folder the package carries, as a path on the file system: found through
    `importlib.resources`, so it is the same in a source checkout, an installed wheel and a
    frozen (PyInstaller) bundle."""
    ref = resources.files(package)
    for part in parts:
        ref = ref.joinpath(part)
    return _EXTRACTED.enter_context(resources.as_file(ref))


def resource_path(*parts: str) -> Path:
    """A file under app/resources/ (fonts, the demo plant, icons, the logo)."""
    return package_path("app", "resources", *parts)


def current_user() -> str:
    env = os.environ.get(ENV_USER)
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def current_workstation() -> str:
    return os.environ.get(ENV_WORKSTATION) or socket.gethostname() or "unknown"
