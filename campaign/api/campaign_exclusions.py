"""The people a campaign's runs left out, and why: the list (cursor pages, a reason filter) and
the same as a spreadsheet (decision 0027)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from campaign.api.answers import json_response
from campaign.api.bodies import campaign_id as path_campaign_id
from campaign.api.campaign_messages import PAGE_PARAMETERS, listed, next_cursor, page_window
from campaign.api.context import identity, services
from campaign.api.csv_answers import delimiter_of, stream_csv
from campaign.api.docparts import CAMPAIGN_ID, CSV_ANSWER, DELIMITER, ERRORS, json_answer, ref
from campaign.campaigns.exclusions import ExcludedBecause, Exclusion
from campaign.kernel import limits
from campaign.kernel.channel import Channel
from campaign.kernel.errors import InvalidInput

_CODES = sorted(r.value for r in ExcludedBecause)


def _reasons(request: web.Request) -> set[ExcludedBecause]:
    """``reason``, repeated or comma-separated; ``opted out`` reads as ``opted_out``."""
    names = [value.lower().replace(" ", "_") for value in listed(request, "reason")]
    wrong = [n for n in names if n not in _CODES]
    if wrong:
        raise InvalidInput(
            f"reason: {wrong[0]!r} is not a reason for leaving someone out; use "
            + ", ".join(_CODES),
            where="reason",
        )
    return {ExcludedBecause(n) for n in names}


def exclusion_json(exclusion: Exclusion) -> dict[str, Any]:
    return {
        "contact_id": exclusion.contact_id,
        "run_id": exclusion.run_id,
        "reason": exclusion.reason.value,
        "words": exclusion.words,
        "channels": {c.value: r.value for c, r in exclusion.channels.items()},
        "message_id": exclusion.message_id,
    }


async def list_exclusions(request: web.Request) -> web.Response:
    campaign_id = path_campaign_id(request)
    reasons = _reasons(request)
    limit, after = page_window(request)
    page = await services(request).campaign_messages.exclusions(
        identity(request), campaign_id, reasons=reasons, after_id=after, limit=limit
    )
    return json_response(
        {
            "items": [exclusion_json(e) for e in page.items],
            "next_cursor": next_cursor(page.next_after),
        }
    )


async def exclusions_csv(request: web.Request) -> web.StreamResponse:
    campaign_id = path_campaign_id(request)
    reasons, delimiter = _reasons(request), delimiter_of(request)
    table = services(request).campaign_messages.exclusion_table(
        identity(request), campaign_id, reasons
    )
    return await stream_csv(request, table, f"campaign-{campaign_id}-exclusions.csv", delimiter)


_REASON = {
    "name": "reason",
    "in": "query",
    "description": "Reasons, repeated or comma-separated (opted out reads as opted_out)",
    "schema": {"type": "array", "items": {"enum": _CODES}, "maxItems": limits.QUERY_LIST_MAX},
    "style": "form",
    "explode": True,
}
_READERS = "Any role that may read the campaign (a partner only its own)."

OPENAPI_PATHS: dict[str, Any] = {
    "/api/v1/campaigns/{campaign_id}/exclusions": {
        "parameters": [CAMPAIGN_ID],
        "get": {
            "summary": "The people the campaign's runs left out, and why, by id",
            "description": (
                "Everyone a run's audience matched who got no message, recorded when the run "
                "was queued: erased, no channel reaches them (no_address, no_consent, "
                "opted_out, suppressed: the reason on the channel they would have had first, "
                "with each channel's own in channels), duplicate_address (a household member: "
                "message_id is the message sent to the address they share), no_channel (the "
                "template has no text for the campaign's channels), changed_meanwhile. Pass "
                "next_cursor as cursor for the next page. " + _READERS
            ),
            "parameters": [_REASON, *PAGE_PARAMETERS],
            "responses": {
                "200": json_answer("ExclusionPage", "one page of people left out"),
                **ERRORS,
            },
        },
    },
    "/api/v1/campaigns/{campaign_id}/exclusions.csv": {
        "parameters": [CAMPAIGN_ID],
        "get": {
            "summary": "The people the campaign's runs left out, as CSV for a spreadsheet",
            "description": (
                "The list's rows with its reason filter, streamed, with a header row: "
                "contact_id, run_id, reason, words, sms_reason, email_reason, message_id. "
                + _READERS
            ),
            "parameters": [
                _REASON,
                DELIMITER,
            ],
            "responses": {
                "200": CSV_ANSWER,
                **ERRORS,
            },
        },
    },
}


def openapi_schemas() -> dict[str, object]:
    reason = {"enum": _CODES}
    exclusion = {
        "type": "object",
        "required": ["contact_id", "run_id", "reason", "words", "channels"],
        "properties": {
            "contact_id": {"type": "integer"},
            "run_id": {"type": "integer"},
            "reason": reason,
            "words": {"type": "string", "description": "the reason as staff read it"},
            "channels": {
                "type": "object",
                "description": "why each channel of the run does not reach them",
                "properties": {c.value: {"type": "string"} for c in Channel},
            },
            "message_id": {
                "type": ["integer", "null"],
                "description": "for duplicate_address: the message to the shared address",
            },
        },
    }
    return {
        "Exclusion": exclusion,
        "ExclusionPage": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": ref("Exclusion")},
                "next_cursor": {"type": ["string", "null"]},
            },
        },
    }


# What the results per person add to a campaign's stats (GET …/stats, and each campaign).
STATS_PROPERTIES: dict[str, Any] = {
    "reasons": {
        "type": "object",
        "description": (
            "messages not reached (failed_permanent, failed_temporary, expired, skipped, "
            "unknown) by state, then by reason kind: each kind works as …/messages?reason="
        ),
        "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
    "excluded": {
        "type": "object",
        "description": "the people the runs left out, by reason (…/exclusions)",
        "properties": {
            "total": {"type": "integer"},
            "by_reason": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
    },
    "cost": {
        "type": "number",
        "description": (
            "what the messages a provider accepted cost, in the unit of CAMPAIGN_SMS_PRICE"
        ),
    },
    "started_at": {"type": ["string", "null"], "format": "date-time"},
    "completed_at": {
        "type": ["string", "null"],
        "format": "date-time",
        "description": "when the last run completed, once every run has",
    },
}
