"""The unsubscribe link and the web copy, as a recipient (or their mail client) uses them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from campaign.services import Services
from campaign.store.tables import contacts, outbox, suppressions
from campaign.web.app import create_app
from tests.factories import sent_message

Client = TestClient[web.Request, web.Application]
ClientFactory = Callable[[web.Application], Awaitable[Client]]


async def _sent_message(services: Services, channel: str, address: str) -> tuple[int, int]:
    return await sent_message(services.database, services.clock, channel, address)


async def _client(services: Services, aiohttp_client: ClientFactory) -> Client:
    return await aiohttp_client(create_app(services))


async def test_one_click_unsubscribe_stops_the_address_once(
    services: Services, aiohttp_client: ClientFactory
) -> None:
    message_id, contact_id = await _sent_message(services, "sms", "+32470000001")
    token = services.signer.sign("unsub", message_id, services.clock.now() + timedelta(days=1))
    client = await _client(services, aiohttp_client)

    asked = await client.get(f"/u/{token}")
    page = await asked.text()
    assert asked.status == 200 and '<html lang="nl"' in page and 'method="post"' in page

    for _ in range(2):  # a mail client may post twice
        done = await client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
        assert done.status == 200
        assert "geen sms meer" in (await done.text())

    async with services.database.read_session() as session:
        opted_out = (
            await session.execute(
                select(contacts.c.opted_out_sms_at).where(contacts.c.id == contact_id)
            )
        ).scalar_one()
        keys = (await session.execute(select(suppressions.c.address_key))).scalars().all()
        events = (
            await session.execute(select(func.count()).where(outbox.c.topic == "contact.opted_out"))
        ).scalar_one()
    assert opted_out == services.clock.now()
    assert keys == [services.address_keys.key("sms", "+32470000001")]
    assert events == 1


async def test_forged_expired_or_misused_links_do_nothing(
    services: Services, aiohttp_client: ClientFactory
) -> None:
    message_id, _ = await _sent_message(services, "sms", "+32470000001")
    now = services.clock.now()
    expired = services.signer.sign("unsub", message_id, now - timedelta(seconds=1))
    web_token = services.signer.sign("web", message_id, now + timedelta(days=1))
    good = services.signer.sign("unsub", message_id, now + timedelta(days=1))
    forged = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    client = await _client(services, aiohttp_client)
    for token in (expired, web_token, forged):
        response = await client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
        assert response.status == 404
    async with services.database.read_session() as session:
        assert (await session.execute(select(func.count()).select_from(suppressions))).scalar() == 0


async def test_the_web_copy_shows_the_message_in_its_language(
    services: Services, aiohttp_client: ClientFactory
) -> None:
    message_id, _ = await _sent_message(services, "email", "ann@example.org")
    token = services.signer.sign("web", message_id, services.clock.now() + timedelta(days=1))
    client = await _client(services, aiohttp_client)
    response = await client.get(f"/m/{token}")
    html = await response.text()
    assert response.status == 200
    assert '<html lang="nl" dir="ltr">' in html and "Dag Ann" in html


async def test_the_short_stop_link_of_an_sms_works_and_cannot_be_guessed(
    services: Services, aiohttp_client: ClientFactory
) -> None:
    message_id, contact_id = await _sent_message(services, "sms", "+32470000001")
    now = services.clock.now()
    token = services.signer.sign_short("stop", message_id, now + timedelta(days=90))
    assert len(token) <= 30
    client = await _client(services, aiohttp_client)
    other = services.signer.sign_short("stop", message_id + 1, now + timedelta(days=90))
    guessed = f"{token.split('.')[0]}.{token.split('.')[1]}.{other.split('.')[2]}"
    assert (await client.post(f"/s/{guessed}")).status == 404
    expired = services.signer.sign_short("stop", message_id, now - timedelta(days=2))
    assert (await client.post(f"/s/{expired}")).status == 404
    assert (await client.get(f"/s/{token}")).status == 200
    done = await client.post(f"/s/{token}")
    assert done.status == 200 and "geen sms meer" in await done.text()
    async with services.database.read_session() as session:
        opted_out = await session.execute(
            select(contacts.c.opted_out_sms_at).where(contacts.c.id == contact_id)
        )
        assert opted_out.scalar_one() is not None
