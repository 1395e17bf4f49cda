"""The segment language's syntax tree: frozen dataclasses, no database in sight.

Positions (line and column of the field name) are kept for error messages and take no part
in equality, so two parses of the same query compare equal.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum


class Operator(StrEnum):
    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    CONTAINS = "~"


Value = str | float


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Comparison:
    field: str
    operator: Operator
    value: Value
    position: Position = dataclasses.field(default=Position(1, 1), compare=False)


@dataclass(frozen=True, slots=True)
class InList:
    field: str
    values: tuple[Value, ...]
    position: Position = dataclasses.field(default=Position(1, 1), compare=False)


@dataclass(frozen=True, slots=True)
class IsSet:
    field: str
    negated: bool = False
    position: Position = dataclasses.field(default=Position(1, 1), compare=False)


@dataclass(frozen=True, slots=True)
class BareField:
    """A boolean field on its own: ``lives_alone``."""

    field: str
    position: Position = dataclasses.field(default=Position(1, 1), compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Node, ...]


Node = Comparison | InList | IsSet | BareField | Not | And | Or
