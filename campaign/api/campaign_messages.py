"""A campaign's messages, person by person: the list (filters, cursor pages, each message with
its delivery events), the same as a spreadsheet, and resending or settling those in
``unknown``."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from campaign.api.answers import json_response
from campaign.api.bodies import campaign_id as _id
from campaign.api.bodies import channel_param, int_param, read_model
from campaign.api.context import identity, services
from campaign.api.csv_answers import delimiter_of, stream_csv
from campaign.api.docparts import (
    CAMPAIGN_ID,
    CSV_ANSWER,
    DELIMITER,
    ERRORS,
    json_answer,
    json_body,
    ref,
)
from campaign.campaigns.messages import MAX_SETTLE_REASON
from campaign.delivery.listing import DeliveryEvent, MessageFilter
from campaign.delivery.model import MessageRecord
from campaign.delivery.states import MessageState
from campaign.kernel import limits
from campaign.kernel.channel import Channel
from campaign.kernel.errors import InvalidInput

MAX_PAGE = limits.PAGE_MAX
MAX_IDS = limits.MESSAGE_IDS_MAX
MAX_REASON_FILTER = limits.REASON_FILTER_MAX
_CURSOR_PREFIX = "after:"
_LANGUAGE_CODE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?")


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


def listed(request: web.Request, name: str) -> list[str]:
    """A query parameter given several times or comma-separated, as one list of at most
    ``limits.QUERY_LIST_MAX`` values."""
    values = [
        v.strip() for raw in request.query.getall(name, []) for v in raw.split(",") if v.strip()
    ]
    if len(values) > limits.QUERY_LIST_MAX:
        raise InvalidInput(
            f"{name}: at most {limits.QUERY_LIST_MAX} values, not {len(values)}", where=name
        )
    return values


# A cursor page's ``limit`` and ``cursor`` (what next_cursor said; only the request line
# bounds it), for every list paged by id.
PAGE_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
    },
    {
        "name": "cursor",
        "in": "query",
        "schema": {"type": "string", "maxLength": limits.REQUEST_LINE_MAX},
    },
]


def page_window(request: web.Request) -> tuple[int, int]:
    """A cursor page's ``limit`` and the id it starts after (0 without a ``cursor``)."""
    limit = int_param(request, "limit", 100, low=1, high=MAX_PAGE)
    cursor = request.query.get("cursor")
    return limit, decode_cursor(cursor) if cursor else 0


def next_cursor(next_after: int | None) -> str | None:
    """What a page answers as ``next_cursor``: null on the last page."""
    return encode_cursor(next_after) if next_after is not None else None


def _states(request: web.Request) -> set[MessageState]:
    names = listed(request, "state")
    known = {s.value for s in MessageState}
    wrong = [n for n in names if n not in known]
    if wrong:
        raise InvalidInput(
            f"state: {wrong[0]!r} is not a message state; use {', '.join(sorted(known))}",
            where="state",
        )
    return {MessageState(n) for n in names}


def _languages(request: web.Request) -> set[str]:
    names = listed(request, "language")
    wrong = [n for n in names if not _LANGUAGE_CODE.fullmatch(n)]
    if wrong:
        raise InvalidInput(
            f"language: {wrong[0]!r} is not a language code such as nl, fr or ar",
            where="language",
        )
    return set(names)


def _reason(request: web.Request) -> str | None:
    reason = request.query.get("reason", "").strip()
    if len(reason) > MAX_REASON_FILTER:
        raise InvalidInput(
            f"reason: at most {MAX_REASON_FILTER} characters; a reason's kind is enough "
            "(the words before its first colon)",
            where="reason",
        )
    return reason or None


def message_filter(request: web.Request) -> MessageFilter:
    """The list's and the CSV's filters: state, channel, language and reason."""
    return MessageFilter(
        states=_states(request),
        channel=channel_param(request),
        languages=_languages(request),
        reason=_reason(request),
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def event_json(event: DeliveryEvent) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "from_state": event.from_state.value if event.from_state else None,
        "to_state": event.to_state.value,
        "provider_status": event.provider_status,
        "code": event.code,
        "reason": event.reason,
    }


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
    which = message_filter(request)
    limit, after = page_window(request)
    page = await services(request).campaign_messages.page(
        identity(request), campaign_id, which=which, after_id=after, limit=limit
    )
    items = [
        message_json(r) | {"events": [event_json(e) for e in page.events.get(r.id, ())]}
        for r in page.items
    ]
    return json_response({"items": items, "next_cursor": next_cursor(page.next_after)})


