"""The catalogue of support measures and vaccination information.

A measure's eligibility is a segment-language expression, so "who is this for" and an
audience are the same thing; it is checked against the field registry when saved. Publishing
a measure emits ``measure.published``; changing one emits ``measure.updated``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.fields import load_registry
from audiences.segments import audience_condition
from audiences.segments.errors import SegmentError
from campaign.events.outbox import emit
from campaign.kernel.clock import Clock
from campaign.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from campaign.kernel.identity import Identity
from campaign.messages.language import SUPPORTED_LANGUAGES
from campaign.store.engine import Database
from campaign.store.results import inserted_id
from campaign.store.tables import measures


class Level(StrEnum):
    FEDERAL = "federal"
    REGIONAL = "regional"
    LOCAL = "local"


class MeasureStatus(StrEnum):
    NEW = "new"
    EXISTING = "existing"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class Texts:
    title: str
    summary: str = ""
    how_to: str = ""


@dataclass(frozen=True, slots=True)
class MeasureDraft:
    slug: str
    level: Level
    theme: str
    status: MeasureStatus
    translations: dict[str, Texts]
    amount: str | None = None
    eligibility: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    contact_point: str | None = None
    link: str | None = None


@dataclass(frozen=True, slots=True)
class Measure:
    id: int
    draft: MeasureDraft
    created_at: datetime
    updated_at: datetime

    def as_json(self) -> dict[str, Any]:
        d = self.draft
        return {
            "id": self.id,
            "slug": d.slug,
            "level": d.level.value,
            "theme": d.theme,
            "status": d.status.value,
            "amount": d.amount,
            "eligibility": d.eligibility,
            "valid_from": d.valid_from.isoformat() if d.valid_from else None,
            "valid_until": d.valid_until.isoformat() if d.valid_until else None,
            "contact_point": d.contact_point,
            "link": d.link,
            "translations": {lang: asdict(t) for lang, t in d.translations.items()},
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


def _values(draft: MeasureDraft) -> dict[str, Any]:
    values = {
        k: getattr(draft, k)
        for k in ("slug", "theme", "amount", "eligibility", "valid_from", "valid_until")
    }
    return values | {
        "level": draft.level.value,
        "status": draft.status.value,
        "contact_point": draft.contact_point,
        "link": draft.link,
        "translations": {lang: asdict(t) for lang, t in draft.translations.items()},
    }


def _measure(row: Row[Any]) -> Measure:
    draft = MeasureDraft(
        slug=row.slug,
        level=Level(row.level),
        theme=row.theme,
        status=MeasureStatus(row.status),
        translations={lang: Texts(**texts) for lang, texts in row.translations.items()},
        amount=row.amount,
        eligibility=row.eligibility,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        contact_point=row.contact_point,
        link=row.link,
    )
    return Measure(row.id, draft, row.created_at, row.updated_at)


class Catalogue:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    async def list(self, *, limit: int = 100, offset: int = 0) -> list[Measure]:
        async with self._database.read_session() as session:
            rows = await session.execute(
                select(measures).order_by(measures.c.id).limit(limit).offset(offset)
            )
            return [_measure(r) for r in rows]

    async def get(self, measure_id: int) -> Measure:
        async with self._database.read_session() as session:
            return await _get(session, measure_id)

    async def create(self, actor: Identity, draft: MeasureDraft) -> Measure:
        _require(actor)
        now = self._clock.now()
        async with self._database.transaction() as session:
            await _validate(session, draft)
            if await _by_slug(session, draft.slug) is not None:
                raise Conflict(f"a measure {draft.slug!r} exists already")
            measure_id = inserted_id(
                await session.execute(
                    insert(measures).values(_values(draft) | {"created_at": now, "updated_at": now})
                )
            )
            await emit(session, "measure.published", _event(measure_id, draft, actor), now)
            return await _get(session, measure_id)

    async def update(self, actor: Identity, measure_id: int, draft: MeasureDraft) -> Measure:
        _require(actor)
        now = self._clock.now()
        async with self._database.transaction() as session:
            await _get(session, measure_id)
            await _validate(session, draft)
            other = await _by_slug(session, draft.slug)
            if other is not None and other != measure_id:
                raise Conflict(f"a measure {draft.slug!r} exists already")
            await session.execute(
                update(measures)
                .where(measures.c.id == measure_id)
                .values(_values(draft) | {"updated_at": now})
            )
            await emit(session, "measure.updated", _event(measure_id, draft, actor), now)
            return await _get(session, measure_id)


def _require(actor: Identity) -> None:
    if not actor.may("templates") or actor.is_partner:
        raise Forbidden(f"the {actor.role} role may not change the catalogue")


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
    row = (await session.execute(select(measures).where(measures.c.id == measure_id))).first()
    if row is None:
        raise NotFound(f"no measure {measure_id}")
    return _measure(row)


async def _by_slug(session: AsyncSession, slug: str) -> int | None:
    found = (await session.execute(select(measures.c.id).where(measures.c.slug == slug))).scalar()
    return None if found is None else int(found)
