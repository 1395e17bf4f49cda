"""COPY text, the way new contacts reach PostgreSQL: whatever a file holds comes back exactly.

The lines are written by the import's worker processes (campaign/store/copy_text.py); these
tests send them through a real COPY and read the values back, on PostgreSQL, and import a
file of awkward values on both databases to see that both store the same thing.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.kernel.clock import ManualClock
from campaign.store.copy_text import copy_data, copy_line
from campaign.store.engine import Database
from tests.factories import all_contacts, run_import

_TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))
_JSON = st.dictionaries(
    _TEXT.filter(lambda key: len(key) <= 8),
    st.one_of(st.integers(-(10**12), 10**12), st.booleans(), _TEXT),
    max_size=4,
)


@pytest.fixture
def connection(postgres_url: str) -> Iterator[Any]:
    dsn = postgres_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    loop = asyncio.new_event_loop()
    conn = loop.run_until_complete(asyncpg.connect(dsn))
    loop.run_until_complete(
        conn.execute(
            "CREATE TEMP TABLE copied (t text, n bigint, b boolean, at timestamptz, j jsonb)"
        )
    )
    yield loop, conn
    loop.run_until_complete(conn.close())
    loop.close()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.one_of(st.none(), _TEXT),
    number=st.integers(-(2**62), 2**62),
    flag=st.booleans(),
    minutes=st.integers(-600, 600),
    document=_JSON,
)
def test_values_come_back_from_a_real_copy_exactly(
    connection: Any, text: str | None, number: int, flag: bool, minutes: int, document: Any
) -> None:
    loop, conn = connection
    moment = datetime(2020, 3, 15, 10, 0, 0, 123456, tzinfo=timezone(timedelta(minutes=minutes)))
    line = copy_line([text, number, flag, moment, document])

    async def round_trip() -> Any:
        await conn.execute("TRUNCATE copied")
        data = io.BytesIO(copy_data([line, line]))
        await conn.copy_to_table("copied", source=data, format="text")
        return await conn.fetch("SELECT t, n, b, at, j::text AS j FROM copied")

    rows = loop.run_until_complete(round_trip())
    assert len(rows) == 2
    row = rows[0]
    assert (row["t"], row["n"], row["b"]) == (text, number, flag)
    assert row["at"] == moment.astimezone(UTC)
    assert json.loads(row["j"]) == document


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        copy_line([datetime(2020, 1, 1)])


async def test_awkward_values_are_stored_alike_on_both_databases(
    database: Database, clock: ManualClock
) -> None:
    text = (
        "external_id;phone;language;first_name;municipality;consent_sms;consent_at;note\n"
        'w1;0470 12 34 56;nl;"Jan\\tde\tSmet";"Zand-\nhoven";ja;2020-03-15T10:00:00+01:00;'
        '"a \\N b ""quoted"" \\\\ end"\n'
        "w2;0470 12 34 57;fr;Zoë;Liège;non;;\\\n"
    )
    report = await run_import(database, clock, text)
    assert report.rejected == [] and report.created == 2
    first, second = await all_contacts(database)
    assert first["first_name"] == "Jan\\tde\tSmet"
    assert first["municipality"] == "Zand-\nhoven"  # a place the table lacks stays as written
    assert first["attributes"] == {"note": 'a \\N b "quoted" \\\\ end'}
    assert first["consent_sms_at"] == datetime(2020, 3, 15, 9, 0, tzinfo=UTC)
    assert (second["first_name"], second["consent_sms"], second["attributes"]) == (
        "Zoë",
        False,
        {"note": "\\"},
    )


async def test_a_nul_character_in_a_cell_rejects_that_row_only(
    database: Database, clock: ManualClock
) -> None:
    text = "external_id,phone,language,first_name\nn1,0470 12 34 56,nl,A\x00n\n"
    text += "n2,0470 12 34 57,nl,Bo\n"
    report = await run_import(database, clock, text)
    assert report.created == 1, report
    (rejected,) = report.rejected
    assert (rejected.line, rejected.column) == (2, "first_name")
    assert "NUL" in rejected.reason