async def messages_csv(request: web.Request) -> web.StreamResponse:
    """The campaign's messages with the list's filters, as CSV for a spreadsheet."""
    campaign_id = _id(request)
    which, delimiter = message_filter(request), delimiter_of(request)
    table = services(request).campaign_messages.table(identity(request), campaign_id, which)
    return await stream_csv(request, table, f"campaign-{campaign_id}-messages.csv", delimiter)


async def resend_messages(request: web.Request) -> web.Response:
    campaign_id = _id(request)
    body = await read_model(request, ResendBody, optional=True)
    done = await services(request).campaign_messages.resend_unknown(
        identity(request), campaign_id, body.message_ids, confirmed=body.confirm
    )
    return json_response({"resent": done.count, "ignored": done.ignored})


async def settle_messages(request: web.Request) -> web.Response:
    campaign_id = _id(request)
    body = await read_model(request, SettleBody)
    done = await services(request).campaign_messages.settle_unknown(
        identity(request), campaign_id, body.reason, body.message_ids
    )
    return json_response({"settled": done.count, "ignored": done.ignored})


_WHO = "Editors and admins (Permission campaigns); a partner acts only on its own campaigns."

_FILTERS: list[dict[str, Any]] = [
    {
        "name": "state",
        "in": "query",
        "description": "Message states, repeated or comma-separated",
        "schema": {
            "type": "array",
            "items": {"enum": [s.value for s in MessageState]},
            "maxItems": limits.QUERY_LIST_MAX,
        },
        "style": "form",
        "explode": True,
    },
    {"name": "channel", "in": "query", "schema": {"enum": ["sms", "email"]}},
    {
        "name": "language",
        "in": "query",
        "description": "Languages the messages were written in, repeated or comma-separated",
        "schema": {
            "type": "array",
            "items": {"type": "string", "maxLength": limits.LANGUAGE_CODE_MAX},
            "maxItems": limits.QUERY_LIST_MAX,
        },
        "style": "form",
        "explode": True,
    },
    {
        "name": "reason",
        "in": "query",
        "description": (
            "The message's reason, or its kind: the words before its first colon, as the "
            "stats' reasons name them (reason=opted out; reason=hard bounce). Case is ignored."
        ),
        "schema": {"type": "string", "maxLength": MAX_REASON_FILTER},
    },
]

OPENAPI_PATHS: dict[str, Any] = {
    "/api/v1/campaigns/{campaign_id}/messages": {
        "parameters": [CAMPAIGN_ID],
        "get": {
            "summary": "The campaign's messages, person by person, in id order",
            "description": (
                "Any role that may read the campaign (a partner only its own). Addresses are "
                "masked. Each message comes with its delivery events, oldest first. Pass "
                "next_cursor as cursor for the next page (null on the last). ?state=unknown "
                "lists what the provider may or may not have. The people a run left out have "
                "no message: see …/exclusions."
            ),
            "parameters": [
                *_FILTERS,
                *PAGE_PARAMETERS,
            ],
            "responses": {"200": json_answer("MessagePage", "one page of messages"), **ERRORS},
        },
    },
    "/api/v1/campaigns/{campaign_id}/messages.csv": {
        "parameters": [CAMPAIGN_ID],
        "get": {
            "summary": "The campaign's messages as CSV, for a spreadsheet",
            "description": (
                "The list's rows with the same filters, every page, streamed, with a header "
                "row: message_id, contact_id, channel, address (masked), language, state, "
                "reason, error_code, attempts, sent_at, final_at, cost, segments, last_event, "
                "last_event_at, settled_at, settled_by. Cells a spreadsheet would run as "
                "formulas start with '. Any role that may read the campaign."
            ),
            "parameters": [
                *_FILTERS,
                DELIMITER,
            ],
            "responses": {
                "200": CSV_ANSWER,
                **ERRORS,
            },
        },
    },
    "/api/v1/campaigns/{campaign_id}/messages/resend": {
        "parameters": [CAMPAIGN_ID],
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
        "parameters": [CAMPAIGN_ID],
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
            "events": {"type": "array", "items": ref("DeliveryEvent")},
        },
    }
    event = {
        "type": "object",
        "required": ["at", "to_state"],
        "properties": {
            "at": {"type": "string", "format": "date-time"},
            "from_state": {"enum": [*(s.value for s in MessageState), None]},
            "to_state": {"enum": [s.value for s in MessageState]},
            "provider_status": text,
            "code": text,
            "reason": text,
        },
    }
    return {
        "DeliveryEvent": event,
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
