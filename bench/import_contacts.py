"""Importing 1,000,000 generated contacts into PostgreSQL and into SQLite: rows per second and
peak resident memory, against a ceiling measured in the same run.

The ceiling reads the same file with the csv module and writes its raw values, unchecked and
unmatched, in chunks of 5,000 with the fastest bulk path each database has (``COPY`` on
PostgreSQL, ``executemany`` of the sqlite3 module on SQLite): what reading and writing alone
cost. Its address keys are plain SHA-256 hashes of the raw values, as random as the real ones,
so the indexes cost the same to keep up.

Each run imports a fresh database (PostgreSQL: a database of its own, created and dropped;
SQLite: a temporary file) in a child process, so the peak memory of one run is its own. The
file is generated once, streamed to disk. ``BENCH_IMPORT_ROWS`` and ``BENCH_IMPORT_RUNS``
change the size and the number of runs (fewer runs when one takes more than three minutes).
One more import of a file a tenth the size shows whether memory grows with the file.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from bench.report import Section, median_line, stamp

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))
RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "3"))
POSTGRES = os.environ.get(
    "CAMPAIGN_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
COLUMNS = (
    "external_id",
    "phone",
    "email",
    "language",
    "first_name",
    "consent_sms",
    "consent_email",
    "postcode",
    "municipality",
    "region",
    "age",
    "lives_alone",
    "temporary_unemployed",
)
_PLACES = [
    ("9000", "Gent", "Vlaanderen"),
    ("4000", "Liège", "Wallonie"),
    ("1000", "Brussel", "Brussel"),
]
_NAMES = ["An", "Jan", "Marie", "Luc", "Jürgen", "Zoë", "Fatima", "Ayşe"]


def write_file(path: Path, rows: int) -> None:
    """A realistic semicolon-delimited Belgian export, written row by row."""
    rng = random.Random(11)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(COLUMNS)
        for i in range(rows):
            postcode, municipality, region = rng.choice(_PLACES)
            has_email = rng.random() < 0.6
            writer.writerow(
                (
                    f"b{i}",
                    f"04{70 + i % 10} {i // 10000 % 100:02d} {i // 100 % 100:02d} {i % 100:02d}",
                    f"person{i}@example.org" if has_email else "",
                    rng.choice(("nl", "fr", "de", "en")),
                    rng.choice(_NAMES),
                    rng.choice(("ja", "nee", "oui")),
                    "yes" if has_email else "",
                    postcode,
                    municipality,
                    region,
                    rng.randint(18, 99),
                    rng.choice(("ja", "nee")),
                    rng.choice(("yes", "no")),
                )
            )


async def _import(url: str, path: Path, again: bool) -> dict[str, float]:
    """Import the file into an empty database; with ``again``, then once more, all unchanged."""
    from campaign.bootstrap import build
    from campaign.kernel.identity import SYSTEM
    from campaign.settings import load_settings
    from campaign.store.migrate import upgrade

    await upgrade(url)
    # Through the root the product runs, as `campaign contacts import` does.
    services = build(load_settings(database_url=url, secret_key="bench-" * 6))

    async def once() -> tuple[float, int]:
        started = time.perf_counter()
        with path.open("rb") as stream:
            report = await services.records.import_file(SYSTEM, stream)
        return time.perf_counter() - started, report.created + report.unchanged

    try:
        seconds, created = await once()
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        again_seconds, unchanged = await once() if again else (0.0, 0)
    finally:
        await services.close()
    return {
        "seconds": seconds,
        "rows_per_second": created / seconds,
        "again_rows_per_second": unchanged / again_seconds if again else 0.0,
        "peak_mib": peak_kib / 1024,
    }


_RAW_COLUMNS = (
    "external_id",
    "phone",
    "email",
    "language",
    "first_name",
    "postcode",
    "municipality",
    "region",
)


def _raw_chunks(path: Path, now: object) -> Iterator[list[tuple[object, ...]]]:
    """The file's contact columns as they are, with the NOT NULL columns filled, 5,000 at a time."""
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream, delimiter=";")
        chunk: list[tuple[object, ...]] = []
        for row in reader:
            values = tuple(row[c] or None for c in _RAW_COLUMNS)
            keys = tuple(_key(row[c]) for c in ("phone", "email"))  # as random as HMACs
            chunk.append((*values, *keys, "Europe/Brussels", "{}", False, False, now, now))
            if len(chunk) == 5000:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def _key(value: str) -> str | None:
    return hashlib.sha256(value.encode()).hexdigest() if value else None


_FILLED = (
    "phone_key",
    "email_key",
    "time_zone",
    "attributes",
    "consent_sms",
    "consent_email",
    "created_at",
    "updated_at",
)


