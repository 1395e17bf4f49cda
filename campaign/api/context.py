"""Typed keys for what the application and each request carry."""

from __future__ import annotations

from aiohttp import web

from campaign.accounts import Accounts
from campaign.bootstrap import Services
from campaign.identity import Identity

SERVICES = web.AppKey("services", Services)
ACCOUNTS = web.AppKey("accounts", Accounts)
IDENTITY = web.RequestKey("identity", Identity)


def services(request: web.Request) -> Services:
    return request.app[SERVICES]


def identity(request: web.Request) -> Identity:
    return request[IDENTITY]
