"""Rows as PostgreSQL ``COPY … FROM STDIN`` text: one line each, tab-separated, ``\\N`` for NULL.

On a first import the worker processes encode the contacts they check, so the importing
process only joins the lines and streams them (``audiences.contacts.repository
.copy_contact_lines``), instead of encoding every value itself.
Text is escaped as the format requires: backslash, tab, line feed and carriage return.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"
# Made once: json.dumps with arguments builds a new encoder for every call. jsonb takes no NaN.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def _text(value: str) -> str:
    # Four scans in C cost less than translate, and most values need no escape at all.
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


def _moment(value: datetime) -> str:
    """A datetime as ISO text, in UTC."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: pass an aware UTC datetime")
    # In UTC first: two local times an hour apart (a fold) would compare equal in the cache.
    # Most are UTC already (the import's own time), and converting costs more than the cache.
    return _utc_text(value if value.tzinfo is UTC else value.astimezone(UTC))


@lru_cache(maxsize=256)
def _utc_text(value: datetime) -> str:
    return value.isoformat()  # an import repeats a few: its own time, consent times


def copy_value(value: object) -> str:
    """One value as the text format writes it."""
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return _moment(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = _JSON(value)
    return _text(str(value))


def copy_line(values: Sequence[object]) -> str:
    """One row: its values in column order, ended by a line feed."""
    cells = [_text(v) if type(v) is str else _NULL if v is None else copy_value(v) for v in values]
    return "\t".join(cells) + "\n"


def copy_data(lines: Iterable[str]) -> bytes:
    return "".join(lines).encode()
