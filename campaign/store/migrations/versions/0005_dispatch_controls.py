"""Dispatch you can trust: the shared send rate, the stop switch, spend so far, quiet-hours
overrides, settled unknowns and the weekly cap's index.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 02:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import campaign.store.types

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "send_rates",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.Column("promised_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_send_rates")),
    )
    op.create_table(
        "dispatch_switch",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stopped", sa.Boolean(), nullable=False),
        sa.Column("changed_at", campaign.store.types.UTCDateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=320), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_switch")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quiet_hours_override", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("spent", sa.Float(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("settled_at", campaign.store.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("settled_by", sa.String(length=320), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_messages_contact_id_sent_at"), ["contact_id", "sent_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_contact_id_sent_at"))
        batch_op.drop_column("settled_by")
        batch_op.drop_column("settled_at")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("spent")
        batch_op.drop_column("quiet_hours_override")
    op.drop_table("dispatch_switch")
    op.drop_table("send_rates")
