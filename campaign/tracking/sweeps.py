"""Periodic sweeps that settle messages nobody will report on.

- ``sending`` past its lease: the worker stopped mid-call, so the provider may have the
  message: it becomes ``unknown`` (never re-sent on its own); unless its channel records
  hand-overs and it was never handed over: then it goes back to the queue.
- SMS ``sent`` for 72 hours without a final receipt: ``expired``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, select

from campaign.delivery.moves import move_many
from campaign.delivery.states import MessageState
from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock
from campaign.store.engine import Database
from campaign.store.tables import messages

SMS_RECEIPT_WINDOW = timedelta(hours=72)
_BATCH = 5000


async def settle_abandoned_sends(
    database: Database, clock: Clock, recorded: Collection[Channel] = ()
) -> int:
    """Settle ``sending`` messages whose lease ran out: on a channel whose hand-overs are
    ``recorded``, one never handed over goes back to the queue (it never left); every other
    one becomes ``unknown``."""
    now = clock.now()
    expired = messages.c.lease_until < now
    never_left = and_(
        messages.c.channel.in_([c.value for c in recorded]), messages.c.handed_over_at.is_(None)
    )
    requeued = 0
    if recorded:
        requeued = await _settle(
            database,
            now,
            MessageState.SENDING,
            MessageState.QUEUED,
            and_(expired, never_left),
            reason="the worker stopped before handing it over: it goes again",
            values={
                "reason": "the worker stopped before handing it over",
                "lease_owner": None,
                "lease_until": None,
                "next_attempt_at": now,
            },
        )
    return requeued + await _settle(
        database,
        now,
        MessageState.SENDING,
        MessageState.UNKNOWN,
        and_(expired, ~never_left) if recorded else expired,
        reason="the worker stopped during the provider call: it may or may not have been sent",
        values={
            "reason": "the worker stopped during the provider call",
            "lease_owner": None,
            "lookup_at": now,  # its provider may be asked at once: the call is long over
        },
    )


async def expire_silent_sms(database: Database, clock: Clock) -> int:
    """Turn SMS still ``sent`` after 72 hours into ``expired``."""
    now = clock.now()
    return await _settle(
        database,
        now,
        MessageState.SENT,
        MessageState.EXPIRED,
        and_(
            messages.c.channel == Channel.SMS.value, messages.c.sent_at < now - SMS_RECEIPT_WINDOW
        ),
        reason="no delivery receipt within 72 hours",
        values={"reason": "no delivery receipt within 72 hours", "final_at": now},
    )


async def _settle(
    database: Database,
    now: datetime,
    from_state: MessageState,
    to_state: MessageState,
    condition: ColumnElement[bool],
    *,
    reason: str,
    values: dict[str, Any],
) -> int:
    """Move up to one batch of ``from_state`` messages matching ``condition`` to ``to_state``."""
    async with database.transaction() as session:
        ids = (
            await session.execute(
                select(messages.c.id)
                .where(messages.c.state == from_state.value, condition)
                .limit(_BATCH)
            )
        ).scalars()
        moved = await move_many(
            session, list(ids), [from_state], to_state, now, reason=reason, values=values
        )
    return len(moved)
