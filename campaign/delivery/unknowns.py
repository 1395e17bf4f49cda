"""Messages in ``unknown``: the provider may or may not have them (a worker stopped or timed out
during the call), so nothing resends them on its own. Staff resend them (back to ``queued``, a
move of the transition table) or settle them (who and when, the state stays ``unknown``: a late
receipt still moves it). A campaign is held open by an unknown message until it is settled or
has been unknown for the settle time (decision 0020).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update

from campaign.delivery.moves import Db, move_many
from campaign.delivery.states import MessageState, open_states
from campaign.kernel.channel import Channel
from campaign.store.results import affected
from campaign.store.tables import messages

_UNKNOWN = MessageState.UNKNOWN
# Ids per statement: well under SQLite's and asyncpg's limits on bound parameters.
_CHUNK = 1000


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def _unknown_of(campaign_id: int) -> ColumnElement[bool]:
    return and_(messages.c.campaign_id == campaign_id, messages.c.state == _UNKNOWN.value)


async def resendable_ids(
    db: Db, campaign_id: int, message_ids: Collection[int] | None
) -> list[int]:
    """The campaign's unknown messages among ``message_ids``; with None, every unknown one not
    settled yet."""
    if message_ids is None:
        query = select(messages.c.id).where(
            _unknown_of(campaign_id), messages.c.settled_at.is_(None)
        )
        return sorted(int(i) for i in (await db.execute(query)).scalars())
    found: list[int] = []
    for chunk in _chunks(sorted(set(message_ids))):
        query = select(messages.c.id).where(_unknown_of(campaign_id), messages.c.id.in_(chunk))
        found += [int(i) for i in (await db.execute(query)).scalars()]
    return sorted(found)


async def resend(db: Db, ids: Sequence[int], actor_label: str, now: datetime) -> int:
    """Queue the listed unknown messages again, due now, with their attempts kept and no longer
    settled; each move is a delivery event "resent by …". Returns how many moved."""
    reason = f"resent by {actor_label}"
    values = {
        "next_attempt_at": now,
        "lease_owner": None,
        "lease_until": None,
        "settled_at": None,
        "settled_by": None,
        "reason": reason,
    }
    moved = 0
    for chunk in _chunks(ids):
        moves = await move_many(
            db, chunk, [_UNKNOWN], MessageState.QUEUED, now, reason=reason, values=values
        )
        moved += len(moves)
    return moved


async def settle(
    db: Db, campaign_id: int, message_ids: Collection[int] | None, actor_label: str, now: datetime
) -> int:
    """Record who settled the campaign's unknown, not yet settled messages among
    ``message_ids`` (all of them with None), and when. ``updated_at`` is left alone: it still
    says since when the message is unknown. Returns how many were settled."""
    statement = (
        update(messages)
        .where(_unknown_of(campaign_id), messages.c.settled_at.is_(None))
        .values(settled_at=now, settled_by=actor_label)
    )
    if message_ids is None:
        return affected(await db.execute(statement))
    settled = 0
    for chunk in _chunks(sorted(set(message_ids))):
        settled += affected(await db.execute(statement.where(messages.c.id.in_(chunk))))
    return settled


def holds_campaign_open(now: datetime, settle_after: timedelta) -> ColumnElement[bool]:
    """Messages their campaign still waits for: not final, or unknown, not settled and unknown
    for less than ``settle_after`` (measured from ``updated_at``, when it became unknown)."""
    waiting = or_(
        *(
            and_(
                messages.c.channel == channel.value,
                messages.c.state.in_(sorted(s.value for s in open_states(channel) - {_UNKNOWN})),
            )
            for channel in Channel
        )
    )
    unsettled = and_(
        messages.c.state == _UNKNOWN.value,
        messages.c.settled_at.is_(None),
        messages.c.updated_at > now - settle_after,
    )
    return or_(waiting, unsettled)


@dataclass(frozen=True, slots=True)
class UnknownTally:
    """A campaign's unknown messages: settled by staff, and the others (past the settle time
    once the campaign completes)."""

    settled: int
    unsettled: int

    @property
    def total(self) -> int:
        return self.settled + self.unsettled


async def unknown_tally(db: Db, campaign_id: int) -> UnknownTally:
    """How many of the campaign's messages are unknown, settled or not."""
    settled = func.count(messages.c.settled_at)
    row = (
        await db.execute(
            select(func.count().label("total"), settled.label("settled")).where(
                _unknown_of(campaign_id)
            )
        )
    ).one()
    return UnknownTally(settled=int(row.settled), unsettled=int(row.total) - int(row.settled))
