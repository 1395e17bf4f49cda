"""Households: the addresses that more than one contact holds, filled from the contacts there.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 06:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain SQL, not audiences.contacts.households: a migration must do tomorrow what it does today.
_FILL = """
INSERT INTO shared_addresses (channel, address_key)
SELECT '{channel}', {column} FROM contacts
WHERE {column} IS NOT NULL
GROUP BY {column}
HAVING count(*) > 1
"""


def upgrade() -> None:
    op.create_table(
        "shared_addresses",
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("channel", "address_key", name=op.f("pk_shared_addresses")),
    )
    # A database upgraded with contacts in it must know its households before any preview.
    op.execute(_FILL.format(channel="sms", column="phone_key"))
    op.execute(_FILL.format(channel="email", column="email_key"))


def downgrade() -> None:
    op.drop_table("shared_addresses")