async def _ceiling(url: str, path: Path) -> dict[str, float]:
    from campaign.store.migrate import upgrade

    await upgrade(url)
    names = [*_RAW_COLUMNS, *_FILLED]
    started = time.perf_counter()
    rows = 0
    if url.startswith("postgresql"):
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            for chunk in _raw_chunks(path, datetime.now(UTC)):
                async with conn.transaction():
                    await conn.copy_records_to_table("contacts", records=chunk, columns=names)
                rows += len(chunk)
        finally:
            await conn.close()
    else:
        db = sqlite3.connect(url.split("///", 1)[1])
        marks = ", ".join("?" * len(names))
        statement = f"INSERT INTO contacts ({', '.join(names)}) VALUES ({marks})"
        for chunk in _raw_chunks(path, datetime.now(UTC).isoformat()):
            with db:
                db.executemany(statement, chunk)
            rows += len(chunk)
        db.close()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows_per_second": rows / seconds}


def _child(url: str, path: Path, mode: str = "import") -> dict[str, float]:
    answer = subprocess.run(
        [sys.executable, "-m", "bench.import_contacts", mode, url, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(answer.stdout.strip().splitlines()[-1]))


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(POSTGRES.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _postgres_run(path: Path, mode: str = "import") -> dict[str, float]:
    name = f"bench_import_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        return _child(POSTGRES.rsplit("/", 1)[0] + "/" + name, path, mode)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _sqlite_run(path: Path, folder: Path, mode: str = "import") -> dict[str, float]:
    database = folder / f"{uuid.uuid4().hex[:8]}.db"
    try:
        return _child(f"sqlite+aiosqlite:///{database}", path, mode)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)


SMALL = ROWS // 10  # memory is flat when a file ten times larger needs about the same


def run() -> Section:
    with tempfile.TemporaryDirectory() as folder:
        path, small = Path(folder) / "contacts.csv", Path(folder) / "small.csv"
        write_file(path, ROWS)
        write_file(small, SMALL)
        size_mib = path.stat().st_size / 1024 / 1024
        results, ceilings, smaller = {}, {}, {}
        results["PostgreSQL"] = [_postgres_run(path, "import-again") for _ in range(RUNS)]
        ceilings["PostgreSQL"] = [_postgres_run(path, "ceiling") for _ in range(RUNS)]
        smaller["PostgreSQL"] = _postgres_run(small)
        results["SQLite"] = [_sqlite_run(path, Path(folder)) for _ in range(RUNS)]
        ceilings["SQLite"] = [_sqlite_run(path, Path(folder), "ceiling") for _ in range(RUNS)]
        smaller["SQLite"] = _sqlite_run(small, Path(folder))
    lines = [
        stamp(),
        "",
        f"{ROWS:,} generated rows ({size_mib:.0f} MiB, semicolon CSV, 3 typed attributes), "
        f"{RUNS} run(s) each, a fresh database per run (so the first import skips looking up "
        "external ids: nothing is stored to match). On PostgreSQL each run then imports the "
        "same file again, which looks up every id and compares every row. "
        "Peak RSS is the importing process's; the worker that checks rows holds a few batches. "
        "Target: 20,000 rows/s on PostgreSQL. "
        "Ceiling: the same file's raw values read with the csv module and written in chunks of "
        "5,000 by the bulk path alone (COPY; sqlite3 executemany), nothing checked or matched.",
        "",
        "| figure | median | runs |",
        "|---|---|---|",
    ]
    for engine, runs in results.items():
        lines.append(median_line(f"{engine} rows/s", [r["rows_per_second"] for r in runs], ""))
        lines.append(median_line(f"{engine} seconds", [r["seconds"] for r in runs], "s"))
        lines.append(median_line(f"{engine} peak RSS", [r["peak_mib"] for r in runs], "MiB"))
        peak = smaller[engine]["peak_mib"]
        lines.append(median_line(f"{engine} peak RSS, {SMALL:,} rows (one run)", [peak], "MiB"))
        if engine == "PostgreSQL":
            again = [r["again_rows_per_second"] for r in runs]
            lines.append(median_line(f"{engine} re-import, every row unchanged, rows/s", again, ""))
        ceiling = [r["rows_per_second"] for r in ceilings[engine]]
        lines.append(median_line(f"{engine} ceiling rows/s", ceiling, ""))
    lines.append("")
    for engine, runs in results.items():
        ratio = statistics.median(r["rows_per_second"] for r in runs) / statistics.median(
            r["rows_per_second"] for r in ceilings[engine]
        )
        lines.append(f"{engine}: the import runs at {ratio:.0%} of the ceiling.")
    return Section("Contact import", lines)


if __name__ == "__main__":
    _mode, _url, _path = sys.argv[1:4]
    if _mode == "ceiling":
        print(json.dumps(asyncio.run(_ceiling(_url, Path(_path)))))
    else:
        print(json.dumps(asyncio.run(_import(_url, Path(_path), again=_mode == "import-again"))))
