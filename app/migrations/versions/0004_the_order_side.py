"""The order side: customers and vendors, sales orders and their lines, item fulfillments,
purchase orders and item receipts, the finance handoff; items get a preferred vendor, a
purchase price and a bin per location; work orders made for a sales order line point at it
and carry the customer's PO number.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('ship_to', sa.Text(), nullable=False),
    sa.Column('bill_to', sa.Text(), nullable=False),
    sa.Column('default_priority', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('default_priority >= 1', name=op.f('ck_customer_default_priority')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer')),
    sa.UniqueConstraint('name', name=op.f('uq_customer_name'))
    )
    op.create_table('vendor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vendor')),
    sa.UniqueConstraint('name', name=op.f('uq_vendor_name'))
    )
    op.create_table('finance_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('moment', sa.String(length=16), nullable=False),
    sa.Column('document_kind', sa.String(length=24), nullable=False),
    sa.Column('document', sa.String(length=32), nullable=False),
    sa.Column('created_from', sa.String(length=32), nullable=True),
    sa.Column('customer_po', sa.String(length=64), nullable=True),
    sa.Column('party', sa.String(length=120), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('audit_event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('posted_at', sa.DateTime(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_by', sa.String(length=64), nullable=True),
    sa.CheckConstraint("moment IN ('shipped', 'received', 'closed')", name=op.f('ck_finance_event_moment')),
    sa.ForeignKeyConstraint(['audit_event_id'], ['audit_event.id'], name=op.f('fk_finance_event_audit_event_id_audit_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_event'))
    )
    with op.batch_alter_table('finance_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finance_event_customer_po'), ['customer_po'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_event_document'), ['document'], unique=False)
        batch_op.create_index('ix_finance_event_reviewed', ['reviewed_at'], unique=False)

    op.create_table('sales_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('customer_po', sa.String(length=64), nullable=True),
    sa.Column('order_date', sa.Date(), nullable=False),
    sa.Column('ship_date', sa.Date(), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('ship_to', sa.Text(), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending_approval', 'pending_fulfillment', 'partially_fulfilled', 'fulfilled', 'closed', 'cancelled')", name=op.f('ck_sales_order_status')),
    sa.CheckConstraint('priority >= 1', name=op.f('ck_sales_order_priority')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_sales_order_customer_id_customer')),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_sales_order_location_id_location')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_order')),
    sa.UniqueConstraint('number', name=op.f('uq_sales_order_number'))
    )
    with op.batch_alter_table('sales_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_order_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_sales_order_customer_po', ['customer_po'], unique=False)
        batch_op.create_index('ix_sales_order_ship_date', ['ship_date'], unique=False)
        batch_op.create_index('ix_sales_order_status', ['status'], unique=False)

    op.create_table('fulfillment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('sales_order_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('drop_ship', sa.Boolean(), nullable=False),
    sa.Column('customer_po', sa.String(length=64), nullable=True),
    sa.Column('memo', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('packed_at', sa.DateTime(), nullable=True),
    sa.Column('shipped_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('picked', 'packed', 'shipped', 'cancelled')", name=op.f('ck_fulfillment_status')),
    sa.ForeignKeyConstraint(['sales_order_id'], ['sales_order.id'], name=op.f('fk_fulfillment_sales_order_id_sales_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fulfillment')),
    sa.UniqueConstraint('number', name=op.f('uq_fulfillment_number'))
    )
    with op.batch_alter_table('fulfillment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fulfillment_sales_order_id'), ['sales_order_id'], unique=False)
        batch_op.create_index('ix_fulfillment_status', ['status'], unique=False)

    op.create_table('item_bin',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('bin', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_item_bin_item_id_item')),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_item_bin_location_id_location')),
    sa.PrimaryKeyConstraint('item_id', 'location_id', name=op.f('pk_item_bin'))
    )
    op.create_table('purchase_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('order_date', sa.Date(), nullable=False),
    sa.Column('expected_date', sa.Date(), nullable=True),
    sa.Column('drop_ship', sa.Boolean(), nullable=False),
    sa.Column('sales_order_id', sa.Integer(), nullable=True),
    sa.Column('memo', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'partially_received', 'received', 'closed', 'cancelled')", name=op.f('ck_purchase_order_status')),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_purchase_order_location_id_location')),
    sa.ForeignKeyConstraint(['sales_order_id'], ['sales_order.id'], name=op.f('fk_purchase_order_sales_order_id_sales_order')),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendor.id'], name=op.f('fk_purchase_order_vendor_id_vendor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order')),
    sa.UniqueConstraint('number', name=op.f('uq_purchase_order_number'))
    )
    with op.batch_alter_table('purchase_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_order_sales_order_id'), ['sales_order_id'], unique=False)
        batch_op.create_index('ix_purchase_order_status', ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_order_vendor_id'), ['vendor_id'], unique=False)

    op.create_table('sales_order_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sales_order_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('member_no', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('rate', sa.BigInteger(), nullable=False),
    sa.Column('path', sa.String(length=16), nullable=False),
    sa.Column('committed', sa.BigInteger(), nullable=False),
    sa.Column('picked', sa.BigInteger(), nullable=False),
    sa.Column('fulfilled', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("path IN ('stock', 'build', 'drop_ship', 'kit', 'none')", name=op.f('ck_sales_order_line_path')),
    sa.CheckConstraint('committed >= 0', name=op.f('ck_sales_order_line_committed')),
    sa.CheckConstraint('fulfilled >= 0', name=op.f('ck_sales_order_line_fulfilled')),
    sa.CheckConstraint('member_no >= 0', name=op.f('ck_sales_order_line_member_no')),
    sa.CheckConstraint('picked <= committed', name=op.f('ck_sales_order_line_picked_le_committed')),
    sa.CheckConstraint('picked >= 0', name=op.f('ck_sales_order_line_picked')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_sales_order_line_quantity')),
    sa.CheckConstraint('rate >= 0', name=op.f('ck_sales_order_line_rate')),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_sales_order_line_item_id_item')),
    sa.ForeignKeyConstraint(['parent_id'], ['sales_order_line.id'], name=op.f('fk_sales_order_line_parent_id_sales_order_line')),
    sa.ForeignKeyConstraint(['sales_order_id'], ['sales_order.id'], name=op.f('fk_sales_order_line_sales_order_id_sales_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_order_line')),
    sa.UniqueConstraint('sales_order_id', 'line_no', 'member_no', name='uq_sales_order_line_number')
    )
    with op.batch_alter_table('sales_order_line', schema=None) as batch_op:
        batch_op.create_index('ix_sales_order_line_item', ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_order_line_sales_order_id'), ['sales_order_id'], unique=False)

    op.create_table('fulfillment_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fulfillment_id', sa.Integer(), nullable=False),
    sa.Column('sales_order_line_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_fulfillment_line_quantity')),
    sa.ForeignKeyConstraint(['fulfillment_id'], ['fulfillment.id'], name=op.f('fk_fulfillment_line_fulfillment_id_fulfillment')),
    sa.ForeignKeyConstraint(['sales_order_line_id'], ['sales_order_line.id'], name=op.f('fk_fulfillment_line_sales_order_line_id_sales_order_line')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fulfillment_line')),
    sa.UniqueConstraint('fulfillment_id', 'sales_order_line_id', name='uq_fulfillment_line_order_line')
    )
    with op.batch_alter_table('fulfillment_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fulfillment_line_fulfillment_id'), ['fulfillment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fulfillment_line_sales_order_line_id'), ['sales_order_line_id'], unique=False)

    op.create_table('purchase_order_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purchase_order_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('unit_cost', sa.BigInteger(), nullable=False),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.Column('sales_order_line_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_purchase_order_line_quantity')),
    sa.CheckConstraint('received >= 0', name=op.f('ck_purchase_order_line_received')),
    sa.CheckConstraint('unit_cost >= 0', name=op.f('ck_purchase_order_line_unit_cost')),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_purchase_order_line_item_id_item')),
    sa.ForeignKeyConstraint(['purchase_order_id'], ['purchase_order.id'], name=op.f('fk_purchase_order_line_purchase_order_id_purchase_order')),
    sa.ForeignKeyConstraint(['sales_order_line_id'], ['sales_order_line.id'], name=op.f('fk_purchase_order_line_sales_order_line_id_sales_order_line')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order_line')),
    sa.UniqueConstraint('purchase_order_id', 'line_no', name='uq_purchase_order_line_number')
    )
    with op.batch_alter_table('purchase_order_line', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_order_line_item', ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_order_line_purchase_order_id'), ['purchase_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_order_line_sales_order_line_id'), ['sales_order_line_id'], unique=False)

    op.create_table('receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('purchase_order_id', sa.Integer(), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['purchase_order_id'], ['purchase_order.id'], name=op.f('fk_receipt_purchase_order_id_purchase_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt')),
    sa.UniqueConstraint('number', name=op.f('uq_receipt_number'))
    )
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_purchase_order_id'), ['purchase_order_id'], unique=False)

    op.create_table('finance_line',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('finance_event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('unit_amount', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('drop_ship', sa.Boolean(), nullable=False),
    sa.Column('sales_order_line_id', sa.Integer(), nullable=True),
    sa.Column('purchase_order_line_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['finance_event_id'], ['finance_event.id'], name=op.f('fk_finance_line_finance_event_id_finance_event')),
    sa.ForeignKeyConstraint(['purchase_order_line_id'], ['purchase_order_line.id'], name=op.f('fk_finance_line_purchase_order_line_id_purchase_order_line')),
    sa.ForeignKeyConstraint(['sales_order_line_id'], ['sales_order_line.id'], name=op.f('fk_finance_line_sales_order_line_id_sales_order_line')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_line'))
    )
    with op.batch_alter_table('finance_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finance_line_finance_event_id'), ['finance_event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_line_sales_order_line_id'), ['sales_order_line_id'], unique=False)

    op.create_table('receipt_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('purchase_order_line_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('unit_cost', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_receipt_line_quantity')),
    sa.CheckConstraint('unit_cost >= 0', name=op.f('ck_receipt_line_unit_cost')),
    sa.ForeignKeyConstraint(['purchase_order_line_id'], ['purchase_order_line.id'], name=op.f('fk_receipt_line_purchase_order_line_id_purchase_order_line')),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipt.id'], name=op.f('fk_receipt_line_receipt_id_receipt')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_line')),
    sa.UniqueConstraint('receipt_id', 'purchase_order_line_id', name='uq_receipt_line_order_line')
    )
    with op.batch_alter_table('receipt_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_line_purchase_order_line_id'), ['purchase_order_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_receipt_line_receipt_id'), ['receipt_id'], unique=False)

    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preferred_vendor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('purchase_price', sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_item_preferred_vendor_id_vendor'), 'vendor', ['preferred_vendor_id'], ['id'])
        batch_op.create_check_constraint(
            batch_op.f('ck_item_purchase_price'), 'purchase_price IS NULL OR purchase_price >= 0'
        )

    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sales_order_line_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('customer_po', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_work_order_customer_po'), ['customer_po'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_sales_order_line_id'), ['sales_order_line_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_work_order_sales_order_line_id_sales_order_line'), 'sales_order_line', ['sales_order_line_id'], ['id'])



def downgrade() -> None:
    raise NotImplementedError("Shopfloor databases are upgraded only; restore the backup copy")
