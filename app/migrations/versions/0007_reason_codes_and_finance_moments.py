"""The plant's reason codes (why stock was scrapped, why goods came back or go back), and the
moments finance is told about become registered codes instead of a CHECK constraint, so a new
kind of posting (a scrap, a customer's or a vendor's credit) tells finance without rebuilding
the table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _finance_event_0004() -> sa.Table:
    """finance_event as 0004 made it: the table the SQLite batch copy starts from (SQLite
    does not reflect CHECK constraints)."""
    return sa.Table(
        "finance_event",
        sa.MetaData(),
        sa.Column("id", BigId, primary_key=True),
        sa.Column("moment", sa.String(length=16), nullable=False),
        sa.Column("document_kind", sa.String(length=24), nullable=False),
        sa.Column("document", sa.String(length=32), nullable=False),
        sa.Column("created_from", sa.String(length=32), nullable=True),
        sa.Column("customer_po", sa.String(length=64), nullable=True),
        sa.Column("party", sa.String(length=120), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column(
            "audit_event_id",
            BigId,
            sa.ForeignKey("audit_event.id", name="fk_finance_event_audit_event_id_audit_event"),
            nullable=False,
        ),
        sa.Column("posted_at", sa.DateTime(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "moment IN ('shipped', 'received', 'closed')", name="ck_finance_event_moment"
        ),
        sa.Index("ix_finance_event_customer_po", "customer_po"),
        sa.Index("ix_finance_event_document", "document"),
        sa.Index("ix_finance_event_reviewed", "reviewed_at"),
    )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "reason_code",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("kind", "code", name=op.f("pk_reason_code")),
    )
    with op.batch_alter_table(
        "finance_event",
        copy_from=_finance_event_0004() if sqlite else None,
        recreate="always" if sqlite else "auto",
    ) as batch:
        batch.drop_constraint(op.f("ck_finance_event_moment"), type_="check")
        batch.alter_column("moment", existing_type=sa.String(length=16), type_=sa.String(32))


def downgrade() -> None:
    raise NotImplementedError("Shopfloor databases are upgraded only; restore the backup copy")
