"""Reading requests: a malformed body or a wrong field is one clear 422 naming the field, and a
path id that is not a number is a 404 naming what was not found."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from campaign.kernel.channel import Channel
from campaign.kernel.errors import InvalidInput, NotFound

M = TypeVar("M", bound=BaseModel)


async def read_json(request: web.Request, *, optional: bool = False) -> Any:
    text = await request.text()
    if not text.strip():
        if optional:
            return {}
        raise InvalidInput("the request needs a JSON body", where="body")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"the body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            where="body",
        ) from exc


async def read_model(request: web.Request, model: type[M], *, optional: bool = False) -> M:
    data = await read_json(request, optional=optional)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise InvalidInput(f"{where}: {first['msg']}{more}", where=where) from exc


def int_param(request: web.Request, name: str, default: int, *, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise InvalidInput(f"{name} must be a whole number", where=name) from exc
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}", where=name)
    return value


def path_id(request: web.Request, name: str, what: str) -> int:
    """The path parameter ``name`` as an id; NotFound ("no {what} '…'") when it is not digits."""
    raw = request.match_info[name]
    if not raw.isdigit():
        raise NotFound(f"no {what} {raw!r}")
    return int(raw)


def campaign_id(request: web.Request) -> int:
    """The ``{campaign_id}`` of the path."""
    return path_id(request, "campaign_id", "campaign")


def channel_param(request: web.Request) -> Channel | None:
    """The ``channel`` query parameter, if given: sms or email."""
    raw = request.query.get("channel", "").strip()
    if not raw:
        return None
    if raw not in {c.value for c in Channel}:
        raise InvalidInput(f"channel: {raw!r} is not a channel; use sms or email", where="channel")
    return Channel(raw)
