"""Errors as ``application/problem+json`` (RFC 9457), translated once, here.

Every problem's ``type`` is a stable URI naming its kind, ``PROBLEM_BASE`` + a slug
(``…/invalid-input``, ``…/not-found``; docs/decisions/0031), so a client can tell kinds apart
without reading the words. What becomes what::

    DomainError (campaign.kernel.errors)   its kind: 404/403/409/413/415/422, ``where`` if known
    aiohttp HTTP error on /api/            the kind of its status (405, 413 …)
    anything else                          500 internal-error, logged once with a request id

A 500 is only ever our own fault: bad input of every sort is a DomainError before it gets here
(campaign.api.bodies reads bodies and parameters, ``address_middleware`` refuses NUL in any API
path or query parameter, campaign.store.refusals translates what the database refuses). Its log
line names the route, never the body, the query string or the path values, which may carry
personal data or a link's token. A request aiohttp cannot even parse never reaches a route:
``quiet_unreadable_requests`` keeps it to one debug line instead of an error with a traceback.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Handler

from campaign.campaigns.messages import ResendNotConfirmed
from campaign.kernel.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    UnsupportedMediaType,
)

log = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"
PROBLEM_BASE = "https://campaign.example/problems/"
REQUEST_ID_HEADER = "X-Request-Id"


@dataclass(frozen=True, slots=True)
class ProblemKind:
    """One kind of problem: its slug (the end of its ``type``), status and title."""

    slug: str
    status: int
    title: str

    @property
    def type(self) -> str:
        return PROBLEM_BASE + self.slug


BAD_REQUEST = ProblemKind("bad-request", 400, "Bad request")
UNAUTHORISED = ProblemKind("unauthorised", 401, "Unauthorised")
FORBIDDEN = ProblemKind("forbidden", 403, "Forbidden")
NOT_FOUND = ProblemKind("not-found", 404, "Not found")
METHOD_NOT_ALLOWED = ProblemKind("method-not-allowed", 405, "Method not allowed")
CONFLICT = ProblemKind("conflict", 409, "Conflict")
TOO_LARGE = ProblemKind("too-large", 413, "Too large")
UNSUPPORTED_MEDIA_TYPE = ProblemKind("unsupported-media-type", 415, "Unsupported media type")
INVALID_INPUT = ProblemKind("invalid-input", 422, "Invalid input")
INTERNAL_ERROR = ProblemKind("internal-error", 500, "Internal error")

KINDS = (
    BAD_REQUEST,
    UNAUTHORISED,
    FORBIDDEN,
    NOT_FOUND,
    METHOD_NOT_ALLOWED,
    CONFLICT,
    TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
    INVALID_INPUT,
    INTERNAL_ERROR,
)
_BY_STATUS = {kind.status: kind for kind in KINDS}

# First match wins: a subclass before its parent.
_DOMAIN_KINDS: tuple[tuple[type[DomainError], ProblemKind], ...] = (
    (NotFound, NOT_FOUND),
    (Forbidden, FORBIDDEN),
    (Conflict, CONFLICT),
    (UnsupportedMediaType, UNSUPPORTED_MEDIA_TYPE),
    (InvalidInput, INVALID_INPUT),
    (TooLarge, TOO_LARGE),
)


def kind_of_status(status: int) -> ProblemKind | None:
    return _BY_STATUS.get(status)


def problem(
    status: int, title: str, detail: str, *, kind: ProblemKind | None = None, **extra: Any
) -> web.Response:
    """A problem response; its ``type`` is ``kind``'s, else that of the status's kind."""
    kind = kind or kind_of_status(status)
    # RFC 9457 §4.2.1: about:blank says no more than the status; only for statuses we never
    # give ourselves (a proxy's or the HTTP server's own).
    type_ = kind.type if kind else "about:blank"
    body = {"type": type_, "title": title, "status": status, "detail": detail} | extra
    return web.Response(
        status=status,
        text=json.dumps(body, ensure_ascii=False, allow_nan=False),
        content_type=PROBLEM_TYPE,
    )


def from_domain_error(exc: DomainError) -> web.Response:
    kind = next((k for cls, k in _DOMAIN_KINDS if isinstance(exc, cls)), BAD_REQUEST)
    extra: dict[str, Any] = {}
    where = getattr(exc, "where", None)
    if where:
        extra["where"] = where
    if isinstance(exc, ResendNotConfirmed):
        extra["would_resend"] = exc.count
    return problem(kind.status, kind.title, str(exc), kind=kind, **extra)


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
        return our_fault(request)


def our_fault(request: web.Request) -> web.Response:
    """A 500 with a fresh request id, logged once with its trace and nothing the caller sent."""
    request_id = secrets.token_hex(8)
    log.exception(
        "unhandled error, request %s: %s %s", request_id, request.method, _route_of(request)
    )
    response = problem(
        500,
        INTERNAL_ERROR.title,
        f"something went wrong on our side; it is logged as request {request_id}",
        request_id=request_id,
    )
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


def _route_of(request: web.Request) -> str:
    """The route's pattern (``/api/v1/campaigns/{campaign_id}``), not the path as sent."""
    info = request.match_info.route.resource
    return info.canonical if info is not None else "(no route)"


@web.middleware
async def address_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """No text the API keeps may hold NUL (PostgreSQL cannot store it), so no path or query
    parameter may either: refused for every route at once (after the key is checked)."""
    if _is_api(request):
        for name, value in [*request.match_info.items(), *request.query.items()]:
            if "\x00" in value or "\x00" in name:
                raise InvalidInput(
                    f"{name}: holds a NUL character (\\x00), which no text here may contain",
                    where=name,
                )
    return await handler(request)


def _is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


class _UnreadableRequests(logging.Filter):
    """aiohttp answers a request it cannot parse (raw non-ASCII in the path, a broken header)
    with a 400 and logs it as an error with a traceback; anyone can send those, so each is one
    line at debug level instead: the log is for our faults."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError) and 400 <= error.code < 500:
            record.msg = f"{record.msg}: {error.code} {error.message.splitlines()[0]}"
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
            # The logger's level was checked before the record was made: check it again.
            return _SERVER_LOG.isEnabledFor(logging.DEBUG)
        return True


_SERVER_LOG = logging.getLogger("aiohttp.server")
_UNREADABLE = _UnreadableRequests()


def quiet_unreadable_requests() -> None:
    """Have aiohttp's server log an unparseable request in one debug line (idempotent)."""
    _SERVER_LOG.addFilter(_UNREADABLE)
