"""The aiohttp application: the API, the pages, and what they share.

``create_app`` takes the services built by the composition root. When the application owns
them (``close_services=True``, as in a process that only serves), its ``cleanup_ctx`` closes
them when the application stops; under ``campaign run`` the roles share them and
``run_roles`` closes them once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from html import escape

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
    base = escape(request.app[SERVICES].settings.base_url)
    return web.Response(text=_LANDING.format(base=base), content_type="text/html")


_LANDING = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Campaign service</title>
<style>body{{font:1.125rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;
padding:0 1rem}}
code{{background:#f2f2f2;padding:0 .2em}}</style></head>
<body>
<h1>Campaign service</h1>
<p>Plain-language SMS and email about support measures and vaccination.</p>
<ul>
<li>API: <a href="{base}/api/v1/openapi.json">{base}/api/v1/openapi.json</a>
(send <code>Authorization: Bearer KEY</code>)</li>
<li>Campaigns: <code>curl -H "Authorization: Bearer KEY" {base}/api/v1/campaigns</code></li>
<li>Health: <a href="{base}/healthz">/healthz</a>,
readiness: <a href="{base}/readyz">/readyz</a></li>
</ul>
<p>Create a key with <code>campaign api-keys create --role viewer --name me</code>.</p>
</body>
</html>
"""
