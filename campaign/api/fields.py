"""The field registry: every field a segment may name, its type and its labels per language.

Any role reads it; editors and admins register attributes ahead of an import and label them;
admins convert a field fixed to the wrong type, with every value stored for it. A partner's
own fields (registered by its imports) are listed to that partner only.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from audiences.contacts.conversion import SHOWN_FAILURES, FieldConversion
from audiences.contacts.field_service import FieldRegistry
from audiences.contacts.fields import PARTNER_FIELD_CAP
from audiences.contacts.model import FieldInfo, FieldType
from campaign.api.answers import json_response
from campaign.api.bodies import read_model
from campaign.api.context import identity, services
from campaign.api.docparts import ERRORS, json_answer, json_body, ref
from campaign.kernel import limits
from campaign.messages.language import SUPPORTED_LANGUAGES

_Label = Annotated[str, Field(min_length=1, max_length=limits.FIELD_LABEL_MAX)]
_Language = Annotated[str, Field(max_length=limits.LANGUAGE_CODE_MAX)]
_Labels = Annotated[dict[_Language, _Label], Field(max_length=limits.LANGUAGES_MAX)]
_Type = Literal["text", "number", "date", "boolean"]


class FieldBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=limits.FIELD_NAME_MAX)
    type: _Type
    labels: _Labels = Field(default_factory=dict)


class LabelsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    labels: _Labels
    type: _Type | None = None


class ConvertBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: _Type = Field(description="The type the field and every value stored for it become.")


def _registry(request: web.Request) -> FieldRegistry:
    return services(request).fields


def field_json(info: FieldInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "type": info.type.value,
        "built_in": info.built_in,
        "labels": dict(info.labels),
    }


async def list_fields(request: web.Request) -> web.Response:
    found = await _registry(request).list(identity(request))
    return json_response({"items": [field_json(f) for f in found]})


async def get_field(request: web.Request) -> web.Response:
    found = await _registry(request).get(request.match_info["name"], identity(request))
    return json_response(field_json(found))


async def create_field(request: web.Request) -> web.Response:
    body = await read_model(request, FieldBody)
    created = await _registry(request).define(
        identity(request), body.name, FieldType(body.type), body.labels
    )
    response = json_response(field_json(created), status=201)
    response.headers["Location"] = f"/api/v1/fields/{created.name}"
    return response


async def relabel_field(request: web.Request) -> web.Response:
    body = await read_model(request, LabelsBody)
    type_ = FieldType(body.type) if body.type is not None else None
    changed = await _registry(request).relabel(
        identity(request), request.match_info["name"], body.labels, type_
    )
    return json_response(field_json(changed))


async def convert_field(request: web.Request) -> web.Response:
    body = await read_model(request, ConvertBody)
    done = await _registry(request).convert(
        identity(request), request.match_info["name"], FieldType(body.type)
    )
    return json_response(conversion_json(done))


def conversion_json(done: FieldConversion) -> dict[str, Any]:
    return {
        "field": field_json(done.field),
        "previous_type": done.previous.value,
        "changed": done.changed,
        "rewritten": done.rewritten,
    }


_NAME = {
    "name": "name",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "maxLength": limits.FIELD_NAME_MAX},
}
_LANGUAGES = ", ".join(SUPPORTED_LANGUAGES)

OPENAPI_PATHS: dict[str, Any] = {
    "/api/v1/fields": {
        "get": {
            "summary": "Every field a segment may name: built-in fields, then shared "
            "attributes, then (for a partner) the partner's own",
            "description": "A partner's import registers the new columns it brings as the "
            f"partner's own fields: only that partner sees them, {PARTNER_FIELD_CAP} at most "
            "per partner.",
            "responses": {"200": json_answer("FieldList", "the registry"), **ERRORS},
        },
        "post": {
            "summary": "Register an attribute before importing it, fixing its type (editor, admin)",
            "description": f"Labels are keyed by language: {_LANGUAGES}.",
            "requestBody": json_body("FieldBody"),
            "responses": {"201": json_answer("FieldInfo", "registered"), **ERRORS},
        },
    },
    "/api/v1/fields/{name}": {
        "parameters": [_NAME],
        "get": {
            "summary": "One field",
            "responses": {"200": json_answer("FieldInfo", "the field"), **ERRORS},
        },
        "patch": {
            "summary": "Replace an attribute's labels (editor, admin); its type cannot change",
            "description": "A `type` other than the field's answers 409: convert the field.",
            "requestBody": json_body("LabelsBody"),
            "responses": {"200": json_answer("FieldInfo", "relabelled"), **ERRORS},
        },
    },
    "/api/v1/fields/{name}/convert": {
        "parameters": [_NAME],
        "post": {
            "summary": "Convert an attribute fixed to the wrong type, with every stored value, "
            "in one transaction (admin)",
            "description": "A value converts when its text (as the spreadsheet export writes "
            "it) reads as the new type the way an import reads a cell. If any value does not, "
            "or a saved segment would no longer run, nothing changes and the answer is 409 "
            f"naming the first {SHOWN_FAILURES} contacts and values that do not convert and "
            "how many more. Converting to the type the field has changes nothing. Audited "
            "as `contacts.field_converted`.",
            "requestBody": json_body("ConvertBody"),
            "responses": {"200": json_answer("FieldConversion", "converted"), **ERRORS},
        },
    },
}


def openapi_schemas() -> dict[str, object]:
    info = {
        "type": "object",
        "required": ["name", "type", "built_in", "labels"],
        "properties": {
            "name": {"type": "string"},
            "type": {"enum": [t.value for t in FieldType]},
            "built_in": {"type": "boolean"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
    conversion = {
        "type": "object",
        "required": ["field", "previous_type", "changed", "rewritten"],
        "properties": {
            "field": ref("FieldInfo"),
            "previous_type": {"enum": [t.value for t in FieldType]},
            "changed": {"type": "boolean"},
            "rewritten": {
                "type": "integer",
                "description": "contacts whose stored value changed form",
            },
        },
    }
    return {
        "FieldBody": FieldBody.model_json_schema(),
        "ConvertBody": ConvertBody.model_json_schema(),
        "FieldConversion": conversion,
        "LabelsBody": LabelsBody.model_json_schema(),
        "FieldInfo": info,
        "FieldList": {
            "type": "object",
            "properties": {"items": {"type": "array", "items": ref("FieldInfo")}},
        },
    }
