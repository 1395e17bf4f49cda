"""Households are marked as contacts come in, so previews count them right, on SQLite and
PostgreSQL: across import chunks and imports, after an update, after an erasure, when two
imports write at once, and after a load by hand once they are rebuilt."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.households import rebuild_shared_addresses, record_shared_addresses
from audiences.importing.importer import CHUNK_SIZE
from audiences.segments.preview import preview
from campaign.kernel.clock import ManualClock
from campaign.store.engine import Database, create_engine
from campaign.store.migrate import upgrade
from campaign.store.tables import contacts, shared_addresses
from tests.api_client import Api
from tests.conftest import _truncate_all
from tests.factories import KEYS, all_contacts, csv_text, person, run_import

P, Q = "+32470000001", "+32470000002"
E = "an@example.org"


async def _shared(database: Database) -> set[tuple[str, str]]:
    async with database.read_session() as session:
        rows = await session.execute(select(shared_addresses))
        return {(r.channel, r.address_key) for r in rows}


async def _everyone(database: Database) -> dict[str, Any]:
    return (await preview(database, "language IS SET", partner_id=None)).as_json()


async def test_a_phone_shared_across_two_chunks_of_one_import_is_one_household(
    database: Database, clock: ManualClock
) -> None:
    # The first and the last row share a phone; CHUNK_SIZE rows apart, they are written by
    # two transactions, so the first chunk cannot know the phone will be shared.
    rows = [person(external_id="x0", phone=P, first_name="An")]
    rows += [person(external_id=f"f{i}", phone=f"+3247{i + 10:07d}") for i in range(CHUNK_SIZE)]
    rows += [person(external_id="last", phone=P, first_name="Mia")]

    report = await run_import(database, clock, csv_text(rows))

    assert report.created == CHUNK_SIZE + 2
    result = await _everyone(database)
    assert result["matched"] == CHUNK_SIZE + 2
    assert result["excluded"]["sms"]["duplicate_address"] == 1  # Mia: An gets the one SMS
    assert result["reachable"]["sms"] == CHUNK_SIZE + 1
    assert await _shared(database) == {("sms", KEYS.key("sms", P))}


async def test_a_second_import_that_shares_a_phone_makes_a_household(
    database: Database, clock: ManualClock
) -> None:
    await run_import(database, clock, csv_text([person(external_id="an", phone=P)]))
    assert (await _everyone(database))["reachable"]["sms"] == 1

    await run_import(
        database, clock, csv_text([person(external_id="mia", phone=P, first_name="Mia")])
    )

    result = await _everyone(database)
    assert (result["matched"], result["reachable"]["sms"]) == (2, 1)
    assert result["excluded"]["sms"]["duplicate_address"] == 1


async def test_an_update_that_gives_a_housemates_email_makes_a_household(
    database: Database, clock: ManualClock
) -> None:
    first = [
        person(external_id="an", phone=P, email=E, consent_email="ja"),
        person(external_id="jan", phone=Q, first_name="Jan", consent_email="ja"),
    ]
    await run_import(database, clock, csv_text(first))
    assert (await _everyone(database))["reachable"]["email"] == 1

    # Jan is there already: this import updates him, it creates nobody.
    second = [person(external_id="jan", phone=Q, email=E, first_name="Jan", consent_email="ja")]
    report = await run_import(database, clock, csv_text(second))

    assert (report.created, report.updated) == (0, 1)
    result = await _everyone(database)
    assert result["reachable"]["email"] == 1
    assert result["excluded"]["email"]["duplicate_address"] == 1
    assert result["reachable"]["sms"] == 2  # their phones still differ


async def test_a_dry_run_marks_nothing(database: Database, clock: ManualClock) -> None:
    rows = [person(external_id="an", phone=P), person(external_id="mia", phone=P)]
    await run_import(database, clock, csv_text(rows), dry_run=True)
    assert await _shared(database) == set()


async def test_erasing_one_of_two_housemates_leaves_the_other_reachable(api: Api) -> None:
    rows = [
        person(external_id="an", phone=P, first_name="An"),
        person(external_id="mia", phone=P, first_name="Mia"),
    ]
    status, _ = await _import(api, csv_text(rows))
    assert status == 200
    before = await _preview(api)
    assert (before["reachable"]["sms"], before["excluded"]["sms"]["duplicate_address"]) == (1, 1)

    an = min(c["id"] for c in await all_contacts(api.services.database))
    status, _, _ = await api.call("DELETE", f"/api/v1/contacts/{an}")
    assert status == 204

    after = await _preview(api)
    assert after["matched"] == 1
    assert after["reachable"]["sms"] == 1  # Mia now gets the SMS An would have had
    assert after["excluded"]["sms"]["duplicate_address"] == 0
    # The phone is still marked as shared: the mark only sends Mia the exact way.
    assert len(await _shared(api.services.database)) == 1


async def _import(api: Api, data: str) -> tuple[int, object]:
    status, body, _ = await api.call("POST", "/api/v1/contacts/import", data=data.encode())
    return status, body


async def _preview(api: Api) -> dict[str, Any]:
    status, body, _ = await api.call(
        "POST", "/api/v1/segments/preview", json={"query": "language IS SET"}
    )
    assert status == 200
    return dict(body)


async def _bare_contact(database: Database, clock: ManualClock, phone: str) -> None:
    """A contact written as a hand-made load would: without marking its household."""
    async with database.transaction() as session:
        await _bare_contact_in(session, clock, phone)


async def _bare_contact_in(session: AsyncSession, clock: ManualClock, phone: str) -> None:
    now = clock.now()
    await session.execute(
        insert(contacts).values(
            phone=phone,
            phone_key=KEYS.key("sms", phone),
            language="nl",
            time_zone="Europe/Brussels",
            attributes={},
            consent_sms=True,
            consent_email=False,
            created_at=now,
            updated_at=now,
        )
    )


async def test_a_rebuild_marks_what_a_load_by_hand_left_out_and_drops_what_is_stale(
    database: Database, clock: ManualClock
) -> None:
    for phone in (P, P, Q):
        await _bare_contact(database, clock, phone)
    async with database.transaction() as session:
        await session.execute(insert(shared_addresses).values(channel="sms", address_key="old"))
    assert (await _everyone(database))["excluded"]["sms"]["duplicate_address"] == 0  # wrong

    async with database.transaction() as session:
        assert await rebuild_shared_addresses(session) == 1

    assert await _shared(database) == {("sms", KEYS.key("sms", P))}
    assert (await _everyone(database))["excluded"]["sms"]["duplicate_address"] == 1


def test_the_rebuild_command_marks_households(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    clock = ManualClock()

    async def load() -> None:
        await upgrade(url)
        database = Database(create_engine(url))
        for phone in (P, P):
            await _bare_contact(database, clock, phone)
        await database.dispose()

    asyncio.run(load())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAMPAIGN_", "TWILIO_"))}
    result = subprocess.run(
        [sys.executable, "-m", "campaign", "db", "rebuild-households"],
        env=env | {"CAMPAIGN_DATABASE_URL": url},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1 shared addresses"


@pytest.fixture
async def postgres(postgres_url: str) -> AsyncIterator[Database]:
    database = Database(create_engine(postgres_url, pool_size=5))
    await _truncate_all(database)
    yield database
    await database.dispose()


async def test_two_imports_giving_one_phone_to_two_people_at_once_make_a_household(
    postgres: Database, clock: ManualClock
) -> None:
    # Neither transaction sees the other's contact: each alone would count one holder.
    written = [{"phone_key": KEYS.key("sms", P)}]
    async with AsyncSession(postgres.engine) as first, AsyncSession(postgres.engine) as second:
        await _bare_contact_in(first, clock, P)
        await record_shared_addresses(first, written)
        await _bare_contact_in(second, clock, P)
        recording = asyncio.create_task(record_shared_addresses(second, written))
        for _ in range(1000):  # until it has counted, or waits to (ten seconds at most)
            if recording.done() or await _someone_waits_for_a_lock(postgres):
                break
            await asyncio.sleep(0.01)
        await first.commit()
        await recording
        await second.commit()

    assert await _shared(postgres) == {("sms", KEYS.key("sms", P))}
    assert (await _everyone(postgres))["excluded"]["sms"]["duplicate_address"] == 1


async def _someone_waits_for_a_lock(database: Database) -> bool:
    async with database.read_session() as session:
        waiting = await session.scalar(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        )
        return bool(waiting)
