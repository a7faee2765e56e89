"""Initial schema: items, locations, BOM revisions, work orders, the ledger, balances,
audit events, preferences, users and counters.

Quantities and money are BIGINT millionths (see app/models/quantity.py). The ledger and the
audit trail are append-only: triggers refuse UPDATE and DELETE on both databases.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


APPEND_ONLY = ("ledger_entry", "audit_event")


def _create_append_only_triggers() -> None:
    """The ledger and the audit trail never change: a mistake is corrected by a new row."""
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        message = f"{table} is append-only: post a reversing entry instead"
        if dialect == "sqlite":
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
        elif dialect == "postgresql":
            op.execute(
                f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            )
        else:  # pragma: no cover - only the two supported databases
            raise NotImplementedError(dialect)


def _drop_append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'supervisor', 'operator', 'picker', 'viewer')",
            name=op.f("ck_app_user_role"),
        ),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_app_user")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("workstation", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("document", sa.String(length=120), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_document", ["document"], unique=False)

    op.create_table(
        "counter",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counter")),
    )
    op.create_table(
        "item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("item_type", sa.String(length=16), nullable=False),
        sa.Column("uom", sa.String(length=16), nullable=False),
        sa.Column("standard_cost", sa.BigInteger(), nullable=False),
        sa.Column("build_point", sa.BigInteger(), nullable=True),
        sa.Column("preferred_stock", sa.BigInteger(), nullable=True),
        sa.Column("drop_ship", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "item_type IN ('inventory', 'assembly', 'kit', 'non_inventory', 'service')",
            name=op.f("ck_item_item_type"),
        ),
        sa.CheckConstraint(
            "build_point IS NULL OR build_point >= 0", name=op.f("ck_item_build_point")
        ),
        sa.CheckConstraint(
            "preferred_stock IS NULL OR preferred_stock >= 0", name=op.f("ck_item_preferred_stock")
        ),
        sa.CheckConstraint("standard_cost >= 0", name=op.f("ck_item_standard_cost")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item")),
        sa.UniqueConstraint("sku", name=op.f("uq_item_sku")),
    )
    op.create_table(
        "location",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location")),
        sa.UniqueConstraint("code", name=op.f("uq_location_code")),
    )
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.create_index(
            "uq_location_default",
            ["is_default"],
            unique=True,
            sqlite_where=sa.text("is_default"),
            postgresql_where=sa.text("is_default"),
        )

    op.create_table(
        "preference",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_preference")),
    )
    op.create_table(
        "bom_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assembly_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["assembly_id"], ["item.id"], name=op.f("fk_bom_revision_assembly_id_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bom_revision")),
        sa.UniqueConstraint("assembly_id", "revision", name="assembly_revision"),
    )
    with op.batch_alter_table("bom_revision", schema=None) as batch_op:
        batch_op.create_index(
            "uq_bom_revision_one_active",
            ["assembly_id"],
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )

    op.create_table(
        "stock_balance",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("on_hand", sa.BigInteger(), nullable=False),
        sa.Column("committed", sa.BigInteger(), nullable=False),
        sa.Column("demand", sa.BigInteger(), nullable=False),
        sa.Column("on_order", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "committed <= demand", name=op.f("ck_stock_balance_committed_le_demand")
        ),
        sa.CheckConstraint(
            "committed <= on_hand", name=op.f("ck_stock_balance_committed_le_on_hand")
        ),
        sa.CheckConstraint("committed >= 0", name=op.f("ck_stock_balance_committed")),
        sa.CheckConstraint("demand >= 0", name=op.f("ck_stock_balance_demand")),
        sa.CheckConstraint("on_hand >= 0", name=op.f("ck_stock_balance_on_hand")),
        sa.CheckConstraint("on_order >= 0", name=op.f("ck_stock_balance_on_order")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_stock_balance_item_id_item")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_stock_balance_location_id_location")
        ),
        sa.PrimaryKeyConstraint("item_id", "location_id", name=op.f("pk_stock_balance")),
    )
    op.create_table(
        "bom_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.Column("quantity_per", sa.BigInteger(), nullable=False),
        sa.Column("backflush", sa.Boolean(), nullable=False),
        sa.CheckConstraint("quantity_per > 0", name=op.f("ck_bom_line_quantity_per")),
        sa.ForeignKeyConstraint(
            ["component_id"], ["item.id"], name=op.f("fk_bom_line_component_id_item")
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"], ["bom_revision.id"], name=op.f("fk_bom_line_revision_id_bom_revision")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bom_line")),
        sa.UniqueConstraint("revision_id", "component_id", name="revision_component"),
    )
    with op.batch_alter_table("bom_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bom_line_component_id"), ["component_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bom_line_revision_id"), ["revision_id"], unique=False)

    op.create_table(
        "work_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("built", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("bom_revision_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("created_from", sa.String(length=64), nullable=True),
        sa.Column("memo", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('firm_planned', 'open_planned', 'released', 'in_process', 'built', 'closed', 'cancelled')",
            name=op.f("ck_work_order_status"),
        ),
        sa.CheckConstraint("built >= 0", name=op.f("ck_work_order_built")),
        sa.CheckConstraint("priority >= 1", name=op.f("ck_work_order_priority")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_work_order_quantity")),
        sa.ForeignKeyConstraint(
            ["bom_revision_id"],
            ["bom_revision.id"],
            name=op.f("fk_work_order_bom_revision_id_bom_revision"),
        ),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_work_order_item_id_item")),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_work_order_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order")),
        sa.UniqueConstraint("number", name=op.f("uq_work_order_number")),
    )
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_order_item_id"), ["item_id"], unique=False)
        batch_op.create_index("ix_work_order_status_item", ["status", "item_id"], unique=False)

    op.create_table(
        "work_order_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.Column("quantity_per", sa.BigInteger(), nullable=False),
        sa.Column("required", sa.BigInteger(), nullable=False),
        sa.Column("committed", sa.BigInteger(), nullable=False),
        sa.Column("issued", sa.BigInteger(), nullable=False),
        sa.Column("backflush", sa.Boolean(), nullable=False),
        sa.CheckConstraint("committed >= 0", name=op.f("ck_work_order_line_committed")),
        sa.CheckConstraint("issued >= 0", name=op.f("ck_work_order_line_issued")),
        sa.CheckConstraint("quantity_per > 0", name=op.f("ck_work_order_line_quantity_per")),
        sa.CheckConstraint("required > 0", name=op.f("ck_work_order_line_required")),
        sa.ForeignKeyConstraint(
            ["component_id"], ["item.id"], name=op.f("fk_work_order_line_component_id_item")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_order.id"],
            name=op.f("fk_work_order_line_work_order_id_work_order"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_line")),
        sa.UniqueConstraint("work_order_id", "component_id", name="work_order_component"),
    )
    with op.batch_alter_table("work_order_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_work_order_line_component_id"), ["component_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_work_order_line_work_order_id"), ["work_order_id"], unique=False
        )

    op.create_table(
        "work_order_variance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.Column("expected", sa.BigInteger(), nullable=False),
        sa.Column("actual", sa.BigInteger(), nullable=False),
        sa.Column("variance", sa.BigInteger(), nullable=False),
        sa.Column("unit_cost", sa.BigInteger(), nullable=False),
        sa.Column("cost_variance", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["component_id"], ["item.id"], name=op.f("fk_work_order_variance_component_id_item")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_order.id"],
            name=op.f("fk_work_order_variance_work_order_id_work_order"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_variance")),
        sa.UniqueConstraint("work_order_id", "component_id", name="wo_component"),
    )
    with op.batch_alter_table("work_order_variance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_work_order_variance_work_order_id"), ["work_order_id"], unique=False
        )

    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_cost", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=120), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.Column("work_order_line_id", sa.Integer(), nullable=True),
        sa.Column(
            "reverses_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("memo", sa.String(length=200), nullable=True),
        sa.Column("posted_by", sa.String(length=64), nullable=False),
        sa.Column("posted_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "reason IN ('adjustment', 'issue', 'backflush', 'completion', 'reversal')",
            name=op.f("ck_ledger_entry_reason"),
        ),
        sa.CheckConstraint("quantity <> 0", name=op.f("ck_ledger_entry_quantity")),
        sa.CheckConstraint("unit_cost >= 0", name=op.f("ck_ledger_entry_unit_cost")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["audit_event.id"], name=op.f("fk_ledger_entry_event_id_audit_event")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_ledger_entry_item_id_item")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_ledger_entry_location_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["ledger_entry.id"],
            name=op.f("fk_ledger_entry_reverses_id_ledger_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_order.id"],
            name=op.f("fk_ledger_entry_work_order_id_work_order"),
        ),
        sa.ForeignKeyConstraint(
            ["work_order_line_id"],
            ["work_order_line.id"],
            name=op.f("fk_ledger_entry_work_order_line_id_work_order_line"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_entry_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            "ix_ledger_entry_item_location_qty",
            ["item_id", "location_id", "quantity"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_entry_reverses_id"), ["reverses_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_entry_work_order_id"), ["work_order_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_entry_work_order_line_id"), ["work_order_line_id"], unique=False
        )

    _create_append_only_triggers()

    location = sa.table(
        "location",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("is_default", sa.Boolean),
    )
    op.bulk_insert(location, [{"code": "MAIN", "name": "Main warehouse", "is_default": True}])


def downgrade() -> None:
    _drop_append_only_triggers()
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entry_work_order_line_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entry_work_order_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entry_reverses_id"))
        batch_op.drop_index("ix_ledger_entry_item_location_qty")
        batch_op.drop_index(batch_op.f("ix_ledger_entry_event_id"))

    op.drop_table("ledger_entry")
    with op.batch_alter_table("work_order_variance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_order_variance_work_order_id"))

    op.drop_table("work_order_variance")
    with op.batch_alter_table("work_order_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_order_line_work_order_id"))
        batch_op.drop_index(batch_op.f("ix_work_order_line_component_id"))

    op.drop_table("work_order_line")
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.drop_index("ix_work_order_status_item")
        batch_op.drop_index(batch_op.f("ix_work_order_item_id"))

    op.drop_table("work_order")
    with op.batch_alter_table("bom_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bom_line_revision_id"))
        batch_op.drop_index(batch_op.f("ix_bom_line_component_id"))

    op.drop_table("bom_line")
    op.drop_table("stock_balance")
    with op.batch_alter_table("bom_revision", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_bom_revision_one_active",
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )

    op.drop_table("bom_revision")
    op.drop_table("preference")
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_location_default",
            sqlite_where=sa.text("is_default"),
            postgresql_where=sa.text("is_default"),
        )

    op.drop_table("location")
    op.drop_table("item")
    op.drop_table("counter")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_document")

    op.drop_table("audit_event")
    op.drop_table("app_user")
