"""What approval saw and pinned, the checks kept with each submission and approval, and the
audience each run was materialised from.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 14:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import campaign.store.types

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checks", campaign.store.types.JSONDocument(), nullable=True))
        batch_op.add_column(
            sa.Column("pinned_measures", campaign.store.types.JSONDocument(), nullable=True)
        )
    with op.batch_alter_table("campaign_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audience_query", sa.Text(), nullable=True))
    with op.batch_alter_table("campaign_audit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("details", campaign.store.types.JSONDocument(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("campaign_audit", schema=None) as batch_op:
        batch_op.drop_column("details")
    with op.batch_alter_table("campaign_runs", schema=None) as batch_op:
        batch_op.drop_column("audience_query")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("pinned_measures")
        batch_op.drop_column("checks")
