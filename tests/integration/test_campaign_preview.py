"""A campaign's preview: recipients per channel and language, fallbacks, and the SMS cost over
the real audience (a household counted once, a name with ë making one SMS dearer)."""

from __future__ import annotations

from datetime import timedelta

from tests.api_client import Api
from tests.factories import contact, sms_and_email_template


async def test_preview_counts_languages_fallbacks_and_cost(api: Api) -> None:
    db, clock = api.services.database, api.services.clock
    await contact(db, clock, phone="+32470000001", first_name="An")
    await contact(db, clock, phone="+32470000002", first_name="Zoë")
    await contact(db, clock, phone="+32470000003", first_name="Jan")
    await contact(db, clock, phone="+32470000003", first_name="Mia")  # Jan's household
    await contact(db, clock, phone="+32470000004", first_name="Ahmed", language="ar")
    await contact(db, clock, email="els@example.org", first_name="Els")
    await contact(db, clock, phone="+32470000005", consent_sms=False)  # not reached
    version = await sms_and_email_template(db, clock)
    body = {
        "name": "Preview",
        "template_version_id": version,
        "audience_query": "language IS SET",
        "starts_at": (clock.now() + timedelta(hours=1)).isoformat(),
    }
    _, created, _ = await api.call("POST", "/api/v1/campaigns", json=body)

    status, preview, _ = await api.call(
        "GET", f"/api/v1/campaigns/{created['id']}/preview", key="viewer"
    )
    assert status == 200, preview
    assert preview["recipients"] == 5
    sms = preview["by_channel"]["sms"]
    assert sms["recipients"] == 4
    assert sms["by_language"]["nl"] | {} == {
        "recipients": 3,
        "fallback": 0,
        "segments": 3,
        "ucs2": 1,
        "over_cap": 0,
        "unrenderable": 0,
        "cost": 0.24,
    }
    assert sms["by_language"]["en"]["fallback"] == 1
    assert preview["by_channel"]["email"]["recipients"] == 1
    assert preview["fallback"] == {"ar": {"en": 1}}
    assert preview["sms"]["segments"] == 4 and preview["sms"]["cost"] == 0.32
    assert preview["sms"]["costly_characters"] == [{"character": "ë", "recipients": 1}]


async def test_preview_counts_who_a_channel_fallback_could_carry(api: Api) -> None:
    db, clock = api.services.database, api.services.clock
    await contact(db, clock, phone="+32470000001", email="an@example.org")  # both channels
    await contact(db, clock, phone="+32470000002", email="bo@example.org", consent_email=False)
    await contact(db, clock, phone="+32470000003")  # no email at all
    await contact(db, clock, email="els@example.org", phone="+32470000004", consent_sms=False)
    await contact(db, clock, email="jo@example.org", phone="+32470000005")
    version = await sms_and_email_template(db, clock)
    body = {
        "name": "Fallback",
        "template_version_id": version,
        "audience_query": "language IS SET",
        "starts_at": (clock.now() + timedelta(hours=1)).isoformat(),
        "honour_contact_channel": False,
        "channel_fallback": True,
    }
    _, created, _ = await api.call("POST", "/api/v1/campaigns", json=body)
    assert created["channel_fallback"] is True

    _, preview, _ = await api.call("GET", f"/api/v1/campaigns/{created['id']}/preview")

    assert preview["by_channel"]["sms"]["recipients"] == 4  # all but Els, on SMS first
    assert preview["channel_fallback"] == {
        "enabled": True,
        "could_fall_back": {"sms": 2, "email": 0},  # An and Jo have email to fall back on
    }
