"""The measure texts a campaign's template is filled with, per language.

Shared by the composer (what people get), approval checks and the cost estimate, so the three
fill a template with the same values.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.campaigns.model import Campaign
from campaign.store.tables import measures


async def measure_texts(session: AsyncSession, campaign: Campaign) -> dict[str, dict[str, Any]]:
    """Title, summary, how-to, amount, contact point and link of the campaign's first measure."""
    if not campaign.measure_ids:
        return {}
    row = (
        await session.execute(select(measures).where(measures.c.id == campaign.measure_ids[0]))
    ).first()
    if row is None:
        return {}
    shared = {
        "amount": row.amount or "",
        "contact_point": row.contact_point or "",
        "link": row.link or "",
    }
    return {
        language: {"title": "", "summary": "", "how_to": ""} | dict(texts) | shared
        for language, texts in row.translations.items()
    }
