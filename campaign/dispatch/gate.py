"""The last moment decides: what may have changed since a message was queued is read again
just before ``sending`` is committed, in the same transaction.

- Its campaign is no longer running (paused, or taken back): the message waits in the queue.
- Its person was erased since: skipped, "erased" (the address is gone too).
- Its person withdrew consent for that channel: skipped, "no consent".
- Its person opted out of that channel (a STOP, an unsubscribe, staff on their behalf):
  skipped, "opted out".
- Its address is on the suppression list of its channel (kept even when the person who asked
  was erased or was someone else in the household): skipped, "suppressed".
- Its person already got the weekly cap's number of messages in the last 7 days, across
  campaigns: skipped, "weekly cap".
- Its cost would take its campaign past its spend cap: skipped, "spend cap" (spend only grows,
  so it never fits later).
- An admin has stopped all sending (the stop switch): every message waits.

Cancelling a campaign skips its queued messages itself; the conditional move to ``sending``
then finds them no longer queued. On PostgreSQL the campaign rows are locked (``FOR NO KEY
UPDATE``: their spend is added to here) and the contact rows read ``FOR SHARE``, so a pause or an
opt-out committing meanwhile waits for this transaction instead of slipping between the check
and the move (SQLite's writers are serialised anyway).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import RowMapping, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.addresses import AddressKeys
from campaign.campaigns.states import CampaignState
from campaign.delivery.states import MessageState
from campaign.dispatch.claims import ClaimedMessage
from campaign.dispatch.switch import sending_stopped
from campaign.kernel.channel import Channel
from campaign.store.tables import campaigns, contacts, messages, suppressions

SUPPRESSED = "suppressed"
OPTED_OUT = "opted out"
ERASED = "erased"
NO_CONSENT = "no consent"
WEEKLY_CAP = "weekly cap"
SPEND_CAP = "spend cap"
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Limits:
    weekly_cap: int  # messages per person in 7 days, across campaigns
    now: datetime


@dataclass(slots=True)
class Verdicts:
    go: list[int] = field(default_factory=list)
    wait: list[int] = field(default_factory=list)  # back to the queue, unchanged
    never: dict[int, str] = field(default_factory=dict)  # skipped, with the reason
    rates: dict[int, float] = field(default_factory=dict)  # each running campaign's own rate
    stopped: bool = False  # the stop switch is on: everything waits


@dataclass(frozen=True, slots=True)
class _Running:
    rate: float
    spend_cap: float | None
    spent: float


async def last_moment(
    session: AsyncSession,
    keys: AddressKeys,
    claimed: Sequence[ClaimedMessage],
    costs: Mapping[int, float],
    limits: Limits,
) -> Verdicts:
    """Which of ``claimed`` may be handed to a provider now, which wait, which never go."""
    if await sending_stopped(session):
        return Verdicts(wait=[m.id for m in claimed], stopped=True)
    running = await _running(session, {m.campaign_id for m in claimed})
    verdicts = await _reachable(session, keys, claimed, set(running))
    verdicts.rates = {i: r.rate for i, r in running.items()}
    verdicts.go = await _within_weekly_cap(session, verdicts, claimed, limits)
    _within_spend_cap(verdicts, claimed, costs, running)
    return verdicts


async def _reachable(
    session: AsyncSession, keys: AddressKeys, claimed: Sequence[ClaimedMessage], running: set[int]
) -> Verdicts:
    key_of = {m.id: keys.key(m.channel.value, m.address or "") for m in claimed}
    by_channel: dict[Channel, set[str]] = {}
    for m in claimed:
        by_channel.setdefault(m.channel, set()).add(key_of[m.id])
    suppressed = await _suppressed(session, by_channel)
    blocked = await _blocked(session, {m.contact_id for m in claimed if m.contact_id})
    verdicts = Verdicts()
    for m in claimed:
        reason = blocked.get((m.contact_id or 0, m.channel))
        if m.campaign_id not in running:
            verdicts.wait.append(m.id)
        elif reason is not None:
            verdicts.never[m.id] = reason
        elif (m.channel, key_of[m.id]) in suppressed:
            verdicts.never[m.id] = SUPPRESSED
        else:
            verdicts.go.append(m.id)
    return verdicts


async def _running(session: AsyncSession, campaign_ids: set[int]) -> dict[int, _Running]:
    rows = await session.execute(
        select(
            campaigns.c.id, campaigns.c.rate_per_second, campaigns.c.spend_cap, campaigns.c.spent
        )
        .where(campaigns.c.id.in_(campaign_ids), campaigns.c.state == CampaignState.RUNNING.value)
        .order_by(campaigns.c.id)
        .with_for_update(key_share=True)
    )
    return {int(r.id): _Running(r.rate_per_second, r.spend_cap, r.spent or 0.0) for r in rows}


async def _within_weekly_cap(
    session: AsyncSession, verdicts: Verdicts, claimed: Sequence[ClaimedMessage], limits: Limits
) -> list[int]:
    """What may go without reaching anyone more than the weekly cap allows; the rest never."""
    by_id = {m.id: m for m in claimed}
    people = {c for i in verdicts.go if (c := by_id[i].contact_id) is not None}
    counts = await _recent_messages(session, people, limits.now - WEEK)
    go = []
    for i in verdicts.go:
        person = by_id[i].contact_id
        if person is None:
            go.append(i)
            continue
        if counts.get(person, 0) >= limits.weekly_cap:
            verdicts.never[i] = WEEKLY_CAP
            continue
        counts[person] = counts.get(person, 0) + 1
        go.append(i)
    return go


async def _recent_messages(
    session: AsyncSession, contact_ids: set[int], since: datetime
) -> dict[int, int]:
    """How many messages each person was handed (or is being handed) since ``since``."""
    if not contact_ids:
        return {}
    in_flight = [MessageState.SENDING.value, MessageState.UNKNOWN.value]
    rows = await session.execute(
        select(messages.c.contact_id, func.count())
        .where(
            messages.c.contact_id.in_(contact_ids),
            or_(
                messages.c.sent_at >= since,
                and_(messages.c.sent_at.is_(None), messages.c.state.in_(in_flight)),
            ),
        )
        .group_by(messages.c.contact_id)
    )
    return {int(contact): int(n) for contact, n in rows}


def _within_spend_cap(
    verdicts: Verdicts,
    claimed: Sequence[ClaimedMessage],
    costs: Mapping[int, float],
    running: Mapping[int, _Running],
) -> None:
    """Skip what would take its campaign past its spend cap (in claim order)."""
    by_id = {m.id: m for m in claimed}
    spent = {i: r.spent for i, r in running.items()}
    go = []
    for i in verdicts.go:
        campaign = by_id[i].campaign_id
        cap = running[campaign].spend_cap
        cost = costs.get(i, 0.0)
        if cap is not None and spent[campaign] + cost > cap + 1e-9:
            verdicts.never[i] = SPEND_CAP
            continue
        spent[campaign] += cost
        go.append(i)
    verdicts.go = go


async def charge(session: AsyncSession, spent: Mapping[int, float]) -> None:
    """Add what was handed to providers to each campaign's spend, in the gate's transaction."""
    amounts = [{"c_id": c, "amount": a} for c, a in sorted(spent.items()) if a]
    if not amounts:
        return
    await session.execute(
        update(campaigns)
        .where(campaigns.c.id == bindparam("c_id"))
        .values(spent=campaigns.c.spent + bindparam("amount")),
        amounts,
    )


async def _suppressed(
    session: AsyncSession, address_keys: dict[Channel, set[str]]
) -> set[tuple[Channel, str]]:
    if not address_keys:
        return set()
    # (channel, address_key) is the suppression list's unique index: name both columns.
    rows = await session.execute(
        select(suppressions.c.channel, suppressions.c.address_key).where(
            or_(
                *(
                    and_(
                        suppressions.c.channel == channel.value,
                        suppressions.c.address_key.in_(keys),
                    )
                    for channel, keys in address_keys.items()
                )
            )
        )
    )
    return {(Channel(channel), key) for channel, key in rows}


async def _blocked(session: AsyncSession, contact_ids: set[int]) -> dict[tuple[int, Channel], str]:
    """Why each of these contacts may no longer get a message on a channel, if they may not."""
    if not contact_ids:
        return {}
    rows = await session.execute(
        select(contacts).where(contacts.c.id.in_(contact_ids)).with_for_update(read=True)
    )
    found: dict[tuple[int, Channel], str] = {}
    for row in rows.mappings():
        for channel in Channel:
            reason = _reason(row, channel)
            if reason is not None:
                found[(int(row["id"]), channel)] = reason
    return found


def _reason(row: RowMapping, channel: Channel) -> str | None:
    if row["erased_at"] is not None:
        return ERASED
    if not row[f"consent_{channel.value}"]:
        return NO_CONSENT
    if row[f"opted_out_{channel.value}_at"] is not None:
        return OPTED_OUT
    return None
