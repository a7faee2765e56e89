"""Audit events, preferences, users and number sequences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, BigId, UTCDateTime, utcnow
from app.models.item import _in


class AuditEvent(Base):
    """One per posting or change: who (and in which role), what, when, on which workstation.
    `details` is JSON: what the posting noted, and the stock figures it changed, before and
    after."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_document", "document"),
        Index("ix_audit_event_posting_key", "posting_key", unique=True),
        Index("ix_audit_event_at", "at"),
        Index("ix_audit_event_username", "username"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    username: Mapped[str] = mapped_column(String(64))
    workstation: Mapped[str] = mapped_column(String(120))
    role: Mapped[str | None] = mapped_column(String(16))  # None: unknown (before schema 0009)
    action: Mapped[str] = mapped_column(String(40))
    document: Mapped[str | None] = mapped_column(String(120))
    details: Mapped[str] = mapped_column(Text)
    # The key the workstation gave the posting before sending it: after a connection lost
    # mid-commit, finding it tells whether the posting was saved (uow.py, `posting_outcome`).
    posting_key: Mapped[str | None] = mapped_column(String(32))


class Preference(Base):
    """Plant-wide preferences (seed 001's names in snake_case). Absent keys take the default."""

    __tablename__ = "preference"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))


ROLES = ("admin", "supervisor", "sales", "operator", "picker", "viewer")


class AppUser(Base):
    """A registered user and their role. While no user is registered, everyone is an admin
    (a single-person workstation); once one is, unregistered users are refused.

    A user signs in to the desktop application with a PIN or password, kept only as a slow
    salted hash (argon2id); repeated failures lock the user for a while."""

    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint("failed_attempts >= 0", name="failed_attempts"),
    )

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    secret_hash: Mapped[str | None] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Counter(Base):
    """Document number sequences (work orders, ...), incremented inside the posting."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
