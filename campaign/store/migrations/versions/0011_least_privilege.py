"""Least privilege and four eyes (issue #15, docs/decisions/0033): API keys may expire, a
partner's own fields live apart from the shared registry, and a measure remembers who wrote it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import campaign.store.types

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_at", campaign.store.types.UTCDateTime(), nullable=True)
        )
    op.create_table(
        "partner_fields",
        sa.Column("partner_id", _ID, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("labels", campaign.store.types.JSONDocument(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_partner_fields_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("partner_id", "name", name=op.f("pk_partner_fields")),
    )
    op.create_table(
        "measure_authors",
        sa.Column("measure_id", _ID, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measures.id"],
            name=op.f("fk_measure_authors_measure_id_measures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_measure_authors_user_id_users")
        ),
        sa.PrimaryKeyConstraint("measure_id", "user_id", name=op.f("pk_measure_authors")),
    )


def downgrade() -> None:
    op.drop_table("measure_authors")
    op.drop_table("partner_fields")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
