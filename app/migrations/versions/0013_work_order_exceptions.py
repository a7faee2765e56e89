"""The floor's exceptions on work orders: a line's returned and scrapped quantities, a work
order's unbuilt and scrapped finished goods, its hold (who, when, why, and whether the hold
gave its commitments back) and its last change; the scrap told apart in the close variance;
the reason code a finance event names.

Every existing work order has returned, scrapped and unbuilt nothing, is not on hold and was
never changed.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _quantity(name: str) -> sa.Column[int]:
    """A quantity column (stored millionths), zero on the rows that exist."""
    return sa.Column(name, sa.BigInteger(), nullable=False, server_default="0")


def upgrade() -> None:
    with op.batch_alter_table("work_order") as batch:
        batch.add_column(_quantity("unbuilt"))
        batch.add_column(_quantity("scrapped"))
        batch.add_column(sa.Column("held_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("held_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("hold_reason", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column("hold_released", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("changed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("changed_by", sa.String(length=64), nullable=True))
        batch.create_check_constraint(op.f("ck_work_order_unbuilt"), "unbuilt >= 0")
        batch.create_check_constraint(op.f("ck_work_order_scrapped"), "scrapped >= 0")
    with op.batch_alter_table("work_order_line") as batch:
        batch.add_column(_quantity("returned"))
        batch.add_column(_quantity("scrapped"))
        batch.create_check_constraint(op.f("ck_work_order_line_returned"), "returned >= 0")
        batch.create_check_constraint(op.f("ck_work_order_line_scrapped"), "scrapped >= 0")
    with op.batch_alter_table("work_order_variance") as batch:
        batch.add_column(_quantity("scrapped"))
    with op.batch_alter_table("finance_event") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=32), nullable=True))
    # The defaults were for the rows that existed; new rows say their own values.
    with op.batch_alter_table("work_order") as batch:
        for name in ("unbuilt", "scrapped"):
            batch.alter_column(name, existing_type=sa.BigInteger(), server_default=None)
        batch.alter_column("hold_released", existing_type=sa.Boolean(), server_default=None)
    with op.batch_alter_table("work_order_line") as batch:
        for name in ("returned", "scrapped"):
            batch.alter_column(name, existing_type=sa.BigInteger(), server_default=None)
    with op.batch_alter_table("work_order_variance") as batch:
        batch.alter_column("scrapped", existing_type=sa.BigInteger(), server_default=None)


def downgrade() -> None:
    raise NotImplementedError("Shopfloor databases are upgraded only; restore the backup copy")
