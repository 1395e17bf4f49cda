"""A receipt that races the worker's record of ``sent`` still lands (PostgreSQL), and a send
the worker never records still gets a time (both databases).

Found in the production shape: 37 SMS stayed ``sent`` although their receipts came, because a
receipt that waited on the row the worker was updating tried ``sent`` before ``sending``.
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import select, update

from campaign.bootstrap import build
from campaign.channels import DeliveryReport
from campaign.delivery.moves import record_acceptance
from campaign.delivery.states import MessageState
from campaign.kernel.clock import ManualClock
from campaign.settings import load_settings
from campaign.store.engine import Database
from campaign.store.tables import messages
from tests.factories import TEST_SECRET, queued_messages


async def _waiting_on_a_lock(connection: asyncpg.Connection) -> bool:
    return bool(
        await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
    )


async def test_a_receipt_waiting_on_the_record_of_sent_still_moves_it(
    postgres_url: str, clock: ManualClock
) -> None:
    services = build(load_settings(database_url=postgres_url, secret_key=TEST_SECRET), clock=clock)
    worker = await asyncpg.connect(postgres_url.replace("+asyncpg", "", 1))
    try:
        [message_id] = await queued_messages(services.database, clock, count=1)
        async with services.database.transaction() as session:
            await session.execute(
                update(messages).where(messages.c.id == message_id).values(state="sending")
            )
        recording = worker.transaction()
        await recording.start()  # the worker records "sent" and has not committed yet
        await worker.execute("UPDATE messages SET state = 'sent' WHERE id = $1", message_id)
        report = DeliveryReport(message_id, "SM1", MessageState.DELIVERED, "delivered")
        receipt = asyncio.create_task(services.receipts.record(report))
        for _ in range(1000):  # until the receipt waits on the worker's row
            if await _waiting_on_a_lock(worker):
                break
            await asyncio.sleep(0.01)
        else:
            pytest.fail("the receipt never waited on the row the worker holds")
        await recording.commit()
        assert await receipt is True
        async with services.database.read_session() as session:
            state = await session.scalar(
                select(messages.c.state).where(messages.c.id == message_id)
            )
        assert state == "delivered"
    finally:
        await worker.close()
        await services.close()


async def test_a_receipt_for_a_send_its_worker_never_records_gives_it_a_send_time(
    database: Database, clock: ManualClock
) -> None:
    """Found in the production shape: a worker killed after Twilio took its messages (or timed
    out while Twilio took them) never records them; their callbacks moved them to
    ``delivered`` without a send time, so the weekly cap did not count them."""
    services = build(
        load_settings(
            database_url=database.engine.url.render_as_string(hide_password=False),
            secret_key=TEST_SECRET,
        ),
        clock=clock,
    )
    try:
        [message_id] = await queued_messages(services.database, clock, count=1)
        async with services.database.transaction() as session:
            await session.execute(
                update(messages).where(messages.c.id == message_id).values(state="sending")
            )
        handed_over = clock.now()
        clock.advance(2)
        report = DeliveryReport(message_id, "SM1", MessageState.DELIVERED, "delivered")
        assert await services.receipts.record(report) is True
        assert await _sent_at(services.database, message_id) == clock.now()

        async with services.database.transaction() as session:  # the record comes after all
            await record_acceptance(session, [(message_id, "SM1", handed_over)])
        assert await _sent_at(services.database, message_id) == handed_over  # the earlier
    finally:
        await services.close()


async def _sent_at(database: Database, message_id: int) -> object:
    async with database.read_session() as session:
        return await session.scalar(select(messages.c.sent_at).where(messages.c.id == message_id))
