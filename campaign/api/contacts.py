"""Contacts: import a CSV or XLSX file, export a person's data, erase it, opt a person out."""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from audiences.contacts.model import ImportReport
from campaign.api.answers import json_response
from campaign.api.bodies import int_param, path_id, read_body, read_model
from campaign.api.context import identity, services
from campaign.api.csv_answers import delimiter_of, stream_csv
from campaign.api.docparts import CSV_ANSWER, DELIMITER, ERRORS, id_in_path, json_answer, ref
from campaign.kernel import limits
from campaign.kernel.channel import Channel
from campaign.kernel.errors import InvalidInput


class OptOutBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Literal["sms", "email"]
    reason: str = Field(min_length=1, max_length=limits.OPT_OUT_REASON_MAX)


def parse_mapping(text: str) -> dict[str, str]:
    """``old:new,old2:new2`` (file column → our column)."""
    mapping: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        old, sep, new = pair.partition(":")
        if not sep or not old.strip() or not new.strip():
            raise InvalidInput(f"map: expected old:new pairs, got {pair!r}", where="map")
        mapping[old.strip()] = new.strip()
    return mapping


def _flag(request: web.Request, name: str) -> bool:
    raw = request.query.get(name, "false").strip().lower()
    if raw not in ("true", "false", "1", "0", ""):
        raise InvalidInput(f"{name} must be true or false", where=name)
    return raw in ("true", "1")


def report_json(report: ImportReport) -> dict[str, Any]:
    return {
        "dry_run": report.dry_run,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": [
            {"line": r.line, "column": r.column, "reason": r.reason} for r in report.rejected
        ],
        "ambiguous": [
            {"line": a.line, "contact_ids": list(a.contact_ids), "reason": a.reason}
            for a in report.ambiguous
        ],
        "warnings": [
            {"line": w.line, "column": w.column, "reason": w.reason} for w in report.warnings
        ],
        "detected": {
            "format": report.format,
            "encoding": report.encoding or None,
            "delimiter": report.delimiter or None,
            "rows": report.rows,
            "columns": report.columns,
            "attributes": {name: type_.value for name, type_ in report.attributes.items()},
            "new_fields": report.new_fields,
        },
    }


async def import_contacts(request: web.Request) -> web.Response:
    data = await read_body(request, limits.BODY_MAX_BYTES, what="a contact file")
    if not data.strip():
        raise InvalidInput("the request body must be the CSV or XLSX file", where="body")
    report = await services(request).records.import_file(
        identity(request),
        data,
        dry_run=_flag(request, "dry_run"),
        mapping=parse_mapping(request.query.get("map", "")),
    )
    return json_response(report_json(report))


async def list_contacts(request: web.Request) -> web.Response:
    limit = int_param(request, "limit", 100, low=1, high=500)
    after = int_param(request, "after", 0, low=0, high=2**62)
    query = request.query.get("query", "")
    items = await services(request).records.list_contacts(
        identity(request), query, after_id=after, limit=limit
    )
    following = items[-1]["id"] if len(items) == limit else None
    return json_response({"items": items, "limit": limit, "next_after": following})


async def export_contacts_csv(request: web.Request) -> web.StreamResponse:
    """Stream the matching contacts as CSV, in pages, for a spreadsheet."""
    delimiter = delimiter_of(request)
    table = services(request).records.contact_table(
        identity(request), request.query.get("query", "")
    )
    return await stream_csv(request, table, "contacts.csv", delimiter)


async def export_contact(request: web.Request) -> web.Response:
    data = await services(request).records.export_contact(identity(request), _id(request))
    return json_response(data)


async def erase_contact(request: web.Request) -> web.Response:
    await services(request).records.erase_contact(identity(request), _id(request))
    return web.Response(status=204)


async def opt_out_contact(request: web.Request) -> web.Response:
    body = await read_model(request, OptOutBody)
    contact_id = _id(request)
    changed = await services(request).records.opt_out(
        identity(request), contact_id, Channel(body.channel), body.reason
    )
    return json_response({"contact_id": contact_id, "channel": body.channel, "changed": changed})


def _id(request: web.Request) -> int:
    return path_id(request, "contact_id", "contact")


_CONTACT_ID = id_in_path("contact_id")
_SCOPE = "A partner key acts only on contacts its partner owns or is linked to (others: 404)."

