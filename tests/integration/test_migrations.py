"""Migrations build the schema from nothing on both databases, and agree with the tables."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from campaign.store.engine import Database, create_engine
from campaign.store.migrate import current_revision, head_revision, is_current, upgrade
from campaign.store.tables import metadata


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    if request.param == "sqlite":
        return sqlite_url
    return str(request.getfixturevalue("empty_postgres_url"))


async def test_upgrade_from_empty_matches_the_tables(empty_url: str) -> None:
    database = Database(create_engine(empty_url))
    try:
        assert await current_revision(database) is None
        assert not await is_current(database)
        await upgrade(empty_url)
        await upgrade(empty_url)  # a second run finds nothing to do
        assert await current_revision(database) == head_revision()
        assert await is_current(database)
        async with database.engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await database.dispose()
