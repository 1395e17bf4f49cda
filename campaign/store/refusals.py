"""What the database refuses because of what was asked of it, as the service's own errors.

The service checks its input before it reaches the database (campaign.api.bodies, the import's
row checks); this is the one place for whatever still slips through. ``Database.transaction``,
``read_session`` and ``connect`` run their work inside ``refusals()``::

    PostgreSQL (SQLSTATE) / SQLite                    raised as
    22001 value too long for its column               InvalidInput
    22021 NUL or a byte not in UTF-8                  InvalidInput
    22003 number out of range; an integer beyond
          64 bits (asyncpg, SQLite's OverflowError)   InvalidInput
    22008 date or time out of range                   InvalidInput
    23514 check constraint                            InvalidInput
    23503 / FOREIGN KEY: writing a reference          InvalidInput  (to something not there)
                         deleting what is referred to Conflict      (still in use)
    23505 / UNIQUE                                    Conflict      (already there)

Anything else (a NOT NULL, a lost connection, a syntax error) stays what it is: our fault, a 500.
The messages name the column where the database does, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from asyncpg.exceptions import DataError as DriverDataError
from sqlalchemy.exc import DBAPIError, StatementError

from campaign.kernel.errors import Conflict, DomainError, InvalidInput

_INPUT_STATES = {
    "22001": "a text is longer than its field takes",
    "22021": "a text holds a NUL character (\\x00) or a byte that is not UTF-8",
    "22003": "a number is out of range",
    "22008": "a date or time is out of range",
    "23514": "a value is not one the field takes",
}
_FOREIGN_KEY, _UNIQUE = "23503", "23505"
_SQLITE_STATES = {  # sqlite3's error names, as the SQLSTATE that means the same
    "SQLITE_CONSTRAINT_FOREIGNKEY": _FOREIGN_KEY,
    "SQLITE_CONSTRAINT_UNIQUE": _UNIQUE,
    "SQLITE_CONSTRAINT_PRIMARYKEY": _UNIQUE,
    "SQLITE_CONSTRAINT_CHECK": "23514",
    "SQLITE_TOOBIG": "22001",
}
_PG_KEY = re.compile(r"Key \(([\w, ]+)\)=")
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: \w+\.(\w+)")


@contextmanager
def refusals() -> Iterator[None]:
    """Run the body; a refusal caused by its input is raised as a DomainError, from it."""
    try:
        yield
    except DomainError:
        raise
    except Exception as exc:
        refusal = translate(exc)
        if refusal is None:
            raise
        raise refusal from exc


def translate(exc: BaseException) -> DomainError | None:
    """The DomainError ``exc`` means for the one who asked, or None when it is our fault (or
    not the database's at all: an error of ours that wraps one was meant as it is)."""
    if not _from_the_database(exc):
        return None
    if _is_beyond_64_bits(exc):
        return InvalidInput("a number is beyond 64 bits")
    if isinstance(exc, StatementError) and isinstance(exc.orig, OverflowError):
        return InvalidInput("a date or a number is out of range")  # a bind value's conversion
    state = _state(exc)
    if state in _INPUT_STATES:
        return InvalidInput(_INPUT_STATES[state], where=_column(exc))
    if state == _FOREIGN_KEY:
        if _statement(exc).lstrip().upper().startswith("DELETE"):
            return Conflict("it is still in use elsewhere, so it cannot be removed")
        return InvalidInput("it refers to something that does not exist", where=_column(exc))
    if state == _UNIQUE:
        column = _column(exc)
        named = f" with this {column}" if column else ""
        return Conflict(f"there is already one{named}")
    return None


def _from_the_database(exc: BaseException) -> bool:
    """A statement that failed (SQLAlchemy's errors, the driver's own from a COPY), or a value
    SQLite's driver could not bind: not something that merely wraps one."""
    if isinstance(exc, StatementError) or isinstance(getattr(exc, "sqlstate", None), str):
        return True
    return isinstance(exc, OverflowError) and "SQLite INTEGER" in str(exc)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, the driver's error it wraps, and what caused that."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        wrapped = getattr(current, "orig", None)
        current = wrapped if isinstance(wrapped, BaseException) else current.__cause__


def _state(exc: BaseException) -> str | None:
    for cause in _causes(exc):
        state = getattr(cause, "sqlstate", None)
        if isinstance(state, str):
            return state
        name = getattr(cause, "sqlite_errorname", None)
        if isinstance(name, str):
            return _SQLITE_STATES.get(name)
    return None


def _is_beyond_64_bits(exc: BaseException) -> bool:
    """A parameter refused before it was sent: SQLite's ``Python int too large to convert to
    SQLite INTEGER`` (an OverflowError), asyncpg's ``invalid input for query argument $1: …
    (value out of int64 range)`` (a DataError it raises itself, SQLSTATE 22000)."""
    for cause in _causes(exc):
        if isinstance(cause, OverflowError) and "SQLite INTEGER" in str(cause):
            return True
        if isinstance(cause, DriverDataError) and "out of int64 range" in str(cause):
            return True
    return False


def _column(exc: BaseException) -> str | None:
    for cause in _causes(exc):
        column = getattr(cause, "column_name", None)
        if isinstance(column, str) and column:
            return column
        detail = getattr(cause, "detail", None)
        found = _PG_KEY.search(detail) if isinstance(detail, str) else None
        if found is None:
            found = _SQLITE_UNIQUE.search(str(cause.args[0]) if cause.args else "")
        if found is not None:
            return found.group(1)
    return None


def _statement(exc: BaseException) -> str:
    return exc.statement or "" if isinstance(exc, DBAPIError) else ""
