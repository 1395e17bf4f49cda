"""Settling ``unknown`` messages by asking the provider: the look-up.

Twilio has no idempotency key, so a send whose answer was lost (a 5xx, a time-out after the
request went out, a worker killed mid-call) is ``unknown``, never sent again blindly. A while
later (``CAMPAIGN_LOOKUP_AFTER``) a worker process asks the provider what it holds for the
message's number around the hand-over, matched on the digest of the text it was given:

- found: the message is ``sent``, with the provider's id; its receipts apply as usual;
- nothing at all went to that number then: it never arrived, and goes back to the queue as
  staff's resend puts it;
- something else went to that number then, or the look-up failed: it stays ``unknown`` and is
  asked again later, at most ``MAX_LOOKUPS`` times; then staff decide (resend or settle).

Look-ups have their own rate (``rate`` per second per worker process) and run beside the send
path, never in it. The claim is a lease on ``lookup_at``, so two workers never look up the same
message at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.channels import Accepted, DeliveryReport, MessageFinder, SendError, Trace
from campaign.delivery.moves import record_acceptance
from campaign.delivery.states import MessageState
from campaign.delivery.unknowns import resend
from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock
from campaign.store.engine import Database
from campaign.store.tables import delivery_events, messages
from campaign.tracking.receipts import apply_reports

log = logging.getLogger(__name__)

AGAIN_AFTER = timedelta(minutes=5)
MAX_LOOKUPS = 12  # about an hour of asking
_NO_TRACE = "a look-up that found no trace at the provider"  # "resent by …"
_S = MessageState


@dataclass(frozen=True, slots=True)
class Unknown:
    id: int
    channel: Channel
    to: str
    digest: str
    handed_over: datetime
    lookups: int


class Lookups:
    """Looks up this process's share of ``unknown`` messages at their providers."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        finders: Mapping[Channel, MessageFinder],
        *,
        rate: float = 5.0,
        batch: int = 50,
    ) -> None:
        self._database = database
        self._clock = clock
        self._finders = finders
        self._rate = rate
        self._batch = batch

    async def run_once(self) -> int:
        """Look up one batch that is due; return how many were looked up."""
        if not self._finders:
            return 0
        due = await self._claim()
        for index, unknown in enumerate(due):
            if index:  # the provider's requests per second, in real time whatever the clock
                await asyncio.sleep(1 / self._rate)
            await self._look_up(unknown)
        return len(due)

    async def _claim(self) -> list[Unknown]:
        now = self._clock.now()
        channels = [channel.value for channel in self._finders]
        async with self._database.transaction() as session:
            query = (
                select(
                    messages.c.id,
                    messages.c.channel,
                    messages.c.address,
                    messages.c.text_digest,
                    messages.c.lookups,
                )
                .where(
                    messages.c.state == _S.UNKNOWN.value,
                    messages.c.lookup_at <= now,
                    messages.c.channel.in_(channels),
                    # Nothing to match on: sent before digests were kept, or erased since.
                    messages.c.text_digest.is_not(None),
                    messages.c.address.is_not(None),
                )
                .order_by(messages.c.lookup_at)
                .limit(self._batch)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = (await session.execute(query)).all()
            if not rows:
                return []
            ids = [int(r.id) for r in rows]
            await session.execute(  # a lease: no other worker asks meanwhile
                update(messages)
                .where(messages.c.id.in_(ids))
                .values(lookup_at=now + AGAIN_AFTER, lookups=messages.c.lookups + 1)
            )
            handed_over = await _handed_over(session, ids)
        return [
            Unknown(
                int(r.id),
                Channel(r.channel),
                r.address or "",
                r.text_digest or "",
                handed_over.get(int(r.id), now),
                int(r.lookups) + 1,
            )
            for r in rows
        ]

    async def _look_up(self, unknown: Unknown) -> None:
        try:
            trace = await self._finders[unknown.channel].find(
                unknown.to, unknown.digest, unknown.handed_over
            )
        except SendError as exc:
            log.warning("looking up message %s failed: %s", unknown.id, exc.reason)
            trace = Trace()
        await self._settle(unknown, trace)

    async def _settle(self, unknown: Unknown, trace: Trace) -> None:
        """What the provider said, as receipts and staff's resends are applied: found, the
        message is ``sent`` with the provider's id, sent when it was handed over; absent, it
        goes again; otherwise it waits for the next look-up, or for staff after the last."""
        now = self._clock.now()
        async with self._database.transaction() as session:
            if trace.accepted is not None:
                log.info("message %s: the provider had taken it", unknown.id)
                await _found(session, unknown, trace.accepted, now)
            elif trace.absent:
                log.info("message %s: no trace at the provider; queued again", unknown.id)
                await resend(session, [unknown.id], _NO_TRACE, now)
            elif unknown.lookups >= MAX_LOOKUPS:
                log.warning(
                    "message %s: %d look-ups could not settle it; staff decide",
                    unknown.id,
                    unknown.lookups,
                )
                await session.execute(
                    update(messages).where(messages.c.id == unknown.id).values(lookup_at=None)
                )


async def _found(
    session: AsyncSession, unknown: Unknown, accepted: Accepted, now: datetime
) -> None:
    report = DeliveryReport(
        unknown.id,
        accepted.provider_id,
        MessageState.SENT,
        accepted.provider_status,
        reason="a look-up found that the provider had taken it",
    )
    await apply_reports(session, [report], now)
    await record_acceptance(session, [(unknown.id, accepted.provider_id, unknown.handed_over)])


async def _handed_over(session: AsyncSession, ids: list[int]) -> dict[int, datetime]:
    """When each message last went to ``sending``: the look-up searches around it."""
    rows = await session.execute(
        select(delivery_events.c.message_id, func.max(delivery_events.c.at))
        .where(
            and_(
                delivery_events.c.message_id.in_(ids),
                delivery_events.c.to_state == _S.SENDING.value,
            )
        )
        .group_by(delivery_events.c.message_id)
    )
    return {int(i): at for i, at in rows}
