"""Contacts in the store, for imports: find by external id or by address key, insert, update.

Every function takes a whole chunk of rows and issues a fixed number of statements for it, never
one per row: one SELECT per lookup (an array parameter on PostgreSQL, an IN list on SQLite), one
executemany per kind of update, and for new contacts without an owner a ``COPY`` on PostgreSQL.
"""

from __future__ import annotations

import io
import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    String,
    bindparam,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.store.copy_text import copy_data
from campaign.store.tables import contact_partners, contacts
from campaign.store.value_lists import among


def _owned_by(owner_partner_id: int | None) -> ColumnElement[bool]:
    if owner_partner_id is None:
        return contacts.c.owner_partner_id.is_(None)
    return contacts.c.owner_partner_id == owner_partner_id


async def owner_has_contacts(session: AsyncSession, owner_partner_id: int | None) -> bool:
    """Whether the owner has any contact stored, erased ones included."""
    found = await session.execute(select(contacts.c.id).where(_owned_by(owner_partner_id)).limit(1))
    return found.first() is not None


async def by_external_id(
    session: AsyncSession, owner_partner_id: int | None, external_ids: Collection[str]
) -> dict[str, dict[str, Any]]:
    """The owner's contacts with these external ids, by external id."""
    if not external_ids:
        return {}
    if _dialect(session) == "postgresql":
        statement = _probe_each(owner_partner_id, sorted(external_ids))
    else:
        statement = select(contacts).where(
            _owned_by(owner_partner_id), among(contacts.c.external_id, external_ids)
        )
    result = await session.execute(statement)
    return {row["external_id"]: dict(row) for row in result.mappings()}


def _probe_each(owner_partner_id: int | None, external_ids: list[str]) -> Select[Any]:
    """One index probe per id: ``unnest`` of an array, each joined LATERAL to its one contact.

    A plain ``= ANY($1)`` lets the planner scan every contact of the owner and compare each
    with the whole array (the parameter is not hashed in a generic plan): seconds per chunk.
    """
    wanted = (
        func.unnest(bindparam("external_ids", external_ids, type_=ARRAY(String())))
        .table_valued("external_id")
        .render_derived(name="wanted")
    )
    match = (
        select(contacts)
        .where(_owned_by(owner_partner_id), contacts.c.external_id == wanted.c.external_id)
        .limit(1)  # at most one anyway (unique per owner); keeps the subquery a probe
        .lateral()
    )
    return select(match).select_from(wanted.join(match, true()))


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def by_address_key(
    session: AsyncSession,
    owner_partner_id: int | None,
    phone_keys: Collection[str],
    email_keys: Collection[str],
) -> list[dict[str, Any]]:
    """The owner's contacts (not erased) sharing one of these phone or email keys."""
    if not phone_keys and not email_keys:
        return []
    by_phone: ColumnElement[bool]
    by_email: ColumnElement[bool]
    if _dialect(session) == "postgresql":
        by_phone = contacts.c.phone_key.in_(sorted(phone_keys))
        by_email = contacts.c.email_key.in_(sorted(email_keys))
    else:
        by_phone = among(contacts.c.phone_key, phone_keys)
        by_email = among(contacts.c.email_key, email_keys)
    result = await session.execute(
        select(contacts)
        .where(_owned_by(owner_partner_id), contacts.c.erased_at.is_(None), or_(by_phone, by_email))
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
        if _dialect(session) == "postgresql":
            await _copy_contacts(session, rows)
        else:
            await session.execute(insert(contacts), list(rows))
        return
    result = await session.execute(
        insert(contacts).returning(contacts.c.id, sort_by_parameter_order=True), list(rows)
    )
    await link_partner(session, [int(i) for i in result.scalars()], owner_partner_id)


async def copy_contact_lines(
    session: AsyncSession, columns: Sequence[str], lines: Sequence[str]
) -> None:
    """``COPY`` contacts already encoded as text lines (PostgreSQL, the session's transaction)."""
    if not lines:
        return
    driver = await _driver(session)
    data = io.BytesIO(copy_data(lines))
    await driver.copy_to_table("contacts", source=data, columns=list(columns), format="text")


async def _driver(session: AsyncSession) -> Any:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    assert raw.driver_connection is not None
    return raw.driver_connection


async def _copy_contacts(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """``COPY`` the rows in through the session's own connection (and so its transaction)."""
    names = list(rows[0])
    json_at = names.index("attributes")
    records = []
    for row in rows:
        record = [row[name] for name in names]
        record[json_at] = json.dumps(record[json_at])  # the driver's jsonb codec takes text
        records.append(record)
    driver = await _driver(session)
    await driver.copy_records_to_table("contacts", records=records, columns=names)


async def update_contacts(
    session: AsyncSession, changes: Sequence[tuple[int, Mapping[str, Any]]]
) -> None:
    """Apply each contact's changes: one executemany per set of changed columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for contact_id, values in changes:
        names = tuple(sorted(values))
        groups.setdefault(names, []).append({**values, "contact_id": contact_id})
    for names, parameters in groups.items():
        statement = (
            update(contacts)
            .where(contacts.c.id == bindparam("contact_id"))
            .values({name: bindparam(name) for name in names})
        )
        await session.execute(statement, parameters)


async def link_partner(session: AsyncSession, contact_ids: Sequence[int], partner_id: int) -> None:
    """Record that ``partner_id`` contributed these contacts (once each)."""
    if not contact_ids:
        return
    insert_module = postgresql if _dialect(session) == "postgresql" else sqlite
    statement = insert_module.insert(contact_partners).on_conflict_do_nothing(
        index_elements=["contact_id", "partner_id"]
    )
    await session.execute(
        statement, [{"contact_id": i, "partner_id": partner_id} for i in contact_ids]
    )
