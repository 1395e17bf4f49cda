"""What an approver reads before approving: the messages as people will get them, the checks
run on them now, and the campaign's history (who did what, why, and what the checks found)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from campaign.api.answers import json_response
from campaign.api.bodies import campaign_id as _id
from campaign.api.bodies import channel_param, int_param, path_id
from campaign.api.context import identity, services
from campaign.api.docparts import CAMPAIGN_ID, ERRORS, id_in_path, json_answer
from campaign.api.messages import staff_language
from campaign.campaigns.approval import ProofRequest
from campaign.kernel import limits
from campaign.kernel.channel import Channel
from campaign.kernel.errors import InvalidInput
from campaign.messages.language import SUPPORTED_LANGUAGES

MAX_PROOFS = limits.PROOFS_MAX


async def preview_messages(request: web.Request) -> web.Response:
    channel = channel_param(request)
    language = request.query.get("language", "").strip() or None
    if language is not None and language not in SUPPORTED_LANGUAGES:
        raise InvalidInput(
            f"language: {language!r} is not one of {', '.join(SUPPORTED_LANGUAGES)}",
            where="language",
        )
    first = int_param(request, "limit", 3, low=1, high=MAX_PROOFS)
    wanted = ProofRequest(channel, language, first, staff_language(request))
    proofs = await services(request).proofs.for_staff(identity(request), _id(request), wanted)
    return json_response({"items": [p.as_json() for p in proofs]})


async def message_copy(request: web.Request) -> web.Response:
    message_id = path_id(request, "message_id", "message")
    copy = await services(request).proofs.message_copy(identity(request), _id(request), message_id)
    return json_response(copy)


async def run_checks(request: web.Request) -> web.Response:
    report = await services(request).campaigns.checks(identity(request), _id(request))
    return json_response(report.as_json())


async def campaign_history(request: web.Request) -> web.Response:
    entries = await services(request).campaigns.history(identity(request), _id(request))
    return json_response({"items": [e.as_json() for e in entries]})


OPENAPI_PATHS: dict[str, Any] = {
    "/api/v1/campaigns/{campaign_id}/preview/messages": {
        "parameters": [CAMPAIGN_ID],
        "get": {
            "summary": "The campaign's messages as real recipients will get them",
            "description": (
                "For each channel and language the campaign will use, the messages rendered "
                "for a few real recipients of its audience (measures, eligibility, stop "
                "sentence and links as they will be sent): the first few, the longest first "
                "name and municipality, and those whose characters may cost more. "
                "chosen_because says why each was picked; web_url opens the message's web "
                "copy (/m/) for 2 days. A variant nobody will get is shown with that "
                "language's sample person (contact_id null). Editors, approvers and admins; a "
                "partner for its own campaigns; viewers may not (the messages carry names)."
            ),
            "parameters": [
                {"name": "channel", "in": "query", "schema": {"enum": ["sms", "email"]}},
                {
                    "name": "language",
                    "in": "query",
                    "schema": {"enum": list(SUPPORTED_LANGUAGES)},
                },
                {
                    "name": "limit",
                    "in": "query",
                    "description": "how many of the first recipients per variant (default 3)",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PROOFS},
                },
            ],
            "responses": {"200": json_answer("ProofList", "rendered messages"), **ERRORS},
        },
    },
    "/api/v1/campaigns/{campaign_id}/messages/{message_id}/copy": {
        "parameters": [
            CAMPAIGN_ID,
            id_in_path("message_id"),
        ],
        "get": {
            "summary": "One message as its recipient gets it, with its /m/ and /u/ links",
            "description": (
                "The text (and for email the subject and HTML) rendered as sent, the web copy "
                "link (/m/) and the unsubscribe link (/u/; opening it and confirming opts the "
                "person out). 404 once the person is erased. Editors, approvers and admins; a "
                "partner for its own campaigns; viewers may not (it carries the name)."
            ),
            "responses": {"200": json_answer("MessageCopy", "the message"), **ERRORS},
        },
    },
    "/api/v1/campaigns/{campaign_id}/checks": {
        "parameters": [CAMPAIGN_ID],
        "get": {
            "summary": "Run the checks approval waits for, now, without changing anything",
            "description": (
                "The same checks submission and approval run, on the messages people will "
                "get: blocking findings (approval waits for them, or an approver's written "
                "reason) and warnings. Any role that may read the campaign."
            ),
            "responses": {"200": json_answer("CheckReport", "what the checks found"), **ERRORS},
        },
    },
    "/api/v1/campaigns/{campaign_id}/history": {
        "parameters": [CAMPAIGN_ID],
        "get": {
            "summary": "Who did what to the campaign and when, with reasons",
            "description": (
                "Oldest first: creation, edits, submission, approval or rejection (with the "
                "reason), overrides, starts, pauses, completion. Submission and approval "
                "carry what the checks found then (checks). Any role that may read the "
                "campaign."
            ),
            "responses": {"200": json_answer("History", "the campaign's history"), **ERRORS},
        },
    },
}


def openapi_schemas() -> dict[str, Any]:
    text = {"type": ["string", "null"]}
    finding = {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "variant": {**text, "description": 'e.g. "fr sms"; null: the whole campaign'},
            "recipients": {"type": ["integer", "null"]},
            "contact_id": {"type": ["integer", "null"]},
        },
    }
    report = {
        "type": "object",
        "required": ["checked_at", "recipients", "blocking", "warnings"],
        "properties": {
            "checked_at": {"type": "string", "format": "date-time"},
            "recipients": {"type": "integer"},
            "checked_messages": {"type": "integer"},
            "blocking": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
            "warnings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
        },
    }
    proof = {
        "type": "object",
        "required": ["channel", "language", "contact_id", "chosen_because"],
        "properties": {
            "channel": {"enum": [c.value for c in Channel]},
            "language": {"type": "string"},
            "contact_id": {"type": ["integer", "null"]},
            "chosen_because": {"type": "array", "items": {"type": "string"}},
            "subject": text,
            "text": text,
            "html": text,
            "web_url": text,
            "problem": {**text, "description": "why the template could not be filled in"},
            "check": {"type": ["object", "null"]},
        },
    }
    entry = {
        "type": "object",
        "required": ["at", "action", "actor"],
        "properties": {
            "at": {"type": "string", "format": "date-time"},
            "action": {"type": "string"},
            "actor": {"type": "string"},
            "actor_user_id": {"type": ["integer", "null"]},
            "from_state": text,
            "to_state": text,
            "reason": text,
            "checks": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/CheckReport"}]},
        },
    }
    copy = {
        "type": "object",
        "required": ["message_id", "channel", "language", "text", "web_url", "unsubscribe_url"],
        "properties": {
            "message_id": {"type": "integer"},
            "channel": {"enum": [c.value for c in Channel]},
            "language": {"type": "string"},
            "subject": text,
            "text": {"type": "string"},
            "html": text,
            "web_url": {"type": "string"},
            "unsubscribe_url": {"type": "string"},
        },
    }
    return {
        "MessageCopy": copy,
        "Finding": finding,
        "CheckReport": report,
        "Proof": proof,
        "ProofList": {
            "type": "object",
            "required": ["items"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Proof"}}
            },
        },
        "HistoryEntry": entry,
        "History": {
            "type": "object",
            "required": ["items"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/HistoryEntry"}}
            },
        },
    }
