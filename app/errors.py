"""The typed errors every layer raises; the CLI maps them to exit 2, the GUI to a message in words.

A `ShopfloorError` always means "the request was refused and nothing was changed".
"""

from __future__ import annotations

from dataclasses import dataclass


class ShopfloorError(Exception):
    """A refused request: the message says why in the floor's words."""

    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(ShopfloorError):
    code = "invalid"


class InvalidQuantity(ValidationError):
    code = "invalid_quantity"


class NotFound(ShopfloorError):
    code = "not_found"


class AlreadyExists(ValidationError):
    code = "already_exists"


class IllegalTransition(ShopfloorError):
    code = "illegal_transition"


class OnHold(IllegalTransition):
    """A posting on a work order that is on hold: the message names the hold's reason."""

    code = "on_hold"


class InsufficientStock(ShopfloorError):
    code = "insufficient_stock"


class CommitmentLimit(InsufficientStock):
    code = "not_committed"


class OverageNotAllowed(ValidationError):
    code = "overage_not_allowed"


class ExpiredLot(ValidationError):
    """A lot past its expiry date, where the plant's preferences keep expired lots out."""

    code = "expired_lot"


class BomCycle(ValidationError):
    code = "bom_cycle"

    def __init__(self, cycle: list[str]) -> None:
        super().__init__("BOM cycle: " + " → ".join(cycle))
        self.cycle = cycle


class PermissionDenied(ShopfloorError):
    code = "permission_denied"


class SchemaError(ShopfloorError):
    """The database is missing, uninitialised, older or newer than this program."""

    code = "schema"


class ForeignDatabaseError(SchemaError):
    """The file or server holds something that is not a Shopfloor database."""


@dataclass(frozen=True)
class RowError:
    row: int
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


class ImportRejected(ValidationError):
    """An import with bad rows: nothing was imported; every bad row is named."""

    code = "import_rejected"

    def __init__(self, source: str, errors: list[RowError]) -> None:
        shown = "; ".join(str(e) for e in errors[:20])
        more = f"; and {len(errors) - 20} more" if len(errors) > 20 else ""
        noun = "row" if len(errors) == 1 else "rows"
        super().__init__(f"{source}: nothing imported, {len(errors)} bad {noun}: {shown}{more}")
        self.errors = errors


# --- the server of a plant of several workstations ------------------------------------------


class ServerUnreachable(ShopfloorError):
    """The database server cannot be reached (down, restarting, a wrong address) or refuses
    the login: said in words, and nothing was changed."""

    code = "server_unreachable"


class PostingNotSaved(ShopfloorError):
    """The connection to the server was lost as a posting was being saved, and the server
    says it was not saved: nothing was changed; try again."""

    code = "not_saved"
