"""The years a moment the service takes in may fall in (docs/decisions/0031).

Python's dates end at year 1 and 9999; a moment at either edge has no UTC equivalent or no next
day (``0001-01-01T00:00+05:00``, ``9999-12-31`` plus a send window), and the arithmetic that
follows fails far from the input. Moments from outside (API bodies, consent dates in a contact
file) are held to these years instead, with room on both sides for any time zone or window.
"""

from __future__ import annotations

from datetime import datetime

EARLIEST_YEAR = 1900
LATEST_YEAR = 2999


def in_calendar(moment: datetime) -> datetime:
    """``moment`` unchanged, or ValueError when its year is outside the service's calendar."""
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValueError(f"must be between {EARLIEST_YEAR}-01-01 and {LATEST_YEAR}-12-31")
    return moment
