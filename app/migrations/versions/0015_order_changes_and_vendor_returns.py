"""Changing orders and sending goods back: a purchase order line can be cancelled; vendor
returns (VRA-…) and their lines, each returning from one receipt line; a sales order line's
path changes are recorded; a fulfillment and a finance event carry the day they count on in
the books (existing ones: the day they were made).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

Fixed = sa.BigInteger()


def _day_of(column: str) -> str:
    """The calendar day of a stored timestamp, in SQL."""
    if op.get_bind().dialect.name == "sqlite":
        return f"date({column})"
    return f"CAST({column} AS DATE)"


def upgrade() -> None:
    with op.batch_alter_table("purchase_order_line") as batch:
        batch.add_column(
            sa.Column("cancelled", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    op.create_table(
        "vendor_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("purchase_order_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("reason_code", sa.String(length=32), nullable=True),
        sa.Column("memo", sa.String(length=200), nullable=True),
        sa.Column("credit_in_advance", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending_approval', 'pending_return', 'partially_returned', "
            "'returned', 'closed', 'cancelled')",
            name=op.f("ck_vendor_return_status"),
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_vendor_return_location_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_order.id"],
            name=op.f("fk_vendor_return_purchase_order_id_purchase_order"),
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendor.id"], name=op.f("fk_vendor_return_vendor_id_vendor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_return")),
        sa.UniqueConstraint("number", name=op.f("uq_vendor_return_number")),
    )
    op.create_index(
        op.f("ix_vendor_return_purchase_order_id"), "vendor_return", ["purchase_order_id"]
    )
    op.create_index(op.f("ix_vendor_return_vendor_id"), "vendor_return", ["vendor_id"])
    op.create_index("ix_vendor_return_status", "vendor_return", ["status"])

    op.create_table(
        "vendor_return_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_return_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("purchase_order_line_id", sa.Integer(), nullable=False),
        sa.Column("receipt_line_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", Fixed, nullable=False),
        sa.Column("shipped", Fixed, nullable=False),
        sa.Column("unit_cost", Fixed, nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_vendor_return_line_quantity")),
        sa.CheckConstraint("shipped >= 0", name=op.f("ck_vendor_return_line_shipped")),
        sa.CheckConstraint(
            "shipped <= quantity", name=op.f("ck_vendor_return_line_shipped_le_quantity")
        ),
        sa.CheckConstraint("unit_cost >= 0", name=op.f("ck_vendor_return_line_unit_cost")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_vendor_return_line_item_id_item")
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_line_id"],
            ["purchase_order_line.id"],
            name=op.f("fk_vendor_return_line_purchase_order_line_id_purchase_order_line"),
        ),
        sa.ForeignKeyConstraint(
            ["receipt_line_id"],
            ["receipt_line.id"],
            name=op.f("fk_vendor_return_line_receipt_line_id_receipt_line"),
        ),
        sa.ForeignKeyConstraint(
            ["vendor_return_id"],
            ["vendor_return.id"],
            name=op.f("fk_vendor_return_line_vendor_return_id_vendor_return"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_return_line")),
        sa.UniqueConstraint(
            "vendor_return_id", "line_no", name="uq_vendor_return_line_number"
        ),
    )
    for column in ("vendor_return_id", "purchase_order_line_id", "receipt_line_id"):
        op.create_index(
            op.f(f"ix_vendor_return_line_{column}"), "vendor_return_line", [column]
        )

    op.create_table(
        "sales_order_path_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sales_order_id", sa.Integer(), nullable=False),
        sa.Column("sales_order_line_id", sa.Integer(), nullable=False),
        sa.Column("from_path", sa.String(length=16), nullable=False),
        sa.Column("to_path", sa.String(length=16), nullable=False),
        sa.Column("not_needed", sa.String(length=32), nullable=True),
        sa.Column("made", sa.String(length=32), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["sales_order_id"],
            ["sales_order.id"],
            name=op.f("fk_sales_order_path_change_sales_order_id_sales_order"),
        ),
        sa.ForeignKeyConstraint(
            ["sales_order_line_id"],
            ["sales_order_line.id"],
            name=op.f("fk_sales_order_path_change_sales_order_line_id_sales_order_line"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_order_path_change")),
    )
    op.create_index(
        op.f("ix_sales_order_path_change_sales_order_id"),
        "sales_order_path_change",
        ["sales_order_id"],
    )

    for table, moment in (("fulfillment", "created_at"), ("finance_event", "posted_at")):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("transaction_date", sa.Date(), nullable=True))
        op.execute(f"UPDATE {table} SET transaction_date = {_day_of(moment)}")
        with op.batch_alter_table(table) as batch:
            batch.alter_column("transaction_date", existing_type=sa.Date(), nullable=False)


def downgrade() -> None:
    raise NotImplementedError("Shopfloor databases are upgraded only; restore the backup copy")
