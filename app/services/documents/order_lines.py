"""What the order documents (picking tickets and packing slips) read the same way: a kit line
with its members, how many whole kits the members make, and the note of a line that moves
nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from app.models import LinePath
from app.models.quantity import ZERO
from app.models.sales import whole_kits
from app.services.orders.sales import SalesOrderLineInfo


def kits(
    kit: SalesOrderLineInfo,
    members: Sequence[SalesOrderLineInfo],
    amount: Callable[[SalesOrderLineInfo], Decimal],
) -> Decimal:
    """How many whole kits the members' `amount` makes."""
    return whole_kits(
        kit.quantity,
        ((amount(m), m.quantity) for m in members if LinePath(m.path).stocked),
    )


def kits_left(kit: SalesOrderLineInfo, members: Sequence[SalesOrderLineInfo]) -> Decimal:
    """Kits not yet picked in full (nor shipped)."""
    done = kits(kit, members, lambda m: m.fulfilled + m.picked)
    return max(ZERO, kit.quantity - done)


def groups(
    lines: Sequence[SalesOrderLineInfo],
) -> list[tuple[SalesOrderLineInfo, list[SalesOrderLineInfo]]]:
    """Each order line with its kit members (members follow their kit in line order)."""
    out: list[tuple[SalesOrderLineInfo, list[SalesOrderLineInfo]]] = []
    for ln in lines:
        if ln.kit_member and out and ln.line.split(".")[0] == out[-1][0].line:
            out[-1][1].append(ln)
        else:
            out.append((ln, []))
    return out


def non_inventory_note(item_type: str | None, verb: str) -> str:
    kind = "Service" if item_type == "service" else "Non-inventory"
    return f"{kind}: nothing to {verb}"


def skus(lines: Iterable[SalesOrderLineInfo]) -> list[str]:
    return list(dict.fromkeys(ln.sku for ln in lines))
