"""The segment language: parse a query, compile it to a condition over ``contacts``.

language = "fr" AND age >= 65 AND NOT opted_out_sms
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import ColumnElement

from audiences.segments.compiler import compile_query
from audiences.segments.errors import SegmentError
from audiences.segments.parser import parse


def audience_condition(text: str, registry: Mapping[str, object]) -> ColumnElement[bool]:
    """The condition for a query's text; SegmentError says what is wrong and where."""
    return compile_query(parse(text), registry)


__all__ = ["SegmentError", "audience_condition", "compile_query", "parse"]
