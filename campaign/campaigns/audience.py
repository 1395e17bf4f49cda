"""Whom a campaign is for: its segment (or its own query), narrowed to the people its measures
are for.

A campaign about one measure must not reach someone its eligibility excludes ("Bent u
tijdelijk werkloos…" to someone who is not); with several measures (a digest) a person is in
when at least one measure is for them. A measure without eligibility is for everyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.fields import load_registry
from audiences.contacts.privacy import visible_to
from audiences.segments import audience_condition
from audiences.segments.errors import SegmentError
from audiences.segments.repository import get_segment
from campaign.campaigns.model import Campaign, MeasureContent
from campaign.campaigns.texts import campaign_measures
from campaign.kernel.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class CampaignAudience:
    query: str  # the segment language text, as read now (a saved segment may have changed)
    selected: ColumnElement[bool]  # everyone the query selects
    eligible: ColumnElement[bool] | None  # who the measures are for; None: no narrowing
    broken: tuple[str, ...] = ()  # measures whose eligibility no longer compiles, and why

    @property
    def condition(self) -> ColumnElement[bool]:
        """The people the campaign writes to."""
        return self.selected if self.eligible is None else and_(self.selected, self.eligible)


async def campaign_audience(session: AsyncSession, campaign: Campaign) -> CampaignAudience:
    """The campaign's audience as it stands now; InvalidInput if its query no longer parses
    or its segment is gone."""
    # A partner's campaign reads the partner's own fields too (decision 0033).
    registry: dict[str, object] = dict(await load_registry(session, campaign.owner_partner_id))
    query = await audience_query(session, campaign)
    try:
        selected = audience_condition(query, registry)
    except SegmentError as exc:
        raise InvalidInput(str(exc), where="audience_query") from exc
    if campaign.owner_partner_id is not None:  # a partner writes only to the people it sees
        selected = and_(selected, visible_to(campaign.owner_partner_id))
    measures = await campaign_measures(session, campaign)
    eligible, broken = eligibility(measures, registry)
    return CampaignAudience(query, selected, eligible, broken)


async def audience_query(session: AsyncSession, campaign: Campaign) -> str:
    """The query text: the linked segment's as it is now, else the campaign's own."""
    segment_id = campaign.draft.segment_id
    if segment_id is None:
        return campaign.draft.audience_query
    segment = await get_segment(session, segment_id, campaign.owner_partner_id)
    if segment is None:
        raise InvalidInput(f"the campaign's segment {segment_id} is gone", where="segment_id")
    return segment.query


def eligibility(
    measures: list[MeasureContent], registry: Mapping[str, object]
) -> tuple[ColumnElement[bool] | None, tuple[str, ...]]:
    """Who at least one of the measures is for (None: everyone), and the measures whose
    eligibility no longer reads (a field removed or retyped since). Such a measure is for
    nobody until it is fixed: sending it to everyone is the mistake eligibility prevents."""
    conditions: list[ColumnElement[bool]] = []
    broken: list[str] = []
    for_everyone = False
    for measure in measures:
        if not measure.eligibility:
            for_everyone = True
            continue
        try:
            conditions.append(audience_condition(measure.eligibility, registry))
        except SegmentError as exc:
            broken.append(f"measure {measure.slug}: its eligibility no longer reads: {exc}")
            conditions.append(false())
    if for_everyone or not measures:
        return None, tuple(broken)
    return or_(*conditions), tuple(broken)
