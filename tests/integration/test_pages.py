"""The server-rendered pages on their one base layout: what reaches a page comes out escaped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from campaign.services import Services
from campaign.store.tables import contacts
from campaign.web.app import create_app
from tests.factories import sent_message

Client = TestClient[web.Request, web.Application]
ClientFactory = Callable[[web.Application], Awaitable[Client]]
SCRIPT = "<script>alert(1)</script>"


class _Elements(HTMLParser):
    """The start tags of a page and their attributes, as a browser reads them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


async def _web_copy_for(
    services: Services, aiohttp_client: ClientFactory, channel: str, address: str
) -> str:
    """The web copy of a message to a person whose first name is a script."""
    message_id, contact_id = await sent_message(services.database, services.clock, channel, address)
    async with services.database.transaction() as session:
        await session.execute(
            update(contacts).where(contacts.c.id == contact_id).values(first_name=SCRIPT)
        )
    token = services.signer.sign("web", message_id, services.clock.now() + timedelta(days=1))
    response = await (await aiohttp_client(create_app(services))).get(f"/m/{token}")
    assert response.status == 200
    return await response.text()


@pytest.mark.parametrize(
    ("channel", "address"), [("sms", "+32470000001"), ("email", "ann@example.org")]
)
async def test_a_first_name_with_a_script_is_shown_not_run_in_the_web_copy(
    services: Services, aiohttp_client: ClientFactory, channel: str, address: str
) -> None:
    html = await _web_copy_for(services, aiohttp_client, channel, address)
    assert "Dag &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html


async def test_a_script_in_the_language_of_a_broken_link_is_escaped(
    services: Services, aiohttp_client: ClientFactory
) -> None:
    client = await aiohttp_client(create_app(services))
    response = await client.get("/u/not-a-token", params={"lang": f'"{SCRIPT}'})
    html = await response.text()
    assert response.status == 404
    tags = _Elements(html).tags
    # Only a language the pages speak is used: anything else, markup included, is not echoed.
    assert tags[0] == ("html", {"lang": "en", "dir": "ltr"})
    assert "script" not in [tag for tag, _ in tags] and "This link does not work" in html
    assert response.headers["Referrer-Policy"] == "no-referrer"


async def test_the_landing_page_is_on_the_base_layout(
    services: Services, aiohttp_client: ClientFactory
) -> None:
    client = await aiohttp_client(create_app(services))
    response = await client.get("/")
    html = await response.text()
    base = services.settings.base_url
    assert response.status == 200 and response.content_type == "text/html"
    assert html.startswith("<!doctype html>\n")
    assert '<html lang="en" dir="ltr">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<title>Campaign service</title>" in html
    assert "<main><h1>Campaign service</h1>" in html and html.rstrip().endswith("</html>")
    assert f'<a href="{base}/api/v1/openapi.json">' in html
