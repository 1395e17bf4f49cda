"""Segment preview over 1,000,000 synthetic contacts, on PostgreSQL and on SQLite.

PostgreSQL gets a database of its own (created, then dropped), loaded with one
``INSERT … SELECT`` from ``generate_series``; SQLite a temporary file, loaded with
``executemany`` in batches. The synthetic people: four languages, ages 18 to 97, about 2 % in
households sharing a phone, some without consent, opted out or suppressed. Loading by hand
bypasses the importer, so the households are then marked as the importer would have
(``rebuild_shared_addresses``). Each figure is the median of three previews of the same query.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
from sqlalchemy import func, select, text

from audiences.contacts.fields import load_registry
from audiences.contacts.households import rebuild_shared_addresses
from audiences.segments import audience_condition
from bench.report import Section, median_line, stamp
from campaign.bootstrap import build
from campaign.kernel.channel import Channel
from campaign.kernel.identity import SYSTEM
from campaign.services import Services
from campaign.settings import load_settings
from campaign.store.engine import Database
from campaign.store.tables import contacts, metadata

CONTACTS = 1_000_000
RUNS = 3
BATCH = 20_000
POSTGRES_URL = os.environ.get(
    "CAMPAIGN_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
QUERIES = {
    "broad": "age >= 18",
    "narrow": 'language = "fr" AND age >= 65 AND NOT opted_out_sms',
}
_LANGUAGES = ("nl", "fr", "de", "en")

# One generated contact as SQL over i (1..N); households: every 50th shares the phone of i-1,
# and both have SMS consent, so the later one counts as a duplicate address.
_PG_LOAD = """
INSERT INTO contacts (id, external_id, phone, email, phone_key, email_key, language, first_name,
    time_zone, municipality, attributes, consent_sms, consent_email, opted_out_sms_at,
    created_at, updated_at)
SELECT i, 'x' || i, p.phone, e.email, md5(p.phone), md5(e.email),
    (ARRAY['nl','fr','de','en'])[1 + i % 4], 'Person' || i, 'Europe/Brussels',
    (ARRAY['Gent','Liège','Eupen','Brussel','Antwerpen'])[1 + i % 5],
    jsonb_build_object('age', 18 + i % 80, 'lives_alone', i % 3 = 0),
    i % 10 <> 1, i % 7 <> 0, CASE WHEN i % 25 = 1 THEN now() END, now(), now()
FROM generate_series(1, :n) AS i,
    LATERAL (SELECT '+3247' || lpad((CASE WHEN i % 50 = 0 THEN i - 1 ELSE i END)::text, 7, '0')
             AS phone) AS p,
    LATERAL (SELECT CASE WHEN i % 3 <> 0 THEN 'p' || i || '@example.org' END AS email) AS e
"""
_PG_SUPPRESS = """
INSERT INTO suppressions (channel, address_key, reason, created_at)
SELECT 'sms', phone_key, 'bench', now() FROM contacts WHERE id % 101 = 0
"""


def _raw(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


_COUNTS: dict[str, dict[str, str]] = {}  # engine → query → the preview's SMS counts, to compare


def _services(url: str) -> Services:
    """The root the product runs, over the benchmark's database."""
    return build(load_settings(database_url=url, secret_key="bench-" * 6))


async def _time(services: Services, query: str) -> list[float]:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = await services.segments.preview(SYSTEM, query)
        times.append(time.perf_counter() - started)
    print(f"  {query!r}: matched {result.matched}, {[f'{t:.2f}' for t in times]} s")
    sms = result.as_json()["excluded"]["sms"]
    counts = f"matched {result.matched:,}, SMS reachable {result.reachable[Channel.SMS]:,}, " + (
        ", ".join(f"{reason} {n:,}" for reason, n in sms.items())
    )
    _COUNTS.setdefault(services.database.dialect, {})[query] = counts
    return times


async def _ceiling(database: Database, query: str) -> list[float]:
    """The bare scan a preview cannot beat: counting the matching contacts, nothing more."""
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        async with database.read_session() as session:
            registry = await load_registry(session)
            condition = audience_condition(query, dict(registry))
            await session.execute(select(func.count()).select_from(contacts).where(condition))
        times.append(time.perf_counter() - started)
    return times


async def _mark_households(database: Database) -> float:
    started = time.perf_counter()
    async with database.transaction() as session:
        shared = await rebuild_shared_addresses(session)
    took = time.perf_counter() - started
    print(f"  marked {shared} shared addresses in {took:.1f} s")
    return took


async def _all(services: Services) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {}
    for label, query in QUERIES.items():
        figures[label] = await _time(services, query)
        figures[f"{label} ceiling"] = await _ceiling(services.database, query)
    return figures


