"""A customer return of a drop-shipped line goes back to the vendor: a vendor return may be
made from a return authorization, and its lines then name the customer return line they send
back instead of a receipt line.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("vendor_return") as batch:
        batch.add_column(sa.Column("return_authorization_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_vendor_return_return_authorization_id_return_authorization"),
            "return_authorization",
            ["return_authorization_id"],
            ["id"],
        )
        batch.create_index(
            op.f("ix_vendor_return_return_authorization_id"), ["return_authorization_id"]
        )
    with op.batch_alter_table("vendor_return_line") as batch:
        batch.alter_column("receipt_line_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("return_line_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_vendor_return_line_return_line_id_return_line"),
            "return_line",
            ["return_line_id"],
            ["id"],
        )
        batch.create_index(op.f("ix_vendor_return_line_return_line_id"), ["return_line_id"])
        batch.create_check_constraint(
            "receipt_or_return", "(receipt_line_id IS NULL) <> (return_line_id IS NULL)"
        )


def downgrade() -> None:
    with op.batch_alter_table("vendor_return_line") as batch:
        batch.drop_constraint(
            op.f("ck_vendor_return_line_receipt_or_return"), type_="check"
        )
        batch.drop_index(op.f("ix_vendor_return_line_return_line_id"))
        batch.drop_constraint(
            op.f("fk_vendor_return_line_return_line_id_return_line"), type_="foreignkey"
        )
        batch.drop_column("return_line_id")
        batch.alter_column("receipt_line_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("vendor_return") as batch:
        batch.drop_index(op.f("ix_vendor_return_return_authorization_id"))
        batch.drop_constraint(
            op.f("fk_vendor_return_return_authorization_id_return_authorization"),
            type_="foreignkey",
        )
        batch.drop_column("return_authorization_id")
