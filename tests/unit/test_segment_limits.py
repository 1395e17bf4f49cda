"""The segment language's limits: a query's length, its nesting, and a lexer that reads each
character a bounded number of times, however long the query (decision 0032)."""

from __future__ import annotations

from typing import Any, SupportsIndex

import pytest

from audiences.segments.errors import SegmentSyntaxError
from audiences.segments.parser import parse, tokenize
from audiences.segments.syntax import Not
from campaign.kernel.limits import (
    SEGMENT_CONDITIONS_MAX,
    SEGMENT_NESTING_MAX,
    SEGMENT_QUERY_MAX,
)


class ReadText(str):
    """A query that tallies how many characters are read from it, by indexing, slicing and the
    searches a lexer may use to find lines (count, find, rfind, index, rindex)."""

    touched = 0

    def __getitem__(self, key: SupportsIndex | slice) -> str:
        part = str.__getitem__(self, key)
        ReadText.touched += max(len(part), 1)
        return part

    def _scan(self, start: Any, end: Any) -> None:
        low, high, _ = slice(start, end).indices(len(self))
        ReadText.touched += max(high - low, 0)

    def count(self, sub: str, start: Any = None, end: Any = None) -> int:
        self._scan(start, end)
        return str.count(self, sub, start, end)

    def find(self, sub: str, start: Any = None, end: Any = None) -> int:
        self._scan(start, end)
        return str.find(self, sub, start, end)

    def rfind(self, sub: str, start: Any = None, end: Any = None) -> int:
        self._scan(start, end)
        return str.rfind(self, sub, start, end)

    def index(self, sub: str, start: Any = None, end: Any = None) -> int:
        self._scan(start, end)
        return str.index(self, sub, start, end)

    def rindex(self, sub: str, start: Any = None, end: Any = None) -> int:
        self._scan(start, end)
        return str.rindex(self, sub, start, end)


def _touches(text: str) -> int:
    ReadText.touched = 0
    tokenize(ReadText(text))
    return ReadText.touched


def _long_query(conditions: int) -> str:
    lines = [f'(age >= {n} AND language = "nl")' for n in range(conditions)]
    return "\nOR ".join(lines)


def test_the_lexer_reads_each_character_a_bounded_number_of_times() -> None:
    text = _long_query(280)
    assert SEGMENT_QUERY_MAX - 1000 < len(text) <= SEGMENT_QUERY_MAX
    # Counting lines from the start for every token read each character once per token after
    # it: about 2,400 tokens, millions of reads. Linear: a few reads per character.
    assert _touches(text) <= 3 * len(text)


def test_twice_the_query_is_twice_the_reading() -> None:
    small, large = _long_query(100), _long_query(200)
    # Linear: the reading grows as the text does (quadratic grew four times for twice).
    assert _touches(large) / _touches(small) < 1.1 * len(large) / len(small)


def test_positions_stay_right_on_later_lines() -> None:
    text = _long_query(20) + '\nOR (age >= 1 AND language = "nl" town)'
    with pytest.raises(SegmentSyntaxError) as caught:
        parse(text)
    assert (caught.value.line, caught.value.column) == (21, 34)


def test_a_query_over_the_limit_is_refused_before_it_is_read() -> None:
    text = "a AND " * (SEGMENT_QUERY_MAX // 6) + "b = 1"
    assert len(text) > SEGMENT_QUERY_MAX
    ReadText.touched = 0
    with pytest.raises(SegmentSyntaxError) as caught:
        tokenize(ReadText(text))
    assert ReadText.touched == 0
    assert f"at most {SEGMENT_QUERY_MAX:,}" in caught.value.message


def test_conditions_have_a_limit_and_a_list_of_values_is_one() -> None:
    conditions = [f'municipality = "Gemeente {n}"' for n in range(SEGMENT_CONDITIONS_MAX + 1)]
    parse(" OR ".join(conditions[:-1]))
    with pytest.raises(SegmentSyntaxError) as caught:
        parse(" OR\n".join(conditions))
    assert f"at most {SEGMENT_CONDITIONS_MAX} conditions" in caught.value.message
    assert "IN (" in caught.value.message
    assert (caught.value.line, caught.value.column) == (SEGMENT_CONDITIONS_MAX + 1, 1)
    postcodes = ", ".join(f'"{9000 + n}"' for n in range(1000))
    assert parse(f"postcode IN ({postcodes})")


def test_nesting_has_a_limit_that_names_where_it_is_passed() -> None:
    deepest = "(" * SEGMENT_NESTING_MAX + "a" + ")" * SEGMENT_NESTING_MAX
    assert parse(deepest) == parse("a")
    nots = parse("NOT " * SEGMENT_NESTING_MAX + "a")
    assert isinstance(nots, Not)
    too_deep = "NOT (" * (SEGMENT_NESTING_MAX // 2) + "(a)" + ")" * (SEGMENT_NESTING_MAX // 2)
    with pytest.raises(SegmentSyntaxError) as caught:
        parse(too_deep)
    assert f"nested more than {SEGMENT_NESTING_MAX} deep" in caught.value.message
    assert (caught.value.line, caught.value.column) == (1, 5 * (SEGMENT_NESTING_MAX // 2) + 1)


def test_parentheses_deeper_than_python_recurses_are_a_syntax_error() -> None:
    with pytest.raises(SegmentSyntaxError):
        parse("(" * 2000 + "a" + ")" * 2000)
