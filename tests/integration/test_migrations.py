"""Migrations build the schema from nothing on both databases, and agree with the tables."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import Connection

from campaign.store.engine import Database, create_engine
from campaign.store.migrate import (
    MIGRATIONS,
    current_revision,
    head_revision,
    is_current,
    upgrade,
)
from campaign.store.tables import (
    campaign_measures,
    campaigns,
    contact_partners,
    contacts,
    measures,
    metadata,
    partners,
    shared_addresses,
    template_versions,
    templates,
)


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """A database with nothing in it: a fresh SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return sqlite_url
    return str(request.getfixturevalue("empty_postgres_url"))


@pytest.fixture
async def empty_database(empty_url: str) -> AsyncIterator[Database]:
    """The database at ``empty_url``, emptied (the PostgreSQL one lasts the whole session)."""
    db = Database(create_engine(empty_url, pool_size=2))
    if not db.is_sqlite:
        async with db.connect() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    yield db
    await db.dispose()


async def test_an_empty_database_is_not_current(empty_database: Database) -> None:
    assert await current_revision(empty_database) is None
    assert not await is_current(empty_database)


async def test_upgrade_from_empty_matches_the_tables(
    empty_url: str, empty_database: Database
) -> None:
    await upgrade(empty_url)

    assert await current_revision(empty_database) == head_revision()
    assert await is_current(empty_database)
    async with empty_database.engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


async def test_upgrading_twice_keeps_the_data(empty_url: str, empty_database: Database) -> None:
    await upgrade(empty_url)
    now = datetime.now(UTC)
    async with empty_database.transaction() as session:
        await session.execute(
            insert(partners).values(slug="ocmw-gent", name="OCMW Gent", created_at=now)
        )

    await upgrade(empty_url)

    assert await is_current(empty_database)
    async with empty_database.read_session() as session:
        assert await session.scalar(select(func.count()).select_from(partners)) == 1


async def _upgrade_in_a_process_of_its_own(url: str) -> int:
    code = "import asyncio, sys; from campaign.store.migrate import upgrade; "
    code += "asyncio.run(upgrade(sys.argv[1]))"
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", code, url)
    return await process.wait()


@pytest.mark.slow
async def test_two_processes_upgrading_at_once_take_turns(
    empty_url: str, empty_database: Database
) -> None:
    # Opened once first: two processes switching a new SQLite file to WAL at once is another
    # race (engine.py's connect hook), not the one this test is about.
    assert await current_revision(empty_database) is None
    first, second = await asyncio.gather(
        _upgrade_in_a_process_of_its_own(empty_url), _upgrade_in_a_process_of_its_own(empty_url)
    )

    assert (first, second) == (0, 0)
    assert await is_current(empty_database)


_REBUILD_CONTACTS = """
from alembic import op

revision = "9999"
down_revision = "{head}"


def upgrade() -> None:
    with op.batch_alter_table("contacts", recreate="always"):
        pass
"""


async def _a_contact_of_a_partner(database: Database) -> None:
    now = datetime.now(UTC)
    async with database.transaction() as session:
        await session.execute(insert(partners).values(id=1, slug="p", name="P", created_at=now))
        await session.execute(
            insert(contacts).values(
                id=1,
                language="nl",
                time_zone="Europe/Brussels",
                attributes={},
                consent_sms=False,
                consent_email=False,
                created_at=now,
                updated_at=now,
            )
        )
        await session.execute(insert(contact_partners).values(contact_id=1, partner_id=1))


async def test_a_sqlite_table_rebuild_keeps_the_rows_that_refer_to_it(
    sqlite_url: str, tmp_path: Path
) -> None:
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, scripts)
    (scripts / "versions" / "9999_rebuild.py").write_text(
        _REBUILD_CONTACTS.format(head=head_revision())
    )
    await upgrade(sqlite_url)
    database = Database(create_engine(sqlite_url))
    try:
        await _a_contact_of_a_partner(database)

        # Batch mode copies contacts, drops the table and renames the copy; the drop must not
        # cascade into contact_partners.
        await upgrade(sqlite_url, scripts)

        async with database.read_session() as session:
            assert await session.scalar(select(func.count()).select_from(contact_partners)) == 1
    finally:
        await database.dispose()


async def _two_contacts_sharing_a_phone(database: Database) -> None:
    now = datetime.now(UTC)
    common = {
        "language": "nl",
        "time_zone": "Europe/Brussels",
        "attributes": {},
        "consent_sms": True,
        "consent_email": False,
        "created_at": now,
        "updated_at": now,
    }
    async with database.transaction() as session:
        for i, key in enumerate(("shared", "shared", "alone"), start=1):
            await session.execute(
                insert(contacts).values(id=i, phone=f"+3247000000{i}", phone_key=key, **common)
            )


