"""The measures a campaign's messages are filled with: as approved once it is approved, as the
catalogue has them before.

Shared by the composer (what people get), the checks and previews, and the cost estimate, so
all of them fill a template with the same values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.campaigns.model import Campaign, MeasureContent
from campaign.measures.model import template_fields
from campaign.store.tables import measures


async def campaign_measures(session: AsyncSession, campaign: Campaign) -> list[MeasureContent]:
    """The campaign's measures in its order: the pinned ones once approved, else the live."""
    if campaign.pinned_measures is not None:
        return list(campaign.pinned_measures)
    return await live_measures(session, campaign.measure_ids)


async def live_measures(
    session: AsyncSession, measure_ids: tuple[int, ...]
) -> list[MeasureContent]:
    """The measures as the catalogue has them now, in the order given (unknown ids left out)."""
    if not measure_ids:
        return []
    rows = {
        r.id: r
        for r in await session.execute(select(measures).where(measures.c.id.in_(measure_ids)))
    }
    return [_content(rows[i]) for i in measure_ids if i in rows]


def _content(row: Any) -> MeasureContent:
    texts = template_fields(
        row.translations, amount=row.amount, contact_point=row.contact_point, link=row.link
    )
    return MeasureContent(int(row.id), row.slug, row.eligibility or None, texts)


def first_measure_texts(content: Sequence[MeasureContent]) -> dict[str, dict[str, str]]:
    """language -> the first measure's fields: what ``measure.…`` means in a template."""
    return dict(content[0].texts) if content else {}


async def measure_texts(session: AsyncSession, campaign: Campaign) -> dict[str, dict[str, Any]]:
    """Title, summary, how-to, amount, contact point and link of the campaign's first measure."""
    return first_measure_texts(await campaign_measures(session, campaign))
