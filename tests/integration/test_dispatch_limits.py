"""Limits that hold across workers and campaigns: one shared rate per channel, the spend cap,
the weekly cap per person, the stop switch, each message's price, and the pipelined loop.

Time moves on the injected clock; nothing here waits on the wall clock to decide an outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select, text

from campaign.campaigns.model import CampaignDraft
from campaign.campaigns.states import CampaignAction
from campaign.dispatch.rates import lock_cursors
from campaign.kernel.clock import ManualClock
from campaign.kernel.errors import InvalidInput
from campaign.kernel.identity import Identity, Role
from campaign.store.engine import Database
from campaign.store.tables import campaigns, delivery_events, messages
from tests.factories import sms_and_email_template
from tests.integration.test_campaign_flow import Flow
from tests.integration.test_dispatch_guarantees import Staff, _fates, _people, _step

ADMIN = Identity(Role.ADMIN, "admin@x")


@pytest.fixture
async def flows(database: Database, clock: ManualClock) -> AsyncIterator[list[Flow]]:
    """Two worker processes' worth of services on one database, SMS at 10 a second."""
    built = [Flow(database, clock, sms_rate=10) for _ in range(2)]
    yield built
    for flow in built:
        await flow.services.close()


@pytest.fixture
async def flow(database: Database, clock: ManualClock) -> AsyncIterator[Flow]:
    built = Flow(database, clock, weekly_cap=2)
    yield built
    await built.services.close()


async def _campaign(staff: Staff, query: str, **draft: Any) -> int:
    flow = staff.flow
    version = await sms_and_email_template(flow.database, flow.clock)
    fields: dict[str, Any] = {"channels": ("sms",), "rate_per_second": 1000.0, **draft}
    made = await flow.campaigns.create(
        staff.editor,
        CampaignDraft(
            name=query,
            template_version_id=version,
            audience_query=query,
            starts_at=flow.clock.now(),
            **fields,
        ),
    )
    await flow.campaigns.act(staff.editor, made.id, CampaignAction.SUBMIT)
    await flow.campaigns.act(staff.approver, made.id, CampaignAction.APPROVE)
    assert made.id in await flow.campaigns.start_due()
    return made.id


async def _staff(flow: Flow) -> Staff:
    staff = Staff(flow)
    await staff.sign_in()
    return staff


def _sent(flows: list[Flow]) -> list[str]:
    return [m.to for flow in flows for m in flow.sms.sent]


async def test_two_workers_share_one_channel_rate(flows: list[Flow]) -> None:
    first, second = flows
    await _people(first, 120)
    # The campaign asks for all the channel allows: both its rate and the channel's are shared.
    await _campaign(await _staff(first), 'municipality = "Gent"', rate_per_second=10.0)
    for tick in range(50):  # five seconds, the workers taking turns every tenth of a second
        for flow in flows if tick % 2 else flows[::-1]:
            while await flow.worker.run_once():
                pass
        first.clock.advance(0.1)
    sent = _sent(flows)
    # 10 a second for 5 seconds, plus the first moment's burst: one rate, not one per worker.
    assert 49 <= len(sent) <= 52
    assert len(set(sent)) == len(sent)
    assert first.sms.sent and second.sms.sent  # both workers took part


async def test_a_campaign_may_not_ask_for_more_than_its_channels_allow(flows: list[Flow]) -> None:
    staff = await _staff(flows[0])
    with pytest.raises(InvalidInput) as refused:
        await _campaign(staff, 'municipality = "Gent"', rate_per_second=11.0)
    assert refused.value.where == "rate_per_second"


async def test_the_spend_cap_skips_the_rest_with_the_reason(flow: Flow) -> None:
    await _people(flow, 8)
    campaign_id = await _campaign(await _staff(flow), 'municipality = "Gent"', spend_cap=0.4)
    for _ in range(3):
        await _step(flow)
    fates = await _fates(flow)
    assert sorted(state for state, _ in fates.values()).count("delivered") == 5  # 5 × €0.08
    assert {reason for state, reason in fates.values() if state == "skipped"} == {"spend cap"}
    async with flow.database.read_session() as session:
        spent = await session.scalar(select(campaigns.c.spent).where(campaigns.c.id == campaign_id))
        costs = (
            await session.execute(
                select(messages.c.segments, messages.c.encoding, messages.c.cost).where(
                    messages.c.state == "delivered"
                )
            )
        ).all()
    assert spent == pytest.approx(0.4)
    assert [(s, e) for s, e, _ in costs] == [(1, "GSM-7")] * 5
    assert [c for _, _, c in costs] == pytest.approx([0.08] * 5)


