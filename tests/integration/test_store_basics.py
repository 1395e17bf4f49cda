from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select

from campaign.store.engine import Database
from campaign.store.tables import partners


async def test_datetimes_come_back_aware_utc(database: Database) -> None:
    brussels_noon = datetime(2026, 3, 2, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    async with database.transaction() as session:
        await session.execute(
            insert(partners).values(slug="ocmw-gent", name="OCMW Gent", created_at=brussels_noon)
        )
    async with database.read_session() as session:
        created = (await session.execute(select(partners.c.created_at))).scalar_one()
    assert created.tzinfo is not None
    assert created.utcoffset() == timedelta(0)
    assert created == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)


async def test_naive_datetimes_are_refused(database: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with database.transaction() as session:
            await session.execute(
                insert(partners).values(slug="x", name="X", created_at=datetime(2026, 1, 1))
            )
