"""Where things live: the data directory, the default database, resource files (frozen or not),
and who and where the current user is."""

from __future__ import annotations

import getpass
import os
import socket
import sys
from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "Shopfloor"
ENV_DB = "SHOPFLOOR_DB"
ENV_USER = "SHOPFLOOR_USER"
ENV_WORKSTATION = "SHOPFLOOR_WORKSTATION"


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


def resource_path(*parts: str) -> Path:
    """A file under resources/, from a source checkout or from a frozen (PyInstaller) bundle."""
    base = getattr(sys, "_MEIPASS", None)
    root = Path(base) if base else Path(__file__).resolve().parent.parent
    return root.joinpath("resources", *parts)


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
