"""How one stored attribute value converts to another type: through its exported text, read
as an import reads a cell."""

from __future__ import annotations

import pytest

from audiences.contacts.conversion import Unconvertible, converted, same_stored, stored_text
from audiences.contacts.model import FieldType
from audiences.contacts.values import JsonValue

_T, _N, _D, _B = FieldType.TEXT, FieldType.NUMBER, FieldType.DATE, FieldType.BOOLEAN


@pytest.mark.parametrize(
    ("value", "to", "expected"),
    [
        ("0471", _N, 471),
        ("12,5", _N, 12.5),
        (" 7 ", _N, 7),
        (True, _T, "yes"),
        (False, _T, "no"),
        (471, _T, "471"),
        (1.5e-07, _T, "0.00000015"),
        ("2024-03-01", _D, "2024-03-01"),
        ("15/03/2021", _D, "2021-03-15"),  # as an import reads a Belgian date
        ("2024-03-01", _T, "2024-03-01"),
        ("ja", _B, True),
        ("non", _B, False),
        (1, _B, True),
        (0, _B, False),
    ],
)
def test_a_value_converts_through_its_text(
    value: JsonValue, to: FieldType, expected: JsonValue
) -> None:
    result = converted(value, to)
    assert same_stored(result, expected), (result, expected)


@pytest.mark.parametrize(
    ("value", "to"),
    [("onbekend", _N), (True, _N), (2, _B), ("01/03/2024x", _D), (20240301, _D), ("", _N)],
)
def test_a_value_that_is_not_of_the_new_type_does_not_convert(
    value: JsonValue, to: FieldType
) -> None:
    with pytest.raises(ValueError):
        converted(value, to)


def test_stored_values_differ_by_type_as_json_does() -> None:
    assert not same_stored(True, 1) and not same_stored(1, 1.0) and same_stored("a", "a")
    assert stored_text(False) == "no"


def test_a_refused_value_is_shown_short() -> None:
    assert str(Unconvertible(7, "x" * 100)) == f"contact 7: '{'x' * 39}…'"
    assert str(Unconvertible(3, True)) == "contact 3: 'yes'"
