"""The last moment decides: what may have changed since a message was queued is read again
just before ``sending`` is committed, in the same transaction.

- Its campaign is no longer running (paused, or taken back): the message waits in the queue.
- Its person was erased since: skipped, "erased" (the address is gone too).
- Its person withdrew consent for that channel: skipped, "no consent".
- Its person opted out of that channel (a STOP, an unsubscribe, staff on their behalf):
  skipped, "opted out".
- Its address is on the suppression list of its channel (kept even when the person who asked
  was erased or was someone else in the household): skipped, "suppressed".

Cancelling a campaign skips its queued messages itself; the conditional move to ``sending``
then finds them no longer queued. On PostgreSQL the campaign and contact rows are read
``FOR SHARE``, so a pause or an opt-out committing meanwhile waits for this transaction instead
of slipping between the check and the move (SQLite's writers are serialised anyway).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import RowMapping, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.addresses import AddressKeys
from campaign.campaigns.states import CampaignState
from campaign.dispatch.claims import ClaimedMessage
from campaign.kernel.channel import Channel
from campaign.store.tables import campaigns, contacts, suppressions

SUPPRESSED = "suppressed"
OPTED_OUT = "opted out"
ERASED = "erased"
NO_CONSENT = "no consent"


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


async def _running(session: AsyncSession, campaign_ids: set[int]) -> set[int]:
    rows = await session.execute(
        select(campaigns.c.id)
        .where(campaigns.c.id.in_(campaign_ids), campaigns.c.state == CampaignState.RUNNING.value)
        .with_for_update(read=True)
    )
    return {int(i) for i in rows.scalars()}


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
