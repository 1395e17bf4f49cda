"""API keys for admins: list them (never a secret or a digest) and revoke one.

Keys are created on the command line (``campaign api-keys create [--expires-in DAYS]``), where
the secret is shown once: an API that minted keys for users would let one admin act as another
person, which four eyes forbids (decision 0033). A revoked or expired key is refused from the
next request on; it stays listed, with when.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from campaign.api.answers import json_response
from campaign.api.bodies import path_id
from campaign.api.context import identity, services
from campaign.api.docparts import ERRORS, id_in_path, json_answer, ref
from campaign.kernel.identity import Role


async def list_api_keys(request: web.Request) -> web.Response:
    found = await services(request).accounts.api_keys(identity(request))
    return json_response({"items": [key.as_json() for key in found]})


async def revoke_api_key(request: web.Request) -> web.Response:
    key_id = path_id(request, "key_id", "API key")
    done = await services(request).accounts.revoke_api_key(identity(request), key_id)
    return json_response(done.key.as_json() | {"changed": done.changed})


OPENAPI_PATHS: dict[str, Any] = {
    "/api/v1/api-keys": {
        "get": {
            "summary": "Every API key, newest first, revoked ones too (admin): prefix, name, "
            "role, user, partner, created, last used, revoked, expires; never the key itself",
            "responses": {"200": json_answer("ApiKeyList", "the keys"), **ERRORS},
        }
    },
    "/api/v1/api-keys/{key_id}/revoke": {
        "parameters": [id_in_path("key_id")],
        "post": {
            "summary": "Revoke a key for good (admin): refused from the next request on. "
            "Revoking a revoked key keeps the first time and answers changed: false",
            "responses": {"200": json_answer("ApiKeyRevocation", "the key, revoked"), **ERRORS},
        },
    },
}


def _key_schema(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    moment = {"type": ["string", "null"], "format": "date-time"}
    properties: dict[str, Any] = {
        "id": {"type": "integer"},
        "prefix": {"type": "string", "description": "the key's first 12 characters"},
        "name": {"type": "string"},
        "role": {
            "enum": [r.value for r in Role],
            "description": "as made; a key acting for a user never does more than the user's "
            "current role allows",
        },
        "user": {"type": ["string", "null"], "description": "the email of the user it acts for"},
        "partner": {
            "type": ["string", "null"],
            "description": "the slug of its partner; for a key acting for a user, the user's",
        },
        "created_at": {"type": "string", "format": "date-time"},
        "last_used_at": moment | {"description": "to the minute"},
        "revoked_at": moment,
        "expires_at": moment | {"description": "refused from then on; null: until revoked"},
        **(extra or {}),
    }
    return {"type": "object", "required": list(properties), "properties": properties}


def openapi_schemas() -> dict[str, object]:
    return {
        "ApiKey": _key_schema(),
        "ApiKeyList": {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": ref("ApiKey")}},
        },
        "ApiKeyRevocation": _key_schema({"changed": {"type": "boolean"}}),
    }
