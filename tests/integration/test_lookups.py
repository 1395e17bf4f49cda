"""Look-ups that cannot settle a message, on SQLite and PostgreSQL: an answer that proves
nothing, or none at all, leaves the message ``unknown`` and asks again later; after the last
look-up, staff decide. (What a look-up finds at Twilio's fake: test_twilio_sms.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from sqlalchemy import select, update

from campaign.bootstrap import build
from campaign.channels import Accepted, OutboundMessage, RetryableSendError, Trace, text_digest
from campaign.kernel.channel import Channel
from campaign.kernel.clock import ManualClock
from campaign.settings import load_settings
from campaign.store.engine import Database
from campaign.store.tables import messages
from campaign.tracking.lookups import AGAIN_AFTER, MAX_LOOKUPS, Lookups
from tests.factories import TEST_SECRET, queued_messages


class _Unsure:
    """An SMS provider whose look-up (the ``MessageFinder`` port, in memory) never settles."""

    name = "sms"

    def __init__(self, *, fails: bool) -> None:
        self.asked: list[tuple[str, str]] = []
        self._fails = fails

    async def send(self, message: OutboundMessage) -> Accepted:
        raise AssertionError("nothing is sent here")

    async def close(self) -> None:
        return None

    async def find(self, to: str, digest: str, handed_over: datetime) -> Trace:
        self.asked.append((to, digest))
        if self._fails:
            raise RetryableSendError("the provider did not answer")
        return Trace()  # something else went to that number then: proves nothing


@pytest.fixture(params=[False, True], ids=["proves-nothing", "fails"])
async def unsure(
    request: pytest.FixtureRequest, database: Database, clock: ManualClock
) -> AsyncIterator[tuple[_Unsure, Lookups]]:
    """The root's look-ups, over an SMS provider whose look-ups never settle."""
    finder = _Unsure(fails=request.param)
    url = database.engine.url.render_as_string(hide_password=False)
    settings = load_settings(database_url=url, secret_key=TEST_SECRET)
    services = build(settings, clock=clock, channels={Channel.SMS: finder})
    yield finder, services.lookups
    await services.close()


async def _unknown(database: Database, clock: ManualClock, *, digest: str | None) -> int:
    [message_id] = await queued_messages(database, clock, count=1)
    async with database.transaction() as session:
        await session.execute(
            update(messages)
            .where(messages.c.id == message_id)
            .values(state="unknown", text_digest=digest, lookup_at=clock.now())
        )
    return message_id


async def _row(database: Database, message_id: int) -> tuple[str, int, datetime | None]:
    async with database.read_session() as session:
        row = (
            await session.execute(
                select(messages.c.state, messages.c.lookups, messages.c.lookup_at).where(
                    messages.c.id == message_id
                )
            )
        ).one()
    return row.state, row.lookups, row.lookup_at


async def test_a_look_up_that_proves_nothing_asks_again_then_leaves_it_to_staff(
    database: Database, clock: ManualClock, unsure: tuple[_Unsure, Lookups]
) -> None:
    finder, lookups = unsure
    message_id = await _unknown(database, clock, digest=text_digest("Dag An."))

    assert await lookups.run_once() == 1
    assert await lookups.run_once() == 0  # leased until the next look-up is due
    state, count, due = await _row(database, message_id)
    assert (state, count, due) == ("unknown", 1, clock.now() + AGAIN_AFTER)

    for _ in range(MAX_LOOKUPS - 1):
        clock.advance(AGAIN_AFTER.total_seconds())
        assert await lookups.run_once() == 1
    clock.advance(AGAIN_AFTER.total_seconds())
    assert await lookups.run_once() == 0  # given up: staff resend or settle it

    state, count, due = await _row(database, message_id)
    assert (state, count, due) == ("unknown", MAX_LOOKUPS, None)
    assert finder.asked == [("+32470000000", text_digest("Dag An."))] * MAX_LOOKUPS


async def test_a_message_with_nothing_to_match_on_is_never_claimed(
    database: Database, clock: ManualClock, unsure: tuple[_Unsure, Lookups]
) -> None:
    """Sent before digests were kept: no look-up can match it, so none is made."""
    finder, lookups = unsure
    message_id = await _unknown(database, clock, digest=None)

    assert await lookups.run_once() == 0
    assert finder.asked == []
    state, count, _ = await _row(database, message_id)
    assert (state, count) == ("unknown", 0)