OPENAPI_PATHS: dict[str, Any] = {
    "/api/v1/contacts": {
        "get": {
            "summary": "Contacts by id, optionally those a segment query matches",
            "description": (
                "Pages by id: pass the answer's next_after as after for the next page (null "
                "on the last). Erased contacts are left out. A partner key sees only the "
                "contacts its partner owns or is linked to."
            ),
            "parameters": [
                {
                    "name": "query",
                    "in": "query",
                    "description": "A query in the segment language (docs/segments.md)",
                    "schema": {"type": "string", "maxLength": limits.SEGMENT_QUERY_MAX},
                },
                {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                },
            ],
            "responses": {"200": json_answer("ContactPage", "one page of contacts"), **ERRORS},
        }
    },
    "/api/v1/contacts/import": {
        "post": {
            "summary": "Import contacts from a CSV or XLSX file (the request body)",
            "description": (
                "Line 1 is the header; a row's line is the physical line where its record "
                "starts (the row number in a spreadsheet). A column headed with a field's "
                "label in nl, fr, de or en (Taal, Prénom, GSM, Gemeente) is read as that "
                "field; detected.columns says how each column was read. Warnings name rows "
                "imported as written that a person should check (a ? where a letter was "
                "lost). A partner key imports contacts owned by its partner; editors and "
                "admins import the authority's contacts."
            ),
            "parameters": [
                {"name": "dry_run", "in": "query", "schema": {"type": "boolean"}},
                {
                    "name": "map",
                    "in": "query",
                    "description": (
                        "Says which field a file column holds: old:new,old2:new2 (columns "
                        "headed with a field's name or label need none)"
                    ),
                    "schema": {"type": "string", "maxLength": limits.REQUEST_LINE_MAX},
                },
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}
                    },
                },
            },
            "responses": {"200": json_answer("ImportReport", "what the import did"), **ERRORS},
        }
    },
    "/api/v1/contacts/export.csv": {
        "get": {
            "summary": "The contacts a query matches as CSV, for a spreadsheet (audited)",
            "description": (
                "The columns an import reads (without consent_source and consent_at) and every "
                "attribute; cells a spreadsheet would run as formulas start with '. Import the "
                "file again to apply corrections. Audited as contacts.exported. A partner key "
                "exports only the contacts its partner owns or is linked to."
            ),
            "parameters": [
                {
                    "name": "query",
                    "in": "query",
                    "schema": {"type": "string", "maxLength": limits.SEGMENT_QUERY_MAX},
                },
                DELIMITER,
            ],
            "responses": {
                "200": CSV_ANSWER,
                **ERRORS,
            },
        }
    },
    "/api/v1/contacts/{contact_id}/export": {
        "parameters": [_CONTACT_ID],
        "get": {
            "summary": "Everything held about a person, as JSON (audited: contact.exported)",
            "description": _SCOPE,
            "responses": {"200": json_answer("ContactExport", "the person's data"), **ERRORS},
        },
    },
    "/api/v1/contacts/{contact_id}": {
        "parameters": [_CONTACT_ID],
        "delete": {
            "summary": "Erase a person's data for good (audited: contact.erased)",
            "description": "Messages keep their counts without the address. " + _SCOPE,
            "responses": {"204": {"description": "erased"}, **ERRORS},
        },
    },
    "/api/v1/contacts/{contact_id}/opt-out": {
        "parameters": [_CONTACT_ID],
        "post": {
            "summary": "Opt a person out of a channel and suppress the address",
            "description": _SCOPE,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("OptOutBody")}},
            },
            "responses": {"200": json_answer("OptOutResult", "done"), **ERRORS},
        },
    },
}


def openapi_schemas() -> dict[str, object]:
    rows = {"type": "array", "items": {"type": "object"}}
    integer = {"type": "integer"}
    return {
        "ImportReport": {
            "type": "object",
            "required": [
                "created",
                "updated",
                "unchanged",
                "rejected",
                "ambiguous",
                "warnings",
                "detected",
            ],
            "properties": {
                "dry_run": {"type": "boolean"},
                "created": integer,
                "updated": integer,
                "unchanged": integer,
                "rejected": rows,
                "ambiguous": rows,
                "warnings": rows,
                "detected": {"type": "object"},
            },
        },
        "ContactExport": {"type": "object"},
        "ContactPage": {
            "type": "object",
            "required": ["items", "limit", "next_after"],
            "properties": {
                "items": {"type": "array", "items": {"type": "object"}},
                "limit": integer,
                "next_after": {"type": ["integer", "null"]},
            },
        },
        "OptOutBody": OptOutBody.model_json_schema(),
        "OptOutResult": {
            "type": "object",
            "properties": {
                "contact_id": integer,
                "channel": {"type": "string"},
                "changed": {"type": "boolean"},
            },
        },
    }
