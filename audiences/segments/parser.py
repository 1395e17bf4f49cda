"""Tokenizer and recursive-descent parser of the segment language.

    query      := or_expr END
    or_expr    := and_expr (OR and_expr)*
    and_expr   := not_expr (AND not_expr)*
    not_expr   := NOT not_expr | "(" or_expr ")" | condition
    condition  := FIELD (OPERATOR value | IN "(" value ("," value)* ")" | IS [NOT] SET)?
    value      := STRING | NUMBER

Keywords are case-insensitive; strings are in double quotes with ``\\"`` and ``\\\\`` escapes.

A query is at most ``limits.SEGMENT_QUERY_MAX`` characters, refused before it is read, and its
parentheses and NOTs nest at most ``limits.SEGMENT_NESTING_MAX`` deep, and it holds at most
``limits.SEGMENT_CONDITIONS_MAX`` conditions (each costs the database's statement compiler and
the event loop time; an IN list is one). The lexer is linear: it
reads each character once and keeps its line and column as it goes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from audiences.segments.errors import SegmentSyntaxError
from audiences.segments.syntax import (
    And,
    BareField,
    Comparison,
    InList,
    IsSet,
    Node,
    Not,
    Operator,
    Or,
    Position,
    Value,
)
from campaign.kernel import limits

KEYWORDS = frozenset({"and", "or", "not", "in", "is", "set"})
_OPERATORS = {op.value: op for op in Operator}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_OPERATOR_CHARS = "=!<>~"
_PUNCTUATION = "(),"


class Kind(StrEnum):
    NAME = "name"
    KEYWORD = "keyword"
    STRING = "string"
    NUMBER = "number"
    OPERATOR = "operator"
    PUNCTUATION = "punctuation"
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str  # keywords lower-case; strings unescaped
    position: Position

    def describe(self) -> str:
        if self.kind is Kind.END:
            return "the end of the query"
        if self.kind is Kind.STRING:
            return f'"{self.text}"'
        return f"'{self.text}'"


class _Lexer:
    def __init__(self, text: str) -> None:
        self._text = text
        self._index = 0
        # Where line numbers have been counted to, and the line there: tokens come in order, so
        # each newline is counted once (counting from the start for every token was quadratic).
        self._counted = 0
        self._line = 1
        self._line_start = 0

    def position(self, index: int) -> Position:
        """The line and column of ``index``, which is never before the last one asked for."""
        if index > self._counted:
            newlines = self._text.count("\n", self._counted, index)
            if newlines:
                self._line += newlines
                self._line_start = self._text.rfind("\n", self._counted, index) + 1
            self._counted = index
        return Position(self._line, index - self._line_start + 1)

    def tokens(self) -> list[Token]:
        tokens = []
        while True:
            token = self._next()
            tokens.append(token)
            if token.kind is Kind.END:
                return tokens

    def _next(self) -> Token:
        text = self._text
        while self._index < len(text) and text[self._index].isspace():
            self._index += 1
        start = self._index
        if start >= len(text):
            return Token(Kind.END, "", self.position(start))
        char = text[start]
        if char == '"':
            return self._string(start)
        if char in _PUNCTUATION:
            self._index += 1
            return Token(Kind.PUNCTUATION, char, self.position(start))
        if char in _OPERATOR_CHARS:
            return self._operator(start)
        for pattern, kind in ((_NUMBER, Kind.NUMBER), (_NAME, Kind.NAME)):
            match = pattern.match(text, start)
            if match:
                self._index = match.end()
                word = match.group()
                if kind is Kind.NAME and word.lower() in KEYWORDS:
                    return Token(Kind.KEYWORD, word.lower(), self.position(start))
                return Token(kind, word, self.position(start))
        raise SegmentSyntaxError(f"unexpected character {char!r}", *self._at(start))

    def _at(self, index: int) -> tuple[int, int]:
        position = self.position(index)
        return position.line, position.column

    def _operator(self, start: int) -> Token:
        end = start
        while end < len(self._text) and self._text[end] in _OPERATOR_CHARS:
            end += 1
        word = self._text[start:end]
        if word not in _OPERATORS:
            expected = " ".join(_OPERATORS)
            raise SegmentSyntaxError(
                f"unknown operator {word!r}: expected one of {expected}", *self._at(start)
            )
        self._index = end
        return Token(Kind.OPERATOR, word, self.position(start))

    def _string(self, start: int) -> Token:
        chars: list[str] = []
        index = start + 1
        while index < len(self._text):
            char = self._text[index]
            if char == "\\" and index + 1 < len(self._text):
                chars.append(self._text[index + 1])
                index += 2
            elif char == '"':
                self._index = index + 1
                return Token(Kind.STRING, "".join(chars), self.position(start))
            else:
                chars.append(char)
                index += 1
        raise SegmentSyntaxError('unclosed string: expected a closing "', *self._at(start))


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self._tokens = tokens
        self._index = 0
        self._depth = 0  # parentheses and NOTs open around the current token
        self._conditions = 0

    @property
    def _current(self) -> Token:
        return self._tokens[self._index]

    def _at_end(self) -> bool:
        return self._current.kind is Kind.END

    def _advance(self) -> Token:
        token = self._current
        if token.kind is not Kind.END:
            self._index += 1
        return token

    def _accept(self, kind: Kind, text: str | None = None) -> Token | None:
        token = self._current
        if token.kind is kind and (text is None or token.text == text):
            return self._advance()
        return None

    def _fail(self, expected: str) -> SegmentSyntaxError:
        token = self._current
        position = token.position
        return SegmentSyntaxError(
            f"expected {expected}, found {token.describe()}", position.line, position.column
        )

    def query(self) -> Node:
        if self._at_end():
            raise self._fail("a condition")
        node = self._or()
        if not self._at_end():
            raise self._fail("AND, OR or the end of the query")
        return node

    def _or(self) -> Node:
        operands = [self._and()]
        while self._accept(Kind.KEYWORD, "or"):
            operands.append(self._and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def _and(self) -> Node:
        operands = [self._not()]
        while self._accept(Kind.KEYWORD, "and"):
            operands.append(self._not())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def _not(self) -> Node:
        negation = self._accept(Kind.KEYWORD, "not")
        if negation is not None:
            self._deeper(negation)
            node: Node = Not(self._not())
            self._depth -= 1
            return node
        opening = self._accept(Kind.PUNCTUATION, "(")
        if opening is not None:
            self._deeper(opening)
            node = self._or()
            if not self._accept(Kind.PUNCTUATION, ")"):
                where = f"line {opening.position.line}, column {opening.position.column}"
                raise self._fail(f"')' to close the '(' at {where}")
            self._depth -= 1
            return node
        return self._condition()

    def _deeper(self, opening: Token) -> None:
        self._depth += 1
        if self._depth > limits.SEGMENT_NESTING_MAX:
            raise SegmentSyntaxError(
                f"parentheses and NOTs are nested more than {limits.SEGMENT_NESTING_MAX} deep",
                opening.position.line,
                opening.position.column,
            )

    def _condition(self) -> Node:
        name = self._accept(Kind.NAME)
        if name is None:
            raise self._fail("a field name, NOT or '('")
        self._conditions += 1
        if self._conditions > limits.SEGMENT_CONDITIONS_MAX:
            raise SegmentSyntaxError(
                f"a query holds at most {limits.SEGMENT_CONDITIONS_MAX} conditions: for many "
                'values of one field, use IN ("a", "b", …)',
                name.position.line,
                name.position.column,
            )
        field, position = name.text.lower(), name.position
        operator = self._accept(Kind.OPERATOR)
        if operator is not None:
            return Comparison(field, _OPERATORS[operator.text], self._value(), position)
        if self._accept(Kind.KEYWORD, "in"):
            return InList(field, self._values(), position)
        if self._accept(Kind.KEYWORD, "is"):
            negated = self._accept(Kind.KEYWORD, "not") is not None
            if not self._accept(Kind.KEYWORD, "set"):
                raise self._fail("SET" if negated else "SET or NOT SET")
            return IsSet(field, negated, position)
        if self._current.kind in (Kind.NAME, Kind.STRING, Kind.NUMBER):
            raise self._fail(f"an operator (= != < <= > >= ~), IN or IS after {name.text}")
        return BareField(field, position)

    def _value(self) -> Value:
        string = self._accept(Kind.STRING)
        if string is not None:
            return string.text
        number = self._accept(Kind.NUMBER)
        if number is not None:
            return float(number.text)
        raise self._fail('a value (a "quoted text" or a number)')

    def _values(self) -> tuple[Value, ...]:
        if not self._accept(Kind.PUNCTUATION, "("):
            raise self._fail("'(' after IN")
        values = [self._value()]
        while self._accept(Kind.PUNCTUATION, ","):
            values.append(self._value())
        if not self._accept(Kind.PUNCTUATION, ")"):
            raise self._fail("',' or ')' in the IN list")
        return tuple(values)


def tokenize(text: str) -> list[Token]:
    _check_length(text)
    return _Lexer(text).tokens()


def _check_length(text: str) -> None:
    if len(text) > limits.SEGMENT_QUERY_MAX:
        raise SegmentSyntaxError(
            f"the query is {len(text):,} characters long: at most {limits.SEGMENT_QUERY_MAX:,}"
        )


def parse(text: str) -> Node:
    """The syntax tree of a query; SegmentSyntaxError says where and what was expected."""
    return _Parser(tokenize(text)).query()
