"""Who in a run's audience got no message, and why: the run's exclusions (decision 0027).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "run_exclusions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("run_id", _ID, nullable=False),
        sa.Column("campaign_id", _ID, nullable=False),
        sa.Column("contact_id", _ID, nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("sms_reason", sa.String(length=24), nullable=True),
        sa.Column("email_reason", sa.String(length=24), nullable=True),
        sa.Column("message_id", _ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["campaign_runs.id"],
            name=op.f("fk_run_exclusions_run_id_campaign_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_run_exclusions_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_run_exclusions_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_run_exclusions_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_exclusions")),
        sa.UniqueConstraint(
            "run_id", "contact_id", name=op.f("uq_run_exclusions_run_id_contact_id")
        ),
    )
    with op.batch_alter_table("run_exclusions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_run_exclusions_campaign_id_id", ["campaign_id", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("run_exclusions", schema=None) as batch_op:
        batch_op.drop_index("ix_run_exclusions_campaign_id_id")
    op.drop_table("run_exclusions")
