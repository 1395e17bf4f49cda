"""Staff and partner accounts, API keys, and turning a presented key into an ``Identity``.

Passwords are stored as scrypt hashes and keys as SHA-256 digests: neither can be shown
again. A key acts for its user (so four-eyes approval holds through the API); a key never
has more rights than the user it acts for.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.kernel.clock import Clock
from campaign.kernel.errors import Conflict, InvalidInput, NotFound
from campaign.kernel.identity import Identity, Role
from campaign.kernel.security import API_KEY_PREFIX, api_key_digest, hash_password, new_api_key
from campaign.store.engine import Database
from campaign.store.results import inserted_id
from campaign.store.tables import api_keys, partners, users

# Recording every use would turn each read request into a write; once a minute is enough.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


class Accounts:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    async def ensure_partner(self, slug: str, name: str | None = None) -> int:
        """The partner's id, creating the partner if it does not exist yet."""
        async with self._database.transaction() as session:
            existing = await _partner_id(session, slug)
            if existing is not None:
                return existing
            result = await session.execute(
                insert(partners).values(slug=slug, name=name or slug, created_at=self._clock.now())
            )
            return inserted_id(result)

    async def create_user(
        self, email: str, role: Role, password: str, *, partner_slug: str | None = None
    ) -> int:
        email = email.strip().lower()
        if "@" not in email:
            raise InvalidInput(f"{email!r} is not an email address", where="email")
        partner_id = await self._partner_for(role, partner_slug)
        async with self._database.transaction() as session:
            if await _user(session, email) is not None:
                raise Conflict(f"a user {email} already exists")
            result = await session.execute(
                insert(users).values(
                    email=email,
                    password_hash=hash_password(password),
                    role=role.value,
                    partner_id=partner_id,
                    created_at=self._clock.now(),
                )
            )
            return inserted_id(result)

    async def user_by_email(self, email: str) -> Row[Any] | None:
        async with self._database.read_session() as session:
            return await _user(session, email.strip().lower())

    async def create_api_key(
        self,
        *,
        role: Role,
        name: str,
        user_email: str | None = None,
        partner_slug: str | None = None,
    ) -> str:
        """Create a key and return its secret: the only time anyone sees it."""
        user_id, partner_id = None, None
        if user_email is not None:
            user = await self.user_by_email(user_email)
            if user is None:
                raise NotFound(f"no user {user_email}")
            _check_key_role(role, Role(user.role))
            user_id, partner_id = int(user.id), user.partner_id
        if partner_id is None:
            partner_id = await self._partner_for(role, partner_slug)
        key = new_api_key()
        async with self._database.transaction() as session:
            await session.execute(
                insert(api_keys).values(
                    name=name,
                    prefix=key.prefix,
                    key_hash=key.digest,
                    role=role.value,
                    user_id=user_id,
                    partner_id=partner_id,
                    created_at=self._clock.now(),
                )
            )
        return key.secret

    async def authenticate(self, secret: str) -> Identity | None:
        """The identity a presented key acts as, or None for an unknown or revoked key."""
        if not secret.startswith(API_KEY_PREFIX):
            return None
        digest = api_key_digest(secret)
        async with self._database.read_session() as session:
            row = (
                await session.execute(
                    select(api_keys, users.c.email)
                    .outerjoin(users, users.c.id == api_keys.c.user_id)
                    .where(api_keys.c.key_hash == digest, api_keys.c.revoked_at.is_(None))
                )
            ).first()
        if row is None:
            return None
        await self._note_use(row)
        return Identity(
            role=Role(row.role),
            label=row.email or f"key:{row.name}",
            user_id=row.user_id,
            partner_id=row.partner_id,
            api_key_id=row.id,
        )

    async def _note_use(self, row: Row[Any]) -> None:
        now = self._clock.now()
        if row.last_used_at is not None and now - row.last_used_at < _LAST_USED_RESOLUTION:
            return
        async with self._database.transaction() as session:
            await session.execute(
                update(api_keys).where(api_keys.c.id == row.id).values(last_used_at=now)
            )

    async def _partner_for(self, role: Role, partner_slug: str | None) -> int | None:
        if role is Role.PARTNER and not partner_slug:
            raise InvalidInput("the partner role needs a partner (--partner SLUG)", where="partner")
        if partner_slug is None:
            return None
        if role is not Role.PARTNER:
            raise InvalidInput("only the partner role belongs to a partner", where="partner")
        return await self.ensure_partner(partner_slug)


def _check_key_role(key_role: Role, user_role: Role) -> None:
    if key_role not in (user_role, Role.VIEWER):
        raise InvalidInput(
            f"a key for a {user_role} user can have the role {user_role} or viewer, not {key_role}",
            where="role",
        )


async def _partner_id(session: AsyncSession, slug: str) -> int | None:
    found = await session.execute(select(partners.c.id).where(partners.c.slug == slug))
    value = found.scalar()
    return None if value is None else int(value)


async def _user(session: AsyncSession, email: str) -> Row[Any] | None:
    return (await session.execute(select(users).where(users.c.email == email))).first()
