"""Database migrations: Alembic, configured in code, its scripts shipped inside the package.

``upgrade`` runs Alembic on a connection opened here, inside the caller's event loop, so it
works from ``campaign run`` (already in a loop) as well as from ``campaign db upgrade``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from campaign.store.engine import Database, create_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None, scripts: Path = MIGRATIONS) -> Config:
    """An Alembic configuration for our scripts, without any ``alembic.ini``."""
    config = Config()
    config.set_main_option("script_location", str(scripts).replace("%", "%%"))
    if url is not None:
        config.attributes["database_url"] = url
    return config


async def upgrade(url: str, scripts: Path = MIGRATIONS) -> None:
    """Apply every migration not yet applied to the database at ``url``."""
    config = alembic_config(url, scripts)
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_upgrade_on, config)
    finally:
        await engine.dispose()


def _upgrade_on(connection: Connection, config: Config) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds a table by dropping it, and with foreign keys on that drop would
        # cascade into the rows referring to it. The pragma is ignored inside a transaction.
        _pragma(connection, "PRAGMA foreign_keys=OFF")
    config.attributes["connection"] = connection
    with connection.begin():
        command.upgrade(config, "head")
        if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
            raise RuntimeError("a migration left rows whose foreign keys point nowhere")
    if sqlite:
        _pragma(connection, "PRAGMA foreign_keys=ON")


def _pragma(connection: Connection, statement: str) -> None:
    """Run ``statement`` on the driver's connection, outside any transaction."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


@cache
def head_revision() -> str:
    """The revision the scripts in this package end at."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migration scripts in {MIGRATIONS}")
    return head


def _revision_of(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(database: Database) -> str | None:
    """The revision the database is at; ``None`` before the first migration."""
    async with database.read_session() as session:
        connection = await session.connection()
        return await connection.run_sync(_revision_of)


async def is_current(database: Database) -> bool:
    """Whether every migration has been applied (what ``/readyz`` reports)."""
    return await current_revision(database) == head_revision()


class Schema:
    """The schema's state, for readiness: asked by ``/readyz`` through the services."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def is_current(self) -> bool:
        return await is_current(self._database)
