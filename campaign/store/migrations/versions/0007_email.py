"""Email for real: what comes back to the return path, and fallback between channels.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 11:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import campaign.store.types

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "mail_notices",
        sa.Column("id", _ID, nullable=False),
        sa.Column("received_at", campaign.store.types.UTCDateTime(), nullable=False),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("message_id", _ID, nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("diagnostic", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_notices")),
    )
    op.create_index(
        op.f("ix_mail_notices_received_at"), "mail_notices", ["received_at"], unique=False
    )
    op.create_index(
        op.f("ix_mail_notices_unmatched"),
        "mail_notices",
        ["id"],
        unique=False,
        postgresql_where=sa.text("outcome = 'unknown message'"),
        sqlite_where=sa.text("outcome = 'unknown message'"),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fallback_of", _ID, nullable=True))
        batch_op.create_unique_constraint(op.f("uq_messages_fallback_of"), ["fallback_of"])
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel_fallback", sa.Boolean(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("channel_fallback")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_messages_fallback_of"), type_="unique")
        batch_op.drop_column("fallback_of")
    op.drop_index(op.f("ix_mail_notices_unmatched"), table_name="mail_notices")
    op.drop_index(op.f("ix_mail_notices_received_at"), table_name="mail_notices")
    op.drop_table("mail_notices")
