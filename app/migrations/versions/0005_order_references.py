"""A purchase order carries its customer's PO number in a column of its own: a drop-ship
order's, copied from its sales order, where 0004 kept it in the memo; an order bought for
stock has none, and its memo is only a note.

Existing drop-ship orders get the customer's PO their memo held. The receipts' finance
events, which were told an ordinary order's memo as the customer's PO, are told the order's
customer PO instead (none).

A sales order line built to order whose work order was cancelled ships from stock: it no
longer waits for a build that will never come.

A work order's created-from is the sales order it was created from, found by trace both
ways; it is indexed for that.

A sales order keeps the reference it was imported under (the import's order_ref), unique
among the orders that are not cancelled, so that a file imported twice is refused. Orders
imported before have none: their reference was only written into the memo, in words.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

ORDER_REF_HELD = "order_ref IS NOT NULL AND status <> 'cancelled'"

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("purchase_order") as batch:
        batch.add_column(sa.Column("customer_po", sa.String(length=64), nullable=True))
        batch.create_index(batch.f("ix_purchase_order_customer_po"), ["customer_po"], unique=False)
    with op.batch_alter_table("sales_order") as batch:
        batch.add_column(sa.Column("order_ref", sa.String(length=64), nullable=True))
        batch.create_index(
            "uq_sales_order_order_ref",
            ["order_ref"],
            unique=True,
            sqlite_where=sa.text(ORDER_REF_HELD),
            postgresql_where=sa.text(ORDER_REF_HELD),
        )
    with op.batch_alter_table("work_order") as batch:
        batch.create_index(batch.f("ix_work_order_created_from"), ["created_from"], unique=False)
    op.execute("UPDATE purchase_order SET customer_po = memo WHERE drop_ship")
    op.execute(
        "UPDATE finance_event SET customer_po = (SELECT purchase_order.customer_po FROM "
        "purchase_order WHERE purchase_order.number = finance_event.created_from) "
        "WHERE document_kind = 'receipt'"
    )
    op.execute(
        "UPDATE sales_order_line SET path = 'stock' WHERE path = 'build' "
        "AND id IN (SELECT sales_order_line_id FROM work_order WHERE status = 'cancelled') "
        "AND id NOT IN (SELECT sales_order_line_id FROM work_order "
        "WHERE status <> 'cancelled' AND sales_order_line_id IS NOT NULL)"
    )


def downgrade() -> None:
    raise NotImplementedError("Shopfloor databases are upgraded only; restore the backup copy")
