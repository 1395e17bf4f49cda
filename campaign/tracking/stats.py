"""Campaign statistics in the contract's shape: totals by status, channel and language, and
what the results per person add up to (decision 0027): why messages did not reach people, who
the runs left out, what was spent, when the campaign started and completed.

One query whatever the campaigns' sizes and however many campaigns a list shows (decision 0034):
their messages, their runs and their exclusions, each grouped, in one UNION ALL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    Integer,
    String,
    case,
    func,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)

from campaign.delivery.reasons import NOT_REACHED, reason_kind
from campaign.store.engine import Database
from campaign.store.tables import campaign_runs, messages, run_exclusions

# The key of messages not reached that carry no reason at all.
NO_REASON = "no reason given"


def _bucket() -> dict[str, Any]:
    return {"total": 0, "by_status": defaultdict(int)}


class _Tally:
    """One campaign's stats, added up from its rows of the three groupings (``_all_parts``)."""

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
    """``campaign_stats`` of each campaign, by id, in one query however many there are."""
    tallies = {campaign_id: _Tally() for campaign_id in campaign_ids}
    if not tallies:
        return {}
    async with database.read_session() as session:
        rows = await session.execute(_all_parts(list(tallies)))
    for row in rows:
        tally = tallies[int(row.campaign_id)]
        if row.part == _MESSAGES:
            tally.add_messages(
                row.channel,
                row.language,
                row.state,
                bool(row.fell_back),
                row.kind,
                int(row.n),
                row.spent,
            )
        elif row.part == _RUNS:
            tally.started_at = row.started
            tally.completed_at = row.completed if row.completed_runs == row.n else None
        else:
            tally.excluded[row.kind] = int(row.n)
    return {campaign_id: tally.as_json() for campaign_id, tally in tallies.items()}


# Which of the three groupings a row of ``_all_parts`` comes from.
_MESSAGES, _RUNS, _EXCLUSIONS = "m", "r", "x"


def _all_parts(campaign_ids: list[int]) -> Any:
    """One UNION ALL of three groupings, in one shape: the campaigns' messages by channel,
    language, state, fallback and reason kind (with their count and cost spent); their runs
    (first start, last completion, how many and how many completed); their exclusions by
    reason. Columns a grouping does not have are NULL, typed as the others' so each database
    reads them alike."""
    started = campaign_runs.c.started_at.type
    text_null = type_coerce(null(), String())
    return union_all(
        _message_groups(campaign_ids),
        select(
            literal(_RUNS).label("part"),
            campaign_runs.c.campaign_id,
            text_null,
            text_null,
            text_null,
            type_coerce(null(), Boolean()),
            text_null,
            func.count(),
            type_coerce(null(), Float()),
            func.min(campaign_runs.c.started_at),
            func.max(campaign_runs.c.completed_at),
            func.count(campaign_runs.c.completed_at),
        )
        .where(campaign_runs.c.campaign_id.in_(campaign_ids))
        .group_by(campaign_runs.c.campaign_id),
        select(
            literal(_EXCLUSIONS).label("part"),
            run_exclusions.c.campaign_id,
            text_null,
            text_null,
            text_null,
            type_coerce(null(), Boolean()),
            run_exclusions.c.reason,
            func.count(),
            type_coerce(null(), Float()),
            type_coerce(null(), started),
            type_coerce(null(), started),
            type_coerce(null(), Integer()),
        )
        .where(run_exclusions.c.campaign_id.in_(campaign_ids))
        .group_by(run_exclusions.c.campaign_id, run_exclusions.c.reason),
    )


def _message_groups(campaign_ids: list[int]) -> Any:
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
    )
    spent = func.sum(case((messages.c.sent_at.is_not(None), messages.c.cost), else_=0.0))
    columns = (
        messages.c.campaign_id,
        messages.c.channel,
        messages.c.language,
        messages.c.state,
        fell_back,
        kind,
    )
    moment = campaign_runs.c.started_at.type
    return (
        select(
            literal(_MESSAGES).label("part"),
            messages.c.campaign_id.label("campaign_id"),
            messages.c.channel.label("channel"),
            messages.c.language.label("language"),
            messages.c.state.label("state"),
            fell_back.label("fell_back"),
            kind.label("kind"),
            func.count().label("n"),
            spent.label("spent"),
            type_coerce(null(), moment).label("started"),
            type_coerce(null(), moment).label("completed"),
            type_coerce(null(), Integer()).label("completed_runs"),
        )
        .where(messages.c.campaign_id.in_(campaign_ids))
        .group_by(*columns)
    )


def _plain(bucket: dict[str, Any]) -> dict[str, Any]:
    return {"total": bucket["total"], "by_status": dict(bucket["by_status"])}


class CampaignStats:
    """Statistics of campaigns' messages, for the API."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def of(self, campaign_id: int) -> dict[str, Any]:
        return await campaign_stats(self._database, campaign_id)

    async def of_each(self, campaign_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The stats of each campaign, by id: a list's page in one query, not one per campaign."""
        return await campaigns_stats(self._database, campaign_ids)
