"""The stop switch over HTTP: anyone may read whether sending is stopped; admins turn it."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from campaign.api.answers import json_response
from campaign.api.bodies import read_model
from campaign.api.context import identity, services
from campaign.api.docparts import ERRORS, json_answer, json_body
from campaign.kernel import limits


class StopBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(
        default=None,
        max_length=limits.REASON_MAX,
        description="Required: why all sending stops; kept with who stopped it and when.",
    )


async def get_switch(request: web.Request) -> web.Response:
    found = services(request)
    state = await found.switch.status()
    circuits = await found.switch.refusing_accounts()
    return json_response(
        state.as_json()
        | {
            "open_circuits": [c.as_json() for c in circuits],
            "unmatched_callbacks": await found.callbacks.unmatched(),
        }
    )


async def stop_sending(request: web.Request) -> web.Response:
    body = await read_model(request, StopBody, optional=True)  # no reason: the service says so
    change = await services(request).switch.stop(identity(request), body.reason)
    return json_response(change.state.as_json() | {"changed": change.changed})


async def resume_sending(request: web.Request) -> web.Response:
    change = await services(request).switch.resume(identity(request))
    return json_response(change.state.as_json() | {"changed": change.changed})


_CHANGED = json_answer(
    "DispatchChange", "the switch after the call; changed is false when it already was so"
)

OPENAPI_PATHS: dict[str, object] = {
    "/api/v1/dispatch": {
        "get": {
            "summary": "Whether all sending is stopped: since when, by whom, why (any role); "
            "provider accounts whose circuit is open (they refuse to send, so their messages "
            "wait), and how many status callbacks named no message we know",
            "responses": {"200": json_answer("DispatchSwitch", "the switch"), **ERRORS},
        }
    },
    "/api/v1/dispatch/stop": {
        "post": {
            "summary": "Stop all sending within a second, for every campaign (admin; a reason "
            "is required). Queued messages wait; nothing is skipped. Stopping twice keeps the "
            "first stop.",
            "requestBody": json_body("StopBody"),
            "responses": {"200": _CHANGED, **ERRORS},
        }
    },
    "/api/v1/dispatch/resume": {
        "post": {
            "summary": "Let sending go on (admin): waiting messages go at their campaigns' rates",
            "responses": {"200": _CHANGED, **ERRORS},
        }
    },
}


def _switch_schema(extra: dict[str, object] | None = None) -> dict[str, object]:
    properties: dict[str, object] = {
        "stopped": {"type": "boolean"},
        "since": {"type": ["string", "null"], "format": "date-time"},
        "by": {"type": ["string", "null"]},
        "reason": {"type": ["string", "null"]},
        **(extra or {}),
    }
    return {"type": "object", "required": list(properties), "properties": properties}


_CIRCUIT = {
    "type": "object",
    "required": ["account", "channel", "code", "reason", "refusals", "next_probe_at"],
    "properties": {
        "account": {"type": "string", "description": "channel, provider and sender"},
        "channel": {"type": "string", "enum": ["sms", "email"]},
        "code": {"type": ["string", "null"], "description": "the provider's code"},
        "reason": {"type": "string"},
        "refusals": {"type": "integer", "description": "refusals in a row"},
        "next_probe_at": {"type": "string", "format": "date-time"},
    },
}


def openapi_schemas() -> dict[str, object]:
    return {
        "StopBody": StopBody.model_json_schema(),
        "DispatchSwitch": _switch_schema(
            {
                "open_circuits": {"type": "array", "items": _CIRCUIT},
                "unmatched_callbacks": {"type": "integer", "minimum": 0},
            }
        ),
        "DispatchChange": _switch_schema({"changed": {"type": "boolean"}}),
    }
