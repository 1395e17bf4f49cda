"""Quiet hours by default, through the root the product runs, on SQLite and PostgreSQL.

Issue 11, finding 8: an SMS went to vulnerable people at 23:01 Brussels time because no quiet
hours held unless a campaign set them. Now the service's default (21:00-08:00 in each person's
own time zone) holds for every campaign; only a campaign that gives a reason overrides it, and
the API shows a running campaign as held until the first waiting message may go.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from campaign.campaigns.model import CampaignDraft, QuietHours
from campaign.campaigns.states import CampaignAction
from campaign.kernel.clock import ManualClock
from campaign.kernel.identity import Identity, Role
from campaign.store.engine import Database
from campaign.store.tables import campaign_audit, messages
from tests.api_client import Api
from tests.factories import contact, sms_and_email_template, user_row
from tests.integration.test_campaign_flow import Flow

NIGHT = datetime(2026, 3, 2, 22, 1, tzinfo=UTC)  # 23:01 in Brussels (CET, UTC+1)
BRUSSELS_08_00 = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
BRUSSELS = "+32470000001"
NEW_YORK = "+12125550101"  # 17:01 there
TOKYO = "+81312345678"  # 07:01 there: quiet until 08:00, 23:00 UTC
PROBLEM = "application/problem+json"


@pytest.fixture
async def night(database: Database) -> AsyncIterator[Flow]:
    """The product's services on a clock that reads 23:01 in Brussels."""
    flow = Flow(database, ManualClock(NIGHT))
    yield flow
    await flow.services.close()


async def _person(flow: Flow, phone: str, zone: str = "Europe/Brussels") -> None:
    await contact(flow.database, flow.clock, phone=phone, time_zone=zone, preferred_channel="sms")


async def _running(flow: Flow, **draft: Any) -> int:
    """An SMS campaign to everyone, approved by a second person and started now."""
    db, clock = flow.database, flow.clock
    editor = Identity(Role.EDITOR, "ed", user_id=await user_row(db, clock, "e@x.org", "editor"))
    approver = Identity(
        Role.APPROVER, "ap", user_id=await user_row(db, clock, "a@x.org", "approver")
    )
    values: dict[str, Any] = {
        "name": "Energy help",
        "template_version_id": await sms_and_email_template(db, clock),
        "audience_query": "language IS SET",
        "starts_at": clock.now(),
        "channels": ("sms",),
        "rate_per_second": 1000,
    }
    campaign = await flow.campaigns.create(editor, CampaignDraft(**(values | draft)))
    await flow.campaigns.act(editor, campaign.id, CampaignAction.SUBMIT)
    await flow.campaigns.act(approver, campaign.id, CampaignAction.APPROVE)
    assert await flow.campaigns.start_due() == [campaign.id]
    return campaign.id


async def _until(flow: Flow, moment: datetime) -> None:
    """Send what is due, then let time run to ``moment`` and send what is due then."""
    await flow.drain()
    flow.clock.advance((moment - flow.clock.now()).total_seconds())
    await flow.drain()


def _sent(flow: Flow) -> list[str]:
    return sorted(m.to for m in flow.sms.sent)


async def test_an_sms_queued_at_23_01_in_brussels_waits_until_08_00(night: Flow) -> None:
    await _person(night, BRUSSELS)
    await _running(night)
    await _until(night, BRUSSELS_08_00 - timedelta(seconds=1))
    assert _sent(night) == []  # not at 23:01, not at 07:59:59
    async with night.database.read_session() as session:
        waiting = (await session.execute(select(messages.c.state))).scalars().all()
    assert waiting == ["queued"]
    await _until(night, BRUSSELS_08_00)
    assert _sent(night) == [BRUSSELS]


async def test_each_person_is_held_by_the_quiet_hours_of_their_own_time_zone(
    night: Flow,
) -> None:
    await _person(night, BRUSSELS)
    await _person(night, NEW_YORK, "America/New_York")
    await _person(night, TOKYO, "Asia/Tokyo")
    await _running(night)
    await night.drain()
    assert _sent(night) == [NEW_YORK]  # late afternoon there
    await _until(night, datetime(2026, 3, 2, 23, 0, tzinfo=UTC))  # 08:00 in Tokyo
    assert _sent(night) == sorted([NEW_YORK, TOKYO])
    await _until(night, BRUSSELS_08_00)
    assert _sent(night) == sorted([BRUSSELS, NEW_YORK, TOKYO])


async def test_an_override_with_a_reason_sends_at_night_and_the_approver_is_on_record(
    night: Flow,
) -> None:
    await _person(night, BRUSSELS)
    campaign_id = await _running(night, quiet_hours_override="  storm warning: shelters open  ")
    await night.drain()
    assert _sent(night) == [BRUSSELS]
    async with night.database.read_session() as session:
        trail = (
            await session.execute(
                select(campaign_audit.c.action, campaign_audit.c.actor, campaign_audit.c.reason)
                .where(campaign_audit.c.campaign_id == campaign_id)
                .order_by(campaign_audit.c.id)
            )
        ).all()
    assert ("quiet_hours_override", "ap", "storm warning: shelters open") in trail


