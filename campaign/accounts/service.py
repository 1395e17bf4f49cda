"""Partners, staff and partner accounts, API keys, and turning a presented key into an
``Identity``.

Passwords are stored as scrypt hashes and keys as SHA-256 digests: neither can be shown
again. A key acts for its user (so four-eyes approval holds through the API), with the user's
scope as it is at each request: the user's partner, and never more than the user's current
role (``campaign.kernel.identity.key_role``). A partner is created on purpose, never on the
way: a slug that names no partner is refused with the slugs there are, so a typo cannot make
one. Admins list and revoke keys; a key may expire. A revoked or expired key, or a user's new
role, applies from the next request on, since every request reads the key and its user again
(nothing is cached).

Errors are campaign.kernel.errors: InvalidInput (``where`` names the option), NotFound,
Conflict, Forbidden.
"""

from __future__ import annotations

import difflib
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, insert
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.accounts import repository
from campaign.accounts.model import (
    PARTNER_SLUG_RULE,
    ApiKeyInfo,
    Partner,
    PresentedKey,
    Revocation,
    is_partner_slug,
)
from campaign.accounts.passwords import Passwords
from campaign.events.outbox import emit
from campaign.kernel.clock import Clock
from campaign.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from campaign.kernel.identity import Identity, Permission, Role
from campaign.kernel.security import API_KEY_PREFIX, api_key_digest, new_api_key
from campaign.store.engine import Database
from campaign.store.results import inserted_id
from campaign.store.tables import api_keys, users

log = logging.getLogger(__name__)

# Recording every use would turn each read request into a write; once a minute is enough.
_LAST_USED_RESOLUTION = timedelta(minutes=1)
KEY_REVOKED = "api_key.revoked"
USER_ROLE_CHANGED = "user.role_changed"
# The longest a key may be made to last when it is to expire (ten years, in days).
MAX_KEY_DAYS = 3650


def _may_manage_keys(actor: Identity) -> None:
    if not actor.may(Permission.KEYS):
        raise Forbidden(f"a {actor.role} may not list or revoke API keys; an admin may")


def _may_manage_users(actor: Identity) -> None:
    if not actor.may(Permission.USERS):
        raise Forbidden(f"a {actor.role} may not change users' roles; an admin may")


def _key_lifetime(days: int | None) -> timedelta | None:
    if days is None:
        return None
    if not 1 <= days <= MAX_KEY_DAYS:
        raise InvalidInput(
            f"a key expires in 1 to {MAX_KEY_DAYS} days (--expires-in DAYS), not {days}",
            where="expires_in",
        )
    return timedelta(days=days)


