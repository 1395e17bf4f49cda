"""Alembic's environment: async engines, batch mode on SQLite, types compared.

``campaign.store.migrate`` runs migrations on a connection it opened itself and passes it in
``config.attributes["connection"]``. Run from the ``alembic`` command (for ``alembic revision
--autogenerate``), this file opens its own engine on ``CAMPAIGN_DATABASE_URL``.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from campaign.settings import DEFAULT_DATABASE_URL
from campaign.store.engine import create_engine
from campaign.store.tables import metadata

# Any constant will do: it only has to be the same for every process that migrates.
_MIGRATION_LOCK = 0x6361_6D70

config = context.config


def _run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two processes upgrading at once take turns (SQLite's BEGIN IMMEDIATE does this).
            connection.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
        context.run_migrations()


def _url() -> str:
    return (
        config.attributes.get("database_url")
        or config.get_main_option("sqlalchemy.url")
        or os.environ.get("CAMPAIGN_DATABASE_URL", DEFAULT_DATABASE_URL)
    )


async def _run_with_own_engine() -> None:
    engine = create_engine(_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them against a database")

shared: Connection | None = config.attributes.get("connection")
if shared is not None:
    _run_migrations(shared)
else:
    asyncio.run(_run_with_own_engine())
