"""Spend caps that are not finite numbers (an Infinity the API once accepted) become none.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 15:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Infinity and (on PostgreSQL) NaN compare above every finite float; SQLite keeps NaN as NULL.
    # A cap of infinity capped nothing, so no cap says the same, and strict JSON can carry it.
    op.execute("UPDATE campaigns SET spend_cap = NULL WHERE spend_cap > 1e308")


def downgrade() -> None:
    pass  # nothing to restore: an infinite cap and no cap mean the same
