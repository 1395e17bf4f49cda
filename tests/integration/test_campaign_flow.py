"""One campaign through every stage, on SQLite and PostgreSQL, with time moved by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from audiences.contacts.model import ExclusionReason
from audiences.segments.preview import preview
from campaign.bootstrap import build
from campaign.campaigns.model import CampaignDraft
from campaign.campaigns.states import CampaignAction, CampaignState
from campaign.channels import (
    Accepted,
    DeliveryReport,
    OutboundMessage,
    Provider,
    ProviderSinks,
    RetryableSendError,
)
from campaign.channels.sandbox import SandboxProvider, sandbox_email, sandbox_sms
from campaign.delivery.states import MessageState
from campaign.dispatch.worker import RetryPolicy
from campaign.kernel.channel import Channel
from campaign.kernel.clock import ManualClock
from campaign.kernel.errors import Forbidden
from campaign.kernel.identity import SYSTEM, Identity, Role
from campaign.settings import load_settings
from campaign.store.engine import Database
from campaign.store.tables import delivery_events, messages, suppressions
from campaign.tracking.stats import campaign_stats
from tests.factories import KEYS, TEST_SECRET, contact, sms_and_email_template, user_row


class Flow:
    """The composition root the product runs, over the test's database and clock, with sandbox
    providers whose receipts arrive one (manual) second after the send."""

    def __init__(
        self,
        database: Database,
        clock: ManualClock,
        sms: Provider | None = None,
        email: Provider | None = None,
        **overrides: Any,
    ) -> None:
        self.database = database
        self.clock = clock
        self.sandboxes: dict[Channel, SandboxProvider] = {}

        def providers(sinks: ProviderSinks) -> Mapping[Channel, Provider]:
            self.sandboxes[Channel.SMS] = sandbox_sms(
                sinks.report, sinks.clock, report_delay=1, reply_sink=sinks.reply
            )
            self.sandboxes[Channel.EMAIL] = sandbox_email(sinks.report, sinks.clock, report_delay=1)
            chosen: dict[Channel, Provider] = dict(self.sandboxes)
            if sms is not None:
                chosen[Channel.SMS] = sms
            if email is not None:
                chosen[Channel.EMAIL] = email
            return chosen

        url = database.engine.url.render_as_string(hide_password=False)
        settings = load_settings(
            **{
                "database_url": url,
                "secret_key": TEST_SECRET,
                "sms_rate": 1000,
                "email_rate": 1000,
                **overrides,
            }
        )
        self.services = build(settings, clock=clock, channels=providers)
        self.sms = self.sandboxes[Channel.SMS]
        self.email = self.sandboxes[Channel.EMAIL]
        self.worker = self.services.worker
        self.receipts = self.services.receipts
        self.replies = self.services.replies
        self.campaigns = self.services.campaigns

    async def drain(self) -> None:
        """Send everything due, then let every promised receipt arrive."""
        while await self.worker.run_once():
            pass
        self.clock.advance(1)
        await self.sms.flush()
        await self.email.flush()

    async def states(self) -> dict[str, str]:
        async with self.database.read_session() as session:
            rows = await session.execute(select(messages.c.address, messages.c.state))
            return {address: state for address, state in rows}


@pytest.fixture
async def flow(database: Database, clock: ManualClock) -> AsyncIterator[Flow]:
    built = Flow(database, clock)
    yield built
    await built.services.close()


async def _approved_campaign(
    flow: Flow,
    query: str = "language IS SET",
    sms_segment_cap: int | None = None,
    override: str | None = None,
    **draft_fields: Any,
) -> int:
    clock, db = flow.clock, flow.database
    # An admin may approve, so only the four-eyes rule stops the author approving.
    editor = Identity(Role.ADMIN, "ad", user_id=await user_row(db, clock, "ad@x.org", "admin"))
    approver = Identity(
        Role.APPROVER, "ap", user_id=await user_row(db, clock, "ap@x.org", "approver")
    )
    version = await sms_and_email_template(db, clock)
    draft = CampaignDraft(
        name="Flow",
        template_version_id=version,
        audience_query=query,
        starts_at=clock.now(),
        rate_per_second=1000,
        sms_segment_cap=sms_segment_cap,
        **draft_fields,
    )
    campaign = await flow.campaigns.create(editor, draft)
    await flow.campaigns.act(editor, campaign.id, CampaignAction.SUBMIT)
    with pytest.raises(Forbidden, match="author"):
        await flow.campaigns.act(editor, campaign.id, CampaignAction.APPROVE)
    approved = await flow.campaigns.act(
        approver, campaign.id, CampaignAction.APPROVE, reason=override
    )
    assert approved.state is CampaignState.SCHEDULED
    return campaign.id


async def test_a_campaign_reaches_a_final_state_for_every_message(flow: Flow) -> None:
    db, clock = flow.database, flow.clock
    await contact(db, clock, phone="+32470000001", first_name="An", preferred_channel="sms")
    await contact(db, clock, phone="+32470000002", first_name="Zoë", language="ar")
    # A household: two people, one phone: one SMS.
    await contact(db, clock, phone="+32470000003", first_name="Jan")
    await contact(db, clock, phone="+32470000003", first_name="Mia")
    await contact(db, clock, email="els@example.org", first_name="Els", preferred_channel="email")
    await contact(db, clock, phone="+32470000009", consent_sms=False)  # no consent: left out
    campaign_id = await _approved_campaign(flow)

    assert await flow.campaigns.start_due() == [campaign_id]
    assert await flow.campaigns.start_due() == []  # idempotent
    await flow.drain()
    assert await flow.campaigns.complete_finished() == [campaign_id]

    campaign = await flow.campaigns.get(Identity(Role.VIEWER, "v"), campaign_id)
    assert campaign.state is CampaignState.COMPLETED
    assert await flow.states() == {
        "+32470000001": "delivered",
        "+32470000002": "delivered",
        "+32470000003": "delivered",
        "els@example.org": "sent",  # email: final at the provider's acceptance
    }
    texts = {m.to: m.text for m in flow.sms.sent}
    assert texts["+32470000001"].startswith("Dag An.")
    assert texts["+32470000002"].startswith("Hello Zoë.")  # Arabic falls back to English
    stats = await campaign_stats(db, campaign_id)
    assert stats["total"] == 4
    assert stats["by_status"] == {"delivered": 3, "sent": 1}
    assert stats["by_channel"]["sms"] == {"total": 3, "by_status": {"delivered": 3}}
    assert stats["by_language"]["en"]["total"] == 1


async def test_simulated_failures_end_in_their_documented_states(flow: Flow) -> None:
    db, clock = flow.database, flow.clock
    for number in ("+32499000001", "+32499000002", "+32499000003", "+32499000004", "+32499000005"):
        await contact(db, clock, phone=number, preferred_channel="sms")
    campaign_id = await _approved_campaign(flow)
    await flow.campaigns.start_due()

    await flow.drain()
    states = await flow.states()
    assert states["+32499000001"] == "failed_permanent"  # unknown number, by receipt
    assert states["+32499000002"] == "failed_temporary"  # phone unreachable, by receipt
    assert states["+32499000003"] == "failed_permanent"  # refused at send
    assert states["+32499000004"] == "queued"  # busy: retried later
    assert states["+32499000005"] == "delivered"  # timed out, then its receipt came

    policy = RetryPolicy()  # the worker the root builds retries by the default policy
    for attempt in range(1, policy.max_attempts):
        assert (await flow.states())["+32499000004"] == "queued"
        clock.advance(policy.delay(attempt).total_seconds() + 1)
        await flow.drain()
    assert (await flow.states())["+32499000004"] == "failed_temporary"  # retries exhausted
    assert await flow.campaigns.complete_finished() == [campaign_id]

    async with db.read_session() as session:
        trail = (
            await session.execute(
                select(delivery_events.c.from_state, delivery_events.c.to_state)
                .join(messages, messages.c.id == delivery_events.c.message_id)
                .where(messages.c.address == "+32499000005")
                .order_by(delivery_events.c.id)
            )
        ).all()
    assert [tuple(t) for t in trail] == [
        ("queued", "sending"),
        ("sending", "unknown"),
        ("unknown", "delivered"),
    ]


async def test_a_late_sent_report_does_not_undo_delivered(flow: Flow) -> None:
    db, clock = flow.database, flow.clock
    await contact(db, clock, phone="+32470000001", preferred_channel="sms")
    await _approved_campaign(flow)
    await flow.campaigns.start_due()
    await flow.drain()
    async with db.read_session() as session:
        message_id = (await session.execute(select(messages.c.id))).scalar_one()
    late = DeliveryReport(message_id, "x", MessageState.SENT, "sent")
    assert await flow.receipts.record(late) is False
    assert (await flow.states())["+32470000001"] == "delivered"


async def test_an_sms_over_the_campaigns_segment_cap_is_skipped_not_sent(flow: Flow) -> None:
    db, clock = flow.database, flow.clock
    await contact(db, clock, phone="+32470000001", first_name="An")
    await contact(db, clock, phone="+32470000002", first_name="Ж" * 60)  # UCS-2, 2 segments
    # The checks counted the long name's message over the cap; the approver let it be skipped.
    campaign_id = await _approved_campaign(
        flow, sms_segment_cap=1, override="skip the one long name"
    )
    checks = (await flow.campaigns.get(SYSTEM, campaign_id)).checks or {}
    assert [(f["code"], f["recipients"]) for f in checks["blocking"]] == [("over_segment_cap", 1)]
    await flow.campaigns.start_due()
    await flow.drain()
    async with db.read_session() as session:
        rows = await session.execute(
            select(messages.c.address, messages.c.state, messages.c.reason)
        )
        fate = {address: (state, reason) for address, state, reason in rows}
    assert fate["+32470000001"][0] == "delivered"
    assert fate["+32470000002"] == ("skipped", "2 segments, over the campaign's cap of 1")
    assert [m.to for m in flow.sms.sent] == ["+32470000001"]


async def test_the_simulator_number_that_replies_stop_opts_its_household_out(flow: Flow) -> None:
    db, clock = flow.database, flow.clock
    await contact(db, clock, phone="+32499000007", first_name="Jan")
    await contact(db, clock, phone="+32499000007", first_name="Mia")  # same phone
    await contact(db, clock, phone="+32470000001", first_name="An")
    await _approved_campaign(flow)
    await flow.campaigns.start_due()
    await flow.drain()
    assert await flow.states() == {"+32499000007": "delivered", "+32470000001": "delivered"}
    after = await preview(db, "language IS SET", partner_id=None)
    assert after.excluded[Channel.SMS][ExclusionReason.OPTED_OUT] == 2
    assert after.reachable[Channel.SMS] == 1
    key = KEYS.key("sms", "+32499000007")
    async with db.read_session() as session:
        query = select(suppressions.c.reason).where(suppressions.c.address_key == key)
        assert (await session.execute(query)).scalar_one() == "STOP reply"


class _RateLimited:
    """An SMS provider that answers "too many requests, come back in twenty minutes", as
    Twilio's 429 does with a Retry-After header."""

    name = "sms"

    def __init__(self, retry_after: timedelta = timedelta(minutes=20)) -> None:
        self.calls = 0
        self._retry_after = retry_after

    async def send(self, message: OutboundMessage) -> Accepted:
        self.calls += 1
        raise RetryableSendError("too many requests", "20429", retry_after=self._retry_after)

    async def close(self) -> None:
        return None


