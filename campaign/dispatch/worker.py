"""The dispatch worker: claim, pace, check, commit ``sending``, call the provider, record.

No database transaction is held across a provider call. A message is committed as
``sending`` just before the call, so a crash mid-call leaves it ``sending`` and the sweep
turns it ``unknown`` (never silently sent twice). Rate tokens are taken before ``sending`` is
committed and never waited for while holding a batch: a message whose campaign or channel has
no token now goes back to the queue until its turn, so a slow campaign holds up no other and
no lease outlives its work. Just before the commit, ``gate.last_moment`` reads again whether
the campaign still runs and the person may still be reached.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.addresses import AddressKeys
from campaign.campaigns.model import QuietHours
from campaign.channels import (
    Accepted,
    OutboundMessage,
    PermanentSendError,
    Provider,
    RetryableSendError,
    SendError,
    SendOutcomeUnknown,
)
from campaign.delivery.moves import Move, move_each, move_many, record_acceptance
from campaign.delivery.states import MessageState, is_final
from campaign.dispatch.claims import ClaimedMessage, claim_due_messages, release, release_each
from campaign.dispatch.composer import CampaignContent, Composer, Recipient
from campaign.dispatch.gate import last_moment
from campaign.dispatch.quiet import quiet_spans, quiet_until
from campaign.dispatch.ratelimit import TokenBucket
from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock
from campaign.kernel.polling import poll_until
from campaign.messages.render import TemplateProblem
from campaign.messages.sms import sms_info
from campaign.store.engine import Database
from campaign.store.tables import messages

log = logging.getLogger(__name__)

_S = MessageState


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries with exponential backoff: 30 s, 1 min, 2 min, … capped at one hour."""

    max_attempts: int = 5
    first_delay: float = 30.0
    max_delay: float = 3600.0
    # A provider may ask for a longer wait than our back-off; never for longer than this.
    longest_provider_wait: float = 24 * 3600.0

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.max_delay, self.first_delay * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True, slots=True)
class Outcome:
    message: ClaimedMessage
    accepted: Accepted | None = None
    error: SendError | None = None


