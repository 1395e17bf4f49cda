"""The last moment decides: what may have changed since a message was queued is read again
just before ``sending`` is committed, in the same transaction.

- Its campaign is no longer running (paused, or taken back): the message waits in the queue.
- Its person opted out of that channel (a STOP, an unsubscribe, staff on their behalf):
  skipped, "opted out".
- Its address is on the suppression list of its channel (kept even when the person who asked
  was erased or was someone else in the household): skipped, "suppressed".

Cancelling a campaign skips its queued messages itself; the conditional move to ``sending``
then finds them no longer queued.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.addresses import AddressKeys
from campaign.campaigns.states import CampaignState
from campaign.dispatch.claims import ClaimedMessage
from campaign.kernel.channel import Channel
from campaign.store.tables import campaigns, contacts, suppressions

SUPPRESSED = "suppressed"
OPTED_OUT = "opted out"


@dataclass(slots=True)
class Verdicts:
    go: list[int] = field(default_factory=list)
    wait: list[int] = field(default_factory=list)  # back to the queue, unchanged
    never: dict[int, str] = field(default_factory=dict)  # skipped, with the reason


async def last_moment(
    session: AsyncSession, keys: AddressKeys, claimed: Sequence[ClaimedMessage]
) -> Verdicts:
    """Which of ``claimed`` may be handed to a provider now, which wait, which never go."""
    running = await _running(session, {m.campaign_id for m in claimed})
    key_of = {m.id: keys.key(m.channel.value, m.address) for m in claimed}
    suppressed = await _suppressed(session, set(key_of.values()))
    opted_out = await _opted_out(session, {m.contact_id for m in claimed if m.contact_id})
    verdicts = Verdicts()
    for m in claimed:
        if m.campaign_id not in running:
            verdicts.wait.append(m.id)
        elif (m.contact_id, m.channel) in opted_out:
            verdicts.never[m.id] = OPTED_OUT
        elif (m.channel, key_of[m.id]) in suppressed:
            verdicts.never[m.id] = SUPPRESSED
        else:
            verdicts.go.append(m.id)
    return verdicts


async def _running(session: AsyncSession, campaign_ids: set[int]) -> set[int]:
    rows = await session.execute(
        select(campaigns.c.id).where(
            campaigns.c.id.in_(campaign_ids), campaigns.c.state == CampaignState.RUNNING.value
        )
    )
    return {int(i) for i in rows.scalars()}


async def _suppressed(session: AsyncSession, address_keys: set[str]) -> set[tuple[Channel, str]]:
    if not address_keys:
        return set()
    rows = await session.execute(
        select(suppressions.c.channel, suppressions.c.address_key).where(
            suppressions.c.address_key.in_(address_keys)
        )
    )
    return {(Channel(channel), key) for channel, key in rows}


async def _opted_out(session: AsyncSession, contact_ids: set[int]) -> set[tuple[int, Channel]]:
    if not contact_ids:
        return set()
    rows = await session.execute(
        select(contacts.c.id, contacts.c.opted_out_sms_at, contacts.c.opted_out_email_at).where(
            contacts.c.id.in_(contact_ids)
        )
    )
    found: set[tuple[int, Channel]] = set()
    for contact_id, sms_at, email_at in rows:
        if sms_at is not None:
            found.add((int(contact_id), Channel.SMS))
        if email_at is not None:
            found.add((int(contact_id), Channel.EMAIL))
    return found
