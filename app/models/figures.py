"""The derived figures of stock and demand, defined once for Python and SQL alike.

A hybrid property answers on a record in memory (a mapped row or a plain posting record) and
in a query on a mapped class (`select(StockBalance.available)`), from the same definition.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case
from sqlalchemy.ext.hybrid import hybrid_property

from app.models.quantity import ZERO


def need_of(required: Any, consumed: Any) -> Any:
    """What a demand line still has to consume: required - consumed, never below zero."""
    if isinstance(required, Decimal | int):
        return max(ZERO, required - consumed)
    return case((required > consumed, required - consumed), else_=0)


class StockFigures:
    """on_hand, committed and demand of one item at one location, and what follows from them.

    available   = on_hand - committed (what nobody has reserved)
    backordered = demand - committed (open need nobody has stock for yet; no line commits
                  more than it needs, so this is never negative)
    """

    on_hand: Any
    committed: Any
    demand: Any

    @hybrid_property
    def available(self) -> Decimal:
        result: Decimal = self.on_hand - self.committed
        return result

    @hybrid_property
    def backordered(self) -> Decimal:
        result: Decimal = self.demand - self.committed
        return result


class DemandFigures:
    """required, consumed and committed of one demand line (a work order component line, a
    sales order line, ...), and what follows from them.

    need             = required - consumed, never negative (what is still to be consumed)
    uncommitted_need = need - committed, never negative (the line's backorder while open)
    """

    required: Any
    consumed: Any
    committed: Any

    @hybrid_property
    def need(self) -> Decimal:
        result: Decimal = need_of(self.required, self.consumed)
        return result

    @need.inplace.expression
    @classmethod
    def _need_expression(cls) -> ColumnElement[Decimal]:
        result: ColumnElement[Decimal] = need_of(cls.required, cls.consumed)
        return result

    @hybrid_property
    def uncommitted_need(self) -> Decimal:
        result: Decimal = max(ZERO, self.need - self.committed)
        return result

    @uncommitted_need.inplace.expression
    @classmethod
    def _uncommitted_need_expression(cls) -> ColumnElement[Decimal]:
        need = need_of(cls.required, cls.consumed)
        result: ColumnElement[Decimal] = case((need > cls.committed, need - cls.committed), else_=0)
        return result
