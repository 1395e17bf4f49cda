"""A column compared with a long list of values, as one SQL text whatever the list's length.

``column.in_(values)`` renders one placeholder per value, so every chunk of an import wrote a
new SQL text: SQLite's statement cache then kept up to 128 prepared statements of thousands
of parameters each, and the importing process grew by about 165 bytes a row. On SQLite the
list goes in as one JSON parameter read by ``json_each``; the planner still probes the
column's index once per value (``SEARCH … USING INDEX``).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, select


def among(column: ColumnElement[Any], values: Collection[str]) -> ColumnElement[bool]:
    """``column IN (values)`` for SQLite, with the values as one JSON array parameter."""
    listed = func.json_each(bindparam(None, json.dumps(sorted(values)))).table_valued("value")
    return column.in_(select(listed.c.value))