async def test_nobody_gets_more_than_the_weekly_cap_across_campaigns(flow: Flow) -> None:
    staff = await _staff(flow)
    [phone] = await _people(flow, 1)
    for _ in range(3):
        await _campaign(staff, 'municipality = "Gent"')
        await _step(flow)
    async with flow.database.read_session() as session:
        rows = (
            await session.execute(
                select(messages.c.state, messages.c.reason).order_by(messages.c.id)
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("delivered", "delivered to the handset"),
        ("delivered", "delivered to the handset"),
        ("skipped", "weekly cap"),
    ]
    flow.clock.advance(7 * 24 * 3600)  # a week later the person may be reached again
    await _campaign(staff, 'municipality = "Gent"')
    await _step(flow)
    assert [m.to for m in flow.sms.sent] == [phone] * 3


async def test_the_stop_switch_holds_every_message_until_resumed(flow: Flow) -> None:
    phones = await _people(flow, 5)
    await flow.services.switch.stop(ADMIN, "a wrong amount in every SMS")
    await _campaign(await _staff(flow), 'municipality = "Gent"')
    for _ in range(3):
        await _step(flow)
    assert flow.sms.sent == []
    assert {state for state, _ in (await _fates(flow)).values()} == {"queued"}
    await flow.services.switch.resume(ADMIN)
    await _step(flow)  # the held messages come back within a second
    await _step(flow)
    assert sorted(m.to for m in flow.sms.sent) == sorted(phones)


async def _run_until_sent(flow: Flow, count: int, *, tick: float, turns: int) -> None:
    """Run the pipelined loop, moving the clock ``tick`` seconds each turn, until ``count``
    messages went out (or ``turns`` ran out); then let the last receipts arrive."""
    stop = asyncio.Event()
    running = asyncio.create_task(flow.worker.run_forever(stop, idle_seconds=0.01))
    for _ in range(turns):
        await asyncio.sleep(0.01)
        flow.clock.advance(tick)
        if len(flow.sms.sent) == count:
            break
    stop.set()
    await running
    flow.clock.advance(2)  # the last receipts' moment
    await flow.sms.flush()


async def test_the_pipelined_loop_sends_everything_once(flow: Flow) -> None:
    phones = await _people(flow, 60)
    await _campaign(await _staff(flow), 'municipality = "Gent"')
    await _run_until_sent(flow, len(phones), tick=0.01, turns=4000)  # about wall-clock speed
    assert sorted(m.to for m in flow.sms.sent) == sorted(phones)
    async with flow.database.read_session() as session:
        rows = (await session.execute(select(messages.c.state, messages.c.sent_at))).all()
    assert all(sent_at is not None for _, sent_at in rows)
    assert {state for state, _ in rows} <= {"sent", "delivered"}


async def test_a_message_late_for_its_moment_goes_back_to_the_queue_not_out(flow: Flow) -> None:
    # A stalled worker: the clock jumps 0.3 s between turns of its event loop, so many messages
    # wake long after their moment; sent then, they would bunch and exceed the rate.
    phones = await _people(flow, 40)
    await _campaign(await _staff(flow), 'municipality = "Gent"', rate_per_second=20.0)
    await _run_until_sent(flow, len(phones), tick=0.3, turns=2000)
    assert sorted(m.to for m in flow.sms.sent) == sorted(phones)  # each once, in the end
    async with flow.database.read_session() as session:
        attempts = (await session.execute(select(messages.c.attempts))).scalars().all()
        requeued = await session.scalar(
            select(func.count())
            .select_from(delivery_events)
            .where(
                delivery_events.c.from_state == "sending", delivery_events.c.to_state == "queued"
            )
        )
    assert requeued and requeued > 0  # some were late, and went back instead of out
    assert set(attempts) == {1}  # a late turn is not an attempt


async def test_a_rate_row_lost_with_a_rolled_back_transaction_is_made_again(
    database: Database,
) -> None:
    existing: set[str] = set()
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            await lock_cursors(session, {"campaign:1": 5.0}, existing)
            raise RuntimeError("the batch failed")
    assert existing == {"campaign:1"}  # believed made, but the insert was rolled back
    async with database.transaction() as session:
        cursors = await lock_cursors(session, {"campaign:1": 5.0}, existing)
    assert set(cursors) == {"campaign:1"}


async def test_statistics_are_refreshed_on_demand(database: Database) -> None:
    await database.refresh_statistics("messages")
    if database.is_sqlite:
        async with database.read_session() as session:
            analysed = await session.scalar(text("SELECT count(*) FROM sqlite_stat1"))
        assert analysed is not None
        return
    async with database.read_session() as session:
        last = await session.scalar(
            text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'messages'")
        )
    assert last is not None
