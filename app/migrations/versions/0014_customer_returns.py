"""Customer returns: a return authorization (RMA) created from a sales order, and its lines,
each with what was authorized, received, restocked, scrapped and credited. Its receipts post
ledger rows with the reasons `customer_return` and `return_scrap`, and finance hears the
moment `customer_credit` (registered codes, so the ledger and the finance events do not
change).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_STATUSES = (
    "'pending_approval', 'pending_receipt', 'partially_received', 'received', 'closed', "
    "'cancelled'"
)


def upgrade() -> None:
    op.create_table(
        "return_authorization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("sales_order_id", sa.Integer(), nullable=False),
        sa.Column("customer_po", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("reason_code", sa.String(length=32), nullable=True),
        sa.Column("memo", sa.String(length=200), nullable=True),
        sa.Column("credit_in_advance", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("credited_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            f"status IN ({_STATUSES})", name=op.f("ck_return_authorization_status")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
            name=op.f("fk_return_authorization_location_id_location"),
        ),
        sa.ForeignKeyConstraint(
            ["sales_order_id"],
            ["sales_order.id"],
            name=op.f("fk_return_authorization_sales_order_id_sales_order"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_authorization")),
        sa.UniqueConstraint("number", name=op.f("uq_return_authorization_number")),
    )
    with op.batch_alter_table("return_authorization", schema=None) as batch_op:
        batch_op.create_index("ix_return_authorization_customer_po", ["customer_po"])
        batch_op.create_index(
            batch_op.f("ix_return_authorization_sales_order_id"), ["sales_order_id"]
        )
        batch_op.create_index("ix_return_authorization_status", ["status"])

    op.create_table(
        "return_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_authorization_id", sa.Integer(), nullable=False),
        sa.Column("sales_order_line_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("restocked", sa.BigInteger(), nullable=False),
        sa.Column("scrapped", sa.BigInteger(), nullable=False),
        sa.Column("credited", sa.BigInteger(), nullable=False),
        sa.Column("rate", sa.BigInteger(), nullable=False),
        sa.Column("unit_cost", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("credited >= 0", name=op.f("ck_return_line_credited")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_return_line_quantity")),
        sa.CheckConstraint("rate >= 0", name=op.f("ck_return_line_rate")),
        sa.CheckConstraint(
            "received <= quantity", name=op.f("ck_return_line_received_le_quantity")
        ),
        sa.CheckConstraint("received >= 0", name=op.f("ck_return_line_received")),
        sa.CheckConstraint("restocked >= 0", name=op.f("ck_return_line_restocked")),
        sa.CheckConstraint("scrapped >= 0", name=op.f("ck_return_line_scrapped")),
        sa.CheckConstraint("unit_cost >= 0", name=op.f("ck_return_line_unit_cost")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_return_line_item_id_item")
        ),
        sa.ForeignKeyConstraint(
            ["return_authorization_id"],
            ["return_authorization.id"],
            name=op.f("fk_return_line_return_authorization_id_return_authorization"),
        ),
        sa.ForeignKeyConstraint(
            ["sales_order_line_id"],
            ["sales_order_line.id"],
            name=op.f("fk_return_line_sales_order_line_id_sales_order_line"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_line")),
        sa.UniqueConstraint(
            "return_authorization_id", "sales_order_line_id", name="uq_return_line_order_line"
        ),
    )
    with op.batch_alter_table("return_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_return_line_return_authorization_id"), ["return_authorization_id"]
        )
        batch_op.create_index(
            batch_op.f("ix_return_line_sales_order_line_id"), ["sales_order_line_id"]
        )


def downgrade() -> None:
    raise NotImplementedError("Shopfloor databases are upgraded only; restore the backup copy")
