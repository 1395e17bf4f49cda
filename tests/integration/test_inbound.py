"""Texts people send back, on SQLite and PostgreSQL: a STOP opts the phone out for everyone
holding it, once; Twilio's webhook is believed only with a valid signature."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from audiences.segments.reachability import reachable
from campaign.bootstrap import build
from campaign.channels import InboundSms
from campaign.kernel.channel import Channel
from campaign.kernel.clock import ManualClock
from campaign.services import Services
from campaign.settings import load_settings
from campaign.store.engine import Database
from campaign.store.tables import contacts, outbox, suppressions
from campaign.web.app import create_app
from tests.api_client import ClientFactory
from tests.factories import KEYS, contact

PUBLIC = "https://campaign.example.org"
TOKEN = "twilio-auth-token-for-tests"
URL = f"{PUBLIC}/webhooks/twilio/inbound"  # what Twilio calls, and signs


async def _opted_out(database: Database) -> dict[int, bool]:
    async with database.read_session() as session:
        rows = await session.execute(select(contacts.c.id, contacts.c.opted_out_sms_at))
        return {cid: at is not None for cid, at in rows}


async def _reachable_by_sms(database: Database) -> set[int]:
    async with database.read_session() as session:
        rows = await session.execute(select(contacts.c.id).where(reachable(Channel.SMS)))
        return set(rows.scalars())


async def _topics(database: Database) -> list[tuple[str, Any]]:
    async with database.read_session() as session:
        rows = await session.execute(select(outbox.c.topic, outbox.c.payload).order_by(outbox.c.id))
        return [(topic, payload) for topic, payload in rows]


async def test_a_stop_reply_opts_out_everyone_on_that_phone_and_only_once(
    database: Database, clock: ManualClock, services: Services
) -> None:
    jan = await contact(database, clock, phone="+32470000003", first_name="Jan")
    mia = await contact(database, clock, phone="+32470000003", first_name="Mia")
    els = await contact(database, clock, phone="+32470000004", first_name="Els")
    replies = services.replies
    outcome = await replies.record(InboundSms("+32 470 00 00 03", " Stop. ", "SM1"))
    assert outcome.stop and outcome.opted_out == (jan, mia)
    assert await _opted_out(database) == {jan: True, mia: True, els: False}
    assert await _reachable_by_sms(database) == {els}
    events = [p for t, p in await _topics(database) if t == "contact.opted_out"]
    assert [(p["contact_id"], p["source"]) for p in events] == [
        (jan, "STOP reply"),
        (mia, "STOP reply"),
    ]
    again = await replies.record(InboundSms("+32470000003", "STOP", "SM2"))
    assert again.stop and again.opted_out == ()
    assert len([t for t, _ in await _topics(database) if t == "contact.opted_out"]) == 2
    async with database.read_session() as session:
        kept = (await session.execute(select(suppressions.c.address_key))).scalars().all()
    assert kept == [KEYS.key("sms", "+32470000003")]  # a keyed hash, never the number


async def test_a_stop_from_a_number_nobody_holds_still_suppresses_it(
    database: Database, clock: ManualClock, services: Services
) -> None:
    outcome = await services.replies.record(InboundSms("+32470000099", "ARRÊT"))
    assert outcome.stop and outcome.opted_out == ()
    # Imported later, the number is still not reached.
    later = await contact(database, clock, phone="+32470000099")
    assert later not in await _reachable_by_sms(database)


async def test_a_reply_that_is_not_a_stop_changes_nothing(
    database: Database, clock: ManualClock, services: Services
) -> None:
    await contact(database, clock, phone="+32470000003")
    outcome = await services.replies.record(
        InboundSms("+32470000003", "Please stop sending me the wrong date")
    )
    assert not outcome.stop and outcome.opted_out == ()
    assert list((await _opted_out(database)).values()) == [False]
    assert await _topics(database) == []


@pytest.fixture
async def webhook(
    database: Database, clock: ManualClock, aiohttp_client: ClientFactory
) -> AsyncIterator[tuple[Any, Services]]:
    url = database.engine.url.render_as_string(hide_password=False)
    settings = load_settings(
        database_url=url, secret_key="k" * 32, public_url=PUBLIC, twilio_auth_token=TOKEN
    )
    services = build(settings, clock=clock)
    client = await aiohttp_client(create_app(services, close_services=True))
    yield client, services


async def _holder(services: Services, clock: ManualClock, phone: str) -> int:
    """A contact keyed with the service's own secret, as its import would key it."""
    key = services.address_keys.key("sms", phone)
    return await contact(services.database, clock, phone=phone, phone_key=key)


def _inbound_form(sender: str, body: str) -> dict[str, str]:
    return {
        "MessageSid": "SM" + "a" * 32,
        "AccountSid": "AC" + "b" * 32,
        "From": sender,
        "To": "+32460000000",
        "Body": body,
        "NumMedia": "0",
    }


_STOP = _inbound_form("+32470000003", "STOP")


async def _post(client: Any, form: dict[str, str], signature: str | None) -> Any:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return await client.post("/webhooks/twilio/inbound", data=urlencode(form), headers=headers)


async def test_a_signed_stop_webhook_opts_out_and_answers_empty_twiml(
    webhook: tuple[Any, Services], clock: ManualClock
) -> None:
    client, services = webhook
    person, form = await _holder(services, clock, "+32470000003"), _STOP
    signature = RequestValidator(TOKEN).compute_signature(URL, form)
    response = await _post(client, form, signature)
    assert response.status == 200, await response.text()
    assert response.content_type == "text/xml"
    assert "<Response></Response>" in await response.text()
    assert await _opted_out(services.database) == {person: True}


async def test_a_forged_or_unsigned_webhook_is_refused_and_changes_nothing(
    webhook: tuple[Any, Services], clock: ManualClock
) -> None:
    client, services = webhook
    person, form = await _holder(services, clock, "+32470000003"), _STOP
    wrong_key = RequestValidator("another-token").compute_signature(URL, form)
    other_body = RequestValidator(TOKEN).compute_signature(URL, form | {"Body": "hello"})
    for signature in (wrong_key, other_body, "", None):
        response = await _post(client, form, signature)
        assert response.status == 403, signature
        problem = await response.json(content_type=None)
        assert "X-Twilio-Signature" in problem["detail"]
    assert await _opted_out(services.database) == {person: False}


async def test_without_an_auth_token_the_webhook_refuses_everything(
    database: Database, clock: ManualClock, aiohttp_client: ClientFactory
) -> None:
    url = database.engine.url.render_as_string(hide_password=False)
    services = build(load_settings(database_url=url, secret_key="k" * 32), clock=clock)
    client = await aiohttp_client(create_app(services, close_services=True))
    response = await _post(client, _STOP, "anything")
    assert response.status == 403
    assert "TWILIO_AUTH_TOKEN" in (await response.json(content_type=None))["detail"]


async def test_a_webhook_signed_with_a_shared_key_is_refused_with_the_reason(
    webhook: tuple[Any, Services], clock: ManualClock
) -> None:
    client, services = webhook
    person, form = await _holder(services, clock, "+32470000003"), _STOP
    signature = RequestValidator(TOKEN).compute_signature(URL, form, "HMAC_SHA256")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
        "X-Twilio-Webhooks-Signature-Settings": "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256",
    }
    response = await client.post("/webhooks/twilio/inbound", data=urlencode(form), headers=headers)
    assert response.status == 403
    assert "SharedKey" in (await response.json(content_type=None))["detail"]
    assert await _opted_out(services.database) == {person: False}
