"""Where contacts live, on SQLite and PostgreSQL: one name for a municipality in any language,
province and region from the postcode, and segments that find a place by any of its names."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from audiences.contacts.fields import load_registry
from audiences.segments import audience_condition
from campaign.kernel.clock import ManualClock
from campaign.store.engine import Database
from campaign.store.tables import contacts
from tests.factories import all_contacts, contact, csv_text, person, run_import


def _places(people: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(p["municipality"], p["province"], p["region"]) for p in people]


@pytest.mark.parametrize("parallel_from", [10_000, 0], ids=["here", "in-workers"])
async def test_municipalities_in_any_language_are_stored_under_one_name(
    database: Database, clock: ManualClock, parallel_from: int
) -> None:
    rows = [
        person(external_id="a", municipality="Gand", postcode="9000"),
        person(external_id="b", municipality="ANTWERP", postcode="B-2000"),
        person(external_id="c", municipality="Lüttich", postcode="4000"),
        person(external_id="d", municipality="Bruxelles", postcode="1000"),
        person(external_id="e", municipality="Bergen", postcode=""),
        person(external_id="f", municipality="Aken", postcode="52062"),
    ]
    report = await run_import(database, clock, csv_text(rows), parallel_from=parallel_from)
    assert report.rejected == [] and report.created == 6
    assert _places(await all_contacts(database)) == [
        ("Gent", "Oost-Vlaanderen", "Vlaanderen"),
        ("Antwerpen", "Antwerpen", "Vlaanderen"),
        ("Liège", "Liège", "Wallonie"),
        ("Brussel", "Brussel", "Brussel"),
        ("Mons", "Hainaut", "Wallonie"),  # no postcode: the municipality tells
        ("Aken", None, None),  # not Belgian: kept as written, nothing derived
    ]
    again = await run_import(database, clock, csv_text(rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)


async def test_a_province_or_region_in_the_file_is_kept_in_its_one_name(
    database: Database, clock: ManualClock
) -> None:
    rows = [
        person(external_id="a", postcode="9000", province="Flandre-Orientale", region=""),
        person(external_id="b", postcode="4700", province="", region="Ostbelgien"),
        person(external_id="c", postcode="1050", province="", region="Région wallonne"),
    ]
    report = await run_import(database, clock, csv_text(rows, delimiter=";"))
    assert report.rejected == []
    assert [(p["province"], p["region"]) for p in await all_contacts(database)] == [
        ("Oost-Vlaanderen", "Vlaanderen"),
        ("Liège", "Ostbelgien"),  # what the file says stays, in its one name where known
        ("Brussel", "Wallonie"),
    ]


async def test_a_new_postcode_moves_province_and_region_with_it(
    database: Database, clock: ManualClock
) -> None:
    await run_import(database, clock, csv_text([person(external_id="a", postcode="9000")]))
    moved = await run_import(database, clock, csv_text([person(external_id="a", postcode="6700")]))
    assert moved.updated == 1
    ((_, province, region),) = _places(await all_contacts(database))
    assert (province, region) == ("Luxembourg", "Wallonie")


async def _names(database: Database, query: str) -> set[str]:
    async with database.read_session() as session:
        condition = audience_condition(query, dict(await load_registry(session)))
        result = await session.execute(select(contacts.c.first_name).where(condition))
        return set(result.scalars())


@pytest.fixture
async def places(database: Database, clock: ManualClock) -> Database:
    rows = [
        person(external_id="a", first_name="Anna", municipality="Gent", postcode="9000"),
        person(external_id="b", first_name="Luc", municipality="Liège", postcode="4000"),
        person(external_id="c", first_name="Els", municipality="Elsene", postcode="1050"),
    ]
    assert (await run_import(database, clock, csv_text(rows))).created == 3
    # Stored before names were normalised, as an older import wrote them.
    await contact(database, clock, first_name="Marie", municipality="Gand", region="Flandre")
    await contact(database, clock, first_name="Jörg", municipality="LUIK")
    await contact(database, clock, first_name="Zoë", municipality="Nergensdorp")
    return database


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('municipality = "Gand"', {"Anna", "Marie"}),
        ('municipality = "ghent"', {"Anna", "Marie"}),
        ('municipality = "Liege"', {"Luc", "Jörg"}),
        ('municipality = "Lüttich"', {"Luc", "Jörg"}),
        ('municipality IN ("Gent", "Ixelles")', {"Anna", "Marie", "Els"}),
        ('municipality != "Gent"', {"Luc", "Jörg", "Els", "Zoë"}),
        ('NOT municipality = "Luik"', {"Anna", "Marie", "Els", "Zoë"}),
        ('region = "Flanders"', {"Anna", "Marie"}),
        ('region = "Bruxelles"', {"Els"}),
        ('province IN ("Lüttich", "East Flanders")', {"Anna", "Luc"}),
    ],
)
async def test_a_segment_finds_a_place_by_any_of_its_names(
    places: Database, query: str, expected: set[str]
) -> None:
    assert await _names(places, query) == expected


async def test_contains_and_places_the_service_does_not_know_compare_the_text_as_stored(
    places: Database,
) -> None:
    assert await _names(places, 'municipality = "gand"') == {"Anna", "Marie"}
    assert await _names(places, 'municipality ~ "gan"') == {"Marie"}
    assert await _names(places, 'municipality = "NERGENSDORP"') == {"Zoë"}
