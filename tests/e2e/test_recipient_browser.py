"""The unsubscribe page in a real browser (Debian's Chromium, driven by Playwright), with and
without JavaScript: the person reads the question in their language, presses the button, and
the address is suppressed. The pages keep their look under their Content-Security-Policy."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, ConsoleMessage, async_playwright
from sqlalchemy import select

from audiences.segments.reachability import reachable
from campaign.kernel.channel import Channel
from campaign.message_templates.repository import save_version
from campaign.messages.library import TemplateSource, VariantSource
from campaign.services import Services
from campaign.store.engine import Database
from campaign.store.tables import contacts
from campaign.web.app import create_app
from tests.factories import sent_message

ClientFactory = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; Playwright never downloads one
# As root, without the background services a closed network refuses (machine notes).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.slow


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        await launched.close()


async def _sms_reachable(database: Database) -> bool:
    async with database.read_session() as session:
        query = select(contacts.c.id).where(reachable(Channel.SMS))
        return (await session.execute(query)).first() is not None


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
async def test_a_person_stops_the_messages_from_the_link_in_their_sms(
    browser: Browser,
    services: Services,
    aiohttp_client: ClientFactory,
    javascript: bool,
) -> None:
    message_id, _ = await sent_message(services.database, services.clock, "sms", "+32470000001")
    token = services.signer.sign("unsub", message_id, services.clock.now() + timedelta(days=1))
    client = await aiohttp_client(create_app(services))
    context = await browser.new_context(java_script_enabled=javascript)
    page = await context.new_page()

    await page.goto(str(client.make_url(f"/u/{token}")))
    assert await page.get_attribute("html", "lang") == "nl"
    assert await _sms_reachable(services.database)  # a look at the page changes nothing
    await page.get_by_role("button", name="Stop de berichten").click()
    await page.wait_for_load_state()

    assert await page.get_by_role("heading").inner_text() == "U krijgt geen berichten meer"
    assert "geen sms meer" in await page.inner_text("main")
    assert await _sms_reachable(services.database) is False
    await context.close()


async def test_an_arabic_page_reads_right_to_left(
    browser: Browser, services: Services, aiohttp_client: ClientFactory
) -> None:
    variant = VariantSource("ar", "sms", None, "مرحبا {{ first_name }}. اتصل بـ 1700. {{ stop }}")
    async with services.database.transaction() as session:
        source = TemplateSource("arabic", "Arabic", "", (variant,))
        version = await save_version(session, source, services.clock.now())
    message_id, _ = await sent_message(
        services.database, services.clock, "sms", "+32470000001", language="ar", version=version
    )
    token = services.signer.sign("unsub", message_id, services.clock.now() + timedelta(days=1))
    client = await aiohttp_client(create_app(services))
    page = await browser.new_page()
    await page.goto(str(client.make_url(f"/u/{token}")))
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    await page.close()


async def _styled(browser: Browser, url: str, script: str) -> tuple[str, list[str]]:
    """What ``script`` reads from the page at ``url``, and what the browser refused under the
    page's Content-Security-Policy (it says so on the console)."""
    page = await browser.new_page()
    refused: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", note)
    await page.goto(url)
    await page.wait_for_load_state("load")
    found = str(await page.evaluate(script))
    await page.close()
    return found, refused


async def test_the_page_s_stylesheet_applies_under_its_security_policy(
    browser: Browser, services: Services, aiohttp_client: ClientFactory
) -> None:
    message_id, _ = await sent_message(services.database, services.clock, "sms", "+32470000001")
    token = services.signer.sign("unsub", message_id, services.clock.now() + timedelta(days=1))
    client = await aiohttp_client(create_app(services))
    button = "getComputedStyle(document.querySelector('button')).backgroundColor"
    colour, refused = await _styled(browser, str(client.make_url(f"/u/{token}")), button)
    assert colour == "rgb(11, 83, 148)"  # from static/pages.css, the one stylesheet
    assert refused == []


async def test_the_web_copy_of_an_email_keeps_its_layout_under_its_security_policy(
    browser: Browser, services: Services, aiohttp_client: ClientFactory
) -> None:
    message_id, _ = await sent_message(services.database, services.clock, "email", "a@b.org")
    token = services.signer.sign("web", message_id, services.clock.now() + timedelta(days=1))
    client = await aiohttp_client(create_app(services))
    body, main = (
        "getComputedStyle(document.body)",
        "getComputedStyle(document.querySelector('main'))",
    )
    layout = f"[{body}.padding, {main}.maxWidth].join()"
    found, refused = await _styled(browser, str(client.make_url(f"/m/{token}")), layout)
    assert found == "16px,648px", found  # 36em of 18px: the layout's own inline styles
    assert refused == []
