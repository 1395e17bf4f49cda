"""``POST /api/v1/messages/check``: the SMS analysis and plain-language findings of a text.

The findings' words are in the language the request's ``Accept-Language`` prefers among nl,
fr, de and en (English otherwise); the body's ``language`` is the message's own.
"""

from __future__ import annotations

from functools import partial
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from campaign.api.answers import json_response
from campaign.api.bodies import read_model
from campaign.api.context import services
from campaign.kernel import limits
from campaign.kernel.errors import InvalidInput
from campaign.messages.checks import check_message
from campaign.messages.language import SUPPORTED_LANGUAGES
from campaign.messages.wording import STAFF_LANGUAGES, choose_staff_language


class CheckBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Literal["sms", "email"]
    language: Literal[SUPPORTED_LANGUAGES]  # type: ignore[valid-type]
    text: str = Field(min_length=1, max_length=limits.CHECK_TEXT_MAX)


def staff_language(request: web.Request) -> str:
    """The language findings are written in for this request."""
    header = request.headers.get("Accept-Language")
    if header is not None and len(header) > limits.REQUEST_LINE_MAX:
        raise InvalidInput(
            f"Accept-Language is over {limits.REQUEST_LINE_MAX} characters", where="Accept-Language"
        )
    return choose_staff_language(header)


async def check(request: web.Request) -> web.Response:
    body = await read_model(request, CheckBody)
    words = staff_language(request)
    # The plain-language checks read every word: off the event loop, with a time limit.
    result = await services(request).work.run(
        partial(check_message, staff_language=words),
        body.channel,
        body.language,
        body.text,
        what="checking the text",
        where="text",
    )
    headers = {"Content-Language": words, "Vary": "Accept-Language"}
    return json_response(result, headers=headers)


ACCEPT_LANGUAGE_PARAMETER: dict[str, object] = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "description": "The language of the findings' words and the grade: "
    f"{', '.join(STAFF_LANGUAGES)} (q-values respected); English when none of them. "
    "A finding's `rule` and `details` are the same in every language.",
    "schema": {
        "type": "string",
        "example": "nl-BE, fr;q=0.8",
        "maxLength": limits.REQUEST_LINE_MAX,
    },
}

OPENAPI_PATHS: dict[str, object] = {
    "/api/v1/messages/check": {
        "post": {
            "summary": "Check a rendered text: SMS encoding, segments and findings; "
            "plain-language score, grade and findings (rule, message, span, blocking, details)",
            "parameters": [ACCEPT_LANGUAGE_PARAMETER],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/CheckBody"}}
                },
            },
            "responses": {
                "200": {
                    "description": "the analysis, its words in the language named by "
                    "Content-Language"
                },
                "401": {"$ref": "#/components/responses/Problem"},
                "422": {"$ref": "#/components/responses/Problem"},
            },
        }
    }
}


def openapi_schemas() -> dict[str, object]:
    return {"CheckBody": CheckBody.model_json_schema()}
