"""A ledger row's reason and source kind are registered codes, not a CHECK constraint: a new
kind of document registers its reasons (transfers, counts, returns ...) without rebuilding
the ledger. Both columns grow to 32 characters; `shopfloor check` proves every row's code is
registered. The ledger's append-only triggers are lifted for the SQLite copy and put back.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REASONS = "('adjustment', 'issue', 'backflush', 'completion', 'receipt', 'shipment', 'reversal')"
SOURCE_KINDS = "('adjustment', 'work_order', 'fulfillment', 'receipt')"
MESSAGE = "ledger_entry is append-only: post a reversing entry instead"
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _triggers(create: bool) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"DROP TRIGGER IF EXISTS ledger_entry_no_{verb.lower()}")
            if create:
                op.execute(
                    f"CREATE TRIGGER ledger_entry_no_{verb.lower()} BEFORE {verb} ON ledger_entry "
                    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
                )
    else:
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry")
        if create:
            op.execute(
                "CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry "
                "FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only()"
            )


def _ledger_0004() -> sa.Table:
    """ledger_entry as 0002 left it: the table the SQLite batch copy starts from (SQLite does
    not reflect CHECK constraints)."""
    return sa.Table(
        "ledger_entry",
        sa.MetaData(),
        sa.Column("id", BigId, primary_key=True),
        sa.Column(
            "event_id",
            BigId,
            sa.ForeignKey("audit_event.id", name="fk_ledger_entry_event_id_audit_event"),
            nullable=False,
        ),
        sa.Column(
            "item_id",
            sa.Integer(),
            sa.ForeignKey("item.id", name="fk_ledger_entry_item_id_item"),
            nullable=False,
        ),
        sa.Column(
            "location_id",
            sa.Integer(),
            sa.ForeignKey("location.id", name="fk_ledger_entry_location_id_location"),
            nullable=False,
        ),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_cost", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=120), nullable=False),
        sa.Column(
            "reverses_id",
            BigId,
            sa.ForeignKey("ledger_entry.id", name="fk_ledger_entry_reverses_id_ledger_entry"),
            nullable=True,
        ),
        sa.Column("memo", sa.String(length=200), nullable=True),
        sa.Column("posted_by", sa.String(length=64), nullable=False),
        sa.Column("posted_at", sa.DateTime(), nullable=False),
        sa.Column("source_kind", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=True),
        sa.Column("source_line_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(f"reason IN {REASONS}", name="ck_ledger_entry_reason"),
        sa.CheckConstraint(f"source_kind IN {SOURCE_KINDS}", name="ck_ledger_entry_source_kind"),
        sa.CheckConstraint("quantity <> 0", name="ck_ledger_entry_quantity"),
        sa.CheckConstraint("unit_cost >= 0", name="ck_ledger_entry_unit_cost"),
        sa.Index("ix_ledger_entry_event_id", "event_id"),
        sa.Index("ix_ledger_entry_item_location_qty", "item_id", "location_id", "quantity"),
        sa.Index("ix_ledger_entry_reverses_id", "reverses_id"),
        sa.Index("ix_ledger_entry_source", "source_kind", "source_id"),
        sa.Index("ix_ledger_entry_source_line", "source_kind", "source_line_id"),
        sa.Index("ix_ledger_entry_reason_posted_at", "reason", "posted_at"),
    )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _triggers(create=False)
    with op.batch_alter_table(
        "ledger_entry",
        copy_from=_ledger_0004() if sqlite else None,
        recreate="always" if sqlite else "auto",
    ) as batch:
        batch.drop_constraint(op.f("ck_ledger_entry_reason"), type_="check")
        batch.drop_constraint(op.f("ck_ledger_entry_source_kind"), type_="check")
        batch.alter_column(
            "reason", existing_type=sa.String(length=16), type_=sa.String(length=32)
        )
        batch.alter_column(
            "source_kind", existing_type=sa.String(length=16), type_=sa.String(length=32)
        )
    _triggers(create=True)


def downgrade() -> None:
    raise NotImplementedError("Shopfloor databases are upgraded only; restore the backup copy")
