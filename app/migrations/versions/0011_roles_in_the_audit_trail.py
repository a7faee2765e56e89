"""The audit trail records the role each event was made in, and is read by time and by user;
a role for order entry (`sales`), which enters sales orders without approving them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ROLES_0001 = "role IN ('admin', 'supervisor', 'operator', 'picker', 'viewer')"
ROLES_0009 = "role IN ('admin', 'supervisor', 'sales', 'operator', 'picker', 'viewer')"


def _app_user_0003() -> sa.Table:
    """app_user as 0003 left it: the table the SQLite batch copy starts from (SQLite does not
    reflect CHECK constraints)."""
    return sa.Table(
        "app_user",
        sa.MetaData(),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("secret_hash", sa.String(length=200), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.CheckConstraint(ROLES_0001, name="ck_app_user_role"),
        sa.CheckConstraint("failed_attempts >= 0", name="ck_app_user_failed_attempts"),
        sa.PrimaryKeyConstraint("username", name="pk_app_user"),
    )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # A column added in place: the table is not copied, so its append-only triggers stay.
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("role", sa.String(length=16), nullable=True))
        batch.create_index("ix_audit_event_at", ["at"], unique=False)
        batch.create_index("ix_audit_event_username", ["username"], unique=False)
    with op.batch_alter_table(
        "app_user",
        copy_from=_app_user_0003() if sqlite else None,
        recreate="always" if sqlite else "auto",
    ) as batch:
        batch.drop_constraint(op.f("ck_app_user_role"), type_="check")
        batch.create_check_constraint(op.f("ck_app_user_role"), ROLES_0009)


def downgrade() -> None:
    raise NotImplementedError("Shopfloor databases are upgraded only; restore the backup copy")
