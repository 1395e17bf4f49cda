"""Fixtures shared by every test: databases (SQLite and PostgreSQL alike), clock, settings.

``database`` is parametrised: a test that takes it runs once on a fresh SQLite file and once
on PostgreSQL. PostgreSQL comes from ``CAMPAIGN_TEST_POSTGRES_URL`` (default: the local server's
``test`` database, in which each test session makes a database of its own). Under ``CI=true``
an unreachable PostgreSQL is an error, never a skip.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy import text

from campaign.bootstrap import build
from campaign.kernel.clock import ManualClock
from campaign.services import Services
from campaign.settings import load_settings
from campaign.store.engine import Database, create_engine
from campaign.store.tables import metadata
from tests.factories import TEST_SECRET

POSTGRES_URL = os.environ.get(
    "CAMPAIGN_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
T = TypeVar("T")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _run(coro_factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion on a thread of its own (callers may be inside a loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coro_factory())).result()


def _raw_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


async def _create_test_database() -> str:
    name = f"campaign_test_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(_raw_dsn(POSTGRES_URL), timeout=5)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def _drop_test_database(name: str) -> None:
    conn = await asyncpg.connect(_raw_dsn(POSTGRES_URL), timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def _create_schema(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()


def _own_postgres_database() -> str:
    """A new database's name; under CI=true an unreachable server fails, never skips."""
    try:
        return _run(_create_test_database)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI=true and is not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test session's own, with the schema created."""
    name = _own_postgres_database()
    url = _with_database(POSTGRES_URL, name)
    _run(lambda: _create_schema(url))
    yield url
    _run(lambda: _drop_test_database(name))


@pytest.fixture(scope="session")
def empty_postgres_url() -> Iterator[str]:
    """A PostgreSQL database with no schema at all (for migration tests)."""
    name = _own_postgres_database()
    yield _with_database(POSTGRES_URL, name)
    _run(lambda: _drop_test_database(name))


async def _truncate_all(database: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in reversed(metadata.sorted_tables))
    async with database.connect() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database with the current schema and no rows, on SQLite and then on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        await _create_schema(url)
        db = Database(create_engine(url))
        yield db
        await db.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    db = Database(create_engine(url, pool_size=5))
    await _truncate_all(db)
    yield db
    await db.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'campaign.db'}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def services(database: Database, clock: ManualClock) -> AsyncIterator[Services]:
    """Every service of the composition root over ``database``, on the test's clock."""
    url = database.engine.url.render_as_string(hide_password=False)
    built = build(load_settings(database_url=url, secret_key=TEST_SECRET), clock=clock)
    yield built
    await built.close()
