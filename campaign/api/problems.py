"""Errors as ``application/problem+json`` (RFC 9457), translated once, here.

DomainError → 404/403/409/422 with the service's plain message; an aiohttp HTTP error keeps
its status; anything else is a 500 that says nothing about the internals (the log has it).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from campaign.campaigns.messages import ResendNotConfirmed
from campaign.kernel.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
)

log = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"

_STATUS: dict[type[DomainError], tuple[int, str]] = {
    NotFound: (404, "Not found"),
    Forbidden: (403, "Forbidden"),
    Conflict: (409, "Conflict"),
    InvalidInput: (422, "Invalid input"),
    TooLarge: (413, "Too large"),
}


def problem(status: int, title: str, detail: str, **extra: Any) -> web.Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail} | extra
    return web.Response(
        status=status, text=json.dumps(body, ensure_ascii=False), content_type=PROBLEM_TYPE
    )


def from_domain_error(exc: DomainError) -> web.Response:
    status, title = next(
        (v for kind, v in _STATUS.items() if isinstance(exc, kind)), (400, "Bad request")
    )
    extra: dict[str, Any] = {}
    if isinstance(exc, InvalidInput) and exc.where:
        extra["where"] = exc.where
    if isinstance(exc, ResendNotConfirmed):
        extra["would_resend"] = exc.count
    return problem(status, title, str(exc), **extra)


@web.middleware
async def problems_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except DomainError as exc:
        return from_domain_error(exc)
    except web.HTTPException as exc:
        if exc.status < 400 or not _is_api(request):
            raise
        return problem(exc.status, exc.reason, exc.text or exc.reason)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem(500, "Internal error", "something went wrong on our side; it is logged")


def _is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")
