"""What anyone can send without a key: Twilio's webhooks, the bounce relay's, the recipient
pages, an unreadable request line. Each bad input is a 4xx (or the page saying the link does
not work), never a 500 with a traceback in the log; and a fault of ours is one 500 logged once,
with a request id the caller gets too, and nothing of what the caller sent.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from campaign.api.problems import PROBLEM_BASE, REQUEST_ID_HEADER
from campaign.bootstrap import build
from campaign.kernel.clock import ManualClock
from campaign.services import Services
from campaign.settings import load_settings
from campaign.store.engine import Database
from campaign.web.app import create_app
from tests.api_client import ClientFactory
from tests.factories import TEST_SECRET, sent_message
from tests.fakes.twilio_callbacks import twilio_signature
from tests.raw_http import raw_exchange

Client = TestClient[web.Request, web.Application]
PUBLIC = "https://campaign.example.org"
TOKEN = "bad-input-auth-token"
BOUNCE_SECRET = "bounce-relay-secret"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
async def served(
    database: Database, clock: ManualClock, aiohttp_client: ClientFactory
) -> AsyncIterator[tuple[Client, Services]]:
    """The app with Twilio's webhooks and the bounce relay switched on, as in production."""
    settings = load_settings(
        database_url=database.engine.url.render_as_string(hide_password=False),
        secret_key=TEST_SECRET,
        public_url=PUBLIC,
        twilio_auth_token=TOKEN,
        bounce_secret=BOUNCE_SECRET,
    )
    services = build(settings, clock=clock)
    client = await aiohttp_client(create_app(services, close_services=True))
    yield client, services


def _no_traceback_logged(caplog: pytest.LogCaptureFixture) -> None:
    logged = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert logged == [], [r.getMessage() for r in logged]


async def _problem(response: Any) -> tuple[int, str, str | None]:
    body = await response.json(content_type=None)
    return response.status, body["type"], body.get("where")


