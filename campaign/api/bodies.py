"""Reading requests: every way a body or parameter can be wrong is one clear 4xx naming it.

Bodies are capped before they are read (413, ``where: body``) by campaign.kernel.limits, where
every limit is: ``JSON_BODY_MAX_BYTES`` for JSON, ``BODY_MAX_BYTES`` for a contact file (CSV or
XLSX, which arrives as the body), ``FORM_BODY_MAX_BYTES`` for a webhook's form. Text must be
UTF-8 (another declared charset: 415, ``where: Content-Type``; bytes that are not UTF-8: 422).
A JSON body must parse, nest at most ``JSON_DEPTH_MAX`` deep, hold no NUL character, no
integer beyond 64 bits and no number that is not finite (``NaN``, ``Infinity``, ``1e400``), each
refused with ``where`` naming the member (``measure_ids.0``). Path ids are ASCII digits within
63 bits, or the thing is not found (404); whole-number parameters are ASCII digits within their
range (422). docs/decisions/0031 says why.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl

from aiohttp import web
from multidict import MultiDict, MultiDictProxy
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, ValidationError

from campaign.kernel.calendar import EARLIEST_YEAR, LATEST_YEAR, in_calendar
from campaign.kernel.channel import Channel
from campaign.kernel.errors import InvalidInput, NotFound, TooLarge, UnsupportedMediaType
from campaign.kernel.limits import FORM_BODY_MAX_BYTES, JSON_BODY_MAX_BYTES, JSON_DEPTH_MAX

M = TypeVar("M", bound=BaseModel)

MIB = 1024 * 1024
BIGGEST_ID = 2**63 - 1  # a BIGINT; SQLite's INTEGER holds the same
SMALLEST_INT = -(2**63)
_READ_CHUNK = 64 * 1024
_UTF8 = frozenset({"utf-8", "utf8"})
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,19}")


async def read_body(request: web.Request, limit: int, *, what: str = "the body") -> bytes:
    """The body, refused with 413 before reading when it says (or turns out) to be too big."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise _too_large(what, limit, declared)
    data = bytearray()
    async for chunk in request.content.iter_chunked(_READ_CHUNK):
        data += chunk
        if len(data) > limit:
            raise _too_large(what, limit, None)
    return bytes(data)


def _too_large(what: str, limit: int, size: int | None) -> TooLarge:
    said = f"; this one is {_size(size)}" if size is not None else ""
    return TooLarge(f"{what} is at most {_size(limit)}{said}", where="body")


def _size(count: int) -> str:
    if count >= MIB:
        return f"{count / MIB:.3g} MiB"
    return f"{count / 1024:.3g} KiB" if count >= 1024 else f"{count} bytes"


def body_text(request: web.Request, data: bytes) -> str:
    """``data`` as text: UTF-8 (a byte order mark is allowed), whatever charset is declared."""
    charset = request.charset
    if charset is not None and charset.strip().lower() not in _UTF8 | {"us-ascii", "ascii"}:
        raise UnsupportedMediaType(
            f"the body must be UTF-8; charset={charset!r} is not read here", where="Content-Type"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"the body is not UTF-8: byte 0x{data[exc.start]:02x} at position {exc.start} is "
            "not a UTF-8 character",
            where="body",
        ) from exc


async def read_json(request: web.Request, *, optional: bool = False) -> Any:
    text = body_text(request, await read_body(request, JSON_BODY_MAX_BYTES, what="a JSON body"))
    if not text.strip():
        if optional:
            return {}
        raise InvalidInput("the request needs a JSON body", where="body")
    data = parse_json(text)
    check_json(data)
    return data


class _Refused:
    """A number the parser met that no field takes; ``check_json`` says where it was."""

    def __init__(self, text: str, why: str) -> None:
        self.text, self.why = text, why


def _number(text: str) -> int | _Refused:
    if len(text.lstrip("-")) > 19:  # before int(), which would take long or refuse
        return _Refused(text, "is beyond 64 bits")
    return int(text)


def _float(text: str) -> float | _Refused:
    value = float(text)
    return value if math.isfinite(value) else _Refused(text, "is too large to be a number here")


def _constant(text: str) -> _Refused:
    return _Refused(text, "is not a number JSON allows")


