"""Template versions through the API: refused at save time, never at send time."""

from __future__ import annotations

from typing import Any

from tests.api_client import Api


def _version(**sms: Any) -> dict[str, Any]:
    return {
        "name": "Energy help",
        "variants": [
            {
                "language": "nl",
                "channel": "sms",
                "body": "Dag {{ first_name }}. Bel 1700. {{ stop }}",
            }
            | sms,
            {
                "language": "nl",
                "channel": "email",
                "subject": "Hulp",
                "body": "Dag {{ first_name }},\n\nBel 1700.",
            },
        ],
    }


async def test_each_save_makes_a_new_version(api: Api) -> None:
    status, first, _ = await api.call("POST", "/api/v1/templates/energy/versions", json=_version())
    assert (status, first["version"]) == (201, 1), first
    _, second, _ = await api.call("POST", "/api/v1/templates/energy/versions", json=_version())
    assert second["version"] == 2
    status, listed, _ = await api.call("GET", "/api/v1/templates", key="viewer")
    assert listed["items"][0]["versions"] == [
        {"id": first["id"], "version": 1},
        {"id": second["id"], "version": 2},
    ]
    status, got, _ = await api.call("GET", f"/api/v1/template-versions/{first['id']}")
    assert got["variants"][0]["body"].startswith("Dag")


async def test_a_broken_variant_is_refused_with_its_line(api: Api) -> None:
    cases = [
        ("Dag\n{{ frist_name }}", "variants[0].body", "line 2"),
        ("{{ ''.__class__.__mro__ }}", "variants[0].body", "not allowed"),
        ("{% if first_name %}", "variants[0].body", "line 1"),
    ]
    for body, where, words in cases:
        status, problem, _ = await api.call(
            "POST", "/api/v1/templates/energy/versions", json=_version(body=body)
        )
        assert (status, problem["where"]) == (422, where), problem
        assert words in problem["detail"]
    status, listed, _ = await api.call("GET", "/api/v1/templates")
    assert listed["items"] == []
    status, _, _ = await api.call(
        "POST", "/api/v1/templates/energy/versions", json=_version(), key="viewer"
    )
    assert status == 403


async def test_preview_counts_segments_and_names_what_forces_ucs2(api: Api) -> None:
    _, saved, _ = await api.call("POST", "/api/v1/templates/energy/versions", json=_version())
    status, preview, _ = await api.call(
        "POST",
        f"/api/v1/template-versions/{saved['id']}/preview",
        json={"context": {"first_name": "Zoë"}},
    )
    assert status == 200
    sms = next(i for i in preview["items"] if i["channel"] == "sms")
    assert sms["rendered"]["text"].startswith("Dag Zoë.")
    assert (sms["sms"]["encoding"], sms["sms"]["non_gsm_characters"]) == ("UCS-2", ["ë"])
    assert sms["check"]["sms"]["segments"] == sms["sms"]["segments"]
    assert {"score", "grade", "findings"} <= set(sms["check"]["plain_language"])
    email = next(i for i in preview["items"] if i["channel"] == "email")
    assert '<html lang="nl"' in email["rendered"]["html"]