async def test_a_twilio_form_in_another_charset_or_not_utf8_is_refused_unread(
    served: tuple[Client, Services], caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = served
    inbound = "/webhooks/twilio/inbound"
    stop = b"Body=STOP&From=%2B32470000001"
    answer = await client.post(inbound, data=stop, headers={"Content-Type": f"{FORM}; charset=foo"})
    assert await _problem(answer) == (415, PROBLEM_BASE + "unsupported-media-type", "Content-Type")
    for body in (b"Body=\xff\xfe&From=%2B32470000001", b"Body=%FF%FE&From=%2B32470000001"):
        for path in (inbound, "/webhooks/twilio/status?message_id=1"):
            answer = await client.post(path, data=body, headers={"Content-Type": FORM})
            assert await _problem(answer) == (422, PROBLEM_BASE + "invalid-input", "body")
    answer = await client.post(inbound, data=b"{}", headers={"Content-Type": "application/json"})
    assert answer.status == 415
    _no_traceback_logged(caplog)


async def test_a_twilio_form_too_big_is_refused_before_it_is_read(
    served: tuple[Client, Services],
) -> None:
    client, _ = served
    status, answer = await raw_exchange(
        client,
        b"POST /webhooks/twilio/inbound HTTP/1.1\r\nContent-Type: " + FORM.encode() + b"\r\n"
        b"Content-Length: 20000000\r\n\r\n",
    )
    assert status == 413 and b"too-large" in answer, answer


async def test_a_signature_that_is_not_text_is_forged_and_a_good_one_still_works(
    served: tuple[Client, Services], caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = served
    form = {"From": "+32470000001", "Body": "hello", "MessageSid": "SM" + "a" * 32}
    body = urlencode(form).encode()
    head = b"POST /webhooks/twilio/inbound HTTP/1.1\r\nContent-Type: " + FORM.encode()
    length = f"\r\nContent-Length: {len(body)}".encode()
    status, answer = await raw_exchange(
        client, head + length + b"\r\nX-Twilio-Signature: \xff\xfe\r\n\r\n" + body
    )
    assert status == 403, answer
    signature = twilio_signature(TOKEN, f"{PUBLIC}/webhooks/twilio/inbound", form)
    signed = await client.post(
        "/webhooks/twilio/inbound",
        data=body,
        headers={"Content-Type": FORM, "X-Twilio-Signature": signature},
    )
    assert signed.status == 200, await signed.text()
    _no_traceback_logged(caplog)


async def test_a_bounce_secret_that_is_not_text_is_refused(
    served: tuple[Client, Services], caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = served
    status, answer = await raw_exchange(
        client,
        b"POST /webhooks/email/bounce HTTP/1.1\r\nAuthorization: Bearer \xff\r\n"
        b"Content-Length: 1\r\n\r\nx",
    )
    assert status == 403 and b"forbidden" in answer, answer
    _no_traceback_logged(caplog)


@pytest.mark.parametrize("prefix", ["u", "s", "m"])
async def test_a_link_with_characters_no_token_has_shows_the_link_page(
    served: tuple[Client, Services], caplog: pytest.LogCaptureFixture, prefix: str
) -> None:
    client, _ = served
    for token in ("%C3%A9%C3%A9.%C3%A9", "%C3%A9.%C3%A9.%C3%A9", "abc.%F0%9F%98%80"):
        answer = await client.get(f"/{prefix}/{token}?lang=%3Cb%3E")
        page = await answer.text()
        assert answer.status == 404 and answer.content_type == "text/html", page
        assert '<html lang="en"' in page
    _no_traceback_logged(caplog)


async def test_an_unsubscribe_whose_body_cannot_be_read_still_unsubscribes(
    served: tuple[Client, Services], caplog: pytest.LogCaptureFixture
) -> None:
    client, services = served
    message_id, _ = await sent_message(services.database, services.clock, "sms", "+32470000001")
    token = services.signer.sign("unsub", message_id, services.clock.now() + timedelta(days=1))
    for charset in ("foo", "utf-8"):
        answer = await client.post(
            f"/u/{token}",
            data=b"List-Unsubscribe=One-Click\xff",
            headers={"Content-Type": f"{FORM}; charset={charset}"},
        )
        assert answer.status == 200, await answer.text()
    _no_traceback_logged(caplog)


async def test_a_request_line_aiohttp_cannot_read_is_a_400_without_a_traceback(
    served: tuple[Client, Services], caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = served
    caplog.set_level(logging.INFO)
    status, _ = await raw_exchange(client, b"GET /u/\xc3\xa9\xc3\xa9 HTTP/1.1\r\n\r\n")
    assert status == 400
    _no_traceback_logged(caplog)


async def _faulty(request: web.Request) -> web.Response:
    await request.read()
    raise RuntimeError("a fault of ours")


async def test_a_fault_of_ours_is_one_500_with_a_request_id_and_nothing_sent_in_the_log(
    database: Database,
    clock: ManualClock,
    aiohttp_client: ClientFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = load_settings(
        database_url=database.engine.url.render_as_string(hide_password=False),
        secret_key=TEST_SECRET,
    )
    services = build(settings, clock=clock)
    app = create_app(services, close_services=True)
    app.router.add_post("/faulty/{name}", _faulty)  # a handler with a bug, as any may have
    client = await aiohttp_client(app)
    answer = await client.post(
        "/faulty/Ann?phone=%2B32470000001", data=b'{"first_name": "Zo\xc3\xab-secret"}'
    )
    problem = await answer.json(content_type=None)
    assert answer.status == 500 and problem["type"] == PROBLEM_BASE + "internal-error"
    request_id = answer.headers[REQUEST_ID_HEADER]
    assert problem["request_id"] == request_id and request_id in problem["detail"]
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 1 and request_id in logged[0].getMessage()
    assert "/faulty/{name}" in logged[0].getMessage()
    for sent in ("secret", "Ann", "32470000001"):
        assert sent not in caplog.text
