"""A person's data: who may see a contact, what an export holds, and erasure of the contact row.

Partners see only contacts they own or are linked to; staff see every contact. Erasure nulls
every personal column for good and keeps the row (so counts stay right and a re-import of the
same external_id is refused); the suppression list is not touched: it holds keyed hashes only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.kernel.channel import Channel
from campaign.store.tables import contact_partners, contacts, partners

PERSONAL_COLUMNS = (
    "phone",
    "email",
    "phone_key",
    "email_key",
    "first_name",
    "preferred_channel",
    "postcode",
    "municipality",
    "province",
    "region",
    "consent_sms_source",
    "consent_sms_at",
    "consent_email_source",
    "consent_email_at",
)


def visible_to(partner_id: int | None) -> ColumnElement[bool]:
    """Contacts a partner may see: owned by it or linked to it; everyone for staff."""
    if partner_id is None:
        return true()
    linked = exists(
        select(contact_partners.c.contact_id).where(
            contact_partners.c.contact_id == contacts.c.id,
            contact_partners.c.partner_id == partner_id,
        )
    )
    return or_(contacts.c.owner_partner_id == partner_id, linked)


async def visible_contact(
    session: AsyncSession, contact_id: int, partner_id: int | None
) -> dict[str, Any] | None:
    """The contact row, if it exists and (for a partner) the partner owns or is linked to it."""
    query = select(contacts).where(contacts.c.id == contact_id, visible_to(partner_id))
    row = (await session.execute(query)).mappings().first()
    return dict(row) if row is not None else None


async def contact_page(
    session: AsyncSession,
    condition: ColumnElement[bool],
    partner_id: int | None,
    *,
    after_id: int,
    limit: int,
) -> list[dict[str, Any]]:
    """One page of the contact rows (not erased) meeting ``condition`` that the partner may
    see, by id from ``after_id`` on."""
    query = (
        select(contacts)
        .where(
            condition,
            visible_to(partner_id),
            contacts.c.erased_at.is_(None),
            contacts.c.id > after_id,
        )
        .order_by(contacts.c.id)
        .limit(limit)
    )
    return [dict(row) for row in (await session.execute(query)).mappings()]


async def contacts_json(
    session: AsyncSession, rows: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Each contact row as :func:`contact_json` gives it, partners looked up once for all."""
    slugs = await _partner_slugs(session, {row["owner_partner_id"] for row in rows} - {None})
    links = await _links_of(session, [row["id"] for row in rows])
    return [contact_json(row, slugs.get(row["owner_partner_id"]), links[row["id"]]) for row in rows]


async def _partner_slugs(session: AsyncSession, partner_ids: set[int]) -> dict[int, str]:
    if not partner_ids:
        return {}
    rows = await session.execute(
        select(partners.c.id, partners.c.slug).where(partners.c.id.in_(sorted(partner_ids)))
    )
    return {partner_id: slug for partner_id, slug in rows}


async def _links_of(session: AsyncSession, contact_ids: list[int]) -> dict[int, list[str]]:
    links: dict[int, list[str]] = defaultdict(list)
    if not contact_ids:
        return links
    rows = await session.execute(
        select(contact_partners.c.contact_id, partners.c.slug)
        .join(partners, partners.c.id == contact_partners.c.partner_id)
        .where(contact_partners.c.contact_id.in_(contact_ids))
        .order_by(contact_partners.c.contact_id, partners.c.slug)
    )
    for contact_id, slug in rows:
        links[contact_id].append(slug)
    return links


async def partner_links(session: AsyncSession, contact_id: int) -> list[str]:
    """The slugs of the partners that contributed the contact."""
    rows = await session.execute(
        select(partners.c.slug)
        .join(contact_partners, contact_partners.c.partner_id == partners.c.id)
        .where(contact_partners.c.contact_id == contact_id)
        .order_by(partners.c.slug)
    )
    return list(rows.scalars())


async def owner_slug(session: AsyncSession, partner_id: int | None) -> str | None:
    if partner_id is None:
        return None
    return (
        await session.execute(select(partners.c.slug).where(partners.c.id == partner_id))
    ).scalar_one_or_none()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def contact_json(row: Mapping[str, Any], owner: str | None, linked: list[str]) -> dict[str, Any]:
    """What we hold about a person, as JSON (values exactly as stored)."""
    return {
        "id": row["id"],
        "external_id": row["external_id"],
        "phone": row["phone"],
        "email": row["email"],
        "language": row["language"],
        "first_name": row["first_name"],
        "preferred_channel": row["preferred_channel"],
        "time_zone": row["time_zone"],
        "postcode": row["postcode"],
        "municipality": row["municipality"],
        "province": row["province"],
        "region": row["region"],
        "attributes": row["attributes"],
        "consent": {
            channel: {
                "given": bool(row[f"consent_{channel}"]),
                "source": row[f"consent_{channel}_source"],
                "at": _iso(row[f"consent_{channel}_at"]),
            }
            for channel in Channel
        },
        "opted_out": {channel: _iso(row[f"opted_out_{channel}_at"]) for channel in Channel},
        "owner_partner": owner,
        "partners": linked,
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
        "erased_at": _iso(row["erased_at"]),
    }


async def erase_contact_row(session: AsyncSession, contact_id: int, now: datetime) -> None:
    """Null the contact's personal columns for good and mark it erased."""
    values: dict[str, Any] = dict.fromkeys(PERSONAL_COLUMNS) | {
        "attributes": {},
        "consent_sms": False,
        "consent_email": False,
        "erased_at": now,
        "updated_at": now,
    }
    await session.execute(update(contacts).where(contacts.c.id == contact_id).values(values))


async def partner_id_of(session: AsyncSession, slug: str) -> int | None:
    """The id of the partner with this slug, if there is one."""
    return (
        await session.execute(select(partners.c.id).where(partners.c.slug == slug))
    ).scalar_one_or_none()
