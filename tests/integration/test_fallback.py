"""Fallback between channels, on SQLite and PostgreSQL: a message that fails for good on the
person's channel goes once on the other, through the real SMTP adapter to a real server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest
from sqlalchemy import select, update

from campaign.kernel.clock import ManualClock
from campaign.store.engine import Database
from campaign.store.tables import campaigns, contacts, messages
from tests.factories import contact
from tests.fakes.smtp import MailServer
from tests.integration.test_bounces import dsn, email_flow
from tests.integration.test_campaign_flow import Flow, _approved_campaign

INVALID = "+32499000003"  # the sandbox refuses it for good at send (21211)
UNKNOWN_HANDSET = "+32499000001"  # accepted, then reported failed for good (30005)
GOOD = "+32470000001"


class Fallback:
    def __init__(self, flow: Flow, relay: MailServer) -> None:
        self.flow, self.relay = flow, relay

    async def run(self, **draft: Any) -> int:
        campaign_id = await _approved_campaign(self.flow, channel_fallback=True, **draft)
        assert await self.flow.campaigns.start_due() == [campaign_id]
        for _ in range(3):  # sends, receipts, the fallbacks they queued, their receipts
            await self.flow.drain()
        return campaign_id

    async def state_of(self, campaign_id: int) -> str:
        async with self.flow.database.read_session() as session:
            state = await session.scalar(
                select(campaigns.c.state).where(campaigns.c.id == campaign_id)
            )
        return str(state)

    async def rows(self) -> list[Any]:
        async with self.flow.database.read_session() as session:
            return list((await session.execute(select(messages).order_by(messages.c.id))).all())


@pytest.fixture
async def fallback(database: Database, clock: ManualClock) -> AsyncIterator[Fallback]:
    async with MailServer() as relay:
        flow = email_flow(database, clock, relay)
        try:
            yield Fallback(flow, relay)
        finally:
            await flow.services.close()


async def test_an_sms_refused_for_good_goes_by_email(
    database: Database, clock: ManualClock, fallback: Fallback
) -> None:
    await contact(database, clock, phone=INVALID, email="an@example.be", first_name="An")
    await contact(database, clock, phone=GOOD, email="bo@example.be", first_name="Bo")
    campaign_id = await fallback.run()

    rows = await fallback.rows()
    sms = {r.address: r for r in rows if r.channel == "sms"}
    emails = [r for r in rows if r.channel == "email"]
    assert sms[INVALID].state == "failed_permanent"
    assert sms[GOOD].state == "delivered"
    (email,) = emails  # Bo's SMS arrived: no email for Bo
    assert (email.address, email.fallback_of, email.state) == (
        "an@example.be",
        sms[INVALID].id,
        "sent",
    )
    (received,) = fallback.relay.received
    assert received.recipients == ("an@example.be",)
    text = message_from_bytes(received.data, policy=default).get_body(("plain",))
    assert text is not None and "Dag An" in text.get_content()
    stats = await fallback.flow.services.stats.of(campaign_id)
    assert stats["fallbacks"]["total"] == 1
    assert stats["fallbacks"]["by_channel"]["email"]["by_status"] == {"sent": 1}
    await fallback.flow.campaigns.complete_finished()
    assert await fallback.state_of(campaign_id) == "completed"


async def test_an_sms_reported_failed_later_goes_by_email(
    database: Database, clock: ManualClock, fallback: Fallback
) -> None:
    await contact(database, clock, phone=UNKNOWN_HANDSET, email="an@example.be")
    await fallback.run()

    rows = await fallback.rows()
    assert [(r.channel, r.state, r.fallback_of) for r in rows] == [
        ("sms", "failed_permanent", None),
        ("email", "sent", rows[0].id),
    ]


async def test_a_hard_bounce_goes_by_sms_once(
    database: Database, clock: ManualClock, fallback: Fallback
) -> None:
    await contact(
        database,
        clock,
        phone=INVALID,  # the fallback fails too: it never falls back again
        email="an@example.be",
        preferred_channel="email",
    )
    await fallback.run()
    (sent,) = fallback.relay.received

    await fallback.flow.services.bounces.receive(dsn(sent), envelope_to=[sent.sender], via="smtp")
    for _ in range(2):
        await fallback.flow.drain()

    rows = await fallback.rows()
    assert [(r.channel, r.state, r.fallback_of) for r in rows] == [
        ("email", "failed_permanent", None),
        ("sms", "failed_permanent", rows[0].id),
    ]


async def test_no_fallback_without_consent_after_opt_out_or_when_off(
    database: Database, clock: ManualClock, fallback: Fallback
) -> None:
    await contact(database, clock, phone=INVALID, email="a@example.be", consent_email=False)
    opted = await contact(database, clock, phone=UNKNOWN_HANDSET, email="b@example.be")
    async with database.transaction() as session:
        await session.execute(
            update(contacts).where(contacts.c.id == opted).values(opted_out_email_at=clock.now())
        )
    await contact(database, clock, phone="+32499000002", email="c@example.be")  # temporary
    await fallback.run()

    assert {r.channel for r in await fallback.rows()} == {"sms"}
    assert fallback.relay.received == []


async def test_a_campaign_without_fallback_or_without_the_other_channel_has_none(
    database: Database, clock: ManualClock, fallback: Fallback
) -> None:
    await contact(database, clock, phone=INVALID, email="a@example.be")
    await fallback.run(channels=("sms",))

    assert {r.channel for r in await fallback.rows()} == {"sms"}


async def test_a_household_address_already_messaged_gets_no_second_mail(
    database: Database, clock: ManualClock, fallback: Fallback
) -> None:
    await contact(database, clock, phone=INVALID, email="home@example.be")
    await contact(database, clock, phone=None, email="home@example.be", preferred_channel="email")
    await fallback.run()

    rows = await fallback.rows()
    assert sorted((r.channel, r.fallback_of is not None) for r in rows) == [
        ("email", False),
        ("sms", False),
    ]
    assert len(fallback.relay.received) == 1


async def test_a_bounce_after_the_campaign_ended_falls_back_no_more(
    database: Database, clock: ManualClock, fallback: Fallback
) -> None:
    await contact(database, clock, phone=GOOD, email="an@example.be", preferred_channel="email")
    campaign_id = await fallback.run()
    await fallback.flow.campaigns.complete_finished()
    assert await fallback.state_of(campaign_id) == "completed"
    (sent,) = fallback.relay.received

    await fallback.flow.services.bounces.receive(dsn(sent), envelope_to=[sent.sender], via="smtp")

    rows = await fallback.rows()
    assert [(r.channel, r.state) for r in rows] == [("email", "failed_permanent")]
