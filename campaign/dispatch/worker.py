"""The dispatch worker: claim, prepare, check and pace, commit ``sending``, call the provider,
record.

No database transaction is held across a provider call. A message is committed as
``sending`` just before the call, so a crash mid-call leaves it ``sending`` and the sweep
turns it ``unknown`` (never silently sent twice). In one transaction per batch, just before
that commit, ``gate.last_moment`` reads again whether sending is allowed at all (the stop
switch), whether the campaign still runs, whether the person may still be reached and whether
the caps allow it, and ``pacing.plan`` gives each message its moment under the rates every
worker shares (``rates``): what may go within the horizon is committed ``sending``, the rest
goes back to the queue with its turn, so a slow campaign holds up no other and no lease
outlives its work.

``run_forever`` is a pipeline: while one batch's calls are in flight the next batch is
claimed and checked, and outcomes are written in batches (one transaction for many).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.addresses import AddressKeys
from audiences.contacts.optout import opt_out_address
from campaign.campaigns.fallback import queue_fallbacks
from campaign.campaigns.model import QuietHours
from campaign.channels import (
    Accepted,
    OutboundMessage,
    PermanentSendError,
    Provider,
    ProviderUnavailable,
    RetryableSendError,
    SendError,
    SendOutcomeUnknown,
    text_digest,
)
from campaign.delivery.moves import Move, lock_messages, move_each, move_many, record_acceptance
from campaign.delivery.states import MessageState, is_final
from campaign.dispatch.circuits import close as close_circuits
from campaign.dispatch.circuits import open_circuits, take_probe, trip
from campaign.dispatch.claims import ClaimedMessage, claim_due_messages, release_each
from campaign.dispatch.composer import CampaignContent, Composer, Recipient
from campaign.dispatch.gate import Limits, Verdicts, charge, last_moment
from campaign.dispatch.handover import HandOvers
from campaign.dispatch.pacing import Paced, plan
from campaign.dispatch.quiet import quiet_spans, quiet_until
from campaign.dispatch.rates import campaign_key, channel_key, lock_cursors, save_cursors
from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock
from campaign.kernel.polling import rest
from campaign.messages.render import TemplateProblem
from campaign.messages.sms import sms_info
from campaign.store.engine import Database
from campaign.store.tables import messages

log = logging.getLogger(__name__)

# An ``unknown`` message is looked up at its provider after this, when the provider has
# sent or failed what it took (see tracking.lookups).
LOOKUP_AFTER = timedelta(minutes=2)  # CAMPAIGN_LOOKUP_AFTER

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
    at: datetime  # when it was handed to the provider: its sent_at if the provider accepted
    accepted: Accepted | None = None
    error: SendError | None = None
    late: bool = False  # never handed over: its moment under the rate passed


@dataclass(frozen=True, slots=True)
class Ready:
    """A message written and priced, waiting for the last-moment check."""

    message: ClaimedMessage
    outbound: OutboundMessage
    segments: int | None
    encoding: str | None
    cost: float


@dataclass(frozen=True, slots=True)
class Going:
    """A message committed ``sending``: the moment it may be handed over, and whether its
    rates decided that moment (it waited for them) or it could go at once."""

    message: ClaimedMessage
    outbound: OutboundMessage
    at: datetime
    paced: bool


@dataclass(slots=True)
class _Prepared:
    ready: list[Ready] = field(default_factory=list)
    later: list[tuple[int, datetime]] = field(default_factory=list)  # back to the queue until
    closed: list[int] = field(default_factory=list)  # the send window is over
    unsendable: list[Move] = field(default_factory=list)  # could not be written, or too long


@dataclass(frozen=True, slots=True)
class DispatchLimits:
    """What the service allows, from settings: the defaults every campaign works within."""

    channel_rates: Mapping[Channel, float]
    senders: Mapping[Channel, str] = field(default_factory=dict)  # rate keys per account
    quiet_hours: QuietHours | None = None
    weekly_cap: int = 5
    sms_price: float = 0.0
    # Channels whose provider cannot be asked afterwards: hand-overs recorded, at most this
    # many marked and unanswered at once (``dispatch.handover``).
    recorded_hand_overs: Mapping[Channel, int] = field(default_factory=dict)


class DispatchWorker:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        providers: Mapping[Channel, Provider],
        composer: Composer,
        address_keys: AddressKeys,
        limits: DispatchLimits,
        *,
        worker_id: str,
        batch_size: int = 500,
        concurrency: int = 200,
        lease_seconds: float = 120,
        horizon: float = 0.5,
        retry: RetryPolicy | None = None,
        lookup_after: timedelta = LOOKUP_AFTER,
    ) -> None:
        self._database = database
        self._clock = clock
        self._providers = providers
        self._composer = composer
        self._address_keys = address_keys
        self._limits = limits
        self.worker_id = worker_id
        self._batch_size = batch_size
        self._concurrency = concurrency
        self._lease_seconds = lease_seconds
        self._horizon = horizon
        self._retry = retry or RetryPolicy()
        self._in_flight = asyncio.Semaphore(concurrency)
        self._claimed_up_to = 0  # the keyset: where the last claim ended
        self._late_before: set[int] = set()  # given back once for being late
        self._rate_rows: set[str] = set()  # rate keys whose rows exist: not inserted again
        self._swept_at = clock.now()
        self._open_circuits: set[str] = set()  # as the last batch found them
        self._lookup_after = lookup_after
        self._hand_overs = HandOvers(database, clock, limits.recorded_hand_overs)

    async def run_once(self) -> int:
        """Claim one batch and see it through, sending only what may go this very moment (no
        waiting for later turns); return how many messages were claimed."""
        claimed = await self._claim(self._batch_size)
        if not claimed:
            return 0
        going = await self._dispatch(claimed, horizon=0.0, lead=0.0)
        outcomes = await asyncio.gather(*(self._send(g.message, g.outbound) for g in going))
        await self._record(outcomes)
        return len(claimed)

    async def run_forever(self, stop: asyncio.Event, *, idle_seconds: float = 0.5) -> None:
        """Work until ``stop`` is set: claim and check the next batch while the calls of the
        previous ones are in flight; write outcomes in batches. On stop, what is in flight is
        finished and recorded."""
        recorder = OutcomeWriter(self._record, self._clock)
        sending: set[asyncio.Task[None]] = set()
        room = self._concurrency + self._batch_size
        try:
            while not stop.is_set():
                if len(sending) >= room:
                    await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
                    continue
                try:
                    claimed = await self._claim(min(self._batch_size, room - len(sending)))
                    going = await self._dispatch(claimed, horizon=self._horizon, lead=LEAD)
                except Exception:
                    log.exception("dispatch batch failed; retrying shortly")
                    claimed, going = [], []
                for one in going:
                    task = asyncio.create_task(self._send_at(one, recorder))
                    sending.add(task)
                    task.add_done_callback(sending.discard)
                if not claimed:
                    await rest(stop, idle_seconds)
        finally:
            if sending:
                await asyncio.gather(*sending, return_exceptions=True)
            await recorder.close()

    async def _claim(self, limit: int) -> list[ClaimedMessage]:
        """Claim onwards from where the last claim ended; go back to the first id when the
        queue ahead runs short or every few seconds, so messages that came due behind the
        keyset (retries, turns) are not left waiting."""
        now = self._clock.now()
        if now - self._swept_at >= _SWEEP_EVERY:
            self._claimed_up_to = 0
        claimed = await self._claim_after(self._claimed_up_to, limit, now)
        if len(claimed) < limit and self._claimed_up_to:
            self._claimed_up_to = 0
            claimed += await self._claim_after(0, limit - len(claimed), now)
        if self._claimed_up_to == 0:
            self._swept_at = now
        # A full claim leaves more ahead: go on from its end; a short one reached the end.
        self._claimed_up_to = max(m.id for m in claimed) if len(claimed) == limit else 0
        return claimed

    async def _claim_after(self, after_id: int, limit: int, now: datetime) -> list[ClaimedMessage]:
        return await claim_due_messages(
            self._database,
            self.worker_id,
            now,
            limit=limit,
            lease_seconds=self._lease_seconds,
            after_id=after_id,
        )

    async def _dispatch(
        self, claimed: Sequence[ClaimedMessage], *, horizon: float, lead: float
    ) -> list[Going]:
        """Prepare ``claimed`` and, in one transaction, check, pace and commit ``sending`` for
        what may go within ``horizon``; return it with the moment each may go."""
        if not claimed:
            return []
        prepared = await self._prepare(claimed, self._clock.now())
        now = self._clock.now()
        async with self._database.transaction() as session:
            going = await self._mark_sending(session, prepared, now, horizon, lead)
            await release_each(session, prepared.later, self.worker_id)
            await self._finish_unsendable(session, prepared, now)
        return going

    async def _prepare(self, claimed: Sequence[ClaimedMessage], now: datetime) -> _Prepared:
        """Write what may go now; defer quiet hours, skip closed windows, fail bad renders."""
        recipients = await self._composer.recipients(claimed)
        prepared = _Prepared()
        for message in claimed:
            content = await self._composer.content(message.campaign_id)
            recipient = recipients.get(message.contact_id) if message.contact_id else None
            if _window_closed(content, now):
                prepared.closed.append(message.id)
                continue
            resume_at = self._quiet_until(content, recipient, now)
            if resume_at is not None:
                prepared.later.append((message.id, resume_at))
                continue
            try:
                outbound = self._composer.compose(message, content, recipient, now)
            except (TemplateProblem, KeyError) as exc:
                prepared.unsendable.append(
                    Move(
                        message.id,
                        _S.QUEUED,
                        _S.FAILED_PERMANENT,
                        reason=f"the message could not be written: {exc}",
                    )
                )
                continue
            ready = self._priced(message, outbound)
            over = _over_cap(content, ready)
            if over:
                prepared.unsendable.append(Move(message.id, _S.QUEUED, _S.SKIPPED, reason=over))
                continue
            prepared.ready.append(ready)
        return prepared

    def _priced(self, message: ClaimedMessage, outbound: OutboundMessage) -> Ready:
        if outbound.channel is not Channel.SMS:
            return Ready(message, outbound, None, None, 0.0)
        info = sms_info(outbound.text)
        cost = info.segments * self._limits.sms_price
        return Ready(message, outbound, info.segments, info.encoding, cost)

    def _quiet_until(
        self, content: CampaignContent, recipient: Recipient | None, now: datetime
    ) -> datetime | None:
        """When the recipient's quiet hours end, if they are in them now."""
        if recipient is None:  # erased meanwhile: the last-moment check skips it
            return None
        spans = quiet_spans(content.campaign.draft, self._limits.quiet_hours)
        return quiet_until(spans, recipient.time_zone, now)

    async def _mark_sending(
        self,
        session: AsyncSession,
        prepared: _Prepared,
        now: datetime,
        horizon: float,
        lead: float,
    ) -> list[Going]:
        """Check each message at the last moment, pace what may go, and move it to
        ``sending``; only what this moved may be sent. What waits joins ``prepared.later``."""
        ready = {r.message.id: r for r in prepared.ready}
        if not ready:
            return []
        verdicts = await last_moment(
            session,
            self._address_keys,
            [r.message for r in prepared.ready],
            {i: r.cost for i, r in ready.items()},
            Limits(self._limits.weekly_cap, now),
        )
        wait_until = now + (timedelta(seconds=1) if verdicts.stopped else timedelta())
        prepared.later.extend((i, wait_until) for i in verdicts.wait)
        allowed = await self._through_circuits(session, [ready[i] for i in verdicts.go], now)
        prepared.later.extend(allowed.later)
        # Moments are planned from a little ahead (``lead``): by then this commit is done, so
        # no message is late for its moment because of the database.
        start = now + timedelta(seconds=lead)
        paced = await self._pace(session, allowed.go, verdicts, start, horizon)
        prepared.later.extend(paced.later)
        going = [ready[i] for i in paced.go_at]
        moved = await move_each(
            session,
            [Move(r.message.id, _S.QUEUED, _S.SENDING) for r in going],
            now,
            condition=messages.c.lease_owner == self.worker_id,
            lease_until=[now + timedelta(seconds=self._lease_seconds)] * len(going),
            attempts=[r.message.attempts + 1 for r in going],
            segments=[r.segments for r in going],
            encoding=[r.encoding for r in going],
            cost=[r.cost for r in going],
            text_digest=[text_digest(r.outbound.text) for r in going],
        )
        never = [Move(i, _S.QUEUED, _S.SKIPPED, reason=r) for i, r in verdicts.never.items()]
        await move_each(session, never, now, final_at=[now] * len(never))
        went = {m.message_id for m in moved}
        spent: dict[int, float] = {}
        for r in going:
            if r.message.id in went:
                spent[r.message.campaign_id] = spent.get(r.message.campaign_id, 0.0) + r.cost
        await charge(session, spent)
        return [
            Going(
                r.message,
                r.outbound,
                max(paced.go_at[r.message.id], start),
                paced=paced.go_at[r.message.id] > start,
            )
            for r in going
            if r.message.id in went
        ]

    async def _through_circuits(
        self, session: AsyncSession, going: list[Ready], now: datetime
    ) -> _Allowed:
        """What may go past the providers' circuits: nothing of an account whose circuit is
        open, but one probe when its time has come and this worker wins it."""
        circuits = await open_circuits(session)
        self._open_circuits = set(circuits)
        if not circuits:
            return _Allowed(going, [])
        allowed = _Allowed([], [])
        probing: set[str] = set()
        for r in going:
            key = self._channel_key(r.message.channel)
            circuit = circuits.get(key)
            if circuit is None:
                allowed.go.append(r)
            elif key not in probing and circuit.retry_at <= now:
                if await take_probe(session, key, self.worker_id, now):
                    probing.add(key)
                    allowed.go.append(r)
                else:  # another worker probes: see how it went in a moment
                    allowed.later.append((r.message.id, now + _AFTER_PROBE))
            elif key in probing:
                allowed.later.append((r.message.id, now + _AFTER_PROBE))
            else:
                allowed.later.append((r.message.id, circuit.retry_at))
        if probing:
            log.info("probing %s after its circuit opened", ", ".join(sorted(probing)))
        return allowed

    async def _pace(
        self,
        session: AsyncSession,
        going: list[Ready],
        verdicts: Verdicts,
        now: datetime,
        horizon: float,
    ) -> _Paced:
        """Each message's moment under its campaign's rate and its channel's, shared by every
        worker through the database; what cannot go within ``horizon`` gets a later turn."""
        if not going:
            return _Paced({}, [])
        rates: dict[str, float] = {}
        paced = []
        for r in going:
            own = campaign_key(r.message.campaign_id)
            shared = self._channel_key(r.message.channel)
            rates[own] = verdicts.rates[r.message.campaign_id]
            rates[shared] = self._limits.channel_rates[r.message.channel]
            paced.append(Paced(r.message.id, own, (shared,)))
        epoch = now.timestamp()
        cursors = await lock_cursors(session, rates, self._rate_rows)
        result = plan(paced, cursors, epoch, horizon=horizon)
        await save_cursors(session, cursors)
        return _Paced(
            {i: datetime.fromtimestamp(at, UTC) for i, at in result.go_at.items()},
            [(i, datetime.fromtimestamp(at, UTC)) for i, at in result.later.items()],
        )

    def _channel_key(self, channel: Channel) -> str:
        return channel_key(channel.value, self._limits.senders.get(channel, "default"))

    async def _finish_unsendable(
        self, session: AsyncSession, prepared: _Prepared, now: datetime
    ) -> None:
        await move_many(
            session,
            prepared.closed,
            [_S.QUEUED],
            _S.SKIPPED,
            now,
            reason="window closed",
            values={"reason": "window closed", "final_at": now},
        )
        failed = prepared.unsendable
        await move_each(session, failed, now, final_at=[now] * len(failed))

    async def _send_at(self, going: Going, recorder: OutcomeWriter) -> None:
        """Wait for the message's moment under its rates, send it, hand the outcome on.

        A message whose moment passed while the worker was busy (a stalled event loop, a
        starved CPU) goes back to the queue instead: sent late, it would bunch with the
        messages of the next moments and the shared rate would be exceeded by the delay. Only a
        message that waited for its rates counts: one that could go at once, by a rate with
        room to spare, exceeds nothing by going late."""
        message, outbound, at = going.message, going.outbound, going.at
        wait = (at - self._clock.now()).total_seconds()
        if wait > 0:
            await self._clock.sleep(wait)
        late = going.paced and (self._clock.now() - at).total_seconds() > LATE_LIMIT
        if late and message.id not in self._late_before:
            if len(self._late_before) > _LATE_REMEMBERED:
                self._late_before.clear()
            self._late_before.add(message.id)
            recorder.add(Outcome(message, self._clock.now(), late=True))
            return
        # Late a second time: it goes now. A worker stalled on every turn of its loop would
        # otherwise give the same messages back for ever.
        self._late_before.discard(message.id)
        recorder.add(await self._send(message, outbound))

    async def _send(self, message: ClaimedMessage, outbound: OutboundMessage) -> Outcome:
        try:
            async with self._hand_overs.handing_over(message.id, message.channel):
                return await self._call(message, outbound)
        except Exception as exc:  # the hand-over could not be recorded: it did not go
            log.warning("message %s kept back: its hand-over was not recorded: %s", message.id, exc)
            error = RetryableSendError(f"not handed over: the database did not answer ({exc})")
            return Outcome(message, self._clock.now(), error=error)

    async def _call(self, message: ClaimedMessage, outbound: OutboundMessage) -> Outcome:
        provider = self._providers[message.channel]
        async with self._in_flight:
            handed_over = self._clock.now()
            try:
                accepted = await provider.send(outbound)
                return Outcome(message, handed_over, accepted=accepted)
            except SendError as exc:
                return Outcome(message, handed_over, error=exc)
            except Exception as exc:  # an adapter bug mid-call: the provider may have it
                log.exception("channel %s failed on message %s", message.channel, message.id)
                unknown = SendOutcomeUnknown(f"unexpected error: {exc}")
                return Outcome(message, handed_over, error=unknown)

    async def _record(self, outcomes: Sequence[Outcome]) -> None:
        if not outcomes:
            return
        now = self._clock.now()
        outcomes = sorted(outcomes, key=lambda o: o.message.id)
        sent = [(o, o.accepted) for o in outcomes if o.accepted is not None]
        refused = [o for o in outcomes if o.error is not None and _for_account(o.error)]
        failed = [o for o in outcomes if o.error is not None and not _for_account(o.error)]
        late = [o for o in outcomes if o.late]
        async with self._database.transaction() as session:
            # Rows locked in id order first: a batch of receipts locks in the same order, so
            # the two never wait on each other crosswise.
            await lock_messages(session, [o.message.id for o in outcomes])
            await _record_accepted(session, sent, now)
            await _requeue_late(session, late, now)
            await self._close_circuits(session, outcomes)
            await self._requeue_refused(session, refused, now)
            await self._record_opt_outs(session, failed, now)
            retry_moves, final_moves = self._failure_moves(failed)
            retried = [o for o in failed if self._will_retry(o)]
            await move_each(
                session,
                retry_moves,
                now,
                next_attempt_at=[now + self._retry_delay(o) for o in retried],
                attempts=[self._attempts_after(o) for o in retried],
                lease_owner=[None] * len(retry_moves),
                lease_until=[None] * len(retry_moves),
            )
            unknown = [m.to_state is _S.UNKNOWN for m in final_moves]
            ended = await move_each(
                session,
                final_moves,
                now,
                final_at=[None if u else now for u in unknown],
                lease_owner=[None] * len(final_moves),
                lookup_at=[now + self._lookup_after if u else None for u in unknown],
            )
            await queue_fallbacks(session, ended, now)

    async def _close_circuits(self, session: AsyncSession, outcomes: Sequence[Outcome]) -> None:
        """An account that took a message again (a probe, or a send in flight when its
        circuit opened), or refused one for the message's own sake (an invalid number: the
        account itself was accepted), sends again: its circuit closes."""
        if not self._open_circuits:
            return
        accepted = {
            self._channel_key(o.message.channel)
            for o in outcomes
            if o.accepted is not None or isinstance(o.error, PermanentSendError)
        }
        reopened = accepted & self._open_circuits
        if reopened:
            await close_circuits(session, reopened)
            self._open_circuits -= reopened
            log.info("%s accepted messages again: circuit closed", ", ".join(sorted(reopened)))

    async def _requeue_refused(
        self, session: AsyncSession, refused: Sequence[Outcome], now: datetime
    ) -> None:
        """Messages the provider refused for its account's sake, not theirs: back to the queue
        uncounted, to go when the account's circuit closes (which this opens)."""
        if not refused:
            return
        retry_at: dict[str, datetime] = {}
        for o in refused:
            key = self._channel_key(o.message.channel)
            if key not in retry_at:
                error = o.error
                assert error is not None
                circuit = await trip(session, key, o.message.channel, error.code, error.reason, now)
                self._open_circuits.add(key)
                retry_at[key] = circuit.retry_at
                log.warning(
                    "%s refused the account (%s: %s): sending on it waits until %s",
                    key,
                    error.code,
                    error.reason,
                    circuit.retry_at.isoformat(),
                )
        moves = [
            Move(
                o.message.id,
                _S.SENDING,
                _S.QUEUED,
                code=o.error.code if o.error else None,
                reason=f"waits for the provider: {o.error.reason if o.error else 'refused'}",
            )
            for o in refused
        ]
        due = [retry_at[self._channel_key(o.message.channel)] for o in refused]
        await _give_back(session, refused, moves, due, now)

    async def _record_opt_outs(
        self, session: AsyncSession, failed: Sequence[Outcome], now: datetime
    ) -> None:
        """A provider that refused because the person opted out with it (Twilio's 21610: a
        STOP sent to our number): the person is opted out here too, and the address
        suppressed, so no campaign tries again."""
        for o in failed:
            error = o.error
            if isinstance(error, PermanentSendError) and error.opted_out:
                await opt_out_address(
                    session,
                    self._address_keys,
                    o.message.channel,
                    o.message.address,
                    f"opted out at the provider ({error.code})",
                    now,
                )

    def _retry_delay(self, outcome: Outcome) -> timedelta:
        """The wait the provider asked for (Retry-After), up to a day (a provider's answer
        never parks a message for days); else the back-off."""
        asked = _asked_wait(outcome)
        if asked is None:
            return self._retry.delay(outcome.message.attempts + 1)
        return min(asked, timedelta(seconds=self._retry.longest_provider_wait))

    def _will_retry(self, outcome: Outcome) -> bool:
        """Retryable, with attempts left; a provider that asked us to wait (a 429: it took
        nothing) is always obeyed and the attempt is not counted."""
        return isinstance(outcome.error, RetryableSendError) and (
            _asked_wait(outcome) is not None
            or outcome.message.attempts + 1 < self._retry.max_attempts
        )

    def _attempts_after(self, outcome: Outcome) -> int:
        counted = _asked_wait(outcome) is None
        return outcome.message.attempts + 1 if counted else outcome.message.attempts

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


