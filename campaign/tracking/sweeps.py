"""Periodic sweeps that settle messages nobody will report on.

- ``sending`` past its lease: the worker stopped mid-call, so the provider may have the
  message: it becomes ``unknown`` (never re-sent on its own).
- SMS ``sent`` for 72 hours without a final receipt: ``expired``.
"""

from __future__ import annotations

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


async def settle_abandoned_sends(database: Database, clock: Clock) -> int:
    """Turn ``sending`` messages whose lease ran out into ``unknown``."""
    now = clock.now()
    return await _settle(
        database,
        now,
        MessageState.SENDING,
        MessageState.UNKNOWN,
        messages.c.lease_until < now,
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
