"""The field registry: built-in contact fields and the attributes imports have registered.

An attribute's type is fixed once registered (its values are stored typed) unless an admin
converts the field and every stored value with it; its labels, what staff call it in each
language, may change at any time.

The shared registry is the authority's, and everyone reads it. A partner's import registers
the new columns it brings as that partner's own fields (``partner_fields``): only that partner
sees them, at most ``PARTNER_FIELD_CAP`` of them, and the two never share a name (a shared
field is never registered again as a partner's; a name a partner holds is refused to the
shared registry), so a name always means one type for whoever reads it (decision 0033).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.field_labels import built_in_labels
from audiences.contacts.model import BUILT_IN_FIELDS, FieldInfo, FieldType
from audiences.segments.compiler import PARTNER
from campaign.kernel import limits
from campaign.store.results import affected
from campaign.store.tables import contacts, fields, partner_fields, partners

PARTNER_FIELD_CAP = limits.PARTNER_FIELDS_MAX


class FieldsRefused(ValueError):
    """New fields that may not be registered: a partner's cap, or a name a partner holds."""


async def load_registry(
    session: AsyncSession, partner_id: int | None = None
) -> Mapping[str, FieldType]:
    """Every field a segment may name, with its type: built-ins first, then the shared
    attributes, then (for a partner) the partner's own."""
    rows = await session.execute(select(fields.c.name, fields.c.type).order_by(fields.c.name))
    registry: dict[str, FieldType] = dict(BUILT_IN_FIELDS)
    for name, type_ in rows:
        registry.setdefault(name, FieldType(type_))
    if partner_id is not None:
        for name, type_ in await _own_fields(session, partner_id):
            registry.setdefault(name, FieldType(type_))
    return registry


async def _own_fields(session: AsyncSession, partner_id: int) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(partner_fields.c.name, partner_fields.c.type)
        .where(partner_fields.c.partner_id == partner_id)
        .order_by(partner_fields.c.name)
    )
    return [(name, type_) for name, type_ in rows]


async def check_new_fields(
    session: AsyncSession, names: Collection[str], partner_id: int | None
) -> None:
    """FieldsRefused when ``names`` (none registered for the owner yet) may not be added: past
    the partner's cap, or, for the shared registry, held by a partner as its own."""
    if not names:
        return
    if partner_id is None:
        held = await session.execute(
            select(partner_fields.c.name).where(partner_fields.c.name.in_(sorted(names))).distinct()
        )
        taken = sorted(held.scalars())
        if taken:
            raise FieldsRefused(
                f"a partner has fields of its own named {', '.join(taken)}: choose other "
                "names (for an import's columns, a mapping) so that a name means one thing"
            )
        return
    have = (
        await session.execute(select(func.count()).where(partner_fields.c.partner_id == partner_id))
    ).scalar_one()
    if have + len(names) > PARTNER_FIELD_CAP:
        raise FieldsRefused(
            f"this file brings {len(names)} new fields and the partner has {have} of its own; "
            f"a partner may have {PARTNER_FIELD_CAP} at most: import fewer columns (a mapping "
            "names the ones to keep) or ask the authority to register shared fields"
        )


async def register_fields(
    session: AsyncSession, new: Mapping[str, FieldType], partner_id: int | None = None
) -> None:
    """Register attribute fields, shared or (with ``partner_id``) that partner's own; a name
    registered already keeps the type it has. FieldsRefused as ``check_new_fields`` says."""
    table, keys, owner = fields, ["name"], dict[str, object]()
    if partner_id is not None:
        # One registration of a partner's fields at a time, so two imports cannot both pass
        # the cap (SQLite writes one transaction at a time anyway).
        await session.execute(
            select(partners.c.id).where(partners.c.id == partner_id).with_for_update()
        )
        table, keys, owner = partner_fields, ["partner_id", "name"], {"partner_id": partner_id}
    known = await load_registry(session, partner_id)
    rows: list[dict[str, object]] = [
        {"name": name, "type": type_.value, "labels": {}} | owner
        for name, type_ in new.items()
        if name not in known
    ]
    if not rows:
        return
    await check_new_fields(session, [str(row["name"]) for row in rows], partner_id)
    dialect = session.get_bind().dialect.name
    insert_module = postgresql if dialect == "postgresql" else sqlite
    statement = insert_module.insert(table).on_conflict_do_nothing(index_elements=keys)
    await session.execute(statement, rows)


def _built_in(name: str, type_: FieldType) -> FieldInfo:
    return FieldInfo(name, type_, built_in=True, labels=built_in_labels(name))


async def list_fields(session: AsyncSession, partner_id: int | None = None) -> list[FieldInfo]:
    """The built-in fields in their documented order, then the shared attributes by name,
    then (for a partner) the partner's own by name."""
    found = [_built_in(name, type_) for name, type_ in BUILT_IN_FIELDS.items()]
    found.append(_built_in(PARTNER, FieldType.TEXT))
    rows = list(await session.execute(select(fields).order_by(fields.c.name)))
    if partner_id is not None:
        rows += await session.execute(
            select(partner_fields)
            .where(partner_fields.c.partner_id == partner_id)
            .order_by(partner_fields.c.name)
        )
    seen = set(BUILT_IN_FIELDS)
    for row in rows:
        if row.name not in seen:
            seen.add(row.name)
            found.append(
                FieldInfo(row.name, FieldType(row.type), built_in=False, labels=dict(row.labels))
            )
    return found


async def find_field(
    session: AsyncSession, name: str, partner_id: int | None = None
) -> FieldInfo | None:
    return next((f for f in await list_fields(session, partner_id) if f.name == name), None)


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
