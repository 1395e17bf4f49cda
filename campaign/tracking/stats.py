"""Campaign statistics in the contract's shape: totals by status, channel and language, and
what the results per person add up to (decision 0027): why messages did not reach people, who
the runs left out, what was spent, when the campaign started and completed.

Three queries whatever the campaigns' sizes and however many campaigns a list shows (decision
0034): one grouped over their messages, one over their runs, one grouped over their exclusions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
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


class _Tally:
    """One campaign's stats, added up from its rows of the three queries."""

    def __init__(self) -> None:
        self.total, self.cost = 0, 0.0
        self.by_status: dict[str, int] = defaultdict(int)
        self.by_channel: dict[str, dict[str, Any]] = defaultdict(_bucket)
        self.by_language: dict[str, dict[str, Any]] = defaultdict(_bucket)
        self.fallbacks: dict[str, dict[str, Any]] = defaultdict(_bucket)
        self.reasons: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.excluded: dict[str, int] = {}
        self.started_at: datetime | None = None
        self.completed_at: datetime | None = None

    def add_messages(
        self,
        channel: str,
        language: str,
        state: str,
        is_fallback: bool,
        kind: str | None,
        count: int,
        spent: float | None,
    ) -> None:
        self.total += count
        self.cost += spent or 0.0
        if is_fallback:
            self.fallbacks[channel]["total"] += count
            self.fallbacks[channel]["by_status"][state] += count
        if kind is not None:
            self.reasons[state][kind or NO_REASON] += count
        self.by_status[state] += count
        for bucket in (self.by_channel[channel], self.by_language[language]):
            bucket["total"] += count
            bucket["by_status"][state] += count

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_status": dict(self.by_status),
            "by_channel": {k: _plain(v) for k, v in self.by_channel.items()},
            "by_language": {k: _plain(v) for k, v in self.by_language.items()},
            "fallbacks": {
                "total": sum(b["total"] for b in self.fallbacks.values()),
                "by_channel": {k: _plain(v) for k, v in self.fallbacks.items()},
            },
            "reasons": {state: dict(kinds) for state, kinds in self.reasons.items()},
            "excluded": {"total": sum(self.excluded.values()), "by_reason": self.excluded},
            "cost": round(self.cost, 6),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "completed_at": self.completed_at.isoformat() if self.completed_at else None,
        }


async def campaign_stats(database: Database, campaign_id: int) -> dict[str, Any]:
    """Every message counted once in each breakdown; ``fallbacks`` counts the messages that
    carry, on the other channel, one that failed for good (by their channel and state)."""
    return (await campaigns_stats(database, [campaign_id]))[campaign_id]


async def campaigns_stats(
    database: Database, campaign_ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """``campaign_stats`` of each campaign, by id, in the same three queries however many."""
    tallies = {campaign_id: _Tally() for campaign_id in campaign_ids}
    if not tallies:
        return {}
    ids = list(tallies)
    async with database.read_session() as session:
        for campaign_id, *group in await _message_groups(session, ids):
            tallies[int(campaign_id)].add_messages(*group)
        for campaign_id, started, completed in await _run_times(session, ids):
            tallies[campaign_id].started_at = started
            tallies[campaign_id].completed_at = completed
        for campaign_id, reason, count in await _excluded(session, ids):
            tallies[int(campaign_id)].excluded[reason] = int(count)
    return {campaign_id: tally.as_json() for campaign_id, tally in tallies.items()}


async def _message_groups(session: AsyncSession, campaign_ids: list[int]) -> list[Any]:
    """(campaign, channel, language, state, is a fallback, reason kind, count, cost spent)
    groups.

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
    columns = (
        messages.c.campaign_id,
        messages.c.channel,
        messages.c.language,
        messages.c.state,
        fell_back,
        kind,
    )
    result = await session.execute(
        select(*columns, func.count(), spent)
        .where(messages.c.campaign_id.in_(campaign_ids))
        .group_by(*columns)
    )
    return list(result.all())


async def _run_times(
    session: AsyncSession, campaign_ids: list[int]
) -> list[tuple[int, datetime | None, datetime | None]]:
    """(campaign, when its first run started, when its last completed once every run has),
    for the campaigns that have runs."""
    rows = await session.execute(
        select(
            campaign_runs.c.campaign_id,
            func.min(campaign_runs.c.started_at),
            func.max(campaign_runs.c.completed_at),
            func.count(),
            func.count(campaign_runs.c.completed_at),
        )
        .where(campaign_runs.c.campaign_id.in_(campaign_ids))
        .group_by(campaign_runs.c.campaign_id)
    )
    return [
        (int(campaign_id), started, completed if completed_runs == runs else None)
        for campaign_id, started, completed, runs, completed_runs in rows
    ]


async def _excluded(session: AsyncSession, campaign_ids: list[int]) -> list[Any]:
    """(campaign, reason, how many people the campaign's runs left out for it)."""
    rows = await session.execute(
        select(run_exclusions.c.campaign_id, run_exclusions.c.reason, func.count())
        .where(run_exclusions.c.campaign_id.in_(campaign_ids))
        .group_by(run_exclusions.c.campaign_id, run_exclusions.c.reason)
    )
    return list(rows.all())


def _plain(bucket: dict[str, Any]) -> dict[str, Any]:
    return {"total": bucket["total"], "by_status": dict(bucket["by_status"])}


class CampaignStats:
    """Statistics of campaigns' messages, for the API."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def of(self, campaign_id: int) -> dict[str, Any]:
        return await campaign_stats(self._database, campaign_id)

    async def of_each(self, campaign_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The stats of each campaign, by id: a list's page in three queries, not three each."""
        return await campaigns_stats(self._database, campaign_ids)