def _asked_wait(outcome: Outcome) -> timedelta | None:
    error = outcome.error
    return error.retry_after if isinstance(error, RetryableSendError) else None


def _for_account(error: SendError) -> bool:
    return isinstance(error, ProviderUnavailable)


def _window_closed(content: CampaignContent, now: datetime) -> bool:
    ends = content.campaign.draft.window_ends_at
    return ends is not None and now >= ends


def _over_cap(content: CampaignContent, ready: Ready) -> str | None:
    """Why an SMS is longer than its campaign allows, or None."""
    cap = content.campaign.draft.sms_segment_cap
    segments = ready.segments
    if segments is None or cap is None or segments <= cap:
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
            sent_at=[o.at for o, _ in pending],
            lease_owner=[None] * len(pending),
            final_at=[now if is_final(_S.SENT, o.message.channel) else None for o, _ in pending],
        )
        moved = {m.message_id for m in applied}
        pending = [(o, a) for o, a in pending if o.message.id not in moved]
    await record_acceptance(session, [(o.message.id, a.provider_id, o.at) for o, a in pending])


@dataclass(frozen=True, slots=True)
class _Allowed:
    go: list[Ready]
    later: list[tuple[int, datetime]]


@dataclass(frozen=True, slots=True)
class _Paced:
    go_at: dict[int, datetime]
    later: list[tuple[int, datetime]]


