"""Results per person: after a run, staff can say for every person what happened and why.

One real run through the API the product serves, with the sandbox channels and the worker, on
SQLite and PostgreSQL: the messages list (filters, cursor pages, delivery events), the same as
CSV (safe for a spreadsheet), the people the run left out and why, and stats that add up to
the files.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from audiences.segments import audience_condition
from campaign.campaigns.runs import materialise_run
from campaign.channels.sandbox import SandboxProvider
from campaign.kernel.clock import ManualClock
from campaign.kernel.identity import Role
from campaign.services import Services
from campaign.store.results import inserted_id
from campaign.store.tables import campaign_runs, contacts, run_exclusions
from tests.api_client import Api
from tests.factories import campaign_row, contact, sms_and_email_template, suppression_row
from tests.statements import statements

# A staff member's address a spreadsheet would run as a formula: = | ' / ! are all allowed in
# the local part of an email address.
FORMULA_EMAIL = "=cmd|'/c_calc'!a0@example.org"


@dataclass
class Run:
    """The campaign of ``_run_campaign`` and its people's contact ids, by first name."""

    campaign_id: int
    people: dict[str, int]


async def _people(api: Api) -> dict[str, int]:
    """One person for each outcome a run can give (the comments say which)."""
    db, clock = api.services.database, api.services.clock
    now = clock.now()

    async def person(name: str, **values: Any) -> tuple[str, int]:
        return name, await contact(db, clock, first_name=name, **values)

    made = [
        await person("An", phone="+32470000001", preferred_channel="sms"),  # delivered
        await person("Bram", phone="+32499000001"),  # the simulator's unknown number
        await person("Cas"),  # no phone, no email
        await person("Dirk", phone="+32470000004", consent_sms=False),  # no consent for SMS
        await person("Eva", phone="+32470000005", opted_out_sms_at=now),  # opted out of SMS
        # Prefers email, whose address is suppressed: that reason, not SMS's no_address.
        await person("Fien", email="fien@example.org", preferred_channel="email"),
        await person("Gert", phone="+32470000001"),  # An's household: An gets the one SMS
        await person("Hanne", erased_at=now),  # erased: only the language is left
        await person("Ilse", email="ilse@example.org", language="en"),  # email, in English
        await person("Jan", phone="+32470000010"),  # opts out after the run is queued
        await person("Kim", email="hard-bounce@simulator.example.org"),  # the mailbox is gone
        await person("Nora", phone="+32470000020"),  # her phone number is suppressed
    ]
    await suppression_row(db, clock, "email", "fien@example.org")
    await suppression_row(db, clock, "sms", "+32470000020")
    return dict(made)


async def _start_campaign(api: Api) -> int:
    """A campaign to everyone with a language (erased people too), created, approved and
    started through the API."""
    db, clock = api.services.database, api.services.clock
    body = {
        "name": "Energy help",
        "template_version_id": await sms_and_email_template(db, clock),
        "audience_query": "language IS SET",
        "starts_at": clock.now().isoformat(),
        "rate_per_second": 50,
    }
    status, created, _ = await api.call("POST", "/api/v1/campaigns", json=body)
    assert status == 201, created
    cid = int(created["id"])
    status, submitted, _ = await api.call("POST", f"/api/v1/campaigns/{cid}/submit")
    assert status == 200, submitted
    status, approved, _ = await api.call("POST", f"/api/v1/campaigns/{cid}/approve", key="approver")
    assert status == 200, approved
    assert await api.services.campaigns.start_due() == [cid]
    return cid


def _manual(services: Services) -> ManualClock:
    assert isinstance(services.clock, ManualClock)
    return services.clock


async def _drain(services: Services, seconds: int = 5) -> None:
    """Workers run for ``seconds`` of the manual clock, and the receipts they bring arrive."""
    sandboxes = [p for p in services.providers.values() if isinstance(p, SandboxProvider)]
    for _ in range(seconds):
        while await services.worker.run_once():
            pass
        _manual(services).advance(1)
        for sandbox in sandboxes:
            await sandbox.flush()


