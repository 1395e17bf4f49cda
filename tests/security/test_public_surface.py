"""What someone without a key can reach (docs/security.md, "Threat model"), on SQLite and
PostgreSQL: the public pages answer, recipient links with made-up tokens show the invalid-link
page, webhooks refuse what is not signed, and broken input is a 4xx, never a server error.

The API routes themselves (401 without a key) are the "no key" column of the role table.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from campaign.bootstrap import build
from campaign.kernel.clock import ManualClock
from campaign.settings import load_settings
from campaign.web.app import create_app
from tests.api_client import ClientFactory
from tests.factories import TEST_SECRET

BOUNCE_SECRET = "a bounce secret of some length"
Client = TestClient[web.Request, web.Application]

# Tokens nobody was given: wrong, non-ASCII (percent-encoded and raw), shaped like ours but
# forged, and long.
MADE_UP_TOKENS = (
    "nothing",
    "%C3%A9t%C3%A9",
    "été",
    "eyJwIjoid2ViIiwicyI6MSwiZSI6OTk5OTk5OTk5OX0.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "eyJwIjoid2ViIiwicyI6MSwiZSI6OTk5OTk5OTk5OX0.ééééééééééééééééééééééééééé",
    "1a.2b.3c",
    "1a.2b.ééé",
    "1a.é.3c",
    "x" * 2000,
)
# Bodies a webhook may be sent by anyone: (content type, body).
UNSIGNED_BODIES = (
    ("application/x-www-form-urlencoded", b"From=%2B32470000001&Body=STOP"),
    ("application/x-www-form-urlencoded", b"\xff\xfe\xfd=\x80"),
    ("application/x-www-form-urlencoded; charset=foo", b"From=1&Body=STOP"),
    ("multipart/form-data; boundary=x", b"--x\r\nbroken"),
    ("text/plain", b"\x00" * 64),
)


@pytest.fixture
async def anonymous(
    migrated_url: str, clock: ManualClock, aiohttp_client: ClientFactory
) -> AsyncIterator[Client]:
    settings = load_settings(
        database_url=migrated_url, secret_key=TEST_SECRET, bounce_secret=BOUNCE_SECRET
    )
    yield await aiohttp_client(create_app(build(settings, clock=clock), close_services=True))


async def test_the_public_pages_answer_without_a_key(anonymous: Client) -> None:
    for path in ("/", "/healthz", "/readyz", "/api/v1/openapi.json"):
        response = await anonymous.get(path)
        assert response.status == 200, path


@pytest.mark.parametrize("token", MADE_UP_TOKENS)
async def test_recipient_links_with_made_up_tokens_show_the_invalid_link_page(
    anonymous: Client, token: str
) -> None:
    for method, prefix in (("GET", "/m/"), ("GET", "/u/"), ("POST", "/u/"), ("GET", "/s/")):
        response = await anonymous.request(method, prefix + token, data=b"\xff")
        assert (response.status, response.content_type) == (404, "text/html"), (method, prefix)


@pytest.mark.parametrize(("content_type", "body"), UNSIGNED_BODIES)
async def test_twilio_webhooks_refuse_what_twilio_did_not_sign(
    anonymous: Client, content_type: str, body: bytes
) -> None:
    for path in ("/webhooks/twilio/inbound", "/webhooks/twilio/status?message_id=1"):
        response = await anonymous.post(path, data=body, headers={"Content-Type": content_type})
        assert 400 <= response.status < 500 and response.status != 404, (path, response.status)


@pytest.mark.parametrize(("content_type", "body"), UNSIGNED_BODIES)
async def test_the_bounce_webhook_refuses_a_wrong_or_missing_secret(
    anonymous: Client, content_type: str, body: bytes
) -> None:
    for authorization in ({}, {"Authorization": "Bearer not the secret"}):
        headers = {"Content-Type": content_type} | authorization
        response = await anonymous.post("/webhooks/email/bounce", data=body, headers=headers)
        assert response.status == 403, (authorization, response.status)
