"""``POST /api/v1/messages/check``: the SMS analysis and plain-language findings of a text."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from campaign.api.bodies import read_model
from campaign.messages.checks import check_message
from campaign.messages.language import SUPPORTED_LANGUAGES


class CheckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Literal["sms", "email"]
    language: Literal[SUPPORTED_LANGUAGES]  # type: ignore[valid-type]
    text: str = Field(min_length=1, max_length=20_000)


async def check(request: web.Request) -> web.Response:
    body = await read_model(request, CheckBody)
    return web.json_response(check_message(body.channel, body.language, body.text))


OPENAPI_PATHS: dict[str, object] = {
    "/api/v1/messages/check": {
        "post": {
            "summary": "Check a rendered text: SMS encoding, segments and findings; "
            "plain-language score, grade and findings (rule, message, span, blocking)",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/CheckBody"}}
                },
            },
            "responses": {
                "200": {"description": "the analysis"},
                "401": {"$ref": "#/components/responses/Problem"},
                "422": {"$ref": "#/components/responses/Problem"},
            },
        }
    }
}


def openapi_schemas() -> dict[str, object]:
    return {"CheckBody": CheckBody.model_json_schema()}
