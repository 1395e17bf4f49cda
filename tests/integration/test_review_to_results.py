"""From review to results, through the API the product serves (#14's proof): a campaign about one
measure in Dutch, French and Arabic is checked on its real recipients, a blocking finding shows at
submission, the approver reads the French and Arabic messages and the warnings, and after the
run the CSV of results gives every person's outcome and reason, matching the stats."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from yarl import URL

from audiences.contacts.model import FieldType
from campaign.channels.sandbox import SandboxProvider
from campaign.kernel.clock import ManualClock
from tests.api_client import Api
from tests.factories import contact, register

_BODIES = {
    "nl": "Dag {{ first_name }}. {{ measure.title }}. Bel {{ measure.contact_point }}. {{ stop }}",
    "fr": "Bonjour {{ first_name }}. {{ measure.title }}. Appelez le {{ measure.contact_point }}. "
    "{{ stop }}",
    "ar": "مرحبا {{ first_name }}. {{ measure.title }}. اتصل بالرقم {{ measure.contact_point }}. "
    "{{ stop }}",
}
_TITLES = {
    "nl": "Bent u tijdelijk werkloos? U krijgt hulp bij uw energiefactuur",
    "fr": "Vous êtes en chômage temporaire ? Vous recevez de l'aide pour l'énergie",
    "ar": "هل أنت عاطل مؤقتا؟ تحصل على مساعدة في فاتورة الطاقة",
}


async def _setup(api: Api) -> dict[str, int]:
    db, clock = api.services.database, api.services.clock
    await register(db, tijdelijk_werkloos=FieldType.BOOLEAN)
    out_of_work = {"tijdelijk_werkloos": True}

    async def person(name: str, **values: Any) -> tuple[str, int]:
        values.setdefault("attributes", out_of_work)
        return name, await contact(db, clock, first_name=name, **values)

    return dict(
        [
            await person("An", phone="+32470000001"),
            await person("Marie-Françoise", phone="+32470000002", language="fr"),
            await person("سارة", phone="+32470000003", language="ar"),
            await person("Bram", phone="+32499000001"),  # the simulator's unknown number
            await person("Eva", phone="+32470000005", opted_out_sms_at=clock.now()),
            await person("Tom", phone="+32470000006", attributes={"tijdelijk_werkloos": False}),
        ]
    )


async def test_from_checks_on_real_recipients_to_every_persons_outcome(api: Api) -> None:
    people = await _setup(api)
    variants = [
        {"language": lang, "channel": "sms", "body": body} for lang, body in _BODIES.items()
    ]
    _, version, _ = await api.call(
        "POST", "/api/v1/templates/energy/versions", json={"name": "Energy", "variants": variants}
    )
    translations = {lang: {"title": title} for lang, title in _TITLES.items()}
    measure_body = {
        "slug": "energy-unemployed",
        "level": "federal",
        "theme": "energy",
        "translations": translations,
        "eligibility": "tijdelijk_werkloos",
    }  # no contact point yet: every message would say "Bel ."
    _, measure, _ = await api.call("POST", "/api/v1/measures", json=measure_body)
    campaign = {
        "name": "Energy help for people out of work",
        "template_version_id": version["id"],
        "audience_query": "phone IS SET",
        "starts_at": (api.services.clock.now() + timedelta(minutes=10)).isoformat(),
        "channels": ["sms"],
        "measure_ids": [measure["id"]],
        "rate_per_second": 50,
    }
    _, created, _ = await api.call("POST", "/api/v1/campaigns", json=campaign)
    cid = created["id"]

    # Submitting shows the hole at once, to the editor.
    _, submitted, _ = await api.call("POST", f"/api/v1/campaigns/{cid}/submit")
    missing = [f for f in submitted["checks"]["blocking"] if f["code"] == "missing_value"]
    assert {f["variant"] for f in missing} == {"nl sms", "fr sms", "ar sms"}

    # The editor fills in the number; editing sends it back to draft; it is submitted again.
    measure_body["contact_point"] = "1700"
    await api.call("PUT", f"/api/v1/measures/{measure['id']}", json=measure_body)
    await api.call("PUT", f"/api/v1/campaigns/{cid}", json=campaign)
    _, submitted, _ = await api.call("POST", f"/api/v1/campaigns/{cid}/submit")
    assert submitted["checks"]["blocking"] == []
    warnings = {f["code"]: f for f in submitted["checks"]["warnings"]}
    assert warnings["eligibility_narrows"]["recipients"] == 1  # Tom is not out of work

    # The approver reads the French and Arabic messages as their readers will get them.
    path = f"/api/v1/campaigns/{cid}/preview/messages"
    _, french, _ = await api.call("GET", f"{path}?language=fr", key="approver")
    _, arabic, _ = await api.call("GET", f"{path}?language=ar", key="approver")
    assert french["items"][0]["text"].startswith(
        "Bonjour Marie-Françoise. Vous êtes en chômage temporaire"
    )
    assert "Appelez le 1700" in french["items"][0]["text"]
    assert arabic["items"][0]["text"].startswith("مرحبا سارة. هل أنت عاطل مؤقتا")
    _, checks, _ = await api.call("GET", f"/api/v1/campaigns/{cid}/checks", key="approver")
    assert {f["code"] for f in checks["warnings"]} == {"eligibility_narrows"}
    status, approved, _ = await api.call("POST", f"/api/v1/campaigns/{cid}/approve", key="approver")
    assert status == 200, approved

    # The run, to the end.
    clock = api.services.clock
    assert isinstance(clock, ManualClock)
    clock.advance(600)
    assert await api.services.campaigns.start_due() == [cid]
    sandboxes = [p for p in api.services.providers.values() if isinstance(p, SandboxProvider)]
    for _ in range(5):
        while await api.services.worker.run_once():
            pass
        clock.advance(1)
        for sandbox in sandboxes:
            await sandbox.flush()
    assert await api.services.campaigns.complete_finished() == [cid]

    # Every person's outcome and reason, from the two files, matching the stats.
    sent = await api.csv_rows(f"/api/v1/campaigns/{cid}/messages.csv")
    left_out = await api.csv_rows(f"/api/v1/campaigns/{cid}/exclusions.csv")
    outcome = {int(r["contact_id"]): r["state"] for r in sent}
    why = {int(r["contact_id"]): r["reason"] for r in left_out}
    name = {i: n for n, i in people.items()}
    assert {name[i]: s for i, s in outcome.items()} == {
        "An": "delivered",
        "Marie-Françoise": "delivered",
        "سارة": "delivered",
        "Bram": "failed_permanent",
    }
    assert {name[i]: r for i, r in why.items()} == {"Eva": "opted_out", "Tom": "not_eligible"}
    bram = next(r for r in sent if int(r["contact_id"]) == people["Bram"])
    assert bram["reason"]  # the provider's words on why it failed

    _, stats, _ = await api.call("GET", f"/api/v1/campaigns/{cid}/stats")
    assert stats["by_status"] == dict(Counter(outcome.values()))
    assert stats["excluded"]["by_reason"] == dict(Counter(why.values()))
    assert stats["started_at"] and stats["completed_at"]
    _, history, _ = await api.call("GET", f"/api/v1/campaigns/{cid}/history", key="viewer")
    assert [e["action"] for e in history["items"]] == [
        "create",
        "submit",
        "withdraw",  # the edit took it back to draft first
        "edit",
        "submit",
        "approve",
        "start",
        "complete",
    ]


async def test_staff_read_a_sent_message_with_its_web_copy_and_unsubscribe_links(api: Api) -> None:
    db, clock = api.services.database, api.services.clock
    await contact(db, clock, phone="+32470000001", first_name="An")
    variants = [
        {"language": "nl", "channel": "sms", "body": "Dag {{ first_name }}. Bel 1700. {{ stop }}"}
    ]
    _, version, _ = await api.call(
        "POST", "/api/v1/templates/short/versions", json={"name": "Short", "variants": variants}
    )
    body = {
        "name": "Short",
        "template_version_id": version["id"],
        "audience_query": "phone IS SET",
        "starts_at": clock.now().isoformat(),
        "channels": ["sms"],
    }
    _, created, _ = await api.call("POST", "/api/v1/campaigns", json=body)
    cid = created["id"]
    await api.call("POST", f"/api/v1/campaigns/{cid}/submit")
    await api.call("POST", f"/api/v1/campaigns/{cid}/approve", key="approver")
    assert await api.services.campaigns.start_due() == [cid]
    _, listed, _ = await api.call("GET", f"/api/v1/campaigns/{cid}/messages")
    message_id = listed["items"][0]["id"]
    path = f"/api/v1/campaigns/{cid}/messages/{message_id}/copy"

    status, copy, _ = await api.call("GET", path, key="approver")

    assert status == 200, copy
    assert copy["text"].startswith("Dag An. Bel 1700.")
    page = await api.client.get(URL(copy["web_url"]).path)
    assert page.status == 200 and "Dag An." in await page.text()
    form = await api.client.get(URL(copy["unsubscribe_url"]).path)
    assert form.status == 200  # asks first; only the POST opts out
    assert (await api.call("GET", path, key="viewer"))[0] == 403
    elsewhere = f"/api/v1/campaigns/{cid + 1}/messages/{message_id}/copy"
    assert (await api.call("GET", elsewhere))[0] == 404
