"""Days as people write them in contact files: ISO, or the Belgian day-month-year.

Belgian spreadsheets write ``15/03/2021`` (also ``5/3/2021``, ``15.03.2021``, ``15-03-2021``);
the day always comes first, never the month, so ``03/15/2021`` is not a date. A year has four
digits: ``15/03/21`` could be 1921 or 2021. Pure functions; the importer stores every day as
ISO ``YYYY-MM-DD`` text, which the segment language compares as a date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# One separator, the same twice; an optional time after a space (for consent_at).
_BELGIAN_DAY = re.compile(
    r"(?P<day>\d{1,2})(?P<sep>[/.-])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4})"
    r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
)
DAY_FORMS = "YYYY-MM-DD or DD/MM/YYYY"


def parse_day(text: str) -> date:
    """``2021-03-15``, ``15/03/2021``, ``5/3/2021``, ``15.03.2021`` or ``15-03-2021``."""
    word = text.strip()
    if _ISO_DAY.fullmatch(word):
        try:
            return date.fromisoformat(word)
        except ValueError as exc:
            raise ValueError(f"not a real date: {text!r}") from exc
    found = _BELGIAN_DAY.fullmatch(word)
    if found is None or found["hour"] is not None:
        raise ValueError(f"expected a date as {DAY_FORMS}, got {text!r}")
    return _belgian_day(found, text)


def parse_belgian_moment(text: str, zone: tzinfo) -> datetime | None:
    """``15/03/2021`` or ``15/03/2021 10:30[:00]`` as local time in ``zone``; None if not so
    written. ValueError when it is so written but no such day or time exists."""
    found = _BELGIAN_DAY.fullmatch(text.strip())
    if found is None:
        return None
    day = _belgian_day(found, text)
    hour, minute, second = (int(found[part] or 0) for part in ("hour", "minute", "second"))
    try:
        moment = time(hour, minute, second)
    except ValueError as exc:
        raise ValueError(f"not a real time of day: {text!r}") from exc
    return datetime.combine(day, moment, tzinfo=zone)


def _belgian_day(found: re.Match[str], text: str) -> date:
    day, month, year = int(found["day"]), int(found["month"]), int(found["year"])
    try:
        return date(year, month, day)
    except ValueError as exc:
        why = f"there is no month {month}" if not 1 <= month <= 12 else f"no day {day} then"
        reason = f"not a real date: {text!r} (read as day/month/year: {why})"
        raise ValueError(reason) from exc
