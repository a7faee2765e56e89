"""Reason codes: the plant's own list of why stock was scrapped or why goods came back or go
back, kept by the admin and asked for by scraps and returns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow
from app.models.kinds import register_reason_code_kinds

REASON_CODE_LENGTH = 32


class ReasonCodeKind(StrEnum):
    """What a reason code explains; other kinds of posting may register kinds of their own."""

    SCRAP = "scrap"
    RETURN = "return"


register_reason_code_kinds(
    ReasonCodeKind,
    {
        ReasonCodeKind.SCRAP: "why components or finished goods were scrapped",
        ReasonCodeKind.RETURN: "why a customer sent goods back, or why they go back to a vendor",
    },
)


class ReasonCode(Base):
    """One reason of one kind (the same code may explain a scrap and a return)."""

    __tablename__ = "reason_code"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    code: Mapped[str] = mapped_column(String(REASON_CODE_LENGTH), primary_key=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
