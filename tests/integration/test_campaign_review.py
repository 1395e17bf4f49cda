"""What the approver sees is what people get: checks and previews on the campaign's real
recipients and measures, warnings at submission, the history, pinned measure texts, and
campaigns that take a saved segment."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from yarl import URL

from audiences.contacts.model import FieldType
from campaign.campaigns.states import CampaignState
from campaign.kernel.identity import Identity, Role
from campaign.store.tables import campaign_runs, messages
from tests.api_client import Api
from tests.factories import campaign_row, contact, contact_partner_link, partner_row, register

_BODIES = {
    "nl": "Dag {{ first_name }}. {{ measure.title }}: {{ measure.summary }} "
    "Bel {{ measure.contact_point }}. {{ stop }}",
    "fr": "Bonjour {{ first_name }}. {{ measure.title }} : {{ measure.summary }} "
    "Appelez le {{ measure.contact_point }}. {{ stop }}",
    "ar": "مرحبا {{ first_name }}. {{ measure.title }}: {{ measure.summary }} "
    "اتصل بالرقم {{ measure.contact_point }}. {{ stop }}",
}

_TEXTS = {
    "nl": {"title": "Hulp bij uw energiefactuur", "summary": "U krijgt extra geld."},
    "fr": {"title": "Aide pour votre facture", "summary": "Vous recevez de l'argent."},
    "ar": {"title": "مساعدة في فاتورة الطاقة", "summary": "تحصل على مال إضافي."},
}


async def _template(api: Api, languages: tuple[str, ...] = ("nl", "fr", "ar")) -> int:
    variants = [{"language": lang, "channel": "sms", "body": _BODIES[lang]} for lang in languages]
    status, saved, _ = await api.call(
        "POST",
        f"/api/v1/templates/help-{'-'.join(languages)}/versions",
        json={"name": "Help", "variants": variants},
    )
    assert status == 201, saved
    return int(saved["id"])


async def _measure(api: Api, **overrides: Any) -> int:
    body = {
        "slug": "energy-help",
        "level": "regional",
        "theme": "energy",
        "translations": _TEXTS,
        "contact_point": "1700",
    } | overrides
    status, created, _ = await api.call("POST", "/api/v1/measures", json=body)
    assert status == 201, created
    return int(created["id"])


async def _campaign(api: Api, version: int, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "Energy help",
        "template_version_id": version,
        "audience_query": "phone IS SET",
        "starts_at": (api.services.clock.now() + timedelta(hours=1)).isoformat(),
        "channels": ["sms"],
    } | fields
    status, created, _ = await api.call("POST", "/api/v1/campaigns", json=body)
    assert status == 201, created
    return dict(created)


async def _people(api: Api) -> None:
    db, clock = api.services.database, api.services.clock
    await contact(db, clock, phone="+32470000001", first_name="An", language="nl")
    await contact(db, clock, phone="+32470000002", first_name="Marie-Françoise", language="fr")
    await contact(db, clock, phone="+32470000003", first_name="Zoë", language="fr")
    await contact(db, clock, phone="+32470000004", first_name="سارة", language="ar")


def _codes(findings: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(f["code"], f["variant"]) for f in findings]


async def test_a_campaign_without_its_measure_is_blocked_at_submission(api: Api) -> None:
    await _people(api)
    created = await _campaign(api, await _template(api))  # no measure: "Bel ." otherwise

    status, submitted, _ = await api.call("POST", f"/api/v1/campaigns/{created['id']}/submit")

    assert (status, submitted["state"]) == (200, "awaiting_approval")
    blocking = submitted["checks"]["blocking"]
    assert {v for code, v in _codes(blocking) if code == "no_measure"} == {
        "nl sms",
        "fr sms",
        "ar sms",
    }
    # Found on the messages real people would get ("Bel ."): no number to call.
    assert ("no_phone_number", "nl sms") in _codes(blocking)
    status, problem, _ = await api.call(
        "POST", f"/api/v1/campaigns/{created['id']}/approve", key="approver"
    )
    assert status == 409 and "names no measure" in problem["detail"]


async def test_an_empty_measure_value_is_a_blocking_finding(api: Api) -> None:
    await _people(api)
    measure = await _measure(api, contact_point=None)
    created = await _campaign(api, await _template(api), measure_ids=[measure])

    _, report, _ = await api.call("GET", f"/api/v1/campaigns/{created['id']}/checks")

    missing = [f for f in report["blocking"] if f["code"] == "missing_value"]
    assert {f["variant"] for f in missing} == {"nl sms", "fr sms", "ar sms"}
    assert all("measure.contact_point" in f["message"] for f in missing)


async def test_the_approver_reads_each_language_as_its_readers_get_it(api: Api) -> None:
    await _people(api)
    measure = await _measure(api)
    created = await _campaign(api, await _template(api), measure_ids=[measure])
    path = f"/api/v1/campaigns/{created['id']}/preview/messages"

    status, french, _ = await api.call("GET", f"{path}?language=fr", key="approver")

    assert status == 200, french
    assert {p["language"] for p in french["items"]} == {"fr"}
    texts = {p["contact_id"]: p for p in french["items"]}
    assert len(texts) == 2
    longest = next(p for p in french["items"] if "longest first name" in p["chosen_because"])
    assert longest["text"].startswith("Bonjour Marie-Françoise. Aide pour votre facture :")
    assert "Appelez le 1700" in longest["text"] and "STOP" in longest["text"]
    _, arabic, _ = await api.call("GET", f"{path}?language=ar", key="approver")
    assert "مساعدة في فاتورة الطاقة" in arabic["items"][0]["text"]

    # The web copy link opens the message as the recipient would see it on the web.
    page = await api.client.get(URL(longest["web_url"]).path)
    assert page.status == 200
    assert "Marie-Françoise" in await page.text()

    status, _, _ = await api.call("GET", path, key="viewer")  # names are personal data
    assert status == 403


async def test_warnings_are_shown_at_submission_and_kept_with_the_approval(api: Api) -> None:
    db, clock = api.services.database, api.services.clock
    await register(db, tijdelijk_werkloos=FieldType.BOOLEAN)
    yes = {"tijdelijk_werkloos": True}
    await contact(db, clock, phone="+32470000001", first_name="An", attributes=yes)
    await contact(
        db, clock, phone="+32470000002", first_name="Tom", attributes={"tijdelijk_werkloos": False}
    )
    await contact(db, clock, phone="+32470000003", first_name="سارة", language="ar", attributes=yes)
    measure = await _measure(api, eligibility="tijdelijk_werkloos")
    version = await _template(api, ("nl", "fr"))
    created = await _campaign(
        api,
        version,
        measure_ids=[measure],
        starts_at=(clock.now() - timedelta(minutes=5)).isoformat(),
        quiet_hours_override="the vaccination centre closes tomorrow",
        language_fallback=["fr", "nl"],
    )

    _, submitted, _ = await api.call("POST", f"/api/v1/campaigns/{created['id']}/submit")

    warnings = {f["code"]: f for f in submitted["checks"]["warnings"]}
    assert warnings["language_fallback"]["recipients"] == 1  # the Arabic reader gets French
    assert "read ar get the fr text" in warnings["language_fallback"]["message"]
    assert warnings["eligibility_narrows"]["recipients"] == 1  # Tom is not out of work
    assert "starts_in_past" in warnings and "quiet_hours_overridden" in warnings
    assert submitted["checks"]["recipients"] == 2

    status, approved, _ = await api.call(
        "POST", f"/api/v1/campaigns/{created['id']}/approve", key="approver"
    )
    assert status == 200, approved
    await api.services.campaigns.start_due()
    async with db.read_session() as session:
        reached = set((await session.execute(select(messages.c.address))).scalars())
    assert reached == {"+32470000001", "+32470000003"}  # Tom gets nothing

    _, history, _ = await api.call(
        "GET", f"/api/v1/campaigns/{created['id']}/history", key="viewer"
    )
    actions = [(e["action"], e["actor"]) for e in history["items"]]
    assert actions[:3] == [
        ("create", "editor@example.org"),
        ("submit", "editor@example.org"),
        ("approve", "approver@example.org"),
    ]
    approval = history["items"][2]
    assert {f["code"] for f in approval["checks"]["warnings"]} >= {"eligibility_narrows"}


async def test_nobody_reached_is_a_warning(api: Api) -> None:
    measure = await _measure(api)
    created = await _campaign(api, await _template(api), measure_ids=[measure])
    _, submitted, _ = await api.call("POST", f"/api/v1/campaigns/{created['id']}/submit")
    assert _codes(submitted["checks"]["warnings"]) == [("nobody_reached", None)]
    # The variants are still checked, with each language's sample person.
    assert submitted["checks"]["blocking"] == []
    assert submitted["checks"]["checked_messages"] == 3


async def test_rejection_reasons_are_in_the_history(api: Api) -> None:
    await _people(api)
    created = await _campaign(api, await _template(api), measure_ids=[await _measure(api)])
    cid = created["id"]
    await api.call("POST", f"/api/v1/campaigns/{cid}/submit")
    reason = "Say when the help ends."
    await api.call(
        "POST", f"/api/v1/campaigns/{cid}/reject", key="approver", json={"reason": reason}
    )
    _, history, _ = await api.call("GET", f"/api/v1/campaigns/{cid}/history")
    rejected = history["items"][-1]
    assert (rejected["action"], rejected["reason"], rejected["to_state"]) == (
        "reject",
        reason,
        "draft",
    )


async def test_approval_pins_the_measure_texts(api: Api) -> None:
    await _people(api)
    measure = await _measure(api)
    created = await _campaign(api, await _template(api), measure_ids=[measure])
    cid = created["id"]
    await api.call("POST", f"/api/v1/campaigns/{cid}/submit")
    status, approved, _ = await api.call("POST", f"/api/v1/campaigns/{cid}/approve", key="approver")
    assert status == 200, approved
    changed = {
        "slug": "energy-help",
        "level": "regional",
        "theme": "energy",
        "translations": _TEXTS | {"nl": {"title": "Nieuwe titel", "summary": "Ander geld."}},
        "contact_point": "0800",
    }
    status, _, _ = await api.call("PUT", f"/api/v1/measures/{measure}", json=changed)
    assert status == 200

    _, proofs, _ = await api.call(
        "GET", f"/api/v1/campaigns/{cid}/preview/messages?language=nl", key="approver"
    )
    assert "Hulp bij uw energiefactuur" in proofs["items"][0]["text"]
    assert "Bel 1700" in proofs["items"][0]["text"]


async def test_a_campaign_takes_a_saved_segment_read_when_its_run_starts(api: Api) -> None:
    await _people(api)
    _, segment, _ = await api.call(
        "POST", "/api/v1/segments", json={"name": "Dutch", "query": 'language = "nl"'}
    )
    version = await _template(api)
    measure = await _measure(api)
    created = await _campaign(
        api, version, audience_query="", segment_id=segment["id"], measure_ids=[measure]
    )
    assert created["segment_id"] == segment["id"]
    status, problem, _ = await api.call("DELETE", f"/api/v1/segments/{segment['id']}")
    assert status == 409, problem

    cid = created["id"]
    # Changed while the campaign is a draft: the campaign reads it, it did not copy it.
    await api.call(
        "PUT",
        f"/api/v1/segments/{segment['id']}",
        json={"name": "French", "query": 'language = "fr"'},
    )
    await api.call("POST", f"/api/v1/campaigns/{cid}/submit")
    status, approved, _ = await api.call("POST", f"/api/v1/campaigns/{cid}/approve", key="approver")
    assert status == 200, approved
    api.services.clock.advance(7200)  # type: ignore[attr-defined]
    assert await api.services.campaigns.start_due() == [cid]
    async with api.services.database.read_session() as session:
        kept = (await session.execute(select(campaign_runs.c.audience_query))).scalar_one()
        reached = set((await session.execute(select(messages.c.address))).scalars())
    assert kept == 'language = "fr"'
    assert reached == {"+32470000002", "+32470000003"}


async def test_bad_campaign_bodies_answer_422_with_where(api: Api) -> None:
    version = await _template(api)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"measure_ids": [999]}, "measure_ids[0]"),
        ({"audience_query": "", "segment_id": 999}, "segment_id"),
        ({"audience_query": ""}, "audience_query"),
    ]
    for fields, where in cases:
        body: dict[str, Any] = {
            "name": "Bad",
            "template_version_id": version,
            "audience_query": "phone IS SET",
            "starts_at": (api.services.clock.now() + timedelta(hours=1)).isoformat(),
        } | fields
        status, problem, _ = await api.call("POST", "/api/v1/campaigns", json=body)
        assert (status, problem.get("where")) == (422, where), (fields, problem)


async def test_the_template_preview_speaks_each_language(api: Api) -> None:
    version = await _template(api)
    path = f"/api/v1/template-versions/{version}/preview"

    _, samples, _ = await api.call("POST", path, json={})
    by_language = {item["language"]: item["rendered"]["text"] for item in samples["items"]}
    assert "Aide pour votre facture d'énergie" in by_language["fr"]
    assert "مساعدة في فاتورة الطاقة" in by_language["ar"]
    assert "Plus de SMS" in by_language["fr"]  # the French stop sentence, not the English

    measure = await _measure(api, translations={"nl": _TEXTS["nl"]})  # Dutch only
    _, filled, _ = await api.call("POST", path, json={"measure_id": measure})
    items = {item["language"]: item for item in filled["items"]}
    assert "Hulp bij uw energiefactuur" in items["nl"]["rendered"]["text"]
    assert items["nl"]["missing_values"] == []
    assert "measure.title" in items["fr"]["missing_values"]

    status, problem, _ = await api.call(
        "POST", path, json={"context": {"measure": {"title": "Only a title"}}}
    )
    assert (status, problem["where"]) == (422, "context.measure.summary")
    status, problem, _ = await api.call("POST", path, json={"measure_id": 999})
    assert (status, problem["where"]) == (422, "measure_id")


async def test_findings_on_proofs_are_in_the_staff_members_language(api: Api) -> None:
    await _people(api)
    created = await _campaign(api, await _template(api))  # no measure: no number to call
    response = await api.client.get(
        f"/api/v1/campaigns/{created['id']}/preview/messages?language=nl",
        headers={"Authorization": f"Bearer {api.keys['approver']}", "Accept-Language": "fr-BE"},
    )
    proofs = await response.json()
    findings = proofs["items"][0]["check"]["sms"]["findings"]
    assert "Donnez un numéro de téléphone à appeler" in " ".join(f["message"] for f in findings)


async def test_people_with_the_same_dear_name_are_shown_once(api: Api) -> None:
    db, clock = api.services.database, api.services.clock
    for number in range(1, 8):  # the first three, then four more Zoës
        await contact(db, clock, phone=f"+3247000000{number}", first_name="Zoë", language="fr")
    measure = await _measure(api)
    created = await _campaign(api, await _template(api, ("fr",)), measure_ids=[measure])

    _, proofs, _ = await api.call(
        "GET", f"/api/v1/campaigns/{created['id']}/preview/messages", key="approver"
    )

    chosen = [p["chosen_because"] for p in proofs["items"]]
    assert len(chosen) == 3  # the first three; the other Zoës would say the same
    assert any("characters that may cost more" in because for because in chosen)


# ---------------------------------------------------------------------------------------------
# Found in review: each of these let a campaign send what nobody approved, or answered 500.


async def test_the_segment_cap_is_counted_with_links_as_long_as_the_real_ones(api: Api) -> None:
    db, clock = api.services.database, api.services.clock
    await contact(db, clock, phone="+32470000001", first_name="An")
    body = "Dag {{ first_name }}, nieuw: hulp bij uw energiefactuur. Bel 1700. {{ web_url }}"
    _, version, _ = await api.call(
        "POST",
        "/api/v1/templates/link/versions",
        json={"name": "Link", "variants": [{"language": "nl", "channel": "sms", "body": body}]},
    )
    created = await _campaign(api, version["id"], sms_segment_cap=1)

    _, report, _ = await api.call("GET", f"/api/v1/campaigns/{created['id']}/checks")

    assert ("over_segment_cap", "nl sms") in _codes(report["blocking"])


async def test_a_template_one_recipient_breaks_is_a_finding_not_a_500(api: Api) -> None:
    db, clock = api.services.database, api.services.clock
    await contact(db, clock, phone="+32470000001", first_name="An")
    await contact(db, clock, phone="+32470000002", first_name="")
    body = "Dag {{ first_name[0] }}. Bel {{ measure.contact_point }}. {{ stop }}"
    _, version, _ = await api.call(
        "POST",
        "/api/v1/templates/initial/versions",
        json={"name": "Initial", "variants": [{"language": "nl", "channel": "sms", "body": body}]},
    )
    created = await _campaign(api, version["id"], measure_ids=[await _measure(api)])

    status, submitted, _ = await api.call("POST", f"/api/v1/campaigns/{created['id']}/submit")

    assert status == 200, submitted
    problems = [f for f in submitted["checks"]["blocking"] if f["code"] == "template_problem"]
    assert problems and problems[0]["variant"] == "nl sms"


async def test_a_measure_whose_eligibility_broke_is_for_nobody(api: Api) -> None:
    db, clock = api.services.database, api.services.clock
    await register(db, werkloos=FieldType.BOOLEAN)
    await contact(db, clock, phone="+32470000001", attributes={"werkloos": True})
    await contact(db, clock, phone="+32470000002", attributes={"werkloos": False})
    measure = await _measure(api, eligibility="werkloos")
    created = await _campaign(api, await _template(api, ("nl",)), measure_ids=[measure])
    admin = Identity(Role.ADMIN, "admin")
    await api.services.fields.convert(admin, "werkloos", FieldType.TEXT)  # "yes", "no" now

    _, report, _ = await api.call("GET", f"/api/v1/campaigns/{created['id']}/checks")

    assert ("eligibility_broken", None) in _codes(report["blocking"])
    assert report["recipients"] == 0  # not everyone: the mistake eligibility prevents


async def test_a_segment_under_review_keeps_its_query(api: Api) -> None:
    await _people(api)
    _, segment, _ = await api.call(
        "POST", "/api/v1/segments", json={"name": "Dutch", "query": 'language = "nl"'}
    )
    created = await _campaign(
        api,
        await _template(api),
        audience_query="",
        segment_id=segment["id"],
        measure_ids=[await _measure(api)],
    )
    # What the campaign answers can be sent back as it is (the segment's query included).
    status, edited, _ = await api.call(
        "PUT",
        f"/api/v1/campaigns/{created['id']}",
        json={k: created[k] for k in _EDITABLE} | {"name": "Renamed"},
    )
    assert status == 200, edited
    await api.call("POST", f"/api/v1/campaigns/{created['id']}/submit")

    path = f"/api/v1/segments/{segment['id']}"
    status, problem, _ = await api.call("PUT", path, json={"name": "All", "query": "phone IS SET"})
    assert status == 409 and "withdraw it first" in problem["detail"]
    status, _, _ = await api.call(
        "PUT", path, json={"name": "Dutch speakers", "query": 'language = "nl"'}
    )
    assert status == 200  # a new name changes nobody's audience


async def test_a_partners_segment_cannot_carry_a_staff_campaign(api: Api) -> None:
    _, segment, _ = await api.call(
        "POST", "/api/v1/segments", key="partner", json={"name": "Ours", "query": "phone IS SET"}
    )
    assert segment.get("id"), segment
    body = {
        "name": "Theirs",
        "template_version_id": await _template(api),
        "segment_id": segment["id"],
        "starts_at": (api.services.clock.now() + timedelta(hours=1)).isoformat(),
    }
    status, problem, _ = await api.call("POST", "/api/v1/campaigns", json=body)
    assert (status, problem["where"]) == (422, "segment_id")


async def test_measures_edited_after_submission_hold_approval(api: Api) -> None:
    await _people(api)
    measure = await _measure(api)
    created = await _campaign(api, await _template(api), measure_ids=[measure])
    await api.call("POST", f"/api/v1/campaigns/{created['id']}/submit")
    changed = {
        "slug": "energy-help",
        "level": "regional",
        "theme": "energy",
        "translations": _TEXTS,
        "contact_point": "0800 00 000",
    }
    await api.call("PUT", f"/api/v1/measures/{measure}", json=changed)

    status, problem, _ = await api.call(
        "POST", f"/api/v1/campaigns/{created['id']}/approve", key="approver"
    )

    assert status == 409 and "measures changed since it was submitted" in problem["detail"]


async def test_a_proof_link_shows_nothing_once_the_person_is_erased(api: Api) -> None:
    await _people(api)
    created = await _campaign(api, await _template(api), measure_ids=[await _measure(api)])
    _, proofs, _ = await api.call(
        "GET", f"/api/v1/campaigns/{created['id']}/preview/messages?language=nl", key="approver"
    )
    web_url = URL(proofs["items"][0]["web_url"]).path
    assert (await api.client.get(web_url)).status == 200

    erased = await api.call("DELETE", f"/api/v1/contacts/{proofs['items'][0]['contact_id']}")
    assert erased[0] == 204, erased

    assert (await api.client.get(web_url)).status == 404


async def test_a_channel_the_template_cannot_fill_is_a_warning(api: Api) -> None:
    await _people(api)
    created = await _campaign(
        api, await _template(api), channels=["sms", "email"], measure_ids=[await _measure(api)]
    )
    _, report, _ = await api.call("GET", f"/api/v1/campaigns/{created['id']}/checks")
    assert ("channel_without_variant", None) in _codes(report["warnings"])


async def test_people_without_a_value_the_words_use_are_a_warning(api: Api) -> None:
    db, clock = api.services.database, api.services.clock
    await contact(db, clock, phone="+32470000001", first_name="An", municipality="Gent")
    await contact(db, clock, phone="+32470000002", first_name=None, municipality="Gent")
    await contact(db, clock, phone="+32470000003", first_name="  ", municipality=None)
    body = "Dag {{ first_name }} uit {{ municipality }}. {{ measure.title }} {{ stop }}"
    status, saved, _ = await api.call(
        "POST",
        "/api/v1/templates/greeting/versions",
        json={"name": "Greeting", "variants": [{"language": "nl", "channel": "sms", "body": body}]},
    )
    assert status == 201, saved
    created = await _campaign(api, int(saved["id"]), measure_ids=[await _measure(api)])

    _, report, _ = await api.call("GET", f"/api/v1/campaigns/{created['id']}/checks")

    empty = [f for f in report["warnings"] if f["code"] == "empty_person_value"]
    assert [(f["recipients"], f["message"].split(":")[0]) for f in empty] == [
        (2, "2 recipients have no first name"),
        (1, "1 recipients have no municipality"),
    ]


_EDITABLE = (
    "name",
    "template_version_id",
    "segment_id",
    "audience_query",
    "starts_at",
    "channels",
    "measure_ids",
)


async def test_a_partners_campaign_writes_only_to_the_partners_people(api: Api) -> None:
    db, clock = api.services.database, api.services.clock
    theirs = await contact(db, clock, phone="+32470000001", first_name="Theirs")
    await contact(db, clock, phone="+32470000002", first_name="Authority's")
    partner = await partner_row(db, clock, "other")
    await contact_partner_link(db, theirs, partner)
    cid = await campaign_row(
        db,
        clock,
        state=CampaignState.SCHEDULED,
        owner_partner_id=partner,
        channels=["sms"],
        template_version_id=await _template(api, ("nl",)),
    )

    assert await api.services.campaigns.start_due() == [cid]

    async with db.read_session() as session:
        reached = list((await session.execute(select(messages.c.contact_id))).scalars())
    assert reached == [theirs]
