"""Periodic sweeps that settle messages nobody will report on.

- ``sending`` past its lease: the worker stopped mid-call, so the provider may have the
  message: it becomes ``unknown`` (never re-sent on its own).
- SMS ``sent`` for 72 hours without a final receipt: ``expired``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from campaign.delivery.moves import move_many
from campaign.delivery.states import MessageState
from campaign.kernel.clock import Clock
from campaign.store.engine import Database
from campaign.store.tables import messages

SMS_RECEIPT_WINDOW = timedelta(hours=72)
_BATCH = 5000


async def settle_abandoned_sends(database: Database, clock: Clock) -> int:
    """Turn ``sending`` messages whose lease ran out into ``unknown``."""
    now = clock.now()
    async with database.transaction() as session:
        ids = (
            await session.execute(
                select(messages.c.id)
                .where(messages.c.state == MessageState.SENDING.value, messages.c.lease_until < now)
                .limit(_BATCH)
            )
        ).scalars()
        moved = await move_many(
            session,
            list(ids),
            [MessageState.SENDING],
            MessageState.UNKNOWN,
            now,
            reason="the worker stopped during the provider call: it may or may not have been sent",
            values={"reason": "the worker stopped during the provider call", "lease_owner": None},
        )
    return len(moved)


async def expire_silent_sms(database: Database, clock: Clock) -> int:
    """Turn SMS still ``sent`` after 72 hours into ``expired``."""
    now = clock.now()
    async with database.transaction() as session:
        ids = (
            await session.execute(
                select(messages.c.id)
                .where(
                    messages.c.state == MessageState.SENT.value,
                    messages.c.channel == "sms",
                    messages.c.sent_at < now - SMS_RECEIPT_WINDOW,
                )
                .limit(_BATCH)
            )
        ).scalars()
        moved = await move_many(
            session,
            list(ids),
            [MessageState.SENT],
            MessageState.EXPIRED,
            now,
            reason="no delivery receipt within 72 hours",
            values={"reason": "no delivery receipt within 72 hours", "final_at": now},
        )
    return len(moved)
