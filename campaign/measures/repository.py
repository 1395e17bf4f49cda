"""Measure rows in and out; every function works inside the caller's session."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.measures.model import Level, Measure, MeasureDraft, MeasureStatus, Texts
from campaign.store.results import inserted_id
from campaign.store.tables import measure_authors, measures


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


async def measure_page(session: AsyncSession, *, limit: int, offset: int) -> list[Measure]:
    """Measures by id, ``limit`` of them from ``offset`` on."""
    rows = await session.execute(
        select(measures).order_by(measures.c.id).limit(limit).offset(offset)
    )
    return [_measure(r) for r in rows]


async def find_measure(session: AsyncSession, measure_id: int) -> Measure | None:
    row = (await session.execute(select(measures).where(measures.c.id == measure_id))).first()
    return None if row is None else _measure(row)


async def id_by_slug(session: AsyncSession, slug: str) -> int | None:
    found = (await session.execute(select(measures.c.id).where(measures.c.slug == slug))).scalar()
    return None if found is None else int(found)


async def insert_measure(session: AsyncSession, draft: MeasureDraft, now: datetime) -> int:
    """Add a measure created and updated at ``now``; return its id."""
    statement = insert(measures).values(_values(draft) | {"created_at": now, "updated_at": now})
    return inserted_id(await session.execute(statement))


async def update_measure(
    session: AsyncSession, measure_id: int, draft: MeasureDraft, now: datetime
) -> None:
    await session.execute(
        update(measures)
        .where(measures.c.id == measure_id)
        .values(_values(draft) | {"updated_at": now})
    )


async def add_author(session: AsyncSession, measure_id: int, user_id: int) -> None:
    """Remember that ``user_id`` wrote (some of) the measure's words: once is enough."""
    dialect = session.get_bind().dialect.name
    insert_module = postgresql if dialect == "postgresql" else sqlite
    await session.execute(
        insert_module.insert(measure_authors)
        .values(measure_id=measure_id, user_id=user_id)
        .on_conflict_do_nothing(index_elements=["measure_id", "user_id"])
    )


async def author_ids(session: AsyncSession, measure_ids: Collection[int]) -> set[int]:
    """Everyone who created or edited any of these measures."""
    if not measure_ids:
        return set()
    rows = await session.execute(
        select(measure_authors.c.user_id).where(
            measure_authors.c.measure_id.in_(sorted(measure_ids))
        )
    )
    return {int(user_id) for user_id in rows.scalars()}