async def test_upgrading_marks_the_households_already_there(
    empty_url: str, empty_database: Database, tmp_path: Path
) -> None:
    scripts = tmp_path / "migrations"

    def later(_: str, names: list[str]) -> set[str]:  # 0003 and every revision after it
        return {n for n in names if n[:4].isdigit() and int(n[:4]) >= 3}

    shutil.copytree(MIGRATIONS, scripts, ignore=later)
    await upgrade(empty_url, scripts)
    assert await current_revision(empty_database) == "0002"
    await _two_contacts_sharing_a_phone(empty_database)

    await upgrade(empty_url)

    async with empty_database.read_session() as session:
        marked = (await session.execute(select(shared_addresses))).all()
    assert [tuple(row) for row in marked] == [("sms", "shared")]


async def test_address_keys_are_hash_indexed_on_postgresql(empty_postgres_url: str) -> None:
    database = Database(create_engine(empty_postgres_url, pool_size=1))
    try:
        async with database.connect() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await upgrade(empty_postgres_url)
        async with database.connect() as connection:
            rows = await connection.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'contacts'")
            )
            definitions = {name: definition for name, definition in rows}
    finally:
        await database.dispose()
    for column in ("phone_key", "email_key"):
        assert f"USING hash ({column})" in definitions[f"ix_contacts_{column}"]


async def _an_approved_and_a_draft_campaign(database: Database) -> None:
    now = datetime.now(UTC)
    async with database.transaction() as session:
        await session.execute(insert(templates).values(id=1, slug="t", name="T", created_at=now))
        await session.execute(
            insert(template_versions).values(id=1, template_id=1, version=1, created_at=now)
        )
        await session.execute(
            insert(measures).values(
                id=7,
                slug="energy",
                level="federal",
                theme="energy",
                status="new",
                contact_point="1700",
                eligibility="temporary_unemployed",
                translations={"nl": {"title": "Hulp", "summary": "Geld."}},
                created_at=now,
                updated_at=now,
            )
        )
        for campaign_id, state in ((1, "scheduled"), (2, "draft")):
            await session.execute(
                insert(campaigns).values(
                    id=campaign_id,
                    name=state,
                    state=state,
                    template_version_id=1,
                    audience_query="language IS SET",
                    channels=["sms"],
                    language_fallback=["nl"],
                    starts_at=now,
                    rate_per_second=10,
                    created_at=now,
                    updated_at=now,
                )
            )
            await session.execute(
                insert(campaign_measures).values(campaign_id=campaign_id, measure_id=7)
            )


async def test_upgrading_pins_the_measures_of_campaigns_already_approved(
    empty_url: str, empty_database: Database, tmp_path: Path
) -> None:
    scripts = tmp_path / "migrations"

    def later(_: str, names: list[str]) -> set[str]:  # 0010 and every revision after it
        return {n for n in names if n[:4].isdigit() and int(n[:4]) >= 10}

    shutil.copytree(MIGRATIONS, scripts, ignore=later)
    await upgrade(empty_url, scripts)
    await _an_approved_and_a_draft_campaign(empty_database)

    await upgrade(empty_url)

    async with empty_database.read_session() as session:
        rows = await session.execute(
            select(campaigns.c.state, campaigns.c.pinned_measures).order_by(campaigns.c.id)
        )
        pinned = {state: value for state, value in rows}
    assert pinned["draft"] is None  # still reads the catalogue until approved
    assert pinned["scheduled"] == [
        {
            "measure_id": 7,
            "slug": "energy",
            "eligibility": "temporary_unemployed",
            "texts": {
                "nl": {
                    "title": "Hulp",
                    "summary": "Geld.",
                    "how_to": "",
                    "amount": "",
                    "contact_point": "1700",
                    "link": "",
                }
            },
        }
    ]


async def test_upgrading_clears_spend_caps_that_are_not_numbers(
    empty_url: str, empty_database: Database, tmp_path: Path
) -> None:
    scripts = tmp_path / "migrations"

    def later(_: str, names: list[str]) -> set[str]:  # 0012 and every revision after it
        return {n for n in names if n[:4].isdigit() and int(n[:4]) >= 12}

    shutil.copytree(MIGRATIONS, scripts, ignore=later)
    await upgrade(empty_url, scripts)
    await _an_approved_and_a_draft_campaign(empty_database)
    async with empty_database.transaction() as session:
        await session.execute(
            update(campaigns).where(campaigns.c.id == 1).values(spend_cap=float("inf"))
        )
        await session.execute(update(campaigns).where(campaigns.c.id == 2).values(spend_cap=5.0))

    await upgrade(empty_url)

    async with empty_database.read_session() as session:
        caps = dict((await session.execute(select(campaigns.c.id, campaigns.c.spend_cap))).all())
    assert caps == {1: None, 2: 5.0}
