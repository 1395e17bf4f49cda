"""Campaign statistics in the contract's shape: totals by status, channel and language, and
what the results per person add up to (decision 0027): why messages did not reach people, who
the runs left out, what was spent, when the campaign started and completed.

Three queries whatever the campaign's size: one grouped over its messages, one over its runs,
one grouped over its exclusions.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, literal, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.delivery.reasons import NOT_REACHED, reason_kind
from campaign.store.engine import Database
from campaign.store.tables import campaign_runs, messages, run_exclusions

# The key of messages not reached that carry no reason at all.
NO_REASON = "no reason given"


def _bucket() -> dict[str, Any]:
    return {"total": 0, "by_status": defaultdict(int)}


async def campaign_stats(database: Database, campaign_id: int) -> dict[str, Any]:
    """Every message counted once in each breakdown; ``fallbacks`` counts the messages that
    carry, on the other channel, one that failed for good (by their channel and state)."""
    async with database.read_session() as session:
        rows = await _message_groups(session, campaign_id)
        started_at, completed_at = await _run_times(session, campaign_id)
        excluded = await _excluded(session, campaign_id)
    total, cost = 0, 0.0
    by_status: dict[str, int] = defaultdict(int)
    by_channel: dict[str, dict[str, Any]] = defaultdict(_bucket)
    by_language: dict[str, dict[str, Any]] = defaultdict(_bucket)
    fallbacks: dict[str, dict[str, Any]] = defaultdict(_bucket)
    reasons: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for channel, language, state, is_fallback, kind, count, spent in rows:
        total += count
        cost += spent or 0.0
        if is_fallback:
            fallbacks[channel]["total"] += count
            fallbacks[channel]["by_status"][state] += count
        if kind is not None:
            reasons[state][kind or NO_REASON] += count
        by_status[state] += count
        for bucket in (by_channel[channel], by_language[language]):
            bucket["total"] += count
            bucket["by_status"][state] += count
    return {
        "total": total,
        "by_status": dict(by_status),
        "by_channel": {k: _plain(v) for k, v in by_channel.items()},
        "by_language": {k: _plain(v) for k, v in by_language.items()},
        "fallbacks": {
            "total": sum(b["total"] for b in fallbacks.values()),
            "by_channel": {k: _plain(v) for k, v in fallbacks.items()},
        },
        "reasons": {state: dict(kinds) for state, kinds in reasons.items()},
        "excluded": {"total": sum(excluded.values()), "by_reason": excluded},
        "cost": round(cost, 6),
        "started_at": started_at.isoformat() if started_at else None,
        "completed_at": completed_at.isoformat() if completed_at else None,
    }


async def _message_groups(session: AsyncSession, campaign_id: int) -> list[Any]:
    """(channel, language, state, is a fallback, reason kind, count, cost spent) groups.

    The kind is set only for messages that did not reach their person ('' when they carry no
    reason), so the other messages are not split by their reasons' words. Spent is the cost of
    the messages a provider accepted (``sent_at`` set): one refused at the hand-over, or whose
    fate is unknown, is not known to have cost anything."""
    fell_back = messages.c.fallback_of.is_not(None)
    kind = case(
        (
            messages.c.state.in_([s.value for s in NOT_REACHED]),
            func.coalesce(reason_kind(), literal("")),
        ),
        else_=null(),
    ).label("kind")
    spent = func.sum(case((messages.c.sent_at.is_not(None), messages.c.cost), else_=0.0))
    columns = (messages.c.channel, messages.c.language, messages.c.state, fell_back, kind)
    result = await session.execute(
        select(*columns, func.count(), spent)
        .where(messages.c.campaign_id == campaign_id)
        .group_by(*columns)
    )
    return list(result.all())


async def _run_times(
    session: AsyncSession, campaign_id: int
) -> tuple[datetime | None, datetime | None]:
    """When the first run started, and when the last completed once every run has."""
    row = (
        await session.execute(
            select(
                func.min(campaign_runs.c.started_at),
                func.max(campaign_runs.c.completed_at),
                func.count(),
                func.count(campaign_runs.c.completed_at),
            ).where(campaign_runs.c.campaign_id == campaign_id)
        )
    ).one()
    started, completed, runs, completed_runs = row
    return started, completed if runs and completed_runs == runs else None


async def _excluded(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(run_exclusions.c.reason, func.count())
        .where(run_exclusions.c.campaign_id == campaign_id)
        .group_by(run_exclusions.c.reason)
    )
    return {reason: int(n) for reason, n in rows}


def _plain(bucket: dict[str, Any]) -> dict[str, Any]:
    return {"total": bucket["total"], "by_status": dict(bucket["by_status"])}


class CampaignStats:
    """Statistics of a campaign's messages, for the API."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def of(self, campaign_id: int) -> dict[str, Any]:
        return await campaign_stats(self._database, campaign_id)