class OutcomeWriter:
    """Outcomes written in batches: whatever arrived while the last batch was being written
    goes in the next transaction. A write that fails is tried again, never dropped (until the
    lease runs out the messages stay ``sending``; the sweep would then call them ``unknown``)."""

    def __init__(self, write: Callable[[Sequence[Outcome]], Awaitable[None]], clock: Clock):
        self._write = write
        self._clock = clock
        self._pending: list[Outcome] = []
        self._task: asyncio.Task[None] | None = None

    def add(self, outcome: Outcome) -> None:
        self._pending.append(outcome)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        wait = 0.5
        while self._pending:
            await asyncio.sleep(0)  # let the outcomes finishing now join this batch
            batch, self._pending = self._pending[:_WRITE_BATCH], self._pending[_WRITE_BATCH:]
            try:
                await self._write(batch)
                wait = 0.5
            except Exception:
                log.exception("recording %d outcomes failed; again in %.1f s", len(batch), wait)
                self._pending[:0] = batch
                await self._clock.sleep(wait)
                wait = min(wait * 2, 10.0)

    async def close(self) -> None:
        while self._task is not None and not self._task.done():
            await self._task


_WRITE_BATCH = 1000
# How late a hand-over may be: with the rates' burst of 0.1 s, a rate then stays within 2% of
# itself over any ten seconds.
LATE_LIMIT = 0.1
LEAD = 0.1
_LATE_REMEMBERED = 100_000
_SWEEP_EVERY = timedelta(seconds=5)
_AFTER_PROBE = timedelta(seconds=2)


