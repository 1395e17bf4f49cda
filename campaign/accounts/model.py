"""What an administrator sees of partners and API keys: never a key's secret or its digest."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from campaign.kernel.identity import Identity, Role, key_role

PARTNER_SLUG_RULE = (
    "a partner's slug is 1 to 64 lower-case letters, digits and hyphens, starting with a letter "
    "or digit (such as ocmw-gent)"
)
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def is_partner_slug(text: str) -> bool:
    return _SLUG.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class Partner:
    id: int
    slug: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    """One key as listed: its prefix identifies it; the secret was shown once, at creation."""

    id: int
    prefix: str
    name: str
    role: Role
    user: str | None  # the email of the user it acts for
    partner: str | None  # the slug of its partner: its user's, for a key acting for a user
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None = None  # refused from then on; None: until revoked

    @property
    def active(self) -> bool:
        """Not revoked (whether it expired depends on the time: ``expired``)."""
        return self.revoked_at is None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def as_json(self) -> dict[str, Any]:
        def moment(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "id": self.id,
            "prefix": self.prefix,
            "name": self.name,
            "role": self.role.value,
            "user": self.user,
            "partner": self.partner,
            "created_at": self.created_at.isoformat(),
            "last_used_at": moment(self.last_used_at),
            "revoked_at": moment(self.revoked_at),
            "expires_at": moment(self.expires_at),
        }


@dataclass(frozen=True, slots=True)
class Revocation:
    """A revoked key; ``changed`` is False when it was revoked before (the first time stays)."""

    key: ApiKeyInfo
    changed: bool


@dataclass(frozen=True, slots=True)
class PresentedKey:
    """A key presented with a request, not revoked, with its user as that user is now."""

    id: int
    name: str
    role: Role
    partner_id: int | None  # for a key without a user: the partner it was made for
    expires_at: datetime | None
    last_used_at: datetime | None
    user_id: int | None
    user_email: str | None = None
    user_role: Role | None = None
    user_partner_id: int | None = None

    def identity(self, now: datetime) -> Identity | None:
        """Whom the key acts as now, or None once it expired.

        A key acting for a user gets that user's scope as it is at this request: the user's
        partner, and never more than the user's current role (``key_role``).
        """
        if self.expires_at is not None and self.expires_at <= now:
            return None
        if self.user_id is None:
            if self.role is Role.PARTNER and self.partner_id is None:
                return None
            label = f"key:{self.name}"
            return Identity(self.role, label, partner_id=self.partner_id, api_key_id=self.id)
        if self.user_role is None or self.user_email is None:
            return None  # the user is gone: nobody to act for
        role = key_role(self.role, self.user_role)
        if role is Role.PARTNER and self.user_partner_id is None:
            return None  # a partner user without a partner: no scope to give
        return Identity(
            role,
            self.user_email,
            user_id=self.user_id,
            partner_id=self.user_partner_id,
            api_key_id=self.id,
        )
