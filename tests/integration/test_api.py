"""The JSON API through a real aiohttp server, on SQLite and PostgreSQL.

Keys are made the way an admin makes them (``Accounts``), so the tests cover the hashing,
the identity a key carries, four-eyes approval through keys, and the problem+json errors.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api_client import Api
from tests.factories import contact, sms_and_email_template


async def _campaign_body(api: Api) -> dict[str, Any]:
    clock = api.services.clock
    version = await sms_and_email_template(api.services.database, clock)
    await contact(api.services.database, clock, phone="+32470000001", region="Vlaanderen")
    return {
        "name": "Energy help",
        "template_version_id": version,
        "audience_query": "region IS SET",
        "starts_at": (clock.now() + timedelta(hours=1)).isoformat(),
        "channels": ["sms"],
    }


async def test_requests_without_a_valid_key_are_refused(api: Api) -> None:
    status, body, content_type = await api.call("GET", "/api/v1/campaigns", key=None)
    assert (status, content_type) == (401, "application/problem+json")
    assert "Bearer" in body["detail"]
    api.keys["forged"] = "cmp_" + "x" * 40
    status, body, _ = await api.call("GET", "/api/v1/campaigns", key="forged")
    assert status == 401 and "unknown or revoked" in body["detail"]


async def test_four_eyes_hold_through_keys(api: Api) -> None:
    status, created, _ = await api.call("POST", "/api/v1/campaigns", json=await _campaign_body(api))
    assert status == 201, created
    assert created["state"] == "draft" and created["stats"]["total"] == 0
    cid = created["id"]
    status, submitted, _ = await api.call("POST", f"/api/v1/campaigns/{cid}/submit")
    assert (status, submitted["state"]) == (200, "awaiting_approval")

    status, body, _ = await api.call("POST", f"/api/v1/campaigns/{cid}/approve", key="userless")
    assert status == 403 and "person" in body["detail"]
    status, body, _ = await api.call("POST", f"/api/v1/campaigns/{cid}/approve", key="approver")
    assert (status, body["state"]) == (200, "scheduled")

    status, listed, _ = await api.call("GET", "/api/v1/campaigns", key="viewer")
    assert status == 200
    assert [(c["id"], c["state"]) for c in listed["items"]] == [(cid, "scheduled")]
    status, stats, _ = await api.call("GET", f"/api/v1/campaigns/{cid}/stats", key="viewer")
    assert stats == {
        "total": 0,
        "by_status": {},
        "by_channel": {},
        "by_language": {},
        "fallbacks": {"total": 0, "by_channel": {}},
        "reasons": {},
        "excluded": {"total": 0, "by_reason": {}},
        "cost": 0,
        "started_at": None,
        "completed_at": None,
    }


async def test_an_editor_cannot_approve_a_campaign(api: Api) -> None:
    _, created, _ = await api.call("POST", "/api/v1/campaigns", json=await _campaign_body(api))
    await api.call("POST", f"/api/v1/campaigns/{created['id']}/submit")
    status, body, content_type = await api.call(
        "POST", f"/api/v1/campaigns/{created['id']}/approve"
    )
    assert (status, content_type) == (403, "application/problem+json")


async def test_bad_input_names_what_is_wrong(api: Api) -> None:
    body = await _campaign_body(api)
    status, problem, _ = await api.call("POST", "/api/v1/campaigns", json=body | {"name": ""})
    assert (status, problem["where"]) == (422, "name")
    status, problem, _ = await api.call(
        "POST", "/api/v1/campaigns", json=body | {"audience_query": "region = "}
    )
    assert (status, problem["where"]) == (422, "audience_query")
    status, problem, _ = await api.call("POST", "/api/v1/campaigns", data="{not json")
    assert status == 422 and "not valid JSON" in problem["detail"]
    status, problem, _ = await api.call("POST", "/api/v1/campaigns", json=body, key="viewer")
    assert status == 403


async def test_actions_follow_the_state_table(api: Api) -> None:
    _, created, _ = await api.call("POST", "/api/v1/campaigns", json=await _campaign_body(api))
    cid = created["id"]
    status, problem, _ = await api.call("POST", f"/api/v1/campaigns/{cid}/start")
    assert status == 404 and "submit" in problem["detail"]
    status, problem, _ = await api.call("POST", f"/api/v1/campaigns/{cid}/pause")
    assert status == 409
    status, problem, _ = await api.call("POST", f"/api/v1/campaigns/{cid}/cancel")
    assert (status, problem["where"]) == (422, "reason")
    status, done, _ = await api.call(
        "POST", f"/api/v1/campaigns/{cid}/cancel", json={"reason": "duplicate"}
    )
    assert (status, done["state"]) == (200, "cancelled")


async def test_a_partner_sees_only_its_own_campaigns(api: Api) -> None:
    _, created, _ = await api.call("POST", "/api/v1/campaigns", json=await _campaign_body(api))
    status, listed, _ = await api.call("GET", "/api/v1/campaigns", key="partner")
    assert (status, listed["items"]) == (200, [])
    status, _, _ = await api.call("GET", f"/api/v1/campaigns/{created['id']}", key="partner")
    assert status == 404


async def test_health_answers_without_a_key(api: Api) -> None:
    status, body, _ = await api.call("GET", "/healthz", key=None)
    assert (status, body["status"]) == (200, "ok")
