"""A campaign's messages, person by person: the list (filters, cursor pages), and resending or
settling those in ``unknown``."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from campaign.api.bodies import int_param, path_id, read_model
from campaign.api.context import identity, services
from campaign.api.docparts import ERRORS, json_answer, json_body, ref
from campaign.campaigns.messages import MAX_SETTLE_REASON
from campaign.delivery.model import MessageRecord
from campaign.delivery.states import MessageState
from campaign.kernel.channel import Channel
from campaign.kernel.errors import InvalidInput

MAX_PAGE = 1000
MAX_IDS = 10_000
_CURSOR_PREFIX = "after:"


class ResendBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message_ids: list[int] | None = Field(default=None, min_length=1, max_length=MAX_IDS)
    # Only a JSON true confirms: "yes" or 1 is not a considered answer to "may it arrive twice?"
    confirm: bool = Field(default=False, strict=True)


class SettleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message_ids: list[int] | None = Field(default=None, min_length=1, max_length=MAX_IDS)
    reason: str = Field(max_length=MAX_SETTLE_REASON)

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("say why these messages are settled")
        return value.strip()


def encode_cursor(after_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{after_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor continues after; InvalidInput when it is not one this API gave out."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    number = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not number.isdigit() or len(number) > 18:
        raise InvalidInput(
            "cursor is not one this API gave out: pass next_cursor from the previous page, "
            "or leave it out to start from the first",
            where="cursor",
        )
    return int(number)


def _listed(request: web.Request, name: str) -> list[str]:
    """A query parameter given several times or comma-separated, as one list."""
    return [
        v.strip() for raw in request.query.getall(name, []) for v in raw.split(",") if v.strip()
    ]


def _states(request: web.Request) -> set[MessageState]:
    names = _listed(request, "state")
    known = {s.value for s in MessageState}
    wrong = [n for n in names if n not in known]
    if wrong:
        raise InvalidInput(
            f"state: {wrong[0]!r} is not a message state; use {', '.join(sorted(known))}",
            where="state",
        )
    return {MessageState(n) for n in names}


def _channel(request: web.Request) -> Channel | None:
    raw = request.query.get("channel", "").strip()
    if not raw:
        return None
    if raw not in {c.value for c in Channel}:
        raise InvalidInput(f"channel: {raw!r} is not a channel; use sms or email", where="channel")
    return Channel(raw)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def message_json(record: MessageRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "contact_id": record.contact_id,
        "channel": record.channel.value,
        "address": record.address,
        "language": record.language,
        "state": record.state.value,
        "attempts": record.attempts,
        "reason": record.reason,
        "error_code": record.error_code,
        "provider_id": record.provider_id,
        "sent_at": _iso(record.sent_at),
        "final_at": _iso(record.final_at),
        "settled_at": _iso(record.settled_at),
        "settled_by": record.settled_by,
        "segments": record.segments,
        "cost": record.cost,
        "updated_at": _iso(record.updated_at),
    }


async def list_messages(request: web.Request) -> web.Response:
    campaign_id = _id(request)
    states, channel = _states(request), _channel(request)
    limit = int_param(request, "limit", 100, low=1, high=MAX_PAGE)
    cursor = request.query.get("cursor")
    after = decode_cursor(cursor) if cursor else 0
    page = await services(request).campaign_messages.page(
        identity(request), campaign_id, states=states, channel=channel, after_id=after, limit=limit
    )
    following = encode_cursor(page.next_after) if page.next_after is not None else None
    return web.json_response(
        {"items": [message_json(r) for r in page.items], "next_cursor": following}
    )


async def resend_messages(request: web.Request) -> web.Response:
    campaign_id = _id(request)
    body = await read_model(request, ResendBody, optional=True)
    done = await services(request).campaign_messages.resend_unknown(
        identity(request), campaign_id, body.message_ids, confirmed=body.confirm
    )
    return web.json_response({"resent": done.count, "ignored": done.ignored})


async def settle_messages(request: web.Request) -> web.Response:
    campaign_id = _id(request)
    body = await read_model(request, SettleBody)
    done = await services(request).campaign_messages.settle_unknown(
        identity(request), campaign_id, body.reason, body.message_ids
    )
    return web.json_response({"settled": done.count, "ignored": done.ignored})


def _id(request: web.Request) -> int:
    return path_id(request, "campaign_id", "campaign")


_CAMPAIGN_ID = {
    "name": "campaign_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer"},
}
_WHO = "Editors and admins (Permission campaigns); a partner acts only on its own campaigns."

OPENAPI_PATHS: dict[str, Any] = {
    "/api/v1/campaigns/{campaign_id}/messages": {
        "parameters": [_CAMPAIGN_ID],
        "get": {
            "summary": "The campaign's messages, person by person, in id order",
            "description": (
                "Any role that may read the campaign (a partner only its own). Addresses are "
                "masked. Pass next_cursor as cursor for the next page (null on the last). "
                "?state=unknown lists what the provider may or may not have."
            ),
            "parameters": [
                {
                    "name": "state",
                    "in": "query",
                    "description": "Message states, repeated or comma-separated",
                    "schema": {
                        "type": "array",
                        "items": {"enum": [s.value for s in MessageState]},
                    },
                    "style": "form",
                    "explode": True,
                },
                {"name": "channel", "in": "query", "schema": {"enum": ["sms", "email"]}},
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                },
                {"name": "cursor", "in": "query", "schema": {"type": "string"}},
            ],
            "responses": {"200": json_answer("MessagePage", "one page of messages"), **ERRORS},
        },
    },
    "/api/v1/campaigns/{campaign_id}/messages/resend": {
        "parameters": [_CAMPAIGN_ID],
        "post": {
            "summary": "Queue unknown messages again (needs confirm: they may arrive twice)",
            "description": (
                "Without message_ids: every unknown message nobody settled. Only unknown "
                "messages move (others are counted as ignored), and only while the campaign "
                'is running or paused. Without "confirm": true the answer is 409, saying how '
                "many would be resent (would_resend), and nothing changes. " + _WHO
            ),
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": ref("ResendBody")}},
            },
            "responses": {"200": json_answer("ResendResult", "what was resent"), **ERRORS},
        },
    },
    "/api/v1/campaigns/{campaign_id}/messages/settle": {
        "parameters": [_CAMPAIGN_ID],
        "post": {
            "summary": "Settle unknown messages: staff looked and leave them (with a reason)",
            "description": (
                "Records who and when on unknown messages not settled yet (without "
                "message_ids: all of them); they stay unknown, a late receipt still moves "
                "them, and they no longer keep the campaign running. " + _WHO
            ),
            "requestBody": json_body("SettleBody"),
            "responses": {"200": json_answer("SettleResult", "what was settled"), **ERRORS},
        },
    },
}


def openapi_schemas() -> dict[str, object]:
    integer = {"type": "integer"}
    text = {"type": ["string", "null"]}
    moment = {"type": ["string", "null"], "format": "date-time"}
    message = {
        "type": "object",
        "required": ["id", "channel", "state", "attempts"],
        "properties": {
            "id": integer,
            "contact_id": {"type": ["integer", "null"]},
            "channel": {"enum": [c.value for c in Channel]},
            "address": {**text, "description": "masked: +32 4** ** ** 56, a***@example.org"},
            "language": {"type": "string"},
            "state": {"enum": [s.value for s in MessageState]},
            "attempts": integer,
            "reason": text,
            "error_code": text,
            "provider_id": text,
            "sent_at": moment,
            "final_at": moment,
            "settled_at": moment,
            "settled_by": text,
            "segments": {"type": ["integer", "null"]},
            "cost": {"type": ["number", "null"]},
            "updated_at": {"type": "string", "format": "date-time"},
        },
    }
    return {
        "Message": message,
        "MessagePage": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": ref("Message")},
                "next_cursor": text,
            },
        },
        "ResendBody": ResendBody.model_json_schema(),
        "ResendResult": {
            "type": "object",
            "required": ["resent", "ignored"],
            "properties": {"resent": integer, "ignored": integer},
        },
        "SettleBody": SettleBody.model_json_schema(),
        "SettleResult": {
            "type": "object",
            "required": ["settled", "ignored"],
            "properties": {"settled": integer, "ignored": integer},
        },
    }
