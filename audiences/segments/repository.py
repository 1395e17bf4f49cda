"""Saved segments in the store: a name, a query in the segment language, and an owner.

``owner_partner_id`` is None for the authority's own segments; a partner's segments carry its
id, and a scope of ``partner_id`` limits every function here to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, insert, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.store.results import affected, inserted_id
from campaign.store.tables import segments


class SegmentInUse(Exception):
    """Something (a campaign) still refers to the segment."""


@dataclass(frozen=True, slots=True)
class SavedSegment:
    id: int
    name: str
    query: str
    owner_partner_id: int | None
    created_by: int | None
    created_at: datetime
    updated_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "query": self.query,
            "partner_id": self.owner_partner_id,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


def _scope(partner_id: int | None) -> ColumnElement[bool]:
    """Everything for staff (None); only its own segments for a partner."""
    return true() if partner_id is None else segments.c.owner_partner_id == partner_id


def _segment(row: Row[Any]) -> SavedSegment:
    return SavedSegment(
        id=int(row.id),
        name=row.name,
        query=row.query,
        owner_partner_id=row.owner_partner_id,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def insert_segment(
    session: AsyncSession,
    *,
    name: str,
    query: str,
    owner_partner_id: int | None,
    created_by: int | None,
    now: datetime,
) -> int:
    result = await session.execute(
        insert(segments).values(
            name=name,
            query=query,
            owner_partner_id=owner_partner_id,
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
    )
    return inserted_id(result)


async def list_segments(
    session: AsyncSession, partner_id: int | None, *, limit: int, offset: int
) -> list[SavedSegment]:
    rows = await session.execute(
        select(segments)
        .where(_scope(partner_id))
        .order_by(segments.c.name, segments.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [_segment(r) for r in rows]


async def get_segment(
    session: AsyncSession, segment_id: int, partner_id: int | None
) -> SavedSegment | None:
    rows = await session.execute(
        select(segments).where(segments.c.id == segment_id, _scope(partner_id))
    )
    row = rows.first()
    return None if row is None else _segment(row)


async def update_segment(
    session: AsyncSession,
    segment_id: int,
    partner_id: int | None,
    *,
    name: str,
    query: str,
    now: datetime,
) -> bool:
    result = await session.execute(
        update(segments)
        .where(segments.c.id == segment_id, _scope(partner_id))
        .values(name=name, query=query, updated_at=now)
    )
    return affected(result) == 1


async def delete_segment(session: AsyncSession, segment_id: int, partner_id: int | None) -> bool:
    """Delete one segment; SegmentInUse if a campaign still refers to it."""
    try:
        async with session.begin_nested():
            result = await session.execute(
                delete(segments).where(segments.c.id == segment_id, _scope(partner_id))
            )
    except IntegrityError as exc:
        raise SegmentInUse(segment_id) from exc
    return affected(result) == 1
