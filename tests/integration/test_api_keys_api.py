"""API keys over HTTP: admins list them (never a secret) and revoke one, which is refused on
the very next request. On SQLite and PostgreSQL."""

from __future__ import annotations

from campaign.kernel.identity import Role
from tests.api_client import Api


async def _admin(api: Api) -> None:
    accounts = api.services.accounts
    await accounts.create_user("admin@example.org", Role.ADMIN, "a long password")
    api.keys["admin"] = await accounts.create_api_key(
        role=Role.ADMIN, name="admin laptop", user_email="admin@example.org"
    )


async def test_an_admin_lists_every_key_without_its_secret(api: Api) -> None:
    await _admin(api)
    status, body, _ = await api.call("GET", "/api/v1/api-keys", key="admin")
    assert status == 200, body
    listed = body["items"]
    assert [k["name"] for k in listed] == [
        "admin laptop",
        "ngo",
        "robot",
        "viewer",
        "approver",
        "editor",
    ]
    by_name = {k["name"]: k for k in listed}
    assert by_name["ngo"]["partner"] == "ngo" and by_name["ngo"]["role"] == "partner"
    assert by_name["editor"]["user"] == "editor@example.org" and by_name["robot"]["user"] is None
    assert by_name["admin laptop"]["last_used_at"] is not None  # this very request
    assert by_name["viewer"]["last_used_at"] is None and by_name["viewer"]["revoked_at"] is None
    assert set(by_name["editor"]) == {
        "id",
        "prefix",
        "name",
        "role",
        "user",
        "partner",
        "created_at",
        "last_used_at",
        "revoked_at",
        "expires_at",
    }
    text = repr(body)
    for secret in api.keys.values():
        assert secret not in text and secret[12:] not in text


async def test_only_admins_list_and_revoke_keys(api: Api) -> None:
    await _admin(api)
    _, listed, _ = await api.call("GET", "/api/v1/api-keys", key="admin")
    some_id = listed["items"][-1]["id"]
    for key in ("editor", "approver", "viewer", "partner", "userless"):
        status, problem, _ = await api.call("GET", "/api/v1/api-keys", key=key)
        assert status == 403 and "an admin may" in problem["detail"], (key, problem)
        status, _, _ = await api.call("POST", f"/api/v1/api-keys/{some_id}/revoke", key=key)
        assert status == 403, key
    _, after, _ = await api.call("GET", "/api/v1/api-keys", key="admin")
    assert all(k["revoked_at"] is None for k in after["items"])


async def test_a_revoked_key_is_refused_on_the_next_request(api: Api) -> None:
    await _admin(api)
    status, _, _ = await api.call("GET", "/api/v1/campaigns", key="viewer")
    assert status == 200
    _, listed, _ = await api.call("GET", "/api/v1/api-keys", key="admin")
    viewer = next(k for k in listed["items"] if k["name"] == "viewer")

    status, revoked, _ = await api.call(
        "POST", f"/api/v1/api-keys/{viewer['id']}/revoke", key="admin"
    )
    assert status == 200, revoked
    assert revoked["changed"] is True and revoked["revoked_at"] is not None
    assert revoked["prefix"] == viewer["prefix"]

    status, problem, _ = await api.call("GET", "/api/v1/campaigns", key="viewer")
    assert status == 401 and "unknown or revoked" in problem["detail"]

    status, again, _ = await api.call(
        "POST", f"/api/v1/api-keys/{viewer['id']}/revoke", key="admin"
    )
    assert (status, again["changed"], again["revoked_at"]) == (200, False, revoked["revoked_at"])
    _, listed, _ = await api.call("GET", "/api/v1/api-keys", key="admin")
    still = next(k for k in listed["items"] if k["name"] == "viewer")
    assert still["revoked_at"] == revoked["revoked_at"]
    status, _, _ = await api.call("GET", "/api/v1/campaigns", key="editor")
    assert status == 200  # only that key


async def test_revoking_a_key_that_does_not_exist_is_a_404(api: Api) -> None:
    await _admin(api)
    for path in ("/api/v1/api-keys/999/revoke", "/api/v1/api-keys/cmp_x/revoke"):
        status, problem, content_type = await api.call("POST", path, key="admin")
        assert (status, content_type) == (404, "application/problem+json"), problem
        assert "no API key" in problem["detail"]
