"""Partners, users and API keys in the store; the service decides who may do what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, case, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.accounts.model import ApiKeyInfo, Partner, PresentedKey
from campaign.kernel.identity import Role
from campaign.store.results import affected, inserted_id
from campaign.store.tables import api_keys, partners, users


async def partner_id(session: AsyncSession, slug: str) -> int | None:
    found = await session.execute(select(partners.c.id).where(partners.c.slug == slug))
    value = found.scalar()
    return None if value is None else int(value)


async def insert_partner(session: AsyncSession, slug: str, name: str, now: datetime) -> int:
    result = await session.execute(insert(partners).values(slug=slug, name=name, created_at=now))
    return inserted_id(result)


async def list_partners(session: AsyncSession) -> list[Partner]:
    rows = await session.execute(select(partners).order_by(partners.c.slug))
    return [Partner(int(r.id), r.slug, r.name, r.created_at) for r in rows]


async def user(session: AsyncSession, email: str) -> Row[Any] | None:
    return (await session.execute(select(users).where(users.c.email == email))).first()


async def active_key(session: AsyncSession, digest: str) -> PresentedKey | None:
    """The key with this digest unless it was revoked, with its user as the user is now."""
    row = (
        await session.execute(
            select(
                api_keys.c.id,
                api_keys.c.name,
                api_keys.c.role,
                api_keys.c.partner_id,
                api_keys.c.expires_at,
                api_keys.c.last_used_at,
                api_keys.c.user_id,
                users.c.email.label("user_email"),
                users.c.role.label("user_role"),
                users.c.partner_id.label("user_partner_id"),
            )
            .outerjoin(users, users.c.id == api_keys.c.user_id)
            .where(api_keys.c.key_hash == digest, api_keys.c.revoked_at.is_(None))
        )
    ).first()
    if row is None:
        return None
    return PresentedKey(
        id=int(row.id),
        name=row.name,
        role=Role(row.role),
        partner_id=row.partner_id,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        user_id=row.user_id,
        user_email=row.user_email,
        user_role=None if row.user_role is None else Role(row.user_role),
        user_partner_id=row.user_partner_id,
    )


async def set_user_role(
    session: AsyncSession, user_id: int, role: Role, partner_id: int | None
) -> None:
    await session.execute(
        update(users).where(users.c.id == user_id).values(role=role.value, partner_id=partner_id)
    )


def _key_listing() -> Select[Any]:
    # Never the digest: a listing names keys, it does not hold them. A key acting for a user
    # shows the user's partner, which is the scope it acts with (decision 0033).
    partner = case(
        (api_keys.c.user_id.is_not(None), users.c.partner_id), else_=api_keys.c.partner_id
    )
    return (
        select(
            api_keys.c.id,
            api_keys.c.prefix,
            api_keys.c.name,
            api_keys.c.role,
            users.c.email,
            partners.c.slug,
            api_keys.c.created_at,
            api_keys.c.last_used_at,
            api_keys.c.revoked_at,
            api_keys.c.expires_at,
        )
        .outerjoin(users, users.c.id == api_keys.c.user_id)
        .outerjoin(partners, partners.c.id == partner)
    )


def _key_info(row: Row[Any]) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=int(row.id),
        prefix=row.prefix,
        name=row.name,
        role=Role(row.role),
        user=row.email,
        partner=row.slug,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
        expires_at=row.expires_at,
    )


async def list_keys(session: AsyncSession) -> list[ApiKeyInfo]:
    """Every key, newest first, revoked ones included (they show who had access until when)."""
    rows = await session.execute(_key_listing().order_by(api_keys.c.id.desc()))
    return [_key_info(row) for row in rows]


async def find_key(
    session: AsyncSession, *, key_id: int | None = None, prefix: str = ""
) -> ApiKeyInfo | None:
    """The key with this id, or else with this prefix."""
    where = api_keys.c.id == key_id if key_id is not None else api_keys.c.prefix == prefix
    row = (await session.execute(_key_listing().where(where))).first()
    return None if row is None else _key_info(row)


async def revoke_key(session: AsyncSession, key_id: int, now: datetime) -> bool:
    """Mark the key revoked; False when it was revoked already."""
    result = await session.execute(
        update(api_keys)
        .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return affected(result) == 1


async def note_key_use(session: AsyncSession, key_id: int, now: datetime) -> None:
    await session.execute(update(api_keys).where(api_keys.c.id == key_id).values(last_used_at=now))
