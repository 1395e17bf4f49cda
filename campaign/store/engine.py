"""Engines and sessions for SQLite and PostgreSQL.

SQLite is made correct, not only convenient: WAL with a busy timeout, and every write
transaction opens with ``BEGIN IMMEDIATE`` so two writers serialise at the start instead of
failing at commit. A read-only session (``read_session``) opens ``BEGIN DEFERRED`` and never
blocks a writer. The database file is made 0600 before SQLite opens it, and SQLite gives its
``-wal``, ``-shm`` and ``-journal`` files the database file's mode (decision 0034).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from campaign.kernel.files import create_private, keep_private
from campaign.store.refusals import refusals

_READ_ONLY = "campaign_read_only"


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """An engine for ``url`` with our SQLite discipline applied. Errors never carry the
    statement's parameters (people's data) into a log: ``hide_parameters``."""
    if url.startswith("sqlite"):
        _private_database_file(url)
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": 30}, hide_parameters=True
        )
        _apply_sqlite_discipline(engine)
        return engine
    return create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        hide_parameters=True,
    )


def _private_database_file(url: str) -> None:
    """The SQLite file of ``url`` readable by its owner only, made so before SQLite makes it."""
    name = make_url(url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    try:
        if create_private(path):
            return
    except FileNotFoundError:  # no such folder: SQLite says so when it connects
        return
    for suffix in ("", "-wal", "-shm", "-journal"):  # as an older version may have left them
        keep_private(path.with_name(path.name + suffix))


def _apply_sqlite_discipline(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves instead of the driver's implicit deferred BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # The busy timeout first: switching a new file to WAL takes a lock another
        # process may hold at the same moment.
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        dbapi_connection.create_function("translate", 3, _translate, deterministic=True)

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")


@functools.lru_cache(maxsize=16)
def _translation(source: str, target: str) -> dict[int, str | None]:
    # PostgreSQL's rules: the first occurrence in source wins; extra source characters delete.
    table: dict[int, str | None] = {}
    for index, char in enumerate(source):
        table.setdefault(ord(char), target[index] if index < len(target) else None)
    return table


def _translate(value: object, source: str | None, target: str | None) -> str | None:
    """PostgreSQL's ``translate()`` on SQLite, so segment folding is the same on both."""
    if value is None or source is None or target is None:
        return None
    return str(value).translate(_translation(source, target))


class Database:
    """The engine and its two session factories: read-write (the default) and read-only."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._writer = async_sessionmaker(engine, expire_on_commit=False)
        self._reader = async_sessionmaker(
            engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False
        )

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write transaction, committed on success and rolled back on error; what the
        database refuses of its input is a DomainError (campaign.store.refusals)."""
        with refusals():
            async with self._writer() as session, session.begin():
                yield session

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction that never takes SQLite's write lock."""
        with refusals():
            async with self._reader() as session, session.begin():
                yield session

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction at the Core level, for bulk statements."""
        with refusals():
            async with self.engine.begin() as connection:
                yield connection

    async def refresh_statistics(self, table: str) -> None:
        """Have the planner count ``table`` again (after a bulk insert), so plans made next fit
        the rows there now rather than the empty table autovacuum last saw."""
        async with self.engine.connect() as connection:
            if not self.is_sqlite:  # ANALYZE needs no transaction around it
                await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.exec_driver_sql(f"ANALYZE {table}")
            await connection.commit()

    async def dispose(self) -> None:
        await self.engine.dispose()
