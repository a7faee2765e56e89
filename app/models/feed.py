"""The change feed of a SQLite plant: how the postings of one program reach the windows of
another on the same file (a PostgreSQL plant announces them with NOTIFY instead and leaves
these tables empty)."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ChangeCounter(Base):
    """One row: the number of the last posting announced. Each posting bumps it in its own
    transaction, so a window that polls it sees a new number once a posting has committed."""

    __tablename__ = "change_counter"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)


class ChangeFeedEntry(Base):
    """What the posting numbered `seq` changed (`changes.encode`'s text); the oldest are
    pruned, and a window that fell behind them reads everything again."""

    __tablename__ = "change_feed"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[str] = mapped_column(Text)
