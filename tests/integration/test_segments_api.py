"""Saved segments and previews through the HTTP API: CRUD, errors that point, who may do what."""

from __future__ import annotations

from audiences.contacts.model import FieldType
from tests.api_client import Api
from tests.factories import contact, register


async def _people(api: Api) -> None:
    database, clock = api.services.database, api.services.clock
    await register(database, age=FieldType.NUMBER)
    await contact(database, clock, first_name="Anna", phone="+32470000001", attributes={"age": 70})
    await contact(
        database,
        clock,
        language="fr",
        email="luc@example.org",
        consent_email=False,
        attributes={"age": 80},
    )
    await contact(database, clock, phone="+32470000003", attributes={"age": 20})


async def test_create_read_change_and_delete_a_segment(api: Api) -> None:
    await _people(api)
    body = {"name": "Older people", "query": "age >= 65"}
    status, created, _ = await api.call("POST", "/api/v1/segments", json=body)
    assert status == 201, created
    assert (created["name"], created["query"], created["partner_id"]) == (
        "Older people",
        "age >= 65",
        None,
    )
    path = f"/api/v1/segments/{created['id']}"
    status, listed, _ = await api.call("GET", "/api/v1/segments", key="viewer")
    assert (status, [s["id"] for s in listed["items"]]) == (200, [created["id"]])
    status, changed, _ = await api.call("PUT", path, json={"name": "Over 75", "query": "age > 75"})
    assert (status, changed["query"]) == (200, "age > 75")
    status, got, _ = await api.call("GET", path, key="viewer")
    assert (status, got["name"]) == (200, "Over 75")
    status, _, _ = await api.call("DELETE", path)
    assert status == 204
    status, problem, content_type = await api.call("GET", path)
    assert (status, content_type) == (404, "application/problem+json")


async def test_a_bad_query_is_a_422_that_points_at_line_and_column(api: Api) -> None:
    await _people(api)
    body = {"name": "typo", "query": 'language = "nl"\n  AND agee >= 65'}
    status, problem, content_type = await api.call("POST", "/api/v1/segments", json=body)
    assert (status, content_type) == (422, "application/problem+json"), problem
    assert problem["where"] == "query"
    assert "line 2, column 7" in problem["detail"]
    assert "did you mean 'age'" in problem["detail"]
    status, problem, _ = await api.call(
        "POST", "/api/v1/segments/preview", json={"query": "age >>= 65"}, key="viewer"
    )
    assert status == 422 and "line 1, column 5" in problem["detail"], problem
    status, listed, _ = await api.call("GET", "/api/v1/segments")
    assert listed["items"] == []


async def test_preview_has_the_contract_shape(api: Api) -> None:
    await _people(api)
    status, body, _ = await api.call(
        "POST", "/api/v1/segments/preview", json={"query": "age >= 65"}, key="editor"
    )
    assert status == 200, body
    assert set(body) == {"matched", "reachable", "excluded", "sample"}
    assert body["matched"] == 2
    assert body["reachable"] == {"sms": 1, "email": 0, "by_language": {"nl": 1}}
    assert body["excluded"]["sms"]["no_address"] == 1
    assert body["excluded"]["email"] == {
        "no_address": 1,
        "no_consent": 1,
        "opted_out": 0,
        "suppressed": 0,
        "duplicate_address": 0,
    }
    assert [s["phone"] for s in body["sample"]] == ["+32 4** ** ** 01", None]
    assert body["sample"][1]["email"] == "l***@example.org"


async def test_viewers_read_and_partners_keep_to_their_own(api: Api) -> None:
    await _people(api)
    body = {"name": "All", "query": "age IS SET"}
    status, _, _ = await api.call("POST", "/api/v1/segments", json=body, key="viewer")
    assert status == 403
    status, staff, _ = await api.call("POST", "/api/v1/segments", json=body)
    status, mine, _ = await api.call("POST", "/api/v1/segments", json=body, key="partner")
    assert status == 201 and mine["partner_id"] is not None
    status, listed, _ = await api.call("GET", "/api/v1/segments", key="partner")
    assert [s["id"] for s in listed["items"]] == [mine["id"]]
    for method in ("GET", "PUT", "DELETE"):
        status, _, _ = await api.call(
            method, f"/api/v1/segments/{staff['id']}", json=body, key="partner"
        )
        assert status == 404, method
    # The partner owns none of the three contacts: its preview counts nobody.
    status, preview, _ = await api.call(
        "POST", "/api/v1/segments/preview", json={"query": "age IS SET"}, key="partner"
    )
    assert (status, preview["matched"], preview["sample"]) == (200, 0, [])
