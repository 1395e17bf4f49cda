"""Typed values from CSV text: booleans in several languages, numbers, dates (ISO or Belgian).

Pure functions shared by the importer (typing attributes) and the segment compiler.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, datetime, tzinfo

from audiences.contacts.dates import parse_belgian_moment, parse_day
from audiences.contacts.model import FieldType
from audiences.importing.cells import unwrap_cell

TRUE_WORDS = frozenset({"yes", "ja", "oui", "true", "1"})
FALSE_WORDS = frozenset({"no", "nee", "non", "nein", "false", "0"})
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d+)?|[.,]\d+)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

JsonValue = str | float | int | bool


def parse_boolean(text: str) -> bool:
    """``yes``/``ja``/``oui``/``true``/``1``… or their opposites; ValueError otherwise."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    words = "ja/nee, oui/non, ja/nein, true/false, 1/0"
    raise ValueError(f"expected yes or no ({words}), got {text!r}")


def parse_number(text: str) -> int | float:
    """An integer or decimal; a decimal comma is accepted (Belgian spreadsheets write one)."""
    word = text.strip()
    if not _NUMBER.fullmatch(word):
        raise ValueError(f"expected a number, got {text!r}")
    word = word.replace(",", ".")
    number = float(word)
    if not math.isfinite(number):
        raise ValueError(f"a number too large to store: {text[:20]!r}…")
    return int(number) if number.is_integer() and "." not in word else number


def parse_date(text: str) -> date:
    """An ISO date, ``YYYY-MM-DD``."""
    word = text.strip()
    if not _ISO_DATE.fullmatch(word):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {text!r}")
    try:
        return date.fromisoformat(word)
    except ValueError as exc:
        raise ValueError(f"not a real date: {text!r}") from exc


def parse_datetime(text: str, default_zone: tzinfo) -> datetime:
    """An ISO date and time, or a Belgian ``15/03/2020 10:00``; without an offset it is local
    time in ``default_zone``."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        belgian = parse_belgian_moment(text, default_zone)
        if belgian is not None:
            return belgian
        raise ValueError(
            f"expected an ISO date and time such as 2020-03-15T10:00:00+01:00, got {text!r}"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default_zone)
    return moment


def parse_typed(text: str, type_: FieldType) -> JsonValue:
    """The JSON value stored for ``text`` as a ``type_`` attribute; ValueError if it is not one."""
    if type_ is FieldType.NUMBER:
        return parse_number(text)
    if type_ is FieldType.DATE:
        return parse_day(text).isoformat()  # a file may write 15/03/2021 (dates.py)
    if type_ is FieldType.BOOLEAN:
        return parse_boolean(text)
    return text.strip()


def _all_parse(values: list[str], type_: FieldType) -> bool:
    try:
        for value in values:
            parse_typed(value, type_)
    except ValueError:
        return False
    return True


def infer_type(values: Iterable[str]) -> FieldType | None:
    """The narrowest type all non-empty values fit; None when every value is empty."""
    present = [v for v in values if v.strip()]
    if not present:
        return None
    for type_ in (FieldType.NUMBER, FieldType.DATE, FieldType.BOOLEAN):
        if _all_parse(present, type_):
            return type_
    return FieldType.TEXT


_REMEMBERED_VALUES = 1000  # distinct values a guess remembers: bounded, so memory stays flat


class TypeGuess:
    """``infer_type`` fed one value at a time, so a column is typed without keeping its values."""

    __slots__ = ("_candidates", "_present", "_seen")

    def __init__(self) -> None:
        self._candidates = [FieldType.NUMBER, FieldType.DATE, FieldType.BOOLEAN]
        self._present = False
        self._seen: set[str] = set()  # most columns repeat a few values: ja/nee, ages, dates

    def see(self, value: str) -> None:
        value = unwrap_cell(value)
        if not self._candidates or value in self._seen:
            self._present = self._present or bool(value.strip())
            return
        if len(self._seen) < _REMEMBERED_VALUES:
            self._seen.add(value)
        if not value.strip():
            return
        self._present = True
        self._candidates = [t for t in self._candidates if _all_parse([value], t)]

    def result(self) -> FieldType | None:
        if not self._present:
            return None
        return self._candidates[0] if self._candidates else FieldType.TEXT
