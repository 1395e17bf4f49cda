"""What the database refuses of its input comes out of ``Database`` as the service's own errors
(campaign/store/refusals.py), on SQLite and PostgreSQL: a 4xx at the HTTP boundary and one line
from the CLI, not a 500. What is our fault (a NOT NULL we forgot) stays a database error."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from campaign.kernel.clock import ManualClock
from campaign.kernel.errors import Conflict, InvalidInput
from campaign.store.engine import Database
from campaign.store.tables import partners, segments
from tests.factories import partner_row


def _segment(clock: ManualClock, **values: Any) -> dict[str, Any]:
    now = clock.now()
    return {"name": "Gent", "query": "region IS SET", "created_at": now, "updated_at": now} | values


async def _insert_segment(database: Database, clock: ManualClock, **values: Any) -> None:
    async with database.transaction() as session:
        await session.execute(insert(segments).values(_segment(clock, **values)))


async def test_an_integer_beyond_64_bits_is_invalid_input(
    database: Database, clock: ManualClock
) -> None:
    with pytest.raises(InvalidInput, match="64 bits"):
        await _insert_segment(database, clock, owner_partner_id=2**63)
    with pytest.raises(InvalidInput, match="64 bits"):
        async with database.read_session() as session:
            await session.execute(select(segments).where(segments.c.id == 2**64))


async def test_a_reference_to_nothing_is_invalid_input_and_removing_what_is_used_a_conflict(
    database: Database, clock: ManualClock
) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        await _insert_segment(database, clock, owner_partner_id=404)
    partner = await partner_row(database, clock, "ngo")
    await _insert_segment(database, clock, owner_partner_id=partner)
    with pytest.raises(Conflict, match="still in use"):
        async with database.transaction() as session:
            await session.execute(delete(partners).where(partners.c.id == partner))


async def test_a_second_one_with_a_unique_value_is_a_conflict_naming_it(
    database: Database, clock: ManualClock
) -> None:
    await partner_row(database, clock, "ngo")
    with pytest.raises(Conflict, match="already one with this slug"):
        await partner_row(database, clock, "ngo")


async def test_text_the_column_cannot_hold_is_invalid_input_on_postgresql(
    database: Database, clock: ManualClock
) -> None:
    if database.is_sqlite:
        # SQLite stores any length and NUL characters: nothing to refuse, nothing lost (the
        # API refuses both before they get here, tests/integration/test_bad_input.py).
        await _insert_segment(database, clock, name="G" * 201, query="region = \x00")
        async with database.read_session() as session:
            stored = (await session.execute(select(segments.c.name, segments.c.query))).one()
        assert tuple(stored) == ("G" * 201, "region = \x00")
        return
    with pytest.raises(InvalidInput, match="longer than its field"):
        await _insert_segment(database, clock, name="G" * 201)
    with pytest.raises(InvalidInput, match="NUL"):
        await _insert_segment(database, clock, query="region = \x00")
    with pytest.raises(InvalidInput, match="NUL"):
        async with database.read_session() as session:
            await session.execute(select(segments).where(segments.c.name == "\x00"))


async def test_a_fault_of_ours_stays_a_database_error(
    database: Database, clock: ManualClock
) -> None:
    with pytest.raises(IntegrityError):
        await _insert_segment(database, clock, name=None)


async def test_a_moment_outside_the_calendar_is_invalid_input(
    database: Database, clock: ManualClock
) -> None:
    edge = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))  # no UTC time
    with pytest.raises(InvalidInput, match="out of range"):
        await _insert_segment(database, clock, created_at=edge)


async def test_an_error_of_ours_that_wraps_a_refusal_is_left_as_it_is(
    database: Database, clock: ManualClock
) -> None:
    partner = await partner_row(database, clock, "ngo")
    await _insert_segment(database, clock, owner_partner_id=partner)
    with pytest.raises(LookupError, match="in use"):
        async with database.transaction() as session:
            try:
                async with session.begin_nested():
                    await session.execute(delete(partners).where(partners.c.id == partner))
            except IntegrityError as exc:
                raise LookupError("in use") from exc
