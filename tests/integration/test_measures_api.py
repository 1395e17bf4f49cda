"""The measures catalogue through the API: validation, events, and who may write."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from audiences.contacts.model import FieldType
from campaign.store.tables import outbox
from tests.api_client import Api
from tests.factories import register, sms_and_email_template


def _measure(**overrides: Any) -> dict[str, Any]:
    return {
        "slug": "energy-help",
        "level": "regional",
        "theme": "energy",
        "translations": {
            "nl": {"title": "Hulp bij uw energiefactuur", "summary": "Extra geld."},
            "fr": {"title": "Aide pour votre facture", "summary": "De l'argent en plus."},
        },
        "eligibility": "temporary_unemployed OR age >= 65",
        "contact_point": "1700",
        "valid_from": "2020-04-01T00:00:00+02:00",
    } | overrides


async def _with_fields(api: Api) -> None:
    await register(
        api.services.database, temporary_unemployed=FieldType.BOOLEAN, age=FieldType.NUMBER
    )


async def _topics(api: Api) -> list[str]:
    async with api.services.database.read_session() as session:
        rows = await session.execute(select(outbox.c.topic).order_by(outbox.c.id))
        return [t for t in rows.scalars() if t.startswith("measure.")]


async def test_publish_read_and_change_a_measure(api: Api) -> None:
    await _with_fields(api)
    status, created, _ = await api.call("POST", "/api/v1/measures", json=_measure())
    assert status == 201, created
    assert created["valid_from"] == "2020-03-31T22:00:00+00:00"
    assert created["translations"]["fr"]["how_to"] == ""
    status, listed, _ = await api.call("GET", "/api/v1/measures", key="viewer")
    assert [m["slug"] for m in listed["items"]] == ["energy-help"]

    changed = _measure(status="existing", amount="€ 100")
    status, body, _ = await api.call("PUT", f"/api/v1/measures/{created['id']}", json=changed)
    assert (status, body["status"], body["amount"]) == (200, "existing", "€ 100")
    assert await _topics(api) == ["measure.published", "measure.updated"]


async def test_a_bad_measure_says_which_field(api: Api) -> None:
    await _with_fields(api)
    cases = [
        (_measure(eligibility="age >>= 65"), "eligibility"),
        (_measure(translations={"xx": {"title": "?"}}), "translations"),
        (_measure(translations={"nl": {"title": ""}}), "translations.nl.title"),
        (_measure(slug="Not A Slug"), "slug"),
        (_measure(valid_until="2020-01-01T00:00:00+00:00"), "valid_until"),
    ]
    for body, where in cases:
        status, problem, content_type = await api.call("POST", "/api/v1/measures", json=body)
        assert (status, content_type) == (422, "application/problem+json"), problem
        assert problem["where"] == where, problem
    assert await _topics(api) == []


async def test_only_editors_write_and_slugs_are_unique(api: Api) -> None:
    await _with_fields(api)
    status, _, _ = await api.call("POST", "/api/v1/measures", json=_measure(), key="viewer")
    assert status == 403
    status, _, _ = await api.call("POST", "/api/v1/measures", json=_measure(), key="partner")
    assert status == 403
    await api.call("POST", "/api/v1/measures", json=_measure())
    status, problem, _ = await api.call("POST", "/api/v1/measures", json=_measure())
    assert status == 409 and "exists" in problem["detail"]
    status, _, _ = await api.call("GET", "/api/v1/measures/999", key="viewer")
    assert status == 404


async def test_the_campaign_list_shows_each_campaigns_measures(api: Api) -> None:
    """Reported in #14: the list said `measure_ids: []` for every campaign."""
    await _with_fields(api)
    _, energy, _ = await api.call("POST", "/api/v1/measures", json=_measure())
    _, water, _ = await api.call("POST", "/api/v1/measures", json=_measure(slug="water-help"))
    version = await sms_and_email_template(api.services.database, api.services.clock)
    made = {}
    for name, ids in (("both", [water["id"], energy["id"]]), ("none", []), ("one", [water["id"]])):
        body = {
            "name": name,
            "template_version_id": version,
            "audience_query": "language IS SET",
            "starts_at": (api.services.clock.now() + timedelta(hours=1)).isoformat(),
            "measure_ids": ids,
        }
        status, created, _ = await api.call("POST", "/api/v1/campaigns", json=body)
        assert status == 201, created
        made[name] = sorted(ids)

    status, listed, _ = await api.call("GET", "/api/v1/campaigns", key="viewer")

    assert status == 200
    assert {c["name"]: c["measure_ids"] for c in listed["items"]} == made
