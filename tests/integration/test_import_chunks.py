"""Imports larger than one chunk: matching across chunks, repeats far apart, worker processes.

Chunks of two rows make every rule cross a chunk boundary; the same file is imported checked
in this process, checked in worker processes, and as a dry run, and must be reported alike.
"""

from __future__ import annotations

import pytest

from audiences.contacts.model import ImportReport
from campaign.kernel.clock import ManualClock
from campaign.store.engine import Database
from tests.factories import all_contacts, csv_text, person, run_import

HOUSEHOLD = "0470 12 34 56"
ROWS = [
    person(external_id="a1", phone="0470 00 00 01"),  # line 2
    person(external_id="a2", phone="0470 00 00 02"),  # 3
    person(first_name="An", phone=HOUSEHOLD),  # 4: created
    person(first_name="Jan", phone=HOUSEHOLD),  # 5: created, a housemate
    person(first_name="An", phone=HOUSEHOLD),  # 6: line 4 again, in the next chunk
    person(first_name="An", phone=HOUSEHOLD, language="fr"),  # 7: like line 4, but not the same
    person(external_id="a1", phone="0470 00 00 03"),  # 8: a1 again
    person(external_id="a3", phone="x"),  # 9
]


def _outcome(report: ImportReport) -> tuple[object, ...]:
    return (
        report.created,
        report.updated,
        report.unchanged,
        [a.line for a in report.ambiguous],
        sorted((r.line, r.column, r.reason) for r in report.rejected),
    )


EXPECTED = (
    4,
    0,
    1,
    [7],
    [
        (8, "external_id", "the same external_id as line 2"),
        (9, "phone", "not a phone number"),
    ],
)


@pytest.mark.parametrize("parallel_from", [10_000, 0], ids=["here", "in-workers"])
async def test_rules_hold_across_chunks(
    database: Database, clock: ManualClock, parallel_from: int
) -> None:
    report = await run_import(
        database, clock, csv_text(ROWS), chunk_size=2, parallel_from=parallel_from
    )
    assert _outcome(report) == EXPECTED
    people = await all_contacts(database)
    assert [(p["external_id"], p["first_name"], p["phone"]) for p in people] == [
        ("a1", "An", "+32470000001"),
        ("a2", "An", "+32470000002"),
        (None, "An", "+32470123456"),
        (None, "Jan", "+32470123456"),
    ]


async def test_a_dry_run_across_chunks_reports_what_the_import_does(
    database: Database, clock: ManualClock
) -> None:
    report = await run_import(database, clock, csv_text(ROWS), chunk_size=2, dry_run=True)
    assert _outcome(report) == EXPECTED
    assert await all_contacts(database) == []


async def test_chunks_with_external_ids_are_matched_while_the_last_is_written(
    database: Database, clock: ManualClock
) -> None:
    rows = [
        person(external_id=f"c{i}", phone=f"0470 00 00 {i:02d}", age=str(20 + i)) for i in range(10)
    ]
    first = await run_import(database, clock, csv_text(rows), chunk_size=3)
    rows[4] |= {"age": "70"}
    rows[8] |= {"first_name": "Lotte"}
    clock.advance(60)
    again = await run_import(database, clock, csv_text([*rows, rows[1]]), chunk_size=3)
    assert (first.created, again.created, again.updated, again.unchanged) == (10, 0, 2, 8)
    assert [(r.line, r.reason) for r in again.rejected] == [(12, "the same external_id as line 3")]
    people = {p["external_id"]: p for p in await all_contacts(database)}
    assert people["c4"]["attributes"] == {"age": 70} and people["c8"]["first_name"] == "Lotte"
    assert people["c4"]["updated_at"] == clock.now() != people["c5"]["updated_at"]
