"""The moment a message leaves for a provider that cannot be asked about it afterwards.

A message is committed ``sending`` when its batch is dispatched, ahead of its paced moment,
and may then wait in the worker for its rates and for a connection. If the worker dies, its
``sending`` messages are settled by the sweep when their lease runs out. For Twilio, a
look-up then asks whether it got each one. An SMTP relay cannot be asked: without more, every
one would be ``unknown`` (in a trial, 946 after a worker was killed, of which 922 had never
reached the relay) and wait for staff.

So for such a provider the worker records the hand-over itself, committed just before the
call (many marks per commit), and keeps at most ``limit`` messages marked and not yet answered
per channel (ten times the relay's connections, set by the composition root: marks commit
in groups of about that many, and a smaller group makes every mail wait on a small commit).
The sweep sends back to the queue a ``sending`` message that was never marked (it never
left), and only a marked one becomes ``unknown``. Any move back to the queue clears the mark
(``delivery.moves``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager

from sqlalchemy import update

from campaign.delivery.states import MessageState
from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock
from campaign.kernel.group_commit import GroupCommit
from campaign.store.engine import Database
from campaign.store.tables import messages

_BATCH = 1000


class HandOvers:
    def __init__(self, database: Database, clock: Clock, limits: Mapping[Channel, int]) -> None:
        self._database = database
        self._clock = clock
        self._slots = {channel: asyncio.Semaphore(n) for channel, n in limits.items()}
        self._marks = GroupCommit(self._write, batch=_BATCH)

    @property
    def channels(self) -> frozenset[Channel]:
        """The channels whose hand-overs are recorded."""
        return frozenset(self._slots)

    @asynccontextmanager
    async def handing_over(self, message_id: int, channel: Channel) -> AsyncIterator[None]:
        """Within: the message may be handed to its provider (its hand-over is committed, if
        its channel records them). Raises what the database raises: then it must not go."""
        slot = self._slots.get(channel)
        if slot is None:
            yield
            return
        async with slot:
            await self._marks.submit(message_id)
            yield

    async def _write(self, ids: Sequence[int]) -> list[None]:
        async with self._database.transaction() as session:
            await session.execute(
                update(messages)
                .where(messages.c.id.in_(ids), messages.c.state == MessageState.SENDING.value)
                .values(handed_over_at=self._clock.now())
            )
        return [None] * len(ids)
