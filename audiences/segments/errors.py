"""Errors of the segment language, each pointing at a line and column where it can.

SegmentError
├── SegmentSyntaxError   the text is not a query: "expected a value at line 1, column 12"
├── UnknownField         a field that is neither built in nor registered
└── TypeMismatch         an operator or value that does not fit the field's type
"""

from __future__ import annotations


class SegmentError(ValueError):
    """A query that cannot be used; ``str(error)`` says what and where, in plain words."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        where = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(f"{message}{where}")
        self.message = message
        self.line = line
        self.column = column


class SegmentSyntaxError(SegmentError):
    """The text does not follow the grammar; the message says what was expected."""


class UnknownField(SegmentError):
    """A field name that is neither built in nor registered."""

    def __init__(
        self, field: str, line: int | None = None, column: int | None = None, hint: str = ""
    ) -> None:
        super().__init__(f"unknown field {field!r}{hint}", line, column)
        self.field = field


class TypeMismatch(SegmentError):
    """An operator or value that does not fit the field's type."""