async def _run_campaign(api: Api) -> Run:
    """Everyone of ``_people`` through one run to the end: Jan opts out of SMS after his
    message was queued, so the worker skips it."""
    people = await _people(api)
    cid = await _start_campaign(api)
    body = {"channel": "sms", "reason": "asked by phone"}
    status, answer, _ = await api.call(
        "POST", f"/api/v1/contacts/{people['Jan']}/opt-out", json=body
    )
    assert status == 200, answer
    await _drain(api.services)
    assert await api.services.campaigns.complete_finished() == [cid]
    return Run(cid, people)


async def _all_pages(api: Api, path: str, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Every item of a cursor-paged list, and how many pages it took."""
    joiner = "&" if "?" in path else "?"
    items: list[dict[str, Any]] = []
    cursor, pages = "", 0
    while True:
        page = await api.get_ok(f"{path}{joiner}limit={limit}{cursor}")
        items += page["items"]
        pages += 1
        if page["next_cursor"] is None:
            return items, pages
        cursor = f"&cursor={page['next_cursor']}"


# ---------------------------------------------------------------------------------------------
# The people a run left out


async def test_a_run_records_everyone_it_left_out_and_why(api: Api) -> None:
    run = await _run_campaign(api)
    cid, people = run.campaign_id, run.people

    left_out, pages = await _all_pages(api, f"/api/v1/campaigns/{cid}/exclusions", limit=4)
    assert pages == 2  # 4 + 3, each once, in contact order
    by_person = {item["contact_id"]: item for item in left_out}
    assert [item["contact_id"] for item in left_out] == sorted(by_person)
    reasons = {name: by_person[i]["reason"] for name, i in people.items() if i in by_person}
    assert reasons == {
        "Cas": "no_address",
        "Dirk": "no_consent",
        "Eva": "opted_out",
        "Fien": "suppressed",
        "Gert": "duplicate_address",
        "Hanne": "erased",
        "Nora": "suppressed",
    }
    dirk, fien, gert = (by_person[people[n]] for n in ("Dirk", "Fien", "Gert"))
    assert dirk["channels"] == {"sms": "no_consent", "email": "no_address"}
    assert dirk["words"] == "no channel reaches them: no consent for SMS; no email address"
    assert fien["channels"] == {"sms": "no_address", "email": "suppressed"}
    assert fien["words"].startswith("no channel reaches them: the email address is on the")

    messages = (await api.get_ok(f"/api/v1/campaigns/{cid}/messages"))["items"]
    an = next(m for m in messages if m["contact_id"] == people["An"])
    assert gert["message_id"] == an["id"] and gert["channels"]["sms"] == "duplicate_address"
    assert gert["words"].startswith(
        f"shares the phone number of someone who got the message (message {an['id']})"
    )
    # Every person the audience matched is one message or one person left out.
    assert {m["contact_id"] for m in messages} | set(by_person) == set(people.values())
    assert len(messages) + len(left_out) == len(people)

    opted = await api.get_ok(f"/api/v1/campaigns/{cid}/exclusions?reason=opted out,erased")
    assert {i["reason"] for i in opted["items"]} == {"opted_out", "erased"}
    status, problem, _ = await api.call("GET", f"/api/v1/campaigns/{cid}/exclusions?reason=gone")
    assert status == 422 and problem["where"] == "reason" and "no_consent" in problem["detail"]


async def test_a_template_with_no_text_for_the_campaign_s_channels_leaves_everyone_out(
    services: Services,
) -> None:
    db, clock = services.database, services.clock
    reached = await contact(db, clock, phone="+32470000001", first_name="An")
    erased = await contact(db, clock, erased_at=clock.now())
    campaign_id = await campaign_row(db, clock)
    async with db.transaction() as session:
        run_id = inserted_id(
            await session.execute(
                campaign_runs.insert().values(
                    campaign_id=campaign_id, sequence=1, due_at=clock.now()
                )
            )
        )
        condition = audience_condition("language IS SET", {})
        queued = await materialise_run(
            session,
            run_id=run_id,
            campaign_id=campaign_id,
            audience=condition,
            plans=[],
            honour_contact_channel=True,
            now=clock.now(),
        )
    assert queued == 0
    async with db.read_session() as session:
        rows = await session.execute(
            select(run_exclusions.c.contact_id, run_exclusions.c.reason).order_by(
                run_exclusions.c.contact_id
            )
        )
        assert [tuple(r) for r in rows] == [(reached, "no_channel"), (erased, "erased")]


# ---------------------------------------------------------------------------------------------
# The messages list


async def test_the_list_filters_by_language_and_reason_and_gives_each_message_its_events(
    api: Api,
) -> None:
    run = await _run_campaign(api)
    cid, people = run.campaign_id, run.people
    base = f"/api/v1/campaigns/{cid}/messages"

    english = (await api.get_ok(f"{base}?language=en"))["items"]
    assert [m["contact_id"] for m in english] == [people["Ilse"]]
    both = (await api.get_ok(f"{base}?language=en&language=nl"))["items"]
    assert len(both) == 5
    assert (await api.get_ok(f"{base}?language=fr"))["items"] == []

    # A reason's words, or its kind: the words before its first colon; case is ignored.
    (skipped,) = (await api.get_ok(f"{base}?reason=opted out"))["items"]
    assert skipped["contact_id"] == people["Jan"] and skipped["state"] == "skipped"
    (unknown,) = (await api.get_ok(f"{base}?reason=Unknown number"))["items"]
    assert unknown["contact_id"] == people["Bram"]
    assert unknown["reason"] == "unknown number: it does not exist"
    assert unknown["error_code"] == "30005"
    exact = (await api.get_ok(f"{base}?reason=unknown number: it does not exist"))["items"]
    assert [m["id"] for m in exact] == [unknown["id"]]
    failed_email = await api.get_ok(f"{base}?state=failed_permanent&channel=email")
    assert [m["contact_id"] for m in failed_email["items"]] == [people["Kim"]]

    an = next(m for m in both if m["contact_id"] == people["An"])
    assert [(e["from_state"], e["to_state"]) for e in an["events"]] == [
        ("queued", "sending"),
        ("sending", "sent"),
        ("sent", "delivered"),
    ]
    assert an["events"][-1]["reason"] == "delivered to the handset"
    assert an["events"][0]["at"] <= an["events"][-1]["at"]
    assert [e["to_state"] for e in skipped["events"]] == ["skipped"]

    status, problem, _ = await api.call("GET", f"{base}?language=n;l")
    assert status == 422 and problem["where"] == "language"


async def test_a_page_reads_its_events_in_one_query_whatever_its_size(api: Api) -> None:
    run = await _run_campaign(api)
    base = f"/api/v1/campaigns/{run.campaign_id}/messages"
    await api.get_ok(f"{base}?limit=1")  # the key is looked up and marked used once
    with statements(api.services.database) as one:
        await api.get_ok(f"{base}?limit=1")
    with statements(api.services.database) as five:
        page = await api.get_ok(f"{base}?limit=5")
    assert len(page["items"]) == 5 and all(m["events"] for m in page["items"])
    assert len(five) == len(one)
    assert sum("delivery_events" in s for s in five) == 1


# ---------------------------------------------------------------------------------------------
# The CSV files


async def test_the_csv_has_the_list_s_rows_with_its_filters_every_cell_safe(api: Api) -> None:
    services = api.services
    await contact(services.database, services.clock, phone="+32499000005", first_name="Lode")
    await contact(services.database, services.clock, phone="+32470000002", first_name="Mia")
    cid = await _start_campaign(api)
    while await services.worker.run_once():  # the simulator's send times out: unknown
        pass
    await services.accounts.create_user(FORMULA_EMAIL, Role.EDITOR, "a long password")
    api.keys["formula"] = await services.accounts.create_api_key(
        role=Role.EDITOR, name="staff", user_email=FORMULA_EMAIL
    )
    status, settled, _ = await api.call(
        "POST",
        f"/api/v1/campaigns/{cid}/messages/settle",
        json={"reason": "looked at the provider's log"},
        key="formula",
    )
    assert status == 200 and settled["settled"] == 1, settled

    rows = await api.csv_rows(f"/api/v1/campaigns/{cid}/messages.csv")
    listed = (await api.get_ok(f"/api/v1/campaigns/{cid}/messages"))["items"]
    assert [int(r["message_id"]) for r in rows] == [m["id"] for m in listed]
    assert list(rows[0]) == [
        "message_id",
        "contact_id",
        "channel",
        "address",
        "language",
        "state",
        "reason",
        "error_code",
        "attempts",
        "sent_at",
        "final_at",
        "cost",
        "segments",
        "last_event",
        "last_event_at",
        "settled_at",
        "settled_by",
    ]
    lode, mia = rows
    # A spreadsheet would run a cell starting with = or +: each gets a leading '.
    assert lode["settled_by"] == "'" + FORMULA_EMAIL
    assert lode["address"] == "'+32 4** ** ** 05"  # masked as in the list: '+32 4** …
    assert lode["state"] == "unknown" and lode["last_event"] == "unknown"
    assert lode["reason"] == "no answer from the provider in time"
    assert mia["state"] == "sent" and mia["last_event"] == "sent" and mia["sent_at"]

    unknown_only = await api.csv_rows(
        f"/api/v1/campaigns/{cid}/messages.csv?state=unknown&delimiter=comma"
    )
    assert [r["message_id"] for r in unknown_only] == [lode["message_id"]]
    nothing = await api.csv_rows(f"/api/v1/campaigns/{cid}/messages.csv?reason=weekly cap")
    assert nothing == []  # the header alone


async def test_a_campaign_the_key_may_not_read_is_a_problem_not_a_file(api: Api) -> None:
    await contact(api.services.database, api.services.clock, phone="+32470000001", first_name="An")
    cid = await _start_campaign(api)
    for path in ("messages.csv", "exclusions.csv", "exclusions"):
        status, problem, kind = await api.call(
            "GET", f"/api/v1/campaigns/{cid}/{path}", key="partner"
        )
        assert (status, kind) == (404, "application/problem+json"), (path, problem)
    status, problem, _ = await api.call("GET", "/api/v1/campaigns/999/messages.csv")
    assert status == 404


# ---------------------------------------------------------------------------------------------
# The stats and the files agree


async def test_the_stats_add_up_to_the_csv_files(api: Api) -> None:
    run = await _run_campaign(api)
    cid = run.campaign_id
    stats = await api.get_ok(f"/api/v1/campaigns/{cid}/stats")
    rows = await api.csv_rows(f"/api/v1/campaigns/{cid}/messages.csv")
    left_out = await api.csv_rows(f"/api/v1/campaigns/{cid}/exclusions.csv")

    assert stats["total"] == len(rows) == 5
    assert stats["by_status"] == dict(Counter(r["state"] for r in rows))
    not_reached: dict[str, Counter[str]] = {}
    for r in rows:
        if r["state"] in ("failed_permanent", "failed_temporary", "expired", "skipped", "unknown"):
            kind = r["reason"].split(": ", 1)[0]
            not_reached.setdefault(r["state"], Counter())[kind] += 1
    assert stats["reasons"] == {s: dict(c) for s, c in not_reached.items()}
    assert stats["reasons"] == {
        "failed_permanent": {"unknown number": 1, "the mailbox does not exist": 1},
        "skipped": {"opted out": 1},
    }
    assert stats["excluded"]["by_reason"] == dict(Counter(r["reason"] for r in left_out))
    assert stats["excluded"]["total"] == len(left_out) == 7
    assert {r["contact_id"] for r in left_out} == {
        str(run.people[n]) for n in ("Cas", "Dirk", "Eva", "Fien", "Gert", "Hanne", "Nora")
    }

    # Spent: what the messages a provider accepted cost (the SMS price per segment).
    accepted = [r for r in rows if r["sent_at"]]
    assert stats["cost"] == pytest.approx(sum(float(r["cost"] or 0) for r in accepted))
    # An's one segment, and Bram's: taken by the provider, then reported failed.
    assert stats["cost"] == pytest.approx(2 * 0.08)
    assert stats["started_at"] is not None and stats["completed_at"] is not None
    assert stats["started_at"] <= stats["completed_at"]


async def test_started_but_not_completed_has_no_completion_time(api: Api) -> None:
    await contact(api.services.database, api.services.clock, phone="+32470000001", first_name="An")
    cid = await _start_campaign(api)
    stats = await api.get_ok(f"/api/v1/campaigns/{cid}/stats")
    assert stats["started_at"] is not None and stats["completed_at"] is None
    assert stats["cost"] == 0 and stats["excluded"] == {"total": 0, "by_reason": {}}
    async with api.services.database.read_session() as session:
        assert await session.scalar(select(func.count()).select_from(contacts)) == 1
