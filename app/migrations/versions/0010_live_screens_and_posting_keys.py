"""Live screens and postings known whole or absent: the change feed a SQLite plant's windows
poll (a counter bumped by every posting and the recent change sets), and the key a
workstation gives each posting, kept on its audit event, by which a posting cut off by a lost
connection is found (or known not to have been saved).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    counter = op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_change_counter_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_counter")),
    )
    op.bulk_insert(counter, [{"id": 1, "seq": 0}])
    op.create_table(
        "change_feed",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_feed")),
    )
    op.add_column("audit_event", sa.Column("posting_key", sa.String(length=32), nullable=True))
    op.create_index(
        op.f("ix_audit_event_posting_key"), "audit_event", ["posting_key"], unique=True
    )


def downgrade() -> None:
    raise NotImplementedError("Shopfloor databases are upgraded only; restore the backup copy")
