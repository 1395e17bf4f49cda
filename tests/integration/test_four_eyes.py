"""One person cannot approve their own words (issue #15): keys acting for nobody write no
campaigns, templates or measures; whoever wrote the campaign, its template version or one of
its measures cannot approve it; content is written only into a draft, so an edit after a
submission always withdraws it, also when the two race on PostgreSQL. On SQLite and
PostgreSQL, the race on PostgreSQL with two real sessions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from campaign.bootstrap import build
from campaign.campaigns import repository
from campaign.campaigns.model import CampaignDraft
from campaign.campaigns.states import CampaignAction, CampaignState
from campaign.kernel.clock import ManualClock
from campaign.kernel.errors import Forbidden
from campaign.kernel.identity import Identity, Role
from campaign.services import Services
from campaign.settings import load_settings
from campaign.store.engine import Database, create_engine
from campaign.store.tables import metadata
from tests.api_client import Api
from tests.factories import TEST_SECRET, contact, sms_and_email_template, user_row

_SMS = "Dag {{ first_name }}. {{ measure.title }}. Bel {{ measure.contact_point }}. {{ stop }}"


async def _admin_key(api: Api) -> None:
    accounts = api.services.accounts
    await accounts.create_user("admin@example.org", Role.ADMIN, "a long password")
    api.keys["admin"] = await accounts.create_api_key(
        role=Role.ADMIN, name="admin", user_email="admin@example.org"
    )


async def _template(api: Api, key: str = "editor") -> tuple[int, Any]:
    body = {"name": "Help", "variants": [{"language": "nl", "channel": "sms", "body": _SMS}]}
    status, saved, _ = await api.call("POST", "/api/v1/templates/help/versions", key=key, json=body)
    return status, saved


def _measure_body(title: str = "Hulp bij uw energiefactuur") -> dict[str, Any]:
    return {
        "slug": "energy-help",
        "level": "regional",
        "theme": "energy",
        "translations": {"nl": {"title": title}},
        "contact_point": "1700",
    }


async def _measure(api: Api, key: str = "editor") -> tuple[int, Any]:
    status, created, _ = await api.call("POST", "/api/v1/measures", key=key, json=_measure_body())
    return status, created


def _campaign_body(api: Api, version: int, measure: int) -> dict[str, Any]:
    return {
        "name": "Energy help",
        "template_version_id": version,
        "measure_ids": [measure],
        "audience_query": "phone IS SET",
        "starts_at": (api.services.clock.now() + timedelta(hours=1)).isoformat(),
        "channels": ["sms"],
    }


async def _submitted(api: Api, version: int, measure: int) -> int:
    status, created, _ = await api.call(
        "POST", "/api/v1/campaigns", json=_campaign_body(api, version, measure)
    )
    assert status == 201, created
    status, submitted, _ = await api.call("POST", f"/api/v1/campaigns/{created['id']}/submit")
    assert (status, submitted["state"]) == (200, "awaiting_approval"), submitted
    return int(created["id"])


async def test_a_key_acting_for_nobody_writes_no_campaign_template_or_measure(
    api: Api,
) -> None:
    accounts = api.services.accounts
    for role in (Role.ADMIN, Role.EDITOR):
        api.keys[f"robot {role}"] = await accounts.create_api_key(role=role, name=f"{role} bot")
    _, version = await _template(api)
    _, measure = await _measure(api)
    _, campaign, _ = await api.call(
        "POST", "/api/v1/campaigns", json=_campaign_body(api, version["id"], measure["id"])
    )
    for key in ("robot admin", "robot editor"):
        refusals = [
            await _template(api, key),
            await _measure(api, key),
            (
                await api.call(
                    "PUT", f"/api/v1/measures/{measure['id']}", key=key, json=_measure_body()
                )
            )[:2],
            (
                await api.call(
                    "POST",
                    "/api/v1/campaigns",
                    key=key,
                    json=_campaign_body(api, version["id"], measure["id"]),
                )
            )[:2],
            (await api.call("POST", f"/api/v1/campaigns/{campaign['id']}/submit", key=key))[:2],
        ]
        for status, problem in refusals:
            assert status == 403, (key, problem)
            assert "acts for nobody" in problem["detail"], problem
    status, problem, _ = await api.call(
        "POST", f"/api/v1/campaigns/{campaign['id']}/approve", key="robot admin"
    )
    assert status == 403 and "may not approve or reject campaigns" in problem["detail"], problem


async def test_the_author_of_the_template_version_cannot_approve(api: Api) -> None:
    await contact(api.services.database, api.services.clock, phone="+32470000001")
    await _admin_key(api)
    _, version = await _template(api, key="admin")  # the words people get: the admin's
    _, measure = await _measure(api)
    campaign_id = await _submitted(api, version["id"], measure["id"])

    status, problem, _ = await api.call(
        "POST", f"/api/v1/campaigns/{campaign_id}/approve", key="admin"
    )
    assert status == 403, problem
    assert "you wrote its template version" in problem["detail"], problem
    status, approved, _ = await api.call(
        "POST", f"/api/v1/campaigns/{campaign_id}/approve", key="approver"
    )
    assert (status, approved["state"]) == (200, "scheduled"), approved


async def test_an_author_of_one_of_its_measures_cannot_approve(api: Api) -> None:
    await contact(api.services.database, api.services.clock, phone="+32470000001")
    await _admin_key(api)
    _, version = await _template(api)
    _, measure = await _measure(api)  # the editor's
    status, edited, _ = await api.call(
        "PUT",
        f"/api/v1/measures/{measure['id']}",
        key="admin",
        json=_measure_body("Hulp bij uw factuur"),
    )
    assert status == 200, edited  # now the admin's words too
    campaign_id = await _submitted(api, version["id"], measure["id"])

    status, problem, _ = await api.call(
        "POST", f"/api/v1/campaigns/{campaign_id}/approve", key="admin"
    )
    assert status == 403 and "you wrote one of its measures" in problem["detail"], problem
    status, approved, _ = await api.call(
        "POST", f"/api/v1/campaigns/{campaign_id}/approve", key="approver"
    )
    assert (status, approved["state"]) == (200, "scheduled"), approved


async def test_content_is_written_only_into_a_draft(services: Services) -> None:
    db, clock = services.database, services.clock
    editor = Identity(Role.EDITOR, "ed", user_id=await user_row(db, clock, "e@x.org", "editor"))
    draft = CampaignDraft(
        name="Before",
        template_version_id=await sms_and_email_template(db, clock),
        audience_query="language IS SET",
        starts_at=clock.now() + timedelta(hours=1),
    )
    campaign = await services.campaigns.create(editor, draft)
    await services.campaigns.act(editor, campaign.id, CampaignAction.SUBMIT)

    async with db.transaction() as session:
        written = await repository.update_draft(
            session, campaign.id, replace(draft, name="Behind the approver's back"), clock.now()
        )
    assert not written
    kept = await services.campaigns.get(editor, campaign.id)
    assert (kept.state, kept.draft.name) == (CampaignState.AWAITING_APPROVAL, "Before")

    edited = await services.campaigns.edit(editor, campaign.id, replace(draft, name="After"))
    assert (edited.state, edited.draft.name) == (CampaignState.DRAFT, "After")
    trail = await services.campaigns.history(editor, campaign.id)
    assert [(e.action, e.reason) for e in trail][-2:] == [
        ("withdraw", "edited after submission"),
        ("edit", None),
    ]


async def test_whoever_submits_a_campaign_nobody_wrote_cannot_approve_it(
    services: Services,
) -> None:
    db, clock = services.database, services.clock
    admin = Identity(Role.ADMIN, "ad", user_id=await user_row(db, clock, "a@x.org", "admin"))
    approver = Identity(
        Role.APPROVER, "ap", user_id=await user_row(db, clock, "p@x.org", "approver")
    )
    await contact(db, clock, phone="+32470000001")
    draft = CampaignDraft(
        name="Written by nobody",  # as keys without a user could before
        template_version_id=await sms_and_email_template(db, clock),
        audience_query="language IS SET",
        starts_at=clock.now() + timedelta(hours=1),
    )
    campaign = await services.campaigns.create(Identity(Role.EDITOR, "key:robot"), draft)
    await services.campaigns.act(admin, campaign.id, CampaignAction.SUBMIT)

    with pytest.raises(Forbidden, match="you wrote or submitted this campaign"):
        await services.campaigns.act(admin, campaign.id, CampaignAction.APPROVE)
    approved = await services.campaigns.act(approver, campaign.id, CampaignAction.APPROVE)
    assert approved.state is CampaignState.SCHEDULED


# The race needs two sessions that really run at once: PostgreSQL's. (SQLite writes one
# transaction at a time, so an edit and a submission there cannot interleave.)


@pytest.fixture
async def postgres(postgres_url: str) -> AsyncIterator[Database]:
    database = Database(create_engine(postgres_url, pool_size=5))
    names = ", ".join(f'"{t.name}"' for t in reversed(metadata.sorted_tables))
    async with database.connect() as connection:
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield database
    await database.dispose()


async def _waiting(database: Database, count: int) -> None:
    """Return once ``count`` sessions of this database wait for a lock (polled, no timing)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while True:
        async with database.connect() as connection:
            if (await connection.execute(query)).scalar_one() >= count:
                return
        await asyncio.sleep(0.01)


