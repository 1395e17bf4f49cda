"""The field registry: built-in contact fields and the attributes imports have registered.

An attribute's type is fixed once registered (its values are stored typed); its labels, what
staff call it in each language, may change at any time.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.field_labels import built_in_labels
from audiences.contacts.model import BUILT_IN_FIELDS, FieldInfo, FieldType
from audiences.segments.compiler import PARTNER
from campaign.store.results import affected
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


def _built_in(name: str, type_: FieldType) -> FieldInfo:
    return FieldInfo(name, type_, built_in=True, labels=built_in_labels(name))


async def list_fields(session: AsyncSession) -> list[FieldInfo]:
    """The built-in fields in their documented order, then the attributes by name."""
    found = [_built_in(name, type_) for name, type_ in BUILT_IN_FIELDS.items()]
    found.append(_built_in(PARTNER, FieldType.TEXT))
    rows = await session.execute(select(fields).order_by(fields.c.name))
    found.extend(
        FieldInfo(row.name, FieldType(row.type), built_in=False, labels=dict(row.labels))
        for row in rows
        if row.name not in BUILT_IN_FIELDS
    )
    return found


async def find_field(session: AsyncSession, name: str) -> FieldInfo | None:
    return next((f for f in await list_fields(session) if f.name == name), None)


async def add_field(
    session: AsyncSession, name: str, type_: FieldType, labels: Mapping[str, str]
) -> bool:
    """Register one attribute with its labels; False if the name is registered already."""
    dialect = session.get_bind().dialect.name
    insert_module = postgresql if dialect == "postgresql" else sqlite
    added = await session.execute(
        insert_module.insert(fields)
        .values(name=name, type=type_.value, labels=dict(labels))
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return bool(affected(added))


async def set_labels(session: AsyncSession, name: str, labels: Mapping[str, str]) -> bool:
    """Replace an attribute's labels; False if no such attribute is registered."""
    changed = await session.execute(
        update(fields).where(fields.c.name == name).values(labels=dict(labels))
    )
    return bool(affected(changed))
