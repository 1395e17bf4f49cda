"""What comes back to our return path: bounces fail their message, complaints opt out.

A mail arrives at the bounce receiver (``campaign mail-in``, SMTP) or is posted by a relay
(``POST /webhooks/email/bounce``). It is read into notices (``channels.smtp.notices``), and
each notice is matched to the message it is about: by the signed VERP return path it came
to, else by the signed ``Message-ID`` of our mail it quotes (``channels.smtp.marks``). When
the notice names a recipient, it must be the message's address: a bounce from a mailbox the
person forwards to is not about the address we hold.

- a hard bounce fails the message for good (even after ``sent``: an email's ``sent`` is final
  only until a bounce comes) and puts the address on the email suppression list, with the
  server's code and words as the reason;
- a soft bounce is ``failed_temporary``;
- a complaint (a feedback report) opts the person out of email, as the unsubscribe link does;
- an auto-reply, a delay warning, a success notice change nothing.

Every notice is kept in ``mail_notices`` with what it did; one that matched no message also
keeps its bytes, for staff. A duplicate or late notice changes nothing (ranked moves,
suppression and opt-out that are already there). Notices arriving together are applied in one
transaction (group commit); the receiver answers only once they are committed, so a relay
whose notice could not be kept sends it again.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.addresses import AddressKeys
from audiences.contacts.optout import mark_opted_out, suppress, suppress_many
from campaign.channels import DeliveryReport
from campaign.channels.smtp.marks import MailMarks
from campaign.channels.smtp.notices import Notice, NoticeKind, read_notices
from campaign.delivery.states import MessageState
from campaign.events.outbox import emit
from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock
from campaign.kernel.errors import Forbidden, NotFound
from campaign.kernel.group_commit import GroupCommit
from campaign.store.engine import Database
from campaign.store.tables import mail_notices, messages
from campaign.tracking.receipts import apply_reports

log = logging.getLogger(__name__)

APPLIED = "applied"
NO_CHANGE = "no change"
UNKNOWN_MESSAGE = "unknown message"
OTHER_RECIPIENT = "other recipient"
NOT_A_BOUNCE = "not a bounce"
UNREADABLE = "unreadable"
_KEEP_RAW = {UNKNOWN_MESSAGE, UNREADABLE}

_BATCH = 500
_RAW_LIMIT = 256 * 1024  # what is kept of a notice nobody could match

_FAILS = {
    NoticeKind.HARD_BOUNCE: MessageState.FAILED_PERMANENT,
    NoticeKind.SOFT_BOUNCE: MessageState.FAILED_TEMPORARY,
}


@dataclass(frozen=True, slots=True)
class NoticeOutcome:
    """What one notice did."""

    kind: NoticeKind
    message_id: int | None
    outcome: str


@dataclass(frozen=True, slots=True)
class _Matched:
    notice: Notice
    message_id: int | None
    via: str
    raw: bytes


@dataclass(frozen=True, slots=True)
class _Target:
    """The message a notice named, as the database holds it."""

    channel: str
    address: str | None
    contact_id: int | None


class BounceInbox:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        marks: MailMarks,
        keys: AddressKeys,
        *,
        http_secret: str | None = None,
    ) -> None:
        self._http_secret = http_secret
        self._database = database
        self._clock = clock
        self._marks = marks
        self._keys = keys
        self._batches = GroupCommit(self._apply, batch=_BATCH)

    def check_secret(self, given: str) -> None:
        """That a relay posting over HTTP presented ``CAMPAIGN_BOUNCE_SECRET``."""
        if self._http_secret is None:
            raise NotFound("bounces over HTTP are off: set CAMPAIGN_BOUNCE_SECRET to take them")
        if not hmac.compare_digest(given.encode(), self._http_secret.encode()):
            raise Forbidden("the bounce secret is missing or wrong")

    async def receive(
        self, data: bytes, *, envelope_to: Sequence[str] = (), via: str
    ) -> list[NoticeOutcome]:
        """Read one incoming mail and apply what it says; return once it is committed."""
        outcomes = []
        for notice in read_notices(data):
            matched = _Matched(notice, self._match(notice, envelope_to), via, data)
            outcomes.append(await self._batches.submit(matched))
        return outcomes

    def _match(self, notice: Notice, envelope_to: Sequence[str]) -> int | None:
        for address in (*envelope_to, *notice.addresses):
            found = self._marks.read_return_path(address)
            if found is not None:
                return found
        for message_id in notice.message_ids:
            found = self._marks.read_message_id(message_id)
            if found is not None:
                return found
        return None

    async def unmatched(self) -> int:
        """How many notices matched no message: for staff to look at."""
        async with self._database.read_session() as session:
            count = await session.scalar(
                select(func.count()).where(mail_notices.c.outcome == UNKNOWN_MESSAGE)
            )
        return int(count or 0)

    async def forget_older_than(self, before: datetime) -> int:
        """Drop notices kept before ``before`` (the retention period: they name addresses);
        those that matched no message stay until staff have seen them."""
        async with self._database.transaction() as session:
            result = await session.execute(
                delete(mail_notices).where(
                    mail_notices.c.received_at < before,
                    mail_notices.c.outcome != UNKNOWN_MESSAGE,
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def _apply(self, batch: Sequence[_Matched]) -> list[NoticeOutcome]:
        now = self._clock.now()
        async with self._database.transaction() as session:
            targets = await _targets(session, {m.message_id for m in batch})
            outcomes = [_first_look(m, targets) for m in batch]
            open_ = [i for i, outcome in enumerate(outcomes) if outcome is None]
            failing = [i for i in open_ if batch[i].notice.kind in _FAILS]
            moved = await apply_reports(session, [_report(batch[i]) for i in failing], now)
            changed = dict(zip(failing, moved, strict=True))
            suppressed = await self._suppress_hard_bounces(
                session, [(batch[i], targets[batch[i].message_id or 0]) for i in open_], now
            )
            for index in open_:
                matched = batch[index]
                target = targets[matched.message_id or 0]
                acted = target.address in suppressed
                suppressed.discard(target.address)  # a duplicate in the batch did nothing more
                if matched.notice.kind is NoticeKind.COMPLAINT:
                    acted = await self._opt_out(session, target, now)
                outcomes[index] = APPLIED if acted or changed.get(index) else NO_CHANGE
            final = [o or NO_CHANGE for o in outcomes]
            await session.execute(
                insert(mail_notices),
                [_row(m, outcome, now) for m, outcome in zip(batch, final, strict=True)],
            )
        return [
            NoticeOutcome(m.notice.kind, m.message_id, outcome)
            for m, outcome in zip(batch, final, strict=True)
        ]

    async def _suppress_hard_bounces(
        self, session: AsyncSession, matched: Sequence[tuple[_Matched, _Target]], now: datetime
    ) -> set[str | None]:
        """Put the addresses of hard bounces on the email suppression list, in one statement;
        return those newly put there (an erased message has none left to act on)."""
        reasons = {
            target.address: _suppression_reason(m.notice)
            for m, target in matched
            if m.notice.kind is NoticeKind.HARD_BOUNCE and target.address is not None
        }
        added = await suppress_many(session, self._keys, Channel.EMAIL, reasons, now)
        return set(added)

    async def _opt_out(self, session: AsyncSession, target: _Target, now: datetime) -> bool:
        """Opt out the person who complained, as the unsubscribe link does."""
        if target.address is None:  # erased since: nothing personal left to act on
            return False
        changed = await suppress(
            session, self._keys, Channel.EMAIL, target.address, "complaint", now
        )
        if target.contact_id is not None:
            marked = await mark_opted_out(session, target.contact_id, Channel.EMAIL, now)
            changed = changed or marked
        if changed:
            payload = {
                "contact_id": target.contact_id,
                "channel": Channel.EMAIL.value,
                "source": "complaint",
            }
            await emit(session, "contact.opted_out", payload, now)
        return changed


def _suppression_reason(notice: Notice) -> str:
    return f"hard bounce {notice.status or ''}: {notice.diagnostic or ''}".strip()


def _first_look(matched: _Matched, targets: dict[int, _Target]) -> str | None:
    """The outcome when it is clear before anything is applied; None when it must be tried."""
    notice = matched.notice
    if notice.kind is NoticeKind.UNREADABLE:
        return UNREADABLE if matched.message_id is not None else UNKNOWN_MESSAGE
    if notice.kind in (NoticeKind.AUTO_REPLY, NoticeKind.DELAYED, NoticeKind.DELIVERED):
        return NOT_A_BOUNCE
    target = targets.get(matched.message_id or 0)
    if target is None or target.channel != Channel.EMAIL.value:
        return UNKNOWN_MESSAGE
    if notice.recipient and target.address and notice.recipient != target.address.lower():
        return OTHER_RECIPIENT
    return None


def _report(matched: _Matched) -> DeliveryReport:
    notice = matched.notice
    assert matched.message_id is not None
    words = notice.diagnostic or "no reason given"
    return DeliveryReport(
        message_id=matched.message_id,
        provider_id=None,
        state=_FAILS[notice.kind],
        provider_status=notice.kind.value,
        code=(notice.status or "")[:32] or None,
        reason=f"{notice.kind.value}: {words}"[:500],
    )


def _row(matched: _Matched, outcome: str, now: datetime) -> dict[str, object]:
    notice = matched.notice
    return {
        "received_at": now,
        "via": matched.via,
        "kind": notice.kind.value,
        "message_id": matched.message_id,
        "recipient": (notice.recipient or "")[:320] or None,
        "status": (notice.status or "")[:16] or None,
        "diagnostic": notice.diagnostic,
        "outcome": outcome,
        "raw": matched.raw[:_RAW_LIMIT] if outcome in _KEEP_RAW else None,
    }


async def _targets(session: AsyncSession, ids: set[int | None]) -> dict[int, _Target]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = await session.execute(
        select(messages.c.id, messages.c.channel, messages.c.address, messages.c.contact_id).where(
            messages.c.id.in_(wanted)
        )
    )
    return {
        int(r.id): _Target(r.channel, r.address, r.contact_id and int(r.contact_id)) for r in rows
    }
