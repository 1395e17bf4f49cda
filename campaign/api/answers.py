"""JSON answers that strict parsers accept: a number that is not finite is our fault, never
``NaN`` or ``Infinity`` on the wire (Python's json writes them unless told not to)."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

strict_dumps = functools.partial(json.dumps, allow_nan=False)


def json_response(
    data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """``web.json_response`` with strict JSON: a NaN or infinity raises (and so is a 500)."""
    return web.json_response(data, status=status, headers=headers, dumps=strict_dumps)