class Accounts:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock
        self._passwords = Passwords(database)

    async def create_partner(self, slug: str, name: str) -> Partner:
        """Register a partner organisation under its slug (what ``--partner`` and queries use)."""
        if not is_partner_slug(slug):
            raise InvalidInput(f"{slug!r}: {PARTNER_SLUG_RULE}", where="slug")
        name = " ".join(name.split())
        if not name:
            raise InvalidInput("a partner needs a name (--name)", where="name")
        async with self._database.transaction() as session:
            if await repository.partner_id(session, slug) is not None:
                raise Conflict(f"a partner {slug!r} exists already")
            partner_id = await repository.insert_partner(session, slug, name, self._clock.now())
        log.info("partner %s (%s) created", slug, name)
        return next(p for p in await self.partners() if p.id == partner_id)

    async def partners(self) -> list[Partner]:
        """Every partner, by slug."""
        async with self._database.read_session() as session:
            return await repository.list_partners(session)

    async def partner_id(self, slug: str) -> int:
        """The id of the partner ``slug``; InvalidInput naming the known slugs when none is."""
        async with self._database.read_session() as session:
            found = await repository.partner_id(session, slug)
        if found is not None:
            return found
        known = [p.slug for p in await self.partners()]
        close = difflib.get_close_matches(slug, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        listed = ", ".join(known) if known else "none yet"
        raise InvalidInput(
            f"no partner {slug!r}; {hint}known partners: {listed} "
            "(create one with: campaign partners create SLUG --name NAME)",
            where="partner",
        )

    async def create_user(
        self, email: str, role: Role, password: str, *, partner_slug: str | None = None
    ) -> int:
        email = email.strip().lower()
        if "@" not in email:
            raise InvalidInput(f"{email!r} is not an email address", where="email")
        partner_id = await self._partner_for(role, partner_slug)
        password_hash = await self._passwords.hash(password)
        async with self._database.transaction() as session:
            if await repository.user(session, email) is not None:
                raise Conflict(f"a user {email} already exists")
            result = await session.execute(
                insert(users).values(
                    email=email,
                    password_hash=password_hash,
                    role=role.value,
                    partner_id=partner_id,
                    created_at=self._clock.now(),
                )
            )
            return inserted_id(result)

    async def check_password(self, email: str, password: str) -> int | None:
        """The user's id when ``password`` is theirs (a hash stored with less work than today's
        is replaced on the way), else None."""
        return await self._passwords.check(email, password)

    async def user_by_email(self, email: str) -> Row[Any] | None:
        async with self._database.read_session() as session:
            return await repository.user(session, email.strip().lower())

    async def set_role(
        self, actor: Identity, email: str, role: Role, *, partner_slug: str | None = None
    ) -> None:
        """Give a user another role (admins); the user's keys act with it from the next
        request on, never with more than it allows."""
        _may_manage_users(actor)
        found = await self.user_by_email(email)
        if found is None:
            raise NotFound(f"no user {email.strip().lower()}")
        partner_id = await self._partner_for(role, partner_slug)
        now = self._clock.now()
        async with self._database.transaction() as session:
            await repository.set_user_role(session, int(found.id), role, partner_id)
            change = {
                "actor": actor.label,
                "at": now.isoformat(),
                "user": found.email,
                "from": found.role,
                "to": role.value,
                "partner": partner_slug,
            }
            await emit(session, USER_ROLE_CHANGED, change, now)
        log.info("user %s is now %s (by %s)", found.email, role, actor.label)

    async def create_api_key(
        self,
        *,
        role: Role,
        name: str,
        user_email: str | None = None,
        partner_slug: str | None = None,
        expires_in_days: int | None = None,
    ) -> str:
        """Create a key and return its secret: the only time anyone sees it."""
        lifetime = _key_lifetime(expires_in_days)
        user_id, partner_id = None, None
        if user_email is not None:
            user = await self.user_by_email(user_email)
            if user is None:
                raise NotFound(f"no user {user_email}")
            _check_key_role(role, Role(user.role))
            user_id, partner_id = int(user.id), user.partner_id
            if partner_slug is not None and partner_id != await self.partner_id(partner_slug):
                raise InvalidInput(
                    "a key acting for a user has the user's partner: leave out --partner",
                    where="partner",
                )
        else:
            partner_id = await self._partner_for(role, partner_slug)
        key = new_api_key()
        now = self._clock.now()
        async with self._database.transaction() as session:
            await session.execute(
                insert(api_keys).values(
                    name=name,
                    prefix=key.prefix,
                    key_hash=key.digest,
                    role=role.value,
                    user_id=user_id,
                    partner_id=partner_id,
                    created_at=now,
                    expires_at=None if lifetime is None else now + lifetime,
                )
            )
        return key.secret

    async def api_keys(self, actor: Identity) -> list[ApiKeyInfo]:
        """Every key, newest first, revoked ones too; never a secret or a digest (admins)."""
        _may_manage_keys(actor)
        async with self._database.read_session() as session:
            return await repository.list_keys(session)

    async def revoke_api_key(self, actor: Identity, reference: int | str) -> Revocation:
        """Revoke the key with this id (a number) or prefix (``cmp_…``), for good (admins).

        Revoking a revoked key changes nothing and keeps the first revocation's time.
        """
        _may_manage_keys(actor)
        now = self._clock.now()
        async with self._database.transaction() as session:
            found = await _find_key(session, reference)
            changed = await repository.revoke_key(session, found.id, now)
            if changed:
                await emit(session, KEY_REVOKED, _revocation_event(actor, found, now), now)
            after = await _find_key(session, found.id)
        if changed:
            log.info("API key %s (%r) revoked by %s", found.prefix, found.name, actor.label)
        return Revocation(after, changed)

    async def authenticate(self, secret: str, *, note_use: bool = True) -> Identity | None:
        """The identity a presented key acts as now, or None for an unknown, revoked or
        expired key (or one whose user is gone).

        ``note_use=False`` checks a key without counting it as used.
        """
        # Every key is ASCII: other text (a header's bytes that were not UTF-8) is no key.
        if not (secret.isascii() and secret.startswith(API_KEY_PREFIX)):
            return None
        async with self._database.read_session() as session:
            key = await repository.active_key(session, api_key_digest(secret))
        found = None if key is None else key.identity(self._clock.now())
        if key is not None and found is not None and note_use:
            await self._note_use(key)
        return found

    async def _note_use(self, key: PresentedKey) -> None:
        now = self._clock.now()
        if key.last_used_at is not None and now - key.last_used_at < _LAST_USED_RESOLUTION:
            return
        async with self._database.transaction() as session:
            await repository.note_key_use(session, key.id, now)

    async def _partner_for(self, role: Role, partner_slug: str | None) -> int | None:
        if role is Role.PARTNER and not partner_slug:
            raise InvalidInput("the partner role needs a partner (--partner SLUG)", where="partner")
        if partner_slug is None:
            return None
        if role is not Role.PARTNER:
            raise InvalidInput("only the partner role belongs to a partner", where="partner")
        return await self.partner_id(partner_slug)


async def _find_key(session: AsyncSession, reference: int | str) -> ApiKeyInfo:
    if isinstance(reference, int):
        found = await repository.find_key(session, key_id=reference)
    else:
        found = await repository.find_key(session, prefix=reference.strip())
    if found is None:
        raise NotFound(f"no API key {reference!r} (give its id or its prefix, as listed)")
    return found


def _revocation_event(actor: Identity, key: ApiKeyInfo, now: datetime) -> dict[str, Any]:
    """Who revoked which key when: the audit trail names the key, never its secret."""
    return {
        "actor": actor.label,
        "at": now.isoformat(),
        "key_id": key.id,
        "prefix": key.prefix,
        "name": key.name,
    }


def _check_key_role(key_role: Role, user_role: Role) -> None:
    if key_role not in (user_role, Role.VIEWER):
        raise InvalidInput(
            f"a key for a {user_role} user can have the role {user_role} or viewer, not {key_role}",
            where="role",
        )
