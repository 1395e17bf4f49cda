"""Campaign statistics in the contract's shape: totals by status, channel and language."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select

from campaign.store.engine import Database
from campaign.store.tables import messages


def _bucket() -> dict[str, Any]:
    return {"total": 0, "by_status": defaultdict(int)}


async def campaign_stats(database: Database, campaign_id: int) -> dict[str, Any]:
    """Every message counted once in each breakdown; ``fallbacks`` counts the messages that
    carry, on the other channel, one that failed for good (by their channel and state)."""
    fell_back = messages.c.fallback_of.is_not(None)
    async with database.read_session() as session:
        rows = (
            await session.execute(
                select(
                    messages.c.channel,
                    messages.c.language,
                    messages.c.state,
                    fell_back,
                    func.count(),
                )
                .where(messages.c.campaign_id == campaign_id)
                .group_by(messages.c.channel, messages.c.language, messages.c.state, fell_back)
            )
        ).all()
    total = 0
    by_status: dict[str, int] = defaultdict(int)
    by_channel: dict[str, dict[str, Any]] = defaultdict(_bucket)
    by_language: dict[str, dict[str, Any]] = defaultdict(_bucket)
    fallbacks: dict[str, dict[str, Any]] = defaultdict(_bucket)
    for channel, language, state, is_fallback, count in rows:
        total += count
        if is_fallback:
            fallbacks[channel]["total"] += count
            fallbacks[channel]["by_status"][state] += count
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
    }


def _plain(bucket: dict[str, Any]) -> dict[str, Any]:
    return {"total": bucket["total"], "by_status": dict(bucket["by_status"])}


class CampaignStats:
    """Statistics of a campaign's messages, for the API."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def of(self, campaign_id: int) -> dict[str, Any]:
        return await campaign_stats(self._database, campaign_id)
