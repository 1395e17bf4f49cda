"""No role reads more than it may (issue #15): previews answer counts only to roles that may
not read contacts and refuse conditions on personal fields for them; a key acts with its
user's scope as it is at each request (role, partner), and may expire; a partner's fields are
its own and capped. Over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from audiences.contacts.fields import PARTNER_FIELD_CAP
from audiences.contacts.model import FieldType
from campaign.kernel.clock import ManualClock
from campaign.kernel.errors import InvalidInput
from campaign.kernel.identity import Identity, Role
from tests.api_client import Api
from tests.factories import contact, register

_PREVIEW = "/api/v1/segments/preview"
_ADMIN = Identity(Role.ADMIN, "operator")


async def _preview(api: Api, query: str, key: str, sample_size: int = 5) -> tuple[int, Any]:
    status, body, _ = await api.call(
        "POST", _PREVIEW, key=key, json={"query": query, "sample_size": sample_size}
    )
    return status, body


async def _partner_key(api: Api, slug: str, role: Role = Role.PARTNER) -> str:
    """A key, as ``role``, acting for a new user of partner ``slug`` (made if new)."""
    accounts = api.services.accounts
    if slug not in {p.slug for p in await accounts.partners()}:
        await accounts.create_partner(slug, slug.upper())
    email = f"{role}@{slug}.example.org"
    await accounts.create_user(email, Role.PARTNER, "a long password", partner_slug=slug)
    return await accounts.create_api_key(role=role, name=f"{slug} {role}", user_email=email)


async def test_a_viewer_counts_people_but_never_reads_who_they_are(api: Api) -> None:
    db, clock = api.services.database, api.services.clock
    await register(db, diagnosis=FieldType.TEXT)
    await contact(
        db,
        clock,
        phone="+32470123456",
        email="an@example.org",
        first_name="An",
        external_id="x1",
        attributes={"diagnosis": "diabetes"},
    )
    await contact(db, clock, phone="+32470654321", language="fr")
    personal = [
        ('phone = "+32470123456"', "phone"),
        ('phone ~ "0470"', "phone"),
        ('email ~ "example"', "email"),
        ('first_name = "An"', "first_name"),
        ("external_id IS SET", "external_id"),
        ('diagnosis = "diabetes"', "diagnosis"),
        ('language = "nl" AND NOT (region IS SET OR phone ~ "1")', "phone"),
        ('not_a_field = "x"', "not_a_field"),  # no hint of which attributes exist
    ]
    for key in ("viewer", "approver"):
        for query, field in personal:
            status, problem = await _preview(api, query, key)
            assert status == 403, (key, query, problem)
            assert f"{field} (line 1, column" in problem["detail"], problem
            assert "personal data" in problem["detail"] and "language" in problem["detail"]

    status, counted = await _preview(api, 'language = "nl" AND consent_sms', "viewer", 20)
    assert (status, counted["matched"], counted["sample"]) == (200, 1, []), counted
    assert counted["reachable"]["sms"] == 1 and "+32470123456" not in repr(counted)
    # Roles that read contacts get the masked sample, with the contact's id.
    status, sampled = await _preview(api, 'phone = "+32470123456"', "editor")
    assert (status, sampled["matched"], len(sampled["sample"])) == (200, 1, 1), sampled
    assert sampled["sample"][0]["phone"] == "+32 4** ** ** 56"


async def test_a_partners_fields_are_its_own(api: Api) -> None:
    csv = "external_id;phone;language;diagnosis\nn1;0470 11 11 11;nl;diabetes\n"
    status, report, _ = await api.call(
        "POST", "/api/v1/contacts/import", key="partner", data=csv.encode()
    )
    assert status == 200 and report["created"] == 1, report
    api.keys["other"] = await _partner_key(api, "other-ngo")

    def names(listing: dict[str, Any]) -> set[str]:
        return {f["name"] for f in listing["items"]}

    _, own, _ = await api.call("GET", "/api/v1/fields", key="partner")
    assert "diagnosis" in names(own)
    for key in ("other", "editor", "viewer"):
        _, listed, _ = await api.call("GET", "/api/v1/fields", key=key)
        assert "diagnosis" not in names(listed), key
        status, _, _ = await api.call("GET", "/api/v1/fields/diagnosis", key=key)
        assert status == 404, key

    query = 'diagnosis = "diabetes"'
    assert (await _preview(api, query, "partner"))[1]["matched"] == 1
    for key in ("other", "editor"):
        status, problem = await _preview(api, query, key)
        assert status == 422 and "unknown field 'diagnosis'" in problem["detail"], (key, problem)
    assert (await _preview(api, query, "viewer"))[0] == 403

    # The authority cannot take a partner's name either: a name means one type to everyone.
    body = {"name": "diagnosis", "type": "number"}
    status, problem, _ = await api.call("POST", "/api/v1/fields", json=body)
    assert status == 409 and "a partner has fields of its own named diagnosis" in problem["detail"]
    staff_csv = "phone;language;diagnosis\n0470 22 22 22;nl;4\n"
    status, refused, _ = await api.call("POST", "/api/v1/contacts/import", data=staff_csv.encode())
    assert (status, refused["created"]) == (200, 0), refused
    assert "diagnosis" in refused["rejected"][0]["reason"]


async def test_a_partner_may_not_flood_the_registry(api: Api) -> None:
    def wide(count: int, prefix: str) -> bytes:
        names = [f"{prefix}{i}" for i in range(count)]
        header = ";".join(["external_id", "phone", "language", *names])
        row = ";".join(["w1", "0470 11 11 11", "nl", *("1" for _ in names)])
        return f"{header}\n{row}\n".encode()

    path = "/api/v1/contacts/import"
    for query in ("?dry_run=true", ""):
        status, report, _ = await api.call(
            "POST", path + query, key="partner", data=wide(PARTNER_FIELD_CAP + 1, "c")
        )
        assert status == 200 and report["created"] == 0, report
        assert report["rejected"][0]["line"] == 1, report
        assert f"may have {PARTNER_FIELD_CAP} at most" in report["rejected"][0]["reason"]
    _, listed, _ = await api.call("GET", "/api/v1/fields", key="partner")
    assert not any(f["name"].startswith("c") and not f["built_in"] for f in listed["items"])

    status, report, _ = await api.call(
        "POST", path, key="partner", data=wide(PARTNER_FIELD_CAP, "c")
    )
    assert (status, report["created"]) == (200, 1), report
    status, report, _ = await api.call("POST", path, key="partner", data=wide(1, "d"))
    assert report["created"] == 0 and "has 200 of its own" in report["rejected"][0]["reason"]
    # The authority's registry is not the partner's: staff see none of them.
    _, staff, _ = await api.call("GET", "/api/v1/fields")
    assert not any(f["name"].startswith(("c", "d")) for f in staff["items"] if not f["built_in"])


async def test_a_viewer_key_for_a_partners_user_keeps_to_the_partner(api: Api) -> None:
    db, clock = api.services.database, api.services.clock
    await contact(db, clock, phone="+32470000001")  # the authority's
    partner_id = await api.services.accounts.partner_id("ngo")
    await contact(db, clock, phone="+32470000002", owner_partner_id=partner_id)
    segment = {"name": "Everyone", "query": "language IS SET"}
    _, staff_segment, _ = await api.call("POST", "/api/v1/segments", json=segment)
    _, own_segment, _ = await api.call("POST", "/api/v1/segments", key="partner", json=segment)
    api.keys["viewer for ngo"] = await _partner_key(api, "ngo", Role.VIEWER)

    _, listed, _ = await api.call("GET", "/api/v1/segments", key="viewer for ngo")
    assert [s["id"] for s in listed["items"]] == [own_segment["id"]]
    path = f"/api/v1/segments/{staff_segment['id']}"
    assert (await api.call("GET", path, key="viewer for ngo"))[0] == 404
    status, counted = await _preview(api, "language IS SET", "viewer for ngo")
    assert (status, counted["matched"], counted["sample"]) == (200, 1, []), counted
    _, campaigns, _ = await api.call("GET", "/api/v1/campaigns", key="viewer for ngo")
    assert campaigns["items"] == []
    status, _, _ = await api.call("POST", "/api/v1/segments", key="viewer for ngo", json=segment)
    assert status == 403  # and it reads only: a viewer key writes nothing


async def test_a_key_acts_with_its_users_role_as_it_is_now(api: Api) -> None:
    accounts = api.services.accounts
    segment = {"name": "Dutch", "query": 'language = "nl"'}
    assert (await api.call("POST", "/api/v1/segments", json=segment))[0] == 201

    await accounts.set_role(_ADMIN, "editor@example.org", Role.VIEWER)
    status, problem, _ = await api.call("POST", "/api/v1/segments", json=segment)
    assert status == 403, problem
    assert (await api.call("GET", "/api/v1/segments"))[0] == 200  # it still reads

    await accounts.set_role(_ADMIN, "editor@example.org", Role.PARTNER, partner_slug="ngo")
    _, listed, _ = await api.call("GET", "/api/v1/segments")
    assert listed["items"] == []  # the authority's segment is not the partner's
    assert (await api.call("POST", "/api/v1/segments", json=segment))[0] == 403

    await accounts.set_role(_ADMIN, "editor@example.org", Role.EDITOR)
    assert (await api.call("POST", "/api/v1/segments", json=segment))[0] == 201
    # Promoting the user does not promote the key: an editor key stays an editor's.
    await accounts.set_role(_ADMIN, "editor@example.org", Role.ADMIN)
    assert (await api.call("GET", "/api/v1/api-keys"))[0] == 403


async def test_a_key_may_expire(api: Api, clock: ManualClock) -> None:
    accounts = api.services.accounts
    await accounts.create_user("ad@example.org", Role.ADMIN, "a long password")
    api.keys["admin"] = await accounts.create_api_key(
        role=Role.ADMIN, name="week", user_email="ad@example.org", expires_in_days=7
    )
    _, listed, _ = await api.call("GET", "/api/v1/api-keys", key="admin")
    week = next(k for k in listed["items"] if k["name"] == "week")
    assert week["expires_at"] == (clock.now() + timedelta(days=7)).isoformat()
    assert next(k for k in listed["items"] if k["name"] == "editor")["expires_at"] is None

    clock.advance((timedelta(days=7) - timedelta(seconds=1)).total_seconds())
    assert (await api.call("GET", "/api/v1/segments", key="admin"))[0] == 200
    clock.advance(1)
    status, problem, _ = await api.call("GET", "/api/v1/segments", key="admin")
    assert status == 401 and "expired" in problem["detail"], problem
    assert (await api.call("GET", "/api/v1/segments"))[0] == 200  # others still work

    for days in (0, -1, 3651):
        with pytest.raises(InvalidInput, match="expires in 1 to 3650 days") as refused:
            await accounts.create_api_key(role=Role.VIEWER, name="x", expires_in_days=days)
        assert refused.value.where == "expires_in"
