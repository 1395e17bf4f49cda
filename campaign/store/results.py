"""Reading what a statement did, typed: ``session.execute`` returns a plain ``Result``."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result


def inserted_id(result: Result[Any]) -> int:
    """The primary key of the row a single-row INSERT created."""
    key = cast(CursorResult[Any], result).inserted_primary_key
    if key is None:
        raise LookupError("the statement inserted no row")
    return int(key[0])


def affected(result: Result[Any]) -> int:
    """How many rows an UPDATE, DELETE or INSERT … ON CONFLICT touched."""
    return int(cast(CursorResult[Any], result).rowcount)
