"""Twilio for real: status callbacks kept before they are answered, a circuit per provider
account, and what the look-up of an ``unknown`` message needs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 05:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import campaign.store.types

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "provider_callbacks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("received_at", campaign.store.types.UTCDateTime(), nullable=False),
        sa.Column(
            "message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("provider_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("applied_at", campaign.store.types.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_callbacks")),
    )
    op.create_index(
        op.f("ix_provider_callbacks_applied_at_id"),
        "provider_callbacks",
        ["applied_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_provider_callbacks_unmatched"),
        "provider_callbacks",
        ["id"],
        unique=False,
        postgresql_where=sa.text("outcome = 'unknown message'"),
        sqlite_where=sa.text("outcome = 'unknown message'"),
    )
    op.create_table(
        "provider_circuits",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_at", campaign.store.types.UTCDateTime(), nullable=False),
        sa.Column("retry_at", campaign.store.types.UTCDateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("probe_owner", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_provider_circuits")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_digest", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("lookup_at", campaign.store.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("lookups", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("lookups")
        batch_op.drop_column("lookup_at")
        batch_op.drop_column("text_digest")
    op.drop_table("provider_circuits")
    op.drop_index(op.f("ix_provider_callbacks_unmatched"), table_name="provider_callbacks")
    op.drop_index(op.f("ix_provider_callbacks_applied_at_id"), table_name="provider_callbacks")
    op.drop_table("provider_callbacks")
