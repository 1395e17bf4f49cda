"""The Twilio fake, driven through the real ``twilio`` library: what it answers, what it stores,
and the signed callbacks it posts, which the library's own RequestValidator must accept."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.fakes.twilio import FakeTwilio, MessageStatus, Numbers

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "fake-auth-token"
SENDER = "+32460000001"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio(ACCOUNT, TOKEN) as running:
        yield running


@asynccontextmanager
async def library_messages(base_url: str | None, token: str = TOKEN) -> AsyncIterator[Any]:
    """The twilio library's MessageList for the account, talking to ``base_url``."""
    assert base_url is not None
    http_client = AsyncTwilioHttpClient()
    client = Client(ACCOUNT, token, http_client=http_client)
    client.api.base_url = base_url
    try:
        yield client.api.v2010.accounts(ACCOUNT).messages
    finally:
        await http_client.close()


@pytest.fixture
async def messages(fake: FakeTwilio) -> AsyncIterator[Any]:
    async with library_messages(fake.base_url) as message_list:
        yield message_list


@dataclass
class Receiver:
    """A service's status callback endpoint: what reached it, and how to name it."""

    base_url: str = ""
    received: list[tuple[str, dict[str, str], str]] = field(default_factory=list)

    def statuses(self) -> list[str]:
        return [form["MessageStatus"] for _, form, _ in self.received]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()

    async def status_callback(request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        signature = request.headers.get("X-Twilio-Signature", "")
        found.received.append((request.path_qs, form, signature))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/webhooks/twilio/status", status_callback)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    found.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield found
    finally:
        await runner.cleanup()


async def test_a_create_is_answered_with_a_sid_and_stored(fake: FakeTwilio, messages: Any) -> None:
    message = await messages.create_async(to="+32470000001", from_=SENDER, body="Bonjour")

    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert (message.status, message.num_segments, message.from_) == ("queued", "1", SENDER)
    stored = fake.messages[message.sid]
    assert (stored.to, stored.body, stored.from_) == ("+32470000001", "Bonjour", SENDER)
    assert fake.accepted_per_to == {"+32470000001": 1}

    await fake.settle()
    fetched = await messages.get(message.sid).fetch_async()
    assert (fetched.sid, fetched.status) == (message.sid, "delivered")
    assert fetched.date_sent is not None


async def test_a_wrong_password_is_refused_with_20003(fake: FakeTwilio) -> None:
    async with library_messages(fake.base_url, token="not-the-token") as wrong:
        with pytest.raises(TwilioRestException) as refused:
            await wrong.create_async(to="+32470000001", from_=SENDER, body="Hi")
    assert (refused.value.code, refused.value.status) == (20003, 401)
    assert fake.messages == {}


@pytest.mark.parametrize("to", [Numbers.INVALID, "0470000001", "+3247"])
async def test_an_invalid_number_is_refused_with_21211(
    fake: FakeTwilio, messages: Any, to: str
) -> None:
    with pytest.raises(TwilioRestException) as refused:
        await messages.create_async(to=to, from_=SENDER, body="Hi")
    assert (refused.value.code, refused.value.status) == (21211, 400)
    assert fake.messages == {}


async def test_accepted_then_500_is_stored_though_the_client_sees_an_error(
    fake: FakeTwilio, messages: Any
) -> None:
    with pytest.raises(TwilioRestException) as refused:
        await messages.create_async(to=Numbers.ACCEPTED_THEN_500, from_=SENDER, body="Hi")
    assert (refused.value.code, refused.value.status) == (20500, 500)
    assert fake.accepted_per_to[Numbers.ACCEPTED_THEN_500] == 1


async def test_a_dropped_connection_leaves_the_message_stored(
    fake: FakeTwilio, messages: Any
) -> None:
    fake.configure(drop_connection_share=1.0)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await messages.create_async(to="+32470000001", from_=SENDER, body="Hi")
    assert fake.accepted_per_to["+32470000001"] == 1


async def test_the_list_filters_by_to_and_date_sent_and_walks_pages(
    fake: FakeTwilio, messages: Any
) -> None:
    sent = [
        await messages.create_async(to="+32470000002", from_=SENDER, body=f"Message {n}")
        for n in range(5)
    ]
    await messages.create_async(to="+32470000003", from_=SENDER, body="Someone else")
    await fake.settle()  # each is "sent" now, so each has a date_sent
    first = fake.messages[sent[0].sid].date_sent
    assert first is not None

    listed = await messages.list_async(to="+32470000002", date_sent_after=first, page_size=2)
    same_day = await messages.list_async(to="+32470000002", date_sent=first.date().isoformat())

    newest_first = [message.sid for message in reversed(sent)]
    assert [message.sid for message in listed] == newest_first  # three pages of two
    on_that_day = [sid for sid in newest_first if _sent_on(fake, sid) == first.date()]
    assert [message.sid for message in same_day] == on_that_day


def _sent_on(fake: FakeTwilio, sid: str) -> date | None:
    date_sent = fake.messages[sid].date_sent
    return None if date_sent is None else date_sent.date()


async def test_a_message_not_yet_sent_never_matches_date_sent() -> None:
    async with (
        FakeTwilio(ACCOUNT, TOKEN, manual_callbacks=True) as fake,
        library_messages(fake.base_url) as messages,
    ):
        created = await messages.create_async(to="+32470000004", from_=SENDER, body="Later")
        day = fake.messages[created.sid].created_at.date().isoformat()
        assert await messages.list_async(date_sent=day) == []
        assert len(await messages.list_async(to="+32470000004")) == 1
        await fake.settle()
        sent_day = _sent_on(fake, created.sid)
        assert sent_day is not None
        found = await messages.list_async(date_sent_before=sent_day.isoformat())
        assert [message.sid for message in found] == [created.sid]


async def test_callbacks_reach_the_service_signed_over_the_status_callback_url(
    fake: FakeTwilio, messages: Any, receiver: Receiver
) -> None:
    url = f"{receiver.base_url}/webhooks/twilio/status?message_id=41"
    good = await messages.create_async(
        to="+32470000005", from_=SENDER, body="Hi", status_callback=url
    )
    await messages.create_async(
        to=Numbers.UNREACHABLE, from_=SENDER, body="Hi", status_callback=url
    )
    await fake.settle()

    validator = RequestValidator(TOKEN)
    assert all(validator.validate(url, form, sig) for _, form, sig in receiver.received)
    by_number: dict[str, list[tuple[str, str | None]]] = {}
    for _, form, _ in receiver.received:
        by_number.setdefault(form["To"], []).append((form["MessageStatus"], form.get("ErrorCode")))
    assert by_number == {
        "+32470000005": [("sent", None), ("delivered", None)],
        Numbers.UNREACHABLE: [("sent", None), ("undelivered", "30003")],
    }
    assert fake.messages[good.sid].status is MessageStatus.DELIVERED
    assert (fake.callbacks_posted, fake.callbacks_answered, fake.callback_failures) == (4, 4, [])


async def test_callback_to_redirects_the_post_but_signs_the_public_url(
    receiver: Receiver,
) -> None:
    public = "https://campaign.test/webhooks/twilio/status?message_id=7"
    async with (
        FakeTwilio(ACCOUNT, TOKEN, callback_to=receiver.base_url) as fake,
        library_messages(fake.base_url) as messages,
    ):
        await messages.create_async(
            to="+32470000006",
            messaging_service_sid="MG" + "0" * 32,
            body="Hi",
            status_callback=public,
        )
        await fake.settle()
        assert await fake.post_forged(public, {"MessageSid": "SM" + "0" * 32}) == 204

    validator = RequestValidator(TOKEN)
    (path, sent, signature), (_, delivered, _), (_, _, forged) = receiver.received
    assert path == "/webhooks/twilio/status?message_id=7"
    assert validator.validate(public, sent, signature)
    assert not validator.validate(receiver.base_url + path, sent, signature)
    assert not validator.validate(public, {"MessageSid": "SM" + "0" * 32}, forged)
    assert (sent["MessageStatus"], delivered["MessageStatus"]) == ("sent", "delivered")
    assert sent["MessagingServiceSid"] == "MG" + "0" * 32


@pytest.mark.slow
async def test_process_mode_writes_its_port_answers_state_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    port_file = tmp_path / "twilio.port"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.twilio",
        "--account-sid",
        ACCOUNT,
        "--auth-token",
        TOKEN,
        "--port-file",
        str(port_file),
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
    )
    try:
        while not port_file.exists():
            assert process.returncode is None, "the fake exited before writing its port"
            await asyncio.sleep(0.05)
        port = int(port_file.read_text())
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/_fake/state") as response:
                state = json.loads(await response.text())
            async with session.post(f"{base}/_fake/config", json={"hang_share": 2}) as response:
                refused = response.status
        assert (state["creates"], state["accepted"], state["sent_twice"]) == (0, 0, [])
        assert refused == 400
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    assert await process.wait() == 0