async def _requeue_late(session: AsyncSession, late: Sequence[Outcome], now: datetime) -> None:
    """Messages whose moment passed before they were handed over: back to the queue within
    half a second (the provider never saw them). The spread keeps one message from taking the
    first, likeliest-late moment of every batch for ever."""
    reason = "its moment under the rate passed while the worker was busy; queued again"
    moves = [Move(o.message.id, _S.SENDING, _S.QUEUED, reason=reason) for o in late]
    spread = [now + timedelta(seconds=random.uniform(0, 0.5)) for _ in moves]
    if await _give_back(session, late, moves, spread, now):
        log.info("%d messages were late for their moment and went back to the queue", len(moves))


async def _give_back(
    session: AsyncSession,
    outcomes: Sequence[Outcome],
    moves: Sequence[Move],
    due: Sequence[datetime],
    now: datetime,
) -> bool:
    """``sending`` messages the provider never took for their own sake, back to the queue by
    ``moves``, due at ``due``: the attempt not counted, the cost refunded, nothing leased."""
    if not moves:
        return False
    await _refund(session, [o.message.id for o in outcomes])
    await move_each(
        session,
        moves,
        now,
        next_attempt_at=list(due),
        attempts=[o.message.attempts for o in outcomes],
        lease_owner=[None] * len(moves),
        lease_until=[None] * len(moves),
        segments=[None] * len(moves),
        cost=[None] * len(moves),
    )
    return True


async def _refund(session: AsyncSession, message_ids: list[int]) -> None:
    """Take what these messages were to cost off their campaigns' spend."""
    rows = await session.execute(
        select(messages.c.campaign_id, func.sum(messages.c.cost))
        .where(messages.c.id.in_(message_ids), messages.c.state == _S.SENDING.value)
        .group_by(messages.c.campaign_id)
    )
    await charge(session, {int(c): -float(total) for c, total in rows if total})
