"""The OpenAPI 3.1 document of what exists. A test keeps it and the router in step."""

from __future__ import annotations

import copy
from typing import Any

from aiohttp import web

from campaign.api import (
    api_keys,
    campaign_exclusions,
    campaign_messages,
    campaign_review,
    contacts,
    dispatch,
    fields,
    measures,
    messages,
    segments,
    templates,
)
from campaign.api.answers import json_response
from campaign.api.campaigns import ActionBody, CampaignBody
from campaign.api.docparts import CAMPAIGN_ID, ERRORS, PROBLEM, json_answer, json_body
from campaign.api.problems import INVALID_INPUT, KINDS, PROBLEM_BASE, REQUEST_ID_HEADER
from campaign.campaigns.states import STAFF_ACTIONS, CampaignState

JSON = "application/json"
# aiohttp's HTTP layer answers a request it cannot read (a request line or a header over
# 8 KiB, bytes that are not HTTP) with a plain-text 400 before any route or middleware sees it.
UNREADABLE: dict[str, Any] = {
    "description": "the request cannot be read: a request line or header longer than 8 KiB "
    "(text/plain, from the HTTP server), or a body the route cannot parse (a problem)",
    "content": {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}},
        "text/plain": {"schema": {"type": "string"}},
    },
}
_INTRO = (
    "Plain-language SMS and email campaigns. Authenticate with 'Authorization: Bearer KEY' "
    "(keys from `campaign api-keys create`). Errors are RFC 9457 problem details."
)
_ACTION_RULES = (
    "Reject and cancel need a reason. Approve needs a second person: nobody who created or "
    "edited the campaign, so a key must act for a user."
)


def _paths() -> dict[str, Any]:
    paging = [
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 200},
        },
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    ]
    body = json_body("CampaignBody")
    action_body = json_body("ActionBody") | {"required": False}
    actions = ", ".join(sorted(a.value for a in STAFF_ACTIONS))
    return {
        "/healthz": {
            "get": {
                "summary": "The process answers",
                "security": [],
                "responses": {"200": {"description": "alive"}},
            }
        },
        "/readyz": {
            "get": {
                "summary": "The database is reachable and its migrations current",
                "security": [],
                "responses": {"200": {"description": "ready"}, "503": {"description": "not ready"}},
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1"}},
            }
        },
        "/api/v1/campaigns": {
            "get": {
                "summary": "List campaigns, newest first, each with its stats",
                "parameters": paging,
                "responses": {"200": json_answer("CampaignList", "campaigns"), **ERRORS},
            },
            "post": {
                "summary": "Create a draft campaign (editor)",
                "requestBody": body,
                "responses": {"201": json_answer("Campaign", "created"), **ERRORS},
            },
        },
        "/api/v1/campaigns/{campaign_id}": {
            "parameters": [CAMPAIGN_ID],
            "get": {
                "summary": "One campaign with its stats",
                "responses": {"200": json_answer("Campaign", "the campaign"), **ERRORS},
            },
            "put": {
                "summary": "Edit a campaign; an approved campaign goes back to draft",
                "requestBody": body,
                "responses": {"200": json_answer("Campaign", "edited"), **ERRORS},
            },
        },
        "/api/v1/campaigns/{campaign_id}/stats": {
            "parameters": [CAMPAIGN_ID],
            "get": {
                "summary": "Every message counted once by status, channel and language",
                "responses": {"200": json_answer("Stats", "stats"), **ERRORS},
            },
        },
        "/api/v1/campaigns/{campaign_id}/preview": {
            "parameters": [CAMPAIGN_ID],
            "get": {
                "summary": "What the campaign would send now: recipients per channel and "
                "language, who falls back to another language, and the SMS cost over the real "
                "audience with the characters that make messages dearer",
                "responses": {"200": {"description": "the preview"}, **ERRORS},
            },
        },
        "/api/v1/campaigns/{campaign_id}/{action}": {
            "parameters": [
                CAMPAIGN_ID,
                {
                    "name": "action",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": sorted(a.value for a in STAFF_ACTIONS)},
                },
            ],
            "post": {
                "summary": f"A staff action: {actions}",
                "description": _ACTION_RULES,
                "requestBody": action_body,
                "responses": {
                    "200": json_answer("Campaign", "the campaign after the action"),
                    **ERRORS,
                },
            },
        },
    }


def _bucket() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "by_status": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
    }


