"""Bearer API keys for ``/api/v1``: every request but the OpenAPI document needs one.

Each request looks its key and the key's user up again, so a key revoked or expired a moment
ago is refused on the next one, and a user's new role or partner applies at once: there is no
cache of keys to outlive a change (decision 0033).
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from campaign.api.context import IDENTITY, services
from campaign.api.problems import problem

PUBLIC_PATHS = frozenset({"/api/v1/openapi.json"})


@web.middleware
async def api_key_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/api/") or request.path in PUBLIC_PATHS:
        return await handler(request)
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return _unauthorised("send an API key as 'Authorization: Bearer KEY'")
    found = await services(request).accounts.authenticate(secret.strip())
    if found is None:
        return _unauthorised("the API key is unknown or revoked, or it has expired")
    request[IDENTITY] = found
    return await handler(request)


def _unauthorised(detail: str) -> web.Response:
    response = problem(401, "Unauthorised", detail)
    response.headers["WWW-Authenticate"] = 'Bearer realm="campaign"'
    return response
