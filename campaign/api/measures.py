"""The measures catalogue: read by anyone with a key, written by editors and admins."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from campaign.api.answers import json_response
from campaign.api.bodies import Moment, int_param, path_id, read_model
from campaign.api.context import identity, services
from campaign.api.docparts import ERRORS, id_in_path, json_answer, json_body, ref
from campaign.kernel import limits
from campaign.measures import Catalogue, Level, MeasureDraft, MeasureStatus, Texts


class TextsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=limits.NAME_MAX)
    summary: str = Field(default="", max_length=limits.MEASURE_TEXT_MAX)
    how_to: str = Field(default="", max_length=limits.MEASURE_TEXT_MAX)


_Language = Annotated[str, Field(max_length=limits.LANGUAGE_CODE_MAX)]


class MeasureBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")
    level: Level
    theme: str = Field(min_length=1, max_length=limits.THEME_MAX)
    status: MeasureStatus = MeasureStatus.NEW
    translations: dict[_Language, TextsBody] = Field(max_length=limits.LANGUAGES_MAX)
    amount: str | None = Field(default=None, max_length=limits.AMOUNT_MAX)
    eligibility: str | None = Field(default=None, max_length=limits.SEGMENT_QUERY_MAX)
    valid_from: Moment | None = None
    valid_until: Moment | None = None
    contact_point: str | None = Field(default=None, max_length=limits.CONTACT_POINT_MAX)
    link: str | None = Field(default=None, max_length=limits.LINK_MAX)

    def draft(self) -> MeasureDraft:
        return MeasureDraft(
            slug=self.slug,
            level=self.level,
            theme=self.theme,
            status=self.status,
            translations={
                k: Texts(v.title, v.summary, v.how_to) for k, v in self.translations.items()
            },
            amount=self.amount,
            eligibility=self.eligibility or None,
            valid_from=self.valid_from.astimezone(UTC) if self.valid_from else None,
            valid_until=self.valid_until.astimezone(UTC) if self.valid_until else None,
            contact_point=self.contact_point,
            link=self.link,
        )


def _catalogue(request: web.Request) -> Catalogue:
    return services(request).catalogue


def _id(request: web.Request) -> int:
    return path_id(request, "measure_id", "measure")


async def list_measures(request: web.Request) -> web.Response:
    limit = int_param(request, "limit", 100, low=1, high=500)
    offset = int_param(request, "offset", 0, low=0, high=10**9)
    found = await _catalogue(request).list(limit=limit, offset=offset)
    return json_response({"items": [m.as_json() for m in found], "limit": limit, "offset": offset})


async def get_measure(request: web.Request) -> web.Response:
    return json_response((await _catalogue(request).get(_id(request))).as_json())


async def create_measure(request: web.Request) -> web.Response:
    body = await read_model(request, MeasureBody)
    measure = await _catalogue(request).create(identity(request), body.draft())
    response = json_response(measure.as_json(), status=201)
    response.headers["Location"] = f"/api/v1/measures/{measure.id}"
    return response


async def update_measure(request: web.Request) -> web.Response:
    body = await read_model(request, MeasureBody)
    measure = await _catalogue(request).update(identity(request), _id(request), body.draft())
    return json_response(measure.as_json())


_BODY = json_body("MeasureBody")
_MEASURE_ID = id_in_path("measure_id")

OPENAPI_PATHS: dict[str, object] = {
    "/api/v1/measures": {
        "get": {
            "summary": "The catalogue of measures, oldest first",
            "responses": {"200": json_answer("MeasureList", "measures"), **ERRORS},
        },
        "post": {
            "summary": "Publish a measure (emits measure.published)",
            "requestBody": _BODY,
            "responses": {"201": json_answer("Measure", "created"), **ERRORS},
        },
    },
    "/api/v1/measures/{measure_id}": {
        "parameters": [_MEASURE_ID],
        "get": {
            "summary": "One measure",
            "responses": {"200": json_answer("Measure", "the measure"), **ERRORS},
        },
        "put": {
            "summary": "Change a measure (emits measure.updated)",
            "requestBody": _BODY,
            "responses": {"200": json_answer("Measure", "changed"), **ERRORS},
        },
    },
}


def openapi_schemas() -> dict[str, object]:
    body = MeasureBody.model_json_schema(ref_template="#/components/schemas/{model}")
    measure = dict(body) | {"title": "Measure"}
    measure["properties"] = dict(body["properties"]) | {
        "id": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    }
    measure.pop("$defs", None)
    return {
        "MeasureBody": body,
        "Measure": measure,
        "MeasureList": {
            "type": "object",
            "properties": {"items": {"type": "array", "items": ref("Measure")}},
        },
    }
