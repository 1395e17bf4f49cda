"""Hand-overs to a relay that cannot be asked afterwards, on SQLite and PostgreSQL: a worker
records each email's hand-over just before the SMTP transaction, so when a worker dies the
messages it never handed over go back to the queue, and only the others become `unknown`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from campaign.kernel.channel import Channel
from campaign.kernel.clock import ManualClock
from campaign.store.engine import Database
from campaign.store.tables import messages
from campaign.tracking.sweeps import settle_abandoned_sends
from tests.factories import contact
from tests.fakes import smtp as relay_fake
from tests.fakes.smtp import MailServer
from tests.integration.test_bounces import email_flow
from tests.integration.test_campaign_flow import Flow, _approved_campaign


@pytest.fixture
async def flow(database: Database, clock: ManualClock) -> AsyncIterator[tuple[Flow, MailServer]]:
    async with MailServer() as relay:
        built = email_flow(database, clock, relay)
        try:
            yield built, relay
        finally:
            await built.services.close()


async def _rows(database: Database) -> dict[str, Any]:
    async with database.read_session() as session:
        rows = await session.execute(select(messages).order_by(messages.c.id))
        return {r.address: r for r in rows}


async def _start(flow: Flow, database: Database, clock: ManualClock, *emails: str) -> None:
    for email in emails:
        await contact(database, clock, email=email, phone=None, preferred_channel="email")
    campaign_id = await _approved_campaign(flow)
    assert await flow.campaigns.start_due() == [campaign_id]


async def test_every_email_sent_was_marked_handed_over_and_a_retry_clears_it(
    database: Database, clock: ManualClock, flow: tuple[Flow, MailServer]
) -> None:
    built, relay = flow
    await _start(built, database, clock, "an@example.be", relay_fake.BUSY)

    assert await built.worker.run_once() == 2

    rows = await _rows(database)
    assert rows["an@example.be"].state == "sent"
    assert rows["an@example.be"].handed_over_at == clock.now()
    busy = rows[relay_fake.BUSY]
    assert (busy.state, busy.handed_over_at) == ("queued", None)  # 451: next attempt unmarked


async def test_a_dead_workers_unmarked_emails_go_again_and_the_marked_are_unknown(
    database: Database, clock: ManualClock, flow: tuple[Flow, MailServer]
) -> None:
    built, relay = flow
    people = [f"p{n}@example.be" for n in range(5)]
    await _start(built, database, clock, *people)
    lease_over = clock.now() - timedelta(seconds=1)
    async with database.transaction() as session:  # as a worker killed mid-batch leaves them
        await session.execute(
            update(messages).values(state="sending", lease_owner="dead", lease_until=lease_over)
        )
        await session.execute(
            update(messages)
            .where(messages.c.address.in_(people[:2]))
            .values(handed_over_at=lease_over)
        )

    settled = await settle_abandoned_sends(database, clock, {Channel.EMAIL})
    while await built.worker.run_once():
        pass

    rows = await _rows(database)
    assert settled == 5
    assert {a: rows[a].state for a in people} == {
        people[0]: "unknown",
        people[1]: "unknown",
        people[2]: "sent",
        people[3]: "sent",
        people[4]: "sent",
    }
    assert sorted(m.recipients[0] for m in relay.received) == people[2:]  # each once
    assert rows[people[2]].attempts == 1  # the attempt that never left is not counted


async def test_without_recorded_hand_overs_every_abandoned_send_is_unknown(
    database: Database, clock: ManualClock, flow: tuple[Flow, MailServer]
) -> None:
    """A channel whose provider can be asked afterwards (Twilio's look-up) keeps the rule:
    the provider may have it."""
    built, _ = flow
    await _start(built, database, clock, "an@example.be")
    async with database.transaction() as session:
        await session.execute(
            update(messages).values(state="sending", lease_until=clock.now() - timedelta(seconds=1))
        )

    assert await settle_abandoned_sends(database, clock, ()) == 1

    assert (await _rows(database))["an@example.be"].state == "unknown"
