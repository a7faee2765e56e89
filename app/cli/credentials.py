"""Who the command line acts as. While no user is registered everyone works as admin, as in
the window; once users exist, a command acts as its user (`--user`, `$SHOPFLOOR_USER`, else
the login name) only with that user's PIN: asked for at a terminal, or `$SHOPFLOOR_PIN` for a
script. It is checked like a sign-in at the window: a wrong one is refused and counts toward
the lockout, and every attempt is in the audit trail."""

from __future__ import annotations

import getpass
import os
import sys

from app.config import ENV_PIN
from app.errors import PermissionDenied
from app.services import auth
from app.services.engine.uow import UnitOfWork

VIA = "command line"


def read_pin(name: str) -> str | None:
    """The PIN of the user the command acts as: `$SHOPFLOOR_PIN`, else asked for (unseen)
    when standard input is a terminal; None when neither gives one."""
    given = os.environ.get(ENV_PIN)
    if given:
        return given
    stdin = sys.stdin
    if stdin is None or not stdin.isatty():
        return None
    return getpass.getpass(f"PIN for {name}: ") or None


def signed_in(uow: UnitOfWork) -> UnitOfWork:
    """`uow` once its user has signed in with their PIN (at once while nobody is registered);
    refused in words otherwise."""
    if not auth.sign_in_choices(uow).registered:
        return uow
    name = uow.actor.user
    pin = read_pin(name)
    if pin is None:
        raise PermissionDenied(
            f"{name} signs in with a PIN: type it when asked (at a terminal), or set "
            f"{ENV_PIN} for a script"
        )
    auth.sign_in(uow, name, pin, via=VIA)
    return uow