def _schemas() -> dict[str, Any]:
    stats = _bucket()
    stats["properties"] |= {
        "by_channel": {"type": "object", "additionalProperties": _bucket()},
        "by_language": {"type": "object", "additionalProperties": _bucket()},
        "fallbacks": {
            "type": "object",
            "description": "messages that carry, on the other channel, one that failed for good",
            "properties": {
                "total": {"type": "integer"},
                "by_channel": {"type": "object", "additionalProperties": _bucket()},
            },
        },
        **campaign_exclusions.STATS_PROPERTIES,
    }
    campaign = {
        "type": "object",
        "required": ["id", "name", "state", "stats"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "state": {"type": "string", "enum": [s.value for s in CampaignState]},
            "channel_fallback": {
                "type": "boolean",
                "description": "a message that fails for good goes once on the other channel",
            },
            "quiet_hours_override": {
                "type": ["string", "null"],
                "description": "why the default quiet hours do not hold (null: they do)",
            },
            "held": {
                "oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Held"}],
                "description": "set while quiet hours or a provider refusing the account hold "
                "the running campaign's queue",
            },
            "segment_id": {
                "type": ["integer", "null"],
                "description": "the saved segment whose query each run reads when it starts",
            },
            "checks": {
                "oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/CheckReport"}],
                "description": "what the checks found at the latest submission or approval",
            },
            "stats": {"$ref": "#/components/schemas/Stats"},
        },
    }
    return {
        "Stats": stats,
        "Campaign": campaign,
        "Held": {
            "type": "object",
            "required": ["reason", "until"],
            "properties": {
                "reason": {
                    "type": "string",
                    "description": '"quiet hours", or "the provider refuses to send for '
                    "now: \" and the provider's reason",
                },
                "until": {
                    "type": "string",
                    "format": "date-time",
                    "description": "UTC; when the first waiting message may go",
                },
            },
        },
        "CampaignList": {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Campaign"}},
                "limit": {"type": "integer"},
                "offset": {"type": "integer"},
            },
        },
        "CampaignBody": CampaignBody.model_json_schema(ref_template="#/components/schemas/{model}"),
        "ActionBody": ActionBody.model_json_schema(),
        "Problem": problem_schema(),
    }


def problem_schema() -> dict[str, Any]:
    """RFC 9457 problem details as campaign.api.problems writes them."""
    kinds = ", ".join(f"{k.slug} ({k.status})" for k in KINDS)
    return {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {
                "type": "string",
                "format": "uri",
                "description": f"{PROBLEM_BASE}<kind>, one of: {kinds}; an identifier, not a "
                "page to fetch",
                "examples": [INVALID_INPUT.type],
            },
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "where": {
                "type": "string",
                "description": "what is wrong: a body member (measure_ids.1), a parameter, "
                "a header, or body",
            },
            "request_id": {
                "type": "string",
                "description": "500 only: the id the log keeps the fault under (also the "
                f"{REQUEST_ID_HEADER} header)",
            },
            "would_resend": {"type": "integer", "description": "409 of a resend only"},
        },
    }


def _with_boundary_answers(paths: dict[str, Any]) -> dict[str, Any]:
    """Every operation may be sent what the HTTP server cannot read (400) or be our fault
    (500); one that reads a body may find it too large (413), a JSON one in another charset
    (415): the error boundary answers these everywhere."""
    paths = copy.deepcopy(paths)  # the modules' own tables stay as they are
    for item in paths.values():
        for method, operation in item.items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            body = operation.get("requestBody", {}).get("content", {})
            answers = ["500", *(["413"] if body else []), *(["415"] if JSON in body else [])]
            responses = operation.setdefault("responses", {})
            responses.setdefault("400", UNREADABLE)
            for status in answers:
                responses.setdefault(status, PROBLEM)
    return paths


def _hoist_definitions(schemas: dict[str, Any]) -> dict[str, Any]:
    """Pydantic nests referenced models under ``$defs``; OpenAPI wants them as components."""
    for schema in list(schemas.values()):
        if isinstance(schema, dict):
            schemas |= schema.pop("$defs", {})
    return schemas


def document() -> dict[str, Any]:
    schemas = _hoist_definitions(
        _schemas()
        | measures.openapi_schemas()
        | templates.openapi_schemas()
        | messages.openapi_schemas()
        | contacts.openapi_schemas()
        | fields.openapi_schemas()
        | segments.openapi_schemas()
        | dispatch.openapi_schemas()
        | campaign_messages.openapi_schemas()
        | campaign_review.openapi_schemas()
        | campaign_exclusions.openapi_schemas()
        | api_keys.openapi_schemas()
    )
    paths = _with_boundary_answers(
        _paths()
        | measures.OPENAPI_PATHS
        | templates.OPENAPI_PATHS
        | messages.OPENAPI_PATHS
        | contacts.OPENAPI_PATHS
        | fields.OPENAPI_PATHS
        | segments.OPENAPI_PATHS
        | dispatch.OPENAPI_PATHS
        | campaign_messages.OPENAPI_PATHS
        | campaign_review.OPENAPI_PATHS
        | campaign_exclusions.OPENAPI_PATHS
        | api_keys.OPENAPI_PATHS
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Campaign service",
            "version": "1",
            "description": _INTRO,
        },
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
            "responses": {
                "Problem": {
                    "description": "An error, as RFC 9457 problem details",
                    "content": {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    },
                }
            },
        },
    }


async def openapi_json(request: web.Request) -> web.Response:
    return json_response(document())