@pytest.mark.parametrize(
    ("own", "override", "released_at"),
    [
        # The campaign's own 07:00-10:00 adds to the default: 10:00 in Brussels.
        (QuietHours(time(7), time(10)), None, datetime(2026, 3, 3, 9, 0, tzinfo=UTC)),
        # With an override only its own hours hold: 22:00-07:00 ends at 07:00 there.
        (QuietHours(time(22), time(7)), "night shift", datetime(2026, 3, 3, 6, 0, tzinfo=UTC)),
    ],
)
async def test_a_campaigns_own_quiet_hours_hold_on_top(
    night: Flow, own: QuietHours, override: str | None, released_at: datetime
) -> None:
    await _person(night, BRUSSELS)
    await _running(night, quiet_hours=own, quiet_hours_override=override)
    await _until(night, released_at - timedelta(seconds=1))
    assert _sent(night) == []
    await _until(night, released_at)
    assert _sent(night) == [BRUSSELS]


async def _campaign_fields(api: Api) -> dict[str, Any]:
    version = await sms_and_email_template(api.services.database, api.services.clock)
    return {
        "name": "Energy help",
        "template_version_id": version,
        "audience_query": "language IS SET",
        "starts_at": NIGHT.isoformat(),
        "channels": ["sms"],
    }


async def _api_campaign(api: Api, **extra: Any) -> dict[str, Any]:
    body = (await _campaign_fields(api)) | extra
    status, created, _ = await api.call("POST", "/api/v1/campaigns", json=body)
    assert status == 201, created
    return dict(created)


async def _approved(api: Api, campaign_id: int) -> None:
    status, _, _ = await api.call("POST", f"/api/v1/campaigns/{campaign_id}/submit")
    assert status == 200
    status, body, _ = await api.call(
        "POST", f"/api/v1/campaigns/{campaign_id}/approve", key="approver"
    )
    assert (status, body["state"]) == (200, "scheduled"), body


async def _drain(api: Api) -> None:
    while await api.services.worker.run_once():
        pass


async def test_the_api_shows_a_campaign_held_until_quiet_hours_end(
    api: Api, clock: ManualClock
) -> None:
    await contact(api.services.database, clock, phone=BRUSSELS, preferred_channel="sms")
    created = await _api_campaign(api)
    cid = created["id"]
    assert (created["held"], created["quiet_hours_override"]) == (None, None)
    await _approved(api, cid)
    clock.advance((NIGHT - clock.now()).total_seconds())
    assert await api.services.campaigns.start_due() == [cid]
    await _drain(api)

    held = {"reason": "quiet hours", "until": "2026-03-03T07:00:00+00:00"}
    status, shown, _ = await api.call("GET", f"/api/v1/campaigns/{cid}", key="viewer")
    assert (status, shown["state"], shown["held"]) == (200, "running", held)
    _, listed, _ = await api.call("GET", "/api/v1/campaigns", key="viewer")
    assert [c["held"] for c in listed["items"]] == [held]

    clock.advance((BRUSSELS_08_00 - clock.now()).total_seconds())
    await _drain(api)
    clock.advance(1)  # the sandbox's receipt
    _, shown, _ = await api.call("GET", f"/api/v1/campaigns/{cid}", key="viewer")
    assert shown["held"] is None
    assert shown["stats"]["by_status"] == {"delivered": 1}


async def test_an_override_is_kept_trimmed_and_shown_and_a_blank_one_is_refused(
    api: Api, clock: ManualClock
) -> None:
    await contact(api.services.database, clock, phone=BRUSSELS, preferred_channel="sms")
    fields = await _campaign_fields(api)
    for wrong in ("   ", "", "x" * 501):
        status, problem, kind = await api.call(
            "POST", "/api/v1/campaigns", json=fields | {"quiet_hours_override": wrong}
        )
        assert (status, problem["where"], kind) == (422, "quiet_hours_override", PROBLEM)

    created = await _api_campaign(api, quiet_hours_override=" flood warning ")
    assert created["quiet_hours_override"] == "flood warning"
    await _approved(api, created["id"])
    # Changing the override, like any edit, withdraws the approval.
    body = fields | {"quiet_hours_override": "flood warning, phase 2"}
    status, edited, _ = await api.call("PUT", f"/api/v1/campaigns/{created['id']}", json=body)
    assert (status, edited["state"]) == (200, "draft")
    assert edited["quiet_hours_override"] == "flood warning, phase 2"

    clock.advance((NIGHT - clock.now()).total_seconds())
    await _approved(api, created["id"])
    assert await api.services.campaigns.start_due() == [created["id"]]
    await _drain(api)
    clock.advance(1)
    _, shown, _ = await api.call("GET", f"/api/v1/campaigns/{created['id']}", key="viewer")
    assert (shown["state"], shown["held"]) == ("running", None)  # sent at 23:01, on purpose
    assert shown["stats"]["total"] == 1 and "queued" not in shown["stats"]["by_status"]
