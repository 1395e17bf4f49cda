"""Claiming work: a lease on queued messages, taken by one statement.

On PostgreSQL the inner SELECT locks with ``FOR UPDATE SKIP LOCKED`` (in a materialised CTE) so
concurrent workers take disjoint rows; on SQLite the statement runs inside ``BEGIN IMMEDIATE``,
which serialises writers. Either way a claim is one ``UPDATE … WHERE state = 'queued' … RETURNING``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Update, bindparam, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.campaigns.states import CampaignState
from campaign.delivery.states import MessageState
from campaign.kernel.channel import Channel
from campaign.store.engine import Database
from campaign.store.tables import campaigns, messages


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    id: int
    campaign_id: int
    contact_id: int | None
    channel: Channel
    address: str
    language: str
    attempts: int


def claim_statement(
    worker_id: str, now: datetime, *, limit: int, lease_seconds: float, after_id: int = 0
) -> Update:
    """The one statement that leases up to ``limit`` due messages of running campaigns.

    The locking SELECT sits in a ``MATERIALIZED`` CTE on PostgreSQL, so it runs once whatever
    the plan: a generic plan made while ``messages`` was empty once turned ``id IN (SELECT …
    FOR UPDATE SKIP LOCKED)`` into a nested loop that re-ran the locking query for every queued
    row (a worker started before the first campaign hung for minutes).

    Keyset order: only ids after ``after_id`` (where the worker's last claim ended), so a claim
    on a long queue walks the primary key from there instead of sorting every queued row, and
    never through the index entries that earlier claims left dead behind them.
    """
    running = select(campaigns.c.id).where(campaigns.c.state == CampaignState.RUNNING.value)
    due = (
        select(messages.c.id)
        .where(
            messages.c.state == MessageState.QUEUED.value,
            messages.c.next_attempt_at <= now,
            or_(messages.c.lease_until.is_(None), messages.c.lease_until < now),
            messages.c.campaign_id.in_(running.scalar_subquery()),
            messages.c.id > after_id,
        )
        .order_by(messages.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=messages)
        .cte("due")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    return (
        update(messages)
        .where(messages.c.id.in_(select(due.c.id)), messages.c.state == MessageState.QUEUED.value)
        .values(lease_owner=worker_id, lease_until=now + timedelta(seconds=lease_seconds))
        .returning(
            messages.c.id,
            messages.c.campaign_id,
            messages.c.contact_id,
            messages.c.channel,
            messages.c.address,
            messages.c.language,
            messages.c.attempts,
        )
    )


async def claim_due_messages(
    database: Database,
    worker_id: str,
    now: datetime,
    *,
    limit: int,
    lease_seconds: float,
    after_id: int = 0,
) -> list[ClaimedMessage]:
    """Lease up to ``limit`` due messages of running campaigns, with ids after ``after_id``,
    to ``worker_id``."""
    claim = claim_statement(
        worker_id, now, limit=limit, lease_seconds=lease_seconds, after_id=after_id
    )
    async with database.transaction() as session:
        if database.dialect == "postgresql":
            # Plan each claim for the queue as it is now: a plan cached while `messages` was
            # nearly empty would scan every queued row to find the claimed ones.
            await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        rows = (await session.execute(claim)).all()
    return sorted(
        (
            ClaimedMessage(
                r.id,
                r.campaign_id,
                r.contact_id,
                Channel(r.channel),
                r.address,
                r.language,
                r.attempts,
            )
            for r in rows
        ),
        key=lambda m: m.id,
    )


async def release_each(
    session: AsyncSession, not_before: Sequence[tuple[int, datetime]], worker_id: str
) -> None:
    """Give back leased messages untouched, each to be claimed again from its own time."""
    if not not_before:
        return
    statement = (
        update(messages)
        .where(
            messages.c.id == bindparam("m_id"),
            messages.c.lease_owner == worker_id,
            messages.c.state == MessageState.QUEUED.value,
        )
        .values(lease_owner=None, lease_until=None, next_attempt_at=bindparam("m_at"))
    )
    await session.execute(statement, [{"m_id": i, "m_at": at} for i, at in not_before])
