"""Liveness and readiness: ``/healthz`` says the process answers; ``/readyz`` that it can work."""

from __future__ import annotations

import logging

from aiohttp import web

from campaign.api.answers import json_response
from campaign.api.context import services

log = logging.getLogger(__name__)


async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    try:
        current = await services(request).schema.is_current()
    except Exception as exc:  # any failure to reach the database means "not ready"
        log.warning("readiness: database unreachable: %s", exc)
        return json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    if not current:
        return json_response(
            {"status": "unavailable", "database": "reachable", "migrations": "behind"},
            status=503,
        )
    return json_response({"status": "ok", "database": "reachable", "migrations": "current"})
