"""Messages in ``unknown`` are settled, not left: staff list them, resend them (confirmed) or settle
them, and a campaign completes once its unknowns are settled or old enough. Through the API
the product serves, on SQLite and PostgreSQL; time moves on the manual clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from campaign.bootstrap import build
from campaign.channels import DeliveryReport
from campaign.channels.sandbox import SandboxProvider
from campaign.delivery.moves import move_many
from campaign.delivery.states import MessageState
from campaign.kernel.channel import Channel
from campaign.kernel.clock import ManualClock
from campaign.services import Services
from campaign.settings import load_settings
from campaign.store.engine import Database
from campaign.store.tables import campaign_audit, campaigns, delivery_events, messages
from tests.api_client import Api
from tests.factories import (
    TEST_SECRET,
    campaign_row,
    contact,
    queued_messages,
    sms_and_email_template,
)

_S = MessageState
PHONES = [f"+3247000000{n}" for n in range(1, 6)]
EMAILS = ["ann@example.org", "bert@example.org"]


async def _running_campaign(api: Api, phones: Sequence[str], emails: Sequence[str] = ()) -> int:
    """A campaign to everyone listed, created, approved and started through the API: its
    messages are queued, one per person, in the order listed."""
    db, clock = api.services.database, api.services.clock
    for phone in phones:
        await contact(db, clock, phone=phone, region="Vlaanderen", preferred_channel="sms")
    for email in emails:
        await contact(db, clock, email=email, region="Vlaanderen", preferred_channel="email")
    body = {
        "name": "Energy help",
        "template_version_id": await sms_and_email_template(db, clock),
        "audience_query": "region IS SET",
        "starts_at": clock.now().isoformat(),
        "rate_per_second": 50,  # the default SMS and email rates
    }
    status, created, _ = await api.call("POST", "/api/v1/campaigns", json=body)
    assert status == 201, created
    cid = int(created["id"])
    await api.call("POST", f"/api/v1/campaigns/{cid}/submit")
    status, approved, _ = await api.call("POST", f"/api/v1/campaigns/{cid}/approve", key="approver")
    assert status == 200, approved
    assert await api.services.campaigns.start_due() == [cid]
    return cid


async def _ids(database: Database, campaign_id: int) -> dict[str, int]:
    """Message id by address."""
    async with database.read_session() as session:
        rows = await session.execute(
            select(messages.c.address, messages.c.id).where(messages.c.campaign_id == campaign_id)
        )
        return {address: int(i) for address, i in rows}


async def _states(database: Database, campaign_id: int) -> dict[int, str]:
    async with database.read_session() as session:
        rows = await session.execute(
            select(messages.c.id, messages.c.state).where(messages.c.campaign_id == campaign_id)
        )
        return {int(i): state for i, state in rows}


async def _stop_mid_call(services: Services, ids: Sequence[int]) -> None:
    """What a worker that died during the provider call leaves behind, once swept."""
    now = services.clock.now()
    async with services.database.transaction() as session:
        await move_many(
            session, ids, [_S.QUEUED], _S.SENDING, now, values={"attempts": 1, "lease_owner": "w"}
        )
        await move_many(
            session,
            ids,
            [_S.SENDING],
            _S.UNKNOWN,
            now,
            reason="the worker stopped during the provider call",
            values={"reason": "the worker stopped during the provider call", "lease_owner": None},
        )


async def _audit(database: Database, campaign_id: int, action: str) -> list[str | None]:
    async with database.read_session() as session:
        rows = await session.execute(
            select(campaign_audit.c.reason).where(
                campaign_audit.c.campaign_id == campaign_id, campaign_audit.c.action == action
            )
        )
        return list(rows.scalars())


async def _page(api: Api, cid: int, query: str = "", key: str = "editor") -> dict[str, Any]:
    status, body, _ = await api.call("GET", f"/api/v1/campaigns/{cid}/messages{query}", key=key)
    assert status == 200, body
    return dict(body)


def _manual(services: Services) -> ManualClock:
    assert isinstance(services.clock, ManualClock)
    return services.clock


async def _drain(services: Services, seconds: int = 5) -> None:
    """Workers run for ``seconds`` of the manual clock, and the receipts they bring arrive."""
    clock = _manual(services)
    sandboxes = [p for p in services.providers.values() if isinstance(p, SandboxProvider)]
    for _ in range(seconds):
        while await services.worker.run_once():
            pass
        clock.advance(1)
        for sandbox in sandboxes:
            await sandbox.flush()


# ---------------------------------------------------------------------------------------------
# The list


async def test_the_list_pages_by_cursor_and_filters_by_state_and_channel(api: Api) -> None:
    cid = await _running_campaign(api, PHONES, EMAILS)
    ids = await _ids(api.services.database, cid)
    unknown = [ids[PHONES[1]], ids[EMAILS[0]]]
    await _stop_mid_call(api.services, unknown)

    seen: list[int] = []
    query, pages = "?limit=3", 0
    while True:
        page = await _page(api, cid, query)
        seen += [item["id"] for item in page["items"]]
        pages += 1
        if page["next_cursor"] is None:
            break
        query = f"?limit=3&cursor={page['next_cursor']}"
    assert pages == 3 and seen == sorted(ids.values())  # 3 + 3 + 1, each once, in id order

    assert [i["id"] for i in (await _page(api, cid, "?state=unknown"))["items"]] == sorted(unknown)
    both = sorted(ids.values())
    assert [i["id"] for i in (await _page(api, cid, "?state=unknown,queued"))["items"]] == both
    assert [i["id"] for i in (await _page(api, cid, "?state=queued&state=unknown"))["items"]] == (
        both
    )
    emails = await _page(api, cid, "?channel=email")
    assert {i["channel"] for i in emails["items"]} == {"email"} and len(emails["items"]) == 2
    one = await _page(api, cid, "?state=unknown&channel=sms")
    assert [i["id"] for i in one["items"]] == [ids[PHONES[1]]]
    item = one["items"][0]
    assert item["state"] == "unknown" and item["attempts"] == 1
    assert item["reason"] == "the worker stopped during the provider call"
    assert item["settled_at"] is None and item["settled_by"] is None
    assert set(item) >= {
        "contact_id",
        "language",
        "error_code",
        "provider_id",
        "sent_at",
        "final_at",
        "segments",
        "cost",
    }


async def test_a_send_with_no_answer_in_time_is_listed_as_unknown_until_its_receipt(
    api: Api,
) -> None:
    services = api.services
    cid = await _running_campaign(api, ["+32499000005", PHONES[0]])  # the simulator times out
    while await services.worker.run_once():
        pass
    (item,) = (await _page(api, cid, "?state=unknown", key="viewer"))["items"]
    assert item["id"] == (await _ids(services.database, cid))["+32499000005"]
    assert item["reason"] == "no answer from the provider in time"
    await _drain(services)  # then the provider's receipt says it was delivered
    assert (await _page(api, cid, "?state=unknown"))["items"] == []


async def test_addresses_are_masked_for_every_role(api: Api) -> None:
    cid = await _running_campaign(api, PHONES[:1], EMAILS[:1])
    for key in ("editor", "viewer", "approver"):
        addresses = {i["address"] for i in (await _page(api, cid, key=key))["items"]}
        assert addresses == {"+32 4** ** ** 01", "a***@example.org"}, key


async def test_a_partner_lists_only_its_own_campaigns_and_acts_on_none(
    api: Api, database: Database, clock: ManualClock
) -> None:
    staff_campaign = await _running_campaign(api, PHONES[:1])
    ngo = await api.services.records.partner_id("ngo")
    assert ngo is not None
    own = await campaign_row(database, clock, owner_partner_id=ngo)
    mine = await queued_messages(database, clock, count=2, campaign_id=own)

    assert [i["id"] for i in (await _page(api, own, key="partner"))["items"]] == mine
    status, problem, _ = await api.call(
        "GET", f"/api/v1/campaigns/{staff_campaign}/messages", key="partner"
    )
    assert status == 404, problem
    status, _, _ = await api.call(
        "POST", f"/api/v1/campaigns/{own}/messages/settle", key="partner", json={"reason": "x"}
    )
    assert status == 403


async def test_viewers_may_neither_resend_nor_settle(api: Api) -> None:
    cid = await _running_campaign(api, PHONES[:2])
    await _stop_mid_call(api.services, list((await _ids(api.services.database, cid)).values()))
    before = await _states(api.services.database, cid)
    resend = {"confirm": True}
    status, problem, kind = await api.call(
        "POST", f"/api/v1/campaigns/{cid}/messages/resend", key="viewer", json=resend
    )
    assert (status, kind) == (403, "application/problem+json"), problem
    status, _, _ = await api.call(
        "POST", f"/api/v1/campaigns/{cid}/messages/settle", key="viewer", json={"reason": "seen"}
    )
    assert status == 403
    assert await _states(api.services.database, cid) == before


# ---------------------------------------------------------------------------------------------
# Resending


async def test_resending_without_confirm_says_how_many_and_changes_nothing(api: Api) -> None:
    cid = await _running_campaign(api, PHONES[:3])
    ids = await _ids(api.services.database, cid)
    await _stop_mid_call(api.services, [ids[PHONES[0]], ids[PHONES[1]]])
    before = await _states(api.services.database, cid)
    for body in (None, {}, {"confirm": False}, {"confirm": "yes"}):
        status, problem, kind = await api.call(
            "POST", f"/api/v1/campaigns/{cid}/messages/resend", json=body
        )
        if body == {"confirm": "yes"}:
            assert (status, problem["where"]) == (422, "confirm"), problem
            continue
        assert (status, kind) == (409, "application/problem+json"), problem
        assert problem["would_resend"] == 2
        assert "2 unknown messages would be resent" in problem["detail"]
        assert "twice" in problem["detail"]
    assert await _states(api.services.database, cid) == before
    assert await _audit(api.services.database, cid, "resend_unknown") == []


async def test_resend_queues_only_unknowns_and_a_worker_sends_them(api: Api) -> None:
    services = api.services
    cid = await _running_campaign(api, PHONES[:3])
    ids = await _ids(services.database, cid)
    unknown = [ids[PHONES[0]], ids[PHONES[1]]]
    await _stop_mid_call(services, unknown)
    asked = [*unknown, ids[PHONES[2]], 10**9]  # a queued message and one of no campaign

    status, done, _ = await api.call(
        "POST",
        f"/api/v1/campaigns/{cid}/messages/resend",
        json={"message_ids": asked, "confirm": True},
    )
    assert (status, done) == (200, {"resent": 2, "ignored": 2})
    async with services.database.read_session() as session:
        rows = (
            await session.execute(
                select(messages.c.id, messages.c.state, messages.c.attempts).where(
                    messages.c.id.in_(unknown)
                )
            )
        ).all()
        trail = (
            await session.execute(
                select(delivery_events.c.from_state, delivery_events.c.reason).where(
                    delivery_events.c.message_id == unknown[0],
                    delivery_events.c.to_state == "queued",
                )
            )
        ).all()
    assert {(r.state, r.attempts) for r in rows} == {("queued", 1)}  # attempts kept
    assert [tuple(t) for t in trail] == [("unknown", "resent by editor@example.org")]
    assert await _audit(services.database, cid, "resend_unknown") == [
        "2 unknown messages resent (they may reach someone twice)"
    ]

    await _drain(services)
    sms = services.providers[Channel.SMS]
    assert isinstance(sms, SandboxProvider)
    assert sorted(m.to for m in sms.sent) == sorted(PHONES[:3])
    assert set((await _states(services.database, cid)).values()) == {"delivered"}
    assert await services.campaigns.complete_finished() == [cid]


async def test_resending_everything_takes_the_unsettled_unknowns_only_while_sending(
    api: Api,
) -> None:
    cid = await _running_campaign(api, PHONES[:3])
    ids = await _ids(api.services.database, cid)
    await _stop_mid_call(api.services, [ids[PHONES[0]], ids[PHONES[1]]])
    settle = {"message_ids": [ids[PHONES[0]]], "reason": "reached by phone"}
    await api.call("POST", f"/api/v1/campaigns/{cid}/messages/settle", json=settle)
    await api.call("POST", f"/api/v1/campaigns/{cid}/pause")

    status, done, _ = await api.call(
        "POST", f"/api/v1/campaigns/{cid}/messages/resend", json={"confirm": True}
    )
    assert (status, done) == (200, {"resent": 1, "ignored": 0})
    states = await _states(api.services.database, cid)
    assert (states[ids[PHONES[0]]], states[ids[PHONES[1]]]) == ("unknown", "queued")

    await _stop_mid_call(api.services, [ids[PHONES[1]]])
    await api.call("POST", f"/api/v1/campaigns/{cid}/cancel", json={"reason": "wrong amount"})
    status, problem, _ = await api.call(
        "POST", f"/api/v1/campaigns/{cid}/messages/resend", json={"confirm": True}
    )
    assert status == 409 and "cancelled" in problem["detail"], problem
    assert (await _states(api.services.database, cid))[ids[PHONES[1]]] == "unknown"


# ---------------------------------------------------------------------------------------------
# Settling and completion


async def test_settling_keeps_the_state_records_who_and_a_late_receipt_still_counts(
    api: Api,
) -> None:
    services = api.services
    cid = await _running_campaign(api, PHONES[:3])
    ids = await _ids(services.database, cid)
    unknown = [ids[PHONES[0]], ids[PHONES[1]]]
    await _stop_mid_call(services, unknown)
    path = f"/api/v1/campaigns/{cid}/messages/settle"

    asked = {"message_ids": [*unknown, ids[PHONES[2]]], "reason": " Called both; no answer "}
    status, done, _ = await api.call("POST", path, json=asked)
    assert (status, done) == (200, {"settled": 2, "ignored": 1})
    items = (await _page(api, cid, "?state=unknown", key="viewer"))["items"]
    assert [i["id"] for i in items] == unknown  # still unknown: we still do not know
    now = services.clock.now().isoformat()
    assert {(i["settled_by"], i["settled_at"]) for i in items} == {("editor@example.org", now)}
    assert await _audit(services.database, cid, "settle_unknown") == [
        "2 unknown messages settled: Called both; no answer"
    ]
    status, done, _ = await api.call("POST", path, json={"reason": "again"})
    assert (status, done) == (200, {"settled": 0, "ignored": 0})  # nothing left to settle

    late = DeliveryReport(unknown[0], "SBlate", _S.DELIVERED, "delivered")
    assert await services.receipts.record(late) is True
    assert (await _states(services.database, cid))[unknown[0]] == "delivered"


async def test_a_campaign_waits_for_an_unsettled_unknown_and_completes_once_settled(
    api: Api,
) -> None:
    services = api.services
    cid = await _running_campaign(api, PHONES[:2])
    ids = await _ids(services.database, cid)
    await _stop_mid_call(services, [ids[PHONES[0]]])
    await _drain(services)
    assert (await _states(services.database, cid))[ids[PHONES[1]]] == "delivered"

    _manual(services).advance(3600)
    assert await services.campaigns.complete_finished() == []
    status, _, _ = await api.call(
        "POST", f"/api/v1/campaigns/{cid}/messages/settle", json={"reason": "checked at Twilio"}
    )
    assert status == 200
    assert await services.campaigns.complete_finished() == [cid]
    _, campaign, _ = await api.call("GET", f"/api/v1/campaigns/{cid}", key="viewer")
    assert campaign["state"] == "completed"
    (reason,) = await _audit(services.database, cid, "complete")
    assert reason is not None and "1 unknown counted settled" in reason
    assert "1 settled by staff, 0 unknown for more than 72 hours" in reason


async def test_an_unknown_nobody_settles_stops_holding_its_campaign_after_72_hours(
    api: Api,
) -> None:
    services = api.services
    cid = await _running_campaign(api, PHONES[:2])
    ids = await _ids(services.database, cid)
    became_unknown = services.clock.now()
    await _stop_mid_call(services, [ids[PHONES[0]]])
    await _drain(services)

    clock = _manual(services)
    clock.advance((became_unknown + timedelta(hours=72) - clock.now()).total_seconds() - 1)
    assert await services.campaigns.complete_finished() == []  # a second short of 72 hours
    clock.advance(2)
    assert await services.campaigns.complete_finished() == [cid]
    (reason,) = await _audit(services.database, cid, "complete")
    assert reason is not None and "0 settled by staff, 1 unknown for more than 72 hours" in reason


@pytest.fixture
async def two_hour_services(database: Database, clock: ManualClock) -> AsyncIterator[Services]:
    url = database.engine.url.render_as_string(hide_password=False)
    settings = load_settings(database_url=url, secret_key=TEST_SECRET, unknown_settle_hours=2)
    built = build(settings, clock=clock)
    yield built
    await built.close()


async def test_the_settle_time_is_the_setting(two_hour_services: Services) -> None:
    services = two_hour_services
    db, clock = services.database, services.clock
    cid = await campaign_row(db, clock)
    ids = await queued_messages(db, clock, count=2, campaign_id=cid)
    await _stop_mid_call(services, ids[:1])
    async with db.transaction() as session:  # the other one was delivered long ago
        await session.execute(
            update(messages).where(messages.c.id == ids[1]).values(state="delivered")
        )
    _manual(services).advance(2 * 3600 - 1)
    assert await services.campaigns.complete_finished() == []
    _manual(services).advance(2)
    assert await services.campaigns.complete_finished() == [cid]
    async with db.read_session() as session:
        state = await session.execute(select(campaigns.c.state).where(campaigns.c.id == cid))
        assert state.scalar_one() == "completed"


# ---------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ("?state=bogus", "state"),
        ("?state=unknown,bogus", "state"),
        ("?channel=fax", "channel"),
        ("?limit=0", "limit"),
        ("?limit=1001", "limit"),
        ("?limit=ten", "limit"),
        ("?cursor=garbage", "cursor"),
        ("?cursor=YWZ0ZXI6LTE", "cursor"),  # a well-formed one with a negative id
    ],
)
async def test_a_bad_list_parameter_is_named(api: Api, query: str, where: str) -> None:
    cid = await _running_campaign(api, PHONES[:1])
    status, problem, kind = await api.call("GET", f"/api/v1/campaigns/{cid}/messages{query}")
    assert (status, kind, problem["where"]) == (422, "application/problem+json", where), problem
    assert where in problem["detail"]


async def test_bad_settle_and_resend_bodies_are_named(api: Api) -> None:
    cid = await _running_campaign(api, PHONES[:1])
    settle = f"/api/v1/campaigns/{cid}/messages/settle"
    for body, where in (
        (None, "body"),
        ({}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"reason": "ok", "message_ids": []}, "message_ids"),
        ({"reason": "ok", "message_ids": ["one"]}, "message_ids.0"),
    ):
        status, problem, _ = await api.call("POST", settle, json=body)
        assert (status, problem.get("where")) == (422, where), (body, problem)
    status, problem, _ = await api.call(
        "POST", f"/api/v1/campaigns/{cid}/messages/resend", json={"confirm": True, "x": 1}
    )
    assert (status, problem["where"]) == (422, "x"), problem
    status, _, _ = await api.call("GET", "/api/v1/campaigns/999999/messages")
    assert status == 404