class DispatchWorker:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        providers: Mapping[Channel, Provider],
        composer: Composer,
        address_keys: AddressKeys,
        *,
        worker_id: str,
        channel_rates: Mapping[Channel, float],
        batch_size: int = 200,
        concurrency: int = 50,
        lease_seconds: float = 120,
        retry: RetryPolicy | None = None,
        quiet_hours: QuietHours | None = None,
    ) -> None:
        self._database = database
        self._clock = clock
        self._providers = providers
        self._composer = composer
        self._address_keys = address_keys
        self.worker_id = worker_id
        self._batch_size = batch_size
        self._lease_seconds = lease_seconds
        self._retry = retry or RetryPolicy()
        self._quiet_hours = quiet_hours  # the service's default, for every campaign
        self._in_flight = asyncio.Semaphore(concurrency)
        self._channel_buckets = {c: TokenBucket(clock, r) for c, r in channel_rates.items()}
        self._campaign_buckets: dict[int, TokenBucket] = {}
        self._turns: dict[int, datetime] = {}  # each campaign's next free turn in the queue

    async def run_once(self) -> int:
        """Claim one batch and see it through; return how many messages were claimed."""
        now = self._clock.now()
        claimed = await claim_due_messages(
            self._database,
            self.worker_id,
            now,
            limit=self._batch_size,
            lease_seconds=self._lease_seconds,
        )
        if not claimed:
            return 0
        ready = await self._prepare(claimed, now)
        ready = await self._pace(ready, now)
        to_send = await self._mark_sending(ready)
        outcomes = await asyncio.gather(*(self._send(m, out) for m, out in to_send))
        await self._record(outcomes)
        return len(claimed)

    async def _prepare(
        self, claimed: Sequence[ClaimedMessage], now: datetime
    ) -> list[tuple[ClaimedMessage, OutboundMessage]]:
        """Render what may go now; defer quiet hours, skip closed windows, fail bad renders."""
        recipients = await self._composer.recipients(claimed)
        ready, deferred, failed, closed = [], [], [], []
        for message in claimed:
            content = await self._composer.content(message.campaign_id)
            recipient = recipients.get(message.contact_id) if message.contact_id else None
            if _window_closed(content, now):
                closed.append(message.id)
                continue
            resume_at = self._quiet_until(content, recipient, now)
            if resume_at is not None:
                deferred.append((message.id, resume_at))
                continue
            try:
                outbound = self._composer.compose(message, content, recipient, now)
            except (TemplateProblem, KeyError) as exc:
                failed.append(
                    Move(
                        message.id,
                        _S.QUEUED,
                        _S.FAILED_PERMANENT,
                        reason=f"the message could not be written: {exc}",
                    )
                )
                continue
            over = _over_cap(content, outbound)
            if over:
                failed.append(Move(message.id, _S.QUEUED, _S.SKIPPED, reason=over))
                continue
            ready.append((message, outbound))
        await release_each(self._database, deferred, self.worker_id)
        await self._finish_unsendable(closed, failed, now)
        return ready

    def _quiet_until(
        self, content: CampaignContent, recipient: Recipient | None, now: datetime
    ) -> datetime | None:
        """When the recipient's quiet hours end, if they are in them now."""
        if recipient is None:  # erased meanwhile: the last-moment check skips it
            return None
        spans = quiet_spans(content.campaign.draft, self._quiet_hours)
        return quiet_until(spans, recipient.time_zone, now)

    async def _finish_unsendable(
        self, closed: list[int], failed: list[Move], now: datetime
    ) -> None:
        if not (closed or failed):
            return
        async with self._database.transaction() as session:
            await move_many(
                session,
                closed,
                [_S.QUEUED],
                _S.SKIPPED,
                now,
                reason="window closed",
                values={"reason": "window closed", "final_at": now},
            )
            await move_each(session, failed, now, final_at=[now] * len(failed))

    async def _pace(
        self, ready: list[tuple[ClaimedMessage, OutboundMessage]], now: datetime
    ) -> list[tuple[ClaimedMessage, OutboundMessage]]:
        """Keep what has its campaign's and its channel's token now; queue the rest for later,
        each campaign's next ones one interval apart."""
        keep, later = [], []
        for message, outbound in ready:
            buckets = (self._campaign_bucket(message.campaign_id), self._channel_bucket(message))
            wait = max(bucket.wait_time() for bucket in buckets)
            if wait == 0:
                for bucket in buckets:
                    bucket.take_now()
                keep.append((message, outbound))
                continue
            later.append((message.id, self._next_turn(message.campaign_id, buckets, now, wait)))
        await release_each(self._database, later, self.worker_id)
        return keep

    def _next_turn(
        self, campaign_id: int, buckets: tuple[TokenBucket, ...], now: datetime, wait: float
    ) -> datetime:
        """The campaign's next free turn: turns given out earlier (in this batch or before) are
        not given twice, so a waiting message is claimed again only when it can go."""
        interval = timedelta(seconds=1 / min(bucket.rate for bucket in buckets))
        turn = max(self._turns.get(campaign_id, now), now + timedelta(seconds=wait))
        self._turns[campaign_id] = turn + interval
        return turn

    def _channel_bucket(self, message: ClaimedMessage) -> TokenBucket:
        return self._channel_buckets[message.channel]

    async def _mark_sending(
        self, ready: list[tuple[ClaimedMessage, OutboundMessage]]
    ) -> list[tuple[ClaimedMessage, OutboundMessage]]:
        """Check each message at the last moment and commit ``sending`` for those that may go;
        only what this commit moved may be sent."""
        if not ready:
            return []
        now = self._clock.now()
        by_id = {m.id: (m, out) for m, out in ready}
        async with self._database.transaction() as session:
            verdicts = await last_moment(session, self._address_keys, [m for m, _ in ready])
            moved = await move_many(
                session,
                verdicts.go,
                [_S.QUEUED],
                _S.SENDING,
                now,
                values={
                    "lease_until": now + timedelta(seconds=self._lease_seconds),
                    "attempts": messages.c.attempts + 1,
                },
                # Only while our lease holds: after a stall another worker may have it again.
                condition=messages.c.lease_owner == self.worker_id,
            )
            never = [Move(i, _S.QUEUED, _S.SKIPPED, reason=r) for i, r in verdicts.never.items()]
            await move_each(session, never, now, final_at=[now] * len(never))
        await release(self._database, verdicts.wait, self.worker_id, now)
        going = {m.message_id for m in moved}
        for message, _ in ready:
            if message.id not in going:  # its rate tokens were taken in _pace: return them
                self._campaign_bucket(message.campaign_id).give_back()
                self._channel_bucket(message).give_back()
        return [by_id[i] for i in by_id if i in going]

    async def _send(self, message: ClaimedMessage, outbound: OutboundMessage) -> Outcome:
        provider = self._providers[message.channel]
        async with self._in_flight:
            try:
                return Outcome(message, accepted=await provider.send(outbound))
            except SendError as exc:
                return Outcome(message, error=exc)
            except Exception as exc:  # an adapter bug mid-call: the provider may have it
                log.exception("channel %s failed on message %s", message.channel, message.id)
                return Outcome(message, error=SendOutcomeUnknown(f"unexpected error: {exc}"))

    def _campaign_bucket(self, campaign_id: int) -> TokenBucket:
        bucket = self._campaign_buckets.get(campaign_id)
        if bucket is None:
            content = self._composer.cached(campaign_id)
            rate = content.campaign.draft.rate_per_second if content else 10.0
            bucket = self._campaign_buckets[campaign_id] = TokenBucket(self._clock, rate)
        return bucket

    async def _record(self, outcomes: Sequence[Outcome]) -> None:
        now = self._clock.now()
        sent = [(o, o.accepted) for o in outcomes if o.accepted is not None]
        failed = [o for o in outcomes if o.error is not None]
        async with self._database.transaction() as session:
            await _record_accepted(session, sent, now)
            retry_moves, final_moves = self._failure_moves(failed)
            await move_each(
                session,
                retry_moves,
                now,
                next_attempt_at=[now + self._retry_delay(o) for o in failed if self._will_retry(o)],
                lease_owner=[None] * len(retry_moves),
                lease_until=[None] * len(retry_moves),
            )
            await move_each(
                session,
                final_moves,
                now,
                final_at=[None if m.to_state is _S.UNKNOWN else now for m in final_moves],
            )

    def _retry_delay(self, outcome: Outcome) -> timedelta:
        """The back-off, or longer when the provider asked us to wait longer, up to a day (a
        provider's answer never parks a message for days)."""
        delay = self._retry.delay(outcome.message.attempts + 1)
        asked = outcome.error.retry_after if isinstance(outcome.error, RetryableSendError) else None
        if asked is None:
            return delay
        return max(delay, min(asked, timedelta(seconds=self._retry.longest_provider_wait)))

    def _will_retry(self, outcome: Outcome) -> bool:
        return (
            isinstance(outcome.error, RetryableSendError)
            and outcome.message.attempts + 1 < self._retry.max_attempts
        )

    def _failure_moves(self, failed: Sequence[Outcome]) -> tuple[list[Move], list[Move]]:
        retry, final = [], []
        for o in failed:
            error = o.error
            assert error is not None
            if self._will_retry(o):
                retry.append(
                    Move(
                        o.message.id,
                        _S.SENDING,
                        _S.QUEUED,
                        None,
                        error.code,
                        f"will try again: {error.reason}",
                    )
                )
                continue
            if isinstance(error, PermanentSendError):
                target = _S.FAILED_PERMANENT
            elif isinstance(error, SendOutcomeUnknown):
                target = _S.UNKNOWN
            else:
                target = _S.FAILED_TEMPORARY
            final.append(Move(o.message.id, _S.SENDING, target, None, error.code, error.reason))
        return retry, final

    async def run_forever(self, stop: asyncio.Event, *, idle_seconds: float = 0.5) -> None:
        """Work until ``stop`` is set; sleep a little when there is nothing to do."""
        await poll_until(stop, self.run_once, idle_seconds=idle_seconds, what="dispatch batch")


