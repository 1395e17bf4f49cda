"""Contacts in the store, for imports: find by external id or by address key, insert, update."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.store.tables import contact_partners, contacts


def _owned_by(owner_partner_id: int | None) -> ColumnElement[bool]:
    if owner_partner_id is None:
        return contacts.c.owner_partner_id.is_(None)
    return contacts.c.owner_partner_id == owner_partner_id


async def by_external_id(
    session: AsyncSession, owner_partner_id: int | None, external_ids: Collection[str]
) -> dict[str, dict[str, Any]]:
    """The owner's contacts with these external ids, by external id."""
    if not external_ids:
        return {}
    result = await session.execute(
        select(contacts).where(
            _owned_by(owner_partner_id), contacts.c.external_id.in_(sorted(external_ids))
        )
    )
    return {row["external_id"]: dict(row) for row in result.mappings()}


async def by_address_key(
    session: AsyncSession,
    owner_partner_id: int | None,
    phone_keys: Collection[str],
    email_keys: Collection[str],
) -> list[dict[str, Any]]:
    """The owner's contacts (not erased) sharing one of these phone or email keys."""
    if not phone_keys and not email_keys:
        return []
    result = await session.execute(
        select(contacts)
        .where(
            _owned_by(owner_partner_id),
            contacts.c.erased_at.is_(None),
            or_(
                contacts.c.phone_key.in_(sorted(phone_keys)),
                contacts.c.email_key.in_(sorted(email_keys)),
            ),
        )
        .order_by(contacts.c.id)
    )
    return [dict(row) for row in result.mappings()]


async def insert_contacts(
    session: AsyncSession, rows: Sequence[Mapping[str, Any]], owner_partner_id: int | None
) -> None:
    """Insert ``rows`` (all with the same keys); link them to the partner that owns them."""
    if not rows:
        return
    if owner_partner_id is None:
        await session.execute(insert(contacts), list(rows))
        return
    result = await session.execute(
        insert(contacts).returning(contacts.c.id, sort_by_parameter_order=True), list(rows)
    )
    await link_partner(session, [int(i) for i in result.scalars()], owner_partner_id)


async def update_contacts(
    session: AsyncSession, changes: Sequence[tuple[int, Mapping[str, Any]]]
) -> None:
    for contact_id, values in changes:
        await session.execute(update(contacts).where(contacts.c.id == contact_id).values(values))


async def link_partner(session: AsyncSession, contact_ids: Sequence[int], partner_id: int) -> None:
    """Record that ``partner_id`` contributed these contacts (once each)."""
    if not contact_ids:
        return
    dialect = session.get_bind().dialect.name
    insert_module = postgresql if dialect == "postgresql" else sqlite
    statement = insert_module.insert(contact_partners).on_conflict_do_nothing(
        index_elements=["contact_id", "partner_id"]
    )
    await session.execute(
        statement, [{"contact_id": i, "partner_id": partner_id} for i in contact_ids]
    )
