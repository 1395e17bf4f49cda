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
    _pin_the_measures_of_approved_campaigns()


# Approved and not over: from now on a measure edit must not change what these send.
_APPROVED = ("scheduled", "running", "paused")
_FIELDS = ("title", "summary", "how_to")


def _pin_the_measures_of_approved_campaigns() -> None:
    """Pin, as they are now, the measures of campaigns approved before pinning existed (in the
    shape of ``campaign.campaigns.model.MeasureContent.as_json``)."""
    json = campaign.store.types.JSONDocument()
    meta = sa.MetaData()
    campaigns = sa.Table(
        "campaigns",
        meta,
        sa.Column("id", sa.BigInteger),
        sa.Column("state", sa.String),
        sa.Column("pinned_measures", json),
    )
    links = sa.Table(
        "campaign_measures",
        meta,
        sa.Column("campaign_id", sa.BigInteger),
        sa.Column("measure_id", sa.BigInteger),
    )
    measures = sa.Table(
        "measures",
        meta,
        sa.Column("id", sa.BigInteger),
        sa.Column("slug", sa.String),
        sa.Column("eligibility", sa.Text),
        sa.Column("amount", sa.String),
        sa.Column("contact_point", sa.String),
        sa.Column("link", sa.String),
        sa.Column("translations", json),
    )
    bind = op.get_bind()
    approved = bind.execute(
        sa.select(campaigns.c.id).where(campaigns.c.state.in_(_APPROVED))
    ).scalars()
    for campaign_id in list(approved):
        rows = bind.execute(
            sa.select(measures)
            .join(links, links.c.measure_id == measures.c.id)
            .where(links.c.campaign_id == campaign_id)
            .order_by(measures.c.id)
        )
        pinned = [_content(row) for row in rows]
        bind.execute(
            sa.update(campaigns).where(campaigns.c.id == campaign_id).values(pinned_measures=pinned)
        )


def _content(row: sa.Row) -> dict[str, object]:
    shared = {
        "amount": row.amount or "",
        "contact_point": row.contact_point or "",
        "link": row.link or "",
    }
    texts = {
        language: {name: (values or {}).get(name) or "" for name in _FIELDS} | shared
        for language, values in (row.translations or {}).items()
    }
    return {
        "measure_id": int(row.id),
        "slug": row.slug,
        "eligibility": row.eligibility or None,
        "texts": texts,
    }


def downgrade() -> None:
    with op.batch_alter_table("campaign_audit", schema=None) as batch_op:
        batch_op.drop_column("details")
    with op.batch_alter_table("campaign_runs", schema=None) as batch_op:
        batch_op.drop_column("audience_query")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("pinned_measures")
        batch_op.drop_column("checks")
