"""The lots to take on a scan screen's line, as the services suggest them: the first lot and
its expiry in the cell (how many more after it), every lot in the tooltip, the cell red when
a lot suggested has expired and amber when one expires within `expiry_warning_days`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from app.services.lots.stock import SuggestedLot
from app.views.common import format as fmt
from app.views.common.status import LATE, SHORT, Chip
from app.views.common.table_model import Column

T = TypeVar("T")


def lots_text(lots: Sequence[SuggestedLot]) -> str:
    """ "R-A 2026-05-01 +1": the first lot to take, its expiry, how many more."""
    if not lots:
        return ""
    first = lots[0]
    words = first.lot
    if first.expires is not None:
        words += f" {fmt.day(first.expires)}"
    if len(lots) > 1:
        words += f" +{len(lots) - 1}"
    return words


def lots_tooltip(lots: Sequence[SuggestedLot]) -> str:
    """Every lot to take, one a line: "Lot R-A: 3, expires 2026-05-01 (expiring soon)"."""
    lines = []
    for lot in lots:
        expiry = f", expires {fmt.day(lot.expires)}" if lot.expires is not None else ""
        flag = " (expired)" if lot.expired else " (expiring soon)" if lot.expiring else ""
        lines.append(f"Lot {lot.lot}: {fmt.qty(lot.quantity)}{expiry}{flag}")
    return "\n".join(lines)


def expiry_style(expired: bool, expiring: bool) -> Chip | None:
    """A lot's colour: red once expired, amber while it expires within
    `expiry_warning_days` (the services say which)."""
    return LATE if expired else (SHORT if expiring else None)


def lots_style(lots: Sequence[SuggestedLot]) -> Chip | None:
    """Red when a lot to take has expired, amber when one expires soon."""
    return expiry_style(any(lot.expired for lot in lots), any(lot.expiring for lot in lots))


def lots_column(
    title: str, lots: Callable[[T], Sequence[SuggestedLot]], width: int = 260
) -> Column[T]:
    """A line's lots to take, coloured by their expiry."""
    return Column(
        title,
        lambda r: lots_text(lots(r)),
        tooltip=lambda r: lots_tooltip(lots(r)),
        width=width,
        style=lambda r: lots_style(lots(r)),
    )
