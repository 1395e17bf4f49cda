"""The aiohttp application: the API, the pages, and what they share.

``create_app`` takes the services built by the composition root. When the application owns
them (``close_services=True``, as in a process that only serves), its ``cleanup_ctx`` closes
them when the application stops; under ``campaign run`` the roles share them and
``run_roles`` closes them once. Every response carries the security headers of
``campaign.web.headers``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from campaign.api.auth import api_key_middleware
from campaign.api.problems import (
    address_middleware,
    problems_middleware,
    quiet_unreadable_requests,
)
from campaign.api.routes import add_api_routes
from campaign.kernel import limits
from campaign.services import SERVICES, Services
from campaign.web.headers import add_security_headers
from campaign.web.pages import STATIC, STATIC_PREFIX, public_url_of
from campaign.web.recipient import add_recipient_routes
from campaign.web.webhooks import add_webhook_routes

MAX_BODY = limits.BODY_MAX_BYTES  # contact files arrive as request bodies


def app_runner(app: web.Application) -> web.AppRunner:
    """The runner `campaign serve` (and every test that serves the app) uses: no access log,
    and aiohttp's request parser reads lines and headers up to the limits the API documents
    room for."""
    return web.AppRunner(
        app,
        handle_signals=False,
        access_log=None,
        max_line_size=limits.SERVER_LINE_BYTES,
        max_field_size=limits.SERVER_FIELD_BYTES,
    )


def create_app(services: Services, *, close_services: bool = False) -> web.Application:
    app = web.Application(
        middlewares=[problems_middleware, api_key_middleware, address_middleware],
        client_max_size=MAX_BODY,
    )
    app[SERVICES] = services
    quiet_unreadable_requests()  # a request aiohttp cannot parse is not a fault of ours
    add_security_headers(app, public_url=public_url_of(services.pages))
    if close_services:
        app.cleanup_ctx.append(_closing(services))
    add_api_routes(app)
    add_recipient_routes(app)
    add_webhook_routes(app)
    app.router.add_get("/", landing)
    app.router.add_static(STATIC_PREFIX, STATIC)
    return app


def _closing(services: Services) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        yield
        await services.close()

    return context


async def landing(request: web.Request) -> web.Response:
    """What the service is and where its API is, for someone who opens the bare address."""
    services = request.app[SERVICES]
    html = services.pages.get_template("landing.html").render(lang="en", dir="ltr")
    return web.Response(text=html, content_type="text/html")
