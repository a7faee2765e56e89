"""Lots and serial numbers in the ledger: an item is tracked by lot, by serial or not at all
(with a shelf life and a GTIN); a lot is a row of its own; every ledger row of a tracked item
names its lot; each lot's stock per location is kept beside the item's balance, with what
shipments have picked of it; made lots are linked to the component lots they were made from.

The new columns of the ledger and of the items are plain ADD COLUMNs (no table copy): the
ledger's append-only triggers and the items' CHECK constraints stay as they are. Existing
items are not tracked and existing rows name no lot.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TRACKING = "tracking IN ('none', 'lot', 'serial')"
SHELF_LIFE = "shelf_life_days IS NULL OR shelf_life_days > 0"


def _add_item_columns(sqlite: bool) -> None:
    if sqlite:
        op.execute(
            "ALTER TABLE item ADD COLUMN tracking VARCHAR(8) DEFAULT 'none' NOT NULL "
            f"CONSTRAINT ck_item_tracking CHECK ({TRACKING})"
        )
        op.execute(
            "ALTER TABLE item ADD COLUMN shelf_life_days INTEGER "
            f"CONSTRAINT ck_item_shelf_life_days CHECK ({SHELF_LIFE})"
        )
        op.execute("ALTER TABLE item ADD COLUMN gtin VARCHAR(14)")
    else:
        op.add_column(
            "item",
            sa.Column("tracking", sa.String(length=8), server_default="none", nullable=False),
        )
        op.alter_column("item", "tracking", server_default=None)
        op.add_column("item", sa.Column("shelf_life_days", sa.Integer(), nullable=True))
        op.add_column("item", sa.Column("gtin", sa.String(length=14), nullable=True))
        op.create_check_constraint(op.f("ck_item_tracking"), "item", TRACKING)
        op.create_check_constraint(op.f("ck_item_shelf_life_days"), "item", SHELF_LIFE)
    op.create_index("uq_item_gtin", "item", ["gtin"], unique=True)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _add_item_columns(sqlite)
    op.create_table(
        "lot",
        sa.Column("id", BigId, nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("serial", sa.Boolean(), nullable=False),
        sa.Column("expires", sa.Date(), nullable=True),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("vendor_lot", sa.String(length=64), nullable=True),
        sa.Column("origin_kind", sa.String(length=32), nullable=False),
        sa.Column("origin_id", sa.BigInteger(), nullable=True),
        sa.Column("origin_ref", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_lot_item_id_item")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot")),
    )
    op.create_index("uq_lot_item_number", "lot", ["item_id", "number"], unique=True)
    op.create_index("ix_lot_number", "lot", ["number"], unique=False)
    op.create_index("ix_lot_expires", "lot", ["expires"], unique=False)
    op.create_table(
        "lot_balance",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", BigId, nullable=False),
        sa.Column("on_hand", sa.BigInteger(), nullable=False),
        sa.Column("reserved", sa.BigInteger(), nullable=False),
        sa.Column("expires", sa.Date(), nullable=True),
        sa.CheckConstraint("on_hand >= 0", name=op.f("ck_lot_balance_on_hand")),
        sa.CheckConstraint("reserved >= 0", name=op.f("ck_lot_balance_reserved")),
        sa.CheckConstraint(
            "reserved <= on_hand", name=op.f("ck_lot_balance_reserved_le_on_hand")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_lot_balance_item_id_item")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_lot_balance_location_id_location")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_lot_balance_lot_id_lot")),
        sa.PrimaryKeyConstraint("item_id", "location_id", "lot_id", name=op.f("pk_lot_balance")),
    )
    op.create_index("ix_lot_balance_lot_id", "lot_balance", ["lot_id"], unique=False)
    for name, columns in (
        ("ix_lot_balance_first_expiry", ["item_id", "location_id", "expires", "lot_id"]),
        ("ix_lot_balance_first_in", ["item_id", "location_id", "lot_id"]),
    ):
        op.create_index(
            name,
            "lot_balance",
            columns,
            unique=False,
            sqlite_where=sa.text("on_hand > 0"),
            postgresql_where=sa.text("on_hand > 0"),
        )
    op.create_table(
        "lot_reservation",
        sa.Column("holder_kind", sa.String(length=32), nullable=False),
        sa.Column("holder_line_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", BigId, nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_lot_reservation_quantity")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_lot_reservation_item_id_item")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
            name=op.f("fk_lot_reservation_location_id_location"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lot.id"], name=op.f("fk_lot_reservation_lot_id_lot")
        ),
        sa.PrimaryKeyConstraint(
            "holder_kind", "holder_line_id", "lot_id", name=op.f("pk_lot_reservation")
        ),
    )
    op.create_index("ix_lot_reservation_lot_id", "lot_reservation", ["lot_id"], unique=False)
    op.create_table(
        "lot_link",
        sa.Column("made_lot_id", BigId, nullable=False),
        sa.Column("used_lot_id", BigId, nullable=False),
        sa.Column("event_id", BigId, nullable=False),
        sa.Column("source_kind", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=True),
        sa.Column("source_ref", sa.String(length=120), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["audit_event.id"], name=op.f("fk_lot_link_event_id_audit_event")
        ),
        sa.ForeignKeyConstraint(
            ["made_lot_id"], ["lot.id"], name=op.f("fk_lot_link_made_lot_id_lot")
        ),
        sa.ForeignKeyConstraint(
            ["used_lot_id"], ["lot.id"], name=op.f("fk_lot_link_used_lot_id_lot")
        ),
        sa.PrimaryKeyConstraint("made_lot_id", "used_lot_id", "event_id", name=op.f("pk_lot_link")),
    )
    op.create_index("ix_lot_link_used_lot_id", "lot_link", ["used_lot_id"], unique=False)
    if sqlite:
        op.execute(
            "ALTER TABLE ledger_entry ADD COLUMN lot_id INTEGER "
            "CONSTRAINT fk_ledger_entry_lot_id_lot REFERENCES lot (id)"
        )
    else:
        op.add_column("ledger_entry", sa.Column("lot_id", sa.BigInteger(), nullable=True))
        op.create_foreign_key(
            op.f("fk_ledger_entry_lot_id_lot"), "ledger_entry", "lot", ["lot_id"], ["id"]
        )
    op.create_index("ix_ledger_entry_lot_id", "ledger_entry", ["lot_id"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("Shopfloor databases are upgraded only; restore the backup copy")
