"""The outbox: writing events with the change, and a polling dispatcher that hands them out.

Every handler receives each event at least once and must be idempotent: a crash between a
handler's work and the event being marked processed delivers the event again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from campaign.kernel.clock import Clock
from campaign.store.engine import Database
from campaign.store.tables import outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    topic: str
    payload: Mapping[str, Any]
    created_at: datetime


Handler = Callable[[Event], Awaitable[None]]


def event_row(topic: str, payload: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "topic": topic,
        "payload": dict(payload),
        "created_at": now,
        "available_at": now,
        "attempts": 0,
    }


async def emit(
    db: AsyncSession | AsyncConnection, topic: str, payload: Mapping[str, Any], now: datetime
) -> None:
    """Record one event in the caller's transaction."""
    await db.execute(insert(outbox).values(**event_row(topic, payload, now)))


async def emit_many(db: AsyncSession | AsyncConnection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Record many events (rows from ``event_row``) in the caller's transaction."""
    if rows:
        await db.execute(insert(outbox), [dict(r) for r in rows])


class OutboxDispatcher:
    """Leases due events, runs the handlers for their topic, and marks them processed."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        handlers: Mapping[str, Sequence[Handler]],
        *,
        batch_size: int = 200,
        lease_seconds: float = 60,
        max_attempts: int = 10,
    ) -> None:
        self._database = database
        self._clock = clock
        self._handlers = handlers
        self._batch_size = batch_size
        self._lease = timedelta(seconds=lease_seconds)
        self._max_attempts = max_attempts

    async def dispatch_once(self) -> int:
        """Process one batch of due events; return how many were handled."""
        events = await self._lease_batch()
        done: list[int] = []
        for event in events:
            if await self._handle(event):
                done.append(event.id)
        if done:
            async with self._database.transaction() as session:
                await session.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(done))
                    .values(processed_at=self._clock.now(), lease_until=None)
                )
        return len(events)

    async def _lease_batch(self) -> list[Event]:
        now = self._clock.now()
        due = (
            select(outbox.c.id)
            .where(
                outbox.c.processed_at.is_(None),
                outbox.c.available_at <= now,
                outbox.c.attempts < self._max_attempts,
                or_(outbox.c.lease_until.is_(None), outbox.c.lease_until < now),
            )
            .order_by(outbox.c.id)
            .limit(self._batch_size)
            .with_for_update(skip_locked=True)
        )
        claim = (
            update(outbox)
            .where(and_(outbox.c.id.in_(due.scalar_subquery())))
            .values(lease_until=now + self._lease, attempts=outbox.c.attempts + 1)
            .returning(outbox.c.id, outbox.c.topic, outbox.c.payload, outbox.c.created_at)
        )
        async with self._database.transaction() as session:
            rows = (await session.execute(claim)).all()
        return sorted((Event(r.id, r.topic, r.payload, r.created_at) for r in rows), key=_id)

    async def _handle(self, event: Event) -> bool:
        try:
            for handler in self._handlers.get(event.topic, ()):
                await handler(event)
        except Exception as exc:  # a handler's failure must not stop the others' events
            log.warning("event %s (%s) failed, will retry: %s", event.id, event.topic, exc)
            async with self._database.transaction() as session:
                await session.execute(
                    update(outbox)
                    .where(outbox.c.id == event.id)
                    .values(
                        last_error=str(exc)[:2000],
                        lease_until=None,
                        available_at=self._clock.now() + timedelta(seconds=30),
                    )
                )
            return False
        return True


def _id(event: Event) -> int:
    return event.id
