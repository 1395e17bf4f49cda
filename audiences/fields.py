"""The field registry: built-in contact fields and the attributes imports have registered."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.model import BUILT_IN_FIELDS, FieldType
from campaign.store.tables import fields


async def load_registry(session: AsyncSession) -> Mapping[str, FieldType]:
    """Every field a segment may name, with its type: built-ins first, then attributes."""
    rows = await session.execute(select(fields.c.name, fields.c.type).order_by(fields.c.name))
    registry: dict[str, FieldType] = dict(BUILT_IN_FIELDS)
    for name, type_ in rows:
        registry.setdefault(name, FieldType(type_))
    return registry


async def register_fields(session: AsyncSession, new: Mapping[str, FieldType]) -> None:
    """Register attribute fields; a name registered already keeps the type it has."""
    rows: list[dict[str, object]] = [
        {"name": name, "type": type_.value, "labels": {}}
        for name, type_ in new.items()
        if name not in BUILT_IN_FIELDS
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert_module = postgresql if dialect == "postgresql" else sqlite
    statement = insert_module.insert(fields).on_conflict_do_nothing(index_elements=["name"])
    await session.execute(statement, rows)
