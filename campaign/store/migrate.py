"""Applying migrations, and telling whether a database is current (for ``/readyz``)."""

from __future__ import annotations

import asyncio
from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from campaign.store.engine import Database


def alembic_config(url: str = "") -> Config:
    """Alembic's configuration, built in code: no ini file needed where the service runs."""
    config = Config()
    config.set_main_option("script_location", str(files("campaign.store") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(url: str) -> None:
    """Apply every migration not yet applied (safe to call from inside a running loop)."""
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("the migrations folder has no revisions")
    return head


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(database: Database) -> str | None:
    async with database.engine.connect() as connection:
        return await connection.run_sync(_current)


async def is_current(database: Database) -> bool:
    return await current_revision(database) == head_revision()
