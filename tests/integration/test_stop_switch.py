"""The stop switch for all sending, on SQLite and PostgreSQL: the service, then the API.

Only admins turn it, always with a reason; anyone signed in may read it; every change is kept
(who, when, why) and logged as a warning; stopping twice changes nothing.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from campaign.dispatch.switch import sending_stopped
from campaign.kernel.clock import ManualClock
from campaign.kernel.errors import Forbidden, InvalidInput
from campaign.kernel.identity import Identity, Role
from campaign.services import Services
from campaign.store.tables import outbox
from tests.api_client import Api

ADMIN = Identity(Role.ADMIN, "ann@example.org", user_id=None)
OTHER_ADMIN = Identity(Role.ADMIN, "bob@example.org", user_id=None)
PROBLEM = "application/problem+json"


async def _stopped_in_the_last_moment_check(services: Services) -> bool:
    async with services.database.read_session() as session:
        return await sending_stopped(session)


async def _trail(services: Services) -> list[tuple[str, dict[str, object]]]:
    async with services.database.read_session() as session:
        rows = await session.execute(
            select(outbox.c.topic, outbox.c.payload)
            .where(outbox.c.topic.like("dispatch.%"))
            .order_by(outbox.c.id)
        )
        return [(topic, dict(payload)) for topic, payload in rows]


async def test_stop_then_resume_is_kept_with_who_when_and_why(
    services: Services, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    switch = services.switch
    never = await switch.status()
    assert (never.stopped, never.since, never.by) == (False, None, None)
    assert not await _stopped_in_the_last_moment_check(services)

    stopped_at = clock.now()
    with caplog.at_level(logging.WARNING, logger="campaign.dispatch.switch"):
        change = await switch.stop(ADMIN, "  wrong amount in the SMS  ")
    assert change.changed
    assert change.state.as_json() == {
        "stopped": True,
        "since": stopped_at.isoformat(),
        "by": "ann@example.org",
        "reason": "wrong amount in the SMS",
    }
    assert await switch.status() == change.state
    assert await _stopped_in_the_last_moment_check(services)
    assert any(
        r.levelno == logging.WARNING and "wrong amount" in r.getMessage() for r in caplog.records
    )

    clock.advance(60)
    with caplog.at_level(logging.WARNING, logger="campaign.dispatch.switch"):
        resumed = await switch.resume(OTHER_ADMIN)
    assert resumed.changed and not resumed.state.stopped
    assert (resumed.state.since, resumed.state.by) == (clock.now(), "bob@example.org")
    assert not await _stopped_in_the_last_moment_check(services)
    assert any("resumed by bob@example.org" in r.getMessage() for r in caplog.records)

    clock.advance(60)
    again = await switch.stop(OTHER_ADMIN, "second look")  # the one row is reused
    assert again.changed and again.state.reason == "second look"
    assert [
        (topic, payload["actor"], payload["reason"]) for topic, payload in await _trail(services)
    ] == [
        ("dispatch.stopped", "ann@example.org", "wrong amount in the SMS"),
        ("dispatch.resumed", "bob@example.org", None),
        ("dispatch.stopped", "bob@example.org", "second look"),
    ]


async def test_stopping_twice_keeps_the_first_stop(services: Services, clock: ManualClock) -> None:
    first = await services.switch.stop(ADMIN, "wrong amount")
    clock.advance(5)
    second = await services.switch.stop(OTHER_ADMIN, "me too")
    assert not second.changed
    assert second.state == first.state  # since when, by whom and why: the first stop
    assert len(await _trail(services)) == 1
    assert (await services.switch.resume(ADMIN)).changed  # it was stopped
    assert not (await services.switch.resume(ADMIN)).changed  # already on: nothing to do


async def test_only_admins_turn_it_and_a_stop_needs_a_reason(services: Services) -> None:
    for role in (Role.EDITOR, Role.APPROVER, Role.VIEWER, Role.PARTNER):
        someone = Identity(role, "someone", partner_id=1 if role is Role.PARTNER else None)
        with pytest.raises(Forbidden, match="admins only"):
            await services.switch.stop(someone, "wrong amount")
        with pytest.raises(Forbidden):
            await services.switch.resume(someone)
    for reason in (None, "", "   "):
        with pytest.raises(InvalidInput) as refused:
            await services.switch.stop(ADMIN, reason)
        assert refused.value.where == "reason"
    with pytest.raises(InvalidInput):
        await services.switch.stop(ADMIN, "x" * 501)
    assert not (await services.switch.status()).stopped


@pytest.fixture
async def admin_api(api: Api) -> Api:
    accounts = api.services.accounts
    await accounts.create_user("admin@example.org", Role.ADMIN, "a long password")
    api.keys["admin"] = await accounts.create_api_key(
        role=Role.ADMIN, name="admin", user_email="admin@example.org"
    )
    return api


async def test_the_api_reads_for_everyone_and_turns_for_admins(
    admin_api: Api, clock: ManualClock
) -> None:
    api = admin_api
    for key in ("viewer", "editor", "partner", "admin"):
        status, body, _ = await api.call("GET", "/api/v1/dispatch", key=key)
        assert (status, body) == (
            200,
            {
                "stopped": False,
                "since": None,
                "by": None,
                "reason": None,
                "open_circuits": [],
                "unmatched_callbacks": 0,
            },
        )
    status, _, _ = await api.call("GET", "/api/v1/dispatch", key=None)
    assert status == 401

    for key in ("editor", "approver", "viewer"):
        status, problem, kind = await api.call(
            "POST", "/api/v1/dispatch/stop", key=key, json={"reason": "wrong amount"}
        )
        assert (status, kind) == (403, PROBLEM), problem
    for body in (None, {}, {"reason": "  "}):
        status, problem, kind = await api.call(
            "POST", "/api/v1/dispatch/stop", key="admin", json=body
        )
        assert (status, kind, problem["where"]) == (422, PROBLEM, "reason"), problem

    status, stopped, _ = await api.call(
        "POST", "/api/v1/dispatch/stop", key="admin", json={"reason": "wrong amount"}
    )
    assert status == 200
    assert stopped == {
        "stopped": True,
        "since": clock.now().isoformat(),
        "by": "admin@example.org",
        "reason": "wrong amount",
        "changed": True,
    }
    clock.advance(3)
    status, again, _ = await api.call(
        "POST", "/api/v1/dispatch/stop", key="admin", json={"reason": "still wrong"}
    )
    assert (status, again) == (200, stopped | {"changed": False})
    status, shown, _ = await api.call("GET", "/api/v1/dispatch", key="viewer")
    nothing_else = {"open_circuits": [], "unmatched_callbacks": 0}
    assert shown == {k: v for k, v in stopped.items() if k != "changed"} | nothing_else

    status, problem, _ = await api.call("POST", "/api/v1/dispatch/resume", key="editor")
    assert status == 403
    status, resumed, _ = await api.call("POST", "/api/v1/dispatch/resume", key="admin")
    assert (status, resumed["stopped"], resumed["changed"]) == (200, False, True)
    assert (resumed["by"], resumed["reason"]) == ("admin@example.org", None)
