"""The message check answers in the staff member's language, chosen by Accept-Language."""

from __future__ import annotations

from typing import Any

from tests.api_client import Api

BODY = {"channel": "sms", "language": "nl", "text": "Ga naar het OCMW: https://example.org"}


async def _check(api: Api, accept_language: str | None) -> tuple[Any, Any]:
    headers = {"Authorization": f"Bearer {api.keys['editor']}"}
    if accept_language is not None:
        headers["Accept-Language"] = accept_language
    response = await api.client.post("/api/v1/messages/check", json=BODY, headers=headers)
    assert response.status == 200
    return await response.json(), response.headers


def _messages(body: Any) -> dict[str, str]:
    findings = body["sms"]["findings"] + body["plain_language"]["findings"]
    return {f["rule"]: f["message"] for f in findings}


async def test_findings_follow_the_accept_language_header(api: Api) -> None:
    english, english_headers = await _check(api, None)
    french, french_headers = await _check(api, "fr-BE, nl;q=0.5")
    dutch, _ = await _check(api, "es, nl;q=0.9, fr;q=0.8")
    assert english_headers["Content-Language"] == "en"
    assert french_headers["Content-Language"] == "fr"
    assert "Accept-Language" in french_headers["Vary"]
    assert _messages(english)["only_link"].startswith("The SMS is little more than a link")
    assert _messages(french)["only_link"].startswith("Le SMS n'est guère plus qu'un lien")
    assert _messages(dutch)["jargon"].startswith("Leg 'OCMW' uit")
    # The codes, details and spans do not change with the words.
    for body in (french, dutch):
        assert set(_messages(body)) == set(_messages(english))
        assert body["plain_language"]["findings"][0]["details"] == {
            "term": "OCMW",
            "suggestion": "het OCMW (de sociale dienst van uw gemeente)",
        }
