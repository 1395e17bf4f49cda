"""A receipt that races the worker's record of ``sent`` still lands (PostgreSQL).

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
from campaign.delivery.states import MessageState
from campaign.kernel.clock import ManualClock
from campaign.settings import load_settings
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
