"""The catalogue of support measures and vaccination information.

A measure's eligibility is a segment-language expression, so "who is this for" and an
audience are the same thing; it is checked against the field registry when saved. Publishing
a measure emits ``measure.published``; changing one emits ``measure.updated``.

Whoever creates or edits a measure is kept as one of its authors: a campaign carrying it cannot
be approved by them (four eyes), so a key acting for nobody may not write the catalogue.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.fields import load_registry
from audiences.segments import audience_condition
from audiences.segments.errors import SegmentError
from campaign.events.outbox import emit
from campaign.kernel.clock import Clock
from campaign.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from campaign.kernel.identity import Identity, Permission, require
from campaign.measures.model import Measure, MeasureDraft
from campaign.measures.repository import (
    add_author,
    find_measure,
    id_by_slug,
    insert_measure,
    measure_page,
    update_measure,
)
from campaign.messages.language import SUPPORTED_LANGUAGES
from campaign.store.engine import Database


class Catalogue:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    async def list(self, *, limit: int = 100, offset: int = 0) -> list[Measure]:
        async with self._database.read_session() as session:
            return await measure_page(session, limit=limit, offset=offset)

    async def get(self, measure_id: int) -> Measure:
        async with self._database.read_session() as session:
            return await _get(session, measure_id)

    async def create(self, actor: Identity, draft: MeasureDraft) -> Measure:
        _require(actor)
        now = self._clock.now()
        async with self._database.transaction() as session:
            await _validate(session, draft)
            if await id_by_slug(session, draft.slug) is not None:
                raise Conflict(f"a measure {draft.slug!r} exists already")
            measure_id = await insert_measure(session, draft, now)
            await _record_author(session, measure_id, actor)
            await emit(session, "measure.published", _event(measure_id, draft, actor), now)
            return await _get(session, measure_id)

    async def update(self, actor: Identity, measure_id: int, draft: MeasureDraft) -> Measure:
        _require(actor)
        now = self._clock.now()
        async with self._database.transaction() as session:
            await _get(session, measure_id)
            await _validate(session, draft)
            other = await id_by_slug(session, draft.slug)
            if other is not None and other != measure_id:
                raise Conflict(f"a measure {draft.slug!r} exists already")
            await update_measure(session, measure_id, draft, now)
            await _record_author(session, measure_id, actor)
            await emit(session, "measure.updated", _event(measure_id, draft, actor), now)
            return await _get(session, measure_id)


def _require(actor: Identity) -> None:
    if not actor.may(Permission.TEMPLATES) or actor.is_partner:
        raise Forbidden(f"the {actor.role} role may not change the catalogue")
    require(actor, Permission.TEMPLATES)  # and a person: a key acting for nobody may not


async def _record_author(session: AsyncSession, measure_id: int, actor: Identity) -> None:
    if actor.user_id is not None:  # the system and the command line write as nobody
        await add_author(session, measure_id, actor.user_id)


def _event(measure_id: int, draft: MeasureDraft, actor: Identity) -> dict[str, Any]:
    return {"measure_id": measure_id, "slug": draft.slug, "by": actor.label}


async def _validate(session: AsyncSession, draft: MeasureDraft) -> None:
    unknown = sorted(set(draft.translations) - set(SUPPORTED_LANGUAGES))
    if unknown:
        raise InvalidInput(f"unsupported language {unknown[0]!r}", where="translations")
    if not draft.translations:
        raise InvalidInput("a measure needs texts in at least one language", where="translations")
    for language, texts in draft.translations.items():
        if not texts.title.strip():
            raise InvalidInput("the title is empty", where=f"translations.{language}.title")
    if draft.valid_from and draft.valid_until and draft.valid_until < draft.valid_from:
        raise InvalidInput("valid_until is before valid_from", where="valid_until")
    if draft.eligibility:
        try:
            audience_condition(draft.eligibility, dict(await load_registry(session)))
        except SegmentError as exc:
            raise InvalidInput(str(exc), where="eligibility") from exc


async def _get(session: AsyncSession, measure_id: int) -> Measure:
    measure = await find_measure(session, measure_id)
    if measure is None:
        raise NotFound(f"no measure {measure_id}")
    return measure
