"""Concurrent claims never take the same message, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from sqlalchemy import update

from campaign.campaigns.states import CampaignState
from campaign.dispatch.claims import claim_due_messages
from campaign.kernel.clock import ManualClock
from campaign.store.engine import Database, create_engine
from campaign.store.tables import campaigns, messages
from tests.factories import queued_messages


async def _claim_all(url: str, worker: str, clock: ManualClock) -> list[int]:
    # Each worker has its own engine: separate connections, as separate processes would.
    database = Database(create_engine(url, pool_size=2))
    taken: list[int] = []
    try:
        while batch := await claim_due_messages(
            database, worker, clock.now(), limit=37, lease_seconds=300
        ):
            taken.extend(m.id for m in batch)
            await asyncio.sleep(0)
    finally:
        await database.dispose()
    return taken


async def test_concurrent_claims_never_take_the_same_message(
    database: Database, clock: ManualClock
) -> None:
    ids = await queued_messages(database, clock, count=1500)
    url = database.engine.url.render_as_string(hide_password=False)

    results = await asyncio.gather(*(_claim_all(url, f"w{i}", clock) for i in range(4)))

    every_claim = [message_id for taken in results for message_id in taken]
    duplicates = [m for m, n in Counter(every_claim).items() if n > 1]
    assert duplicates == []
    assert sorted(every_claim) == sorted(ids)
    assert sum(1 for taken in results if taken) >= 2, "the claims did not run concurrently"


async def test_a_lease_expires_and_the_message_can_be_claimed_again(
    database: Database, clock: ManualClock
) -> None:
    ids = await queued_messages(database, clock, count=3)
    first = await claim_due_messages(database, "w1", clock.now(), limit=10, lease_seconds=60)
    assert sorted(m.id for m in first) == sorted(ids)
    assert await claim_due_messages(database, "w2", clock.now(), limit=10, lease_seconds=60) == []

    clock.advance(61)
    again = await claim_due_messages(database, "w2", clock.now(), limit=10, lease_seconds=60)
    assert sorted(m.id for m in again) == sorted(ids)


async def test_paused_campaigns_and_future_retries_are_not_claimed(
    database: Database, clock: ManualClock
) -> None:
    ids = await queued_messages(database, clock, count=4)
    async with database.transaction() as session:
        await session.execute(
            update(messages)
            .where(messages.c.id == ids[0])
            .values(next_attempt_at=clock.now() + timedelta(minutes=5))
        )
    claimed = await claim_due_messages(database, "w", clock.now(), limit=10, lease_seconds=60)
    assert sorted(m.id for m in claimed) == sorted(ids[1:])

    clock.advance(600)
    async with database.transaction() as session:
        await session.execute(update(campaigns).values(state=CampaignState.PAUSED.value))
    assert await claim_due_messages(database, "w", clock.now(), limit=10, lease_seconds=60) == []
