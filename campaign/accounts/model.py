"""What an administrator sees of partners and API keys: never a key's secret or its digest."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from campaign.kernel.identity import Role

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
    partner: str | None  # the slug of the partner it belongs to
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

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
        }


@dataclass(frozen=True, slots=True)
class Revocation:
    """A revoked key; ``changed`` is False when it was revoked before (the first time stays)."""

    key: ApiKeyInfo
    changed: bool
