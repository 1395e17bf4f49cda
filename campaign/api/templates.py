"""Templates: list, read a version, save a new version (checked first), preview a version."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from campaign.api.answers import json_response
from campaign.api.bodies import path_id, path_text, read_model
from campaign.api.context import identity, services
from campaign.api.docparts import ERRORS, id_in_path, json_body, ref
from campaign.api.messages import staff_language
from campaign.kernel import limits
from campaign.kernel.errors import InvalidInput, NotFound
from campaign.message_templates.service import TemplateService
from campaign.messages.library import VariantSource


class VariantBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    language: str = Field(max_length=limits.LANGUAGE_CODE_MAX)
    channel: Literal["sms", "email"]
    subject: str | None = Field(default=None, max_length=limits.TEMPLATE_SUBJECT_MAX)
    body: str = Field(min_length=1, max_length=limits.TEMPLATE_SOURCE_MAX)


class VersionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=limits.NAME_MAX)
    variants: list[VariantBody] = Field(min_length=1, max_length=limits.TEMPLATE_VARIANTS_MAX)


# A preview's context: the values of the template contract (campaign/messages/render.py), each
# a short text, a number, or a measure (an object of texts); ``measures`` a list of them.
_Name = Annotated[str, Field(max_length=limits.PREVIEW_CONTEXT_NAME_MAX)]
_Text = Annotated[str, Field(max_length=limits.PREVIEW_CONTEXT_TEXT_MAX)]
_Scalar = _Text | bool | int | float | None
_Object = Annotated[dict[_Name, _Scalar], Field(max_length=limits.PREVIEW_CONTEXT_KEYS_MAX)]
_List = Annotated[list[_Object | _Scalar], Field(max_length=limits.PREVIEW_CONTEXT_ITEMS_MAX)]


class TemplatePreviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # A measure from the catalogue: each language's variant is filled with its texts in that
    # language (without one, each language's own sample measure).
    measure_id: int | None = None
    context: dict[_Name, _Scalar | _Object | _List] = Field(
        default_factory=dict, max_length=limits.PREVIEW_CONTEXT_KEYS_MAX
    )

    @field_validator("context", mode="before")
    @classmethod
    def _fits(cls, value: Any) -> Any:
        """Sizes first, each named by its place: a 5 MB value is refused before anything."""
        check_context_sizes(value, "context")
        return value


def check_context_sizes(value: Any, where: str, depth: int = 0) -> None:
    """InvalidInput naming the first text, list or object in ``value`` over its limit."""
    if isinstance(value, str) and len(value) > limits.PREVIEW_CONTEXT_TEXT_MAX:
        raise InvalidInput(
            f"{where} is {len(value):,} characters long: at most "
            f"{limits.PREVIEW_CONTEXT_TEXT_MAX:,}",
            where=where,
        )
    if isinstance(value, dict | list):
        longest = limits.PREVIEW_CONTEXT_KEYS_MAX
        if isinstance(value, list):
            longest = limits.PREVIEW_CONTEXT_ITEMS_MAX
        if len(value) > longest:
            raise InvalidInput(
                f"{where} has {len(value):,} entries: at most {longest}", where=where
            )
        if depth < 3:  # deeper is refused by the types
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                check_context_sizes(item, f"{where}.{key}", depth + 1)


_SLUG_LENGTH = limits.SLUG_MAX  # the templates.slug column


def _service(request: web.Request) -> TemplateService:
    return services(request).templates


def _version_id(request: web.Request) -> int:
    return path_id(request, "version_id", "template version")


async def list_templates(request: web.Request) -> web.Response:
    return json_response({"items": await _service(request).catalogue()})


async def get_version(request: web.Request) -> web.Response:
    return json_response(await _service(request).version(_version_id(request)))


async def save_version(request: web.Request) -> web.Response:
    body = await read_model(request, VersionBody)
    variants = [VariantSource(v.language, v.channel, v.subject, v.body) for v in body.variants]
    slug = path_text(request, "slug", max_length=_SLUG_LENGTH)
    saved = await _service(request).save(identity(request), slug, body.name, variants)
    response = json_response(saved, status=201)
    response.headers["Location"] = f"/api/v1/template-versions/{saved['id']}"
    return response


async def preview_version(request: web.Request) -> web.Response:
    body = await read_model(request, TemplatePreviewBody, optional=True)
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
    return json_response({"items": items})


def _json(description: str) -> dict[str, object]:
    return {"description": description, "content": {"application/json": {"schema": {}}}}


_VERSION_ID = id_in_path("version_id")
_SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "maxLength": limits.SLUG_MAX},
}

OPENAPI_PATHS: dict[str, object] = {
    "/api/v1/templates": {
        "get": {
            "summary": "Every template with its versions",
            "responses": {"200": _json("templates"), **ERRORS},
        }
    },
    "/api/v1/templates/{slug}/versions": {
        "parameters": [_SLUG],
        "post": {
            "summary": "Save a new version; refused with the variant, line and reason if a "
            "variant uses an undefined variable, does not parse or reaches for internals",
            "requestBody": json_body("VersionBody"),
            "responses": {"201": _json("the saved version"), **ERRORS},
        },
    },
    "/api/v1/template-versions/{version_id}": {
        "parameters": [_VERSION_ID],
        "get": {
            "summary": "One version and its variants",
            "responses": {"200": _json("the version"), **ERRORS},
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
                "content": {"application/json": {"schema": ref("TemplatePreviewBody")}},
            },
            "responses": {"200": _json("rendered variants"), **ERRORS},
        },
    },
}


def openapi_schemas() -> dict[str, object]:
    template = "#/components/schemas/{model}"
    return {
        "VersionBody": VersionBody.model_json_schema(ref_template=template),
        "TemplatePreviewBody": TemplatePreviewBody.model_json_schema(ref_template=template),
    }