async def test_a_provider_that_asks_to_wait_longer_than_the_back_off_is_obeyed(
    database: Database, clock: ManualClock
) -> None:
    provider = _RateLimited()
    flow = Flow(database, clock, sms=provider)
    try:
        await contact(database, clock, phone="+32470000001", preferred_channel="sms")
        await _approved_campaign(flow)
        await flow.campaigns.start_due()
        await flow.drain()
        assert provider.calls == 1
        policy = RetryPolicy()
        clock.advance(policy.delay(1).total_seconds() + 1)  # the worker's own back-off is over
        await flow.drain()
        assert provider.calls == 1  # the provider asked for twenty minutes
        assert await flow.states() == {"+32470000001": "queued"}
        clock.advance(timedelta(minutes=20).total_seconds())
        await flow.drain()
        assert provider.calls == 2
    finally:
        await flow.services.close()


async def test_a_provider_cannot_park_a_message_for_more_than_a_day(
    database: Database, clock: ManualClock
) -> None:
    provider = _RateLimited(retry_after=timedelta(days=3))
    flow = Flow(database, clock, sms=provider)
    try:
        await contact(database, clock, phone="+32470000001", preferred_channel="sms")
        await _approved_campaign(flow)
        await flow.campaigns.start_due()
        await flow.drain()
        clock.advance(RetryPolicy().longest_provider_wait + 1)
        await flow.drain()
        assert provider.calls == 2
    finally:
        await flow.services.close()


