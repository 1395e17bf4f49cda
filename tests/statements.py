"""Counting the SQL a piece of work runs: a test of "one query per page, whatever its size"."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from campaign.store.engine import Database


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements the database's engine runs meanwhile."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
