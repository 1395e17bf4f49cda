"""The aiohttp application: the API, the pages, and what they share.

``create_app`` takes the services built by the composition root. When the application owns
them (``close_services=True``, as in a process that only serves), its ``cleanup_ctx`` closes
them when the application stops; under ``campaign run`` the roles share them and
``run_roles`` closes them once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from campaign.api.auth import api_key_middleware
from campaign.api.problems import problems_middleware
from campaign.api.routes import add_api_routes
from campaign.services import SERVICES, Services
from campaign.web.recipient import add_recipient_routes
from campaign.web.webhooks import add_webhook_routes

MAX_BODY = 20 * 1024 * 1024  # contact files arrive as request bodies


def create_app(services: Services, *, close_services: bool = False) -> web.Application:
    app = web.Application(
        middlewares=[problems_middleware, api_key_middleware], client_max_size=MAX_BODY
    )
    app[SERVICES] = services
    if close_services:
        app.cleanup_ctx.append(_closing(services))
    add_api_routes(app)
    add_recipient_routes(app)
    add_webhook_routes(app)
    app.router.add_get("/", landing)
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
