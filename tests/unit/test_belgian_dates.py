"""Dates as Belgian files write them: the day first, never the month."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from audiences.contacts.model import FieldType
from audiences.contacts.values import infer_type, parse_datetime, parse_typed

BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.mark.parametrize(
    "written", ["05/03/2021", "5/3/2021", "05.03.2021", "05-03-2021", " 5/03/2021 "]
)
def test_a_day_written_the_belgian_way_is_a_date(written: str) -> None:
    assert parse_typed(written, FieldType.DATE) == "2021-03-05"


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("03/15/2021", "no month 15"),  # month first: never read so
        ("31/04/2021", "no day 31"),
        ("15/03/21", "YYYY-MM-DD or DD/MM/YYYY"),  # 1921 or 2021?
        ("15/03-2021", "YYYY-MM-DD or DD/MM/YYYY"),
    ],
)
def test_a_day_that_is_not_one_is_refused_with_the_reason(written: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_typed(written, FieldType.DATE)


def test_a_column_of_belgian_days_is_typed_as_dates() -> None:
    assert infer_type(["15/03/2021", "1/4/2021", "", "31.12.2020"]) is FieldType.DATE
    # A month-first date among them makes the column text: nothing is read as mm/dd.
    assert infer_type(["15/03/2021", "03/15/2021"]) is FieldType.TEXT


def test_consent_at_may_be_a_belgian_day_with_or_without_a_time() -> None:
    assert parse_datetime("15/03/2020", BRUSSELS) == datetime(2020, 3, 15, tzinfo=BRUSSELS)
    assert parse_datetime("15/03/2020 10:30", BRUSSELS) == datetime(
        2020, 3, 15, 10, 30, tzinfo=BRUSSELS
    )
    with pytest.raises(ValueError, match="not a real time"):
        parse_datetime("15/03/2020 25:00", BRUSSELS)
    with pytest.raises(ValueError, match="ISO date and time"):
        parse_datetime("tomorrow", BRUSSELS)