async def _postgres() -> tuple[float, float, dict[str, list[float]]]:
    name = f"campaign_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_raw(POSTGRES_URL))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    services = _services(url)
    database = services.database
    try:
        started = time.perf_counter()
        async with database.connect() as conn:
            await conn.run_sync(metadata.create_all)
            await conn.execute(text(_PG_LOAD), {"n": CONTACTS})
            await conn.execute(text(_PG_SUPPRESS))
            await conn.execute(text("INSERT INTO fields VALUES ('age', 'number', '{}')"))
            await conn.execute(text("INSERT INTO fields VALUES ('lives_alone', 'boolean', '{}')"))
        marking = await _mark_households(database)
        async with database.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
        load = time.perf_counter() - started
        print(f"PostgreSQL: loaded {CONTACTS} contacts in {load:.1f} s")
        return load, marking, await _all(services)
    finally:
        await services.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def _sqlite_rows() -> Iterator[tuple[object, ...]]:
    now = "2021-03-01 09:00:00.000000"
    for i in range(1, CONTACTS + 1):
        phone = f"+3247{(i - 1 if i % 50 == 0 else i):07d}"
        email = f"p{i}@example.org" if i % 3 else None
        attributes = json.dumps({"age": 18 + i % 80, "lives_alone": i % 3 == 0})
        yield (
            i,
            f"x{i}",
            phone,
            email,
            f"k{phone}",
            f"k{email}" if email else None,
            _LANGUAGES[i % 4],
            f"Person{i}",
            "Europe/Brussels",
            ("Gent", "Liège", "Eupen", "Brussel", "Antwerpen")[i % 5],
            attributes,
            i % 10 != 1,
            i % 7 != 0,
            now if i % 25 == 1 else None,
            now,
            now,
        )


def _load_sqlite(path: Path) -> None:
    connection = sqlite3.connect(path)
    columns = (
        "id, external_id, phone, email, phone_key, email_key, language, first_name, time_zone, "
        "municipality, attributes, consent_sms, consent_email, opted_out_sms_at, created_at, "
        "updated_at"
    )
    statement = f"INSERT INTO contacts ({columns}) VALUES ({', '.join('?' * 16)})"
    with connection:
        rows = _sqlite_rows()
        while batch := [row for _, row in zip(range(BATCH), rows, strict=False)]:
            connection.executemany(statement, batch)
        connection.execute(
            "INSERT INTO suppressions (channel, address_key, reason, created_at) "
            "SELECT 'sms', phone_key, 'bench', created_at FROM contacts WHERE id % 101 = 0"
        )
        connection.execute("INSERT INTO fields VALUES ('age', 'number', '{}')")
        connection.execute("INSERT INTO fields VALUES ('lives_alone', 'boolean', '{}')")
    connection.close()


async def _sqlite() -> tuple[float, float, dict[str, list[float]]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        services = _services(f"sqlite+aiosqlite:///{path}")
        database = services.database
        try:
            async with database.connect() as conn:
                await conn.run_sync(metadata.create_all)
            started = time.perf_counter()
            await asyncio.to_thread(_load_sqlite, path)
            marking = await _mark_households(database)
            async with database.connect() as conn:
                await conn.execute(text("ANALYZE"))
            load = time.perf_counter() - started
            print(f"SQLite: loaded {CONTACTS} contacts in {load:.1f} s")
            return load, marking, await _all(services)
        finally:
            await services.close()


async def _measure() -> Section:
    pg_load, pg_marking, pg = await _postgres()
    sqlite_load, sqlite_marking, lite = await _sqlite()
    lines = [
        stamp(),
        "",
        f"Preview (all counts and a 5-contact masked sample) over {CONTACTS:,} contacts. "
        "Targets: 1 s on PostgreSQL, 3 s on SQLite.",
        "",
        "| what | median | runs (s) |",
        "|---|---|---|",
    ]
    for label, query in QUERIES.items():
        for name, figures in (("PostgreSQL", pg), ("SQLite", lite)):
            lines.append(median_line(f"{name}, {label}: `{query}`", figures[label], "s"))
            lines.append(
                median_line(
                    f"{name}, ceiling: `count(*)` of the same query",
                    figures[f"{label} ceiling"],
                    "s",
                )
            )
    lines += [
        "",
        f"Loading the synthetic contacts took {pg_load:.1f} s on PostgreSQL (one INSERT … SELECT "
        f"and VACUUM ANALYZE) and {sqlite_load:.1f} s on SQLite (executemany in batches of "
        f"{BATCH:,}, then ANALYZE); that is set-up, not part of the figures. It includes marking "
        "the households from scratch, as `campaign db rebuild-households` does: "
        f"{pg_marking:.1f} s on PostgreSQL, {sqlite_marking:.1f} s on SQLite.",
        "",
        "What the previews counted (the same on both databases, or the line says so):",
        "",
    ]
    for query in QUERIES.values():
        counts = {engine: by_query[query] for engine, by_query in _COUNTS.items()}
        agree = len(set(counts.values())) == 1
        shown = next(iter(counts.values())) if agree else f"DIFFERENT: {counts}"
        lines.append(f"- `{query}`: {shown}")
    return Section("Segment preview: 1,000,000 contacts", lines)


def run() -> Section:
    return asyncio.run(_measure())
