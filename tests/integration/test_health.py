"""Readiness tells a load balancer the truth: database reachable and migrations current."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.test_utils import TestClient

from campaign.bootstrap import build
from campaign.settings import load_settings
from campaign.store.migrate import upgrade
from campaign.web.app import create_app

ClientFactory = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]


async def _ready(url: str, aiohttp_client: ClientFactory) -> tuple[int, dict[str, str]]:
    services = build(load_settings(database_url=url, secret_key="k" * 32))
    client = await aiohttp_client(create_app(services, close_services=True))
    response = await client.get("/readyz")
    return response.status, await response.json()


async def test_ready_once_migrated(sqlite_url: str, aiohttp_client: ClientFactory) -> None:
    await upgrade(sqlite_url)
    assert await _ready(sqlite_url, aiohttp_client) == (
        200,
        {"status": "ok", "database": "reachable", "migrations": "current"},
    )


async def test_not_ready_before_migrations(sqlite_url: str, aiohttp_client: ClientFactory) -> None:
    status, body = await _ready(sqlite_url, aiohttp_client)
    assert (status, body["migrations"]) == (503, "behind")


async def test_not_ready_without_a_database(aiohttp_client: ClientFactory) -> None:
    # Nothing listens on port 9: the database cannot be reached. (A SQLite file in a missing
    # folder would do too, but aiosqlite then leaves a worker thread behind after the test.)
    url = "postgresql+asyncpg://postgres@127.0.0.1:9/none"
    status, body = await _ready(url, aiohttp_client)
    assert (status, body["database"]) == (503, "unreachable")