async def test_an_edit_racing_a_submission_withdraws_it(postgres: Database) -> None:
    clock = ManualClock()
    url = postgres.engine.url.render_as_string(hide_password=False)
    services = build(load_settings(database_url=url, secret_key=TEST_SECRET), clock=clock)
    try:
        await _race(services, postgres, clock)
    finally:
        await services.close()


async def _race(services: Services, database: Database, clock: ManualClock) -> None:
    editor = Identity(
        Role.EDITOR, "ed", user_id=await user_row(database, clock, "e@x.org", "editor")
    )
    await contact(database, clock, phone="+32470000001")
    draft = CampaignDraft(
        name="Before",
        template_version_id=await sms_and_email_template(database, clock),
        audience_query="language IS SET",
        starts_at=clock.now() + timedelta(hours=1),
    )
    campaign = await services.campaigns.create(editor, draft)
    clock.advance(1)
    async with database.engine.connect() as blocker:
        # The submission holds the campaign's row, then waits here (its outbox event) until
        # the edit has started against the campaign as it was before.
        held = await blocker.begin()
        await blocker.execute(text("LOCK TABLE outbox IN EXCLUSIVE MODE"))
        submit = asyncio.create_task(
            services.campaigns.act(editor, campaign.id, CampaignAction.SUBMIT)
        )
        await _waiting(database, 1)
        edit = asyncio.create_task(
            services.campaigns.edit(editor, campaign.id, replace(draft, name="After"))
        )
        await _waiting(database, 2)
        await held.commit()
    await asyncio.gather(submit, edit)

    final = await services.campaigns.get(editor, campaign.id)
    assert (final.state, final.draft.name) == (CampaignState.DRAFT, "After")
    trail = [(e.action, e.reason) for e in await services.campaigns.history(editor, campaign.id)]
    assert trail[-3:] == [("submit", None), ("withdraw", "edited after submission"), ("edit", None)]
