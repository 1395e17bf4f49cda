"""Who is acting: a user, an API key acting for its user, or the system itself (the clock)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    APPROVER = "approver"
    VIEWER = "viewer"
    PARTNER = "partner"


class Permission(StrEnum):
    """What a role may change; reading needs none. A typo is an AttributeError, not a 403."""

    CONTACTS = "contacts"
    TEMPLATES = "templates"
    CAMPAIGNS = "campaigns"
    APPROVE = "approve"
    USERS = "users"
    KEYS = "keys"
    DISPATCH = "dispatch"  # the stop switch for all sending: admins only
    FIELD_TYPES = "field_types"  # converting a field's stored values to another type: admins only


_P = Permission
# What each role may do, beyond reading. Admins may do everything.
_WRITES: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.EDITOR: frozenset({_P.CONTACTS, _P.TEMPLATES, _P.CAMPAIGNS}),
    Role.APPROVER: frozenset({_P.APPROVE}),
    Role.VIEWER: frozenset(),
    Role.PARTNER: frozenset({_P.CONTACTS}),
}


@dataclass(frozen=True, slots=True)
class Identity:
    """An authenticated actor. ``user_id`` is None only for the system and user-less keys."""

    role: Role
    label: str  # how the audit trail names the actor: an email, a key name, "system"
    user_id: int | None = None
    partner_id: int | None = None
    api_key_id: int | None = None

    def may(self, permission: Permission) -> bool:
        return permission in _WRITES[self.role]

    @property
    def is_partner(self) -> bool:
        return self.role is Role.PARTNER


SYSTEM = Identity(role=Role.ADMIN, label="system")
