"""Who is acting: a user, an API key acting for its user, or the system itself (the clock).

Two rules of least privilege live here (docs/decisions/0033):

- **A partner's scope follows the partner, not the role.** Anyone who carries a partner (a
  partner key, or a viewer key acting for a partner's user) sees that partner's data only.
- **Authored writes need a person.** Templates, campaigns and approvals are what four eyes
  is about: a key that acts for nobody may not make them, since nobody could then be kept
  from approving their own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from campaign.kernel.errors import Forbidden


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

# Writes whose author four-eyes approval must know: never made by a key acting for nobody.
AUTHORED: dict[Permission, str] = {
    _P.TEMPLATES: "write templates or measures",
    _P.CAMPAIGNS: "write campaigns",
    _P.APPROVE: "approve or reject campaigns",
}


@dataclass(frozen=True, slots=True)
class Identity:
    """An authenticated actor. ``user_id`` is None only for the system and user-less keys."""

    role: Role
    label: str  # how the audit trail names the actor: an email, a key name, "system"
    user_id: int | None = None
    partner_id: int | None = None
    api_key_id: int | None = None

    def __post_init__(self) -> None:
        # A partner without its partner would be scoped to nothing, which reads as everything.
        if self.role is Role.PARTNER and self.partner_id is None:
            raise ValueError("a partner identity needs the partner it belongs to")

    def may(self, permission: Permission) -> bool:
        return permission in _WRITES[self.role]

    @property
    def is_partner(self) -> bool:
        """Whether the actor is limited to one partner's data (its partner_id)."""
        return self.partner_id is not None

    @property
    def reads_personal_data(self) -> bool:
        """Whether the actor may read who people are: the roles that may read contacts."""
        return self.may(Permission.CONTACTS)

    @property
    def acts_for_nobody(self) -> bool:
        """An API key made without ``--user``: what it writes has no person behind it."""
        return self.api_key_id is not None and self.user_id is None

    def refusal(self, permission: Permission) -> str | None:
        """Why the actor may not do what ``permission`` covers, in words; None if it may."""
        if not self.may(permission):
            return f"the {self.role} role may not do this ({permission})"
        if permission in AUTHORED and self.acts_for_nobody:
            return (
                f"this API key acts for nobody, so it may not {AUTHORED[permission]}: four "
                "eyes needs a person behind each of these (make a key with --user)"
            )
        return None


def require(actor: Identity, permission: Permission) -> None:
    """Forbidden, saying why, unless the actor may do what ``permission`` covers."""
    reason = actor.refusal(permission)
    if reason is not None:
        raise Forbidden(reason)


def key_role(key: Role, user: Role) -> Role:
    """What a key made as ``key`` may do for a user who is ``user`` now: never more than
    either. A key for a user who became something else falls back to reading."""
    if key is user or key is Role.VIEWER or user is Role.VIEWER:
        return key if key is user else Role.VIEWER
    if Role.PARTNER in (key, user):  # a partner's writes are its partner's: never staff's
        return Role.VIEWER
    if _WRITES[key] <= _WRITES[user]:
        return key
    if _WRITES[user] <= _WRITES[key]:
        return user
    return Role.VIEWER


SYSTEM = Identity(role=Role.ADMIN, label="system")
