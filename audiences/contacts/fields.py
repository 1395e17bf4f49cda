"""The field registry: built-in contact fields and the attributes imports have registered.

An attribute's type is fixed once registered (its values are stored typed) unless an admin
converts the field and every stored value with it; its labels, what staff call it in each
language, may change at any time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.field_labels import built_in_labels
from audiences.contacts.model import BUILT_IN_FIELDS, FieldInfo, FieldType
from audiences.segments.compiler import PARTNER
from campaign.store.results import affected
from campaign.store.tables import contacts, fields


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


async def set_type(session: AsyncSession, name: str, old: FieldType, new: FieldType) -> bool:
    """Change an attribute's registered type from ``old`` to ``new``; False if it is not
    registered as ``old`` (any more)."""
    changed = await session.execute(
        update(fields)
        .where(fields.c.name == name, fields.c.type == old.value)
        .values(type=new.value)
    )
    return bool(affected(changed))


async def contacts_holding(
    session: AsyncSession, name: str, *, after: int, limit: int
) -> list[tuple[int, dict[str, Any]]]:
    """(id, attributes) of the next contacts by id that hold a value for ``name``, locked
    for update so that no other write to their attributes is lost meanwhile."""
    rows = await session.execute(
        select(contacts.c.id, contacts.c.attributes)
        .where(contacts.c.id > after, contacts.c.attributes[name].as_string().is_not(None))
        .order_by(contacts.c.id)
        .limit(limit)
        .with_for_update()
    )
    return [(int(row.id), dict(row.attributes)) for row in rows]


async def write_attributes(
    session: AsyncSession, changes: Sequence[tuple[int, dict[str, Any]]], now: datetime
) -> None:
    """Store each contact's new attributes (id, attributes)."""
    if not changes:
        return
    statement = (
        update(contacts)
        .where(contacts.c.id == bindparam("contact_id"))
        .values(attributes=bindparam("new_attributes"), updated_at=now)
    )
    await session.execute(statement, [{"contact_id": i, "new_attributes": a} for i, a in changes])
