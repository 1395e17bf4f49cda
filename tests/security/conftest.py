"""Databases for the security proofs: migrated as ``campaign db upgrade`` leaves them (so
``/readyz`` is ready), on SQLite and then on PostgreSQL, where under CI=true an unreachable
server fails the run instead of skipping it (``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from campaign.store.migrate import upgrade
from tests.conftest import (
    POSTGRES_URL,
    _drop_test_database,
    _own_postgres_database,
    _run,
    _with_database,
)


def _sqlite_url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder / 'campaign.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
async def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A new database at the latest migration: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        url = _sqlite_url(tmp_path)
        await upgrade(url)
        yield url
        return
    name = _own_postgres_database()
    url = _with_database(POSTGRES_URL, name)
    await upgrade(url)
    yield url
    await _drop_test_database(name)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def module_migrated_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The same, kept for a whole module (the served app of the fuzz tests)."""
    if request.param == "sqlite":
        url = _sqlite_url(tmp_path_factory.mktemp("fuzz"))
        _run(lambda: upgrade(url))
        yield url
        return
    name = _own_postgres_database()
    url = _with_database(POSTGRES_URL, name)
    _run(lambda: upgrade(url))
    yield url
    _run(lambda: _drop_test_database(name))