def _window_closed(content: CampaignContent, now: datetime) -> bool:
    ends = content.campaign.draft.window_ends_at
    return ends is not None and now >= ends


def _over_cap(content: CampaignContent, outbound: OutboundMessage) -> str | None:
    """Why an SMS is longer than its campaign allows, or None."""
    cap = content.campaign.draft.sms_segment_cap
    if outbound.channel is not Channel.SMS or cap is None:
        return None
    segments = sms_info(outbound.text).segments
    if segments <= cap:
        return None
    return f"{segments} segments, over the campaign's cap of {cap}"


async def _record_accepted(
    session: AsyncSession, sent: Sequence[tuple[Outcome, Accepted]], now: datetime
) -> None:
    """``sent`` with its time and provider id, from ``sending``, or from ``unknown`` when the
    sweep gave up on a slow call before its answer came; a message a receipt already moved on
    keeps its state and gets its time and id."""
    pending = list(sent)
    for from_state in (_S.SENDING, _S.UNKNOWN):
        applied = await move_each(
            session,
            [
                Move(o.message.id, from_state, _S.SENT, provider_status=a.provider_status)
                for o, a in pending
            ],
            now,
            provider_id=[a.provider_id for _, a in pending],
            sent_at=[now] * len(pending),
            lease_owner=[None] * len(pending),
            final_at=[now if is_final(_S.SENT, o.message.channel) else None for o, _ in pending],
        )
        moved = {m.message_id for m in applied}
        pending = [(o, a) for o, a in pending if o.message.id not in moved]
    await record_acceptance(session, [(o.message.id, a.provider_id) for o, a in pending], now)
