"""Transfer orders: an order to move stock from one location to another, its lines (demand at
the source, supply on order at the destination), the shipments that take the stock into
transit and the receipts that bring it to the destination; the days goods take between two
locations; and a location may be the in-transit location (at most one, made by the first
transfer shipment).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('location_lead_time',
    sa.Column('from_location_id', sa.Integer(), nullable=False),
    sa.Column('to_location_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.CheckConstraint('days >= 0', name=op.f('ck_location_lead_time_days')),
    sa.CheckConstraint('from_location_id <> to_location_id', name=op.f('ck_location_lead_time_two_locations')),
    sa.ForeignKeyConstraint(['from_location_id'], ['location.id'], name=op.f('fk_location_lead_time_from_location_id_location')),
    sa.ForeignKeyConstraint(['to_location_id'], ['location.id'], name=op.f('fk_location_lead_time_to_location_id_location')),
    sa.PrimaryKeyConstraint('from_location_id', 'to_location_id', name=op.f('pk_location_lead_time'))
    )
    op.create_table('transfer_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('from_location_id', sa.Integer(), nullable=False),
    sa.Column('to_location_id', sa.Integer(), nullable=False),
    sa.Column('order_date', sa.Date(), nullable=False),
    sa.Column('ship_date', sa.Date(), nullable=True),
    sa.Column('receipt_date', sa.Date(), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('item_cost', sa.Boolean(), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending_approval', 'pending_fulfillment', 'partially_fulfilled', 'pending_receipt', 'received', 'closed', 'cancelled')", name=op.f('ck_transfer_order_status')),
    sa.CheckConstraint('from_location_id <> to_location_id', name=op.f('ck_transfer_order_two_locations')),
    sa.CheckConstraint('priority >= 1', name=op.f('ck_transfer_order_priority')),
    sa.CheckConstraint('receipt_date IS NULL OR ship_date IS NULL OR receipt_date >= ship_date', name=op.f('ck_transfer_order_dates')),
    sa.ForeignKeyConstraint(['from_location_id'], ['location.id'], name=op.f('fk_transfer_order_from_location_id_location')),
    sa.ForeignKeyConstraint(['to_location_id'], ['location.id'], name=op.f('fk_transfer_order_to_location_id_location')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_order')),
    sa.UniqueConstraint('number', name=op.f('uq_transfer_order_number'))
    )
    with op.batch_alter_table('transfer_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_order_from_location_id'), ['from_location_id'], unique=False)
        batch_op.create_index('ix_transfer_order_status', ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_order_to_location_id'), ['to_location_id'], unique=False)

    op.create_table('transfer_order_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transfer_order_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('transfer_price', sa.BigInteger(), nullable=False),
    sa.Column('committed', sa.BigInteger(), nullable=False),
    sa.Column('shipped', sa.BigInteger(), nullable=False),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('committed >= 0', name=op.f('ck_transfer_order_line_committed')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_transfer_order_line_quantity')),
    sa.CheckConstraint('received >= 0 AND received <= shipped', name=op.f('ck_transfer_order_line_received')),
    sa.CheckConstraint('shipped >= 0 AND shipped <= quantity', name=op.f('ck_transfer_order_line_shipped')),
    sa.CheckConstraint('transfer_price >= 0', name=op.f('ck_transfer_order_line_transfer_price')),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_transfer_order_line_item_id_item')),
    sa.ForeignKeyConstraint(['transfer_order_id'], ['transfer_order.id'], name=op.f('fk_transfer_order_line_transfer_order_id_transfer_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_order_line')),
    sa.UniqueConstraint('transfer_order_id', 'item_id', name='uq_transfer_order_line_item'),
    sa.UniqueConstraint('transfer_order_id', 'line_no', name='uq_transfer_order_line_number')
    )
    with op.batch_alter_table('transfer_order_line', schema=None) as batch_op:
        batch_op.create_index('ix_transfer_order_line_item', ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_order_line_transfer_order_id'), ['transfer_order_id'], unique=False)

    op.create_table('transfer_receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('transfer_order_id', sa.Integer(), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['transfer_order_id'], ['transfer_order.id'], name=op.f('fk_transfer_receipt_transfer_order_id_transfer_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_receipt')),
    sa.UniqueConstraint('number', name=op.f('uq_transfer_receipt_number'))
    )
    with op.batch_alter_table('transfer_receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_receipt_transfer_order_id'), ['transfer_order_id'], unique=False)

    op.create_table('transfer_shipment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('transfer_order_id', sa.Integer(), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['transfer_order_id'], ['transfer_order.id'], name=op.f('fk_transfer_shipment_transfer_order_id_transfer_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_shipment')),
    sa.UniqueConstraint('number', name=op.f('uq_transfer_shipment_number'))
    )
    with op.batch_alter_table('transfer_shipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_shipment_transfer_order_id'), ['transfer_order_id'], unique=False)

    op.create_table('transfer_receipt_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('transfer_order_line_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_transfer_receipt_line_quantity')),
    sa.ForeignKeyConstraint(['receipt_id'], ['transfer_receipt.id'], name=op.f('fk_transfer_receipt_line_receipt_id_transfer_receipt')),
    sa.ForeignKeyConstraint(['transfer_order_line_id'], ['transfer_order_line.id'], name=op.f('fk_transfer_receipt_line_transfer_order_line_id_transfer_order_line')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_receipt_line')),
    sa.UniqueConstraint('receipt_id', 'transfer_order_line_id', name='uq_transfer_receipt_line')
    )
    with op.batch_alter_table('transfer_receipt_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_receipt_line_receipt_id'), ['receipt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_receipt_line_transfer_order_line_id'), ['transfer_order_line_id'], unique=False)

    op.create_table('transfer_shipment_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=False),
    sa.Column('transfer_order_line_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_transfer_shipment_line_quantity')),
    sa.ForeignKeyConstraint(['shipment_id'], ['transfer_shipment.id'], name=op.f('fk_transfer_shipment_line_shipment_id_transfer_shipment')),
    sa.ForeignKeyConstraint(['transfer_order_line_id'], ['transfer_order_line.id'], name=op.f('fk_transfer_shipment_line_transfer_order_line_id_transfer_order_line')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_shipment_line')),
    sa.UniqueConstraint('shipment_id', 'transfer_order_line_id', name='uq_transfer_shipment_line')
    )
    with op.batch_alter_table('transfer_shipment_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_shipment_line_shipment_id'), ['shipment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_shipment_line_transfer_order_line_id'), ['transfer_order_line_id'], unique=False)

    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('transit', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index('uq_location_transit', ['transit'], unique=True, sqlite_where=sa.text('transit'), postgresql_where=sa.text('transit'))


def downgrade() -> None:
    raise NotImplementedError("Shopfloor databases are upgraded only; restore the backup copy")
