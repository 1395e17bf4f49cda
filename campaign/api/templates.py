"""Templates: list, read a version, save a new version (checked first), preview a version."""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from campaign.api.bodies import path_id, read_model
from campaign.api.context import identity, services
from campaign.api.messages import staff_language
from campaign.kernel.errors import InvalidInput, NotFound
from campaign.message_templates.service import TemplateService
from campaign.messages.library import VariantSource


class VariantBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    language: str
    channel: Literal["sms", "email"]
    subject: str | None = None
    body: str = Field(min_length=1)


class VersionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    variants: list[VariantBody] = Field(min_length=1)


class PreviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # A measure from the catalogue: each language's variant is filled with its texts in that
    # language (without one, each language's own sample measure).
    measure_id: int | None = None
    context: dict[str, Any] = Field(default_factory=dict)


def _service(request: web.Request) -> TemplateService:
    return services(request).templates


def _version_id(request: web.Request) -> int:
    return path_id(request, "version_id", "template version")


async def list_templates(request: web.Request) -> web.Response:
    return web.json_response({"items": await _service(request).catalogue()})


async def get_version(request: web.Request) -> web.Response:
    return web.json_response(await _service(request).version(_version_id(request)))


async def save_version(request: web.Request) -> web.Response:
    body = await read_model(request, VersionBody)
    variants = [VariantSource(v.language, v.channel, v.subject, v.body) for v in body.variants]
    slug = request.match_info["slug"]
    saved = await _service(request).save(identity(request), slug, body.name, variants)
    response = web.json_response(saved, status=201)
    response.headers["Location"] = f"/api/v1/template-versions/{saved['id']}"
    return response


async def preview_version(request: web.Request) -> web.Response:
    body = await read_model(request, PreviewBody, optional=True)
    measure = None
    if body.measure_id is not None:
        try:
            found = await services(request).catalogue.get(body.measure_id)
        except NotFound as exc:
            raise InvalidInput(str(exc), where="measure_id") from exc
        measure = found.fields_by_language()
    items = await _service(request).preview(
        _version_id(request), body.context, measure, staff_language=staff_language(request)
    )
    return web.json_response({"items": items})


def _ref(name: str) -> dict[str, object]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str) -> dict[str, object]:
    return {"description": description, "content": {"application/json": {"schema": {}}}}


_ERRORS = {c: {"$ref": "#/components/responses/Problem"} for c in ("401", "403", "404", "422")}
_VERSION_ID = {"name": "version_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}

OPENAPI_PATHS: dict[str, object] = {
    "/api/v1/templates": {
        "get": {
            "summary": "Every template with its versions",
            "responses": {"200": _json("templates"), **_ERRORS},
        }
    },
    "/api/v1/templates/{slug}/versions": {
        "parameters": [_SLUG],
        "post": {
            "summary": "Save a new version; refused with the variant, line and reason if a "
            "variant uses an undefined variable, does not parse or reaches for internals",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("VersionBody")}},
            },
            "responses": {"201": _json("the saved version"), **_ERRORS},
        },
    },
    "/api/v1/template-versions/{version_id}": {
        "parameters": [_VERSION_ID],
        "get": {
            "summary": "One version and its variants",
            "responses": {"200": _json("the version"), **_ERRORS},
        },
    },
    "/api/v1/template-versions/{version_id}/preview": {
        "parameters": [_VERSION_ID],
        "post": {
            "summary": "Every variant rendered with its language's sample values, or a "
            "measure's texts in that language (measure_id), and the given context, with the "
            "SMS encoding, segments, the characters that force UCS-2, the checks and "
            "missing_values (measure fields the words use that are empty)",
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": _ref("PreviewBody")}},
            },
            "responses": {"200": _json("rendered variants"), **_ERRORS},
        },
    },
}


def openapi_schemas() -> dict[str, object]:
    template = "#/components/schemas/{model}"
    return {
        "VersionBody": VersionBody.model_json_schema(ref_template=template),
        "PreviewBody": PreviewBody.model_json_schema(ref_template=template),
    }
