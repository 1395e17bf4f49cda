"""What a key may do is its user's scope as it is now, never more than the key was made for;
which conditions of a query read personal data. Pure rules (decision 0033)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from audiences.segments import parse
from audiences.segments.personal import personal_conditions
from campaign.accounts.model import PresentedKey
from campaign.kernel.errors import Forbidden
from campaign.kernel.identity import Identity, Permission, Role, key_role, require

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
A, E, P, V, X = Role.APPROVER, Role.EDITOR, Role.PARTNER, Role.VIEWER, Role.ADMIN


@pytest.mark.parametrize(
    ("key", "user", "acts_as"),
    [
        (E, E, E),
        (V, E, V),
        (E, V, V),  # the user was made a viewer: the key reads only
        (E, A, V),  # neither's rights hold the other's: reading only
        (X, E, E),  # an admin's key for a user who is an editor now
        (E, X, E),  # promoting the user does not promote the key
        (P, P, P),
        (V, P, V),
        (E, P, V),  # a staff key for someone who moved to a partner: reading only
        (P, E, V),
    ],
)
def test_a_key_never_does_more_than_its_user_or_itself(
    key: Role, user: Role, acts_as: Role
) -> None:
    assert key_role(key, user) is acts_as


def _key(**values: object) -> PresentedKey:
    fields: dict[str, object] = {
        "id": 7,
        "name": "laptop",
        "role": V,
        "partner_id": None,
        "expires_at": None,
        "last_used_at": None,
        "user_id": 3,
        "user_email": "p@ngo.be",
        "user_role": P,
        "user_partner_id": 12,
    }
    return PresentedKey(**(fields | values))  # type: ignore[arg-type]


def test_a_viewer_key_for_a_partners_user_has_the_partners_scope() -> None:
    found = _key().identity(NOW)
    assert found is not None and (found.role, found.partner_id) == (V, 12)
    assert found.is_partner and not found.reads_personal_data


def test_a_key_is_refused_from_its_expiry_on_and_when_its_user_is_gone() -> None:
    week = _key(expires_at=NOW + timedelta(days=7))
    assert week.identity(NOW + timedelta(days=7) - timedelta(microseconds=1)) is not None
    assert week.identity(NOW + timedelta(days=7)) is None
    assert _key(user_email=None, user_role=None).identity(NOW) is None


def test_a_key_for_nobody_writes_nothing_four_eyes_must_know_the_author_of() -> None:
    robot = Identity(X, "key:robot", api_key_id=7)
    for permission in (Permission.TEMPLATES, Permission.CAMPAIGNS, Permission.APPROVE):
        with pytest.raises(Forbidden, match="acts for nobody"):
            require(robot, permission)
    require(robot, Permission.CONTACTS)  # an import by a system is still its own business
    require(Identity(X, "ann@example.org", user_id=1, api_key_id=8), Permission.APPROVE)


def test_a_partner_identity_always_has_its_partner() -> None:
    with pytest.raises(ValueError, match="needs the partner"):
        Identity(P, "key:sync")


def test_personal_conditions_are_found_at_any_depth() -> None:
    query = 'language = "nl" AND NOT (region IS SET OR ' + "(" * 40 + 'phone ~ "1"' + ")" * 41
    found = personal_conditions(parse(query))
    assert [(c.field, c.position.column) for c in found] == [("phone", query.index("phone") + 1)]
    assert personal_conditions(parse('municipality IN ("Gent") AND consent_sms')) == []
    names = [c.field for c in personal_conditions(parse("age > 1 OR first_name IS SET"))]
    assert names == ["age", "first_name"]