class _ReportsBeforeAnswering:
    """An SMS provider whose delivery receipt is recorded before it answers the send, as a fast
    Twilio callback can be: the receipt wins the race with the worker's record of the send."""

    name = "sms"

    def __init__(self, reports: MessageState) -> None:
        self.sinks: ProviderSinks | None = None
        self._reports = reports

    async def send(self, message: OutboundMessage) -> Accepted:
        assert self.sinks is not None
        assert isinstance(self.sinks.clock, ManualClock)
        self.sinks.clock.advance(0.25)  # the callback comes a moment after the hand-over
        state = self._reports
        report = DeliveryReport(message.message_id, "SMfast", state, state.value)
        await self.sinks.report(report)
        self.sinks.clock.advance(0.25)  # and the answer a moment after that
        return Accepted(provider_id="SMfast", provider_status="queued")

    async def close(self) -> None:
        return None


@pytest.mark.parametrize("reported", [MessageState.DELIVERED, MessageState.SENT])
async def test_a_receipt_before_the_send_is_recorded_keeps_the_send_time(
    database: Database, clock: ManualClock, reported: MessageState
) -> None:
    """Also when the receipt says only ``sent``: the worker's record of the same move must not
    take the receipt's move for its own (it did, and left no send time)."""
    provider = _ReportsBeforeAnswering(reported)
    flow = Flow(database, clock, sms=provider)
    provider.sinks = ProviderSinks(
        report=flow.receipts.record, reply=flow.replies.record, clock=clock
    )
    try:
        await contact(database, clock, phone="+32470000001", preferred_channel="sms")
        await _approved_campaign(flow)
        await flow.campaigns.start_due()
        sent_at = clock.now()
        await flow.drain()
        async with database.read_session() as session:
            row = (
                await session.execute(
                    select(messages.c.state, messages.c.sent_at, messages.c.provider_id)
                )
            ).one()
        assert row.state == reported.value
        assert row.sent_at == sent_at  # the person's export shows when it was sent
        assert row.provider_id == "SMfast"
        async with database.read_session() as session:
            moves = (
                await session.execute(
                    select(delivery_events.c.from_state, delivery_events.c.to_state)
                )
            ).all()
        assert moves.count(("sending", reported.value)) == 1  # recorded once, by the receipt
    finally:
        await flow.services.close()


async def test_the_root_takes_providers_the_caller_built(
    database: Database, clock: ManualClock
) -> None:
    sms, email = _RateLimited(), _RateLimited()
    url = database.engine.url.render_as_string(hide_password=False)
    settings = load_settings(database_url=url, secret_key=TEST_SECRET)
    services = build(settings, clock=clock, channels={"sms": sms, "email": email})
    try:
        assert services.providers == {Channel.SMS: sms, Channel.EMAIL: email}
    finally:
        await services.close()
