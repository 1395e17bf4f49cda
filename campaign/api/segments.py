"""Saved segments and previews: read and previewed by any role, written by editors, admins
and partners (a partner only its own, over its own contacts)."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from audiences.segments.service import MAX_SAMPLE, Segments
from campaign.api.answers import json_response
from campaign.api.bodies import int_param, path_id, read_model
from campaign.api.context import identity, services
from campaign.api.docparts import ERRORS, id_in_path, json_answer, json_body, ref
from campaign.kernel import limits


class SegmentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=limits.NAME_MAX)
    query: str = Field(min_length=1, max_length=limits.SEGMENT_QUERY_MAX)


class PreviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1, max_length=limits.SEGMENT_QUERY_MAX)
    sample_size: int = Field(default=5, ge=0, le=MAX_SAMPLE)


def _segments(request: web.Request) -> Segments:
    return services(request).segments


def _id(request: web.Request) -> int:
    return path_id(request, "segment_id", "segment")


async def list_segments(request: web.Request) -> web.Response:
    limit = int_param(request, "limit", 100, low=1, high=500)
    offset = int_param(request, "offset", 0, low=0, high=10**9)
    found = await _segments(request).list(identity(request), limit=limit, offset=offset)
    return json_response({"items": [s.as_json() for s in found], "limit": limit, "offset": offset})


async def get_segment(request: web.Request) -> web.Response:
    found = await _segments(request).get(identity(request), _id(request))
    return json_response(found.as_json())


async def create_segment(request: web.Request) -> web.Response:
    body = await read_model(request, SegmentBody)
    segment = await _segments(request).create(identity(request), body.name, body.query)
    response = json_response(segment.as_json(), status=201)
    response.headers["Location"] = f"/api/v1/segments/{segment.id}"
    return response


async def update_segment(request: web.Request) -> web.Response:
    body = await read_model(request, SegmentBody)
    segment = await _segments(request).update(
        identity(request), _id(request), body.name, body.query
    )
    return json_response(segment.as_json())


async def delete_segment(request: web.Request) -> web.Response:
    await _segments(request).delete(identity(request), _id(request))
    return web.Response(status=204)


async def preview_segment(request: web.Request) -> web.Response:
    body = await read_model(request, PreviewBody)
    result = await _segments(request).preview(identity(request), body.query, body.sample_size)
    return json_response(result.as_json())


_SEGMENT_ID = id_in_path("segment_id")
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}

OPENAPI_PATHS: dict[str, object] = {
    "/api/v1/segments": {
        "get": {
            "summary": "Saved segments by name (a partner sees only its own)",
            "responses": {"200": json_answer("SegmentList", "segments"), **ERRORS},
        },
        "post": {
            "summary": "Save a segment; the query is checked first (editor, admin, partner)",
            "requestBody": json_body("SegmentBody"),
            "responses": {"201": json_answer("Segment", "created"), **ERRORS},
        },
    },
    "/api/v1/segments/{segment_id}": {
        "parameters": [_SEGMENT_ID],
        "get": {
            "summary": "One saved segment",
            "responses": {"200": json_answer("Segment", "the segment"), **ERRORS},
        },
        "put": {
            "summary": "Change a segment's name and query",
            "requestBody": json_body("SegmentBody"),
            "responses": {"200": json_answer("Segment", "changed"), **ERRORS},
        },
        "delete": {
            "summary": "Delete a segment (409 while a campaign uses it)",
            "responses": {"204": {"description": "deleted"}, **ERRORS},
        },
    },
    "/api/v1/segments/preview": {
        "post": {
            "summary": "Counts by channel, language and reason, and a masked sample",
            "description": (
                "For each channel, matched = reachable + the sum of excluded; each contact is "
                "counted under one reason: no_address, no_consent, opted_out, suppressed, "
                "duplicate_address, in that order. Viewers and approvers (who may not read "
                "contacts) get the counts only, with an empty sample, and a 403 for any "
                "condition on external_id, phone, email, first_name or an attribute. See "
                "docs/segments.md."
            ),
            "requestBody": json_body("PreviewBody"),
            "responses": {"200": json_answer("Preview", "the preview"), **ERRORS},
        },
    },
}


def openapi_schemas() -> dict[str, object]:
    body = SegmentBody.model_json_schema()
    segment = dict(body) | {"title": "Segment"}
    segment["properties"] = dict(body["properties"]) | {
        "id": {"type": "integer"},
        "partner_id": {"type": ["integer", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    }
    sample = {
        "type": "object",
        "properties": {
            name: {"type": ["string", "null"]}
            for name in ("first_name", "phone", "email", "language", "municipality")
        }
        | {"id": {"type": "integer"}},
    }
    return {
        "SegmentBody": body,
        "Segment": segment,
        "SegmentList": {
            "type": "object",
            "properties": {"items": {"type": "array", "items": ref("Segment")}},
        },
        "PreviewBody": PreviewBody.model_json_schema(),
        "Preview": {
            "type": "object",
            "required": ["matched", "reachable", "excluded", "sample"],
            "properties": {
                "matched": {"type": "integer"},
                "reachable": {
                    "type": "object",
                    "properties": {
                        "sms": {"type": "integer"},
                        "email": {"type": "integer"},
                        "by_language": _COUNTS,
                    },
                },
                "excluded": {
                    "type": "object",
                    "properties": {"sms": _COUNTS, "email": _COUNTS},
                },
                "sample": {"type": "array", "items": sample},
            },
        },
    }
