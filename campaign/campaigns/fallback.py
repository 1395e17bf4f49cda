"""Fallback between channels: when a message fails for good, the other channel carries it.

An SMS to a number that does not exist, a landline, a number opted out at the provider, an
email that bounced hard: the person may still be reached on the campaign's other channel. If
the campaign has fallback on and is still running (or paused), and the person has that
channel, consented to it and did not opt out of it (``reachable``, as at materialisation), a
new message is queued on it, in that channel's variant for the person's language (or the
campaign's language fallback), in the same transaction as the failure. So the campaign
cannot complete between the two, and the new message is there or not, never half.

Once per run: a fallback message never falls back itself (``fallback_of`` is set), and the
unique keys keep it to one per failed message and one per address and channel in the run (a
household already messaged on that address, or the person's own message there, is enough).
A failure before any provider had the message (a template that cannot be written) does not
fall back: the other channel would not change that.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.segments.reachability import reachable
from campaign.campaigns.runs import (
    QUEUED_FOR,
    QUEUED_STATE,
    ChannelPlan,
    address_of,
    language_in,
    plan_channels,
    queued_now,
)
from campaign.campaigns.states import CampaignState
from campaign.delivery.moves import Move
from campaign.delivery.states import MessageState
from campaign.kernel.channel import Channel
from campaign.store.tables import campaigns, contacts, messages, template_variants

# Where a message was when it failed for good at a provider (or by its report).
_AT_PROVIDER = frozenset({MessageState.SENDING, MessageState.SENT, MessageState.UNKNOWN})
_LIVE = (CampaignState.RUNNING.value, CampaignState.PAUSED.value)
_OTHER = {Channel.SMS.value: Channel.EMAIL, Channel.EMAIL.value: Channel.SMS}


async def queue_fallbacks(session: AsyncSession, moves: Sequence[Move], now: datetime) -> int:
    """Queue the fallback of every message ``moves`` failed for good; return how many."""
    failed = [
        m.message_id
        for m in moves
        if m.to_state is MessageState.FAILED_PERMANENT and m.from_state in _AT_PROVIDER
    ]
    if not failed:
        return 0
    rows = await session.execute(
        select(messages.c.id, messages.c.campaign_id, messages.c.channel)
        .join(campaigns, campaigns.c.id == messages.c.campaign_id)
        .where(
            messages.c.id.in_(failed),
            messages.c.fallback_of.is_(None),
            campaigns.c.channel_fallback.is_(True),
            campaigns.c.state.in_(_LIVE),
        )
    )
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for row in rows:
        groups[(int(row.campaign_id), row.channel)].append(int(row.id))
    queued = 0
    for (campaign_id, channel), ids in groups.items():
        plan = await _plan(session, campaign_id, _OTHER[channel])
        if plan is not None:
            queued += await _queue(session, ids, plan, now)
    return queued


async def _plan(session: AsyncSession, campaign_id: int, channel: Channel) -> ChannelPlan | None:
    """The other channel as the campaign would use it, if it lists that channel and its
    template has a variant there."""
    campaign = (
        await session.execute(
            select(
                campaigns.c.channels,
                campaigns.c.language_fallback,
                campaigns.c.template_version_id,
            ).where(campaigns.c.id == campaign_id)
        )
    ).one()
    if channel.value not in campaign.channels:
        return None
    variants: dict[str, set[str]] = defaultdict(set)
    for language, variant_channel in await session.execute(
        select(template_variants.c.language, template_variants.c.channel).where(
            template_variants.c.version_id == campaign.template_version_id
        )
    ):
        variants[variant_channel].add(language)
    plans = plan_channels([channel.value], variants, campaign.language_fallback)
    return plans[0] if plans else None


async def _queue(
    session: AsyncSession, failed_ids: Sequence[int], plan: ChannelPlan, now: datetime
) -> int:
    channel = literal(plan.channel.value)
    failed = messages.alias("failed")
    chosen = (
        select(
            failed.c.run_id,
            failed.c.campaign_id,
            contacts.c.id,
            channel,
            address_of(channel),
            language_in([plan], channel),
            *queued_now(now),
            failed.c.id,
        )
        .select_from(failed.join(contacts, contacts.c.id == failed.c.contact_id))
        .where(failed.c.id.in_(failed_ids), reachable(plan.channel))
        .order_by(failed.c.id)
    )
    columns = [*QUEUED_FOR, *QUEUED_STATE, "fallback_of"]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = await session.execute(
        dialect.insert(messages)
        .from_select(columns, chosen)
        .on_conflict_do_nothing()
        .returning(messages.c.id)
    )
    return len(inserted.all())