def parse_json(text: str) -> Any:
    """Strict JSON: no NaN or Infinity; odd numbers are kept for ``check_json`` to place."""
    try:
        return json.loads(text, parse_int=_number, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"the body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            where="body",
        ) from exc
    except RecursionError as exc:
        raise InvalidInput(
            f"the body nests deeper than {JSON_DEPTH_MAX} levels", where="body"
        ) from exc


def check_json(data: Any) -> None:
    """InvalidInput naming the first member that nests too deep, holds NUL or a bad number."""
    for where, value, depth in _members(data):
        named = where or "body"
        if depth > JSON_DEPTH_MAX:
            raise InvalidInput(f"{named}: nests deeper than {JSON_DEPTH_MAX} levels", named)
        if isinstance(value, str) and "\x00" in value:
            raise InvalidInput(
                f"{named}: holds a NUL character (\\u0000), which no text here may contain", named
            )
        if isinstance(value, _Refused):
            raise InvalidInput(f"{named}: {value.text[:30]} {value.why}", named)
        if isinstance(value, int) and not SMALLEST_INT <= value <= BIGGEST_ID:
            raise InvalidInput(f"{named}: {value} is beyond 64 bits", named)


def _members(data: Any) -> Iterator[tuple[str, Any, int]]:
    """Every value and key with its path (``a.0.b``) and depth, without recursion."""
    stack: list[tuple[str, Any, int]] = [("", data, 0)]
    while stack:
        where, value, depth = stack.pop()
        yield where, value, depth
        if isinstance(value, dict):
            for key, item in value.items():
                path = f"{where}.{key}" if where else str(key)
                yield path, key, depth + 1
                stack.append((path, item, depth + 1))
        elif isinstance(value, list):
            stack.extend(
                (f"{where}.{i}" if where else str(i), v, depth + 1) for i, v in enumerate(value)
            )


async def read_model(request: web.Request, model: type[M], *, optional: bool = False) -> M:
    data = await read_json(request, optional=optional)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise InvalidInput(f"{where}: {first['msg']}{more}", where=where) from exc


async def read_form(request: web.Request) -> MultiDictProxy[str]:
    """A small URL-encoded form in UTF-8 (a provider's webhook), capped before it is read."""
    if request.content_type != "application/x-www-form-urlencoded":
        raise UnsupportedMediaType(
            f"expected a form (application/x-www-form-urlencoded), got {request.content_type}",
            where="Content-Type",
        )
    text = body_text(request, await read_body(request, FORM_BODY_MAX_BYTES, what="a form"))
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the form holds a value that is not UTF-8", where="body") from exc
    return MultiDictProxy(MultiDict(pairs))


# A moment in a body: with its time zone, and in years the service can compute with
# (checked before any conversion: 0001-01-01T00:00+05:00 has no UTC, 9999-12-31 no next day).
Moment = Annotated[
    AwareDatetime,
    AfterValidator(in_calendar),
    Field(description=f"with a time zone; between {EARLIEST_YEAR} and {LATEST_YEAR}"),
]


def int_param(request: web.Request, name: str, default: int, *, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not _WHOLE_NUMBER.fullmatch(raw.strip()):
        raise InvalidInput(f"{name} must be a whole number in the digits 0-9", where=name)
    value = int(raw)
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}", where=name)
    return value


def path_id(request: web.Request, name: str, what: str) -> int:
    """The path parameter ``name`` as an id; NotFound ("no {what} '…'") unless it is ASCII
    digits within 63 bits (``١`` is not 1, and no stored id is beyond a BIGINT)."""
    raw = request.match_info[name]
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19 and int(raw) <= BIGGEST_ID):
        raise NotFound(f"no {what} {raw[:40]!r}")
    return int(raw)


def path_text(request: web.Request, name: str, *, max_length: int) -> str:
    """The path parameter ``name`` as a name to store: printable, at most ``max_length``."""
    raw = request.match_info[name]
    if len(raw) > max_length:
        raise InvalidInput(f"{name}: at most {max_length} characters", where=name)
    if not raw.isprintable():
        raise InvalidInput(f"{name}: holds a character that cannot be printed", where=name)
    return raw


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
