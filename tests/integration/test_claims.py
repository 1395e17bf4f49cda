"""Concurrent claims never take the same message, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import update

from campaign.campaigns.states import CampaignState
from campaign.delivery.moves import move_many
from campaign.delivery.states import MessageState
from campaign.dispatch.claims import claim_due_messages, claim_statement
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


def _literal(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'::timestamptz"
    return "'" + str(value).replace("'", "''") + "'"


def _lock_rows_outside_the_cte(plan: dict[str, Any], in_cte: bool = False) -> int:
    """How many LockRows nodes of ``plan`` lie outside the materialised CTE ``due``."""
    in_cte = in_cte or plan.get("Subplan Name") == "CTE due"
    here = 1 if plan["Node Type"] == "LockRows" and not in_cte else 0
    return here + sum(_lock_rows_outside_the_cte(child, in_cte) for child in plan.get("Plans", []))


async def test_the_claim_locks_once_even_with_a_plan_made_on_an_empty_queue(
    postgres_url: str, clock: ManualClock
) -> None:
    # The plan asyncpg's prepared statement falls back to after five runs, made while
    # `messages` is empty (a worker started before the first campaign): the locking query must
    # run once, in its CTE, not once per queued row under a nested loop.
    engine = create_engine(postgres_url)
    compiled = claim_statement("w1", clock.now(), limit=500, lease_seconds=120).compile(
        dialect=engine.dialect
    )
    await engine.dispose()
    arguments = ", ".join(_literal(compiled.params[name]) for name in compiled.positiontup or [])
    connection = await asyncpg.connect(postgres_url.replace("+asyncpg", "", 1))
    try:
        await connection.execute("TRUNCATE messages CASCADE; ANALYZE messages")
        await connection.execute("SET plan_cache_mode = force_generic_plan")
        await connection.execute(f"PREPARE claim AS {compiled}")
        explained = await connection.fetchval(f"EXPLAIN (FORMAT JSON) EXECUTE claim({arguments})")
    finally:
        await connection.close()
    plan = json.loads(explained)[0]["Plan"]
    assert _lock_rows_outside_the_cte(plan) == 0
    assert '"CTE due"' in explained


async def test_a_move_to_sending_needs_the_lease_still_held(
    database: Database, clock: ManualClock
) -> None:
    await queued_messages(database, clock, count=2)
    claimed = await claim_due_messages(database, "w1", clock.now(), limit=2, lease_seconds=120)
    async with database.transaction() as session:  # w1 stalled; w2 holds the first one now
        await session.execute(
            update(messages).where(messages.c.id == claimed[0].id).values(lease_owner="w2")
        )
        moved = await move_many(
            session,
            [m.id for m in claimed],
            [MessageState.QUEUED],
            MessageState.SENDING,
            clock.now(),
            condition=messages.c.lease_owner == "w1",
        )
    assert [m.message_id for m in moved] == [claimed[1].id]


async def test_a_keyset_claim_takes_only_what_lies_after_the_last_one(
    database: Database, clock: ManualClock
) -> None:
    ids = sorted(await queued_messages(database, clock, count=6))
    later = await claim_due_messages(
        database, "w1", clock.now(), limit=10, lease_seconds=60, after_id=ids[2]
    )
    assert [m.id for m in later] == ids[3:]
    behind = await claim_due_messages(database, "w1", clock.now(), limit=10, lease_seconds=60)
    assert [m.id for m in behind] == ids[:3]  # a sweep from the first id finds them


async def test_a_move_of_more_ids_than_a_statement_may_carry_moves_them_all(
    database: Database, clock: ManualClock
) -> None:
    # Cancelling a 40,000-message campaign failed on PostgreSQL: one IN list of every id
    # passed its 32,767 parameters.
    ids = await queued_messages(database, clock, count=33_000)
    async with database.transaction() as session:
        moved = await move_many(
            session,
            ids,
            [MessageState.QUEUED],
            MessageState.SKIPPED,
            clock.now(),
            reason="cancelled campaign",
        )
    assert sorted(m.message_id for m in moved) == sorted(ids)
