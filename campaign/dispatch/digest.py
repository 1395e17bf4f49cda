"""Which of a campaign's measures each recipient may be entitled to, for digest messages.

A measure's eligibility is a segment expression; it is compiled once per campaign and asked
of a whole batch of recipients in one query per measure, so a digest ("you may be entitled
to: …") costs a handful of queries per batch, not one per person.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.fields import load_registry
from audiences.segments import audience_condition
from audiences.segments.errors import SegmentError
from campaign.campaigns.model import MeasureContent
from campaign.store.tables import contacts

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    measure_id: int
    condition: ColumnElement[bool] | None  # None: for everyone
    texts: dict[str, dict[str, Any]]  # language -> title, summary, how_to, amount, …


async def load_catalogue(
    session: AsyncSession, content: Sequence[MeasureContent]
) -> list[CatalogueEntry]:
    """The catalogue of a campaign's measures (``texts.campaign_measures``), in their order."""
    if not content:
        return []
    registry: dict[str, object] = dict(await load_registry(session))
    return [_entry(measure, registry) for measure in content]


def _entry(measure: MeasureContent, registry: dict[str, object]) -> CatalogueEntry:
    condition = None
    if measure.eligibility:
        try:
            condition = audience_condition(measure.eligibility, registry)
        except SegmentError as exc:  # a field was removed or retyped after it was saved
            log.warning("measure %s: eligibility no longer compiles: %s", measure.slug, exc)
            condition = false()  # for nobody until fixed, never for everyone
    return CatalogueEntry(measure.measure_id, condition, measure.texts)


async def entitlements(
    session: AsyncSession, catalogue: Iterable[CatalogueEntry], contact_ids: Sequence[int]
) -> dict[int, set[int]]:
    """contact id -> the ids of the measures whose eligibility the contact meets."""
    entitled: dict[int, set[int]] = defaultdict(set)
    if not contact_ids:
        return entitled
    for entry in catalogue:
        if entry.condition is None:
            for contact_id in contact_ids:
                entitled[contact_id].add(entry.measure_id)
            continue
        found = await session.execute(
            select(contacts.c.id).where(contacts.c.id.in_(contact_ids), entry.condition)
        )
        for contact_id in found.scalars():
            entitled[int(contact_id)].add(entry.measure_id)
    return entitled


def measures_for(
    catalogue: Sequence[CatalogueEntry], entitled: set[int] | frozenset[int], language: str
) -> list[dict[str, Any]]:
    """The texts of the measures a recipient may be entitled to, in their message's language."""
    return [
        entry.texts[language]
        for entry in catalogue
        if entry.measure_id in entitled and language in entry.texts
    ]
