"""Whether a running campaign is held now, and until when: what staff see.

A provider account whose circuit is open (dispatch.circuits) holds every running campaign with
queued messages on its channel, until its next probe, with the provider's reason. Otherwise:

The queue is the truth, so the answer holds for people in any number of time zones: the worker
gives back each message that falls in its person's quiet hours with ``next_attempt_at`` at their
end, in that person's own zone. A campaign is held when it is running, has queued messages,
none of them may be claimed now, and the first to come due waits for quiet hours that hold now
for its person; it is held until that message's time. A campaign still sending to people whose
day it is, is not held. One indexed look-up per running campaign, none for the others or for a
campaign without quiet hours; ``held`` shows once the worker has looked at the queue (within
about a second of quiet hours starting, longer for a very long queue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from campaign.campaigns.model import Campaign, QuietHours
from campaign.campaigns.states import CampaignState
from campaign.delivery.states import MessageState
from campaign.dispatch.circuits import open_circuits
from campaign.dispatch.quiet import quiet_spans, quiet_until
from campaign.kernel.clock import Clock
from campaign.store.engine import Database
from campaign.store.tables import contacts, messages

QUIET_HOURS = "quiet hours"
PROVIDER_REFUSES = "the provider refuses to send for now"


@dataclass(frozen=True, slots=True)
class Hold:
    """Why a campaign's messages wait, and until when (UTC)."""

    reason: str
    until: datetime

    def as_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "until": self.until.astimezone(UTC).isoformat()}


class Holds:
    """Reads whether a provider's circuit or quiet hours hold a campaign's queue now."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        default: QuietHours | None,
        default_time_zone: str,
    ) -> None:
        self._database = database
        self._clock = clock
        self._default = default  # the service's quiet hours, for every campaign
        self._default_zone = ZoneInfo(default_time_zone)

    async def held(self, campaign: Campaign) -> Hold | None:
        """The hold on ``campaign`` now, or None when nothing holds it back."""
        if campaign.state is not CampaignState.RUNNING:
            return None
        return await self._provider_held(campaign) or await self._quiet_held(campaign)

    async def _provider_held(self, campaign: Campaign) -> Hold | None:
        async with self._database.read_session() as session:
            circuits = await open_circuits(session)
            if not circuits:
                return None
            waiting = await session.execute(
                select(messages.c.channel)
                .where(
                    messages.c.campaign_id == campaign.id,
                    messages.c.state == MessageState.QUEUED.value,
                    messages.c.channel.in_({c.channel.value for c in circuits.values()}),
                )
                .limit(1)
            )
            channel = waiting.scalar_one_or_none()
        for circuit in circuits.values():
            if circuit.channel.value == channel:
                reason = f"{PROVIDER_REFUSES}: {circuit.reason}"
                return Hold(reason, max(circuit.retry_at, self._clock.now()))
        return None

    async def _quiet_held(self, campaign: Campaign) -> Hold | None:
        spans = quiet_spans(campaign.draft, self._default)
        if not spans:
            return None
        now = self._clock.now()
        first = (
            select(messages.c.next_attempt_at, contacts.c.time_zone)
            .select_from(messages.outerjoin(contacts, contacts.c.id == messages.c.contact_id))
            .where(
                messages.c.campaign_id == campaign.id,
                messages.c.state == MessageState.QUEUED.value,
            )
            .order_by(messages.c.next_attempt_at)
            .limit(1)
        )
        async with self._database.read_session() as session:
            row = (await session.execute(first)).first()
        if row is None or row.next_attempt_at <= now:
            return None
        ends = quiet_until(spans, self._zone(row.time_zone), now)
        if ends is None:
            return None
        return Hold(QUIET_HOURS, max(ends, row.next_attempt_at))

    def _zone(self, name: str | None) -> ZoneInfo:
        try:  # as the composer reads a person's zone: a bad one is the service's default
            return ZoneInfo(name) if name else self._default_zone
        except (KeyError, ValueError):
            return self._default_zone
