"""Typed keys for what the application and each request carry."""

from __future__ import annotations

from aiohttp import web

from campaign.kernel.identity import Identity
from campaign.services import SERVICES, Services

IDENTITY = web.RequestKey("identity", Identity)


def services(request: web.Request) -> Services:
    return request.app[SERVICES]


def identity(request: web.Request) -> Identity:
    return request[IDENTITY]
