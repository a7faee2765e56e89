"""Cycle counts count lot-tracked items lot by lot: a count line names the lot (or serial) it
counts, an item may have a line per lot on one count, and an item without a lot is still one
line of a count.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NO_LOT = "lot_id IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("cycle_count_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lot_id", BigId, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_cycle_count_line_lot_id_lot"), "lot", ["lot_id"], ["id"]
        )
        batch_op.drop_constraint("uq_cycle_count_line_item", type_="unique")
        batch_op.create_unique_constraint(
            "uq_cycle_count_line_lot", ["cycle_count_id", "item_id", "lot_id"]
        )
    op.create_index(
        "uq_cycle_count_line_item",
        "cycle_count_line",
        ["cycle_count_id", "item_id"],
        unique=True,
        sqlite_where=sa.text(NO_LOT),
        postgresql_where=sa.text(NO_LOT),
    )


def downgrade() -> None:
    raise NotImplementedError("Shopfloor databases are upgraded only; restore the backup copy")
