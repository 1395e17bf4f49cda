"""The segment language's grammar: precedence, keywords, values, and errors that point."""

from __future__ import annotations

import pytest

from audiences.segments import parse
from audiences.segments.errors import SegmentSyntaxError
from audiences.segments.syntax import (
    And,
    BareField,
    Comparison,
    InList,
    IsSet,
    Not,
    Operator,
    Or,
)


def test_and_binds_tighter_than_or() -> None:
    assert parse("a OR b AND c") == Or((BareField("a"), And((BareField("b"), BareField("c")))))


def test_parentheses_override_precedence() -> None:
    assert parse("(a OR b) AND c") == And((Or((BareField("a"), BareField("b"))), BareField("c")))


def test_not_applies_to_the_nearest_condition() -> None:
    assert parse('NOT language = "fr" AND a') == And(
        (Not(Comparison("language", Operator.EQ, "fr")), BareField("a"))
    )


def test_keywords_and_field_names_ignore_case() -> None:
    assert parse('Language = "fr" and not Opted_Out_SMS or Email is not set') == parse(
        'language = "fr" AND NOT opted_out_sms OR email IS NOT SET'
    )


def test_the_examples_of_the_design_parse() -> None:
    node = parse(
        '(temporary_unemployed OR income_support) AND municipality IN ("Gent", "Antwerpen")'
    )
    assert node == And(
        (
            Or((BareField("temporary_unemployed"), BareField("income_support"))),
            InList("municipality", ("Gent", "Antwerpen")),
        )
    )
    assert parse('vaccination_date < "2021-03-01" AND email IS NOT SET') == And(
        (Comparison("vaccination_date", Operator.LT, "2021-03-01"), IsSet("email", negated=True))
    )


@pytest.mark.parametrize("operator", ["=", "!=", "<", "<=", ">", ">=", "~"])
def test_every_operator(operator: str) -> None:
    assert parse(f"age {operator} 65") == Comparison("age", Operator(operator), 65.0)


def test_strings_keep_escaped_quotes_and_numbers_are_numbers() -> None:
    assert parse(r'name = "say \"hi\""') == Comparison("name", Operator.EQ, 'say "hi"')
    assert parse("score >= -1.5") == Comparison("score", Operator.GE, -1.5)
    assert parse('x IN (1, "a")') == InList("x", (1.0, "a"))


def _error(text: str) -> SegmentSyntaxError:
    with pytest.raises(SegmentSyntaxError) as caught:
        parse(text)
    return caught.value


def test_a_missing_value_points_just_past_the_operator() -> None:
    error = _error("language = ")
    assert (error.line, error.column) == (1, 12)
    assert "expected a value" in str(error)
    assert "line 1, column 12" in str(error)


def test_an_unknown_operator_is_named_with_the_ones_that_exist() -> None:
    error = _error("age => 65")
    assert (error.line, error.column) == (1, 5)
    assert "unknown operator '=>'" in str(error) and ">=" in str(error)


def test_a_word_where_an_operator_belongs() -> None:
    error = _error('language LIKE "fr"')
    assert (error.line, error.column) == (1, 10)
    assert "expected an operator" in error.message


def test_an_unclosed_parenthesis_says_which_one() -> None:
    error = _error('language = "fr" AND\n  (age > 65 OR lives_alone')
    assert (error.line, error.column) == (2, 27)
    assert "')' to close the '(' at line 2, column 3" in error.message


def test_an_unclosed_string_points_at_its_start() -> None:
    error = _error('region = "Brussel')
    assert (error.line, error.column) == (1, 10)
    assert "unclosed string" in error.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "expected a condition"),
        ("a IS", "expected SET or NOT SET"),
        ("a IN (1,", "expected a value"),
        ("a IN 1", "expected '(' after IN"),
        ("a AND", "expected a field name"),
        ("a = 1 b", "expected AND, OR or the end of the query, found 'b'"),
        ("(a) )", "expected AND, OR or the end of the query"),
        ("a = @", "unexpected character '@'"),
    ],
)
def test_errors_say_what_was_expected(text: str, expected: str) -> None:
    assert expected in _error(text).message
