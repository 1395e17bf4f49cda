"""Template versions and their variants in the database, seeded from the on-disk library."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.messages.library import TemplateSource, VariantSource
from campaign.store.results import inserted_id
from campaign.store.tables import template_variants, template_versions, templates


async def variant_languages(session: AsyncSession, version_id: int) -> dict[str, set[str]]:
    """For each channel, the languages this template version has."""
    rows = await session.execute(
        select(template_variants.c.channel, template_variants.c.language).where(
            template_variants.c.version_id == version_id
        )
    )
    languages: dict[str, set[str]] = defaultdict(set)
    for channel, language in rows:
        languages[channel].add(language)
    return dict(languages)


async def load_variants(session: AsyncSession, version_id: int) -> list[VariantSource]:
    rows = await session.execute(
        select(template_variants).where(template_variants.c.version_id == version_id)
    )
    return [VariantSource(r.language, r.channel, r.subject, r.body) for r in rows]


async def version_exists(session: AsyncSession, version_id: int) -> bool:
    found = await session.execute(
        select(template_versions.c.id).where(template_versions.c.id == version_id)
    )
    return found.first() is not None


async def version_author(session: AsyncSession, version_id: int) -> int | None:
    """The user who wrote this version (None: the on-disk library, or no such version)."""
    found = await session.execute(
        select(template_versions.c.created_by).where(template_versions.c.id == version_id)
    )
    author = found.scalar()
    return None if author is None else int(author)


async def latest_version(session: AsyncSession, slug: str) -> int | None:
    row = await session.execute(
        select(template_versions.c.id)
        .join(templates, templates.c.id == template_versions.c.template_id)
        .where(templates.c.slug == slug)
        .order_by(template_versions.c.version.desc())
        .limit(1)
    )
    return row.scalar()


async def save_version(
    session: AsyncSession, source: TemplateSource, now: datetime, created_by: int | None = None
) -> int:
    """Store ``source`` as the next version of its template (creating the template if new)."""
    template_id = (
        await session.execute(select(templates.c.id).where(templates.c.slug == source.slug))
    ).scalar()
    if template_id is None:
        result = await session.execute(
            insert(templates).values(slug=source.slug, name=source.name, created_at=now)
        )
        template_id = inserted_id(result)
    latest = (
        await session.execute(
            select(func.max(template_versions.c.version)).where(
                template_versions.c.template_id == template_id
            )
        )
    ).scalar()
    result = await session.execute(
        insert(template_versions).values(
            template_id=template_id,
            version=(latest or 0) + 1,
            created_by=created_by,
            created_at=now,
        )
    )
    version_id = inserted_id(result)
    await session.execute(
        insert(template_variants),
        [
            {
                "version_id": version_id,
                "language": v.language,
                "channel": v.channel,
                "subject": v.subject,
                "body": v.body,
            }
            for v in source.variants
        ],
    )
    return version_id
