"""Cycle counts: a count of some items at one location, and its lines, each with what was
counted and the on hand of its item there at the moment it was counted. A count posts its
differences as ledger rows with the reason `count` (a registered code, so the ledger itself
does not change).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cycle_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("selection", sa.String(length=200), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("posted_at", sa.DateTime(), nullable=True),
        sa.Column("posted_by", sa.String(length=64), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'approved', 'posted', 'cancelled')",
            name=op.f("ck_cycle_count_status"),
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_cycle_count_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_count")),
        sa.UniqueConstraint("number", name=op.f("uq_cycle_count_number")),
    )
    with op.batch_alter_table("cycle_count", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cycle_count_location_id"), ["location_id"])
        batch_op.create_index("ix_cycle_count_status", ["status"])

    op.create_table(
        "cycle_count_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_count_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("counted", sa.BigInteger(), nullable=True),
        sa.Column("on_hand_at_count", sa.BigInteger(), nullable=True),
        sa.Column("counted_at", sa.DateTime(), nullable=True),
        sa.Column("counted_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "(counted IS NULL) = (counted_at IS NULL)",
            name=op.f("ck_cycle_count_line_counted_at"),
        ),
        sa.CheckConstraint(
            "(counted IS NULL) = (on_hand_at_count IS NULL)",
            name=op.f("ck_cycle_count_line_on_hand_at_count"),
        ),
        sa.CheckConstraint(
            "counted IS NULL OR counted >= 0", name=op.f("ck_cycle_count_line_counted")
        ),
        sa.ForeignKeyConstraint(
            ["cycle_count_id"],
            ["cycle_count.id"],
            name=op.f("fk_cycle_count_line_cycle_count_id_cycle_count"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_cycle_count_line_item_id_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_count_line")),
        sa.UniqueConstraint("cycle_count_id", "item_id", name="uq_cycle_count_line_item"),
        sa.UniqueConstraint("cycle_count_id", "line_no", name="uq_cycle_count_line_number"),
    )
    with op.batch_alter_table("cycle_count_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cycle_count_line_cycle_count_id"), ["cycle_count_id"]
        )
        batch_op.create_index("ix_cycle_count_line_item", ["item_id"])


def downgrade() -> None:
    raise NotImplementedError("Shopfloor databases are upgraded only; restore the backup copy")
