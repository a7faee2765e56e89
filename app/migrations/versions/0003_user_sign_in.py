"""Users sign in: a salted hash of each user's PIN or password, and a lockout after repeated
failures.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("secret_hash", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_app_user_failed_attempts"), "failed_attempts >= 0"
        )
    with op.batch_alter_table("app_user") as batch:
        batch.alter_column("failed_attempts", existing_type=sa.Integer(), server_default=None)


def downgrade() -> None:
    raise NotImplementedError("Shopfloor databases are upgraded only; restore the backup copy")
