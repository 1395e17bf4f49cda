"""Address keys indexed by hash on PostgreSQL: they are only ever compared for equality.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 19:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op


revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("phone_key", "email_key")


def _reindex(using: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has B-trees only
    for column in _COLUMNS:
        op.drop_index(f"ix_contacts_{column}", table_name="contacts")
        op.create_index(
            f"ix_contacts_{column}", "contacts", [column], postgresql_using=using
        )


def upgrade() -> None:
    _reindex("hash")


def downgrade() -> None:
    _reindex("btree")
