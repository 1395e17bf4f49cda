"""What dispatch guarantees, through the root the product runs, on SQLite and PostgreSQL.

The last moment decides (an opt-out, a pause, a cancel made while a message waits is honoured),
a slow campaign holds up no other, and no lease outlives its work. Time moves on the manual
clock: a worker that waited for rate tokens while holding a batch would never finish a step.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from audiences.contacts.optout import suppress
from campaign.campaigns.model import CampaignDraft
from campaign.campaigns.states import CampaignAction
from campaign.channels import InboundSms
from campaign.dispatch.claims import claim_due_messages
from campaign.dispatch.gate import Limits, last_moment
from campaign.kernel.channel import Channel
from campaign.kernel.clock import ManualClock
from campaign.kernel.identity import Identity, Role
from campaign.store.engine import Database
from campaign.store.tables import messages
from campaign.tracking import sweeps
from tests.factories import contact, sms_and_email_template, user_row
from tests.integration.test_campaign_flow import Flow


@pytest.fixture
async def flow(database: Database, clock: ManualClock) -> AsyncIterator[Flow]:
    built = Flow(database, clock)
    yield built
    await built.services.close()


class Staff:
    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.editor = Identity(Role.EDITOR, "ed")
        self.approver = Identity(Role.APPROVER, "ap")

    async def sign_in(self) -> None:
        db, clock = self.flow.database, self.flow.clock
        self.editor = Identity(
            Role.EDITOR, "ed", user_id=await user_row(db, clock, "e@x", "editor")
        )
        self.approver = Identity(
            Role.APPROVER, "ap", user_id=await user_row(db, clock, "a@x", "approver")
        )

    async def running_campaign(self, query: str, rate: float) -> int:
        """An SMS campaign over ``query`` at ``rate`` messages a second, started now."""
        version = await sms_and_email_template(self.flow.database, self.flow.clock)
        draft = CampaignDraft(
            name=f"{query} at {rate}/s",
            template_version_id=version,
            audience_query=query,
            starts_at=self.flow.clock.now(),
            channels=("sms",),
            rate_per_second=rate,
        )
        campaigns = self.flow.campaigns
        campaign = await campaigns.create(self.editor, draft)
        await campaigns.act(self.editor, campaign.id, CampaignAction.SUBMIT)
        await campaigns.act(self.approver, campaign.id, CampaignAction.APPROVE)
        assert campaign.id in await campaigns.start_due()
        return campaign.id

    async def act(self, campaign_id: int, action: CampaignAction) -> None:
        await self.flow.campaigns.act(self.editor, campaign_id, action, reason="wrong amount")


@pytest.fixture
async def staff(flow: Flow) -> Staff:
    people = Staff(flow)
    await people.sign_in()
    return people


async def _people(flow: Flow, count: int, municipality: str = "Gent", block: int = 1) -> list[str]:
    phones = [f"+32470{block}{n:05d}" for n in range(count)]
    for phone in phones:
        await contact(
            flow.database,
            flow.clock,
            phone=phone,
            municipality=municipality,
            preferred_channel="sms",
        )
    return phones


async def _step(flow: Flow, seconds: float = 1) -> None:
    """One worker step, then ``seconds`` pass and the receipts they bring arrive."""
    while await flow.worker.run_once():
        pass
    flow.clock.advance(seconds)
    await flow.sms.flush()


async def _fates(flow: Flow) -> dict[str, tuple[str, str | None]]:
    async with flow.database.read_session() as session:
        rows = await session.execute(
            select(messages.c.address, messages.c.state, messages.c.reason)
        )
        return {address: (state, reason) for address, state, reason in rows}


async def test_an_opt_out_made_while_the_message_waits_is_honoured(
    flow: Flow, staff: Staff
) -> None:
    phones = await _people(flow, 3)
    await staff.running_campaign('municipality = "Gent"', rate=1)
    await _step(flow)  # one a second: the first goes, the others wait their turn
    assert [m.to for m in flow.sms.sent] == phones[:1]
    await flow.services.replies.record(_stop_from(phones[2]))
    for _ in range(5):
        await _step(flow)
    assert [m.to for m in flow.sms.sent] == phones[:2]
    assert (await _fates(flow))[phones[2]] == ("skipped", "opted out")


async def test_a_staff_opt_out_of_one_person_is_honoured(flow: Flow, staff: Staff) -> None:
    phones = await _people(flow, 3)
    await staff.running_campaign('municipality = "Gent"', rate=1)
    await _step(flow)
    async with flow.database.read_session() as session:
        row = (
            await session.execute(
                select(messages.c.contact_id).where(messages.c.address == phones[1])
            )
        ).one()
    await flow.services.records.opt_out(staff.editor, row.contact_id, Channel.SMS, "asked by phone")
    for _ in range(5):
        await _step(flow)
    assert [m.to for m in flow.sms.sent] == [phones[0], phones[2]]
    assert (await _fates(flow))[phones[1]][0] == "skipped"


async def test_pause_stops_sending_within_a_second_and_resume_goes_on(
    flow: Flow, staff: Staff
) -> None:
    await _people(flow, 10)
    campaign_id = await staff.running_campaign('municipality = "Gent"', rate=1)
    await _step(flow)
    await staff.act(campaign_id, CampaignAction.PAUSE)
    for _ in range(20):
        await _step(flow)
    assert len(flow.sms.sent) == 1
    await staff.act(campaign_id, CampaignAction.RESUME)
    for _ in range(20):
        await _step(flow)
    assert len(flow.sms.sent) == 10


async def test_cancel_skips_everything_not_yet_handed_to_the_provider(
    flow: Flow, staff: Staff
) -> None:
    await _people(flow, 10)
    campaign_id = await staff.running_campaign('municipality = "Gent"', rate=1)
    await _step(flow)
    await staff.act(campaign_id, CampaignAction.CANCEL)
    for _ in range(20):
        await _step(flow)
    assert len(flow.sms.sent) == 1
    states = [state for state, _ in (await _fates(flow)).values()]
    assert sorted(states) == ["delivered"] + ["skipped"] * 9
    reasons = {reason for state, reason in (await _fates(flow)).values() if state == "skipped"}
    assert reasons == {"cancelled campaign"}


async def test_a_slow_campaign_holds_up_no_other(flow: Flow, staff: Staff) -> None:
    await _people(flow, 250, municipality="Gent")  # more than a claim takes, and first in line
    quick = await _people(flow, 15, municipality="Mons", block=2)
    await staff.running_campaign('municipality = "Gent"', rate=0.1)
    await staff.running_campaign('municipality = "Mons"', rate=100)
    await _step(flow)  # a tenth of a second's burst goes at once, the rest at 100 a second
    await _step(flow)
    assert set(quick) <= {m.to for m in flow.sms.sent}  # whole, within one second


async def test_one_a_second_over_many_leases_loses_nothing(flow: Flow, staff: Staff) -> None:
    phones = await _people(flow, 300)
    await staff.running_campaign('municipality = "Gent"', rate=1)
    for _ in range(320):  # 320 seconds, well over two 120-second leases
        await _step(flow)
        await sweeps.settle_abandoned_sends(flow.database, flow.clock)
    fates = await _fates(flow)
    assert {state for state, _ in fates.values()} == {"delivered"}
    assert sorted(m.to for m in flow.sms.sent) == sorted(phones)  # each once


def _limits(flow: Flow) -> Limits:
    return Limits(weekly_cap=5, now=flow.clock.now())


def _stop_from(phone: str) -> InboundSms:
    return InboundSms(phone, "STOP", "SMreply")


async def test_a_pause_or_opt_out_after_the_claim_still_stops_the_message(
    flow: Flow, staff: Staff
) -> None:
    phones = await _people(flow, 3)
    campaign_id = await staff.running_campaign('municipality = "Gent"', rate=1000)
    claimed = await claim_due_messages(
        flow.database, "w1", flow.clock.now(), limit=10, lease_seconds=120
    )
    assert len(claimed) == 3
    await flow.services.replies.record(_stop_from(phones[0]))
    keys = flow.services.address_keys
    async with flow.database.read_session() as session:
        verdicts = await last_moment(session, keys, claimed, {}, _limits(flow))
    assert sorted(verdicts.go) == sorted(m.id for m in claimed if m.address != phones[0])
    assert list(verdicts.never.values()) == ["opted out"]
    await staff.act(campaign_id, CampaignAction.PAUSE)
    async with flow.database.read_session() as session:
        verdicts = await last_moment(session, keys, claimed, {}, _limits(flow))
    assert sorted(verdicts.wait) == sorted(m.id for m in claimed)


async def test_erased_people_and_suppressed_addresses_are_not_reached(
    flow: Flow, staff: Staff
) -> None:
    phones = await _people(flow, 4)
    await staff.running_campaign('municipality = "Gent"', rate=1)
    await _step(flow)
    async with flow.database.transaction() as session:
        await suppress(
            session,
            flow.services.address_keys,
            Channel.SMS,
            phones[1],
            "complaint",
            flow.clock.now(),
        )
        erased = (
            await session.execute(
                select(messages.c.contact_id).where(messages.c.address == phones[2])
            )
        ).scalar_one()
    await flow.services.records.erase_contact(staff.editor, erased)
    for _ in range(6):
        await _step(flow)
    assert [m.to for m in flow.sms.sent] == [phones[0], phones[3]]
    reasons = sorted(
        reason or "" for state, reason in (await _fates(flow)).values() if state == "skipped"
    )
    assert reasons == ["erased", "suppressed"]
